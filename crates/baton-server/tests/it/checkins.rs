//! Check-ins for members in four zones over the week New York changes its clocks (Europe did
//! the Sunday before): each is asked once per local working day at 09:30 their time, and the
//! digest lists answers, missing members and blockers.

use std::collections::BTreeMap;
use std::sync::Arc;

use baton_core::calendar::parse_time_zone;
use baton_core::model::{Role, Visibility};
use baton_core::{ChannelId, MemberId};
use baton_server::scheduler::{ManualClock, Scheduler};
use baton_store::testing::Scratch;
use baton_store::{Command, DynStore, Envelope, SqlStore, Store, Viewer};
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::Value;

use crate::harness::{new_member, TestServer, PASSWORD};

const PEOPLE: [(&str, &str); 4] =
    [("ber", "Europe/Berlin"), ("kol", "Asia/Kolkata"), ("ny", "America/New_York"), ("syd", "Australia/Sydney")];

#[tokio::test]
async fn four_zones_are_asked_once_per_working_day_at_their_0930_and_the_digest_is_right() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    let new = |handle: &str, zone: &str, role| new_member(handle, zone, role, &hash);
    let created: Timestamp = "2024-10-27T00:00:00Z".parse().unwrap();
    let setup = Command::Setup {
        workspace_name: "W".into(),
        time_zone: "UTC".into(),
        owner: new("owner", "Europe/Berlin", Role::Owner),
    };
    store.execute(Envelope::system(created, setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut ids = BTreeMap::new();
    for (handle, zone) in PEOPLE {
        let added = store
            .execute(Envelope::new(
                owner,
                created,
                Command::AddMember { member: new(handle, zone, Role::Member), invite: None },
            ))
            .await
            .unwrap()
            .to_json();
        ids.insert(handle, MemberId(added["member"]["id"].as_i64().unwrap()));
    }
    let channel = Command::CreateChannel {
        name: "team".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = ChannelId(
        store.execute(Envelope::new(owner, created, channel)).await.unwrap().to_json()["id"].as_i64().unwrap(),
    );
    let checkin = Command::CreateCheckIn {
        channel,
        title: "Daily".into(),
        questions: vec!["What did you do?".into(), "Anything blocking you?".into()],
        ask_at: "09:30".parse().unwrap(),
        digest_at: "17:00".parse().unwrap(),
        members: ids.values().copied().collect(),
        cadence: baton_core::model::Cadence::default(),
    };
    let checkin = store.execute(Envelope::new(owner, created, checkin)).await.unwrap().to_json();
    let (id, thread) = (checkin["id"].as_i64().unwrap(), checkin["thread_id"].as_i64().unwrap());

    let shared: DynStore = Arc::new(store.clone());
    let clock = Arc::new(ManualClock::new(created));
    let scheduler = Scheduler::new(shared, clock.clone());
    let end: Timestamp = "2024-11-05T00:00:00Z".parse().unwrap();
    let answer_at: Timestamp = "2024-10-28T14:00:00Z".parse().unwrap();
    let mut now = created;
    while now < end {
        clock.set(now);
        scheduler.run_due().await.unwrap();
        if now == answer_at {
            // Monday: ber (asked 08:30Z) and ny (asked 13:30Z, EDT) answer; kol and syd do not.
            for (handle, body) in [("ber", "API work. Blocked by the review."), ("ny", "Docs, no blockers")] {
                let who = Viewer { member: ids[handle], role: Role::Member };
                store.execute(Envelope::new(who, now, Command::AnswerCheckIn { id, body: body.into() })).await.unwrap();
            }
        }
        now += SignedDuration::from_mins(15);
    }

    let server = TestServer::serve(data, store).await;
    let token = server.login("owner").await;
    let (_, found) = server.call(Method::GET, &format!("/api/v1/checkins/{id}"), Some(&token), None).await;
    let mut days: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ask in found["asks"].as_array().unwrap() {
        let (handle, zone) = PEOPLE.iter().find(|(h, _)| ids[h].0 == ask["member_id"].as_i64().unwrap()).unwrap();
        let asked: Timestamp = ask["asked_at"].as_str().unwrap().parse().unwrap();
        let local = asked.to_zoned(parse_time_zone(zone).unwrap());
        assert_eq!(local.strftime("%H:%M").to_string(), "09:30", "{handle} asked at {local}");
        assert_eq!(ask["day"].as_str().unwrap(), local.date().to_string());
        days.entry(handle).or_default().push(format!("{} {}", local.strftime("%a"), local.date()));
    }
    for list in days.values_mut() {
        list.sort();
    }
    let week = |extra: &[&str]| {
        let mut out: Vec<String> = [
            "Mon 2024-10-28",
            "Tue 2024-10-29",
            "Wed 2024-10-30",
            "Thu 2024-10-31",
            "Fri 2024-11-01",
            "Mon 2024-11-04",
        ]
        .iter()
        .chain(extra)
        .map(|d| d.to_string())
        .collect();
        out.sort();
        out
    };
    assert_eq!(days["ber"], week(&[]));
    assert_eq!(days["kol"], week(&[]));
    assert_eq!(days["ny"], week(&[]), "Monday 4 November is asked at 09:30 EST, 14:30Z");
    assert_eq!(days["syd"], week(&["Tue 2024-11-05"]), "Sydney's Tuesday begins on Monday in UTC");

    // Digests: Monday to Friday 17:00 Berlin, plus Monday the 4th: six.
    let (_, messages) =
        server.call(Method::GET, &format!("/api/v1/threads/{thread}/messages?limit=1000"), Some(&token), None).await;
    let digests: Vec<&Value> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"].as_str().unwrap().starts_with("**Check-in digest"))
        .collect();
    assert_eq!(digests.len(), 6);
    let monday = digests[0]["body"].as_str().unwrap();
    assert!(monday.contains("(2 of 4 answered)"), "{monday}");
    assert!(monday.contains("- ber: API work. Blocked by the review."), "{monday}");
    assert!(monday.contains("Missing: kol, syd"), "{monday}");
    assert!(monday.contains("Blockers mentioned by: ber"), "{monday}");
    assert_eq!(digests[0]["created_at"], "2024-10-28T16:00:00Z", "17:00 CET");
    let tuesday = digests[1]["body"].as_str().unwrap();
    assert!(tuesday.contains("(0 of 4 answered)") && tuesday.contains("Missing: ber, kol, ny, syd"), "{tuesday}");

    // Members were prompted with the questions, as notifications.
    let token = server.login("kol").await;
    let (_, inbox) = server.call(Method::GET, "/api/v1/inbox", Some(&token), None).await;
    let prompts: Vec<&Value> = inbox.as_array().unwrap().iter().filter(|n| n["kind"] == "checkin").collect();
    assert_eq!(prompts.len(), 6);
    assert_eq!(prompts[0]["payload"]["questions"][1], "Anything blocking you?");
}

/// Weekly and custom cadences: Mondays only, and every other Friday counted from the week the
/// check-in was made; the digests follow the same days.
#[tokio::test]
async fn weekly_and_every_other_week_check_ins_ask_only_on_their_days() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    // Wednesday 2 October 2024: its week is week 0.
    let created: Timestamp = "2024-10-02T00:00:00Z".parse().unwrap();
    let setup = Command::Setup {
        workspace_name: "W".into(),
        time_zone: "UTC".into(),
        owner: new_member("owner", "Europe/Berlin", Role::Owner, &hash),
    };
    store.execute(Envelope::system(created, setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let add = Command::AddMember { member: new_member("ber", "Europe/Berlin", Role::Member, &hash), invite: None };
    let ber = MemberId(
        store.execute(Envelope::new(owner, created, add)).await.unwrap().to_json()["member"]["id"].as_i64().unwrap(),
    );
    let channel = Command::CreateChannel {
        name: "team".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = ChannelId(
        store.execute(Envelope::new(owner, created, channel)).await.unwrap().to_json()["id"].as_i64().unwrap(),
    );
    let make = |title: &str, cadence: baton_core::model::Cadence| Command::CreateCheckIn {
        channel,
        title: title.into(),
        questions: vec!["How is it going?".into()],
        ask_at: "09:30".parse().unwrap(),
        digest_at: "17:00".parse().unwrap(),
        members: vec![ber],
        cadence,
    };
    use baton_core::model::{Cadence, Day};
    let weekly = make("Weekly", Cadence { days: vec![Day::Mon], every_weeks: 1 });
    let weekly = store.execute(Envelope::new(owner, created, weekly)).await.unwrap().to_json();
    let fortnightly = make("Retro", Cadence { days: vec![Day::Fri], every_weeks: 2 });
    let fortnightly = store.execute(Envelope::new(owner, created, fortnightly)).await.unwrap().to_json();
    assert_eq!(fortnightly["cadence"], serde_json::json!({"days": ["fri"], "every_weeks": 2}));

    let clock = Arc::new(ManualClock::new(created));
    let scheduler = Scheduler::new(Arc::new(store.clone()) as DynStore, clock.clone());
    let end: Timestamp = "2024-11-01T00:00:00Z".parse().unwrap();
    let mut now = created;
    while now < end {
        clock.set(now);
        scheduler.run_due().await.unwrap();
        now += SignedDuration::from_hours(1);
    }
    assert_eq!(
        asked_days(&store, &owner, &weekly).await,
        ["Mon 2024-10-07", "Mon 2024-10-14", "Mon 2024-10-21", "Mon 2024-10-28"]
    );
    // Weeks 0, 2, 4 from the week of 2 October: Fridays the 4th and the 18th (1 November is past
    // the end).
    assert_eq!(asked_days(&store, &owner, &fortnightly).await, ["Fri 2024-10-04", "Fri 2024-10-18"]);
    let thread = baton_core::ThreadId(fortnightly["thread_id"].as_i64().unwrap());
    let messages = store.thread_messages(&owner, thread, baton_store::Page::default()).await.unwrap();
    let digests: Vec<String> = messages
        .iter()
        .filter(|m| m.body.starts_with("**Check-in digest"))
        .map(|m| m.created_at.to_zoned(parse_time_zone("Europe/Berlin").unwrap()).date().to_string())
        .collect();
    assert_eq!(digests, ["2024-10-04", "2024-10-18"], "the digest follows the same Fridays");
}

/// The local days a check-in asked on, in order, as `Mon 2024-10-07`.
async fn asked_days(store: &SqlStore, owner: &Viewer, checkin: &Value) -> Vec<String> {
    let found = store.checkin(owner, checkin["id"].as_i64().unwrap()).await.unwrap();
    let mut days: Vec<String> = found.asks.iter().map(|a| format!("{} {}", a.day.strftime("%a"), a.day)).collect();
    days.sort();
    days
}
