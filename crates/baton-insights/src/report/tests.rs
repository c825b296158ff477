use baton_core::calendar::Calendar;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn message(id: i64, author: usize, when: &str, question: bool) -> Message {
    Message { id, conversation: 0, author, at: at(when), mentions_other: false, ends_with_question: question }
}

fn json_of(data: &Dataset, from: &str, to: &str) -> Value {
    let window = Window::new(at(from), at(to)).unwrap();
    serde_json::to_value(report(data, window, &Thresholds::design_defaults())).unwrap()
}

fn dataset(messages: Vec<Message>) -> Dataset {
    let people =
        ["ana", "bo"].iter().map(|h| Person { handle: h.to_string(), calendar: Calendar::utc_default() }).collect();
    let thread = Conversation {
        kind: ConversationKind::Thread,
        channel: "general".into(),
        title: "plans".into(),
        direct: false,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    };
    Dataset {
        workspace_calendar: Calendar::utc_default(),
        people,
        conversations: vec![thread],
        messages: messages.into(),
        tasks: Vec::new(),
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    }
}

#[test]
fn the_json_has_designs_keys_and_nulls_for_empty_populations() {
    let report = json_of(&dataset(Vec::new()), "2024-05-06T00:00:00Z", "2024-05-13T00:00:00Z");
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    for key in
        ["window", "messages", "response_time", "first_response", "bouncing_threads", "tasks", "members", "isolation"]
    {
        assert!(keys.contains(&key), "no {key} in {keys:?}");
    }
    assert_eq!(report["window"], json!({"from": "2024-05-06T00:00:00Z", "to": "2024-05-13T00:00:00Z"}));
    assert_eq!(report["messages"], json!({"count": 0, "conversations_active": 0, "responses": 0}));
    assert_eq!(report["response_time"]["median_s"], Value::Null);
    assert_eq!(report["response_time"]["within_norm_share"], Value::Null);
    assert_eq!(report["first_response"]["count"], 0);
    assert_eq!(report["tasks"]["created"], 0);
    assert_eq!(report["tasks"]["stall_rate"], Value::Null);
    assert_eq!(report["tasks"]["completion_rate"], Value::Null);
    assert_eq!(report["isolation"], json!({"active": 0, "isolated": 0, "rate": null}));
    assert_eq!(report["members"].as_array().unwrap().len(), 2);
}

#[test]
fn a_small_conversation_gives_hand_computed_numbers() {
    // Mon 6 May 2024, UTC working hours 09:00–17:00: ana asks at 10:00, bo answers at 11:30,
    // ana answers at 16:00 and asks again at 16:30; nobody answers before Fri 10 May 17:00.
    let messages = vec![
        message(1, 0, "2024-05-06T10:00:00Z", true),
        message(2, 1, "2024-05-06T11:30:00Z", false),
        message(3, 0, "2024-05-06T16:00:00Z", false),
        message(4, 0, "2024-05-06T16:30:00Z", true),
    ];
    let report = json_of(&dataset(messages), "2024-05-06T00:00:00Z", "2024-05-10T17:00:00Z");
    assert_eq!(report["messages"], json!({"count": 4, "conversations_active": 1, "responses": 2}));
    // Responses: 1.5 h (bo) and 4.5 h (ana). Median of two is the 1st; p90 the 2nd.
    assert_eq!(report["response_time"]["median_s"], 5400);
    assert_eq!(report["response_time"]["p90_s"], 16200);
    assert_eq!(report["response_time"]["median_working_s"], 5400);
    assert_eq!(report["response_time"]["within_norm_share"], 0.5);
    // ana's last turn asks and waits 0.5 + 3 × 8 = 24.5 working hours > 4.
    assert_eq!(report["response_time"]["awaiting_answer"], 1);
    assert_eq!(
        report["first_response"],
        json!({"count": 1, "median_s": 5400, "p90_s": 5400,
        "median_working_s": 5400, "p90_working_s": 5400})
    );
    assert_eq!(
        report["members"][0],
        json!({"name": "ana", "messages": 3, "collaborators": 1, "isolated": true,
        "huddle_hours": 0.0})
    );
}

/// A small workspace for the property below: three members in zones with and without daylight
/// saving time (and messages by a fourth author missing from the list), channel threads, a
/// timeline, a direct conversation and a task thread, tasks on it and on another project.
/// Messages are (conversation, author, seconds after Mon 2024-03-25 00:00 UTC, asks).
fn workspace(messages: &[(usize, usize, i64, bool)], task_changes: &[(usize, i64, u8)]) -> Dataset {
    use baton_core::calendar::{parse_time_zone, WorkingHours};
    use baton_core::model::TaskStatus;

    use crate::dataset::{Task, TaskChange};

    let base = at("2024-03-25T00:00:00Z");
    let calendar = |zone| Calendar::new(parse_time_zone(zone).unwrap(), WorkingHours::design_default());
    let people = [("ana", "Europe/Berlin"), ("bo", "Asia/Kolkata"), ("cy", "Europe/Berlin")]
        .iter()
        .map(|(handle, zone)| Person { handle: handle.to_string(), calendar: calendar(zone) })
        .collect();
    let conversation = |kind, channel: &str, direct| Conversation {
        kind,
        channel: channel.into(),
        title: "t".into(),
        direct,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    };
    let mut with_norm = conversation(ConversationKind::Thread, "general", false);
    with_norm.norm = Some(SignedDuration::from_mins(30));
    let conversations = vec![
        conversation(ConversationKind::Thread, "general", false),
        with_norm,
        conversation(ConversationKind::Timeline, "random", false),
        conversation(ConversationKind::Timeline, "ana-bo", true),
        conversation(ConversationKind::Thread, "proj", false),
        conversation(ConversationKind::Thread, "random", false),
    ];
    let mut messages: Vec<Message> = messages
        .iter()
        .enumerate()
        .map(|(id, &(conversation, author, offset_s, asks))| Message {
            id: id as i64,
            conversation,
            author,
            at: base + SignedDuration::from_secs(offset_s),
            mentions_other: false,
            ends_with_question: asks,
        })
        .collect();
    messages.sort_by_key(|m| (m.at, m.id));
    let tasks = task_changes
        .iter()
        .enumerate()
        .map(|(idx, &(assignee, offset_s, status))| Task {
            id: idx as i64,
            project: if idx % 2 == 0 { "alpha" } else { "beta" }.into(),
            project_id: None,
            title: "task".into(),
            created_at: base + SignedDuration::from_secs(offset_s / 2),
            status: TaskStatus::Todo,
            assignee: (assignee < 3).then_some(assignee),
            due: Some(jiff::civil::date(2024, 4, 1 + (idx % 5) as i8)),
            changes: match status {
                0 => Vec::new(),
                1 => vec![(base + SignedDuration::from_secs(offset_s), TaskChange::Status(TaskStatus::Done))],
                _ => vec![(base + SignedDuration::from_secs(offset_s), TaskChange::Updated)],
            },
            conversation: (idx % 3 == 0).then_some(4),
        })
        .collect();
    Dataset {
        workspace_calendar: Calendar::utc_default(),
        people,
        conversations,
        messages: messages.into(),
        tasks,
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    }
}

proptest::proptest! {
    /// The report walks the conversations in parts on several threads; however many, it gives
    /// the numbers of one walk and those of each metric's own function.
    #[test]
    fn the_report_is_the_same_in_any_number_of_parts_and_matches_each_metric(
        messages in proptest::collection::vec((0usize..6, 0usize..4, 0i64..2_400_000, proptest::bool::ANY), 0..80),
        task_changes in proptest::collection::vec((0usize..4, 0i64..2_400_000, 0u8..3), 0..8),
        from_s in 0i64..1_200_000,
        length_s in 1i64..1_200_000,
    ) {
        let data = workspace(&messages, &task_changes);
        let base = at("2024-03-25T00:00:00Z");
        let window = Window::new(
            base + SignedDuration::from_secs(from_s),
            base + SignedDuration::from_secs(from_s + length_s),
        ).unwrap();
        let thresholds = Thresholds { bouncing_handoffs: 2, bouncing_span: SignedDuration::from_hours(1), ..Thresholds::design_defaults() };
        let one = report_in_parts(&data, window, &thresholds, 1, &Cancel::NEVER).unwrap();
        for n_parts in 2..=5 {
            proptest::prop_assert_eq!(&report_in_parts(&data, window, &thresholds, n_parts, &Cancel::NEVER).unwrap(), &one);
        }
        let responses = conversations::responses(&data, window.to());
        proptest::prop_assert_eq!(one.messages, conversations::message_stats(&data, window));
        let (response_time, first_response) = conversations::response_stats(&data, window, &thresholds);
        proptest::prop_assert_eq!(one.response_time, response_time);
        proptest::prop_assert_eq!(one.first_response, first_response);
        let bouncing: Vec<BouncingJson> =
            conversations::bouncing_threads(&data, window, &thresholds).into_iter().map(Into::into).collect();
        proptest::prop_assert_eq!(&one.bouncing_threads, &bouncing);
        proptest::prop_assert_eq!(&one.tasks, &tasks::task_stats(&data, window, &thresholds));
        let (members, isolation) = people::members_and_isolation(&data, window, &thresholds, &responses);
        proptest::prop_assert_eq!(&one.members, &members);
        proptest::prop_assert_eq!(&one.isolation, &isolation);
        proptest::prop_assert_eq!(&one.lagging, &crate::lagging::lagging(&data, window, &thresholds));
    }
}

#[test]
fn a_window_from_the_start_of_time_indexes_only_the_messages_span() {
    // The calendars' working-time index covers the messages, not the window: over twenty
    // thousand years it would hold millions of intervals.
    let messages = vec![message(1, 0, "2024-05-06T10:00:00Z", true), message(2, 1, "2024-05-06T11:30:00Z", false)];
    let window = Window::new(Timestamp::MIN, at("2024-05-13T00:00:00Z")).unwrap();
    let started = std::time::Instant::now();
    let report = report(&dataset(messages), window, &Thresholds::design_defaults());
    assert_eq!(report.response_time.median_working_s, Some(5400));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}

/// A report whose reader has gone stops instead of finishing; one not cancelled is the plain
/// report.
#[test]
fn a_cancelled_report_stops_with_cancelled() {
    let messages = vec![message(1, 0, "2024-05-06T10:00:00Z", true), message(2, 1, "2024-05-06T11:30:00Z", false)];
    let data = dataset(messages);
    let window = Window::new(at("2024-05-06T00:00:00Z"), at("2024-05-13T00:00:00Z")).unwrap();
    let thresholds = Thresholds::design_defaults();
    let cancel = Cancel::new();
    assert_eq!(report_until(&data, window, &thresholds, &cancel), Ok(report(&data, window, &thresholds)));
    cancel.clone().cancel();
    assert_eq!(report_until(&data, window, &thresholds, &cancel), Err(Cancelled));
    let before = Window::new(at("2024-04-29T00:00:00Z"), at("2024-05-06T00:00:00Z")).unwrap();
    let compared = crate::compare::compare_until(&data, before, window, &thresholds, 1, &cancel);
    assert_eq!(compared.map(|_| ()), Err(Cancelled));
}
