//! The huddle, check-in and inbox pages over HTTP, as a browser without JavaScript uses them:
//! forms with the CSRF token, Post/Redirect/Get, refusals that keep what was typed, and what
//! each change did, checked through the API.

use std::sync::Arc;

use baton_server::scheduler::{ManualClock, Scheduler};
use baton_store::testing::Scratch;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::browser::{location, Browser};
use crate::harness::TestServer;

/// A refused form: its status, and a page that says why.
async fn refused(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let page = response.text().await.unwrap();
    assert!(page.contains("class=\"error\""), "{page}");
    page
}

fn array(value: &Value) -> &Vec<Value> {
    value.as_array().unwrap_or_else(|| panic!("an array: {value}"))
}

#[tokio::test]
async fn a_huddle_started_from_a_thread_page_ends_with_its_decision_tasks_and_summary() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("launch").await;
    let mut ana = Browser::signed_in(&server, "owner").await;
    let start_path = format!("/t/{thread}/huddle");

    // Refused: a forged form, then a call link that is not a web link (the typed title stays).
    let forged = ana.post(&start_path, &[("agenda", "forged")], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let bad = ana.post(&start_path, &[("title", "Launch sync"), ("call_link", "javascript:alert(1)")], None).await;
    let page = refused(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("call_link") && page.contains("value=\"Launch sync\""), "{page}");
    assert!(page.contains("Start huddle"), "the form is offered again: {page}");
    assert_eq!(array(&owner.get("/api/v1/huddles").await.1).len(), 0, "nothing was started");

    let fields =
        [("title", "Launch sync"), ("call_link", "https://meet.example.com/abc"), ("agenda", "1. ship on Friday?")];
    let started = ana.post(&start_path, &fields, None).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let page_path = location(&started);
    let id: i64 = page_path.strip_prefix("/huddles/").unwrap().parse().unwrap();
    let (status, page) = ana.get(&page_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Launch sync") && page.contains(&format!("href=\"/t/{thread}\"")), "{page}");
    assert!(
        page.contains("href=\"https://meet.example.com/abc\" rel=\"noopener noreferrer\""),
        "the call link is external: {page}"
    );
    assert!(page.contains("1. ship on Friday?</textarea>"), "the agenda is editable: {page}");
    assert!(page.contains(">Leave</button>") && page.contains(">End huddle</button>"), "{page}");

    // bo joins from the page.
    let mut bo_browser = Browser::signed_in(&server, "bo").await;
    let (_, bo_page) = bo_browser.get(&page_path).await;
    assert!(bo_page.contains(">Join</button>"), "{bo_page}");
    let joined = bo_browser.post(&format!("/huddles/{id}/join"), &[], None).await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let (_, huddle) = owner.get(&format!("/api/v1/huddles/{id}")).await;
    let participants = array(&huddle["participants"]);
    assert!(participants.iter().any(|p| p["member_id"] == bo.id && p["left_at"].is_null()), "{huddle}");

    let saved = ana.post(&format!("/huddles/{id}/notes"), &[("agenda", "ship"), ("notes", "QA is green")], None).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, huddle) = owner.get(&format!("/api/v1/huddles/{id}")).await;
    assert_eq!((huddle["agenda"].as_str(), huddle["notes"].as_str()), (Some("ship"), Some("QA is green")));

    let empty = ana.post(&format!("/huddles/{id}/decisions"), &[("text", "   ")], None).await;
    refused(empty, StatusCode::UNPROCESSABLE_ENTITY).await;
    let decided = ana.post(&format!("/huddles/{id}/decisions"), &[("text", "We ship on Friday")], None).await;
    assert_eq!(decided.status(), StatusCode::SEE_OTHER);

    let (bo_id, item_path) = (bo.id.to_string(), format!("/huddles/{id}/action-items"));
    let item = |due| [("title", "Write the release notes"), ("assignee", bo_id.as_str()), ("due", due)];
    let bad_due = ana.post(&item_path, &item("2027-02-30"), None).await;
    let page = refused(bad_due, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("value=\"Write the release notes\"") && page.contains("value=\"2027-02-30\""), "{page}");
    assert!(page.contains(&format!("value=\"{bo_id}\" selected")), "the assignee stays picked: {page}");
    let (_, huddle) = owner.get(&format!("/api/v1/huddles/{id}")).await;
    assert_eq!(array(&huddle["action_items"]).len(), 0, "a refused item is not added");
    let added = ana.post(&item_path, &item("2027-03-26"), None).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);

    let ended = ana.post(&format!("/huddles/{id}/end"), &[], None).await;
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    let (_, huddle) = owner.get(&format!("/api/v1/huddles/{id}")).await;
    let task_id = huddle["action_items"][0]["task_id"].as_i64().expect("the action item became a task");
    let (_, task) = owner.get(&format!("/api/v1/tasks/{task_id}")).await;
    assert_eq!((task["assignee_id"].as_i64(), task["due"].as_str()), (Some(bo.id), Some("2027-03-26")), "{task}");

    let (_, page) = ana.get(&page_path).await;
    let decisions = page.split("id=\"decisions\"").nth(1).expect("ol#decisions");
    assert!(decisions.split("</ol>").next().unwrap().contains("We ship on Friday"), "{page}");
    let items = page.split("id=\"action-items\"").nth(1).expect("ol#action-items");
    let items = items.split("</ol>").next().unwrap();
    assert!(
        items.contains("Write the release notes") && items.contains(&format!("href=\"/tasks/{task_id}\"")),
        "{page}"
    );
    let summary = huddle["summary_message_id"].as_i64().unwrap();
    assert!(page.contains(&format!("href=\"/t/{thread}#m{summary}\"")), "the summary link: {page}");
    assert!(!page.contains(">End huddle</button>") && !page.contains(">Record decision</button>"), "{page}");

    let (_, messages) = owner.get(&format!("/api/v1/threads/{thread}/messages")).await;
    let last = array(&messages).last().unwrap();
    assert_eq!(last["id"], summary);
    let body = last["body"].as_str().unwrap();
    assert!(body.contains("Huddle ended") && body.contains("We ship on Friday"), "{body}");

    // An ended huddle takes no more decisions: the page says why.
    let late = ana.post(&format!("/huddles/{id}/decisions"), &[("text", "Too late")], None).await;
    refused(late, StatusCode::CONFLICT).await;

    // Another huddle from the ended one's page: the list shows the running one first.
    assert!(page.contains("<summary>Start a huddle</summary>"), "{page}");
    let again = ana.post(&start_path, &[("title", "Follow-up sync"), ("agenda", "")], None).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let (status, list) = ana.get("/huddles").await;
    assert_eq!(status, StatusCode::OK);
    let running = list.find("Follow-up sync").expect("the running huddle is listed");
    let done = list.find("Launch sync").expect("the ended huddle is listed");
    assert!(running < done, "running first: {list}");
    assert!(list.contains(&format!("class=\"huddle\" href=\"/huddles/{id}\"")), "{list}");
}

#[tokio::test]
async fn a_huddle_on_a_private_thread_is_a_403_page_for_someone_outside_it() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    owner.add_member("bo", "member").await;
    let private = owner.create("/api/v1/channels", json!({"name": "leadership", "visibility": "private"})).await;
    let channel = private["id"].as_i64().unwrap();
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Reorg"})).await;
    let thread = thread["id"].as_i64().unwrap();
    let huddle = owner
        .create(&format!("/api/v1/threads/{thread}/huddles"), json!({"title": "Secret sync", "agenda": "hush"}))
        .await;
    let id = huddle["id"].as_i64().unwrap();

    let mut bo = Browser::signed_in(&server, "bo").await;
    let (status, page) = bo.get(&format!("/huddles/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("Secret sync") && !page.contains("hush") && !page.contains("Reorg"), "{page}");
    let (_, list) = bo.get("/huddles").await;
    assert!(!list.contains("Secret sync"), "{list}");
    // Neither can bo act on it or start one there.
    for path in [format!("/huddles/{id}/join"), format!("/huddles/{id}/end")] {
        let response = bo.post(&path, &[], None).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let response = bo.post(&format!("/huddles/{id}/decisions"), &[("text", "leak")], None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = bo.post(&format!("/t/{thread}/huddle"), &[("title", "mine")], None).await;
    let page = response.text().await.unwrap();
    assert!(!page.contains("Reorg"), "{page}");
    let (_, huddle) = owner.get(&format!("/api/v1/huddles/{id}")).await;
    assert_eq!(array(&huddle["participants"]).len(), 1, "bo did not get in: {huddle}");
    assert_eq!(array(&huddle["decisions"]).len(), 0);
    assert_eq!(array(&owner.get("/api/v1/huddles").await.1).len(), 1, "bo started nothing");
}

#[tokio::test]
async fn a_check_in_is_answered_on_its_page_and_the_answer_lands_in_its_thread() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let server = TestServer::serve(data, store.clone()).await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let cy = owner.add_member("cy", "member").await;
    let channel = owner.create("/api/v1/channels", json!({"name": "team"})).await["id"].as_i64().unwrap();
    let new = json!({"title": "Daily", "questions": ["What did you do?", "Anything blocking you?"],
                     "ask_at": "09:30", "digest_at": "17:00", "member_ids": [bo.id, cy.id]});
    let checkin = owner.create(&format!("/api/v1/channels/{channel}/checkins"), new).await;
    let (id, thread) = (checkin["id"].as_i64().unwrap(), checkin["thread_id"].as_i64().unwrap());

    // A week of asks, fired the way the server's scheduler fires them.
    let clock = Arc::new(ManualClock::new(Timestamp::now() + SignedDuration::from_hours(7 * 24)));
    Scheduler::new(Arc::new(store.clone()), clock).run_due().await.unwrap();
    let (_, found) = owner.get(&format!("/api/v1/checkins/{id}")).await;
    assert!(array(&found["asks"]).iter().any(|a| a["member_id"] == bo.id), "bo was asked: {found}");

    let mut browser = Browser::signed_in(&server, "bo").await;
    let (_, list) = browser.get("/checkins").await;
    assert!(list.contains(&format!("href=\"/checkins/{id}\"")) && list.contains("Daily"), "{list}");
    assert!(!list.contains("New check-in"), "the create form is for admins: {list}");
    let page_path = format!("/checkins/{id}");
    let (status, page) = browser.get(&page_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Anything blocking you?") && page.contains("America/New_York"), "{page}");
    assert!(page.contains("not answered yet") && page.contains("Missing:"), "{page}");
    assert!(page.contains(&format!("href=\"/t/{thread}\"")), "the thread link: {page}");
    let template = page.split("name=\"body\"").nth(1).unwrap().split("</textarea>").next().unwrap();
    assert!(template.contains("What did you do?"), "the questions prefill the answer: {template}");

    let answers = format!("/checkins/{id}/answers");
    let forged = browser.post(&answers, &[("body", "forged")], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let blank = browser.post(&answers, &[("body", " ")], None).await;
    refused(blank, StatusCode::UNPROCESSABLE_ENTITY).await;
    let unchanged =
        browser.post(&answers, &[("body", "**What did you do?**\n\n\n**Anything blocking you?**")], None).await;
    refused(unchanged, StatusCode::UNPROCESSABLE_ENTITY).await;
    let posted = browser.post(&answers, &[("body", "Shipped the importer. No blockers.")], None).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert!(location(&posted).starts_with(&page_path), "back to the check-in: {}", location(&posted));

    let (_, messages) = owner.get(&format!("/api/v1/threads/{thread}/messages?limit=1000")).await;
    let answer = array(&messages).iter().find(|m| m["body"] == "Shipped the importer. No blockers.").expect("posted");
    assert_eq!(answer["author_id"], bo.id);
    assert!(!array(&messages).iter().any(|m| m["body"] == "forged" || m["body"] == " "), "{messages}");
    let (_, found) = owner.get(&format!("/api/v1/checkins/{id}")).await;
    let latest = array(&found["asks"]).iter().find(|a| a["member_id"] == bo.id).unwrap();
    assert_eq!(latest["answer_message_id"], answer["id"], "the latest ask is answered");
    let (_, page) = browser.get(&page_path).await;
    assert!(page.contains(&format!("href=\"/t/{thread}#m{}\"", answer["id"])), "{page}");
    assert!(page.contains("Answered: "), "{page}");

    // The owner is not asked: no answer form, and an answer is refused.
    let mut ana = Browser::signed_in(&server, "owner").await;
    let (_, page) = ana.get(&page_path).await;
    assert!(!page.contains("Post answer"), "{page}");
    let response = ana.post(&answers, &[("body", "not mine to answer")], None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_creates_a_check_in_from_the_list_and_a_member_cannot() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let cy = owner.add_member("cy", "member").await;
    let channel = owner.create("/api/v1/channels", json!({"name": "team"})).await["id"].as_i64().unwrap();
    let (channel, bo_id, cy_id) = (channel.to_string(), bo.id.to_string(), cy.id.to_string());
    let fields = |ask_at| {
        [
            ("channel", channel.as_str()),
            ("title", "Standup"),
            ("questions", "Done?\r\n\r\nNext?\r\n"),
            ("ask_at", ask_at),
            ("digest_at", "17:00"),
            ("members", bo_id.as_str()),
            ("members", cy_id.as_str()),
            ("days", "fri"),
            ("every_weeks", "2"),
        ]
    };

    let mut ana = Browser::signed_in(&server, "owner").await;
    let (_, list) = ana.get("/checkins").await;
    assert!(list.contains("New check-in") && list.contains("name=\"members\" multiple"), "{list}");
    let page = refused(ana.post("/checkins", &fields("25:00"), None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("ask_at") && page.contains("value=\"Standup\""), "{page}");
    assert_eq!(array(&owner.get("/api/v1/checkins").await.1).len(), 0);

    let mut bo_browser = Browser::signed_in(&server, "bo").await;
    let good = fields("09:30");
    let response = bo_browser.post("/checkins", &good, None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(array(&owner.get("/api/v1/checkins").await.1).len(), 0, "a member created nothing");

    let created = ana.post("/checkins", &good, None).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let (_, checkins) = owner.get("/api/v1/checkins").await;
    let checkin = &array(&checkins)[0];
    assert_eq!(location(&created), format!("/checkins/{}", checkin["id"]));
    assert_eq!(checkin["questions"], json!(["Done?", "Next?"]));
    assert_eq!((checkin["ask_at"].as_str(), checkin["digest_at"].as_str()), (Some("09:30"), Some("17:00")));
    assert_eq!(checkin["member_ids"], json!([bo.id, cy.id]));
    assert_eq!(checkin["cadence"], json!({"days": ["fri"], "every_weeks": 2}), "every other Friday");
    let (_, list) = ana.get("/checkins").await;
    assert!(list.contains("asks every 2 weeks on Fridays"), "{list}");
}

/// Working hours that exclude now: one weekday, three days from today (in UTC).
fn hours_not_now() -> Value {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).weekday().to_monday_zero_offset() as usize;
    json!({ days[(today + 3) % 7]: [{"start": "09:00", "end": "17:00"}] })
}

#[tokio::test]
async fn a_mention_reaches_the_inbox_unread_and_mark_all_read_clears_it() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (status, me) =
        bo.send(Method::PATCH, "/api/v1/me", json!({"time_zone": "UTC", "working_hours": hours_not_now()})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (_, thread) = owner.channel_and_thread("launch").await;
    let path = format!("/api/v1/threads/{thread}/messages");
    // Outside bo's hours: an urgent mention arrives now, a plain one is held.
    let urgent = owner.create(&path, json!({"body": "@bo can you look?", "urgent": true})).await;
    let held = owner.create(&path, json!({"body": "@bo when you are back"})).await;

    let mut browser = Browser::signed_in(&server, "bo").await;
    let (status, page) = browser.get("/inbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<title>Inbox (1) · Baton</title>"), "{page}");
    let (delivered, held_part) = page.split_once("Held until your working hours").expect("the held section");
    assert!(delivered.contains("class=\"notification unread\""), "{page}");
    assert!(delivered.contains("Mentioned you") && delivered.contains("from @owner"), "{page}");
    assert!(delivered.contains(&format!("href=\"/t/{thread}#m{}\"", urgent["id"])), "{page}");
    assert!(delivered.contains("launch topic"), "the thread's title: {page}");
    assert!(held_part.contains(&format!("href=\"/t/{thread}#m{}\"", held["id"])), "{page}");
    assert!(!delivered.contains(&format!("#m{}\"", held["id"])), "held is not delivered yet: {page}");

    let forged = browser.post("/inbox/read", &[], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (_, unread) = bo.get("/api/v1/inbox?unread=true").await;
    assert_eq!(array(&unread).len(), 1, "a forged form marks nothing");
    let read = browser.post("/inbox/read", &[], None).await;
    assert_eq!(read.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&read), "/inbox");
    let (_, page) = browser.get("/inbox").await;
    assert!(page.contains("<title>Inbox · Baton</title>") && !page.contains("notification unread"), "{page}");
    assert!(page.contains(&format!("#m{}\"", urgent["id"])), "read ones stay listed: {page}");
    let (_, unread) = bo.get("/api/v1/inbox?unread=true").await;
    assert_eq!(array(&unread).len(), 0);
}
