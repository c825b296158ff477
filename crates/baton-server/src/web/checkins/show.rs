//! One check-in's page: its questions and schedule, the viewer's latest ask with the answer
//! form, and the recent days: who answered and who is missing.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_core::calendar::parse_time_zone;
use baton_core::model::{CheckIn, CheckInAsk, Member};
use baton_core::MemberId;
use baton_store::Envelope;
use jiff::civil::{Date, Time};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;

use super::super::layout::{csrf_field, page, when, Live};
use super::super::session::Signed;
use super::super::PageError;
use super::handle;
use crate::api::checkins::{self as api, CheckInAnswer};
use crate::{ApiError, AppState};

/// How many local days of asks the page lists.
const DAYS_SHOWN: usize = 14;

/// The answer form's starting text: the questions, each followed by room for its answer.
fn template(checkin: &CheckIn) -> String {
    checkin.questions.iter().map(|q| format!("**{q}**\n\n\n")).collect::<String>().trim_end().to_string() + "\n\n"
}

/// `time` on today's date in `zone`, as the viewer's clock reads it, with a note when that is
/// another day for them.
fn for_viewer(time: &str, zone: &str, viewer: &Member, now: Timestamp) -> Option<String> {
    let time = time.parse::<Time>().ok()?;
    let zone = parse_time_zone(zone).ok()?;
    let date = now.to_zoned(zone.clone()).date();
    let at = zone.to_timestamp(date.to_datetime(time)).ok()?;
    let mine = at.to_zoned(parse_time_zone(&viewer.time_zone).ok()?);
    let shift = match mine.date().cmp(&date) {
        std::cmp::Ordering::Less => " the day before",
        std::cmp::Ordering::Equal => "",
        std::cmp::Ordering::Greater => " the next day",
    };
    Some(format!("{}{shift} for you", mine.strftime("%H:%M")))
}

fn day(date: Date) -> String {
    date.strftime("%a %d %b %Y").to_string()
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let checkin = state.store.checkin(&signed.viewer, id).await?;
    Ok(render(&state, &signed, &checkin, None, None).await?.into_response())
}

/// The page; `typed` and `error` when an answer was refused.
async fn render(
    state: &AppState,
    signed: &Signed,
    checkin: &CheckIn,
    typed: Option<&str>,
    error: Option<&str>,
) -> Result<Markup, PageError> {
    let people: HashMap<MemberId, Member> =
        state.store.members(&signed.viewer).await?.into_iter().map(|m| (m.id, m)).collect();
    let channel = state.store.channel(&signed.viewer, checkin.channel_id).await?;
    let now = state.now();
    let viewer = &signed.member;
    let content = html! {
        p.crumbs {
            a href="/checkins" { "Check-ins" } " · "
            a href=(format!("/c/{}", channel.id)) { "#" (channel.name) }
        }
        h1 { (checkin.title) }
        p { a.checkin-thread href=(format!("/t/{}", checkin.thread_id)) { "Answers and digests are in the check-in's thread" } }
        section.checkin-questions {
            h2 { "Questions" }
            ol.questions { @for question in &checkin.questions { li { (question) } } }
        }
        (schedule(checkin, &people, viewer, now))
        @if checkin.member_ids.contains(&viewer.id) {
            (your_answer(checkin, signed, typed, error))
        }
        (recent_days(checkin, &people, viewer))
    };
    Ok(page(&checkin.title, signed, Live::Nothing, content))
}

fn schedule(checkin: &CheckIn, people: &HashMap<MemberId, Member>, viewer: &Member, now: Timestamp) -> Markup {
    html! {
        section.checkin-schedule {
            h2 { "Schedule" }
            p {
                "Asked on each member's working days at " strong { (checkin.ask_at) } " in their own time zone. "
                "Digest Monday to Friday at " strong { (checkin.digest_at) " " (checkin.digest_zone) }
                @if checkin.digest_zone != viewer.time_zone {
                    @if let Some(yours) = for_viewer(&checkin.digest_at, &checkin.digest_zone, viewer, now) {
                        " (" (yours) ")"
                    }
                }
                "."
            }
            h3 { "Members" }
            ul.checkin-members {
                @for member in &checkin.member_ids {
                    li {
                        span.who { (handle(people, *member)) }
                        @if let Some(person) = people.get(member) {
                            " asked at " (checkin.ask_at) " " (person.time_zone)
                            @if person.time_zone != viewer.time_zone {
                                @if let Some(yours) = for_viewer(&checkin.ask_at, &person.time_zone, viewer, now) {
                                    " " span.meta { "(" (yours) ")" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn your_answer(checkin: &CheckIn, signed: &Signed, typed: Option<&str>, error: Option<&str>) -> Markup {
    // Asks come latest first.
    let latest = checkin.asks.iter().find(|a| a.member_id == signed.member.id);
    html! {
        section #answer .checkin-answer {
            h2 { "Your answer" }
            @match latest {
                Some(ask) => p {
                    "Last asked " (when(ask.asked_at, &signed.member, None)) " for " (day(ask.day)) ": "
                    @match ask.answer_message_id {
                        Some(message) => a href=(format!("/t/{}#m{}", checkin.thread_id, message)) { "answered" },
                        None => strong.missing { "not answered yet" },
                    }
                },
                None => p.meta { "You have not been asked yet; an answer now still goes into the thread." },
            }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action=(format!("/checkins/{}/answers", checkin.id)) {
                (csrf_field(&signed.csrf))
                label { "Answer (markdown)"
                    textarea name="body" rows="8" required { (typed.map_or_else(|| template(checkin), str::to_string)) }
                }
                button type="submit" { "Post answer" }
            }
        }
    }
}

fn recent_days(checkin: &CheckIn, people: &HashMap<MemberId, Member>, viewer: &Member) -> Markup {
    let mut days: BTreeMap<Date, Vec<&CheckInAsk>> = BTreeMap::new();
    for ask in &checkin.asks {
        days.entry(ask.day).or_default().push(ask);
    }
    html! {
        section.checkin-days {
            h2 { "Recent days" }
            @if days.is_empty() { p.empty { "Nobody has been asked yet." } }
            @for (date, asks) in days.iter().rev().take(DAYS_SHOWN) {
                @let answered: Vec<&&CheckInAsk> = asks.iter().filter(|a| a.answer_message_id.is_some()).collect();
                @let missing: Vec<&&CheckInAsk> = asks.iter().filter(|a| a.answer_message_id.is_none()).collect();
                article.checkin-day {
                    h3 { (day(*date)) " " span.meta { "(" (answered.len()) " of " (asks.len()) " answered)" } }
                    @if !answered.is_empty() {
                        p.answered { "Answered: "
                            @for (n, ask) in answered.iter().enumerate() {
                                @if n > 0 { ", " }
                                @let message = ask.answer_message_id.map(|m| m.0).unwrap_or_default();
                                a href=(format!("/t/{}#m{message}", checkin.thread_id))
                                    title=(format!("asked {}", ask.asked_at)) { (handle(people, ask.member_id)) }
                            }
                        }
                    }
                    @if !missing.is_empty() {
                        p.missing { "Missing: "
                            @for (n, ask) in missing.iter().enumerate() {
                                @if n > 0 { ", " }
                                span { (handle(people, ask.member_id)) " (asked " (when(ask.asked_at, viewer, people.get(&ask.member_id))) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Answer {
    body: String,
}

pub(super) async fn answer(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<Answer>,
) -> Result<Response, PageError> {
    let checkin = state.store.checkin(&signed.viewer, id).await?;
    // Browsers send line breaks as CRLF; the template has LF.
    let command = if form.body.replace("\r\n", "\n").trim() == template(&checkin).trim() {
        Err(ApiError::Invalid("body: write your answers under the questions first".into()))
    } else {
        api::answer_command(id, CheckInAnswer { body: form.body.clone() })
    };
    let posted = match command {
        Ok(command) => {
            state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await.map_err(ApiError::from)
        }
        Err(err) => Err(err),
    };
    let err = match posted {
        Ok(_) => return Ok(Redirect::to(&format!("/checkins/{id}#answer")).into_response()),
        Err(err) => err,
    };
    let status = err.status();
    // Not a member: the one 403 page, like anything else one may not do here.
    if !status.is_client_error() || matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
        return Err(err.into());
    }
    Ok((status, render(&state, &signed, &checkin, Some(&form.body), Some(&err.to_string())).await?).into_response())
}
