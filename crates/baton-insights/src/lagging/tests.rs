//! Every expected number below is computed by hand in the comment next to it. All calendars are
//! UTC with the default hours, Mon–Fri 09:00–17:00. The window is the week
//! [Mon 2024-03-04 00:00Z, Mon 2024-03-11 00:00Z).
//!
//! Stall arithmetic at `to`: a task last active Mon 03-04 09:00 has 5 × 8 h = 40 working hours
//! without activity (stalled, ≥ 24 h); one last active Fri 03-08 16:00 has 1 h (not stalled).

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::model::TaskStatus;
use jiff::civil::{date, Date};
use jiff::Timestamp;

use crate::dataset::Task;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person, TaskChange};

const ANA: MemberIdx = 0;
const BO: MemberIdx = 1;
const CY: MemberIdx = 2;

/// Last active at the start of the working week: stalled at `to`.
const STALE: &str = "2024-03-04T09:00:00Z";
/// Last active an hour before the week's working time ends: not stalled at `to`.
const FRESH: &str = "2024-03-08T16:00:00Z";
/// A due date inside the window: [03-06T00:00Z, 03-07T00:00Z).
const DUE: Date = date(2024, 3, 6);
const ON_TIME: &str = "2024-03-06T12:00:00Z";
const LATE: &str = "2024-03-07T12:00:00Z";

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn utc() -> Calendar {
    Calendar::new(parse_time_zone("UTC").unwrap(), WorkingHours::design_default())
}

fn thread(channel: &str) -> Conversation {
    Conversation {
        kind: ConversationKind::Thread,
        channel: channel.to_owned(),
        title: "a topic".to_owned(),
        direct: false,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    }
}

fn direct(name: &str) -> Conversation {
    Conversation { kind: ConversationKind::Timeline, direct: true, title: String::new(), ..thread(name) }
}

/// Members ana, bo and cy; `messages` are (conversation, author, instant) and get ids in order.
fn dataset(conversations: Vec<Conversation>, messages: &[(usize, MemberIdx, &str)], tasks: Vec<Task>) -> Dataset {
    let person = |handle: &str| Person { handle: handle.to_owned(), calendar: utc() };
    let mut data = Dataset {
        workspace_calendar: utc(),
        people: vec![person("ana"), person("bo"), person("cy")],
        conversations,
        messages: messages
            .iter()
            .enumerate()
            .map(|(id, (conversation, author, instant))| Message {
                id: id as i64,
                conversation: *conversation,
                author: *author,
                at: at(instant),
                mentions_other: false,
                ends_with_question: false,
            })
            .collect(),
        tasks,
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    };
    data.sort_messages();
    data
}

/// An unassigned `todo` task of `project`, created at `created`, no due date, no thread.
fn task(project: &str, created: &str) -> Task {
    Task {
        id: 1,
        project: project.to_owned(),
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

/// A task of `project` created at STALE, due on DUE and done at `done`.
fn due_task(project: &str, done: &str) -> Task {
    let task = Task { due: Some(DUE), ..task(project, STALE) };
    with_change(task, done, TaskChange::Status(TaskStatus::Done))
}

fn with_change(mut task: Task, instant: &str, change: TaskChange) -> Task {
    task.changes.push((at(instant), change));
    task
}

fn in_thread(task: Task, conversation: usize) -> Task {
    Task { conversation: Some(conversation), ..task }
}

fn row(name: &str, stall_rate: Option<f64>, p90_working_s: Option<i64>, completion_rate: Option<f64>) -> LaggingRow {
    LaggingRow { name: name.to_owned(), member: None, stall_rate, p90_working_s, completion_rate }
}

fn member_row(
    member: MemberIdx,
    name: &str,
    stall: Option<f64>,
    p90: Option<i64>,
    completion: Option<f64>,
) -> LaggingRow {
    LaggingRow { member: Some(member), ..row(name, stall, p90, completion) }
}

fn check(data: &Dataset) -> Lagging {
    let window = Window::new(at("2024-03-04T00:00:00Z"), at("2024-03-11T00:00:00Z")).unwrap();
    lagging(data, window, &Thresholds::design_defaults())
}

#[test]
fn channels_rank_by_p90_working_response_time_then_name_without_direct_conversations() {
    let data = dataset(
        vec![thread("general"), thread("random"), thread("design"), direct("ana,bo"), thread("quiet")],
        &[
            // general: bo answers ana after 1 h, ana answers bo after 30 min: p90 of
            // [1800, 3600] is the ⌈0.9·2⌉ = 2nd, 3600.
            (0, ANA, "2024-03-04T09:00:00Z"),
            (0, BO, "2024-03-04T10:00:00Z"),
            (0, ANA, "2024-03-04T10:30:00Z"),
            // random: ana answered bo before the window (not counted); then bo answers ana's
            // turn (ending Mon 09:00) at 11:00: 7200.
            (1, BO, "2024-03-01T09:00:00Z"),
            (1, ANA, "2024-03-01T10:00:00Z"),
            (1, ANA, "2024-03-04T09:00:00Z"),
            (1, BO, "2024-03-04T11:00:00Z"),
            // design: bo answers after 1 h: 3600, as general; "design" < "general".
            (2, ANA, "2024-03-04T09:00:00Z"),
            (2, BO, "2024-03-04T10:00:00Z"),
            // The direct conversation: bo answers after 8 working hours, 28800, worst of all,
            // but a direct conversation is no channel.
            (3, ANA, "2024-03-04T09:00:00Z"),
            (3, BO, "2024-03-05T09:00:00Z"),
            // quiet: nobody answers, so no figure and no row.
            (4, CY, "2024-03-04T09:00:00Z"),
        ],
        Vec::new(),
    );
    let lagging = check(&data);
    assert_eq!(
        lagging.channels,
        vec![
            row("random", None, Some(7200), None),
            row("design", None, Some(3600), None),
            row("general", None, Some(3600), None),
        ]
    );
    // bo responded 3600 (general), 7200 (random), 3600 (design), 28800 (direct): the 4th of 4
    // sorted is 28800. ana responded once in the window, 1800. cy never responded: no row.
    assert_eq!(
        lagging.members,
        vec![member_row(BO, "bo", None, Some(28800), None), member_row(ANA, "ana", None, Some(1800), None)]
    );
    assert_eq!(lagging.projects, Vec::new());
}

#[test]
fn stall_rate_ranks_before_p90() {
    let data = dataset(
        vec![thread("alpha-thread")],
        // alpha's thread: bo answers after 2 working hours: 7200.
        &[(0, ANA, "2024-03-08T09:00:00Z"), (0, BO, "2024-03-08T11:00:00Z")],
        vec![
            // alpha: 2 open, 1 stalled = 0.5 (the thread's messages are its task's activity,
            // but that task was created FRESH, after them).
            task("alpha", STALE),
            in_thread(task("alpha", FRESH), 0),
            // beta: 1 open, 1 stalled = 1.0, and no responses at all.
            task("beta", STALE),
        ],
    );
    assert_eq!(
        check(&data).projects,
        vec![row("beta", Some(1.0), None, None), row("alpha", Some(0.5), Some(7200), None)]
    );
}

#[test]
fn p90_ranks_before_completion_when_stall_rates_tie() {
    let data = dataset(
        vec![thread("t"), thread("t")],
        &[
            // alpha's thread: 3600. beta's thread: 7200.
            (0, ANA, "2024-03-04T09:00:00Z"),
            (0, BO, "2024-03-04T10:00:00Z"),
            (1, ANA, "2024-03-04T09:00:00Z"),
            (1, BO, "2024-03-04T11:00:00Z"),
        ],
        vec![
            // Both: one open task, not stalled (stall 0.0); alpha's due task is late (0.0),
            // beta's on time (1.0). beta's slower p90 still ranks it first.
            in_thread(task("alpha", FRESH), 0),
            due_task("alpha", LATE),
            in_thread(task("beta", FRESH), 1),
            due_task("beta", ON_TIME),
        ],
    );
    assert_eq!(
        check(&data).projects,
        vec![row("beta", Some(0.0), Some(7200), Some(1.0)), row("alpha", Some(0.0), Some(3600), Some(0.0))]
    );
}

#[test]
fn completion_ranks_lowest_first_when_stall_and_p90_tie() {
    let data = dataset(
        Vec::new(),
        &[],
        vec![
            // alpha: 1 due, on time = 1.0. beta: 2 due, 1 on time = 0.5. Neither has an open
            // task or a thread.
            due_task("alpha", ON_TIME),
            due_task("beta", ON_TIME),
            due_task("beta", LATE),
        ],
    );
    assert_eq!(check(&data).projects, vec![row("beta", None, None, Some(0.5)), row("alpha", None, None, Some(1.0))]);
}

#[test]
fn names_break_full_ties_in_byte_order() {
    // Identical figures (one stalled open task each); "Zeta" < "alpha" in bytes.
    let data = dataset(Vec::new(), &[], vec![task("alpha", STALE), task("Zeta", STALE)]);
    assert_eq!(check(&data).projects, vec![row("Zeta", Some(1.0), None, None), row("alpha", Some(1.0), None, None)]);
}

#[test]
fn missing_figures_rank_after_present_ones_and_rows_without_figures_are_left_out() {
    let data = dataset(
        vec![thread("t")],
        // b's thread: 1000 s.
        &[(0, ANA, "2024-03-04T09:00:00Z"), (0, BO, "2024-03-04T09:16:40Z")],
        vec![
            // a: stall 0.0 only.
            task("a", FRESH),
            // b: p90 1000 only (its task is done, no due date).
            with_change(in_thread(task("b", STALE), 0), "2024-03-04T12:00:00Z", TaskChange::Status(TaskStatus::Done)),
            // c: completion 0.0 only (due in the window but cancelled, so not open either).
            with_change(
                Task { due: Some(DUE), ..task("c", STALE) },
                "2024-03-05T12:00:00Z",
                TaskChange::Status(TaskStatus::Cancelled),
            ),
            // d: done, no due date, no thread: no figure, no row.
            with_change(task("d", STALE), "2024-03-05T12:00:00Z", TaskChange::Status(TaskStatus::Done)),
            // e: created at `to`, so it does not exist.
            task("e", "2024-03-11T00:00:00Z"),
        ],
    );
    assert_eq!(
        check(&data).projects,
        vec![row("a", Some(0.0), None, None), row("b", None, Some(1000), None), row("c", None, None, Some(0.0))]
    );
}

#[test]
fn members_own_the_tasks_assigned_to_them_at_to() {
    let assigned = |task: Task, member: MemberIdx| Task { assignee: Some(member), ..task };
    let data = dataset(
        Vec::new(),
        &[],
        vec![
            // ana's at creation, bo's from Tue 09:00 (which is activity): 4 × 8 h = 32 working
            // hours idle at `to`, stalled. bo's.
            with_change(assigned(task("p", STALE), ANA), "2024-03-05T09:00:00Z", TaskChange::Assigned(Some(BO))),
            // bo's, due in the window and done late.
            assigned(due_task("p", LATE), BO),
            // ana's, fresh.
            assigned(task("p", FRESH), ANA),
            // ana's, due and done on time; reassigned to cy only at `to`, which does not exist.
            with_change(assigned(due_task("p", ON_TIME), ANA), "2024-03-11T00:00:00Z", TaskChange::Assigned(Some(CY))),
            // Unassigned and fresh: the project's, nobody's.
            task("p", FRESH),
        ],
    );
    let lagging = check(&data);
    // bo: 1 open, 1 stalled = 1.0; 1 due, 0 on time = 0.0. ana: 1 open, 0 stalled = 0.0; 1 due,
    // 1 on time = 1.0. cy: nothing, no row.
    assert_eq!(
        lagging.members,
        vec![member_row(BO, "bo", Some(1.0), None, Some(0.0)), member_row(ANA, "ana", Some(0.0), None, Some(1.0))]
    );
    // p: 3 open, 1 stalled = 1/3; 2 due, 1 on time = 0.5.
    assert_eq!(lagging.projects, vec![row("p", Some(1.0 / 3.0), None, Some(0.5))]);
    assert_eq!(lagging.channels, Vec::new());
}

#[test]
fn the_json_leaves_out_the_member_index() {
    let data = dataset(Vec::new(), &[], vec![Task { assignee: Some(BO), ..task("p", STALE) }]);
    let json = serde_json::to_value(check(&data)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "channels": [],
            "projects": [{"name": "p", "stall_rate": 1.0, "p90_working_s": null, "completion_rate": null}],
            "members": [{"name": "bo", "stall_rate": 1.0, "p90_working_s": null, "completion_rate": null}],
        })
    );
}
