use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::{
    awaiting_answers, bouncing_threads, message_stats, response_stats, responses, FirstResponseStats, MessageStats,
    Response,
};
use crate::dataset::{Conversation, ConversationKind, Dataset, Message, Person};
use crate::window::{Thresholds, Window};

/// Builds a dataset: people by zone (member index = order given), conversations, and messages
/// whose flags come from their text (`@` mentions another member, a trailing `?` asks).
struct Scenario {
    data: Dataset,
}

impl Scenario {
    fn new() -> Scenario {
        Scenario {
            data: Dataset {
                workspace_calendar: Calendar::utc_default(),
                people: Vec::new(),
                conversations: Vec::new(),
                messages: Vec::new().into(),
                tasks: Vec::new(),
                huddles: Vec::new(),
                thread_decisions: Vec::new(),
            },
        }
    }

    fn people(mut self, zones: &[&str]) -> Scenario {
        for zone in zones {
            let handle = format!("p{}", self.data.people.len());
            self.data.people.push(Person { handle, calendar: calendar(zone) });
        }
        self
    }

    fn workspace(mut self, zone: &str) -> Scenario {
        self.data.workspace_calendar = calendar(zone);
        self
    }

    fn conversation(mut self, conversation: Conversation) -> Scenario {
        self.data.conversations.push(conversation);
        self
    }

    fn message(mut self, conversation: usize, author: usize, at: &str, text: &str) -> Scenario {
        let id = self.data.messages.len() as i64;
        self.data.messages.push(Message {
            id,
            conversation,
            author,
            at: ts(at),
            mentions_other: text.contains('@'),
            ends_with_question: text.trim_end().ends_with('?'),
        });
        self
    }

    fn build(mut self) -> Dataset {
        self.data.sort_messages();
        self.data
    }
}

fn calendar(zone: &str) -> Calendar {
    Calendar::new(parse_time_zone(zone).expect("test zones exist"), WorkingHours::design_default())
}

fn thread() -> Conversation {
    Conversation {
        kind: ConversationKind::Thread,
        channel: "general".to_owned(),
        title: "a topic".to_owned(),
        direct: false,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    }
}

fn timeline() -> Conversation {
    Conversation { kind: ConversationKind::Timeline, title: String::new(), ..thread() }
}

fn ts(at: &str) -> Timestamp {
    at.parse().expect("test instants are RFC 3339")
}

fn window(from: &str, to: &str) -> Window {
    Window::new(ts(from), ts(to)).expect("test windows are ordered")
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// The responses before `to`, as (conversation, asked_at, wall, working, first).
fn check_responses(data: &Dataset, to: &str, expected: &[(usize, &str, SignedDuration, SignedDuration, bool)]) {
    let actual: Vec<_> =
        responses(data, ts(to)).into_iter().map(|r| (r.conversation, r.asked_at, r.wall, r.working, r.first)).collect();
    let expected: Vec<_> = expected
        .iter()
        .map(|&(conversation, asked_at, wall, working, first)| (conversation, ts(asked_at), wall, working, first))
        .collect();
    assert_eq!(actual, expected);
}

/// The report's awaiting count, checked against the list the advisor escalates from.
fn awaiting(data: &Dataset, window: Window) -> usize {
    let counted = response_stats(data, window, &Thresholds::design_defaults()).0.awaiting_answer;
    let listed = awaiting_answers(data, window, &Thresholds::design_defaults());
    assert_eq!(listed.len(), counted, "the listed awaiting turns are the counted ones: {listed:?}");
    assert!(listed.iter().all(|a| a.asked_at < window.to() && a.asked_at >= window.from()));
    counted
}

fn bouncing(data: &Dataset, window: Window, thresholds: &Thresholds) -> Vec<(usize, u32, i64)> {
    bouncing_threads(data, window, thresholds).into_iter().map(|b| (b.conversation, b.handoffs, b.span_s)).collect()
}

/// A thread's messages alternating between members 0 and 1, starting at `start`, one every
/// `gap`: `n_messages - 1` handoffs over `(n_messages - 1) * gap`.
fn alternating(
    mut scenario: Scenario,
    conversation: usize,
    start: &str,
    gap: SignedDuration,
    n_messages: i64,
) -> Scenario {
    for message_idx in 0..n_messages {
        let at = ts(start) + gap * i32::try_from(message_idx).expect("few messages");
        scenario = scenario.message(conversation, (message_idx % 2) as usize, &at.to_string(), "ok");
    }
    scenario
}

#[test]
fn a_response_across_a_weekend_counts_only_friday_and_monday_hours() {
    let data = Scenario::new()
        .people(&["Europe/Berlin", "Europe/Berlin"])
        .conversation(thread())
        .message(0, 0, "2024-03-08T16:00:00+01:00", "ready")
        .message(0, 1, "2024-03-11T10:00:00+01:00", "yes")
        .build();
    let all = responses(&data, ts("2024-03-12T00:00:00Z"));
    assert_eq!(
        all,
        vec![Response {
            conversation: 0,
            asker: 0,
            responder: 1,
            asked_at: ts("2024-03-08T15:00:00Z"),
            responded_at: ts("2024-03-11T09:00:00Z"),
            wall: hours(66),
            working: hours(2),
            first: true,
        }]
    );
}

#[test]
fn a_response_across_the_berlin_spring_forward_loses_a_wall_hour_not_a_working_hour() {
    // Clocks go 02:00 → 03:00 on Sunday 31 March 2024 in Berlin.
    let data = Scenario::new()
        .people(&["Europe/Berlin", "Europe/Berlin"])
        .conversation(thread())
        .message(0, 0, "2024-03-29T16:00:00+01:00", "ready")
        .message(0, 1, "2024-04-01T10:00:00+02:00", "yes")
        .build();
    check_responses(&data, "2024-04-02T00:00:00Z", &[(0, "2024-03-29T15:00:00Z", hours(65), hours(2), true)]);
}

#[test]
fn a_response_across_the_new_york_spring_forward_follows_new_york_local_hours() {
    // Clocks go 02:00 → 03:00 on Sunday 10 March 2024 in New York, three weeks before Berlin.
    // Friday 16:00 EST is 21:00 UTC; Monday 13:30 UTC is 09:30 EDT: 1 h + 30 min of work.
    let data = Scenario::new()
        .people(&["Europe/Berlin", "America/New_York"])
        .conversation(thread())
        .message(0, 0, "2024-03-08T21:00:00Z", "ready")
        .message(0, 1, "2024-03-11T13:30:00Z", "yes")
        .build();
    check_responses(
        &data,
        "2024-03-12T00:00:00Z",
        &[(0, "2024-03-08T21:00:00Z", hours(64) + minutes(30), minutes(90), true)],
    );
}

#[test]
fn kolkata_half_hour_offset_moves_the_working_day_to_0330_utc() {
    // 03:00–12:00 UTC is 08:30–17:30 IST: the whole 09:00–17:00 day, 8 h of 9.
    let data = Scenario::new()
        .people(&["Europe/Berlin", "Asia/Kolkata"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T03:00:00Z", "ready")
        .message(0, 1, "2024-03-04T12:00:00Z", "yes")
        .message(0, 0, "2024-03-04T12:15:00Z", "thanks")
        .message(0, 1, "2024-03-05T03:45:00Z", "welcome")
        .build();
    check_responses(
        &data,
        "2024-03-06T00:00:00Z",
        &[
            (0, "2024-03-04T03:00:00Z", hours(9), hours(8), true),
            // Berlin, the responder here: 13:00 → 13:15 CET.
            (0, "2024-03-04T12:00:00Z", minutes(15), minutes(15), false),
            // Kolkata: 17:45 IST Monday → 09:15 IST Tuesday.
            (0, "2024-03-04T12:15:00Z", hours(15) + minutes(30), minutes(15), false),
        ],
    );
}

#[test]
fn working_hours_start_at_0900_inclusive_and_end_at_1700_exclusive() {
    let data = Scenario::new()
        .people(&["Europe/Berlin", "Europe/Berlin"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T16:59:30+01:00", "ready")
        .message(0, 1, "2024-03-04T17:00:00+01:00", "yes")
        .message(0, 0, "2024-03-05T09:00:00+01:00", "thanks")
        .message(0, 1, "2024-03-05T09:00:30+01:00", "welcome")
        .message(0, 1, "2024-03-05T17:00:00+01:00", "one more")
        .message(0, 0, "2024-03-06T09:00:00+01:00", "go")
        .build();
    check_responses(
        &data,
        "2024-03-07T00:00:00Z",
        &[
            (0, "2024-03-04T15:59:30Z", secs(30), secs(30), true),
            (0, "2024-03-04T16:00:00Z", hours(16), SignedDuration::ZERO, false),
            (0, "2024-03-05T08:00:00Z", secs(30), secs(30), false),
            (0, "2024-03-05T16:00:00Z", hours(16), SignedDuration::ZERO, false),
        ],
    );
}

#[test]
fn working_time_uses_the_responders_calendar_not_the_askers() {
    // 09:00–13:00 UTC is 10:00–14:00 in Berlin (4 h of work) and 14:30–18:30 in Kolkata (2 h 30).
    let data = Scenario::new()
        .people(&["Europe/Berlin", "Asia/Kolkata"])
        .conversation(thread())
        .conversation(thread())
        .message(0, 1, "2024-03-04T09:00:00Z", "ready")
        .message(0, 0, "2024-03-04T13:00:00Z", "yes")
        .message(1, 0, "2024-03-04T09:00:00Z", "ready")
        .message(1, 1, "2024-03-04T13:00:00Z", "yes")
        .build();
    let all = responses(&data, ts("2024-03-05T00:00:00Z"));
    let by_responder: Vec<_> = all.iter().map(|r| (r.conversation, r.asker, r.responder, r.working)).collect();
    assert_eq!(by_responder, vec![(0, 1, 0, hours(4)), (1, 0, 1, minutes(150))]);
}

#[test]
fn consecutive_messages_by_one_author_are_one_turn_answered_from_its_last_message() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T10:00:00Z", "first")
        .message(0, 0, "2024-03-04T11:00:00Z", "second")
        .message(0, 0, "2024-03-04T12:00:00Z", "third")
        .message(0, 1, "2024-03-04T13:00:00Z", "answer")
        .message(0, 1, "2024-03-04T13:30:00Z", "more")
        .message(0, 0, "2024-03-04T14:00:00Z", "thanks")
        .build();
    check_responses(
        &data,
        "2024-03-05T00:00:00Z",
        &[
            (0, "2024-03-04T12:00:00Z", hours(1), hours(1), true),
            (0, "2024-03-04T13:30:00Z", minutes(30), minutes(30), false),
        ],
    );
}

#[test]
fn messages_at_the_same_instant_are_ordered_by_id_and_responses_by_time_then_conversation() {
    let mut data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .conversation(thread())
        .message(1, 0, "2024-03-04T10:00:00Z", "a")
        .message(1, 1, "2024-03-04T11:00:00Z", "b")
        .message(0, 0, "2024-03-04T10:30:00Z", "c")
        .message(0, 1, "2024-03-04T11:00:00Z", "d")
        .build();
    // Same instant in one conversation: the id decides who spoke first.
    data.messages.push(Message {
        id: 100,
        conversation: 0,
        author: 0,
        at: ts("2024-03-04T12:00:00Z"),
        mentions_other: false,
        ends_with_question: false,
    });
    data.messages.push(Message {
        id: 99,
        conversation: 0,
        author: 1,
        at: ts("2024-03-04T12:00:00Z"),
        mentions_other: false,
        ends_with_question: false,
    });
    data.sort_messages();
    let order: Vec<_> = responses(&data, ts("2024-03-05T00:00:00Z"))
        .into_iter()
        .map(|r| (r.conversation, r.responder, r.responded_at))
        .collect();
    assert_eq!(
        order,
        vec![
            (0, 1, ts("2024-03-04T11:00:00Z")),
            (1, 1, ts("2024-03-04T11:00:00Z")),
            // Id 99 (member 1) continues member 1's turn; id 100 (member 0) answers it.
            (0, 0, ts("2024-03-04T12:00:00Z")),
        ]
    );
}

#[test]
fn an_empty_window_has_no_quantiles_and_no_share() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T10:00:00Z", "a")
        .message(0, 1, "2024-03-04T11:00:00Z", "b")
        .build();
    let empty = window("2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z");
    let (stats, first) = response_stats(&data, empty, &Thresholds::design_defaults());
    assert_eq!(stats.median_s, None);
    assert_eq!(stats.p90_s, None);
    assert_eq!(stats.median_working_s, None);
    assert_eq!(stats.p90_working_s, None);
    assert_eq!(stats.within_norm_share, None);
    assert_eq!(stats.awaiting_answer, 0);
    assert_eq!(
        first,
        FirstResponseStats { count: 0, median_s: None, p90_s: None, median_working_s: None, p90_working_s: None }
    );
    assert_eq!(message_stats(&data, empty), MessageStats { count: 0, conversations_active: 0, responses: 0 });
}

#[test]
fn messages_at_or_after_to_do_not_exist() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T09:00:00Z", "ready?")
        .message(0, 1, "2024-03-04T13:30:00Z", "yes")
        .message(0, 1, "2024-03-04T14:00:00Z", "and more")
        .build();
    let before_answer = window("2024-03-04T00:00:00Z", "2024-03-04T13:30:00Z");
    assert!(responses(&data, before_answer.to()).is_empty());
    assert_eq!(message_stats(&data, before_answer), MessageStats { count: 1, conversations_active: 1, responses: 0 });
    // The answer at `to` does not exist, so the question still waits: 4 h 30 > 4 h.
    assert_eq!(awaiting(&data, before_answer), 1);
    let with_answer = window("2024-03-04T00:00:00Z", "2024-03-04T13:30:00.000000001Z");
    assert_eq!(message_stats(&data, with_answer), MessageStats { count: 2, conversations_active: 1, responses: 1 });
    assert_eq!(awaiting(&data, with_answer), 0);
}

#[test]
fn message_stats_count_window_messages_and_conversations_that_started_earlier() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .conversation(timeline())
        .conversation(thread())
        .message(0, 0, "2024-03-01T10:00:00Z", "old")
        .message(0, 1, "2024-03-04T10:00:00Z", "answer in window")
        .message(1, 0, "2024-03-04T11:00:00Z", "a")
        .message(1, 0, "2024-03-04T12:00:00Z", "b")
        .message(2, 0, "2024-03-01T10:00:00Z", "only before")
        .build();
    let stats = message_stats(&data, window("2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"));
    assert_eq!(stats, MessageStats { count: 3, conversations_active: 2, responses: 1 });
}

#[test]
fn a_response_before_from_is_not_counted_but_still_makes_a_handoff() {
    // Seven messages four hours apart from Monday 00:00: six handoffs over exactly 24 h.
    let data = alternating(
        Scenario::new().people(&["UTC", "UTC"]).conversation(thread()),
        0,
        "2024-03-04T00:00:00Z",
        hours(4),
        7,
    )
    .build();
    // The first response (04:00) is before `from`; five are in the window.
    let covered = window("2024-03-04T06:00:00Z", "2024-03-06T00:00:00Z");
    assert_eq!(message_stats(&data, covered), MessageStats { count: 5, conversations_active: 1, responses: 5 });
    let (_, first) = response_stats(&data, covered, &Thresholds::design_defaults());
    assert_eq!(first.count, 0);
    assert_eq!(bouncing(&data, covered, &Thresholds::design_defaults()), vec![(0, 6, 86_400)]);
}

#[test]
fn bouncing_thresholds_are_inclusive() {
    let data = alternating(
        Scenario::new().people(&["UTC", "UTC"]).conversation(thread()),
        0,
        "2024-03-04T00:00:00Z",
        hours(4),
        7,
    )
    .build();
    let covered = window("2024-03-04T00:00:00Z", "2024-03-06T00:00:00Z");
    let defaults = Thresholds::design_defaults();
    assert_eq!(bouncing(&data, covered, &defaults), vec![(0, 6, 86_400)]);
    let more_handoffs = Thresholds { bouncing_handoffs: 7, ..defaults.clone() };
    assert_eq!(bouncing(&data, covered, &more_handoffs), vec![]);
    let longer_span = Thresholds { bouncing_span: hours(24) + SignedDuration::from_nanos(1), ..defaults.clone() };
    assert_eq!(bouncing(&data, covered, &longer_span), vec![]);
    // Before Tuesday 00:00 the thread has five handoffs over 20 h.
    let earlier = window("2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z");
    assert_eq!(bouncing(&data, earlier, &defaults), vec![]);
}

#[test]
fn resolved_threads_and_timelines_do_not_bounce_but_reopened_threads_do() {
    let resolved_at = |changes: &[(&str, bool)]| Conversation {
        resolutions: changes.iter().map(|&(at, resolved)| (ts(at), resolved)).collect(),
        ..thread()
    };
    let mut scenario = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(resolved_at(&[("2024-03-05T01:00:00Z", true)]))
        .conversation(timeline())
        .conversation(resolved_at(&[("2024-03-05T01:00:00Z", true), ("2024-03-05T02:00:00Z", false)]))
        // Resolved only at `to`: that change does not exist yet.
        .conversation(resolved_at(&[("2024-03-06T00:00:00Z", true)]))
        // Reopened at `to`: still resolved.
        .conversation(resolved_at(&[("2024-03-05T01:00:00Z", true), ("2024-03-06T00:00:00Z", false)]));
    for conversation in 0..5 {
        scenario = alternating(scenario, conversation, "2024-03-04T00:00:00Z", hours(4), 7);
    }
    let data = scenario.build();
    let covered = window("2024-03-04T00:00:00Z", "2024-03-06T00:00:00Z");
    assert_eq!(bouncing(&data, covered, &Thresholds::design_defaults()), vec![(2, 6, 86_400), (3, 6, 86_400)]);
}

#[test]
fn bouncing_threads_sort_by_handoffs_then_span_then_index() {
    let mut scenario = Scenario::new().people(&["UTC", "UTC"]);
    for _ in 0..4 {
        scenario = scenario.conversation(thread());
    }
    scenario = alternating(scenario, 0, "2024-03-04T00:00:00Z", hours(4), 7); // 6 handoffs, 24 h
    scenario = alternating(scenario, 1, "2024-03-04T00:00:00Z", hours(5), 7); // 6 handoffs, 30 h
    scenario = alternating(scenario, 2, "2024-03-04T00:00:00Z", hours(3), 9); // 8 handoffs, 24 h
    scenario = alternating(scenario, 3, "2024-03-04T00:00:00Z", hours(4), 7); // ties with 0
    let data = scenario.build();
    let covered = window("2024-03-04T00:00:00Z", "2024-03-07T00:00:00Z");
    assert_eq!(
        bouncing(&data, covered, &Thresholds::design_defaults()),
        vec![(2, 8, 86_400), (1, 6, 108_000), (0, 6, 86_400), (3, 6, 86_400)]
    );
    let rows = bouncing_threads(&data, covered, &Thresholds::design_defaults());
    assert_eq!((rows[0].channel.as_str(), rows[0].thread.as_str()), ("general", "a topic"));
}

#[test]
fn a_bouncing_thread_needs_a_message_in_the_window() {
    let data = alternating(
        Scenario::new().people(&["UTC", "UTC"]).conversation(thread()),
        0,
        "2024-03-04T00:00:00Z",
        hours(4),
        7,
    )
    .build();
    let after = window("2024-03-05T00:00:00.000000001Z", "2024-03-08T00:00:00Z");
    assert_eq!(bouncing(&data, after, &Thresholds::design_defaults()), vec![]);
}

#[test]
fn only_the_answer_to_the_first_turn_is_a_first_response() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T09:00:00Z", "a")
        .message(0, 0, "2024-03-04T09:30:00Z", "a again")
        .message(0, 1, "2024-03-04T10:00:00Z", "b")
        .message(0, 0, "2024-03-04T12:00:00Z", "a")
        .message(0, 1, "2024-03-04T15:00:00Z", "b")
        .build();
    let flags: Vec<_> = responses(&data, ts("2024-03-05T00:00:00Z")).iter().map(|r| r.first).collect();
    assert_eq!(flags, vec![true, false, false]);
    let (stats, first) =
        response_stats(&data, window("2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"), &Thresholds::design_defaults());
    assert_eq!(
        first,
        FirstResponseStats {
            count: 1,
            median_s: Some(1800),
            p90_s: Some(1800),
            median_working_s: Some(1800),
            p90_working_s: Some(1800)
        }
    );
    // Wall times 30 min, 2 h, 3 h: the median is the 2nd.
    assert_eq!(stats.median_s, Some(7200));
    assert_eq!(stats.p90_s, Some(10_800));
}

#[test]
fn within_norm_is_at_most_the_norm_in_exact_working_time() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .conversation(thread())
        .conversation(Conversation { norm: Some(hours(1)), ..thread() })
        .message(0, 0, "2024-03-04T09:00:00Z", "a")
        .message(0, 1, "2024-03-04T13:00:00Z", "exactly 4 h: within")
        .message(1, 0, "2024-03-04T09:00:00Z", "a")
        .message(1, 1, "2024-03-04T13:00:00.5Z", "4 h 0.5 s: not within")
        .message(2, 0, "2024-03-04T09:00:00Z", "a")
        .message(2, 1, "2024-03-04T10:30:00Z", "1 h 30 against a 1 h norm: not within")
        .build();
    let (stats, _) =
        response_stats(&data, window("2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"), &Thresholds::design_defaults());
    assert_eq!(stats.within_norm_share, Some(1.0 / 3.0));
    // 1 h 30, 4 h, 4 h 0.5 s: the median is the exact 4 h; the p90 floors 4 h 0.5 s.
    assert_eq!(stats.median_working_s, Some(14_400));
    assert_eq!(stats.p90_working_s, Some(14_400));
}

#[test]
fn awaiting_is_more_than_the_norm_in_the_workspace_calendar() {
    // Asked at 09:00 UTC by someone in Kolkata (14:30 IST): the workspace calendar (UTC)
    // decides, where 13:00 UTC is exactly 4 h later; Kolkata would count only 2 h 30.
    let data = Scenario::new()
        .workspace("UTC")
        .people(&["Asia/Kolkata", "UTC"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T09:00:00Z", "ready?")
        .build();
    assert_eq!(awaiting(&data, window("2024-03-04T00:00:00Z", "2024-03-04T13:00:00Z")), 0);
    assert_eq!(awaiting(&data, window("2024-03-04T00:00:00Z", "2024-03-04T13:00:00.000000001Z")), 1);
    // Asked at 07:00 UTC: a Berlin workspace counts from 08:00 UTC (09:00 CET), a UTC one from
    // 09:00, so at 12:00 UTC only Berlin's has waited more than 4 h.
    let asked_early = |workspace| {
        Scenario::new()
            .workspace(workspace)
            .people(&["Asia/Kolkata", "UTC"])
            .conversation(thread())
            .message(0, 0, "2024-03-04T07:00:00Z", "ready?")
            .build()
    };
    let until_noon = window("2024-03-04T00:00:00Z", "2024-03-04T12:00:00.000000001Z");
    assert_eq!(awaiting(&asked_early("Europe/Berlin"), until_noon), 1);
    assert_eq!(awaiting(&asked_early("UTC"), until_noon), 0);
    let custom_norm = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(Conversation { norm: Some(hours(1)), ..thread() })
        .message(0, 0, "2024-03-04T09:00:00Z", "ready?")
        .build();
    assert_eq!(awaiting(&custom_norm, window("2024-03-04T00:00:00Z", "2024-03-04T10:00:00Z")), 0);
    assert_eq!(awaiting(&custom_norm, window("2024-03-04T00:00:00Z", "2024-03-04T10:00:01Z")), 1);
}

#[test]
fn awaiting_needs_an_ask_that_is_still_the_last_turn_and_ends_in_the_window() {
    // Each turn waits from Monday 09:00 to Tuesday 09:00 UTC: 8 working hours.
    let check = |texts: &[(usize, &str)], expected: usize| {
        let mut scenario = Scenario::new().people(&["UTC", "UTC"]).conversation(thread());
        for (message_idx, &(author, text)) in texts.iter().enumerate() {
            let at = ts("2024-03-04T09:00:00Z") - secs(60) * i32::try_from(texts.len() - 1 - message_idx).expect("few");
            scenario = scenario.message(0, author, &at.to_string(), text);
        }
        let data = scenario.build();
        assert_eq!(awaiting(&data, window("2024-03-04T00:00:00Z", "2024-03-05T09:00:00Z")), expected, "{texts:?}");
    };
    check(&[(0, "ready")], 0);
    check(&[(0, "ready?")], 1);
    check(&[(0, "ready?  \n")], 1);
    check(&[(0, "@p1 ready")], 1);
    // A mention anywhere in the turn asks; a question mark only on its last message.
    check(&[(0, "@p1 look"), (0, "done")], 1);
    check(&[(0, "ready?"), (0, "done")], 0);
    // A mention in an earlier turn does not make the last one ask.
    check(&[(1, "@p0 look"), (0, "done")], 0);
    // Answered: the asking turn is no longer the last.
    check(&[(0, "ready?"), (1, "yes")], 0);
    // Several conversations each count once.
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .conversation(timeline())
        .message(0, 0, "2024-03-04T09:00:00Z", "ready?")
        .message(1, 1, "2024-03-04T09:00:00Z", "@p0 here")
        .build();
    assert_eq!(awaiting(&data, window("2024-03-04T00:00:00Z", "2024-03-05T09:00:00Z")), 2);
    // The asking turn's last message is before `from`: not this window's.
    assert_eq!(awaiting(&data, window("2024-03-04T09:00:00.000000001Z", "2024-03-05T09:00:00Z")), 0);
}

#[test]
fn nearest_rank_p90_over_ten_responses_is_the_ninth() {
    let gaps = [7, 3, 10, 1, 9, 2, 8, 5, 4, 6];
    let mut scenario = Scenario::new().people(&["UTC", "UTC"]).conversation(thread());
    let mut at = ts("2024-03-04T10:00:00Z");
    scenario = scenario.message(0, 0, &at.to_string(), "start");
    for (gap_idx, gap) in gaps.iter().enumerate() {
        at += minutes(*gap);
        scenario = scenario.message(0, (gap_idx + 1) % 2, &at.to_string(), "reply");
    }
    let data = scenario.build();
    let (stats, first) =
        response_stats(&data, window("2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"), &Thresholds::design_defaults());
    assert_eq!((stats.median_s, stats.p90_s), (Some(300), Some(540)));
    assert_eq!((stats.median_working_s, stats.p90_working_s), (Some(300), Some(540)));
    assert_eq!(stats.within_norm_share, Some(1.0));
    assert_eq!(first.count, 1);
    assert_eq!(first.median_s, Some(420));
}

#[test]
fn reported_quantiles_are_floored_to_whole_seconds() {
    let data = Scenario::new()
        .people(&["UTC", "UTC"])
        .conversation(thread())
        .message(0, 0, "2024-03-04T10:00:00Z", "a")
        .message(0, 1, "2024-03-04T10:00:01.999Z", "b")
        .build();
    let (stats, _) =
        response_stats(&data, window("2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z"), &Thresholds::design_defaults());
    assert_eq!((stats.median_s, stats.p90_working_s), (Some(1), Some(1)));
}

/// Messages as (conversation, author, seconds after Monday 2024-03-04 00:00 UTC).
fn arbitrary_dataset(messages: &[(usize, usize, i64)]) -> Dataset {
    let base = ts("2024-03-04T00:00:00Z");
    let mut scenario = Scenario::new().people(&["Europe/Berlin", "Asia/Kolkata", "America/New_York"]);
    for _ in 0..3 {
        scenario = scenario.conversation(thread());
    }
    for &(conversation, author, offset_s) in messages {
        scenario = scenario.message(conversation, author, &(base + secs(offset_s)).to_string(), "m?");
    }
    scenario.build()
}

proptest! {
    #[test]
    fn splitting_a_window_never_loses_or_double_counts_a_response(
        messages in proptest::collection::vec((0usize..3, 0usize..3, 0i64..1_000_000), 0..60),
        cuts in proptest::collection::btree_set(0i64..1_000_000, 3),
    ) {
        let data = arbitrary_dataset(&messages);
        let base = ts("2024-03-04T00:00:00Z");
        let cuts: Vec<Timestamp> = cuts.into_iter().map(|offset_s| base + secs(offset_s)).collect();
        let (a, b, c) = (cuts[0], cuts[1], cuts[2]);
        let thresholds = Thresholds::design_defaults();
        let whole = Window::new(a, c).expect("ordered");
        let left = Window::new(a, b).expect("ordered");
        let right = Window::new(b, c).expect("ordered");
        let stats = |window| message_stats(&data, window);
        prop_assert_eq!(stats(left).responses + stats(right).responses, stats(whole).responses);
        prop_assert_eq!(stats(left).count + stats(right).count, stats(whole).count);
        let firsts = |window| response_stats(&data, window, &thresholds).1.count;
        prop_assert_eq!(firsts(left) + firsts(right), firsts(whole));
        let in_whole = responses(&data, c).iter().filter(|r| whole.contains(r.responded_at)).count();
        prop_assert_eq!(in_whole, stats(whole).responses);
    }
}

#[test]
fn the_reports_state_of_a_conversation_fits_one_cache_line() {
    // What the report's walk keeps per conversation: the tail, with the lagging and
    // collaboration tags and the norm (see `gather_part`). One cache line, so one miss per
    // message.
    type ReportTail = super::Tail<Option<((crate::lagging::Group, ()), SignedDuration)>>;
    assert_eq!(std::mem::size_of::<Option<ReportTail>>(), 64);
    assert_eq!(std::mem::align_of::<Option<ReportTail>>(), 64);
}
