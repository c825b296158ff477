//! Where a workspace lives (`--data-dir`, `--database`) and opening it for the commands that
//! read or change it from the command line, acting as its first owner; and finding its members
//! and channels by name.

use std::path::PathBuf;

use anyhow::{bail, Context};
use baton_core::model::{Channel, Member};
use baton_store::{Database, SqlStore, Store, Viewer};

/// Where a workspace lives: its data directory and, on PostgreSQL, its database.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct Place {
    /// The data directory: the embedded SQLite database (unless --database names another), the
    /// setup token and generated files.
    #[arg(long, default_value_os_t = crate::default_data_dir(), env = "BATON_DATA_DIR", global = true)]
    pub(crate) data_dir: PathBuf,
    /// Keep the workspace in this PostgreSQL database instead of the data directory's SQLite
    /// file: postgres://USER@HOST:PORT/NAME (the database must exist; Baton creates its tables).
    #[arg(long, env = "BATON_DATABASE", value_name = "URL", global = true)]
    pub(crate) database: Option<String>,
}

impl Place {
    pub(crate) fn database(&self) -> anyhow::Result<Database> {
        Ok(Database::choose(self.database.as_deref(), &self.data_dir)?)
    }

    /// Where the workspace is, for messages: the data directory, or the PostgreSQL database.
    pub(crate) fn describe(&self) -> String {
        match self.database() {
            Ok(database @ Database::Postgres(_)) => database.to_string(),
            _ => self.data_dir.display().to_string(),
        }
    }

    /// Opens the workspace's store, creating its tables where there are none yet.
    pub(crate) async fn open(&self) -> anyhow::Result<SqlStore> {
        let database = self.database()?;
        SqlStore::open(&database).await.with_context(|| format!("cannot open the workspace in {}", self.describe()))
    }

    /// Opens a store that must already hold a workspace.
    pub(crate) async fn open_existing(&self) -> anyhow::Result<SqlStore> {
        let missing =
            || format!("{} holds no Baton workspace: run `baton demo` or `baton serve` there first", self.describe());
        let database = self.database()?;
        if let Database::Sqlite(dir) = &database {
            if !dir.join("baton.db").is_file() {
                bail!(missing());
            }
        }
        let store = self.open().await?;
        if store.workspace().await?.is_none() {
            bail!(missing());
        }
        Ok(store)
    }

    /// Whether the place already holds a workspace, without creating anything.
    pub(crate) fn may_hold_one(&self) -> bool {
        self.database.as_deref().is_some_and(|url| !url.trim().is_empty()) || self.data_dir.join("baton.db").is_file()
    }
}

/// The store at `place` (which must already hold a workspace) and its first owner.
pub(crate) async fn open(place: &Place) -> anyhow::Result<(SqlStore, Viewer)> {
    let store = place.open_existing().await?;
    let owner = crate::admin::first_owner(&store).await?;
    Ok((store, owner))
}

/// Each named member (by handle or id), in the order given.
pub(crate) fn members_named<'a>(everyone: &'a [Member], names: &[String]) -> anyhow::Result<Vec<&'a Member>> {
    names
        .iter()
        .map(|name| {
            let name = name.trim_start_matches('@');
            everyone
                .iter()
                .find(|m| m.handle == name || m.id.0.to_string() == name)
                .with_context(|| format!("no member {name:?} (give handles or ids)"))
        })
        .collect()
}

/// The channel named `name` (with or without `#`, or its id).
pub(crate) async fn channel_named(store: &SqlStore, viewer: &Viewer, name: &str) -> anyhow::Result<Channel> {
    let name = name.trim_start_matches('#');
    store
        .channels(viewer)
        .await?
        .into_iter()
        .find(|c| c.name == name || c.id.0.to_string() == name)
        .with_context(|| format!("no channel {name:?}"))
}
