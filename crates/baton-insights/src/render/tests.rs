//! The page through its public entry points, over small hand-built workspaces. Calendars are UTC
//! with the default hours (Mon–Fri 09:00–17:00); 2024-03-04 is a Monday.

use baton_core::calendar::Calendar;
use baton_core::model::TaskStatus;
use jiff::Timestamp;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person, Task, TaskChange};
use crate::report::report;
use crate::trend::weekly_trend;
use crate::window::Thresholds;

const ANA: usize = 0;
const BO: usize = 1;
const CY: usize = 2;

/// The bouncing thread, with a title a user typed to break the page.
const HOSTILE_THREAD: usize = 0;
const OTHER_THREAD: usize = 1;
const HOSTILE_TITLE: &str = "<b>&\"";

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn week_of_march_4() -> Window {
    Window::new(at("2024-03-04T00:00:00Z"), at("2024-03-11T00:00:00Z")).unwrap()
}

fn thread(channel: &str, title: &str) -> Conversation {
    Conversation {
        kind: ConversationKind::Thread,
        channel: channel.to_owned(),
        title: title.to_owned(),
        direct: false,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    }
}

/// ana, `<i>bo</i>` and cy, the two threads above, and `messages` as (conversation, author,
/// instant), given ids in order.
fn dataset(messages: &[(usize, usize, &str)], tasks: Vec<Task>) -> Dataset {
    let person = |handle: &str| Person { handle: handle.to_owned(), calendar: Calendar::utc_default() };
    let mut data = Dataset {
        workspace_calendar: Calendar::utc_default(),
        people: vec![person("ana"), person("<i>bo</i>"), person("cy")],
        conversations: vec![thread("general & co", HOSTILE_TITLE), thread("general & co", "plans")],
        messages: messages
            .iter()
            .enumerate()
            .map(|(message_idx, (conversation, author, instant))| Message {
                id: message_idx as i64,
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

/// ana and bo hand the hostile thread back and forth six times over 27 hours (it bounces); cy
/// asks in the other thread and ana answers, so ana has two collaborators and bo and cy one
/// each (isolated); one task in project `p<1>` has sat untouched since Monday (stalled).
fn busy_week() -> Dataset {
    let open_task = Task {
        id: 1,
        project: "p<1>".to_owned(),
        project_id: None,
        title: "t".to_owned(),
        created_at: at("2024-03-04T09:00:00Z"),
        status: TaskStatus::Todo,
        assignee: Some(ANA),
        due: None,
        changes: Vec::new(),
        conversation: None,
    };
    dataset(
        &[
            (HOSTILE_THREAD, ANA, "2024-03-04T09:00:00Z"),
            (HOSTILE_THREAD, BO, "2024-03-04T10:00:00Z"),
            (HOSTILE_THREAD, ANA, "2024-03-04T11:00:00Z"),
            (HOSTILE_THREAD, BO, "2024-03-04T15:00:00Z"),
            (HOSTILE_THREAD, ANA, "2024-03-05T09:00:00Z"),
            (HOSTILE_THREAD, BO, "2024-03-05T10:00:00Z"),
            (HOSTILE_THREAD, ANA, "2024-03-05T12:00:00Z"),
            (OTHER_THREAD, CY, "2024-03-06T09:00:00Z"),
            (OTHER_THREAD, ANA, "2024-03-06T09:30:00Z"),
        ],
        vec![open_task],
    )
}

/// The page for `data` over `window`, built the way a caller builds it.
fn page(data: &Dataset, window: Window, title: &str) -> String {
    let thresholds = Thresholds::design_defaults();
    let report = report(data, window, &thresholds);
    html(&report, &weekly_trend(data, window, &thresholds), &response_working_times(data, window), title)
}

/// The `<dd>` shown for the figure labelled `label`.
fn figure<'a>(page: &'a str, label: &str) -> &'a str {
    let opening = format!("<dt>{label}</dt><dd>");
    let start = page.find(&opening).unwrap_or_else(|| panic!("no figure {label:?} in the page")) + opening.len();
    &page[start..start + page[start..].find("</dd>").unwrap()]
}

/// The page from the heading `heading` on.
fn section<'a>(page: &'a str, heading: &str) -> &'a str {
    &page[page.find(&format!("<h2>{heading}</h2>")).unwrap_or_else(|| panic!("no section {heading:?}"))..]
}

/// The first table row whose first cell is `name`.
fn row<'a>(page: &'a str, name: &str) -> &'a str {
    let cell = format!("<td class=\"text\">{name}</td>");
    let cell_idx = page.find(&cell).unwrap_or_else(|| panic!("no row {name:?} in the page"));
    let start = page[..cell_idx].rfind("<tr").unwrap();
    &page[start..cell_idx + page[cell_idx..].find("</tr>").unwrap()]
}

#[test]
fn the_page_is_one_document_without_scripts_or_external_resources() {
    let page = page(&busy_week(), week_of_march_4(), "Week 10");
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{page}");
    assert!(page.ends_with("</html>\n"));
    for tag in ["<html", "</html>", "<head>", "<body>", "<style>", "name=\"viewport\""] {
        assert_eq!(page.matches(tag).count(), 1, "{tag} in {page}");
    }
    for fetching in ["<script", "<link", "<img", "<iframe", "<object", "<embed", "src=", "href=", "url(", "@import"] {
        assert!(!page.contains(fetching), "{fetching} in {page}");
    }
}

#[test]
fn the_page_has_one_responsive_svg_per_chart() {
    let page = page(&busy_week(), week_of_march_4(), "Week 10");
    // Response times, weekly trend, mode mix.
    assert_eq!(page.matches("<svg").count(), 3, "{page}");
    assert_eq!(page.matches("</svg>").count(), 3, "{page}");
    assert_eq!(page.matches("viewBox=\"0 0 400 250\" width=\"100%\"").count(), 3, "{page}");
}

#[test]
fn text_from_the_data_is_escaped() {
    assert_eq!(Escaped("<b>&\"' x").to_string(), "&lt;b&gt;&amp;&quot;&#39; x");
    let page = page(&busy_week(), week_of_march_4(), "Q1 <script>alert(1)</script>");
    assert!(!page.contains(HOSTILE_TITLE), "raw thread title in the page");
    assert!(!page.contains("<i>bo</i>"), "raw handle in the page");
    assert!(!page.contains("<script"), "raw page title in the page");
    assert!(page.contains("<title>Q1 &lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    let bouncing = row(section(&page, "Bouncing threads"), "general &amp; co");
    assert!(bouncing.contains("<td class=\"text\">&lt;b&gt;&amp;&quot;</td>"), "{bouncing}");
    // Six handoffs over Mon 09:00 .. Tue 12:00.
    assert!(bouncing.contains("<td class=\"n\">6</td><td class=\"n\">27h</td>"), "{bouncing}");
    assert!(row(section(&page, "Members"), "&lt;i&gt;bo&lt;/i&gt;").contains("isolated"));
    assert!(row(&page, "p&lt;1&gt;").contains("<td class=\"n\">100%</td>"), "the project's one task is stalled");
}

#[test]
fn isolated_members_are_flagged_in_words() {
    let page = page(&busy_week(), week_of_march_4(), "Week 10");
    let members = section(&page, "Members");
    assert!(!row(members, "ana").contains("isolated"), "ana has two collaborators");
    assert!(row(members, "cy").contains("<tr class=\"isolated\">"));
    assert!(row(members, "cy").contains("<span class=\"flag\">isolated</span>"));
    assert_eq!(figure(&page, "Isolated"), "2");
    assert_eq!(figure(&page, "Isolation rate"), "67%");
}

#[test]
fn an_empty_window_shows_a_dash_for_every_missing_figure() {
    let page = page(&dataset(&[], Vec::new()), week_of_march_4(), "Nothing happened");
    for label in [
        "Median response",
        "90th pct response",
        "Median response, working",
        "90th pct response, working",
        "Within norm",
        "Median first response, working",
        "Stall rate",
        "Completion rate",
        "Median cycle, working",
        "Isolation rate",
    ] {
        assert_eq!(figure(&page, label), "—", "{label}");
    }
    for label in ["Messages", "Responses", "Awaiting answer", "Created", "Done", "Open", "Stalled", "Isolated"] {
        assert_eq!(figure(&page, label), "0", "{label}");
    }
    assert!(page.contains("No bouncing threads in this window."));
    assert!(!page.contains("NaN"));
}

#[test]
fn the_headline_figures_are_the_reports() {
    let page = page(&busy_week(), week_of_march_4(), "Week 10");
    // Responses: 1h, 1h, 4h, 18h wall (Mon 15:00 .. Tue 09:00, 2 working hours), 1h, 2h,
    // and 30m. Sorted wall: 30m 1h 1h 1h 2h 4h 18h: median (4th) 1h, p90 (7th) 18h.
    assert_eq!(figure(&page, "Messages"), "9");
    assert_eq!(figure(&page, "Responses"), "7");
    assert_eq!(figure(&page, "Median response"), "1h");
    assert_eq!(figure(&page, "90th pct response"), "18h");
    // Working: 30m 1h 1h 1h 2h 2h 4h: p90 4h, and all seven are within the 4 h norm.
    assert_eq!(figure(&page, "90th pct response, working"), "4h");
    assert_eq!(figure(&page, "Within norm"), "100%");
    assert_eq!(figure(&page, "Stall rate"), "100%");
    assert_eq!(figure(&page, "Completion rate"), "—", "nothing is due");
}

#[test]
fn response_working_times_are_those_of_the_windows_responses() {
    let data = dataset(
        &[
            // Answered before the window: not counted.
            (OTHER_THREAD, ANA, "2024-02-28T10:00:00Z"),
            (OTHER_THREAD, BO, "2024-02-28T11:00:00Z"),
            // Asked Fri 16:00, answered Mon 10:00: 1 h on Friday and 1 h on Monday.
            (HOSTILE_THREAD, ANA, "2024-03-01T16:00:00Z"),
            (HOSTILE_THREAD, BO, "2024-03-04T10:00:00Z"),
            (HOSTILE_THREAD, ANA, "2024-03-04T10:30:00Z"),
            // Answered at `to`: not in the window.
            (HOSTILE_THREAD, BO, "2024-03-11T00:00:00Z"),
        ],
        Vec::new(),
    );
    assert_eq!(
        response_working_times(&data, week_of_march_4()),
        [SignedDuration::from_hours(2), SignedDuration::from_mins(30)]
    );
}

/// About the demo's scale: 50 members over 13 weeks, 10 threads a day of 8 messages, and 300
/// tasks of which some are due, some done and some stalled.
fn demo_sized() -> (Dataset, Window) {
    let mut data = dataset(&[], Vec::new());
    data.people = (0..50)
        .map(|member_idx| Person { handle: format!("member-{member_idx}"), calendar: Calendar::utc_default() })
        .collect();
    let start = at("2024-01-01T09:00:00Z");
    let hours = |n: i64| SignedDuration::from_hours(n);
    for day in 0..91 {
        for thread_idx in 0..10 {
            let conversation = data.conversations.len();
            data.conversations
                .push(thread(&format!("channel-{}", thread_idx % 6), &format!("topic {day}-{thread_idx}")));
            for message_idx in 0..8 {
                data.messages.push(Message {
                    id: data.messages.len() as i64,
                    conversation,
                    author: (day * 7 + thread_idx * 3 + message_idx % 2) % 50,
                    at: start + hours(24 * day as i64) + SignedDuration::from_mins(37 * message_idx as i64),
                    mentions_other: false,
                    ends_with_question: message_idx == 7,
                });
            }
        }
    }
    data.sort_messages();
    data.tasks = (0..300)
        .map(|task_idx| {
            let created_at = start + hours(7 * task_idx);
            let due = (created_at + hours(24 * 4)).to_zoned(jiff::tz::TimeZone::UTC).date();
            let done = (task_idx % 3 != 0)
                .then(|| (created_at + hours(24 * (task_idx % 7)), TaskChange::Status(TaskStatus::Done)));
            Task {
                id: task_idx,
                project: format!("project-{}", task_idx % 5),
                project_id: None,
                title: format!("task {task_idx}"),
                created_at,
                status: TaskStatus::Todo,
                assignee: Some(task_idx as usize % 50),
                due: Some(due),
                changes: done.into_iter().collect(),
                conversation: None,
            }
        })
        .collect();
    (data, Window::new(at("2024-01-01T00:00:00Z"), at("2024-04-01T00:00:00Z")).unwrap())
}

#[test]
fn a_demo_sized_page_stays_under_200_kb() {
    let (data, window) = demo_sized();
    let page = page(&data, window, "Demo");
    assert!(page.contains("<td class=\"text\">member-49</td>"), "every member is listed");
    assert!(page.len() < 200_000, "{} bytes", page.len());
}

/// A comparison with one duration and one share, as [`crate::compare::compare`] returns them.
fn comparison() -> crate::compare::Comparison {
    use crate::compare::{Comparison, MetricChange};
    use crate::report::WindowJson;
    let window = |from: &str, to: &str| WindowJson { from: from.into(), to: to.into() };
    Comparison {
        before: window("2024-02-26T00:00:00Z", "2024-03-04T00:00:00Z"),
        after: window("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"),
        metrics: vec![
            MetricChange {
                metric: "median_working_response_s",
                before: Some(11_400.0),
                after: Some(7_500.0),
                difference: Some(-3_900.0),
                ci95: Some([-7_200.0, 900.0]),
            },
            MetricChange {
                metric: "within_norm_share",
                before: Some(0.62),
                after: Some(0.7),
                difference: Some(0.08),
                ci95: Some([-0.03, 0.19]),
            },
            MetricChange { metric: "stall_rate", before: None, after: Some(0.5), difference: None, ci95: None },
        ],
    }
}

// Issue 12: the comparison printed raw seconds and fractions (11400.00, 0.62).
#[test]
fn the_comparison_shows_durations_percentages_and_points() {
    let section = comparison_section(&comparison());
    let rows: Vec<&str> = section.split("<tr>").skip(2).filter_map(|row| row.split("</tr>").next()).collect();
    let cells = |row: &str| -> Vec<String> {
        row.split("</td>").filter_map(|cell| Some(cell.split('>').nth(1)?.to_owned())).collect()
    };
    assert_eq!(cells(rows[0]), ["median working response", "3h 10m", "2h 5m", "−1h 5m", "[−2h, +15m]"], "{section}");
    assert_eq!(cells(rows[1]), ["within norm", "62%", "70%", "+8 pts", "[−3 pts, +19 pts]"], "{section}");
    assert_eq!(cells(rows[2]), ["stall rate", "—", "50%", "—", "—"], "{section}");
}
