//! Check-ins: the list (with a form for admins to create one), a check-in's page with its
//! schedule, the viewer's ask and answer form, and who answered on each recent day. Answers
//! and digests live in the check-in's thread; these pages show where.

mod show;

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use baton_core::model::{Cadence, Channel, Day, Member};
use baton_core::{ChannelId, MemberId};
use baton_store::{Command, Envelope};
use maud::{html, Markup};

use super::layout::{csrf_field, page, Live};
use super::session::Signed;
use super::PageError;
use crate::api::checkins::{self as api, NewCheckIn};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checkins", get(list).post(create))
        .route("/checkins/{id}", get(show::show))
        .route("/checkins/{id}/answers", post(show::answer))
}

/// What an admin typed into the new check-in form, kept when it is refused.
#[derive(Debug)]
struct Draft {
    channel: String,
    title: String,
    questions: String,
    ask_at: String,
    digest_at: String,
    members: Vec<String>,
    /// Weekdays chosen (`mon`…); none: every working day.
    days: Vec<String>,
    every_weeks: String,
}

impl Default for Draft {
    fn default() -> Draft {
        Draft {
            channel: String::new(),
            title: String::new(),
            questions: "What did you do since the last check-in?\nWhat will you do next?\nIs anything blocking you?"
                .into(),
            ask_at: "09:30".into(),
            digest_at: "17:00".into(),
            members: Vec::new(),
            days: Vec::new(),
            every_weeks: "1".into(),
        }
    }
}

impl Draft {
    /// A submitted form: a multi-select repeats its name, which a struct cannot take, hence
    /// the pairs. Returns the CSRF token too.
    fn from_pairs(pairs: Vec<(String, String)>) -> Draft {
        let mut draft =
            Draft { questions: String::new(), ask_at: String::new(), digest_at: String::new(), ..Draft::default() };
        for (key, value) in pairs {
            match key.as_str() {
                "channel" => draft.channel = value,
                "title" => draft.title = value,
                "questions" => draft.questions = value,
                "ask_at" => draft.ask_at = value,
                "digest_at" => draft.digest_at = value,
                "members" => draft.members.push(value),
                "days" => draft.days.push(value),
                "every_weeks" => draft.every_weeks = value,
                _ => {}
            }
        }
        draft
    }

    fn command(&self) -> Result<Command, ApiError> {
        let channel = self
            .channel
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::Invalid("channel: pick a channel from the list".into()))?;
        let member_ids = self
            .members
            .iter()
            .map(|m| m.trim().parse::<i64>().map(MemberId))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ApiError::Invalid("members: pick members from the list".into()))?;
        let days = self
            .days
            .iter()
            .map(|d| Day::parse(d).ok_or_else(|| ApiError::Invalid(format!("days: {d:?} is not a weekday"))))
            .collect::<Result<Vec<_>, _>>()?;
        let every_weeks = self
            .every_weeks
            .trim()
            .parse::<u8>()
            .map_err(|_| ApiError::Invalid("every_weeks: pick how many weeks apart".into()))?;
        let request = NewCheckIn {
            title: self.title.clone(),
            questions: self.questions.lines().map(str::trim).filter(|q| !q.is_empty()).map(String::from).collect(),
            ask_at: self.ask_at.trim().to_string(),
            digest_at: self.digest_at.trim().to_string(),
            member_ids,
            cadence: Some(Cadence { days, every_weeks }),
        };
        api::create_command(ChannelId(channel), request)
    }
}

async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    Ok(list_page(&state, &signed, &Draft::default(), None).await?.into_response())
}

async fn list_page(state: &AppState, signed: &Signed, draft: &Draft, error: Option<&str>) -> Result<Markup, PageError> {
    let mut checkins = state.store.checkins(&signed.viewer).await?;
    checkins.sort_by(|a, b| a.title.cmp(&b.title));
    let mut channels = state.store.channels(&signed.viewer).await?;
    channels.retain(|c| !c.archived);
    channels.sort_by(|a, b| a.name.cmp(&b.name));
    let channel_names: HashMap<ChannelId, &str> = channels.iter().map(|c| (c.id, c.name.as_str())).collect();
    let mut members = state.store.members(&signed.viewer).await?;
    members.retain(|m| m.active && !m.service);
    members.sort_by(|a, b| a.handle.cmp(&b.handle));
    Ok(page(
        "Check-ins",
        signed,
        Live::Nothing,
        html! {
            h1 { "Check-ins" }
            @if checkins.is_empty() { p.empty { "No check-ins yet." } }
            ul.checkins {
                @for checkin in &checkins {
                    li.checkin-row {
                        a.checkin href=(format!("/checkins/{}", checkin.id)) { (checkin.title) }
                        @if checkin.member_ids.contains(&signed.member.id) { " " span.badge.mine { "you answer" } }
                        span.meta {
                            @if let Some(name) = channel_names.get(&checkin.channel_id) { "#" (name) " · " }
                            "asks " (checkin.cadence.describe()) " at " (checkin.ask_at) " each member's time · digest "
                            (checkin.digest_at) " " (checkin.digest_zone)
                            " · " (checkin.member_ids.len()) " members"
                        }
                    }
                }
            }
            @if signed.member.role.is_admin() {
                (new_form(signed, &channels, &members, draft, error))
            } @else {
                p.meta { "Admins set check-ins up." }
            }
        },
    ))
}

fn new_form(signed: &Signed, channels: &[Channel], members: &[Member], draft: &Draft, error: Option<&str>) -> Markup {
    html! {
        section #new-checkin .checkin-new {
            h2 { "New check-in" }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action="/checkins" {
                (csrf_field(&signed.csrf))
                label { "Channel (answers and digests go into a thread there)"
                    select name="channel" required {
                        @for channel in channels {
                            @let value = channel.id.to_string();
                            option value=(value) selected[draft.channel == value] { "#" (channel.name) }
                        }
                    }
                }
                label { "Title" input name="title" required maxlength="200" value=(draft.title); }
                label { "Questions (one per line, up to 10)" textarea name="questions" rows="4" required { (draft.questions) } }
                div.checkin-times {
                    label { "Ask at (each member's own time)" input type="time" name="ask_at" required value=(draft.ask_at); }
                    label { "Digest at (your time, on the days it asks)" input type="time" name="digest_at" required value=(draft.digest_at); }
                }
                fieldset.cadence {
                    legend { "How often (no day ticked: every working day)" }
                    @for day in Day::ALL {
                        label.check {
                            input type="checkbox" name="days" value=(day.as_str()) checked[draft.days.iter().any(|d| d == day.as_str())];
                            " " (day.as_str())
                        }
                    }
                    label { "Every"
                        select name="every_weeks" {
                            @for (value, text) in [("1", "week"), ("2", "2 weeks"), ("3", "3 weeks"), ("4", "4 weeks")] {
                                option value=(value) selected[draft.every_weeks == value] { (text) }
                            }
                        }
                    }
                }
                label { "Members (hold Ctrl or ⌘ to pick several)"
                    select name="members" multiple required size="6" {
                        @for member in members {
                            @let value = member.id.to_string();
                            option value=(value) selected[draft.members.contains(&value)] {
                                "@" (member.handle) " (" (member.time_zone) ")"
                            }
                        }
                    }
                }
                button type="submit" { "Create check-in" }
            }
        }
    }
}

async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let draft = Draft::from_pairs(pairs);
    // The API lets any member create one; on the web it is an admin's tool, like the form.
    if !signed.member.role.is_admin() {
        return Err(PageError::Forbidden);
    }
    let created = match draft.command() {
        Ok(command) => {
            state.store.execute(Envelope::new(signed.viewer, state.now(), command)).await.map_err(ApiError::from)
        }
        Err(err) => Err(err),
    };
    let err = match created {
        Ok(checkin) => return Ok(Redirect::to(&format!("/checkins/{}", checkin.into_checkin()?.id)).into_response()),
        Err(err) => err,
    };
    let status = match err.status() {
        // A channel that is not there (or not the viewer's to see) is bad input here: the
        // select only offers visible ones.
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => StatusCode::UNPROCESSABLE_ENTITY,
        status if status.is_client_error() => status,
        _ => return Err(err.into()),
    };
    Ok((status, list_page(&state, &signed, &draft, Some(&err.to_string())).await?).into_response())
}

/// Who a member id is, for the pages.
fn handle(people: &HashMap<MemberId, Member>, id: MemberId) -> String {
    people.get(&id).map_or_else(|| "@unknown".to_string(), |m| format!("@{}", m.handle))
}
