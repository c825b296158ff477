//! Projects in the browser: the list of projects, a project's board (columns by status, tasks
//! moved by a form or by drag and drop), and a task's page with its history and discussion.
//!
//! Projects are workspace-internal, as in the store: a guest sees an empty list, and any board
//! or task page is the one 403 page for them.

mod board;
mod task;

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use baton_core::calendar::parse_time_zone;
use baton_core::model::{Member, Priority, Project, Role, TaskStatus};
use baton_core::MemberId;
use baton_store::{Answer, Command, Envelope};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page, Live};
use super::session::Signed;
use super::PageError;
use crate::api::projects::{create_project_command, CreateProject};
use crate::{ApiError, AppState};

/// The board's script: drag and drop over the same form the Move buttons send.
const BOARD_JS: &str = include_str!("../../assets/board.js");

/// The board's columns, left to right.
const COLUMNS: [TaskStatus; 5] =
    [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Blocked, TaskStatus::Done, TaskStatus::Cancelled];

const PRIORITIES: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(index).post(create))
        .route("/p/{id}", get(board::show))
        .route("/p/{id}/tasks", post(board::create_task))
        .route("/tasks/{id}", get(task::show).post(task::edit))
        .route("/tasks/{id}/text", post(task::edit_text))
        .route("/tasks/{id}/status", post(board::move_task))
        .route("/static/board.js", get(|| super::asset("text/javascript; charset=utf-8", BOARD_JS)))
}

async fn index(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    Ok(project_list(&state, &signed, None, &NewProject::default()).await?.into_response())
}

/// A project with how many of its tasks are open and done.
struct ProjectRow {
    project: Project,
    n_open: usize,
    n_done: usize,
}

async fn project_list(
    state: &AppState,
    signed: &Signed,
    error: Option<&str>,
    typed: &NewProject,
) -> Result<Markup, PageError> {
    let mut rows = Vec::new();
    for project in state.store.projects(&signed.viewer).await? {
        let tasks = state.store.tasks(&signed.viewer, Some(project.id), None, None).await?;
        let n_open = tasks.iter().filter(|t| !t.status.is_closed()).count();
        let n_done = tasks.iter().filter(|t| t.status == TaskStatus::Done).count();
        rows.push(ProjectRow { project, n_open, n_done });
    }
    rows.sort_by(|a, b| (a.project.archived, &a.project.name).cmp(&(b.project.archived, &b.project.name)));
    let guest = signed.member.role == Role::Guest;
    Ok(page(
        "Projects",
        signed,
        Live::Nothing,
        html! {
            h1 { "Projects" }
            @if rows.is_empty() {
                @if guest { p.empty { "Projects are shared with the workspace's members, not with guests." } }
                @else { p.empty { "No projects yet: create the first one below." } }
            }
            ul.projects {
                @for row in &rows {
                    li.project-row {
                        a.project href=(format!("/p/{}", row.project.id)) { (row.project.name) }
                        @if row.project.archived { " " span.badge { "archived" } }
                        span.meta { (row.n_open) " open · " (row.n_done) " done" }
                        @if !row.project.description.is_empty() { p.description { (row.project.description) } }
                    }
                }
            }
            @if !guest {
                h2 { "New project" }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                form.new-project method="post" action="/projects" {
                    (csrf_field(&signed.csrf))
                    label { "Name" input name="name" required maxlength="200" value=(typed.name); }
                    label { "Description (optional)" textarea name="description" rows="2" { (typed.description) } }
                    button type="submit" { "Create project" }
                }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewProject {
    name: String,
    description: String,
}

async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<NewProject>,
) -> Result<Response, PageError> {
    let request = CreateProject { name: form.name.clone(), description: Some(form.description.clone()) };
    let created = match create_project_command(request) {
        Ok(command) => {
            state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await.and_then(Answer::into_project)
        }
        Err(err) => return project_refused(&state, &signed, err, &form).await,
    };
    match created {
        Ok(project) => Ok(Redirect::to(&format!("/p/{}", project.id)).into_response()),
        Err(err) => project_refused(&state, &signed, err.into(), &form).await,
    }
}

async fn project_refused(
    state: &AppState,
    signed: &Signed,
    err: ApiError,
    typed: &NewProject,
) -> Result<Response, PageError> {
    match input_error(err) {
        Ok((status, message)) => {
            Ok((status, project_list(state, signed, Some(&message), typed).await?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// A refusal the person can fix in the form (invalid input, a conflict), as its status and
/// sentence; anything else (not found, forbidden, our fault) is the error page.
fn input_error(err: ApiError) -> Result<(axum::http::StatusCode, String), PageError> {
    match err {
        ApiError::Invalid(_) | ApiError::Conflict(_) | ApiError::BadRequest(_) => Ok((err.status(), err.to_string())),
        other => Err(other.into()),
    }
}

/// Runs a command for the signed-in member, now.
async fn execute(state: &AppState, signed: &Signed, command: Command) -> Result<Answer, ApiError> {
    Ok(state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await?)
}

/// The workspace's members by id, for handles and the assignee choice.
use super::messages::people;

/// Today in the workspace's zone, where due dates are calendar dates.
async fn today(state: &AppState) -> Result<jiff::civil::Date, PageError> {
    let zone = state.store.workspace().await?.and_then(|w| parse_time_zone(&w.time_zone).ok());
    Ok(state.now().to_zoned(zone.unwrap_or(jiff::tz::TimeZone::UTC)).date())
}

fn status_label(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Todo => "To do",
        TaskStatus::InProgress => "In progress",
        TaskStatus::Blocked => "Blocked",
        TaskStatus::Done => "Done",
        TaskStatus::Cancelled => "Cancelled",
    }
}

/// `@handle`, or "nobody" for no one (or someone the viewer cannot look up).
fn handle_of(people: &HashMap<MemberId, Member>, id: Option<MemberId>) -> String {
    match id.and_then(|id| people.get(&id)) {
        Some(member) => format!("@{}", member.handle),
        None if id.is_some() => "someone".into(),
        None => "nobody".into(),
    }
}

/// The `status` a form sent.
fn parse_status(raw: &str) -> Result<TaskStatus, ApiError> {
    TaskStatus::parse(raw.trim())
        .ok_or_else(|| ApiError::Invalid("status: must be one of todo, in_progress, blocked, done, cancelled".into()))
}

fn parse_priority(raw: &str) -> Result<Priority, ApiError> {
    Priority::parse(raw.trim())
        .ok_or_else(|| ApiError::Invalid("priority: must be one of low, normal, high, urgent".into()))
}

/// The `assignee` a form sent: empty for nobody, else the id of an active member.
fn parse_assignee(raw: &str, people: &HashMap<MemberId, Member>) -> Result<Option<MemberId>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .map(MemberId)
        .filter(|id| people.get(id).is_some_and(|m| m.active))
        .map(Some)
        .ok_or_else(|| ApiError::Invalid("assignee: must be an active member of the workspace".into()))
}

fn status_options(selected: &str) -> Markup {
    html! {
        @for status in COLUMNS {
            option value=(status.as_str()) selected[status.as_str() == selected] { (status_label(status)) }
        }
    }
}

fn priority_options(selected: &str) -> Markup {
    html! {
        @for priority in PRIORITIES {
            option value=(priority.as_str()) selected[priority.as_str() == selected] { (priority.as_str()) }
        }
    }
}

/// The assignee choice: nobody, then the active members by handle. `selected` is the id as the
/// form sends it.
fn assignee_options(people: &HashMap<MemberId, Member>, selected: &str) -> Markup {
    let mut members: Vec<&Member> = people.values().filter(|m| m.active && !m.service).collect();
    members.sort_by(|a, b| a.handle.cmp(&b.handle));
    html! {
        option value="" selected[selected.is_empty()] { "nobody" }
        @for member in members {
            @let value = member.id.0.to_string();
            option value=(value) selected[value == selected] { "@" (member.handle) " (" (member.display_name) ")" }
        }
    }
}

/// A due date, flagged when it has passed and the task is still open.
fn due_markup(due: Option<jiff::civil::Date>, status: TaskStatus, today: jiff::civil::Date) -> Markup {
    html! {
        @match due {
            Some(due) if due < today && !status.is_closed() => {
                span.due.overdue { "due " time datetime=(due.to_string()) { (due) } " " strong { "overdue" } }
            }
            Some(due) => span.due { "due " time datetime=(due.to_string()) { (due) } },
            None => span.due.none { "no due date" },
        }
    }
}
