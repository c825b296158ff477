//! Search through the API and the web page: words, phrases, prefixes and filters, ranking,
//! snippets with the matches marked, deletion, bad queries, and an admin outside a private
//! channel who finds none of it.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::browser::Browser;
use crate::harness::{Client, TestServer};

async fn post(who: &Client<'_>, thread: i64, body: &str) -> i64 {
    who.create(&format!("/api/v1/threads/{thread}/messages"), json!({ "body": body })).await["id"].as_i64().unwrap()
}

async fn search(who: &Client<'_>, q: &str) -> (StatusCode, Value) {
    who.get(&format!("/api/v1/search?q={}", urlencode(q))).await
}

/// The bodies of the found messages, in order.
fn bodies(found: &Value) -> Vec<String> {
    found.as_array().expect("a list").iter().map(|m| m["body"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn search_finds_words_phrases_prefixes_and_filters_and_nothing_private() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let admin = owner.add_member("ad", "admin").await;
    let (ops, ops_thread) = owner.channel_and_thread("ops").await;
    let (_, misc_thread) = owner.channel_and_thread("misc").await;
    ana.create(&format!("/api/v1/channels/{ops}/join"), json!({})).await;
    let vault = owner
        .create("/api/v1/channels", json!({"name": "vault", "visibility": "private", "member_ids": [ana.id]}))
        .await;
    let vault_thread =
        owner.create(&format!("/api/v1/channels/{}/threads", vault["id"]), json!({"title": "plans"})).await["id"]
            .as_i64()
            .unwrap();
    post(&owner, ops_thread, "we deploy on friday").await;
    post(&ana, ops_thread, "the deployment went fine").await;
    post(&owner, misc_thread, "it deployed at noon").await;
    post(&owner, misc_thread, "we redeployed yesterday").await;
    post(&owner, ops_thread, "pelican pelican pelican probe").await;
    post(&owner, ops_thread, "pelican gazebo cabinet probe").await;
    post(&owner, ops_thread, "the violet heron lantern").await;
    post(&owner, ops_thread, "the heron violet lantern").await;
    let doomed = post(&owner, ops_thread, "tamarind chutney").await;
    post(&ana, vault_thread, "xylograph secret plans").await;

    let (status, found) = search(&owner, "deplo*").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let mut prefixed = bodies(&found);
    prefixed.sort();
    assert_eq!(prefixed, ["it deployed at noon", "the deployment went fine", "we deploy on friday"]);
    assert_eq!(bodies(&search(&owner, "\"violet heron\"").await.1), ["the violet heron lantern"]);
    assert_eq!(
        bodies(&search(&owner, "pelican").await.1),
        ["pelican pelican pelican probe", "pelican gazebo cabinet probe"],
        "more occurrences first, though older"
    );
    assert_eq!(bodies(&search(&owner, "pelican probe").await.1).len(), 2, "two words: both must be there, anywhere");
    let (_, newest) = owner.get("/api/v1/search?q=pelican&order=newest").await;
    assert_eq!(bodies(&newest), ["pelican gazebo cabinet probe", "pelican pelican pelican probe"]);
    let mut in_ops = bodies(&search(&owner, "deplo* in:#ops").await.1);
    in_ops.sort();
    assert_eq!(in_ops, ["the deployment went fine", "we deploy on friday"]);
    assert_eq!(bodies(&search(&owner, "deplo* from:@ana").await.1), ["the deployment went fine"]);
    assert_eq!(bodies(&search(&ana, "deplo* from:me").await.1), ["the deployment went fine"]);

    // The snippet marks what matched.
    let (_, found) = search(&owner, "heron").await;
    let snippet = &found[0]["snippet"];
    let marked: Vec<&str> = snippet
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["match"] == true)
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["heron"], "{snippet}");

    // Deleted: gone at once.
    assert_eq!(bodies(&search(&owner, "tamarind").await.1).len(), 1);
    let (status, _) = owner.send(Method::DELETE, &format!("/api/v1/messages/{doomed}"), json!({})).await;
    assert!(status.is_success());
    assert!(bodies(&search(&owner, "tamarind").await.1).is_empty());

    // Private: its member finds it; an admin outside it finds nothing, however asked.
    assert_eq!(bodies(&search(&ana, "xylograph").await.1), ["xylograph secret plans"]);
    for q in ["xylograph", "xylo*", "\"xylograph secret\"", "secret in:#vault", "from:@ana", "plans"] {
        let (status, found) = search(&admin, q).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert!(!found.to_string().contains("xylograph"), "{q}: {found}");
    }

    // Bad queries: a 4xx with a sentence, never a 500.
    for q in ["", "\"open", "after:someday", "is:nothing", &"word ".repeat(20)] {
        let (status, body) = search(&owner, q).await;
        assert!(status.is_client_error(), "{q:?}: {status}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("q: ")), "{q:?}: {body}");
    }

    // The web page: the same results, with the matches marked, and the filters as fields.
    let mut browser = Browser::signed_in(&server, "ad@example.com").await;
    let (status, html) = browser.get("/search?q=deplo*&in=ops").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<mark>deploy</mark>") && html.contains("<mark>deployment</mark>"), "{html}");
    assert!(!html.contains("deployed at noon"), "in=ops filters to #ops");
    assert!(html.contains("role=\"search\""), "the navigation's search box");
    let (_, html) = browser.get("/search?q=xylograph").await;
    assert!(html.contains("No messages found.") && !html.contains("xylograph secret"), "{html}");
    let (status, html) = browser.get("/search?q=after%3Asomeday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("YYYY-MM-DD"), "{html}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
