//! The notification inbox: mentions, direct messages, replies in threads you take part in and
//! tasks assigned to you. Notifications that arrive outside your working hours are held until
//! your next working period starts (urgent ones are not); live, each delivery is a
//! `notification.delivered` event on your stream.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::model::Notification;
use baton_store::Answer;
use baton_store::{Command, Envelope};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/inbox", get(inbox)).route("/api/v1/inbox/read", post(read))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(inbox, read))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only notifications not read yet.
    pub unread: Option<bool>,
    /// Also those held until your next working period (not delivered yet).
    pub held: Option<bool>,
    /// Only those older than this id (the last id of the page before).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Your notifications, newest first, a page at a time: `Link: <…>; rel="next"` names the older
/// page while pages are full.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "notifications", security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, body = [Notification], headers(("Link" = String, description = "the older page"))),
              (status = 400, body = ErrorBody)))]
async fn inbox(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> ApiResult<Response> {
    if query.before.is_some_and(|before| before < 1) {
        return Err(ApiError::BadRequest("before must be 1 or more".into()));
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let (unread, held) = (query.unread.unwrap_or(false), query.held.unwrap_or(false));
    let found = state.store.notifications(&auth.viewer, unread, held, query.before, limit).await?;
    let next = found.last().filter(|_| found.len() == limit as usize).map(|last| {
        format!("</api/v1/inbox?unread={unread}&held={held}&before={}&limit={limit}>; rel=\"next\"", last.id)
    });
    let mut response = Json(found).into_response();
    if let Some(value) = next.and_then(|next| next.parse().ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkRead {
    /// These notifications; leave out to mark every delivered one.
    pub ids: Option<Vec<i64>>,
}

/// Marks notifications read; answers `{"read": n}`.
#[utoipa::path(post, path = "/api/v1/inbox/read", tag = "notifications", security(("bearer" = [])), request_body = MarkRead,
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
async fn read(State(state): State<AppState>, auth: Auth, ApiJson(req): ApiJson<MarkRead>) -> ApiResult<Json<Answer>> {
    let command = Command::ReadNotifications { ids: req.ids };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}
