//! A task's page: what it is, the form that changes it, its history (every event the task has
//! had, with who and when) and its discussion thread.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::event::{kind, Event};
use baton_core::model::{Member, TaskStatus};
use baton_core::{MemberId, TaskId};
use baton_store::Page;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

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

/// The task's page; `error` is why the last form was refused, `typed` what the edit form held.
pub(super) async fn task_page(
    state: &AppState,
    signed: &Signed,
    id: TaskId,
    error: Option<&str>,
    typed: Option<&EditTask>,
) -> Result<Markup, PageError> {
    let task = state.store.task(&signed.viewer, id).await?;
    let project = state.store.project(&signed.viewer, task.project_id).await?;
    let history = state.store.task_history(&signed.viewer, id).await?;
    let messages =
        state.store.thread_messages(&signed.viewer, task.thread_id, Page::new(None, Some(MESSAGES_SHOWN))).await?;
    let people = people(state, signed).await?;
    let today = today(state).await?;
    let (status, assignee, due, priority) = match typed {
        Some(typed) => (typed.status.clone(), typed.assignee.clone(), typed.due.clone(), typed.priority.clone()),
        None => (
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

            h2 { "Change" }
            @if let Some(error) = error { p.error role="alert" { (error) } }
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
                label { "Reply (markdown; @handle mentions)" textarea name="body" rows="3" required {} }
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
    let payload = &event.payload;
    let status = |value: &Value| value.as_str().and_then(TaskStatus::parse).map_or("?", status_label);
    let member = |value: &Value| handle_of(people, value.as_i64().map(MemberId));
    let date = |value: &Value| value.as_str().map_or_else(|| "none".to_string(), str::to_string);
    let what = match event.kind.as_str() {
        kind::TASK_CREATED => format!("created the task in {}", status(&payload["task"]["status"])),
        kind::TASK_STATUS_CHANGED => {
            format!("moved it {} → {}", status(&payload["from"]), status(&payload["to"]))
        }
        kind::TASK_ASSIGNED => format!("reassigned it {} → {}", member(&payload["from"]), member(&payload["to"])),
        kind::TASK_DUE_CHANGED => format!("moved the due date {} → {}", date(&payload["from"]), date(&payload["to"])),
        kind::TASK_UPDATED => {
            let mut changes = Vec::new();
            if !payload["title"].is_null() {
                changes.push("the title".to_string());
            }
            if !payload["description"].is_null() {
                changes.push("the description".to_string());
            }
            if let Some(priority) = payload["priority"].as_str() {
                changes.push(format!("the priority to {priority}"));
            }
            format!("changed {}", changes.join(", "))
        }
        other => other.to_string(),
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
            Ok((status, task_page(&state, &signed, task.id, Some(&message), Some(&form)).await?).into_response())
        }
    }
}
