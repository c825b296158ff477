//! Every expected number below is computed by hand in the comment next to it. Calendars use
//! the default hours, Mon–Fri 09:00–17:00 local; 2024-03-04 is a Monday.

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::model::TaskStatus;
use jiff::civil::{date, Date};
use jiff::Timestamp;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person};

/// `people[0]`: a member working in UTC.
const UTC_MEMBER: MemberIdx = 0;
/// `people[1]`: a member in Sydney (UTC+11 in March 2024, before DST ends on 7 April).
const SYDNEY_MEMBER: MemberIdx = 1;
/// `conversations[0]`, the thread the tasks below use, and `conversations[1]`, another one.
const TASK_THREAD: usize = 0;
const OTHER_THREAD: usize = 1;

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn calendar(zone: &str) -> Calendar {
    Calendar::new(parse_time_zone(zone).unwrap(), WorkingHours::design_default())
}

fn window(from: &str, to: &str) -> Window {
    Window::new(at(from), at(to)).unwrap()
}

fn thread() -> Conversation {
    Conversation {
        kind: ConversationKind::Thread,
        channel: "general".to_owned(),
        title: "a task".to_owned(),
        direct: false,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    }
}

/// A workspace in `workspace_zone` with the two members and two threads above, no messages.
fn dataset(workspace_zone: &str, tasks: Vec<Task>) -> Dataset {
    Dataset {
        workspace_calendar: calendar(workspace_zone),
        people: vec![
            Person { handle: "ana".to_owned(), calendar: calendar("UTC") },
            Person { handle: "sid".to_owned(), calendar: calendar("Australia/Sydney") },
        ],
        conversations: vec![thread(), thread()],
        messages: Vec::new().into(),
        tasks,
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    }
}

fn message(conversation: usize, instant: &str) -> Message {
    Message {
        id: 1,
        conversation,
        author: UTC_MEMBER,
        at: at(instant),
        mentions_other: false,
        ends_with_question: false,
    }
}

/// An unassigned `todo` task without due date or thread, created at `created`.
fn task(created: &str) -> Task {
    Task {
        id: 1,
        project: "p".to_owned(),
        project_id: None,
        title: "t".to_owned(),
        created_at: at(created),
        status: TaskStatus::Todo,
        assignee: None,
        due: None,
        changes: Vec::new(),
        conversation: None,
    }
}

fn with_changes(mut task: Task, changes: &[(&str, TaskChange)]) -> Task {
    task.changes.extend(changes.iter().map(|(instant, change)| (at(instant), change.clone())));
    task
}

fn done_at(task: Task, instant: &str) -> Task {
    with_changes(task, &[(instant, TaskChange::Status(TaskStatus::Done))])
}

fn due_on(task: Task, due: Date) -> Task {
    Task { due: Some(due), ..task }
}

fn assigned(task: Task, member: MemberIdx) -> Task {
    Task { assignee: Some(member), ..task }
}

fn stalled(data: &Dataset, to: &str) -> bool {
    is_stalled(data, &data.tasks[0], at(to), &Thresholds::design_defaults())
}

fn stats(data: &Dataset, from: &str, to: &str) -> TaskStats {
    task_stats(data, window(from, to), &Thresholds::design_defaults())
}

fn empty_stats() -> TaskStats {
    TaskStats::default()
}

#[test]
fn a_due_date_ends_at_the_next_midnight_of_the_workspace_zone() {
    // Los Angeles is UTC−8 until 10 March 2024: 2024-03-05 local is [03-05T08:00Z, 03-06T08:00Z).
    let tasks = || {
        vec![
            done_at(due_on(task("2024-03-04T10:00:00Z"), date(2024, 3, 5)), "2024-03-06T07:30:00Z"),
            done_at(due_on(task("2024-03-04T10:00:00Z"), date(2024, 3, 5)), "2024-03-06T08:30:00Z"),
            done_at(due_on(task("2024-03-04T10:00:00Z"), date(2024, 3, 5)), "2024-03-06T08:00:00Z"),
        ]
    };
    // The window is the local week Mon 03-04 00:00 PST .. Mon 03-11 00:00 PDT.
    let los_angeles = stats(&dataset("America/Los_Angeles", tasks()), "2024-03-04T08:00:00Z", "2024-03-11T07:00:00Z");
    // 07:30Z is still 2024-03-05 there; 08:00Z is the next midnight (not strictly before it).
    assert_eq!((los_angeles.due, los_angeles.done_on_time), (3, 1));
    assert_eq!(los_angeles.completion_rate, Some(1.0 / 3.0));
    // In a UTC workspace the same date ended at 03-06T00:00Z, before all three.
    let utc = stats(&dataset("UTC", tasks()), "2024-03-04T08:00:00Z", "2024-03-11T07:00:00Z");
    assert_eq!((utc.due, utc.done_on_time, utc.completion_rate), (3, 0, Some(0.0)));
}

#[test]
fn a_due_date_is_in_the_window_when_its_local_midnight_is() {
    // Los Angeles (UTC−8): from is the local midnight starting 03-05, to the one starting 03-07.
    let due_count = |due: Date| {
        let data = dataset("America/Los_Angeles", vec![due_on(task("2024-03-01T00:00:00Z"), due)]);
        stats(&data, "2024-03-05T08:00:00Z", "2024-03-07T08:00:00Z").due
    };
    assert_eq!(due_count(date(2024, 3, 4)), 0);
    assert_eq!(due_count(date(2024, 3, 5)), 1, "starts exactly at from");
    assert_eq!(due_count(date(2024, 3, 6)), 1);
    assert_eq!(due_count(date(2024, 3, 7)), 0, "starts exactly at to");
    // One nanosecond more and the midnight starting 03-07 (08:00Z) is inside.
    let data = dataset("America/Los_Angeles", vec![due_on(task("2024-03-01T00:00:00Z"), date(2024, 3, 7))]);
    assert_eq!(stats(&data, "2024-03-06T08:00:00Z", "2024-03-07T08:00:00.000000001Z").due, 1);
}

#[test]
fn a_due_date_whose_midnight_does_not_exist_starts_when_the_day_does() {
    // Havana springs forward at 00:00 on 2024-03-10 (CST, UTC−5, to CDT, UTC−4): 00:00 is skipped
    // and the day starts at 01:00 CDT = 05:00Z, which is also where 2024-03-09 ends.
    let due = |due: Date| due_on(task("2024-03-01T00:00:00Z"), due);
    let data = dataset("America/Havana", vec![due(date(2024, 3, 10))]);
    assert_eq!(stats(&data, "2024-03-10T05:00:00Z", "2024-03-11T05:00:00Z").due, 1);
    assert_eq!(stats(&data, "2024-03-10T05:00:00.000000001Z", "2024-03-11T05:00:00Z").due, 0);
    assert_eq!(stats(&data, "2024-03-09T05:00:00Z", "2024-03-10T05:00:00Z").due, 0);
    let data = dataset(
        "America/Havana",
        vec![
            done_at(due(date(2024, 3, 9)), "2024-03-10T04:59:59.999999999Z"),
            done_at(due(date(2024, 3, 9)), "2024-03-10T05:00:00Z"),
        ],
    );
    let on_time = stats(&data, "2024-03-09T05:00:00Z", "2024-03-10T05:00:00.000000001Z");
    assert_eq!((on_time.due, on_time.done_on_time), (2, 1));
}

#[test]
fn a_cancelled_or_open_task_counts_as_due_but_not_done_on_time() {
    // UTC: 2024-03-05 is [03-05T00:00Z, 03-06T00:00Z), in the window below.
    let data = dataset(
        "UTC",
        vec![
            with_changes(
                due_on(task("2024-03-04T10:00:00Z"), date(2024, 3, 5)),
                &[("2024-03-05T10:00:00Z", TaskChange::Status(TaskStatus::Cancelled))],
            ),
            due_on(task("2024-03-04T10:00:00Z"), date(2024, 3, 5)),
            // Done before the window opened, but before its due date ended: on time.
            done_at(due_on(task("2024-02-01T10:00:00Z"), date(2024, 3, 5)), "2024-02-02T10:00:00Z"),
            // Its due date moved out of the window before `to`.
            with_changes(
                due_on(task("2024-03-04T10:00:00Z"), date(2024, 3, 5)),
                &[("2024-03-05T12:00:00Z", TaskChange::Due(Some(date(2024, 4, 1))))],
            ),
            // Created at `to`: it does not exist yet.
            due_on(task("2024-03-11T00:00:00Z"), date(2024, 3, 5)),
        ],
    );
    let stats = stats(&data, "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z");
    assert_eq!(
        state_at(&data.tasks[0], at("2024-03-11T00:00:00Z")),
        Some(TaskState::Cancelled { at: at("2024-03-05T10:00:00Z") })
    );
    assert_eq!((stats.due, stats.done_on_time, stats.completion_rate), (3, 1, Some(1.0 / 3.0)));
    // Created in the window: the cancelled one, the open one and the moved one.
    assert_eq!((stats.created, stats.done, stats.open), (3, 0, 2));
}

#[test]
fn a_task_stalls_at_exactly_24_working_hours() {
    // Unassigned, UTC workspace: created Mon 09:00Z, so Mon + Tue + Wed until 17:00Z is 24 h.
    let data = dataset("UTC", vec![task("2024-03-04T09:00:00Z")]);
    assert!(stalled(&data, "2024-03-06T17:00:00Z"));
    assert!(!stalled(&data, "2024-03-06T16:59:59.999999999Z"));
    // The night adds no working time.
    assert!(stalled(&data, "2024-03-07T09:00:00Z"));
    let thresholds = Thresholds::design_defaults();
    assert_eq!(stalled_tasks(&data, window("2024-03-06T00:00:00Z", "2024-03-06T17:00:00Z"), &thresholds), vec![0]);
    assert_eq!(
        stalled_tasks(&data, window("2024-03-06T00:00:00Z", "2024-03-06T16:59:59Z"), &thresholds),
        Vec::<usize>::new()
    );
    let stats = stats(&data, "2024-03-06T00:00:00Z", "2024-03-06T17:00:00Z");
    assert_eq!((stats.open, stats.stalled, stats.stall_rate), (1, 1, Some(1.0)));
}

#[test]
fn a_task_stalls_in_its_assignees_calendar_or_the_workspaces_when_unassigned() {
    // Created 03-03T22:00Z = Mon 09:00 in Sydney; `to` = 03-06T06:00Z = Wed 17:00 in Sydney.
    // Sydney: Mon + Tue + Wed = 24 working hours. UTC: Sun 0 + Mon 8 + Tue 8 + Wed 0 = 16.
    let created = || task("2024-03-03T22:00:00Z");
    let to = "2024-03-06T06:00:00Z";
    assert!(stalled(&dataset("UTC", vec![assigned(created(), SYDNEY_MEMBER)]), to));
    assert!(!stalled(&dataset("UTC", vec![assigned(created(), UTC_MEMBER)]), to));
    assert!(!stalled(&dataset("UTC", vec![created()]), to));
    assert!(stalled(&dataset("Australia/Sydney", vec![created()]), to));
}

#[test]
fn a_reassignment_at_or_after_to_is_ignored() {
    // As above: 24 working hours in Sydney, 16 in UTC.
    let to = "2024-03-06T06:00:00Z";
    let later = with_changes(
        assigned(task("2024-03-03T22:00:00Z"), SYDNEY_MEMBER),
        &[(to, TaskChange::Assigned(Some(UTC_MEMBER))), ("2024-03-07T00:00:00Z", TaskChange::Assigned(None))],
    );
    assert_eq!(assignee_at(&later, at(to)), Some(SYDNEY_MEMBER));
    assert_eq!(assignee_at(&later, at("2024-03-06T06:00:00.000000001Z")), Some(UTC_MEMBER));
    assert!(stalled(&dataset("UTC", vec![later]), to));
    // Reassigned to the UTC member at 03-03T23:00Z: from then to `to`, UTC gives Mon 8 + Tue 8.
    let before = with_changes(
        assigned(task("2024-03-03T22:00:00Z"), SYDNEY_MEMBER),
        &[("2024-03-03T23:00:00Z", TaskChange::Assigned(Some(UTC_MEMBER)))],
    );
    assert_eq!(assignee_at(&before, at(to)), Some(UTC_MEMBER));
    assert!(!stalled(&dataset("UTC", vec![before]), to));
}

#[test]
fn a_message_in_the_tasks_thread_or_a_change_is_activity() {
    // Unassigned, UTC: created Mon 09:00Z, `to` Wed 17:00Z = 24 working hours without activity.
    let to = "2024-03-06T17:00:00Z";
    let in_thread = || Task { conversation: Some(TASK_THREAD), ..task("2024-03-04T09:00:00Z") };
    let with_messages =
        |messages: Vec<Message>| Dataset { messages: messages.into(), ..dataset("UTC", vec![in_thread()]) };
    // Tue 09:00Z to Wed 17:00Z is 16 working hours.
    let answered = with_messages(vec![message(TASK_THREAD, "2024-03-05T09:00:00Z")]);
    assert_eq!(last_activity(&answered, &answered.tasks[0], at(to)), at("2024-03-05T09:00:00Z"));
    assert!(!stalled(&answered, to));
    let elsewhere = with_messages(vec![message(OTHER_THREAD, "2024-03-05T09:00:00Z")]);
    assert_eq!(last_activity(&elsewhere, &elsewhere.tasks[0], at(to)), at("2024-03-04T09:00:00Z"));
    assert!(stalled(&elsewhere, to));
    let at_to = with_messages(vec![message(TASK_THREAD, "2024-03-05T09:00:00Z"), message(TASK_THREAD, to)]);
    assert_eq!(last_activity(&at_to, &at_to.tasks[0], at(to)), at("2024-03-05T09:00:00Z"));
    let edited = dataset("UTC", vec![with_changes(in_thread(), &[("2024-03-05T09:00:00Z", TaskChange::Updated)])]);
    assert_eq!(last_activity(&edited, &edited.tasks[0], at(to)), at("2024-03-05T09:00:00Z"));
    assert!(!stalled(&edited, to));
    let thresholds = Thresholds::design_defaults();
    assert_eq!(stalled_tasks(&answered, window("2024-03-04T00:00:00Z", to), &thresholds), Vec::<usize>::new());
    assert_eq!(stalled_tasks(&elsewhere, window("2024-03-04T00:00:00Z", to), &thresholds), vec![0]);
}

#[test]
fn a_task_done_exactly_at_to_is_still_open() {
    let data = dataset("UTC", vec![done_at(task("2024-03-04T09:00:00Z"), "2024-03-05T09:00:00Z")]);
    let task = &data.tasks[0];
    assert_eq!(state_at(task, at("2024-03-05T09:00:00Z")), Some(TaskState::Open));
    assert_eq!(
        state_at(task, at("2024-03-05T09:00:00.000000001Z")),
        Some(TaskState::Done { at: at("2024-03-05T09:00:00Z") })
    );
    assert_eq!(state_at(task, at("2024-03-04T09:00:00Z")), None, "not created before to");
    let stats = stats(&data, "2024-03-04T00:00:00Z", "2024-03-05T09:00:00Z");
    assert_eq!((stats.created, stats.done, stats.open, stats.cycle_median_s), (1, 0, 1, None));
}

#[test]
fn a_reopened_task_is_open_again() {
    let data = dataset(
        "UTC",
        vec![with_changes(
            task("2024-03-04T09:00:00Z"),
            &[
                ("2024-03-05T09:00:00Z", TaskChange::Status(TaskStatus::Done)),
                ("2024-03-06T09:00:00Z", TaskChange::Status(TaskStatus::InProgress)),
            ],
        )],
    );
    let task = &data.tasks[0];
    assert_eq!(state_at(task, at("2024-03-05T12:00:00Z")), Some(TaskState::Done { at: at("2024-03-05T09:00:00Z") }));
    assert_eq!(state_at(task, at("2024-03-06T12:00:00Z")), Some(TaskState::Open));
    let stats = stats(&data, "2024-03-04T00:00:00Z", "2024-03-07T00:00:00Z");
    assert_eq!((stats.done, stats.open, stats.stalled), (0, 1, 0));
}

#[test]
fn an_empty_population_gives_no_rates_or_quantiles() {
    assert_eq!(stats(&dataset("UTC", Vec::new()), "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"), empty_stats());
    // Created and done before the window: nothing in it, nothing open.
    let data = dataset("UTC", vec![done_at(task("2024-02-01T09:00:00Z"), "2024-02-02T09:00:00Z")]);
    assert_eq!(stats(&data, "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"), empty_stats());
}

#[test]
fn cycle_time_quantiles_use_nearest_rank_then_floor() {
    // Ten unassigned tasks created Mon 09:00Z, done k hours and half a second later (k = 10..1).
    // Wall: k h + 0.5 s. Working (UTC 09:00–17:00): k h + 0.5 s for k ≤ 7, then 8 h for k = 8..10.
    // Median = 5th smallest, p90 = 9th smallest.
    let tasks = (1..=10)
        .rev()
        .map(|k| {
            let done = at("2024-03-04T09:00:00.5Z") + jiff::SignedDuration::from_hours(k);
            Task { changes: vec![(done, TaskChange::Status(TaskStatus::Done))], ..task("2024-03-04T09:00:00Z") }
        })
        .collect();
    let stats = stats(&dataset("UTC", tasks), "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z");
    assert_eq!((stats.created, stats.done, stats.open), (10, 10, 0));
    assert_eq!(stats.cycle_median_s, Some(5 * 3600));
    assert_eq!(stats.cycle_p90_s, Some(9 * 3600));
    assert_eq!(stats.cycle_median_working_s, Some(5 * 3600));
    assert_eq!(stats.cycle_p90_working_s, Some(8 * 3600));
}

#[test]
fn cycle_working_time_uses_the_assignee_at_to() {
    // 03-04T00:00Z–04:00Z is Mon 11:00–15:00 in Sydney (4 working hours) and outside UTC hours.
    let done = || done_at(task("2024-03-04T00:00:00Z"), "2024-03-04T04:00:00Z");
    let cycle = |task: Task| {
        let stats = stats(&dataset("UTC", vec![task]), "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z");
        (stats.cycle_median_s, stats.cycle_median_working_s)
    };
    assert_eq!(cycle(assigned(done(), SYDNEY_MEMBER)), (Some(4 * 3600), Some(4 * 3600)));
    assert_eq!(cycle(done()), (Some(4 * 3600), Some(0)));
    // Handed to Sydney after it was done, before `to`: the assignee at `to` counts.
    let handed = with_changes(done(), &[("2024-03-05T00:00:00Z", TaskChange::Assigned(Some(SYDNEY_MEMBER)))]);
    assert_eq!(cycle(handed), (Some(4 * 3600), Some(4 * 3600)));
}

#[test]
fn a_task_created_done_is_done_at_its_creation() {
    let created_done = Task { status: TaskStatus::Done, ..due_on(task("2024-03-05T10:00:00Z"), date(2024, 3, 5)) };
    let data = dataset("UTC", vec![created_done]);
    assert_eq!(
        state_at(&data.tasks[0], at("2024-03-06T00:00:00Z")),
        Some(TaskState::Done { at: at("2024-03-05T10:00:00Z") })
    );
    let stats = stats(&data, "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z");
    assert_eq!(
        stats,
        TaskStats {
            created: 1,
            done: 1,
            due: 1,
            done_on_time: 1,
            completion_rate: Some(1.0),
            cycle_median_s: Some(0),
            cycle_p90_s: Some(0),
            cycle_median_working_s: Some(0),
            cycle_p90_working_s: Some(0),
            ..empty_stats()
        }
    );
}
