//! First-run setup, login, logout, invitations, and the signed-in member's own profile.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::calendar::{parse_time_zone, WorkingHours};
use baton_core::model::{Member, Role, Workspace};
use baton_core::validate;
use baton_store::Answer;
use baton_store::{Command, Envelope, NewMember};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{hash_password, issue_token, token_hash, verify_password};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/setup", post(setup))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/invites/accept", post(accept_invite))
        .route("/api/v1/me", get(me).patch(update_me))
        .route("/api/v1/me/password", post(change_password))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(setup, login, logout, accept_invite, me, update_me, change_password))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// The first owner and the workspace.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetupRequest {
    /// The workspace's name.
    pub workspace_name: String,
    /// The owner's handle: 1–40 of `a-z 0-9 . _ -`.
    pub handle: String,
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// The owner's name as shown; defaults to the handle.
    pub display_name: Option<String>,
    /// IANA time zone of the owner and of the workspace calendar; default `UTC`.
    pub time_zone: Option<String>,
    pub working_hours: Option<WorkingHours>,
    /// The one-time setup token `baton serve` printed in its setup URL and wrote to
    /// `DATA_DIR/setup-token` (readable by the server's owner only).
    pub setup_token: Option<String>,
}

/// A session: the bearer token to send as `Authorization: Bearer <token>`, and who it is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub token: String,
    pub member: Member,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetupResponse {
    pub token: String,
    pub member: Member,
    pub workspace: Workspace,
}

/// Validated values for a new member, the password hashed.
pub(crate) struct MemberFields {
    pub handle: String,
    pub email: String,
    pub display_name: Option<String>,
    pub time_zone: Option<String>,
    pub working_hours: Option<WorkingHours>,
}

pub(crate) async fn new_member(
    state: &AppState,
    fields: MemberFields,
    password: Option<String>,
    role: Role,
    default_zone: &str,
) -> ApiResult<NewMember> {
    let handle = validate::handle("handle", &fields.handle)?;
    let email = validate::email("email", &fields.email)?;
    let display_name = match fields.display_name {
        Some(name) => validate::name("display_name", &name)?,
        None => handle.clone(),
    };
    let time_zone = fields.time_zone.unwrap_or_else(|| default_zone.to_string());
    parse_time_zone(&time_zone).map_err(|e| ApiError::Invalid(format!("time_zone: {e}")))?;
    let password_hash = match password {
        Some(password) => {
            validate::password("password", &password)?;
            Some(hash_password(state, password).await?)
        }
        None => None,
    };
    Ok(NewMember {
        handle,
        email,
        display_name,
        role,
        time_zone,
        working_hours: fields.working_hours.unwrap_or_default(),
        password_hash,
        service: false,
    })
}

/// Creates the workspace and its owner on a fresh data directory. A server started by
/// `baton serve` asks for the one-time `setup_token` it printed.
#[utoipa::path(post, path = "/api/v1/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 201, body = SetupResponse),
              (status = 403, description = "the setup token is missing or wrong", body = ErrorBody),
              (status = 409, description = "already set up", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn setup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SetupRequest>,
) -> ApiResult<(StatusCode, Json<SetupResponse>)> {
    Ok((StatusCode::CREATED, Json(set_up(&state, req).await?)))
}

/// Creates the workspace and its owner, and signs the owner in: `POST /setup` and the web app's
/// first-run page.
pub(crate) async fn set_up(state: &AppState, req: SetupRequest) -> ApiResult<SetupResponse> {
    if state.store.workspace().await?.is_some() {
        return Err(ApiError::Conflict("the workspace is already set up; sign in instead".into()));
    }
    if let Some(gate) = state.setup_gate() {
        if !req.setup_token.as_deref().is_some_and(|offered| gate.admits(offered.trim())) {
            return Err(ApiError::Forbidden(
                "setup_token: missing or wrong; use the setup link the server printed when it started, \
                 or the token in the data directory's setup-token file"
                    .into(),
            ));
        }
    }
    let workspace_name = validate::name("workspace_name", &req.workspace_name)?;
    let zone = req.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let fields = MemberFields {
        handle: req.handle,
        email: req.email,
        display_name: req.display_name,
        time_zone: req.time_zone,
        working_hours: req.working_hours,
    };
    let owner = new_member(state, fields, Some(req.password), Role::Owner, &zone).await?;
    let command = Command::Setup { workspace_name, time_zone: zone, owner };
    let baton_store::answer::SetUp { workspace, member } =
        state.store.execute(Envelope::system(state.now(), command)).await?.into_set_up()?;
    let token = issue_token(state, &member).await?;
    // The token has done its work: a set-up workspace answers 409 to any setup.
    if let Some(file) = state.setup_gate().and_then(|gate| gate.file.as_ref()) {
        if let Err(err) = tokio::fs::remove_file(file).await {
            tracing::warn!(file = %file.display(), error = %err, "could not remove the used setup token");
        }
    }
    Ok(SetupResponse { token, member, workspace })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The member's e-mail address or handle.
    pub email: String,
    pub password: String,
}

/// Exchanges an e-mail (or handle) and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody)))]
async fn login(State(state): State<AppState>, ApiJson(req): ApiJson<LoginRequest>) -> ApiResult<Json<Session>> {
    Ok(Json(sign_in(&state, req).await?))
}

/// Checks an e-mail (or handle) and password and issues a session token: `POST /auth/login` and
/// the web app's sign-in page. Every failure reads the same, so it tells nothing about who exists.
pub(crate) async fn sign_in(state: &AppState, req: LoginRequest) -> ApiResult<Session> {
    let wrong = || ApiError::Unauthenticated("wrong e-mail or password".into());
    if req.password.chars().count() > 1000 {
        return Err(wrong());
    }
    let (id, hash) = state.store.login_lookup(&req.email).await?.ok_or_else(wrong)?;
    let hash = hash.ok_or_else(wrong)?;
    if !verify_password(state, req.password, hash).await? {
        return Err(wrong());
    }
    let viewer = baton_store::Viewer { member: id, role: Role::Member };
    let member = state.store.member(&viewer, id).await?;
    let token = issue_token(state, &member).await?;
    Ok(Session { token, member })
}

/// Revokes the token this request was made with.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, headers: axum::http::HeaderMap, _auth: Auth) -> ApiResult<StatusCode> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, t)| t.trim().to_string())
        .ok_or_else(ApiError::unauthenticated)?;
    let command = Command::RevokeToken { token_hash: token_hash(&token) };
    state.store.execute(Envelope::system(state.now(), command)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptInvite {
    /// The invitation token an admin received when adding the member without a password.
    pub invite_token: String,
    /// The password to sign in with from now on (at least 8 characters).
    pub password: String,
}

/// Sets a password with an invitation token and signs in.
#[utoipa::path(post, path = "/api/v1/invites/accept", tag = "auth", request_body = AcceptInvite,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn accept_invite(State(state): State<AppState>, ApiJson(req): ApiJson<AcceptInvite>) -> ApiResult<Json<Session>> {
    Ok(Json(accept(&state, req).await?))
}

/// Sets the invited member's password and signs them in: the API and the web's invitation page.
pub(crate) async fn accept(state: &AppState, req: AcceptInvite) -> ApiResult<Session> {
    validate::password("password", &req.password)?;
    let invite = token_hash(&req.invite_token);
    let member_id = state
        .store
        .invite_lookup(&invite)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("the invitation is unknown or was already used".into()))?;
    let password_hash = hash_password(state, req.password).await?;
    let command =
        Command::SetPassword { member: member_id, password_hash, consume_invite: Some(invite), revoke_sessions: false };
    state.store.execute(Envelope::system(state.now(), command)).await?;
    let viewer = baton_store::Viewer { member: member_id, role: Role::Member };
    let member = state.store.member(&viewer, member_id).await?;
    let token = issue_token(state, &member).await?;
    Ok(Session { token, member })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// At least 8 characters.
    pub new_password: String,
}

/// Changes the signed-in member's password. Every session of theirs ends, this one included;
/// the answer is a new session token.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "members", security(("bearer" = [])),
    request_body = ChangePassword,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<Json<Session>> {
    Ok(Json(change_own_password(&state, &auth.member, req).await?))
}

/// Checks the current password, sets the new one, signs the member out everywhere and in again
/// here: `POST /me/password` and the settings page.
pub(crate) async fn change_own_password(state: &AppState, member: &Member, req: ChangePassword) -> ApiResult<Session> {
    validate::password("new_password", &req.new_password)?;
    let wrong = || ApiError::Forbidden("current_password: that is not your current password".into());
    let (id, hash) = state.store.login_lookup(&member.handle).await?.ok_or_else(wrong)?;
    let hash = hash.ok_or_else(wrong)?;
    if id != member.id
        || req.current_password.chars().count() > 1000
        || !verify_password(state, req.current_password, hash).await?
    {
        return Err(wrong());
    }
    let password_hash = hash_password(state, req.new_password).await?;
    let command =
        Command::SetPassword { member: member.id, password_hash, consume_invite: None, revoke_sessions: true };
    state.store.execute(Envelope::system(state.now(), command)).await?;
    let token = issue_token(state, member).await?;
    Ok(Session { token, member: member.clone() })
}

/// The signed-in member.
#[utoipa::path(get, path = "/api/v1/me", tag = "members", security(("bearer" = [])),
    responses((status = 200, body = Member), (status = 401, body = ErrorBody)))]
async fn me(auth: Auth) -> Json<Member> {
    Json(auth.member)
}

/// Changes to one's own profile; a missing field stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateProfile {
    pub display_name: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
    pub working_hours: Option<WorkingHours>,
}

impl UpdateProfile {
    pub(crate) fn into_command(
        self,
        id: baton_core::MemberId,
        role: Option<Role>,
        active: Option<bool>,
    ) -> ApiResult<Command> {
        let display_name = self.display_name.map(|n| validate::name("display_name", &n)).transpose()?;
        if let Some(zone) = &self.time_zone {
            parse_time_zone(zone).map_err(|e| ApiError::Invalid(format!("time_zone: {e}")))?;
        }
        Ok(Command::UpdateMember {
            id,
            display_name,
            time_zone: self.time_zone,
            working_hours: self.working_hours,
            role,
            active,
        })
    }
}

/// Updates the signed-in member's name, time zone or working hours.
#[utoipa::path(patch, path = "/api/v1/me", tag = "members", security(("bearer" = [])), request_body = UpdateProfile,
    responses((status = 200, body = Member), (status = 422, body = ErrorBody)))]
async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<UpdateProfile>,
) -> ApiResult<Json<Answer>> {
    let command = req.into_command(auth.viewer.member, None, None)?;
    Ok(Json(state.store.execute(Envelope::new(auth.viewer, state.now(), command)).await?))
}
