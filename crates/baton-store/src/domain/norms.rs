//! Norms: how soon a reply is expected (a channel's own, else the workspace's default), the
//! follow-up that notifies someone when a message goes unanswered past it, and meeting slots
//! and whom they put outside their working hours.

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::event::{self as ev, Change};
use baton_core::{ChannelId, MemberId, MessageId};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::{active_member, channels, messages, no_guest, Tx};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// Longest norm: two working weeks.
const MAX_MINUTES: i64 = 80 * 60;

/// The longest slot one books.
const MAX_SLOT: SignedDuration = SignedDuration::from_hours(8);

/// Sets a channel's norm (its creator or an admin; `None` follows the workspace's again) or,
/// without a channel, the workspace's (owners and admins).
pub(crate) async fn set(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    channel: Option<ChannelId>,
    minutes: Option<i64>,
) -> Result<ev::NormChanged> {
    if let Some(minutes) = minutes.filter(|m| !(1..=MAX_MINUTES).contains(m)) {
        return Err(Error::invalid(
            "reply_within_hours",
            format!("{minutes} minutes is not between 1 minute and 80 hours"),
        ));
    }
    let (changed, scope) = match channel {
        Some(id) => {
            let found = channels::readable(tx, viewer, id).await?;
            channels::may_manage(viewer, &found)?;
            (ev::NormChanged { channel_id: Some(id), reply_within_minutes: minutes }, Scope::Channel(id))
        }
        None => {
            if !viewer.role.is_admin() {
                return Err(Error::forbidden("only owners and admins set the workspace's norm"));
            }
            let minutes = minutes.ok_or_else(|| Error::invalid("reply_within_hours", "the workspace needs a norm"))?;
            (ev::NormChanged { channel_id: None, reply_within_minutes: Some(minutes) }, Scope::Everyone)
        }
    };
    tx.record(Change::NormChanged(changed.clone()), scope, None).await?;
    Ok(changed)
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

/// Asks to have `notify` told when a message the viewer may read gets no answer within
/// `within` working minutes (default: the norm of its conversation) of the workspace's
/// calendar. Announced to the viewer alone.
pub(crate) async fn follow_up(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    message: MessageId,
    notify: MemberId,
    within: Option<i64>,
) -> Result<ev::JobScheduled> {
    let (found, _) = messages::readable(tx, viewer, message).await?;
    may_be_told(tx, notify, message).await?;
    let minutes = match within {
        Some(minutes) if (1..=MAX_MINUTES).contains(&minutes) => minutes,
        Some(minutes) => {
            return Err(Error::invalid(
                "within_hours",
                format!("{minutes} minutes is not between 1 minute and 80 hours"),
            ))
        }
        None => {
            let channel = match found.thread_id {
                Some(thread) => tx.thread(thread).await?.and_then(|t| t.channel_id),
                None => None,
            };
            tx.reply_norm(channel).await?
        }
    };
    let workspace = tx.workspace().await?.ok_or_else(|| Error::conflict("no workspace yet"))?;
    let zone = parse_time_zone(&workspace.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let calendar = Calendar::new(zone, WorkingHours::default());
    let due = after_working(&calendar, found.created_at, SignedDuration::from_mins(minutes))
        .ok_or_else(|| Error::invalid("within_hours", "no working time in the next twelve weeks"))?
        .max(tx.at());
    let payload = json!({ "message_id": message, "notify": notify, "within_minutes": minutes });
    let id = tx.schedule("no_reply", viewer.member, due, &payload).await?;
    let scheduled =
        ev::JobScheduled::FollowUp { job_id: id, message_id: message, notify, within_minutes: minutes, due_at: due };
    tx.record(Change::JobScheduled(scheduled.clone()), Scope::Private, Some(viewer.member)).await?;
    Ok(scheduled)
}

/// Whom a follow-up may tell about a message: an active member who may read where it is. Nobody
/// outside a private channel or a direct conversation learns through a follow-up that it, or
/// the message, exists.
pub(crate) async fn may_be_told(tx: &mut dyn Tx, member: MemberId, message: MessageId) -> Result<()> {
    let found = active_member(tx, member).await?;
    let reader = Viewer { member, role: found.role };
    if messages::readable(tx, &reader, message).await.is_err() {
        return Err(Error::invalid("notify_member_id", format!("member {member} cannot read this message")));
    }
    Ok(())
}

/// Books a slot for `members`, at most eight hours, and records whom it puts (partly) outside
/// their working hours: the burden the overlap finder spreads.
pub(crate) async fn book_slot(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    members: &[MemberId],
    start: Timestamp,
    end: Timestamp,
) -> Result<ev::SlotBooked> {
    no_guest(viewer, "book slots")?;
    if end <= start || end.duration_since(start) > MAX_SLOT {
        return Err(Error::invalid("end", "must be after start, at most 8 hours later"));
    }
    let mut outside = Vec::new();
    for member in members {
        let found = active_member(tx, *member).await?;
        let zone = parse_time_zone(&found.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let calendar = Calendar::new(zone, found.working_hours);
        if calendar.working_time(start, end) < end.duration_since(start) {
            outside.push(*member);
        }
    }
    let booked = ev::SlotBooked { start, end, members: members.to_vec(), outside_working_hours: outside };
    tx.record(Change::SlotBooked(booked.clone()), Scope::Internal, None).await?;
    Ok(booked)
}

/// Fires a follow-up: an answer by someone other than the author since the message cancels
/// it; otherwise its member is notified (held to their working hours like any notification),
/// if they may still read the message.
pub(crate) async fn fire_follow_up(tx: &mut dyn Tx, payload: &Value) -> Result<Value> {
    let id = MessageId(payload["message_id"].as_i64().unwrap_or_default());
    let Some(message) = tx.message(id).await? else { return Ok(json!({ "error": "the message is gone" })) };
    if tx.answered(&message).await? {
        return Ok(json!({ "answered": true }));
    }
    let member = MemberId(payload["notify"].as_i64().unwrap_or_default());
    if may_be_told(tx, member, id).await.is_err() {
        return Ok(json!({ "skipped": "the member can no longer read the message" }));
    }
    let about = json!({ "message_id": id, "thread_id": message.thread_id, "dm_id": message.dm_id,
                        "author_id": message.author_id, "within_minutes": payload["within_minutes"] });
    super::notifications::notify(tx, member, "no_reply", about, false).await?;
    Ok(json!({ "answered": false, "notified": member }))
}
