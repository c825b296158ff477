//! The channel list (the start page), creating a channel, a channel's threads and starting one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::model::{Thread, Visibility};
use baton_core::text::MessageText;
use baton_core::{validate, ChannelId};
use baton_store::{Command, Envelope, Page};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page, Live};
use super::session::Signed;
use super::thread_list::{self, thread_list, Flags};
use super::PageError;
use crate::{ApiError, AppState};

pub async fn index(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    Ok(channel_list(&state, &signed, None, "").await?.into_response())
}

/// The channels the viewer may see, with their unread counts: the list's items.
async fn channel_items(state: &AppState, signed: &Signed) -> Result<Markup, PageError> {
    let mut channels = state.store.channels(&signed.viewer).await?;
    channels.retain(|c| !c.archived);
    let unread = state.store.unread(&signed.viewer).await?.channels;
    channels.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(html! {
        @if channels.is_empty() { li.empty { "No channels yet: create the first one below." } }
        @for channel in &channels {
            li {
                a.channel href=(format!("/c/{}", channel.id)) { "#" (channel.name) }
                (unread_badge(unread.get(&channel.id).copied().unwrap_or(0)))
                @if channel.visibility == Visibility::Private { " " span.badge { "private" } }
                @if !channel.topic.is_empty() { span.topic { (channel.topic) } }
            }
        }
    })
}

/// The channel list alone, for the start page's live updates (new messages change the counts).
pub async fn channels_fragment(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    Ok(channel_items(&state, &signed).await?.into_response())
}

async fn channel_list(
    state: &AppState,
    signed: &Signed,
    error: Option<&str>,
    typed: &str,
) -> Result<Markup, PageError> {
    let items = channel_items(state, signed).await?;
    let since = state.store.head().await?.0;
    Ok(page(
        "Channels",
        signed,
        Live::Channels { since },
        html! {
            h1 { "Channels" }
            ul #channels .channels { (items) }
            h2 { "New channel" }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form.inline method="post" action="/channels" {
                (csrf_field(&signed.csrf))
                label { "Name" input name="name" required value=(typed) pattern="[a-z0-9._\\-]{1,80}"; }
                label { "Visibility"
                    select name="visibility" {
                        option value="public" selected { "Public" }
                        option value="private" { "Private" }
                    }
                }
                button type="submit" { "Create channel" }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewChannel {
    name: String,
    visibility: String,
    topic: String,
}

pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<NewChannel>,
) -> Result<Response, PageError> {
    let command = (|| -> Result<Command, ApiError> {
        Ok(Command::CreateChannel {
            name: validate::channel_name("name", form.name.trim_start_matches('#'))?,
            visibility: if form.visibility == "private" { Visibility::Private } else { Visibility::Public },
            topic: validate::text("topic", &form.topic, validate::MAX_NAME_CHARS)?,
            members: Vec::new(),
        })
    })();
    let created = match command {
        Ok(command) => state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await,
        Err(err) => return refused(&state, &signed, err, &form.name).await,
    };
    match created {
        Ok(channel) => Ok(Redirect::to(&format!("/c/{}", channel["id"].as_i64().unwrap_or_default())).into_response()),
        Err(err) => refused(&state, &signed, err.into(), &form.name).await,
    }
}

async fn refused(state: &AppState, signed: &Signed, err: ApiError, typed: &str) -> Result<Response, PageError> {
    let status = match err.status() {
        status if status.is_client_error() => status,
        _ => return Err(err.into()),
    };
    Ok((status, channel_list(state, signed, Some(&err.to_string()), typed).await?).into_response())
}

/// "N unread" after a name, capped at 99+; nothing when all is read.
pub fn unread_badge(count: i64) -> Markup {
    html! {
        @if count > 0 {
            " " span.unread-count aria-label=(format!("{count} unread")) { @if count > 99 { "99+" } @else { (count) } }
        }
    }
}

async fn threads_of(state: &AppState, signed: &Signed, channel: ChannelId) -> Result<Vec<Thread>, PageError> {
    let mut threads = state.store.threads(&signed.viewer, channel, Page::new(None, Some(Page::MAX_LIMIT))).await?;
    threads.retain(|t| !t.timeline);
    Ok(thread_list::latest_first(threads))
}

pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    let channel = state.store.channel(&signed.viewer, ChannelId(id)).await?;
    let threads = threads_of(&state, &signed, channel.id).await?;
    let flags = Flags::of(&state, &signed, channel.id.into()).await?;
    let since = state.store.head().await?.0;
    Ok(page(
        &format!("#{}", channel.name),
        &signed,
        Live::Channel { id, since },
        html! {
            h1 { "#" (channel.name) }
            @if !channel.topic.is_empty() { p.topic { (channel.topic) } }
            h2 { "Threads" }
            ul #threads .threads { (thread_list(&threads, &flags, &signed)) }
            h2 { "Start a thread" }
            form method="post" action=(format!("/c/{id}/threads")) {
                (csrf_field(&signed.csrf))
                label { "Title" input name="title" required maxlength="200"; }
                label { "First message (markdown)" textarea name="body" rows="4" {} }
                button type="submit" { "Start thread" }
            }
        },
    )
    .into_response())
}

/// The thread list alone, for the page's live updates.
pub async fn threads_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let threads = threads_of(&state, &signed, ChannelId(id)).await?;
    let flags = Flags::of(&state, &signed, ChannelId(id).into()).await?;
    Ok(thread_list(&threads, &flags, &signed).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewThread {
    title: String,
    body: String,
}

pub async fn start_thread(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewThread>,
) -> Result<Response, PageError> {
    let command = (|| -> Result<Command, ApiError> {
        let body = Some(form.body.trim()).filter(|b| !b.is_empty());
        Ok(Command::CreateThread {
            home: ChannelId(id).into(),
            title: validate::name("title", &form.title)?,
            tags: Vec::new(),
            body: body
                .map(|b| validate::message_body("body", b).map(|b| MessageText::new(b.to_string())))
                .transpose()?,
        })
    })()
    .map_err(|err| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, err.to_string()))?;
    let created = state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(Redirect::to(&format!("/t/{}", created["id"].as_i64().unwrap_or_default())).into_response())
}
