use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::*;

/// `raw` read in `zone` is `expected` (an RFC 3339 instant in UTC).
fn check(zone: &str, raw: &str, expected: &str) {
    let zone = TimeZone::get(zone).unwrap();
    let expected: Timestamp = expected.parse().unwrap();
    assert_eq!(parse_instant("--from", raw, &zone), Ok(expected), "{raw}");
}

/// `raw` is refused in `zone` with one line that names the field, the value and `needle`.
fn check_refused(zone: &str, raw: &str, needle: &str) {
    let zone = TimeZone::get(zone).unwrap();
    let err = parse_instant("--from", raw, &zone).expect_err(raw).to_string();
    assert!(err.starts_with("--from: "), "{raw}: {err}");
    assert!(err.contains(&format!("{raw:?}")), "{raw}: the value is named: {err}");
    assert!(err.contains(needle), "{raw}: {needle:?} missing from {err}");
    assert_eq!(err.lines().count(), 1, "{raw}: {err}");
}

#[test]
fn an_instant_with_an_offset_is_that_instant() {
    check("Europe/Berlin", "2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z");
    check("Europe/Berlin", "2026-11-01T10:00+05:00", "2026-11-01T05:00:00Z");
    // A zone annotation after an offset only annotates it: the offset decides.
    check("UTC", "2026-11-01T10:00:00+01:00[America/New_York]", "2026-11-01T09:00:00Z");
}

#[test]
fn a_date_is_its_midnight_in_the_workspace_zone() {
    check("UTC", "2026-11-01", "2026-11-01T00:00:00Z");
    check("Europe/Berlin", "2026-11-01", "2026-10-31T23:00:00Z");
    // Havana skips midnight on 2024-03-10: the day starts at its first instant, 01:00 CDT.
    check("America/Havana", "2024-03-10", "2024-03-10T05:00:00Z");
}

// Issue 12: `--from 2026-11-01T10:00` was read as the date alone, midnight.
#[test]
fn a_date_and_time_without_offset_is_that_wall_clock_time_in_the_workspace_zone() {
    check("UTC", "2026-11-01T10:00", "2026-11-01T10:00:00Z");
    check("Europe/Berlin", "2026-11-01T10:00", "2026-11-01T09:00:00Z");
    check("Europe/Berlin", "2026-07-01T10:00:30", "2026-07-01T08:00:30Z");
    check("America/New_York", "2026-11-01 10:00", "2026-11-01T15:00:00Z");
}

#[test]
fn a_wall_clock_time_a_clock_change_skips_or_repeats_is_refused_not_guessed() {
    // Berlin moves from +01:00 to +02:00 at 02:00 on 2026-03-29, and back at 03:00 on 2026-10-25.
    check_refused("Europe/Berlin", "2026-03-29T02:30", "does not exist in Europe/Berlin");
    check_refused("Europe/Berlin", "2026-03-29T02:30", "from +01:00 to +02:00");
    check_refused("Europe/Berlin", "2026-10-25T02:30", "happens twice in Europe/Berlin");
    check_refused("Europe/Berlin", "2026-10-25T02:30", "(2026-10-25T02:30:00+02:00)");
}

#[test]
fn anything_else_is_refused_with_one_sentence() {
    for raw in ["yesterday", "", "2026-11-01Z", "2026-13-01", "2026-11-01T25:00", "1 Nov 2026", "2026-11-01T10:00 CET"]
    {
        check_refused("UTC", raw, "is not an instant (2024-09-30T10:00:00Z)");
    }
    // A zone name without an offset is not silently replaced by the workspace's zone.
    check_refused("UTC", "2026-11-01T10:00[Europe/Berlin]", "names a time zone but no offset");
    check_refused("UTC", "2026-11-01[Europe/Berlin]", "names a time zone but no offset");
    // Beyond what an instant can hold.
    check_refused("UTC", "9999-12-31T23:00Z", "is not an instant Baton can hold");
    check_refused("UTC", "-009999-01-01", "is not an instant Baton can hold");
}

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn date(raw: &str) -> Date {
    raw.parse().unwrap()
}

const NOW: &str = "2026-12-07T01:30:00Z";

#[test]
fn the_default_window_ends_today_when_the_last_four_weeks_hold_activity() {
    let activity = [at("2017-06-25T10:00:00Z"), at("2026-11-10T00:00:00Z")];
    assert_eq!(default_last_day(activity.into_iter(), at(NOW), &TimeZone::UTC), date("2026-12-07"));
}

/// Issue 12: a history imported long after it ended showed an empty dashboard.
#[test]
fn the_default_window_ends_with_the_last_activity_when_the_last_four_weeks_hold_none() {
    let activity = [at("2018-01-24T17:54:46Z"), at("2017-06-25T10:00:00Z"), at("2026-11-09T23:59:59Z")];
    assert_eq!(
        default_last_day(activity.into_iter(), at(NOW), &TimeZone::UTC),
        date("2026-11-09"),
        "2026-11-10 is the first of the four weeks through 2026-12-07"
    );
    let old = [at("2018-01-24T17:54:46Z"), at("2017-06-25T10:00:00Z")];
    assert_eq!(default_last_day(old.into_iter(), at(NOW), &TimeZone::UTC), date("2018-01-24"));
    let kolkata = baton_core::calendar::parse_time_zone("Asia/Kolkata").unwrap();
    assert_eq!(default_last_day(old.into_iter(), at(NOW), &kolkata), date("2018-01-24"), "23:24 there");
    let late = [at("2018-01-24T19:00:00Z")];
    assert_eq!(default_last_day(late.into_iter(), at(NOW), &kolkata), date("2018-01-25"), "00:30 there");
    assert_eq!(default_last_day(std::iter::empty(), at(NOW), &TimeZone::UTC), date("2026-12-07"), "no data: today");
}

#[test]
fn four_weeks_are_28_whole_days_in_the_zone() {
    assert_eq!(four_weeks_through(date("2018-01-24")), (date("2017-12-28"), date("2018-01-24")));
    let berlin = baton_core::calendar::parse_time_zone("Europe/Berlin").unwrap();
    let (first, last) = four_weeks_through(date("2024-04-07"));
    let window = days(first, last, &berlin).unwrap();
    assert_eq!((window.from(), window.to()), (at("2024-03-10T23:00:00Z"), at("2024-04-07T22:00:00Z")));
    assert_eq!(window.to().duration_since(window.from()), SignedDuration::from_hours(28 * 24 - 1), "DST began");
}
