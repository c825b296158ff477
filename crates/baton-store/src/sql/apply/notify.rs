//! Notifications: who hears about a message or an assignment, and when. Inside the
//! recipient's working hours (or when urgent) a notification is delivered at once; otherwise a
//! job holds it until their next working period starts, in their own zone (DST included).

use baton_core::calendar::{parse_time_zone, Calendar};
use baton_core::event::{self as ev, Change};
use baton_core::MemberId;
use serde_json::{json, Value};

use super::Ctx;
use crate::error::Result;
use crate::sql::read::{self, micros};
use crate::view::{Scope, Viewer};

/// Makes a notification for `member`: delivered now inside their working hours or when
/// `urgent`, else held by a `deliver_notification` job until their next working instant.
pub(super) async fn notify(
    ctx: &mut Ctx<'_, '_>,
    member: MemberId,
    why: &str,
    payload: Value,
    urgent: bool,
) -> Result<()> {
    let row = read::member_row(ctx.conn, member).await?;
    notify_member(ctx, row, why, payload, urgent).await
}

/// [`notify`] for a member whose row was already read (a message's recipients).
pub(super) async fn notify_member(
    ctx: &mut Ctx<'_, '_>,
    row: read::MemberRow,
    why: &str,
    payload: Value,
    urgent: bool,
) -> Result<()> {
    let member = MemberId(row.id);
    let shown = row.into_member(None);
    let calendar = parse_time_zone(&shown.time_zone).ok().map(|zone| Calendar::new(zone, shown.working_hours.clone()));
    let deliver_at = match &calendar {
        Some(calendar) if !urgent && !calendar.is_working(ctx.at) => {
            calendar.next_working_instant(ctx.at).unwrap_or(ctx.at)
        }
        _ => ctx.at,
    };
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO notifications (member_id, kind, payload, urgent, created_at, deliver_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(member.0)
    .bind(why)
    .bind(serde_json::to_string(&payload)?)
    .bind(urgent)
    .bind(micros(ctx.at))
    .bind(micros(deliver_at))
    .fetch_one(&mut *ctx.conn)
    .await?;
    if deliver_at <= ctx.at {
        deliver(ctx, id).await
    } else {
        super::jobs::insert_job(ctx, "deliver_notification", member, deliver_at, &json!({ "notification_id": id }))
            .await?;
        Ok(())
    }
}

/// Delivers a notification: marks it and sends it on its member's stream.
pub(super) async fn deliver(ctx: &mut Ctx<'_, '_>, id: i64) -> Result<()> {
    let updated = sqlx::query("UPDATE notifications SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL")
        .bind(micros(ctx.at))
        .bind(id)
        .execute(&mut *ctx.conn)
        .await?;
    if updated.rows_affected() == 0 {
        return Ok(());
    }
    let notification = read::notification(ctx.conn, id).await?;
    let member = notification.member_id;
    let delivered = ev::NotificationDelivered { notification };
    ctx.emit_also_for(Change::NotificationDelivered(delivered), Scope::Private, Some(member)).await
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
