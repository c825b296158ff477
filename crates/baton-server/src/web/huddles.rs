//! Huddles: the list, a huddle's page (agenda and notes, participants, decisions, action items,
//! the call link) and its forms, and starting one from a thread. Every change goes through the
//! same commands and checks as the API's (`api::huddles`).

mod page;

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use baton_core::model::{Huddle, Member, Project};
use baton_core::{validate, HuddleId, MemberId, ThreadId};
use baton_store::{Command, Envelope, HuddleOn};
use maud::{html, Markup};
use serde::Deserialize;

use self::page::{Draft, Part, Refusal};
use super::layout::{csrf_field, page, when, Live};
use super::session::{CsrfToken, Signed};
use super::PageError;
use crate::api::huddles::{self as api, ActionItem, Decision, StartHuddle, UpdateHuddle};
use crate::{ApiError, AppState};

/// How many huddles the list shows (running ones and the most recent).
const HUDDLES_SHOWN: u32 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/huddles", get(list))
        .route("/huddles/{id}", get(show))
        .route("/huddles/{id}/join", post(join))
        .route("/huddles/{id}/leave", post(leave))
        .route("/huddles/{id}/end", post(end))
        .route("/huddles/{id}/notes", post(notes))
        .route("/huddles/{id}/decisions", post(decide))
        .route("/huddles/{id}/action-items", post(add_action_item))
        // `{id}` like the thread routes beside it: one path segment has one parameter name.
        .route("/t/{id}/huddle", post(start))
}

/// What someone typed into the start form, kept when it is refused.
#[derive(Debug, Default)]
pub struct NewHuddle {
    title: String,
    call_link: String,
    agenda: String,
    /// Members invited (besides the one starting it).
    invite: Vec<MemberId>,
    /// The project that receives the action items (empty: the default).
    project: String,
}

impl NewHuddle {
    /// The form's fields; `invite` repeats once per person chosen, which a struct form cannot
    /// hold.
    fn from_pairs(pairs: &[(String, String)]) -> NewHuddle {
        let mut form = NewHuddle::default();
        for (key, value) in pairs {
            match key.as_str() {
                "title" => form.title.clone_from(value),
                "call_link" => form.call_link.clone_from(value),
                "agenda" => form.agenda.clone_from(value),
                "project" => form.project.clone_from(value),
                "invite" => form.invite.extend(value.parse().ok().map(MemberId)),
                _ => {}
            }
        }
        form
    }
}

/// Whom a new huddle can invite and which project can take its action items.
pub struct StartChoices {
    others: Vec<Member>,
    projects: Vec<Project>,
}

/// The start form's choices for `signed`: the other active people, the open projects.
pub async fn start_choices(state: &AppState, signed: &Signed) -> Result<StartChoices, PageError> {
    let mut others: Vec<Member> = state
        .store
        .members(&signed.viewer)
        .await?
        .into_iter()
        .filter(|m| m.active && !m.service && m.id != signed.member.id)
        .collect();
    others.sort_by(|a, b| a.handle.cmp(&b.handle));
    let mut projects = state.store.projects(&signed.viewer).await?;
    projects.retain(|p| !p.archived);
    Ok(StartChoices { others, projects })
}

/// The form that starts a huddle on a thread, folded away until wanted: for the thread page.
pub fn start_form(thread_id: i64, csrf: &CsrfToken, choices: &StartChoices) -> Markup {
    start_form_with(thread_id, csrf, &NewHuddle::default(), false, choices)
}

fn start_form_with(thread_id: i64, csrf: &CsrfToken, typed: &NewHuddle, open: bool, choices: &StartChoices) -> Markup {
    html! {
        details.start-huddle open[open] {
            summary { "Start a huddle" }
            form method="post" action=(format!("/t/{thread_id}/huddle")) {
                (csrf_field(csrf))
                label { "Title (default: the thread's)" input name="title" maxlength="200" value=(typed.title); }
                label { "Call link (any video tool, optional)"
                    input type="url" name="call_link" placeholder="https://" value=(typed.call_link);
                }
                label { "Agenda" textarea name="agenda" rows="3" maxlength=(validate::MAX_DESCRIPTION_CHARS) { (typed.agenda) } }
                label { "Invite (hold Ctrl or ⌘ for several; they are notified)"
                    select name="invite" multiple size=(choices.others.len().clamp(2, 6)) {
                        @for member in &choices.others {
                            option value=(member.id) selected[typed.invite.contains(&member.id)] {
                                "@" (member.handle) " · " (member.display_name) " (" (member.time_zone) ")"
                            }
                        }
                    }
                }
                label { "Action items become tasks in"
                    select name="project" {
                        option value="" selected[typed.project.is_empty()] { "the default project (the task's, else Action items)" }
                        @for project in &choices.projects {
                            option value=(project.id) selected[typed.project == project.id.to_string()] { (project.name) }
                        }
                    }
                }
                button type="submit" { "Start huddle" }
            }
        }
    }
}

async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    let mut huddles = state.store.huddles(&signed.viewer, false, HUDDLES_SHOWN).await?;
    // Running ones first: those are the ones to join.
    huddles.sort_by_key(|h| (h.ended_at.is_some(), std::cmp::Reverse(h.started_at)));
    let people = people(&state, &signed).await?;
    let now = state.now();
    Ok(page(
        "Huddles",
        &signed,
        Live::Nothing,
        html! {
            h1 { "Huddles" }
            p.meta { "Start a huddle from a thread when a conversation is better had live." }
            @if huddles.is_empty() { p.empty { "No huddles yet." } }
            ul.huddles {
                @for huddle in &huddles {
                    @let starter = people.get(&huddle.started_by);
                    li.huddle-row {
                        a.huddle href=(format!("/huddles/{}", huddle.id)) { (huddle.title) }
                        " "
                        @if huddle.ended_at.is_some() { span.badge.ended { "ended" } }
                        @else if huddle.opens_at.is_some_and(|opens| opens > now) { span.badge.scheduled { "scheduled" } }
                        @else { span.badge.running { "running" } }
                        span.meta {
                            @if let Some(opens) = huddle.opens_at.filter(|opens| *opens > now) {
                                "opens " (when(opens, &signed.member, None)) " · "
                            }
                            "set up " (when(huddle.started_at, &signed.member, starter))
                            " by @" (starter.map_or("unknown", |m| m.handle.as_str()))
                            @if huddle.ended_at.is_none() { " · " (in_now(huddle)) " in now" }
                            @else { " · " (plural(took_part(huddle), "person", "people")) " took part" }
                            " · " (plural(huddle.decisions.len(), "decision", "decisions"))
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// How many people are in the huddle at the moment.
fn in_now(huddle: &Huddle) -> usize {
    huddle.participants.iter().filter(|p| p.left_at.is_none()).count()
}

/// How many different people were in the huddle at some point.
fn took_part(huddle: &Huddle) -> usize {
    let mut members: Vec<MemberId> = huddle.participants.iter().map(|p| p.member_id).collect();
    members.sort();
    members.dedup();
    members.len()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

async fn people(state: &AppState, signed: &Signed) -> Result<HashMap<MemberId, Member>, PageError> {
    Ok(state.store.members(&signed.viewer).await?.into_iter().map(|m| (m.id, m)).collect())
}

async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(render(&state, &signed, id, &Draft::default(), None).await?.into_response())
}

async fn render(
    state: &AppState,
    signed: &Signed,
    id: i64,
    draft: &Draft,
    refusal: Option<&Refusal>,
) -> Result<Markup, PageError> {
    let huddle = state.store.huddle(&signed.viewer, HuddleId(id)).await?;
    let thread = state.store.thread(&signed.viewer, huddle.thread_id).await?;
    let people = people(state, signed).await?;
    let choices = start_choices(state, signed).await?;
    let shown = page::Shown { huddle: &huddle, thread: &thread, people: &people, choices: &choices, now: state.now() };
    let content = page::huddle(&shown, signed, draft, refusal);
    Ok(page(&huddle.title, signed, Live::Nothing, content))
}

/// Runs a command of the huddle page's and goes back to the page; input or a state the command
/// refuses (the huddle ended, you are not in it) shows the page again with the reason.
async fn act(
    state: &AppState,
    signed: &Signed,
    id: i64,
    part: Part,
    draft: Draft,
    command: Result<Command, ApiError>,
) -> Result<Response, PageError> {
    let done = match command {
        Ok(command) => {
            state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await.map_err(ApiError::from)
        }
        Err(err) => Err(err),
    };
    let err = match done {
        Ok(_) => return Ok(Redirect::to(&format!("/huddles/{id}#{}", part.anchor())).into_response()),
        Err(err) => err,
    };
    let status = err.status();
    if !status.is_client_error() {
        return Err(err.into());
    }
    let refusal = Refusal { part, message: err.to_string() };
    Ok((status, render(state, signed, id, &draft, Some(&refusal)).await?).into_response())
}

async fn join(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    act(&state, &signed, id, Part::Presence, Draft::default(), Ok(Command::JoinHuddle { id: HuddleId(id) })).await
}

async fn leave(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    act(&state, &signed, id, Part::Presence, Draft::default(), Ok(Command::LeaveHuddle { id: HuddleId(id) })).await
}

async fn end(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Result<Response, PageError> {
    act(&state, &signed, id, Part::Presence, Draft::default(), Ok(Command::EndHuddle { id: HuddleId(id) })).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Notes {
    agenda: String,
    notes: String,
}

async fn notes(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<Notes>,
) -> Result<Response, PageError> {
    let update = UpdateHuddle { agenda: Some(form.agenda.clone()), notes: Some(form.notes.clone()), call_link: None };
    let command = api::update_command(HuddleId(id), update);
    let draft = Draft { agenda: Some(form.agenda), notes: Some(form.notes), ..Draft::default() };
    act(&state, &signed, id, Part::Notes, draft, command).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewDecision {
    text: String,
}

async fn decide(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewDecision>,
) -> Result<Response, PageError> {
    let command = api::decision_command(HuddleId(id), Decision { text: form.text.clone() });
    act(&state, &signed, id, Part::Decision, Draft { decision: form.text, ..Draft::default() }, command).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewActionItem {
    title: String,
    /// A member's id, or empty for nobody yet.
    assignee: String,
    /// `YYYY-MM-DD`, or empty.
    due: String,
}

async fn add_action_item(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewActionItem>,
) -> Result<Response, PageError> {
    let assignee = match form.assignee.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(|id| Some(MemberId(id)))
            .map_err(|_| ApiError::Invalid("assignee: pick a member from the list".into())),
    };
    let due = Some(form.due.trim().to_string()).filter(|d| !d.is_empty());
    let command = assignee.and_then(|assignee_id| {
        api::action_item_command(HuddleId(id), ActionItem { title: form.title.clone(), assignee_id, due })
    });
    let draft = Draft { item_title: form.title, item_assignee: form.assignee, item_due: form.due, ..Draft::default() };
    act(&state, &signed, id, Part::ActionItem, draft, command).await
}

async fn start(
    State(state): State<AppState>,
    signed: Signed,
    Path(thread): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = NewHuddle::from_pairs(&pairs);
    let request = StartHuddle {
        title: Some(form.title.clone()).filter(|t| !t.trim().is_empty()),
        call_link: Some(form.call_link.clone()),
        agenda: Some(form.agenda.clone()),
        invite: form.invite.clone(),
        project_id: form.project.parse().ok().map(baton_core::ProjectId),
        opens_at: None,
    };
    let started = match api::start_command(HuddleOn::Thread(ThreadId(thread)), request) {
        Ok(command) => {
            state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await.map_err(ApiError::from)
        }
        Err(err) => Err(err),
    };
    let err = match started {
        Ok(huddle) => return Ok(Redirect::to(&format!("/huddles/{}", huddle.into_huddle()?.id)).into_response()),
        Err(err) => err,
    };
    // The thread's own page is someone else's; this one only says why and keeps the form.
    let status = err.status();
    let title = match state.store.thread(&signed.viewer, ThreadId(thread)).await {
        Ok(found) if status.is_client_error() => found.shown_title().to_string(),
        Ok(_) => return Err(err.into()),
        Err(lookup) => return Err(lookup.into()),
    };
    let content = html! {
        p.crumbs { a href=(format!("/t/{thread}")) { (title) } }
        h1 { "Start a huddle" }
        p.error role="alert" { (err.to_string()) }
        (start_form_with(thread, &signed.csrf, &form, true, &start_choices(&state, &signed).await?))
    };
    Ok((status, page("Start a huddle", &signed, Live::Nothing, content)).into_response())
}
