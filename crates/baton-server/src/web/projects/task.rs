//! A task's page: what it is, the form that changes it, its history (every event the task has
//! had, with who and when) and its discussion thread.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::event::{Change, Event};
use baton_core::model::Member;
use baton_core::{MemberId, TaskId};
use baton_store::Page;
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    assignee_options, due_markup, execute, handle_of, input_error, parse_assignee, parse_priority, parse_status,
    people, priority_options, status_label, status_options, today,
};
use crate::api::tasks::{update_task_command, UpdateTask};
use crate::web::layout::{csrf_field, page, when, Live};
use crate::web::session::Signed;
use crate::web::PageError;
use crate::{ApiError, AppState};

/// The discussion messages a task page shows (its first); the thread's page has them all.
const MESSAGES_SHOWN: u32 = 200;

pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(task_page(&state, &signed, TaskId(id), None, None).await?.into_response())
}

/// What a refused form held, to show it again.
pub(super) enum Typed<'a> {
    Fields(&'a EditTask),
    Text(&'a TaskText),
}

/// The task's page; `error` is why the last form was refused, `typed` what that form held.
pub(super) async fn task_page(
    state: &AppState,
    signed: &Signed,
    id: TaskId,
    error: Option<&str>,
    typed: Option<Typed<'_>>,
) -> Result<Markup, PageError> {
    let task = state.store.task(&signed.viewer, id).await?;
    let project = state.store.project(&signed.viewer, task.project_id).await?;
    let history = state.store.task_history(&signed.viewer, id).await?;
    let messages =
        state.store.thread_messages(&signed.viewer, task.thread_id, Page::new(None, Some(MESSAGES_SHOWN))).await?;
    let people = people(state, signed).await?;
    let today = today(state).await?;
    let (text_error, fields_error) = match typed {
        Some(Typed::Text(_)) => (error, None),
        _ => (None, error),
    };
    let (title, description) = match &typed {
        Some(Typed::Text(text)) => (text.title.clone(), text.description.clone()),
        _ => (task.title.clone(), task.description.clone()),
    };
    let (status, assignee, due, priority) = match typed {
        Some(Typed::Fields(typed)) => {
            (typed.status.clone(), typed.assignee.clone(), typed.due.clone(), typed.priority.clone())
        }
        _ => (
            task.status.as_str().to_string(),
            task.assignee_id.map(|a| a.0.to_string()).unwrap_or_default(),
            task.due.map(|d| d.to_string()).unwrap_or_default(),
            task.priority.as_str().to_string(),
        ),
    };
    let thread = task.thread_id.0;
    Ok(page(
        &task.title,
        signed,
        Live::Nothing,
        html! {
            p.crumbs { a href="/projects" { "Projects" } " / " a href=(format!("/p/{}", project.id)) { (project.name) } }
            h1 { (task.title) }
            dl.task-facts {
                dt { "Status" } dd { span.badge.status.(task.status.as_str()) { (status_label(task.status)) } }
                dt { "Assignee" } dd { (handle_of(&people, task.assignee_id)) }
                dt { "Due" } dd { (due_markup(task.due, task.status, today)) }
                dt { "Priority" } dd { span.badge.priority.(task.priority.as_str()) { (task.priority.as_str()) } }
                dt { "Created" } dd {
                    (handle_of(&people, Some(task.created_by))) " "
                    (when(task.created_at, &signed.member, people.get(&task.created_by)))
                }
            }
            @if task.description.is_empty() { p.empty { "No description." } }
            @else { p.task-description { (task.description) } }

            details.edit-text open[text_error.is_some()] {
                summary { "Edit title and description" }
                @if let Some(error) = text_error { p.error role="alert" { (error) } }
                form method="post" action=(format!("/tasks/{}/text", id.0)) {
                    (csrf_field(&signed.csrf))
                    label { "Title" input name="title" required maxlength=(baton_core::validate::MAX_NAME_CHARS) value=(title); }
                    label { "Description (markdown)"
                        textarea name="description" rows="5" maxlength=(baton_core::validate::MAX_DESCRIPTION_CHARS) { (description) } }
                    button type="submit" { "Save title and description" }
                }
            }

            h2 { "Change" }
            @if let Some(error) = fields_error { p.error role="alert" { (error) } }
            form.inline.edit-task method="post" action=(format!("/tasks/{}", id.0)) {
                (csrf_field(&signed.csrf))
                label { "Status" select name="status" { (status_options(&status)) } }
                label { "Assignee" select name="assignee" { (assignee_options(&people, &assignee)) } }
                label { "Due" input type="date" name="due" value=(due); }
                label { "Priority" select name="priority" { (priority_options(&priority)) } }
                button type="submit" { "Save changes" }
            }

            h2 { "History" }
            ol #history .history {
                @for event in &history { li { (history_entry(event, &people, &signed.member)) } }
            }

            h2 { "Discussion" }
            p { a.discussion href=(format!("/t/{thread}")) { "Open the discussion" } }
            ol.messages { (super::super::messages::list(&messages, &people, signed, &format!("/tasks/{}", task.id), super::super::messages::Place::Thread)) }
            form.composer method="post" action=(format!("/t/{thread}/messages")) {
                (csrf_field(&signed.csrf))
                label { "Reply (markdown; @handle mentions)"
                    textarea name="body" rows="3" required maxlength=(baton_core::validate::MAX_MESSAGE_CHARS) {} }
                div.row { button type="submit" { "Send" } }
            }
        },
    ))
}

/// One line of the history: who did what, and when.
fn history_entry(event: &Event, people: &HashMap<MemberId, Member>, viewer: &Member) -> Markup {
    let actor = event.actor.and_then(|a| people.get(&a));
    let who = match event.actor {
        Some(actor) => handle_of(people, Some(actor)),
        None => "Baton".to_string(),
    };
    let member = |id: Option<MemberId>| handle_of(people, id);
    let date = |due: Option<jiff::civil::Date>| due.map_or_else(|| "none".to_string(), |d| d.to_string());
    let what = match &event.change {
        Change::TaskCreated(p) => format!("created the task in {}", status_label(p.task.status)),
        Change::TaskStatusChanged(p) => format!("moved it {} → {}", status_label(p.from), status_label(p.to)),
        Change::TaskAssigned(p) => format!("reassigned it {} → {}", member(p.from), member(p.to)),
        Change::TaskDueChanged(p) => format!("moved the due date {} → {}", date(p.from), date(p.to)),
        Change::TaskUpdated(p) => {
            let mut changes = Vec::new();
            if p.title.is_some() {
                changes.push("the title".to_string());
            }
            if p.description.is_some() {
                changes.push("the description".to_string());
            }
            if let Some(priority) = p.priority {
                changes.push(format!("the priority to {}", priority.as_str()));
            }
            format!("changed {}", changes.join(", "))
        }
        other => other.kind().to_string(),
    };
    html! {
        span.who { (who) } " " (what) " " (when(event.at, viewer, actor))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct EditTask {
    status: String,
    assignee: String,
    due: String,
    priority: String,
}

pub(super) async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<EditTask>,
) -> Result<Response, PageError> {
    let task = state.store.task(&signed.viewer, TaskId(id)).await?;
    let people = people(&state, &signed).await?;
    let command = (|| -> Result<_, ApiError> {
        let due = Some(form.due.trim()).filter(|d| !d.is_empty()).map(str::to_string);
        // The form sends every field; an unchanged priority would still be recorded as an edit.
        let change = UpdateTask {
            title: None,
            description: None,
            assignee_id: Some(parse_assignee(&form.assignee, &people)?),
            status: Some(parse_status(&form.status)?),
            due: Some(due),
            priority: Some(parse_priority(&form.priority)?).filter(|p| *p != task.priority),
        };
        update_task_command(task.id, change)
    })();
    let changed = match command {
        Ok(command) => execute(&state, &signed, command).await,
        Err(err) => Err(err),
    };
    match changed {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(err) => {
            let (status, message) = input_error(err)?;
            let page = task_page(&state, &signed, task.id, Some(&message), Some(Typed::Fields(&form))).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TaskText {
    title: String,
    description: String,
}

/// Renames the task or rewrites its description; only what changed is recorded.
pub(super) async fn edit_text(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<TaskText>,
) -> Result<Response, PageError> {
    let task = state.store.task(&signed.viewer, TaskId(id)).await?;
    let title = form.title.trim().to_string();
    let description = form.description.trim().to_string();
    let change = UpdateTask {
        title: Some(title).filter(|t| *t != task.title),
        description: Some(description).filter(|d| *d != task.description),
        assignee_id: None,
        status: None,
        due: None,
        priority: None,
    };
    if change.title.is_none() && change.description.is_none() {
        return Ok(Redirect::to(&format!("/tasks/{id}")).into_response());
    }
    let changed = match update_task_command(task.id, change) {
        Ok(command) => execute(&state, &signed, command).await,
        Err(err) => Err(err),
    };
    match changed {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(err) => {
            let (status, message) = input_error(err)?;
            let page = task_page(&state, &signed, task.id, Some(&message), Some(Typed::Text(&form))).await?;
            Ok((status, page).into_response())
        }
    }
}
