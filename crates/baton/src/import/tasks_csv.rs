//! `baton import tasks-csv`: a task CSV (Baton's own or another tool's) into a data directory.
//! The whole file is read before anything is written: a bad line stops it with the file and
//! line, and nothing is imported. Every write's idempotency key comes from the file's task ids,
//! so a second import (or a resumed one) changes nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use baton_core::calendar::{parse_time_zone, WorkingHours};
use baton_core::model::{Priority, Role, TaskStatus};
use baton_core::{validate, MemberId, ProjectId, TaskId};
use baton_import::task_csv::{self, TaskRecord};
use baton_store::{Command, Envelope, NewMember, SqliteStore, Store, Viewer};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use serde_json::Value;

use super::summary::Summary;
use super::{count, ensure_workspace, open_store, MAX_FILE_BYTES};

const SOURCE: &str = "tasks-csv";

pub(super) async fn run(file: PathBuf, data_dir: PathBuf) -> anyhow::Result<()> {
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
    let head_before = store.head().await?;
    let owner = ensure_workspace(&store, SOURCE).await?;
    let mut importer = Importer { store: &store, owner, members: HashMap::new(), projects: HashMap::new() };
    let progress = ProgressBar::new(tasks.len() as u64).with_message("tasks");
    progress.set_style(
        ProgressStyle::with_template("{msg:>6} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for task in &tasks {
        importer
            .task(task)
            .await
            .with_context(|| format!("{name}:{}: task {:?} could not be imported", task.line, task.id))?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    let changed = store.head().await? != head_before;
    summary(&tasks).print(&store, owner, &name, &data_dir, changed).await
}

/// What the file holds, for the import's last words.
fn summary(tasks: &[TaskRecord]) -> Summary {
    let mut projects: Vec<&str> = tasks.iter().map(|t| t.project.as_str()).collect();
    projects.sort_unstable();
    projects.dedup();
    let mut assignees: Vec<&str> = tasks.iter().filter_map(|t| t.assignee.as_deref()).collect();
    assignees.sort_unstable();
    assignees.dedup();
    let instants = tasks.iter().flat_map(|t| [Some(t.created_at), Some(t.updated_at), t.done_at]).flatten();
    Summary {
        counts: vec![
            count(tasks.len() as u64, "task", "tasks"),
            count(projects.len() as u64, "project", "projects"),
            count(assignees.len() as u64, "assignee", "assignees"),
        ],
        notes: Vec::new(),
        first: instants.clone().min(),
        last: instants.max(),
    }
}

struct Importer<'s> {
    store: &'s SqliteStore,
    owner: Viewer,
    members: HashMap<String, MemberId>,
    projects: HashMap<String, ProjectId>,
}

/// The steps of a task's import, each its own command and key.
const CREATED: &str = "created";
const STATUS: &str = "status";
const UPDATED: &str = "updated";

impl Importer<'_> {
    async fn execute(&self, at: Timestamp, key: String, command: Command) -> anyhow::Result<Value> {
        let mut envelope = Envelope::new(self.owner, at, command).with_idempotency_key(Some(key));
        envelope.source = SOURCE.into();
        Ok(self.store.execute(envelope).await?)
    }

    /// The keys of a task's steps, without the step: from its id.
    fn task_key(task: &TaskRecord) -> String {
        format!("{SOURCE}:task:{}", task.id)
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
                let added = self.execute(at, member_key(who), Command::AddMember { member, invite: None }).await?;
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

    /// The task at its creation, then its later steps ([`later_steps`]).
    async fn task(&mut self, task: &TaskRecord) -> anyhow::Result<()> {
        let project = self.project(&task.project, task.created_at).await?;
        let assignee = match &task.assignee {
            Some(who) => Some(self.member(who, task.created_at).await?),
            None => None,
        };
        let keys = Self::task_key(task);
        let create = create_command(task, project, assignee)?;
        let created = self.execute(task.created_at, format!("{keys}:{CREATED}"), create).await?;
        let id = TaskId(created["id"].as_i64().context("no task id")?);
        for (step, at, command) in later_steps(task, id) {
            self.execute(at, format!("{keys}:{step}"), command).await?;
        }
        Ok(())
    }
}

fn member_key(who: &str) -> String {
    format!("{SOURCE}:member:{who}")
}

fn create_command(task: &TaskRecord, project: ProjectId, assignee: Option<MemberId>) -> anyhow::Result<Command> {
    Ok(Command::CreateTask {
        project,
        title: validate::name("title", &task.title)?,
        description: String::new(),
        assignee,
        status: TaskStatus::Todo,
        due: task.due,
        priority: Priority::Normal,
    })
}

/// After its creation: its status at the time the file gives; then, when `updated_at` is later
/// than all else, an update then, so that its last activity is the latest of its instants.
fn later_steps(task: &TaskRecord, id: TaskId) -> Vec<(&'static str, Timestamp, Command)> {
    let mut steps = Vec::new();
    let status_at = match task.status {
        TaskStatus::Todo => None,
        TaskStatus::Done => task.done_at,
        _ => Some(task.updated_at),
    };
    if let Some(at) = status_at {
        steps.push((STATUS, at, update(id, Some(task.status), None)));
    }
    let last = status_at.unwrap_or(task.created_at);
    if task.updated_at > last {
        steps.push((UPDATED, task.updated_at, update(id, None, Some(task.title.clone()))));
    }
    steps
}

fn update(id: TaskId, status: Option<TaskStatus>, title: Option<String>) -> Command {
    Command::UpdateTask { id, title, description: None, assignee: None, status, due: None, priority: None }
}
