//! The web app: server-rendered pages for people in a browser, on the same store, commands and
//! rules as the API. No front-end build: pages are maud templates, and the stylesheet and the
//! one small script (live updates over the stream) are embedded in the binary.
//!
//! Every page is sent with a strict Content-Security-Policy (no inline script or style), forms
//! carry a CSRF token, and the session cookie is `HttpOnly; SameSite=Lax` (`Secure` behind TLS).

mod account;
mod admin;
mod channels;
mod checkins;
mod dms;
mod huddles;
mod inbox;
mod insights;
mod layout;
mod messages;
mod page_error;
mod projects;
mod scheduled;
mod search;
mod session;
mod settings;
mod sidebar;
mod thread_list;
mod threads;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use page_error::PageError;
pub use session::cookie_token;

use crate::AppState;

/// What a page may load: only this origin's script, style and images; no inline script, no
/// framing, forms only to this origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
     form-action 'self'";

/// One stylesheet, put together from each part's own file.
const APP_CSS: &str = concat!(
    include_str!("../assets/app.css"),
    include_str!("../assets/projects.css"),
    include_str!("../assets/insights.css"),
    include_str!("../assets/huddles.css"),
);
const APP_JS: &str = include_str!("../assets/app.js");
const SIDEBAR_JS: &str = include_str!("../assets/sidebar.js");

/// The pages and their assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(channels::index))
        .route("/setup", get(account::setup_page).post(account::setup))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/channels", get(channels::channels_fragment).post(channels::create))
        .route("/c/{id}", get(channels::show))
        .route("/c/{id}/threads", get(channels::threads_fragment).post(channels::start_thread))
        .route("/c/{id}/settings", post(channels::settings))
        .route("/c/{id}/members", post(channels::add_member))
        .route("/c/{id}/members/{member}/remove", post(channels::remove_member))
        .route("/t/{id}", get(threads::show))
        .route("/t/{id}/messages", get(threads::messages_fragment).post(threads::post))
        .route("/t/{id}/messages/{message}", get(threads::message_fragment))
        .route("/t/{id}/state", post(threads::set_state))
        .route("/t/{id}/tags", post(threads::set_tags))
        .merge(messages::routes())
        .merge(dms::routes())
        .merge(settings::routes())
        .merge(scheduled::routes())
        .merge(admin::routes())
        .merge(projects::routes())
        .merge(insights::routes())
        .merge(huddles::routes())
        .merge(checkins::routes())
        .merge(inbox::routes())
        .merge(search::routes())
        .merge(sidebar::routes())
        .route("/static/app.css", get(|| asset("text/css; charset=utf-8", APP_CSS)))
        .route("/static/app.js", get(|| asset("text/javascript; charset=utf-8", APP_JS)))
        .route("/static/sidebar.js", get(|| asset("text/javascript; charset=utf-8", SIDEBAR_JS)))
        .layer(axum::middleware::from_fn(session::csrf_cookie))
        .layer(axum::middleware::from_fn(security_headers))
}

/// The page for a URL that leads nowhere, with the headers every page gets.
pub fn not_found_page() -> Response {
    let page = layout::bare(
        "Page not found",
        maud::html! {
            h1 { "Page not found" }
            p { "There is no page at this address. It may have moved, or the link has a typo." }
            p { a href="/" { "Back to the start" } }
        },
    );
    let mut response = (axum::http::StatusCode::NOT_FOUND, page).into_response();
    page_headers(response.headers_mut());
    response
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    // Assets change only with the binary; an hour is short enough for an upgrade to show.
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

async fn security_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    page_headers(response.headers_mut());
    response
}

fn page_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}
