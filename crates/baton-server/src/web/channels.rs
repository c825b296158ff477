//! The channel list (the start page), creating a channel, a channel's threads and starting one.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::model::{Thread, Visibility};
use baton_core::text::MessageText;
use baton_core::{validate, ChannelId, ThreadId};
use baton_store::{Command, Envelope, Page};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page, when, Live};
use super::session::Signed;
use super::PageError;
use crate::{ApiError, AppState};

/// How many threads a channel page lists (the most recently active).
const THREADS_SHOWN: u32 = 200;

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
        Ok(command) => state.store.execute(Envelope::new(signed.viewer, jiff::Timestamp::now(), command)).await,
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
    threads.sort_by_key(|t| std::cmp::Reverse(t.last_message_at.unwrap_or(t.created_at)));
    threads.truncate(THREADS_SHOWN as usize);
    Ok(threads)
}

/// The channel's threads that bounce (DESIGN's ping-pong, over the last four weeks), with their
/// handoffs, to flag them in the list.
async fn bouncing_in(state: &AppState, channel: ChannelId) -> Result<HashMap<ThreadId, u32>, PageError> {
    let (data, origins, ids) = crate::api::insights::log_snapshot(state).await?;
    let now = jiff::Timestamp::now();
    let from = now.checked_sub(jiff::SignedDuration::from_hours(24 * 28)).unwrap_or(now);
    let Ok(window) = baton_insights::Window::new(from, now) else { return Ok(HashMap::new()) };
    Ok(state
        .cpu(move || {
            let thresholds = baton_insights::Thresholds::design_defaults();
            baton_insights::conversations::bouncing_threads(&data, window, &thresholds)
                .into_iter()
                .filter(|b| matches!(origins.get(b.conversation), Some(baton_insights::Origin::Channel(c)) if *c == channel.0))
                .filter_map(|b| Some((ThreadId(ids.threads.get(b.conversation).copied().flatten()?), b.handoffs)))
                .collect()
        })
        .await?)
}

struct Flags {
    unread: HashMap<ThreadId, i64>,
    bouncing: HashMap<ThreadId, u32>,
}

async fn flags(state: &AppState, signed: &Signed, channel: ChannelId) -> Result<Flags, PageError> {
    let unread = state.store.unread_in_channel(&signed.viewer, channel).await?.into_iter().collect();
    Ok(Flags { unread, bouncing: bouncing_in(state, channel).await? })
}

fn thread_list(threads: &[Thread], flags: &Flags, signed: &Signed) -> Markup {
    html! {
        @if threads.is_empty() { p.empty { "No threads yet." } }
        @for thread in threads {
            li.thread-row {
                a.thread href=(format!("/t/{}", thread.id)) { (thread.title) }
                (unread_badge(flags.unread.get(&thread.id).copied().unwrap_or(0)))
                @if let Some(handoffs) = flags.bouncing.get(&thread.id) {
                    " " span.badge.bouncing title=(format!("Changed hands {handoffs} times without being resolved: consider taking it live"))
                        { "bouncing" }
                }
                " "
                @if thread.resolved { span.badge.resolved { "resolved" } } @else { span.badge.open { "open" } }
                @for tag in &thread.tags { " " span.tag { (tag) } }
                span.meta {
                    (thread.message_count) " messages"
                    @if let Some(last) = thread.last_message_at { " · last " (when(last, &signed.member, None)) }
                }
            }
        }
    }
}

pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    let channel = state.store.channel(&signed.viewer, ChannelId(id)).await?;
    let threads = threads_of(&state, &signed, channel.id).await?;
    let flags = flags(&state, &signed, channel.id).await?;
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
    let flags = flags(&state, &signed, ChannelId(id)).await?;
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
            channel: ChannelId(id),
            title: validate::name("title", &form.title)?,
            tags: Vec::new(),
            body: body
                .map(|b| validate::message_body("body", b).map(|b| MessageText::new(b.to_string())))
                .transpose()?,
        })
    })()
    .map_err(|err| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, err.to_string()))?;
    let created = state.store.execute(Envelope::new(signed.viewer, jiff::Timestamp::now(), command)).await?;
    Ok(Redirect::to(&format!("/t/{}", created["id"].as_i64().unwrap_or_default())).into_response())
}
