use super::*;

const HEADER: &str = "id,title,project,assignee,status,created_at,updated_at,due,done_at\n";

#[test]
fn reads_rows_in_any_column_order() {
    let file = "status,id,title,project,assignee,created_at,updated_at,due,done_at,extra\n\
        done,T-1,\"Write, then ship\",Relaunch,ana@example.com,2024-03-01T09:00:00Z,2024-03-04T10:00:00Z,2024-03-05,2024-03-04T10:00:00Z,x\n\
        todo,T-2,Plan,Relaunch,,2024-03-02T09:00:00Z,2024-03-02T09:00:00Z,,\n";
    let (tasks, diagnostics) = read("t.csv", file.as_bytes());
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
    let (tasks, diagnostics) = read("t.csv", file.as_bytes());
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
    let (tasks, diagnostics) = read("t.csv", b"id,title\nT-1,x\n");
    assert!(tasks.is_empty());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].line, 1);
    assert!(diagnostics[0].message.contains("`project`"));
}
