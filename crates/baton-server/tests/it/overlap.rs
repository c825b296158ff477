//! Overlap over HTTP: Berlin (the owner) and New York (bo) in the week of 2027-03-22, when New
//! York is already on summer time and Berlin is not yet (13:00–16:00Z each weekday), and slots.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::TestServer;

fn intervals(answer: &Value, key: &str) -> Vec<String> {
    answer[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}/{}", i["start"].as_str().unwrap(), i["end"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_overlap_of_a_week_and_the_next_slots() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let want: Vec<String> = (22..27).map(|d| format!("2027-03-{d}T13:00:00Z/2027-03-{d}T16:00:00Z")).collect();
    for query in [format!("members={},{}", owner.id, bo.id), "members=owner,bo".to_string()] {
        for week in ["2027-03-22", "2027-03-25", "2027-W12"] {
            let (status, answer) = owner.get(&format!("/api/v1/overlap?{query}&week={week}")).await;
            assert_eq!(status, StatusCode::OK, "{query} {week}: {answer}");
            assert_eq!(intervals(&answer, "intervals"), want, "{query} {week}");
            assert_eq!(answer["total_seconds"], 15 * 3600);
            // The week runs Monday to Monday in the owner's zone (Berlin, UTC+1 then).
            assert_eq!(answer["week_from"], "2027-03-21T23:00:00Z");
        }
    }

    let (status, slots) = bo
        .get(&format!(
            "/api/v1/overlap/slots?members={},{}&minutes=60&from=2027-03-24T15:30:00Z&count=4",
            owner.id, bo.id
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{slots}");
    assert_eq!(
        intervals(&slots, "slots"),
        [
            "2027-03-25T13:00:00Z/2027-03-25T14:00:00Z",
            "2027-03-25T14:00:00Z/2027-03-25T15:00:00Z",
            "2027-03-25T15:00:00Z/2027-03-25T16:00:00Z",
            "2027-03-26T13:00:00Z/2027-03-26T14:00:00Z",
        ],
        "Wednesday's last half hour cannot hold an hour"
    );

    for (query, status) in [
        ("members=&week=2027-03-22", StatusCode::UNPROCESSABLE_ENTITY),
        ("members=owner&week=next-tuesday", StatusCode::UNPROCESSABLE_ENTITY),
        ("members=owner,nobody&week=2027-03-22", StatusCode::NOT_FOUND),
        ("week=2027-03-22", StatusCode::BAD_REQUEST),
    ] {
        let (got, body) = owner.get(&format!("/api/v1/overlap?{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    let (got, body) = owner.get("/api/v1/overlap/slots?members=owner&minutes=2").await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn when_no_slot_fits_everyone_the_out_of_hours_burden_rotates() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let kol = owner.add_member("kol", "member").await;
    let la = owner.add_member("la", "member").await;
    for (who, zone) in [(&kol, "Asia/Kolkata"), (&la, "America/Los_Angeles")] {
        let (status, body) =
            who.send(reqwest::Method::PATCH, "/api/v1/me", serde_json::json!({"time_zone": zone})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Kolkata works 03:30–11:30Z, Los Angeles (PDT) 16:00–24:00Z: never together.
    let url = "/api/v1/overlap/slots?members=kol,la&minutes=30&from=2027-06-07T00:00:00Z";
    let mut outside = Vec::new();
    for _ in 0..3 {
        let (status, answer) = owner.get(url).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["slots"], serde_json::json!([]));
        let fallback = &answer["fallback"];
        let who = fallback["outside_working_hours"]["handle"].as_str().unwrap().to_string();
        let want = if who == "kol" { "2027-06-07T16:00:00Z" } else { "2027-06-07T03:30:00Z" };
        assert_eq!(fallback["slot"]["start"], want, "{fallback}");
        let book = serde_json::json!({"member_ids": [kol.id, la.id], "start": fallback["slot"]["start"], "end": fallback["slot"]["end"]});
        let booked = owner.create("/api/v1/overlap/slots/book", book).await;
        assert_eq!(booked["outside_working_hours"].as_array().unwrap().len(), 1, "{booked}");
        outside.push(who);
    }
    assert_eq!(outside, ["kol", "la", "kol"], "who takes the out-of-hours slot alternates");
}
