//! A thread: its messages and the composer; opening it marks it read.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use baton_core::ThreadId;
use baton_store::{MessageTarget, Page};
use maud::{html, Markup};

use super::layout::{page, Live};
use super::messages::{self, NewMessage};
use super::session::Signed;
use super::PageError;
use crate::AppState;

/// The messages a thread page shows: its first 1,000.
const MESSAGES_SHOWN: u32 = 1000;

async fn messages_of(state: &AppState, signed: &Signed, id: ThreadId) -> Result<Markup, PageError> {
    let found = state.store.thread_messages(&signed.viewer, id, Page::new(None, Some(MESSAGES_SHOWN))).await?;
    let people = messages::people(state, signed).await?;
    messages::mark_read(state, signed, MessageTarget::Thread(id), &found).await?;
    Ok(messages::list(&found, &people, signed, &format!("/t/{id}"), messages::Place::Thread))
}

pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    let thread = state.store.thread(&signed.viewer, ThreadId(id)).await?;
    let channel = match thread.channel_id {
        Some(channel) => Some(state.store.channel(&signed.viewer, channel).await?),
        None => None,
    };
    let dm = match thread.dm_id {
        Some(dm) => {
            let dm = state.store.dm(&signed.viewer, dm).await?;
            let people = messages::people(&state, &signed).await?;
            Some((dm.id, super::dms::names(&dm.member_ids, &people, signed.member.id)))
        }
        None => None,
    };
    let since = state.store.head().await?.0;
    let list = messages_of(&state, &signed, thread.id).await?;
    Ok(page(
        &thread.title,
        &signed,
        Live::Thread { id, since },
        html! {
            @if let Some(channel) = &channel {
                p.crumbs { a href=(format!("/c/{}", channel.id)) { "#" (channel.name) } }
            }
            @if let Some((dm, names)) = &dm {
                p.crumbs { a href=(format!("/dms/{dm}")) { (names) } }
            }
            @if let Some(task) = thread.task_id {
                p.crumbs { a href=(format!("/tasks/{task}")) { "The task" } }
            }
            h1 {
                (thread.title) " "
                @if thread.resolved { span.badge.resolved { "resolved" } } @else { span.badge.open { "open" } }
                @for tag in &thread.tags { " " span.tag { (tag) } }
            }
            ol #messages .messages aria-live="polite" { (list) }
            (messages::composer(&format!("/t/{id}/messages"), &signed.csrf, "Reply"))
            (super::huddles::start_form(id, &signed.csrf))
        },
    )
    .into_response())
}

/// The message list alone, for the page's live updates.
pub async fn messages_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(messages_of(&state, &signed, ThreadId(id)).await?.into_response())
}

pub async fn post(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewMessage>,
) -> Result<Response, PageError> {
    messages::send(&state, &signed, MessageTarget::Thread(ThreadId(id)), form, &format!("/t/{id}")).await
}
