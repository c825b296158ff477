//! Direct conversations: 1:1 and small groups, visible only to their participants.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::model::{Dm, Message, Thread};
use baton_core::{DmId, MemberId};
use baton_store::Answer;
use baton_store::{Command, Envelope, MessageTarget, ThreadHome};
use serde::Deserialize;
use utoipa::ToSchema;

use super::message_page::{self, MessagePageQuery};
use super::messages::PostMessage;
use super::thread_page::{self, ThreadPageQuery};
use super::threads::CreateThread;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dms", get(list).post(open))
        .route("/api/v1/dms/{dm_id}", get(show))
        .route("/api/v1/dms/{dm_id}/messages", get(messages).post(post_message))
        .route("/api/v1/dms/{dm_id}/threads", get(threads).post(create_thread))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, open, show, messages, post_message, threads, create_thread))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// The signed-in member's direct conversations, most recent first.
#[utoipa::path(get, path = "/api/v1/dms", tag = "dms", security(("bearer" = [])),
    responses((status = 200, body = [Dm]), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Dm>>> {
    Ok(Json(state.store.dms(&auth.viewer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenDm {
    /// The other participants (1–8); the signed-in member is always one. Naming only yourself
    /// opens your notes to self.
    pub member_ids: Vec<MemberId>,
}

/// Opens the conversation with exactly these people (or notes to self), or returns the one that exists.
#[utoipa::path(post, path = "/api/v1/dms", tag = "dms", security(("bearer" = [])), request_body = OpenDm,
    responses((status = 201, body = Dm), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<OpenDm>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = Command::OpenDm { members: req.member_ids, export_name: None };
    Ok((StatusCode::CREATED, Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?)))
}

#[utoipa::path(get, path = "/api/v1/dms/{dm_id}", tag = "dms", security(("bearer" = [])),
    params(("dm_id" = i64, Path)), responses((status = 200, body = Dm), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Dm>> {
    Ok(Json(state.store.dm(&auth.viewer, DmId(id)).await?))
}

/// The conversation's timeline (its messages outside any thread), a page at a time: from the
/// beginning (`after`), or back from the newest (`newest=true`, then `before`). Each page is
/// oldest first; `Link` names the next (`rel="next"`) and older (`rel="prev"`) pages.
#[utoipa::path(get, path = "/api/v1/dms/{dm_id}/messages", tag = "dms", security(("bearer" = [])),
    params(("dm_id" = i64, Path), MessagePageQuery),
    responses((status = 200, body = [Message], headers(("Link" = String, description = "the next and older pages"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn messages(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<MessagePageQuery>,
) -> ApiResult<Response> {
    let path = format!("/api/v1/dms/{id}/messages");
    message_page::list(&state, &auth.viewer, MessageTarget::Dm(DmId(id)), &query, &path).await
}

/// Sends a direct message. A retry with the same `Idempotency-Key` sends nothing new.
#[utoipa::path(post, path = "/api/v1/dms/{dm_id}/messages", tag = "dms", security(("bearer" = [])),
    params(("dm_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = PostMessage,
    responses((status = 201, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_message(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PostMessage>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = req.into_command(MessageTarget::Dm(DmId(id)))?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The conversation's threads: by id from the first (`after`), or the most recently active
/// first (`order=activity`, then `cursor`); `Link` names the next page while pages are full. A
/// reply to one of its messages (`POST /api/v1/messages/{message_id}/replies`) starts one.
#[utoipa::path(get, path = "/api/v1/dms/{dm_id}/threads", tag = "dms", security(("bearer" = [])),
    params(("dm_id" = i64, Path), ThreadPageQuery),
    responses((status = 200, body = [Thread], headers(("Link" = String, description = "the next page"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn threads(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ThreadPageQuery>,
) -> ApiResult<Response> {
    let path = format!("/api/v1/dms/{id}/threads");
    thread_page::list(&state, &auth.viewer, ThreadHome::Dm(DmId(id)), &query, &path).await
}

/// Starts a titled thread in the conversation, optionally with its first message.
#[utoipa::path(post, path = "/api/v1/dms/{dm_id}/threads", tag = "dms", security(("bearer" = [])),
    params(("dm_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CreateThread,
    responses((status = 201, body = Thread), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_thread(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CreateThread>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = req.into_command(ThreadHome::Dm(DmId(id)))?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
