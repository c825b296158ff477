//! Administration for owners and admins: members (add with a password or an invitation, change
//! roles, deactivate) and reply norms. Also the invitation page a new member opens.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use baton_core::model::Role;
use baton_core::{ChannelId, MemberId};
use baton_store::{Command, Envelope};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{bare, csrf_field, page, Live};
use super::session::{session_cookie, CsrfToken, Signed};
use super::PageError;
use crate::api::auth::{accept, AcceptInvite};
use crate::api::members::{add_member, AddMember};
use crate::api::norms::minutes;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(show))
        .route("/admin/members", post(add))
        .route("/admin/members/{id}", post(change))
        .route("/admin/norms", post(norm))
        .route("/invite", get(invite_page).post(invite_accept))
}

fn admin_only(signed: &Signed) -> Result<(), PageError> {
    if signed.member.role.is_admin() {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

/// What the admin page says above its tables: an error (from the URL, it holds no secret), or a
/// member just added and their invitation link, rendered once in the answer to the form and never
/// put in a URL, where it would stay in the browser's history.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Notice {
    error: String,
    #[serde(skip)]
    invited: String,
    #[serde(skip)]
    link: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    admin_only(&signed)?;
    Ok(admin_page(&state, &signed, &notice).await?.into_response())
}

async fn admin_page(state: &AppState, signed: &Signed, notice: &Notice) -> Result<Markup, PageError> {
    let mut members = state.store.members(&signed.viewer).await?;
    members.sort_by(|a, b| (!a.active, &a.handle).cmp(&(!b.active, &b.handle)));
    let norms = state.store.norms(&signed.viewer).await?;
    let mut channels = state.store.channels(&signed.viewer).await?;
    channels.retain(|c| !c.archived);
    channels.sort_by(|a, b| a.name.cmp(&b.name));
    let hours = |minutes: i64| format!("{}", minutes as f64 / 60.0);
    Ok(page(
        "Admin",
        signed,
        Live::Nothing,
        html! {
            h1 { "Admin" }
            @if !notice.error.is_empty() { p.error role="alert" { (notice.error) } }
            @if !notice.invited.is_empty() {
                p.notice role="status" {
                    "@" (notice.invited) " was added."
                    @if let Some(link) = &notice.link {
                        " Send them this invitation link; it is shown only now: "
                        code.invite-link { (link) }
                    }
                }
            }
            h2 { "Members" }
            div.table-wrap {
                table.members {
                    thead { tr { th { "Member" } th { "Time zone" } th { "Role" } th { "Status" } } }
                    tbody {
                        @for member in &members {
                            tr.inactive[!member.active] {
                                td { "@" (member.handle) br; span.meta { (member.display_name) @if let Some(email) = &member.email { " · " (email) } } }
                                td { (member.time_zone) }
                                td {
                                    @if member.id == signed.member.id || member.role == Role::Owner {
                                        (member.role.as_str())
                                    } @else {
                                        form.inline-one method="post" action=(format!("/admin/members/{}", member.id)) {
                                            (csrf_field(&signed.csrf))
                                            label.visually-hidden for=(format!("role-{}", member.id)) { "Role of @" (member.handle) }
                                            select id=(format!("role-{}", member.id)) name="role" {
                                                @for role in ["admin", "member", "guest"] {
                                                    option value=(role) selected[member.role.as_str() == role] { (role) }
                                                }
                                            }
                                            button type="submit" { "Change role" }
                                        }
                                    }
                                }
                                td {
                                    @if member.id != signed.member.id && member.role != Role::Owner {
                                        form.inline-one method="post" action=(format!("/admin/members/{}", member.id)) {
                                            (csrf_field(&signed.csrf))
                                            input type="hidden" name="active" value=(if member.active { "false" } else { "true" });
                                            button type="submit" { @if member.active { "Deactivate" } @else { "Reactivate" } }
                                        }
                                    } @else {
                                        @if member.active { "active" } @else { "inactive" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a member" }
            form method="post" action="/admin/members" {
                (csrf_field(&signed.csrf))
                label { "Handle" input name="handle" required pattern="[a-z0-9._\\-]{1,40}"; }
                label { "E-mail" input type="email" name="email" required; }
                label { "Name" input name="display_name"; }
                label { "Time zone (IANA; empty: the workspace's)" input name="time_zone"; }
                label { "Role"
                    select name="role" { option value="member" selected { "member" } option value="admin" { "admin" } option value="guest" { "guest" } }
                }
                label { "Password (empty: send an invitation link instead)" input type="password" name="password" autocomplete="new-password"; }
                button type="submit" { "Add member" }
            }
            h2 { "Reply norms" }
            p { "How soon a reply is expected, in working hours. Insights measure against it; follow-ups use it." }
            form.inline method="post" action="/admin/norms" {
                (csrf_field(&signed.csrf))
                label { "Workspace default (hours)" input type="number" name="hours" min="0.25" max="80" step="0.25" required value=(hours(norms.default_reply_within_minutes)); }
                button type="submit" { "Set default" }
            }
            form.inline method="post" action="/admin/norms" {
                (csrf_field(&signed.csrf))
                label { "Channel"
                    select name="channel" { @for channel in &channels { option value=(channel.id) { "#" (channel.name) } } }
                }
                label { "Hours (empty: back to the default)" input type="number" name="hours" min="0.25" max="80" step="0.25"; }
                button type="submit" { "Set channel norm" }
            }
            @if !norms.channels.is_empty() {
                ul {
                    @for channel in &norms.channels { li { "#" (channel.name) ": " (hours(channel.reply_within_minutes)) " h" } }
                }
            }
        },
    ))
}

fn back_with_error(err: &str) -> Response {
    Redirect::to(&format!("/admin?error={}", urlencode(err))).into_response()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewMemberForm {
    handle: String,
    email: String,
    display_name: String,
    time_zone: String,
    role: String,
    password: String,
}

/// This server's address as the browser reached it (behind a TLS proxy that says so, `https`).
fn public_base(headers: &HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let tls =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if tls { "https" } else { "http" })
}

async fn add(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<NewMemberForm>,
) -> Result<Response, PageError> {
    admin_only(&signed)?;
    let request = AddMember {
        handle: form.handle.trim().to_string(),
        email: form.email.trim().to_string(),
        display_name: Some(form.display_name.trim().to_string()).filter(|n| !n.is_empty()),
        password: Some(form.password.clone()).filter(|p| !p.is_empty()),
        role: Some(Role::parse(&form.role).unwrap_or(Role::Member)),
        time_zone: Some(form.time_zone.trim().to_string()).filter(|z| !z.is_empty()),
        working_hours: None,
    };
    match add_member(&state, signed.viewer, request, None).await {
        Ok(added) => match added.invite_token {
            Some(token) => {
                let link = Some(format!("{}/invite?token={token}", public_base(&headers)));
                let notice = Notice { invited: added.member.handle, link, ..Notice::default() };
                Ok(admin_page(&state, &signed, &notice).await?.into_response())
            }
            None => Ok(Redirect::to("/admin").into_response()),
        },
        Err(ApiError::Internal(source)) => Err(ApiError::Internal(source).into()),
        Err(err) => Ok(back_with_error(&err.to_string())),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChangeForm {
    role: String,
    active: String,
}

async fn change(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    admin_only(&signed)?;
    let role = match form.role.as_str() {
        "" => None,
        raw => Some(
            Role::parse(raw)
                .ok_or_else(|| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, format!("no role {raw:?}")))?,
        ),
    };
    let active = match form.active.as_str() {
        "" => None,
        raw => Some(raw == "true"),
    };
    let command = Command::UpdateMember {
        id: MemberId(id),
        display_name: None,
        time_zone: None,
        working_hours: None,
        role,
        active,
    };
    match state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await {
        Ok(_) => Ok(Redirect::to("/admin").into_response()),
        Err(err) => Ok(back_with_error(&ApiError::from(err).to_string())),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NormForm {
    channel: String,
    hours: String,
}

async fn norm(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<NormForm>,
) -> Result<Response, PageError> {
    admin_only(&signed)?;
    let hours = form.hours.trim();
    let parsed = match hours {
        "" => None,
        raw => match raw
            .parse::<f64>()
            .map_err(|_| ApiError::Invalid(format!("hours: {raw:?} is not a number")))
            .and_then(|h| minutes("hours", h))
        {
            Ok(m) => Some(m),
            Err(err) => return Ok(back_with_error(&err.to_string())),
        },
    };
    let channel = form.channel.parse::<i64>().ok().map(ChannelId);
    if channel.is_none() && parsed.is_none() {
        return Ok(back_with_error("the workspace default needs a number of hours"));
    }
    let command = Command::SetNorm { channel, reply_within_minutes: parsed };
    match state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await {
        Ok(_) => Ok(Redirect::to("/admin").into_response()),
        Err(err) => Ok(back_with_error(&ApiError::from(err).to_string())),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InviteForm {
    token: String,
    password: String,
}

fn invite_form(csrf: &CsrfToken, token: &str, error: Option<&str>) -> Markup {
    bare(
        "Join Baton",
        html! {
            h1 { "Join your team on Baton" }
            p { "Choose a password to finish joining." }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action="/invite" {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                label { "Password (at least 8 characters)" input type="password" name="password" required minlength="8" autocomplete="new-password"; }
                button type="submit" { "Join" }
            }
        },
    )
}

async fn invite_page(csrf: CsrfToken, Query(form): Query<InviteForm>) -> Response {
    invite_form(&csrf, &form.token, None).into_response()
}

async fn invite_accept(
    State(state): State<AppState>,
    csrf: CsrfToken,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    match accept(&state, AcceptInvite { invite_token: form.token.clone(), password: form.password }).await {
        Ok(session) => {
            let mut response = Redirect::to("/settings").into_response();
            if let Some(cookie) = session_cookie(&session.token, &headers) {
                response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(err) => Ok((err.status(), invite_form(&csrf, &form.token, Some(&err.to_string()))).into_response()),
    }
}
