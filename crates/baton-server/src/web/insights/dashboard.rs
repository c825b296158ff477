//! `GET /insights`: the report of `GET /api/v1/insights` for a window, channel and project, as a
//! page: the filter form, the headline with its before/after changes, the charts, the lagging
//! tables and, for admins, who is isolated. The numbers come from the API's own code path
//! (`api::insights::shown_to`), so the page withholds exactly what the API withholds.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_core::model::{Channel, Project};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use maud::{html, Markup};
use serde::Deserialize;

use super::figures::{self, Charts};
use super::zone_of;
use crate::api::insights::{default_last_day_in, shown_to, InsightsQuery, Shown};
use crate::web::layout::{page, Live};
use crate::web::session::Signed;
use crate::web::PageError;
use crate::{ApiError, AppState};

/// The window shown when none is asked for: four weeks, ending today, or with the last
/// activity when the four weeks through today hold none (`api::insights::default_last_day_in`).
const DEFAULT_DAYS: i64 = baton_insights::DEFAULT_DAYS;
/// The longest window the page computes (its charts and bootstrap grow with it).
const MAX_DAYS: i64 = 3 * 366;

/// The filter form's fields, as typed (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    from: String,
    to: String,
    channel: String,
    project: String,
    /// `0` turns the comparison with the period before off; anything else (or nothing) keeps it.
    compare: String,
}

/// `[from, to)`.
type Period = (Timestamp, Timestamp);

/// The filters read from the form: a whole number of days in the viewer's zone, `to` included.
struct Filters {
    from: Date,
    to: Date,
    channel: Option<String>,
    project: Option<String>,
    compare: bool,
}

impl Filters {
    /// `last_day` ends the window when neither date is given; `today` when only `from` is.
    fn read(query: &DashboardQuery, today: Date, last_day: Date) -> Result<Filters, String> {
        let date = |field: &str, raw: &str| {
            raw.trim().parse::<Date>().map_err(|_| format!("{field}: {raw:?} is not a date such as 2024-05-06"))
        };
        let to = match (query.from.trim().is_empty(), query.to.trim().is_empty()) {
            (true, true) => last_day,
            (false, true) => today,
            (_, false) => date("To", &query.to)?,
        };
        let from = if query.from.trim().is_empty() {
            to.checked_sub((DEFAULT_DAYS - 1).days()).map_err(|e| e.to_string())?
        } else {
            date("From", &query.from)?
        };
        if from > to {
            return Err("From must be on or before To.".into());
        }
        if (to - from).get_days() as i64 >= MAX_DAYS {
            return Err(format!("Choose at most {MAX_DAYS} days."));
        }
        let named = |raw: &str| Some(raw.trim().trim_start_matches('#').to_string()).filter(|name| !name.is_empty());
        Ok(Filters {
            from,
            to,
            channel: named(&query.channel),
            project: named(&query.project),
            compare: query.compare.trim() != "0",
        })
    }

    fn n_days(&self) -> i64 {
        (self.to - self.from).get_days() as i64 + 1
    }

    /// `[from 00:00, the day after to 00:00)` in `zone`, and the as long period just before.
    fn windows(&self, zone: &TimeZone) -> Result<(Period, Period), PageError> {
        let midnight = |date: Date| {
            zone.to_timestamp(date.to_datetime(Time::midnight()))
                .map_err(|e| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
        };
        let shift = |date: Date, days: i64| {
            date.checked_add(days.days()).map_err(|e| PageError::Other(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
        };
        let (from, to) = (midnight(self.from)?, midnight(shift(self.to, 1)?)?);
        let before_from = midnight(shift(self.from, -self.n_days())?)?;
        Ok(((from, to), (before_from, from)))
    }
}

/// What the form's selects offer: the channels and projects the viewer may see.
pub(super) struct Options {
    pub channels: Vec<Channel>,
    pub projects: Vec<Project>,
}

/// What the page shows below the form.
enum Outcome {
    /// The form could not be read.
    Refused(String),
    /// The channel or project has no conversation or task yet.
    Nothing,
    Report(Box<(Shown, Option<Charts>)>),
}

pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query
        .map_err(|_| PageError::Other(StatusCode::BAD_REQUEST, "This page's address could not be read.".into()))?;
    let zone = zone_of(&signed.member);
    let today = state.now().to_zoned(zone.clone()).date();
    // Only an empty form needs the data's last day (a history imported long after it ended).
    let last_day = if query.from.trim().is_empty() && query.to.trim().is_empty() {
        default_last_day_in(&state, zone.clone()).await?
    } else {
        today
    };
    let options = Options {
        channels: state.store.channels(&signed.viewer).await?,
        projects: state.store.projects(&signed.viewer).await?,
    };
    let filters = match Filters::read(&query, today, last_day) {
        Ok(filters) => filters,
        Err(message) => {
            let body = render(&signed, &query, None, &options, Outcome::Refused(message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    // Only what the selects offer: a private channel one is not in does not exist here.
    let offered_channel = filters.channel.as_ref().is_none_or(|name| options.channels.iter().any(|c| &c.name == name));
    let offered_project = filters.project.as_ref().is_none_or(|name| options.projects.iter().any(|p| &p.name == name));
    if !offered_channel || !offered_project {
        return Err(PageError::Forbidden);
    }
    let ((from, to), (before_from, before_to)) = filters.windows(&zone)?;
    let api_query = InsightsQuery {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        channel: filters.channel.clone(),
        project: filters.project.clone(),
        member: None,
        compare: filters.compare.then(|| format!("{before_from}..{before_to}")),
        seed: None,
    };
    let outcome = match shown_to(&state, signed.viewer, api_query).await {
        Ok(mut shown) => {
            let charts = figures::charts(&state, &mut shown).await?;
            Outcome::Report(Box::new((shown, charts)))
        }
        // A channel or project that is offered but has nothing in it yet.
        Err(ApiError::NotFound(_)) if filters.channel.is_some() || filters.project.is_some() => Outcome::Nothing,
        Err(err) => return Err(err.into()),
    };
    Ok(render(&signed, &query, Some(&filters), &options, outcome).into_response())
}

fn render(
    signed: &Signed,
    typed: &DashboardQuery,
    filters: Option<&Filters>,
    options: &Options,
    outcome: Outcome,
) -> Markup {
    let zone = zone_of(&signed.member);
    let (from, to) = match filters {
        Some(f) => (f.from.to_string(), f.to.to_string()),
        None => (typed.from.clone(), typed.to.clone()),
    };
    let channel = filters.and_then(|f| f.channel.clone()).unwrap_or_else(|| typed.channel.clone());
    let project = filters.and_then(|f| f.project.clone()).unwrap_or_else(|| typed.project.clone());
    let compare = filters.is_none_or(|f| f.compare);
    page(
        "Insights",
        signed,
        Live::Nothing,
        html! {
            div.insights-page {
                h1 { "Insights" }
                form.inline.filters method="get" action="/insights" aria-label="Filters" {
                    label { "From" input type="date" name="from" value=(from) required; }
                    label { "To" input type="date" name="to" value=(to) required; }
                    label { "Channel"
                        select name="channel" {
                            option value="" { "All channels" }
                            @for c in &options.channels {
                                option value=(c.name) selected[c.name == channel] { "#" (c.name) }
                            }
                        }
                    }
                    label { "Project"
                        select name="project" {
                            option value="" { "All projects" }
                            @for p in &options.projects {
                                option value=(p.name) selected[p.name == project] { (p.name) }
                            }
                        }
                    }
                    label { "Compare with"
                        select name="compare" {
                            option value="1" selected[compare] { "Period before" }
                            option value="0" selected[!compare] { "Nothing" }
                        }
                    }
                    button type="submit" { "Apply" }
                }
                @match outcome {
                    Outcome::Refused(message) => p.error role="alert" { (message) },
                    Outcome::Nothing => p.notice role="status" {
                        "Nothing to report yet: no conversation or task matches these filters."
                    },
                    Outcome::Report(found) => {
                        @let (shown, charts) = &*found;
                        @if let Some(filters) = filters {
                            p.meta.period {
                                (filters.from.strftime("%a %d %b %Y")) " to " (filters.to.strftime("%a %d %b %Y"))
                                " (" (zone.iana_name().unwrap_or("your time zone")) ")"
                                @if shown.before.is_some() {
                                    ", compared with the " (filters.n_days()) " days before"
                                }
                            }
                        }
                        (figures::body(shown, charts, options, signed.viewer.role.is_admin()))
                    }
                }
            }
        },
    )
}
