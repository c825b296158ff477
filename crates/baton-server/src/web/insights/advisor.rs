//! `GET /advisor`: the advisor's open suggestions as cards, each with its reason, what
//! accepting does, and one-click Accept and Dismiss forms (`POST /advisor/{key}/accept|dismiss`,
//! through the same `api::advisor` calls as the API), which come back here with a notice that
//! links to what was created.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use baton_core::model::Role;
use maud::{html, Markup};
use serde::Deserialize;

use super::{span_in, zone_of};
use crate::api::advisor::{decide_as, suggestions, Suggestion};
use crate::web::layout::{csrf_field, page, Live};
use crate::web::session::Signed;
use crate::web::PageError;
use crate::AppState;

/// What the last decision did, carried in the address after the redirect.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
    outcome: String,
    huddle: String,
    thread: String,
    dm: String,
    /// How many suggestions to show: the first page's, or more after "Show more".
    shown: Option<usize>,
}

/// Suggestions the page shows at first, and how many more each "Show more" adds.
const PAGE: usize = 50;

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    let done = query.map(|Query(done)| done).unwrap_or_default();
    Ok(advisor_page(&state, &signed, &done, None).await?.into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    decide(&state, &signed, &key, true).await
}

pub async fn dismiss(
    State(state): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    decide(&state, &signed, &key, false).await
}

async fn decide(state: &AppState, signed: &Signed, key: &str, accepted: bool) -> Result<Response, PageError> {
    let outcome = match decide_as(state, signed.viewer, key, None, accepted).await {
        Ok(outcome) => outcome,
        // Already decided by someone else, or no longer suggested: say so on the list.
        Err(err) if err.status().is_client_error() => {
            let page = advisor_page(state, signed, &Done::default(), Some(&err.to_string())).await?;
            return Ok((err.status(), page).into_response());
        }
        Err(err) => return Err(err.into()),
    };
    // Keys are the advisor's own (`take-live-thread-12`); anything else is dropped, not escaped.
    let safe_key: String = key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let mut to = format!("/advisor?done={safe_key}&outcome={}", if accepted { "accepted" } else { "dismissed" });
    let created = &outcome.into_advice()?.created;
    let ids = [
        ("huddle", &created["huddle"]["id"]),
        ("thread", &created["message"]["thread_id"]),
        ("dm", &created["dm"]["id"]),
    ];
    for (name, id) in ids {
        if let Some(id) = id.as_i64() {
            to.push_str(&format!("&{name}={id}"));
        }
    }
    Ok(Redirect::to(&to).into_response())
}

async fn advisor_page(
    state: &AppState,
    signed: &Signed,
    done: &Done,
    error: Option<&str>,
) -> Result<Markup, PageError> {
    let open = suggestions(state, signed.viewer, None).await?;
    let may_act = signed.member.role != Role::Guest;
    Ok(page(
        "Advisor",
        signed,
        Live::Nothing,
        html! {
            div.advisor-page {
                h1 { "Advisor" }
                p.meta {
                    "Suggestions from the last four weeks of activity. Accepting one acts in the workspace; "
                    "both accepting and dismissing are recorded, so Insights can show what changed. "
                    a href="/overlap" { "See everyone's working hours on one strip" } "."
                }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                @if !done.done.is_empty() { (notice(done)) }
                @if open.is_empty() {
                    p.empty { "No open suggestions: nothing is bouncing, stalled, waiting or isolated." }
                }
                @let shown = done.shown.unwrap_or(PAGE).clamp(1, 10_000);
                @for suggestion in open.iter().take(shown) { (card(suggestion, signed, may_act)) }
                @if open.len() > shown {
                    p.paging {
                        a.more href=(format!("/advisor?shown={}", shown + PAGE)) {
                            "Show more suggestions (" (open.len() - shown) " more)"
                        }
                    }
                }
            }
        },
    ))
}

fn notice(done: &Done) -> Markup {
    let id = |raw: &str| raw.parse::<i64>().ok();
    let accepted = done.outcome == "accepted";
    html! {
        p.notice role="status" {
            @if accepted { "Accepted" } @else { "Dismissed" }
            " (" code { (done.done) } ")."
            @if let Some(huddle) = id(&done.huddle) { " " a href=(format!("/huddles/{huddle}")) { "Open the huddle" } "." }
            @if let Some(thread) = id(&done.thread) { " " a href=(format!("/t/{thread}")) { "Go to the thread" } "." }
            @if let Some(dm) = id(&done.dm) { " " a href=(format!("/dms/{dm}")) { "Open the conversation" } "." }
        }
    }
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "take_live" => "Take live",
        "nudge" => "Nudge",
        "checkin_item" => "Check-in",
        "escalate" => "Escalate",
        "pair" => "Pair",
        other => other,
    }
}

fn card(suggestion: &Suggestion, signed: &Signed, may_act: bool) -> Markup {
    let key = &suggestion.key;
    let title_id = format!("{key}-title");
    let zone = zone_of(&signed.member);
    html! {
        article.suggestion id=(key) aria-labelledby=(title_id) {
            header {
                span.badge.kind.(suggestion.kind) { (kind_label(&suggestion.kind)) }
                h2 id=(title_id) { (suggestion.title) }
            }
            p.reason { (suggestion.reason) }
            p.accepting { strong { "Accepting " } (suggestion.action) "." }
            @if let Some([start, end]) = suggestion.slot {
                p.slot { "Proposed slot, in your time zone: " (span_in(start, end, &zone)) }
            }
            @if let Some(thread) = suggestion.thread_id {
                p { a href=(format!("/t/{}", thread.0)) { "Open the thread" } }
            }
            @if may_act {
                div.decide {
                    form method="post" action=(format!("/advisor/{key}/accept")) {
                        (csrf_field(&signed.csrf))
                        button type="submit" aria-describedby=(title_id) { "Accept" }
                    }
                    form method="post" action=(format!("/advisor/{key}/dismiss")) {
                        (csrf_field(&signed.csrf))
                        button.secondary type="submit" aria-describedby=(title_id) { "Dismiss" }
                    }
                }
            } @else {
                p.meta { "Guests cannot act on suggestions." }
            }
        }
    }
}
