//! What threads and direct conversations share: the message list (reactions, edits of one's own
//! messages, replies that start a thread from a timeline), the composer (urgent, send later),
//! and the mention look-up the composer's autocomplete asks.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use baton_core::calendar::parse_time_zone;
use baton_core::model::{Member, Message};
use baton_core::text::MessageText;
use baton_core::{validate, MemberId, MessageId};
use baton_store::Answer;
use baton_store::{Command, Envelope, MessageTarget};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::layout::{csrf_field, when};
use super::session::{CsrfToken, Signed};
use super::PageError;
use crate::{ApiError, AppState};

pub mod follow;

/// The reactions offered as one-click buttons (any emoji others added shows too).
const QUICK_REACTIONS: [&str; 4] = ["👍", "🎉", "👀", "✅"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages/{id}/edit", post(edit))
        .route("/messages/{id}/react", post(react))
        .route("/messages/{id}/remind", post(remind))
        .route("/messages/{id}/reply", post(reply))
        .route("/messages/{id}/delete", post(delete))
        .route("/mentions", get(mentions))
        .route("/static/compose.js", get(|| super::asset("text/javascript; charset=utf-8", COMPOSE_JS)))
}

const COMPOSE_JS: &str = include_str!("../../assets/compose.js");

/// Everyone in the workspace by id (for a page that lists them all).
pub async fn people(state: &AppState, signed: &Signed) -> Result<HashMap<MemberId, Member>, PageError> {
    Ok(state.store.members(&signed.viewer).await?.into_iter().map(|m| (m.id, m)).collect())
}

/// The people `messages` name, by id: their authors and those they mention (by id, and by the
/// handles their HTML marks, so that a handle nobody has shows as unknown), and `also`. A list
/// of messages reads these few, not the whole workspace (2,000 members decoded on each live
/// append was most of the server's time with 500 pages open).
pub async fn people_of(
    state: &AppState,
    signed: &Signed,
    messages: &[Message],
    also: &[MemberId],
) -> Result<HashMap<MemberId, Member>, PageError> {
    let mut ids: Vec<MemberId> = also.to_vec();
    let mut handles: Vec<String> = Vec::new();
    for message in messages {
        ids.push(message.author_id);
        ids.extend(&message.mentions);
        handles.extend(mention_handles(&message.html).map(str::to_string));
    }
    let found = state.store.members_among(&signed.viewer, &ids, &handles).await?;
    Ok(found.into_iter().map(|m| (m.id, m)).collect())
}

/// The opening of a mention in a message's HTML, as the renderer writes it.
const MENTION_OPEN: &str = r#"<span class="mention" data-handle=""#;

/// The handles a message's HTML marks as mentions.
fn mention_handles(html: &str) -> impl Iterator<Item = &str> {
    html.split(MENTION_OPEN).skip(1).filter_map(|after| after.split_once('"').map(|(handle, _)| handle))
}

/// Where a list of messages is: a thread, or a timeline (whose messages a reply turns into
/// threads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Thread,
    Timeline,
}

/// The messages, oldest first; `back` is the page the action forms return to.
pub fn list(
    messages: &[Message],
    people: &HashMap<MemberId, Member>,
    signed: &Signed,
    back: &str,
    place: Place,
) -> Markup {
    html! {
        @if messages.is_empty() { li.empty { "No messages yet." } }
        (items(messages, people, signed, back, place))
    }
}

/// One `li.message` (`id="m{id}"`, which the live script goes by) per message, and nothing
/// else: what a live list appends or puts in place of a changed message.
pub fn items(
    messages: &[Message],
    people: &HashMap<MemberId, Member>,
    signed: &Signed,
    back: &str,
    place: Place,
) -> Markup {
    let viewer = &signed.member;
    html! {
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
                    div.body { (PreEscaped(marked_mentions(&message.html, people, viewer))) }
                    (reactions(message, signed, back))
                    @if place == Place::Timeline {
                        details.reply {
                            summary { "Reply in thread" }
                            form method="post" action=(format!("/messages/{}/reply", message.id)) {
                                (csrf_field(&signed.csrf))
                                label { "Reply (starts a thread with this message)"
                                    textarea name="body" rows="3" required maxlength=(validate::MAX_MESSAGE_CHARS) {} }
                                button type="submit" { "Reply" }
                            }
                        }
                    }
                    details.remind {
                        summary { "Remind me" }
                        form.inline-one method="post" action=(format!("/messages/{}/remind", message.id)) {
                            (csrf_field(&signed.csrf))
                            input type="hidden" name="back" value=(back);
                            label { "When (your time)" input type="datetime-local" name="at" required; }
                            label { "Note" input name="note" maxlength="200"; }
                            button type="submit" { "Set reminder" }
                        }
                    }
                    @if message.author_id == viewer.id || viewer.role.is_admin() {
                        details.delete {
                            summary { "Delete" }
                            form.inline-one method="post" action=(format!("/messages/{}/delete", message.id)) {
                                (csrf_field(&signed.csrf))
                                input type="hidden" name="back" value=(back);
                                span { "Delete this message for everyone? Its text and edits are removed." }
                                button.danger type="submit" { "Delete message" }
                            }
                        }
                    }
                    @if message.author_id == viewer.id {
                        details.edit {
                            summary { "Edit" }
                            form method="post" action=(format!("/messages/{}/edit", message.id)) {
                                (csrf_field(&signed.csrf))
                                input type="hidden" name="back" value=(back);
                                label { "Message" textarea name="body" rows="3" required { (message.body) } }
                                button type="submit" { "Save edit" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The mention spans of a message's HTML marked for the viewer: their own (`me`), and handles no
/// member has (`unknown`, with a note), which notified no one.
fn marked_mentions(html: &str, people: &HashMap<MemberId, Member>, viewer: &Member) -> String {
    const OPEN: &str = MENTION_OPEN;
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let Some(end) = after.find('"') else { break };
        let handle = &after[..end];
        let known = baton_core::text::GROUP_MENTIONS.contains(&handle) || people.values().any(|m| m.handle == handle);
        // The handle is ours (lowercase handle characters only), so it needs no escaping.
        match (handle == viewer.handle, known) {
            (true, _) => out.push_str(&format!(r#"<span class="mention me" data-handle="{handle}""#)),
            (false, true) => out.push_str(&format!(r#"<span class="mention" data-handle="{handle}""#)),
            (false, false) => out.push_str(&format!(
                r#"<span class="mention unknown" title="No member is called @{handle}; nobody was notified" data-handle="{handle}""#
            )),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn reactions(message: &Message, signed: &Signed, back: &str) -> Markup {
    let mut shown: Vec<(&str, usize, bool)> = message
        .reactions
        .iter()
        .map(|r| (r.emoji.as_str(), r.members.len(), r.members.contains(&signed.member.id)))
        .collect();
    for quick in QUICK_REACTIONS {
        if !shown.iter().any(|(emoji, ..)| *emoji == quick) {
            shown.push((quick, 0, false));
        }
    }
    html! {
        form.reactions method="post" action=(format!("/messages/{}/react", message.id)) {
            (csrf_field(&signed.csrf))
            input type="hidden" name="back" value=(back);
            @for (emoji, count, mine) in shown {
                button.reaction.mine[mine] type="submit" name="emoji" value=(emoji)
                    aria-pressed=(mine) aria-label=(format!("{emoji} {count}: {}", if mine { "remove yours" } else { "react" })) {
                    (emoji) @if count > 0 { " " (count) }
                }
            }
        }
    }
}

/// What a composer shows: what was typed, and why the server refused it, beside its field.
#[derive(Debug, Default, Clone)]
pub struct Draft {
    pub body: String,
    pub urgent: bool,
    pub send_at: String,
    pub error: Option<(DraftField, String)>,
}

/// The composer field an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftField {
    Body,
    SendAt,
}

impl Draft {
    fn error_for(&self, field: DraftField) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, message)| message.as_str())
    }
}

/// The reply form: markdown, urgent, or send later (a time in the viewer's zone). A refused
/// message comes back in it with the reason beside its field, so nothing typed is lost.
pub fn composer(action: &str, csrf: &CsrfToken, label: &str, draft: &Draft) -> Markup {
    let body_error = draft.error_for(DraftField::Body);
    let send_at_error = draft.error_for(DraftField::SendAt);
    html! {
        form.composer #composer method="post" action=(action) {
            (csrf_field(csrf))
            label { (label) " (markdown; type @ to mention; Ctrl+Enter sends)"
                textarea name="body" rows="3" required maxlength=(validate::MAX_MESSAGE_CHARS) data-mentions="/mentions"
                    aria-keyshortcuts="Control+Enter Meta+Enter"
                    aria-invalid=[body_error.map(|_| "true")] aria-describedby=[body_error.map(|_| "composer-body-error")]
                    { (draft.body) } }
            @if let Some(error) = body_error { p.error #composer-body-error role="alert" { (error) } }
            div.row {
                label.check { input type="checkbox" name="urgent" value="true" checked[draft.urgent]; " Urgent: notify now, even outside working hours" }
                label.later { "Send later (your time)"
                    input type="datetime-local" name="send_at" value=(draft.send_at)
                        aria-invalid=[send_at_error.map(|_| "true")] aria-describedby=[send_at_error.map(|_| "composer-send-at-error")]; }
                button type="submit" title="Send (Ctrl+Enter or ⌘+Enter in the text box)" { "Send" }
            }
            @if let Some(error) = send_at_error { p.error #composer-send-at-error role="alert" { (error) } }
        }
        script src="/static/compose.js" defer {}
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewMessage {
    body: String,
    urgent: Option<String>,
    send_at: String,
}

/// Why a composer's message was not sent: refused, with the draft to show again, or a page error
/// (nothing to see, signed out, our fault).
#[derive(Debug)]
pub enum SendError {
    Refused(Draft),
    Page(PageError),
}

impl From<PageError> for SendError {
    fn from(err: PageError) -> SendError {
        SendError::Page(err)
    }
}

/// Posts (or schedules) a composer's message to `target`, then back to `back`.
pub async fn send(
    state: &AppState,
    signed: &Signed,
    target: MessageTarget,
    form: NewMessage,
    back: &str,
) -> Result<Response, SendError> {
    let urgent = form.urgent.as_deref().is_some_and(|u| u == "true" || u == "on");
    let mut draft = Draft { body: form.body.clone(), urgent, send_at: form.send_at.clone(), error: None };
    let mut refuse = |field: DraftField, message: String| {
        draft.error = Some((field, message));
        SendError::Refused(draft.clone())
    };
    let body = match validate::message_body("body", form.body.trim()) {
        Ok(body) => body,
        Err(err) => return Err(refuse(DraftField::Body, err.to_string())),
    };
    let now = state.now();
    let written = if form.send_at.trim().is_empty() {
        let command = Command::PostMessage { target, text: MessageText::new(body), urgent };
        state.store.execute(Envelope::new(signed.viewer, now, command)).await.and_then(Answer::into_message)
    } else {
        let at = match future_instant(signed, &form.send_at, "send later", now) {
            Ok(at) => at,
            Err(PageError::Other(_, message)) => return Err(refuse(DraftField::SendAt, message)),
            Err(other) => return Err(other.into()),
        };
        let command = Command::ScheduleMessage { target, body, urgent, at };
        match state.store.execute(Envelope::new(signed.viewer, now, command)).await {
            Ok(_) => return Ok(Redirect::to(back).into_response()),
            Err(err) => Err(err),
        }
    };
    match written {
        Ok(posted) => Ok(Redirect::to(&format!("{back}#m{}", posted.id)).into_response()),
        // What the person can fix (an archived channel, a bad value) is said beside the text.
        Err(err) => match ApiError::from(err) {
            ApiError::Invalid(message) | ApiError::Conflict(message) => Err(refuse(DraftField::Body, message)),
            other => Err(PageError::from(other).into()),
        },
    }
}

/// A `datetime-local` value in the viewer's zone as an instant after `now`.
fn future_instant(signed: &Signed, raw: &str, what: &str, now: jiff::Timestamp) -> Result<jiff::Timestamp, PageError> {
    let invalid = |message: String| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, message);
    let local: jiff::civil::DateTime =
        raw.trim().parse().map_err(|_| invalid(format!("{what}: {raw:?} is not a date and time")))?;
    let zone = parse_time_zone(&signed.member.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let at = zone.to_timestamp(local).map_err(|e| invalid(format!("{what}: {e}")))?;
    if at <= now {
        return Err(invalid(format!("{what}: pick a time in the future")));
    }
    Ok(at)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemindForm {
    at: String,
    note: String,
    back: String,
}

/// "Remind me about this message at …": a reminder in the viewer's inbox at that time.
async fn remind(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<RemindForm>,
) -> Result<Response, PageError> {
    let now = state.now();
    let at = future_instant(&signed, &form.at, "remind me", now)?;
    let note = validate::text("note", form.note.trim(), validate::MAX_NAME_CHARS)
        .map_err(|e| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let command = Command::Remind { message: MessageId(id), note, at };
    state.store.execute(Envelope::new(signed.viewer, now, command)).await?;
    Ok(Redirect::to(&format!("{}#m{id}", back_to(&form.back))).into_response())
}

/// The messages a thread or a conversation page shows at once.
pub const WINDOW: u32 = 200;

/// Where a page of messages stands in its thread or conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Where the viewer stopped reading: the first unread message when more than a window of
    /// them wait, else the newest.
    Unread,
    /// The newest messages.
    Newest,
    /// The messages just before this one.
    Before(MessageId),
    /// The messages just after this one.
    After(MessageId),
}

impl At {
    /// From a page's query: `before`, `after` or `newest`, else where the viewer stopped.
    pub fn of(paging: &Paging) -> At {
        match (paging.before, paging.after, paging.newest) {
            (Some(before), _, _) => At::Before(MessageId(before)),
            (None, Some(after), _) => At::After(MessageId(after)),
            (None, None, Some(true)) => At::Newest,
            _ => At::Unread,
        }
    }

    /// Whether a page here follows new messages live: one opened at the newest (a live
    /// refresh shows the newest window, which must be the one on the page).
    pub fn is_live(self, window: &Window) -> bool {
        window.newer.is_none() && matches!(self, At::Newest | At::Unread)
    }
}

/// Where a page of messages asks to stand (see [`At::of`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Paging {
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub newest: Option<bool>,
}

/// A window of messages, oldest first, with the ids to page from on either side.
pub struct Window {
    pub messages: Vec<Message>,
    /// Older messages exist: page back from this one.
    pub older: Option<MessageId>,
    /// Newer messages exist: page on from this one. None: the window reaches the newest.
    pub newer: Option<MessageId>,
}

/// The [`WINDOW`] messages of `target` at `at`.
pub async fn window(state: &AppState, signed: &Signed, target: MessageTarget, at: At) -> Result<Window, PageError> {
    let viewer = &signed.viewer;
    let before = match at {
        At::After(after) => return forward(state, signed, target, after).await,
        At::Before(before) => Some(before),
        At::Unread | At::Newest => None,
    };
    let mut found = state.store.latest_messages(viewer, target, before, WINDOW + 1).await?;
    let more = found.len() > WINDOW as usize;
    if at == At::Unread && more {
        // More unread than a window holds (even the message before the newest window is
        // unread): the page starts at the first unread one.
        if let Some(mark) = state.store.read_mark(viewer, target).await? {
            if found[WINDOW as usize].id > mark {
                return forward(state, signed, target, mark).await;
            }
        }
    }
    found.truncate(WINDOW as usize);
    found.reverse();
    let older = if more { found.first().map(|m| m.id) } else { None };
    let newer = if before.is_some() { found.last().map(|m| m.id) } else { None };
    Ok(Window { messages: found, older, newer })
}

/// The [`WINDOW`] messages of `target` just after `after`.
async fn forward(
    state: &AppState,
    signed: &Signed,
    target: MessageTarget,
    after: MessageId,
) -> Result<Window, PageError> {
    let page = baton_store::Page::new(Some(after.0), Some(WINDOW + 1));
    let mut found = match target {
        MessageTarget::Thread(id) => state.store.thread_messages(&signed.viewer, id, page).await?,
        MessageTarget::Dm(id) => state.store.dm_messages(&signed.viewer, id, page).await?,
    };
    let more = found.len() > WINDOW as usize;
    found.truncate(WINDOW as usize);
    let older = found.first().map(|m| m.id);
    let newer = if more { found.last().map(|m| m.id) } else { None };
    Ok(Window { messages: found, older, newer })
}

/// Links to older messages (above the list), and to newer ones and the newest (below it), on a
/// page at `path` that shows `window`.
pub fn paging(path: &str, window: &Window) -> (Markup, Markup) {
    let above = html! {
        @if let Some(older) = window.older {
            p.paging { a.older href=(format!("{path}?before={older}")) { "Older messages" } }
        }
    };
    let below = html! {
        @if let Some(newer) = window.newer {
            p.paging {
                a.newer href=(format!("{path}?after={newer}")) { "Newer messages" }
                " · " a.newest href=(format!("{path}?newest=true")) { "Jump to the newest" }
            }
        }
    };
    (above, below)
}

/// Records that the viewer has seen `messages` of `target`.
pub async fn mark_read(
    state: &AppState,
    signed: &Signed,
    target: MessageTarget,
    messages: &[Message],
) -> Result<(), PageError> {
    let Some(last) = messages.iter().map(|m| m.id).max() else {
        return Ok(());
    };
    // A page opened again with nothing new: no write, so no wait for the writer's commit (a
    // busy thread's readers would otherwise queue behind it on every view).
    if state.store.read_mark(&signed.viewer, target).await?.is_some_and(|mark| mark >= last) {
        return Ok(());
    }
    let command = Command::MarkRead { target, up_to: last };
    state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(())
}

/// `back` if it is a path on this site (`/…`), never another site's address (`//host`,
/// `/\host`, a scheme) nor anything a header could not carry: where action forms may return to.
pub fn local_path(back: &str) -> Option<&str> {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && back.chars().all(|c| c.is_ascii_graphic());
    local.then_some(back)
}

/// Where an action form goes back to: [`local_path`], else the start page.
fn back_to(back: &str) -> &str {
    local_path(back).unwrap_or("/")
}

/// A message body typed into a form, checked; a bad one is the form's 422 page.
fn typed_body(raw: &str) -> Result<String, PageError> {
    validate::message_body("body", raw.trim())
        .map_err(|e| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    body: String,
}

/// Replies in the message's thread (a timeline message starts one), then shows that thread.
async fn reply(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, PageError> {
    let body = typed_body(&form.body)?;
    let command = Command::Reply { message: MessageId(id), text: MessageText::new(body), urgent: false };
    let posted = state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?.into_message()?;
    let thread = posted.thread_id.map_or(0, |thread| thread.0);
    Ok(Redirect::to(&format!("/t/{thread}#m{}", posted.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    body: String,
    back: String,
}

async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, PageError> {
    let body = typed_body(&form.body)?;
    let command = Command::EditMessage { id: MessageId(id), text: MessageText::new(body) };
    state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(Redirect::to(&format!("{}#m{id}", back_to(&form.back))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackForm {
    back: String,
}

/// Deletes a message (its author, or an admin): a tombstone keeps its place.
async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<BackForm>,
) -> Result<Response, PageError> {
    let command = Command::DeleteMessage { id: MessageId(id) };
    state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(Redirect::to(&format!("{}#m{id}", back_to(&form.back))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReactForm {
    emoji: String,
    back: String,
}

/// Adds the viewer's reaction, or takes it back if they had made it.
async fn react(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ReactForm>,
) -> Result<Response, PageError> {
    let emoji = validate::emoji("emoji", &form.emoji)
        .map_err(|e| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let message = state.store.message(&signed.viewer, MessageId(id)).await?;
    let mine = message.reactions.iter().any(|r| r.emoji == emoji && r.members.contains(&signed.member.id));
    let command = if mine {
        Command::RemoveReaction { message: MessageId(id), emoji }
    } else {
        Command::AddReaction { message: MessageId(id), emoji }
    };
    state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(Redirect::to(&format!("{}#m{id}", back_to(&form.back))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MentionQuery {
    q: String,
}

/// Members whose handle or name starts with `q`, for the composer's autocomplete.
async fn mentions(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<MentionQuery>,
) -> Result<Json<Vec<serde_json::Value>>, PageError> {
    let q = query.q.trim_start_matches('@').to_lowercase();
    let mut found: Vec<serde_json::Value> = state
        .store
        .members(&signed.viewer)
        .await?
        .into_iter()
        .filter(|m| m.active)
        .filter(|m| m.handle.starts_with(&q) || m.display_name.to_lowercase().starts_with(&q))
        .map(|m| serde_json::json!({ "handle": m.handle, "name": m.display_name, "time_zone": m.time_zone }))
        .collect();
    found.truncate(8);
    Ok(Json(found))
}
