//! A team lead's first steps with an imported history (issue 12): the Zulip developers' Slack
//! export, which ended in January 2018, imported; the login and the report the import prints,
//! run as printed; then the server: insights without a window, thread titles, reactions and
//! edits, in the API and in the pages.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::import::{printed_commands, run_printed};
use crate::server::{baton, Server};

fn zulip_export() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/slack/zulip-test_slack_importer.zip")
}

/// The four weeks through the export's last message (2018-01-24T17:54:46Z, UTC workspace).
const FROM: &str = "2017-12-28";
const TO: &str = "2018-01-25";

#[tokio::test]
async fn a_lead_imports_a_2018_history_and_sees_its_last_four_weeks_as_an_owner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = baton()
        .args(["import", "slack", zulip_export().to_str().unwrap(), "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{said}");
    assert!(said.contains("the data runs from 2017-06-25 to 2018-01-24 (UTC)"), "{said}");
    let commands = printed_commands(&said);
    assert_eq!(commands[1], ["report", "--data-dir", data.to_str().unwrap(), "--from", FROM, "--to", TO], "{said}");

    // The login the import printed, run as printed: an owner, with a password made up for them.
    let created = run_printed(&commands[0]);
    let password = created.lines().find_map(|l| l.strip_prefix("password: ")).expect("a password").to_string();
    let email = commands[0].iter().skip_while(|a| *a != "--email").nth(1).unwrap().clone();
    let printed_report = run_printed(&commands[1]);
    assert!(!printed_report.contains("Messages       0 in"), "the printed window holds the data: {printed_report}");

    let server = Server::start(&data).await;
    let (status, lead) = server.api().login(&email, &password).await;
    assert_eq!(status, 200, "the printed login signs in");
    let lead = lead.unwrap();
    let me = lead.get_ok("/api/v1/me").await;
    assert_eq!(me["role"], "owner");

    // Insights without a window: the four weeks through the last message, not the empty four
    // weeks through today; an owner sees everything, nothing withheld.
    let insights = lead.get_ok("/api/v1/insights").await;
    assert_eq!(insights["window"]["from"], "2017-12-28T00:00:00Z", "{insights}");
    assert_eq!(insights["window"]["to"], "2018-01-25T00:00:00Z", "{insights}");
    assert_eq!(insights["privacy"]["aggregates_withheld"], false);
    assert_eq!(insights["privacy"]["members_withheld"], false);
    let json_report = baton()
        .args(["report", "--data-dir", data.to_str().unwrap(), "--from", FROM, "--to", TO, "--format", "json"])
        .output()
        .unwrap();
    let json_report: Value = serde_json::from_slice(&json_report.stdout).unwrap();
    assert!(json_report["messages"]["count"].as_u64().unwrap() > 0);
    assert_eq!(insights["messages"], json_report["messages"], "the same numbers as `baton report`");
    assert_eq!(insights["members"], json_report["members"]);
    // An explicit window is taken as it is.
    let explicit = lead.get_ok("/api/v1/insights?from=2017-06-01&to=2017-07-01").await;
    assert_eq!(explicit["window"]["from"], "2017-06-01T00:00:00Z");

    // The thread `_*rabbitduck*_`: reports keep the title as exported; people read it plain.
    let channels = lead.get_ok("/api/v1/channels").await;
    let general = channels.as_array().unwrap().iter().find(|c| c["name"] == "general").unwrap()["id"].as_i64().unwrap();
    let threads = lead.get_ok(&format!("/api/v1/channels/{general}/threads?order=id")).await;
    let threads = threads.as_array().unwrap();
    let rabbitduck = threads.iter().find(|t| t["title"] == "_*rabbitduck*_").expect("the title as exported");
    assert_eq!(rabbitduck["display_title"], "rabbitduck");
    let token = session(&server, &email, &password).await;
    let channel_page = page(&server, &token, &format!("/c/{general}")).await;
    assert!(channel_page.contains(">rabbitduck</a>"), "{channel_page}");
    assert!(!channel_page.contains("_*rabbitduck*_"), "{channel_page}");

    // The timeline: rishiweb_0's reaction and rheaparekh12's edit, as the export has them.
    let timeline = threads.iter().find(|t| t["timeline"] == true).unwrap()["id"].as_i64().unwrap();
    let messages = lead.get_ok(&format!("/api/v1/threads/{timeline}/messages?limit=200")).await;
    let messages = messages.as_array().unwrap();
    let reacted: Vec<&Value> = messages.iter().filter(|m| !m["reactions"].as_array().unwrap().is_empty()).collect();
    assert_eq!(reacted.len(), 1, "{messages:?}");
    assert_eq!(reacted[0]["reactions"][0]["emoji"], "no_mouth");
    assert_eq!(reacted[0]["reactions"][0]["members"], serde_json::json!([reacted[0]["author_id"]]));
    let edited: Vec<&Value> = messages.iter().filter(|m| !m["edited_at"].is_null()).collect();
    assert_eq!(edited.len(), 1);
    assert_eq!(edited[0]["edited_at"], "2018-01-20T17:14:46Z");
    assert_eq!(edited[0]["created_at"], "2018-01-20T17:14:26.000125Z", "an edit does not move the message");
    let history = lead.get_ok(&format!("/api/v1/messages/{}/history", edited[0]["id"])).await;
    assert_eq!(history, serde_json::json!([]), "no earlier text is invented");

    // The dashboard without a window shows the same four weeks.
    let dashboard = page(&server, &token, "/insights").await;
    assert!(dashboard.contains(r#"name="from" value="2017-12-28""#), "{dashboard}");
    assert!(dashboard.contains(r#"name="to" value="2018-01-24""#), "{dashboard}");
}

/// A session token for the pages: the same kind the API issues.
async fn session(server: &Server, email: &str, password: &str) -> String {
    let (_, body) =
        server.api().post("/api/v1/auth/login", &serde_json::json!({ "email": email, "password": password })).await;
    body["token"].as_str().unwrap().to_string()
}

async fn page(server: &Server, token: &str, path: &str) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .header("cookie", format!("baton_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}
