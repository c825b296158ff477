//! The channel list (the start page), creating a channel, a channel's threads and starting one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::model::{Channel, Member, Visibility};
use baton_core::text::MessageText;
use baton_core::{validate, ChannelId, MemberId};
use baton_store::Answer;
use baton_store::{ActivityCursor, Command, Envelope};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page_with_sidebar, Live};
use super::session::Signed;
use super::sidebar::{self, Current};
use super::thread_list::{self, thread_list, Flags};
use super::PageError;
use crate::{ApiError, AppState};

pub async fn index(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    Ok(channel_list(&state, &signed, None, "").await?.into_response())
}

/// The list's items: the channels that are not archived, in name order, each with its unread
/// count.
fn channel_items(channels: &[Channel], unread: impl Fn(ChannelId) -> i64) -> Markup {
    let mut channels: Vec<&Channel> = channels.iter().filter(|c| !c.archived).collect();
    channels.sort_by(|a, b| a.name.cmp(&b.name));
    html! {
        @if channels.is_empty() { li.empty { "No channels yet: create the first one below." } }
        @for channel in &channels {
            li data-channel=(channel.id) {
                a.channel href=(format!("/c/{}", channel.id)) { "#" (channel.name) }
                (unread_badge(unread(channel.id)))
                @if channel.visibility == Visibility::Private { " " span.badge { "private" } }
                @if !channel.topic.is_empty() { span.topic { (channel.topic) } }
            }
        }
    }
}

/// The channel list alone, for the start page's live updates (new messages change the counts).
pub async fn channels_fragment(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    let (channels, unread) =
        tokio::try_join!(state.store.channels(&signed.viewer), state.store.unread(&signed.viewer))?;
    let items = channel_items(&channels, |id| unread.channels.get(&id).copied().unwrap_or(0));
    Ok(items.into_response())
}

async fn channel_list(
    state: &AppState,
    signed: &Signed,
    error: Option<&str>,
    typed: &str,
) -> Result<Markup, PageError> {
    let since = state.store.head().await?.0;
    // The sidebar's reads are the list's too: the channels and their counts, read once.
    let reads = sidebar::Reads::read(state, signed).await?;
    let items = channel_items(&reads.channels, |id| reads.counts.channels.get(&id).map_or(0, |c| c.unread));
    let live = Live::Channels { since };
    let sidebar = reads.sidebar(signed, Current::Nothing, since);
    Ok(page_with_sidebar(
        "Channels",
        signed,
        live,
        &sidebar,
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
        Ok(command) => {
            state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await.and_then(Answer::into_channel)
        }
        Err(err) => return refused(&state, &signed, err, &form.name).await,
    };
    match created {
        Ok(channel) => Ok(Redirect::to(&format!("/c/{}", channel.id)).into_response()),
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

/// How many of a timeline's latest messages the channel page shows.
const TIMELINE_SHOWN: u32 = 10;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ThreadPaging {
    /// Where the page before stopped (`ActivityCursor`).
    after: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Query(paging): Query<ThreadPaging>,
) -> Result<Response, PageError> {
    let after = match paging.after.as_deref().map(str::parse::<ActivityCursor>) {
        None => None,
        Some(Ok(cursor)) => Some(cursor),
        Some(Err(())) => {
            return Err(PageError::Other(StatusCode::BAD_REQUEST, "That link to older threads is broken.".into()))
        }
    };
    let forms = ChannelForms { after, ..ChannelForms::default() };
    Ok(channel_page(&state, &signed, ChannelId(id), &forms).await?.into_response())
}

/// What the channel page's forms show again when one was refused: what was typed and why.
#[derive(Debug, Default)]
struct ChannelForms {
    /// The threads listed start after this one (a later page of them).
    after: Option<ActivityCursor>,
    thread: NewThread,
    thread_error: Option<String>,
    settings_error: Option<String>,
}

async fn channel_page(
    state: &AppState,
    signed: &Signed,
    id: ChannelId,
    forms: &ChannelForms,
) -> Result<Markup, PageError> {
    let channel = state.store.channel(&signed.viewer, id).await?;
    let (threads, older) = thread_list::page_of(state, signed, channel.id.into(), forms.after).await?;
    let timeline = state.store.timeline(&signed.viewer, channel.id).await?;
    let latest = match &timeline {
        Some(timeline) => {
            let target = baton_store::MessageTarget::Thread(timeline.id);
            let found = state.store.latest_messages(&signed.viewer, target, None, TIMELINE_SHOWN).await?;
            let people = super::messages::people_of(state, signed, &found, &[]).await?;
            Some(super::messages::list(
                &found,
                &people,
                signed,
                &format!("/t/{}", timeline.id),
                super::messages::Place::Timeline,
            ))
        }
        None => None,
    };
    let flags = Flags::of(state, signed, channel.id.into(), &threads).await?;
    let since = state.store.head().await?.0;
    let manages = signed.member.role.is_admin() || channel.created_by == signed.member.id;
    let members = if channel.visibility == Visibility::Private {
        state.store.channel_members(&signed.viewer, channel.id).await?
    } else {
        Vec::new()
    };
    let others: Vec<Member> = if channel.visibility == Visibility::Private && channel.is_member {
        let mut everyone = state.store.members(&signed.viewer).await?;
        everyone.retain(|m| m.active && !m.service && !members.iter().any(|inside| inside.id == m.id));
        everyone.sort_by(|a, b| a.handle.cmp(&b.handle));
        everyone
    } else {
        Vec::new()
    };
    // A later page of threads stays as it is; the first follows live.
    let live = if forms.after.is_some() { Live::Nothing } else { Live::Channel { id: id.0, since } };
    let sidebar = sidebar::load(state, signed, Current::Channel(channel.id), Some(since)).await?;
    Ok(page_with_sidebar(
        &format!("#{}", channel.name),
        signed,
        live,
        &sidebar,
        html! {
            h1 {
                "#" (channel.name)
                @if channel.visibility == Visibility::Private { " " span.badge { "private" } }
                @if channel.archived { " " span.badge { "archived" } }
            }
            @if !channel.topic.is_empty() { p.topic { (channel.topic) } }
            // A refused change of the channel or its members, whichever form it came from.
            @if let Some(error) = &forms.settings_error { p.error role="alert" { (error) } }
            h2 { "Threads" }
            ul #threads .threads { (thread_list(&threads, &flags, signed)) }
            @if let Some(older) = older {
                p.paging { a.older href=(format!("/c/{id}?after={older}")) { "Older threads" } }
            }
            @if forms.after.is_some() { p.paging { a.newest href=(format!("/c/{id}")) { "Back to the most recent" } } }
            @if let (Some(timeline), Some(latest)) = (&timeline, &latest) {
                section.timeline aria-labelledby="timeline-h" {
                    h2 #timeline-h { "Messages outside threads" }
                    p.meta {
                        "The latest of " (timeline.message_count) ", newest first. "
                        a href=(format!("/t/{}", timeline.id)) { "All of them" }
                    }
                    ol.messages { (latest) }
                }
            }
            @if !channel.archived {
                h2 { "Start a thread" }
                form method="post" action=(format!("/c/{id}/threads")) {
                    (csrf_field(&signed.csrf))
                    label { "Title" input name="title" required maxlength=(validate::MAX_NAME_CHARS) value=(forms.thread.title); }
                    label { "First message (markdown)"
                        textarea name="body" rows="4" maxlength=(validate::MAX_MESSAGE_CHARS)
                            aria-invalid=[forms.thread_error.as_ref().map(|_| "true")] { (forms.thread.body) } }
                    @if let Some(error) = &forms.thread_error { p.error role="alert" { (error) } }
                    button type="submit" title="Start thread (Ctrl+Enter in the message box)" { "Start thread" }
                }
            }
            // Ctrl+Enter sends from the message boxes here too (the new thread, replies).
            script src="/static/compose.js" defer {}
            @if channel.visibility == Visibility::Private {
                section.members-manage aria-label="Members" {
                    h2 { "Members" }
                    ul {
                        @for member in &members {
                            li {
                                "@" (member.handle) span.meta { (member.display_name) }
                                @if manages || member.id == signed.member.id {
                                    form.inline-one method="post" action=(format!("/c/{id}/members/{}/remove", member.id)) {
                                        (csrf_field(&signed.csrf))
                                        button type="submit" {
                                            @if member.id == signed.member.id { "Leave channel" } @else { "Remove @" (member.handle) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !others.is_empty() {
                        form.inline-one method="post" action=(format!("/c/{id}/members")) {
                            (csrf_field(&signed.csrf))
                            label { "Add a member"
                                select name="member" {
                                    @for member in &others { option value=(member.id) { "@" (member.handle) " · " (member.display_name) } }
                                }
                            }
                            button type="submit" { "Add to channel" }
                        }
                    }
                }
            }
            @if manages {
                section aria-label="Channel settings" {
                    h2 { "Channel settings" }
                    form.inline-one method="post" action=(format!("/c/{id}/settings")) {
                        (csrf_field(&signed.csrf))
                        label { "Topic" input name="topic" maxlength=(validate::MAX_NAME_CHARS) value=(channel.topic); }
                        button type="submit" { "Save topic" }
                    }
                    form.inline-one method="post" action=(format!("/c/{id}/settings")) {
                        (csrf_field(&signed.csrf))
                        input type="hidden" name="archived" value=(!channel.archived);
                        button type="submit" { @if channel.archived { "Unarchive channel" } @else { "Archive channel" } }
                    }
                }
            }
        },
    ))
}

/// The thread list alone, for the page's live updates.
pub async fn threads_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (threads, _) = thread_list::page_of(&state, &signed, ChannelId(id).into(), None).await?;
    let flags = Flags::of(&state, &signed, ChannelId(id).into(), &threads).await?;
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
    })();
    let created = match command {
        Ok(command) => {
            let envelope = Envelope::new(signed.viewer, state.now(), command);
            state.store.execute(envelope).await.and_then(Answer::into_thread).map_err(ApiError::from)
        }
        Err(err) => Err(err),
    };
    match created {
        Ok(created) => Ok(Redirect::to(&format!("/t/{}", created.id)).into_response()),
        // Shown again with what was typed and why, rather than on a page of its own.
        Err(ApiError::Invalid(message) | ApiError::Conflict(message)) => {
            let forms = ChannelForms { thread: form, thread_error: Some(message), ..ChannelForms::default() };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, channel_page(&state, &signed, ChannelId(id), &forms).await?)
                .into_response())
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    topic: Option<String>,
    archived: Option<String>,
}

/// Sets the channel's topic, or archives or unarchives it (its creator or an admin).
pub async fn settings(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let topic =
        match form.topic.as_deref().map(|t| validate::text("topic", t.trim(), validate::MAX_NAME_CHARS)).transpose() {
            Ok(topic) => topic,
            Err(err) => return settings_refused(&state, &signed, id, err.into()).await,
        };
    let command =
        Command::UpdateChannel { id: ChannelId(id), name: None, topic, archived: form.archived.map(|a| a == "true") };
    match state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{id}")).into_response()),
        Err(err) => settings_refused(&state, &signed, id, err.into()).await,
    }
}

async fn settings_refused(state: &AppState, signed: &Signed, id: i64, err: ApiError) -> Result<Response, PageError> {
    let status = err.status();
    if !matches!(err, ApiError::Invalid(_) | ApiError::Conflict(_) | ApiError::Forbidden(_)) {
        return Err(err.into());
    }
    let forms = ChannelForms { settings_error: Some(err.to_string()), ..ChannelForms::default() };
    Ok((status, channel_page(state, signed, ChannelId(id), &forms).await?).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    member: String,
}

/// Adds someone to a private channel (its members may).
pub async fn add_member(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    let member = form
        .member
        .parse()
        .map(MemberId)
        .map_err(|_| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, "Choose someone to add.".into()))?;
    let command = Command::AddChannelMember { channel: ChannelId(id), member };
    match state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{id}")).into_response()),
        Err(err) => settings_refused(&state, &signed, id, err.into()).await,
    }
}

/// Removes someone from a private channel (its creator or an admin; anyone may leave).
pub async fn remove_member(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let command = Command::RemoveChannelMember { channel: ChannelId(id), member: MemberId(member) };
    match state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await {
        // Whoever left can no longer see the channel.
        Ok(_) if member == signed.member.id.0 => Ok(Redirect::to("/").into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/c/{id}")).into_response()),
        Err(err) => settings_refused(&state, &signed, id, err.into()).await,
    }
}
