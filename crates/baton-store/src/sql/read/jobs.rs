//! A member's jobs (scheduled messages, reminders), and what the scheduler finds due.

use crate::sql::db::{self, from_row, Conn};
use baton_core::model::Job;
use baton_core::MemberId;
use jiff::Timestamp;

use super::{micros, ts};
use crate::error::Result;
use crate::view::Viewer;

struct JobRow {
    id: i64,
    kind: String,
    member_id: i64,
    due_at: i64,
    payload: String,
    created_at: i64,
    fired_at: Option<i64>,
    cancelled_at: Option<i64>,
    outcome: Option<String>,
}

from_row!(JobRow { id, kind, member_id, due_at, payload, created_at, fired_at, cancelled_at, outcome });

const JOB_COLUMNS: &str = "id, kind, member_id, due_at, payload, created_at, fired_at, cancelled_at, outcome";

impl JobRow {
    fn into_job(self) -> Job {
        Job {
            id: self.id,
            kind: self.kind,
            member_id: MemberId(self.member_id),
            due_at: ts(self.due_at),
            payload: serde_json::from_str(&self.payload).unwrap_or_default(),
            created_at: ts(self.created_at),
            fired_at: self.fired_at.map(ts),
            cancelled_at: self.cancelled_at.map(ts),
            outcome: self.outcome.and_then(|o| serde_json::from_str(&o).ok()),
        }
    }
}

/// One of the viewer's own jobs; anyone else's does not exist for them.
/// A job, whoever's it is: for the domain, which decides.
pub(crate) async fn any_job(conn: &mut Conn, id: i64) -> Result<Option<Job>> {
    let row = db::query_as::<JobRow>(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(JobRow::into_job))
}

/// The viewer's jobs, the next due first; `pending_only` leaves out fired and cancelled ones.
pub(crate) async fn jobs(conn: &mut Conn, viewer: &Viewer, pending_only: bool) -> Result<Vec<Job>> {
    let rows = db::query_as::<JobRow>(&format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE member_id = $1 AND kind IN ('send_message', 'remind') \
         AND ($2 = 0 OR (fired_at IS NULL AND cancelled_at IS NULL)) ORDER BY due_at, id LIMIT 1000"
    ))
    .bind(viewer.member.0)
    .bind(i64::from(pending_only))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(JobRow::into_job).collect())
}

/// Ids of pending jobs due at `now`, the earliest first.
pub(crate) async fn due_jobs(conn: &mut Conn, now: Timestamp, limit: u32) -> Result<Vec<i64>> {
    let ids: Vec<(i64,)> = db::query_as(
        "SELECT id FROM jobs WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2",
    )
    .bind(micros(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// When the next pending job is due.
pub(crate) async fn next_due(conn: &mut Conn) -> Result<Option<Timestamp>> {
    let (next,): (Option<i64>,) =
        db::query_as("SELECT MIN(due_at) FROM jobs WHERE fired_at IS NULL AND cancelled_at IS NULL")
            .fetch_one(&mut *conn)
            .await?;
    Ok(next.map(ts))
}
