//! `GET /api/v1/insights`: the report of `baton report --format json`, computed on the same
//! engine, shown to each viewer as DESIGN.md allows: lists name only conversations the viewer
//! may see, and for non-admins per-member rows are left out and every aggregate is withheld
//! when fewer than five members took part (the privacy floor).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baton_core::calendar::parse_time_zone;
use baton_core::ThreadId;
use baton_insights::compare::{compare_until, Comparison};
use baton_insights::Cancel;
use baton_insights::{
    days, default_last_day, four_weeks_through, parse_instant, report_until, Cancelled, Dataset, DatasetBuilder,
    Origin, Report, Scope, Snapshot, Thresholds, Window,
};
use baton_store::{Access, Viewer};
use futures_util::future::{BoxFuture, FutureExt, WeakShared};
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
/// Reports read [`Snapshot`]s of it (shared, never copied), outside the lock; the lock is held
/// only while new events are applied.
#[derive(Default)]
pub(crate) struct LogDataset {
    seq: i64,
    builder: DatasetBuilder,
}

/// Events read from the log and applied at a time: the log is never in memory whole (at a
/// million events that was half a gigabyte, freed but kept by the allocator).
const LOG_PAGE: u32 = 10_000;

/// The whole log as a dataset, with each conversation's origin and the ids behind it: the kept
/// dataset brought up to date with the events committed since the last call, a page at a time.
pub(crate) async fn log_snapshot(state: &AppState) -> ApiResult<Snapshot> {
    loop {
        let since = state.insights.lock().unwrap_or_else(std::sync::PoisonError::into_inner).seq;
        // Read outside the lock (IO); parsed and applied on the CPU pool.
        let page = state.store.log(baton_core::Seq(since), LOG_PAGE).await?;
        let cache = state.insights.clone();
        let last_page = page.len() < LOG_PAGE as usize;
        let snapshot = state
            .cpu(move || {
                let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                for committed in page {
                    // Two reports may have read the same new events; the first applies them.
                    if committed.seq.0 <= cache.seq {
                        continue;
                    }
                    let event: baton_core::event::Event = serde_json::from_slice(&committed.json)
                        .map_err(|e| ApiError::internal(std::io::Error::other(e.to_string())))?;
                    cache.builder.apply(&event);
                    cache.seq = committed.seq.0;
                }
                Ok::<_, ApiError>(last_page.then(|| cache.builder.snapshot()))
            })
            .await??;
        if let Some(snapshot) = snapshot {
            return Ok(snapshot);
        }
    }
}

/// Reads the log into the insights dataset and computes the bouncing list, so that the first
/// report and the first thread list after a start do not wait for it: `baton serve` runs it
/// in the background as it starts.
pub async fn warm_up(state: &AppState) {
    if let Err(error) = compute_bouncing(state).await {
        tracing::warn!(%error, "insights could not read the log at start");
    }
}

/// The last day (in `zone`) of the window insights show when none is asked for: today, or the
/// day of the last message or task event when the four weeks through today hold none
/// ([`default_last_day`]).
pub(crate) async fn default_last_day_in(state: &AppState, zone: TimeZone) -> ApiResult<jiff::civil::Date> {
    let now = state.now();
    let snapshot = log_snapshot(state).await?;
    state.cpu(move || default_last_day(snapshot.data.activity(), now, &zone)).await
}

/// Every thread that bounces (DESIGN's ping-pong over the four weeks through now), where it
/// lives and its handoffs: what thread lists flag.
pub(crate) type BouncingThreads = HashMap<ThreadId, (Origin, u32)>;

/// How old the bouncing list a thread list shows may be before it is computed again. Finding
/// it walks every message (a second at ten million), too much for every page; a flag a few
/// seconds late is not.
const BOUNCING_FRESH_FOR: Duration = Duration::from_secs(15);

/// The bouncing list last computed, and when; kept in [`AppState`].
#[derive(Default)]
pub(crate) struct BouncingCache {
    last: std::sync::Mutex<Option<(Instant, Arc<BouncingThreads>)>>,
    /// Held by the one computing it, so that a stale list is computed again once, not by
    /// every page that finds it stale.
    computing: tokio::sync::Mutex<()>,
}

/// The threads that bounce, for thread lists. The first call computes them; later ones get the
/// last list at once, and one of them, finding it older than [`BOUNCING_FRESH_FOR`], starts
/// computing the next in the background.
pub(crate) async fn bouncing_threads(state: &AppState) -> ApiResult<Arc<BouncingThreads>> {
    let last = state.bouncing.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    match last {
        Some((at, list)) if at.elapsed() < BOUNCING_FRESH_FOR => Ok(list),
        Some((_, list)) => {
            if let Ok(computing) = state.bouncing.computing.try_lock() {
                let state = state.clone();
                drop(computing);
                tokio::spawn(async move {
                    if let Err(error) = compute_bouncing(&state).await {
                        tracing::warn!(%error, "the bouncing threads could not be computed");
                    }
                });
            }
            Ok(list)
        }
        // The first list (a server just started, before `warm_up` is done) is waited for a
        // moment; past that the page goes without flags rather than wait for the whole log.
        // It goes on in the background either way.
        None => {
            let state = state.clone();
            let computing = tokio::spawn(async move { compute_bouncing(&state).await });
            match tokio::time::timeout(BOUNCING_FIRST_WAIT, computing).await {
                Ok(list) => list.map_err(ApiError::internal)?,
                Err(_) => Ok(Arc::default()),
            }
        }
    }
}

/// How long a thread list waits for the first bouncing list before it shows none.
const BOUNCING_FIRST_WAIT: Duration = Duration::from_secs(2);

/// Computes the bouncing list now (unless another call is computing it: then it waits for
/// that one's), and keeps it.
async fn compute_bouncing(state: &AppState) -> ApiResult<Arc<BouncingThreads>> {
    let _computing = state.bouncing.computing.lock().await;
    // Whoever held the lock before may have just computed it.
    if let Some((at, list)) = state.bouncing.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
        if at.elapsed() < BOUNCING_FRESH_FOR {
            return Ok(list);
        }
    }
    let started = Instant::now();
    let Snapshot { data, origins, ids } = log_snapshot(state).await?;
    let now = state.now();
    let from = now.checked_sub(jiff::SignedDuration::from_hours(24 * 28)).unwrap_or(now);
    let list = match Window::new(from, now) {
        Ok(window) => {
            state
                .cpu(move || {
                    let thresholds = Thresholds::design_defaults();
                    baton_insights::conversations::bouncing_threads(&data, window, &thresholds)
                        .into_iter()
                        .filter_map(|b| {
                            let thread = ThreadId(ids.threads.get(b.conversation).copied().flatten()?);
                            Some((thread, (*origins.get(b.conversation)?, b.handoffs)))
                        })
                        .collect()
                })
                .await?
        }
        Err(_) => BouncingThreads::new(),
    };
    let list = Arc::new(list);
    *state.bouncing.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((started, list.clone()));
    Ok(list)
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
    pub data: Option<Arc<Dataset>>,
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
    let access = state.store.access(&viewer).await?;
    let with_compare = before.is_some();
    let key = format!("{scope:?} {window:?} {before:?} {seed} {admin}");
    let computed = computed_once(state, key, move |whole, cancel| {
        let Snapshot { data: whole, origins: whole_origins, ids } = whole;
        let narrowed = scope.narrow(&whole, to).map_err(|e| ApiError::NotFound(e.to_string()))?;
        let origins: Vec<Origin> = narrowed.origin.iter().map(|idx| whole_origins[*idx]).collect();
        let thread_ids = narrowed.origin.iter().map(|idx| ids.threads.get(*idx).copied().flatten()).collect();
        let data = narrowed.data;
        let thresholds = Thresholds::design_defaults();
        let report = report_until(&data, window, &thresholds, cancel).map_err(cancelled)?;
        // The comparison only for those who will see it (see the privacy floor below).
        let participants = report.members.iter().filter(|m| m.messages > 0).count();
        let compare = match before.filter(|_| with_compare && (admin || participants >= PRIVACY_FLOOR)) {
            Some(before) => Some(compare_until(&data, before, window, &thresholds, seed, cancel).map_err(cancelled)?),
            None => None,
        };
        Ok(Computed { data, origins, thread_ids, report, compare, participants, scope })
    })
    .await?;
    let Computed { data, origins, thread_ids, report, compare, participants, scope } = &*computed;
    // A channel the viewer may not see is answered as one that does not exist.
    if scope.channel.is_some() && origins.iter().any(|o| matches!(o, Origin::Channel(_)) && !visible(&access, *o)) {
        let name = scope.channel.clone().unwrap_or_default();
        return Err(ApiError::NotFound(format!("no channel named {name:?} has any conversation")));
    }
    let mut report = report.clone();
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
    let aggregates_withheld = !admin && *participants < PRIVACY_FLOOR;
    if let Some(handle) = &scope.member {
        report.members.retain(|m| &m.name == handle);
        report.lagging.members.retain(|m| &m.name == handle);
    }
    if !admin {
        report.members.clear();
        report.lagging.members.clear();
    }
    let compare = compare.clone().filter(|_| !aggregates_withheld);
    let privacy = PrivacyNote { members_withheld: !admin, aggregates_withheld, floor: PRIVACY_FLOOR };
    let data = (!aggregates_withheld).then(|| data.clone());
    Ok(Shown { report, compare, privacy, window, before, data, thread_ids: thread_ids.clone() })
}

/// A report as computed, before it is shown to anyone: identical requests in flight share it.
pub(crate) struct Computed {
    /// The narrowed data, and for each of its conversations where it lives and its thread id.
    data: Arc<Dataset>,
    origins: Vec<Origin>,
    thread_ids: Vec<Option<i64>>,
    report: Report,
    compare: Option<Comparison>,
    /// Members who posted in the window: what the privacy floor counts.
    participants: usize,
    scope: Scope,
}

/// Reports being computed, by what was asked: a request identical to one in flight waits for
/// its result instead of computing it again. Weak, so that a report whose every request is
/// gone is dropped, and thereby cancelled.
pub(crate) type InFlight = std::sync::Mutex<HashMap<String, WeakShared<BoxFuture<'static, SharedResult<Computed>>>>>;

type SharedResult<T> = Result<Arc<T>, Arc<ApiError>>;

/// The report `key` names, computed by `job` on a fresh snapshot, or, when an identical request
/// is computing it, that request's result (on the snapshot it took, a moment older).
async fn computed_once(
    state: &AppState,
    key: String,
    job: impl FnOnce(Snapshot, &Cancel) -> ApiResult<Computed> + Send + 'static,
) -> ApiResult<Arc<Computed>> {
    let running = {
        let mut in_flight = state.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match in_flight.get(&key).and_then(WeakShared::upgrade) {
            Some(running) => running,
            None => {
                let job_state = state.clone();
                let job_key = key.clone();
                let running = async move {
                    let result = match log_snapshot(&job_state).await {
                        Ok(snapshot) => job_state.cpu_until(move |cancel| job(snapshot, cancel)).await.and_then(|r| r),
                        Err(error) => Err(error),
                    };
                    job_state.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&job_key);
                    result.map(Arc::new).map_err(Arc::new)
                }
                .boxed()
                .shared();
                // Entries of reports dropped halfway are left behind: clear them out.
                in_flight.retain(|_, weak| weak.upgrade().is_some());
                if let Some(weak) = running.downgrade() {
                    in_flight.insert(key, weak);
                }
                running
            }
        }
    };
    running.await.map_err(|error| again(&error))
}

/// The same error again, for each request that shared a report.
fn again(error: &ApiError) -> ApiError {
    match error {
        ApiError::NotFound(message) => ApiError::NotFound(message.clone()),
        ApiError::Invalid(message) => ApiError::Invalid(message.clone()),
        ApiError::Busy => ApiError::Busy,
        other => ApiError::internal(std::io::Error::other(other.to_string())),
    }
}

/// A report stopped because its request was dropped: nobody reads this answer.
pub(crate) fn cancelled(_: Cancelled) -> ApiError {
    ApiError::Busy
}

pub(crate) fn visible(access: &Access, origin: Origin) -> bool {
    match origin {
        Origin::Channel(id) => access.channels.contains(&baton_core::ChannelId(id)),
        Origin::Task => access.may_read_work(),
        Origin::Dm(id) => access.dms.contains(&baton_core::DmId(id)),
    }
}
