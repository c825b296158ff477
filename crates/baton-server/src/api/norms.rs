//! Norms: how soon replies are expected, per channel and for the workspace, in working hours;
//! and follow-ups: "if nobody answers this within the norm, notify X".

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use baton_core::model::Norms;
use baton_core::{ChannelId, MemberId, MessageId};
use baton_store::Answer;
use baton_store::{Command, Envelope};
use serde::Deserialize;
use utoipa::ToSchema;

use super::double_option;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/norms", get(list).put(set_default))
        .route("/api/v1/channels/{channel_id}/norm", put(set_channel))
        .route("/api/v1/messages/{message_id}/follow-up", post(follow_up))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, set_default, set_channel, follow_up))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// Hours (fractions allowed) as whole working minutes.
pub(crate) fn minutes(field: &str, hours: f64) -> ApiResult<i64> {
    if !hours.is_finite() || hours <= 0.0 || hours > 80.0 {
        return Err(ApiError::Invalid(format!("{field}: must be more than 0 and at most 80 working hours")));
    }
    Ok(((hours * 60.0).round() as i64).max(1))
}

/// The workspace's reply norm and the channels with their own.
#[utoipa::path(get, path = "/api/v1/norms", tag = "norms", security(("bearer" = [])),
    responses((status = 200, body = Norms)))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Norms>> {
    Ok(Json(state.store.norms(&auth.viewer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DefaultNorm {
    /// Working hours within which a reply is expected (e.g. 4).
    pub reply_within_hours: f64,
}

/// Sets the workspace's default reply norm (owners and admins).
#[utoipa::path(put, path = "/api/v1/norms", tag = "norms", security(("bearer" = [])), request_body = DefaultNorm,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_default(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<DefaultNorm>,
) -> ApiResult<Json<Answer>> {
    let command = Command::SetNorm {
        channel: None,
        reply_within_minutes: Some(minutes("reply_within_hours", req.reply_within_hours)?),
    };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChannelNormRequest {
    /// Working hours within which a reply is expected here; `null` returns to the default.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub reply_within_hours: Option<Option<f64>>,
}

/// Sets a channel's own reply norm (its creator or an admin).
#[utoipa::path(put, path = "/api/v1/channels/{channel_id}/norm", tag = "norms", security(("bearer" = [])),
    params(("channel_id" = i64, Path)), request_body = ChannelNormRequest,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn set_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel): ApiPath<i64>,
    ApiJson(req): ApiJson<ChannelNormRequest>,
) -> ApiResult<Json<Answer>> {
    let Some(hours) = req.reply_within_hours else {
        return Err(ApiError::Invalid("reply_within_hours: give a number of hours, or null for the default".into()));
    };
    let reply_within_minutes = hours.map(|h| minutes("reply_within_hours", h)).transpose()?;
    let command = Command::SetNorm { channel: Some(ChannelId(channel)), reply_within_minutes };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUp {
    /// Who to notify if nobody answers in time.
    pub notify_member_id: MemberId,
    /// Working hours to wait (default: the channel's norm, else the workspace's).
    pub within_hours: Option<f64>,
}

/// Nudge if no reply: if nobody but its author answers the message within the norm (working
/// hours of the workspace calendar), notifies a member; an answer cancels it.
#[utoipa::path(post, path = "/api/v1/messages/{message_id}/follow-up", tag = "norms", security(("bearer" = [])),
    params(("message_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = FollowUp,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn follow_up(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(message): ApiPath<i64>,
    ApiJson(req): ApiJson<FollowUp>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let within_minutes = req.within_hours.map(|h| minutes("within_hours", h)).transpose()?;
    let command = Command::FollowUp { message: MessageId(message), notify: req.notify_member_id, within_minutes };
    let answer =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}
