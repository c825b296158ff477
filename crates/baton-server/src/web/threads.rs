//! A thread: its messages (markdown rendered and sanitized when posted), and the composer.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::model::{Member, Message};
use baton_core::text::MessageText;
use baton_core::{validate, MemberId, ThreadId};
use baton_store::{Command, Envelope, MessageTarget, Page};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::layout::{csrf_field, page, when, Live};
use super::session::Signed;
use super::PageError;
use crate::AppState;

/// The messages a thread page shows: its first 1,000.
const MESSAGES_SHOWN: u32 = 1000;

async fn messages_of(state: &AppState, signed: &Signed, id: ThreadId) -> Result<Markup, PageError> {
    let messages = state.store.thread_messages(&signed.viewer, id, Page::new(None, Some(MESSAGES_SHOWN))).await?;
    let people: HashMap<MemberId, Member> =
        state.store.members(&signed.viewer).await?.into_iter().map(|m| (m.id, m)).collect();
    Ok(message_list(&messages, &people, &signed.member))
}

fn message_list(messages: &[Message], people: &HashMap<MemberId, Member>, viewer: &Member) -> Markup {
    html! {
        @if messages.is_empty() { li.empty { "No messages yet." } }
        @for message in messages {
            @let author = people.get(&message.author_id);
            li.message id=(format!("m{}", message.id)) {
                div.meta {
                    span.author title=[author.map(|a| format!("{} · {}", a.display_name, a.time_zone))] {
                        "@" (author.map_or("unknown", |a| a.handle.as_str()))
                    }
                    " " (when(message.created_at, viewer, author))
                    @if message.urgent { " " span.badge.urgent { "urgent" } }
                    @if message.edited_at.is_some() { " " span.edited { "(edited)" } }
                }
                @if message.deleted {
                    div.body.deleted { "This message was deleted." }
                } @else {
                    // Rendered from markdown and cleaned by ammonia when it was posted.
                    div.body { (PreEscaped(&message.html)) }
                }
            }
        }
    }
}

pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    let thread = state.store.thread(&signed.viewer, ThreadId(id)).await?;
    let channel = match thread.channel_id {
        Some(channel) => Some(state.store.channel(&signed.viewer, channel).await?),
        None => None,
    };
    let since = state.store.head().await?.0;
    let messages = messages_of(&state, &signed, thread.id).await?;
    Ok(page(
        &thread.title,
        &signed.member,
        &signed.csrf,
        Live::Thread { id, since },
        html! {
            @if let Some(channel) = &channel {
                p.crumbs { a href=(format!("/c/{}", channel.id)) { "#" (channel.name) } }
            }
            h1 {
                (thread.title) " "
                @if thread.resolved { span.badge.resolved { "resolved" } } @else { span.badge.open { "open" } }
            }
            ol #messages .messages aria-live="polite" { (messages) }
            form.composer method="post" action=(format!("/t/{id}/messages")) {
                (csrf_field(&signed.csrf))
                label { "Reply (markdown; @handle mentions)" textarea name="body" rows="3" required {} }
                div.row {
                    label.check { input type="checkbox" name="urgent" value="true"; " Urgent: notify now, even outside working hours" }
                    button type="submit" { "Send" }
                }
            }
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewMessage {
    _csrf: String,
    body: String,
    urgent: Option<String>,
}

pub async fn post(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<NewMessage>,
) -> Result<Response, PageError> {
    signed.csrf.check(&form._csrf, &headers)?;
    let body = validate::message_body("body", form.body.trim())
        .map_err(|err| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, err.to_string()))?;
    let command = Command::PostMessage {
        target: MessageTarget::Thread(ThreadId(id)),
        text: MessageText::new(body),
        urgent: form.urgent.is_some_and(|u| u == "true" || u == "on"),
    };
    let posted = state.store.execute(Envelope::new(signed.viewer, jiff::Timestamp::now(), command)).await?;
    Ok(Redirect::to(&format!("/t/{id}#m{}", posted["id"].as_i64().unwrap_or_default())).into_response())
}
