//! Messages in threads: post, read, edit (history kept), delete (tombstone), react.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use baton_core::model::{Message, MessageVersion};
use baton_core::text::MessageText;
use baton_core::{validate, MessageId, ThreadId};
use baton_store::Answer;
use baton_store::{Command, Envelope, MessageTarget};
use serde::Deserialize;
use utoipa::ToSchema;

use super::message_page::{self, MessagePageQuery};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads/{thread_id}/messages", get(list).post(post_message))
        .route("/api/v1/messages/{message_id}", get(show).patch(edit).delete(remove))
        .route("/api/v1/messages/{message_id}/history", get(history))
        .route("/api/v1/messages/{message_id}/replies", post(reply))
        .route("/api/v1/messages/{message_id}/reactions", post(react))
        .route("/api/v1/messages/{message_id}/reactions/{emoji}", delete(unreact))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, post_message, reply, show, edit, remove, history, react, unreact))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// A new message. Markdown; `@handle` mentions a member.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PostMessage {
    /// Markdown, 1–40,000 characters.
    pub body: String,
    /// Notifies at once, even outside the recipients' working hours.
    pub urgent: Option<bool>,
}

impl PostMessage {
    pub(crate) fn into_command(self, target: MessageTarget) -> ApiResult<Command> {
        Ok(Command::PostMessage {
            target,
            text: MessageText::new(validate::message_body("body", &self.body)?),
            urgent: self.urgent.unwrap_or(false),
        })
    }
}

/// A thread's messages, a page at a time: from the beginning (`after`), or back from the newest
/// (`newest=true`, then `before`). Each page is oldest first; `Link` names the next
/// (`rel="next"`) and older (`rel="prev"`) pages.
#[utoipa::path(get, path = "/api/v1/threads/{thread_id}/messages", tag = "messages", security(("bearer" = [])),
    params(("thread_id" = i64, Path), MessagePageQuery),
    responses((status = 200, body = [Message], headers(("Link" = String, description = "the next and older pages"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(thread): ApiPath<i64>,
    ApiQuery(query): ApiQuery<MessagePageQuery>,
) -> ApiResult<Response> {
    let path = format!("/api/v1/threads/{thread}/messages");
    message_page::list(&state, &auth.viewer, MessageTarget::Thread(ThreadId(thread)), &query, &path).await
}

/// Posts a message in a thread. A retry with the same `Idempotency-Key` returns the first
/// message and posts nothing new.
#[utoipa::path(post, path = "/api/v1/threads/{thread_id}/messages", tag = "messages", security(("bearer" = [])),
    params(("thread_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = PostMessage,
    responses((status = 201, body = Message), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn post_message(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(thread): ApiPath<i64>,
    ApiJson(req): ApiJson<PostMessage>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = req.into_command(MessageTarget::Thread(ThreadId(thread)))?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Replies to a message in its thread. A message in a timeline (a direct conversation's, or an
/// imported channel's) starts a thread: titled with its first 80 characters, it moves into the
/// thread as its first message, and the reply follows it. The answer is the reply, whose
/// `thread_id` is the thread. A retry with the same `Idempotency-Key` posts nothing new.
#[utoipa::path(post, path = "/api/v1/messages/{message_id}/replies", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = PostMessage,
    responses((status = 201, body = Message), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reply(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PostMessage>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = Command::Reply {
        message: MessageId(id),
        text: MessageText::new(validate::message_body("body", &req.body)?),
        urgent: req.urgent.unwrap_or(false),
    };
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/messages/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path)), responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Message>> {
    Ok(Json(state.store.message(&auth.viewer, MessageId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessage {
    pub body: String,
}

/// Edits one's own message; the earlier text is kept in its history.
#[utoipa::path(patch, path = "/api/v1/messages/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path)), request_body = EditMessage,
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<EditMessage>,
) -> ApiResult<Json<Answer>> {
    let text = MessageText::new(validate::message_body("body", &req.body)?);
    let command = Command::EditMessage { id: MessageId(id), text };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// Deletes a message, leaving a tombstone in its place (its author or an admin).
#[utoipa::path(delete, path = "/api/v1/messages/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Answer>> {
    let command = Command::DeleteMessage { id: MessageId(id) };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// Earlier versions of an edited message, oldest first.
#[utoipa::path(get, path = "/api/v1/messages/{message_id}/history", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path)),
    responses((status = 200, body = [MessageVersion]), (status = 404, body = ErrorBody)))]
async fn history(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<MessageVersion>>> {
    Ok(Json(state.store.message_versions(&auth.viewer, MessageId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct React {
    /// An emoji, or a short name such as `+1`.
    pub emoji: String,
}

/// Adds the signed-in member's reaction to a message.
#[utoipa::path(post, path = "/api/v1/messages/{message_id}/reactions", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path)), request_body = React,
    responses((status = 200, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn react(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<React>,
) -> ApiResult<Json<Answer>> {
    let command = Command::AddReaction { message: MessageId(id), emoji: validate::emoji("emoji", &req.emoji)? };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// Removes the signed-in member's reaction.
#[utoipa::path(delete, path = "/api/v1/messages/{message_id}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("message_id" = i64, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn unreact(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, emoji)): ApiPath<(i64, String)>,
) -> ApiResult<Json<Answer>> {
    let command = Command::RemoveReaction { message: MessageId(id), emoji: validate::emoji("emoji", &emoji)? };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}
