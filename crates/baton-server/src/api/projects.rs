//! Projects, and creating tasks in them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::model::{Priority, Project, Task, TaskStatus};
use baton_core::{validate, MemberId, ProjectId};
use baton_store::Answer;
use baton_store::{Command, Envelope};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route("/api/v1/projects/{project_id}", get(show).patch(update))
        .route("/api/v1/projects/{project_id}/tasks", get(tasks).post(create_task))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, show, update, tasks, create_task))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [Project]), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Project>>> {
    Ok(Json(state.store.projects(&auth.viewer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProject {
    pub name: String,
    pub description: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), request_body = CreateProject,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Project), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiJson(req): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = create_project_command(req)?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A new project, validated, as the command that creates it (the web form sends the same).
pub(crate) fn create_project_command(req: CreateProject) -> ApiResult<Command> {
    Ok(Command::CreateProject {
        name: validate::name("name", &req.name)?,
        description: validate::text(
            "description",
            req.description.as_deref().unwrap_or(""),
            validate::MAX_DESCRIPTION_CHARS,
        )?,
    })
}

#[utoipa::path(get, path = "/api/v1/projects/{project_id}", tag = "projects", security(("bearer" = [])),
    params(("project_id" = i64, Path)), responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Project>> {
    Ok(Json(state.store.project(&auth.viewer, ProjectId(id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateProject {
    pub name: Option<String>,
    pub description: Option<String>,
    pub archived: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/projects/{project_id}", tag = "projects", security(("bearer" = [])),
    params(("project_id" = i64, Path)), request_body = UpdateProject,
    responses((status = 200, body = Project), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateProject>,
) -> ApiResult<Json<Answer>> {
    let command = Command::UpdateProject {
        id: ProjectId(id),
        name: req.name.map(|n| validate::name("name", &n)).transpose()?,
        description: req
            .description
            .map(|d| validate::text("description", &d, validate::MAX_DESCRIPTION_CHARS))
            .transpose()?,
        archived: req.archived,
    };
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

#[utoipa::path(get, path = "/api/v1/projects/{project_id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("project_id" = i64, Path)), responses((status = 200, body = [Task]), (status = 404, body = ErrorBody)))]
async fn tasks(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Task>>> {
    state.store.project(&auth.viewer, ProjectId(id)).await?;
    Ok(Json(state.store.tasks(&auth.viewer, Some(ProjectId(id)), None, None).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTask {
    pub title: String,
    pub description: Option<String>,
    pub assignee_id: Option<MemberId>,
    /// Default `todo`.
    pub status: Option<TaskStatus>,
    /// A calendar date `YYYY-MM-DD` in the workspace time zone.
    #[schema(format = Date)]
    pub due: Option<String>,
    /// Default `normal`.
    pub priority: Option<Priority>,
}

/// Creates a task in a project, with its own discussion thread.
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("project_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CreateTask,
    responses((status = 201, body = Task), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_task(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(project): ApiPath<i64>,
    ApiJson(req): ApiJson<CreateTask>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = create_task_command(ProjectId(project), req)?;
    let created =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A new task in `project`, validated, as the command that creates it (the board's form sends
/// the same).
pub(crate) fn create_task_command(project: ProjectId, req: CreateTask) -> ApiResult<Command> {
    Ok(Command::CreateTask {
        project,
        title: validate::name("title", &req.title)?,
        description: validate::text(
            "description",
            req.description.as_deref().unwrap_or(""),
            validate::MAX_DESCRIPTION_CHARS,
        )?,
        assignee: req.assignee_id,
        status: req.status.unwrap_or(TaskStatus::Todo),
        due: req.due.map(|d| validate::date("due", &d)).transpose()?,
        priority: req.priority.unwrap_or(Priority::Normal),
    })
}
