//! Every expected number below is computed by hand in the comment next to it. Everyone works
//! in UTC with the default hours, Mon–Fri 09:00–17:00; 2024-03-04 and 2024-03-11 are Mondays.
//! The "before" week is `[03-04, 03-11)`, the "after" week `[03-11, 03-18)`.

use baton_core::calendar::Calendar;
use baton_core::model::TaskStatus;
use jiff::civil::{date, Date};
use jiff::Timestamp;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person, Task, TaskChange};
use crate::report::report;

const ANA: usize = 0;
const SID: usize = 1;
const CY: usize = 2;
const SEED: u64 = 7;

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn window(from: &str, to: &str) -> Window {
    Window::new(at(from), at(to)).unwrap()
}

fn before_week() -> Window {
    window("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z")
}

fn after_week() -> Window {
    window("2024-03-11T00:00:00Z", "2024-03-18T00:00:00Z")
}

fn thread() -> Conversation {
    Conversation {
        kind: ConversationKind::Thread,
        channel: "general".to_owned(),
        title: "plans".to_owned(),
        direct: false,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    }
}

/// Messages as (conversation, author, instant), ids in order.
fn dataset(messages: &[(usize, usize, &str)], tasks: Vec<Task>) -> Dataset {
    let people = ["ana", "sid", "cy"]
        .iter()
        .map(|handle| Person { handle: (*handle).to_owned(), calendar: Calendar::utc_default() })
        .collect();
    let n_conversations = messages.iter().map(|(conversation, _, _)| conversation + 1).max().unwrap_or(0);
    let messages = messages
        .iter()
        .enumerate()
        .map(|(idx, (conversation, author, instant))| Message {
            id: idx as i64,
            conversation: *conversation,
            author: *author,
            at: at(instant),
            mentions_other: false,
            ends_with_question: false,
        })
        .collect();
    let mut data = Dataset {
        workspace_calendar: Calendar::utc_default(),
        people,
        conversations: vec![thread(); n_conversations],
        messages,
        tasks,
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    };
    data.sort_messages();
    data
}

/// An unassigned open task without thread, created at `created`.
fn task(created: &str, due: Option<Date>, done_at: Option<&str>) -> Task {
    Task {
        id: 1,
        project: "p".to_owned(),
        project_id: None,
        title: "t".to_owned(),
        created_at: at(created),
        status: TaskStatus::Todo,
        assignee: None,
        due,
        changes: done_at.map(|done| (at(done), TaskChange::Status(TaskStatus::Done))).into_iter().collect(),
        conversation: None,
    }
}

/// Two weeks of activity, every figure different between them.
///
/// Responses. Before (thread 0): sid answers ana after 1 h (3,600 s), ana answers sid after
/// 2 h (7,200 s), sid answers ana after 5 h (18,000 s, over the 4 h norm). After (thread 1):
/// sid, ana and cy each answer after 30 min (1,800 s).
///
/// Tasks (unassigned: workspace calendar).
/// - A, created Fri 03-01 09:00, open: 48 working hours idle at both `to`s, stalled at both.
/// - B, created Fri 03-08 09:00, open: 8 h idle at 03-11 (not stalled), 48 h at 03-18.
/// - C, created 03-04, due 03-05, done 03-05 12:00: due before, on time.
/// - D, created 03-04, due 03-06, open: due before, not done; 40 h idle at 03-11, stalled.
/// - E, created 03-11, due 03-12, done 03-12 10:00: due after, on time.
///
/// Isolation (14 days before `to`). Before: ana and sid are active with one collaborator each,
/// both isolated. After (span from 03-04): ana has two (sid, cy), sid and cy one each.
fn two_weeks() -> Dataset {
    let messages = [
        (0, ANA, "2024-03-04T09:00:00Z"),
        (0, SID, "2024-03-04T10:00:00Z"),
        (0, ANA, "2024-03-04T12:00:00Z"),
        (0, SID, "2024-03-04T17:00:00Z"),
        (1, ANA, "2024-03-11T09:00:00Z"),
        (1, SID, "2024-03-11T09:30:00Z"),
        (1, ANA, "2024-03-11T10:00:00Z"),
        (1, CY, "2024-03-11T10:30:00Z"),
    ];
    let tasks = vec![
        task("2024-03-01T09:00:00Z", None, None),
        task("2024-03-08T09:00:00Z", None, None),
        task("2024-03-04T00:00:00Z", Some(date(2024, 3, 5)), Some("2024-03-05T12:00:00Z")),
        task("2024-03-04T00:00:00Z", Some(date(2024, 3, 6)), None),
        task("2024-03-11T00:00:00Z", Some(date(2024, 3, 12)), Some("2024-03-12T10:00:00Z")),
    ];
    dataset(&messages, tasks)
}

/// Responses with many distinct working times in both weeks, so resamples vary: in thread 0 on
/// Monday 03-04 and thread 1 on Monday 03-11, ana and sid alternate with gaps of
/// `step·(i + 1)` seconds, all inside working hours.
fn spread_responses() -> Dataset {
    let mut instants = Vec::new();
    for (conversation, day, step) in [(0, "2024-03-04T09:00:00Z", 60), (1, "2024-03-11T09:00:00Z", 45)] {
        let mut instant = at(day);
        for i in 0..30 {
            instants.push((conversation, if i % 2 == 0 { ANA } else { SID }, instant.to_string()));
            instant += SignedDuration::from_secs(step * (i + 1));
        }
    }
    let messages: Vec<(usize, usize, &str)> = instants.iter().map(|(c, a, s)| (*c, *a, s.as_str())).collect();
    dataset(&messages, Vec::new())
}

/// A metric's (name, before, after, difference).
type Point = (&'static str, Option<f64>, Option<f64>, Option<f64>);

/// Every metric's [`Point`], in order.
fn points(comparison: &Comparison) -> Vec<Point> {
    comparison.metrics.iter().map(|m| (m.metric, m.before, m.after, m.difference)).collect()
}

fn check(data: &Dataset, before: Window, after: Window, expected: &[Point]) {
    let comparison = compare(data, before, after, &Thresholds::design_defaults(), SEED);
    assert_eq!(points(&comparison), expected);
}

#[test]
fn differences_are_after_minus_before_for_every_metric() {
    check(
        &two_weeks(),
        before_week(),
        after_week(),
        &[
            // Medians: before [3600, 7200, 18000] → 7,200 s; after [1800; 3] → 1,800 s.
            ("median_working_response_s", Some(7200.0), Some(1800.0), Some(1800.0 - 7200.0)),
            // Before 2 of 3 within 4 h; after 3 of 3.
            ("within_norm_share", Some(2.0 / 3.0), Some(1.0), Some(1.0 - 2.0 / 3.0)),
            // Before: A, B, D open, A and D stalled; after: A, B, D open and stalled.
            ("stall_rate", Some(2.0 / 3.0), Some(1.0), Some(1.0 - 2.0 / 3.0)),
            // Before: C on time, D not; after: E on time.
            ("completion_rate", Some(0.5), Some(1.0), Some(0.5)),
            // Before: 2 of 2 isolated; after: sid and cy of 3.
            ("isolation_rate", Some(1.0), Some(2.0 / 3.0), Some(2.0 / 3.0 - 1.0)),
        ],
    );
}

#[test]
fn an_empty_window_gives_none_before_and_no_difference_or_interval() {
    // February: no response, no task yet, nobody active in the 14 days before 02-08.
    let february = window("2024-02-01T00:00:00Z", "2024-02-08T00:00:00Z");
    let comparison = compare(&two_weeks(), february, after_week(), &Thresholds::design_defaults(), SEED);
    let afters = [Some(1800.0), Some(1.0), Some(1.0), Some(1.0), Some(2.0 / 3.0)];
    for (change, after) in comparison.metrics.iter().zip(afters) {
        assert_eq!((change.before, change.after, change.difference, change.ci95), (None, after, None, None));
    }
}

#[test]
fn a_metric_empty_in_one_window_only_is_none_there() {
    // In the week of 03-18 nothing is due and nobody responds; tasks A, B, D are still open
    // and stalled; ana, sid and cy were active in the 14 days before 03-25 (span from 03-11):
    // ana has two collaborators, sid and cy one each.
    let later = window("2024-03-18T00:00:00Z", "2024-03-25T00:00:00Z");
    check(
        &two_weeks(),
        before_week(),
        later,
        &[
            ("median_working_response_s", Some(7200.0), None, None),
            ("within_norm_share", Some(2.0 / 3.0), None, None),
            ("stall_rate", Some(2.0 / 3.0), Some(1.0), Some(1.0 - 2.0 / 3.0)),
            ("completion_rate", Some(0.5), None, None),
            ("isolation_rate", Some(1.0), Some(2.0 / 3.0), Some(2.0 / 3.0 - 1.0)),
        ],
    );
    let comparison = compare(&two_weeks(), before_week(), later, &Thresholds::design_defaults(), SEED);
    let has_ci: Vec<bool> = comparison.metrics.iter().map(|m| m.ci95.is_some()).collect();
    assert_eq!(has_ci, [false, false, true, false, true]);
}

#[test]
fn point_values_equal_the_reports() {
    let thresholds = Thresholds::design_defaults();
    for data in [two_weeks(), spread_responses()] {
        let comparison = compare(&data, before_week(), after_week(), &thresholds, SEED);
        for (window, side) in [(before_week(), 0), (after_week(), 1)] {
            let report = report(&data, window, &thresholds);
            let expected = [
                report.response_time.median_working_s.map(|s| s as f64),
                report.response_time.within_norm_share,
                report.tasks.stall_rate,
                report.tasks.completion_rate,
                report.isolation.rate,
            ];
            let actual: Vec<Option<f64>> =
                comparison.metrics.iter().map(|m| if side == 0 { m.before } else { m.after }).collect();
            assert_eq!(actual, expected);
        }
    }
}

#[test]
fn the_interval_contains_the_point_difference() {
    // E.g. the median: after is always 1,800 s; a resampled before median is 3,600 or 18,000
    // with probability 7/27 each, else 7,200, so the interval is [−16,200, −1,800].
    let comparison = compare(&two_weeks(), before_week(), after_week(), &Thresholds::design_defaults(), SEED);
    assert_eq!(comparison.metrics[0].ci95, Some([1800.0 - 18000.0, 1800.0 - 3600.0]));
    for change in &comparison.metrics {
        let [low, high] = change.ci95.unwrap();
        let difference = change.difference.unwrap();
        assert!(low <= difference && difference <= high, "{change:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_output_and_another_seed_another_interval() {
    let data = spread_responses();
    let thresholds = Thresholds::design_defaults();
    let first = compare(&data, before_week(), after_week(), &thresholds, 1);
    assert_eq!(first, compare(&data, before_week(), after_week(), &thresholds, 1));
    let other = compare(&data, before_week(), after_week(), &thresholds, 2);
    assert_eq!(points(&first), points(&other));
    assert_ne!(first.metrics[0].ci95, other.metrics[0].ci95);
}

#[test]
fn identical_windows_differ_by_zero_within_an_interval_around_zero() {
    for data in [two_weeks(), spread_responses()] {
        let comparison = compare(&data, before_week(), before_week(), &Thresholds::design_defaults(), SEED);
        for change in comparison.metrics.iter().filter(|m| m.before.is_some()) {
            assert_eq!(change.difference, Some(0.0), "{change:?}");
            let [low, high] = change.ci95.unwrap();
            assert!(low <= 0.0 && 0.0 <= high, "{change:?}");
        }
    }
}

#[test]
fn the_comparison_serializes_windows_as_rfc_3339_and_empty_values_as_null() {
    let february = window("2024-02-01T00:00:00Z", "2024-02-08T00:00:00Z");
    let comparison = compare(&two_weeks(), february, after_week(), &Thresholds::design_defaults(), SEED);
    let json = serde_json::to_value(&comparison).unwrap();
    assert_eq!(json["before"], serde_json::json!({"from": "2024-02-01T00:00:00Z", "to": "2024-02-08T00:00:00Z"}));
    assert_eq!(
        json["metrics"][0],
        serde_json::json!({
            "metric": "median_working_response_s",
            "before": null,
            "after": 1800.0,
            "difference": null,
            "ci95": null,
        })
    );
}

#[test]
fn splitmix64_matches_the_reference_outputs_for_seed_zero() {
    // From Vigna's splitmix64.c with x = 0.
    let mut rng = SplitMix64::new(0);
    assert_eq!(
        [rng.next_u64(), rng.next_u64(), rng.next_u64()],
        [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    #[test]
    fn the_seeded_bootstrap_is_deterministic(seed: u64) {
        let data = spread_responses();
        let thresholds = Thresholds::design_defaults();
        let first = compare(&data, before_week(), after_week(), &thresholds, seed);
        proptest::prop_assert_eq!(&first, &compare(&data, before_week(), after_week(), &thresholds, seed));
        let [low, high] = first.metrics[0].ci95.unwrap();
        proptest::prop_assert!(low <= high);
    }
}
