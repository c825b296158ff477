//! Rebuilding the projections from the log (`baton admin rebuild`): every table the projector
//! writes is emptied and written again, event by event, in one transaction. What the log does
//! not hold yet (members and their sign-ins, check-ins, jobs, notifications, read marks, the
//! answers kept for retries) is kept as it is.

use super::db::{self, Conn};
use baton_core::event::Change;
use baton_core::MemberId;

use super::project::project;
use super::read::ts;
use super::{open, Database, Dialect};
use crate::error::{Error, Result};

/// The tables the projector writes, each after those that refer to it: the order they are
/// emptied in.
pub const PROJECTED: &[&str] = &[
    "thread_seen",
    "channel_seen",
    "dm_seen",
    "advisor_outcomes",
    "slot_burdens",
    "huddle_items",
    "huddle_participants",
    "huddle_invites",
    "huddles",
    "reactions",
    "message_versions",
    "thread_followers",
    "messages",
    "tasks",
    "threads",
    "dm_members",
    "dms",
    "projects",
    "channel_members",
    "channels",
];

/// Events read from the log at a time.
const PAGE: i64 = 5_000;

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// Events replayed.
    pub events: u64,
    /// Tables written again.
    pub tables: usize,
}

/// Rebuilds `database`'s projections from its log. Writers of other processes wait until it
/// is done (it holds the write lock); a rebuild that fails (an event the projector cannot write,
/// a row kept that refers to one no event makes) changes nothing.
pub async fn rebuild(database: &Database) -> Result<Rebuilt> {
    // Migrated first: the log of an older data directory is read in today's shape.
    open::connect(database).await?.close().await;
    let mut conn = open::writer(database).await?;
    let dialect = conn.dialect();
    match dialect {
        // Rows kept (check-ins, their answers) refer to projected ones: checked at the commit,
        // once everything is back.
        Dialect::Sqlite => {
            conn.batch("BEGIN IMMEDIATE").await?;
            conn.batch("PRAGMA defer_foreign_keys = ON").await?;
        }
        Dialect::Postgres => {
            conn.batch("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
            db::query("SELECT pg_advisory_xact_lock($1)").bind(super::writer::WRITE_LOCK).execute(&mut conn).await?;
            conn.batch("SET CONSTRAINTS ALL DEFERRED").await?;
        }
    }
    match replay(&mut conn).await {
        Ok(rebuilt) => {
            conn.batch("COMMIT").await.map_err(|err| {
                Error::invalid(
                    "rebuild",
                    format!(
                        "nothing was changed: the tables written from the log disagree with the rows kept beside \
                     them (members, check-ins, jobs), which refer to something no event makes: {err}"
                    ),
                )
            })?;
            Ok(rebuilt)
        }
        Err(err) => {
            let _ = conn.batch("ROLLBACK").await;
            Err(err)
        }
    }
}

async fn replay(conn: &mut Conn) -> Result<Rebuilt> {
    // Read marks are kept, but replaying a moved message would carry marks set after the move
    // into its new thread: the marks as they are now are put back afterwards.
    conn.batch(
        "CREATE TEMPORARY TABLE kept_read_marks AS SELECT member_id, thread_id, message_id FROM thread_read_marks",
    )
    .await?;
    for table in PROJECTED {
        conn.batch(format!("DELETE FROM {table}").as_str()).await?;
    }
    // The workspace's own reply norm, back to its default until a norm event sets it.
    conn.batch("UPDATE workspace SET reply_within_minutes = 240").await?;
    let mut events = 0;
    let mut after = 0;
    loop {
        let page: Vec<(i64, i64, Option<i64>, String, String)> =
            db::query_as("SELECT seq, at, actor, kind, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(PAGE)
                .fetch_all(&mut *conn)
                .await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (seq, at, actor, kind, payload) in &page {
            let change = Change::from_parts(kind, payload);
            project(conn, ts(*at), actor.map(MemberId), &change)
                .await
                .map_err(|err| Error::invalid("rebuild", format!("event {seq} ({kind}) cannot be written: {err}")))?;
            events += 1;
        }
    }
    conn.batch("DELETE FROM thread_read_marks").await?;
    conn.batch("INSERT INTO thread_read_marks (member_id, thread_id, message_id) SELECT member_id, thread_id, message_id FROM kept_read_marks").await?;
    conn.batch("DROP TABLE kept_read_marks").await?;
    // The unread counts were kept against today's marks while older messages were replayed
    // below them: counted again against the marks and messages as they now are.
    super::unread::recount(conn).await?;
    Ok(Rebuilt { events, tables: PROJECTED.len() })
}
