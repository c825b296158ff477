//! Timed work: fire a job when due (scheduling and cancelling a member's own are the domain's:
//! `domain/jobs.rs`). Firing marks the job and does its effect in one transaction, so a job
//! fires exactly once however the process stops and starts around it.

use baton_core::event::{self as ev, Change};
use baton_core::model::Role;
use baton_core::text::MessageText;
use baton_core::{DmId, MemberId, MessageId, ThreadId};
use jiff::Timestamp;
use serde_json::{json, Value};

use super::{post_message, Ctx};
use crate::command::MessageTarget;
use crate::error::{Error, Result};
use crate::sql::read::{self, micros};
use crate::view::{Scope, Viewer};

/// Queues a job of `member`'s, due at `at`; every kind of timed work is written through here, in
/// the transaction of the command that asks for it. Returns the job's id.
pub(super) async fn insert_job(
    ctx: &mut Ctx<'_, '_>,
    kind: &str,
    member: MemberId,
    at: Timestamp,
    payload: &Value,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
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

#[derive(sqlx::FromRow)]
struct Pending {
    member_id: i64,
    due_at: i64,
    kind: String,
    payload: String,
    #[sqlx(try_from = "crate::sql::Flag")]
    done: bool,
}

pub(super) async fn fire(ctx: &mut Ctx<'_, '_>, id: i64) -> Result<Value> {
    let job = sqlx::query_as::<_, Pending>(
        "SELECT member_id, due_at, kind, payload, (fired_at IS NOT NULL OR cancelled_at IS NOT NULL) AS done \
         FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *ctx.conn)
    .await?
    .ok_or_else(|| Error::not_found(format!("job {id}")))?;
    if job.done {
        // Fired already (a scheduler raced, or a restart re-read it): exactly once.
        return Ok(Value::Null);
    }
    let owner = read::member_row(ctx.conn, MemberId(job.member_id)).await?;
    let viewer = Viewer { member: MemberId(job.member_id), role: Role::parse(&owner.role).unwrap_or(Role::Member) };
    ctx.actor = Some(viewer.member);
    let kind = job.kind;
    let payload: Value = serde_json::from_str(&job.payload)?;
    // What the job does; a job that can no longer be done (the member left the channel, the
    // message is gone) still fires once, with the reason as its outcome.
    let outcome = if !owner.active {
        json!({ "error": "the member is deactivated" })
    } else {
        match kind.as_str() {
            "send_message" => send(ctx, &viewer, &payload).await?,
            "no_reply" => super::norms::fire_follow_up(ctx, &payload).await?,
            "due_soon" => fire_due(ctx, &payload).await?,
            "huddle_opens" => crate::domain::huddles::fire_opens(ctx, viewer.member, &payload).await?,
            "checkin_ask" => super::checkins::fire_ask(ctx, &payload, read::ts(job.due_at)).await?,
            "checkin_digest" => super::checkins::fire_digest(ctx, &payload, read::ts(job.due_at)).await?,
            crate::domain::notifications::DELIVER_JOB => {
                let id = payload["notification_id"].as_i64().unwrap_or_default();
                crate::domain::notifications::deliver(ctx, id).await?;
                json!({ "delivered": true })
            }
            "remind" => {
                let message = MessageId(payload["message_id"].as_i64().unwrap_or_default());
                match read::message_row(ctx.conn, &viewer, message).await {
                    Ok(_) => {
                        let note = payload["note"].as_str().map(str::to_string);
                        let reminder = ev::ReminderDue { job_id: id, message_id: message, note };
                        ctx.emit_also_for(Change::ReminderDue(reminder), Scope::Private, Some(viewer.member)).await?;
                        json!({ "reminded": true })
                    }
                    Err(Error::NotFound { .. }) => json!({ "error": "the message is gone or no longer visible" }),
                    Err(err) => return Err(err),
                }
            }
            other => json!({ "error": format!("unknown job kind {other:?}") }),
        }
    };
    sqlx::query("UPDATE jobs SET fired_at = $1, outcome = $2 WHERE id = $3")
        .bind(micros(ctx.at))
        .bind(serde_json::to_string(&outcome)?)
        .bind(id)
        .execute(&mut *ctx.conn)
        .await?;
    let fired = ev::JobFired { job_id: id, kind, outcome };
    let answer = serde_json::to_value(&fired)?;
    ctx.emit_also_for(Change::JobFired(fired), Scope::Private, Some(viewer.member)).await?;
    Ok(answer)
}

/// Posts a scheduled message, or says why it cannot be posted any more.
async fn send(ctx: &mut Ctx<'_, '_>, viewer: &Viewer, payload: &Value) -> Result<Value> {
    let target = match (payload["thread_id"].as_i64(), payload["dm_id"].as_i64()) {
        (Some(thread), _) => MessageTarget::Thread(ThreadId(thread)),
        (None, Some(dm)) => MessageTarget::Dm(DmId(dm)),
        (None, None) => return Ok(json!({ "error": "the job names no thread or conversation" })),
    };
    let text = MessageText::new(payload["body"].as_str().unwrap_or_default().to_string());
    let urgent = payload["urgent"].as_bool().unwrap_or(false);
    match post_message(ctx, viewer, target, &text, urgent).await {
        Ok(message) => Ok(json!({ "message_id": message["id"] })),
        Err(err @ (Error::NotFound { .. } | Error::Conflict { .. } | Error::Forbidden { .. })) => {
            Ok(json!({ "error": err.to_string() }))
        }
        Err(err) => Err(err),
    }
}

/// Fires a "due today" reminder: to the task's assignee, if it is still open, still due that
/// day and assigned.
async fn fire_due(ctx: &mut Ctx<'_, '_>, payload: &Value) -> Result<Value> {
    let task = payload["task_id"].as_i64().unwrap_or_default();
    let row: Option<(Option<i64>, String, Option<String>, String)> =
        sqlx::query_as("SELECT assignee_id, status, due, title FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_optional(&mut *ctx.conn)
            .await?;
    let Some((assignee, status, due, title)) = row else { return Ok(json!({ "error": "the task is gone" })) };
    if status == "done" || status == "cancelled" {
        return Ok(json!({ "skipped": "the task is closed" }));
    }
    if due.as_deref() != payload["due"].as_str() {
        return Ok(json!({ "skipped": "the due date moved" }));
    }
    let Some(assignee) = assignee else { return Ok(json!({ "skipped": "nobody is assigned" })) };
    let about = json!({ "task_id": task, "title": title, "due": due });
    crate::domain::notifications::notify(ctx, MemberId(assignee), "due_soon", about, false).await?;
    Ok(json!({ "notified": assignee }))
}
