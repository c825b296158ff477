//! Check-ins: a question set asked of each member at a local time on the days of its cadence
//! (each of their working days, or chosen weekdays, every week or every few weeks; a job per
//! member, rescheduled when it fires, so each day is asked once), answers in the check-in's
//! thread, and a digest of answers, missing members and blockers at a set time.

use baton_core::calendar::parse_time_zone;
use baton_core::event::{self as ev, Change};
use baton_core::model::{Cadence, CheckIn};
use baton_core::text::MessageText;
use baton_core::{ChannelId, MemberId, ThreadId};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::{active_member, channels, messages, no_guest, notifications, tasks, threads, Tx};
use crate::command::{MessageTarget, ThreadHome};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// At most this many threads and tasks of a member's activity go on their prompt.
const ACTIVITY: usize = 20;

/// What a new check-in is.
pub(crate) struct New<'a> {
    pub(crate) channel: ChannelId,
    pub(crate) title: &'a str,
    pub(crate) questions: &'a [String],
    pub(crate) ask_at: Time,
    pub(crate) digest_at: Time,
    pub(crate) members: &'a [MemberId],
    pub(crate) cadence: &'a Cadence,
}

/// What a member did since some time, as the backend finds it in its tables.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Activity {
    /// Threads they posted in, by id.
    pub(crate) threads: Vec<ThreadId>,
    /// Tasks they created, moved, reassigned, re-dated or edited, by id.
    pub(crate) tasks_moved: Vec<baton_core::TaskId>,
}

/// The check-in, if the viewer may read its channel; "not found" otherwise.
async fn readable(tx: &mut dyn Tx, viewer: &Viewer, id: i64) -> Result<CheckIn> {
    let not_found = || Error::not_found(format!("check-in {id}"));
    let checkin = tx.checkin(id).await?.ok_or_else(not_found)?;
    channels::readable(tx, viewer, checkin.channel_id).await.map_err(|_| not_found())?;
    Ok(checkin)
}

fn clock(text: &str) -> Time {
    text.parse::<Time>().unwrap_or(Time::midnight())
}

fn zone_of(name: &str) -> TimeZone {
    parse_time_zone(name).unwrap_or(TimeZone::UTC)
}

/// The day a check-in was created, in its digest zone: its weeks count from that one's.
fn anchor(checkin: &CheckIn) -> Date {
    checkin.created_at.to_zoned(zone_of(&checkin.digest_zone)).date()
}

/// The first instant after `after` at `time` on a local date of `zone` that passes `day_ok`,
/// within five weeks, with the date.
pub(crate) fn next_local(
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

/// Schedules a member's next ask after `after`: the next day of the cadence that is a working
/// day of theirs, at `ask_at` local.
async fn schedule_ask(tx: &mut dyn Tx, checkin: &CheckIn, member: MemberId, after: Timestamp) -> Result<()> {
    let Some(found) = tx.member(member).await? else { return Ok(()) };
    let anchor = anchor(checkin);
    let asks = |d: Date| checkin.cadence.asks_on(d, anchor, !found.working_hours.on(d.weekday()).is_empty());
    let Some((at, day)) = next_local(&zone_of(&found.time_zone), clock(&checkin.ask_at), after, asks) else {
        return Ok(());
    };
    let payload = json!({ "checkin_id": checkin.id, "member_id": member, "day": day });
    tx.schedule("checkin_ask", member, at, &payload).await?;
    Ok(())
}

/// Whether a digest is posted on `date`: the cadence's days (Monday to Friday for a daily
/// one) of its weeks.
fn digests_on(cadence: &Cadence, date: Date, anchor: Date) -> bool {
    let weekday_ok = if cadence.days.is_empty() {
        date.weekday().to_monday_one_offset() <= 5
    } else {
        cadence.days.iter().any(|day| day.weekday() == date.weekday())
    };
    weekday_ok && cadence.in_week_of(date, anchor)
}

/// Schedules the next digest after `after`, at `digest_at` in the digest's zone.
async fn schedule_digest(tx: &mut dyn Tx, checkin: &CheckIn, after: Timestamp) -> Result<()> {
    let anchor = anchor(checkin);
    let zone = zone_of(&checkin.digest_zone);
    let day_ok = |d: Date| digests_on(&checkin.cadence, d, anchor);
    let Some((at, day)) = next_local(&zone, clock(&checkin.digest_at), after, day_ok) else { return Ok(()) };
    tx.schedule("checkin_digest", checkin.created_by, at, &json!({ "checkin_id": checkin.id, "day": day })).await?;
    Ok(())
}

/// Creates a check-in in a channel the viewer may read, with its thread, and schedules each
/// member's first ask and the first digest. The digest follows its creator's zone.
pub(crate) async fn create(tx: &mut dyn Tx, viewer: &Viewer, new: New<'_>) -> Result<CheckIn> {
    no_guest(viewer, "create check-ins")?;
    let channel = channels::readable(tx, viewer, new.channel).await?;
    if channel.archived {
        return Err(Error::conflict(format!("channel {} is archived", new.channel)));
    }
    let mut members: Vec<MemberId> = new.members.to_vec();
    members.sort();
    members.dedup();
    for member in &members {
        active_member(tx, *member).await?;
    }
    let creator = active_member(tx, viewer.member).await?;
    let title = format!("Check-in: {}", new.title);
    let thread = threads::begin(tx, viewer, Some(ThreadHome::Channel(new.channel)), &title, &[], false).await?;
    let zone = zone_of(&creator.time_zone);
    let mut checkin = CheckIn {
        id: 0,
        channel_id: new.channel,
        thread_id: thread.id,
        title: new.title.to_string(),
        questions: new.questions.to_vec(),
        ask_at: new.ask_at.strftime("%H:%M").to_string(),
        digest_at: new.digest_at.strftime("%H:%M").to_string(),
        digest_zone: zone.iana_name().unwrap_or("UTC").to_string(),
        cadence: new.cadence.clone(),
        member_ids: members.clone(),
        created_by: viewer.member,
        created_at: tx.at(),
        asks: Vec::new(),
    };
    checkin.id = tx.insert_checkin(&checkin).await?;
    let now = tx.at();
    for member in &members {
        schedule_ask(tx, &checkin, *member, now).await?;
    }
    schedule_digest(tx, &checkin, now).await?;
    let created = ev::CheckInCreated { checkin_id: checkin.id, checkin: checkin.clone() };
    tx.record(Change::CheckInCreated(created), Scope::Channel(new.channel), None).await?;
    Ok(checkin)
}

/// Answers the viewer's latest unanswered ask with a message in the check-in's thread (a
/// member with no open ask answers all the same: the message is the answer to the next).
pub(crate) async fn answer(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: i64,
    body: &str,
) -> Result<baton_core::model::Message> {
    let checkin = readable(tx, viewer, id).await?;
    if !checkin.member_ids.contains(&viewer.member) {
        return Err(Error::forbidden("only the check-in's members answer it"));
    }
    let text = MessageText::new(body.to_string());
    let message = messages::post(tx, viewer, MessageTarget::Thread(checkin.thread_id), &text, false).await?;
    tx.answer_ask(id, viewer.member, message.id).await?;
    Ok(message)
}

/// Asks a member: records the ask for their local day (once), notifies them with the
/// questions, what the advisor put on their check-in and their activity since their last
/// answer (only what they may still read), and schedules the next day's ask.
pub(crate) async fn fire_ask(tx: &mut dyn Tx, payload: &Value, due: Timestamp) -> Result<Value> {
    let id = payload["checkin_id"].as_i64().unwrap_or_default();
    let member = MemberId(payload["member_id"].as_i64().unwrap_or_default());
    let checkin = tx.checkin(id).await?.filter(|c| c.member_ids.contains(&member));
    let Some(checkin) = checkin else { return Ok(json!({ "skipped": "no longer in the check-in" })) };
    let Some(day) = payload["day"].as_str().and_then(|day| day.parse::<Date>().ok()) else {
        return Ok(json!({ "error": "the job names no day" }));
    };
    let asked = tx.add_ask(id, member, day, due).await?;
    if asked {
        let Some(found) = tx.member(member).await? else { return Ok(json!({ "error": "the member is gone" })) };
        let reader = Viewer { member, role: found.role };
        let since = tx.last_answered_ask(id, member).await?.unwrap_or(Timestamp::UNIX_EPOCH);
        let activity = tx.activity_since(member, since, checkin.thread_id).await?;
        let mut threads_seen = Vec::new();
        for thread in activity.threads.into_iter().take(ACTIVITY) {
            if let Ok(thread) = threads::readable(tx, &reader, thread).await {
                threads_seen.push(json!({ "thread_id": thread.id, "title": thread.title }));
            }
        }
        let mut tasks_moved = Vec::new();
        for task in activity.tasks_moved.into_iter().take(ACTIVITY) {
            if tasks::readable_task(tx, &reader, task).await.is_ok() {
                tasks_moved.push(task);
            }
        }
        // What the advisor put on this member's check-in: asked about once, now.
        let mut agenda = Vec::new();
        for task in tx.take_checkin_items(id, member, due).await? {
            if let Ok(task) = tasks::readable_task(tx, &reader, task).await {
                agenda.push(json!({ "task_id": task.id, "title": task.title }));
            }
        }
        let prompt = json!({
            "checkin_id": id,
            "thread_id": checkin.thread_id,
            "day": day,
            "questions": checkin.questions,
            "agenda": agenda,
            "activity": { "threads": threads_seen, "tasks_moved": tasks_moved },
        });
        notifications::notify(tx, member, "checkin", prompt, true).await?;
    }
    schedule_ask(tx, &checkin, member, due).await?;
    Ok(json!({ "asked": asked, "day": day }))
}

/// Posts the digest of the asks since the last digest, as the check-in's creator: who
/// answered (and the first line of what), who is missing, and answers that mention a
/// blocker; then schedules the next one. A digest that cannot be posted leaves its asks to the
/// next.
pub(crate) async fn fire_digest(tx: &mut dyn Tx, viewer: &Viewer, payload: &Value, due: Timestamp) -> Result<Value> {
    let id = payload["checkin_id"].as_i64().unwrap_or_default();
    let Some(checkin) = tx.checkin(id).await? else { return Ok(json!({ "skipped": "the check-in is gone" })) };
    let last = tx.digest_mark(id).await?;
    let mut asks = Vec::new();
    for ask in tx.asks_between(id, last, due).await? {
        let handle = match tx.member(ask.member_id).await? {
            Some(member) => member.handle,
            None => format!("member-{}", ask.member_id),
        };
        let answer = match ask.answer_message_id {
            Some(message) => Some(match tx.message(message).await? {
                Some(message) if !message.deleted => message.body,
                _ => "(deleted)".to_string(),
            }),
            None => None,
        };
        asks.push((handle, answer));
    }
    asks.sort_by(|a, b| a.0.cmp(&b.0));
    let answered: Vec<(&String, &String)> = asks.iter().filter_map(|(h, b)| b.as_ref().map(|b| (h, b))).collect();
    let missing: Vec<&String> = asks.iter().filter(|(_, b)| b.is_none()).map(|(h, _)| h).collect();
    let blockers: Vec<&String> =
        answered.iter().filter(|(_, b)| b.to_lowercase().contains("block")).map(|(h, _)| *h).collect();
    let mut body = format!("**Check-in digest: {}** ({} of {} answered)", checkin.title, answered.len(), asks.len());
    for (handle, answer) in &answered {
        let first = answer.lines().next().unwrap_or_default();
        body.push_str(&format!("\n- {handle}: {first}"));
    }
    let list = |handles: &[&String]| handles.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ");
    if !missing.is_empty() {
        body.push_str(&format!("\n\nMissing: {}", list(&missing)));
    }
    if !blockers.is_empty() {
        body.push_str(&format!("\n\nBlockers mentioned by: {}", list(&blockers)));
    }
    let target = MessageTarget::Thread(checkin.thread_id);
    // The next digest is due whether or not this one could be posted: a creator who left the
    // channel, or an archived one, may come back.
    schedule_digest(tx, &checkin, due).await?;
    let message = match messages::post(tx, viewer, target, &MessageText::new(body), false).await {
        Ok(message) => message,
        Err(err @ (Error::NotFound { .. } | Error::Conflict { .. } | Error::Forbidden { .. })) => {
            return Ok(json!({ "error": err.to_string() }));
        }
        Err(err) => return Err(err),
    };
    tx.set_digest_mark(id, due).await?;
    Ok(json!({
        "message_id": message.id,
        "answered": answered.iter().map(|(h, _)| h).collect::<Vec<_>>(),
        "missing": missing,
        "blockers": blockers,
    }))
}
