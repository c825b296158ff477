//! Notifications as this backend keeps them: written and marked delivered. Who hears about
//! what, when, and what reading them marks, is the domain's rule (`domain/notifications.rs`).

use baton_core::model::Notification;
use baton_core::MemberId;
use jiff::Timestamp;
use serde_json::Value;

use super::Ctx;
use crate::error::Result;
use crate::sql::read::{self, micros};

/// Keeps a notification for `member`, to be delivered at `deliver_at`; answers its id.
pub(super) async fn insert(
    ctx: &mut Ctx<'_, '_>,
    member: MemberId,
    why: &str,
    about: &Value,
    urgent: bool,
    deliver_at: Timestamp,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO notifications (member_id, kind, payload, urgent, created_at, deliver_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(member.0)
    .bind(why)
    .bind(serde_json::to_string(about)?)
    .bind(urgent)
    .bind(micros(ctx.at))
    .bind(micros(deliver_at))
    .fetch_one(&mut *ctx.conn)
    .await?;
    Ok(id)
}

/// Marks a notification delivered now; `None` when it already was.
pub(super) async fn mark_delivered(ctx: &mut Ctx<'_, '_>, id: i64) -> Result<Option<Notification>> {
    let updated = sqlx::query("UPDATE notifications SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL")
        .bind(micros(ctx.at))
        .bind(id)
        .execute(&mut *ctx.conn)
        .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(read::notification(ctx.conn, id).await?))
}
