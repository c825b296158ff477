use super::*;

const HEADER: &str = "id,title,project,assignee,status,created_at,updated_at,due,done_at\n";

#[test]
fn reads_rows_in_any_column_order() {
    let file = "status,id,title,project,assignee,created_at,updated_at,due,done_at,extra\n\
        done,T-1,\"Write, then ship\",Relaunch,ana@example.com,2024-03-01T09:00:00Z,2024-03-04T10:00:00Z,2024-03-05,2024-03-04T10:00:00Z,x\n\
        todo,T-2,Plan,Relaunch,,2024-03-02T09:00:00Z,2024-03-02T09:00:00Z,,\n";
    let (tasks, diagnostics) = read("t.csv", file.as_bytes(), &TimeZone::UTC);
    assert_eq!(diagnostics, vec![]);
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].title, "Write, then ship");
    assert_eq!(tasks[0].status, TaskStatus::Done);
    assert_eq!(tasks[0].assignee.as_deref(), Some("ana@example.com"));
    assert_eq!(tasks[0].due, Some("2024-03-05".parse().unwrap()));
    assert_eq!(tasks[0].line, 2);
    assert_eq!(tasks[1].assignee, None);
    assert_eq!(tasks[1].done_at, None);
}

#[test]
fn every_bad_line_is_named() {
    let file = format!(
        "{HEADER}\
        T-1,ok,P,,todo,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,,\n\
        T-2,bad status,P,,finished,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,,\n\
        T-3,bad due,P,,todo,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,2024-02-30,\n\
        T-4,no done_at,P,,done,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,,\n\
        T-1,twice,P,,todo,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,,\n\
        T-6,,P,,todo,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,,\n\
        T-7,time,P,,todo,yesterday,2024-03-01T09:00:00Z,,\n"
    );
    let (tasks, diagnostics) = read("t.csv", file.as_bytes(), &TimeZone::UTC);
    assert_eq!(tasks.len(), 1);
    let lines: Vec<u64> = diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8]);
    assert_eq!(
        diagnostics[0].to_string(),
        "t.csv:3: `status` \"finished\" is not one of todo, in_progress, blocked, done, cancelled"
    );
    assert!(diagnostics[3].message.contains("appears twice"));
}

#[test]
fn a_missing_column_stops_at_the_header() {
    let (tasks, diagnostics) = read("t.csv", b"id,title\nT-1,x\n", &TimeZone::UTC);
    assert!(tasks.is_empty());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].line, 1);
    assert!(diagnostics[0].message.contains("`project`"));
}

/// A file of /work/shared/data/tasks, the real exports the dialects are read against.
macro_rules! shared_file {
    ($path:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/tasks/", $path)
    };
}

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn day(date: &str) -> Option<Date> {
    Some(date.parse().unwrap())
}

/// Data rows of a file with a plain header, counted by the csv crate alone.
fn data_rows(path: &str) -> usize {
    csv::ReaderBuilder::new().flexible(true).from_path(path).unwrap().records().count()
}

/// Data rows of a TickTick backup, counted by the csv crate alone: its preamble rows have one
/// cell, its header and tasks many.
fn ticktick_data_rows(path: &str) -> usize {
    let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(path).unwrap();
    let multi_cell = reader.into_records().map(Result::unwrap).filter(|row| row.len() > 1).count();
    multi_cell - 1
}

fn read_shared(path: &str) -> Vec<TaskRecord> {
    let bytes = std::fs::read(path).unwrap();
    let (tasks, diagnostics) = read(path, &bytes, &TimeZone::UTC);
    assert_eq!(diagnostics, vec![], "{path}");
    tasks
}

fn task_at(tasks: &[TaskRecord], line: u64) -> &TaskRecord {
    tasks.iter().find(|task| task.line == line).unwrap_or_else(|| panic!("no task at line {line}"))
}

#[test]
fn a_gitlab_issues_export_reads_every_issue() {
    const PATH: &str = shared_file!("gitlab-issues-csv/csv_gitlab_export.csv");
    assert_eq!(dialect(&std::fs::read(PATH).unwrap()), Some(Dialect::GitLab));
    let tasks = read_shared(PATH);
    assert_eq!(tasks.len(), data_rows(PATH));
    assert_eq!(tasks.len(), 4);
    let first = TaskRecord {
        line: 2,
        // The URL, unique across projects, rather than the per-project `Issue ID` (1).
        id: "http://localhost:3000/jashkenas/underscore/issues/1".into(),
        title: "Title".into(),
        project: "v1.0".into(),
        assignee: Some("aurora_hahn".into()),
        status: TaskStatus::Todo,
        created_at: at("2020-01-17T10:36:26Z"),
        updated_at: at("2020-02-19T10:36:26Z"),
        due: None,
        done_at: None,
    };
    assert_eq!(task_at(&tasks, 2), &first);
    // No milestone and an empty quoted assignee: the file's stem, nobody.
    let unassigned = task_at(&tasks, 4);
    assert_eq!(
        (unassigned.id.as_str(), unassigned.title.as_str()),
        ("http://localhost:3000/jashkenas/underscore/issues/34", "Dismiss Cipher with no integrity")
    );
    assert_eq!(unassigned.project, "csv_gitlab_export");
    assert_eq!(unassigned.assignee, None);
    assert_eq!(unassigned.created_at, at("2020-02-19T10:38:49Z"));
}

#[test]
fn a_plane_issues_export_reads_every_issue() {
    const PATH: &str = shared_file!("linear-plane-csv/sample.csv");
    assert_eq!(dialect(&std::fs::read(PATH).unwrap()), Some(Dialect::Plane));
    let tasks = read_shared(PATH);
    assert_eq!(tasks.len(), data_rows(PATH));
    assert_eq!(tasks.len(), 9);
    // Two assignees: the first is the task's.
    let in_progress = TaskRecord {
        line: 3,
        id: "TEST-2".into(),
        title: "Fix dashboard loading issue".into(),
        project: "Test Project".into(),
        assignee: Some("John Doe".into()),
        status: TaskStatus::InProgress,
        created_at: at("2024-01-01T11:00:00Z"),
        updated_at: at("2024-01-02T09:00:00Z"),
        due: day("2024-01-05"),
        done_at: None,
    };
    assert_eq!(task_at(&tasks, 3), &in_progress);
    let done = task_at(&tasks, 4);
    assert_eq!((done.id.as_str(), done.status, done.assignee.as_deref()), ("TEST-3", TaskStatus::Done, None));
    assert_eq!(done.done_at, Some(at("2024-01-03T15:00:00Z")));
    // Archived a day after it was done: `Archived At` moves neither time.
    let archived = task_at(&tasks, 7);
    assert_eq!(archived.done_at, Some(at("2024-01-05T10:00:00Z")));
    assert_eq!(archived.updated_at, at("2024-01-05T10:00:00Z"));
    let cancelled = task_at(&tasks, 8);
    assert_eq!((cancelled.status, cancelled.updated_at), (TaskStatus::Cancelled, at("2024-01-06T08:00:00Z")));
    assert_eq!(cancelled.assignee.as_deref(), Some("Jane Smith"));
    let other_project = task_at(&tasks, 6);
    assert_eq!((other_project.project.as_str(), other_project.due), ("Another Project", day("2024-01-12")));
    let statuses: Vec<TaskStatus> = tasks.iter().map(|task| task.status).collect();
    use TaskStatus::*;
    assert_eq!(statuses, vec![Todo, InProgress, Done, Todo, Todo, Done, Cancelled, InProgress, Todo]);
}

#[test]
fn a_ticktick_backup_reads_every_task_past_its_preamble() {
    const PATH: &str = shared_file!("vikunja-ticktick/testdata_ticktick_export.csv");
    let bytes = std::fs::read(PATH).unwrap();
    assert!(bytes.starts_with(BOM));
    assert_eq!(dialect(&bytes), Some(Dialect::TickTick));
    let tasks = read_shared(PATH);
    assert_eq!(tasks.len(), ticktick_data_rows(PATH));
    assert_eq!(tasks.len(), 11);
    // Status 2 (Archived) with a completion time.
    let completed = TaskRecord {
        line: 15,
        id: "8".into(),
        title: "Completed task example".into(),
        project: "Inbox".into(),
        assignee: None,
        status: TaskStatus::Done,
        created_at: at("2022-01-21T11:33:34Z"),
        updated_at: at("2025-11-25T10:39:31Z"),
        due: None,
        done_at: Some(at("2025-11-25T10:39:31Z")),
    };
    assert_eq!(task_at(&tasks, 15), &completed);
    // An all-day due date at 22:00 UTC is the next day in Europe/Berlin (CEST)...
    let due = task_at(&tasks, 16);
    assert_eq!((due.title.as_str(), due.project.as_str(), due.due), ("Task with due date", "Inbox", day("2023-03-29")));
    assert_eq!((due.status, due.created_at), (TaskStatus::Todo, at("2018-12-29T21:14:45Z")));
    // ...and the same day in UTC when the task names no time zone.
    assert_eq!(task_at(&tasks, 17).due, day("2023-06-13"));
    // Status 0 with a completion time: completed, then reopened.
    let reopened = task_at(&tasks, 9);
    assert_eq!((reopened.status, reopened.done_at), (TaskStatus::Todo, None));
    assert_eq!(reopened.updated_at, at("2018-12-11T20:12:14Z"));
    assert_eq!(reopened.due, day("2018-12-12"));
    assert_eq!(task_at(&tasks, 8).project, "Project Alpha");
}

#[test]
fn a_ticktick_backup_with_multi_line_cells_keeps_its_line_numbers() {
    const PATH: &str = shared_file!("vikunja-ticktick/testdata_ticktick_multiline.csv");
    let tasks = read_shared(PATH);
    assert_eq!(tasks.len(), ticktick_data_rows(PATH));
    assert_eq!(tasks.len(), 2);
    assert_eq!((tasks[0].line, tasks[0].title.as_str()), (8, "Task with multiline description"));
    assert_eq!((tasks[1].line, tasks[1].title.as_str()), (14, "Regular task"));
    assert_eq!(tasks[0].created_at, at("2022-10-09T15:09:48Z"));
}

#[test]
fn a_ticktick_backup_with_space_dates_reads_them_in_the_task_time_zone() {
    const PATH: &str = shared_file!("vikunja-ticktick/testdata_ticktick_space_dates.csv");
    let tasks = read_shared(PATH);
    assert_eq!(tasks.len(), ticktick_data_rows(PATH));
    assert_eq!(tasks.len(), 2);
    // 2026-02-15 09:30:00 in Europe/Berlin (CET, +01:00).
    let open = TaskRecord {
        line: 8,
        id: "1".into(),
        title: "Task with space dates".into(),
        project: "Project Beta".into(),
        assignee: None,
        status: TaskStatus::Todo,
        created_at: at("2026-02-15T08:30:00Z"),
        updated_at: at("2026-02-15T08:30:00Z"),
        due: day("2026-02-27"),
        done_at: None,
    };
    assert_eq!(tasks[0], open);
    let done = &tasks[1];
    assert_eq!((done.line, done.status), (9, TaskStatus::Done));
    assert_eq!(done.created_at, at("2026-02-10T07:00:00Z"));
    assert_eq!(done.done_at, Some(at("2026-02-25T15:45:30Z")));
}

#[test]
fn an_unknown_header_names_line_1_and_the_formats() {
    let (tasks, diagnostics) =
        read("export/tasks.csv", b"Summary,Owner,When\nShip it,ana,2024-03-01\n", &TimeZone::UTC);
    assert!(tasks.is_empty());
    assert_eq!(diagnostics.len(), 1);
    let diagnostic = &diagnostics[0];
    assert_eq!((diagnostic.file.as_str(), diagnostic.line), ("export/tasks.csv", 1));
    for format in ["id,title,project,assignee,status", "GitLab", "Plane", "TickTick"] {
        assert!(diagnostic.message.contains(format), "{diagnostic}");
    }
    // A preamble with no header after it is no better.
    let (_, diagnostics) =
        read("t.csv", "\u{feff}\"Date: 2025-11-25+0000\"\n\"Version: 7.1\"\n".as_bytes(), &TimeZone::UTC);
    assert_eq!(diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), vec![1]);
    // Only TickTick's header may follow a preamble.
    let (_, diagnostics) = read("t.csv", format!("\"Exported tasks\"\n{HEADER}").as_bytes(), &TimeZone::UTC);
    assert_eq!(diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), vec![1]);
    assert_eq!(dialect(b"Summary,Owner,When\n"), None);
    let (_, diagnostics) = read("empty.csv", b"", &TimeZone::UTC);
    assert_eq!(diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn a_bad_gitlab_date_names_its_line() {
    let file = "Issue ID,Title,State,Description,Assignee Username,Created At (UTC),Updated At (UTC),Closed At (UTC),Milestone\n\
        1,Fine,Open,\"two\nlines\",ana,2020-01-17 10:36:26,2020-01-18 10:00:00,,\n\
        2,Bad,Closed,,,2020-02-30 10:00:00,2020-03-01 10:00:00,2020-03-01 10:00:00,\n\
        3,Closed long ago,Closed,,\"bo, cy\",2020-01-17 10:36:26,2020-01-20 10:00:00,,Q1\n\
        4,Reopened?,Merged,,,2020-01-17 10:36:26,2020-01-20 10:00:00,,\n";
    let (tasks, diagnostics) = read("exports/issues.csv", file.as_bytes(), &TimeZone::UTC);
    let lines: Vec<u64> = diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![4, 6]);
    assert_eq!(
        diagnostics[0].to_string(),
        "exports/issues.csv:4: `Created At (UTC)` \"2020-02-30 10:00:00\" is not a date and time \
         (YYYY-MM-DD HH:MM:SS in UTC)"
    );
    assert!(diagnostics[1].message.contains("`State` \"Merged\""), "{}", diagnostics[1]);
    assert_eq!(tasks.len(), 2);
    assert_eq!((tasks[0].line, tasks[0].project.as_str()), (2, "issues"));
    // Closed without a closing time: done at its last update; the first of two assignees.
    assert_eq!((tasks[1].status, tasks[1].done_at), (TaskStatus::Done, Some(at("2020-01-20T10:00:00Z"))));
    assert_eq!((tasks[1].assignee.as_deref(), tasks[1].project.as_str()), (Some("bo"), "Q1"));
}

#[test]
fn plane_and_ticktick_rows_name_what_is_wrong() {
    let plane = "\"Project Name\",\"Identifier\",\"Name\",\"State Name\",\"Assignees\",\"Created At\",\"Updated At\",\"Completed At\",\"Archived At\"\n\
        \"P\",\"P-1\",\"Ok\",\"Cancelled\",\"\",\"2024-01-01T10:00:00Z\",\"\",\"\",\"2024-02-01T10:00:00Z\"\n\
        \"P\",\"P-2\",\"Odd\",\"Triage\",\"[]\",\"2024-01-01T10:00:00Z\",\"2024-01-01T10:00:00Z\",\"\",\"\"\n\
        \"P\",\"P-3\",\"Bad\",\"Todo\",\"[Jane\",\"2024-01-01T10:00:00Z\",\"2024-01-01T10:00:00Z\",\"\",\"\"\n";
    let (tasks, diagnostics) = read("plane.csv", plane.as_bytes(), &TimeZone::UTC);
    assert_eq!(diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), vec![3, 4]);
    assert!(diagnostics[0].message.contains("`State Name` \"Triage\""));
    assert!(diagnostics[1].message.contains("`Assignees`"));
    // No `Updated At`: cancelled when it was archived.
    assert_eq!((tasks[0].status, tasks[0].updated_at), (TaskStatus::Cancelled, at("2024-02-01T10:00:00Z")));

    let ticktick =
        "\u{feff}\"Date: 2025-11-25+0000\"\n\"Version: 7.1\"\n\"Status: \n0 Normal\n1 Completed\n2 Archived\"\n\
        \"Folder Name\",\"List Name\",\"Title\",\"Status\",\"Created Time\",\"Completed Time\",\"Timezone\"\n\
        \"\",\"Inbox\",\"Done, no time\",\"1\",\"2022-10-09T15:09:48+0000\",\"\",\"\"\n\
        \"\",\"Inbox\",\"Nowhere\",\"0\",\"2022-10-09T15:09:48+0000\",\"\",\"Mars/Olympus\"\n\
        \"\",\"Inbox\",\"Odd\",\"7\",\"2022-10-09T15:09:48+0000\",\"\",\"\"\n\
        \"\",\"Inbox\",\"No id column\",\"0\",\"2022-10-09 17:09:48\",\"\",\"Europe/Berlin\"\n";
    let (tasks, diagnostics) = read("backup.csv", ticktick.as_bytes(), &TimeZone::UTC);
    assert_eq!(diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), vec![8, 9, 10]);
    assert!(diagnostics[0].message.contains("`Completed Time`"));
    assert!(diagnostics[1].message.contains("\"Mars/Olympus\""));
    assert!(diagnostics[2].message.contains("`Status` \"7\""));
    assert_eq!(tasks.len(), 1);
    assert_eq!((tasks[0].id.as_str(), tasks[0].created_at), ("line-11", at("2022-10-09T15:09:48Z")));
}

#[test]
fn a_baton_file_may_start_with_a_byte_order_mark() {
    let file = format!("\u{feff}{HEADER}T-1,ok,P,,todo,2024-03-01T09:00:00Z,2024-03-01T09:00:00Z,,\n");
    assert_eq!(dialect(file.as_bytes()), Some(Dialect::Baton));
    let (tasks, diagnostics) = read("t.csv", file.as_bytes(), &TimeZone::UTC);
    assert_eq!(diagnostics, vec![]);
    assert_eq!((tasks.len(), tasks[0].line), (1, 2));
}

/// Issue 12: `baton report --from 2024-03-01` takes a plain date, so Baton's own task CSV takes
/// one too, as midnight in the workspace's zone.
#[test]
fn plain_dates_in_baton_instant_columns_are_midnight_in_the_workspace_zone() {
    let berlin = baton_core::calendar::parse_time_zone("Europe/Berlin").unwrap();
    let file = format!(
        "{HEADER}\
        T-1,Write copy,P,,done,2024-03-01,2024-03-04T10:00:00Z,,2024-03-04\n\
        T-2,Summer,P,,todo,2024-07-01,2024-07-01,,\n"
    );
    let (tasks, diagnostics) = read("t.csv", file.as_bytes(), &berlin);
    assert_eq!(diagnostics, vec![]);
    assert_eq!(tasks[0].created_at, at("2024-02-29T23:00:00Z"), "CET is UTC+1");
    assert_eq!(tasks[0].updated_at, at("2024-03-04T10:00:00Z"), "an instant stays as written");
    assert_eq!(tasks[0].done_at, Some(at("2024-03-03T23:00:00Z")));
    assert_eq!(tasks[1].created_at, at("2024-06-30T22:00:00Z"), "CEST is UTC+2");

    let (tasks, _) = read("t.csv", file.as_bytes(), &TimeZone::UTC);
    assert_eq!(tasks[0].created_at, at("2024-03-01T00:00:00Z"));

    let (_, diagnostics) =
        read("t.csv", format!("{HEADER}T-3,x,P,,todo,2024-02-30,2024-03-01,,\n").as_bytes(), &berlin);
    assert_eq!(
        diagnostics[0].to_string(),
        "t.csv:2: `created_at` \"2024-02-30\" is not an RFC 3339 instant or a date (YYYY-MM-DD)"
    );
}
