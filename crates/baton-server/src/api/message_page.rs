//! Paging through a thread's messages or a conversation's timeline, both ways: forward from the
//! beginning (`after`), or back from the newest (`newest`, then `before`), with the next and
//! previous pages in a `Link` header (RFC 8288).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_core::MessageId;
use baton_store::{MessageTarget, Page, Viewer};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Default size of a page of messages.
const DEFAULT_LIMIT: u32 = 200;

/// Which messages to list. Every page lists its messages oldest first.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagePageQuery {
    /// Messages after this id (the last id of the page before), going forward.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// The messages just before this id (the first id of the page you have), going back.
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// `true`: the newest messages; go back from there with `before`.
    pub newest: Option<bool>,
    /// At most this many messages (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// One page of `target`'s messages as JSON, with `Link: <…>; rel="next"` when more follow and
/// `rel="prev"` when older ones come before. `path` is the list's own path, for the links.
pub(crate) async fn list(
    state: &AppState,
    viewer: &Viewer,
    target: MessageTarget,
    query: &MessagePageQuery,
    path: &str,
) -> ApiResult<Response> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, Page::MAX_LIMIT);
    let backward = query.before.is_some() || query.newest == Some(true);
    if backward && query.after.is_some() {
        return Err(ApiError::BadRequest("after cannot be combined with before or newest".into()));
    }
    if query.after.is_some_and(|after| after < 0) || query.before.is_some_and(|before| before < 1) {
        return Err(ApiError::BadRequest("after must be 0 or more, before 1 or more".into()));
    }
    let messages = if backward {
        let before = query.before.map(MessageId);
        let mut newest_first = state.store.latest_messages(viewer, target, before, limit).await?;
        newest_first.reverse();
        newest_first
    } else {
        let page = Page::new(query.after, Some(limit));
        match target {
            MessageTarget::Thread(id) => state.store.thread_messages(viewer, id, page).await?,
            MessageTarget::Dm(id) => state.store.dm_messages(viewer, id, page).await?,
        }
    };
    let full = messages.len() == limit as usize;
    let mut links = Vec::new();
    if let (Some(first), Some(last)) = (messages.first(), messages.last()) {
        if backward && full {
            links.push(format!("<{path}?before={}&limit={limit}>; rel=\"prev\"", first.id));
        }
        if (!backward && full) || query.before.is_some() {
            links.push(format!("<{path}?after={}&limit={limit}>; rel=\"next\"", last.id));
        }
    }
    let mut response = Json(messages).into_response();
    if !links.is_empty() {
        if let Ok(value) = links.join(", ").parse() {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}
