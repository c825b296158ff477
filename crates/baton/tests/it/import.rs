//! `baton import tasks-csv`: a file with known answers, imported, then reported.

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
