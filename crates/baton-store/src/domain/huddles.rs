//! Huddles: start one on a thread or a task, join and leave (each stretch recorded), agenda and
//! notes, decisions and action items, and the end, which posts the outcome back into the
//! thread and turns action items into tasks, so the async record stays whole.

use baton_core::event::{self as ev, Change};
use baton_core::model::{Huddle, Priority, TaskStatus};
use baton_core::text::MessageText;
use baton_core::{HuddleId, MemberId, ProjectId, TaskId, ThreadId};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::{active_member, messages, no_guest, notifications, policy, tasks, threads, IdKind, Tx};
use crate::command::{HuddleOn, MessageTarget};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// Where action items go when neither the huddle's task nor its starter names a project.
const ACTION_ITEMS_PROJECT: &str = "Action items";

/// What a new huddle is.
pub(crate) struct Start<'a> {
    pub(crate) on: HuddleOn,
    pub(crate) title: &'a Option<String>,
    pub(crate) call_link: &'a Option<String>,
    pub(crate) agenda: &'a str,
    pub(crate) invite: &'a [MemberId],
    pub(crate) project: Option<ProjectId>,
    pub(crate) join: bool,
    pub(crate) opens_at: Option<Timestamp>,
}

/// The huddle, if the viewer may read its thread, and who may read its events.
async fn readable_with_scope(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<(Huddle, Scope)> {
    let not_found = || Error::not_found(format!("huddle {id}"));
    let huddle = tx.huddle(id).await?.ok_or_else(not_found)?;
    let thread = threads::readable(tx, viewer, huddle.thread_id).await.map_err(|_| not_found())?;
    Ok((huddle, policy::thread_scope(thread.channel_id, thread.dm_id)))
}

/// The huddle, if the viewer may read its thread.
pub(crate) async fn readable(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<Huddle> {
    Ok(readable_with_scope(tx, viewer, id).await?.0)
}

/// The huddle, if the viewer may read it and it has not ended, and who may read its events.
async fn open(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<(Huddle, Scope)> {
    let (huddle, scope) = readable_with_scope(tx, viewer, id).await?;
    if huddle.ended_at.is_some() {
        return Err(Error::conflict(format!("huddle {id} has ended")));
    }
    Ok((huddle, scope))
}

/// Notifies `member` about the huddle on `thread` if they may read the thread (an invitation
/// never opens a private channel or a direct conversation to someone outside it).
async fn notify_if_readable(
    tx: &mut dyn Tx,
    member: MemberId,
    thread: ThreadId,
    why: &str,
    about: Value,
    urgent: bool,
) -> Result<()> {
    let Some(found) = tx.member(member).await? else { return Ok(()) };
    let reader = Viewer { member, role: found.role };
    if threads::readable(tx, &reader, thread).await.is_ok() {
        notifications::notify(tx, member, why, about, urgent).await?;
    }
    Ok(())
}

pub(crate) async fn start(tx: &mut dyn Tx, viewer: &Viewer, start: Start<'_>) -> Result<Huddle> {
    no_guest(viewer, "start huddles")?;
    let (thread, task, default_title, task_project) = match start.on {
        HuddleOn::Thread(id) => (id, None, None, None),
        HuddleOn::Task(id) => {
            let task = tasks::readable_task(tx, viewer, id).await?;
            (task.thread_id, Some(id), Some(task.title), Some(task.project_id))
        }
    };
    let (found, channel) = threads::readable_with_channel(tx, viewer, thread).await?;
    // A huddle on a task's thread is the task's, whichever way it was started.
    let task = task.or(found.task_id);
    let task_project = match (task_project, found.task_id) {
        (None, Some(task)) => Some(tasks::readable_task(tx, viewer, task).await?.project_id),
        (project, _) => project,
    };
    let default_title = default_title.unwrap_or_else(|| found.title.clone());
    if channel.is_some_and(|c| c.archived) {
        return Err(Error::conflict(format!("the channel of thread {thread} is archived")));
    }
    let project = start.project.or(task_project);
    if let Some(project) = project {
        tasks::readable_project(tx, viewer, project).await?;
    }
    for member in start.invite {
        active_member(tx, *member).await?;
    }
    if start.opens_at.is_some_and(|opens| opens <= tx.at()) {
        return Err(Error::invalid("opens_at", "must be in the future"));
    }
    let title = start.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or(default_title);
    let id = HuddleId(tx.next_id(IdKind::Huddle).await?);
    let mut invited = start.invite.to_vec();
    invited.sort();
    invited.dedup();
    let huddle = Huddle {
        id,
        thread_id: thread,
        task_id: task,
        title,
        call_link: start.call_link.clone(),
        agenda: start.agenda.to_string(),
        notes: String::new(),
        started_by: viewer.member,
        started_at: tx.at(),
        ended_at: None,
        opens_at: start.opens_at,
        invited,
        participants: Vec::new(),
        decisions: Vec::new(),
        action_items: Vec::new(),
        summary_message_id: None,
    };
    let scope = policy::thread_scope(found.channel_id, found.dm_id);
    let started = ev::HuddleStarted { huddle_id: id, huddle: huddle.clone(), project_id: project };
    tx.record(Change::HuddleStarted(started), scope, None).await?;
    // Invitees hear of it: at once when it runs now (come and join); otherwise when they work,
    // and again, at once, when it opens.
    let about = json!({ "huddle_id": id, "thread_id": thread, "title": huddle.title, "opens_at": start.opens_at, "by": viewer.member });
    for member in start.invite.iter().filter(|m| **m != viewer.member) {
        notify_if_readable(tx, *member, thread, "huddle_invite", about.clone(), start.opens_at.is_none()).await?;
        if let Some(opens) = start.opens_at {
            tx.schedule("huddle_opens", *member, opens, &json!({ "huddle_id": id })).await?;
        }
    }
    if start.join && start.opens_at.is_none() {
        enter(tx, viewer, id).await?;
    }
    readable(tx, viewer, id).await
}

/// Fires a scheduled huddle's opening for one invitee: they hear at once that it is open.
pub(crate) async fn fire_opens(tx: &mut dyn Tx, member: MemberId, payload: &Value) -> Result<Value> {
    let id = HuddleId(payload["huddle_id"].as_i64().unwrap_or_default());
    let Some(huddle) = tx.huddle(id).await? else { return Ok(json!({ "error": "the huddle is gone" })) };
    if huddle.ended_at.is_some() {
        return Ok(json!({ "skipped": "the huddle has ended" }));
    }
    let about = json!({ "huddle_id": id, "thread_id": huddle.thread_id, "title": huddle.title });
    notify_if_readable(tx, member, huddle.thread_id, "huddle_opens", about, true).await?;
    Ok(json!({ "notified": member }))
}

/// Puts the viewer in the huddle; already in, nothing changes. A huddle set up for a later slot
/// cannot be joined before it opens.
async fn enter(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<()> {
    let (huddle, scope) = open(tx, viewer, id).await?;
    if let Some(opens) = huddle.opens_at.filter(|opens| *opens > tx.at()) {
        return Err(Error::conflict(format!("huddle {id} opens at {opens}; join it then")));
    }
    if huddle.participants.iter().any(|p| p.member_id == viewer.member && p.left_at.is_none()) {
        return Ok(());
    }
    let joined = ev::HuddlePresence { huddle_id: id, member_id: viewer.member, at: tx.at() };
    tx.record(Change::HuddleJoined(joined), scope, None).await
}

pub(crate) async fn join(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<Huddle> {
    no_guest(viewer, "join huddles")?;
    enter(tx, viewer, id).await?;
    readable(tx, viewer, id).await
}

/// Closes the open stretches of `only` (everyone's when `None`), with one event each.
async fn leave_all(tx: &mut dyn Tx, huddle: &Huddle, only: Option<MemberId>, scope: Scope) -> Result<usize> {
    let inside: Vec<MemberId> = huddle
        .participants
        .iter()
        .filter(|p| p.left_at.is_none() && only.is_none_or(|m| m == p.member_id))
        .map(|p| p.member_id)
        .collect();
    for member in &inside {
        let left = ev::HuddlePresence { huddle_id: huddle.id, member_id: *member, at: tx.at() };
        tx.record(Change::HuddleLeft(left), scope, None).await?;
    }
    Ok(inside.len())
}

pub(crate) async fn leave(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<Huddle> {
    let (huddle, scope) = open(tx, viewer, id).await?;
    if leave_all(tx, &huddle, Some(viewer.member), scope).await? == 0 {
        return Err(Error::conflict(format!("you are not in huddle {id}")));
    }
    readable(tx, viewer, id).await
}

/// Sets the agenda, the shared notes or the call link (`Some(None)` removes it).
pub(crate) async fn update(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: HuddleId,
    agenda: &Option<String>,
    notes: &Option<String>,
    call_link: &Option<Option<String>>,
) -> Result<Huddle> {
    no_guest(viewer, "change huddles")?;
    let (_, scope) = open(tx, viewer, id).await?;
    if agenda.is_some() || notes.is_some() || call_link.is_some() {
        let updated = ev::HuddleUpdated {
            huddle_id: id,
            agenda: agenda.clone(),
            notes: notes.clone(),
            call_link: call_link.clone(),
        };
        tx.record(Change::HuddleUpdated(updated), scope, None).await?;
    }
    readable(tx, viewer, id).await
}

/// Records a decision (`action`: `None`) or an action item with its assignee and due date.
pub(crate) async fn add_item(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: HuddleId,
    text: &str,
    action: Option<(Option<MemberId>, Option<jiff::civil::Date>)>,
) -> Result<Huddle> {
    no_guest(viewer, "add to huddles")?;
    let (_, scope) = open(tx, viewer, id).await?;
    if let Some((Some(member), _)) = action {
        active_member(tx, member).await?;
    }
    let item = tx.next_id(IdKind::HuddleItem).await?;
    let change = match action {
        Some((assignee, due)) => Change::HuddleActionItemAdded(ev::ActionItemAdded {
            huddle_id: id,
            item_id: item,
            title: text.to_string(),
            assignee_id: assignee,
            due,
        }),
        None => Change::HuddleDecisionRecorded(ev::DecisionRecorded {
            huddle_id: id,
            item_id: item,
            text: text.to_string(),
        }),
    };
    tx.record(change, scope, None).await?;
    readable(tx, viewer, id).await
}

/// Ends a huddle: everyone leaves, each action item becomes a task (in the huddle's project,
/// else the workspace's "Action items"), and a summary goes into the thread.
pub(crate) async fn end(tx: &mut dyn Tx, viewer: &Viewer, id: HuddleId) -> Result<Huddle> {
    no_guest(viewer, "end huddles")?;
    let (huddle, scope) = open(tx, viewer, id).await?;
    leave_all(tx, &huddle, None, scope).await?;
    let mut huddle = readable(tx, viewer, id).await?;
    huddle.ended_at = Some(tx.at());

    let mut made: Vec<(i64, TaskId)> = Vec::new();
    if !huddle.action_items.is_empty() {
        let project = match tx.huddle_project(id).await? {
            Some(project) => project,
            None => action_items_project(tx, viewer).await?,
        };
        // Tasks are seen by every member but guests: one from a huddle in a private channel or a
        // direct conversation must not carry that place's name (the huddle's title defaults to
        // its thread's).
        let description = if open_to_all(tx, huddle.thread_id).await? {
            format!("Action item from the huddle \"{}\".", huddle.title)
        } else {
            "Action item from a huddle in a private conversation.".to_string()
        };
        for item in &mut huddle.action_items {
            let fields = tasks::TaskFields {
                title: &item.text,
                description: &description,
                assignee: item.assignee_id,
                status: TaskStatus::Todo,
                due: item.due,
                priority: Priority::Normal,
            };
            let task = tasks::create_task(tx, viewer, project, fields).await?.id;
            item.task_id = Some(task);
            made.push((item.id, task));
        }
    }
    let body = summary(tx, &huddle, &made).await?;
    let message =
        messages::post(tx, viewer, MessageTarget::Thread(huddle.thread_id), &MessageText::new(body), false).await?;
    huddle.summary_message_id = Some(message.id);
    let ended = ev::HuddleEnded {
        huddle_id: id,
        thread_id: huddle.thread_id,
        duration_s: duration(&huddle, tx.at()).as_secs(),
        participants: huddle.participants.clone(),
        decisions: huddle.decisions.clone(),
        action_items: huddle.action_items.clone(),
        summary_message_id: message.id,
    };
    tx.record(Change::HuddleEnded(ended), scope, None).await?;
    readable(tx, viewer, id).await
}

/// The summary posted into the thread: who was there and how long, the decisions, the action
/// items with their tasks, and the notes.
async fn summary(tx: &mut dyn Tx, huddle: &Huddle, tasks: &[(i64, TaskId)]) -> Result<String> {
    let mut handles: Vec<String> = Vec::new();
    let mut seen: Vec<MemberId> = Vec::new();
    for stretch in &huddle.participants {
        if !seen.contains(&stretch.member_id) {
            seen.push(stretch.member_id);
            handles.push(handle(tx, stretch.member_id).await?);
        }
    }
    let minutes = duration(huddle, tx.at()).as_secs() / 60;
    let mut body = format!(
        "**Huddle ended: {}** ({} min). Participants: {}.",
        huddle.title,
        minutes,
        if handles.is_empty() {
            "nobody".to_string()
        } else {
            handles.iter().map(|h| format!("@{h}")).collect::<Vec<_>>().join(", ")
        }
    );
    if !huddle.decisions.is_empty() {
        body.push_str("\n\n**Decisions**\n");
        for decision in &huddle.decisions {
            body.push_str(&format!("\n- {}", decision.text));
        }
    }
    if !huddle.action_items.is_empty() {
        body.push_str("\n\n**Action items**\n");
        for item in &huddle.action_items {
            body.push_str(&format!("\n- {}", item.text));
            if let Some(assignee) = item.assignee_id {
                body.push_str(&format!(" → @{}", handle(tx, assignee).await?));
            }
            if let Some(due) = item.due {
                body.push_str(&format!(", due {due}"));
            }
            if let Some((_, task)) = tasks.iter().find(|(item_id, _)| *item_id == item.id) {
                body.push_str(&format!(" (task {task})"));
            }
        }
    }
    // The shared notes are the rest of the record: what was said that is neither a decision
    // nor an action item. They go into the thread with the rest, so the async record stays whole.
    if !huddle.notes.trim().is_empty() {
        body.push_str("\n\n**Notes**\n\n");
        body.push_str(huddle.notes.trim());
    }
    Ok(body)
}

async fn handle(tx: &mut dyn Tx, member: MemberId) -> Result<String> {
    Ok(tx.member(member).await?.map(|m| m.handle).unwrap_or_else(|| format!("member-{member}")))
}

/// Whether every member but guests may read `thread`: a public channel's or a task's.
async fn open_to_all(tx: &mut dyn Tx, thread: ThreadId) -> Result<bool> {
    let Some(thread) = tx.thread(thread).await? else { return Ok(false) };
    Ok(match (thread.channel_id, thread.dm_id) {
        (_, Some(_)) => false,
        (Some(channel), None) => tx
            .channel(channel, MemberId(0))
            .await?
            .is_some_and(|c| c.visibility == baton_core::model::Visibility::Public),
        (None, None) => true,
    })
}

/// How long it ran: from the first person joining (a huddle set up ahead of its slot waits
/// empty until then) to its end.
fn duration(huddle: &Huddle, now: Timestamp) -> SignedDuration {
    let began = huddle.participants.iter().map(|p| p.joined_at).min().unwrap_or(huddle.started_at);
    huddle.ended_at.unwrap_or(now).duration_since(began)
}

/// The workspace's "Action items" project, made the first time a huddle needs it.
async fn action_items_project(tx: &mut dyn Tx, viewer: &Viewer) -> Result<ProjectId> {
    if let Some(project) = tx.project_named(ACTION_ITEMS_PROJECT).await? {
        return Ok(project);
    }
    let about = "Action items from huddles without a project.";
    Ok(tasks::create_project(tx, viewer, ACTION_ITEMS_PROJECT, about).await?.id)
}
