//! Message search, over what the signed-in member may see.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::model::Message;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(search))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Text to find in message bodies (case-insensitive for ASCII), 1–200 characters.
    pub q: String,
    /// At most this many messages (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Messages containing the text, newest first, from channels and conversations the member may
/// see.
#[utoipa::path(get, path = "/api/v1/search", tag = "messages", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = [Message]), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<Message>>> {
    let text = query.q.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(ApiError::Invalid("q: must be 1 to 200 characters".into()));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    Ok(Json(state.store.search(&auth.viewer, text, limit).await?))
}
