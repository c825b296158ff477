//! Hand-computed cases: no overlap, a partial overlap across the date line, and the weeks when
//! Europe and North America change their clocks on different dates.

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};

use super::*;

fn calendar(zone: &str) -> Calendar {
    Calendar::new(parse_time_zone(zone).unwrap(), WorkingHours::default())
}

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn shown(intervals: &[(Timestamp, Timestamp)]) -> Vec<String> {
    intervals.iter().map(|(a, b)| format!("{a}/{b}")).collect()
}

#[test]
fn berlin_and_new_york_in_the_week_europe_has_not_yet_changed_its_clocks() {
    // 2027-03-22: New York is on EDT (UTC−4, since 14 March), Berlin still on CET (UTC+1,
    // until 28 March). Berlin works 08:00–16:00Z, New York 13:00–21:00Z: 13:00–16:00Z daily.
    let (berlin, new_york) = (calendar("Europe/Berlin"), calendar("America/New_York"));
    let week = overlap(&[&berlin, &new_york], at("2027-03-22T00:00:00Z"), at("2027-03-29T00:00:00Z"));
    let want: Vec<String> = (22..27).map(|day| format!("2027-03-{day}T13:00:00Z/2027-03-{day}T16:00:00Z")).collect();
    assert_eq!(shown(&week), want);
    assert_eq!(total(&week), SignedDuration::from_hours(15));
    // A week later both are on summer time: Berlin 07:00–15:00Z, New York 13:00–21:00Z.
    let later = overlap(&[&berlin, &new_york], at("2027-03-29T00:00:00Z"), at("2027-04-05T00:00:00Z"));
    assert_eq!(total(&later), SignedDuration::from_hours(10));
    assert_eq!(shown(&later[..1]), ["2027-03-29T13:00:00Z/2027-03-29T15:00:00Z"]);
}

#[test]
fn sydney_and_los_angeles_overlap_across_the_date_line_or_not_at_all() {
    // 2024-06-03 (Mon): Sydney AEST (UTC+10) works 23:00–07:00Z the day before; Los Angeles
    // PDT (UTC−7) 16:00–24:00Z. Sydney's Tuesday 09:00 is Monday 23:00Z: Monday 23:00–24:00Z
    // overlaps Los Angeles's Monday 16:00–24:00Z, for Tuesday to Friday in Sydney (Mon–Thu LA).
    let (sydney, los_angeles) = (calendar("Australia/Sydney"), calendar("America/Los_Angeles"));
    let week = overlap(&[&sydney, &los_angeles], at("2024-06-03T00:00:00Z"), at("2024-06-10T00:00:00Z"));
    assert_eq!(
        shown(&week),
        [
            "2024-06-03T23:00:00Z/2024-06-04T00:00:00Z",
            "2024-06-04T23:00:00Z/2024-06-05T00:00:00Z",
            "2024-06-05T23:00:00Z/2024-06-06T00:00:00Z",
            "2024-06-06T23:00:00Z/2024-06-07T00:00:00Z",
        ]
    );
    // Kolkata (UTC+5:30, 03:30–11:30Z) and Los Angeles (16:00–24:00Z): never.
    let kolkata = calendar("Asia/Kolkata");
    assert!(overlap(&[&kolkata, &los_angeles], at("2024-06-03T00:00:00Z"), at("2024-06-10T00:00:00Z")).is_empty());
    assert!(overlap(&[], at("2024-06-03T00:00:00Z"), at("2024-06-10T00:00:00Z")).is_empty());
}

#[test]
fn three_people_and_slots_inside_their_overlap() {
    // London BST 08:00–16:00Z, Berlin CEST 07:00–15:00Z, New York EDT 13:00–21:00Z:
    // 13:00–15:00Z each weekday.
    let people = [calendar("Europe/London"), calendar("Europe/Berlin"), calendar("America/New_York")];
    let refs: Vec<&Calendar> = people.iter().collect();
    // From Wednesday 14:10Z: the rest of Wednesday fits one 45-minute slot (14:10–14:55),
    // Thursday two (13:00–13:45, 13:45–14:30).
    let found =
        slots(&refs, at("2024-06-05T14:10:00Z"), SignedDuration::from_hours(24 * 7), SignedDuration::from_mins(45), 3);
    assert_eq!(
        shown(&found),
        [
            "2024-06-05T14:10:00Z/2024-06-05T14:55:00Z",
            "2024-06-06T13:00:00Z/2024-06-06T13:45:00Z",
            "2024-06-06T13:45:00Z/2024-06-06T14:30:00Z",
        ]
    );
    // A three-hour slot never fits in a two-hour overlap.
    assert!(slots(
        &refs,
        at("2024-06-05T00:00:00Z"),
        SignedDuration::from_hours(24 * 7),
        SignedDuration::from_hours(3),
        3
    )
    .is_empty());
}

#[test]
fn the_fairest_slot_leaves_the_fewest_out_and_rotates_with_the_burden() {
    // 2027-01-11 (Mon), winter everywhere: Berlin works 08:00–16:00Z, New York 14:00–22:00Z,
    // Sydney (AEDT, UTC+11) 22:00–06:00Z. No slot fits all four; any slot leaves two out:
    // Berlin and New York (Sydney's Monday runs until 06:00Z) or the two in Sydney (14:00Z).
    let zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Sydney"];
    let calendars: Vec<Calendar> = zones.iter().map(|z| calendar(z)).collect();
    let refs: Vec<&Calendar> = calendars.iter().collect();
    let names = ["ana", "bo", "syd", "tom"];
    let (from, week, half_hour) =
        (at("2027-01-11T00:00:00Z"), SignedDuration::from_hours(168), SignedDuration::from_mins(30));
    assert!(slots(&refs, from, week, half_hour, 1).is_empty());
    // Nobody has borne one yet: ties go by name, so ana and bo take the first, at once.
    let (slot, out) = fairest_slot(&refs, &[0, 0, 0, 0], &names, from, week, half_hour).unwrap();
    assert_eq!(shown(&[slot]), ["2027-01-11T00:00:00Z/2027-01-11T00:30:00Z"]);
    assert_eq!(out, [0, 1]);
    // Once ana has, Sydney takes the next: Berlin and New York overlap from 14:00Z.
    let (slot, out) = fairest_slot(&refs, &[1, 0, 0, 0], &names, from, week, half_hour).unwrap();
    assert_eq!(shown(&[slot]), ["2027-01-11T14:00:00Z/2027-01-11T14:30:00Z"]);
    assert_eq!(out, [2, 3]);
    // Without Sydney, one slot fits everyone and nobody is left out of the fairest.
    let (slot, out) = fairest_slot(&refs[..2], &[5, 5], &names, from, week, half_hour).unwrap();
    assert_eq!(shown(&[slot]), ["2027-01-11T14:00:00Z/2027-01-11T14:30:00Z"]);
    assert!(out.is_empty());
}

#[test]
fn a_week_runs_monday_to_monday_in_its_zone_and_is_an_hour_short_when_clocks_go_forward() {
    let berlin = parse_time_zone("Europe/Berlin").unwrap();
    // Europe moves its clocks on Sunday 2027-03-28: that week has 167 hours.
    let (monday, start, end) = week_of(jiff::civil::date(2027, 3, 28), &berlin).unwrap();
    assert_eq!(monday, jiff::civil::date(2027, 3, 22));
    assert_eq!(start, at("2027-03-21T23:00:00Z"));
    assert_eq!(end, at("2027-03-28T22:00:00Z"));
    assert_eq!(end.duration_since(start), SignedDuration::from_hours(167));
    // A Monday is its own week's start.
    assert_eq!(week_of(jiff::civil::date(2027, 3, 29), &berlin).unwrap().0, jiff::civil::date(2027, 3, 29));
}

/// The week worth planning by default: this one on a working day, the coming one at the weekend
/// (on a Sunday this week is all but over).
#[test]
fn the_default_week_moves_on_at_the_weekend() {
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    for (now, day) in [
        ("2027-03-24T12:00:00Z", "2027-03-24"),
        ("2027-03-27T12:00:00Z", "2027-03-29"),
        ("2027-03-28T12:00:00Z", "2027-03-29"),
        // Sunday 23:30 UTC is already Monday in Berlin.
        ("2027-03-28T23:30:00Z", "2027-03-29"),
        // Friday evening is still this week.
        ("2027-03-26T20:00:00Z", "2027-03-26"),
    ] {
        assert_eq!(coming_week_day(at(now), &berlin).to_string(), day, "{now}");
    }
}
