//! Channels and their membership.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use baton_core::model::{Channel, Member, Visibility};
use baton_core::{validate, ChannelId, MemberId};
use baton_store::Answer;
use baton_store::{Command, Envelope};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/channels", get(list).post(create))
        .route("/api/v1/channels/{channel_id}", get(show).patch(update))
        .route("/api/v1/channels/{channel_id}/members", get(members).post(add_member))
        .route("/api/v1/channels/{channel_id}/members/{member_id}", delete(remove_member))
        .route("/api/v1/channels/{channel_id}/join", post(join))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, show, update, members, add_member, join, remove_member))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// The channels the signed-in member may see, by name.
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels", security(("bearer" = [])),
    responses((status = 200, body = [Channel]), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(state.store.channels(&auth.viewer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateChannel {
    /// 1–80 of `a-z 0-9 . _ -` (spaces become `-`); unique in the workspace.
    pub name: String,
    /// `public` (default): every member but guests sees it; `private`: its members only.
    pub visibility: Option<Visibility>,
    pub topic: Option<String>,
    /// Members to add besides the creator.
    pub member_ids: Option<Vec<MemberId>>,
}

/// Creates a channel; its creator is its first member.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", security(("bearer" = [])), request_body = CreateChannel,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Channel), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiJson(req): ApiJson<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = Command::CreateChannel {
        name: validate::channel_name("name", &req.name)?,
        visibility: req.visibility.unwrap_or(Visibility::Public),
        topic: validate::text("topic", req.topic.as_deref().unwrap_or(""), validate::MAX_NAME_CHARS)?,
        members: req.member_ids.unwrap_or_default(),
    };
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/channels/{channel_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = i64, Path)), responses((status = 200, body = Channel), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Channel>> {
    Ok(Json(state.store.channel(&auth.viewer, ChannelId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateChannel {
    pub name: Option<String>,
    pub topic: Option<String>,
    pub archived: Option<bool>,
}

/// Renames, re-topics or archives a channel (its creator or an admin).
#[utoipa::path(patch, path = "/api/v1/channels/{channel_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = i64, Path)), request_body = UpdateChannel,
    responses((status = 200, body = Channel), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateChannel>,
) -> ApiResult<Json<Answer>> {
    let command = Command::UpdateChannel {
        id: ChannelId(id),
        name: req.name.map(|n| validate::channel_name("name", &n)).transpose()?,
        topic: req.topic.map(|t| validate::text("topic", &t, validate::MAX_NAME_CHARS)).transpose()?,
        archived: req.archived,
    };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/members", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = i64, Path)), responses((status = 200, body = [Member]), (status = 404, body = ErrorBody)))]
async fn members(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.store.channel_members(&auth.viewer, ChannelId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddChannelMember {
    pub member_id: MemberId,
}

/// Adds a member to a channel (for a private channel, only its members may).
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/members", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = i64, Path)), request_body = AddChannelMember,
    responses((status = 200, body = Channel), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AddChannelMember>,
) -> ApiResult<Json<Answer>> {
    let command = Command::AddChannelMember { channel: ChannelId(id), member: req.member_id };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// Joins a public channel.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/join", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = i64, Path)),
    responses((status = 200, body = Channel), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn join(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Answer>> {
    let command = Command::AddChannelMember { channel: ChannelId(id), member: auth.viewer.member };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// Removes a member from a channel (oneself, or by its creator or an admin).
#[utoipa::path(delete, path = "/api/v1/channels/{channel_id}/members/{member_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = i64, Path), ("member_id" = i64, Path)),
    responses((status = 200, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((channel, member)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Answer>> {
    let command = Command::RemoveChannelMember { channel: ChannelId(channel), member: MemberId(member) };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}
