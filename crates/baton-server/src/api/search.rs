//! Message search, over what the signed-in member may see.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::calendar::parse_time_zone;
use baton_core::model::{Member, Message};
use baton_core::search::{snippet, Stretch};
use baton_store::{Search, SearchOrder, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(search), components(schemas(Found, Stretch, Order)))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to find, 1–200 characters: words (all must be in the message; case is ignored,
    /// words are runs of letters and digits), `"a phrase"` (its words in that order, side by
    /// side), a prefix such as `deplo*` (deploy, deployment, deployed), and filters:
    /// `in:#channel`, `from:@handle` (or `from:me`), `after:YYYY-MM-DD`, `before:YYYY-MM-DD`,
    /// `on:YYYY-MM-DD` (days in the member's time zone), `is:thread` (not a timeline) and
    /// `is:dm` (direct conversations). A repeated `in:` or `from:` means either.
    pub q: String,
    /// `relevance` (the default: messages holding the words more often first, then the newest,
    /// ranked among the newest 2,000 matches the viewer may read) or `newest` (every match).
    pub order: Option<Order>,
    /// At most this many messages (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The order of search results.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Relevance,
    Newest,
}

/// A message that matched, with the stretch of its body around the match.
#[derive(Debug, Serialize, ToSchema)]
pub struct Found {
    #[serde(flatten)]
    pub message: Message,
    /// About 200 characters of the body around the first match, as stretches in order;
    /// `match` marks the words the query found. `…` stands where the body was cut.
    pub snippet: Vec<Stretch>,
}

/// Messages that hold every word, phrase and prefix of `q` and pass its filters, from channels
/// and conversations the member may read; the best matches first unless `order=newest`.
/// A deleted message is never found.
#[utoipa::path(get, path = "/api/v1/search", tag = "messages", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = [Found]), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<Found>>> {
    let found = run(&state, &auth.viewer, &auth.member, &query.q, query.order, query.limit.unwrap_or(50)).await?;
    Ok(Json(found))
}

/// Runs the search `text` for `member`: shared by the API and the web page.
pub async fn run(
    state: &AppState,
    viewer: &Viewer,
    member: &Member,
    text: &str,
    order: Option<Order>,
    limit: u32,
) -> ApiResult<Vec<Found>> {
    let zone = parse_time_zone(&member.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut search = Search::parse(text, &zone, limit.clamp(1, Search::MAX_LIMIT))?;
    if let Some(Order::Newest) = order {
        search.order = SearchOrder::Newest;
    }
    let messages = state.store.search(viewer, &search).await?;
    Ok(messages.into_iter().map(|message| Found { snippet: snippet(&search.query, &message.body), message }).collect())
}
