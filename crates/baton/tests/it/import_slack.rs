//! `baton import slack`: an export built here with hand-computed answers, imported then
//! reported; the real exports under ../shared/data/slack; broken exports.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::import::{printed_commands, run_printed};
use crate::server::baton;

fn run(args: &[&str]) -> std::process::Output {
    baton().args(args).output().expect("baton runs")
}

fn import(export: &Path, data: &Path) {
    let output = run(&["import", "slack", export.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn report(data: &Path, from: &str, to: &str) -> Value {
    let output = run(&["report", "--data-dir", data.to_str().unwrap(), "--from", from, "--to", to, "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

fn write(dir: &Path, name: &str, value: Value) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
}

/// Seconds of 2024-03-04 (a Monday) 00:00 UTC, the window's start.
const MONDAY: i64 = 1_709_510_400;

fn ts(day: i64, hour: i64, minute: i64) -> String {
    format!("{}.000000", MONDAY + day * 86_400 + hour * 3600 + minute * 60)
}

fn msg(ts: &str, user: &str, text: &str) -> Value {
    json!({"type": "message", "ts": ts, "user": user, "text": text})
}

fn with(mut message: Value, key: &str, value: Value) -> Value {
    message[key] = value;
    message
}

const PARENT: &str = "Can we ship <@U1>? The release notes are in the doc and QA signed off on everything this morning";

/// ana (Berlin), bo (New York, with a wrong `tz_offset` that must be ignored), cy (no zone:
/// the workspace's, UTC), dee (Berlin, deleted), a bot and Slackbot. All times UTC; the window
/// is Mon 2024-03-04 → Mon 2024-03-11. ana's "ok" was edited on Wednesday; "Morning all" has
/// reactions by bo, cy, the bot and a stranger, the thread's parent one by ana.
fn build_export(dir: &Path) {
    write(
        dir,
        "users.json",
        json!([
            {"id": "U1", "name": "ana", "tz": "Europe/Berlin", "tz_offset": 3600, "profile": {"email": "ana@example.com", "real_name": "Ana"}},
            {"id": "U2", "name": "bo", "tz": "America/New_York", "tz_offset": 3600, "profile": {"email": "bo@example.com"}},
            {"id": "U3", "name": "cy", "profile": {}},
            {"id": "U4", "name": "dee", "tz": "Europe/Berlin", "deleted": true, "profile": null},
            {"id": "B1", "name": "deploybot", "is_bot": true, "tz": "UTC"},
            {"id": "USLACKBOT", "name": "slackbot", "is_bot": false}
        ]),
    );
    write(
        dir,
        "channels.json",
        json!([{"id": "C1", "name": "general", "created": "1709251200", "members": ["U1", "U2", "U3", "B1"],
                "topic": {"value": "Everything"}}]),
    );
    write(dir, "dms.json", json!([{"id": "D1", "created": 1709251200, "members": ["U1", "U2"]}]));
    let parent = ts(1, 14, 0).replace(".000000", ".000001");
    write(
        dir,
        "general/2024-03-04.json",
        json!([
            with(
                msg(&ts(0, 9, 0), "U1", "Morning all"),
                "reactions",
                json!([{"name": "+1", "users": ["U2", "U3", "B1"], "count": 3},
                       {"name": "eyes", "users": ["U9"], "count": 1}])
            ),
            msg(&ts(0, 9, 30), "U2", "hi <@U1>"),
            with(msg(&ts(0, 9, 40), "U3", "<@U3> has joined the channel"), "subtype", json!("channel_join")),
            with(msg(&ts(0, 9, 45), "B1", "deploy done"), "subtype", json!("bot_message")),
            with(msg(&ts(0, 10, 0), "U1", "ok"), "edited", json!({"user": "U1", "ts": ts(2, 0, 0)})),
            msg(&ts(0, 12, 0), "USLACKBOT", "Reminder: stand-up"),
        ]),
    );
    write(
        dir,
        "general/2024-03-05.json",
        json!([
            with(
                with(msg(&parent, "U2", PARENT), "thread_ts", json!(parent)),
                "reactions",
                json!([{"name": "tada", "users": ["U1"], "count": 1}])
            ),
            with(msg(&ts(1, 15, 0), "U1", "yes"), "thread_ts", json!(parent)),
        ]),
    );
    write(
        dir,
        "general/2024-03-06.json",
        json!([
            with(
                with(msg(&ts(2, 13, 0), "U2", "thanks"), "thread_ts", json!(parent)),
                "subtype",
                json!("thread_broadcast")
            ),
            with(msg(&ts(2, 14, 0), "U3", "me too"), "thread_ts", json!(parent)),
            with(msg(&ts(2, 14, 30), "B1", "beep"), "thread_ts", json!(parent)),
        ]),
    );
    let tombstone = ts(3, 10, 0);
    write(
        dir,
        "general/2024-03-07.json",
        json!([
            msg(&ts(3, 9, 0), "U4", "bye"),
            with(msg(&ts(3, 9, 0), "U1", "still on it"), "thread_ts", json!(parent)),
            with(
                with(msg(&tombstone, "USLACKBOT", "This message was deleted."), "subtype", json!("tombstone")),
                "thread_ts",
                json!(tombstone)
            ),
            with(msg(&ts(3, 11, 0), "U3", "orphan reply?"), "thread_ts", json!(tombstone)),
            with(with(msg(&ts(3, 15, 0), "U2", "done <@B1>"), "thread_ts", json!(parent)), "bot_id", json!("B9")),
            with(msg(&ts(3, 16, 0), "U1", "shipping"), "thread_ts", json!(parent)),
        ]),
    );
    write(
        dir,
        "D1/2024-03-08.json",
        json!([
            with(
                with(msg(&ts(4, 16, 0), "U2", "<@U1> ping"), "subtype", json!("file_share")),
                "files",
                json!([{"name": "a.png"}])
            ),
            msg(&ts(4, 16, 30), "U1", "pong"),
        ]),
    );
}

#[test]
fn a_built_export_gives_the_hand_computed_report_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let data = dir.path().join("data");
    import(&export, &data);
    let first = report(&data, "2024-03-04", "2024-03-11");

    // 14 messages: general's timeline (ana, bo, ana, dee), the thread (parent + 6 replies; the
    // bot's reply is none), the tombstone's thread (cy's reply), the DM (bo's file, ana).
    assert_eq!(first["messages"], json!({"count": 14, "conversations_active": 4, "responses": 10}));
    // Responses, wall / working (responder's calendar):
    //   bo→ana Mon 09:30 1800/0 (04:30 in New York)   ana→bo Mon 10:00 1800/1800
    //   ana r1 3599.999999/3599.999999 (the parent has ts .000001)
    //   bo r2 Tue 15:00→Wed 13:00 79200/25200 (NY 10:00→17:00, Wed 08:00 is before hours)
    //   cy r3 3600/3600   ana r4 Wed 14:00→Thu 09:00 68400/10800 (Berlin 15–17, Thu 09–10)
    //   bo r5 Thu 09:00→15:00 21600/3600   ana r6 3600/3600
    //   dee "bye" Mon 10:00→Thu 09:00 255600/82800 (Berlin 6+8+8+1 h)   ana "pong" 1800/0
    // Nearest rank over 10: the 5th and the 9th.
    assert_eq!(
        first["response_time"],
        json!({"median_s": 3600, "p90_s": 79200, "median_working_s": 3600, "p90_working_s": 25200,
               "within_norm_share": 0.8, "awaiting_answer": 1})
    );
    // First responses: general 1800/0, the thread 3599.999999, the DM 1800/0.
    assert_eq!(
        first["first_response"],
        json!({"count": 3, "median_s": 1800, "p90_s": 3599, "median_working_s": 0, "p90_working_s": 3599})
    );
    let title: String = PARENT.chars().take(80).collect();
    assert_eq!(
        first["bouncing_threads"],
        json!([{"channel": "general", "thread": title, "handoffs": 6, "span_s": 179_999}])
    );
    assert_eq!(
        first["members"],
        json!([
            {"name": "ana", "messages": 6, "collaborators": 3, "isolated": false, "huddle_hours": 0.0},
            {"name": "bo", "messages": 5, "collaborators": 2, "isolated": false, "huddle_hours": 0.0},
            {"name": "cy", "messages": 2, "collaborators": 2, "isolated": false, "huddle_hours": 0.0},
            {"name": "dee", "messages": 1, "collaborators": 1, "isolated": true, "huddle_hours": 0.0}
        ])
    );
    assert_eq!(first["isolation"], json!({"active": 4, "isolated": 1, "rate": 0.25}));
    assert_eq!(first["tasks"]["created"], 0);
    assert_eq!(first["tasks"]["stall_rate"], Value::Null);

    import(&export, &data);
    assert_eq!(report(&data, "2024-03-04", "2024-03-11"), first, "importing the same export twice changes nothing");
}

#[test]
fn imported_people_keep_their_zone_and_the_deleted_are_deactivated() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let data = dir.path().join("data");
    import(&export, &data);
    let output = run(&["admin", "list-users", "--data-dir", data.to_str().unwrap()]);
    let listing = String::from_utf8_lossy(&output.stdout);
    let line = |handle: &str| listing.lines().find(|l| l.contains(&format!("@{handle} "))).unwrap_or("").to_string();
    assert!(line("bo").contains("America/New_York"), "{listing}");
    assert!(line("cy").contains("UTC"), "{listing}");
    assert!(line("dee").contains("deactivated"), "{listing}");
    assert!(!listing.contains("deploybot") && !listing.contains("slackbot"), "bots are not members: {listing}");
}

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/slack").join(path)
}

/// What the export's own files say: people, and entries that are a person's message.
fn count_in_files(users: &Value, days: &[Value]) -> (usize, usize) {
    let bots: HashSet<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["is_bot"] == json!(true) || u["id"] == "USLACKBOT")
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    let people = users.as_array().unwrap().len() - bots.len();
    let known: HashSet<&str> = users.as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    let messages = days
        .iter()
        .flat_map(|d| d.as_array().unwrap())
        .filter(|m| {
            let subtype = m["subtype"].as_str();
            let user = m["user"].as_str().unwrap_or_default();
            subtype.is_none_or(|s| ["thread_broadcast", "file_share", "me_message"].contains(&s))
                && !bots.contains(user)
                && known.contains(user)
        })
        .count();
    (people, messages)
}

fn member_count(report: &Value) -> usize {
    report["members"].as_array().unwrap().len()
}

#[test]
fn the_slackdump_export_imports_as_a_folder_and_as_a_zip_with_the_files_counts() {
    let folder = shared("slackdump-source-export");
    let users: Value = serde_json::from_slice(&std::fs::read(folder.join("users.json")).unwrap()).unwrap();
    let days: Vec<Value> = std::fs::read_dir(folder.join("B75B4C7"))
        .unwrap()
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    let (people, messages) = count_in_files(&users, &days);
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for (name, export) in [("folder", folder.clone()), ("zip", shared("slackdump-source-export.zip"))] {
        let data = dir.path().join(name);
        import(&export, &data);
        let report = report(&data, "2020-01-01", "2030-01-01");
        assert_eq!(report["messages"]["count"], messages, "{name}");
        assert_eq!(member_count(&report), people, "{name}");
        reports.push(report);
    }
    assert_eq!(reports[0], reports[1], "the folder and its ZIP import the same");
}

#[test]
fn the_zulip_test_export_imports_with_the_files_counts() {
    let zip = shared("zulip-test_slack_importer.zip");
    let unpacked = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("unzip")
        .args(["-q", zip.to_str().unwrap(), "-d", unpacked.path().to_str().unwrap()])
        .status();
    let Ok(status) = status else {
        eprintln!("SKIPPED: the_zulip_test_export_imports_with_the_files_counts needs `unzip`");
        return;
    };
    assert!(status.success());
    let users: Value = serde_json::from_slice(&std::fs::read(unpacked.path().join("users.json")).unwrap()).unwrap();
    let mut days = Vec::new();
    for channel in ["general", "random"] {
        for entry in std::fs::read_dir(unpacked.path().join(channel)).unwrap() {
            days.push(serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap());
        }
    }
    let (people, messages) = count_in_files(&users, &days);
    let data = tempfile::tempdir().unwrap();
    import(&zip, data.path());
    let report = report(data.path(), "2017-01-01", "2019-01-01");
    assert_eq!(report["messages"]["count"], messages);
    assert_eq!(member_count(&report), people);
}

#[test]
fn metadata_without_message_folders_imports_its_people_and_conversations() {
    let data = tempfile::tempdir().unwrap();
    import(&shared("slackdump-export-metadata"), data.path());
    let output = run(&["admin", "list-users", "--data-dir", data.path().to_str().unwrap()]);
    let listing = String::from_utf8_lossy(&output.stdout);
    // 8 users: Slackbot and the deleted jirabot are bots; the importer's owner is listed too.
    assert_eq!(listing.lines().count(), 6 + 1, "{listing}");
}

#[test]
fn a_broken_export_names_the_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    std::fs::write(
        export.join("general/2024-03-06.json"),
        "[\n  {\"ts\": \"1.0\", \"user\": \"U1\"},\n  {\"ts\": 5}\n]",
    )
    .unwrap();
    let data = dir.path().join("data");
    let output = run(&["import", "slack", export.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("general/2024-03-06.json:3:"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one readable sentence: {stderr}");
    assert!(!data.exists(), "no data directory was made");
}

#[test]
fn the_report_narrows_to_a_channel_or_a_member_and_renders_html() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let data = dir.path().join("data");
    import(&export, &data);
    let data = data.to_str().unwrap();
    let narrowed = |filter: &[&str]| {
        let mut args =
            vec!["report", "--data-dir", data, "--from", "2024-03-04", "--to", "2024-03-11", "--format", "json"];
        args.extend_from_slice(filter);
        let output = run(&args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    // #general: its timeline (4), the thread (7) and the tombstone's thread (1); not the DM.
    let general = narrowed(&["--channel", "general"]);
    assert_eq!(general["messages"], json!({"count": 12, "conversations_active": 3, "responses": 9}));
    // dee posted only in #general's timeline: its 4 messages, 3 responses; only her row.
    let dee = narrowed(&["--member", "dee"]);
    assert_eq!(dee["messages"], json!({"count": 4, "conversations_active": 1, "responses": 3}));
    let names: Vec<&str> = dee["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["dee"]);

    let output =
        run(&["report", "--data-dir", data, "--from", "2024-03-04", "--to", "2024-03-11", "--channel", "nope"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no channel named \"nope\""));

    let output = run(&[
        "report",
        "--data-dir",
        data,
        "--from",
        "2024-03-04",
        "--to",
        "2024-03-11",
        "--format",
        "html",
        "--compare",
        "2024-02-26..2024-03-04",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<svg").count(), 3, "response times, weekly trend, mode mix");
    assert!(!page.contains("<script"), "no JavaScript");
    assert!(page.contains("Can we ship &lt;@U1&gt;?"), "the bouncing thread's title, escaped");
    assert!(page.contains("Before and after"));
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Issue 12: the import ends by saying what it imported (counted in the singular where there is
/// one), when the data runs, and the next two commands, which work as printed; a second import
/// says that nothing changed.
#[test]
fn the_import_says_what_it_imported_and_a_second_import_that_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let data = dir.path().join("data");
    let args = ["import", "slack", export.to_str().unwrap(), "--data-dir", data.to_str().unwrap()];
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "people's output goes to stderr");
    let said = stderr(&output);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(
        lines[..4],
        [
            format!(
                "imported 4 members, 2 conversations, 14 messages (1 edited) and 3 reactions from {} into {}",
                export.display(),
                data.display()
            )
            .as_str(),
            "the data runs from 2024-03-04 to 2024-03-08 (UTC)",
            "5 entries were not messages (posted by a bot: 2, subtype bot_message: 1, subtype channel_join: 1, \
             subtype tombstone: 1)",
            "2 reactions were left out: given by a bot, by a user not in users.json or outside a private \
             conversation, or with a name Baton cannot keep",
        ],
        "{said}"
    );
    let commands = printed_commands(&said);
    assert_eq!(commands.len(), 2, "{said}");
    assert_eq!(commands[1][3..], ["--from", "2024-02-10", "--to", "2024-03-09"], "{said}");
    assert!(run_printed(&commands[0]).contains("created owner"));
    let report = run_printed(&commands[1]);
    assert!(report.contains("Messages       14 in 4 conversations, 10 responses"), "{report}");

    let again = run(&args);
    assert!(again.status.success(), "{}", stderr(&again));
    let said = stderr(&again);
    assert!(said.starts_with("already imported, nothing changed: "), "{said}");
    assert!(said.contains("the 4 members, 2 conversations, 14 messages (1 edited) and 3 reactions of"), "{said}");

    // One of each: no "1 conversations".
    let single = dir.path().join("single");
    write(&single, "users.json", json!([{"id": "U1", "name": "ana"}]));
    write(&single, "channels.json", json!([{"id": "C1", "name": "general", "members": ["U1"]}]));
    write(&single, "general/2024-03-04.json", json!([msg(&ts(0, 9, 0), "U1", "alone")]));
    let output =
        run(&["import", "slack", single.to_str().unwrap(), "--data-dir", dir.path().join("d").to_str().unwrap()]);
    assert!(stderr(&output).starts_with("imported 1 member, 1 conversation and 1 message from"), "{}", stderr(&output));
}

/// Every file of an export, its messages' `reactions` and `edited` removed.
fn without_reactions_and_edits(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            without_reactions_and_edits(&path, &target);
            continue;
        }
        let mut value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for message in value.as_array_mut().unwrap() {
            message.as_object_mut().unwrap().remove("reactions");
            message.as_object_mut().unwrap().remove("edited");
        }
        std::fs::write(target, serde_json::to_vec(&value).unwrap()).unwrap();
    }
}

/// Issue 12: Slack reactions and edit times were dropped. They are imported (bots and strangers
/// left out), the edit without an invented earlier version, and no number of the report moves.
#[tokio::test]
async fn reactions_and_edit_times_are_imported_and_change_no_report_number() {
    use baton_core::model::Role;
    use baton_store::{SqlStore, Store, Viewer};

    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    without_reactions_and_edits(&export, &plain);
    let (data, plain_data) = (dir.path().join("data"), dir.path().join("plain-data"));
    import(&export, &data);
    import(&plain, &plain_data);
    assert_eq!(
        report(&data, "2024-03-04", "2024-03-11"),
        report(&plain_data, "2024-03-04", "2024-03-11"),
        "reactions and edits change no number"
    );

    let store = SqlStore::open_dir(&data).await.unwrap();
    let owner = Viewer { member: baton_core::MemberId(1), role: Role::Owner };
    let members = store.members(&owner).await.unwrap();
    let id_of = |handle: &str| members.iter().find(|m| m.handle == handle).unwrap().id;
    let events = baton_store::full_log(&store).await.unwrap();
    let posted = |body: &str| {
        events
            .iter()
            .find_map(|e| match &e.change {
                baton_core::event::Change::MessagePosted(p) if p.message.body == body => Some(p.message.id),
                _ => None,
            })
            .unwrap()
    };
    let ok = store.message(&owner, posted("ok")).await.unwrap();
    assert_eq!(ok.edited_at, Some("2024-03-06T00:00:00Z".parse().unwrap()));
    assert_eq!(ok.created_at, "2024-03-04T10:00:00Z".parse().unwrap(), "an edit does not move the message");
    assert_eq!(ok.body, "ok");
    assert!(store.message_versions(&owner, ok.id).await.unwrap().is_empty(), "the export has no earlier text");
    let morning = store.message(&owner, posted("Morning all")).await.unwrap();
    let reactions: Vec<(&str, Vec<baton_core::MemberId>)> =
        morning.reactions.iter().map(|r| (r.emoji.as_str(), r.members.clone())).collect();
    assert_eq!(reactions, [("+1", vec![id_of("bo"), id_of("cy")])], "the bot and the stranger are left out");
    assert_eq!(morning.edited_at, None);
    let parent = store.message(&owner, posted(&PARENT.replace("<@U1>", "@ana"))).await.unwrap();
    assert_eq!(parent.reactions.len(), 1);
    assert_eq!((parent.reactions[0].emoji.as_str(), parent.reactions[0].members.clone()), ("tada", vec![id_of("ana")]));
    let n_events = events.len();
    drop(store);

    import(&export, &data);
    let store = SqlStore::open_dir(&data).await.unwrap();
    assert_eq!(baton_store::full_log(&store).await.unwrap().len(), n_events, "a second import writes nothing");
}

/// Issue 12: an export that differs from the one imported before (a message edited since)
/// stopped with "Idempotency-Key: this key was already used for a different request"; it is
/// told in the export's terms.
#[test]
fn an_export_that_differs_from_the_one_imported_before_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let data = dir.path().join("data");
    import(&export, &data);
    let day = export.join("general/2024-03-04.json");
    let edited = std::fs::read_to_string(&day).unwrap().replace("\"Morning all\"", "\"Morning, all\"");
    std::fs::write(&day, edited).unwrap();
    let output = run(&["import", "slack", export.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.starts_with("baton: conversation \"general\" was imported into this data directory before"), "{said}");
    assert!(said.contains("import this export into a new data directory"), "{said}");
    assert!(
        said.ends_with(&format!(
            "message {} (2024-03-04T09:00:00Z) had another text or author then (edited or deleted since?)\n",
            ts(0, 9, 0)
        )),
        "{said}"
    );
    assert!(!said.contains("Idempotency-Key"), "{said}");
}

/// A private Slack channel whose name a public channel of the workspace already has is imported
/// as a channel of its own: its history never pours into the public one.
#[test]
fn a_private_channel_named_like_a_public_one_gets_its_own_channel() {
    let dir = tempfile::tempdir().unwrap();
    let user = json!([{"id": "U1", "name": "ana", "tz": "UTC", "profile": {"email": "ana@example.com"}}]);
    let public = dir.path().join("public");
    write(&public, "users.json", user.clone());
    write(&public, "channels.json", json!([{"id": "C1", "name": "plans", "members": ["U1"]}]));
    write(&public, "plans/2024-03-04.json", json!([msg(&ts(0, 9, 0), "U1", "public words")]));
    let private = dir.path().join("private");
    write(&private, "users.json", user);
    write(&private, "channels.json", json!([]));
    write(&private, "groups.json", json!([{"id": "G1", "name": "plans", "members": ["U1"]}]));
    write(
        &private,
        "plans/2024-03-04.json",
        json!([msg(&ts(0, 10, 0), "U1", "hush-private-words"), msg(&ts(0, 11, 0), "U1", "more")]),
    );
    let data = dir.path().join("data");
    import(&public, &data);
    let output = run(&["import", "slack", private.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("#plans-private"), "the import says where it went: {stderr}");
    let count = |channel: &str| {
        let output = run(&[
            "report",
            "--data-dir",
            data.to_str().unwrap(),
            "--from",
            "2024-03-04",
            "--to",
            "2024-03-11",
            "--format",
            "json",
            "--channel",
            channel,
        ]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<Value>(&output.stdout).unwrap()["messages"]["count"].clone()
    };
    assert_eq!(count("plans"), json!(1), "the public channel keeps only its own message");
    assert_eq!(count("plans-private"), json!(2));
    // Importing the private export again lands on the same channel and changes nothing.
    import(&private, &data);
    assert_eq!(count("plans-private"), json!(2));
}
