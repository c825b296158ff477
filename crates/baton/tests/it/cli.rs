//! The `baton` command line, run as the real binary in throwaway directories.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

use crate::server::{baton, Server};

const DEMO_EMAIL: &str = "owner@baton.demo";
const DEMO_PASSWORD: &str = "baton-demo-password";

/// Runs `baton` with `args` and returns what it did.
fn run(args: &[&str]) -> Output {
    baton().args(args).output().expect("the baton binary cargo built can be run")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `args` succeeded; returns its stdout.
fn run_ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(output.status.success(), "baton {args:?} failed with {}; stderr:\n{}", output.status, stderr(&output));
    stdout(&output)
}

/// `args` failed with one readable line on stderr that contains `needle`, and did not panic.
fn check_fails(args: &[&str], needle: &str) {
    check_refused(&format!("baton {args:?}"), &run(args), needle);
}

/// The command failed with one readable line on stderr that contains `needle`, and did not panic.
fn check_refused(what: &str, output: &Output, needle: &str) {
    let err = stderr(output);
    assert!(!output.status.success(), "{what} succeeded but should fail; stdout:\n{}", stdout(output));
    assert!(!err.contains("panicked"), "{what} panicked:\n{err}");
    let lines: Vec<&str> = err.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what} should explain itself in one line; stderr:\n{err}");
    assert!(lines[0].starts_with("baton: "), "{what}: the error line should name the command: {err}");
    assert!(lines[0].contains(needle), "{what}: the error line should mention {needle:?}: {err}");
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn demo(dir: &Path) -> Output {
    let args = ["demo", "--data-dir", path_arg(dir), "--members", "12", "--days", "20", "--seed", "3"];
    baton().args(args).args(["--until", "2026-03-01"]).output().expect("baton demo can be run")
}

#[test]
fn help_lists_every_subcommand() {
    let help = run_ok(&["--help"]);
    for subcommand in
        ["serve", "demo", "admin", "report", "import", "overlap", "advisor", "huddles", "checkins", "norms"]
    {
        assert!(help.lines().any(|line| line.trim_start().starts_with(subcommand)), "{subcommand} missing:\n{help}");
    }
    for subcommand in [
        "serve",
        "demo",
        "admin",
        "report",
        "overlap",
        "advisor",
        "import slack",
        "import tasks-csv",
        "huddles",
        "checkins",
        "norms",
    ] {
        let args: Vec<&str> = subcommand.split(' ').chain(["--help"]).collect();
        let help = run_ok(&args);
        assert!(help.contains("--data-dir"), "baton {subcommand} --help does not document --data-dir:\n{help}");
        assert!(help.contains("--database"), "baton {subcommand} --help does not document --database:\n{help}");
    }
    assert!(run_ok(&["serve", "--help"]).contains("--listen"));
    let admin_help = run_ok(&["admin", "--help"]);
    for admin_command in ["create-user", "reset-password", "list-users", "rebuild"] {
        assert!(admin_help.contains(admin_command), "{admin_command} missing from admin --help:\n{admin_help}");
        run_ok(&["admin", admin_command, "--help"]);
    }
}

/// `baton --help`, as a new team lead first reads it.
const HELP: &str = "\
Baton: a self-hosted team workspace where async and sync work live together, and where the team can see, measured, \
whether its async habits deliver

Usage: baton <COMMAND>

Commands:
  serve     Serve the workspace: the web app, the HTTP API and the live stream
  demo      Fill a fresh data directory with a deterministic, realistic demo workspace
  admin     Administer a data directory: create users, list them, reset a password
  report    Insights over a window, as text, JSON or HTML: response times, bouncing threads, stalled tasks, isolation
  import    Import another tool's history: a Slack export or a task CSV (importing twice changes nothing)
  overlap   When members are all in working hours during a week, each in their own time zone
  advisor   The advisor's suggestions (take a thread live, nudge, escalate, pair); accept or dismiss one
  huddles   Huddles: the list, newest first, or one in full (decisions, action items, who was there)
  checkins  Recurring check-ins: the list, one with its asks and answers, or create one
  norms     Reply norms (\"reply within N working hours\"): show them, set or clear one
  help      Print this message or the help of the given subcommand(s)

Options:
  -h, --help     Print help
  -V, --version  Print version

Every command works on a data directory (--data-dir, default ./baton-data) and explains its options with `baton \
<COMMAND> --help`. To start: `baton serve --demo`, or `baton import slack EXPORT.zip` and then `baton report --from \
2024-01-01 --to 2024-04-01`.
";

// Issue 12: the summary said "The baton command: serve, demo, admin." above ten commands.
#[test]
fn help_says_what_baton_is_and_gives_every_command_a_line_its_own_help_repeats() {
    let help = run_ok(&["--help"]);
    assert_eq!(help, HELP);
    let commands: Vec<&str> =
        help.lines().skip_while(|line| *line != "Commands:").skip(1).take_while(|line| !line.is_empty()).collect();
    assert_eq!(commands.len(), 11, "ten commands and help: {help}");
    for line in commands {
        let (name, description) = line.trim().split_once(' ').expect("a name and a description");
        if name == "help" {
            continue;
        }
        let own = run_ok(&[name, "--help"]);
        assert_eq!(own.lines().next(), Some(description.trim()), "baton {name} --help:\n{own}");
    }
}

#[test]
fn demo_refuses_a_directory_that_holds_a_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let first = demo(dir.path());
    assert!(first.status.success(), "the first demo failed: {}", stderr(&first));
    assert!(stdout(&first).contains(DEMO_EMAIL), "the demo should print its login: {}", stdout(&first));
    let users_before = run_ok(&["admin", "--data-dir", path_arg(dir.path()), "list-users"]);

    check_refused("a second demo on the same directory", &demo(dir.path()), "already holds a workspace");
    // The refusal changed nothing.
    assert_eq!(run_ok(&["admin", "--data-dir", path_arg(dir.path()), "list-users"]), users_before);
    // A rebuild replays the whole log into the tables, and they hold the same.
    let rebuilt = run_ok(&["admin", "--data-dir", path_arg(dir.path()), "rebuild"]);
    assert!(rebuilt.starts_with("rebuilt 20 tables from "), "{rebuilt}");
    let events: u64 = rebuilt.split_whitespace().nth(4).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(events > 100, "a demo's log: {rebuilt}");
    assert_eq!(run_ok(&["admin", "--data-dir", path_arg(dir.path()), "list-users"]), users_before);
}

#[tokio::test]
async fn demo_is_deterministic_for_a_seed() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut users = Vec::new();
    let mut event_summaries = Vec::new();
    for dir in &dirs {
        let output = demo(dir.path());
        assert!(output.status.success(), "demo failed: {}", stderr(&output));
        let listed = run_ok(&["admin", "--data-dir", path_arg(dir.path()), "list-users"]);
        assert_eq!(listed.lines().count(), 12, "--members 12 should give 12 members:\n{listed}");
        users.push(listed);
        let server = Server::start(dir.path()).await;
        let (status, owner) = server.api().login(DEMO_EMAIL, DEMO_PASSWORD).await;
        assert_eq!(status, 200, "the demo owner cannot sign in");
        event_summaries.push(summarize(&owner.unwrap().all_events().await));
    }
    assert_eq!(users[0], users[1], "the same seed gave different members");
    let Summary { n_events, kinds, .. } = &event_summaries[0];
    assert!(*n_events > 100, "a 20-day demo should hold more than {n_events} events: {kinds:?}");
    assert!(kinds.get("message.posted").is_some_and(|n| *n > 50), "too few messages: {kinds:?}");
    assert_eq!(event_summaries[0], event_summaries[1], "the same seed gave different event logs");
}

/// What must not depend on the order concurrent commands commit in: the number of events, how
/// many there are of each kind, and the (kind, time) of every event.
#[derive(Debug, PartialEq)]
struct Summary {
    n_events: usize,
    kinds: BTreeMap<String, usize>,
    kinds_at: Vec<(String, String)>,
}

fn summarize(events: &[Value]) -> Summary {
    let mut kinds = BTreeMap::new();
    let mut kinds_at = Vec::new();
    // Once served, the workspace lives on: its scheduler fires what falls due after the demo's
    // history (the next check-in digest, held notifications) at the time it runs. That is the
    // server's work, not the demo's content, and it is all timed after the demo's last day.
    let live = |e: &&Value| e["at"].as_str().is_some_and(|at| at > "2026-06-01");
    let events: Vec<&Value> = events.iter().filter(|e| !live(e)).collect();
    for event in &events {
        let kind = event["kind"].as_str().unwrap_or_default().to_string();
        *kinds.entry(kind.clone()).or_insert(0) += 1;
        kinds_at.push((kind, event["at"].as_str().unwrap_or_default().to_string()));
    }
    kinds_at.sort();
    Summary { n_events: events.len(), kinds, kinds_at }
}

/// DESIGN: setup is not open to whoever comes first. A fresh server prints its setup URL with a
/// one-time token, keeps the token in a file only its owner reads, and takes only that token.
#[tokio::test]
async fn a_fresh_server_is_set_up_only_with_the_token_it_printed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let file = dir.path().join("setup-token");
    let token = server.setup_token().expect("a fresh server writes DATA_DIR/setup-token");
    assert_eq!(token.len(), 64, "{token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token file is readable by its owner only");
    }
    assert!(
        server.stdout().contains(&format!("{}/setup?token={token}", server.base)),
        "the setup URL is printed: {}",
        server.stdout()
    );
    let api = server.api();
    let owner = json!({"workspace_name": "W", "handle": "owner", "email": "o@example.com", "password": "long enough"});
    for offered in [Value::Null, json!("not-the-token")] {
        let mut request = owner.clone();
        request["setup_token"] = offered.clone();
        let (status, body) = api.post("/api/v1/setup", &request).await;
        assert_eq!(status, 403, "setup with {offered}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("setup_token"), "{body}");
    }
    let page = reqwest::get(format!("{}/setup", server.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"token\""), "the page asks for the token without it: {page}");
    let page = reqwest::get(format!("{}/setup?token={token}", server.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("type=\"hidden\" name=\"token\" value=\"{token}\"")), "{page}");
    api.setup("o@example.com", "long enough").await;
    assert!(!file.exists(), "the used token's file is removed");
    drop(server);

    let server = Server::start(dir.path()).await;
    assert!(server.setup_token().is_none(), "a set-up workspace writes no token");
    let mut request = owner.clone();
    request["setup_token"] = json!(token);
    let (status, _) = server.api().post("/api/v1/setup", &request).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn admin_creates_users_and_resets_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = path_arg(dir.path());
    let server = Server::start(dir.path()).await;
    let api = server.api();
    api.setup("owner@admin.test", "owner password").await;

    // The server keeps running: a self-hoster administers a live instance.
    let created = run_ok(&[
        "admin",
        "--data-dir",
        data_dir,
        "create-user",
        "--handle",
        "robin",
        "--email",
        "robin@admin.test",
        "--password",
        "first password",
    ]);
    assert!(created.contains("@robin"), "create-user should name the member: {created}");
    let (status, robin) = api.login("robin@admin.test", "first password").await;
    assert_eq!(status, 200, "the new member cannot sign in with the password create-user set");
    let me = robin.unwrap().get_ok("/api/v1/me").await;
    assert_eq!(me["handle"], "robin", "{me}");
    assert_eq!(me["role"], "member", "create-user defaults to the member role: {me}");

    let listed = run_ok(&["admin", "--data-dir", data_dir, "list-users"]);
    assert!(listed.contains("@robin") && listed.contains("@owner"), "list-users:\n{listed}");

    run_ok(&[
        "admin",
        "--data-dir",
        data_dir,
        "reset-password",
        "--user",
        "robin@admin.test",
        "--password",
        "second password",
    ]);
    let (status, old) = api.login("robin@admin.test", "first password").await;
    assert_eq!(status, 401, "the old password still signs in after reset-password");
    assert!(old.is_none());
    let (status, _) = api.login("robin@admin.test", "second password").await;
    assert_eq!(status, 200, "the new password does not sign in after reset-password");
}

#[tokio::test]
async fn admin_rejects_bad_input_readably() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = path_arg(dir.path());
    let server = Server::start(dir.path()).await;
    server.api().setup("owner@admin.test", "owner password").await;
    let create = |handle: &str, email: &str, password: &str, role: &str| {
        let args = ["admin", "--data-dir", data_dir, "create-user", "--handle", handle, "--email", email];
        baton().args(args).args(["--password", password, "--role", role]).output().unwrap()
    };
    for (what, output, needle) in [
        ("a short password", create("kim", "kim@admin.test", "short", "member"), "password"),
        ("an unknown role", create("kim", "kim@admin.test", "long enough", "emperor"), "emperor"),
        ("a taken handle", create("owner", "other@admin.test", "long enough", "member"), "already exists"),
        ("a bad handle", create("Not A Handle!", "kim@admin.test", "long enough", "member"), "handle"),
    ] {
        check_refused(&format!("create-user with {what}"), &output, needle);
    }
    check_fails(
        &["admin", "--data-dir", data_dir, "reset-password", "--user", "nobody", "--password", "long enough"],
        "nobody",
    );
    // Nothing was created by the refused commands.
    let listed = run_ok(&["admin", "--data-dir", data_dir, "list-users"]);
    assert_eq!(listed.lines().count(), 1, "only the owner should exist:\n{listed}");
}

#[test]
fn admin_on_an_empty_directory_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    check_fails(&["admin", "--data-dir", path_arg(dir.path()), "list-users"], "no workspace");
}

#[test]
fn serve_rejects_a_bad_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["serve", "--data-dir", path_arg(dir.path()), "--listen", "not-an-address"]);
    let err = stderr(&output);
    assert!(!output.status.success(), "serve accepted --listen not-an-address");
    assert!(!err.contains("panicked"), "serve panicked:\n{err}");
    let first_line = err.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("not-an-address") && first_line.contains("--listen"),
        "the first line should name the bad value and the option: {err}"
    );
}

#[test]
fn report_prints_one_json_document_with_the_demo_story() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = path_arg(dir.path());
    run_ok(&[
        "demo",
        "--data-dir",
        data_dir,
        "--members",
        "20",
        "--days",
        "20",
        "--seed",
        "3",
        "--until",
        "2026-03-01",
    ]);
    let json =
        run_ok(&["report", "--data-dir", data_dir, "--from", "2026-02-09", "--to", "2026-03-01", "--format", "json"]);
    let report: Value = serde_json::from_str(&json).expect("stdout is exactly one JSON document");
    assert_eq!(report["window"]["from"], "2026-02-09T00:00:00Z", "a date is midnight in the workspace zone (UTC)");
    assert!(report["messages"]["count"].as_u64().unwrap() > 50);
    assert!(report["response_time"]["median_s"].is_u64());
    let bouncing = report["bouncing_threads"].as_array().unwrap();
    assert!(bouncing.iter().any(|t| t["channel"] == "launch"), "the demo's #launch threads bounce: {bouncing:?}");
    let members = report["members"].as_array().unwrap();
    assert_eq!(members.len(), 20);
    let quinn = members.iter().find(|m| m["name"] == "quinn").expect("quinn is listed");
    assert_eq!(quinn["isolated"], true, "nobody answers quinn");
    assert!(report["tasks"]["stalled"].as_u64().unwrap() > 0, "the data migration stalls");

    let text = run_ok(&["report", "--data-dir", data_dir, "--from", "2026-02-09", "--to", "2026-03-01"]);
    assert!(text.contains("Bouncing threads") && text.contains("quinn"), "{text}");

    let compare_args = [
        "report",
        "--data-dir",
        data_dir,
        "--from",
        "2026-02-20",
        "--to",
        "2026-03-01",
        "--compare",
        "2026-02-10..2026-02-20",
        "--format",
        "json",
    ];
    let compared = run_ok(&compare_args);
    let compared: Value = serde_json::from_str(&compared).unwrap();
    assert_eq!(compared["compare"]["before"]["from"], "2026-02-10T00:00:00Z");
    let metrics = compared["compare"]["metrics"].as_array().unwrap();
    assert_eq!(metrics[0]["metric"], "median_working_response_s");
    let median = compared["response_time"]["median_working_s"].as_f64();
    assert_eq!(metrics[0]["after"].as_f64(), median, "the same engine, the same number");
    let again = run_ok(&compare_args);
    assert_eq!(
        serde_json::from_str::<Value>(&again).unwrap(),
        compared,
        "seeded: the same input gives the same output"
    );
    check_fails(
        &["report", "--data-dir", data_dir, "--from", "2026-02-20", "--to", "2026-03-01", "--compare", "2026-02-10"],
        "FROM..TO",
    );

    check_fails(&["report", "--data-dir", data_dir, "--from", "yesterday", "--to", "2026-03-01"], "--from");
    check_fails(&["report", "--data-dir", data_dir, "--from", "2026-03-01", "--to", "2026-02-01"], "before");
}

/// A data directory holding the small demo: 12 members, 20 days up to 2026-03-01, in UTC.
fn small_demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = demo(dir.path());
    assert!(output.status.success(), "the demo failed: {}", stderr(&output));
    dir
}

// Issue 12: `--from 2026-11-01T10:00` was read as 2026-11-01 and silently cut to midnight.
#[test]
fn report_reads_a_date_and_time_without_offset_as_that_time_in_the_workspace_zone() {
    let dir = small_demo();
    let data_dir = path_arg(dir.path());
    let report = ["report", "--data-dir", data_dir];
    let json = run_ok(
        &[
            &report[..],
            &["--from", "2026-02-20T10:00", "--to", "2026-03-01T08:30:15", "--format", "json"],
            &["--compare", "2026-02-10T10:00..2026-02-20T10:00"],
        ]
        .concat(),
    );
    let json: Value = serde_json::from_str(&json).expect("one JSON document");
    let window = |from: &str, to: &str| serde_json::json!({"from": from, "to": to});
    assert_eq!(json["window"], window("2026-02-20T10:00:00Z", "2026-03-01T08:30:15Z"), "the demo's zone is UTC");
    assert_eq!(json["compare"]["before"], window("2026-02-10T10:00:00Z", "2026-02-20T10:00:00Z"));

    let with = |from: &'static str, to: &'static str| [&report[..], &["--from", from, "--to", to]].concat();
    check_fails(
        &with("2026-02-20T10:00[Europe/Berlin]", "2026-03-01"),
        "--from: \"2026-02-20T10:00[Europe/Berlin]\" names a time zone but no offset",
    );
    check_fails(&with("2026-02-20", "2026-03-01 noon"), "--to: \"2026-03-01 noon\" is not an instant");
    check_fails(
        &[&with("2026-02-20", "2026-03-01")[..], &["--compare", "2026-02-10..2026-02-20T10:00[UTC]"]].concat(),
        "--compare: \"2026-02-20T10:00[UTC]\" names a time zone",
    );
}

/// The text between `start` and the next `end` in `line`.
fn between<'a>(line: &'a str, start: &str, end: &str) -> &'a str {
    let rest = &line[line.find(start).unwrap_or_else(|| panic!("no {start:?} in {line:?}")) + start.len()..];
    &rest[..rest.find(end).unwrap_or_else(|| panic!("no {end:?} after {start:?} in {line:?}"))]
}

/// The line of `text` that starts with `start`.
fn line_of<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines().find(|line| line.starts_with(start)).unwrap_or_else(|| panic!("no line {start:?} in:\n{text}"))
}

// Issue 12: `--compare` printed raw seconds and fractions ("4380.00", "0.82") under a report that
// shows durations and percentages.
#[test]
fn report_text_compares_in_durations_and_percentages_like_the_rest_of_the_report() {
    let dir = small_demo();
    let data_dir = path_arg(dir.path());
    let text = |extra: &[&str]| run_ok(&[&["report", "--data-dir", data_dir][..], extra].concat());
    let before = text(&["--from", "2026-02-10", "--to", "2026-02-20"]);
    let after = text(&["--from", "2026-02-20", "--to", "2026-03-01"]);
    let compared = text(&["--from", "2026-02-20", "--to", "2026-03-01", "--compare", "2026-02-10..2026-02-20"]);
    assert!(compared.starts_with(&after), "the report comes first, unchanged:\n{compared}");

    // Each row: label, before → after, "change" and the change, then the interval.
    let rows: Vec<(&str, &str, &str, &str, &str)> = compared
        .lines()
        .skip_while(|line| !line.starts_with("Compared with"))
        .skip(1)
        .map(|row| {
            let (label_and_before, rest) = row.split_once(" → ").expect("before → after");
            let (label, before) = label_and_before.trim().rsplit_once(' ').expect("a label and a value");
            let (after, rest) = rest.split_once(" change ").expect("a change");
            let (change, interval) = rest.trim().split_once("  ").expect("a change and an interval");
            (label.trim(), before, after.trim(), change, interval.trim())
        })
        .collect();
    let labels: Vec<&str> = rows.iter().map(|row| row.0).collect();
    assert_eq!(labels, ["median working response", "within norm", "stall rate", "completion rate", "isolation rate"]);

    // Before and after read exactly as each window's own report shows them.
    let working_median = |report: &str| between(line_of(report, "Response time"), "(working ", ")").to_owned();
    let within_norm = |report: &str| between(line_of(report, "Response time"), "; ", " within norm").to_owned();
    let isolation_rate = |report: &str| between(line_of(report, "Isolation"), " (", ")").to_owned();
    for (row, shown) in [(0, &working_median as &dyn Fn(&str) -> String), (1, &within_norm), (4, &isolation_rate)] {
        assert_eq!((rows[row].1, rows[row].2), (shown(&before).as_str(), shown(&after).as_str()), "{compared}");
    }
    // A change of a duration is a signed duration; of a share, signed percentage points.
    let duration = |value: &str| {
        let value = value.trim_start_matches(['+', '-']);
        let (number, unit) = value.split_at(value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len()));
        !number.is_empty() && (unit.starts_with('h') || unit.starts_with('m')) && !value.contains('.')
    };
    let points = |value: &str| {
        let number = value.strip_suffix(" pts").unwrap_or("x");
        number == "0" || (number.starts_with(['+', '-']) && number[1..].parse::<u32>().is_ok())
    };
    for (label, _, _, change, interval) in &rows {
        let bounds: Vec<&str> = interval.trim_matches(['[', ']']).split(", ").collect();
        let reads = if *label == "median working response" { &duration as &dyn Fn(&str) -> bool } else { &points };
        assert!(reads(change) && bounds.iter().all(|b| reads(b)), "{label}: {change} {interval}\n{compared}");
    }
}

// Issue 12: "Isolation 0 of 0 active members" on an old export did not say what "active" means.
#[test]
fn report_text_says_isolation_counts_the_members_active_in_the_14_days_before_to() {
    let dir = small_demo();
    let data_dir = path_arg(dir.path());
    // The demo's history starts in February's second week: nobody is active before the 5th.
    let early = run_ok(&["report", "--data-dir", data_dir, "--from", "2026-02-01", "--to", "2026-02-05"]);
    assert_eq!(
        line_of(&early, "Isolation"),
        "Isolation      0 isolated of 0 members active in the 14 days before 2026-02-05T00:00:00Z (—)"
    );
    let late = run_ok(&["report", "--data-dir", data_dir, "--from", "2026-02-28", "--to", "2026-03-01"]);
    let isolation = line_of(&late, "Isolation");
    assert!(isolation.contains(" of 12 members active in the 14 days before 2026-03-01T00:00:00Z"), "{late}");
}

#[test]
fn overlap_and_advisor_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    assert!(demo(dir.path()).status.success());
    let data = path_arg(dir.path());
    // ada is in Berlin and bea in New York: in the week Europe has not yet moved its clocks,
    // 14:00–17:00 Berlin is 09:00–12:00 New York, five times.
    let shown = run_ok(&["overlap", "--data-dir", data, "--members", "ada,bea", "--week", "2027-03-24"]);
    assert!(shown.contains("Week of 2027-03-22"), "{shown}");
    assert!(shown.contains("Mon 14:00–17:00 ada | Mon 09:00–12:00 bea"), "{shown}");
    assert!(shown.trim_end().ends_with("Total: 15.00 h"), "{shown}");
    let failed = baton().args(["overlap", "--data-dir", data, "--members", "ada,nobody"]).output().unwrap();
    check_refused("an unknown member", &failed, "no member \"nobody\"");

    let at = "2026-03-01T00:00:00Z";
    let listed: serde_json::Value =
        serde_json::from_str(&run_ok(&["advisor", "--data-dir", data, "--at", at, "--json"])).unwrap();
    let keys: Vec<String> = listed.as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap().to_string()).collect();
    assert!(keys.iter().any(|k| k.starts_with("take-live-thread-")), "the bouncing #launch threads: {keys:?}");
    let accepted = run_ok(&["advisor", "--data-dir", data, "--at", at, "--accept", &keys[0]]);
    assert_eq!(accepted.trim(), format!("Accepted {}", keys[0]));
    let again: serde_json::Value =
        serde_json::from_str(&run_ok(&["advisor", "--data-dir", data, "--at", at, "--json"])).unwrap();
    assert!(again.as_array().unwrap().iter().all(|s| s["key"] != keys[0].as_str()), "decided once");
    let refused = baton().args(["advisor", "--data-dir", data, "--at", at, "--accept", &keys[0]]).output().unwrap();
    check_refused("accepting twice", &refused, "no open suggestion");
}

#[test]
fn huddles_checkins_and_norms_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    assert!(demo(dir.path()).status.success());
    let data = path_arg(dir.path());

    // The weekly #engineering syncs of a 20-day demo (days 2, 9 and 16) and the one the owner
    // took live from the advisor five days before the end, newest first.
    let listed: Value = serde_json::from_str(&run_ok(&["huddles", "--data-dir", data, "--json"])).unwrap();
    let huddles = listed.as_array().unwrap();
    assert_eq!(huddles.len(), 4, "{listed}");
    assert!(huddles[1]["title"].as_str().unwrap().starts_with("Live: Launch date"), "{listed}");
    let newest = &huddles[0];
    assert!(newest["title"].as_str().unwrap().starts_with("Weekly engineering sync"), "{newest}");
    let id = newest["id"].as_i64().unwrap().to_string();
    let shown = run_ok(&["huddles", "--data-dir", data, "--show", &id]);
    let task = newest["action_items"][0]["task_id"].as_i64().unwrap();
    assert!(shown.contains(&format!("(task {task})")), "the action item's task: {shown}");
    assert!(shown.contains("decision: Ship "), "{shown}");
    assert!(shown.contains("(30 min)"), "{shown}");
    check_refused(
        "an unknown huddle",
        &baton().args(["huddles", "--data-dir", data, "--show", "999"]).output().unwrap(),
        "not found",
    );

    // Norms: #support's 2 hours; set #general's, then clear it.
    let norms = run_ok(&["norms", "--data-dir", data]);
    assert!(norms.contains("Workspace: reply within 4 working hours"), "{norms}");
    assert!(norms.contains("#support: reply within 2 working hours"), "{norms}");
    let set = run_ok(&["norms", "--data-dir", data, "--channel", "#general", "--set", "1.5"]);
    assert!(set.contains("#general: reply within 1.5 working hours"), "{set}");
    let cleared = run_ok(&["norms", "--data-dir", data, "--channel", "general", "--clear"]);
    assert!(!cleared.contains("#general"), "{cleared}");
    check_fails(&["norms", "--data-dir", data, "--set", "0"], "more than 0");
    check_fails(&["norms", "--data-dir", data, "--channel", "nowhere", "--set", "2"], "no channel");

    // Check-ins: the demo's daily one, then a new one asked at 10:00 each member's time.
    let shown = run_ok(&["checkins", "--data-dir", data, "--show", "1"]);
    assert!(shown.starts_with("Check-in 1: Engineering daily"), "{shown}");
    assert!(shown.contains("- Anything blocking you?"), "{shown}");
    let created: Value = serde_json::from_str(&run_ok(&[
        "checkins",
        "--data-dir",
        data,
        "--create",
        "Design weekly",
        "--channel",
        "design",
        "--question",
        "What shipped?",
        "--question",
        "What is stuck?",
        "--members",
        "ada,@bea",
        "--ask-at",
        "10:00",
        "--json",
    ]))
    .unwrap();
    assert_eq!(created["title"], "Design weekly");
    assert_eq!(created["ask_at"], "10:00");
    assert_eq!(created["questions"].as_array().unwrap().len(), 2);
    assert_eq!(created["member_ids"].as_array().unwrap().len(), 2);
    let all = run_ok(&["checkins", "--data-dir", data]);
    assert!(all.contains("Engineering daily") && all.contains("Design weekly"), "{all}");
    check_fails(
        &[
            "checkins",
            "--data-dir",
            data,
            "--create",
            "X",
            "--channel",
            "design",
            "--question",
            "Q",
            "--members",
            "nobody",
        ],
        "no member \"nobody\"",
    );
}

/// `baton report … | head`: when the reader stops early, the report stops quietly and succeeds.
#[test]
fn a_reader_that_stops_early_is_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    assert!(demo(dir.path()).status.success());
    let mut child = baton()
        .args(["report", "--data-dir", path_arg(dir.path()), "--from", "2026-02-01", "--to", "2026-03-01"])
        .args(["--format", "html"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the report is written: every write then fails with EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

/// `--database` on PostgreSQL: the same demo gives the same report, members and rebuild as on
/// the data directory's SQLite file, every command finding the workspace through the flag.
#[tokio::test]
async fn every_command_works_on_postgres_as_on_sqlite() {
    let Some(scratch) = baton_store::testing::Scratch::postgres().await else { return };
    let baton_store::Database::Postgres(url) = &scratch.database else { unreachable!() };
    let on_sqlite = small_demo();
    let sqlite = ["--data-dir", path_arg(on_sqlite.path())];
    let postgres = ["--data-dir", path_arg(scratch.dir.path()), "--database", url.as_str()];
    let demo = ["demo", "--members", "12", "--days", "20", "--seed", "3", "--until", "2026-03-01"];
    let made = baton().args(demo).args(postgres).output().unwrap();
    assert!(made.status.success(), "the demo on PostgreSQL failed: {}", stderr(&made));
    assert!(on_sqlite.path().join("baton.db").is_file());
    assert!(!scratch.dir.path().join("baton.db").exists(), "no SQLite file beside a PostgreSQL workspace");
    let report = ["report", "--from", "2026-02-01", "--to", "2026-03-01", "--format", "json"];
    let both = |args: &[&str]| {
        let on = |place: &[&str]| run_ok(&[args, place].concat());
        (on(&sqlite), on(&postgres))
    };
    let (a, b) = both(&report);
    assert!(a.contains("\"messages\""), "{a}");
    assert_eq!(a, b, "the same history reports the same on both backends");
    let (a, b) = both(&["admin", "list-users"]);
    assert_eq!(a, b);
    let (a, b) = both(&["huddles", "--json"]);
    assert_eq!(a, b);
    let (a, b) = both(&["admin", "rebuild"]);
    assert_eq!(a.split(" in ").next(), b.split(" in ").next(), "{a} / {b}");
    // BATON_DATABASE does what --database does.
    let by_env = baton()
        .args(["admin", "--data-dir", path_arg(scratch.dir.path()), "list-users"])
        .env("BATON_DATABASE", url)
        .output()
        .unwrap();
    assert_eq!(stdout(&by_env), both(&["admin", "list-users"]).1);
    scratch.remove().await;
}
