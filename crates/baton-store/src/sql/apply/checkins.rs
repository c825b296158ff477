//! Check-ins: a question set asked of each member at a local time on the days of its cadence
//! (each of their working days, or chosen weekdays, every week or every few weeks; a job per
//! member, rescheduled when it fires, so each day is asked once), answers in the check-in's
//! thread, and a digest of answers, missing members and blockers at a set time.

use baton_core::calendar::{parse_time_zone, WorkingHours};
use baton_core::event::{self as ev, Change};
use baton_core::model::Cadence;
use baton_core::text::MessageText;
use baton_core::{ChannelId, MemberId, ThreadId};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::jobs::insert_job;
use super::{active_member, insert_thread, no_guest, post_message, Ctx};
use crate::command::MessageTarget;
use crate::error::{Error, Result};
use crate::sql::read::{self, micros};
use crate::sql::Dialect;
use crate::view::{Scope, Viewer};

pub(super) struct NewCheckIn<'a> {
    pub(super) channel: ChannelId,
    pub(super) title: &'a str,
    pub(super) questions: &'a [String],
    pub(super) ask_at: Time,
    pub(super) digest_at: Time,
    pub(super) members: &'a [MemberId],
    pub(super) cadence: &'a Cadence,
}

/// When and how often a check-in asks, as its jobs read it.
struct Schedule {
    cadence: Cadence,
    /// The day it was created (in its digest zone): its weeks count from that one's.
    anchor: Date,
}

impl Schedule {
    async fn of(ctx: &mut Ctx<'_, '_>, checkin: i64) -> Result<Schedule> {
        let (cadence, created_at, zone): (String, i64, String) =
            sqlx::query_as("SELECT cadence, created_at, digest_zone FROM checkins WHERE id = $1")
                .bind(checkin)
                .fetch_one(&mut *ctx.conn)
                .await?;
        let zone = parse_time_zone(&zone).unwrap_or(TimeZone::UTC);
        Ok(Schedule {
            cadence: serde_json::from_str(&cadence).unwrap_or_default(),
            anchor: read::ts(created_at).to_zoned(zone).date(),
        })
    }
}

/// The first instant after `after` at `time` on a local date of `zone` that passes `day_ok`,
/// within three weeks, with the date.
fn next_local(
    zone: &TimeZone,
    time: Time,
    after: Timestamp,
    day_ok: impl Fn(Date) -> bool,
) -> Option<(Timestamp, Date)> {
    let mut date = after.to_zoned(zone.clone()).date().yesterday().ok()?;
    // Five weeks: the longest cadence (every 4 weeks) always has a day in them.
    for _ in 0..36 {
        if day_ok(date) {
            // "compatible" reading, like working hours: a time in a gap moves forward.
            if let Ok(at) = zone.to_timestamp(date.to_datetime(time)) {
                if at > after {
                    return Some((at, date));
                }
            }
        }
        date = date.tomorrow().ok()?;
    }
    None
}

async fn member_schedule(ctx: &mut Ctx<'_, '_>, member: MemberId) -> Result<(TimeZone, WorkingHours)> {
    let shown = read::member_row(ctx.conn, member).await?.into_member(None);
    Ok((parse_time_zone(&shown.time_zone).unwrap_or(TimeZone::UTC), shown.working_hours))
}

/// Schedules a member's next ask after `after`: the next day of the cadence that is a working
/// day of theirs, at `ask_at` local.
async fn schedule_ask(
    ctx: &mut Ctx<'_, '_>,
    checkin: i64,
    member: MemberId,
    ask_at: Time,
    after: Timestamp,
) -> Result<()> {
    let (zone, hours) = member_schedule(ctx, member).await?;
    let schedule = Schedule::of(ctx, checkin).await?;
    let asks = |d: Date| schedule.cadence.asks_on(d, schedule.anchor, !hours.on(d.weekday()).is_empty());
    let Some((at, day)) = next_local(&zone, ask_at, after, asks) else {
        return Ok(());
    };
    insert_job(ctx, "checkin_ask", member, at, &json!({ "checkin_id": checkin, "member_id": member, "day": day }))
        .await?;
    Ok(())
}

/// Schedules the next digest after `after`: at `digest_at` in `zone`, on the cadence's days
/// (Monday to Friday for a daily one) of its weeks.
async fn schedule_digest(
    ctx: &mut Ctx<'_, '_>,
    checkin: i64,
    owner: MemberId,
    zone: &TimeZone,
    digest_at: Time,
    after: Timestamp,
) -> Result<()> {
    let schedule = Schedule::of(ctx, checkin).await?;
    let day_ok = |d: Date| {
        let weekday_ok = if schedule.cadence.days.is_empty() {
            d.weekday().to_monday_one_offset() <= 5
        } else {
            schedule.cadence.days.iter().any(|day| day.weekday() == d.weekday())
        };
        weekday_ok && schedule.cadence.in_week_of(d, schedule.anchor)
    };
    let Some((at, day)) = next_local(zone, digest_at, after, day_ok) else { return Ok(()) };
    insert_job(ctx, "checkin_digest", owner, at, &json!({ "checkin_id": checkin, "day": day })).await?;
    Ok(())
}

pub(super) async fn create(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, new: NewCheckIn<'_>) -> Result<Value> {
    no_guest(viewer, "create check-ins")?;
    let channel = read::channel_row(ctx.conn, viewer, new.channel).await?;
    if channel.archived {
        return Err(Error::conflict(format!("channel {} is archived", new.channel)));
    }
    let mut members: Vec<MemberId> = new.members.to_vec();
    members.sort();
    members.dedup();
    for member in &members {
        active_member(ctx, *member).await?;
    }
    let thread =
        insert_thread(ctx, viewer, Some(new.channel.into()), &format!("Check-in: {}", new.title), &[], false).await?;
    let (zone, _) = member_schedule(ctx, viewer.member).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO checkins (channel_id, thread_id, title, questions, ask_at, digest_at, digest_zone, cadence, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.channel.0)
    .bind(thread.id)
    .bind(new.title)
    .bind(serde_json::to_string(new.questions)?)
    .bind(new.ask_at.strftime("%H:%M").to_string())
    .bind(new.digest_at.strftime("%H:%M").to_string())
    .bind(zone.iana_name().unwrap_or("UTC"))
    .bind(serde_json::to_string(new.cadence)?)
    .bind(viewer.member.0)
    .bind(micros(ctx.at))
    .fetch_one(&mut *ctx.conn)
    .await?;
    for member in &members {
        sqlx::query("INSERT INTO checkin_members (checkin_id, member_id) VALUES ($1, $2)")
            .bind(id)
            .bind(member.0)
            .execute(&mut *ctx.conn)
            .await?;
        schedule_ask(ctx, id, *member, new.ask_at, ctx.at).await?;
    }
    schedule_digest(ctx, id, viewer.member, &zone, new.digest_at, ctx.at).await?;
    let checkin = read::checkin(ctx.conn, viewer, id).await?;
    let created = ev::CheckInCreated { checkin_id: id, checkin: checkin.clone() };
    ctx.emit(Change::CheckInCreated(created), Scope::Channel(new.channel)).await?;
    Ok(serde_json::to_value(checkin)?)
}

fn clock(text: &str) -> Time {
    text.parse::<Time>().unwrap_or(Time::midnight())
}

/// Asks a member: records the ask for their local day (once), notifies them with the
/// questions and their activity since their last answer, and schedules the next day's ask.
pub(super) async fn fire_ask(ctx: &mut Ctx<'_, '_>, payload: &Value, due: Timestamp) -> Result<Value> {
    let checkin = payload["checkin_id"].as_i64().unwrap_or_default();
    let member = MemberId(payload["member_id"].as_i64().unwrap_or_default());
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT c.questions, c.ask_at, c.thread_id FROM checkins c JOIN checkin_members m ON m.checkin_id = c.id \
         WHERE c.id = $1 AND m.member_id = $2",
    )
    .bind(checkin)
    .bind(member.0)
    .fetch_optional(&mut *ctx.conn)
    .await?;
    let Some((questions, ask_at, thread)) = row else { return Ok(json!({ "skipped": "no longer in the check-in" })) };
    let day = payload["day"].as_str().unwrap_or_default().to_string();
    let inserted =
        sqlx::query("INSERT INTO checkin_asks (checkin_id, member_id, day, asked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(checkin)
            .bind(member.0)
            .bind(&day)
            .bind(micros(due))
            .execute(&mut *ctx.conn)
            .await?;
    if inserted.rows_affected() == 1 {
        let (since,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(asked_at) FROM checkin_asks WHERE checkin_id = $1 AND member_id = $2 AND answer_message_id IS NOT NULL",
        )
        .bind(checkin)
        .bind(member.0)
        .fetch_one(&mut *ctx.conn)
        .await?;
        let since = since.unwrap_or(0);
        let threads: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT t.id, t.title FROM messages m JOIN threads t ON t.id = m.thread_id \
             WHERE m.author_id = $1 AND m.created_at > $2 AND t.id != $3 ORDER BY t.id LIMIT 20",
        )
        .bind(member.0)
        .bind(since)
        .bind(thread)
        .fetch_all(&mut *ctx.conn)
        .await?;
        let task_id = Dialect::of(ctx.conn).json_int("payload", &["task_id"]);
        let tasks: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT DISTINCT {task_id} FROM events WHERE actor = $1 AND at > $2 \
             AND kind IN ('task.status_changed', 'task.assigned', 'task.due_changed', 'task.updated') LIMIT 20",
        ))
        .bind(member.0)
        .bind(since)
        .fetch_all(&mut *ctx.conn)
        .await?;
        let questions: Value = serde_json::from_str(&questions)?;
        // What the advisor put on this member's check-in: asked about once, now.
        let agenda: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT a.id, a.task_id, t.title FROM checkin_agenda a JOIN tasks t ON t.id = a.task_id \
             WHERE a.checkin_id = $1 AND a.member_id = $2 AND a.asked_at IS NULL ORDER BY a.id",
        )
        .bind(checkin)
        .bind(member.0)
        .fetch_all(&mut *ctx.conn)
        .await?;
        for (id, _, _) in &agenda {
            sqlx::query("UPDATE checkin_agenda SET asked_at = $1 WHERE id = $2")
                .bind(micros(due))
                .bind(id)
                .execute(&mut *ctx.conn)
                .await?;
        }
        let prompt = json!({
            "checkin_id": checkin,
            "thread_id": thread,
            "day": day,
            "questions": questions,
            "agenda": agenda.iter().map(|(_, task, title)| json!({ "task_id": task, "title": title })).collect::<Vec<_>>(),
            "activity": {
                "threads": threads.iter().map(|(id, title)| json!({ "thread_id": id, "title": title })).collect::<Vec<_>>(),
                "tasks_moved": tasks.iter().map(|(id,)| *id).collect::<Vec<_>>(),
            },
        });
        crate::domain::notifications::notify(ctx, member, "checkin", prompt, true).await?;
    }
    schedule_ask(ctx, checkin, member, clock(&ask_at), due).await?;
    Ok(json!({ "asked": inserted.rows_affected() == 1, "day": day }))
}

/// Answers the viewer's latest unanswered ask: a message in the check-in's thread.
pub(super) async fn answer(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, checkin: i64, body: &str) -> Result<Value> {
    let found = read::checkin(ctx.conn, viewer, checkin).await?;
    if !found.member_ids.contains(&viewer.member) {
        return Err(Error::forbidden("only the check-in's members answer it"));
    }
    let message =
        post_message(ctx, viewer, MessageTarget::Thread(found.thread_id), &MessageText::new(body.to_string()), false)
            .await?;
    let ask: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM checkin_asks WHERE checkin_id = $1 AND member_id = $2 AND answer_message_id IS NULL ORDER BY asked_at DESC LIMIT 1",
    )
    .bind(checkin)
    .bind(viewer.member.0)
    .fetch_optional(&mut *ctx.conn)
    .await?;
    if let Some((ask,)) = ask {
        sqlx::query("UPDATE checkin_asks SET answer_message_id = $1 WHERE id = $2")
            .bind(message["id"].as_i64())
            .bind(ask)
            .execute(&mut *ctx.conn)
            .await?;
    }
    Ok(message)
}

/// Posts the digest of the asks since the last digest: who answered (and what), who is
/// missing, and answers that mention a blocker; then schedules the next one.
pub(super) async fn fire_digest(ctx: &mut Ctx<'_, '_>, payload: &Value, due: Timestamp) -> Result<Value> {
    let checkin = payload["checkin_id"].as_i64().unwrap_or_default();
    let row: Option<(i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT thread_id, title, digest_at, digest_zone, created_by, last_digest_at FROM checkins WHERE id = $1",
    )
    .bind(checkin)
    .fetch_optional(&mut *ctx.conn)
    .await?;
    let Some((thread, title, digest_at, zone, owner, last)) = row else {
        return Ok(json!({ "skipped": "the check-in is gone" }));
    };
    let asks: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT mb.handle, msg.body FROM checkin_asks a JOIN members mb ON mb.id = a.member_id \
         LEFT JOIN messages msg ON msg.id = a.answer_message_id \
         WHERE a.checkin_id = $1 AND a.asked_at > $2 AND a.asked_at <= $3 ORDER BY mb.handle",
    )
    .bind(checkin)
    .bind(last.unwrap_or(0))
    .bind(micros(due))
    .fetch_all(&mut *ctx.conn)
    .await?;
    let answered: Vec<(&String, &String)> = asks.iter().filter_map(|(h, b)| b.as_ref().map(|b| (h, b))).collect();
    let missing: Vec<&String> = asks.iter().filter(|(_, b)| b.is_none()).map(|(h, _)| h).collect();
    let blockers: Vec<&String> =
        answered.iter().filter(|(_, b)| b.to_lowercase().contains("block")).map(|(h, _)| *h).collect();
    let mut body = format!("**Check-in digest: {title}** ({} of {} answered)", answered.len(), asks.len());
    for (handle, answer) in &answered {
        let first = answer.lines().next().unwrap_or_default();
        body.push_str(&format!("\n- {handle}: {first}"));
    }
    if !missing.is_empty() {
        body.push_str(&format!("\n\nMissing: {}", missing.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if !blockers.is_empty() {
        body.push_str(&format!(
            "\n\nBlockers mentioned by: {}",
            blockers.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let owner_row = read::member_row(ctx.conn, MemberId(owner)).await?;
    let viewer = Viewer {
        member: MemberId(owner),
        role: baton_core::model::Role::parse(&owner_row.role).unwrap_or(baton_core::model::Role::Member),
    };
    let message =
        post_message(ctx, &viewer, MessageTarget::Thread(ThreadId(thread)), &MessageText::new(body), false).await?;
    sqlx::query("UPDATE checkins SET last_digest_at = $1 WHERE id = $2")
        .bind(micros(due))
        .bind(checkin)
        .execute(&mut *ctx.conn)
        .await?;
    let zone = parse_time_zone(&zone).unwrap_or(TimeZone::UTC);
    schedule_digest(ctx, checkin, MemberId(owner), &zone, clock(&digest_at), due).await?;
    Ok(json!({
        "message_id": message["id"],
        "answered": answered.iter().map(|(h, _)| h).collect::<Vec<_>>(),
        "missing": missing,
        "blockers": blockers,
    }))
}
