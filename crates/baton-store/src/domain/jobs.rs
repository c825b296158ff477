//! A member's own timed work: a message to send later, a reminder about a message, and
//! cancelling either. (Firing them, and the timed work other commands schedule, are still the
//! SQL backend's: `sql/apply/jobs.rs`.)

use baton_core::event::{self as ev, Change};
use baton_core::MessageId;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::{messages, threads, Tx};
use crate::command::MessageTarget;
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// A job the member asked for themselves: in the future, and announced on their stream alone.
async fn schedule(tx: &mut dyn Tx, viewer: &Viewer, kind: &str, at: Timestamp, payload: &Value) -> Result<Value> {
    if at <= tx.at() {
        return Err(Error::invalid("at", "must be in the future"));
    }
    let id = tx.schedule(kind, viewer.member, at, payload).await?;
    let job = tx.job(id).await?.ok_or_else(|| Error::not_found(format!("job {id}")))?;
    let answer = serde_json::to_value(&job)?;
    tx.record(Change::JobScheduled(ev::JobScheduled::Job { job }), Scope::Private, Some(viewer.member)).await?;
    Ok(answer)
}

/// A message to post at `at` where the viewer may post now (firing checks again then).
pub(crate) async fn schedule_message(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    target: MessageTarget,
    body: &str,
    urgent: bool,
    at: Timestamp,
) -> Result<Value> {
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
) -> Result<Value> {
    messages::readable(tx, viewer, message).await?;
    schedule(tx, viewer, "remind", at, &json!({ "message_id": message, "note": note })).await
}

/// Cancels one of the viewer's own jobs that has neither fired nor been cancelled.
pub(crate) async fn cancel(tx: &mut dyn Tx, viewer: &Viewer, id: i64) -> Result<Value> {
    let job = tx.job(id).await?.filter(|job| job.member_id == viewer.member);
    let job = job.ok_or_else(|| Error::not_found(format!("job {id}")))?;
    if job.fired_at.is_some() || job.cancelled_at.is_some() {
        return Err(Error::conflict(format!(
            "job {id} has already {}",
            if job.fired_at.is_some() { "fired" } else { "been cancelled" }
        )));
    }
    tx.record(Change::JobCancelled(ev::JobRef { job_id: id }), Scope::Private, Some(viewer.member)).await?;
    let job = tx.job(id).await?.ok_or_else(|| Error::not_found(format!("job {id}")))?;
    Ok(serde_json::to_value(job)?)
}
