//! `baton import`: another tool's history into a data directory, as events with their original
//! times and a `source`. Every write carries an idempotency key derived from the file's own ids,
//! so importing the same file again changes nothing, and an interrupted import resumes.

mod slack;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use baton_core::calendar::{parse_time_zone, WorkingHours};
use baton_core::model::{Priority, Role, TaskStatus};
use baton_core::{validate, MemberId, ProjectId, TaskId};
use baton_import::task_csv::{self, TaskRecord};
use baton_store::{Command, Envelope, NewMember, SqliteStore, Store, Viewer};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    #[command(subcommand)]
    kind: ImportKind,
}

#[derive(Debug, clap::Subcommand)]
enum ImportKind {
    /// Members, channels, threads and messages from a Slack export (its ZIP or unpacked folder).
    Slack {
        /// The export: a .zip file or the folder it unpacks to.
        path: PathBuf,
        /// Where the database lives (a workspace is set up there if there is none).
        #[arg(long, default_value_os_t = crate::default_data_dir(), env = "BATON_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Tasks from a CSV: Baton's own (id,title,project,assignee,status,created_at,updated_at,due,done_at)
    /// or a GitLab, Plane or TickTick export.
    TasksCsv {
        /// The CSV file.
        file: PathBuf,
        /// Where the database lives (a workspace is set up there if there is none).
        #[arg(long, default_value_os_t = crate::default_data_dir(), env = "BATON_DATA_DIR")]
        data_dir: PathBuf,
    },
}

/// Largest file an import reads, so that a wrong path cannot exhaust memory.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

pub(crate) async fn run(args: ImportArgs) -> anyhow::Result<()> {
    match args.kind {
        ImportKind::Slack { path, data_dir } => slack::run(path, data_dir).await,
        ImportKind::TasksCsv { file, data_dir } => tasks_csv(file, data_dir).await,
    }
}

async fn tasks_csv(file: PathBuf, data_dir: PathBuf) -> anyhow::Result<()> {
    let size = std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > MAX_FILE_BYTES {
        bail!("{} is {size} bytes; imports read at most {MAX_FILE_BYTES}", file.display());
    }
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    // Plain dates are midnight in the workspace's zone; a new data directory gets a workspace in
    // UTC. Only an existing database is opened before the file is known to read.
    let existing = if data_dir.join("baton.db").is_file() { Some(open_store(&data_dir).await?) } else { None };
    let zone = match &existing {
        Some(store) => store.workspace().await?.map(|w| w.time_zone),
        None => None,
    };
    let zone = parse_time_zone(zone.as_deref().unwrap_or("UTC"))?;
    let (tasks, diagnostics) = task_csv::read(&name, &bytes, &zone);
    // Nothing is written unless the whole file reads: no half-done import.
    if let Some(first) = diagnostics.first() {
        for diagnostic in diagnostics.iter().skip(1).take(20) {
            eprintln!("{diagnostic}");
        }
        bail!("{first} ({} unreadable lines in all; nothing was imported)", diagnostics.len());
    }
    let store = match existing {
        Some(store) => store,
        None => open_store(&data_dir).await?,
    };
    let owner = ensure_workspace(&store, SOURCE).await?;
    let progress = ProgressBar::new(tasks.len() as u64).with_message("tasks");
    progress.set_style(
        ProgressStyle::with_template("{msg:>6} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut importer = Importer { store: &store, owner, members: HashMap::new(), projects: HashMap::new() };
    for task in &tasks {
        importer
            .task(task)
            .await
            .with_context(|| format!("{name}:{}: task {:?} could not be imported", task.line, task.id))?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    eprintln!("imported {} tasks from {name} into {}", tasks.len(), data_dir.display());
    Ok(())
}

async fn open_store(data_dir: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(data_dir).await.with_context(|| format!("cannot open the data directory {}", data_dir.display()))
}

/// The owner imports act as; on an empty directory a workspace (UTC) is set up with a service
/// account as its owner, which insights do not count as a person (`baton admin create-user`
/// adds a person who can log in).
async fn ensure_workspace(store: &SqliteStore, source: &str) -> anyhow::Result<Viewer> {
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

struct Importer<'s> {
    store: &'s SqliteStore,
    owner: Viewer,
    members: HashMap<String, MemberId>,
    projects: HashMap<String, ProjectId>,
}

const SOURCE: &str = "tasks-csv";

impl Importer<'_> {
    async fn execute(&self, at: Timestamp, key: String, command: Command) -> anyhow::Result<Value> {
        let mut envelope = Envelope::new(self.owner, at, command).with_idempotency_key(Some(key));
        envelope.source = SOURCE.into();
        Ok(self.store.execute(envelope).await?)
    }

    /// The member named by a handle or an e-mail address, added (without a password) if the
    /// workspace does not know them.
    async fn member(&mut self, who: &str, at: Timestamp) -> anyhow::Result<MemberId> {
        if let Some(id) = self.members.get(who) {
            return Ok(*id);
        }
        let id = match self.store.login_lookup(who).await? {
            Some((id, _)) => id,
            None => {
                let local = who.split('@').next().unwrap_or(who);
                let cleaned: String = local
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
                    .collect();
                let handle = validate::handle("assignee", cleaned.trim_start_matches(['.', '_', '-']))?;
                let email = if who.contains('@') {
                    validate::email("assignee", who)?
                } else {
                    format!("{handle}@imported.invalid")
                };
                let member = NewMember {
                    handle,
                    email,
                    display_name: who.to_string(),
                    role: Role::Member,
                    time_zone: self.store.workspace().await?.map_or_else(|| "UTC".into(), |w| w.time_zone),
                    working_hours: WorkingHours::default(),
                    password_hash: None,
                    service: false,
                };
                let added = self
                    .execute(at, format!("{SOURCE}:member:{who}"), Command::AddMember { member, invite: None })
                    .await?;
                MemberId(added["member"]["id"].as_i64().context("no member id")?)
            }
        };
        self.members.insert(who.to_string(), id);
        Ok(id)
    }

    async fn project(&mut self, name: &str, at: Timestamp) -> anyhow::Result<ProjectId> {
        if let Some(id) = self.projects.get(name) {
            return Ok(*id);
        }
        let command = Command::CreateProject { name: validate::name("project", name)?, description: String::new() };
        let created = self.execute(at, format!("{SOURCE}:project:{name}"), command).await?;
        let id = ProjectId(created["id"].as_i64().context("no project id")?);
        self.projects.insert(name.to_string(), id);
        Ok(id)
    }

    /// The task at its creation, then its status at the time the file gives; a task whose
    /// `updated_at` is later than all else gets an update then, so that its last activity is
    /// the latest of its instants.
    async fn task(&mut self, task: &TaskRecord) -> anyhow::Result<()> {
        let project = self.project(&task.project, task.created_at).await?;
        let assignee = match &task.assignee {
            Some(who) => Some(self.member(who, task.created_at).await?),
            None => None,
        };
        let key = |step: &str| format!("{SOURCE}:task:{}:{step}", task.id);
        let create = Command::CreateTask {
            project,
            title: validate::name("title", &task.title)?,
            description: String::new(),
            assignee,
            status: TaskStatus::Todo,
            due: task.due,
            priority: Priority::Normal,
        };
        let created = self.execute(task.created_at, key("created"), create).await?;
        let id = TaskId(created["id"].as_i64().context("no task id")?);
        let status_at = match task.status {
            TaskStatus::Todo => None,
            TaskStatus::Done => task.done_at,
            _ => Some(task.updated_at),
        };
        if let Some(at) = status_at {
            let change = update(id, Some(task.status), None);
            self.execute(at, key("status"), change).await?;
        }
        let last = status_at.unwrap_or(task.created_at);
        if task.updated_at > last {
            let touch = update(id, None, Some(task.title.clone()));
            self.execute(task.updated_at, key("updated"), touch).await?;
        }
        Ok(())
    }
}

fn update(id: TaskId, status: Option<TaskStatus>, title: Option<String>) -> Command {
    Command::UpdateTask { id, title, description: None, assignee: None, status, due: None, priority: None }
}
