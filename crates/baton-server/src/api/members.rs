//! Members: the directory, adding people (admins), and changing a member.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::calendar::WorkingHours;
use baton_core::model::{Member, Role};
use baton_core::MemberId;
use baton_store::Answer;
use baton_store::{Command, Envelope, Invite};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{new_member, MemberFields, UpdateProfile};
use crate::auth::{new_token, token_hash};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Auth, IdempotencyKey};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/members", get(list).post(add))
        .route("/api/v1/members/{member_id}", get(show).patch(update))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, show, add, update))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// Everyone in the workspace, by handle. E-mail addresses are shown to admins only.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", security(("bearer" = [])),
    responses((status = 200, body = [Member]), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.store.members(&auth.viewer).await?))
}

#[utoipa::path(get, path = "/api/v1/members/{member_id}", tag = "members", security(("bearer" = [])),
    params(("member_id" = i64, Path)), responses((status = 200, body = Member), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, auth: Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Member>> {
    Ok(Json(state.store.member(&auth.viewer, MemberId(id)).await?))
}

/// A member to add. With a password they can sign in at once; without one the answer carries an
/// invitation token to hand to them (see `POST /api/v1/invites/accept`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMember {
    pub handle: String,
    pub email: String,
    pub display_name: Option<String>,
    pub password: Option<String>,
    /// Default `member`.
    pub role: Option<Role>,
    /// IANA time zone; default the workspace's.
    pub time_zone: Option<String>,
    pub working_hours: Option<WorkingHours>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddedMember {
    pub member: Member,
    /// Present when no password was given: the one-time token the new member accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_token: Option<String>,
}

/// Adds a member (owners and admins only).
#[utoipa::path(post, path = "/api/v1/members", tag = "members", security(("bearer" = [])), request_body = AddMember,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = AddedMember), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn add(
    State(state): State<AppState>,
    auth: Auth,
    key: IdempotencyKey,
    ApiJson(req): ApiJson<AddMember>,
) -> ApiResult<(StatusCode, Json<AddedMember>)> {
    Ok((StatusCode::CREATED, Json(add_member(&state, auth.viewer, req, key.0).await?)))
}

/// Adds a member as `viewer` (an owner or admin), with an invitation when no password is given:
/// the API and the web's admin page.
pub(crate) async fn add_member(
    state: &AppState,
    viewer: baton_store::Viewer,
    req: AddMember,
    key: Option<String>,
) -> ApiResult<AddedMember> {
    if !viewer.role.is_admin() {
        return Err(ApiError::Forbidden("only owners and admins add members".into()));
    }
    let zone = state.store.workspace().await?.map_or_else(|| "UTC".to_string(), |w| w.time_zone);
    let invite = req.password.is_none().then(new_token);
    let fields = MemberFields {
        handle: req.handle,
        email: req.email,
        display_name: req.display_name,
        time_zone: req.time_zone,
        working_hours: req.working_hours,
    };
    let member = new_member(state, fields, req.password, req.role.unwrap_or(Role::Member), &zone).await?;
    let invite = invite.map(|token| Invite { token_hash: token_hash(&token), token });
    let command = Command::AddMember { member, invite };
    let envelope = Envelope::new(viewer, state.now(), command).with_idempotency_key(key);
    let added = state.store.execute(envelope).await?.into_member_added()?;
    Ok(AddedMember { member: added.member, invite_token: added.invite_token })
}

/// Changes to a member: their own profile fields, or (admins) role and whether they are active.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMember {
    pub display_name: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
    pub working_hours: Option<WorkingHours>,
    pub role: Option<Role>,
    /// `false` deactivates the member and revokes their sessions.
    pub active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/members/{member_id}", tag = "members", security(("bearer" = [])),
    params(("member_id" = i64, Path)), request_body = UpdateMember,
    responses((status = 200, body = Member), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateMember>,
) -> ApiResult<Json<Answer>> {
    let profile =
        UpdateProfile { display_name: req.display_name, time_zone: req.time_zone, working_hours: req.working_hours };
    let command = profile.into_command(MemberId(id), req.role, req.active)?;
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}
