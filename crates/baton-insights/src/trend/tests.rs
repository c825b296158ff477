//! Every expected number is worked out by hand next to it. The workspace is UTC with the default
//! hours (Mon–Fri 09:00–17:00), so an unassigned task stalls after 3 working days (24 working
//! hours) without activity; 2024-03-04 is a Monday.

use baton_core::calendar::Calendar;
use baton_core::model::TaskStatus;
use jiff::civil::{date, Date};
use serde_json::json;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person, Task, TaskChange};

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn window(from: &str, to: &str) -> Window {
    Window::new(at(from), at(to)).unwrap()
}

/// An unassigned `todo` task created at `created`, with no due date and no thread.
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

fn due_on(task: Task, due: Date) -> Task {
    Task { due: Some(due), ..task }
}

fn done_at(mut task: Task, instant: &str) -> Task {
    task.changes.push((at(instant), TaskChange::Status(TaskStatus::Done)));
    task
}

/// One UTC member and one thread (`conversations[0]`), whose only message is at
/// `thread_message`.
fn dataset(tasks: Vec<Task>, thread_message: &str) -> Dataset {
    Dataset {
        workspace_calendar: Calendar::utc_default(),
        people: vec![Person { handle: "ana".to_owned(), calendar: Calendar::utc_default() }],
        conversations: vec![Conversation {
            kind: ConversationKind::Thread,
            channel: "general".to_owned(),
            title: "a task".to_owned(),
            direct: false,
            channel_id: None,
            resolutions: Vec::new(),
            norm: None,
        }],
        messages: vec![Message {
            id: 1,
            conversation: 0,
            author: 0,
            at: at(thread_message),
            mentions_other: false,
            ends_with_question: false,
        }]
        .into(),
        tasks,
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    }
}

/// Three weeks of tasks over `[Mon 03-04, Thu 03-21)`: the third week is three days long.
fn three_weeks() -> Dataset {
    let mut talked_about = due_on(task("2024-03-04T09:00:00Z"), date(2024, 3, 8));
    talked_about.conversation = Some(0);
    dataset(
        vec![
            // Open since Mon 09:00 with no activity: 24 working hours by Wed 17:00, stalled at the
            // end of week 1; done in week 2.
            done_at(task("2024-03-04T09:00:00Z"), "2024-03-12T10:00:00Z"),
            // Due Tue 03-05 and Wed 03-06, done on those days: on time in week 1.
            done_at(due_on(task("2024-03-04T09:00:00Z"), date(2024, 3, 5)), "2024-03-05T12:00:00Z"),
            done_at(due_on(task("2024-03-04T09:00:00Z"), date(2024, 3, 6)), "2024-03-06T10:00:00Z"),
            // Due Fri 03-08, done the next Monday: late, and still open at the end of week 1.
            // Its thread spoke Fri 15:00, 2 working hours before Mon 00:00: not stalled.
            done_at(talked_about, "2024-03-11T10:00:00Z"),
            // Created Wed 03-13 09:00: Wed, Thu, Fri make exactly 24 working hours by Mon 00:00,
            // stalled (inclusive).
            done_at(task("2024-03-13T09:00:00Z"), "2024-03-18T10:00:00Z"),
            // Created Thu and Fri: 16 and 8 working hours by Mon 00:00, not stalled.
            done_at(task("2024-03-14T09:00:00Z"), "2024-03-19T10:00:00Z"),
            done_at(task("2024-03-15T09:00:00Z"), "2024-03-20T10:00:00Z"),
        ],
        "2024-03-08T15:00:00Z",
    )
}

fn point(from: &str, to: &str, (stalled, open): (usize, usize), (done_on_time, due): (usize, usize)) -> WeekPoint {
    let rate = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
    WeekPoint {
        from: at(from),
        to: at(to),
        stall_rate: rate(stalled, open),
        completion_rate: rate(done_on_time, due),
        open,
        stalled,
        due,
        done_on_time,
    }
}

fn check(data: &Dataset, window: Window, expected: &[WeekPoint]) {
    assert_eq!(weekly_trend(data, window, &Thresholds::design_defaults()), expected);
}

#[test]
fn each_week_has_the_stall_rate_at_its_end_and_the_completion_of_its_due_tasks() {
    check(
        &three_weeks(),
        window("2024-03-04T00:00:00Z", "2024-03-21T00:00:00Z"),
        &[
            // Open at Mon 03-11 00:00: the first task (stalled) and the late one (not): 1/2.
            // Due in the week: 03-05, 03-06 on time and 03-08 not done yet: 2/3.
            point("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z", (1, 2), (2, 3)),
            // Open at Mon 03-18 00:00: the three created Wed, Thu and Fri; only Wed's stalled.
            // Nothing is due this week: no completion rate.
            point("2024-03-11T00:00:00Z", "2024-03-18T00:00:00Z", (1, 3), (0, 0)),
            // Cut at `to`; all three were done by Wed: nothing open, nothing due.
            point("2024-03-18T00:00:00Z", "2024-03-21T00:00:00Z", (0, 0), (0, 0)),
        ],
    );
}

#[test]
fn an_empty_week_has_no_rates() {
    let trend = weekly_trend(
        &dataset(Vec::new(), "2024-03-05T10:00:00Z"),
        window("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"),
        &Thresholds::design_defaults(),
    );
    assert_eq!(trend.len(), 1);
    assert_eq!((trend[0].stall_rate, trend[0].completion_rate), (None, None));
}

#[test]
fn the_weeks_tile_the_window_exactly() {
    let data = dataset(Vec::new(), "2024-03-05T10:00:00Z");
    let bounds = |from: &str, to: &str| -> Vec<(Timestamp, Timestamp)> {
        weekly_trend(&data, window(from, to), &Thresholds::design_defaults())
            .iter()
            .map(|week| (week.from, week.to))
            .collect()
    };
    // Exactly two weeks: no empty third step.
    assert_eq!(
        bounds("2024-03-04T00:00:00Z", "2024-03-18T00:00:00Z"),
        [
            (at("2024-03-04T00:00:00Z"), at("2024-03-11T00:00:00Z")),
            (at("2024-03-11T00:00:00Z"), at("2024-03-18T00:00:00Z")),
        ]
    );
    // Shorter than a week: one short week.
    assert_eq!(
        bounds("2024-03-04T00:00:00Z", "2024-03-04T00:00:01Z"),
        [(at("2024-03-04T00:00:00Z"), at("2024-03-04T00:00:01Z"))]
    );
}

#[test]
fn a_week_point_serializes_with_rfc3339_bounds_and_null_rates() {
    let week = point("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z", (1, 2), (0, 0));
    assert_eq!(
        serde_json::to_value(week).unwrap(),
        json!({
            "from": "2024-03-04T00:00:00Z",
            "to": "2024-03-11T00:00:00Z",
            "stall_rate": 0.5,
            "completion_rate": null,
            "open": 2,
            "stalled": 1,
            "due": 0,
            "done_on_time": 0,
        })
    );
}
