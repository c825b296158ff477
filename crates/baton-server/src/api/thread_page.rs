//! Paging through a channel's or a conversation's threads: the most recently active first (the
//! default, `order=activity`, then `cursor`), or by id from the first (`order=id`, or `after`),
//! with the next page in a `Link` header (RFC 8288).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_store::{ActivityCursor, Page, ThreadHome, Viewer};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The order of a list of threads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadOrder {
    /// By id, the first thread first, a channel's timeline included; pages with `after`.
    Id,
    /// The most recently active first (last message, else when it began), a channel's timeline
    /// left out; pages with `cursor`. The default.
    #[default]
    Activity,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadPageQuery {
    /// `activity` (the default, unless `after` is given) or `id`.
    pub order: Option<ThreadOrder>,
    /// With `order=id` (which it implies): threads after this id (the last id of the page before).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// With `order=activity`: where the page before stopped, as its `Link: rel="next"` gives it.
    pub cursor: Option<String>,
    /// At most this many threads (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// One page of `home`'s threads as JSON, with `Link: <…>; rel="next"` when the page is full.
/// `path` is the list's own path, for the link.
pub(crate) async fn list(
    state: &AppState,
    viewer: &Viewer,
    home: ThreadHome,
    query: &ThreadPageQuery,
    path: &str,
) -> ApiResult<Response> {
    let limit = query.limit.unwrap_or(200).clamp(1, Page::MAX_LIMIT);
    // `after` alone asks for the order it pages (by id), as it did before activity was the default.
    let order = query.order.unwrap_or(if query.after.is_some() { ThreadOrder::Id } else { ThreadOrder::Activity });
    let (threads, next) = match order {
        ThreadOrder::Id => {
            if query.cursor.is_some() {
                return Err(ApiError::BadRequest("cursor goes with order=activity; order=id pages with after".into()));
            }
            if query.after.is_some_and(|after| after < 0) {
                return Err(ApiError::BadRequest("after must be 0 or more".into()));
            }
            let page = Page::new(query.after, Some(limit));
            let threads = match home {
                ThreadHome::Channel(id) => state.store.threads(viewer, id, page).await?,
                ThreadHome::Dm(id) => state.store.dm_threads(viewer, id, page).await?,
            };
            let next = threads.last().map(|t| format!("<{path}?after={}&limit={limit}>; rel=\"next\"", t.id));
            (threads, next)
        }
        ThreadOrder::Activity => {
            if query.after.is_some() {
                return Err(ApiError::BadRequest("order=activity pages with cursor, not after".into()));
            }
            let cursor = match query.cursor.as_deref().map(str::parse::<ActivityCursor>) {
                None => None,
                Some(Ok(cursor)) => Some(cursor),
                Some(Err(())) => return Err(ApiError::BadRequest("cursor is not one a Link header gave".into())),
            };
            let threads = state.store.active_threads(viewer, home, cursor, limit).await?;
            let next = threads.last().map(|t| {
                format!("<{path}?order=activity&cursor={}&limit={limit}>; rel=\"next\"", ActivityCursor::after(t))
            });
            (threads, next)
        }
    };
    let full = threads.len() == limit as usize;
    let mut response = Json(threads).into_response();
    if let Some(next) = next.filter(|_| full) {
        if let Ok(value) = next.parse() {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}
