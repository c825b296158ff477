//! The rules: what a command may do, what it changes, who may read the change. Written once,
//! against [`Tx`], the typed reads and writes of one write transaction, so that every backend
//! runs the same rules and holds none of its own.
//!
//! A command reads what it needs through [`Tx`], decides, and records typed changes
//! ([`Change`]) with their scope; the backend appends each change to the log and projects it
//! into its tables in the same transaction. Nothing here knows SQL: the domain is tested on an
//! in-memory [`Tx`] (`domain/tests.rs`), the backends on the store contract suite.
//!
//! Every command is decided here, family by family: channels, projects and tasks, threads,
//! messages, direct conversations, norms and slots, huddles, check-ins, the advisor's actions, a
//! member's own jobs, notifications, members, sign-in, setting a workspace up and firing jobs.
//! Their changes are projected by the backend's projector; the rows the log does not hold yet
//! (members' sign-ins, check-ins' asks, jobs, notifications) are written through [`Tx`]'s
//! methods named for them.

use async_trait::async_trait;
use baton_core::event::Change;
use baton_core::model::{
    Channel, CheckIn, CheckInAsk, Dm, Huddle, Job, Member, Message, Project, Role, Task, Thread, Workspace,
};
use baton_core::{ChannelId, DmId, HuddleId, MemberId, MessageId, ProjectId, TaskId, ThreadId};
use jiff::civil::Date;
use jiff::Timestamp;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

pub(crate) mod advice;
pub(crate) mod channels;
pub(crate) mod checkins;
pub(crate) mod dms;
pub(crate) mod huddles;
pub(crate) mod jobs;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod norms;
pub(crate) mod notifications;
pub(crate) mod policy;
pub(crate) mod sessions;
pub(crate) mod tasks;
pub(crate) mod threads;
pub(crate) mod workspace;

#[cfg(test)]
mod tests;

/// The kinds of rows whose ids a command hands out before it records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum IdKind {
    Channel,
    Project,
    Task,
    Thread,
    Message,
    Dm,
    Huddle,
    HuddleItem,
}

/// One write transaction as the domain sees it: typed reads of the current state, ids for new
/// rows, and the log to record changes in. Reads are unfiltered: what a viewer may see is decided
/// here, by [`policy`], not by the backend.
#[async_trait]
pub(crate) trait Tx: Send {
    /// When the command happens.
    fn at(&self) -> Timestamp;
    /// Whether the command happens here and now (`false` for imported history, which notifies
    /// nobody).
    fn is_live(&self) -> bool;

    /// A member, active or not.
    async fn member(&mut self, id: MemberId) -> Result<Option<Member>>;
    /// A channel, with `is_member` telling whether `member` is in it.
    async fn channel(&mut self, id: ChannelId, member: MemberId) -> Result<Option<Channel>>;
    /// The channels called `name`, with `is_member` for `member`.
    async fn channels_named(&mut self, name: &str, member: MemberId) -> Result<Vec<Channel>>;

    /// A thread, wherever it is.
    async fn thread(&mut self, id: ThreadId) -> Result<Option<Thread>>;
    /// A channel's timeline thread, if it has one.
    async fn timeline_of(&mut self, channel: ChannelId) -> Result<Option<ThreadId>>;
    /// Whether `member` takes part in direct conversation `dm` (false when there is none).
    async fn in_dm(&mut self, dm: DmId, member: MemberId) -> Result<bool>;
    /// Who takes part in direct conversation `dm`.
    async fn dm_members(&mut self, dm: DmId) -> Result<Vec<MemberId>>;
    /// The direct conversation of exactly these people (sorted by id), if they have one.
    async fn dm_of(&mut self, people: &[MemberId]) -> Result<Option<Dm>>;
    /// Who follows a thread: who began it or posted in it.
    async fn followers(&mut self, thread: ThreadId) -> Result<Vec<MemberId>>;
    /// A message with its reactions, wherever it is.
    async fn message(&mut self, id: MessageId) -> Result<Option<Message>>;
    /// The members with these handles, in their order; unknown handles are skipped.
    async fn members_by_handle(&mut self, handles: &[String]) -> Result<Vec<MemberId>>;
    async fn workspace(&mut self) -> Result<Option<Workspace>>;
    /// The reply norm in working minutes: the channel's own if it has one, else the workspace's.
    async fn reply_norm(&mut self, channel: Option<ChannelId>) -> Result<i64>;
    async fn project(&mut self, id: ProjectId) -> Result<Option<Project>>;
    /// The oldest project still open with this name.
    async fn project_named(&mut self, name: &str) -> Result<Option<ProjectId>>;
    /// A huddle with its invitees, stretches and items.
    async fn huddle(&mut self, id: HuddleId) -> Result<Option<Huddle>>;
    /// The project a huddle's action items go to, if it named one.
    async fn huddle_project(&mut self, id: HuddleId) -> Result<Option<ProjectId>>;
    async fn task(&mut self, id: TaskId) -> Result<Option<Task>>;

    /// An id for a new row of `kind`, unused so far.
    async fn next_id(&mut self, kind: IdKind) -> Result<i64>;
    /// Appends `change` to the log, readable by `scope` and by `also_for`, and projects it.
    async fn record(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()>;
    /// Whether an advisor suggestion was already accepted or dismissed.
    async fn advice_decided(&mut self, key: &str) -> Result<bool>;
    /// A check-in with its members and latest asks, wherever it is.
    async fn checkin(&mut self, id: i64) -> Result<Option<CheckIn>>;
    /// Keeps a new check-in (its `id` is ignored) with its members; answers its id.
    async fn insert_checkin(&mut self, checkin: &CheckIn) -> Result<i64>;
    /// Notes that `member` was asked on their local `day`, at `at`: false when they were
    /// already asked that day.
    async fn add_ask(&mut self, checkin: i64, member: MemberId, day: Date, at: Timestamp) -> Result<bool>;
    /// When `member` was last asked an ask they answered.
    async fn last_answered_ask(&mut self, checkin: i64, member: MemberId) -> Result<Option<Timestamp>>;
    /// Makes `message` the answer to `member`'s latest unanswered ask, if they have one.
    async fn answer_ask(&mut self, checkin: i64, member: MemberId, message: MessageId) -> Result<()>;
    /// The asks asked after `after` (from the first when `None`) up to `up_to`.
    async fn asks_between(
        &mut self,
        checkin: i64,
        after: Option<Timestamp>,
        up_to: Timestamp,
    ) -> Result<Vec<CheckInAsk>>;
    /// When the check-in's last digest was posted (what it covered up to).
    async fn digest_mark(&mut self, checkin: i64) -> Result<Option<Timestamp>>;
    /// Notes that a digest covering the asks up to `to` was posted.
    async fn set_digest_mark(&mut self, checkin: i64, to: Timestamp) -> Result<()>;
    /// What `member` did after `since` outside `except` (the check-in's own thread), the first
    /// of each by id; unfiltered.
    async fn activity_since(
        &mut self,
        member: MemberId,
        since: Timestamp,
        except: ThreadId,
    ) -> Result<checkins::Activity>;
    /// Puts a task on a member's next check-in prompt.
    async fn add_checkin_item(&mut self, checkin: i64, member: MemberId, task: TaskId) -> Result<()>;
    /// The tasks put on `member`'s check-in prompt and not asked about yet, marked asked `at`.
    async fn take_checkin_items(&mut self, checkin: i64, member: MemberId, at: Timestamp) -> Result<Vec<TaskId>>;
    /// Takes a deleted message's text out of everything beside its projection that kept it: the
    /// log (its events stay, redacted, as a Matrix redaction leaves its event), the answer kept
    /// for a retry, a scheduled message's job that sent it.
    async fn redact(&mut self, message: MessageId) -> Result<()>;
    /// Notes that `member` read `target` up to message `up_to` (never moves back).
    async fn mark_read(
        &mut self,
        member: MemberId,
        target: crate::command::MessageTarget,
        up_to: MessageId,
    ) -> Result<()>;
    /// A job, whoever's it is.
    async fn job(&mut self, id: i64) -> Result<Option<Job>>;
    /// Timed work for `member` at `at`: a job of `kind` the scheduler fires then.
    async fn schedule(&mut self, kind: &str, member: MemberId, at: Timestamp, payload: &Value) -> Result<i64>;
    /// Marks a job fired now, with what came of it.
    async fn mark_fired(&mut self, id: i64, outcome: &Value) -> Result<()>;
    /// Whether someone other than its author posted in `message`'s thread or conversation
    /// after it.
    async fn answered(&mut self, message: &Message) -> Result<bool>;
    /// Makes `member` the actor of what the command records from now on (setup's new owner).
    fn act_as(&mut self, member: MemberId);
    /// Keeps the workspace's name and zone; answers it.
    async fn create_workspace(&mut self, name: &str, time_zone: &str) -> Result<Workspace>;
    /// Adds a member (a conflict when the handle or e-mail is taken); answers their id.
    async fn insert_member(&mut self, member: &crate::command::NewMember) -> Result<MemberId>;
    /// Keeps a one-time invitation for `member`, by its token's hash.
    async fn add_invite(&mut self, member: MemberId, token_hash: &str) -> Result<()>;
    /// How many owners are active.
    async fn active_owners(&mut self) -> Result<i64>;
    /// Writes what `change` sets on a member.
    async fn update_member(&mut self, id: MemberId, change: &members::MemberChange<'_>) -> Result<()>;
    /// Ends every session and open invitation of `member` (they lost their access).
    async fn revoke_access(&mut self, member: MemberId) -> Result<()>;
    /// Begins a session for `member`, known by its token's hash.
    async fn add_session(&mut self, member: MemberId, token_hash: &str) -> Result<()>;
    /// Ends the session with this token's hash, if any.
    async fn remove_session(&mut self, token_hash: &str) -> Result<()>;
    /// Ends every session of `member`.
    async fn end_sessions(&mut self, member: MemberId) -> Result<()>;
    /// Uses up `member`'s invitation with this hash: whether there was one.
    async fn use_invite(&mut self, member: MemberId, token_hash: &str) -> Result<bool>;
    /// Sets `member`'s password hash.
    async fn set_password(&mut self, member: MemberId, password_hash: &str) -> Result<()>;
    /// The ids of `member`'s delivered notifications not read yet, oldest first.
    async fn unread_notifications(&mut self, member: MemberId) -> Result<Vec<i64>>;
    /// Marks these notifications read now.
    async fn set_notifications_read(&mut self, ids: &[i64]) -> Result<()>;
    /// Keeps a notification for `member`, to be delivered at `deliver_at` (see
    /// [`notifications`]); answers its id.
    async fn add_notification(
        &mut self,
        member: MemberId,
        why: &str,
        about: &Value,
        urgent: bool,
        deliver_at: Timestamp,
    ) -> Result<i64>;
    /// Marks a notification delivered now and answers it; `None` when it was delivered before.
    async fn mark_delivered(&mut self, id: i64) -> Result<Option<baton_core::model::Notification>>;
}

pub(crate) fn no_guest(viewer: &Viewer, what: &str) -> Result<()> {
    if viewer.role == Role::Guest {
        return Err(Error::forbidden(format!("guests cannot {what}")));
    }
    Ok(())
}

/// A member who may still take part: deactivated members are as good as unknown.
pub(crate) async fn active_member(tx: &mut dyn Tx, id: MemberId) -> Result<Member> {
    match tx.member(id).await? {
        Some(member) if member.active => Ok(member),
        _ => Err(Error::not_found(format!("member {id}"))),
    }
}
