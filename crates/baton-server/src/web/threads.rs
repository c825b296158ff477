//! A thread: its messages and the composer; opening it marks it read. Resolving, reopening and
//! tagging it are here too.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::model::Thread;
use baton_core::{validate, MessageId, ThreadId};
use baton_store::{Command, Envelope, MessageTarget};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page_with_sidebar, Live};
use super::messages::follow::{self, Fragment, FragmentQuery, LiveList};
use super::messages::{self, At, Draft, NewMessage, Paging, SendError, Window};
use super::session::Signed;
use super::sidebar::{self, Current};
use super::PageError;
use crate::{ApiError, AppState};

/// The messages a timeline page shows at once, newest first; older ones page by page.
const TIMELINE_PAGE: u32 = 100;

/// The messages a page lists: a thread's window at `at`, oldest first; a timeline's (an
/// imported channel's messages outside any thread) newest first, before `at`'s message when
/// paging back.
async fn messages_of(
    state: &AppState,
    signed: &Signed,
    thread: &Thread,
    at: At,
) -> Result<(Markup, Window), PageError> {
    let id = thread.id;
    let window = if thread.timeline {
        let before = match at {
            At::Before(before) => Some(before),
            _ => None,
        };
        let messages =
            state.store.latest_messages(&signed.viewer, MessageTarget::Thread(id), before, TIMELINE_PAGE).await?;
        let older = (messages.len() == TIMELINE_PAGE as usize).then(|| messages.last().map(|m| m.id)).flatten();
        Window { messages, older, newer: None }
    } else {
        messages::window(state, signed, MessageTarget::Thread(id), at).await?
    };
    let people = messages::people_of(state, signed, &window.messages, &[]).await?;
    messages::mark_read(state, signed, MessageTarget::Thread(id), &window.messages).await?;
    let place = if thread.timeline { messages::Place::Timeline } else { messages::Place::Thread };
    Ok((messages::list(&window.messages, &people, signed, &format!("/t/{id}"), place), window))
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    let thread = state.store.thread(&signed.viewer, ThreadId(id)).await?;
    if thread.timeline {
        return Ok(timeline_page(&state, &signed, &thread, paging.before.map(MessageId)).await?.into_response());
    }
    Ok(thread_page(&state, &signed, ThreadId(id), &Draft::default(), None, At::of(&paging)).await?.into_response())
}

/// A channel's timeline: its messages outside any thread, newest first, older ones on demand.
/// Each can start a thread with a reply; the timeline itself takes no new messages.
async fn timeline_page(
    state: &AppState,
    signed: &Signed,
    thread: &Thread,
    before: Option<MessageId>,
) -> Result<Markup, PageError> {
    let channel = match thread.channel_id {
        Some(channel) => state.store.channel(&signed.viewer, channel).await?,
        None => return Err(PageError::Forbidden),
    };
    let since = state.store.head().await?.0;
    let at = before.map_or(At::Newest, At::Before);
    let (list, Window { older, .. }) = messages_of(state, signed, thread, at).await?;
    let title = format!("#{}: messages outside threads", channel.name);
    // Paged back, the page stays as it is; at the newest it follows live.
    let live = if before.is_none() { Live::Thread { id: thread.id.0, since } } else { Live::Nothing };
    let sidebar = sidebar::load(state, signed, Current::InChannel(channel.id), Some(since)).await?;
    Ok(page_with_sidebar(
        &title,
        signed,
        live,
        &sidebar,
        html! {
            p.crumbs { a href=(format!("/c/{}", channel.id)) { "#" (channel.name) } }
            h1 { "#" (channel.name) ": messages outside threads" }
            p.meta { (thread.message_count) " messages, newest first. Reply to one to start a thread with it." }
            @if before.is_some() { p { a href=(format!("/t/{}", thread.id)) { "Back to the newest" } } }
            // Newest first: the live script puts new messages at the top.
            ol #messages .messages aria-live="polite" data-fragment=(format!("/t/{}/messages", thread.id))
                data-order="newest-first" { (list) }
            @if let Some(older) = older {
                p { a.older href=(format!("/t/{}?before={older}", thread.id)) { "Older messages" } }
            }
            // Ctrl+Enter sends a reply from here too.
            script src="/static/compose.js" defer {}
        },
    ))
}

/// The thread's page at `at`; `draft` fills the composer, `settings_error` explains a refused
/// change of its state or tags.
async fn thread_page(
    state: &AppState,
    signed: &Signed,
    id: ThreadId,
    draft: &Draft,
    settings_error: Option<&str>,
    at: At,
) -> Result<Markup, PageError> {
    let thread = state.store.thread(&signed.viewer, id).await?;
    let channel = match thread.channel_id {
        Some(channel) => Some(state.store.channel(&signed.viewer, channel).await?),
        None => None,
    };
    let dm = match thread.dm_id {
        Some(dm) => {
            let dm = state.store.dm(&signed.viewer, dm).await?;
            let people = messages::people_of(state, signed, &[], &dm.member_ids).await?;
            Some((dm.id, super::dms::names(&dm.member_ids, &people, signed.member.id)))
        }
        None => None,
    };
    let since = state.store.head().await?.0;
    let (list, window) = messages_of(state, signed, &thread, at).await?;
    let (above, below) = messages::paging(&format!("/t/{id}"), &window);
    // A page away from the newest stays as it is; the newest window follows live.
    let live = if at.is_live(&window) { Live::Thread { id: id.0, since } } else { Live::Nothing };
    let current = match (thread.channel_id, thread.dm_id) {
        (Some(channel), _) => Current::InChannel(channel),
        (None, Some(dm)) => Current::InDm(dm),
        (None, None) => Current::Nothing,
    };
    let sidebar = sidebar::load(state, signed, current, Some(since)).await?;
    Ok(page_with_sidebar(
        thread.shown_title(),
        signed,
        live,
        &sidebar,
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
                (thread.shown_title()) " "
                @if thread.resolved { span.badge.resolved { "resolved" } } @else { span.badge.open { "open" } }
                @for tag in &thread.tags { " " span.tag { (tag) } }
            }
            @if !thread.timeline {
                div.thread-actions {
                    form.inline-one method="post" action=(format!("/t/{id}/state")) {
                        (csrf_field(&signed.csrf))
                        input type="hidden" name="resolved" value=(!thread.resolved);
                        button type="submit" { @if thread.resolved { "Reopen thread" } @else { "Resolve thread" } }
                    }
                    form.inline-one method="post" action=(format!("/t/{id}/tags")) {
                        (csrf_field(&signed.csrf))
                        label { "Tags (comma separated, e.g. decision, brainstorm)"
                            input name="tags" value=(thread.tags.join(", ")) maxlength="400"
                                aria-invalid=[settings_error.map(|_| "true")]; }
                        button type="submit" { "Save tags" }
                    }
                    @if let Some(error) = settings_error { p.error role="alert" { (error) } }
                }
            }
            (above)
            ol #messages .messages aria-live="polite" data-fragment=(format!("/t/{id}/messages")) { (list) }
            (below)
            (messages::composer(&format!("/t/{id}/messages"), &signed.csrf, "Reply", draft))
            (super::huddles::start_form(id.0, &signed.csrf, &super::huddles::start_choices(state, signed).await?))
        },
    ))
}

/// The message list alone, for the page's live updates: whole, or only the messages after
/// `?after=` (see [`follow`]).
pub async fn messages_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    query: Result<Query<FragmentQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let asked = Fragment::of(query)?;
    let thread = state.store.thread(&signed.viewer, ThreadId(id)).await?;
    match asked {
        Fragment::Whole => Ok(messages_of(&state, &signed, &thread, At::Newest).await?.0.into_response()),
        Fragment::After(after) => follow::after(&state, &signed, &live_list(&thread), after).await,
    }
}

/// One message of the thread as its list item, for the page's live updates.
pub async fn message_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, message)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let thread = state.store.thread(&signed.viewer, ThreadId(id)).await?;
    follow::one(&state, &signed, &live_list(&thread), MessageId(message)).await
}

/// The thread's message list as its live updates ask for it.
fn live_list(thread: &Thread) -> LiveList {
    let place = if thread.timeline { messages::Place::Timeline } else { messages::Place::Thread };
    LiveList { target: MessageTarget::Thread(thread.id), page: format!("/t/{}", thread.id), place }
}

pub async fn post(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewMessage>,
) -> Result<Response, PageError> {
    match messages::send(&state, &signed, MessageTarget::Thread(ThreadId(id)), form, &format!("/t/{id}")).await {
        Ok(sent) => Ok(sent),
        Err(SendError::Refused(draft)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            thread_page(&state, &signed, ThreadId(id), &draft, None, At::Newest).await?,
        )
            .into_response()),
        Err(SendError::Page(err)) => Err(err),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StateForm {
    resolved: String,
}

/// Resolves or reopens the thread.
pub async fn set_state(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<StateForm>,
) -> Result<Response, PageError> {
    let command =
        Command::UpdateThread { id: ThreadId(id), title: None, tags: None, resolved: Some(form.resolved == "true") };
    state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(Redirect::to(&format!("/t/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TagsForm {
    tags: String,
}

/// Sets the thread's tags from a comma-separated list (empty clears them).
pub async fn set_tags(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<TagsForm>,
) -> Result<Response, PageError> {
    let tags: Vec<String> = form.tags.split(',').map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect();
    let refused = match validate::tags("tags", &tags) {
        Ok(tags) => {
            let command = Command::UpdateThread { id: ThreadId(id), title: None, tags: Some(tags), resolved: None };
            match state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await {
                Ok(_) => return Ok(Redirect::to(&format!("/t/{id}")).into_response()),
                Err(err) => ApiError::from(err),
            }
        }
        Err(err) => err.into(),
    };
    match refused {
        ApiError::Invalid(message) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            thread_page(&state, &signed, ThreadId(id), &Draft::default(), Some(&message), At::Newest).await?,
        )
            .into_response()),
        other => Err(other.into()),
    }
}
