//! A member's own settings: name, time zone and working hours, with the week drawn as a strip
//! so that a mistake (a night shift typed by accident) shows at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use baton_core::calendar::{DailyInterval, WorkingHours};
use jiff::civil::Weekday;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, page, Live};
use super::session::{session_cookie, Signed};
use super::PageError;
use crate::api::auth::{change_own_password, ChangePassword, UpdateProfile};
use crate::{ApiError, AppState};

const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Monday, "mon", "Monday"),
    (Weekday::Tuesday, "tue", "Tuesday"),
    (Weekday::Wednesday, "wed", "Wednesday"),
    (Weekday::Thursday, "thu", "Thursday"),
    (Weekday::Friday, "fri", "Friday"),
    (Weekday::Saturday, "sat", "Saturday"),
    (Weekday::Sunday, "sun", "Sunday"),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings", get(show).post(save)).route("/settings/password", post(change_password))
}

/// A day's intervals as typed in the form: `09:00-12:00, 13:00-17:00`.
fn typed(intervals: &[DailyInterval]) -> String {
    intervals.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

/// The week as one SVG strip per day: 24 hours across, working time filled.
pub fn week_strip(hours: &WorkingHours) -> Markup {
    let (width, row, label) = (480.0_f64, 18.0_f64, 36.0_f64);
    let scale = (width - label) / 1440.0;
    html! {
        svg.week viewBox=(format!("0 0 {width} {}", row * 7.0 + 14.0)) role="img"
            aria-label="Working hours over the week, midnight to midnight in your time zone" {
            @for (i, (weekday, short, _)) in DAYS.iter().enumerate() {
                @let y = i as f64 * row;
                text x="0" y=(y + 13.0) font-size="11" fill="#5b6475" { (short) }
                rect x=(label) y=(y + 3.0) width=(width - label) height=(row - 6.0) fill="#eef1f6" {}
                @for interval in hours.on(*weekday) {
                    rect x=(label + f64::from(interval.start_minute()) * scale) y=(y + 3.0)
                        width=(f64::from(interval.end_minute() - interval.start_minute()) * scale) height=(row - 6.0)
                        fill="#2f5bd3" {
                        title { (interval) }
                    }
                }
            }
            @for hour in [0, 6, 12, 18, 24] {
                text x=(label + f64::from(hour * 60) * scale) y=(row * 7.0 + 12.0) font-size="10" fill="#5b6475"
                    text-anchor="middle" { (format!("{hour:02}")) }
            }
        }
    }
}

fn form(signed: &Signed, values: &SettingsForm, error: Option<&str>) -> Markup {
    let hours = &signed.member.working_hours;
    html! {
        h1 { "Your settings" }
        p { "Baton holds notifications outside your working hours and measures response times in them, \
             so keep them true. Times are in your own zone." }
        (week_strip(hours))
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/settings" {
            (csrf_field(&signed.csrf))
            label { "Name" input name="display_name" required value=(values.display_name) autocomplete="name"; }
            label { "Time zone (IANA)"
                input name="time_zone" required value=(values.time_zone) list="zones" autocomplete="off"; }
            datalist #zones {
                @for zone in jiff::tz::db().available() { option value=(zone.as_str()) {} }
            }
            fieldset {
                legend { "Working hours (e.g. 09:00-12:00, 13:00-17:00; empty: not working)" }
                @for (weekday, short, long) in DAYS {
                    @let value = values.day(short).map_or_else(|| typed(hours.on(weekday)), str::to_string);
                    label { (long) input name=(short) value=(value) pattern="[0-9:,\\s\\-]*"; }
                }
            }
            button type="submit" { "Save settings" }
        }
    }
}

/// Changing one's password: the current one, then the new one twice. Every other session ends.
fn password_form(signed: &Signed, error: Option<&str>, changed: bool) -> Markup {
    html! {
        section #password aria-label="Password" {
            h2 { "Password" }
            @if changed { p.notice role="status" { "Your password was changed. Other sessions were signed out." } }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action="/settings/password" {
                (csrf_field(&signed.csrf))
                label { "Current password" input type="password" name="current_password" required autocomplete="current-password"; }
                label { "New password (at least 8 characters)"
                    input type="password" name="new_password" required minlength="8" autocomplete="new-password"; }
                label { "New password again"
                    input type="password" name="repeat_password" required minlength="8" autocomplete="new-password"; }
                button type="submit" { "Change password" }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    repeat_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    signed: Signed,
    headers: axum::http::HeaderMap,
    Form(passwords): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let values = SettingsForm {
        display_name: signed.member.display_name.clone(),
        time_zone: signed.member.time_zone.clone(),
        ..SettingsForm::default()
    };
    let refuse = |status: StatusCode, message: String| -> Result<Response, PageError> {
        let content = html! { (form(&signed, &values, None)) (password_form(&signed, Some(&message), false)) };
        Ok((status, page("Settings", &signed, Live::Nothing, content)).into_response())
    };
    if passwords.new_password != passwords.repeat_password {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "The new password and its repetition differ.".into());
    }
    let request = ChangePassword { current_password: passwords.current_password, new_password: passwords.new_password };
    match change_own_password(&state, &signed.member, request).await {
        Ok(session) => {
            let content = html! { (form(&signed, &values, None)) (password_form(&signed, None, true)) };
            let mut response = page("Settings", &signed, Live::Nothing, content).into_response();
            // This browser stays signed in with the new session.
            if let Some(cookie) = session_cookie(&session.token, &headers) {
                response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(err @ (ApiError::Invalid(_) | ApiError::Forbidden(_))) => refuse(err.status(), err.to_string()),
        Err(err) => Err(err.into()),
    }
}

async fn show(signed: Signed) -> Result<Response, PageError> {
    let values = SettingsForm {
        display_name: signed.member.display_name.clone(),
        time_zone: signed.member.time_zone.clone(),
        ..SettingsForm::default()
    };
    let content = html! { (form(&signed, &values, None)) (password_form(&signed, None, false)) };
    Ok(page("Settings", &signed, Live::Nothing, content).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    display_name: String,
    time_zone: String,
    mon: Option<String>,
    tue: Option<String>,
    wed: Option<String>,
    thu: Option<String>,
    fri: Option<String>,
    sat: Option<String>,
    sun: Option<String>,
}

impl SettingsForm {
    fn day(&self, short: &str) -> Option<&str> {
        match short {
            "mon" => self.mon.as_deref(),
            "tue" => self.tue.as_deref(),
            "wed" => self.wed.as_deref(),
            "thu" => self.thu.as_deref(),
            "fri" => self.fri.as_deref(),
            "sat" => self.sat.as_deref(),
            _ => self.sun.as_deref(),
        }
    }

    fn working_hours(&self) -> Result<WorkingHours, String> {
        let mut days: [Vec<DailyInterval>; 7] = Default::default();
        for (i, (_, short, long)) in DAYS.iter().enumerate() {
            for part in self.day(short).unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let interval = parse_interval(part).ok_or_else(|| {
                    format!("{long}: {part:?} is not a span like 09:00-17:00 (24:00 is the end of the day)")
                })?;
                days[i].push(interval);
            }
        }
        WorkingHours::new(days).map_err(|e| e.to_string())
    }
}

fn parse_interval(text: &str) -> Option<DailyInterval> {
    let (start, end) = text.split_once('-')?;
    let minute = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        Some(h.parse::<u16>().ok()? * 60 + m.parse::<u16>().ok()?)
    };
    DailyInterval::new(minute(start)?, minute(end)?).ok()
}

async fn save(
    State(state): State<AppState>,
    signed: Signed,
    Form(values): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let refuse = |message: String| -> Result<Response, PageError> {
        let content = html! { (form(&signed, &values, Some(&message))) (password_form(&signed, None, false)) };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page("Settings", &signed, Live::Nothing, content)).into_response())
    };
    let hours = match values.working_hours() {
        Ok(hours) => hours,
        Err(message) => return refuse(message),
    };
    let profile = UpdateProfile {
        display_name: Some(values.display_name.clone()),
        time_zone: Some(values.time_zone.trim().to_string()),
        working_hours: Some(hours),
    };
    let command = match profile.into_command(signed.member.id, None, None) {
        Ok(command) => command,
        Err(err) => return refuse(err.to_string()),
    };
    match state.store.execute(baton_store::Envelope::new(signed.viewer, state.now(), command)).await {
        Ok(_) => Ok(Redirect::to("/settings").into_response()),
        Err(err) => refuse(crate::ApiError::from(err).to_string()),
    }
}
