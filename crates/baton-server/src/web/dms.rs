//! Direct conversations: the list with unread counts, opening one with colleagues, and one
//! conversation with its threads, its timeline and the composer.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use baton_core::{DmId, MemberId, MessageId};
use baton_store::{ActivityCursor, Command, Envelope, MessageTarget, ThreadHome};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page_with_sidebar, when, Live};
use super::messages::follow::{self, Fragment, FragmentQuery, LiveList};
use super::messages::{self, At, Draft, NewMessage, Paging, SendError, Window};
use super::session::Signed;
use super::sidebar::{self, Current};
use super::thread_list::{self, thread_list, Flags};
use super::PageError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dms", get(index).post(open))
        .route("/dms/{id}", get(show))
        .route("/dms/{id}/messages", get(fragment).post(send))
        .route("/dms/{id}/messages/{message}", get(message_fragment))
        .route("/dms/{id}/threads", get(threads_fragment))
}

async fn index(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    let mut dms = state.store.dms(&signed.viewer).await?;
    dms.sort_by_key(|d| std::cmp::Reverse(d.last_message_at.unwrap_or(d.created_at)));
    let unread = state.store.unread(&signed.viewer).await?.dms;
    let people = messages::people(&state, &signed).await?;
    let mut others: Vec<_> = people.values().filter(|m| m.active && m.id != signed.member.id).collect();
    others.sort_by(|a, b| a.handle.cmp(&b.handle));
    let sidebar = sidebar::load(&state, &signed, Current::Nothing, None).await?;
    Ok(page_with_sidebar(
        "Direct conversations",
        &signed,
        Live::Nothing,
        &sidebar,
        html! {
            h1 { "Direct conversations" }
            @if dms.is_empty() { p { "None yet: start one below." } }
            ul.channels {
                @for dm in &dms {
                    li {
                        a.dm href=(format!("/dms/{}", dm.id)) { (names(&dm.member_ids, &people, signed.member.id)) }
                        (super::channels::unread_badge(unread.get(&dm.id).copied().unwrap_or(0)))
                        @if let Some(last) = dm.last_message_at { span.topic { "last " (when(last, &signed.member, None)) } }
                    }
                }
            }
            h2 { "New conversation" }
            form method="post" action="/dms" {
                (csrf_field(&signed.csrf))
                label { "With (hold Ctrl or ⌘ for several)"
                    select name="members" multiple required size="6" {
                        @for member in &others {
                            option value=(member.id) { "@" (member.handle) " · " (member.display_name) " (" (member.time_zone) ")" }
                        }
                    }
                }
                button type="submit" { "Open conversation" }
            }
        },
    )
    .into_response())
}

pub fn names(members: &[MemberId], people: &HashMap<MemberId, baton_core::model::Member>, me: MemberId) -> String {
    let others: Vec<String> = members
        .iter()
        .filter(|m| **m != me)
        .map(|m| people.get(m).map_or_else(|| format!("member {m}"), |p| format!("@{}", p.handle)))
        .collect();
    if others.is_empty() {
        "Notes to self".into()
    } else {
        others.join(", ")
    }
}

async fn open(
    State(state): State<AppState>,
    signed: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // `members` repeats once per choice, which a struct form cannot hold: read the pairs.
    let members: Vec<MemberId> =
        pairs.iter().filter(|(k, _)| k == "members").filter_map(|(_, v)| v.parse().ok().map(MemberId)).collect();
    if members.is_empty() {
        return Err(PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, "Choose at least one person.".into()));
    }
    let opened = state
        .store
        .execute(Envelope::new(signed.viewer, state.now(), Command::OpenDm { members, export_name: None }))
        .await?
        .into_dm()?;
    Ok(Redirect::to(&format!("/dms/{}", opened.id)).into_response())
}

/// The timeline's window at `at`.
async fn list_of(state: &AppState, signed: &Signed, id: DmId, at: At) -> Result<(Markup, Window), PageError> {
    let window = messages::window(state, signed, MessageTarget::Dm(id), at).await?;
    let people = messages::people_of(state, signed, &window.messages, &[]).await?;
    messages::mark_read(state, signed, MessageTarget::Dm(id), &window.messages).await?;
    let list = messages::list(&window.messages, &people, signed, &format!("/dms/{id}"), messages::Place::Timeline);
    Ok((list, window))
}

/// Where the conversation's list of threads stands: its most recently active, or a later page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ThreadPaging {
    /// Where the page of threads before stopped (`ActivityCursor`).
    threads_after: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Query(paging): Query<Paging>,
    Query(threads): Query<ThreadPaging>,
) -> Result<Response, PageError> {
    let threads_after = match threads.threads_after.as_deref().map(str::parse::<ActivityCursor>) {
        None => None,
        Some(Ok(cursor)) => Some(cursor),
        Some(Err(())) => {
            return Err(PageError::Other(StatusCode::BAD_REQUEST, "That link to older threads is broken.".into()))
        }
    };
    let at = At::of(&paging);
    Ok(dm_page(&state, &signed, DmId(id), &Draft::default(), at, threads_after).await?.into_response())
}

/// The conversation's page at `at`, its composer filled with `draft`, its threads listed from
/// the most recently active (or after `threads_after`).
async fn dm_page(
    state: &AppState,
    signed: &Signed,
    id: DmId,
    draft: &Draft,
    at: At,
    threads_after: Option<ActivityCursor>,
) -> Result<Markup, PageError> {
    let dm = state.store.dm(&signed.viewer, id).await?;
    let people = messages::people_of(state, signed, &[], &dm.member_ids).await?;
    let since = state.store.head().await?.0;
    let (list, window) = list_of(state, signed, dm.id, at).await?;
    let (above, below) = messages::paging(&format!("/dms/{id}"), &window);
    let (threads, older_threads) = threads_of(state, signed, dm.id, threads_after).await?;
    let title = names(&dm.member_ids, &people, signed.member.id);
    // A page away from the newest stays as it is (messages or threads); the newest follows live.
    let live =
        if at.is_live(&window) && threads_after.is_none() { Live::Dm { id: id.0, since } } else { Live::Nothing };
    let sidebar = sidebar::load(state, signed, Current::Dm(dm.id), Some(since)).await?;
    Ok(page_with_sidebar(
        &title,
        signed,
        live,
        &sidebar,
        html! {
            p.crumbs { a href="/dms" { "Direct conversations" } }
            h1 { (title) }
            h2 { "Threads" }
            ul #threads .threads { (threads) }
            @if let Some(older) = older_threads {
                p.paging { a.older href=(format!("/dms/{id}?threads_after={older}")) { "Older threads" } }
            }
            @if threads_after.is_some() {
                p.paging { a.newest href=(format!("/dms/{id}")) { "Back to the most recent threads" } }
            }
            h2 { "Messages" }
            (above)
            ol #messages .messages aria-live="polite" data-fragment=(format!("/dms/{id}/messages")) { (list) }
            (below)
            (messages::composer(&format!("/dms/{id}/messages"), &signed.csrf, "Message", draft))
        },
    ))
}

/// A page of the conversation's threads, with unread counts and bouncing flags, and where the
/// next page starts when there is one.
async fn threads_of(
    state: &AppState,
    signed: &Signed,
    id: DmId,
    after: Option<ActivityCursor>,
) -> Result<(Markup, Option<ActivityCursor>), PageError> {
    let (threads, older) = thread_list::page_of(state, signed, ThreadHome::Dm(id), after).await?;
    let flags = Flags::of(state, signed, ThreadHome::Dm(id), &threads).await?;
    Ok((thread_list(&threads, &flags, signed), older))
}

async fn threads_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(threads_of(&state, &signed, DmId(id), None).await?.0.into_response())
}

/// The timeline alone, for the page's live updates: whole, or only the messages after `?after=`
/// (see [`follow`]).
async fn fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    query: Result<Query<FragmentQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let asked = Fragment::of(query)?;
    match asked {
        Fragment::Whole => Ok(list_of(&state, &signed, DmId(id), At::Newest).await?.0.into_response()),
        Fragment::After(after) => {
            // Reading the conversation first: only its members get past this.
            let dm = state.store.dm(&signed.viewer, DmId(id)).await?;
            follow::after(&state, &signed, &live_list(dm.id), after).await
        }
    }
}

/// One message of the timeline as its list item, for the page's live updates.
async fn message_fragment(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, message)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let dm = state.store.dm(&signed.viewer, DmId(id)).await?;
    follow::one(&state, &signed, &live_list(dm.id), MessageId(message)).await
}

/// The timeline as its live updates ask for it.
fn live_list(id: DmId) -> LiveList {
    LiveList { target: MessageTarget::Dm(id), page: format!("/dms/{id}"), place: messages::Place::Timeline }
}

async fn send(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewMessage>,
) -> Result<Response, PageError> {
    match messages::send(&state, &signed, MessageTarget::Dm(DmId(id)), form, &format!("/dms/{id}")).await {
        Ok(sent) => Ok(sent),
        Err(SendError::Refused(draft)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, dm_page(&state, &signed, DmId(id), &draft, At::Newest, None).await?)
                .into_response())
        }
        Err(SendError::Page(err)) => Err(err),
    }
}
