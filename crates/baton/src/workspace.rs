//! Opening an existing data directory for the commands that read or change a workspace from the
//! command line, acting as its first owner; and finding its members and channels by name.

use std::path::Path;

use anyhow::{bail, Context};
use baton_core::model::{Channel, Member};
use baton_store::{SqliteStore, Store, Viewer};

/// The store in `data_dir` (which must already hold a workspace) and its first owner.
pub(crate) async fn open(data_dir: &Path) -> anyhow::Result<(SqliteStore, Viewer)> {
    if !data_dir.join("baton.db").is_file() {
        bail!("{} holds no Baton database: run `baton demo` or `baton serve` there first", data_dir.display());
    }
    let store = SqliteStore::open(data_dir)
        .await
        .with_context(|| format!("cannot open the data directory {}", data_dir.display()))?;
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
pub(crate) async fn channel_named(store: &SqliteStore, viewer: &Viewer, name: &str) -> anyhow::Result<Channel> {
    let name = name.trim_start_matches('#');
    store
        .channels(viewer)
        .await?
        .into_iter()
        .find(|c| c.name == name || c.id.0.to_string() == name)
        .with_context(|| format!("no channel {name:?}"))
}
