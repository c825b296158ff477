//! `baton import tasks-csv`: a task CSV (Baton's own or another tool's) into a data directory.
//! The whole file is read, then checked against what earlier imports wrote, before anything is
//! written: a bad line or a real conflict stops it with the file, line and task, and nothing
//! is imported.
//!
//! A task's idempotency keys name its project and id (and the `--source`, if given): two files
//! whose ids overlap in different projects are different tasks, and the same file imported
//! again changes nothing. Versions before issue 12 keyed a task by its id alone; a task such a
//! version imported into the same project keeps its old keys.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use baton_core::calendar::{parse_time_zone, WorkingHours};
use baton_core::model::{Priority, Role, Task, TaskStatus};
use baton_core::{validate, MemberId, ProjectId, TaskId};
use baton_import::task_csv::{self, TaskRecord};
use baton_store::{Answer, Command, Envelope, NewMember, SqlStore, Store, Viewer};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;

use super::summary::Summary;
use super::{count, ensure_workspace, is_reused_key, MAX_FILE_BYTES};
use crate::workspace::Place;

const SOURCE: &str = "tasks-csv";

/// Conflicts listed before the import stops.
const SHOWN_CONFLICTS: usize = 10;

pub(super) async fn run(file: PathBuf, place: Place, source: Option<String>) -> anyhow::Result<()> {
    let source = source.map(|s| validate::name("--source", &s)).transpose()?;
    let size = std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > MAX_FILE_BYTES {
        bail!("{} is {size} bytes; imports read at most {MAX_FILE_BYTES}", file.display());
    }
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    // Plain dates are midnight in the workspace's zone; a new data directory gets a workspace in
    // UTC. Only an existing database is opened before the file is known to read.
    let existing = if place.may_hold_one() { Some(place.open().await?) } else { None };
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
        None => place.open().await?,
    };
    let head_before = store.head().await?;
    let owner = ensure_workspace(&store, SOURCE).await?;
    let mut importer = Importer { store: &store, owner, source, members: HashMap::new(), projects: HashMap::new() };
    let conflicts = importer.conflicts(&tasks).await?;
    if let Some(first) = conflicts.first() {
        for conflict in conflicts.iter().skip(1).take(SHOWN_CONFLICTS - 1) {
            eprintln!("{name}:{conflict}");
        }
        bail!(
            "{name}:{first} ({} in all; nothing was imported). Baton imports a task once and does not update it \
             from a later export. If the file's tasks are other tasks that share project and id with ones \
             imported before, import it with --source NAME (where it comes from, e.g. --source jira) to keep \
             them apart; if it is a newer export of the same tasks, import it into a new data directory",
            count(conflicts.len() as u64, "task imported before differs", "tasks imported before differ"),
        );
    }
    let progress = ProgressBar::new(tasks.len() as u64).with_message("tasks");
    progress.set_style(
        ProgressStyle::with_template("{msg:>6} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for task in &tasks {
        importer.task(task).await.map_err(|err| {
            if is_reused_key(&err) {
                // Another import wrote it between the check and now.
                anyhow!("{name}:{}: task {:?} was imported before from another row", task.line, task.id)
            } else {
                err.context(format!("{name}:{}: task {:?} could not be imported", task.line, task.id))
            }
        })?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    let changed = store.head().await? != head_before;
    summary(&tasks).print(&store, owner, &name, &place, changed).await
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
    store: &'s SqlStore,
    owner: Viewer,
    /// `--source`: keys its tasks apart from those of other sources.
    source: Option<String>,
    members: HashMap<String, MemberId>,
    projects: HashMap<String, ProjectId>,
}

/// The steps of a task's import, each its own command and key.
const CREATED: &str = "created";
const STATUS: &str = "status";
const UPDATED: &str = "updated";

impl Importer<'_> {
    async fn execute(&self, at: Timestamp, key: String, command: Command) -> anyhow::Result<Answer> {
        let mut envelope = Envelope::new(self.owner, at, command).with_idempotency_key(Some(key));
        envelope.source = SOURCE.into();
        Ok(self.store.execute(envelope).await?)
    }

    /// The keys of a task's steps, without the step: its project and id (quoted, so that no two
    /// pairs make the same key), under `--source` if given.
    fn task_key(&self, task: &TaskRecord) -> String {
        match &self.source {
            Some(source) => format!("{SOURCE}:source:{source:?}:project-task:{:?}:{:?}", task.project, task.id),
            None => format!("{SOURCE}:project-task:{:?}:{:?}", task.project, task.id),
        }
    }

    /// How versions before issue 12 keyed a task: by its id alone.
    fn former_task_key(task: &TaskRecord) -> String {
        format!("{SOURCE}:task:{}", task.id)
    }

    /// The prefix of the task's keys: the former one when an earlier version imported this task
    /// into the same project, so that importing that file again still changes nothing.
    async fn keys_of(&self, task: &TaskRecord, project: Option<ProjectId>) -> anyhow::Result<String> {
        let key = self.task_key(task);
        if self.source.is_some() || self.record(&format!("{key}:{CREATED}")).await?.is_some() {
            return Ok(key);
        }
        let former = Self::former_task_key(task);
        let imported = self.record(&format!("{former}:{CREATED}")).await?;
        let same_project = |record: &baton_store::KeyRecord| {
            record.answer::<Task>().is_ok_and(|task| Some(task.project_id) == project)
        };
        Ok(if imported.is_some_and(|r| same_project(&r)) { former } else { key })
    }

    async fn record(&self, key: &str) -> anyhow::Result<Option<baton_store::KeyRecord>> {
        Ok(self.store.idempotency_record(self.owner.member, key).await?)
    }

    /// Every task whose earlier import differs from its row now, as `LINE: what differs`, found
    /// without writing anything.
    async fn conflicts(&self, tasks: &[TaskRecord]) -> anyhow::Result<Vec<String>> {
        let projects: HashMap<String, ProjectId> =
            self.store.projects(&self.owner).await?.into_iter().map(|p| (p.name, p.id)).collect();
        let mut conflicts = Vec::new();
        for task in tasks {
            let project = projects.get(&task.project).copied();
            let keys = self.keys_of(task, project).await?;
            let Some(created) = self.record(&format!("{keys}:{CREATED}")).await? else { continue };
            let assignee = match &task.assignee {
                Some(who) => Some(self.known_member(who).await?),
                None => None,
            };
            let create = create_command(task, project.unwrap_or(ProjectId(-1)), assignee)?;
            let differs =
                |record: &baton_store::KeyRecord, command: &Command| record.fingerprint != command.fingerprint_hash();
            let what = if differs(&created, &create) {
                Some("its title, assignee or due date")
            } else {
                let id = created.answer::<Task>().context("an imported task, read back")?.id;
                let mut what = None;
                for (step, _, command) in later_steps(task, id) {
                    let record = self.record(&format!("{keys}:{step}")).await?;
                    if record.is_some_and(|r| differs(&r, &command)) {
                        what = Some(if step == STATUS { "its status or when it changed" } else { "its last update" });
                        break;
                    }
                }
                what
            };
            if let Some(what) = what {
                conflicts.push(format!(
                    "{}: task {:?} of project {:?} was imported before from a row that differs in {what}",
                    task.line, task.id, task.project
                ));
            }
        }
        Ok(conflicts)
    }

    /// The member [`Importer::member`] would take for `who`, without adding anyone: someone the
    /// workspace does not know yet (id -1) was no task's assignee before.
    async fn known_member(&self, who: &str) -> anyhow::Result<MemberId> {
        if let Some((id, _)) = self.store.login_lookup(who).await? {
            return Ok(id);
        }
        let added = self.record(&member_key(who)).await?;
        let added = added.and_then(|r| r.answer::<baton_store::answer::MemberAdded>().ok());
        Ok(added.map_or(MemberId(-1), |added| added.member.id))
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
                added.into_member_added()?.member.id
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
        let id = ProjectId(created.id().context("no project id")?);
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
        let keys = self.keys_of(task, Some(project)).await?;
        let create = create_command(task, project, assignee)?;
        let created = self.execute(task.created_at, format!("{keys}:{CREATED}"), create).await?;
        let id = TaskId(created.id().context("no task id")?);
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
