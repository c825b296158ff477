//! `baton import tasks-csv`: a file with known answers, imported, then reported; what the
//! import says when it is done; two files whose ids overlap; a real conflict.

use std::path::Path;

use serde_json::{json, Value};

use crate::server::baton;

const CSV: &str = "id,title,project,assignee,status,created_at,updated_at,due,done_at
T-1,Write copy,Relaunch,ana@example.com,done,2024-03-04T09:00:00Z,2024-03-06T10:00:00Z,2024-03-06,2024-03-06T10:00:00Z
T-2,Build pages,Relaunch,bo,in_progress,2024-03-04T09:00:00Z,2024-03-05T12:00:00Z,2024-03-08,
T-3,Old idea,Ops,,cancelled,2024-03-05T09:00:00Z,2024-03-07T09:00:00Z,2024-03-07,
T-4,Plan Q2,Ops,ana@example.com,todo,2024-03-08T09:00:00Z,2024-03-08T15:00:00Z,,
";

fn run(args: &[&str]) -> std::process::Output {
    baton().args(args).output().expect("baton runs")
}

/// The commands an import printed for what to do next (indented lines that start with
/// `baton`), each split into its arguments, `baton` left out: to be run as written.
pub(crate) fn printed_commands(stderr: &str) -> Vec<Vec<String>> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("    baton "))
        .map(|command| command.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Runs a printed command as written; returns its stdout.
pub(crate) fn run_printed(command: &[String]) -> String {
    let output = baton().args(command).output().expect("baton runs");
    assert!(output.status.success(), "baton {command:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn import(file: &Path, data: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "tasks-csv", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn report(dir: &str) -> Value {
    let output = run(&["report", "--data-dir", dir, "--from", "2024-03-04", "--to", "2024-03-11", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

#[test]
fn imported_tasks_give_the_hand_computed_report_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tasks.csv");
    std::fs::write(&file, CSV).unwrap();
    let data = dir.path().join("data");
    let (file, data) = (file.to_str().unwrap(), data.to_str().unwrap());
    let output = run(&["import", "tasks-csv", file, "--data-dir", data]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let first = report(data);
    // T-1 done on time (49 h wall, Mon 09:00 → Wed 10:00 = 17 working hours); T-2 open and
    // stalled (Tue 12:00 → Mon 00:00 = 29 working hours); T-3 cancelled, due, late; T-4 open,
    // touched Fri 15:00 (2 working hours before `to`).
    assert_eq!(
        first["tasks"],
        json!({"created": 4, "done": 1, "open": 2, "stalled": 1, "stall_rate": 0.5, "due": 3, "done_on_time": 1,
               "completion_rate": 1.0 / 3.0, "cycle_median_s": 176400, "cycle_p90_s": 176400,
               "cycle_median_working_s": 61200, "cycle_p90_working_s": 61200})
    );
    let names: Vec<&str> = first["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ana", "bo"], "the importer's own service account is not a person");

    let again = run(&["import", "tasks-csv", file, "--data-dir", data]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(report(data), first, "importing the same file twice changes nothing");
}

#[test]
fn a_malformed_file_names_the_line_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    let bad = CSV.replace("T-3,Old idea,Ops,,cancelled", "T-3,Old idea,Ops,,finished");
    std::fs::write(&file, bad).unwrap();
    let data = dir.path().join("data");
    let output = run(&["import", "tasks-csv", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("bad.csv:4:") && stderr.contains("finished"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(!data.join("baton.db").exists(), "no database was created for a file that does not read");
}

/// Issue 12: the import ends by saying what it imported and the next two commands, which work
/// as printed: a login that sees everything, and a report over the data's last four weeks; a
/// second import says that nothing changed.
#[test]
fn the_import_says_what_it_imported_and_next_commands_that_work_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tasks.csv");
    std::fs::write(&file, CSV).unwrap();
    let data = dir.path().join("data");
    let output = import(&file, &data, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "people's output goes to stderr");
    let said = stderr(&output);
    let first_line =
        format!("imported 4 tasks, 2 projects and 2 assignees from {} into {}", file.display(), data.display());
    assert!(said.contains(&first_line), "{said}");
    assert!(said.contains("the data runs from 2024-03-04 to 2024-03-08 (UTC)"), "{said}");
    let data_arg = data.to_str().unwrap().to_string();
    let commands = printed_commands(&said);
    let expected: Vec<Vec<String>> = [
        "admin create-user --data-dir DATA --role owner --handle lead --email lead@example.com",
        "report --data-dir DATA --from 2024-02-10 --to 2024-03-09",
    ]
    .iter()
    .map(|c| c.split(' ').map(|w| if w == "DATA" { data_arg.clone() } else { w.to_string() }).collect())
    .collect();
    assert_eq!(commands, expected, "{said}");

    let created = run_printed(&commands[0]);
    assert!(created.contains("created owner") && created.contains("@lead"), "{created}");
    assert!(created.lines().any(|l| l.strip_prefix("password: ").is_some_and(|p| p.len() >= 8)), "{created}");
    let users = String::from_utf8(run(&["admin", "list-users", "--data-dir", &data_arg]).stdout).unwrap();
    assert!(users.lines().any(|l| l.contains("@lead ") && l.contains("owner")), "{users}");
    let report = run_printed(&commands[1]);
    assert!(report.contains("Tasks          4 created, 1 done, 2 open"), "the window holds the data: {report}");

    let again = import(&file, &data, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    let said = stderr(&again);
    assert!(said.starts_with("already imported, nothing changed"), "{said}");
    assert!(!said.contains("imported 4"), "{said}");
    // The lead has a login now: the next step is to serve and sign in.
    assert_eq!(printed_commands(&said)[0], ["serve", "--data-dir", &data_arg], "{said}");
}

/// Issue 12: "1 tasks".
#[test]
fn one_of_a_kind_is_counted_in_the_singular() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.csv");
    std::fs::write(&file, CSV.lines().take(2).map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let output = import(&file, &dir.path().join("data"), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("imported 1 task, 1 project and 1 assignee from"), "{}", stderr(&output));
}

/// Issue 12: a second file whose ids overlap the first stopped with "Idempotency-Key: this key
/// was already used for a different request".
#[test]
fn a_second_file_whose_ids_overlap_the_first_in_another_project_imports() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("web.csv"), dir.path().join("mobile.csv"));
    std::fs::write(&first, CSV).unwrap();
    std::fs::write(&second, CSV.replace(",Relaunch,", ",Mobile,").replace(",Ops,", ",Mobile ops,")).unwrap();
    let data = dir.path().join("data");
    for file in [&first, &second] {
        let output = import(file, &data, &[]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stderr(&output).starts_with("imported 4 tasks"), "{}", stderr(&output));
    }
    assert_eq!(report(data.to_str().unwrap())["tasks"]["created"], 8);
    let again = import(&second, &data, &[]);
    assert!(stderr(&again).starts_with("already imported, nothing changed"), "{}", stderr(&again));
}

/// Issue 12: a real conflict names the file, the line and the task and says what to do, and
/// nothing of the file is written.
#[test]
fn a_row_that_differs_from_its_earlier_import_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tasks.csv");
    std::fs::write(&file, CSV).unwrap();
    let data = dir.path().join("data");
    assert!(import(&file, &data, &[]).status.success());
    let before = report(data.to_str().unwrap());

    let newer = dir.path().join("newer.csv");
    let changed = CSV.replace("T-3,Old idea", "T-3,Older idea")
        + "T-5,Fresh,Relaunch,bo,todo,2024-03-08T09:00:00Z,2024-03-08T09:00:00Z,,\n";
    std::fs::write(&newer, changed.replace("Build pages,Relaunch,bo,in_progress", "Build pages,Relaunch,bo,blocked"))
        .unwrap();
    let output = import(&newer, &data, &[]);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "the second conflict, then the error: {said}");
    assert_eq!(
        lines[0],
        format!(
            "{}:4: task \"T-3\" of project \"Ops\" was imported before from a row that differs in its title, \
             assignee or due date",
            newer.display()
        )
    );
    let error = lines[1];
    let first = format!(
        "baton: {}:3: task \"T-2\" of project \"Relaunch\" was imported before from a row that differs in its status \
         or when it changed (2 tasks imported before differ in all; nothing was imported).",
        newer.display()
    );
    assert!(error.starts_with(&first), "{said}");
    assert!(error.contains("--source NAME") && error.contains("new data directory"), "{said}");
    assert!(!said.contains("Idempotency-Key"), "{said}");
    assert_eq!(report(data.to_str().unwrap()), before, "not even the new T-5 was written");

    // Told apart by where it comes from, the file imports as other tasks.
    let output = import(&newer, &data, &["--source", "other tracker"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(report(data.to_str().unwrap())["tasks"]["created"], 4 + 5);
}

/// A data directory imported before issue 12 keyed tasks by their id alone: importing the same
/// file again still changes nothing.
#[tokio::test]
async fn a_task_an_earlier_version_imported_is_not_imported_twice() {
    use baton_core::calendar::WorkingHours;
    use baton_core::model::{Priority, Role, TaskStatus};
    use baton_store::{Command, Envelope, NewMember, SqlStore, Store, Viewer};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        // What that version wrote for `T-9,Plan,Ops,,todo,2024-03-08T09:00:00Z,2024-03-08T09:00:00Z,,`.
        let store = SqlStore::open_dir(&data).await.unwrap();
        let owner = NewMember {
            handle: "importer".into(),
            email: "importer@baton.invalid".into(),
            display_name: "Importer".into(),
            role: Role::Owner,
            time_zone: "UTC".into(),
            working_hours: WorkingHours::default(),
            password_hash: None,
            service: true,
        };
        let setup = Command::Setup { workspace_name: "Imported".into(), time_zone: "UTC".into(), owner };
        let answer = store.execute(Envelope::system(jiff::Timestamp::UNIX_EPOCH, setup)).await.unwrap().to_json();
        let owner =
            Viewer { member: baton_core::MemberId(answer["member"]["id"].as_i64().unwrap()), role: Role::Owner };
        let at: jiff::Timestamp = "2024-03-08T09:00:00Z".parse().unwrap();
        let write = |key: &str, command: Command| {
            let mut envelope = Envelope::new(owner, at, command).with_idempotency_key(Some(key.into()));
            envelope.source = "tasks-csv".into();
            envelope
        };
        let project = Command::CreateProject { name: "Ops".into(), description: String::new() };
        let project = store.execute(write("tasks-csv:project:Ops", project)).await.unwrap().to_json();
        let task = Command::CreateTask {
            project: baton_core::ProjectId(project["id"].as_i64().unwrap()),
            title: "Plan".into(),
            description: String::new(),
            assignee: None,
            status: TaskStatus::Todo,
            due: None,
            priority: Priority::Normal,
        };
        store.execute(write("tasks-csv:task:T-9:created", task)).await.unwrap();
    }
    let file = dir.path().join("tasks.csv");
    std::fs::write(
        &file,
        "id,title,project,assignee,status,created_at,updated_at,due,done_at\n\
                           T-9,Plan,Ops,,todo,2024-03-08T09:00:00Z,2024-03-08T09:00:00Z,,\n",
    )
    .unwrap();
    let output = import(&file, &data, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("already imported, nothing changed"), "{}", stderr(&output));
    assert_eq!(report(data.to_str().unwrap())["tasks"]["created"], 1);
}

/// Issue 12: `2024-03-04` in an instant column stopped the import, though `baton report` takes it.
#[test]
fn plain_dates_import_as_midnight_in_the_workspace_zone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dates.csv");
    let csv = "id,title,project,assignee,status,created_at,updated_at,due,done_at\n\
               T-1,Write copy,Relaunch,,done,2024-03-04,2024-03-06,2024-03-08,2024-03-06\n";
    std::fs::write(&file, csv).unwrap();
    let data = dir.path().join("data");
    let output = run(&["import", "tasks-csv", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tasks = &report(data.to_str().unwrap())["tasks"];
    assert_eq!((&tasks["created"], &tasks["done"]), (&json!(1), &json!(1)));
    assert_eq!(tasks["cycle_median_s"], 2 * 86_400, "midnight (UTC, the new workspace's zone) to midnight");
}
