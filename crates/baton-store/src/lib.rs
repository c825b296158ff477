//! Baton's storage: the append-only event log and the current-state tables projected from it,
//! behind the [`Store`] trait so that callers never see SQL. SQLite (WAL, in the data
//! directory) is the embedded default; a PostgreSQL backend can be added beside it without
//! touching callers.
//!
//! Every change is a [`Command`]: one command is applied inside one transaction that assigns
//! the next `seq`, appends the event, updates the projections and records the idempotency key.
//! Committed events are then published on the store's [`Bus`] for live streams.

pub mod answer;
pub mod bus;
pub mod command;
mod domain;
pub mod error;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod view;

use std::sync::Arc;

use async_trait::async_trait;
use baton_core::model::{Channel, Dm, Member, Message, MessageVersion, Project, Task, TaskStatus, Thread, Workspace};
use baton_core::{ChannelId, DmId, MemberId, MessageId, ProjectId, Seq, TaskId, ThreadId};

pub use answer::Answer;
pub use bus::{Bus, LocalBus, Missed, Subscription};
pub use command::{AdviceAction, Command, Envelope, HuddleOn, Invite, MessageTarget, NewMember, ThreadHome};
pub use error::{Error, Result};
pub use sql::{Database, SqlStore};
pub use view::{Access, ActivityCursor, CommittedEvent, KeyRecord, Page, Scope, Search, SearchOrder, Unread, Viewer};

/// The workspace's storage. Reads take the [`Viewer`] so that a backend can never return what
/// that member may not see; writes go through [`Store::execute`].
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Applies one command atomically and returns the resource it created or changed, typed
    /// ([`Answer`]; the API shows its JSON). A command with an idempotency key already used by the same actor returns
    /// the first answer and changes nothing.
    async fn execute(&self, envelope: Envelope) -> Result<Answer>;

    /// Applies commands in the given order, each atomically on its own, and answers each. A
    /// store may commit them in shared transactions, which is what makes bulk imports fast.
    async fn execute_many(&self, envelopes: Vec<Envelope>) -> Vec<Result<Answer>> {
        let mut answers = Vec::with_capacity(envelopes.len());
        for envelope in envelopes {
            answers.push(self.execute(envelope).await);
        }
        answers
    }

    /// Where this store announces its events, in `seq` order, once their transaction committed:
    /// live streams subscribe there.
    fn bus(&self) -> &dyn Bus;

    async fn workspace(&self) -> Result<Option<Workspace>>;
    /// The active member a session token belongs to (the token's SHA-256, hex).
    async fn member_by_token(&self, token_hash: &str) -> Result<Option<Member>>;
    /// `(member id, password hash)` for a login by e-mail or handle.
    async fn login_lookup(&self, email_or_handle: &str) -> Result<Option<(MemberId, Option<String>)>>;
    /// The member an invitation token (SHA-256, hex) was issued for.
    async fn invite_lookup(&self, token_hash: &str) -> Result<Option<MemberId>>;

    async fn members(&self, viewer: &Viewer) -> Result<Vec<Member>>;
    /// The members among `ids` and `handles` (any order; those that do not exist are left out),
    /// as [`Store::members`] shows them: what a page of messages names, without reading
    /// everyone.
    async fn members_among(&self, viewer: &Viewer, ids: &[MemberId], handles: &[String]) -> Result<Vec<Member>>;
    async fn member(&self, viewer: &Viewer, id: MemberId) -> Result<Member>;

    async fn channels(&self, viewer: &Viewer) -> Result<Vec<Channel>>;
    async fn channel(&self, viewer: &Viewer, id: ChannelId) -> Result<Channel>;
    async fn channel_members(&self, viewer: &Viewer, id: ChannelId) -> Result<Vec<Member>>;
    async fn threads(&self, viewer: &Viewer, channel: ChannelId, page: Page) -> Result<Vec<Thread>>;
    async fn thread(&self, viewer: &Viewer, id: ThreadId) -> Result<Thread>;
    /// The threads of a channel or a direct conversation, the most recently active first (by
    /// last message, else by when they began), its timeline left out: at most `limit`, those
    /// after `after` (the last of the page before).
    async fn active_threads(
        &self,
        viewer: &Viewer,
        home: ThreadHome,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Vec<Thread>>;
    /// The timeline of a channel (an imported channel's messages outside any thread), if any.
    async fn timeline(&self, viewer: &Viewer, channel: ChannelId) -> Result<Option<Thread>>;
    async fn thread_messages(&self, viewer: &Viewer, id: ThreadId, page: Page) -> Result<Vec<Message>>;
    /// The latest messages of a thread or a direct conversation's timeline, newest first: at most
    /// `limit`, those before message `before` when given (to page back through a long history).
    async fn latest_messages(
        &self,
        viewer: &Viewer,
        target: MessageTarget,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>>;
    async fn message(&self, viewer: &Viewer, id: MessageId) -> Result<Message>;
    async fn message_versions(&self, viewer: &Viewer, id: MessageId) -> Result<Vec<MessageVersion>>;

    async fn dms(&self, viewer: &Viewer) -> Result<Vec<Dm>>;
    async fn dm(&self, viewer: &Viewer, id: DmId) -> Result<Dm>;
    async fn dm_messages(&self, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Message>>;
    /// The threads of a direct conversation, oldest first.
    async fn dm_threads(&self, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Thread>>;

    async fn projects(&self, viewer: &Viewer) -> Result<Vec<Project>>;
    async fn project(&self, viewer: &Viewer, id: ProjectId) -> Result<Project>;
    async fn tasks(
        &self,
        viewer: &Viewer,
        project: Option<ProjectId>,
        assignee: Option<MemberId>,
        status: Option<TaskStatus>,
    ) -> Result<Vec<Task>>;
    async fn task(&self, viewer: &Viewer, id: TaskId) -> Result<Task>;
    /// The task's own events (created, status, assignee, due date, edits) in order.
    async fn task_history(&self, viewer: &Viewer, id: TaskId) -> Result<Vec<baton_core::event::Event>>;

    /// The viewer's notifications, newest first: delivered ones (`held`: also those waiting for
    /// the viewer's working hours); `unread_only` leaves out read ones; `before`: only those
    /// with a smaller id (the last of the page before).
    async fn notifications(
        &self,
        viewer: &Viewer,
        unread_only: bool,
        held: bool,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<baton_core::model::Notification>>;

    /// The viewer's scheduled messages and reminders, the next due first.
    async fn jobs(&self, viewer: &Viewer, pending_only: bool) -> Result<Vec<baton_core::model::Job>>;
    /// Ids of pending jobs due at `now` (unfiltered: for the scheduler).
    async fn due_jobs(&self, now: jiff::Timestamp, limit: u32) -> Result<Vec<i64>>;
    /// When the next pending job is due.
    async fn next_due(&self) -> Result<Option<jiff::Timestamp>>;

    /// The workspace's reply norm and those of the channels the viewer may see that set one.
    async fn norms(&self, viewer: &Viewer) -> Result<baton_core::model::Norms>;

    async fn checkin(&self, viewer: &Viewer, id: i64) -> Result<baton_core::model::CheckIn>;
    /// Check-ins in channels the viewer may see.
    async fn checkins(&self, viewer: &Viewer) -> Result<Vec<baton_core::model::CheckIn>>;

    /// How many booked slots put each member outside their working hours (absent: none).
    async fn slot_burdens(&self) -> Result<Vec<(MemberId, i64)>>;

    /// Messages by others that the viewer has not read, per thread of a channel or a direct
    /// conversation (threads with none are left out). Counts only; the viewer must be able to
    /// read the channel or take part in the conversation.
    async fn unread_threads(&self, viewer: &Viewer, home: ThreadHome) -> Result<Vec<(ThreadId, i64)>>;
    /// [`Store::unread_threads`] for the threads among `threads` alone (those of another home
    /// are left out): what a page of a busy channel's threads shows, without visiting the
    /// channel's every thread.
    async fn unread_threads_among(
        &self,
        viewer: &Viewer,
        home: ThreadHome,
        threads: &[ThreadId],
    ) -> Result<Vec<(ThreadId, i64)>>;
    /// The last message of a thread or a direct conversation's timeline the viewer has read
    /// (none: they never opened it).
    async fn read_mark(&self, viewer: &Viewer, target: MessageTarget) -> Result<Option<MessageId>>;
    /// Unread messages per channel and per direct conversation the viewer can read.
    async fn unread(&self, viewer: &Viewer) -> Result<Unread>;

    /// The `seq` of the latest committed event (0 for an empty log): where a client that only
    /// wants what happens from now on starts its stream.
    async fn head(&self) -> Result<Seq>;

    /// What the request `actor` sent with idempotency `key` was and got, if it was sent: so that
    /// an importer can check a whole file against what it imported before, before it writes
    /// anything, and tell a real conflict in the file's terms. `actor` 0 is the system.
    async fn idempotency_record(&self, actor: MemberId, key: &str) -> Result<Option<KeyRecord>>;

    /// The keys of advisor suggestions already accepted or dismissed.
    async fn decided_advice(&self) -> Result<Vec<String>>;

    async fn huddle(&self, viewer: &Viewer, id: baton_core::HuddleId) -> Result<baton_core::model::Huddle>;
    /// Huddles on threads the viewer may read, newest first; `open_only` keeps running ones.
    async fn huddles(&self, viewer: &Viewer, open_only: bool, limit: u32) -> Result<Vec<baton_core::model::Huddle>>;

    /// Events after `since` that the viewer may see, at most `limit`, in order.
    async fn events(&self, viewer: &Viewer, since: Seq, limit: u32) -> Result<Vec<Arc<CommittedEvent>>>;
    /// Every event after `since`, whoever may see it, at most `limit`: for reports, which count
    /// everything and filter only what they show. Never hand these to a viewer as they are.
    async fn log(&self, since: Seq, limit: u32) -> Result<Vec<Arc<CommittedEvent>>>;
    /// What the viewer may see now: for filtering live events.
    async fn access(&self, viewer: &Viewer) -> Result<Access>;
    /// Messages the viewer may see that hold every term of the search and pass its filters, in
    /// its order. What the viewer may not read is left out inside the query, before ranking
    /// and the limit.
    async fn search(&self, viewer: &Viewer, search: &Search) -> Result<Vec<Message>>;
}

/// A shared handle on whichever backend is in use.
pub type DynStore = Arc<dyn Store>;

/// The whole event log, unfiltered and parsed: what reports read.
pub async fn full_log(store: &dyn Store) -> Result<Vec<baton_core::event::Event>> {
    let mut events = Vec::new();
    let mut since = Seq(0);
    loop {
        let page = store.log(since, 10_000).await?;
        let Some(last) = page.last() else {
            return Ok(events);
        };
        since = last.seq;
        for committed in &page {
            events.push(serde_json::from_slice(&committed.json)?);
        }
    }
}
