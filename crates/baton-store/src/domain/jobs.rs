//! Timed work: a member's own (a message to send later, a reminder about a message, and
//! cancelling either), and firing every job when it is due. Firing marks the job and does its
//! effect in one transaction, so a job fires exactly once however the process stops and starts
//! around it.

use baton_core::event::{self as ev, Change};
use baton_core::model::{Job, TaskStatus};
use baton_core::text::MessageText;
use baton_core::{DmId, MessageId, TaskId, ThreadId};
use jiff::Timestamp;
use serde_json::{json, Value};

use super::{checkins, huddles, messages, norms, notifications, threads, Tx};
use crate::command::MessageTarget;
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// A job the member asked for themselves: in the future, and announced on their stream alone.
async fn schedule(tx: &mut dyn Tx, viewer: &Viewer, kind: &str, at: Timestamp, payload: &Value) -> Result<Job> {
    if at <= tx.at() {
        return Err(Error::invalid("at", "must be in the future"));
    }
    let id = tx.schedule(kind, viewer.member, at, payload).await?;
    let job = tx.job(id).await?.ok_or_else(|| Error::not_found(format!("job {id}")))?;
    let scheduled = ev::JobScheduled::Job { job: job.clone() };
    tx.record(Change::JobScheduled(scheduled), Scope::Private, Some(viewer.member)).await?;
    Ok(job)
}

/// A message to post at `at` where the viewer may post now (firing checks again then).
pub(crate) async fn schedule_message(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    target: MessageTarget,
    body: &str,
    urgent: bool,
    at: Timestamp,
) -> Result<Job> {
    let payload = match target {
        MessageTarget::Thread(id) => {
            threads::readable(tx, viewer, id).await?;
            json!({ "thread_id": id, "body": body, "urgent": urgent })
        }
        MessageTarget::Dm(id) => {
            if !tx.in_dm(id, viewer.member).await? {
                return Err(Error::not_found(format!("conversation {id}")));
            }
            json!({ "dm_id": id, "body": body, "urgent": urgent })
        }
    };
    schedule(tx, viewer, "send_message", at, &payload).await
}

/// A reminder at `at` about a message the viewer may read.
pub(crate) async fn remind(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    message: MessageId,
    note: &str,
    at: Timestamp,
) -> Result<Job> {
    messages::readable(tx, viewer, message).await?;
    schedule(tx, viewer, "remind", at, &json!({ "message_id": message, "note": note })).await
}

/// Cancels one of the viewer's own jobs that has neither fired nor been cancelled.
pub(crate) async fn cancel(tx: &mut dyn Tx, viewer: &Viewer, id: i64) -> Result<Job> {
    let job = tx.job(id).await?.filter(|job| job.member_id == viewer.member);
    let job = job.ok_or_else(|| Error::not_found(format!("job {id}")))?;
    if job.fired_at.is_some() || job.cancelled_at.is_some() {
        return Err(Error::conflict(format!(
            "job {id} has already {}",
            if job.fired_at.is_some() { "fired" } else { "been cancelled" }
        )));
    }
    tx.record(Change::JobCancelled(ev::JobRef { job_id: id }), Scope::Private, Some(viewer.member)).await?;
    tx.job(id).await?.ok_or_else(|| Error::not_found(format!("job {id}")))
}

/// Fires job `id`: once, however often it is asked (a scheduler raced, a restart read it
/// again). A job that can no longer do its work (its member left, the message is gone) still
/// fires, with the reason as its outcome; its member reads that it fired.
pub(crate) async fn fire(tx: &mut dyn Tx, id: i64) -> Result<Option<ev::JobFired>> {
    let job = tx.job(id).await?.ok_or_else(|| Error::not_found(format!("job {id}")))?;
    if job.fired_at.is_some() || job.cancelled_at.is_some() {
        return Ok(None);
    }
    let owner = tx.member(job.member_id).await?.ok_or_else(|| Error::not_found(format!("member {}", job.member_id)))?;
    let viewer = Viewer { member: owner.id, role: owner.role };
    tx.act_as(owner.id);
    let outcome =
        if owner.active { effect(tx, &viewer, &job).await? } else { json!({ "error": "the member is deactivated" }) };
    tx.mark_fired(id, &outcome).await?;
    let fired = ev::JobFired { job_id: id, kind: job.kind, outcome };
    tx.record(Change::JobFired(fired.clone()), Scope::Private, Some(viewer.member)).await?;
    Ok(Some(fired))
}

/// What a due job does, as `viewer` (its member); the outcome the job keeps.
async fn effect(tx: &mut dyn Tx, viewer: &Viewer, job: &Job) -> Result<Value> {
    let payload = &job.payload;
    Ok(match job.kind.as_str() {
        "send_message" => send(tx, viewer, payload).await?,
        "no_reply" => norms::fire_follow_up(tx, payload).await?,
        "due_soon" => fire_due(tx, payload).await?,
        "huddle_opens" => huddles::fire_opens(tx, viewer.member, payload).await?,
        "checkin_ask" => checkins::fire_ask(tx, payload, job.due_at).await?,
        "checkin_digest" => checkins::fire_digest(tx, viewer, payload, job.due_at).await?,
        notifications::DELIVER_JOB => {
            notifications::deliver(tx, payload["notification_id"].as_i64().unwrap_or_default()).await?;
            json!({ "delivered": true })
        }
        "remind" => {
            let message = MessageId(payload["message_id"].as_i64().unwrap_or_default());
            match messages::readable(tx, viewer, message).await {
                Ok(_) => {
                    let note = payload["note"].as_str().map(str::to_string);
                    let reminder = ev::ReminderDue { job_id: job.id, message_id: message, note };
                    tx.record(Change::ReminderDue(reminder), Scope::Private, Some(viewer.member)).await?;
                    json!({ "reminded": true })
                }
                Err(Error::NotFound { .. }) => json!({ "error": "the message is gone or no longer visible" }),
                Err(err) => return Err(err),
            }
        }
        other => json!({ "error": format!("unknown job kind {other:?}") }),
    })
}

/// Posts a scheduled message where its member may still post, or says why it cannot be.
async fn send(tx: &mut dyn Tx, viewer: &Viewer, payload: &Value) -> Result<Value> {
    let target = match (payload["thread_id"].as_i64(), payload["dm_id"].as_i64()) {
        (Some(thread), _) => MessageTarget::Thread(ThreadId(thread)),
        (None, Some(dm)) => MessageTarget::Dm(DmId(dm)),
        (None, None) => return Ok(json!({ "error": "the job names no thread or conversation" })),
    };
    let text = MessageText::new(payload["body"].as_str().unwrap_or_default().to_string());
    let urgent = payload["urgent"].as_bool().unwrap_or(false);
    match messages::post(tx, viewer, target, &text, urgent).await {
        Ok(message) => Ok(json!({ "message_id": message.id })),
        Err(err @ (Error::NotFound { .. } | Error::Conflict { .. } | Error::Forbidden { .. })) => {
            Ok(json!({ "error": err.to_string() }))
        }
        Err(err) => Err(err),
    }
}

/// A "due today" reminder: to the task's assignee, if it is still open, still due that day
/// and assigned.
async fn fire_due(tx: &mut dyn Tx, payload: &Value) -> Result<Value> {
    let id = TaskId(payload["task_id"].as_i64().unwrap_or_default());
    let Some(task) = tx.task(id).await? else { return Ok(json!({ "error": "the task is gone" })) };
    if matches!(task.status, TaskStatus::Done | TaskStatus::Cancelled) {
        return Ok(json!({ "skipped": "the task is closed" }));
    }
    let due = task.due.map(|due| due.to_string());
    if due.as_deref() != payload["due"].as_str() {
        return Ok(json!({ "skipped": "the due date moved" }));
    }
    let Some(assignee) = task.assignee_id else { return Ok(json!({ "skipped": "nobody is assigned" })) };
    let about = json!({ "task_id": id, "title": task.title, "due": due });
    notifications::notify(tx, assignee, "due_soon", about, false).await?;
    Ok(json!({ "notified": assignee }))
}
