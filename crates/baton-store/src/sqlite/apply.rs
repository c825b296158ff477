//! One command inside the writer's transaction: check it against the current state, append its
//! events, update the projections, and return what the API shows.

use baton_core::event::{self as ev, Change};
use baton_core::model::Role;
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, MemberId, MessageId, ProjectId, TaskId, ThreadId};
use jiff::Timestamp;
use serde_json::{json, Value};
use sqlx::SqliteConnection;

use super::read::{self, event_json, micros};
use crate::command::{Command, Envelope, Invite, MessageTarget, NewMember, ThreadHome};
use crate::domain::tasks::{self, TaskChange, TaskFields};
use crate::domain::{channels, no_guest, threads, IdKind, Tx};
use crate::error::{Error, Result};
use crate::view::{CommittedEvent, Scope, Viewer};

mod advice;
mod checkins;
mod huddles;
mod jobs;
mod norms;
mod notify;

/// What a command appends to: the next `seq` and the events committed with the batch.
pub(crate) struct Log<'a> {
    pub(crate) next_seq: &'a mut i64,
    pub(crate) events: &'a mut Vec<CommittedEvent>,
    /// A command redacted text from the log: after the commit, the write-ahead log is
    /// checkpointed and truncated so that no copy of it stays on disk.
    pub(crate) redacted: &'a mut bool,
}

struct Ctx<'a, 'l> {
    conn: &'a mut SqliteConnection,
    log: &'a mut Log<'l>,
    at: Timestamp,
    actor: Option<MemberId>,
    source: &'a str,
}

impl Ctx<'_, '_> {
    async fn emit(&mut self, change: Change, scope: Scope) -> Result<()> {
        self.emit_also_for(change, scope, None).await
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
        sqlx::query(
            "INSERT INTO events (seq, at, actor, kind, payload, source, scope_channel, scope_dm, scope_internal, scope_member) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(micros(self.at))
        .bind(self.actor.map(|a| a.0))
        .bind(kind)
        .bind(&payload)
        .bind(self.source)
        .bind(channel)
        .bind(dm)
        .bind(internal)
        .bind(also_for.map(|m| m.0))
        .execute(&mut *self.conn)
        .await?;
        *self.log.next_seq += 1;
        super::project::project(self.conn, self.at, &change).await?;
        let json = event_json(seq, self.at, self.actor.map(|a| a.0), kind, &payload, self.source);
        self.log.events.push(CommittedEvent {
            seq: baton_core::Seq(seq),
            kind: kind.to_string(),
            scope,
            also_for,
            json,
        });
        Ok(())
    }
}

#[async_trait::async_trait]
impl Tx for Ctx<'_, '_> {
    fn at(&self) -> Timestamp {
        self.at
    }

    async fn member(&mut self, id: MemberId) -> Result<Option<baton_core::model::Member>> {
        match read::member_row(self.conn, id).await {
            Ok(row) => Ok(Some(row.into_member(None))),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn channel(&mut self, id: ChannelId, member: MemberId) -> Result<Option<baton_core::model::Channel>> {
        read::any_channel(self.conn, id, member).await
    }

    async fn channels_named(&mut self, name: &str, member: MemberId) -> Result<Vec<baton_core::model::Channel>> {
        read::channels_named(self.conn, name, member).await
    }

    async fn workspace(&mut self) -> Result<Option<baton_core::model::Workspace>> {
        read::workspace(self.conn).await
    }

    async fn project(&mut self, id: ProjectId) -> Result<Option<baton_core::model::Project>> {
        read::any_project(self.conn, id).await
    }

    async fn task(&mut self, id: TaskId) -> Result<Option<baton_core::model::Task>> {
        read::any_task(self.conn, id).await
    }

    async fn next_id(&mut self, kind: IdKind) -> Result<i64> {
        let table = match kind {
            IdKind::Channel => "channels",
            IdKind::Project => "projects",
            IdKind::Task => "tasks",
            IdKind::Thread => "threads",
        };
        let (next,): (i64,) =
            sqlx::query_as(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).fetch_one(&mut *self.conn).await?;
        Ok(next)
    }

    async fn record(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()> {
        self.emit_also_for(change, scope, also_for).await
    }

    async fn schedule(&mut self, kind: &str, member: MemberId, at: Timestamp, payload: &Value) -> Result<i64> {
        jobs::insert_job(self, kind, member, at, payload).await
    }

    async fn notify(&mut self, member: MemberId, why: &str, about: Value, urgent: bool) -> Result<()> {
        notify::notify(self, member, why, about, urgent).await
    }
}

/// Applies `envelope` on `conn`, which is inside the batch's transaction and a savepoint of its
/// own: on error the caller rolls the savepoint back, so a failed command leaves nothing.
pub(crate) async fn apply(conn: &mut SqliteConnection, envelope: &Envelope, log: &mut Log<'_>) -> Result<Value> {
    let actor_key = envelope.viewer.map_or(0, |v| v.member.0);
    if let Some(key) = &envelope.idempotency_key {
        let first: Option<(String, String)> =
            sqlx::query_as("SELECT response, fingerprint FROM idempotency WHERE actor = ? AND key = ?")
                .bind(actor_key)
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((response, first_fingerprint)) = first {
            if first_fingerprint != envelope.fingerprint {
                return Err(Error::invalid(
                    "Idempotency-Key",
                    "this key was already used for a different request; use a new key for a new request",
                ));
            }
            return Ok(serde_json::from_str(&response)?);
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
            setup(&mut ctx, workspace_name, time_zone, owner).await?
        }
        (Command::IssueToken { member, token_hash }, _) => {
            sqlx::query("INSERT INTO tokens (hash, member_id, purpose, created_at) VALUES (?, ?, 'session', ?)")
                .bind(token_hash)
                .bind(member.0)
                .bind(micros(ctx.at))
                .execute(&mut *ctx.conn)
                .await?;
            Value::Null
        }
        (Command::RevokeToken { token_hash }, _) => {
            sqlx::query("DELETE FROM tokens WHERE hash = ?").bind(token_hash).execute(&mut *ctx.conn).await?;
            Value::Null
        }
        (Command::SetPassword { member, password_hash, consume_invite, revoke_sessions }, _) => {
            if let Some(invite) = consume_invite {
                let used = sqlx::query("DELETE FROM tokens WHERE hash = ? AND member_id = ? AND purpose = 'invite'")
                    .bind(invite)
                    .bind(member.0)
                    .execute(&mut *ctx.conn)
                    .await?;
                if used.rows_affected() != 1 {
                    return Err(Error::conflict("the invitation is unknown or was already used"));
                }
            }
            if *revoke_sessions {
                sqlx::query("DELETE FROM tokens WHERE member_id = ? AND purpose = 'session'")
                    .bind(member.0)
                    .execute(&mut *ctx.conn)
                    .await?;
            }
            sqlx::query("UPDATE members SET password_hash = ? WHERE id = ?")
                .bind(password_hash)
                .bind(member.0)
                .execute(&mut *ctx.conn)
                .await?;
            Value::Null
        }
        (Command::FireJob { id }, _) => jobs::fire(&mut ctx, *id).await?,
        (_, None) => return Err(Error::forbidden("this change needs a signed-in member")),
        (command, Some(viewer)) => apply_as(&mut ctx, &viewer, command).await?,
    };
    if let Some(key) = &envelope.idempotency_key {
        sqlx::query("INSERT INTO idempotency (actor, key, response, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(actor_key)
            .bind(key)
            .bind(serde_json::to_string(&answer)?)
            .bind(&envelope.fingerprint)
            .bind(micros(envelope.at))
            .execute(&mut *conn)
            .await?;
    }
    Ok(answer)
}

async fn apply_as(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, command: &Command) -> Result<Value> {
    match command {
        Command::Setup { .. }
        | Command::IssueToken { .. }
        | Command::RevokeToken { .. }
        | Command::SetPassword { .. } => {
            unreachable!("handled before: they need no viewer")
        }
        Command::AddMember { member, invite } => add_member(ctx, viewer, member, invite).await,
        Command::UpdateMember { id, display_name, time_zone, working_hours, role, active } => {
            update_member(ctx, viewer, *id, display_name, time_zone, working_hours, *role, *active).await
        }
        Command::CreateChannel { name, visibility, topic, members } => {
            channels::create(ctx, viewer, name, *visibility, topic, members).await
        }
        Command::UpdateChannel { id, name, topic, archived } => {
            channels::update(ctx, viewer, *id, name, topic, *archived).await
        }
        Command::AddChannelMember { channel, member } => channels::add_member(ctx, viewer, *channel, *member).await,
        Command::RemoveChannelMember { channel, member } => {
            channels::remove_member(ctx, viewer, *channel, *member).await
        }
        Command::CreateThread { home, title, tags, body } => create_thread(ctx, viewer, *home, title, tags, body).await,
        Command::OpenTimeline { channel } => open_timeline(ctx, viewer, *channel).await,
        Command::UpdateThread { id, title, tags, resolved } => {
            update_thread(ctx, viewer, *id, title, tags, *resolved).await
        }
        Command::SetDisplayTitle { thread, display_title } => {
            set_display_title(ctx, viewer, *thread, display_title).await
        }
        Command::PostMessage { target, text, urgent } => post_message(ctx, viewer, *target, text, *urgent).await,
        Command::Reply { message, text, urgent } => reply(ctx, viewer, *message, text, *urgent).await,
        Command::MoveToThread { message, thread } => move_to_thread(ctx, viewer, *message, *thread).await,
        Command::EditMessage { id, text } => edit_message(ctx, viewer, *id, text).await,
        Command::MarkEdited { message } => mark_edited(ctx, viewer, *message).await,
        Command::DeleteMessage { id } => delete_message(ctx, viewer, *id).await,
        Command::AddReaction { message, emoji } => react(ctx, viewer, *message, emoji, true).await,
        Command::RemoveReaction { message, emoji } => react(ctx, viewer, *message, emoji, false).await,
        Command::OpenDm { members, export_name } => open_dm(ctx, viewer, members, export_name.as_deref()).await,
        Command::CreateProject { name, description } => tasks::create_project(ctx, viewer, name, description).await,
        Command::UpdateProject { id, name, description, archived } => {
            tasks::update_project(ctx, viewer, *id, name, description, *archived).await
        }
        Command::CreateTask { project, title, description, assignee, status, due, priority } => {
            let fields =
                TaskFields { title, description, assignee: *assignee, status: *status, due: *due, priority: *priority };
            tasks::create_task(ctx, viewer, *project, fields).await
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
            huddles::start(ctx, viewer, start).await
        }
        Command::JoinHuddle { id } => huddles::join(ctx, viewer, *id).await,
        Command::LeaveHuddle { id } => huddles::leave(ctx, viewer, *id).await,
        Command::UpdateHuddle { id, agenda, notes, call_link } => {
            huddles::update(ctx, viewer, *id, agenda, notes, call_link).await
        }
        Command::RecordDecision { id, text } => huddles::add_item(ctx, viewer, *id, text, None).await,
        Command::AddActionItem { id, title, assignee, due } => {
            huddles::add_item(ctx, viewer, *id, title, Some((*assignee, *due))).await
        }
        Command::EndHuddle { id } => huddles::end(ctx, viewer, *id).await,
        Command::ScheduleMessage { target, body, urgent, at } => {
            jobs::schedule_message(ctx, viewer, *target, body, *urgent, *at).await
        }
        Command::Remind { message, note, at } => jobs::remind(ctx, viewer, *message, note, *at).await,
        Command::CancelJob { id } => jobs::cancel(ctx, viewer, *id).await,
        Command::ReadNotifications { ids } => notify::read(ctx, viewer, ids).await,
        Command::MarkRead { target, up_to } => mark_read(ctx, viewer, *target, *up_to).await,
        Command::CreateCheckIn { channel, title, questions, ask_at, digest_at, members, cadence } => {
            let new = checkins::NewCheckIn {
                channel: *channel,
                title,
                questions,
                ask_at: *ask_at,
                digest_at: *digest_at,
                members,
                cadence,
            };
            checkins::create(ctx, viewer, new).await
        }
        Command::AnswerCheckIn { id, body } => checkins::answer(ctx, viewer, *id, body).await,
        Command::BookSlot { members, start, end } => book_slot(ctx, viewer, members, *start, *end).await,
        Command::SetNorm { channel, reply_within_minutes } => {
            norms::set(ctx, viewer, *channel, *reply_within_minutes).await
        }
        Command::FollowUp { message, notify, within_minutes } => {
            norms::follow_up(ctx, viewer, *message, *notify, *within_minutes).await
        }
        Command::FireJob { .. } => unreachable!("handled before: it needs no viewer"),
        Command::Advise { key, accepted, detail, action } => {
            advice::record(ctx, viewer, key, *accepted, detail, action).await
        }
        Command::UpdateTask { id, title, description, assignee, status, due, priority } => {
            let change =
                TaskChange { title, description, assignee: *assignee, status: *status, due: *due, priority: *priority };
            tasks::update_task(ctx, viewer, *id, change).await
        }
    }
}

fn unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

// ---- workspace and members --------------------------------------------------------------------

async fn insert_member(ctx: &mut Ctx<'_, '_>, member: &NewMember) -> Result<MemberId> {
    let hours = serde_json::to_string(&member.working_hours)?;
    let inserted = sqlx::query(
        "INSERT INTO members (handle, email, display_name, role, time_zone, working_hours, password_hash, active, service, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
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
    .execute(&mut *ctx.conn)
    .await;
    match inserted {
        Ok(done) => Ok(MemberId(done.last_insert_rowid())),
        Err(err) if unique_violation(&err) => {
            Err(Error::conflict("a member with this handle or e-mail already exists"))
        }
        Err(err) => Err(err.into()),
    }
}

async fn setup(ctx: &mut Ctx<'_, '_>, workspace_name: &str, time_zone: &str, owner: &NewMember) -> Result<Value> {
    if read::workspace(ctx.conn).await?.is_some() {
        return Err(Error::conflict("the workspace is already set up"));
    }
    sqlx::query("INSERT INTO workspace (id, name, time_zone, created_at) VALUES (1, ?, ?, ?)")
        .bind(workspace_name)
        .bind(time_zone)
        .bind(micros(ctx.at))
        .execute(&mut *ctx.conn)
        .await?;
    let workspace = read::workspace(ctx.conn).await?.ok_or_else(|| Error::conflict("the workspace was not written"))?;
    ctx.emit(Change::WorkspaceCreated(ev::WorkspaceCreated { workspace: workspace.clone() }), Scope::Everyone).await?;
    let id = insert_member(ctx, owner).await?;
    ctx.actor = Some(id);
    let member = read::member(ctx.conn, None, id).await?;
    let public = read::member(ctx.conn, Some(&Viewer { member: MemberId(0), role: Role::Member }), id).await?;
    ctx.emit(Change::MemberJoined(ev::MemberChanged { member_id: id, member: public }), Scope::Everyone).await?;
    Ok(json!({ "workspace": workspace, "member": member }))
}

async fn add_member(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    member: &NewMember,
    invite: &Option<Invite>,
) -> Result<Value> {
    if !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins add members"));
    }
    if member.role == Role::Owner && viewer.role != Role::Owner {
        return Err(Error::forbidden("only an owner can add another owner"));
    }
    let id = insert_member(ctx, member).await?;
    if let Some(invite) = invite {
        sqlx::query("INSERT INTO tokens (hash, member_id, purpose, created_at) VALUES (?, ?, 'invite', ?)")
            .bind(&invite.token_hash)
            .bind(id.0)
            .bind(micros(ctx.at))
            .execute(&mut *ctx.conn)
            .await?;
    }
    let public = read::member(ctx.conn, Some(&Viewer { member: MemberId(0), role: Role::Member }), id).await?;
    ctx.emit(Change::MemberJoined(ev::MemberChanged { member_id: id, member: public }), Scope::Everyone).await?;
    let member = read::member(ctx.conn, Some(viewer), id).await?;
    // The plain invitation token is kept in the answer so that a retried request (same
    // Idempotency-Key) hands out the token that works; it is single-use either way.
    Ok(json!({ "member": member, "invite_token": invite.as_ref().map(|i| &i.token) }))
}

#[allow(clippy::too_many_arguments)]
async fn update_member(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    id: MemberId,
    display_name: &Option<String>,
    time_zone: &Option<String>,
    working_hours: &Option<baton_core::calendar::WorkingHours>,
    role: Option<Role>,
    active: Option<bool>,
) -> Result<Value> {
    let current = read::member_row(ctx.conn, id).await?;
    let current_role = Role::parse(&current.role).unwrap_or(Role::Member);
    let is_self = viewer.member == id;
    if !is_self && !viewer.role.is_admin() {
        return Err(Error::forbidden("only admins change other members"));
    }
    if (role.is_some() || active.is_some()) && !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins change roles or deactivate members"));
    }
    if (current_role == Role::Owner || role == Some(Role::Owner))
        && (role.is_some() || active.is_some())
        && viewer.role != Role::Owner
    {
        return Err(Error::forbidden("only an owner changes an owner's role or makes an owner"));
    }
    if current_role == Role::Owner && (role.is_some_and(|r| r != Role::Owner) || active == Some(false)) {
        let (owners,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM members WHERE role = 'owner' AND active = 1")
            .fetch_one(&mut *ctx.conn)
            .await?;
        if owners <= 1 {
            return Err(Error::conflict("the workspace must keep at least one active owner"));
        }
    }
    if let Some(name) = display_name {
        sqlx::query("UPDATE members SET display_name = ? WHERE id = ?")
            .bind(name)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if let Some(zone) = time_zone {
        sqlx::query("UPDATE members SET time_zone = ? WHERE id = ?")
            .bind(zone)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if let Some(hours) = working_hours {
        sqlx::query("UPDATE members SET working_hours = ? WHERE id = ?")
            .bind(serde_json::to_string(hours)?)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if let Some(role) = role {
        sqlx::query("UPDATE members SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if let Some(active) = active {
        sqlx::query("UPDATE members SET active = ? WHERE id = ?")
            .bind(active)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
        if !active {
            sqlx::query("DELETE FROM tokens WHERE member_id = ?").bind(id.0).execute(&mut *ctx.conn).await?;
        }
    }
    let public = read::member(ctx.conn, Some(&Viewer { member: MemberId(0), role: Role::Member }), id).await?;
    if display_name.is_some() || time_zone.is_some() || working_hours.is_some() {
        ctx.emit(Change::MemberUpdated(ev::MemberChanged { member_id: id, member: public }), Scope::Everyone).await?;
    }
    if let Some(role) = role.filter(|r| *r != current_role) {
        let change = ev::RoleChanged { member_id: id, from: current_role, to: role };
        ctx.emit(Change::MemberRoleChanged(change), Scope::Everyone).await?;
    }
    if active == Some(false) && current.active {
        ctx.emit(Change::MemberDeactivated(ev::MemberRef { member_id: id }), Scope::Everyone).await?;
    }
    if active == Some(true) && !current.active {
        ctx.emit(Change::MemberReactivated(ev::MemberRef { member_id: id }), Scope::Everyone).await?;
    }
    Ok(serde_json::to_value(read::member(ctx.conn, Some(viewer), id).await?)?)
}

async fn active_member(ctx: &mut Ctx<'_, '_>, id: MemberId) -> Result<read::MemberRow> {
    let row = read::member_row(ctx.conn, id).await?;
    if !row.active {
        return Err(Error::not_found(format!("member {id}")));
    }
    Ok(row)
}

// ---- channels and threads ---------------------------------------------------------------------

/// Inserts a thread in `home` (none: a task's, whose task is linked after) and its event.
async fn insert_thread(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    home: Option<ThreadHome>,
    title: &str,
    tags: &[String],
    timeline: bool,
) -> Result<read::ThreadRow> {
    let thread = threads::begin(ctx, viewer, home, title, tags, timeline).await?;
    read::thread_row(ctx.conn, viewer, thread.id).await
}

async fn create_thread(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    home: ThreadHome,
    title: &str,
    tags: &[String],
    body: &Option<MessageText>,
) -> Result<Value> {
    match home {
        ThreadHome::Channel(channel) => {
            let row = read::channel_row(ctx.conn, viewer, channel).await?;
            if row.archived {
                return Err(Error::conflict(format!("channel {channel} is archived")));
            }
        }
        ThreadHome::Dm(dm) => {
            read::dm_row(ctx.conn, viewer, dm).await?;
        }
    }
    let thread = insert_thread(ctx, viewer, Some(home), title, tags, false).await?;
    let id = ThreadId(thread.id);
    if let Some(body) = body {
        post_message(ctx, viewer, MessageTarget::Thread(id), body, false).await?;
    }
    Ok(serde_json::to_value(read::thread_row(ctx.conn, viewer, id).await?.into_thread())?)
}

/// Books a slot: counts a burden for each member it puts (partly) outside working hours.
async fn mark_read(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, target: MessageTarget, up_to: MessageId) -> Result<Value> {
    // Reading needs read access; the row lookups answer not-found otherwise.
    let sql = match target {
        MessageTarget::Thread(id) => {
            read::thread_row(ctx.conn, viewer, id).await?;
            "INSERT INTO thread_read_marks (member_id, thread_id, message_id) VALUES (?, ?, ?) \
             ON CONFLICT (member_id, thread_id) DO UPDATE SET message_id = MAX(message_id, excluded.message_id)"
        }
        MessageTarget::Dm(id) => {
            read::dm_row(ctx.conn, viewer, id).await?;
            "INSERT INTO dm_read_marks (member_id, dm_id, message_id) VALUES (?, ?, ?) \
             ON CONFLICT (member_id, dm_id) DO UPDATE SET message_id = MAX(message_id, excluded.message_id)"
        }
    };
    let target_id = match target {
        MessageTarget::Thread(id) => id.0,
        MessageTarget::Dm(id) => id.0,
    };
    sqlx::query(sql).bind(viewer.member.0).bind(target_id).bind(up_to.0).execute(&mut *ctx.conn).await?;
    Ok(json!({ "read_up_to": up_to }))
}

async fn book_slot(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    members: &[MemberId],
    start: Timestamp,
    end: Timestamp,
) -> Result<Value> {
    no_guest(viewer, "book slots")?;
    if end <= start || end.duration_since(start) > jiff::SignedDuration::from_hours(8) {
        return Err(Error::invalid("end", "must be after start, at most 8 hours later"));
    }
    let mut outside = Vec::new();
    for member in members {
        let row = active_member(ctx, *member).await?.into_member(None);
        let zone = baton_core::calendar::parse_time_zone(&row.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let calendar = baton_core::calendar::Calendar::new(zone, row.working_hours);
        if calendar.working_time(start, end) < end.duration_since(start) {
            outside.push(*member);
            sqlx::query("INSERT INTO slot_burdens (member_id, count) VALUES (?, 1) ON CONFLICT (member_id) DO UPDATE SET count = count + 1")
                .bind(member.0)
                .execute(&mut *ctx.conn)
                .await?;
        }
    }
    let booked = ev::SlotBooked { start, end, members: members.to_vec(), outside_working_hours: outside };
    let answer = serde_json::to_value(&booked)?;
    ctx.emit(Change::SlotBooked(booked), Scope::Internal).await?;
    Ok(answer)
}

async fn open_timeline(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, channel: ChannelId) -> Result<Value> {
    if !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins open a channel's timeline"));
    }
    read::channel_row(ctx.conn, viewer, channel).await?;
    let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM threads WHERE channel_id = ? AND timeline = 1")
        .bind(channel.0)
        .fetch_optional(&mut *ctx.conn)
        .await?;
    let id = match existing {
        Some((id,)) => ThreadId(id),
        None => ThreadId(insert_thread(ctx, viewer, Some(channel.into()), "", &[], true).await?.id),
    };
    Ok(serde_json::to_value(read::thread_row(ctx.conn, viewer, id).await?.into_thread())?)
}

async fn update_thread(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    id: ThreadId,
    title: &Option<String>,
    tags: &Option<Vec<String>>,
    resolved: Option<bool>,
) -> Result<Value> {
    let row = read::thread_row(ctx.conn, viewer, id).await?;
    let scope = row.scope();
    let before = row.into_thread();
    if title.is_some() || tags.is_some() {
        if let Some(title) = title {
            // A title someone chose reads as written: an import's display title gives way.
            sqlx::query("UPDATE threads SET title = ?, display_title = NULL WHERE id = ?")
                .bind(title)
                .bind(id.0)
                .execute(&mut *ctx.conn)
                .await?;
        }
        if let Some(tags) = tags {
            sqlx::query("UPDATE threads SET tags = ? WHERE id = ?")
                .bind(serde_json::to_string(tags)?)
                .bind(id.0)
                .execute(&mut *ctx.conn)
                .await?;
        }
        let updated =
            ev::ThreadUpdated { thread_id: id, title: title.clone(), tags: tags.clone(), display_title: None };
        ctx.emit(Change::ThreadUpdated(updated), scope).await?;
    }
    if let Some(resolved) = resolved.filter(|r| *r != before.resolved) {
        sqlx::query("UPDATE threads SET resolved = ? WHERE id = ?")
            .bind(resolved)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
        let thread = ev::ThreadRef { thread_id: id };
        let change = if resolved { Change::ThreadResolved(thread) } else { Change::ThreadReopened(thread) };
        ctx.emit(change, scope).await?;
    }
    Ok(serde_json::to_value(read::thread_row(ctx.conn, viewer, id).await?.into_thread())?)
}

async fn set_display_title(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: ThreadId, display_title: &str) -> Result<Value> {
    if !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins set how an imported title reads"));
    }
    let row = read::thread_row(ctx.conn, viewer, id).await?;
    let scope = row.scope();
    let shown = Some(display_title).filter(|shown| *shown != row.title);
    sqlx::query("UPDATE threads SET display_title = ? WHERE id = ?")
        .bind(shown)
        .bind(id.0)
        .execute(&mut *ctx.conn)
        .await?;
    // `title` stays as it was: reports read the title a thread was created with.
    let updated =
        ev::ThreadUpdated { thread_id: id, title: None, tags: None, display_title: Some(shown.map(str::to_string)) };
    ctx.emit(Change::ThreadUpdated(updated), scope).await?;
    Ok(serde_json::to_value(read::thread_row(ctx.conn, viewer, id).await?.into_thread())?)
}

// ---- messages ---------------------------------------------------------------------------------

/// Member ids for the handles a body mentions; unknown handles are plain text.
async fn resolve_mentions(ctx: &mut Ctx<'_, '_>, handles: &[String]) -> Result<Vec<MemberId>> {
    let mut ids = Vec::new();
    for handle in handles.iter().take(50) {
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM members WHERE handle = ?")
            .bind(handle)
            .fetch_optional(&mut *ctx.conn)
            .await?;
        if let Some((id,)) = found {
            ids.push(MemberId(id));
        }
    }
    Ok(ids)
}

async fn post_message(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    target: MessageTarget,
    text: &MessageText,
    urgent: bool,
) -> Result<Value> {
    // `conversation`: the direct conversation it is in, its timeline or one of its threads.
    let (thread_id, dm_id, conversation, scope) = match target {
        MessageTarget::Thread(id) => {
            let (row, channel) = read::thread_with_channel(ctx.conn, viewer, id).await?;
            if channel.is_some_and(|c| c.archived) {
                return Err(Error::conflict(format!("the channel of thread {id} is archived")));
            }
            (Some(id.0), None, row.dm_id, row.scope())
        }
        MessageTarget::Dm(id) => {
            read::dm_row(ctx.conn, viewer, id).await?;
            (None, Some(id.0), Some(id.0), Scope::Dm(id))
        }
    };
    let mentions = resolve_mentions(ctx, &text.mentioned_handles).await?;
    let at = micros(ctx.at);
    let done = sqlx::query(
        "INSERT INTO messages (thread_id, dm_id, author_id, body, html, mentions, urgent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(thread_id)
    .bind(dm_id)
    .bind(viewer.member.0)
    .bind(&text.body)
    .bind(&text.html)
    .bind(serde_json::to_string(&mentions)?)
    .bind(urgent)
    .bind(at)
    .execute(&mut *ctx.conn)
    .await?;
    let id = MessageId(done.last_insert_rowid());
    if let Some(thread) = thread_id {
        sqlx::query("UPDATE threads SET message_count = message_count + 1, last_message_at = MAX(COALESCE(last_message_at, 0), ?) WHERE id = ?")
            .bind(at)
            .bind(thread)
            .execute(&mut *ctx.conn)
            .await?;
    }
    if let Some(dm) = conversation {
        sqlx::query("UPDATE dms SET last_message_at = MAX(COALESCE(last_message_at, 0), ?) WHERE id = ?")
            .bind(at)
            .bind(dm)
            .execute(&mut *ctx.conn)
            .await?;
    }
    let message = baton_core::model::Message {
        id,
        thread_id: thread_id.map(ThreadId),
        dm_id: dm_id.map(DmId),
        author_id: viewer.member,
        body: text.body.clone(),
        html: text.html.clone(),
        mentions,
        reactions: Vec::new(),
        urgent,
        created_at: ctx.at,
        edited_at: None,
        deleted: false,
    };
    let value = serde_json::to_value(&message)?;
    ctx.emit(Change::MessagePosted(ev::MessagePosted { message: message.clone(), redacted: false }), scope).await?;
    // Imported history notifies nobody: it happened long ago, elsewhere.
    let recipients = if ctx.source == "baton" {
        notify::message_recipients(ctx, viewer.member, thread_id.map(ThreadId), conversation, &message.mentions).await?
    } else {
        Vec::new()
    };
    for (member, why) in recipients {
        let about = json!({ "message_id": id, "thread_id": thread_id, "dm_id": dm_id, "author_id": viewer.member });
        notify::notify_member(ctx, member, why, about, urgent).await?;
    }
    Ok(value)
}

/// The characters of a message that title the thread it starts, as a Slack thread is titled by
/// its parent's text.
const TITLE_CHARS: usize = 80;

async fn reply(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    id: MessageId,
    text: &MessageText,
    urgent: bool,
) -> Result<Value> {
    let row = read::message_row(ctx.conn, viewer, id).await?;
    let thread = match (row.thread_id, row.dm_id) {
        (Some(thread), _) => {
            let found = read::thread_row(ctx.conn, viewer, ThreadId(thread)).await?;
            match found.channel_id {
                Some(channel) if found.timeline => {
                    start_thread_from(ctx, viewer, &row, ThreadHome::Channel(ChannelId(channel))).await?
                }
                _ => ThreadId(thread),
            }
        }
        (None, Some(dm)) => start_thread_from(ctx, viewer, &row, ThreadHome::Dm(DmId(dm))).await?,
        (None, None) => return Err(Error::not_found(format!("message {id}"))),
    };
    post_message(ctx, viewer, MessageTarget::Thread(thread), text, urgent).await
}

/// A thread beside a timeline message, titled with its first characters; the message moves in.
async fn start_thread_from(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    row: &read::MessageRow,
    home: ThreadHome,
) -> Result<ThreadId> {
    if row.deleted {
        return Err(Error::conflict(format!("message {} was deleted", row.id)));
    }
    let title: String = row.body().chars().take(TITLE_CHARS).collect();
    let thread = ThreadId(insert_thread(ctx, viewer, Some(home), &title, &[], false).await?.id);
    move_message(ctx, viewer, row, thread).await?;
    Ok(thread)
}

async fn move_to_thread(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: MessageId, thread: ThreadId) -> Result<Value> {
    let row = read::message_row(ctx.conn, viewer, id).await?;
    let target = read::thread_row(ctx.conn, viewer, thread).await?;
    // In a direct conversation its people arrange their own messages (reading it is taking part).
    if target.dm_id.is_none() && !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins move a channel's messages"));
    }
    if row.thread_id != Some(thread.0) {
        let from_home = match (row.thread_id, row.dm_id) {
            (Some(from), _) => {
                let from = read::thread_row(ctx.conn, viewer, ThreadId(from)).await?;
                from.timeline.then_some((from.channel_id, None))
            }
            (None, dm) => Some((None, dm)),
        };
        if target.timeline || from_home != Some((target.channel_id, target.dm_id)) {
            return Err(Error::invalid(
                "thread",
                "a message moves only from a timeline into a thread of the same channel or conversation",
            ));
        }
        move_message(ctx, viewer, &row, thread).await?;
    }
    Ok(serde_json::to_value(read::message(ctx.conn, viewer, id).await?)?)
}

/// Moves a timeline message into `thread` (same channel or conversation, checked by the caller);
/// its author follows the thread from then on.
async fn move_message(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, row: &read::MessageRow, thread: ThreadId) -> Result<()> {
    sqlx::query("UPDATE messages SET thread_id = ?, dm_id = NULL WHERE id = ?")
        .bind(thread.0)
        .bind(row.id)
        .execute(&mut *ctx.conn)
        .await?;
    sqlx::query("UPDATE threads SET message_count = message_count + 1, last_message_at = MAX(COALESCE(last_message_at, 0), ?) WHERE id = ?")
        .bind(row.created_at_micros())
        .bind(thread.0)
        .execute(&mut *ctx.conn)
        .await?;
    if let Some(from) = row.thread_id {
        sqlx::query(
            "UPDATE threads SET message_count = message_count - 1, \
             last_message_at = (SELECT MAX(created_at) FROM messages WHERE thread_id = ?1) WHERE id = ?1",
        )
        .bind(from)
        .execute(&mut *ctx.conn)
        .await?;
    }
    sqlx::query("INSERT OR IGNORE INTO thread_followers (thread_id, member_id) VALUES (?, ?)")
        .bind(thread.0)
        .bind(row.author_id)
        .execute(&mut *ctx.conn)
        .await?;
    // Whoever had read it where it was has read it where it is.
    let read_it = match row.thread_id {
        Some(_) => "SELECT member_id FROM thread_read_marks WHERE thread_id = ?3 AND message_id >= ?2",
        None => "SELECT member_id FROM dm_read_marks WHERE dm_id = ?3 AND message_id >= ?2",
    };
    sqlx::query(&format!(
        "INSERT INTO thread_read_marks (member_id, thread_id, message_id) SELECT member_id, ?1, ?2 FROM ({read_it}) \
         WHERE true ON CONFLICT (member_id, thread_id) DO UPDATE SET message_id = MAX(message_id, excluded.message_id)"
    ))
    .bind(thread.0)
    .bind(row.id)
    .bind(row.thread_id.or(row.dm_id))
    .execute(&mut *ctx.conn)
    .await?;
    let scope = read::thread_row(ctx.conn, viewer, thread).await?.scope();
    let moved = ev::MessageMoved {
        message_id: MessageId(row.id),
        thread_id: thread,
        from_thread_id: row.thread_id.map(ThreadId),
        from_dm_id: row.dm_id.map(DmId),
    };
    ctx.emit(Change::MessageMoved(moved), scope).await
}

async fn message_scope(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, row: &read::MessageRow) -> Result<Scope> {
    Ok(match (row.thread_id, row.dm_id) {
        (Some(thread), _) => read::thread_row(ctx.conn, viewer, ThreadId(thread)).await?.scope(),
        (None, Some(dm)) => Scope::Dm(DmId(dm)),
        (None, None) => Scope::Internal,
    })
}

/// The viewer's own message, not deleted, and who may read what happens to it: what an edit
/// needs.
async fn own_live_message(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: MessageId) -> Result<(read::MessageRow, Scope)> {
    let row = read::message_row(ctx.conn, viewer, id).await?;
    if row.author_id != viewer.member.0 {
        return Err(Error::forbidden("only the author edits a message"));
    }
    if row.deleted {
        return Err(Error::conflict(format!("message {id} was deleted")));
    }
    let scope = message_scope(ctx, viewer, &row).await?;
    Ok((row, scope))
}

async fn edit_message(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: MessageId, text: &MessageText) -> Result<Value> {
    let (_, scope) = own_live_message(ctx, viewer, id).await?;
    sqlx::query(
        "INSERT INTO message_versions (message_id, body, replaced_at) SELECT id, body, ? FROM messages WHERE id = ?",
    )
    .bind(micros(ctx.at))
    .bind(id.0)
    .execute(&mut *ctx.conn)
    .await?;
    let mentions = resolve_mentions(ctx, &text.mentioned_handles).await?;
    sqlx::query("UPDATE messages SET body = ?, html = ?, mentions = ?, edited_at = ? WHERE id = ?")
        .bind(&text.body)
        .bind(&text.html)
        .bind(serde_json::to_string(&mentions)?)
        .bind(micros(ctx.at))
        .bind(id.0)
        .execute(&mut *ctx.conn)
        .await?;
    let message = read::message(ctx.conn, viewer, id).await?;
    let edited = ev::MessageEdited {
        message_id: id,
        body: text.body.clone(),
        html: text.html.clone(),
        mentions,
        redacted: false,
    };
    ctx.emit(Change::MessageEdited(edited), scope).await?;
    Ok(serde_json::to_value(message)?)
}

/// See [`Command::MarkEdited`]: `edited_at` and a `message.edited` event that carries the text as
/// it is (after the edit), and no version, since the text before it is unknown.
async fn mark_edited(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: MessageId) -> Result<Value> {
    let (row, scope) = own_live_message(ctx, viewer, id).await?;
    let edited_at = micros(ctx.at).max(row.created_at_micros());
    sqlx::query("UPDATE messages SET edited_at = MAX(COALESCE(edited_at, 0), ?) WHERE id = ?")
        .bind(edited_at)
        .bind(id.0)
        .execute(&mut *ctx.conn)
        .await?;
    let message = read::message(ctx.conn, viewer, id).await?;
    let edited = ev::MessageEdited {
        message_id: id,
        body: message.body.clone(),
        html: message.html.clone(),
        mentions: message.mentions.clone(),
        redacted: false,
    };
    ctx.emit(Change::MessageEdited(edited), scope).await?;
    Ok(serde_json::to_value(message)?)
}

async fn delete_message(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: MessageId) -> Result<Value> {
    let row = read::message_row(ctx.conn, viewer, id).await?;
    if row.author_id != viewer.member.0 && !viewer.role.is_admin() {
        return Err(Error::forbidden("only the author or an admin deletes a message"));
    }
    if !row.deleted {
        let scope = message_scope(ctx, viewer, &row).await?;
        // The tombstone keeps the message's place, author and time; its text and history go.
        sqlx::query("UPDATE messages SET body = '', html = '', mentions = '[]', deleted = 1 WHERE id = ?")
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
        sqlx::query("DELETE FROM message_versions WHERE message_id = ?").bind(id.0).execute(&mut *ctx.conn).await?;
        redact(ctx, id).await?;
        ctx.emit(Change::MessageDeleted(ev::MessageRef { message_id: id }), scope).await?;
    }
    Ok(serde_json::to_value(read::message(ctx.conn, viewer, id).await?)?)
}

/// Takes a deleted message's text out of everything that kept it, the log included (the events
/// stay, redacted, as a Matrix redaction leaves its event): the event that posted it and those
/// that edited it, the answer kept for a retry of its post, and a scheduled message's job that
/// sent it. Only its place, author and time remain; the page-level copies go with
/// `secure_delete` and the checkpoint after the commit.
async fn redact(ctx: &mut Ctx<'_, '_>, id: MessageId) -> Result<()> {
    sqlx::query(
        "UPDATE events SET payload = json_set(payload, '$.message.body', '', '$.message.html', '', \
           '$.message.mentions', json('[]'), '$.message.deleted', json('true'), '$.redacted', json('true')) \
         WHERE kind = 'message.posted' AND json_extract(payload, '$.message.id') = ?",
    )
    .bind(id.0)
    .execute(&mut *ctx.conn)
    .await?;
    sqlx::query(
        "UPDATE events SET payload = json_set(payload, '$.body', '', '$.html', '', '$.mentions', json('[]'), \
           '$.redacted', json('true')) \
         WHERE kind = 'message.edited' AND json_extract(payload, '$.message_id') = ?",
    )
    .bind(id.0)
    .execute(&mut *ctx.conn)
    .await?;
    // A retried post answers with what was kept for it: a message, known by its id and author.
    sqlx::query(
        "UPDATE idempotency SET response = json_set(response, '$.body', '', '$.html', '', '$.mentions', json('[]'), \
           '$.deleted', json('true')) \
         WHERE json_valid(response) AND json_extract(response, '$.id') = ? \
           AND json_extract(response, '$.author_id') IS NOT NULL AND json_type(response, '$.body') = 'text'",
    )
    .bind(id.0)
    .execute(&mut *ctx.conn)
    .await?;
    sqlx::query(
        "UPDATE jobs SET payload = json_set(payload, '$.body', '') \
         WHERE kind = 'send_message' AND json_extract(outcome, '$.message_id') = ?",
    )
    .bind(id.0)
    .execute(&mut *ctx.conn)
    .await?;
    *ctx.log.redacted = true;
    Ok(())
}

async fn react(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, id: MessageId, emoji: &str, add: bool) -> Result<Value> {
    let row = read::message_row(ctx.conn, viewer, id).await?;
    if row.deleted {
        return Err(Error::conflict(format!("message {id} was deleted")));
    }
    let scope = message_scope(ctx, viewer, &row).await?;
    let changed = if add {
        sqlx::query("INSERT OR IGNORE INTO reactions (message_id, member_id, emoji, created_at) VALUES (?, ?, ?, ?)")
            .bind(id.0)
            .bind(viewer.member.0)
            .bind(emoji)
            .bind(micros(ctx.at))
            .execute(&mut *ctx.conn)
            .await?
    } else {
        sqlx::query("DELETE FROM reactions WHERE message_id = ? AND member_id = ? AND emoji = ?")
            .bind(id.0)
            .bind(viewer.member.0)
            .bind(emoji)
            .execute(&mut *ctx.conn)
            .await?
    };
    if changed.rows_affected() == 1 {
        let reaction = ev::ReactionChanged { message_id: id, emoji: emoji.to_string(), member_id: viewer.member };
        let change = if add { Change::ReactionAdded(reaction) } else { Change::ReactionRemoved(reaction) };
        ctx.emit(change, scope).await?;
    }
    Ok(serde_json::to_value(read::message(ctx.conn, viewer, id).await?)?)
}

async fn open_dm(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    members: &[MemberId],
    export_name: Option<&str>,
) -> Result<Value> {
    let mut people: Vec<MemberId> = members.to_vec();
    people.push(viewer.member);
    people.sort();
    people.dedup();
    if members.is_empty() {
        return Err(Error::invalid("member_ids", "name at least one member (only yourself for notes to self)"));
    }
    if people.len() > 9 {
        return Err(Error::invalid("member_ids", "a direct conversation has at most 9 people; use a private channel"));
    }
    for member in &people {
        active_member(ctx, *member).await?;
    }
    let key = people.iter().map(|m| m.0.to_string()).collect::<Vec<_>>().join(",");
    let existing: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM dms WHERE member_key = ?").bind(&key).fetch_optional(&mut *ctx.conn).await?;
    let id = match existing {
        Some((id,)) => DmId(id),
        None => {
            let done = sqlx::query("INSERT INTO dms (member_key, created_at, export_name) VALUES (?, ?, ?)")
                .bind(&key)
                .bind(micros(ctx.at))
                .bind(export_name)
                .execute(&mut *ctx.conn)
                .await?;
            let id = DmId(done.last_insert_rowid());
            for member in &people {
                sqlx::query("INSERT INTO dm_members (dm_id, member_id) VALUES (?, ?)")
                    .bind(id.0)
                    .bind(member.0)
                    .execute(&mut *ctx.conn)
                    .await?;
            }
            let dm = read::dm(ctx.conn, viewer, id).await?;
            ctx.emit(Change::DmCreated(ev::DmChanged { dm_id: id, dm }), Scope::Dm(id)).await?;
            id
        }
    };
    // A conversation that began here and is later found in an export takes the export's name
    // once, so that reports over the export name it as the export does.
    if let Some(name) = export_name {
        let named = sqlx::query("UPDATE dms SET export_name = ? WHERE id = ? AND export_name IS NULL")
            .bind(name)
            .bind(id.0)
            .execute(&mut *ctx.conn)
            .await?;
        if named.rows_affected() == 1 {
            let dm = read::dm(ctx.conn, viewer, id).await?;
            ctx.emit(Change::DmUpdated(ev::DmChanged { dm_id: id, dm }), Scope::Dm(id)).await?;
        }
    }
    Ok(serde_json::to_value(read::dm(ctx.conn, viewer, id).await?)?)
}

// ---- projects and tasks -----------------------------------------------------------------------
