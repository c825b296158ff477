//! Huddles: live sessions on a thread or a task. Start, join, leave, agenda and notes,
//! decisions, action items, end (which posts the summary into the thread and turns action
//! items into tasks).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::model::Huddle;
use baton_core::{validate, HuddleId, MemberId, ProjectId, TaskId, ThreadId};
use baton_store::Answer;
use baton_store::{Command, Envelope, HuddleOn};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::double_option;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/threads/{thread_id}/huddles", post(start_on_thread))
        .route("/api/v1/tasks/{task_id}/huddles", post(start_on_task))
        .route("/api/v1/huddles", get(list))
        .route("/api/v1/huddles/{huddle_id}", get(show).patch(update))
        .route("/api/v1/huddles/{huddle_id}/join", post(join))
        .route("/api/v1/huddles/{huddle_id}/leave", post(leave))
        .route("/api/v1/huddles/{huddle_id}/decisions", post(decide))
        .route("/api/v1/huddles/{huddle_id}/action-items", post(add_action_item))
        .route("/api/v1/huddles/{huddle_id}/end", post(end))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(start_on_thread, start_on_task, list, show, update, join, leave, decide, add_action_item, end))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartHuddle {
    /// Defaults to the thread's (or task's) title.
    pub title: Option<String>,
    /// A link to the call in any video tool (`https://…`).
    pub call_link: Option<String>,
    pub agenda: Option<String>,
    /// Members to invite (anyone who may read the thread may join).
    #[serde(default)]
    pub invite: Vec<MemberId>,
    /// The project whose tasks the action items become (default: the task's project, else the
    /// workspace's "Action items" project).
    pub project_id: Option<ProjectId>,
    /// Sets it up for a later slot (RFC 3339, in the future): nobody joins before, and the
    /// invitees hear of it now and again when it opens. Absent: it runs at once, the starter in.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<jiff::Timestamp>,
}

/// The command that starts a huddle, its fields checked (the API and the web page share it).
pub(crate) fn start_command(on: HuddleOn, req: StartHuddle) -> ApiResult<Command> {
    Ok(Command::StartHuddle {
        on,
        title: req.title.map(|t| validate::name("title", &t)).transpose()?,
        call_link: req
            .call_link
            .filter(|l| !l.trim().is_empty())
            .map(|l| validate::link("call_link", &l))
            .transpose()?,
        agenda: validate::text("agenda", req.agenda.as_deref().unwrap_or_default(), validate::MAX_DESCRIPTION_CHARS)?,
        invite: req.invite,
        project: req.project_id,
        join: req.opens_at.is_none(),
        opens_at: req.opens_at,
    })
}

async fn start(
    state: AppState,
    auth: Auth,
    key: IdempotencyKey,
    command: Command,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let started =
        state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// Starts a huddle on a thread; the starter is in it at once.
#[utoipa::path(post, path = "/api/v1/threads/{thread_id}/huddles", tag = "huddles", security(("bearer" = [])),
    params(("thread_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = StartHuddle,
    responses((status = 201, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn start_on_thread(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(thread): ApiPath<i64>,
    ApiJson(req): ApiJson<StartHuddle>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = start_command(HuddleOn::Thread(ThreadId(thread)), req)?;
    start(state, auth, key, command).await
}

/// Starts a huddle on a task (in its thread); action items default to the task's project.
#[utoipa::path(post, path = "/api/v1/tasks/{task_id}/huddles", tag = "huddles", security(("bearer" = [])),
    params(("task_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = StartHuddle,
    responses((status = 201, body = Huddle), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn start_on_task(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(task): ApiPath<i64>,
    ApiJson(req): ApiJson<StartHuddle>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    let command = start_command(HuddleOn::Task(TaskId(task)), req)?;
    start(state, auth, key, command).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HuddleFilter {
    /// Only huddles that have not ended.
    pub open: Option<bool>,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Huddles on threads you may read, newest first.
#[utoipa::path(get, path = "/api/v1/huddles", tag = "huddles", security(("bearer" = [])), params(HuddleFilter),
    responses((status = 200, body = [Huddle]), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<HuddleFilter>,
) -> ApiResult<Json<Vec<Huddle>>> {
    let limit = filter.limit.unwrap_or(100).clamp(1, 500);
    Ok(Json(state.store.huddles(&auth.viewer, filter.open.unwrap_or(false), limit).await?))
}

#[utoipa::path(get, path = "/api/v1/huddles/{huddle_id}", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path)), responses((status = 200, body = Huddle), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Huddle>> {
    Ok(Json(state.store.huddle(&auth.viewer, HuddleId(id)).await?))
}

/// Changes to a running huddle; a missing field stays, `call_link: null` removes the link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateHuddle {
    pub agenda: Option<String>,
    /// Shared notes (markdown), replaced whole.
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub call_link: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/api/v1/huddles/{huddle_id}", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path)), request_body = UpdateHuddle,
    responses((status = 200, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateHuddle>,
) -> ApiResult<Json<Answer>> {
    let command = update_command(HuddleId(id), req)?;
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}

/// The command that changes a running huddle's agenda, notes or call link, its fields checked.
pub(crate) fn update_command(id: HuddleId, req: UpdateHuddle) -> ApiResult<Command> {
    let call_link = match req.call_link {
        Some(Some(link)) => Some(Some(validate::link("call_link", &link)?)),
        Some(None) => Some(None),
        None => None,
    };
    Ok(Command::UpdateHuddle {
        id,
        agenda: req.agenda.map(|a| validate::text("agenda", &a, validate::MAX_DESCRIPTION_CHARS)).transpose()?,
        notes: req.notes.map(|n| validate::text("notes", &n, validate::MAX_MESSAGE_CHARS)).transpose()?,
        call_link,
    })
}

async fn run(state: AppState, auth: Auth, key: IdempotencyKey, command: Command) -> ApiResult<Json<Answer>> {
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command).with_idempotency_key(key.0)).await?))
}

/// Joins a running huddle (already in: nothing changes); the time is recorded.
#[utoipa::path(post, path = "/api/v1/huddles/{huddle_id}/join", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path)),
    responses((status = 200, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn join(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Answer>> {
    run(state, auth, key, Command::JoinHuddle { id: HuddleId(id) }).await
}

/// Leaves a running huddle; the time is recorded.
#[utoipa::path(post, path = "/api/v1/huddles/{huddle_id}/leave", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path)),
    responses((status = 200, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn leave(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Answer>> {
    run(state, auth, key, Command::LeaveHuddle { id: HuddleId(id) }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    pub text: String,
}

/// Records a decision made in the huddle.
#[utoipa::path(post, path = "/api/v1/huddles/{huddle_id}/decisions", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = Decision,
    responses((status = 200, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decision>,
) -> ApiResult<Json<Answer>> {
    run(state, auth, key, decision_command(HuddleId(id), req)?).await
}

/// The command that records a decision, its text checked.
pub(crate) fn decision_command(id: HuddleId, req: Decision) -> ApiResult<Command> {
    Ok(Command::RecordDecision { id, text: validate::message_body("text", req.text.trim())? })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionItem {
    /// What to do: the title of the task it becomes.
    pub title: String,
    pub assignee_id: Option<MemberId>,
    /// A calendar date `YYYY-MM-DD` in the workspace time zone.
    #[schema(format = Date)]
    pub due: Option<String>,
}

/// Adds an action item; when the huddle ends it becomes a task with this assignee and due date.
#[utoipa::path(post, path = "/api/v1/huddles/{huddle_id}/action-items", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ActionItem,
    responses((status = 200, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn add_action_item(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ActionItem>,
) -> ApiResult<Json<Answer>> {
    run(state, auth, key, action_item_command(HuddleId(id), req)?).await
}

/// The command that adds an action item, its fields checked.
pub(crate) fn action_item_command(id: HuddleId, req: ActionItem) -> ApiResult<Command> {
    Ok(Command::AddActionItem {
        id,
        title: validate::name("title", &req.title)?,
        assignee: req.assignee_id,
        due: req.due.map(|d| validate::date("due", &d)).transpose()?,
    })
}

/// Ends the huddle: everyone leaves, action items become tasks, and a summary (duration,
/// participants, decisions, action items) is posted into the thread.
#[utoipa::path(post, path = "/api/v1/huddles/{huddle_id}/end", tag = "huddles", security(("bearer" = [])),
    params(("huddle_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Huddle), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn end(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Answer>> {
    run(state, auth, key, Command::EndHuddle { id: HuddleId(id) }).await
}
