//! `baton import`: another tool's history into a data directory, as events with their original
//! times and a `source`. Every write carries an idempotency key derived from the file's own ids,
//! so importing the same file again changes nothing, and an interrupted import resumes. An
//! import ends by saying what it imported (or that nothing changed) and what to run next.

mod slack;
mod summary;
mod tasks_csv;

use std::fmt;
use std::path::PathBuf;

use baton_core::calendar::WorkingHours;
use baton_core::model::Role;
use baton_store::{Command, Envelope, NewMember, SqlStore, Store, Viewer};

use crate::workspace::Place;
use jiff::Timestamp;

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    #[command(subcommand)]
    kind: ImportKind,
}

#[derive(Debug, clap::Subcommand)]
enum ImportKind {
    /// Members, channels, threads, messages, reactions and edit times from a Slack export (its
    /// ZIP or unpacked folder).
    Slack {
        /// The export: a .zip file or the folder it unpacks to.
        path: PathBuf,
        /// Where the workspace lives (one is set up there if there is none).
        #[command(flatten)]
        place: Place,
    },
    /// Tasks from a CSV: Baton's own (id,title,project,assignee,status,created_at,updated_at,due,done_at)
    /// or a GitLab, Plane or TickTick export.
    TasksCsv {
        /// The CSV file.
        file: PathBuf,
        /// Where the workspace lives (one is set up there if there is none).
        #[command(flatten)]
        place: Place,
        /// Where the file comes from (e.g. jira), to keep its tasks apart from tasks imported
        /// before whose project and id are the same but which are other tasks. Default: none; a
        /// task is known by its project and id, so importing the same file again changes nothing.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
    },
}

/// Largest file an import reads, so that a wrong path cannot exhaust memory.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

pub(crate) async fn run(args: ImportArgs) -> anyhow::Result<()> {
    match args.kind {
        ImportKind::Slack { path, place } => slack::run(path, place).await,
        ImportKind::TasksCsv { file, place, source } => tasks_csv::run(file, place, source).await,
    }
}

/// The owner imports act as; on an empty directory a workspace (UTC) is set up with a service
/// account as its owner, which insights do not count as a person (`baton admin create-user`
/// adds a person who can log in).
async fn ensure_workspace(store: &SqlStore, source: &str) -> anyhow::Result<Viewer> {
    if store.workspace().await?.is_none() {
        let owner = NewMember {
            handle: "importer".into(),
            email: "importer@baton.invalid".into(),
            display_name: "Importer".into(),
            role: Role::Owner,
            time_zone: "UTC".into(),
            working_hours: WorkingHours::default(),
            password_hash: None,
            service: true,
        };
        let setup = Command::Setup { workspace_name: "Imported".into(), time_zone: "UTC".into(), owner };
        let mut envelope = Envelope::system(Timestamp::UNIX_EPOCH, setup);
        envelope.source = source.into();
        store.execute(envelope).await?;
    }
    crate::admin::first_owner(store).await
}

/// Whether the store refused a request because its idempotency key was used before for another
/// request: for an import, something it imported before differs from what it reads now.
fn is_reused_key(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<baton_store::Error>(),
            Some(baton_store::Error::Invalid { field, .. }) if field == "Idempotency-Key"
        )
    })
}

/// Something an earlier import into the data directory wrote differs from what the export holds
/// now, said in the export's terms (the store only knows that a key was used for another request).
#[derive(Debug)]
struct Differs(String);

impl fmt::Display for Differs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Differs {}

/// `err` as a [`Differs`] saying `what` when a reused key caused it, else as it is.
fn in_export_terms(err: impl Into<anyhow::Error>, what: impl FnOnce() -> String) -> anyhow::Error {
    let err = err.into();
    if is_reused_key(&err) {
        Differs(what()).into()
    } else {
        err
    }
}

/// `n` and the noun, singular for one: "1 conversation", "2 conversations".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
