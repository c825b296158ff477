//! Baton's HTTP side: the REST API under `/api/v1`, the WebSocket stream, the OpenAPI document.
//! Only this crate knows HTTP, status codes and the JSON error body.

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod scheduler;
pub mod state;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ApiResult};
pub use state::AppState;

/// Largest request body. A message is at most 40,000 characters; this leaves room for JSON
/// escaping and refuses anything that is clearly not a message.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole application.
pub fn router(state: AppState) -> Router {
    // Serialized straight from utoipa's ordered maps (a serde_json::Value would sort the paths),
    // so the document reads in the order of the code: setup and members first.
    let openapi_json = openapi::document().to_json().unwrap_or_else(|_| "{}".into());
    Router::new()
        .route("/healthz", get(health))
        .route("/api/v1/healthz", get(health))
        .route(
            "/api/v1/openapi.json",
            get(move || async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json) }),
        )
        .merge(api::router())
        .merge(web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(std::io::Error::other("a handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// How long a request may take before it is answered 503 `busy` (a JSON error like any other).
/// A write already queued may still commit after that; a retry with the same Idempotency-Key
/// then returns it instead of writing twice.
const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Also says how long the server took to make the answer (everything but sending its body), as
/// `Server-Timing: app;dur=<milliseconds>`: what `bench/pages` reads as the server-side time.
async fn time_limit(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut response = match tokio::time::timeout(REQUEST_TIME_LIMIT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Busy.into_response(),
    };
    let took = format!("app;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = axum::http::HeaderValue::from_str(&took) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

async fn health() -> &'static str {
    "ok"
}

/// An unknown URL: the API's JSON error for API paths and for clients that do not ask for a page,
/// an HTML page for a browser.
async fn not_found(request: axum::extract::Request) -> axum::response::Response {
    let wants_page = !request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page {
        web::not_found_page()
    } else {
        ApiError::NotFound("no such route; see /api/v1/openapi.json".into()).into_response()
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this route does not take that method; see /api/v1/openapi.json".into())
}

/// Serves `router` on `addr` until `shutdown` resolves, then lets requests in flight finish.
/// The caller runs the [`scheduler::Scheduler`] beside it (tests drive their own clock).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
