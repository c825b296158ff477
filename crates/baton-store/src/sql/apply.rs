//! One command inside the writer's transaction: check it against the current state, append its
//! events, update the projections, and return what the API shows.

use std::collections::HashMap;

use super::db::{self, Conn};
use baton_core::event::Change;
use baton_core::model::{CheckIn, Role};
use baton_core::{ChannelId, DmId, MemberId, MessageId, ProjectId, TaskId, ThreadId};
use jiff::civil::Date;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::read::{self, event_json, micros};
use super::savepoint::Savepoint;
use super::Dialect;
use crate::answer::{Answer, ReadUpTo};
use crate::command::{Command, Envelope, MessageTarget, NewMember};
use crate::domain::checkins as domain_checkins;
use crate::domain::jobs as domain_jobs;
use crate::domain::members::{self, MemberChange};
use crate::domain::norms as domain_norms;
use crate::domain::tasks::{self, TaskChange, TaskFields};
use crate::domain::{
    advice, channels, dms, huddles, messages, notifications, sessions, threads, workspace, IdKind, Tx,
};
use crate::error::{Error, Result};
use crate::view::{CommittedEvent, Scope, Viewer};

mod jobs;

/// What a command appends to: the next `seq` and the events committed with the batch.
pub(crate) struct Log<'a> {
    pub(crate) next_seq: &'a mut i64,
    pub(crate) events: &'a mut Vec<CommittedEvent>,
    /// A command redacted text from the log: after the commit, the write-ahead log is
    /// checkpointed and truncated so that no copy of it stays on disk.
    pub(crate) redacted: &'a mut bool,
    /// The next id of each kind of row, once a command of the group asked for one.
    pub(crate) next_ids: &'a mut std::collections::HashMap<IdKind, i64>,
    /// What the group knows of the state, read once (see [`Known`]).
    pub(crate) known: &'a mut Known,
    /// The savepoint this command owes before its first write, to open with it: `None` once
    /// opened (or when the writer opened it before the command).
    pub(crate) savepoint: Option<Savepoint>,
}

/// State a write group reads once instead of once per command. Only this writer changes the
/// database while its group holds the write lock, so what it read stays true until one of its
/// own commands changes it: the writer forgets it when a command is rolled back, and when a
/// change is recorded or a row written that may touch it; a post updates what it changes (its
/// thread's counters, its followers) as its projection does.
#[derive(Default)]
pub(crate) struct Known {
    /// `(actor, idempotency key)` → (first answer, fingerprint): every key the group's commands
    /// carry, looked up in one query before the first command, and each answer recorded since.
    pub(crate) answers: HashMap<(i64, String), (String, String)>,
    /// Answers of the group's commands not written yet: they go to the database together, before
    /// the group commits (see [`save_answers`]).
    unsaved: Vec<Unsaved>,
    /// A channel as one member sees it (`Tx::channel`): posts to one channel read it once.
    channels: HashMap<(ChannelId, MemberId), Option<baton_core::model::Channel>>,
    /// Threads as read (`Tx::thread`), kept up to date by the group's posts.
    threads: HashMap<ThreadId, Option<baton_core::model::Thread>>,
    /// A thread's followers (`Tx::followers`), kept up to date by the group's posts.
    followers: HashMap<ThreadId, Vec<MemberId>>,
    /// Members by id (`Tx::member`) and ids by handle (`Tx::members_by_handle`).
    members: HashMap<MemberId, Option<baton_core::model::Member>>,
    handles: HashMap<String, Option<MemberId>>,
}

/// An idempotency record to write.
struct Unsaved {
    actor: i64,
    key: String,
    at: i64,
}

impl Known {
    pub(crate) fn with_answers(answers: HashMap<(i64, String), (String, String)>) -> Known {
        Known { answers, ..Known::default() }
    }

    /// Whether answers wait to be written ([`save_answers`]).
    pub(crate) fn has_unsaved(&self) -> bool {
        !self.unsaved.is_empty()
    }

    /// After a rolled-back command: what it read may have been its own changes.
    pub(crate) fn forget_state(&mut self) {
        self.channels.clear();
        self.threads.clear();
        self.followers.clear();
        self.members.clear();
        self.handles.clear();
    }

    /// What a recorded change makes of what is known. Only the changes a busy workspace makes
    /// all the time are looked at closely; any other forgets everything.
    fn recorded(&mut self, change: &Change) {
        match change {
            Change::MessagePosted(posted) => self.posted(&posted.message),
            // A new thread changes no other; its id may have been looked up (and missed) before.
            Change::ThreadCreated(created) => {
                self.threads.remove(&created.thread_id);
                self.followers.remove(&created.thread_id);
            }
            Change::NotificationDelivered(_) => {}
            _ => self.forget_state(),
        }
    }

    /// What a post changes in what is known: its thread's counters and followers, as
    /// `project::post` changes them in the tables.
    fn posted(&mut self, message: &baton_core::model::Message) {
        let Some(thread) = message.thread_id else { return };
        if let Some(Some(known)) = self.threads.get_mut(&thread) {
            known.message_count += 1;
            known.last_message_at = known.last_message_at.max(Some(message.created_at));
        }
        if let Some(followers) = self.followers.get_mut(&thread) {
            if !followers.contains(&message.author_id) {
                followers.push(message.author_id);
            }
        }
    }
}

/// The threads a member posted in since `$2` (but `$3`): read through `messages_author`.
pub(crate) const THREADS_POSTED_IN: &str = "SELECT DISTINCT thread_id FROM messages WHERE author_id = $1 \
     AND created_at > $2 AND thread_id IS NOT NULL AND thread_id != $3 ORDER BY thread_id LIMIT 20";

/// The tasks a member moved since `$2`: read through `events_actor`.
pub(crate) fn tasks_moved_sql(dialect: Dialect) -> String {
    let task_id = dialect.json_int("payload", &["task_id"]);
    format!(
        "SELECT DISTINCT {task_id} FROM events WHERE actor = $1 AND at > $2 \
         AND kind IN ('task.status_changed', 'task.assigned', 'task.due_changed', 'task.updated') \
         ORDER BY 1 LIMIT 20"
    )
}

/// Writes the answers of the group's commands for their idempotency keys, many to a statement:
/// before the group commits, and before anything reads them back ([`redact`]).
pub(crate) async fn save_answers(conn: &mut Conn, known: &mut Known) -> Result<(), sqlx::Error> {
    let unsaved = std::mem::take(&mut known.unsaved);
    for chunk in unsaved.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|n| format!("(${}, ${}, ${}, ${}, ${})", 5 * n + 1, 5 * n + 2, 5 * n + 3, 5 * n + 4, 5 * n + 5))
            .collect();
        let sql = format!(
            "INSERT INTO idempotency (actor, key, response, fingerprint, created_at) VALUES {}",
            rows.join(", ")
        );
        let mut query = db::query(&sql);
        for row in chunk {
            let (response, fingerprint) = &known.answers[&(row.actor, row.key.clone())];
            query = query.bind(row.actor).bind(&row.key).bind(response).bind(fingerprint).bind(row.at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

struct Ctx<'a, 'l> {
    conn: &'a mut Conn,
    log: &'a mut Log<'l>,
    at: Timestamp,
    actor: Option<MemberId>,
    source: &'a str,
}

impl Ctx<'_, '_> {
    /// Keeps a token's hash for `member`: a session's or an invitation's (`purpose`).
    async fn add_token(&mut self, member: MemberId, token_hash: &str, purpose: &str) -> Result<()> {
        self.open_savepoint().await?;
        db::query("INSERT INTO tokens (hash, member_id, purpose, created_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(member.0)
            .bind(purpose)
            .bind(micros(self.at))
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// Opens the command's savepoint if it still owes it: before any write but a recorded change
    /// (which opens it in the same round trip).
    async fn open_savepoint(&mut self) -> Result<()> {
        if let Some(owed) = self.log.savepoint.take() {
            // As text, not prepared: it is more than one statement.
            self.conn.batch(owed.open_next()).await?;
        }
        Ok(())
    }

    /// An event that `also_for` may read besides those the scope lets in.
    async fn emit_also_for(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()> {
        let seq = *self.log.next_seq;
        let kind = change.kind();
        let payload = change.payload_json();
        let (channel, dm, internal) = match scope {
            Scope::Everyone => (None, None, 0),
            Scope::Internal => (None, None, 1),
            Scope::Admins => (None, None, 2),
            Scope::Private => (None, None, 3),
            Scope::Channel(id) => (Some(id.0), None, 0i64),
            Scope::Dm(id) => (None, Some(id.0), 0i64),
        };
        let row = super::project::EventRow {
            seq,
            at: micros(self.at),
            actor: self.actor.map(|a| a.0),
            kind,
            payload: &payload,
            source: self.source,
            scope_channel: channel,
            scope_dm: dm,
            scope_internal: internal,
            scope_member: also_for.map(|m| m.0),
        };
        let savepoint = self.log.savepoint.take().map(Savepoint::open_next);
        super::project::append(self.conn, savepoint, &row, self.at, self.actor, &change).await?;
        *self.log.next_seq += 1;
        self.log.known.recorded(&change);
        let json = event_json(seq, self.at, self.actor.map(|a| a.0), kind, &payload, self.source);
        self.log.events.push(CommittedEvent::new(baton_core::Seq(seq), kind.to_string(), scope, also_for, json));
        Ok(())
    }
}

#[async_trait::async_trait]
impl Tx for Ctx<'_, '_> {
    fn at(&self) -> Timestamp {
        self.at
    }

    fn is_live(&self) -> bool {
        self.source == "baton"
    }

    async fn member(&mut self, id: MemberId) -> Result<Option<baton_core::model::Member>> {
        if let Some(known) = self.log.known.members.get(&id) {
            return Ok(known.clone());
        }
        let member = match read::member_row(self.conn, id).await {
            Ok(row) => Some(row.into_member(None)),
            Err(Error::NotFound { .. }) => None,
            Err(err) => return Err(err),
        };
        self.log.known.members.insert(id, member.clone());
        Ok(member)
    }

    async fn channel(&mut self, id: ChannelId, member: MemberId) -> Result<Option<baton_core::model::Channel>> {
        if let Some(known) = self.log.known.channels.get(&(id, member)) {
            return Ok(known.clone());
        }
        let channel = read::any_channel(self.conn, id, member).await?;
        self.log.known.channels.insert((id, member), channel.clone());
        Ok(channel)
    }

    async fn channels_named(&mut self, name: &str, member: MemberId) -> Result<Vec<baton_core::model::Channel>> {
        read::channels_named(self.conn, name, member).await
    }

    async fn thread(&mut self, id: ThreadId) -> Result<Option<baton_core::model::Thread>> {
        if let Some(known) = self.log.known.threads.get(&id) {
            return Ok(known.clone());
        }
        let thread = read::any_thread(self.conn, id).await?;
        self.log.known.threads.insert(id, thread.clone());
        Ok(thread)
    }

    async fn timeline_of(&mut self, channel: ChannelId) -> Result<Option<ThreadId>> {
        let found: Option<(i64,)> = db::query_as("SELECT id FROM threads WHERE channel_id = $1 AND timeline = TRUE")
            .bind(channel.0)
            .fetch_optional(&mut *self.conn)
            .await?;
        Ok(found.map(|(id,)| ThreadId(id)))
    }

    async fn in_dm(&mut self, dm: DmId, member: MemberId) -> Result<bool> {
        let found: Option<(i64,)> = db::query_as("SELECT 1 FROM dm_members WHERE dm_id = $1 AND member_id = $2")
            .bind(dm.0)
            .bind(member.0)
            .fetch_optional(&mut *self.conn)
            .await?;
        Ok(found.is_some())
    }

    async fn dm_members(&mut self, dm: DmId) -> Result<Vec<MemberId>> {
        let rows: Vec<(i64,)> = db::query_as("SELECT member_id FROM dm_members WHERE dm_id = $1")
            .bind(dm.0)
            .fetch_all(&mut *self.conn)
            .await?;
        Ok(rows.into_iter().map(|(m,)| MemberId(m)).collect())
    }

    async fn dm_of(&mut self, people: &[MemberId]) -> Result<Option<baton_core::model::Dm>> {
        let found: Option<(i64,)> = db::query_as("SELECT id FROM dms WHERE member_key = $1")
            .bind(super::project::member_key(people))
            .fetch_optional(&mut *self.conn)
            .await?;
        match found {
            Some((id,)) => Ok(Some(read::any_dm(self.conn, DmId(id)).await?)),
            None => Ok(None),
        }
    }

    async fn followers(&mut self, thread: ThreadId) -> Result<Vec<MemberId>> {
        if let Some(known) = self.log.known.followers.get(&thread) {
            return Ok(known.clone());
        }
        let rows: Vec<(i64,)> = db::query_as("SELECT member_id FROM thread_followers WHERE thread_id = $1")
            .bind(thread.0)
            .fetch_all(&mut *self.conn)
            .await?;
        let followers: Vec<MemberId> = rows.into_iter().map(|(m,)| MemberId(m)).collect();
        self.log.known.followers.insert(thread, followers.clone());
        Ok(followers)
    }

    async fn message(&mut self, id: MessageId) -> Result<Option<baton_core::model::Message>> {
        read::any_message(self.conn, id).await
    }

    async fn members_by_handle(&mut self, handles: &[String]) -> Result<Vec<MemberId>> {
        let mut ids = Vec::new();
        for handle in handles {
            let found = match self.log.known.handles.get(handle) {
                Some(known) => *known,
                None => {
                    let found: Option<(i64,)> = db::query_as("SELECT id FROM members WHERE handle = $1")
                        .bind(handle)
                        .fetch_optional(&mut *self.conn)
                        .await?;
                    let found = found.map(|(id,)| MemberId(id));
                    self.log.known.handles.insert(handle.clone(), found);
                    found
                }
            };
            ids.extend(found);
        }
        Ok(ids)
    }

    async fn reply_norm(&mut self, channel: Option<ChannelId>) -> Result<i64> {
        let (minutes,): (i64,) = db::query_as(
            "SELECT COALESCE((SELECT reply_within_minutes FROM channels WHERE id = $1), reply_within_minutes) FROM workspace",
        )
        .bind(channel.map(|c| c.0))
        .fetch_one(&mut *self.conn)
        .await?;
        Ok(minutes)
    }

    async fn workspace(&mut self) -> Result<Option<baton_core::model::Workspace>> {
        read::workspace(self.conn).await
    }

    async fn project_named(&mut self, name: &str) -> Result<Option<ProjectId>> {
        let found: Option<(i64,)> =
            db::query_as("SELECT id FROM projects WHERE name = $1 AND archived = FALSE ORDER BY id LIMIT 1")
                .bind(name)
                .fetch_optional(&mut *self.conn)
                .await?;
        Ok(found.map(|(id,)| ProjectId(id)))
    }

    async fn huddle(&mut self, id: baton_core::HuddleId) -> Result<Option<baton_core::model::Huddle>> {
        read::huddles::any_huddle(self.conn, id).await
    }

    async fn huddle_project(&mut self, id: baton_core::HuddleId) -> Result<Option<ProjectId>> {
        let found: Option<(Option<i64>,)> = db::query_as("SELECT project_id FROM huddles WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *self.conn)
            .await?;
        Ok(found.and_then(|(project,)| project).map(ProjectId))
    }

    async fn project(&mut self, id: ProjectId) -> Result<Option<baton_core::model::Project>> {
        read::any_project(self.conn, id).await
    }

    async fn task(&mut self, id: TaskId) -> Result<Option<baton_core::model::Task>> {
        read::any_task(self.conn, id).await
    }

    async fn next_id(&mut self, kind: IdKind) -> Result<i64> {
        if let Some(next) = self.log.next_ids.get_mut(&kind) {
            *next += 1;
            return Ok(*next - 1);
        }
        let table = match kind {
            IdKind::Channel => "channels",
            IdKind::Project => "projects",
            IdKind::Task => "tasks",
            IdKind::Thread => "threads",
            IdKind::Message => "messages",
            IdKind::Dm => "dms",
            IdKind::Huddle => "huddles",
            IdKind::HuddleItem => "huddle_items",
        };
        let (next,): (i64,) =
            db::query_as(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).fetch_one(&mut *self.conn).await?;
        self.log.next_ids.insert(kind, next + 1);
        Ok(next)
    }

    async fn record(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()> {
        self.emit_also_for(change, scope, also_for).await
    }

    async fn advice_decided(&mut self, key: &str) -> Result<bool> {
        let found: Option<(i64,)> = db::query_as("SELECT 1 FROM advisor_outcomes WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.conn)
            .await?;
        Ok(found.is_some())
    }

    async fn checkin(&mut self, id: i64) -> Result<Option<CheckIn>> {
        read::any_checkin(self.conn, id).await
    }

    async fn insert_checkin(&mut self, checkin: &CheckIn) -> Result<i64> {
        self.open_savepoint().await?;
        let (id,): (i64,) = db::query_as(
            "INSERT INTO checkins (channel_id, thread_id, title, questions, ask_at, digest_at, digest_zone, cadence, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(checkin.channel_id.0)
        .bind(checkin.thread_id.0)
        .bind(&checkin.title)
        .bind(serde_json::to_string(&checkin.questions)?)
        .bind(&checkin.ask_at)
        .bind(&checkin.digest_at)
        .bind(&checkin.digest_zone)
        .bind(serde_json::to_string(&checkin.cadence)?)
        .bind(checkin.created_by.0)
        .bind(micros(checkin.created_at))
        .fetch_one(&mut *self.conn)
        .await?;
        for member in &checkin.member_ids {
            db::query("INSERT INTO checkin_members (checkin_id, member_id) VALUES ($1, $2)")
                .bind(id)
                .bind(member.0)
                .execute(&mut *self.conn)
                .await?;
        }
        Ok(id)
    }

    async fn add_ask(&mut self, checkin: i64, member: MemberId, day: Date, at: Timestamp) -> Result<bool> {
        self.open_savepoint().await?;
        let inserted = db::query(
            "INSERT INTO checkin_asks (checkin_id, member_id, day, asked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(checkin)
        .bind(member.0)
        .bind(day.to_string())
        .bind(micros(at))
        .execute(&mut *self.conn)
        .await?;
        Ok(inserted == 1)
    }

    async fn last_answered_ask(&mut self, checkin: i64, member: MemberId) -> Result<Option<Timestamp>> {
        let (last,): (Option<i64>,) = db::query_as(
            "SELECT MAX(asked_at) FROM checkin_asks WHERE checkin_id = $1 AND member_id = $2 \
             AND answer_message_id IS NOT NULL",
        )
        .bind(checkin)
        .bind(member.0)
        .fetch_one(&mut *self.conn)
        .await?;
        Ok(last.map(read::ts))
    }

    async fn answer_ask(&mut self, checkin: i64, member: MemberId, message: MessageId) -> Result<()> {
        self.open_savepoint().await?;
        db::query(
            "UPDATE checkin_asks SET answer_message_id = $1 WHERE id = (SELECT id FROM checkin_asks \
             WHERE checkin_id = $2 AND member_id = $3 AND answer_message_id IS NULL ORDER BY asked_at DESC LIMIT 1)",
        )
        .bind(message.0)
        .bind(checkin)
        .bind(member.0)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn asks_between(
        &mut self,
        checkin: i64,
        after: Option<Timestamp>,
        up_to: Timestamp,
    ) -> Result<Vec<baton_core::model::CheckInAsk>> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = db::query_as(
            "SELECT member_id, day, asked_at, answer_message_id FROM checkin_asks \
             WHERE checkin_id = $1 AND asked_at > $2 AND asked_at <= $3 ORDER BY asked_at, member_id",
        )
        .bind(checkin)
        .bind(after.map_or(i64::MIN, micros))
        .bind(micros(up_to))
        .fetch_all(&mut *self.conn)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(member, day, asked_at, answer)| {
                Some(baton_core::model::CheckInAsk {
                    member_id: MemberId(member),
                    day: day.parse().ok()?,
                    asked_at: read::ts(asked_at),
                    answer_message_id: answer.map(MessageId),
                })
            })
            .collect())
    }

    async fn digest_mark(&mut self, checkin: i64) -> Result<Option<Timestamp>> {
        let (last,): (Option<i64>,) = db::query_as("SELECT last_digest_at FROM checkins WHERE id = $1")
            .bind(checkin)
            .fetch_one(&mut *self.conn)
            .await?;
        Ok(last.map(read::ts))
    }

    async fn set_digest_mark(&mut self, checkin: i64, to: Timestamp) -> Result<()> {
        self.open_savepoint().await?;
        db::query("UPDATE checkins SET last_digest_at = $1 WHERE id = $2")
            .bind(micros(to))
            .bind(checkin)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn activity_since(
        &mut self,
        member: MemberId,
        since: Timestamp,
        except: ThreadId,
    ) -> Result<crate::domain::checkins::Activity> {
        let threads: Vec<(i64,)> = db::query_as(THREADS_POSTED_IN)
            .bind(member.0)
            .bind(micros(since))
            .bind(except.0)
            .fetch_all(&mut *self.conn)
            .await?;
        let tasks: Vec<(i64,)> = db::query_as(&tasks_moved_sql(self.conn.dialect()))
            .bind(member.0)
            .bind(micros(since))
            .fetch_all(&mut *self.conn)
            .await?;
        Ok(crate::domain::checkins::Activity {
            threads: threads.into_iter().map(|(id,)| ThreadId(id)).collect(),
            tasks_moved: tasks.into_iter().map(|(id,)| TaskId(id)).collect(),
        })
    }

    async fn take_checkin_items(&mut self, checkin: i64, member: MemberId, at: Timestamp) -> Result<Vec<TaskId>> {
        let items: Vec<(i64, i64)> = db::query_as(
            "SELECT id, task_id FROM checkin_agenda WHERE checkin_id = $1 AND member_id = $2 AND asked_at IS NULL \
             ORDER BY id",
        )
        .bind(checkin)
        .bind(member.0)
        .fetch_all(&mut *self.conn)
        .await?;
        if !items.is_empty() {
            self.open_savepoint().await?;
            db::query(
                "UPDATE checkin_agenda SET asked_at = $1 WHERE checkin_id = $2 AND member_id = $3 AND asked_at IS NULL",
            )
            .bind(micros(at))
            .bind(checkin)
            .bind(member.0)
            .execute(&mut *self.conn)
            .await?;
        }
        Ok(items.into_iter().map(|(_, task)| TaskId(task)).collect())
    }

    async fn add_checkin_item(&mut self, checkin: i64, member: MemberId, task: TaskId) -> Result<()> {
        self.open_savepoint().await?;
        db::query("INSERT INTO checkin_agenda (checkin_id, member_id, task_id, added_at) VALUES ($1, $2, $3, $4)")
            .bind(checkin)
            .bind(member.0)
            .bind(task.0)
            .bind(micros(self.at))
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn redact(&mut self, message: MessageId) -> Result<()> {
        self.open_savepoint().await?;
        redact(self, message).await
    }

    async fn mark_read(&mut self, member: MemberId, target: MessageTarget, up_to: MessageId) -> Result<()> {
        self.open_savepoint().await?;
        super::unread::mark_read(self.conn, member, target, up_to).await
    }

    async fn job(&mut self, id: i64) -> Result<Option<baton_core::model::Job>> {
        read::any_job(self.conn, id).await
    }

    async fn schedule(&mut self, kind: &str, member: MemberId, at: Timestamp, payload: &Value) -> Result<i64> {
        self.open_savepoint().await?;
        jobs::insert_job(self, kind, member, at, payload).await
    }

    async fn mark_fired(&mut self, id: i64, outcome: &Value) -> Result<()> {
        self.open_savepoint().await?;
        db::query("UPDATE jobs SET fired_at = $1, outcome = $2 WHERE id = $3")
            .bind(micros(self.at))
            .bind(serde_json::to_string(outcome)?)
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn answered(&mut self, message: &baton_core::model::Message) -> Result<bool> {
        let (answers,): (i64,) = db::query_as(
            "SELECT COUNT(*) FROM messages WHERE (thread_id = $1 OR dm_id = $2) AND author_id != $3 \
             AND (created_at > $4 OR (created_at = $4 AND id > $5))",
        )
        .bind(message.thread_id.map(|t| t.0))
        .bind(message.dm_id.map(|d| d.0))
        .bind(message.author_id.0)
        .bind(micros(message.created_at))
        .bind(message.id.0)
        .fetch_one(&mut *self.conn)
        .await?;
        Ok(answers > 0)
    }

    fn act_as(&mut self, member: MemberId) {
        self.actor = Some(member);
    }

    async fn create_workspace(&mut self, name: &str, time_zone: &str) -> Result<baton_core::model::Workspace> {
        self.open_savepoint().await?;
        db::query("INSERT INTO workspace (id, name, time_zone, created_at) VALUES (1, $1, $2, $3)")
            .bind(name)
            .bind(time_zone)
            .bind(micros(self.at))
            .execute(&mut *self.conn)
            .await?;
        read::workspace(self.conn).await?.ok_or_else(|| Error::conflict("the workspace was not written"))
    }

    async fn insert_member(&mut self, member: &NewMember) -> Result<MemberId> {
        self.open_savepoint().await?;
        self.log.known.forget_state();
        insert_member(self, member).await
    }

    async fn add_invite(&mut self, member: MemberId, token_hash: &str) -> Result<()> {
        self.add_token(member, token_hash, "invite").await
    }

    async fn active_owners(&mut self) -> Result<i64> {
        let (owners,): (i64,) = db::query_as("SELECT COUNT(*) FROM members WHERE role = 'owner' AND active = TRUE")
            .fetch_one(&mut *self.conn)
            .await?;
        Ok(owners)
    }

    async fn update_member(&mut self, id: MemberId, change: &MemberChange<'_>) -> Result<()> {
        self.open_savepoint().await?;
        self.log.known.forget_state();
        let hours = change.working_hours.map(serde_json::to_string).transpose()?;
        db::query(
            "UPDATE members SET display_name = COALESCE($1, display_name), time_zone = COALESCE($2, time_zone), \
             working_hours = COALESCE($3, working_hours), role = COALESCE($4, role), active = COALESCE($5, active) \
             WHERE id = $6",
        )
        .bind(change.display_name)
        .bind(change.time_zone)
        .bind(hours)
        .bind(change.role.map(Role::as_str))
        .bind(change.active)
        .bind(id.0)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn revoke_access(&mut self, member: MemberId) -> Result<()> {
        self.open_savepoint().await?;
        db::query("DELETE FROM tokens WHERE member_id = $1").bind(member.0).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn add_session(&mut self, member: MemberId, token_hash: &str) -> Result<()> {
        self.add_token(member, token_hash, "session").await
    }

    async fn remove_session(&mut self, token_hash: &str) -> Result<()> {
        self.open_savepoint().await?;
        db::query("DELETE FROM tokens WHERE hash = $1 AND purpose = 'session'")
            .bind(token_hash)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn end_sessions(&mut self, member: MemberId) -> Result<()> {
        self.open_savepoint().await?;
        db::query("DELETE FROM tokens WHERE member_id = $1 AND purpose = 'session'")
            .bind(member.0)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn use_invite(&mut self, member: MemberId, token_hash: &str) -> Result<bool> {
        self.open_savepoint().await?;
        let used = db::query("DELETE FROM tokens WHERE hash = $1 AND member_id = $2 AND purpose = 'invite'")
            .bind(token_hash)
            .bind(member.0)
            .execute(&mut *self.conn)
            .await?;
        Ok(used == 1)
    }

    async fn set_password(&mut self, member: MemberId, password_hash: &str) -> Result<()> {
        self.open_savepoint().await?;
        db::query("UPDATE members SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(member.0)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn unread_notifications(&mut self, member: MemberId) -> Result<Vec<i64>> {
        let unread: Vec<(i64,)> = db::query_as(
            "SELECT id FROM notifications WHERE member_id = $1 AND delivered_at IS NOT NULL AND read_at IS NULL ORDER BY id",
        )
        .bind(member.0)
        .fetch_all(&mut *self.conn)
        .await?;
        Ok(unread.into_iter().map(|(id,)| id).collect())
    }

    async fn set_notifications_read(&mut self, ids: &[i64]) -> Result<()> {
        self.open_savepoint().await?;
        for id in ids {
            db::query("UPDATE notifications SET read_at = $1 WHERE id = $2")
                .bind(micros(self.at))
                .bind(id)
                .execute(&mut *self.conn)
                .await?;
        }
        Ok(())
    }

    async fn add_notification(
        &mut self,
        member: MemberId,
        why: &str,
        about: &Value,
        urgent: bool,
        deliver_at: Timestamp,
    ) -> Result<i64> {
        self.open_savepoint().await?;
        let (id,): (i64,) = db::query_as(
            "INSERT INTO notifications (member_id, kind, payload, urgent, created_at, deliver_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(member.0)
        .bind(why)
        .bind(serde_json::to_string(about)?)
        .bind(urgent)
        .bind(micros(self.at))
        .bind(micros(deliver_at))
        .fetch_one(&mut *self.conn)
        .await?;
        Ok(id)
    }

    async fn mark_delivered(&mut self, id: i64) -> Result<Option<baton_core::model::Notification>> {
        self.open_savepoint().await?;
        let updated = db::query("UPDATE notifications SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL")
            .bind(micros(self.at))
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        if updated == 0 {
            return Ok(None);
        }
        Ok(Some(read::notification(self.conn, id).await?))
    }
}

/// Applies `envelope` on `conn`, which is inside the batch's transaction and a savepoint of its
/// own: on error the caller rolls the savepoint back, so a failed command leaves nothing.
pub(crate) async fn apply(conn: &mut Conn, envelope: &Envelope, log: &mut Log<'_>) -> Result<Answer> {
    let actor_key = envelope.viewer.map_or(0, |v| v.member.0);
    if let Some(key) = &envelope.idempotency_key {
        // Looked up for the whole group before its first command (see `Known::answers`).
        if let Some((response, first_fingerprint)) = log.known.answers.get(&(actor_key, key.clone())) {
            if *first_fingerprint != envelope.fingerprint {
                return Err(Error::invalid(
                    "Idempotency-Key",
                    "this key was already used for a different request; use a new key for a new request",
                ));
            }
            return Answer::replayed(&envelope.command, response);
        }
    }
    let mut ctx = Ctx {
        conn: &mut *conn,
        log,
        // Stored times have microsecond precision: answer with the time as it will read back.
        at: read::ts(micros(envelope.at)),
        actor: envelope.viewer.map(|v| v.member),
        source: &envelope.source,
    };
    let answer = match (&envelope.command, envelope.viewer) {
        (Command::Setup { workspace_name, time_zone, owner }, _) => {
            Answer::SetUp(workspace::set_up(&mut ctx, workspace_name, time_zone, owner).await?)
        }
        (Command::IssueToken { member, token_hash }, _) => {
            sessions::begin(&mut ctx, *member, token_hash).await?;
            Answer::Nothing
        }
        (Command::RevokeToken { token_hash }, _) => {
            sessions::end(&mut ctx, token_hash).await?;
            Answer::Nothing
        }
        (Command::SetPassword { member, password_hash, consume_invite, revoke_sessions }, _) => {
            sessions::set_password(&mut ctx, *member, password_hash, consume_invite.as_deref(), *revoke_sessions)
                .await?;
            Answer::Nothing
        }
        (Command::FireJob { id }, _) => match domain_jobs::fire(&mut ctx, *id).await? {
            Some(fired) => Answer::JobFired(fired),
            None => Answer::Nothing,
        },
        (_, None) => return Err(Error::forbidden("this change needs a signed-in member")),
        (command, Some(viewer)) => apply_as(&mut ctx, &viewer, command).await?,
    };
    if let Some(key) = &envelope.idempotency_key {
        let response = serde_json::to_string(&answer)?;
        log.known.answers.insert((actor_key, key.clone()), (response, envelope.fingerprint.clone()));
        log.known.unsaved.push(Unsaved { actor: actor_key, key: key.clone(), at: micros(envelope.at) });
    }
    Ok(answer)
}

async fn apply_as(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, command: &Command) -> Result<Answer> {
    Ok(match command {
        Command::Setup { .. }
        | Command::IssueToken { .. }
        | Command::RevokeToken { .. }
        | Command::SetPassword { .. }
        | Command::FireJob { .. } => {
            unreachable!("handled before: they need no viewer")
        }
        Command::AddMember { member, invite } => {
            Answer::MemberAdded(members::add(ctx, viewer, member, invite.as_ref()).await?)
        }
        Command::UpdateMember { id, display_name, time_zone, working_hours, role, active } => {
            let change = MemberChange {
                display_name: display_name.as_deref(),
                time_zone: time_zone.as_deref(),
                working_hours: working_hours.as_ref(),
                role: *role,
                active: *active,
            };
            Answer::Member(members::update(ctx, viewer, *id, change).await?)
        }
        Command::CreateChannel { name, visibility, topic, members } => {
            Answer::Channel(channels::create(ctx, viewer, name, *visibility, topic, members).await?)
        }
        Command::UpdateChannel { id, name, topic, archived } => {
            Answer::Channel(channels::update(ctx, viewer, *id, name, topic, *archived).await?)
        }
        Command::AddChannelMember { channel, member } => {
            Answer::Channel(channels::add_member(ctx, viewer, *channel, *member).await?)
        }
        Command::RemoveChannelMember { channel, member } => {
            Answer::LeftChannel(channels::remove_member(ctx, viewer, *channel, *member).await?)
        }
        Command::CreateThread { home, title, tags, body } => {
            let id = threads::create(ctx, viewer, *home, title, tags).await?.id;
            if let Some(body) = body {
                messages::post(ctx, viewer, MessageTarget::Thread(id), body, false).await?;
            }
            Answer::Thread(threads::readable(ctx, viewer, id).await?)
        }
        Command::OpenTimeline { channel } => Answer::Thread(threads::open_timeline(ctx, viewer, *channel).await?),
        Command::UpdateThread { id, title, tags, resolved } => {
            Answer::Thread(threads::update(ctx, viewer, *id, title, tags, *resolved).await?)
        }
        Command::SetDisplayTitle { thread, display_title } => {
            Answer::Thread(threads::set_display_title(ctx, viewer, *thread, display_title).await?)
        }
        Command::PostMessage { target, text, urgent } => {
            Answer::Message(messages::post(ctx, viewer, *target, text, *urgent).await?)
        }
        Command::Reply { message, text, urgent } => {
            Answer::Message(messages::reply(ctx, viewer, *message, text, *urgent).await?)
        }
        Command::MoveToThread { message, thread } => {
            Answer::Message(messages::move_to_thread(ctx, viewer, *message, *thread).await?)
        }
        Command::EditMessage { id, text } => Answer::Message(messages::edit(ctx, viewer, *id, text).await?),
        Command::MarkEdited { message } => Answer::Message(messages::mark_edited(ctx, viewer, *message).await?),
        Command::DeleteMessage { id } => Answer::Message(messages::delete(ctx, viewer, *id).await?),
        Command::AddReaction { message, emoji } => {
            Answer::Message(messages::react(ctx, viewer, *message, emoji, true).await?)
        }
        Command::RemoveReaction { message, emoji } => {
            Answer::Message(messages::react(ctx, viewer, *message, emoji, false).await?)
        }
        Command::OpenDm { members, export_name } => {
            Answer::Dm(dms::open(ctx, viewer, members, export_name.as_deref()).await?)
        }
        Command::CreateProject { name, description } => {
            Answer::Project(tasks::create_project(ctx, viewer, name, description).await?)
        }
        Command::UpdateProject { id, name, description, archived } => {
            Answer::Project(tasks::update_project(ctx, viewer, *id, name, description, *archived).await?)
        }
        Command::CreateTask { project, title, description, assignee, status, due, priority } => {
            let fields =
                TaskFields { title, description, assignee: *assignee, status: *status, due: *due, priority: *priority };
            Answer::Task(tasks::create_task(ctx, viewer, *project, fields).await?)
        }
        Command::UpdateTask { id, title, description, assignee, status, due, priority } => {
            let change =
                TaskChange { title, description, assignee: *assignee, status: *status, due: *due, priority: *priority };
            Answer::Task(tasks::update_task(ctx, viewer, *id, change).await?)
        }
        Command::StartHuddle { on, title, call_link, agenda, invite, project, join, opens_at } => {
            let start = huddles::Start {
                on: *on,
                title,
                call_link,
                agenda,
                invite,
                project: *project,
                join: *join,
                opens_at: *opens_at,
            };
            Answer::Huddle(huddles::start(ctx, viewer, start).await?)
        }
        Command::JoinHuddle { id } => Answer::Huddle(huddles::join(ctx, viewer, *id).await?),
        Command::LeaveHuddle { id } => Answer::Huddle(huddles::leave(ctx, viewer, *id).await?),
        Command::UpdateHuddle { id, agenda, notes, call_link } => {
            Answer::Huddle(huddles::update(ctx, viewer, *id, agenda, notes, call_link).await?)
        }
        Command::RecordDecision { id, text } => Answer::Huddle(huddles::add_item(ctx, viewer, *id, text, None).await?),
        Command::AddActionItem { id, title, assignee, due } => {
            Answer::Huddle(huddles::add_item(ctx, viewer, *id, title, Some((*assignee, *due))).await?)
        }
        Command::EndHuddle { id } => Answer::Huddle(huddles::end(ctx, viewer, *id).await?),
        Command::ScheduleMessage { target, body, urgent, at } => {
            Answer::Job(domain_jobs::schedule_message(ctx, viewer, *target, body, *urgent, *at).await?)
        }
        Command::Remind { message, note, at } => {
            Answer::Job(domain_jobs::remind(ctx, viewer, *message, note, *at).await?)
        }
        Command::CancelJob { id } => Answer::Job(domain_jobs::cancel(ctx, viewer, *id).await?),
        Command::ReadNotifications { ids } => {
            Answer::NotificationsRead(notifications::read(ctx, viewer, ids.as_deref()).await?)
        }
        Command::MarkRead { target, up_to } => {
            messages::mark_read(ctx, viewer, *target, *up_to).await?;
            Answer::ReadUpTo(ReadUpTo { read_up_to: *up_to })
        }
        Command::CreateCheckIn { channel, title, questions, ask_at, digest_at, members, cadence } => {
            let new = domain_checkins::New {
                channel: *channel,
                title,
                questions,
                ask_at: *ask_at,
                digest_at: *digest_at,
                members,
                cadence,
            };
            Answer::CheckIn(domain_checkins::create(ctx, viewer, new).await?)
        }
        Command::AnswerCheckIn { id, body } => Answer::Message(domain_checkins::answer(ctx, viewer, *id, body).await?),
        Command::BookSlot { members, start, end } => {
            Answer::SlotBooked(domain_norms::book_slot(ctx, viewer, members, *start, *end).await?)
        }
        Command::SetNorm { channel, reply_within_minutes } => {
            Answer::NormChanged(domain_norms::set(ctx, viewer, *channel, *reply_within_minutes).await?)
        }
        Command::FollowUp { message, notify, within_minutes } => {
            Answer::JobScheduled(domain_norms::follow_up(ctx, viewer, *message, *notify, *within_minutes).await?)
        }
        Command::Advise { key, accepted, detail, action } => {
            Answer::Advice(advice::decide(ctx, viewer, key, *accepted, detail, action).await?)
        }
    })
}

fn unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

// ---- workspace and members --------------------------------------------------------------------

async fn insert_member(ctx: &mut Ctx<'_, '_>, member: &NewMember) -> Result<MemberId> {
    let hours = serde_json::to_string(&member.working_hours)?;
    let inserted: std::result::Result<(i64,), _> = db::query_as(
        "INSERT INTO members (handle, email, display_name, role, time_zone, working_hours, password_hash, active, service, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9) RETURNING id",
    )
    .bind(&member.handle)
    .bind(&member.email)
    .bind(&member.display_name)
    .bind(member.role.as_str())
    .bind(&member.time_zone)
    .bind(hours)
    .bind(&member.password_hash)
    .bind(member.service)
    .bind(micros(ctx.at))
    .fetch_one(&mut *ctx.conn)
    .await;
    match inserted {
        Ok((id,)) => Ok(MemberId(id)),
        Err(err) if unique_violation(&err) => {
            Err(Error::conflict("a member with this handle or e-mail already exists"))
        }
        Err(err) => Err(err.into()),
    }
}

// ---- channels and threads ---------------------------------------------------------------------

/// See [`Tx::redact`]: the events that posted and edited the message, the answer kept for a
/// retry of its post, and a scheduled message's job that sent it. The page-level copies go
/// with `secure_delete` and the checkpoint after the commit.
async fn redact(ctx: &mut Ctx<'_, '_>, id: MessageId) -> Result<()> {
    let dialect = ctx.conn.dialect();
    // Accepted advice recorded before its events named what it created by id carried the
    // message whole.
    let in_events: [(&str, &[&str]); 3] = [
        ("message.posted", &["message", "id"]),
        ("message.edited", &["message_id"]),
        ("advisor.accepted", &["created", "message", "id"]),
    ];
    for (kind, path) in in_events {
        let rows: Vec<(i64, String)> = db::query_as(&format!(
            "SELECT seq, payload FROM events WHERE kind = $1 AND {} = $2",
            dialect.json_int("payload", path)
        ))
        .bind(kind)
        .bind(id.0)
        .fetch_all(&mut *ctx.conn)
        .await?;
        for (seq, payload) in rows {
            let mut payload: Value = serde_json::from_str(&payload)?;
            match kind {
                "message.posted" => {
                    scrub_message(&mut payload["message"]);
                    payload["redacted"] = json!(true);
                }
                "message.edited" => {
                    scrub_text(&mut payload);
                    payload["redacted"] = json!(true);
                }
                _ => scrub_message(&mut payload["created"]["message"]),
            }
            db::query("UPDATE events SET payload = $1 WHERE seq = $2")
                .bind(payload.to_string())
                .bind(seq)
                .execute(&mut *ctx.conn)
                .await?;
        }
    }
    // A retried post answers with what was kept for it: a message, known by its id and author.
    save_answers(ctx.conn, &mut *ctx.log.known).await?;
    for (response, _) in ctx.log.known.answers.values_mut() {
        if let Ok(mut answer) = serde_json::from_str::<Value>(response) {
            if answer["id"] == json!(id.0) && answer["author_id"].is_i64() && answer["body"].is_string() {
                scrub_message(&mut answer);
                *response = answer.to_string();
            }
        }
    }
    let answers: Vec<(i64, String, String)> = db::query_as(&format!(
        "SELECT actor, key, response FROM idempotency WHERE {} = $1",
        dialect.json_int("response", &["id"])
    ))
    .bind(id.0)
    .fetch_all(&mut *ctx.conn)
    .await?;
    for (actor, key, response) in answers {
        let mut answer: Value = serde_json::from_str(&response)?;
        if answer.get("author_id").is_none_or(Value::is_null) || !answer["body"].is_string() {
            continue;
        }
        scrub_message(&mut answer);
        db::query("UPDATE idempotency SET response = $1 WHERE actor = $2 AND key = $3")
            .bind(answer.to_string())
            .bind(actor)
            .bind(key)
            .execute(&mut *ctx.conn)
            .await?;
    }
    let sent: Vec<(i64, String)> = db::query_as(&format!(
        "SELECT id, payload FROM jobs WHERE kind = 'send_message' AND {} = $1",
        dialect.json_int("outcome", &["message_id"])
    ))
    .bind(id.0)
    .fetch_all(&mut *ctx.conn)
    .await?;
    for (job, payload) in sent {
        let mut payload: Value = serde_json::from_str(&payload)?;
        payload["body"] = json!("");
        db::query("UPDATE jobs SET payload = $1 WHERE id = $2")
            .bind(payload.to_string())
            .bind(job)
            .execute(&mut *ctx.conn)
            .await?;
    }
    *ctx.log.redacted = true;
    Ok(())
}

/// A message as JSON, its text gone and marked deleted.
fn scrub_message(message: &mut Value) {
    scrub_text(message);
    message["deleted"] = json!(true);
}

fn scrub_text(value: &mut Value) {
    value["body"] = json!("");
    value["html"] = json!("");
    value["mentions"] = json!([]);
}

// ---- projects and tasks -----------------------------------------------------------------------
