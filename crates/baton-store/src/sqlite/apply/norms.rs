//! Norms: how soon a reply is expected (a channel's own, else the workspace's default), and
//! the follow-up that notifies someone when a message goes unanswered past it.

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::event::{self as ev, Change};
use baton_core::{ChannelId, MemberId, MessageId};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::{active_member, notify, Ctx};
use crate::domain::channels::may_manage;
use crate::error::{Error, Result};
use crate::sqlite::read;
use crate::view::{Scope, Viewer};

/// Longest norm: two working weeks.
const MAX_MINUTES: i64 = 80 * 60;

pub(super) async fn set(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    channel: Option<ChannelId>,
    minutes: Option<i64>,
) -> Result<Value> {
    if let Some(minutes) = minutes.filter(|m| !(1..=MAX_MINUTES).contains(m)) {
        return Err(Error::invalid(
            "reply_within_hours",
            format!("{minutes} minutes is not between 1 minute and 80 hours"),
        ));
    }
    match channel {
        Some(id) => {
            let row = read::channel_row(ctx.conn, viewer, id).await?;
            may_manage(viewer, &row.into_channel())?;
            sqlx::query("UPDATE channels SET reply_within_minutes = ? WHERE id = ?")
                .bind(minutes)
                .bind(id.0)
                .execute(&mut *ctx.conn)
                .await?;
            let changed = ev::NormChanged { channel_id: Some(id), reply_within_minutes: minutes };
            let answer = serde_json::to_value(&changed)?;
            ctx.emit(Change::NormChanged(changed), Scope::Channel(id)).await?;
            Ok(answer)
        }
        None => {
            if !viewer.role.is_admin() {
                return Err(Error::forbidden("only owners and admins set the workspace's norm"));
            }
            let minutes = minutes.ok_or_else(|| Error::invalid("reply_within_hours", "the workspace needs a norm"))?;
            sqlx::query("UPDATE workspace SET reply_within_minutes = ?").bind(minutes).execute(&mut *ctx.conn).await?;
            let changed = ev::NormChanged { channel_id: None, reply_within_minutes: Some(minutes) };
            let answer = serde_json::to_value(&changed)?;
            ctx.emit(Change::NormChanged(changed), Scope::Everyone).await?;
            Ok(answer)
        }
    }
}

/// The norm that applies to a message's conversation, in working minutes.
async fn norm_of(ctx: &mut Ctx<'_, '_>, thread: Option<i64>) -> Result<i64> {
    let own: Option<(Option<i64>,)> =
        match thread {
            Some(thread) => sqlx::query_as(
                "SELECT c.reply_within_minutes FROM threads t JOIN channels c ON c.id = t.channel_id WHERE t.id = ?",
            )
            .bind(thread)
            .fetch_optional(&mut *ctx.conn)
            .await?,
            None => None,
        };
    if let Some((Some(minutes),)) = own {
        return Ok(minutes);
    }
    let (default,): (i64,) =
        sqlx::query_as("SELECT reply_within_minutes FROM workspace").fetch_one(&mut *ctx.conn).await?;
    Ok(default)
}

/// The instant when `working` of working time has passed after `from` in `calendar`.
fn after_working(calendar: &Calendar, from: Timestamp, working: SignedDuration) -> Option<Timestamp> {
    let mut left = working;
    let horizon = from.checked_add(SignedDuration::from_hours(24 * 7 * 12)).ok()?;
    for (start, end) in calendar.working_intervals(from, horizon) {
        let length = end.duration_since(start);
        if length >= left {
            return start.checked_add(left).ok();
        }
        left -= length;
    }
    None
}

pub(super) async fn follow_up(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    message: MessageId,
    notify: MemberId,
    within: Option<i64>,
) -> Result<Value> {
    let row = read::message_row(ctx.conn, viewer, message).await?;
    active_member(ctx, notify).await?;
    let minutes = match within {
        Some(minutes) if (1..=MAX_MINUTES).contains(&minutes) => minutes,
        Some(minutes) => {
            return Err(Error::invalid(
                "within_hours",
                format!("{minutes} minutes is not between 1 minute and 80 hours"),
            ))
        }
        None => norm_of(ctx, row.thread_id).await?,
    };
    let workspace = read::workspace(ctx.conn).await?.ok_or_else(|| Error::conflict("no workspace yet"))?;
    let zone = parse_time_zone(&workspace.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let calendar = Calendar::new(zone, WorkingHours::default());
    let sent = read::ts(row.created_at_micros());
    let due = after_working(&calendar, sent, SignedDuration::from_mins(minutes))
        .ok_or_else(|| Error::invalid("within_hours", "no working time in the next twelve weeks"))?
        .max(ctx.at);
    let payload = json!({ "message_id": message, "notify": notify, "within_minutes": minutes });
    let id = super::jobs::insert_job(ctx, "no_reply", viewer.member, due, &payload).await?;
    let scheduled =
        ev::JobScheduled::FollowUp { job_id: id, message_id: message, notify, within_minutes: minutes, due_at: due };
    let answer = serde_json::to_value(&scheduled)?;
    ctx.emit_also_for(Change::JobScheduled(scheduled), Scope::Private, Some(viewer.member)).await?;
    Ok(answer)
}

/// Fires a follow-up: an answer by someone other than the author since the message cancels
/// it; otherwise its member is notified (held to their working hours like any notification).
pub(super) async fn fire_follow_up(ctx: &mut Ctx<'_, '_>, payload: &Value) -> Result<Value> {
    let message = payload["message_id"].as_i64().unwrap_or_default();
    let row: Option<(Option<i64>, Option<i64>, i64, i64)> =
        sqlx::query_as("SELECT thread_id, dm_id, author_id, created_at FROM messages WHERE id = ?")
            .bind(message)
            .fetch_optional(&mut *ctx.conn)
            .await?;
    let Some((thread, dm, author, created_at)) = row else {
        return Ok(json!({ "error": "the message is gone" }));
    };
    let (answers,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM messages WHERE (thread_id = ?1 OR dm_id = ?2) AND author_id != ?3 \
         AND (created_at > ?4 OR (created_at = ?4 AND id > ?5))",
    )
    .bind(thread)
    .bind(dm)
    .bind(author)
    .bind(created_at)
    .bind(message)
    .fetch_one(&mut *ctx.conn)
    .await?;
    if answers > 0 {
        return Ok(json!({ "answered": true }));
    }
    let member = MemberId(payload["notify"].as_i64().unwrap_or_default());
    let about = json!({ "message_id": message, "thread_id": thread, "dm_id": dm, "author_id": author,
                        "within_minutes": payload["within_minutes"] });
    notify::notify(ctx, member, "no_reply", about, false).await?;
    Ok(json!({ "answered": false, "notified": member }))
}
