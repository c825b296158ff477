//! First run (create the workspace and its owner), signing in and out.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_store::{Command, Envelope};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{bare, csrf_field};
use super::session::{cleared_session_cookie, session_cookie, session_token, CsrfToken};
use super::PageError;
use crate::api::auth::{set_up, sign_in, LoginRequest, SetupRequest};
use crate::{auth, AppState};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    workspace_name: String,
    time_zone: String,
    handle: String,
    display_name: String,
    email: String,
    password: String,
    /// The one-time setup token from the URL the server printed.
    token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupQuery {
    token: String,
}

fn setup_form(csrf: &CsrfToken, form: &SetupForm, error: Option<&str>, gated: bool) -> Markup {
    bare(
        "Set up Baton",
        html! {
            h1 { "Set up your workspace" }
            p { "You are the first here: name the workspace and create the owner's account." }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action="/setup" {
                (csrf_field(csrf))
                @if gated && form.token.is_empty() {
                    p.hint { "Open the setup link the server printed when it started, or paste the token from the "
                        "data directory's " code { "setup-token" } " file." }
                    label { "Setup token" input name="token" required autocomplete="off"; }
                } @else if gated {
                    input type="hidden" name="token" value=(form.token);
                }
                label { "Workspace name" input name="workspace_name" required value=(form.workspace_name) autocomplete="organization"; }
                label { "Time zone (IANA, e.g. Europe/Berlin)"
                    input name="time_zone" required value=(if form.time_zone.is_empty() { "UTC" } else { &form.time_zone }); }
                label { "Your handle" input name="handle" required pattern="[a-z0-9._\\-]{1,40}" value=(form.handle) autocomplete="username"; }
                label { "Your name" input name="display_name" value=(form.display_name) autocomplete="name"; }
                label { "E-mail" input type="email" name="email" required value=(form.email) autocomplete="email"; }
                label { "Password (at least 8 characters)" input type="password" name="password" required minlength="8" autocomplete="new-password"; }
                button type="submit" { "Create workspace" }
            }
        },
    )
}

pub async fn setup_page(
    State(state): State<AppState>,
    csrf: CsrfToken,
    Query(query): Query<SetupQuery>,
) -> Result<Response, PageError> {
    if state.store.workspace().await?.is_some() {
        return Ok(Redirect::to("/login").into_response());
    }
    let form = SetupForm { token: query.token, ..SetupForm::default() };
    Ok(setup_form(&csrf, &form, None, state.setup_gate().is_some()).into_response())
}

pub async fn setup(
    State(state): State<AppState>,
    csrf: CsrfToken,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, PageError> {
    if state.store.workspace().await?.is_some() {
        return Ok(Redirect::to("/login").into_response());
    }
    let request = SetupRequest {
        workspace_name: form.workspace_name.clone(),
        handle: form.handle.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        display_name: Some(form.display_name.clone()).filter(|n| !n.trim().is_empty()),
        time_zone: Some(form.time_zone.clone()).filter(|z| !z.trim().is_empty()),
        working_hours: None,
        setup_token: Some(form.token.clone()),
    };
    match set_up(&state, request).await {
        Ok(created) => Ok(signed_in(&created.token, &headers)),
        Err(err) => {
            let status = err.status();
            // A wrong token is asked for again rather than kept.
            let form = match err {
                crate::ApiError::Forbidden(_) => SetupForm { token: String::new(), ..form },
                _ => form,
            };
            Ok((status, setup_form(&csrf, &form, Some(&err.to_string()), state.setup_gate().is_some())).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
}

fn login_form(csrf: &CsrfToken, email: &str, error: Option<&str>) -> Markup {
    bare(
        "Sign in",
        html! {
            h1 { "Sign in to Baton" }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action="/login" {
                (csrf_field(csrf))
                label { "E-mail or handle" input name="email" required value=(email) autocomplete="username"; }
                label { "Password" input type="password" name="password" required autocomplete="current-password"; }
                button type="submit" { "Sign in" }
            }
        },
    )
}

pub async fn login_page(State(state): State<AppState>, csrf: CsrfToken) -> Result<Response, PageError> {
    if state.store.workspace().await?.is_none() {
        return Err(PageError::Setup);
    }
    Ok(login_form(&csrf, "", None).into_response())
}

pub async fn login(
    State(state): State<AppState>,
    csrf: CsrfToken,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    match sign_in(&state, LoginRequest { email: form.email.clone(), password: form.password }).await {
        Ok(session) => Ok(signed_in(&session.token, &headers)),
        Err(err) => Ok((err.status(), login_form(&csrf, &form.email, Some(&err.to_string()))).into_response()),
    }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(token) = session_token(&headers) {
        let command = Command::RevokeToken { token_hash: auth::token_hash(&token) };
        state.store.execute(Envelope::system(state.now(), command)).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Some(cookie) = cleared_session_cookie(&headers) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// To the start page with a new session cookie.
fn signed_in(token: &str, headers: &HeaderMap) -> Response {
    let mut response = Redirect::to("/").into_response();
    match session_cookie(token, headers) {
        Some(cookie) => {
            response.headers_mut().append(SET_COOKIE, cookie);
            response
        }
        None => (StatusCode::INTERNAL_SERVER_ERROR, "could not set the session cookie").into_response(),
    }
}
