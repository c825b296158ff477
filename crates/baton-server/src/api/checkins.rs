//! Check-ins: a recurring question set asked of each member at a local time on their working
//! days, answered in the check-in's thread, with a daily digest of answers, missing members
//! and blockers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::model::{Cadence, CheckIn};
use baton_core::{validate, ChannelId, MemberId};
use baton_store::{Answer, Command, Envelope};
use jiff::civil::Time;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/channels/{channel_id}/checkins", post(create))
        .route("/api/v1/checkins", get(list))
        .route("/api/v1/checkins/{checkin_id}", get(show))
        .route("/api/v1/checkins/{checkin_id}/answers", post(answer))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(create, list, show, answer))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

fn clock(field: &str, raw: &str) -> ApiResult<Time> {
    let time =
        raw.parse::<Time>().map_err(|_| ApiError::Invalid(format!("{field}: must be a time HH:MM such as 09:30")))?;
    if time.second() != 0 || time.subsec_nanosecond() != 0 {
        return Err(ApiError::Invalid(format!("{field}: whole minutes only (HH:MM)")));
    }
    Ok(time)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCheckIn {
    pub title: String,
    /// 1 to 10 questions.
    pub questions: Vec<String>,
    /// When to ask each member, in their own time zone, on the cadence's days (`HH:MM`).
    pub ask_at: String,
    /// When to post the digest, in your time zone, on the cadence's days (Monday to Friday for a
    /// daily one) (`HH:MM`).
    pub digest_at: String,
    pub member_ids: Vec<MemberId>,
    /// How often: `{}` (the default) every working day; `{"days": ["mon"]}` Mondays;
    /// `{"days": ["fri"], "every_weeks": 2}` every other Friday (weeks counted from this one).
    pub cadence: Option<Cadence>,
}

/// Creates a check-in in a channel, with its own thread; asking starts on each member's next
/// working day.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/checkins", tag = "checkins", security(("bearer" = [])),
    params(("channel_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewCheckIn,
    responses((status = 201, body = CheckIn), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(channel): ApiPath<i64>,
    ApiJson(req): ApiJson<NewCheckIn>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = create_command(ChannelId(channel), req)?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The command that creates a check-in in `channel`, its fields checked (the API and the web
/// page share it).
pub(crate) fn create_command(channel: ChannelId, req: NewCheckIn) -> ApiResult<Command> {
    if req.questions.is_empty() || req.questions.len() > 10 {
        return Err(ApiError::Invalid("questions: give 1 to 10".into()));
    }
    if req.member_ids.is_empty() {
        return Err(ApiError::Invalid("member_ids: name at least one member".into()));
    }
    let questions = req.questions.iter().map(|q| validate::name("questions", q)).collect::<Result<Vec<_>, _>>()?;
    Ok(Command::CreateCheckIn {
        channel,
        title: validate::name("title", &req.title)?,
        questions,
        ask_at: clock("ask_at", &req.ask_at)?,
        digest_at: clock("digest_at", &req.digest_at)?,
        members: req.member_ids,
        cadence: validate::cadence("cadence", &req.cadence.unwrap_or_default())?,
    })
}

/// Check-ins in channels you may see.
#[utoipa::path(get, path = "/api/v1/checkins", tag = "checkins", security(("bearer" = [])),
    responses((status = 200, body = [CheckIn])))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<CheckIn>>> {
    Ok(Json(state.store.checkins(&auth.viewer).await?))
}

/// A check-in with its asks: who was asked on which local day, and who answered.
#[utoipa::path(get, path = "/api/v1/checkins/{checkin_id}", tag = "checkins", security(("bearer" = [])),
    params(("checkin_id" = i64, Path)), responses((status = 200, body = CheckIn), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<CheckIn>> {
    Ok(Json(state.store.checkin(&auth.viewer, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInAnswer {
    pub body: String,
}

/// Answers your latest ask: a message in the check-in's thread.
#[utoipa::path(post, path = "/api/v1/checkins/{checkin_id}/answers", tag = "checkins", security(("bearer" = [])),
    params(("checkin_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CheckInAnswer,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn answer(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CheckInAnswer>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = answer_command(id, req)?;
    let message =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// The command that answers the viewer's latest ask of check-in `id`, its body checked.
pub(crate) fn answer_command(id: i64, req: CheckInAnswer) -> ApiResult<Command> {
    Ok(Command::AnswerCheckIn { id, body: validate::message_body("body", &req.body)? })
}
