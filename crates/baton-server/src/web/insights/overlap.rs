//! `GET /overlap`: a week of several members' working hours, each on a strip drawn in the
//! viewer's time zone so that everyone's hours line up on one axis, the strip where they all
//! overlap with its total, and the next 30-minute slots (with the fairest fallback when none
//! fits everyone), all through `api::overlap`'s code.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_core::calendar::Calendar;
use baton_core::model::Member;
use baton_insights::overlap::{overlap, total};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use maud::{html, Markup};
use serde::Deserialize;

use super::{hours_text, span_in, zone_of};
use crate::api::overlap::{calendars, members, slots_for, week_in, Slots};
use crate::web::layout::{page, Live};
use crate::web::session::Signed;
use crate::web::PageError;
use crate::{ApiResult, AppState};

/// The strips' drawing width: four units an hour.
const STRIP_WIDTH: f64 = 672.0;
const STRIP_HEIGHT: f64 = 24.0;
/// The length of the slots suggested below the strips.
const SLOT: SignedDuration = SignedDuration::from_mins(30);
const N_SLOTS: usize = 5;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverlapQuery {
    /// Handles (or ids), comma separated.
    members: String,
    /// Any date in the week, or an ISO week such as 2027-W12.
    week: String,
}

/// One member's strip: their working intervals in the week.
struct Strip {
    member: Member,
    intervals: Vec<(Timestamp, Timestamp)>,
}

/// What the page draws for a set of members and a week.
struct Week {
    start: Timestamp,
    end: Timestamp,
    strips: Vec<Strip>,
    shared: Vec<(Timestamp, Timestamp)>,
    slots: Slots,
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<OverlapQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query
        .map_err(|_| PageError::Other(StatusCode::BAD_REQUEST, "This page's address could not be read.".into()))?;
    let zone = zone_of(&signed.member);
    // A first visit starts from the viewer's own week, with the people of their channels one
    // click away, rather than from an empty form.
    let mut query = query;
    if query.members.trim().is_empty() {
        query.members.clone_from(&signed.member.handle);
    }
    let teams = teams(&state, &signed).await?;
    match week_of(&state, &signed, &query, &zone).await {
        Ok(week) => Ok(render(&signed, &query, Some(&week), None, &teams).into_response()),
        // An unknown handle or a week that is not a date: say so by the form.
        Err(err) if err.status().is_client_error() => {
            Ok((err.status(), render(&signed, &query, None, Some(&err.to_string()), &teams)).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

/// How many channels the page offers as ready-made groups, and the most people in one.
const TEAMS_OFFERED: usize = 8;
const TEAM_SIZE: usize = 25;

/// The channels the viewer is in, as groups to line up: `(#name, "ana,bo,…")`.
async fn teams(state: &AppState, signed: &Signed) -> Result<Vec<(String, String)>, PageError> {
    let mut channels = state.store.channels(&signed.viewer).await?;
    channels.retain(|c| c.is_member && !c.archived);
    let mut teams = Vec::new();
    for channel in channels.iter().take(TEAMS_OFFERED) {
        let members = state.store.channel_members(&signed.viewer, channel.id).await?;
        let handles: Vec<&str> = members.iter().filter(|m| m.active && !m.service).map(|m| m.handle.as_str()).collect();
        if (2..=TEAM_SIZE).contains(&handles.len()) {
            teams.push((format!("#{}", channel.name), handles.join(",")));
        }
    }
    Ok(teams)
}

async fn week_of(state: &AppState, signed: &Signed, query: &OverlapQuery, zone: &TimeZone) -> ApiResult<Week> {
    let people = members(state, &signed.viewer, &query.members).await?;
    let (start, end) = week_in(Some(query.week.trim()).filter(|w| !w.is_empty()), zone, state.now())?;
    let calendars = calendars(&people)?;
    let strips = people
        .iter()
        .zip(&calendars)
        .map(|(member, calendar)| Strip { member: member.clone(), intervals: overlap(&[calendar], start, end) })
        .collect();
    let everyone: Vec<&Calendar> = calendars.iter().collect();
    let shared = overlap(&everyone, start, end);
    let slots = slots_for(state, &people, state.now(), SLOT, N_SLOTS).await?;
    Ok(Week { start, end, strips, shared, slots })
}

fn render(
    signed: &Signed,
    query: &OverlapQuery,
    week: Option<&Week>,
    error: Option<&str>,
    teams: &[(String, String)],
) -> Markup {
    let zone = zone_of(&signed.member);
    // A date input shows dates only: an ISO week is shown as its Monday.
    let week_value = match week {
        Some(week) => week.start.to_zoned(zone.clone()).date().to_string(),
        None => query.week.clone(),
    };
    page(
        "Overlap",
        signed,
        Live::Nothing,
        html! {
            div.overlap-page {
                h1 { "Overlap" }
                p.meta {
                    "Everyone's working hours in one week, drawn in your time zone ("
                    (zone.iana_name().unwrap_or("yours")) "), so they line up. "
                    a href="/advisor" { "Back to the advisor" }
                }
                form.inline method="get" action="/overlap" aria-label="Members and week" {
                    label { "Members (handles, comma separated)"
                        input name="members" value=(query.members) placeholder="ana, bo" required;
                    }
                    label { "Week" input type="date" name="week" value=(week_value); }
                    button type="submit" { "Show" }
                }
                @if !teams.is_empty() {
                    p.teams {
                        "Line up the people of: "
                        @for (name, handles) in teams {
                            a href=(format!("/overlap?members={}", handles)) { (name) } " "
                        }
                    }
                }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                @if let Some(week) = week { (strips(week, &zone)) (slots(&week.slots, &zone)) }
            }
        },
    )
}

fn strips(week: &Week, zone: &TimeZone) -> Markup {
    let monday = week.start.to_zoned(zone.clone()).date();
    let days: Vec<_> = (0..7).filter_map(|n| monday.checked_add(n.days()).ok()).collect();
    let overlap_total = total(&week.shared);
    html! {
        section.strips aria-labelledby="week-h" {
            h2 #week-h { "Week of " (monday.strftime("%a %d %b %Y")) }
            div.strip-row.axis aria-hidden="true" {
                span.who {}
                ol.days { @for day in &days { li { (day.strftime("%a %d")) } } }
            }
            @for strip in &week.strips {
                @let hours = hours_text(total(&strip.intervals));
                div.strip-row {
                    span.who { "@" (strip.member.handle) span.meta { " " (strip.member.time_zone) " · " (hours) } }
                    (strip_svg(week, zone, &strip.intervals, &format!("@{}", strip.member.handle), "work"))
                }
            }
            div.strip-row.shared {
                span.who { "Everyone" span.meta { " " (hours_text(overlap_total)) " together" } }
                (strip_svg(week, zone, &week.shared, "Everyone together", "overlap"))
            }
            p.total { "Shared working hours this week: " strong { (hours_text(overlap_total)) } }
            @if !week.shared.is_empty() {
                ul.intervals { @for (start, end) in &week.shared { li { (span_in(*start, *end, zone)) } } }
            }
        }
    }
}

/// `at`'s place on a strip of `week`.
fn x_of(week: &Week, at: Timestamp) -> f64 {
    let length = week.end.duration_since(week.start).as_secs_f64().max(1.0);
    (at.duration_since(week.start).as_secs_f64() / length * STRIP_WIDTH).clamp(0.0, STRIP_WIDTH)
}

/// One strip: the week as a bar, a line at each of the viewer's midnights, and a block for each
/// interval. Its label reads the intervals out, for those who do not see the drawing.
fn strip_svg(week: &Week, zone: &TimeZone, intervals: &[(Timestamp, Timestamp)], who: &str, class: &str) -> Markup {
    let monday = week.start.to_zoned(zone.clone()).date();
    let midnights: Vec<f64> = (1..7)
        .filter_map(|n| monday.checked_add(n.days()).ok())
        .filter_map(|day| zone.to_timestamp(day.to_datetime(Time::midnight())).ok())
        .map(|at| x_of(week, at))
        .collect();
    let spoken: Vec<String> = intervals.iter().map(|(start, end)| span_text(*start, *end, zone)).collect();
    let label = if spoken.is_empty() {
        format!("{who}: no working hours this week")
    } else {
        format!("{who}: {}", spoken.join(", "))
    };
    html! {
        svg.strip xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {STRIP_WIDTH} {STRIP_HEIGHT}"))
            preserveAspectRatio="none" role="img" aria-label=(label) {
            rect.week x="0" y="0" width=(STRIP_WIDTH) height=(STRIP_HEIGHT) fill="#f4f6fa" {}
            @for (start, end) in intervals {
                @let (left, right) = (x_of(week, *start), x_of(week, *end));
                rect.(class) x=(format!("{left:.2}")) y="3" width=(format!("{:.2}", (right - left).max(0.5)))
                    height=(STRIP_HEIGHT - 6.0) fill=(if class == "overlap" { "#1f7a4d" } else { "#2f5bd3" }) {}
            }
            @for x in &midnights {
                line x1=(format!("{x:.2}")) x2=(format!("{x:.2}")) y1="0" y2=(STRIP_HEIGHT) stroke="#5b6475"
                    stroke-width="1" vector-effect="non-scaling-stroke" {}
            }
        }
    }
}

/// `Mon 09:00–17:00` (the end's day named when it is another day), in `zone`.
fn span_text(start: Timestamp, end: Timestamp, zone: &TimeZone) -> String {
    let (from, until) = (start.to_zoned(zone.clone()), end.to_zoned(zone.clone()));
    let until_text = if until.date() == from.date() {
        until.strftime("%H:%M").to_string()
    } else {
        until.strftime("%a %H:%M").to_string()
    };
    format!("{}–{until_text}", from.strftime("%a %H:%M"))
}

fn slots(slots: &Slots, zone: &TimeZone) -> Markup {
    html! {
        section.slots aria-labelledby="slots-h" {
            h2 #slots-h { "Next 30-minute slots" }
            p.meta { "From now, in your time zone." }
            @if !slots.slots.is_empty() {
                ol.slots { @for slot in &slots.slots { li { (span_in(slot.start, slot.end, zone)) } } }
            } @else if let Some(fallback) = &slots.fallback {
                p.fallback {
                    "No 30-minute slot fits everyone's working hours in the next 7 days. The fairest: "
                    (span_in(fallback.slot.start, fallback.slot.end, zone))
                    ", outside the working hours of "
                    @for (idx, person) in fallback.everyone_outside.iter().enumerate() {
                        @if idx > 0 { ", " }
                        "@" (person.handle)
                    }
                    " (@" (fallback.outside_working_hours.handle) " has taken " (fallback.times_before)
                    " such slot" @if fallback.times_before != 1 { "s" } " before)."
                }
            } @else {
                p.empty { "No 30-minute slot in the next 7 days." }
            }
        }
    }
}
