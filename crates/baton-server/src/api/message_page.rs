//! Paging through a thread's messages or a conversation's timeline, both ways: back from the
//! newest (the default, then `before`), or forward (`after`, `after=0` from the beginning), with
//! the next page in the walk's direction and the previous one in a `Link` header (RFC 8288).

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

/// Which messages to list: the newest unless `after` or `before` says otherwise. Every page
/// lists its messages oldest first.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagePageQuery {
    /// Messages after this id (the last id of the page before), going forward.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// The messages just before this id (the first id of the page you have), going back.
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// `true`: the newest messages (what no parameter gives too); go back from there with
    /// `before`.
    pub newest: Option<bool>,
    /// At most this many messages (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// One page of `target`'s messages as JSON, with `Link: <…>; rel="next"` when more follow in the
/// walk's direction and `rel="prev"` for the other way. `path` is the list's own path, for the links.
pub(crate) async fn list(
    state: &AppState,
    viewer: &Viewer,
    target: MessageTarget,
    query: &MessagePageQuery,
    path: &str,
) -> ApiResult<Response> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, Page::MAX_LIMIT);
    if query.after.is_some() && (query.before.is_some() || query.newest == Some(true)) {
        return Err(ApiError::BadRequest("after cannot be combined with before or newest".into()));
    }
    // Back from the newest (or from `before`) unless `after` walks forward.
    let backward = query.after.is_none();
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
    // `next` goes on in the walk's direction (older when walking back from the newest), `prev`
    // the other way.
    let full = messages.len() == limit as usize;
    let mut links = Vec::new();
    if let (Some(first), Some(last)) = (messages.first(), messages.last()) {
        let older = format!("<{path}?before={}&limit={limit}>", first.id);
        let newer = format!("<{path}?after={}&limit={limit}>", last.id);
        if backward {
            if full {
                links.push(format!("{older}; rel=\"next\""));
            }
            if query.before.is_some() {
                links.push(format!("{newer}; rel=\"prev\""));
            }
        } else {
            if full {
                links.push(format!("{newer}; rel=\"next\""));
            }
            if query.after.is_some_and(|after| after > 0) {
                links.push(format!("{older}; rel=\"prev\""));
            }
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
