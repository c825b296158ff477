//! The advisor: suggestions computed from the insights of the last four weeks (a bouncing
//! thread → take it live at a slot inside everyone's working hours; a stalled task → nudge its
//! owner; a question unanswered past the norm → escalate it; an isolated member → pair them
//! with a colleague), each explained by its numbers and
//! accepted or dismissed in one call. Both outcomes are events, so before/after can measure
//! what the advice did.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::text::MessageText;
use baton_core::{MemberId, ThreadId};
use baton_insights::advisor::{advise, Advice};
use baton_insights::{report, Dataset, LogIds, Thresholds, Window};
use baton_store::Answer;
use baton_store::{AdviceAction, Command, Envelope, Viewer};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::insights::{log_snapshot, visible};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/advisor", get(list))
        .route("/api/v1/advisor/{key}/accept", post(accept))
        .route("/api/v1/advisor/{key}/dismiss", post(dismiss))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, accept, dismiss))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// The insights window the advisor reads: the four weeks before now.
const LOOK_BACK: SignedDuration = SignedDuration::from_hours(24 * 28);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdvisorQuery {
    /// Advise as of this instant (RFC 3339; default now): the window is the four weeks before.
    pub at: Option<String>,
}

/// Which open suggestions to list: a page of them, in the advisor's order.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdvisorListQuery {
    /// Advise as of this instant (RFC 3339; default now): the window is the four weeks before.
    pub at: Option<String>,
    /// Skip this many suggestions (what the pages before held), as `Link: rel="next"` gives it.
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// At most this many suggestions (1–200, default 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// The most suggestions a page lists.
pub const MAX_PAGE: usize = 200;

/// A suggestion, with what it is based on and what accepting it does.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    /// Stable while the finding holds, e.g. `take-live-thread-12`, `nudge-task-5`, `pair-member-7`.
    pub key: String,
    /// `take_live`, `nudge`, `checkin_item` (the stalled task on its owner's next check-in),
    /// `escalate` or `pair`.
    pub kind: String,
    pub title: String,
    /// Why, in one sentence with the numbers.
    pub reason: String,
    /// The numbers behind it.
    #[schema(value_type = Object)]
    pub numbers: Value,
    /// What accepting it does.
    pub action: String,
    pub thread_id: Option<ThreadId>,
    pub task_id: Option<i64>,
    pub member_id: Option<MemberId>,
    /// For `take_live`: the proposed slot `[start, end]`.
    #[schema(value_type = Option<Vec<String>>)]
    pub slot: Option<[Timestamp; 2]>,
    #[serde(skip)]
    command: Option<AdviceAction>,
}

/// Open suggestions (not yet accepted or dismissed) that you may act on: take-live for threads
/// you may read, nudges for tasks (not for guests), pairings for owners and admins. A page at a
/// time, with the next page in a `Link: <…>; rel="next"` header while more follow.
#[utoipa::path(get, path = "/api/v1/advisor", tag = "advisor", security(("bearer" = [])), params(AdvisorListQuery),
    responses((status = 200, body = [Suggestion]), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<AdvisorListQuery>,
) -> ApiResult<Response> {
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(MAX_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be 1 to {MAX_PAGE}")));
    }
    let all = suggestions(&state, auth.viewer, query.at.as_deref()).await?;
    let more = all.len() > offset.saturating_add(limit);
    let page: Vec<Suggestion> = all.into_iter().skip(offset).take(limit).collect();
    let mut response = Json(page).into_response();
    if more {
        let at = query.at.as_deref().map(|at| format!("&at={}", at.replace('+', "%2B"))).unwrap_or_default();
        let next = format!("</api/v1/advisor?offset={}&limit={limit}{at}>; rel=\"next\"", offset + limit);
        if let Ok(value) = next.parse() {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// Accepts a suggestion: creates the huddle and invitation, the nudge, or the pairing
/// conversation, and records the acceptance (once).
#[utoipa::path(post, path = "/api/v1/advisor/{key}/accept", tag = "advisor", security(("bearer" = [])),
    params(("key" = String, Path), AdvisorQuery),
    responses((status = 200, description = "the suggestion and what was created", body = Object),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiQuery(query): ApiQuery<AdvisorQuery>,
) -> ApiResult<Json<Answer>> {
    decide(state, auth, key, query, true).await
}

/// Dismisses a suggestion; it is not offered again (recorded as an event).
#[utoipa::path(post, path = "/api/v1/advisor/{key}/dismiss", tag = "advisor", security(("bearer" = [])),
    params(("key" = String, Path), AdvisorQuery),
    responses((status = 200, description = "the suggestion", body = Object), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
    ApiQuery(query): ApiQuery<AdvisorQuery>,
) -> ApiResult<Json<Answer>> {
    decide(state, auth, key, query, false).await
}

async fn decide(
    state: AppState,
    auth: Auth,
    key: String,
    query: AdvisorQuery,
    accepted: bool,
) -> ApiResult<Json<Answer>> {
    Ok(Json(decide_as(&state, auth.viewer, &key, query.at.as_deref(), accepted).await?))
}

/// Accepts (or dismisses) the open suggestion `key` as `viewer`, advising as of `at` (RFC 3339;
/// default now): what `POST /advisor/{key}/accept` does, for the command line too.
pub async fn decide_as(
    state: &AppState,
    viewer: Viewer,
    key: &str,
    at: Option<&str>,
    accepted: bool,
) -> ApiResult<Answer> {
    let command = decision(state, viewer, key, at, accepted).await?;
    Ok(state.store.execute(Envelope::new(viewer, state.now(), command)).await?)
}

/// The command that accepts (or dismisses) the open suggestion `key`, for a caller that executes
/// it at a time of its own (the demo, writing history).
pub async fn decision(
    state: &AppState,
    viewer: Viewer,
    key: &str,
    at: Option<&str>,
    accepted: bool,
) -> ApiResult<Command> {
    let open = suggestions(state, viewer, at).await?;
    let Some(suggestion) = open.into_iter().find(|s| s.key == key) else {
        return Err(ApiError::NotFound(format!("no open suggestion {key}")));
    };
    let detail = serde_json::to_value(&suggestion).unwrap_or(Value::Null);
    Ok(Command::Advise { key: key.to_string(), accepted, detail, action: suggestion.command.clone() })
}

/// The open suggestions `viewer` may act on, advising as of `at` (RFC 3339; default now): what
/// `GET /advisor` answers, for the command line too.
pub async fn suggestions(state: &AppState, viewer: Viewer, at: Option<&str>) -> ApiResult<Vec<Suggestion>> {
    let at = match at {
        Some(raw) => raw.parse::<Timestamp>().map_err(|e| ApiError::Invalid(format!("at: {e}")))?,
        None => state.now(),
    };
    let from = at.checked_sub(LOOK_BACK).map_err(|e| ApiError::Invalid(format!("at: {e}")))?;
    let window = Window::new(from, at).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let baton_insights::Snapshot { data, origins, ids } = log_snapshot(state).await?;
    let access = state.store.access(&viewer).await?;
    let decided: HashSet<String> = state.store.decided_advice().await?.into_iter().collect();
    let booked: std::collections::HashMap<MemberId, i64> = state.store.slot_burdens().await?.into_iter().collect();
    // A stalled task's owner who answers a check-in can be asked about it there.
    let mut checkin_of: std::collections::HashMap<MemberId, (i64, String)> = std::collections::HashMap::new();
    for checkin in state.store.checkins(&viewer).await? {
        for member in &checkin.member_ids {
            checkin_of.entry(*member).or_insert((checkin.id, checkin.title.clone()));
        }
    }
    state
        .cpu(move || {
            let thresholds = Thresholds::design_defaults();
            let report = report(&data, window, &thresholds);
            let burdens: Vec<i64> =
                ids.members.iter().map(|id| booked.get(&MemberId(*id)).copied().unwrap_or(0)).collect();
            let mut out = Vec::new();
            for advice in advise(&data, &report, window, &thresholds, at, &burdens) {
                let allowed = match &advice {
                    Advice::TakeLive { conversation, .. } => {
                        origins.get(*conversation).is_some_and(|o| visible(&access, *o))
                    }
                    Advice::Nudge { .. } => access.may_read_work(),
                    Advice::Escalate { conversation, .. } => {
                        origins.get(*conversation).is_some_and(|o| visible(&access, *o))
                    }
                    Advice::Pair { .. } => viewer.role.is_admin(),
                };
                if !allowed {
                    continue;
                }
                let Some(suggestion) = explain(&data, &ids, &advice) else { continue };
                let extra = checkin_item(&data, &advice, &suggestion, &checkin_of);
                for suggestion in std::iter::once(suggestion).chain(extra) {
                    if !decided.contains(&suggestion.key) {
                        out.push(suggestion);
                    }
                }
            }
            out
        })
        .await
}

/// For a nudge whose assignee answers a check-in: the alternative of putting the task on their
/// next check-in instead.
fn checkin_item(
    data: &Dataset,
    advice: &Advice,
    nudge: &Suggestion,
    checkin_of: &std::collections::HashMap<MemberId, (i64, String)>,
) -> Option<Suggestion> {
    let Advice::Nudge { task, idle, assignee: Some(assignee) } = advice else { return None };
    let member = nudge.member_id?;
    let (checkin, checkin_title) = checkin_of.get(&member)?;
    let task = &data.tasks[*task];
    let who = format!("@{}", data.people[*assignee].handle);
    Some(Suggestion {
        key: format!("checkin-task-{}", task.id),
        kind: "checkin_item".into(),
        title: format!("Ask {who} about \"{}\" at the next \"{checkin_title}\" check-in", task.title),
        reason: nudge.reason.clone(),
        numbers: json!({"idle_working_s": idle.as_secs(), "checkin_id": checkin}),
        action: "puts the task on their next check-in prompt".into(),
        thread_id: nudge.thread_id,
        task_id: Some(task.id),
        member_id: Some(member),
        slot: None,
        command: Some(AdviceAction::CheckInItem { checkin: *checkin, member, task: baton_core::TaskId(task.id) }),
    })
}

fn hours(duration: SignedDuration) -> f64 {
    (duration.as_secs_f64() / 360.0).round() / 10.0
}

/// The advice in words, with Baton's ids and what accepting it does.
fn explain(data: &Dataset, ids: &LogIds, advice: &Advice) -> Option<Suggestion> {
    let handle = |idx: usize| data.people[idx].handle.clone();
    let member = |idx: usize| MemberId(ids.members[idx]);
    match advice {
        Advice::TakeLive { conversation, handoffs, span, participants, slot, outside } => {
            let thread = ThreadId(ids.threads.get(*conversation).copied().flatten()?);
            let talk = &data.conversations[*conversation];
            let names: Vec<String> = participants.iter().map(|p| format!("@{}", handle(*p))).collect();
            let when = match slot {
                Some((start, end)) => {
                    let local: Vec<String> = participants
                        .iter()
                        .map(|p| {
                            let zoned = start.to_zoned(data.people[*p].calendar.zone().clone());
                            format!("{} {}", handle(*p), zoned.strftime("%a %H:%M"))
                        })
                        .collect();
                    if outside.is_empty() {
                        format!("{start} to {end} ({})", local.join(", "))
                    } else {
                        let out: Vec<String> = outside.iter().map(|p| format!("@{}", handle(*p))).collect();
                        format!(
                            "{start} to {end} ({}); no slot fits everyone in the next 7 days, and this one, the \
                             fairest, is outside the working hours of {}",
                            local.join(", "),
                            out.join(", ")
                        )
                    }
                }
                None => "no 30-minute slot inside everyone's working hours in the next 7 days".into(),
            };
            let meet = match slot {
                Some(_) => format!("{} could meet {when}", names.join(", ")),
                None => format!("{} have {when}", names.join(", ")),
            };
            let reason = format!(
                "\"{}\" in #{} has bounced {} times over {} h without being resolved; {meet}.",
                talk.title,
                talk.channel,
                handoffs,
                hours(*span)
            );
            let body = format!(
                "This thread has changed hands {handoffs} times over {} h. Let's take it live: {when}. {} \
                 a huddle is set up on this thread; join it then.",
                hours(*span),
                names.join(" ")
            );
            let command = AdviceAction::TakeLive {
                thread,
                title: format!("Live: {}", talk.title),
                agenda: format!("Settle \"{}\" ({when}).", talk.title),
                invite: participants.iter().map(|p| member(*p)).collect(),
                message: MessageText::new(body),
                slot: *slot,
            };
            Some(Suggestion {
                key: format!("take-live-thread-{}", thread.0),
                kind: "take_live".into(),
                title: format!("Take \"{}\" live", talk.title),
                reason,
                numbers: json!({
                    "handoffs": handoffs,
                    "span_s": span.as_secs(),
                    "participants": participants.len(),
                    "outside_working_hours": outside.iter().map(|p| member(*p)).collect::<Vec<_>>(),
                }),
                action: "sets up a huddle on the thread with everyone who posted invited, and posts the slot there"
                    .into(),
                thread_id: Some(thread),
                task_id: None,
                member_id: None,
                slot: slot.map(|(a, b)| [a, b]),
                command: Some(command),
            })
        }
        Advice::Nudge { task, assignee, idle } => {
            let task = &data.tasks[*task];
            let thread = ThreadId(ids.threads.get(task.conversation?).copied().flatten()?);
            let (title, body) = match assignee {
                Some(owner) => (
                    format!("Nudge @{} about \"{}\"", handle(*owner), task.title),
                    format!(
                        "@{}, a nudge: \"{}\" has had no activity for {} working hours. Is anything blocking it?",
                        handle(*owner),
                        task.title,
                        hours(*idle)
                    ),
                ),
                None => (
                    format!("Find an owner for \"{}\"", task.title),
                    format!(
                        "\"{}\" has no owner and no activity for {} working hours. Who can take it?",
                        task.title,
                        hours(*idle)
                    ),
                ),
            };
            Some(Suggestion {
                key: format!("nudge-task-{}", task.id),
                kind: "nudge".into(),
                title,
                reason: format!(
                    "\"{}\" in {} is open with no activity for {} working hours (stalled from 24).",
                    task.title,
                    task.project,
                    hours(*idle)
                ),
                numbers: json!({"idle_working_s": idle.as_secs()}),
                action: "posts a nudge in the task's thread, mentioning its assignee".into(),
                thread_id: Some(thread),
                task_id: Some(task.id),
                member_id: assignee.map(member),
                slot: None,
                command: Some(AdviceAction::Nudge { thread, message: MessageText::new(body) }),
            })
        }
        Advice::Escalate { conversation, asker, asked_at, waited, others } => {
            let thread = ThreadId(ids.threads.get(*conversation).copied().flatten()?);
            let talk = &data.conversations[*conversation];
            let names: Vec<String> = others.iter().map(|p| format!("@{}", handle(*p))).collect();
            let norm = talk.norm.unwrap_or(Thresholds::design_defaults().default_norm);
            let body = format!(
                "{} @{}'s question here has waited {} working hours (the norm is {} h). Can one of you answer?",
                names.join(" "),
                handle(*asker),
                hours(*waited),
                hours(norm)
            );
            Some(Suggestion {
                key: format!("escalate-thread-{}-{}", thread.0, asked_at.as_second()),
                kind: "escalate".into(),
                title: format!("Escalate @{}'s question in \"{}\"", handle(*asker), talk.title),
                reason: format!(
                    "@{} asked in #{} at {asked_at} and nobody answered for {} working hours; the norm is {} h.",
                    handle(*asker),
                    talk.channel,
                    hours(*waited),
                    hours(norm)
                ),
                numbers: json!({"waited_working_s": waited.as_secs(), "norm_s": norm.as_secs(), "others": others.len()}),
                action: "posts in the thread, mentioning everyone else who took part in it".into(),
                thread_id: Some(thread),
                task_id: None,
                member_id: Some(member(*asker)),
                slot: None,
                command: Some(AdviceAction::Nudge { thread, message: MessageText::new(body) }),
            })
        }
        Advice::Pair { member: who, collaborators, with } => {
            let (colleague, shared) = (*with)?;
            let body = format!(
                "@{} and @{}: how about pairing on something this week? Your working hours overlap {} h in the next 7 days.",
                handle(*who),
                handle(colleague),
                hours(shared)
            );
            Some(Suggestion {
                key: format!("pair-member-{}", member(*who).0),
                kind: "pair".into(),
                title: format!("Pair @{} with @{}", handle(*who), handle(colleague)),
                reason: format!(
                    "@{} was active in the last 14 days with {} collaborator(s) and no huddle time; @{} overlaps {} working hours with them next week.",
                    handle(*who),
                    collaborators,
                    handle(colleague),
                    hours(shared)
                ),
                numbers: json!({"collaborators": collaborators, "overlap_s": shared.as_secs()}),
                action: "opens a conversation with both of them and suggests a pairing session".into(),
                thread_id: None,
                task_id: None,
                member_id: Some(member(*who)),
                slot: None,
                command: Some(AdviceAction::Pair {
                    members: vec![member(*who), member(colleague)],
                    message: MessageText::new(body),
                }),
            })
        }
    }
}
