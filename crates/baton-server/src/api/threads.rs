//! Threads: titled topics in a channel (a direct conversation's are in `dms.rs`); resolve and
//! reopen them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::model::Thread;
use baton_core::text::MessageText;
use baton_core::{validate, ChannelId, ThreadId};
use baton_store::Answer;
use baton_store::{Command, Envelope, ThreadHome};
use serde::Deserialize;
use utoipa::ToSchema;

use super::thread_page::{self, ThreadPageQuery};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/channels/{channel_id}/threads", get(list).post(create))
        .route("/api/v1/threads/{thread_id}", get(show).patch(update))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, show, update))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// A channel's threads: by id from the first (`after`), or the most recently active first
/// (`order=activity`, then `cursor`); `Link` names the next page while pages are full.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/threads", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = i64, Path), ThreadPageQuery),
    responses((status = 200, body = [Thread], headers(("Link" = String, description = "the next page"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ThreadPageQuery>,
) -> ApiResult<Response> {
    let path = format!("/api/v1/channels/{channel}/threads");
    thread_page::list(&state, &auth.viewer, ChannelId(channel).into(), &query, &path).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateThread {
    pub title: String,
    /// Short words such as `brainstorm`, `decision`, `urgent`.
    pub tags: Option<Vec<String>>,
    /// An optional first message.
    pub body: Option<String>,
}

impl CreateThread {
    pub(crate) fn into_command(self, home: ThreadHome) -> ApiResult<Command> {
        Ok(Command::CreateThread {
            home,
            title: validate::name("title", &self.title)?,
            tags: validate::tags("tags", self.tags.as_deref().unwrap_or(&[]))?,
            body: self.body.map(|b| validate::message_body("body", &b).map(MessageText::new)).transpose()?,
        })
    }
}

/// Starts a thread in a channel, optionally with its first message.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/threads", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CreateThread,
    responses((status = 201, body = Thread), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(channel): ApiPath<i64>,
    ApiJson(req): ApiJson<CreateThread>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = req.into_command(ChannelId(channel).into())?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/threads/{thread_id}", tag = "threads", security(("bearer" = [])),
    params(("thread_id" = i64, Path)), responses((status = 200, body = Thread), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Thread>> {
    Ok(Json(state.store.thread(&auth.viewer, ThreadId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateThread {
    pub title: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `true` resolves the thread, `false` reopens it.
    pub resolved: Option<bool>,
}

/// Renames, re-tags, resolves or reopens a thread.
#[utoipa::path(patch, path = "/api/v1/threads/{thread_id}", tag = "threads", security(("bearer" = [])),
    params(("thread_id" = i64, Path)), request_body = UpdateThread,
    responses((status = 200, body = Thread), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateThread>,
) -> ApiResult<Json<Answer>> {
    let command = Command::UpdateThread {
        id: ThreadId(id),
        title: req.title.map(|t| validate::name("title", &t)).transpose()?,
        tags: req.tags.map(|t| validate::tags("tags", &t)).transpose()?,
        resolved: req.resolved,
    };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}
