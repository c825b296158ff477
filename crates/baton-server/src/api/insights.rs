//! `GET /api/v1/insights`: the report of `baton report --format json`, computed on the same
//! engine, shown to each viewer as DESIGN.md allows: lists name only conversations the viewer
//! may see, and for non-admins per-member rows are left out and every aggregate is withheld
//! when fewer than five members took part (the privacy floor).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::calendar::parse_time_zone;
use baton_insights::compare::{compare, Comparison};
use baton_insights::{
    days, default_last_day, four_weeks_through, parse_instant, report, Dataset, DatasetBuilder, LogIds, Origin, Report,
    Scope, Thresholds, Window,
};
use baton_store::{Access, Viewer};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/insights", get(insights))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(insights))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// The dataset of every event up to `seq`, kept between reports: a report reads only the events
/// committed since the last one, so a warm report costs the metrics, not a pass over the log.
#[derive(Default)]
pub(crate) struct LogDataset {
    seq: i64,
    builder: DatasetBuilder,
}

/// Events committed after what `cache` holds, read from the store (not parsed yet: that is CPU
/// work for the blocking pool).
async fn newer_events(state: &AppState) -> ApiResult<Vec<std::sync::Arc<baton_store::CommittedEvent>>> {
    let mut since = state.insights.lock().unwrap_or_else(std::sync::PoisonError::into_inner).seq;
    let mut events = Vec::new();
    loop {
        let page = state.store.log(baton_core::Seq(since), 10_000).await?;
        let Some(last) = page.last() else { return Ok(events) };
        since = last.seq.0;
        events.extend(page);
    }
}

/// Brings the kept dataset up to date with the events committed since the last call, then runs
/// `read` on it, on the CPU pool.
async fn with_log<T: Send + 'static>(
    state: &AppState,
    read: impl FnOnce(&DatasetBuilder) -> T + Send + 'static,
) -> ApiResult<T> {
    let events = newer_events(state).await?;
    let cache = state.insights.clone();
    state
        .cpu(move || {
            let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for committed in events {
                // Two reports may have read the same new events; the first applies them.
                if committed.seq.0 <= cache.seq {
                    continue;
                }
                let event: baton_core::event::Event = serde_json::from_slice(&committed.json)
                    .map_err(|e| ApiError::internal(std::io::Error::other(e.to_string())))?;
                cache.builder.apply(&event);
                cache.seq = committed.seq.0;
            }
            Ok(read(&cache.builder))
        })
        .await?
}

/// The whole log as a dataset, with each conversation's origin and the ids behind it: the
/// kept dataset brought up to date with the events committed since the last call.
pub(crate) async fn log_snapshot(state: &AppState) -> ApiResult<(Dataset, Vec<Origin>, LogIds)> {
    with_log(state, |builder| {
        let (data, origins) = builder.snapshot();
        (data, origins, builder.ids())
    })
    .await
}

/// The last day (in `zone`) of the window insights show when none is asked for: today, or the
/// day of the last message or task event when the four weeks through today hold none
/// ([`default_last_day`]).
pub(crate) async fn default_last_day_in(state: &AppState, zone: TimeZone) -> ApiResult<jiff::civil::Date> {
    let now = state.now();
    with_log(state, move |builder| default_last_day(builder.activity(), now, &zone)).await
}

/// The smallest group whose aggregates a non-admin may see.
pub const PRIVACY_FLOOR: usize = 5;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// Start of the window (inclusive): an RFC 3339 instant (`2024-09-30T10:00:00Z`), a date and
    /// time without an offset (`2024-09-30T10:00`, that wall-clock time in the workspace zone) or a
    /// date (midnight there). Anything else, or a time the zone skips or repeats, is a 422.
    /// Without `from` and `to`: the four weeks through today (workspace zone), or, when they hold
    /// no message and no task event, the four weeks through the day of the last one (an
    /// imported history that ended long ago). Give both or neither.
    pub from: Option<String>,
    /// End of the window (exclusive), in the same forms.
    pub to: Option<String>,
    /// Only this channel's threads and timeline (no tasks unless `project` is given too).
    pub channel: Option<String>,
    /// Only this project's tasks and their threads.
    pub project: Option<String>,
    /// Only the conversations this member (a handle) posted in and the tasks assigned to them.
    /// Non-admins may name only themselves.
    pub member: Option<String>,
    /// An earlier window `FROM..TO` (same forms) to compare with: adds `compare`, each headline
    /// metric before and after with the change and its seeded 95% bootstrap interval.
    pub compare: Option<String>,
    /// The bootstrap's seed (default 1): the same data and seed give the same intervals.
    pub seed: Option<u64>,
}

/// What the viewer was not shown, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyNote {
    /// Per-member rows are shown to admins only.
    pub members_withheld: bool,
    /// Aggregates are withheld from non-admins when fewer than `floor` members took part.
    pub aggregates_withheld: bool,
    pub floor: usize,
}

/// The insights report over `[from, to)` (DESIGN.md's `baton report --format json`), plus
/// `privacy`, which says what was withheld from this viewer.
#[utoipa::path(get, path = "/api/v1/insights", tag = "insights", security(("bearer" = [])), params(InsightsQuery),
    responses((status = 200, description = "the report", body = Object), (status = 400, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn insights(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<InsightsQuery>,
) -> ApiResult<Json<Value>> {
    let shown = shown_to(&state, auth.viewer, query).await?;
    Ok(Json(shown.to_json()))
}

/// The report as one viewer may see it: what `GET /api/v1/insights` answers, before it becomes
/// JSON (the web dashboard draws it).
pub(crate) struct Shown {
    /// Lists name only what the viewer may see; per-member rows are empty for non-admins.
    pub report: Report,
    /// Only when asked for and the aggregates are not withheld.
    pub compare: Option<Comparison>,
    pub privacy: PrivacyNote,
    pub window: Window,
    /// The earlier window `compare` names.
    pub before: Option<Window>,
    /// The narrowed data the report was computed on, for charts of the same numbers; `None`
    /// when the aggregates are withheld from this viewer.
    pub data: Option<Dataset>,
    /// For each conversation of the narrowed data (e.g. a bouncing thread's `conversation`),
    /// its thread id; `None` for a direct conversation.
    pub thread_ids: Vec<Option<i64>>,
}

impl Shown {
    /// The JSON of `GET /api/v1/insights`: the report with withheld aggregates as `null`, then
    /// `compare` and `privacy`.
    fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(&self.report).unwrap_or(Value::Null);
        if self.privacy.aggregates_withheld {
            let aggregates = [
                "messages",
                "response_time",
                "first_response",
                "bouncing_threads",
                "tasks",
                "isolation",
                "mode_mix",
                "lagging",
            ];
            for key in aggregates {
                value[key] = Value::Null;
            }
        }
        if let Some(compare) = &self.compare {
            value["compare"] = serde_json::to_value(compare).unwrap_or(Value::Null);
        }
        value["privacy"] = json!(self.privacy);
        value
    }
}

/// The report over `query`'s window and scope as `viewer` may see it (see the module docs):
/// a channel the viewer may not see is `NotFound`, like a name nobody uses.
pub(crate) async fn shown_to(state: &AppState, viewer: Viewer, query: InsightsQuery) -> ApiResult<Shown> {
    let workspace = state.store.workspace().await?.ok_or_else(|| ApiError::NotFound("no workspace yet".into()))?;
    let zone =
        parse_time_zone(&workspace.time_zone).map_err(|e| ApiError::internal(std::io::Error::other(e.to_string())))?;
    let window = match (&query.from, &query.to) {
        (Some(from), Some(to)) => {
            let from = parse_instant("from", from, &zone).map_err(|e| ApiError::Invalid(e.to_string()))?;
            let to = parse_instant("to", to, &zone).map_err(|e| ApiError::Invalid(e.to_string()))?;
            Window::new(from, to).map_err(|e| ApiError::Invalid(e.to_string()))?
        }
        (None, None) => {
            let (first, last) = four_weeks_through(default_last_day_in(state, zone.clone()).await?);
            days(first, last, &zone).map_err(|e| ApiError::Invalid(e.to_string()))?
        }
        _ => return Err(ApiError::BadRequest("give both `from` and `to`, or neither (the last four weeks)".into())),
    };
    let to = window.to();
    let before = match &query.compare {
        Some(range) => {
            let (a, b) = range
                .split_once("..")
                .ok_or_else(|| ApiError::Invalid(format!("compare {range:?} is not FROM..TO")))?;
            let a = parse_instant("compare", a, &zone).map_err(|e| ApiError::Invalid(e.to_string()))?;
            let b = parse_instant("compare", b, &zone).map_err(|e| ApiError::Invalid(e.to_string()))?;
            Some(Window::new(a, b).map_err(|e| ApiError::Invalid(format!("compare: {e}")))?)
        }
        None => None,
    };
    let admin = viewer.role.is_admin();
    if let Some(handle) = query.member.as_deref().filter(|_| !admin) {
        let me = state.store.member(&viewer, viewer.member).await?;
        if me.handle != handle {
            return Err(ApiError::Forbidden("only admins narrow insights to another member".into()));
        }
    }
    // A name the viewer gives is one of the channels they may see by that name (a private
    // channel of the same name, which they may not, is not in it and is not told of).
    let channel_ids = match &query.channel {
        Some(name) => {
            let ids: Vec<i64> =
                state.store.channels(&viewer).await?.into_iter().filter(|c| &c.name == name).map(|c| c.id.0).collect();
            if ids.is_empty() {
                return Err(ApiError::NotFound(format!("no channel named {name:?} has any conversation")));
            }
            Some(ids)
        }
        None => None,
    };
    let scope = Scope { channel: query.channel, channel_ids, project: query.project, member: query.member };
    let seed = query.seed.unwrap_or(1);
    let (whole, whole_origins, ids) = log_snapshot(state).await?;
    let access = state.store.access(&viewer).await?;
    state
        .cpu(move || {
            let narrowed = scope.narrow(&whole, to).map_err(|e| ApiError::NotFound(e.to_string()))?;
            let origins: Vec<Origin> = narrowed.origin.iter().map(|idx| whole_origins[*idx]).collect();
            // A channel the viewer may not see is answered as one that does not exist.
            if scope.channel.is_some()
                && origins.iter().any(|o| matches!(o, Origin::Channel(_)) && !visible(&access, *o))
            {
                let name = scope.channel.clone().unwrap_or_default();
                return Err(ApiError::NotFound(format!("no channel named {name:?} has any conversation")));
            }
            let thread_ids = narrowed.origin.iter().map(|idx| ids.threads.get(*idx).copied().flatten()).collect();
            let data = narrowed.data;
            let thresholds = Thresholds::design_defaults();
            let mut report = report(&data, window, &thresholds);
            report.bouncing_threads.retain(|b| origins.get(b.conversation).is_some_and(|o| visible(&access, *o)));
            // Lagging channel rows are named by channel: keep those of channels the viewer may see.
            let visible_channels: std::collections::HashSet<&str> = origins
                .iter()
                .zip(&data.conversations)
                .filter(|(origin, _)| matches!(origin, Origin::Channel(_)) && visible(&access, **origin))
                .map(|(_, conversation)| conversation.channel.as_str())
                .collect();
            report.lagging.channels.retain(|row| visible_channels.contains(row.name.as_str()));
            if !access.may_read_work() {
                report.lagging.projects.clear();
            }
            let participants = report.members.iter().filter(|m| m.messages > 0).count();
            let aggregates_withheld = !admin && participants < PRIVACY_FLOOR;
            if let Some(handle) = &scope.member {
                report.members.retain(|m| &m.name == handle);
                report.lagging.members.retain(|m| &m.name == handle);
            }
            if !admin {
                report.members.clear();
                report.lagging.members.clear();
            }
            let compare =
                before.filter(|_| !aggregates_withheld).map(|before| compare(&data, before, window, &thresholds, seed));
            let privacy = PrivacyNote { members_withheld: !admin, aggregates_withheld, floor: PRIVACY_FLOOR };
            let data = (!aggregates_withheld).then_some(data);
            Ok(Shown { report, compare, privacy, window, before, data, thread_ids })
        })
        .await?
}

pub(crate) fn visible(access: &Access, origin: Origin) -> bool {
    match origin {
        Origin::Channel(id) => access.channels.contains(&baton_core::ChannelId(id)),
        Origin::Task => access.may_read_work(),
        Origin::Dm(id) => access.dms.contains(&baton_core::DmId(id)),
    }
}
