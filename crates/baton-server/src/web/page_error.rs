//! Why a page could not be shown, as an HTML page with the right status: never a JSON body, and
//! never the content the viewer may not see.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::layout;
use crate::ApiError;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): to the sign-in page.
    SignIn,
    /// The workspace is not set up yet: to the first-run page.
    Setup,
    /// Anything the viewer may not see, or that does not exist: one answer for both, so a URL
    /// tells nothing about what is behind it.
    Forbidden,
    /// A form's CSRF token is missing or wrong.
    Csrf,
    /// Anything else, with its status and a sentence for the person.
    Other(StatusCode, String),
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> PageError {
        match err {
            ApiError::Unauthenticated(_) => PageError::SignIn,
            ApiError::Forbidden(_) | ApiError::NotFound(_) => PageError::Forbidden,
            ApiError::Internal(source) => {
                tracing::error!(error = %source, "a page failed");
                PageError::Other(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.".into())
            }
            other => PageError::Other(other.status(), other.to_string()),
        }
    }
}

impl From<baton_store::Error> for PageError {
    fn from(err: baton_store::Error) -> PageError {
        PageError::from(ApiError::from(err))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::SignIn => return Redirect::to("/login").into_response(),
            PageError::Setup => return Redirect::to("/setup").into_response(),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not available",
                "You cannot see this page: it does not exist, or it is private to others.".to_string(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was not sent from this page, or it expired. Go back, reload and try again.".to_string(),
            ),
            PageError::Other(status, message) => (status, "Something is wrong", message),
        };
        (status, layout::bare(title, maud::html! { h1 { (title) } p.error role="alert" { (message) } p { a href="/" { "Back to the start" } } }))
            .into_response()
    }
}
