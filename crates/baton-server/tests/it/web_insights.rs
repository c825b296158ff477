//! The insights pages over HTTP, as a browser without JavaScript meets them: the dashboard
//! (charts, headline, filters, what admins and members may see), the advisor's cards with their
//! Accept and Dismiss forms, and the overlap strips.

use baton_core::model::{Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, MemberId, ProjectId, ThreadId};
use baton_store::testing::Scratch;
use baton_store::{Command, Envelope, MessageTarget, SqlStore, Store, Viewer};
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::browser::{location, Browser};
use crate::harness::{new_member, TestServer, PASSWORD};

/// The text inside the element whose `id` is given (up to the next tag).
fn text_of(page: &str, id: &str) -> String {
    let anchor = format!("id=\"{id}\">");
    let start = page.find(&anchor).unwrap_or_else(|| panic!("no #{id} in {page}")) + anchor.len();
    page[start..start + page[start..].find('<').unwrap()].to_string()
}

/// The HTML of the first `<section class="{class}"`, up to its end.
fn section<'p>(page: &'p str, class: &str) -> Option<&'p str> {
    let start = page.find(&format!("<section class=\"{class}\""))?;
    let end = start + page[start..].find("</section>")?;
    Some(&page[start..end])
}

/// Every `li.isolated-member`'s text, tags removed.
fn isolated_members(page: &str) -> Vec<String> {
    page.split("<li class=\"isolated-member\">")
        .skip(1)
        .map(|rest| {
            let item = &rest[..rest.find("</li>").unwrap()];
            let mut text = String::new();
            let mut in_tag = false;
            for c in item.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

/// A workspace with history in the last two weeks: in #launch, ana (Berlin), bo (New York) and
/// cy take turns eight times over two days (a bouncing thread); in #random dee, eve and the
/// owner chat and quinn writes to nobody (isolated); a private #hush that only ana and bo are
/// in; and cy's task in Migration, untouched for weeks (stalled).
struct Planted {
    server: TestServer,
    launch: i64,
    random: i64,
    ship: i64,
    project: i64,
    task: i64,
    quinn: MemberId,
}

async fn exec(store: &SqlStore, who: Viewer, at: Timestamp, command: Command) -> Value {
    store.execute(Envelope::new(who, at, command)).await.expect("the command applies").to_json()
}

fn post(thread: i64, body: &str) -> Command {
    Command::PostMessage {
        target: MessageTarget::Thread(ThreadId(thread)),
        text: MessageText::new(body.into()),
        urgent: false,
    }
}

fn id(value: &Value) -> i64 {
    value["id"].as_i64().expect("an id")
}

async fn workspace() -> Planted {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    // Midnight UTC eight days ago: everything below is inside the default four weeks.
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let base = today.checked_sub(jiff::Span::new().days(8)).unwrap().to_zoned(jiff::tz::TimeZone::UTC).unwrap();
    let base = base.timestamp();
    let at = |days: i64, hours: i64, mins: i64| {
        base + SignedDuration::from_hours(days * 24 + hours) + SignedDuration::from_mins(mins)
    };
    let long_ago = at(-20, 0, 0);
    let setup = Command::Setup {
        workspace_name: "W".into(),
        time_zone: "UTC".into(),
        owner: new_member("owner", "UTC", Role::Owner, &hash),
    };
    store.execute(Envelope::system(long_ago, setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut people = vec![owner];
    for (handle, zone) in [
        ("ana", "Europe/Berlin"),
        ("bo", "America/New_York"),
        ("cy", "UTC"),
        ("dee", "UTC"),
        ("eve", "UTC"),
        ("quinn", "UTC"),
    ] {
        let add = Command::AddMember { member: new_member(handle, zone, Role::Member, &hash), invite: None };
        let added = exec(&store, owner, long_ago, add).await;
        people.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role: Role::Member });
    }
    let [_, ana, bo, cy, dee, eve, quinn] = people[..] else { unreachable!() };
    let channel = |name: &str, visibility, members| Command::CreateChannel {
        name: name.into(),
        visibility,
        topic: String::new(),
        members,
    };
    let launch = id(&exec(&store, owner, long_ago, channel("launch", Visibility::Public, vec![])).await);
    let random = id(&exec(&store, owner, long_ago, channel("random", Visibility::Public, vec![])).await);
    let hush = id(&exec(&store, ana, long_ago, channel("hush", Visibility::Private, vec![bo.member])).await);
    let thread = |channel: i64, title: &str| Command::CreateThread {
        home: ChannelId(channel).into(),
        title: title.into(),
        tags: vec![],
        body: None,
    };
    let project = Command::CreateProject { name: "Migration".into(), description: String::new() };
    let project = id(&exec(&store, owner, long_ago, project).await);
    let task = Command::CreateTask {
        project: ProjectId(project),
        title: "Move data".into(),
        description: String::new(),
        assignee: Some(cy.member),
        status: TaskStatus::InProgress,
        due: None,
        priority: Priority::Normal,
    };
    let task = id(&exec(&store, owner, long_ago, task).await);

    let ship = id(&exec(&store, ana, at(0, 9, 0), thread(launch, "Ship date")).await);
    for n in 0..8 {
        let who = [ana, bo, cy][n % 3];
        let when = at(n as i64 / 3, 10 + (n as i64 % 3) * 2, 0);
        exec(&store, who, when, post(ship, &format!("ship date? {n}"))).await;
    }
    let secret = id(&exec(&store, ana, at(2, 15, 0), thread(hush, "secret plan")).await);
    exec(&store, ana, at(2, 15, 5), post(secret, "between us")).await;
    let coffee = id(&exec(&store, owner, at(3, 9, 0), thread(random, "Coffee")).await);
    for (n, who) in [dee, eve, owner, dee].into_iter().enumerate() {
        exec(&store, who, at(3, 10, 30 * n as i64), post(coffee, "coffee")).await;
    }
    let notes = id(&exec(&store, quinn, at(4, 9, 0), thread(random, "Notes to self")).await);
    exec(&store, quinn, at(4, 10, 0), post(notes, "an idea")).await;

    Planted { server: TestServer::serve(data, store).await, launch, random, ship, project, task, quinn: quinn.member }
}

#[tokio::test]
async fn the_dashboard_draws_charts_and_a_headline_and_keeps_isolation_for_admins() {
    let planted = workspace().await;
    let server = &planted.server;

    let mut owner = Browser::signed_in(server, "owner@example.com").await;
    let (status, page) = owner.get("/insights").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.matches("<figure class=\"chart\">").count() >= 3, "{page}");
    assert!(page.matches("<svg").count() >= 3, "{page}");
    assert!(page.matches("role=\"img\"").count() >= 3 && page.contains("aria-label=\"Stall rate"), "{page}");
    assert!(!page.contains("style=") && !page.contains("<script>"), "nothing inline for the CSP: {page}");
    assert!(section(&page, "headline").is_some(), "{page}");
    // Eight in #launch, one in #hush (counted, never named), four plus one in #random.
    assert_eq!(text_of(&page, "metric-messages"), "14");
    assert!(page.contains("class=\"delta"), "compared with the four weeks before by default: {page}");
    // Lagging rows and bouncing threads link to their pages.
    for link in [
        format!("href=\"/t/{}\"", planted.ship),
        format!("href=\"/c/{}\"", planted.launch),
        format!("href=\"/c/{}\"", planted.random),
        format!("href=\"/p/{}\"", planted.project),
    ] {
        assert!(page.contains(&link), "{link} in {page}");
    }
    assert!(!page.contains("hush") && !page.contains("secret plan"), "the owner is not in #hush: {page}");
    let isolated = section(&page, "isolated").expect("admins see the collaboration section");
    assert!(isolated.contains("class=\"isolated-member\""), "{isolated}");
    assert_eq!(isolated_members(&page), ["@quinn · 0 collaborators · 1 message"]);

    let mut cy = Browser::signed_in(server, "cy@example.com").await;
    let (status, page) = cy.get("/insights").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.matches("<svg").count() >= 3 && section(&page, "headline").is_some(), "{page}");
    assert_eq!(text_of(&page, "metric-messages"), "14", "seven took part: members see the aggregates");
    assert!(section(&page, "isolated").is_none() && !page.contains("isolated-member"), "{page}");
    assert!(!page.contains("quinn") && !page.contains("table class=\"members\""), "no per-member rows: {page}");
    assert!(!page.contains("hush"), "a private channel is not offered: {page}");
    let (status, page) = cy.get("/insights?channel=hush").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("secret plan"), "{page}");
}

#[tokio::test]
async fn filters_narrow_the_dashboard_and_bad_dates_are_refused() {
    let planted = workspace().await;
    let mut owner = Browser::signed_in(&planted.server, "owner@example.com").await;
    let (status, page) = owner.get("/insights?channel=launch&compare=0").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(text_of(&page, "metric-messages"), "8", "#launch only");
    assert!(page.contains("<option value=\"launch\" selected>"), "the form keeps the filter: {page}");
    assert!(!page.contains("class=\"delta"), "no comparison asked: {page}");
    let (_, page) = owner.get("/insights?channel=random").await;
    assert_eq!(text_of(&page, "metric-messages"), "5");

    // A window before anything happened: nothing counted, the page still draws.
    let (status, page) = owner.get("/insights?from=2001-01-01&to=2001-01-31").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(text_of(&page, "metric-messages"), "0");

    let (status, page) = owner.get("/insights?from=2024-05-10&to=2024-05-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("class=\"error\"") && page.contains("value=\"2024-05-10\""), "{page}");
    let (status, page) = owner.get("/insights?from=last-week").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("class=\"error\"") && page.contains("last-week"), "{page}");
}

async fn open_keys(server: &TestServer, token: &str) -> Vec<String> {
    let (status, list) = server.call(Method::GET, "/api/v1/advisor", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn advisor_cards_are_accepted_and_dismissed_through_their_forms() {
    let planted = workspace().await;
    let server = &planted.server;
    let token = server.login("owner").await;
    let live = format!("take-live-thread-{}", planted.ship);
    let pair = format!("pair-member-{}", planted.quinn.0);
    let nudge = format!("nudge-task-{}", planted.task);

    let mut owner = Browser::signed_in(server, "owner@example.com").await;
    let (status, page) = owner.get("/advisor").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for key in [&live, &pair, &nudge] {
        assert!(page.contains(&format!("<article class=\"suggestion\" id=\"{key}\"")), "{key} in {page}");
        assert!(page.contains(&format!("action=\"/advisor/{key}/accept\"")), "{page}");
        assert!(page.contains(&format!("action=\"/advisor/{key}/dismiss\"")), "{page}");
    }
    assert!(page.contains("Take \"Ship date\" live") || page.contains("Take &quot;Ship date&quot; live"), "{page}");
    assert!(page.contains("Proposed slot, in your time zone"), "{page}");
    assert!(page.contains("href=\"/overlap\""), "{page}");
    assert!(!page.contains("Show more suggestions"), "all fit on the first page");
    // A page that shows fewer links to the rest.
    let (_, first) = owner.get("/advisor?shown=1").await;
    assert_eq!(first.matches("<article class=\"suggestion\"").count(), 1, "{first}");
    let more = page.matches("<article class=\"suggestion\"").count() - 1;
    assert!(first.contains(&format!("Show more suggestions ({more} more)")), "{first}");
    assert!(first.contains("href=\"/advisor?shown=51\""), "{first}");

    // Accepting sets the huddle up on the thread; the card is gone and the notice links to it.
    let accepted = owner.post(&format!("/advisor/{live}/accept"), &[], None).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let back = location(&accepted);
    assert!(back.starts_with(&format!("/advisor?done={live}&outcome=accepted&huddle=")), "{back}");
    let (_, huddles) = server.call(Method::GET, "/api/v1/huddles", Some(&token), None).await;
    let huddle = huddles.as_array().unwrap().iter().find(|h| h["thread_id"] == planted.ship).expect("a huddle");
    let (_, page) = owner.get(&back).await;
    assert!(page.contains(&format!("href=\"/huddles/{}\"", huddle["id"])), "{page}");
    assert!(!page.contains(&format!("id=\"{live}\"")), "{page}");
    assert!(!open_keys(server, &token).await.contains(&live));
    // Twice is refused on the page, and creates nothing more.
    let again = owner.post(&format!("/advisor/{live}/accept"), &[], None).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(again.text().await.unwrap().contains("class=\"error\""));
    let (_, huddles) = server.call(Method::GET, "/api/v1/huddles", Some(&token), None).await;
    assert_eq!(huddles.as_array().unwrap().len(), 1);

    // Dismissing needs the form's CSRF token.
    let forged = owner.post(&format!("/advisor/{pair}/dismiss"), &[], Some(&"0".repeat(64))).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(open_keys(server, &token).await.contains(&pair), "a forged form decides nothing");
    let dismissed = owner.post(&format!("/advisor/{pair}/dismiss"), &[], None).await;
    assert_eq!(dismissed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&dismissed), format!("/advisor?done={pair}&outcome=dismissed"));
    assert!(!open_keys(server, &token).await.contains(&pair));
    let (_, page) = owner.get("/advisor").await;
    assert!(!page.contains(&format!("id=\"{pair}\"")) && page.contains(&format!("id=\"{nudge}\"")), "{page}");

    // A member does not get the pairing (one person's isolation) at all.
    let mut cy = Browser::signed_in(server, "cy@example.com").await;
    let (_, page) = cy.get("/advisor").await;
    assert!(page.contains(&format!("id=\"{nudge}\"")) && !page.contains("pair-member"), "{page}");
}

#[tokio::test]
async fn the_overlap_page_lines_everyone_up_in_the_viewers_zone() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    owner.add_member("bo", "member").await;

    // The owner is in Berlin (UTC+1 that week) and bo in New York (already UTC−4): they share
    // 13:00–16:00Z each weekday, 15 h in the week.
    let mut berlin = Browser::signed_in(&server, "owner@example.com").await;
    let (status, page) = berlin.get("/overlap?members=owner,bo&week=2027-03-24").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Shared working hours this week: <strong>15 h</strong>"), "{page}");
    assert_eq!(page.matches("<svg class=\"strip\"").count(), 3, "two members and everyone: {page}");
    assert!(page.contains("value=\"2027-03-22\""), "the week is shown as its Monday: {page}");
    assert!(page.contains("aria-label=\"@bo: Mon 14:00–22:00, Tue 14:00–22:00"), "bo's hours in Berlin time: {page}");
    assert!(page.contains(">Mon 22 Mar 14:00</time>–17:00 CET"), "{page}");
    assert!(page.contains("Next 30-minute slots"), "{page}");

    let mut new_york = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = new_york.get("/overlap?members=bo,owner&week=2027-W12").await;
    assert!(page.contains("<strong>15 h</strong>"), "{page}");
    assert!(page.contains(">Mon 22 Mar 09:00</time>–12:00 EDT"), "the same hours in New York time: {page}");

    for (query, status) in [
        ("members=owner,nobody&week=2027-03-22", StatusCode::NOT_FOUND),
        ("members=owner&week=next-tuesday", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (got, page) = berlin.get(&format!("/overlap?{query}")).await;
        assert_eq!(got, status, "{query}: {page}");
        assert!(page.contains("class=\"error\"") && !page.contains("<svg class=\"strip\""), "{page}");
    }
    // A first visit is not blank: the viewer's own week, and their channels' people one click away.
    let channel = owner.create("/api/v1/channels", json!({"name": "team"})).await["id"].as_i64().unwrap();
    let bo_id = owner.get("/api/v1/members").await.1.as_array().unwrap().iter().find(|m| m["handle"] == "bo").unwrap()
        ["id"]
        .as_i64()
        .unwrap();
    owner.create(&format!("/api/v1/channels/{channel}/members"), json!({"member_id": bo_id})).await;
    let (status, page) = berlin.get("/overlap").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"members\" value=\"owner\"") && !page.contains("class=\"error\""), "{page}");
    assert_eq!(page.matches("<svg class=\"strip\"").count(), 2, "the viewer's strip and everyone's: {page}");
    assert!(page.contains("href=\"/overlap?members=bo,owner\">#team</a>"), "{page}");
}
