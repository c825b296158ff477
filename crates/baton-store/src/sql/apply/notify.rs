//! Notifications as this backend keeps them: written, marked delivered, marked read. Who hears
//! about what, and when, is the domain's rule (`domain/notifications.rs`).

use baton_core::event::{self as ev, Change};
use baton_core::model::Notification;
use baton_core::MemberId;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::Ctx;
use crate::error::Result;
use crate::sql::read::{self, micros};
use crate::view::{Scope, Viewer};

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

/// Marks the viewer's delivered notifications read (these ids, or all); answers how many.
pub(super) async fn read(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, ids: &Option<Vec<i64>>) -> Result<Value> {
    let mut marked: Vec<i64> = Vec::new();
    let candidates: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM notifications WHERE member_id = $1 AND delivered_at IS NOT NULL AND read_at IS NULL ORDER BY id",
    )
    .bind(viewer.member.0)
    .fetch_all(&mut *ctx.conn)
    .await?;
    for (id,) in candidates {
        if ids.as_ref().is_none_or(|wanted| wanted.contains(&id)) {
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2")
                .bind(micros(ctx.at))
                .bind(id)
                .execute(&mut *ctx.conn)
                .await?;
            marked.push(id);
        }
    }
    if !marked.is_empty() {
        let read = ev::NotificationsRead { ids: marked.clone() };
        ctx.emit_also_for(Change::NotificationRead(read), Scope::Private, Some(viewer.member)).await?;
    }
    Ok(json!({ "read": marked.len() }))
}
