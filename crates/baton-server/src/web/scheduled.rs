//! The viewer's scheduled messages and reminders: what is still to come, each with a cancel
//! button, and what already went out.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use baton_core::model::Job;
use baton_store::{Command, Envelope};
use maud::{html, Markup};

use super::layout::{csrf_field, page, when, Live};
use super::session::Signed;
use super::PageError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/scheduled", get(show)).route("/scheduled/{id}/cancel", post(cancel))
}

/// Where a job's message goes or what it reminds of, as a link.
fn target(job: &Job) -> Markup {
    let p = &job.payload;
    html! {
        @if let Some(thread) = p["thread_id"].as_i64() {
            a href=(format!("/t/{thread}")) { "a thread" }
        } @else if let Some(dm) = p["dm_id"].as_i64() {
            a href=(format!("/dms/{dm}")) { "a direct conversation" }
        } @else if let Some(message) = p["message_id"].as_i64() {
            "message " (message)
        }
    }
}

fn row(job: &Job, signed: &Signed) -> Markup {
    let (what, text) = match job.kind.as_str() {
        "send_message" => ("Send", job.payload["body"].as_str().unwrap_or_default()),
        _ => ("Remind me", job.payload["note"].as_str().unwrap_or_default()),
    };
    html! {
        li.job {
            strong { (what) } " " (when(job.due_at, &signed.member, None)) " · " (target(job))
            @if !text.is_empty() { p.meta { (text) } }
            @if job.fired_at.is_none() && job.cancelled_at.is_none() {
                form.inline-one method="post" action=(format!("/scheduled/{}/cancel", job.id)) {
                    (csrf_field(&signed.csrf))
                    button type="submit" aria-label=(format!("Cancel: {what} at {}", job.due_at)) { "Cancel" }
                }
            } @else if job.cancelled_at.is_some() {
                span.badge { "cancelled" }
            } @else {
                span.badge.resolved { "done" }
            }
        }
    }
}

async fn show(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    let jobs = state.store.jobs(&signed.viewer, false).await?;
    let (pending, past): (Vec<&Job>, Vec<&Job>) =
        jobs.iter().partition(|j| j.fired_at.is_none() && j.cancelled_at.is_none());
    Ok(page(
        "Scheduled",
        &signed,
        Live::Nothing,
        html! {
            h1 { "Scheduled" }
            p { "Messages you chose to send later and reminders you set, at their time in your zone." }
            h2 { "To come" }
            @if pending.is_empty() { p.empty { "Nothing scheduled." } }
            ul.jobs { @for job in &pending { (row(job, &signed)) } }
            @if !past.is_empty() {
                h2 { "Done or cancelled" }
                ul.jobs { @for job in past.iter().take(50) { (row(job, &signed)) } }
            }
        },
    )
    .into_response())
}

async fn cancel(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.store.execute(Envelope::new(signed.viewer, state.now(), Command::CancelJob { id })).await?;
    Ok(Redirect::to("/scheduled").into_response())
}
