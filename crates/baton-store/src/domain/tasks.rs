//! Projects and their tasks: who may create and change them, what each change records, whom it
//! notifies and what it schedules.

use baton_core::calendar::parse_time_zone;
use baton_core::event::{self as ev, Change};
use baton_core::model::{Priority, Project, Task, TaskStatus};
use baton_core::{MemberId, ProjectId, TaskId};
use jiff::civil::Date;
use serde_json::json;

use super::{active_member, no_guest, notifications, policy, threads, IdKind, Tx};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// What a new task is made of.
pub(crate) struct TaskFields<'a> {
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) assignee: Option<MemberId>,
    pub(crate) status: TaskStatus,
    pub(crate) due: Option<Date>,
    pub(crate) priority: Priority,
}

/// What changes of a task; `None`: unchanged (`Some(None)` clears the assignee or due date).
pub(crate) struct TaskChange<'a> {
    pub(crate) title: &'a Option<String>,
    pub(crate) description: &'a Option<String>,
    pub(crate) assignee: Option<Option<MemberId>>,
    pub(crate) status: Option<TaskStatus>,
    pub(crate) due: Option<Option<Date>>,
    pub(crate) priority: Option<Priority>,
}

/// Projects and tasks concern every member but guests: their changes are recorded so.
const SCOPE: Scope = Scope::Internal;

pub(crate) async fn readable_project(tx: &mut dyn Tx, viewer: &Viewer, id: ProjectId) -> Result<Project> {
    let found = if policy::may_read_work(viewer) { tx.project(id).await? } else { None };
    found.ok_or_else(|| Error::not_found(format!("project {id}")))
}

pub(crate) async fn readable_task(tx: &mut dyn Tx, viewer: &Viewer, id: TaskId) -> Result<Task> {
    let found = if policy::may_read_work(viewer) { tx.task(id).await? } else { None };
    found.ok_or_else(|| Error::not_found(format!("task {id}")))
}

pub(crate) async fn create_project(tx: &mut dyn Tx, viewer: &Viewer, name: &str, description: &str) -> Result<Project> {
    no_guest(viewer, "create projects")?;
    let id = ProjectId(tx.next_id(IdKind::Project).await?);
    let project = Project {
        id,
        name: name.to_string(),
        description: description.to_string(),
        created_by: viewer.member,
        created_at: tx.at(),
        archived: false,
    };
    let created = ev::ProjectChanged { project_id: id, project: project.clone() };
    tx.record(Change::ProjectCreated(created), SCOPE, None).await?;
    Ok(project)
}

pub(crate) async fn update_project(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: ProjectId,
    name: &Option<String>,
    description: &Option<String>,
    archived: Option<bool>,
) -> Result<Project> {
    let mut project = readable_project(tx, viewer, id).await?;
    if let Some(name) = name {
        project.name.clone_from(name);
    }
    if let Some(description) = description {
        project.description.clone_from(description);
    }
    if let Some(archived) = archived {
        project.archived = archived;
    }
    let updated = ev::ProjectChanged { project_id: id, project: project.clone() };
    tx.record(Change::ProjectUpdated(updated), SCOPE, None).await?;
    Ok(project)
}

pub(crate) async fn create_task(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    project: ProjectId,
    fields: TaskFields<'_>,
) -> Result<Task> {
    no_guest(viewer, "create tasks")?;
    readable_project(tx, viewer, project).await?;
    if let Some(assignee) = fields.assignee {
        active_member(tx, assignee).await?;
    }
    let thread = threads::begin(tx, viewer, None, fields.title, &[], false).await?;
    let id = TaskId(tx.next_id(IdKind::Task).await?);
    let at = tx.at();
    let task = Task {
        id,
        project_id: project,
        thread_id: thread.id,
        title: fields.title.to_string(),
        description: fields.description.to_string(),
        assignee_id: fields.assignee,
        status: fields.status,
        due: fields.due,
        priority: fields.priority,
        created_by: viewer.member,
        created_at: at,
        updated_at: at,
        done_at: (fields.status == TaskStatus::Done).then_some(at),
    };
    tx.record(Change::TaskCreated(ev::TaskCreated { task_id: id, task: task.clone() }), SCOPE, None).await?;
    if let Some(member) = task.assignee_id.filter(|m| *m != viewer.member) {
        let about = json!({ "task_id": id, "title": task.title, "by": viewer.member });
        notifications::notify(tx, member, "assigned", about, false).await?;
    }
    if let Some(due) = task.due {
        remind_due(tx, id, due, viewer.member).await?;
    }
    readable_task(tx, viewer, id).await
}

pub(crate) async fn update_task(tx: &mut dyn Tx, viewer: &Viewer, id: TaskId, change: TaskChange<'_>) -> Result<Task> {
    no_guest(viewer, "change tasks")?;
    let before = readable_task(tx, viewer, id).await?;
    let assignee = change.assignee.filter(|a| *a != before.assignee_id);
    if let Some(Some(member)) = assignee {
        active_member(tx, member).await?;
    }
    if change.title.is_some() || change.description.is_some() || change.priority.is_some() {
        let updated = ev::TaskUpdated {
            task_id: id,
            title: change.title.clone(),
            description: change.description.clone(),
            priority: change.priority,
        };
        tx.record(Change::TaskUpdated(updated), SCOPE, None).await?;
    }
    if let Some(assignee) = assignee {
        let assigned = ev::TaskAssigned { task_id: id, from: before.assignee_id, to: assignee };
        tx.record(Change::TaskAssigned(assigned), SCOPE, None).await?;
        if let Some(member) = assignee.filter(|m| *m != viewer.member) {
            let about = json!({ "task_id": id, "title": before.title, "by": viewer.member });
            notifications::notify(tx, member, "assigned", about, false).await?;
        }
    }
    if let Some(due) = change.due.filter(|d| *d != before.due) {
        let moved = ev::TaskDueChanged { task_id: id, from: before.due, to: due };
        tx.record(Change::TaskDueChanged(moved), SCOPE, None).await?;
        if let Some(due) = due {
            remind_due(tx, id, due, viewer.member).await?;
        }
    }
    if let Some(status) = change.status.filter(|s| *s != before.status) {
        let moved = ev::TaskStatusChanged { task_id: id, from: before.status, to: status };
        tx.record(Change::TaskStatusChanged(moved), SCOPE, None).await?;
    }
    readable_task(tx, viewer, id).await
}

/// A "due today" reminder for the task's assignee at the start of its due date in the
/// workspace's zone, unless that has passed. `owner` is who set the date; when it fires, it
/// looks at the task as it is then.
async fn remind_due(tx: &mut dyn Tx, task: TaskId, due: Date, owner: MemberId) -> Result<()> {
    let workspace = tx.workspace().await?.ok_or_else(|| Error::conflict("no workspace yet"))?;
    let zone = parse_time_zone(&workspace.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(start) = due.to_zoned(zone).map(|z| z.timestamp()) else { return Ok(()) };
    if start <= tx.at() {
        return Ok(());
    }
    tx.schedule("due_soon", owner, start, &json!({ "task_id": task, "due": due })).await?;
    Ok(())
}
