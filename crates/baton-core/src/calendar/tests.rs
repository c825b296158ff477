use jiff::{civil::Weekday, SignedDuration, Timestamp};
use proptest::prelude::*;

use super::{parse_time_zone, Calendar, CalendarError, DailyInterval, WorkingHours};

/// A calendar in the IANA zone `zone` with hours given as JSON (`None` = DESIGN's default).
fn calendar(zone: &str, hours_json: Option<&str>) -> Calendar {
    let hours = match hours_json {
        Some(json) => serde_json::from_str(json).expect("test hours are valid"),
        None => WorkingHours::design_default(),
    };
    Calendar::new(parse_time_zone(zone).expect("test zones exist"), hours)
}

fn ts(utc: &str) -> Timestamp {
    utc.parse().expect("test instants are valid RFC 3339")
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_mins(h * 60)
}

/// Checks working time over `[from, to)` (UTC instants), and that the working intervals of the
/// same window add up to the same length.
fn check(calendar: &Calendar, from: &str, to: &str, expected: SignedDuration) {
    let (from, to) = (ts(from), ts(to));
    assert_eq!(calendar.working_time(from, to), expected, "working_time {from} .. {to}");
    let from_intervals: SignedDuration =
        calendar.working_intervals(from, to).iter().map(|&(start, end)| end.duration_since(start)).sum();
    assert_eq!(from_intervals, expected, "working_intervals {from} .. {to}");
}

fn check_hours_error(json: &str, expected_message: &str) {
    let err = serde_json::from_str::<WorkingHours>(json).expect_err("hours are invalid").to_string();
    assert!(err.starts_with(expected_message), "got {err:?}, expected {expected_message:?}");
}

#[test]
fn weekend_hours_do_not_count() {
    // Fri 16:00 CEST .. Mon 10:00 CEST: one hour on Friday, one on Monday.
    let berlin = calendar("Europe/Berlin", None);
    check(&berlin, "2025-06-13T14:00Z", "2025-06-16T08:00Z", hours(2));
}

#[test]
fn a_span_across_the_berlin_spring_forward_counts_local_hours() {
    // Fri 2025-03-28 12:00 CET .. Mon 2025-03-31 12:00 CEST: 5 h + 3 h, though 71 h pass.
    let berlin = calendar("Europe/Berlin", None);
    check(&berlin, "2025-03-28T11:00Z", "2025-03-31T10:00Z", hours(8));
}

#[test]
fn the_weeks_between_us_and_eu_spring_forward_shift_only_new_york() {
    let berlin = calendar("Europe/Berlin", None);
    let new_york = calendar("America/New_York", None);
    // New York moved to EDT on 2025-03-09: 09:00-17:00 is 13:00Z-21:00Z, one hour earlier than
    // the week before (EST, 14:00Z-22:00Z).
    check(&new_york, "2025-03-10T13:00Z", "2025-03-10T21:00Z", hours(8));
    check(&new_york, "2025-03-03T13:00Z", "2025-03-03T21:00Z", hours(7));
    // Berlin is still on CET until 2025-03-30: 09:00-17:00 is 08:00Z-16:00Z; on CEST it is
    // 07:00Z-15:00Z.
    check(&berlin, "2025-03-10T08:00Z", "2025-03-10T16:00Z", hours(8));
    check(&berlin, "2025-03-31T08:00Z", "2025-03-31T16:00Z", hours(7));
}

#[test]
fn the_weeks_between_eu_and_us_fall_back_shift_only_berlin() {
    let berlin = calendar("Europe/Berlin", None);
    let new_york = calendar("America/New_York", None);
    // Berlin fell back on 2025-10-26 (CET, 08:00Z-16:00Z); the week before was CEST.
    check(&berlin, "2025-10-27T08:00Z", "2025-10-27T16:00Z", hours(8));
    check(&berlin, "2025-10-20T08:00Z", "2025-10-20T16:00Z", hours(7));
    // New York stays on EDT until 2025-11-02 (13:00Z-21:00Z), then EST (14:00Z-22:00Z).
    check(&new_york, "2025-10-27T13:00Z", "2025-10-27T21:00Z", hours(8));
    check(&new_york, "2025-11-03T13:00Z", "2025-11-03T21:00Z", hours(7));
    // Fri 2025-10-24 12:00 CEST .. Mon 2025-10-27 12:00 CET: 5 h + 3 h, though 73 h pass.
    check(&berlin, "2025-10-24T10:00Z", "2025-10-27T11:00Z", hours(8));
}

#[test]
fn kolkata_half_hour_offset_starts_the_day_at_0330_utc() {
    let kolkata = calendar("Asia/Kolkata", None);
    assert!(kolkata.is_working(ts("2025-06-16T03:30Z")));
    assert!(!kolkata.is_working(ts("2025-06-16T03:29:59.999999999Z")));
    assert!(!kolkata.is_working(ts("2025-06-16T11:30Z")));
    check(&kolkata, "2025-06-16T00:00Z", "2025-06-16T12:00Z", hours(8));
    check(&kolkata, "2025-06-16T00:00Z", "2025-06-16T04:00Z", SignedDuration::from_mins(30));
}

#[test]
fn working_hours_include_their_start_and_exclude_their_end() {
    let berlin = calendar("Europe/Berlin", None);
    assert!(berlin.is_working(ts("2025-06-16T07:00Z")));
    assert!(!berlin.is_working(ts("2025-06-16T06:59:59.999999999Z")));
    assert!(berlin.is_working(ts("2025-06-16T14:59:59.999999999Z")));
    assert!(!berlin.is_working(ts("2025-06-16T15:00Z")));
    assert!(!berlin.is_working(ts("2025-06-14T10:00Z")));
}

#[test]
fn empty_and_reversed_spans_have_no_working_time() {
    let utc = Calendar::utc_default();
    check(&utc, "2025-06-16T10:00Z", "2025-06-16T10:00Z", SignedDuration::ZERO);
    check(&utc, "2025-06-16T12:00Z", "2025-06-16T10:00Z", SignedDuration::ZERO);
}

#[test]
fn working_time_is_exact_to_the_nanosecond() {
    let utc = Calendar::utc_default();
    check(&utc, "2025-06-16T08:59:59.75Z", "2025-06-16T09:00:00.500000001Z", SignedDuration::new(0, 500_000_001));
}

#[test]
fn whole_weeks_and_a_whole_year_add_up() {
    let berlin = calendar("Europe/Berlin", None);
    check(&berlin, "2025-06-02T00:00Z", "2025-06-30T00:00Z", hours(4 * 40));
    // Monday 01:00 CET to Monday 01:00 CET, 51 weeks, across both 2025 transitions.
    check(&berlin, "2025-01-06T00:00Z", "2025-12-29T00:00Z", hours(51 * 40));
}

const SPLIT_HOURS: &str = r#"{
    "mon": [{"start": "13:00", "end": "17:30"}, {"start": "09:00", "end": "12:00"}],
    "fri": [{"start": "20:00", "end": "24:00"}],
    "sat": [{"start": "00:00", "end": "02:00"}]
}"#;

#[test]
fn custom_hours_with_two_intervals_and_a_midnight_end() {
    let utc = calendar("UTC", Some(SPLIT_HOURS));
    // Monday 08:00-18:00: 09:00-12:00 and 13:00-17:30.
    check(&utc, "2025-06-16T08:00Z", "2025-06-16T18:00Z", SignedDuration::from_mins(7 * 60 + 30));
    // Fri 19:00 .. Sat 03:00: 20:00-24:00 and 00:00-02:00, one merged interval.
    check(&utc, "2025-06-13T19:00Z", "2025-06-14T03:00Z", hours(6));
    assert_eq!(
        utc.working_intervals(ts("2025-06-13T19:00Z"), ts("2025-06-14T03:00Z")),
        vec![(ts("2025-06-13T20:00Z"), ts("2025-06-14T02:00Z"))]
    );
    // Four weeks of 7.5 h + 4 h + 2 h.
    check(&utc, "2025-06-02T00:00Z", "2025-06-30T00:00Z", SignedDuration::from_mins(4 * (13 * 60 + 30)));
    assert_eq!(utc.next_working_instant(ts("2025-06-16T12:30Z")), Some(ts("2025-06-16T13:00Z")));
    assert_eq!(utc.next_working_instant(ts("2025-06-16T18:00Z")), Some(ts("2025-06-20T20:00Z")));
    assert!(utc.is_working(ts("2025-06-14T00:00Z")));
}

#[test]
fn an_interval_starting_in_the_spring_forward_gap_starts_later() {
    let berlin = calendar("Europe/Berlin", Some(r#"{"sun": [{"start": "02:30", "end": "05:00"}]}"#));
    // 2025-03-30: 02:30 does not exist and resolves to 01:30Z (03:30 CEST); 05:00 CEST is
    // 03:00Z. A week earlier the same hours are 01:30Z-04:00Z (CET).
    check(&berlin, "2025-03-29T12:00Z", "2025-03-30T12:00Z", SignedDuration::from_mins(90));
    assert_eq!(
        berlin.working_intervals(ts("2025-03-29T12:00Z"), ts("2025-03-30T12:00Z")),
        vec![(ts("2025-03-30T01:30Z"), ts("2025-03-30T03:00Z"))]
    );
    check(&berlin, "2025-03-22T12:00Z", "2025-03-23T12:00Z", SignedDuration::from_mins(150));
    let new_york = calendar("America/New_York", Some(r#"{"sun": [{"start": "02:30", "end": "05:00"}]}"#));
    // 2025-03-09: 02:30 resolves with EST to 07:30Z; 05:00 EDT is 09:00Z.
    check(&new_york, "2025-03-09T00:00Z", "2025-03-10T00:00Z", SignedDuration::from_mins(90));
}

#[test]
fn an_interval_spanning_the_spring_forward_gap_loses_the_skipped_hour() {
    let berlin = calendar("Europe/Berlin", Some(r#"{"sun": [{"start": "01:00", "end": "04:00"}]}"#));
    // 01:00 CET is 00:00Z, 04:00 CEST is 02:00Z.
    check(&berlin, "2025-03-29T12:00Z", "2025-03-30T12:00Z", hours(2));
    check(&berlin, "2025-03-22T12:00Z", "2025-03-23T12:00Z", hours(3));
}

#[test]
fn intervals_that_overlap_after_resolving_count_once() {
    let berlin = calendar(
        "Europe/Berlin",
        Some(
            r#"{"sun": [
                {"start": "01:00", "end": "02:30"},
                {"start": "03:00", "end": "04:00"},
                {"start": "22:00", "end": "22:15"}
            ]}"#,
        ),
    );
    // On 2025-03-30, 01:00-02:30 resolves to 00:00Z-01:30Z and 03:00-04:00 to 01:00Z-02:00Z:
    // their union is 00:00Z-02:00Z. 22:00-22:15 CEST is 20:00Z-20:15Z.
    check(&berlin, "2025-03-29T12:00Z", "2025-03-30T12:00Z", hours(2));
    assert_eq!(
        berlin.working_intervals(ts("2025-03-29T12:00Z"), ts("2025-03-31T00:00Z")),
        vec![(ts("2025-03-30T00:00Z"), ts("2025-03-30T02:00Z")), (ts("2025-03-30T20:00Z"), ts("2025-03-30T20:15Z")),]
    );
    // On an ordinary Sunday the intervals stay apart: 1.5 h + 1 h + 0.25 h.
    check(&berlin, "2025-03-22T12:00Z", "2025-03-24T00:00Z", SignedDuration::from_mins(165));
}

#[test]
fn a_later_interval_may_resolve_before_an_earlier_one() {
    let berlin = calendar(
        "Europe/Berlin",
        Some(r#"{"sun": [{"start": "02:10", "end": "02:20"}, {"start": "03:00", "end": "04:00"}]}"#),
    );
    // On 2025-03-30, 02:10-02:20 resolves to 01:10Z-01:20Z, inside 03:00-04:00's 01:00Z-02:00Z.
    check(&berlin, "2025-03-29T12:00Z", "2025-03-30T12:00Z", hours(1));
    assert_eq!(
        berlin.working_intervals(ts("2025-03-29T12:00Z"), ts("2025-03-30T12:00Z")),
        vec![(ts("2025-03-30T01:00Z"), ts("2025-03-30T02:00Z"))]
    );
}

#[test]
fn a_skipped_day_moves_its_hours_to_the_next_day() {
    // Samoa skipped Friday 2011-12-30: clocks went from Thursday 24:00 (-10) to Saturday 00:00
    // (+14) at 2011-12-30T10:00Z. Friday's 09:00-17:00 resolves with the -10 offset, to
    // 19:00Z-03:00Z, which reads as Saturday 09:00-17:00.
    let apia = calendar("Pacific/Apia", None);
    check(&apia, "2011-12-30T10:00Z", "2011-12-31T10:00Z", hours(8));
    assert_eq!(
        apia.working_intervals(ts("2011-12-30T10:00Z"), ts("2011-12-31T10:00Z")),
        vec![(ts("2011-12-30T19:00Z"), ts("2011-12-31T03:00Z"))]
    );
    // Thursday 2011-12-29 in -10.
    check(&apia, "2011-12-29T10:00Z", "2011-12-30T10:00Z", hours(8));
}

#[test]
fn an_interval_inside_the_skipped_hour_resolves_past_its_end() {
    // 02:30 resolves to 01:30Z but 03:00 CEST is 01:00Z: the interval is empty that day.
    let berlin = calendar("Europe/Berlin", Some(r#"{"sun": [{"start": "02:30", "end": "03:00"}]}"#));
    check(&berlin, "2025-03-29T12:00Z", "2025-03-30T12:00Z", SignedDuration::ZERO);
    check(&berlin, "2025-03-22T12:00Z", "2025-03-23T12:00Z", SignedDuration::from_mins(30));
}

#[test]
fn fall_back_repeats_an_hour_and_ambiguous_times_take_the_earlier_instant() {
    let across = calendar("Europe/Berlin", Some(r#"{"sun": [{"start": "01:00", "end": "04:00"}]}"#));
    // 2025-10-26: 01:00 CEST is 23:00Z the day before, 04:00 CET is 03:00Z.
    check(&across, "2025-10-25T12:00Z", "2025-10-26T12:00Z", hours(4));
    let ambiguous = calendar("Europe/Berlin", Some(r#"{"sun": [{"start": "02:30", "end": "03:00"}]}"#));
    // 02:30 happens twice and takes the CEST reading, 00:30Z; 03:00 CET is 02:00Z.
    check(&ambiguous, "2025-10-25T12:00Z", "2025-10-26T12:00Z", SignedDuration::from_mins(90));
    assert!(ambiguous.is_working(ts("2025-10-26T00:30Z")));
    assert!(!ambiguous.is_working(ts("2025-10-26T00:29Z")));
}

#[test]
fn next_working_instant_is_now_or_the_next_start() {
    let berlin = calendar("Europe/Berlin", None);
    assert_eq!(berlin.next_working_instant(ts("2025-06-16T10:00Z")), Some(ts("2025-06-16T10:00Z")));
    // Friday 17:00 CEST: the next start is Monday 09:00 CEST.
    assert_eq!(berlin.next_working_instant(ts("2025-06-13T15:00Z")), Some(ts("2025-06-16T07:00Z")));
    // Across the spring-forward weekend, Monday starts at 07:00Z instead of 08:00Z.
    assert_eq!(berlin.next_working_instant(ts("2025-03-28T16:00Z")), Some(ts("2025-03-31T07:00Z")));
    let idle = calendar("Europe/Berlin", Some("{}"));
    assert_eq!(idle.next_working_instant(ts("2025-06-16T10:00Z")), None);
    assert!(idle.hours().is_empty());
    check(&idle, "2025-06-01T00:00Z", "2025-07-01T00:00Z", SignedDuration::ZERO);
}

#[test]
fn default_hours_serialize_all_seven_days() {
    let json = serde_json::to_string(&WorkingHours::default()).expect("hours serialize");
    let office = r#"[{"start":"09:00","end":"17:00"}]"#;
    assert_eq!(
        json,
        format!(r#"{{"mon":{office},"tue":{office},"wed":{office},"thu":{office},"fri":{office},"sat":[],"sun":[]}}"#)
    );
    let back: WorkingHours = serde_json::from_str(&json).expect("hours round-trip");
    assert_eq!(back, WorkingHours::design_default());
}

#[test]
fn missing_days_have_no_hours_and_intervals_come_back_sorted() {
    let split: WorkingHours = serde_json::from_str(SPLIT_HOURS).expect("hours are valid");
    assert_eq!(
        split.on(Weekday::Monday),
        [
            DailyInterval::new(9 * 60, 12 * 60).expect("valid"),
            DailyInterval::new(13 * 60, 17 * 60 + 30).expect("valid"),
        ]
    );
    assert_eq!(split.on(Weekday::Friday)[0].end_minute(), 24 * 60);
    assert!(split.on(Weekday::Tuesday).is_empty());
    let json = serde_json::to_value(&split).expect("hours serialize");
    assert_eq!(
        json["mon"],
        serde_json::json!([
            {"start": "09:00", "end": "12:00"},
            {"start": "13:00", "end": "17:30"},
        ])
    );
}

#[test]
fn malformed_hours_are_rejected_naming_the_day() {
    check_hours_error(
        r#"{"tue": [{"start": "09:00", "end": "25:00"}]}"#,
        r#"invalid working hours: on tue, "25:00" is not a time of day from 00:00 to 24:00 in HH:MM form"#,
    );
    check_hours_error(
        r#"{"mon": [{"start": "9:00", "end": "17:00"}]}"#,
        r#"invalid working hours: on mon, "9:00" is not a time of day"#,
    );
    check_hours_error(
        r#"{"mon": [{"start": "12:60", "end": "17:00"}]}"#,
        r#"invalid working hours: on mon, "12:60" is not a time of day"#,
    );
    check_hours_error(
        r#"{"mon": [{"start": "09:00", "end": "24:01"}]}"#,
        r#"invalid working hours: on mon, "24:01" is not a time of day"#,
    );
    check_hours_error(
        r#"{"wed": [{"start": "17:00", "end": "09:00"}]}"#,
        "invalid working hours: on wed, start 17:00 is not before end 09:00",
    );
    check_hours_error(
        r#"{"sun": [{"start": "24:00", "end": "24:00"}]}"#,
        "invalid working hours: on sun, start 24:00 is not before end 24:00",
    );
    check_hours_error(
        r#"{"thu": [{"start": "11:00", "end": "13:00"}, {"start": "09:00", "end": "12:00"}]}"#,
        "invalid working hours: on thu, 09:00-12:00 overlaps 11:00-13:00",
    );
    check_hours_error(r#"{"monday": [{"start": "09:00", "end": "17:00"}]}"#, "unknown field `monday`");
}

#[test]
fn daily_intervals_are_checked_when_built() {
    assert_eq!(DailyInterval::new(0, 24 * 60).map(DailyInterval::end_minute), Ok(24 * 60));
    assert_eq!(
        DailyInterval::new(0, 24 * 60 + 1),
        Err(CalendarError::InvalidHours { reason: "end minute 1441 is past 24:00".to_owned() })
    );
    let morning = DailyInterval::new(9 * 60, 12 * 60).expect("valid");
    let noon = DailyInterval::new(11 * 60, 13 * 60).expect("valid");
    let mut days: [Vec<DailyInterval>; 7] = Default::default();
    days[4] = vec![noon, morning];
    assert_eq!(
        WorkingHours::new(days),
        Err(CalendarError::InvalidHours { reason: "on fri, 09:00-12:00 overlaps 11:00-13:00".to_owned() })
    );
}

#[test]
fn the_hours_schema_matches_the_json_form() {
    use utoipa::PartialSchema;

    let schema = serde_json::to_value(WorkingHours::schema()).expect("schema serializes");
    let properties = schema["properties"].as_object().expect("an object schema");
    // serde_json's map is sorted by key.
    let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(keys, ["fri", "mon", "sat", "sun", "thu", "tue", "wed"]);
    assert_eq!(properties["mon"]["type"], "array");
    assert_eq!(schema.get("required"), None);
    let interval = serde_json::to_value(DailyInterval::schema()).expect("schema serializes");
    assert_eq!(interval["properties"]["start"]["type"], "string");
    assert_eq!(interval["properties"]["end"]["type"], "string");
    assert_eq!(interval["required"], serde_json::json!(["start", "end"]));
}

#[test]
fn time_zones_are_iana_names_only() {
    for name in ["Europe/Berlin", "Asia/Kolkata", "UTC", "America/St_Johns"] {
        let zone = parse_time_zone(name).expect("an IANA zone");
        assert_eq!(zone.iana_name(), Some(name));
    }
    assert_eq!(
        parse_time_zone("europe/berlin").map(|zone| zone.iana_name().map(str::to_owned)),
        Ok(Some("Europe/Berlin".to_owned()))
    );
    for name in ["Mars/Olympus_Mons", "", "+05:00", "-03:30", "Etc/Unknown", "CET+1"] {
        assert_eq!(
            parse_time_zone(name).map(|zone| zone.iana_name().map(str::to_owned)),
            Err(CalendarError::UnknownTimeZone { name: name.to_owned() }),
            "{name:?}"
        );
    }
    assert_eq!(
        parse_time_zone("Mars/Olympus_Mons").expect_err("not a zone").to_string(),
        r#"unknown time zone "Mars/Olympus_Mons": expected an IANA name such as "Europe/Berlin""#
    );
}

const ZONES: [&str; 8] = [
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/Berlin",
    "UTC",
    "Pacific/Auckland",
    "America/St_Johns",
    // Chile changes its clocks at midnight, so whole days start in a gap.
    "America/Santiago",
];

const HOURS: [Option<&str>; 6] = [
    None,
    Some(r#"{"sun": [{"start": "02:30", "end": "05:00"}], "sat": [{"start": "22:00", "end": "24:00"}]}"#),
    Some(SPLIT_HOURS),
    Some("{}"),
    // Edges around midnight and the usual 01:00-03:00 transitions, every day.
    Some(
        r#"{
        "mon": [{"start": "00:00", "end": "00:30"}, {"start": "01:00", "end": "02:30"},
                {"start": "03:00", "end": "04:00"}, {"start": "23:30", "end": "24:00"}],
        "tue": [{"start": "00:00", "end": "00:30"}, {"start": "02:15", "end": "02:45"}],
        "wed": [{"start": "02:30", "end": "03:00"}, {"start": "23:00", "end": "24:00"}],
        "thu": [{"start": "00:00", "end": "24:00"}],
        "fri": [{"start": "01:59", "end": "03:01"}],
        "sat": [{"start": "00:00", "end": "02:00"}, {"start": "02:00", "end": "03:00"},
                {"start": "23:30", "end": "24:00"}],
        "sun": [{"start": "00:00", "end": "00:01"}, {"start": "02:10", "end": "02:20"},
                {"start": "03:00", "end": "04:00"}, {"start": "23:59", "end": "24:00"}]
    }"#,
    ),
    Some(
        r#"{
        "mon": [{"start": "00:00", "end": "24:00"}], "tue": [{"start": "00:00", "end": "24:00"}],
        "wed": [{"start": "00:00", "end": "24:00"}], "thu": [{"start": "00:00", "end": "24:00"}],
        "fri": [{"start": "00:00", "end": "24:00"}], "sat": [{"start": "00:00", "end": "24:00"}],
        "sun": [{"start": "00:00", "end": "24:00"}]
    }"#,
    ),
];

const NANOS_PER_DAY: i128 = 86_400 * 1_000_000_000;

fn any_calendar() -> impl Strategy<Value = Calendar> {
    (0..ZONES.len(), 0..HOURS.len()).prop_map(|(zone_idx, hours_idx)| calendar(ZONES[zone_idx], HOURS[hours_idx]))
}

/// An instant in 2024-2026.
fn any_instant() -> impl Strategy<Value = Timestamp> {
    let start = ts("2024-01-01T00:00Z").as_nanosecond();
    let end = ts("2027-01-01T00:00Z").as_nanosecond();
    (start..end).prop_map(|nanos| Timestamp::from_nanosecond(nanos).expect("in range"))
}

/// A non-negative gap between instants: minutes, hours or weeks.
fn any_gap() -> impl Strategy<Value = SignedDuration> {
    prop_oneof![0..3_600_000_000_000i128, 0..NANOS_PER_DAY, 0..40 * NANOS_PER_DAY,]
        .prop_map(SignedDuration::from_nanos_i128)
}

proptest! {
    #[test]
    fn working_time_is_additive(
        calendar in any_calendar(),
        a in any_instant(),
        gap_ab in any_gap(),
        gap_bc in any_gap(),
    ) {
        let b = a + gap_ab;
        let c = b + gap_bc;
        prop_assert_eq!(
            calendar.working_time(a, c),
            calendar.working_time(a, b) + calendar.working_time(b, c)
        );
    }

    #[test]
    fn working_time_never_exceeds_wall_clock_time(
        calendar in any_calendar(),
        from in any_instant(),
        gap in any_gap(),
    ) {
        let to = from + gap;
        let working = calendar.working_time(from, to);
        prop_assert!(working >= SignedDuration::ZERO);
        prop_assert!(working <= to.duration_since(from));
        prop_assert_eq!(calendar.working_time(to, from), SignedDuration::ZERO);
    }

    #[test]
    fn working_time_is_the_length_of_the_working_intervals(
        calendar in any_calendar(),
        from in any_instant(),
        gap in any_gap(),
    ) {
        let to = from + gap;
        let intervals = calendar.working_intervals(from, to);
        let mut sum = SignedDuration::ZERO;
        let mut previous_end = from;
        for (idx, &(start, end)) in intervals.iter().enumerate() {
            prop_assert!(start < end);
            // Merged: apart from the first, each interval starts strictly after the last ended.
            prop_assert!(start > previous_end || (idx == 0 && start == from));
            prop_assert!(end <= to);
            previous_end = end;
            sum += end.duration_since(start);
        }
        prop_assert_eq!(calendar.working_time(from, to), sum);
    }

    #[test]
    fn is_working_agrees_with_the_working_intervals(
        calendar in any_calendar(),
        at in any_instant(),
    ) {
        let day = SignedDuration::from_hours(24);
        let inside = calendar
            .working_intervals(at - day, at + day)
            .iter()
            .any(|&(start, end)| start <= at && at < end);
        prop_assert_eq!(calendar.is_working(at), inside);
    }

    #[test]
    fn next_working_instant_is_working_and_skips_no_working_time(
        calendar in any_calendar(),
        at in any_instant(),
    ) {
        match calendar.next_working_instant(at) {
            Some(next) => {
                prop_assert!(next >= at);
                prop_assert!(calendar.is_working(next));
                prop_assert_eq!(calendar.working_time(at, next), SignedDuration::ZERO);
            }
            None => prop_assert!(calendar.hours().is_empty()),
        }
    }

    #[test]
    fn arbitrary_hours_text_never_panics(start in ".{0,7}", end in "[0-9:]{0,6}") {
        let json = serde_json::json!({"fri": [{"start": start, "end": end}]});
        if let Ok(hours) = serde_json::from_value::<WorkingHours>(json) {
            let interval = hours.on(Weekday::Friday)[0];
            prop_assert!(interval.start_minute() < interval.end_minute());
            prop_assert!(interval.end_minute() <= 24 * 60);
        }
    }
}

/// Zones whose transitions the table must reproduce: the property tests' zones and some odd
/// ones (Samoa skipped a day in 2011, Lord Howe shifts by 30 minutes, Dublin's winter time is
/// its negative daylight saving time, Casablanca changes around Ramadan, São Paulo stopped in
/// 2019, Troll jumps by two hours).
const TABLE_ZONES: [&str; 14] = [
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/Berlin",
    "UTC",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Santiago",
    "Pacific/Apia",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "Africa/Casablanca",
    "America/Sao_Paulo",
    "Antarctica/Troll",
];

fn any_table_calendar() -> impl Strategy<Value = Calendar> {
    (0..TABLE_ZONES.len(), 0..HOURS.len())
        .prop_map(|(zone_idx, hours_idx)| calendar(TABLE_ZONES[zone_idx], HOURS[hours_idx]))
}

/// An instant from 1995 to 2105: before, inside and after the transition table's span.
fn any_wide_instant() -> impl Strategy<Value = Timestamp> {
    let start = ts("1995-01-01T00:00Z").as_nanosecond();
    let end = ts("2105-01-01T00:00Z").as_nanosecond();
    (start..end).prop_map(|nanos| Timestamp::from_nanosecond(nanos).expect("in range"))
}

proptest! {
    #[test]
    fn the_transition_table_answers_as_jiff_does(
        calendar in any_table_calendar(),
        at in any_wide_instant(),
        gap in any_gap(),
    ) {
        let to = at + gap;
        prop_assert_eq!(calendar.working_time(at, to), calendar.working_time_with(at, to, None));
        if let Some((next, offset)) = calendar.transitions().transition_after(at.as_nanosecond()) {
            let expected = calendar.zone().following(at).next().map(|t| t.timestamp().as_nanosecond());
            prop_assert_eq!(next.map(|t| t.at), expected);
            prop_assert_eq!(offset, calendar.zone().to_offset(at).seconds());
        }
    }
}

#[test]
fn the_transition_table_agrees_with_jiff_at_its_edges_and_at_every_transition() {
    for zone in TABLE_ZONES {
        for hours in HOURS {
            let calendar = calendar(zone, hours);
            let table = calendar.transitions();
            let mut probes = vec![
                super::TABLE_START - 1,
                super::TABLE_START,
                super::TABLE_START + 1,
                super::TABLE_END - 1,
                super::TABLE_END,
                super::TABLE_END + 1,
            ];
            for &at in &table.at {
                probes.extend([at - 1, at, at + 1]);
            }
            for probe in probes {
                let at = Timestamp::from_nanosecond(probe).expect("in range");
                if let Some((next, offset)) = table.transition_after(probe) {
                    let expected = calendar.zone().following(at).next().map(|t| t.timestamp().as_nanosecond());
                    assert_eq!(next.map(|t| t.at), expected, "{zone} after {at}");
                    assert_eq!(offset, calendar.zone().to_offset(at).seconds(), "{zone} at {at}");
                }
                // Windows that start or end at the probe, short and long.
                for hours in [1, 30, 100, 24 * 9, 24 * 40] {
                    let span = SignedDuration::from_hours(hours);
                    for (from, to) in [(at, at + span), (at - span, at)] {
                        assert_eq!(
                            calendar.working_time(from, to),
                            calendar.working_time_with(from, to, None),
                            "{zone} {from} .. {to}"
                        );
                    }
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn the_index_gives_the_calendars_working_time_inside_and_outside_its_span(
        calendar in any_table_calendar(),
        span_from in any_instant(),
        span_gap in any_gap(),
        a in any_instant(),
        gap in any_gap(),
    ) {
        let index = calendar.index(span_from, span_from + span_gap);
        // Queries anywhere, and queries inside the span with ends on its edges.
        let inside_a = span_from + SignedDuration::from_nanos_i128(a.as_nanosecond().rem_euclid(span_gap.as_nanos().max(1)));
        for (from, to) in [(a, a + gap), (inside_a, span_from + span_gap), (span_from, inside_a), (inside_a, a + gap)] {
            prop_assert_eq!(index.working_time(from, to), calendar.working_time(from, to), "{} .. {}", from, to);
        }
    }
}

#[test]
fn the_index_matches_around_every_transition_of_a_year() {
    for zone in TABLE_ZONES {
        for hours in HOURS {
            let calendar = calendar(zone, hours);
            let (from, to) = (ts("2024-01-01T00:00Z"), ts("2025-01-01T00:00Z"));
            let index = calendar.index(from, to);
            let transitions: Vec<Timestamp> =
                calendar.zone().following(from).take_while(|t| t.timestamp() < to).map(|t| t.timestamp()).collect();
            for at in transitions {
                for hours_before in [0, 1, 3, 25, 24 * 5] {
                    for hours_after in [0, 1, 2, 30, 24 * 6] {
                        let (a, b) = (
                            at - SignedDuration::from_hours(hours_before),
                            at + SignedDuration::from_hours(hours_after),
                        );
                        assert_eq!(index.working_time(a, b), calendar.working_time(a, b), "{zone} {a} .. {b}");
                    }
                }
            }
        }
    }
}
