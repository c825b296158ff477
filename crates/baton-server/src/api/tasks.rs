//! Tasks: read, list across projects, change (status, assignee, due date are events), history.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::event::Event;
use baton_core::model::{Priority, Task, TaskStatus};
use baton_core::{validate, MemberId, ProjectId, TaskId};
use baton_store::Answer;
use baton_store::{Command, Envelope};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::double_option;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(list))
        .route("/api/v1/tasks/{task_id}", get(show).patch(update))
        .route("/api/v1/tasks/{task_id}/history", get(history))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, show, update, history))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    pub project_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub status: Option<TaskStatus>,
}

/// Tasks across projects, filtered.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])), params(TaskFilter),
    responses((status = 200, body = [Task]), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<TaskFilter>,
) -> ApiResult<Json<Vec<Task>>> {
    let tasks = state
        .store
        .tasks(&auth.viewer, filter.project_id.map(ProjectId), filter.assignee_id.map(MemberId), filter.status)
        .await?;
    Ok(Json(tasks))
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = i64, Path)), responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Task>> {
    Ok(Json(state.store.task(&auth.viewer, TaskId(id)).await?))
}

/// Changes to a task; a missing field stays as it is, `null` clears `assignee_id` or `due`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTask {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<MemberId>>,
    pub status: Option<TaskStatus>,
    /// A calendar date `YYYY-MM-DD` in the workspace time zone, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Option<String>>,
    pub priority: Option<Priority>,
}

/// Moves, reassigns, re-dates or edits a task. Each kind of change is its own event.
#[utoipa::path(patch, path = "/api/v1/tasks/{task_id}", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = i64, Path)), request_body = UpdateTask,
    responses((status = 200, body = Task), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateTask>,
) -> ApiResult<Json<Answer>> {
    let command = update_task_command(TaskId(id), req)?;
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// Changes to task `id`, validated, as the command that makes them (the web pages' move and
/// edit forms send the same).
pub(crate) fn update_task_command(id: TaskId, req: UpdateTask) -> ApiResult<Command> {
    let due = match req.due {
        Some(Some(date)) => Some(Some(validate::date("due", &date)?)),
        Some(None) => Some(None),
        None => None,
    };
    Ok(Command::UpdateTask {
        id,
        title: req.title.map(|t| validate::name("title", &t)).transpose()?,
        description: req
            .description
            .map(|d| validate::text("description", &d, validate::MAX_DESCRIPTION_CHARS))
            .transpose()?,
        assignee: req.assignee_id,
        status: req.status,
        due,
        priority: req.priority,
    })
}

/// The task's events in order: created, status changes, reassignments, due-date moves, edits.
#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/history", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = i64, Path)), responses((status = 200, body = [baton_core::event::Wire]), (status = 404, body = ErrorBody)))]
async fn history(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Event>>> {
    Ok(Json(state.store.task_history(&auth.viewer, TaskId(id)).await?))
}
