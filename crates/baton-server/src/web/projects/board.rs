//! A project's board: its tasks in a column per status, the form that adds a task, and moving
//! a task (each card's own Move form, which the board's script also sends on a drop).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::model::{Member, Task, TaskStatus};
use baton_core::{MemberId, ProjectId, TaskId};
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    assignee_options, due_markup, execute, handle_of, input_error, parse_assignee, parse_priority, parse_status,
    people, priority_options, status_label, status_options, task, today, COLUMNS,
};
use crate::api::projects::{create_task_command, CreateTask};
use crate::api::tasks::{update_task_command, UpdateTask};
use crate::web::layout::{csrf_field, page, Live};
use crate::web::session::Signed;
use crate::web::PageError;
use crate::{ApiError, AppState};

/// How many tasks a closed column (done, cancelled) shows: the most recently changed. Open
/// columns show every task, since those are the work at hand.
const CLOSED_SHOWN: usize = 50;

pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(board_page(&state, &signed, ProjectId(id), None, &NewTask::default()).await?.into_response())
}

/// The board; `error` is why the last form was refused, `typed` what the new-task form held.
async fn board_page(
    state: &AppState,
    signed: &Signed,
    id: ProjectId,
    error: Option<&str>,
    typed: &NewTask,
) -> Result<Markup, PageError> {
    let project = state.store.project(&signed.viewer, id).await?;
    let tasks = state.store.tasks(&signed.viewer, Some(id), None, None).await?;
    let people = people(state, signed).await?;
    let today = today(state).await?;
    let priority = if typed.priority.is_empty() { "normal" } else { typed.priority.as_str() };
    Ok(page(
        &project.name,
        signed,
        Live::Nothing,
        html! {
            div.board-page {
                p.crumbs { a href="/projects" { "Projects" } }
                h1 { (project.name) @if project.archived { " " span.badge { "archived" } } }
                @if !project.description.is_empty() { p.description { (project.description) } }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                p #board-status .meta role="status" aria-live="polite" {}
                div #board .board data-project=(id.0) {
                    @for status in COLUMNS {
                        (column(status, &tasks, &people, signed, today))
                    }
                }
                h2 #new-task { "Add a task" }
                form.new-task method="post" action=(format!("/p/{}/tasks", id.0)) {
                    (csrf_field(&signed.csrf))
                    label.wide { "Title" input name="title" required maxlength="200" value=(typed.title); }
                    label { "Assignee" select name="assignee" { (assignee_options(&people, &typed.assignee)) } }
                    label { "Due" input type="date" name="due" value=(typed.due); }
                    label { "Priority" select name="priority" { (priority_options(priority)) } }
                    label.wide { "Description (optional)" textarea name="description" rows="2" { (typed.description) } }
                    button type="submit" { "Add task" }
                }
            }
            script src="/static/board.js" defer {}
        },
    ))
}

fn column(
    status: TaskStatus,
    tasks: &[Task],
    people: &HashMap<MemberId, Member>,
    signed: &Signed,
    today: jiff::civil::Date,
) -> Markup {
    let mut cards: Vec<&Task> = tasks.iter().filter(|t| t.status == status).collect();
    if status.is_closed() {
        cards.sort_by_key(|t| std::cmp::Reverse((t.updated_at, t.id.0)));
    } else {
        // The most pressing first: priority, then the nearest due date (none last).
        cards.sort_by_key(|t| (std::cmp::Reverse(t.priority as u8), t.due.is_none(), t.due, t.id.0));
    }
    let n_cards = cards.len();
    let n_hidden = if status.is_closed() { n_cards.saturating_sub(CLOSED_SHOWN) } else { 0 };
    cards.truncate(n_cards - n_hidden);
    let heading = format!("column-{}", status.as_str());
    html! {
        section.column data-status=(status.as_str()) aria-labelledby=(heading) {
            h2 #(heading) { (status_label(status)) " " span.count { (n_cards) } }
            div.cards {
                @if cards.is_empty() { p.empty { "No tasks." } }
                @for task in cards { (card(task, people, signed, today)) }
                @if n_hidden > 0 { p.meta { (n_hidden) " older not shown" } }
            }
        }
    }
}

fn card(task: &Task, people: &HashMap<MemberId, Member>, signed: &Signed, today: jiff::civil::Date) -> Markup {
    let id = task.id.0;
    html! {
        article.task-card #(format!("task-{id}")) data-task=(id) {
            h3 { a.task href=(format!("/tasks/{id}")) { (task.title) } }
            p.meta {
                span.assignee { (handle_of(people, task.assignee_id)) }
                " · " (due_markup(task.due, task.status, today))
                " · " span.badge.priority.(task.priority.as_str()) { (task.priority.as_str()) }
            }
            form.move method="post" action=(format!("/tasks/{id}/status")) {
                (csrf_field(&signed.csrf))
                label { "Move to" select name="status" { (status_options(task.status.as_str())) } }
                button type="submit" aria-label=(format!("Move {}", task.title)) { "Move" }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct NewTask {
    title: String,
    description: String,
    assignee: String,
    due: String,
    priority: String,
}

pub(super) async fn create_task(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewTask>,
) -> Result<Response, PageError> {
    let project = ProjectId(id);
    let people = people(&state, &signed).await?;
    let command = (|| -> Result<_, ApiError> {
        let request = CreateTask {
            title: form.title.clone(),
            description: Some(form.description.clone()),
            assignee_id: parse_assignee(&form.assignee, &people)?,
            status: None,
            due: Some(form.due.trim()).filter(|d| !d.is_empty()).map(str::to_string),
            priority: Some(parse_priority(if form.priority.is_empty() { "normal" } else { &form.priority })?),
        };
        create_task_command(project, request)
    })();
    let created = match command {
        Ok(command) => execute(&state, &signed, command).await,
        Err(err) => Err(err),
    };
    match created {
        Ok(_) => Ok(Redirect::to(&format!("/p/{id}")).into_response()),
        Err(err) => {
            let (status, message) = input_error(err)?;
            Ok((status, board_page(&state, &signed, project, Some(&message), &form).await?).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Move {
    status: String,
    /// Where to go afterwards, when not the board (e.g. the task's page): a path on this site.
    back: String,
}

/// Moves a task to another column. Without script this is a plain form post that lands on the
/// board again; the board's script sends the same post on a drop.
pub(super) async fn move_task(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<Move>,
) -> Result<Response, PageError> {
    let task = state.store.task(&signed.viewer, TaskId(id)).await?;
    let moved = match parse_status(&form.status) {
        Ok(status) => {
            let change = UpdateTask {
                title: None,
                description: None,
                assignee_id: None,
                status: Some(status),
                due: None,
                priority: None,
            };
            match update_task_command(task.id, change) {
                Ok(command) => execute(&state, &signed, command).await.map(|_| ()),
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    };
    let back = super::super::messages::local_path(&form.back).map(str::to_string);
    match moved {
        Ok(()) => Ok(Redirect::to(&back.unwrap_or(format!("/p/{}#task-{id}", task.project_id))).into_response()),
        Err(err) => {
            let (status, message) = input_error(err)?;
            let page = match back {
                Some(back) if back == format!("/tasks/{id}") => {
                    task::task_page(&state, &signed, task.id, Some(&message), None).await?
                }
                _ => board_page(&state, &signed, task.project_id, Some(&message), &NewTask::default()).await?,
            };
            Ok((status, page).into_response())
        }
    }
}
