//! Send later and remind me: a member's timed work. Jobs fire once, when due, through the
//! scheduler; a scheduled message is posted as its author if they may still post there.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use baton_core::model::Job;
use baton_core::{validate, DmId, MessageId, ThreadId};
use baton_store::Answer;
use baton_store::{Command, Envelope, MessageTarget};
use jiff::Timestamp;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scheduled-messages", post(schedule_message))
        .route("/api/v1/messages/{message_id}/reminders", post(remind))
        .route("/api/v1/scheduled", get(list))
        .route("/api/v1/scheduled/{job_id}", delete(cancel))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(schedule_message, remind, list, cancel))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

fn instant(field: &str, raw: &str) -> ApiResult<Timestamp> {
    raw.parse::<Timestamp>()
        .map_err(|_| ApiError::Invalid(format!("{field}: must be an RFC 3339 instant such as 2027-03-22T09:00:00Z")))
}

/// A message to send later: give `thread_id` or `dm_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleMessage {
    pub thread_id: Option<ThreadId>,
    pub dm_id: Option<DmId>,
    pub body: String,
    /// When to send it (RFC 3339, in the future).
    #[schema(format = DateTime)]
    pub send_at: String,
    #[serde(default)]
    pub urgent: bool,
}

/// Sends a message later ("send later").
#[utoipa::path(post, path = "/api/v1/scheduled-messages", tag = "scheduled", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header)), request_body = ScheduleMessage,
    responses((status = 201, body = Job), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn schedule_message(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiJson(req): ApiJson<ScheduleMessage>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let target = match (req.thread_id, req.dm_id) {
        (Some(thread), None) => MessageTarget::Thread(thread),
        (None, Some(dm)) => MessageTarget::Dm(dm),
        _ => return Err(ApiError::Invalid("give exactly one of thread_id and dm_id".into())),
    };
    let command = Command::ScheduleMessage {
        target,
        body: validate::message_body("body", &req.body)?,
        urgent: req.urgent,
        at: instant("send_at", &req.send_at)?,
    };
    let job = state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(job)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Reminder {
    /// When to remind you (RFC 3339, in the future).
    #[schema(format = DateTime)]
    pub at: String,
    pub note: Option<String>,
}

/// Reminds you about a message at a time: a `reminder.due` event on your stream then.
#[utoipa::path(post, path = "/api/v1/messages/{message_id}/reminders", tag = "scheduled", security(("bearer" = [])),
    params(("message_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = Reminder,
    responses((status = 201, body = Job), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn remind(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(message): ApiPath<i64>,
    ApiJson(req): ApiJson<Reminder>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = Command::Remind {
        message: MessageId(message),
        note: validate::text("note", req.note.as_deref().unwrap_or_default(), validate::MAX_NAME_CHARS)?,
        at: instant("at", &req.at)?,
    };
    let job = state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(job)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    /// Only jobs that have neither fired nor been cancelled.
    pub pending: Option<bool>,
}

/// Your scheduled messages and reminders, the next due first, with what each did when it fired.
#[utoipa::path(get, path = "/api/v1/scheduled", tag = "scheduled", security(("bearer" = [])), params(JobFilter),
    responses((status = 200, body = [Job]), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<JobFilter>,
) -> ApiResult<Json<Vec<Job>>> {
    Ok(Json(state.store.jobs(&auth.viewer, filter.pending.unwrap_or(false)).await?))
}

/// Cancels a pending scheduled message or reminder of yours.
#[utoipa::path(delete, path = "/api/v1/scheduled/{job_id}", tag = "scheduled", security(("bearer" = [])),
    params(("job_id" = i64, Path)),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Answer>> {
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), Command::CancelJob { id })).await?))
}
