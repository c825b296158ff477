//! The projector: writes what a typed change means into the tables, inside the transaction that
//! appends it. It holds no rules (the domain decided); it maps data.
//!
//! It projects the changes of the command families that moved into the domain (channels,
//! projects and tasks, threads, messages, direct conversations, norms, slots, huddles, advice, cancelled jobs); the other kinds
//! are still written by their own command (`apply*.rs`), and pass here untouched.

use super::db::{self, Conn};
use baton_core::event::{self as ev, Change};
use baton_core::model::TaskStatus;
use baton_core::MemberId;
use jiff::Timestamp;

use super::read::micros;
use super::unread::{self, Place};
use super::Dialect;
use crate::error::Result;

/// The key that makes a set of people's direct conversation one: their ids, sorted, joined.
pub(crate) fn member_key(people: &[MemberId]) -> String {
    let mut ids: Vec<i64> = people.iter().map(|m| m.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A new row of the log.
pub(crate) struct EventRow<'a> {
    pub(crate) seq: i64,
    pub(crate) at: i64,
    pub(crate) actor: Option<i64>,
    pub(crate) kind: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) source: &'a str,
    pub(crate) scope_channel: Option<i64>,
    pub(crate) scope_dm: Option<i64>,
    pub(crate) scope_internal: i64,
    pub(crate) scope_member: Option<i64>,
}

const INSERT_EVENT: &str = "INSERT INTO events \
     (seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Appends `event` to the log and writes what its `change` means, which `actor` made at `at`;
/// `before`: statements without arguments to run first (the command's savepoint).
pub(crate) async fn append(
    conn: &mut Conn,
    before: Option<&str>,
    event: &EventRow<'_>,
    at: Timestamp,
    actor: Option<MemberId>,
    change: &Change,
) -> Result<()> {
    // A post, the most frequent change, goes to SQLite with its event and what goes before it in
    // one round trip (PostgreSQL takes one statement at a time when it has arguments).
    let posted = match change {
        Change::MessagePosted(posted) => Some(posted),
        _ => None,
    };
    let with_post = posted.is_some() && conn.dialect() == Dialect::Sqlite;
    if let Some(before) = before.filter(|_| !with_post) {
        conn.batch(before).await?;
    }
    if let Some(posted) = posted {
        return post(conn, before.filter(|_| with_post), Some(event), posted).await;
    }
    bind_event(db::query(INSERT_EVENT), event).execute(&mut *conn).await?;
    project(conn, at, actor, change).await
}

fn bind_event<'q>(query: db::Query<'q>, event: &EventRow<'q>) -> db::Query<'q> {
    query
        .bind(event.seq)
        .bind(event.at)
        .bind(event.actor)
        .bind(event.kind)
        .bind(event.payload)
        .bind(event.source)
        .bind(event.scope_channel)
        .bind(event.scope_dm)
        .bind(event.scope_internal)
        .bind(event.scope_member)
}

/// A post's statements, arguments `$1` to `$26`, each once and in order: a script for SQLite;
/// for PostgreSQL the parts of one statement, after its `WITH`.
const POST_SQLITE: &str =
    "INSERT INTO messages (id, thread_id, dm_id, author_id, body, html, mentions, urgent, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9); \
     UPDATE threads SET message_count = message_count + 1, live_messages = live_messages + 1, \
     last_message_at = MAX(COALESCE(last_message_at, 0), $10) WHERE id = $11; \
     INSERT INTO thread_followers (thread_id, member_id) SELECT $12, $13 WHERE $14 IS NOT NULL \
     ON CONFLICT DO NOTHING; \
     UPDATE dms SET last_message_at = MAX(COALESCE(last_message_at, 0), $15), live_messages = live_messages + 1 \
     WHERE id = COALESCE($16, (SELECT dm_id FROM threads WHERE id = $17)); \
     UPDATE channels SET live_messages = live_messages + 1 WHERE id = (SELECT channel_id FROM threads WHERE id = $18); \
     INSERT INTO thread_seen (thread_id, member_id, seen) SELECT $19, $20, 1 WHERE $21 IS NOT NULL \
     ON CONFLICT (thread_id, member_id) DO UPDATE SET seen = thread_seen.seen + 1; \
     INSERT INTO channel_seen (member_id, channel_id, seen) SELECT $22, channel_id, 1 FROM threads \
     WHERE id = $23 AND channel_id IS NOT NULL \
     ON CONFLICT (member_id, channel_id) DO UPDATE SET seen = channel_seen.seen + 1; \
     INSERT INTO dm_seen (member_id, dm_id, seen) SELECT $24, home.dm_id, 1 \
     FROM (SELECT COALESCE($25, (SELECT dm_id FROM threads WHERE id = $26)) AS dm_id) AS home \
     WHERE home.dm_id IS NOT NULL ON CONFLICT (member_id, dm_id) DO UPDATE SET seen = dm_seen.seen + 1";
const POST_POSTGRES: &str = "posted AS (INSERT INTO messages \
       (id, thread_id, dm_id, author_id, body, html, mentions, urgent, created_at) \
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)), \
     counted AS (UPDATE threads SET message_count = message_count + 1, live_messages = live_messages + 1, \
       last_message_at = GREATEST(COALESCE(last_message_at, 0), $10) WHERE id = $11), \
     followed AS (INSERT INTO thread_followers (thread_id, member_id) \
       SELECT $12, $13 WHERE $14 IS NOT NULL ON CONFLICT DO NOTHING), \
     dm_counted AS (UPDATE dms SET last_message_at = GREATEST(COALESCE(last_message_at, 0), $15), \
       live_messages = live_messages + 1 WHERE id = COALESCE($16, (SELECT dm_id FROM threads WHERE id = $17))), \
     channel_counted AS (UPDATE channels SET live_messages = live_messages + 1 \
       WHERE id = (SELECT channel_id FROM threads WHERE id = $18)), \
     thread_seen_counted AS (INSERT INTO thread_seen (thread_id, member_id, seen) SELECT $19, $20, 1 \
       WHERE $21 IS NOT NULL ON CONFLICT (thread_id, member_id) DO UPDATE SET seen = thread_seen.seen + 1), \
     channel_seen_counted AS (INSERT INTO channel_seen (member_id, channel_id, seen) SELECT $22, channel_id, 1 \
       FROM threads WHERE id = $23 AND channel_id IS NOT NULL \
       ON CONFLICT (member_id, channel_id) DO UPDATE SET seen = channel_seen.seen + 1) \
     INSERT INTO dm_seen (member_id, dm_id, seen) SELECT $24, home.dm_id, 1 \
       FROM (SELECT COALESCE($25, (SELECT dm_id FROM threads WHERE id = $26)) AS dm_id) AS home \
       WHERE home.dm_id IS NOT NULL ON CONFLICT (member_id, dm_id) DO UPDATE SET seen = dm_seen.seen + 1";

/// The SQL of a post in `dialect`, after its event row's ten arguments when `with_event`: made
/// once per process, as posts are the writer's hot path.
fn post_sql(dialect: Dialect, with_event: bool) -> &'static str {
    static MADE: std::sync::OnceLock<[String; 4]> = std::sync::OnceLock::new();
    let made = MADE.get_or_init(|| {
        let after_event = |sql: &str| shift_arguments(sql, 10);
        [
            POST_SQLITE.to_string(),
            format!("{INSERT_EVENT}; {}", after_event(POST_SQLITE)),
            format!("WITH {POST_POSTGRES}"),
            format!("WITH logged AS ({INSERT_EVENT}), {}", after_event(POST_POSTGRES)),
        ]
    });
    let index = match dialect {
        Dialect::Sqlite => 0,
        Dialect::Postgres => 2,
    } + usize::from(with_event);
    &made[index]
}

/// `sql` with every argument `$N` renumbered `$N+by`.
fn shift_arguments(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// A posted message (and, when given, its event) in one call: the message; its thread's count
/// and last activity, and its author as a follower (posting follows a thread: replies notify its
/// followers); its conversation's last activity, whether it is in the conversation's timeline or
/// in one of its threads; the unread counts (`unread.rs`): one more message in its thread and its
/// channel or conversation, seen by its author (and by no one else: no mark is above it). SQLite takes the statements as a script whose `$N` are numbered across
/// it (each statement reads its own from the one list of arguments), PostgreSQL as one statement
/// with data-modifying parts.
async fn post(
    conn: &mut Conn,
    before: Option<&str>,
    event: Option<&EventRow<'_>>,
    posted: &ev::MessagePosted,
) -> Result<()> {
    let message = &posted.message;
    let (thread, dm, at) = (message.thread_id.map(|t| t.0), message.dm_id.map(|d| d.0), micros(message.created_at));
    let sql = post_sql(conn.dialect(), event.is_some());
    let with_before;
    let sql = match before {
        Some(before) => {
            with_before = format!("{before}; {sql}");
            with_before.as_str()
        }
        None => sql,
    };
    let mentions = serde_json::to_string(&message.mentions)?;
    let mut query = db::query(sql);
    if let Some(event) = event {
        query = bind_event(query, event);
    }
    query
        .bind(message.id.0)
        .bind(thread)
        .bind(dm)
        .bind(message.author_id.0)
        .bind(&message.body)
        .bind(&message.html)
        .bind(&mentions)
        .bind(message.urgent)
        .bind(at)
        .bind(at)
        .bind(thread)
        .bind(thread)
        .bind(message.author_id.0)
        .bind(thread)
        .bind(at)
        .bind(dm)
        .bind(thread)
        .bind(thread)
        .bind(thread)
        .bind(message.author_id.0)
        .bind(thread)
        .bind(message.author_id.0)
        .bind(thread)
        .bind(message.author_id.0)
        .bind(dm)
        .bind(thread)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes `change`, which `actor` made at `at`, into the tables.
pub(crate) async fn project(conn: &mut Conn, at: Timestamp, actor: Option<MemberId>, change: &Change) -> Result<()> {
    match change {
        Change::ChannelCreated(created) => {
            let channel = &created.channel;
            db::query(
                "INSERT INTO channels (id, name, visibility, topic, created_by, created_at, archived) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(channel.id.0)
            .bind(&channel.name)
            .bind(channel.visibility.as_str())
            .bind(&channel.topic)
            .bind(channel.created_by.0)
            .bind(micros(channel.created_at))
            .bind(channel.archived)
            .execute(&mut *conn)
            .await?;
        }
        Change::ChannelUpdated(updated) => {
            let channel = &updated.channel;
            db::query("UPDATE channels SET name = $1, visibility = $2, topic = $3, archived = $4 WHERE id = $5")
                .bind(&channel.name)
                .bind(channel.visibility.as_str())
                .bind(&channel.topic)
                .bind(channel.archived)
                .bind(channel.id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ChannelMemberAdded(joined) => {
            db::query("INSERT INTO channel_members (channel_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(joined.channel_id.0)
                .bind(joined.member_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ChannelMemberRemoved(left) => {
            db::query("DELETE FROM channel_members WHERE channel_id = $1 AND member_id = $2")
                .bind(left.channel_id.0)
                .bind(left.member_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ThreadCreated(created) => {
            let thread = &created.thread;
            db::query(
                "INSERT INTO threads (id, channel_id, dm_id, title, timeline, tags, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(thread.id.0)
            .bind(thread.channel_id.map(|c| c.0))
            .bind(thread.dm_id.map(|d| d.0))
            .bind(&thread.title)
            .bind(thread.timeline)
            .bind(serde_json::to_string(&thread.tags)?)
            .bind(thread.created_by.0)
            .bind(micros(thread.created_at))
            .execute(&mut *conn)
            .await?;
            // Whoever begins a thread follows it: replies notify them.
            db::query("INSERT INTO thread_followers (thread_id, member_id) VALUES ($1, $2)")
                .bind(thread.id.0)
                .bind(thread.created_by.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ThreadUpdated(updated) => {
            if let Some(title) = &updated.title {
                // A title someone chose reads as written: an import's display title gives way.
                db::query("UPDATE threads SET title = $1, display_title = NULL WHERE id = $2")
                    .bind(title)
                    .bind(updated.thread_id.0)
                    .execute(&mut *conn)
                    .await?;
            }
            if let Some(tags) = &updated.tags {
                db::query("UPDATE threads SET tags = $1 WHERE id = $2")
                    .bind(serde_json::to_string(tags)?)
                    .bind(updated.thread_id.0)
                    .execute(&mut *conn)
                    .await?;
            }
            if let Some(shown) = &updated.display_title {
                db::query("UPDATE threads SET display_title = $1 WHERE id = $2")
                    .bind(shown)
                    .bind(updated.thread_id.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::ThreadResolved(thread) | Change::ThreadReopened(thread) => {
            db::query("UPDATE threads SET resolved = $1 WHERE id = $2")
                .bind(matches!(change, Change::ThreadResolved(_)))
                .bind(thread.thread_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::MessagePosted(posted) => post(conn, None, None, posted).await?,
        Change::MessageEdited(edited) => {
            // A new text keeps the one it replaces as a version; the same text (an import's
            // "edited" mark, whose earlier text is unknown) only marks the time.
            db::query(
                "INSERT INTO message_versions (message_id, body, replaced_at) \
                 SELECT id, body, $1 FROM messages WHERE id = $2 AND body <> $3",
            )
            .bind(micros(at))
            .bind(edited.message_id.0)
            .bind(&edited.body)
            .execute(&mut *conn)
            .await?;
            let greatest = conn.dialect().greatest();
            db::query(&format!(
                "UPDATE messages SET body = $1, html = $2, mentions = $3, \
                 edited_at = {greatest}(COALESCE(edited_at, 0), created_at, $4) WHERE id = $5",
            ))
            .bind(&edited.body)
            .bind(&edited.html)
            .bind(serde_json::to_string(&edited.mentions)?)
            .bind(micros(at))
            .bind(edited.message_id.0)
            .execute(&mut *conn)
            .await?;
        }
        Change::MessageDeleted(deleted) => {
            unread::deleting(conn, deleted.message_id).await?;
            // The tombstone keeps the message's place, author and time; its text and history go.
            db::query("UPDATE messages SET body = '', html = '', mentions = '[]', deleted = TRUE WHERE id = $1")
                .bind(deleted.message_id.0)
                .execute(&mut *conn)
                .await?;
            db::query("DELETE FROM message_versions WHERE message_id = $1")
                .bind(deleted.message_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::MessageMoved(moved) => move_message(conn, moved).await?,
        Change::ReactionAdded(reaction) => {
            db::query(
                "INSERT INTO reactions (message_id, member_id, emoji, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(reaction.message_id.0)
            .bind(reaction.member_id.0)
            .bind(&reaction.emoji)
            .bind(micros(at))
            .execute(&mut *conn)
            .await?;
        }
        Change::ReactionRemoved(reaction) => {
            db::query("DELETE FROM reactions WHERE message_id = $1 AND member_id = $2 AND emoji = $3")
                .bind(reaction.message_id.0)
                .bind(reaction.member_id.0)
                .bind(&reaction.emoji)
                .execute(&mut *conn)
                .await?;
        }
        Change::DmCreated(created) => {
            let dm = &created.dm;
            db::query("INSERT INTO dms (id, member_key, created_at, export_name) VALUES ($1, $2, $3, $4)")
                .bind(dm.id.0)
                .bind(member_key(&dm.member_ids))
                .bind(micros(dm.created_at))
                .bind(&dm.export_name)
                .execute(&mut *conn)
                .await?;
            for member in &dm.member_ids {
                db::query("INSERT INTO dm_members (dm_id, member_id) VALUES ($1, $2)")
                    .bind(dm.id.0)
                    .bind(member.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::DmUpdated(updated) => {
            db::query("UPDATE dms SET export_name = $1 WHERE id = $2")
                .bind(&updated.dm.export_name)
                .bind(updated.dm_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::NormChanged(changed) => match changed.channel_id {
            Some(channel) => {
                db::query("UPDATE channels SET reply_within_minutes = $1 WHERE id = $2")
                    .bind(changed.reply_within_minutes)
                    .bind(channel.0)
                    .execute(&mut *conn)
                    .await?;
            }
            None => {
                if let Some(minutes) = changed.reply_within_minutes {
                    db::query("UPDATE workspace SET reply_within_minutes = $1")
                        .bind(minutes)
                        .execute(&mut *conn)
                        .await?;
                }
            }
        },
        Change::SlotBooked(booked) => {
            for member in &booked.outside_working_hours {
                db::query(
                    "INSERT INTO slot_burdens (member_id, count) VALUES ($1, 1) \
                     ON CONFLICT (member_id) DO UPDATE SET count = slot_burdens.count + 1",
                )
                .bind(member.0)
                .execute(&mut *conn)
                .await?;
            }
        }
        Change::HuddleStarted(started) => {
            let huddle = &started.huddle;
            db::query(
                "INSERT INTO huddles (id, thread_id, task_id, project_id, title, call_link, agenda, started_by, started_at, opens_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(huddle.id.0)
            .bind(huddle.thread_id.0)
            .bind(huddle.task_id.map(|t| t.0))
            .bind(started.project_id.map(|p| p.0))
            .bind(&huddle.title)
            .bind(&huddle.call_link)
            .bind(&huddle.agenda)
            .bind(huddle.started_by.0)
            .bind(micros(huddle.started_at))
            .bind(huddle.opens_at.map(micros))
            .execute(&mut *conn)
            .await?;
            for member in &huddle.invited {
                db::query("INSERT INTO huddle_invites (huddle_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(huddle.id.0)
                    .bind(member.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::HuddleJoined(joined) => {
            db::query("INSERT INTO huddle_participants (huddle_id, member_id, joined_at) VALUES ($1, $2, $3)")
                .bind(joined.huddle_id.0)
                .bind(joined.member_id.0)
                .bind(micros(joined.at))
                .execute(&mut *conn)
                .await?;
        }
        Change::HuddleLeft(left) => {
            db::query(
                "UPDATE huddle_participants SET left_at = $1 WHERE huddle_id = $2 AND member_id = $3 AND left_at IS NULL",
            )
            .bind(micros(left.at))
            .bind(left.huddle_id.0)
            .bind(left.member_id.0)
            .execute(&mut *conn)
            .await?;
        }
        Change::HuddleUpdated(updated) => {
            db::query("UPDATE huddles SET agenda = COALESCE($1, agenda), notes = COALESCE($2, notes) WHERE id = $3")
                .bind(&updated.agenda)
                .bind(&updated.notes)
                .bind(updated.huddle_id.0)
                .execute(&mut *conn)
                .await?;
            if let Some(link) = &updated.call_link {
                db::query("UPDATE huddles SET call_link = $1 WHERE id = $2")
                    .bind(link)
                    .bind(updated.huddle_id.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::HuddleDecisionRecorded(decision) => {
            db::query(
                "INSERT INTO huddle_items (id, huddle_id, kind, text, created_by, created_at) VALUES ($1, $2, 'decision', $3, $4, $5)",
            )
            .bind(decision.item_id)
            .bind(decision.huddle_id.0)
            .bind(&decision.text)
            .bind(actor.map(|a| a.0))
            .bind(micros(at))
            .execute(&mut *conn)
            .await?;
        }
        Change::HuddleActionItemAdded(item) => {
            db::query(
                "INSERT INTO huddle_items (id, huddle_id, kind, text, assignee_id, due, created_by, created_at) \
                 VALUES ($1, $2, 'action', $3, $4, $5, $6, $7)",
            )
            .bind(item.item_id)
            .bind(item.huddle_id.0)
            .bind(&item.title)
            .bind(item.assignee_id.map(|m| m.0))
            .bind(item.due.map(|d| d.to_string()))
            .bind(actor.map(|a| a.0))
            .bind(micros(at))
            .execute(&mut *conn)
            .await?;
        }
        Change::HuddleEnded(ended) => {
            db::query("UPDATE huddles SET ended_at = $1, summary_message_id = $2 WHERE id = $3")
                .bind(micros(at))
                .bind(ended.summary_message_id.0)
                .bind(ended.huddle_id.0)
                .execute(&mut *conn)
                .await?;
            for item in ended.action_items.iter().filter(|item| item.task_id.is_some()) {
                db::query("UPDATE huddle_items SET task_id = $1 WHERE id = $2")
                    .bind(item.task_id.map(|t| t.0))
                    .bind(item.id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::AdviceAccepted(decided) | Change::AdviceDismissed(decided) => {
            db::query("INSERT INTO advisor_outcomes (key, accepted, decided_by, decided_at) VALUES ($1, $2, $3, $4)")
                .bind(&decided.key)
                .bind(matches!(change, Change::AdviceAccepted(_)))
                .bind(actor.map(|a| a.0))
                .bind(micros(at))
                .execute(&mut *conn)
                .await?;
        }
        Change::JobCancelled(cancelled) => {
            db::query("UPDATE jobs SET cancelled_at = $1 WHERE id = $2")
                .bind(micros(at))
                .bind(cancelled.job_id)
                .execute(&mut *conn)
                .await?;
        }
        Change::ProjectCreated(created) => {
            let project = &created.project;
            db::query(
                "INSERT INTO projects (id, name, description, created_by, created_at, archived) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(project.id.0)
            .bind(&project.name)
            .bind(&project.description)
            .bind(project.created_by.0)
            .bind(micros(project.created_at))
            .bind(project.archived)
            .execute(&mut *conn)
            .await?;
        }
        Change::ProjectUpdated(updated) => {
            let project = &updated.project;
            db::query("UPDATE projects SET name = $1, description = $2, archived = $3 WHERE id = $4")
                .bind(&project.name)
                .bind(&project.description)
                .bind(project.archived)
                .bind(project.id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskCreated(created) => {
            let task = &created.task;
            db::query(
                "INSERT INTO tasks (id, project_id, thread_id, title, description, assignee_id, status, due, priority, \
                 created_by, created_at, updated_at, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(task.id.0)
            .bind(task.project_id.0)
            .bind(task.thread_id.0)
            .bind(&task.title)
            .bind(&task.description)
            .bind(task.assignee_id.map(|a| a.0))
            .bind(task.status.as_str())
            .bind(task.due.map(|d| d.to_string()))
            .bind(task.priority.as_str())
            .bind(task.created_by.0)
            .bind(micros(task.created_at))
            .bind(micros(task.updated_at))
            .bind(task.done_at.map(micros))
            .execute(&mut *conn)
            .await?;
            db::query("UPDATE threads SET task_id = $1 WHERE id = $2")
                .bind(task.id.0)
                .bind(task.thread_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskUpdated(updated) => {
            db::query(
                "UPDATE tasks SET title = COALESCE($1, title), description = COALESCE($2, description), \
                 priority = COALESCE($3, priority), updated_at = $4 WHERE id = $5",
            )
            .bind(&updated.title)
            .bind(&updated.description)
            .bind(updated.priority.map(|p| p.as_str()))
            .bind(micros(at))
            .bind(updated.task_id.0)
            .execute(&mut *conn)
            .await?;
            if let Some(title) = &updated.title {
                // A task's thread is titled after it.
                db::query("UPDATE threads SET title = $1 WHERE id = (SELECT thread_id FROM tasks WHERE id = $2)")
                    .bind(title)
                    .bind(updated.task_id.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::TaskAssigned(assigned) => {
            db::query("UPDATE tasks SET assignee_id = $1, updated_at = $2 WHERE id = $3")
                .bind(assigned.to.map(|m| m.0))
                .bind(micros(at))
                .bind(assigned.task_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskDueChanged(moved) => {
            db::query("UPDATE tasks SET due = $1, updated_at = $2 WHERE id = $3")
                .bind(moved.to.map(|d| d.to_string()))
                .bind(micros(at))
                .bind(moved.task_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskStatusChanged(moved) => {
            let done_at = (moved.to == TaskStatus::Done).then_some(micros(at));
            db::query("UPDATE tasks SET status = $1, done_at = $2, updated_at = $3 WHERE id = $4")
                .bind(moved.to.as_str())
                .bind(done_at)
                .bind(micros(at))
                .bind(moved.task_id.0)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Moves a timeline message into a thread: the counts of both follow, its author follows the
/// thread, and whoever had read it where it was has read it where it is.
async fn move_message(conn: &mut Conn, moved: &baton_core::event::MessageMoved) -> Result<()> {
    let (author, created_at): (i64, i64) = db::query_as("SELECT author_id, created_at FROM messages WHERE id = $1")
        .bind(moved.message_id.0)
        .fetch_one(&mut *conn)
        .await?;
    let thread = moved.thread_id.0;
    unread::moving_out(conn, moved.message_id).await?;
    db::query("UPDATE messages SET thread_id = $1, dm_id = NULL WHERE id = $2")
        .bind(thread)
        .bind(moved.message_id.0)
        .execute(&mut *conn)
        .await?;
    let greatest = conn.dialect().greatest();
    db::query(&format!(
        "UPDATE threads SET message_count = message_count + 1, \
         last_message_at = {greatest}(COALESCE(last_message_at, 0), $1) WHERE id = $2",
    ))
    .bind(created_at)
    .bind(thread)
    .execute(&mut *conn)
    .await?;
    if let Some(from) = moved.from_thread_id {
        db::query(
            "UPDATE threads SET message_count = message_count - 1, \
             last_message_at = (SELECT MAX(created_at) FROM messages WHERE thread_id = $1) WHERE id = $1",
        )
        .bind(from.0)
        .execute(&mut *conn)
        .await?;
    }
    db::query("INSERT INTO thread_followers (thread_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(thread)
        .bind(author)
        .execute(&mut *conn)
        .await?;
    let from = match (moved.from_thread_id, moved.from_dm_id) {
        (Some(from), _) => Some(Place::Thread(from.0)),
        (None, Some(dm)) => Some(Place::Timeline(dm.0)),
        (None, None) => None,
    };
    unread::moved_in(conn, moved.message_id, from, moved.thread_id).await?;
    let read_it = match moved.from_thread_id {
        Some(_) => "SELECT member_id FROM thread_read_marks WHERE thread_id = $3 AND message_id >= $2",
        None => "SELECT member_id FROM dm_read_marks WHERE dm_id = $3 AND message_id >= $2",
    };
    db::query(&format!(
        "INSERT INTO thread_read_marks (member_id, thread_id, message_id) SELECT member_id, $1, $2 FROM ({read_it}) AS readers \
         WHERE true ON CONFLICT (member_id, thread_id) DO UPDATE SET message_id = {greatest}(thread_read_marks.message_id, excluded.message_id)"
    ))
    .bind(thread)
    .bind(moved.message_id.0)
    .bind(moved.from_thread_id.map(|t| t.0).or(moved.from_dm_id.map(|d| d.0)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
