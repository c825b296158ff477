//! The notification inbox: what reached the viewer, newest first, unread ones marked, each with
//! why it came and a link to the thing; and what is held until their working hours start.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use baton_core::model::{Member, Notification};
use baton_core::{MemberId, ThreadId};
use baton_store::{Command, Envelope};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::layout::{csrf_field, page_with_sidebar, when, Live};
use super::session::Signed;
use super::sidebar::{self, Current};
use super::PageError;
use crate::AppState;

/// How many notifications the page lists; the unread count is taken up to the API's maximum.
const SHOWN: u32 = 200;
const COUNTED: u32 = 500;

pub fn routes() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox)).route("/inbox/read", post(read_all))
}

/// Why a notification came, in words.
fn why(kind: &str) -> &str {
    match kind {
        "mention" => "Mentioned you",
        "dm" => "Direct message",
        "reply" => "Reply in a thread you follow",
        "assigned" => "Assigned to you",
        "due_soon" => "Due today",
        "no_reply" => "Follow-up: still no reply",
        "checkin" => "Check-in",
        "huddle_invite" => "Invited to a huddle",
        "huddle_opens" => "A huddle you were invited to opens now",
        other => other,
    }
}

/// The names the page gives things: member handles, and thread titles the viewer may still
/// read (a thread they lost access to is named by nothing but its link).
struct Names {
    people: HashMap<MemberId, Member>,
    threads: HashMap<i64, String>,
}

impl Names {
    fn author(&self, payload: &Value) -> Option<&Member> {
        payload["author_id"].as_i64().and_then(|id| self.people.get(&MemberId(id)))
    }
}

/// Where a notification leads and what the link says.
fn target(notification: &Notification, names: &Names) -> Option<(String, String)> {
    let p = &notification.payload;
    let message = p["message_id"].as_i64().map(|m| format!("#m{m}")).unwrap_or_default();
    if let Some(checkin) = p["checkin_id"].as_i64() {
        return Some((format!("/checkins/{checkin}#answer"), "Answer the check-in".to_string()));
    }
    if let Some(huddle) = p["huddle_id"].as_i64() {
        let title = p["title"].as_str().map_or_else(|| format!("Huddle #{huddle}"), str::to_string);
        return Some((format!("/huddles/{huddle}"), title));
    }
    if let Some(task) = p["task_id"].as_i64() {
        let title = p["title"].as_str().map_or_else(|| format!("Task #{task}"), str::to_string);
        return Some((format!("/tasks/{task}"), title));
    }
    if let Some(thread) = p["thread_id"].as_i64() {
        let title = names.threads.get(&thread).cloned().unwrap_or_else(|| "the thread".to_string());
        return Some((format!("/t/{thread}{message}"), title));
    }
    if let Some(dm) = p["dm_id"].as_i64() {
        let with = names.author(p).map_or_else(|| "the conversation".to_string(), |a| format!("@{}", a.handle));
        return Some((format!("/dms/{dm}{message}"), with));
    }
    None
}

async fn names(state: &AppState, signed: &Signed, notifications: &[&Notification]) -> Result<Names, PageError> {
    let people = state.store.members(&signed.viewer).await?.into_iter().map(|m| (m.id, m)).collect();
    let mut threads = HashMap::new();
    for notification in notifications.iter() {
        let Some(thread) = notification.payload["thread_id"].as_i64() else { continue };
        if threads.contains_key(&thread) {
            continue;
        }
        if let Ok(found) = state.store.thread(&signed.viewer, ThreadId(thread)).await {
            threads.insert(thread, found.shown_title().to_string());
        }
    }
    Ok(Names { people, threads })
}

fn item(notification: &Notification, names: &Names, viewer: &Member) -> Markup {
    let delivered = notification.delivered_at.is_some();
    let unread = delivered && notification.read_at.is_none();
    let author = names.author(&notification.payload);
    html! {
        li.notification.unread[unread] {
            span.why { (why(&notification.kind)) }
            @if notification.urgent { " " span.badge.urgent { "urgent" } }
            @if unread { " " span.badge.new { "unread" } }
            @if let Some(author) = author { " " span.from { "from @" (author.handle) } }
            @if let Some((href, text)) = target(notification, names) { " " a.target href=(href) { (text) } }
            span.meta {
                @match notification.delivered_at {
                    Some(at) => { (when(at, viewer, author)) }
                    None => { "arrives " (when(notification.deliver_at, viewer, None)) }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Paging {
    before: Option<i64>,
}

async fn inbox(
    State(state): State<AppState>,
    signed: Signed,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    let all = state.store.notifications(&signed.viewer, false, true, paging.before, SHOWN).await?;
    let older = all.last().filter(|_| all.len() == SHOWN as usize).map(|last| last.id);
    let unread = state.store.notifications(&signed.viewer, true, false, None, COUNTED).await?.len();
    let (delivered, held): (Vec<Notification>, Vec<Notification>) =
        all.into_iter().partition(|n| n.delivered_at.is_some());
    let names = names(&state, &signed, &delivered.iter().chain(&held).collect::<Vec<_>>()).await?;
    let title = match unread {
        0 => "Inbox".to_string(),
        n if n >= COUNTED as usize => format!("Inbox ({COUNTED}+)"),
        n => format!("Inbox ({n})"),
    };
    let viewer = &signed.member;
    let sidebar = sidebar::load(&state, &signed, Current::Nothing, None).await?;
    Ok(page_with_sidebar(
        &title,
        &signed,
        Live::Nothing,
        &sidebar,
        html! {
            h1 { (title) }
            @if unread > 0 {
                form.mark-read method="post" action="/inbox/read" {
                    (csrf_field(&signed.csrf))
                    button type="submit" { "Mark all read" }
                }
            }
            @if delivered.is_empty() { p.empty { "Nothing here yet." } }
            ol.notifications aria-label="Notifications" {
                @for notification in &delivered { (item(notification, &names, viewer)) }
            }
            @if let Some(older) = older {
                p.paging { a.older href=(format!("/inbox?before={older}")) { "Older notifications" } }
            }
            @if paging.before.is_some() { p.paging { a.newest href="/inbox" { "Back to the newest" } } }
            section.held {
                h2 { "Held until your working hours" }
                p.meta { "These arrive when your next working period starts; urgent ones come at once." }
                @if held.is_empty() { p.empty { "Nothing held." } }
                ol.notifications.held-list {
                    @for notification in &held { (item(notification, &names, viewer)) }
                }
            }
        },
    )
    .into_response())
}

async fn read_all(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    let command = Command::ReadNotifications { ids: None };
    state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?;
    Ok(Redirect::to("/inbox").into_response())
}
