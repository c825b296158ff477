//! Queries over the projections, each filtered to what the viewer may see. A private thing the
//! viewer may not see is `NotFound`, exactly like a thing that does not exist.

use std::collections::HashMap;
use std::sync::Arc;

use baton_core::calendar::WorkingHours;
use baton_core::event::Event;
use baton_core::model::{
    Channel, Dm, Member, Message, MessageVersion, Priority, Project, Reaction, Role, Task, TaskStatus, Thread,
    Visibility, Workspace,
};
use baton_core::{ChannelId, DmId, MemberId, MessageId, ProjectId, Seq, TaskId, ThreadId};
use bytes::Bytes;
use jiff::Timestamp;
use sqlx::Connection;

use super::db::{self, from_row, Conn};

use super::{visibility, Dialect};
use crate::domain::policy;
use crate::error::{Error, Result};
use crate::view::{Access, CommittedEvent, Page, Scope, Viewer};

mod checkins;
pub(crate) mod huddles;
mod jobs;
mod notifications;
pub(crate) mod search;
pub(crate) use checkins::{any_checkin, checkin, checkins};
pub(crate) use huddles::{huddle, huddles};
pub(crate) use jobs::{any_job, due_jobs, jobs, next_due};
pub(crate) use notifications::{notification, notifications};

pub(crate) fn ts(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

// ---- workspace and members -------------------------------------------------------------------

struct WorkspaceRow {
    id: i64,
    name: String,
    time_zone: String,
    created_at: i64,
}

from_row!(WorkspaceRow { id, name, time_zone, created_at });

pub(crate) async fn workspace(conn: &mut Conn) -> Result<Option<Workspace>> {
    let row = db::query_as::<WorkspaceRow>("SELECT id, name, time_zone, created_at FROM workspace")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| Workspace { id: r.id, name: r.name, time_zone: r.time_zone, created_at: ts(r.created_at) }))
}

pub(crate) struct MemberRow {
    pub(crate) id: i64,
    handle: String,
    email: String,
    display_name: String,
    pub(crate) role: String,
    time_zone: String,
    working_hours: String,
    pub(crate) active: bool,
    pub(crate) service: bool,
    created_at: i64,
}

from_row!(MemberRow { id, handle, email, display_name, role, time_zone, working_hours, active, service, created_at });

const MEMBER_COLUMNS: &str =
    "id, handle, email, display_name, role, time_zone, working_hours, active, service, created_at";

impl MemberRow {
    /// The member as `viewer` sees them: e-mail only for admins and the member themself.
    pub(crate) fn into_member(self, viewer: Option<&Viewer>) -> Member {
        let show_email = crate::domain::policy::may_see_email(viewer, MemberId(self.id));
        Member {
            id: MemberId(self.id),
            handle: self.handle,
            display_name: self.display_name,
            email: show_email.then_some(self.email),
            role: Role::parse(&self.role).unwrap_or(Role::Member),
            time_zone: self.time_zone,
            working_hours: serde_json::from_str::<WorkingHours>(&self.working_hours).unwrap_or_default(),
            active: self.active,
            service: self.service,
            created_at: ts(self.created_at),
        }
    }
}

pub(crate) async fn member_row(conn: &mut Conn, id: MemberId) -> Result<MemberRow> {
    db::query_as::<MemberRow>(&format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("member {id}")))
}

pub(crate) async fn member(conn: &mut Conn, viewer: Option<&Viewer>, id: MemberId) -> Result<Member> {
    Ok(member_row(conn, id).await?.into_member(viewer))
}

pub(crate) async fn members(conn: &mut Conn, viewer: &Viewer) -> Result<Vec<Member>> {
    let rows = db::query_as::<MemberRow>(&format!("SELECT {MEMBER_COLUMNS} FROM members ORDER BY handle"))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.into_member(Some(viewer))).collect())
}

/// A channel's or a conversation's column on `threads` and its id, once the viewer may read it
/// (not found otherwise).
pub(crate) async fn thread_home(
    conn: &mut Conn,
    viewer: &Viewer,
    home: crate::ThreadHome,
) -> Result<(&'static str, i64)> {
    Ok(match home {
        crate::ThreadHome::Channel(channel) => {
            channel_row(conn, viewer, channel).await?;
            ("channel_id", channel.0)
        }
        crate::ThreadHome::Dm(dm) => {
            dm_row(conn, viewer, dm).await?;
            ("dm_id", dm.0)
        }
    })
}

/// At most this many ids and handles each are looked up at once (a page of messages names far
/// fewer; the rest would be left out).
const MEMBERS_AMONG_MAX: usize = 1000;

pub(crate) async fn members_among(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[MemberId],
    handles: &[String],
) -> Result<Vec<Member>> {
    let mut ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(MEMBERS_AMONG_MAX);
    let mut handles: Vec<&str> = handles.iter().map(String::as_str).collect();
    handles.sort_unstable();
    handles.dedup();
    handles.truncate(MEMBERS_AMONG_MAX);
    if ids.is_empty() && handles.is_empty() {
        return Ok(Vec::new());
    }
    let mut conditions = Vec::new();
    if !ids.is_empty() {
        conditions.push(format!("id IN ({})", db::placeholders(1, ids.len())));
    }
    if !handles.is_empty() {
        conditions.push(format!("handle IN ({})", db::placeholders(ids.len() + 1, handles.len())));
    }
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE {} ORDER BY handle", conditions.join(" OR "));
    let mut query = db::query_as::<MemberRow>(&sql);
    for id in &ids {
        query = query.bind(*id);
    }
    for handle in &handles {
        query = query.bind(handle.to_string());
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|r| r.into_member(Some(viewer))).collect())
}

pub(crate) async fn member_by_token(conn: &mut Conn, token_hash: &str) -> Result<Option<Member>> {
    let row = db::query_as::<MemberRow>(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE active = TRUE AND id = \
         (SELECT member_id FROM tokens WHERE hash = $1 AND purpose = 'session')"
    ))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.into_member(None)))
}

pub(crate) async fn login_lookup(conn: &mut Conn, email_or_handle: &str) -> Result<Option<(MemberId, Option<String>)>> {
    let key = email_or_handle.trim().to_ascii_lowercase();
    let row: Option<(i64, Option<String>)> =
        db::query_as("SELECT id, password_hash FROM members WHERE active = TRUE AND (email = $1 OR handle = $1)")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(id, hash)| (MemberId(id), hash)))
}

pub(crate) async fn invite_lookup(conn: &mut Conn, token_hash: &str) -> Result<Option<MemberId>> {
    let row: Option<(i64,)> = db::query_as("SELECT member_id FROM tokens WHERE hash = $1 AND purpose = 'invite'")
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|(id,)| MemberId(id)))
}

// ---- channels ---------------------------------------------------------------------------------

pub(crate) struct ChannelRow {
    pub(crate) id: i64,
    name: String,
    pub(crate) visibility: String,
    topic: String,
    pub(crate) created_by: i64,
    created_at: i64,
    pub(crate) archived: bool,
    pub(crate) is_member: bool,
}

from_row!(ChannelRow { id, name, visibility, topic, created_by, created_at, archived, is_member });

impl ChannelRow {
    pub(crate) fn into_channel(self) -> Channel {
        Channel {
            id: ChannelId(self.id),
            name: self.name,
            visibility: Visibility::parse(&self.visibility).unwrap_or(Visibility::Private),
            topic: self.topic,
            created_by: MemberId(self.created_by),
            created_at: ts(self.created_at),
            archived: self.archived,
            is_member: self.is_member,
        }
    }
}

const CHANNEL_SELECT: &str = "SELECT c.id, c.name, c.visibility, c.topic, c.created_by, c.created_at, c.archived, \
     EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.member_id = $2) AS is_member \
     FROM channels c";

pub(crate) async fn channels(conn: &mut Conn, viewer: &Viewer) -> Result<Vec<Channel>> {
    let rows = db::query_as::<ChannelRow>(&format!(
        "{CHANNEL_SELECT} WHERE c.id IN ({}) ORDER BY c.name, c.id",
        visibility::visible_channels()
    ))
    .bind(visibility::guest(viewer))
    .bind(viewer.member.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(ChannelRow::into_channel).collect())
}

/// The channel, if the viewer may see it.
pub(crate) async fn channel_row(conn: &mut Conn, viewer: &Viewer, id: ChannelId) -> Result<ChannelRow> {
    let visible = visibility::visible_channels();
    db::query_as::<ChannelRow>(&format!("{CHANNEL_SELECT} WHERE c.id = $3 AND c.id IN ({visible})"))
        .bind(visibility::guest(viewer))
        .bind(viewer.member.0)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("channel {id}")))
}

/// A channel whoever may see it, `is_member` for `member`: for the domain, which decides.
pub(crate) async fn any_channel(conn: &mut Conn, id: ChannelId, member: MemberId) -> Result<Option<Channel>> {
    let row = db::query_as::<ChannelRow>(&format!("{CHANNEL_SELECT} WHERE c.id = $1"))
        .bind(id.0)
        .bind(member.0)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(ChannelRow::into_channel))
}

/// The channels called `name`, whoever may see them, `is_member` for `member`.
pub(crate) async fn channels_named(conn: &mut Conn, name: &str, member: MemberId) -> Result<Vec<Channel>> {
    let rows = db::query_as::<ChannelRow>(&format!("{CHANNEL_SELECT} WHERE c.name = $1 ORDER BY c.id"))
        .bind(name)
        .bind(member.0)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(ChannelRow::into_channel).collect())
}

pub(crate) async fn channel_members(conn: &mut Conn, viewer: &Viewer, id: ChannelId) -> Result<Vec<Member>> {
    channel_row(conn, viewer, id).await?;
    let rows = db::query_as::<MemberRow>(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE id IN \
         (SELECT member_id FROM channel_members WHERE channel_id = $1) ORDER BY handle"
    ))
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.into_member(Some(viewer))).collect())
}

// ---- threads ----------------------------------------------------------------------------------

pub(crate) struct ThreadRow {
    pub(crate) id: i64,
    pub(crate) channel_id: Option<i64>,
    pub(crate) dm_id: Option<i64>,
    pub(crate) task_id: Option<i64>,
    pub(crate) title: String,
    display_title: Option<String>,
    pub(crate) timeline: bool,
    resolved: bool,
    tags: String,
    created_by: i64,
    created_at: i64,
    message_count: i64,
    last_message_at: Option<i64>,
}

from_row!(ThreadRow {
    id,
    channel_id,
    dm_id,
    task_id,
    title,
    display_title,
    timeline,
    resolved,
    tags,
    created_by,
    created_at,
    message_count,
    last_message_at
});

impl ThreadRow {
    pub(crate) fn into_thread(self) -> Thread {
        Thread {
            id: ThreadId(self.id),
            channel_id: self.channel_id.map(ChannelId),
            dm_id: self.dm_id.map(DmId),
            task_id: self.task_id.map(TaskId),
            title: self.title,
            display_title: self.display_title,
            timeline: self.timeline,
            resolved: self.resolved,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            created_by: MemberId(self.created_by),
            created_at: ts(self.created_at),
            message_count: self.message_count,
            last_message_at: self.last_message_at.map(ts),
        }
    }
}

const THREAD_COLUMNS: &str =
    "id, channel_id, dm_id, task_id, title, display_title, timeline, resolved, tags, created_by, created_at, message_count, last_message_at";

/// A thread whoever may see it: for the domain, which decides.
pub(crate) async fn any_thread(conn: &mut Conn, id: ThreadId) -> Result<Option<Thread>> {
    let row = db::query_as::<ThreadRow>(&format!("SELECT {THREAD_COLUMNS} FROM threads WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(ThreadRow::into_thread))
}

/// The thread, if the viewer may see it: its channel is visible, the viewer takes part in its
/// direct conversation, or it is a task's thread and the viewer is no guest.
pub(crate) async fn thread_row(conn: &mut Conn, viewer: &Viewer, id: ThreadId) -> Result<ThreadRow> {
    Ok(thread_with_channel(conn, viewer, id).await?.0)
}

/// The thread and its channel (none for a direct conversation's or a task's thread), if the
/// viewer may see them.
pub(crate) async fn thread_with_channel(
    conn: &mut Conn,
    viewer: &Viewer,
    id: ThreadId,
) -> Result<(ThreadRow, Option<ChannelRow>)> {
    let row = db::query_as::<ThreadRow>(&format!("SELECT {THREAD_COLUMNS} FROM threads WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let not_found = || Error::not_found(format!("thread {id}"));
    let row = row.ok_or_else(not_found)?;
    let channel = match (row.channel_id, row.dm_id) {
        (Some(channel), _) => Some(channel_row(conn, viewer, ChannelId(channel)).await.map_err(|_| not_found())?),
        (None, Some(dm)) => {
            dm_row(conn, viewer, DmId(dm)).await.map_err(|_| not_found())?;
            None
        }
        (None, None) if !policy::may_read_work(viewer) => return Err(not_found()),
        (None, None) => None,
    };
    Ok((row, channel))
}

pub(crate) async fn threads(conn: &mut Conn, viewer: &Viewer, channel: ChannelId, page: Page) -> Result<Vec<Thread>> {
    channel_row(conn, viewer, channel).await?;
    let rows = db::query_as::<ThreadRow>(&format!(
        "SELECT {THREAD_COLUMNS} FROM threads WHERE channel_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(channel.0)
    .bind(page.after.unwrap_or(0))
    .bind(i64::from(page.limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(ThreadRow::into_thread).collect())
}

/// A page of threads by activity, newest first; `$1` the channel or conversation, `$2` and `$3`
/// the cursor's activity and id, `$4` the limit. The order is the index's
/// (`threads_channel_activity`, `threads_dm_activity`), read from its newest end; the
/// redundant `<= $2` bounds the range for PostgreSQL, which would otherwise filter from the
/// newest row on every later page.
pub(crate) fn active_threads_sql(home: &str) -> String {
    format!(
        "SELECT {THREAD_COLUMNS} FROM threads WHERE {home} = $1 AND timeline = FALSE \
         AND COALESCE(last_message_at, created_at) <= $2 \
         AND (COALESCE(last_message_at, created_at) < $2 \
              OR (COALESCE(last_message_at, created_at) = $2 AND id < $3)) \
         ORDER BY COALESCE(last_message_at, created_at) DESC, id DESC LIMIT $4"
    )
}

pub(crate) async fn active_threads(
    conn: &mut Conn,
    viewer: &Viewer,
    home: crate::ThreadHome,
    after: Option<crate::ActivityCursor>,
    limit: u32,
) -> Result<Vec<Thread>> {
    let (column, id) = thread_home(conn, viewer, home).await?;
    let (at, thread) = after.map_or((i64::MAX, i64::MAX), |cursor| (micros(cursor.at), cursor.id.0));
    let rows = db::query_as::<ThreadRow>(&active_threads_sql(column))
        .bind(id)
        .bind(at)
        .bind(thread)
        .bind(i64::from(limit.clamp(1, Page::MAX_LIMIT)))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(ThreadRow::into_thread).collect())
}

pub(crate) async fn read_mark(
    conn: &mut Conn,
    viewer: &Viewer,
    target: crate::MessageTarget,
) -> Result<Option<MessageId>> {
    let (sql, id) = match target {
        crate::MessageTarget::Thread(thread) => {
            thread_row(conn, viewer, thread).await?;
            ("SELECT message_id FROM thread_read_marks WHERE member_id = $1 AND thread_id = $2", thread.0)
        }
        crate::MessageTarget::Dm(dm) => {
            dm_row(conn, viewer, dm).await?;
            ("SELECT message_id FROM dm_read_marks WHERE member_id = $1 AND dm_id = $2", dm.0)
        }
    };
    let mark: Option<(i64,)> = db::query_as(sql).bind(viewer.member.0).bind(id).fetch_optional(&mut *conn).await?;
    Ok(mark.map(|(id,)| MessageId(id)))
}

pub(crate) async fn timeline(conn: &mut Conn, viewer: &Viewer, channel: ChannelId) -> Result<Option<Thread>> {
    channel_row(conn, viewer, channel).await?;
    let row = db::query_as::<ThreadRow>(&format!(
        "SELECT {THREAD_COLUMNS} FROM threads WHERE channel_id = $1 AND timeline = TRUE"
    ))
    .bind(channel.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(ThreadRow::into_thread))
}

// ---- messages ---------------------------------------------------------------------------------

pub(crate) struct MessageRow {
    pub(crate) id: i64,
    pub(crate) thread_id: Option<i64>,
    pub(crate) dm_id: Option<i64>,
    pub(crate) author_id: i64,
    body: String,
    html: String,
    mentions: String,
    urgent: bool,
    created_at: i64,
    edited_at: Option<i64>,
    pub(crate) deleted: bool,
}

from_row!(MessageRow { id, thread_id, dm_id, author_id, body, html, mentions, urgent, created_at, edited_at, deleted });

const MESSAGE_COLUMNS: &str =
    "id, thread_id, dm_id, author_id, body, html, mentions, urgent, created_at, edited_at, deleted";

impl MessageRow {
    fn into_message(self, reactions: Vec<Reaction>) -> Message {
        Message {
            id: MessageId(self.id),
            thread_id: self.thread_id.map(ThreadId),
            dm_id: self.dm_id.map(DmId),
            author_id: MemberId(self.author_id),
            body: self.body,
            html: self.html,
            mentions: serde_json::from_str(&self.mentions).unwrap_or_default(),
            reactions,
            urgent: self.urgent,
            created_at: ts(self.created_at),
            edited_at: self.edited_at.map(ts),
            deleted: self.deleted,
        }
    }
}

/// Messages with their reactions, fetched in one more query.
async fn with_reactions(conn: &mut Conn, rows: Vec<MessageRow>) -> Result<Vec<Message>> {
    let (Some(first), Some(last)) = (rows.iter().map(|r| r.id).min(), rows.iter().map(|r| r.id).max()) else {
        return Ok(Vec::new());
    };
    // A page of a thread is a narrow range of ids; search results are scattered over the
    // whole table, where a range would read every reaction between them.
    let scattered = (last - first) as u64 > 4 * rows.len() as u64;
    let reaction_rows: Vec<(i64, String, i64)> = if scattered {
        let sql = format!(
            "SELECT message_id, emoji, member_id FROM reactions WHERE message_id IN ({}) \
             ORDER BY message_id, created_at, emoji",
            db::placeholders(1, rows.len())
        );
        let mut statement = db::query_as(&sql);
        for row in &rows {
            statement = statement.bind(row.id);
        }
        statement.fetch_all(&mut *conn).await?
    } else {
        db::query_as(
            "SELECT message_id, emoji, member_id FROM reactions WHERE message_id BETWEEN $1 AND $2 \
             ORDER BY message_id, created_at, emoji",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *conn)
        .await?
    };
    let mut by_message: HashMap<i64, Vec<Reaction>> = HashMap::new();
    for (message_id, emoji, member_id) in reaction_rows {
        let reactions = by_message.entry(message_id).or_default();
        match reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(reaction) => reaction.members.push(MemberId(member_id)),
            None => reactions.push(Reaction { emoji, members: vec![MemberId(member_id)] }),
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let reactions = by_message.remove(&row.id).unwrap_or_default();
            row.into_message(reactions)
        })
        .collect())
}

pub(crate) async fn message_row(conn: &mut Conn, viewer: &Viewer, id: MessageId) -> Result<MessageRow> {
    let not_found = || Error::not_found(format!("message {id}"));
    let row = db::query_as::<MessageRow>(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(not_found)?;
    let visible = match (row.thread_id, row.dm_id) {
        (Some(thread), _) => thread_row(conn, viewer, ThreadId(thread)).await.is_ok(),
        (None, Some(dm)) => dm_row(conn, viewer, DmId(dm)).await.is_ok(),
        (None, None) => false,
    };
    if !visible {
        return Err(not_found());
    }
    Ok(row)
}

/// A message with its reactions, whoever may see it: for the domain, which decides.
pub(crate) async fn any_message(conn: &mut Conn, id: MessageId) -> Result<Option<Message>> {
    let row = db::query_as::<MessageRow>(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(with_reactions(conn, vec![row]).await?.remove(0))),
        None => Ok(None),
    }
}

pub(crate) async fn message(conn: &mut Conn, viewer: &Viewer, id: MessageId) -> Result<Message> {
    let row = message_row(conn, viewer, id).await?;
    Ok(with_reactions(conn, vec![row]).await?.remove(0))
}

pub(crate) async fn message_versions(conn: &mut Conn, viewer: &Viewer, id: MessageId) -> Result<Vec<MessageVersion>> {
    message_row(conn, viewer, id).await?;
    let rows: Vec<(String, i64)> =
        db::query_as("SELECT body, replaced_at FROM message_versions WHERE message_id = $1 ORDER BY rowid")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(|(body, at)| MessageVersion { body, replaced_at: ts(at) }).collect())
}

pub(crate) async fn thread_messages(
    conn: &mut Conn,
    viewer: &Viewer,
    thread: ThreadId,
    page: Page,
) -> Result<Vec<Message>> {
    thread_row(conn, viewer, thread).await?;
    let rows = db::query_as::<MessageRow>(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(thread.0)
    .bind(page.after.unwrap_or(0))
    .bind(i64::from(page.limit))
    .fetch_all(&mut *conn)
    .await?;
    with_reactions(conn, rows).await
}

pub(crate) async fn latest_messages(
    conn: &mut Conn,
    viewer: &Viewer,
    target: crate::MessageTarget,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<Message>> {
    let (column, id) = match target {
        crate::MessageTarget::Thread(thread) => {
            thread_row(conn, viewer, thread).await?;
            ("thread_id", thread.0)
        }
        crate::MessageTarget::Dm(dm) => {
            dm_row(conn, viewer, dm).await?;
            ("dm_id", dm.0)
        }
    };
    let rows = db::query_as::<MessageRow>(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE {column} = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(id)
    .bind(before.map_or(i64::MAX, |m| m.0))
    .bind(i64::from(limit.clamp(1, Page::MAX_LIMIT)))
    .fetch_all(&mut *conn)
    .await?;
    with_reactions(conn, rows).await
}

// ---- direct conversations ---------------------------------------------------------------------

pub(crate) struct DmRow {
    pub(crate) id: i64,
    created_at: i64,
    last_message_at: Option<i64>,
    pub(crate) export_name: Option<String>,
}

from_row!(DmRow { id, created_at, last_message_at, export_name });

/// The conversation, if the viewer takes part in it.
pub(crate) async fn dm_row(conn: &mut Conn, viewer: &Viewer, id: DmId) -> Result<DmRow> {
    db::query_as::<DmRow>(&format!(
        "SELECT id, created_at, last_message_at, export_name FROM dms WHERE id = $1 AND {}",
        visibility::reads_dm("dms.id", "$2")
    ))
    .bind(id.0)
    .bind(viewer.member.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("conversation {id}")))
}

async fn dm_from_row(conn: &mut Conn, row: DmRow) -> Result<Dm> {
    let people: Vec<(i64, String)> = db::query_as(
        "SELECT m.id, m.handle FROM dm_members d JOIN members m ON m.id = d.member_id \
         WHERE d.dm_id = $1 ORDER BY m.handle",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(dm_of(row, &people))
}

/// The conversation of `row`, with its `people` (id and handle) in handle order.
fn dm_of(row: DmRow, people: &[(i64, String)]) -> Dm {
    Dm {
        id: DmId(row.id),
        member_ids: people.iter().map(|(id, _)| MemberId(*id)).collect(),
        name: people.iter().map(|(_, handle)| handle.as_str()).collect::<Vec<_>>().join(","),
        export_name: row.export_name,
        created_at: ts(row.created_at),
        last_message_at: row.last_message_at.map(ts),
    }
}

/// A direct conversation, whoever takes part: for the domain, which decides.
pub(crate) async fn any_dm(conn: &mut Conn, id: DmId) -> Result<Dm> {
    let row = db::query_as::<DmRow>("SELECT id, created_at, last_message_at, export_name FROM dms WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("conversation {id}")))?;
    dm_from_row(conn, row).await
}

pub(crate) async fn dm(conn: &mut Conn, viewer: &Viewer, id: DmId) -> Result<Dm> {
    let row = dm_row(conn, viewer, id).await?;
    dm_from_row(conn, row).await
}

pub(crate) async fn dms(conn: &mut Conn, viewer: &Viewer) -> Result<Vec<Dm>> {
    let rows = db::query_as::<DmRow>(&format!(
        "SELECT id, created_at, last_message_at, export_name FROM dms WHERE {} \
         ORDER BY COALESCE(last_message_at, created_at) DESC, id DESC",
        visibility::reads_dm("id", "$1")
    ))
    .bind(viewer.member.0)
    .fetch_all(&mut *conn)
    .await?;
    // Everyone in every one of those conversations, in one read rather than one per
    // conversation: the sidebar lists them on every page.
    let people: Vec<(i64, i64, String)> = db::query_as(&format!(
        "SELECT d.dm_id, m.id, m.handle FROM dm_members d JOIN members m ON m.id = d.member_id \
         WHERE {} ORDER BY d.dm_id, m.handle",
        visibility::reads_dm("d.dm_id", "$1")
    ))
    .bind(viewer.member.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_dm: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (dm, member, handle) in people {
        by_dm.entry(dm).or_default().push((member, handle));
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let people = by_dm.remove(&row.id).unwrap_or_default();
            dm_of(row, &people)
        })
        .collect())
}

pub(crate) async fn dm_messages(conn: &mut Conn, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Message>> {
    dm_row(conn, viewer, id).await?;
    let rows = db::query_as::<MessageRow>(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE dm_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(id.0)
    .bind(page.after.unwrap_or(0))
    .bind(i64::from(page.limit))
    .fetch_all(&mut *conn)
    .await?;
    with_reactions(conn, rows).await
}

pub(crate) async fn dm_threads(conn: &mut Conn, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Thread>> {
    dm_row(conn, viewer, id).await?;
    let rows = db::query_as::<ThreadRow>(&format!(
        "SELECT {THREAD_COLUMNS} FROM threads WHERE dm_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(id.0)
    .bind(page.after.unwrap_or(0))
    .bind(i64::from(page.limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(ThreadRow::into_thread).collect())
}

// ---- projects and tasks -----------------------------------------------------------------------

/// Projects and tasks are "not found" for who may not read them (the policy's work rule).
fn work_readable(viewer: &Viewer, what: impl FnOnce() -> String) -> Result<()> {
    if !policy::may_read_work(viewer) {
        return Err(Error::not_found(what()));
    }
    Ok(())
}

struct ProjectRow {
    id: i64,
    name: String,
    description: String,
    created_by: i64,
    created_at: i64,
    archived: bool,
}

from_row!(ProjectRow { id, name, description, created_by, created_at, archived });

impl ProjectRow {
    fn into_project(self) -> Project {
        Project {
            id: ProjectId(self.id),
            name: self.name,
            description: self.description,
            created_by: MemberId(self.created_by),
            created_at: ts(self.created_at),
            archived: self.archived,
        }
    }
}

pub(crate) async fn projects(conn: &mut Conn, viewer: &Viewer) -> Result<Vec<Project>> {
    if !policy::may_read_work(viewer) {
        return Ok(Vec::new());
    }
    let rows = db::query_as::<ProjectRow>(
        "SELECT id, name, description, created_by, created_at, archived FROM projects ORDER BY name, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(ProjectRow::into_project).collect())
}

/// A project whoever may see it: for the domain, which decides.
pub(crate) async fn any_project(conn: &mut Conn, id: ProjectId) -> Result<Option<Project>> {
    let row = db::query_as::<ProjectRow>(
        "SELECT id, name, description, created_by, created_at, archived FROM projects WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(ProjectRow::into_project))
}

pub(crate) async fn project(conn: &mut Conn, viewer: &Viewer, id: ProjectId) -> Result<Project> {
    let what = || format!("project {id}");
    work_readable(viewer, what)?;
    let row = db::query_as::<ProjectRow>(
        "SELECT id, name, description, created_by, created_at, archived FROM projects WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found(what()))?;
    Ok(row.into_project())
}

pub(crate) struct TaskRow {
    pub(crate) id: i64,
    project_id: i64,
    pub(crate) thread_id: i64,
    title: String,
    description: String,
    assignee_id: Option<i64>,
    status: String,
    due: Option<String>,
    priority: String,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    done_at: Option<i64>,
}

from_row!(TaskRow {
    id,
    project_id,
    thread_id,
    title,
    description,
    assignee_id,
    status,
    due,
    priority,
    created_by,
    created_at,
    updated_at,
    done_at
});

const TASK_COLUMNS: &str = "id, project_id, thread_id, title, description, assignee_id, status, due, priority, \
     created_by, created_at, updated_at, done_at";

impl TaskRow {
    pub(crate) fn into_task(self) -> Task {
        Task {
            id: TaskId(self.id),
            project_id: ProjectId(self.project_id),
            thread_id: ThreadId(self.thread_id),
            title: self.title,
            description: self.description,
            assignee_id: self.assignee_id.map(MemberId),
            status: TaskStatus::parse(&self.status).unwrap_or(TaskStatus::Todo),
            due: self.due.and_then(|d| d.parse().ok()),
            priority: Priority::parse(&self.priority).unwrap_or(Priority::Normal),
            created_by: MemberId(self.created_by),
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
            done_at: self.done_at.map(ts),
        }
    }
}

/// A task whoever may see it: for the domain, which decides.
pub(crate) async fn any_task(conn: &mut Conn, id: TaskId) -> Result<Option<Task>> {
    let row = db::query_as::<TaskRow>(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(TaskRow::into_task))
}

pub(crate) async fn task(conn: &mut Conn, viewer: &Viewer, id: TaskId) -> Result<Task> {
    let what = || format!("task {id}");
    work_readable(viewer, what)?;
    let row = db::query_as::<TaskRow>(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(what()))?;
    Ok(row.into_task())
}

pub(crate) async fn tasks(
    conn: &mut Conn,
    viewer: &Viewer,
    project: Option<ProjectId>,
    assignee: Option<MemberId>,
    status: Option<TaskStatus>,
) -> Result<Vec<Task>> {
    if !policy::may_read_work(viewer) {
        return Ok(Vec::new());
    }
    let rows = db::query_as::<TaskRow>(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE ($1 IS NULL OR project_id = $1) \
         AND ($2 IS NULL OR assignee_id = $2) AND ($3 IS NULL OR status = $3) ORDER BY id LIMIT 5000"
    ))
    .bind(project.map(|p| p.0))
    .bind(assignee.map(|m| m.0))
    .bind(status.map(TaskStatus::as_str))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(TaskRow::into_task).collect())
}

/// A task's events, `$1` the task: read through the index `events_task` (whose expression and
/// condition these repeat exactly, as an index on an expression needs).
pub(crate) fn task_history_sql(dialect: Dialect) -> String {
    let task_id = dialect.json_int("payload", &["task_id"]);
    format!(
        "SELECT seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member FROM events \
         WHERE kind LIKE 'task.%' AND {task_id} = $1 ORDER BY seq"
    )
}

pub(crate) async fn task_history(conn: &mut Conn, viewer: &Viewer, id: TaskId) -> Result<Vec<Event>> {
    task(conn, viewer, id).await?;
    let rows = db::query_as::<EventRow>(&task_history_sql(conn.dialect())).bind(id.0).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| Event {
            workspace: 1,
            seq: Seq(r.seq),
            at: ts(r.at),
            actor: r.actor.map(MemberId),
            change: baton_core::event::Change::from_parts(&r.kind, &r.payload),
            source: r.source,
        })
        .collect())
}

// ---- events -----------------------------------------------------------------------------------

struct EventRow {
    seq: i64,
    at: i64,
    actor: Option<i64>,
    kind: String,
    payload: String,
    source: String,
    scope_channel: Option<i64>,
    scope_dm: Option<i64>,
    /// 0 no restriction, 1 non-guests, 2 owners and admins.
    scope_internal: i64,
    scope_member: Option<i64>,
}

from_row!(EventRow { seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member });

impl EventRow {
    fn into_committed(self) -> CommittedEvent {
        let scope = match (self.scope_channel, self.scope_dm, self.scope_internal) {
            (Some(channel), _, _) => Scope::Channel(ChannelId(channel)),
            (None, Some(dm), _) => Scope::Dm(DmId(dm)),
            (None, None, 2) => Scope::Admins,
            (None, None, 3) => Scope::Private,
            (None, None, 0) => Scope::Everyone,
            (None, None, _) => Scope::Internal,
        };
        let json = event_json(self.seq, ts(self.at), self.actor, &self.kind, &self.payload, &self.source);
        CommittedEvent::new(Seq(self.seq), self.kind, scope, self.scope_member.map(MemberId), json)
    }
}

/// The event as the API and the stream send it. `payload` is JSON we wrote ourselves, so it is
/// spliced in as it is rather than parsed and serialized again.
pub(crate) fn event_json(
    seq: i64,
    at: Timestamp,
    actor: Option<i64>,
    kind: &str,
    payload: &str,
    source: &str,
) -> Bytes {
    let actor = actor.map_or_else(|| "null".to_string(), |a| a.to_string());
    let kind = serde_json::to_string(kind).unwrap_or_else(|_| "\"\"".into());
    let source = serde_json::to_string(source).unwrap_or_else(|_| "\"\"".into());
    Bytes::from(format!(
        r#"{{"workspace":1,"seq":{seq},"at":"{at}","actor":{actor},"kind":{kind},"payload":{payload},"source":{source}}}"#
    ))
}

pub(crate) async fn events(
    conn: &mut Conn,
    viewer: &Viewer,
    since: Seq,
    limit: u32,
) -> Result<Vec<Arc<CommittedEvent>>> {
    // Each scope's rule, as `policy::may_see` reads it (scope_internal: 0 none, 1 internal,
    // 2 admins, 3 private: its `scope_member` alone).
    let (visible, in_dm) = (visibility::visible_channels(), visibility::reads_dm("scope_dm", "$2"));
    let (work, admins) = (visibility::reads_work("$1"), visibility::reads_admins("$5"));
    let rows = db::query_as::<EventRow>(&format!(
        "SELECT seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member FROM events \
         WHERE seq > $3 AND (scope_member = $2 OR ( \
           (scope_channel IS NULL OR scope_channel IN ({visible})) \
           AND (scope_dm IS NULL OR {in_dm}) \
           AND (scope_internal = 0 OR (scope_internal = 1 AND {work}) OR (scope_internal = 2 AND {admins})))) \
         ORDER BY seq LIMIT $4"
    ))
    .bind(visibility::guest(viewer))
    .bind(viewer.member.0)
    .bind(since.0)
    .bind(i64::from(limit))
    .bind(visibility::admin(viewer))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| Arc::new(r.into_committed())).collect())
}

pub(crate) async fn access(conn: &mut Conn, viewer: &Viewer) -> Result<Access> {
    // One snapshot for the head and the memberships: a removal committed between the two reads
    // would otherwise be judged as already done for events before it.
    let dialect = conn.dialect();
    let Some(conn) = conn.sqlx() else {
        // SQLite's own read connection: a read transaction is one snapshot (WAL); a read
        // cancelled halfway is rolled back when the connection goes back to its pool.
        conn.batch("BEGIN").await?;
        let as_of = db::query_as::<(i64,)>(ACCESS_HEAD).fetch_one(conn).await?.0;
        let channel_ids: Vec<(i64,)> = db::query_as(visibility::visible_channels())
            .bind(visibility::guest(viewer))
            .bind(viewer.member.0)
            .fetch_all(conn)
            .await?;
        let dm_ids: Vec<(i64,)> = db::query_as(ACCESS_DMS).bind(viewer.member.0).fetch_all(conn).await?;
        conn.batch("COMMIT").await?;
        return Ok(access_of(viewer, as_of, channel_ids, dm_ids));
    };
    let mut tx = conn.begin().await?;
    if dialect == Dialect::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
    }
    let (as_of,): (i64,) = sqlx::query_as(ACCESS_HEAD).fetch_one(&mut *tx).await?;
    let channel_ids: Vec<(i64,)> = sqlx::query_as(visibility::visible_channels())
        .bind(visibility::guest(viewer))
        .bind(viewer.member.0)
        .fetch_all(&mut *tx)
        .await?;
    let dm_ids: Vec<(i64,)> = sqlx::query_as(ACCESS_DMS).bind(viewer.member.0).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(access_of(viewer, as_of, channel_ids, dm_ids))
}

/// The head of the log, read with the memberships.
const ACCESS_HEAD: &str = "SELECT COALESCE(MAX(seq), 0) FROM events";
/// The viewer's direct conversations; binds the member as `$1`.
const ACCESS_DMS: &str = "SELECT dm_id FROM dm_members WHERE member_id = $1";

fn access_of(viewer: &Viewer, as_of: i64, channel_ids: Vec<(i64,)>, dm_ids: Vec<(i64,)>) -> Access {
    Access {
        member: viewer.member,
        role: viewer.role,
        channels: channel_ids.into_iter().map(|(id,)| ChannelId(id)).collect(),
        dms: dm_ids.into_iter().map(|(id,)| DmId(id)).collect(),
        as_of: Seq(as_of),
    }
}

/// At most `limit` events after `since`, unfiltered.
pub(crate) async fn committed_after_limited(conn: &mut Conn, since: i64, limit: u32) -> Result<Vec<CommittedEvent>> {
    let rows = db::query_as::<EventRow>(
        "SELECT seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member \
         FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(since)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(EventRow::into_committed).collect())
}

/// Every event after `since`, unfiltered: for publishing what another process committed.
pub(crate) async fn committed_after(conn: &mut Conn, since: i64) -> Result<Vec<CommittedEvent>> {
    let rows = db::query_as::<EventRow>(
        "SELECT seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member \
         FROM events WHERE seq > $1 ORDER BY seq",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(EventRow::into_committed).collect())
}

// ---- norms --------------------------------------------------------------------------------------

pub(crate) async fn norms(conn: &mut Conn, viewer: &Viewer) -> Result<baton_core::model::Norms> {
    let (default,): (i64,) = db::query_as("SELECT reply_within_minutes FROM workspace").fetch_one(&mut *conn).await?;
    let rows: Vec<(i64, String, i64)> = db::query_as(&format!(
        "SELECT id, name, reply_within_minutes FROM channels WHERE reply_within_minutes IS NOT NULL \
         AND id IN ({}) ORDER BY name, id",
        visibility::visible_channels()
    ))
    .bind(visibility::guest(viewer))
    .bind(viewer.member.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(baton_core::model::Norms {
        default_reply_within_minutes: default,
        channels: rows
            .into_iter()
            .map(|(id, name, minutes)| baton_core::model::ChannelNorm {
                channel_id: ChannelId(id),
                name,
                reply_within_minutes: minutes,
            })
            .collect(),
    })
}
