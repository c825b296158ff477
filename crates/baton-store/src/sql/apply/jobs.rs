//! Timed work as this backend keeps it: a job's row. When jobs are scheduled, and what firing
//! one does, are the domain's rules (`domain/jobs.rs`).

use baton_core::MemberId;
use jiff::Timestamp;
use serde_json::Value;

use super::Ctx;
use crate::error::Result;
use crate::sql::db;
use crate::sql::read::micros;

/// Queues a job of `member`'s, due at `at`; every kind of timed work is written through here, in
/// the transaction of the command that asks for it. Returns the job's id.
pub(super) async fn insert_job(
    ctx: &mut Ctx<'_, '_>,
    kind: &str,
    member: MemberId,
    at: Timestamp,
    payload: &Value,
) -> Result<i64> {
    let (id,): (i64,) = db::query_as(
        "INSERT INTO jobs (kind, member_id, due_at, payload, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(kind)
    .bind(member.0)
    .bind(micros(at))
    .bind(serde_json::to_string(payload)?)
    .bind(micros(ctx.at))
    .fetch_one(&mut *ctx.conn)
    .await?;
    Ok(id)
}
