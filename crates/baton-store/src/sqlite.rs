//! The embedded backend: one SQLite file (WAL) in the data directory.
//!
//! Writes go through one writer task that commits in groups: it takes every command waiting in
//! its queue (up to [`MAX_BATCH`]), applies each inside its own savepoint of one transaction,
//! commits once, and only then answers each caller and publishes the events. SQLite allows one
//! writer at a time anyway; grouping pays the cost of a durable commit once per group instead of
//! once per request.

mod apply;
mod project;
mod read;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use baton_core::event::Event;
use baton_core::model::{Channel, Dm, Member, Message, MessageVersion, Project, Task, TaskStatus, Thread, Workspace};
use baton_core::{ChannelId, DmId, MemberId, MessageId, ProjectId, Seq, TaskId, ThreadId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::mpsc;

use crate::bus::{Bus, LocalBus};
use crate::command::{Envelope, ThreadHome};
use crate::error::{Error, Result};
use crate::view::{Access, CommittedEvent, Page, Unread, Viewer};
use crate::Store;

/// The most commands committed in one transaction.
pub const MAX_BATCH: usize = 512;

/// The SQLite backend. Cheap to clone: all clones share one writer and one read pool.
#[derive(Clone)]
pub struct SqliteStore {
    reads: SqlitePool,
    writes: mpsc::Sender<writer::WriteRequest>,
    bus: Arc<dyn Bus>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) `baton.db` in `data_dir`, runs migrations and starts the
    /// writer task, which announces committed events on a bus of this process's own. Needs a
    /// tokio runtime.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore> {
        SqliteStore::open_with_bus(data_dir, Arc::new(LocalBus::new())).await
    }

    /// [`SqliteStore::open`], announcing committed events on `bus`.
    pub async fn open_with_bus(data_dir: &Path, bus: Arc<dyn Bus>) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|err| Error::invalid("data_dir", format!("cannot create {}: {err}", data_dir.display())))?;
        let path = data_dir.join("baton.db");
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(Error::from)?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL, not NORMAL: in WAL mode NORMAL survives a killed process but can lose the
            // last commits on power loss, and an acknowledged write must survive both.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("cache_size", "-32000")
            // Freed space is overwritten with zeros: a deleted message's text does not linger
            // in the file's free pages.
            .pragma("secure_delete", "ON")
            .disable_statement_logging();
        let mut write_conn = options.connect().await.map_err(|err| open_error(&path, err))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut write_conn)
            .await
            .map_err(|err| Error::Internal(Box::new(err)))?;
        drop_unique_channel_names(&mut write_conn).await?;
        let reads = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.read_only(true))
            .await
            .map_err(|err| open_error(&path, err))?;
        let (writes, queue) = mpsc::channel(MAX_BATCH * 4);
        tokio::spawn(writer::run(write_conn, queue, bus.clone()));
        Ok(SqliteStore { reads, writes, bus, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.reads.acquire().await?)
    }

    /// Closes the read pool and waits until the writer has committed what it was given.
    pub async fn close(self) {
        drop(self.writes);
        self.reads.close().await;
    }
}

/// Channel names were unique across the workspace, so creating or renaming a channel to the
/// name of a private one you cannot see answered "already exists", and told you it does (issue
/// 13). A name is now taken only by a channel the asker can see (the command checks). The
/// constraint sits on the `channels` table itself, and SQLite drops a constraint only by
/// rebuilding the table, with foreign keys off, which a migration's transaction cannot do: this
/// runs after the migrations, once, on any database that still has it.
async fn drop_unique_channel_names(conn: &mut sqlx::SqliteConnection) -> Result<()> {
    const UNIQUE_NAME: &str = "name TEXT NOT NULL UNIQUE";
    let (table,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'channels'")
            .fetch_one(&mut *conn)
            .await?;
    if !table.contains(UNIQUE_NAME) {
        return Ok(());
    }
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
    let outcome = rebuild_channels(conn, UNIQUE_NAME).await;
    if outcome.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    outcome.map_err(|err| Error::Internal(Box::new(err)))
}

/// The rebuild itself, in one transaction; another process may have done it meanwhile, so it
/// looks again under the write lock.
async fn rebuild_channels(conn: &mut sqlx::SqliteConnection, unique_name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let (table,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'channels'")
            .fetch_one(&mut *conn)
            .await?;
    if !table.contains(unique_name) {
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        return Ok(());
    }
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'channels' AND sql IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let rebuilt = table.replacen(unique_name, "name TEXT NOT NULL", 1).replacen(
        "CREATE TABLE channels",
        "CREATE TABLE channels_rebuilt",
        1,
    );
    let mut steps = vec![
        rebuilt,
        "INSERT INTO channels_rebuilt SELECT * FROM channels".into(),
        "DROP TABLE channels".into(),
        "ALTER TABLE channels_rebuilt RENAME TO channels".into(),
        "CREATE INDEX IF NOT EXISTS channels_name ON channels (name)".into(),
    ];
    steps.extend(indexes.into_iter().map(|(sql,)| sql));
    for step in &steps {
        sqlx::query(step).execute(&mut *conn).await?;
    }
    let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&mut *conn).await?;
    if !broken.is_empty() {
        return Err(sqlx::Error::Protocol(format!("rebuilding channels would break references in {broken:?}")));
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(())
}

fn open_error(path: &Path, err: sqlx::Error) -> Error {
    Error::invalid("data_dir", format!("cannot open the database {}: {err}", path.display()))
}

#[async_trait]
impl Store for SqliteStore {
    async fn execute(&self, envelope: Envelope) -> Result<serde_json::Value> {
        writer::submit(&self.writes, envelope).await
    }

    async fn execute_many(&self, envelopes: Vec<Envelope>) -> Vec<Result<serde_json::Value>> {
        writer::submit_many(&self.writes, envelopes).await
    }

    fn bus(&self) -> &dyn Bus {
        &*self.bus
    }

    async fn workspace(&self) -> Result<Option<Workspace>> {
        read::workspace(&mut *self.conn().await?).await
    }

    async fn member_by_token(&self, token_hash: &str) -> Result<Option<Member>> {
        read::member_by_token(&mut *self.conn().await?, token_hash).await
    }

    async fn login_lookup(&self, email_or_handle: &str) -> Result<Option<(MemberId, Option<String>)>> {
        read::login_lookup(&mut *self.conn().await?, email_or_handle).await
    }

    async fn invite_lookup(&self, token_hash: &str) -> Result<Option<MemberId>> {
        read::invite_lookup(&mut *self.conn().await?, token_hash).await
    }

    async fn members(&self, viewer: &Viewer) -> Result<Vec<Member>> {
        read::members(&mut *self.conn().await?, viewer).await
    }

    async fn member(&self, viewer: &Viewer, id: MemberId) -> Result<Member> {
        read::member(&mut *self.conn().await?, Some(viewer), id).await
    }

    async fn channels(&self, viewer: &Viewer) -> Result<Vec<Channel>> {
        read::channels(&mut *self.conn().await?, viewer).await
    }

    async fn channel(&self, viewer: &Viewer, id: ChannelId) -> Result<Channel> {
        Ok(read::channel_row(&mut *self.conn().await?, viewer, id).await?.into_channel())
    }

    async fn channel_members(&self, viewer: &Viewer, id: ChannelId) -> Result<Vec<Member>> {
        read::channel_members(&mut *self.conn().await?, viewer, id).await
    }

    async fn threads(&self, viewer: &Viewer, channel: ChannelId, page: Page) -> Result<Vec<Thread>> {
        read::threads(&mut *self.conn().await?, viewer, channel, page).await
    }

    async fn thread(&self, viewer: &Viewer, id: ThreadId) -> Result<Thread> {
        Ok(read::thread_row(&mut *self.conn().await?, viewer, id).await?.into_thread())
    }

    async fn thread_messages(&self, viewer: &Viewer, id: ThreadId, page: Page) -> Result<Vec<Message>> {
        read::thread_messages(&mut *self.conn().await?, viewer, id, page).await
    }

    async fn latest_messages(
        &self,
        viewer: &Viewer,
        target: crate::MessageTarget,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        read::latest_messages(&mut *self.conn().await?, viewer, target, before, limit).await
    }

    async fn message(&self, viewer: &Viewer, id: MessageId) -> Result<Message> {
        read::message(&mut *self.conn().await?, viewer, id).await
    }

    async fn message_versions(&self, viewer: &Viewer, id: MessageId) -> Result<Vec<MessageVersion>> {
        read::message_versions(&mut *self.conn().await?, viewer, id).await
    }

    async fn dms(&self, viewer: &Viewer) -> Result<Vec<Dm>> {
        read::dms(&mut *self.conn().await?, viewer).await
    }

    async fn dm(&self, viewer: &Viewer, id: DmId) -> Result<Dm> {
        read::dm(&mut *self.conn().await?, viewer, id).await
    }

    async fn dm_messages(&self, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Message>> {
        read::dm_messages(&mut *self.conn().await?, viewer, id, page).await
    }

    async fn dm_threads(&self, viewer: &Viewer, id: DmId, page: Page) -> Result<Vec<Thread>> {
        read::dm_threads(&mut *self.conn().await?, viewer, id, page).await
    }

    async fn projects(&self, viewer: &Viewer) -> Result<Vec<Project>> {
        read::projects(&mut *self.conn().await?, viewer).await
    }

    async fn project(&self, viewer: &Viewer, id: ProjectId) -> Result<Project> {
        read::project(&mut *self.conn().await?, viewer, id).await
    }

    async fn tasks(
        &self,
        viewer: &Viewer,
        project: Option<ProjectId>,
        assignee: Option<MemberId>,
        status: Option<TaskStatus>,
    ) -> Result<Vec<Task>> {
        read::tasks(&mut *self.conn().await?, viewer, project, assignee, status).await
    }

    async fn task(&self, viewer: &Viewer, id: TaskId) -> Result<Task> {
        read::task(&mut *self.conn().await?, viewer, id).await
    }

    async fn task_history(&self, viewer: &Viewer, id: TaskId) -> Result<Vec<Event>> {
        read::task_history(&mut *self.conn().await?, viewer, id).await
    }

    async fn notifications(
        &self,
        viewer: &Viewer,
        unread_only: bool,
        held: bool,
        limit: u32,
    ) -> Result<Vec<baton_core::model::Notification>> {
        read::notifications(&mut *self.conn().await?, viewer, unread_only, held, limit).await
    }

    async fn jobs(&self, viewer: &Viewer, pending_only: bool) -> Result<Vec<baton_core::model::Job>> {
        read::jobs(&mut *self.conn().await?, viewer, pending_only).await
    }

    async fn due_jobs(&self, now: jiff::Timestamp, limit: u32) -> Result<Vec<i64>> {
        read::due_jobs(&mut *self.conn().await?, now, limit).await
    }

    async fn next_due(&self) -> Result<Option<jiff::Timestamp>> {
        read::next_due(&mut *self.conn().await?).await
    }

    async fn norms(&self, viewer: &Viewer) -> Result<baton_core::model::Norms> {
        read::norms(&mut *self.conn().await?, viewer).await
    }

    async fn checkin(&self, viewer: &Viewer, id: i64) -> Result<baton_core::model::CheckIn> {
        read::checkin(&mut *self.conn().await?, viewer, id).await
    }

    async fn checkins(&self, viewer: &Viewer) -> Result<Vec<baton_core::model::CheckIn>> {
        read::checkins(&mut *self.conn().await?, viewer).await
    }

    async fn slot_burdens(&self) -> Result<Vec<(MemberId, i64)>> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT member_id, count FROM slot_burdens").fetch_all(&mut *self.conn().await?).await?;
        Ok(rows.into_iter().map(|(m, c)| (MemberId(m), c)).collect())
    }

    async fn unread_threads(&self, viewer: &Viewer, home: ThreadHome) -> Result<Vec<(ThreadId, i64)>> {
        let mut conn = self.conn().await?;
        let (column, id) = match home {
            ThreadHome::Channel(channel) => {
                read::channel_row(&mut conn, viewer, channel).await?;
                ("channel_id", channel.0)
            }
            ThreadHome::Dm(dm) => {
                read::dm_row(&mut conn, viewer, dm).await?;
                ("dm_id", dm.0)
            }
        };
        let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT m.thread_id, COUNT(*) FROM threads t JOIN messages m ON m.thread_id = t.id \
             LEFT JOIN thread_read_marks r ON r.thread_id = t.id AND r.member_id = ?1 \
             WHERE t.{column} = ?2 AND m.author_id != ?1 AND m.deleted = 0 AND m.id > COALESCE(r.message_id, 0) \
             GROUP BY m.thread_id"
        ))
        .bind(viewer.member.0)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.into_iter().map(|(thread, n)| (ThreadId(thread), n)).collect())
    }

    async fn unread(&self, viewer: &Viewer) -> Result<Unread> {
        let mut conn = self.conn().await?;
        let access = read::access(&mut conn, viewer).await?;
        let channels: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT t.channel_id, COUNT(*) FROM threads t JOIN messages m ON m.thread_id = t.id \
             LEFT JOIN thread_read_marks r ON r.thread_id = t.id AND r.member_id = ?1 \
             WHERE t.channel_id IS NOT NULL AND m.author_id != ?1 AND m.deleted = 0 \
             AND m.id > COALESCE(r.message_id, 0) GROUP BY t.channel_id",
        )
        .bind(viewer.member.0)
        .fetch_all(&mut *conn)
        .await?;
        // A direct conversation's unread: its timeline's, and its threads'.
        let dms: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT m.dm_id, COUNT(*) FROM messages m LEFT JOIN dm_read_marks r ON r.dm_id = m.dm_id AND r.member_id = ?1 \
             WHERE m.dm_id IS NOT NULL AND m.author_id != ?1 AND m.deleted = 0 AND m.id > COALESCE(r.message_id, 0) \
             GROUP BY m.dm_id \
             UNION ALL \
             SELECT t.dm_id, COUNT(*) FROM threads t JOIN messages m ON m.thread_id = t.id \
             LEFT JOIN thread_read_marks r ON r.thread_id = t.id AND r.member_id = ?1 \
             WHERE t.dm_id IS NOT NULL AND m.author_id != ?1 AND m.deleted = 0 AND m.id > COALESCE(r.message_id, 0) \
             GROUP BY t.dm_id",
        )
        .bind(viewer.member.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut dm_counts: std::collections::HashMap<DmId, i64> = std::collections::HashMap::new();
        for (dm, n) in dms {
            *dm_counts.entry(DmId(dm)).or_default() += n;
        }
        Ok(Unread {
            channels: channels
                .into_iter()
                .map(|(c, n)| (ChannelId(c), n))
                .filter(|(c, _)| access.channels.contains(c))
                .collect(),
            dms: dm_counts.into_iter().filter(|(d, _)| access.dms.contains(d)).collect(),
        })
    }

    async fn head(&self) -> Result<Seq> {
        let (seq,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *self.conn().await?).await?;
        Ok(Seq(seq))
    }

    async fn idempotency_record(&self, actor: MemberId, key: &str) -> Result<Option<crate::KeyRecord>> {
        let found: Option<(String, String)> =
            sqlx::query_as("SELECT fingerprint, response FROM idempotency WHERE actor = ? AND key = ?")
                .bind(actor.0)
                .bind(key)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        match found {
            Some((fingerprint, answer)) => {
                Ok(Some(crate::KeyRecord { fingerprint, answer: serde_json::from_str(&answer)? }))
            }
            None => Ok(None),
        }
    }

    async fn decided_advice(&self) -> Result<Vec<String>> {
        let keys: Vec<(String,)> =
            sqlx::query_as("SELECT key FROM advisor_outcomes").fetch_all(&mut *self.conn().await?).await?;
        Ok(keys.into_iter().map(|(key,)| key).collect())
    }

    async fn huddle(&self, viewer: &Viewer, id: baton_core::HuddleId) -> Result<baton_core::model::Huddle> {
        read::huddle(&mut *self.conn().await?, viewer, id).await
    }

    async fn huddles(&self, viewer: &Viewer, open_only: bool, limit: u32) -> Result<Vec<baton_core::model::Huddle>> {
        read::huddles(&mut *self.conn().await?, viewer, open_only, limit).await
    }

    async fn events(&self, viewer: &Viewer, since: Seq, limit: u32) -> Result<Vec<Arc<CommittedEvent>>> {
        read::events(&mut *self.conn().await?, viewer, since, limit).await
    }

    async fn log(&self, since: Seq, limit: u32) -> Result<Vec<Arc<CommittedEvent>>> {
        Ok(read::committed_after_limited(&mut *self.conn().await?, since.0, limit)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect())
    }

    async fn access(&self, viewer: &Viewer) -> Result<Access> {
        read::access(&mut *self.conn().await?, viewer).await
    }

    async fn search(&self, viewer: &Viewer, query: &str, limit: u32) -> Result<Vec<Message>> {
        read::search(&mut *self.conn().await?, viewer, query, limit).await
    }
}

/// Checks that the connection is alive (for `/healthz`).
pub async fn ping(store: &SqliteStore) -> Result<()> {
    let mut conn = store.conn().await?;
    conn.ping().await?;
    Ok(())
}
