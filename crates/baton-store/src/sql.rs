//! The SQL backend: SQLite (one WAL file in the data directory, the embedded default) or
//! PostgreSQL (for many machines), through one set of queries.
//!
//! Both databases are reached through sqlx's `Any` driver, so every query is written once, with
//! `$N` placeholders (SQLite reads them too). Where the two dialects differ, [`dialect`] gives
//! the piece of SQL for the connection at hand; each database has its own migrations.
//!
//! Writes go through one writer task that commits in groups: it takes every command waiting in
//! its queue (up to [`MAX_BATCH`]), applies each inside its own savepoint of one transaction,
//! commits once, and only then answers each caller and publishes the events. SQLite allows one
//! writer at a time anyway; on PostgreSQL the group holds a transaction-scoped advisory lock, so
//! that writers on several machines still hand out `seq` gap-free and in commit order.

mod apply;
mod db;
mod dialect;
mod flag;
mod lite_reads;
mod open;
#[cfg(test)]
mod plans;
mod project;
mod read;
mod rebuild;
mod savepoint;
mod unique_names;
mod unread;
mod visibility;
mod writer;

#[cfg(feature = "testing")]
pub(crate) use writer::WRITE_LOCK;

use std::sync::Arc;

use async_trait::async_trait;
use baton_core::event::Event;
use baton_core::model::{Channel, Dm, Member, Message, MessageVersion, Project, Task, TaskStatus, Thread, Workspace};
use baton_core::{ChannelId, DmId, MemberId, MessageId, ProjectId, Seq, TaskId, ThreadId};
use sqlx::AnyPool;
use tokio::sync::mpsc;

use self::db::Conn;
use crate::answer::Answer;
use crate::bus::{Bus, LocalBus};
use crate::command::{Envelope, MessageTarget, ThreadHome};
use crate::error::Result;
use crate::view::{Access, ActivityCursor, CommittedEvent, Page, Unread, Viewer};
use crate::Store;

pub use dialect::Dialect;
pub use open::Database;
pub use rebuild::{rebuild, Rebuilt};

/// The most commands committed in one transaction.
pub const MAX_BATCH: usize = 512;

/// The SQL backend. Cheap to clone: all clones share one writer and one read pool.
#[derive(Clone)]
pub struct SqlStore {
    reads: AnyPool,
    /// SQLite's reads, on connections of Baton's own (see `lite_reads`); `None` on PostgreSQL.
    lite_reads: Option<Arc<lite_reads::LitePool>>,
    writes: mpsc::Sender<writer::WriteRequest>,
    bus: Arc<dyn Bus>,
    database: Database,
}

impl SqlStore {
    /// Opens (creating if needed) the workspace's database, runs migrations and starts the
    /// writer task, which announces committed events on a bus of this process's own. Needs a
    /// tokio runtime.
    pub async fn open(database: &Database) -> Result<SqlStore> {
        SqlStore::open_with_bus(database, Arc::new(LocalBus::new())).await
    }

    /// Opens the embedded SQLite database, `baton.db` in `data_dir`.
    pub async fn open_dir(data_dir: &std::path::Path) -> Result<SqlStore> {
        SqlStore::open(&Database::Sqlite(data_dir.to_path_buf())).await
    }

    /// [`SqlStore::open`], announcing committed events on `bus`.
    pub async fn open_with_bus(database: &Database, bus: Arc<dyn Bus>) -> Result<SqlStore> {
        let reads = open::connect(database).await?;
        let (writes, queue) = mpsc::channel(MAX_BATCH * 4);
        writer::start(database.clone(), queue, bus.clone()).await?;
        let lite_reads = match database {
            Database::Sqlite(dir) => Some(lite_reads::LitePool::new(dir.join("baton.db"))),
            Database::Postgres(_) => None,
        };
        Ok(SqlStore { reads, lite_reads, writes, bus, database: database.clone() })
    }

    /// Where the workspace is stored.
    pub fn database(&self) -> &Database {
        &self.database
    }

    async fn conn(&self) -> Result<Conn> {
        match &self.lite_reads {
            Some(pool) => Ok(Conn::LiteRead(pool.acquire().await?)),
            None => Ok(Conn::from(self.reads.acquire().await?)),
        }
    }

    /// Closes the read pool and waits until the writer has committed what it was given.
    pub async fn close(self) {
        drop(self.writes);
        self.reads.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn execute(&self, envelope: Envelope) -> Result<Answer> {
        writer::submit(&self.writes, envelope).await
    }

    async fn execute_many(&self, envelopes: Vec<Envelope>) -> Vec<Result<Answer>> {
        writer::submit_many(&self.writes, envelopes).await
    }

    fn bus(&self) -> &dyn Bus {
        &*self.bus
    }

    async fn workspace(&self) -> Result<Option<Workspace>> {
        read::workspace(&mut self.conn().await?).await
    }

    async fn member_by_token(&self, token_hash: &str) -> Result<Option<Member>> {
        read::member_by_token(&mut self.conn().await?, token_hash).await
    }

    async fn login_lookup(&self, email_or_handle: &str) -> Result<Option<(MemberId, Option<String>)>> {
        read::login_lookup(&mut self.conn().await?, email_or_handle).await
    }

    async fn invite_lookup(&self, token_hash: &str) -> Result<Option<MemberId>> {
        read::invite_lookup(&mut self.conn().await?, token_hash).await
    }

    async fn members(&self, viewer: &Viewer) -> Result<Vec<Member>> {
        read::members(&mut self.conn().await?, viewer).await
    }

    async fn members_among(&self, viewer: &Viewer, ids: &[MemberId], handles: &[String]) -> Result<Vec<Member>> {
        read::members_among(&mut self.conn().await?, viewer, ids, handles).await
    }

    async fn member(&self, viewer: &Viewer, id: MemberId) -> Result<Member> {
        read::member(&mut self.conn().await?, Some(viewer), id).await
    }

    async fn channels(&self, viewer: &Viewer) -> Result<Vec<Channel>> {
        read::channels(&mut self.conn().await?, viewer).await
    }

    async fn channel(&self, viewer: &Viewer, id: ChannelId) -> Result<Channel> {
        Ok(read::channel_row(&mut self.conn().await?, viewer, id).await?.into_channel())
    }

    async fn channel_members(&self, viewer: &Viewer, id: ChannelId) -> Result<Vec<Member>> {
        read::channel_members(&mut self.conn().await?, viewer, id).await
    }

    async fn threads(&self, viewer: &Viewer, channel: ChannelId, page: Page) -> Result<Vec<Thread>> {
        read::threads(&mut self.conn().await?, viewer, channel, page).await
    }

    async fn thread(&self, viewer: &Viewer, id: ThreadId) -> Result<Thread> {
        Ok(read::thread_row(&mut self.conn().await?, viewer, id).await?.into_thread())
    }

    async fn thread_messages(&self, viewer: &Viewer, id: ThreadId, page: Page) -> Result<Vec<Message>> {
        read::thread_messages(&mut self.conn().await?, viewer, id, page).await
    }

    async fn read_mark(&self, viewer: &Viewer, target: MessageTarget) -> Result<Option<MessageId>> {
        read::read_mark(&mut self.conn().await?, viewer, target).await
    }

    async fn active_threads(
        &self,
        viewer: &Viewer,
        home: ThreadHome,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Vec<Thread>> {
        read::active_threads(&mut self.conn().await?, viewer, home, after, limit).await
    }

    async fn timeline(&self, viewer: &Viewer, channel: ChannelId) -> Result<Option<Thread>> {
        read::timeline(&mut self.conn().await?, viewer, channel).await
    }

    async fn latest_messages(
        &self,
        viewer: &Viewer,
        target: crate::MessageTarget,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        read::latest_messages(&mut self.conn().await?, viewer, target, before, limit).await
    }

    async fn message(&self, viewer: &Viewer, id: MessageId) -> Result<Message> {
        read::message(&mut self.conn().await?, viewer, id).await
    }

    async fn message_versions(&self, viewer: &Viewer, id: MessageId) -> Result<Vec<MessageVersion>> {
        read::message_versions(&mut self.conn().await?, viewer, id).await
    }

    async fn dms(&self, viewer: &Viewer) -> Result<Vec<Dm>> {
        read::dms(&mut self.conn().await?, viewer).await
    }

    async fn dm(&self, viewer: &Viewer, id: DmId) -> Result<Dm> {
        read::dm(&mut self.conn().await?, viewer, id).await
    }

    async fn dm_messages(&self, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Message>> {
        read::dm_messages(&mut self.conn().await?, viewer, id, page).await
    }

    async fn dm_threads(&self, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Thread>> {
        read::dm_threads(&mut self.conn().await?, viewer, id, page).await
    }

    async fn projects(&self, viewer: &Viewer) -> Result<Vec<Project>> {
        read::projects(&mut self.conn().await?, viewer).await
    }

    async fn project(&self, viewer: &Viewer, id: ProjectId) -> Result<Project> {
        read::project(&mut self.conn().await?, viewer, id).await
    }

    async fn tasks(
        &self,
        viewer: &Viewer,
        project: Option<ProjectId>,
        assignee: Option<MemberId>,
        status: Option<TaskStatus>,
    ) -> Result<Vec<Task>> {
        read::tasks(&mut self.conn().await?, viewer, project, assignee, status).await
    }

    async fn task(&self, viewer: &Viewer, id: TaskId) -> Result<Task> {
        read::task(&mut self.conn().await?, viewer, id).await
    }

    async fn task_history(&self, viewer: &Viewer, id: TaskId) -> Result<Vec<Event>> {
        read::task_history(&mut self.conn().await?, viewer, id).await
    }

    async fn notifications(
        &self,
        viewer: &Viewer,
        unread_only: bool,
        held: bool,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<baton_core::model::Notification>> {
        read::notifications(&mut self.conn().await?, viewer, unread_only, held, before, limit).await
    }

    async fn jobs(&self, viewer: &Viewer, pending_only: bool) -> Result<Vec<baton_core::model::Job>> {
        read::jobs(&mut self.conn().await?, viewer, pending_only).await
    }

    async fn due_jobs(&self, now: jiff::Timestamp, limit: u32) -> Result<Vec<i64>> {
        read::due_jobs(&mut self.conn().await?, now, limit).await
    }

    async fn next_due(&self) -> Result<Option<jiff::Timestamp>> {
        read::next_due(&mut self.conn().await?).await
    }

    async fn norms(&self, viewer: &Viewer) -> Result<baton_core::model::Norms> {
        read::norms(&mut self.conn().await?, viewer).await
    }

    async fn checkin(&self, viewer: &Viewer, id: i64) -> Result<baton_core::model::CheckIn> {
        read::checkin(&mut self.conn().await?, viewer, id).await
    }

    async fn checkins(&self, viewer: &Viewer) -> Result<Vec<baton_core::model::CheckIn>> {
        read::checkins(&mut self.conn().await?, viewer).await
    }

    async fn slot_burdens(&self) -> Result<Vec<(MemberId, i64)>> {
        let rows: Vec<(i64, i64)> =
            db::query_as("SELECT member_id, count FROM slot_burdens").fetch_all(&mut self.conn().await?).await?;
        Ok(rows.into_iter().map(|(m, c)| (MemberId(m), c)).collect())
    }

    async fn unread_threads(&self, viewer: &Viewer, home: ThreadHome) -> Result<Vec<(ThreadId, i64)>> {
        let mut conn = self.conn().await?;
        let home = read::thread_home(&mut conn, viewer, home).await?;
        unread::unread_threads(&mut conn, viewer.member, home, None).await
    }

    async fn unread_threads_among(
        &self,
        viewer: &Viewer,
        home: ThreadHome,
        threads: &[ThreadId],
    ) -> Result<Vec<(ThreadId, i64)>> {
        if threads.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let home = read::thread_home(&mut conn, viewer, home).await?;
        unread::unread_threads(&mut conn, viewer.member, home, Some(threads)).await
    }

    async fn unread(&self, viewer: &Viewer) -> Result<Unread> {
        let mut conn = self.conn().await?;
        let access = read::access(&mut conn, viewer).await?;
        let mut unread = unread::unread(&mut conn, viewer.member).await?;
        unread.channels.retain(|channel, _| access.channels.contains(channel));
        unread.dms.retain(|dm, _| access.dms.contains(dm));
        Ok(unread)
    }

    async fn head(&self) -> Result<Seq> {
        let (seq,): (i64,) =
            db::query_as("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut self.conn().await?).await?;
        Ok(Seq(seq))
    }

    async fn idempotency_record(&self, actor: MemberId, key: &str) -> Result<Option<crate::KeyRecord>> {
        let found: Option<(String, String)> =
            db::query_as("SELECT fingerprint, response FROM idempotency WHERE actor = $1 AND key = $2")
                .bind(actor.0)
                .bind(key)
                .fetch_optional(&mut self.conn().await?)
                .await?;
        match found {
            Some((fingerprint, answer)) => Ok(Some(crate::KeyRecord::new(fingerprint, answer))),
            None => Ok(None),
        }
    }

    async fn decided_advice(&self) -> Result<Vec<String>> {
        let keys: Vec<(String,)> =
            db::query_as("SELECT key FROM advisor_outcomes").fetch_all(&mut self.conn().await?).await?;
        Ok(keys.into_iter().map(|(key,)| key).collect())
    }

    async fn huddle(&self, viewer: &Viewer, id: baton_core::HuddleId) -> Result<baton_core::model::Huddle> {
        read::huddle(&mut self.conn().await?, viewer, id).await
    }

    async fn huddles(&self, viewer: &Viewer, open_only: bool, limit: u32) -> Result<Vec<baton_core::model::Huddle>> {
        read::huddles(&mut self.conn().await?, viewer, open_only, limit).await
    }

    async fn events(&self, viewer: &Viewer, since: Seq, limit: u32) -> Result<Vec<Arc<CommittedEvent>>> {
        read::events(&mut self.conn().await?, viewer, since, limit).await
    }

    async fn log(&self, since: Seq, limit: u32) -> Result<Vec<Arc<CommittedEvent>>> {
        Ok(read::committed_after_limited(&mut self.conn().await?, since.0, limit)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect())
    }

    async fn access(&self, viewer: &Viewer) -> Result<Access> {
        read::access(&mut self.conn().await?, viewer).await
    }

    async fn search(&self, viewer: &Viewer, search: &crate::Search) -> Result<Vec<Message>> {
        read::search::search(&mut self.conn().await?, viewer, search).await
    }
}

/// Checks that the connection is alive (for `/healthz`).
pub async fn ping(store: &SqlStore) -> Result<()> {
    let mut conn = store.conn().await?;
    conn.ping().await?;
    Ok(())
}
