//! Huddles: start one on a thread or a task, join and leave (each stretch recorded), agenda and
//! notes, decisions and action items, and the end, which posts the outcome back into the
//! thread and turns action items into tasks, so the async record stays whole.

use baton_core::event::{self as ev, Change};
use baton_core::model::{Priority, TaskStatus};
use baton_core::text::MessageText;
use baton_core::{HuddleId, MemberId, ProjectId, TaskId, ThreadId};
use serde_json::{json, Value};

use super::{active_member, no_guest, post_message, Ctx};
use crate::command::{HuddleOn, MessageTarget};
use crate::domain::tasks::{create_project, create_task, TaskFields};
use crate::error::{Error, Result};
use crate::sqlite::read::{self, micros};
use crate::view::Viewer;

/// Where action items go when neither the huddle's task nor its starter names a project.
const ACTION_ITEMS_PROJECT: &str = "Action items";

pub(super) struct Start<'a> {
    pub(super) on: HuddleOn,
    pub(super) title: &'a Option<String>,
    pub(super) call_link: &'a Option<String>,
    pub(super) agenda: &'a str,
    pub(super) invite: &'a [MemberId],
    pub(super) project: Option<ProjectId>,
    pub(super) join: bool,
    pub(super) opens_at: Option<jiff::Timestamp>,
}

pub(super) async fn start(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, start: Start<'_>) -> Result<Value> {
    no_guest(viewer, "start huddles")?;
    let (thread, task, default_title, task_project) = match start.on {
        HuddleOn::Thread(id) => {
            let row = read::thread_row(ctx.conn, viewer, id).await?;
            let thread = row.into_thread();
            let task_project = match thread.task_id {
                Some(task) => Some(read::task(ctx.conn, viewer, task).await?.project_id),
                None => None,
            };
            (id, thread.task_id, thread.title, task_project)
        }
        HuddleOn::Task(id) => {
            let task = read::task(ctx.conn, viewer, id).await?;
            (task.thread_id, Some(id), task.title, Some(task.project_id))
        }
    };
    let (_, channel) = read::thread_with_channel(ctx.conn, viewer, thread).await?;
    if channel.is_some_and(|c| c.archived) {
        return Err(Error::conflict(format!("the channel of thread {thread} is archived")));
    }
    let project = start.project.or(task_project);
    if let Some(project) = project {
        read::project(ctx.conn, viewer, project).await?;
    }
    for member in start.invite {
        active_member(ctx, *member).await?;
    }
    if start.opens_at.is_some_and(|opens| opens <= ctx.at) {
        return Err(Error::invalid("opens_at", "must be in the future"));
    }
    let title = start.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or(default_title);
    let done = sqlx::query(
        "INSERT INTO huddles (thread_id, task_id, project_id, title, call_link, agenda, started_by, started_at, opens_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(thread.0)
    .bind(task.map(|t| t.0))
    .bind(project.map(|p| p.0))
    .bind(&title)
    .bind(start.call_link)
    .bind(start.agenda)
    .bind(viewer.member.0)
    .bind(micros(ctx.at))
    .bind(start.opens_at.map(micros))
    .execute(&mut *ctx.conn)
    .await?;
    let id = HuddleId(done.last_insert_rowid());
    for member in start.invite {
        sqlx::query("INSERT OR IGNORE INTO huddle_invites (huddle_id, member_id) VALUES (?, ?)")
            .bind(id.0)
            .bind(member.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    let huddle = read::huddle(ctx.conn, viewer, id).await?;
    let scope = read::thread_row(ctx.conn, viewer, thread).await?.scope();
    ctx.emit(Change::HuddleStarted(ev::HuddleStarted { huddle_id: id, huddle: huddle.clone() }), scope).await?;
    // Invitees hear of it: at once when it runs now (come and join); otherwise when they work,
    // and again, at once, when it opens.
    let about = json!({ "huddle_id": id, "thread_id": thread, "title": huddle.title, "opens_at": start.opens_at, "by": viewer.member });
    for member in start.invite.iter().filter(|m| **m != viewer.member) {
        notify_if_readable(ctx, *member, thread, "huddle_invite", about.clone(), start.opens_at.is_none()).await?;
        if let Some(opens) = start.opens_at {
            super::jobs::insert_job(ctx, "huddle_opens", *member, opens, &json!({ "huddle_id": id })).await?;
        }
    }
    if start.join && start.opens_at.is_none() {
        enter(ctx, viewer, id).await?;
    }
    Ok(serde_json::to_value(read::huddle(ctx.conn, viewer, id).await?)?)
}

/// The huddle, if the viewer may see it and it has not ended.
async fn open_huddle(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: HuddleId) -> Result<(ThreadId, crate::view::Scope)> {
    let huddle = read::huddle(ctx.conn, viewer, id).await?;
    if huddle.ended_at.is_some() {
        return Err(Error::conflict(format!("huddle {id} has ended")));
    }
    let scope = read::thread_row(ctx.conn, viewer, huddle.thread_id).await?.scope();
    Ok((huddle.thread_id, scope))
}

/// Notifies `member` about the huddle on `thread` if they may read the thread (an invitation
/// never opens a private channel or a direct conversation to someone outside it).
async fn notify_if_readable(
    ctx: &mut Ctx<'_, '_>,
    member: MemberId,
    thread: ThreadId,
    why: &str,
    about: Value,
    urgent: bool,
) -> Result<()> {
    let row = read::member_row(ctx.conn, member).await?;
    let reader =
        Viewer { member, role: baton_core::model::Role::parse(&row.role).unwrap_or(baton_core::model::Role::Member) };
    if read::thread_row(ctx.conn, &reader, thread).await.is_ok() {
        super::notify::notify(ctx, member, why, about, urgent).await?;
    }
    Ok(())
}

/// Fires a scheduled huddle's opening for one invitee: they hear at once that it is open.
pub(super) async fn fire_opens(ctx: &mut Ctx<'_, '_>, member: MemberId, payload: &Value) -> Result<Value> {
    let id = HuddleId(payload["huddle_id"].as_i64().unwrap_or_default());
    let row: Option<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT thread_id, title, ended_at FROM huddles WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&mut *ctx.conn)
            .await?;
    let Some((thread, title, ended)) = row else { return Ok(json!({ "error": "the huddle is gone" })) };
    if ended.is_some() {
        return Ok(json!({ "skipped": "the huddle has ended" }));
    }
    let about = json!({ "huddle_id": id, "thread_id": thread, "title": title });
    notify_if_readable(ctx, member, ThreadId(thread), "huddle_opens", about, true).await?;
    Ok(json!({ "notified": member }))
}

/// Puts the viewer in the huddle; already in, nothing changes. A huddle set up for a later slot
/// cannot be joined before it opens.
async fn enter(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: HuddleId) -> Result<()> {
    let (_, scope) = open_huddle(ctx, viewer, id).await?;
    let opens: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT opens_at FROM huddles WHERE id = ?").bind(id.0).fetch_optional(&mut *ctx.conn).await?;
    if let Some(opens) = opens.and_then(|(o,)| o).map(read::ts).filter(|opens| *opens > ctx.at) {
        return Err(Error::conflict(format!("huddle {id} opens at {opens}; join it then")));
    }
    let inside: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM huddle_participants WHERE huddle_id = ? AND member_id = ? AND left_at IS NULL")
            .bind(id.0)
            .bind(viewer.member.0)
            .fetch_optional(&mut *ctx.conn)
            .await?;
    if inside.is_some() {
        return Ok(());
    }
    sqlx::query("INSERT INTO huddle_participants (huddle_id, member_id, joined_at) VALUES (?, ?, ?)")
        .bind(id.0)
        .bind(viewer.member.0)
        .bind(micros(ctx.at))
        .execute(&mut *ctx.conn)
        .await?;
    let joined = ev::HuddlePresence { huddle_id: id, member_id: viewer.member, at: ctx.at };
    ctx.emit(Change::HuddleJoined(joined), scope).await
}

pub(super) async fn join(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: HuddleId) -> Result<Value> {
    no_guest(viewer, "join huddles")?;
    enter(ctx, viewer, id).await?;
    Ok(serde_json::to_value(read::huddle(ctx.conn, viewer, id).await?)?)
}

/// Closes the open stretches of `members` (all of them when `None`), with one event each.
async fn leave_all(
    ctx: &mut Ctx<'_, '_>,
    id: HuddleId,
    only: Option<MemberId>,
    scope: crate::view::Scope,
) -> Result<usize> {
    let open: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, member_id FROM huddle_participants WHERE huddle_id = ? AND left_at IS NULL \
         AND (?2 IS NULL OR member_id = ?2) ORDER BY id",
    )
    .bind(id.0)
    .bind(only.map(|m| m.0))
    .fetch_all(&mut *ctx.conn)
    .await?;
    for (stretch, member) in &open {
        sqlx::query("UPDATE huddle_participants SET left_at = ? WHERE id = ?")
            .bind(micros(ctx.at))
            .bind(stretch)
            .execute(&mut *ctx.conn)
            .await?;
        let left = ev::HuddlePresence { huddle_id: id, member_id: MemberId(*member), at: ctx.at };
        ctx.emit(Change::HuddleLeft(left), scope).await?;
    }
    Ok(open.len())
}

pub(super) async fn leave(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: HuddleId) -> Result<Value> {
    let (_, scope) = open_huddle(ctx, viewer, id).await?;
    if leave_all(ctx, id, Some(viewer.member), scope).await? == 0 {
        return Err(Error::conflict(format!("you are not in huddle {id}")));
    }
    Ok(serde_json::to_value(read::huddle(ctx.conn, viewer, id).await?)?)
}

pub(super) async fn update(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    id: HuddleId,
    agenda: &Option<String>,
    notes: &Option<String>,
    call_link: &Option<Option<String>>,
) -> Result<Value> {
    no_guest(viewer, "change huddles")?;
    let (_, scope) = open_huddle(ctx, viewer, id).await?;
    if let Some(agenda) = agenda {
        sqlx::query("UPDATE huddles SET agenda = ? WHERE id = ?")
            .bind(agenda)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if let Some(notes) = notes {
        sqlx::query("UPDATE huddles SET notes = ? WHERE id = ?").bind(notes).bind(id.0).execute(&mut *ctx.conn).await?;
    }
    if let Some(link) = call_link {
        sqlx::query("UPDATE huddles SET call_link = ? WHERE id = ?")
            .bind(link)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if agenda.is_some() || notes.is_some() || call_link.is_some() {
        let updated = ev::HuddleUpdated {
            huddle_id: id,
            agenda: agenda.clone(),
            notes: notes.clone(),
            call_link: call_link.clone().flatten(),
        };
        ctx.emit(Change::HuddleUpdated(updated), scope).await?;
    }
    Ok(serde_json::to_value(read::huddle(ctx.conn, viewer, id).await?)?)
}

pub(super) async fn add_item(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    id: HuddleId,
    text: &str,
    action: Option<(Option<MemberId>, Option<jiff::civil::Date>)>,
) -> Result<Value> {
    no_guest(viewer, "add to huddles")?;
    let (_, scope) = open_huddle(ctx, viewer, id).await?;
    let (assignee, due) = action.unwrap_or((None, None));
    if let Some(member) = assignee {
        active_member(ctx, member).await?;
    }
    let done = sqlx::query(
        "INSERT INTO huddle_items (huddle_id, kind, text, assignee_id, due, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.0)
    .bind(if action.is_some() { "action" } else { "decision" })
    .bind(text)
    .bind(assignee.map(|m| m.0))
    .bind(due.map(|d| d.to_string()))
    .bind(viewer.member.0)
    .bind(micros(ctx.at))
    .execute(&mut *ctx.conn)
    .await?;
    let item = done.last_insert_rowid();
    let change = match action {
        Some(_) => Change::HuddleActionItemAdded(ev::ActionItemAdded {
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
    ctx.emit(change, scope).await?;
    Ok(serde_json::to_value(read::huddle(ctx.conn, viewer, id).await?)?)
}

pub(super) async fn end(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: HuddleId) -> Result<Value> {
    no_guest(viewer, "end huddles")?;
    let (thread, scope) = open_huddle(ctx, viewer, id).await?;
    leave_all(ctx, id, None, scope).await?;
    sqlx::query("UPDATE huddles SET ended_at = ? WHERE id = ?")
        .bind(micros(ctx.at))
        .bind(id.0)
        .execute(&mut *ctx.conn)
        .await?;
    let huddle = read::huddle(ctx.conn, viewer, id).await?;

    let mut tasks: Vec<(i64, TaskId)> = Vec::new();
    if !huddle.action_items.is_empty() {
        let project = match huddle_project(ctx, id).await? {
            Some(project) => project,
            None => action_items_project(ctx, viewer).await?,
        };
        // Tasks are seen by every member but guests: one from a huddle in a private channel or a
        // direct conversation must not carry that place's name (the huddle's title defaults to
        // its thread's).
        let description = if thread_is_open_to_all(ctx, thread).await? {
            format!("Action item from the huddle \"{}\".", huddle.title)
        } else {
            "Action item from a huddle in a private conversation.".to_string()
        };
        for item in &huddle.action_items {
            let fields = TaskFields {
                title: &item.text,
                description: &description,
                assignee: item.assignee_id,
                status: TaskStatus::Todo,
                due: item.due,
                priority: Priority::Normal,
            };
            let task = create_task(ctx, viewer, project, fields).await?;
            let task = TaskId(task["id"].as_i64().unwrap_or_default());
            sqlx::query("UPDATE huddle_items SET task_id = ? WHERE id = ?")
                .bind(task.0)
                .bind(item.id)
                .execute(&mut *ctx.conn)
                .await?;
            tasks.push((item.id, task));
        }
    }

    let handles = handles(ctx, &huddle).await?;
    let minutes = duration(&huddle, ctx.at).as_secs() / 60;
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
                let row = read::member_row(ctx.conn, assignee).await?;
                body.push_str(&format!(" → @{}", row.into_member(None).handle));
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
    let message = post_message(ctx, viewer, MessageTarget::Thread(thread), &MessageText::new(body), false).await?;
    let message_id = message["id"].as_i64().unwrap_or_default();
    sqlx::query("UPDATE huddles SET summary_message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(id.0)
        .execute(&mut *ctx.conn)
        .await?;
    let huddle = read::huddle(ctx.conn, viewer, id).await?;
    let duration_s = duration(&huddle, ctx.at).as_secs();
    let ended = ev::HuddleEnded {
        huddle_id: id,
        thread_id: thread,
        duration_s,
        participants: huddle.participants.clone(),
        decisions: huddle.decisions.clone(),
        action_items: huddle.action_items.clone(),
        summary_message_id: baton_core::MessageId(message_id),
    };
    ctx.emit(Change::HuddleEnded(ended), scope).await?;
    Ok(serde_json::to_value(huddle)?)
}

/// Whether every member but guests may read `thread`: a public channel's or a task's.
async fn thread_is_open_to_all(ctx: &mut Ctx<'_, '_>, thread: ThreadId) -> Result<bool> {
    let (visibility, dm): (Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT c.visibility, t.dm_id FROM threads t LEFT JOIN channels c ON c.id = t.channel_id WHERE t.id = ?",
    )
    .bind(thread.0)
    .fetch_one(&mut *ctx.conn)
    .await?;
    Ok(dm.is_none() && visibility.as_deref() != Some("private"))
}

/// How long it ran: from the first person joining (a huddle set up ahead of its slot waits
/// empty until then) to its end.
fn duration(huddle: &baton_core::model::Huddle, now: jiff::Timestamp) -> jiff::SignedDuration {
    let began = huddle.participants.iter().map(|p| p.joined_at).min().unwrap_or(huddle.started_at);
    huddle.ended_at.unwrap_or(now).duration_since(began)
}

async fn huddle_project(ctx: &mut Ctx<'_, '_>, id: HuddleId) -> Result<Option<ProjectId>> {
    let (project,): (Option<i64>,) =
        sqlx::query_as("SELECT project_id FROM huddles WHERE id = ?").bind(id.0).fetch_one(&mut *ctx.conn).await?;
    Ok(project.map(ProjectId))
}

/// The workspace's "Action items" project, made the first time a huddle needs it.
async fn action_items_project(ctx: &mut Ctx<'_, '_>, viewer: &Viewer) -> Result<ProjectId> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM projects WHERE name = ? AND archived = 0 ORDER BY id LIMIT 1")
            .bind(ACTION_ITEMS_PROJECT)
            .fetch_optional(&mut *ctx.conn)
            .await?;
    if let Some((id,)) = found {
        return Ok(ProjectId(id));
    }
    let created =
        create_project(ctx, viewer, ACTION_ITEMS_PROJECT, "Action items from huddles without a project.").await?;
    Ok(ProjectId(created["id"].as_i64().unwrap_or_default()))
}

/// The handles of everyone who was in the huddle, in order of first joining.
async fn handles(ctx: &mut Ctx<'_, '_>, huddle: &baton_core::model::Huddle) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<MemberId> = Vec::new();
    for stretch in &huddle.participants {
        if seen.contains(&stretch.member_id) {
            continue;
        }
        seen.push(stretch.member_id);
        out.push(read::member_row(ctx.conn, stretch.member_id).await?.into_member(None).handle);
    }
    Ok(out)
}
