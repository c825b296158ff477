//! The browser's session: a cookie holding the same kind of token the API issues, and a CSRF
//! token (double-submit: a cookie the page's forms repeat in a hidden field, which another site
//! can neither read nor set).

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Form;
use baton_core::model::{Member, Notification};
use baton_core::{DmId, MessageId, ThreadId};
use baton_store::{MessageTarget, Viewer};

use super::PageError;
use crate::{auth, AppState};

pub const SESSION_COOKIE: &str = "baton_session";
const CSRF_COOKIE: &str = "baton_csrf";
/// Sessions last as long as API tokens; the cookie a year, so closing the browser keeps you in.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

/// The value of cookie `name` in a request's headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// Whether the request came over TLS (directly or through a proxy that says so): then cookies
/// are `Secure`.
fn over_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(name: &str, value: &str, max_age: u32, tls: bool) -> Option<HeaderValue> {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")).ok()
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(token: &str, headers: &HeaderMap) -> Option<HeaderValue> {
    set_cookie(SESSION_COOKIE, token, COOKIE_MAX_AGE, over_tls(headers))
}

/// `Set-Cookie` that ends the session in the browser.
pub fn cleared_session_cookie(headers: &HeaderMap) -> Option<HeaderValue> {
    set_cookie(SESSION_COOKIE, "", 0, over_tls(headers))
}

/// The session token a browser's WebSocket handshake carries in its cookie, accepted only when
/// the handshake comes from a page of this same origin (browsers send cookies with cross-site
/// WebSocket handshakes, and SameSite does not stop them).
pub fn cookie_token(parts: &Parts) -> Option<String> {
    let origin = parts.headers.get(ORIGIN)?.to_str().ok()?;
    let host = parts.headers.get(HOST)?.to_str().ok()?;
    let origin_host = origin.split_once("://").map(|(_, rest)| rest)?;
    (origin_host == host).then(|| cookie(&parts.headers, SESSION_COOKIE)).flatten()
}

/// The CSRF token of this browser, which forms repeat in `_csrf`.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CsrfToken>().cloned().ok_or(PageError::Csrf)
    }
}

impl CsrfToken {
    /// Whether a submitted form repeats this browser's token (and, when the browser says where
    /// the form came from, that it came from this site).
    fn check(&self, submitted: &str, headers: &HeaderMap) -> Result<(), PageError> {
        let same_origin = match (headers.get(ORIGIN).and_then(|v| v.to_str().ok()), headers.get(HOST)) {
            (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) == host.to_str().ok(),
            _ => true,
        };
        let equal = submitted.len() == self.0.len()
            && submitted.bytes().zip(self.0.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same_origin && equal && !submitted.is_empty() {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }
}

/// Gives every page request a CSRF token (the browser's own, or a new one set as a cookie), and
/// refuses every form post that does not repeat it in `_csrf`: here, once, rather than in each
/// handler, so no form can forget it.
pub async fn csrf_cookie(mut request: Request, next: Next) -> Response {
    let existing = cookie(request.headers(), CSRF_COOKIE).filter(|t| t.len() == 64);
    let tls = over_tls(request.headers());
    let token = CsrfToken(existing.clone().unwrap_or_else(auth::new_token));
    if request.method() == Method::POST {
        request = match checked(request, &token).await {
            Ok(request) => request,
            Err(refused) => return refused.into_response(),
        };
    }
    request.extensions_mut().insert(token.clone());
    let token = token.0;
    let mut response = next.run(request).await;
    if existing.is_none() {
        if let Some(value) = set_cookie(CSRF_COOKIE, &token, COOKIE_MAX_AGE, tls) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The form post, given back whole, if its `_csrf` field repeats the browser's token.
async fn checked(request: Request, token: &CsrfToken) -> Result<Request, PageError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .map_err(|_| PageError::Other(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.".into()))?;
    let form = Request::builder()
        .method(Method::POST)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(bytes.clone()))
        .map_err(|_| PageError::Csrf)?;
    let Form(fields) = Form::<Vec<(String, String)>>::from_request(form, &()).await.map_err(|_| PageError::Csrf)?;
    let submitted = fields.iter().find(|(name, _)| name == "_csrf").map_or("", |(_, value)| value.as_str());
    token.check(submitted, &parts.headers)?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The signed-in member of a page request; without a session, the page sends them to sign in
/// (or, on a fresh server, to set the workspace up).
pub struct Signed {
    pub viewer: Viewer,
    pub member: Member,
    pub csrf: CsrfToken,
    /// Unread notifications, up to [`INBOX_COUNT_CAP`]: the navigation shows the count.
    pub inbox_unread: usize,
    /// Where the unread mentions among those notifications are: the sidebar marks those
    /// conversations (read from the same notifications, so it costs no query of its own).
    pub mentions: Vec<Mentioned>,
}

/// An unread mention of the viewer: the message, and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mentioned {
    pub message: MessageId,
    pub place: MessageTarget,
}

impl Mentioned {
    /// Where a notification's mention is, if it is one.
    fn of(notification: &Notification) -> Option<Mentioned> {
        if notification.kind != "mention" {
            return None;
        }
        let payload = &notification.payload;
        let message = MessageId(payload["message_id"].as_i64()?);
        let place = match (payload["thread_id"].as_i64(), payload["dm_id"].as_i64()) {
            (Some(thread), _) => MessageTarget::Thread(ThreadId(thread)),
            (None, Some(dm)) => MessageTarget::Dm(DmId(dm)),
            (None, None) => return None,
        };
        Some(Mentioned { message, place })
    }
}

/// The inbox count in the navigation stops at this (shown as "99+").
pub const INBOX_COUNT_CAP: usize = 100;

impl FromRequestParts<AppState> for Signed {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let csrf = CsrfToken::from_request_parts(parts, state).await?;
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(if state.store.workspace().await?.is_none() { PageError::Setup } else { PageError::SignIn });
        };
        let signed = auth::authenticate(state, &token).await.map_err(|_| PageError::SignIn)?;
        let unread = state.store.notifications(&signed.viewer, true, false, None, INBOX_COUNT_CAP as u32).await?;
        let mentions = unread.iter().filter_map(Mentioned::of).collect();
        Ok(Signed { viewer: signed.viewer, member: signed.member, csrf, inbox_unread: unread.len(), mentions })
    }
}

/// The session token in a request's cookie (for signing out).
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}
