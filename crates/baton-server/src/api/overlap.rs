//! Overlap: when a set of members are all in working hours during a week, and slots of a given
//! length inside that overlap over the coming days, each member's hours resolved in their own
//! time zone (DST-aware).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::calendar::{parse_time_zone, Calendar};
use baton_core::model::Member;
use baton_core::MemberId;
use baton_insights::overlap;
use baton_store::Answer;
use baton_store::Viewer;
use jiff::civil::{Date, ISOWeekDate};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/overlap", get(week))
        .route("/api/v1/overlap/slots", get(slots))
        .route("/api/v1/overlap/slots/book", post(book))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(week, slots, book))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// Most people an overlap is computed for.
const MAX_MEMBERS: usize = 50;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverlapQuery {
    /// Member ids or handles, comma separated (`3,7` or `ana,bo`).
    pub members: String,
    /// The week: any date in it (`2027-03-22`) or an ISO week (`2027-W12`). It runs Monday
    /// 00:00 to Monday 00:00 in your own time zone. Default: this week.
    pub week: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Interval {
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: MemberId,
    pub handle: String,
    pub time_zone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Overlap {
    /// The week: Monday 00:00 to the next Monday 00:00 in the viewer's zone.
    #[schema(value_type = String, format = DateTime)]
    pub week_from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub week_until: Timestamp,
    pub members: Vec<Person>,
    /// When everyone is in working hours, in order.
    pub intervals: Vec<Interval>,
    pub total_seconds: i64,
    pub total_hours: f64,
}

/// The intervals of a week in which every named member is in working hours, and their total.
#[utoipa::path(get, path = "/api/v1/overlap", tag = "overlap", security(("bearer" = [])), params(OverlapQuery),
    responses((status = 200, body = Overlap), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn week(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<OverlapQuery>,
) -> ApiResult<Json<Overlap>> {
    let people = members(&state, &auth.viewer, &query.members).await?;
    let me = state.store.member(&auth.viewer, auth.viewer.member).await?;
    let zone = parse_time_zone(&me.time_zone).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let (start, end) = week_in(query.week.as_deref(), &zone, state.now())?;
    let calendars = calendars(&people)?;
    let refs: Vec<&Calendar> = calendars.iter().collect();
    let found = overlap::overlap(&refs, start, end);
    let total = overlap::total(&found);
    Ok(Json(Overlap {
        week_from: start,
        week_until: end,
        members: people.iter().map(person).collect(),
        intervals: found.into_iter().map(|(start, end)| Interval { start, end }).collect(),
        total_seconds: total.as_secs(),
        total_hours: total.as_secs_f64() / 3600.0,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// Member ids or handles, comma separated.
    pub members: String,
    /// The slot's length in minutes (5–480, default 30).
    pub minutes: Option<i64>,
    /// Look from this instant (RFC 3339; default now) over the next 7 days.
    pub from: Option<String>,
    /// At most this many slots (1–50, default 5).
    pub count: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Slots {
    pub members: Vec<Person>,
    /// The earliest slots inside everyone's working hours; empty when none fits in 7 days.
    pub slots: Vec<Interval>,
    /// When no slot fits everyone: the slot that leaves the fewest people outside their working
    /// hours (usually one), preferring those who have taken such slots least often (booked slots
    /// are counted), then the earliest; so the burden rotates.
    pub fallback: Option<Fallback>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Fallback {
    pub slot: Interval,
    /// Who would be outside their working hours (the first of them, if several).
    pub outside_working_hours: Person,
    /// How many booked slots already put them outside their hours.
    pub times_before: i64,
    /// Everyone the slot is outside the working hours of: more than one only when no slot
    /// leaves just one person out.
    pub everyone_outside: Vec<Person>,
}

/// Suggests the next slots of a given length inside every member's working hours over the next
/// 7 days.
#[utoipa::path(get, path = "/api/v1/overlap/slots", tag = "overlap", security(("bearer" = [])), params(SlotQuery),
    responses((status = 200, body = Slots), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn slots(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SlotQuery>,
) -> ApiResult<Json<Slots>> {
    let people = members(&state, &auth.viewer, &query.members).await?;
    let minutes = query.minutes.unwrap_or(30);
    if !(5..=480).contains(&minutes) {
        return Err(ApiError::Invalid("minutes: must be 5 to 480".into()));
    }
    let count = query.count.unwrap_or(5);
    if !(1..=50).contains(&count) {
        return Err(ApiError::Invalid("count: must be 1 to 50".into()));
    }
    let from = match query.from.as_deref() {
        Some(raw) => raw.parse::<Timestamp>().map_err(|e| ApiError::Invalid(format!("from: {e}")))?,
        None => state.now(),
    };
    Ok(Json(slots_for(&state, &people, from, SignedDuration::from_mins(minutes), count).await?))
}

/// The first `count` slots of `length` inside every one of `people`'s working hours in the 7
/// days from `from`, or when none fits, the fairest fallback: what `GET /overlap/slots` answers.
pub(crate) async fn slots_for(
    state: &AppState,
    people: &[Member],
    from: Timestamp,
    length: SignedDuration,
    count: usize,
) -> ApiResult<Slots> {
    let calendars = calendars(people)?;
    let refs: Vec<&Calendar> = calendars.iter().collect();
    let horizon = SignedDuration::from_hours(24 * 7);
    let found = overlap::slots(&refs, from, horizon, length, count);
    let mut fallback = None;
    if found.is_empty() && people.len() > 1 {
        let burdens: std::collections::HashMap<MemberId, i64> = state.store.slot_burdens().await?.into_iter().collect();
        let burden: Vec<i64> = people.iter().map(|p| burdens.get(&p.id).copied().unwrap_or(0)).collect();
        let names: Vec<&str> = people.iter().map(|p| p.handle.as_str()).collect();
        if let Some(((start, end), mut outside)) = overlap::fairest_slot(&refs, &burden, &names, from, horizon, length)
        {
            outside.sort_by_key(|i| (burden[*i], names[*i]));
            if let Some(first) = outside.first().copied() {
                fallback = Some(Fallback {
                    slot: Interval { start, end },
                    outside_working_hours: person(&people[first]),
                    times_before: burden[first],
                    everyone_outside: outside.iter().map(|i| person(&people[*i])).collect(),
                });
            }
        }
    }
    Ok(Slots {
        members: people.iter().map(person).collect(),
        slots: found.into_iter().map(|(start, end)| Interval { start, end }).collect(),
        fallback,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BookSlot {
    pub member_ids: Vec<MemberId>,
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
}

/// Books a slot for these members: whoever it puts outside their working hours has it counted,
/// so the next fallback suggestion asks someone else. Answers who that was.
#[utoipa::path(post, path = "/api/v1/overlap/slots/book", tag = "overlap", security(("bearer" = [])), request_body = BookSlot,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn book(State(state): State<AppState>, auth: Auth, ApiJson(req): ApiJson<BookSlot>) -> ApiResult<Json<Answer>> {
    let parse =
        |field: &str, raw: &str| raw.parse::<Timestamp>().map_err(|e| ApiError::Invalid(format!("{field}: {e}")));
    if req.member_ids.is_empty() || req.member_ids.len() > MAX_MEMBERS {
        return Err(ApiError::Invalid(format!("member_ids: 1 to {MAX_MEMBERS} members")));
    }
    let command = baton_store::Command::BookSlot {
        members: req.member_ids,
        start: parse("start", &req.start)?,
        end: parse("end", &req.end)?,
    };
    Ok(Json(state.store.execute(baton_store::Envelope::new(auth.viewer, state.now(), command)).await?))
}

fn person(member: &Member) -> Person {
    Person { id: member.id, handle: member.handle.clone(), time_zone: member.time_zone.clone() }
}

/// The members a `members` parameter names, by id or handle, in the order given.
pub(crate) async fn members(state: &AppState, viewer: &Viewer, raw: &str) -> ApiResult<Vec<Member>> {
    let all = state.store.members(viewer).await?;
    let mut out: Vec<Member> = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let found = match name.parse::<i64>() {
            Ok(id) => all.iter().find(|m| m.id.0 == id),
            Err(_) => all.iter().find(|m| m.handle == name || m.email.as_deref() == Some(name)),
        };
        let member = found.ok_or_else(|| ApiError::NotFound(format!("member {name}")))?;
        if !out.iter().any(|m| m.id == member.id) {
            out.push(member.clone());
        }
    }
    if out.is_empty() {
        return Err(ApiError::Invalid("members: name at least one member (ids or handles, comma separated)".into()));
    }
    if out.len() > MAX_MEMBERS {
        return Err(ApiError::Invalid(format!("members: at most {MAX_MEMBERS}")));
    }
    Ok(out)
}

/// Each member's working calendar, in their own zone.
pub(crate) fn calendars(people: &[Member]) -> ApiResult<Vec<Calendar>> {
    people
        .iter()
        .map(|m| {
            let zone = parse_time_zone(&m.time_zone).map_err(|e| ApiError::Invalid(format!("{}: {e}", m.handle)))?;
            Ok(Calendar::new(zone, m.working_hours.clone()))
        })
        .collect()
}

/// The week a `week` parameter names (default: this week), Monday 00:00 to the next Monday
/// 00:00 in `zone`.
pub(crate) fn week_in(
    raw: Option<&str>,
    zone: &jiff::tz::TimeZone,
    now: Timestamp,
) -> ApiResult<(Timestamp, Timestamp)> {
    let day = day_in_week(raw, zone, now)?;
    let (_, start, end) = overlap::week_of(day, zone).map_err(|e| ApiError::Invalid(format!("week: {e}")))?;
    Ok((start, end))
}

/// A day of the week a `week` parameter names (default: this week in `zone`, or the coming one
/// at the weekend).
fn day_in_week(raw: Option<&str>, zone: &jiff::tz::TimeZone, now: Timestamp) -> ApiResult<Date> {
    let date = match raw.map(str::trim) {
        None | Some("") => overlap::coming_week_day(now, zone),
        Some(text) if text.contains("-W") => {
            let (year, week) = text.split_once("-W").unwrap_or_default();
            let (year, week) = (year.parse::<i16>(), week.parse::<i8>());
            let (Ok(year), Ok(week)) = (year, week) else {
                return Err(ApiError::Invalid(format!("week: {text:?} is not a date or an ISO week such as 2027-W12")));
            };
            ISOWeekDate::new(year, week, jiff::civil::Weekday::Monday)
                .map_err(|e| ApiError::Invalid(format!("week: {e}")))?
                .date()
        }
        Some(text) => text
            .parse::<Date>()
            .map_err(|_| ApiError::Invalid(format!("week: {text:?} is not a date or an ISO week such as 2027-W12")))?,
    };
    Ok(date)
}
