//! The insights pages: the dashboard (the report of `GET /api/v1/insights` with its charts),
//! the advisor's suggestions, and everyone's working hours on one strip. Each reuses its API's
//! code path, so a page shows exactly what the API would show the same viewer.

mod advisor;
mod collaboration;
mod dashboard;
mod figures;
mod headline;
mod overlap;

use axum::routing::{get, post};
use axum::Router;
use baton_core::calendar::parse_time_zone;
use baton_core::model::Member;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use maud::{html, Markup};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/insights", get(dashboard::show))
        .route("/advisor", get(advisor::show))
        .route("/advisor/{key}/accept", post(advisor::accept))
        .route("/advisor/{key}/dismiss", post(advisor::dismiss))
        .route("/overlap", get(overlap::show))
}

/// The viewer's zone (UTC if their setting were ever unreadable: a page still beats an error).
fn zone_of(member: &Member) -> TimeZone {
    parse_time_zone(&member.time_zone).unwrap_or(TimeZone::UTC)
}

/// A duration as people read it: `45s`, `12m`, `3h 05m`, `2d 4h` (days of 24 h).
fn duration_text(duration: SignedDuration) -> String {
    let sign = if duration.is_negative() { "−" } else { "" };
    let secs = duration.as_secs().unsigned_abs();
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let text = match (days, hours, mins) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m:02}m"),
        (d, h, _) => format!("{d}d {h}h"),
    };
    format!("{sign}{text}")
}

/// A rate as a whole percentage; "—" for an empty population (the JSON's `null`).
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |rate| format!("{:.0}%", rate * 100.0))
}

/// Seconds as a duration; "—" for an empty population.
fn seconds(secs: Option<i64>) -> String {
    secs.map_or_else(|| "—".into(), |secs| duration_text(SignedDuration::from_secs(secs)))
}

/// Hours with one decimal only when needed: `15 h`, `7.5 h`.
fn hours_text(duration: SignedDuration) -> String {
    let hours = (duration.as_secs_f64() / 360.0).round() / 10.0;
    if hours.fract() == 0.0 {
        format!("{hours:.0} h")
    } else {
        format!("{hours:.1} h")
    }
}

/// `[start, end)` in `zone`: `Mon 25 Mar 14:00–14:30 CET`, the end's day named only when it
/// differs, inside a `<time>` that carries the instant.
fn span_in(start: Timestamp, end: Timestamp, zone: &TimeZone) -> Markup {
    let (from, until) = (start.to_zoned(zone.clone()), end.to_zoned(zone.clone()));
    let until_text = if until.date() == from.date() {
        until.strftime("%H:%M %Z").to_string()
    } else {
        until.strftime("%a %d %b %H:%M %Z").to_string()
    };
    html! {
        time datetime=(start.to_string()) { (from.strftime("%a %d %b %H:%M")) } "–" (until_text)
    }
}
