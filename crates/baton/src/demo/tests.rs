use serde_json::Value;

use super::*;

fn config(seed: u64) -> DemoConfig {
    let until = "2026-03-30T00:00:00Z".parse().unwrap();
    DemoConfig { members: 20, days: 30, seed, until }
}

fn fingerprint(plan: &Plan) -> Vec<(Timestamp, String)> {
    plan.steps
        .iter()
        .map(|(at, step)| {
            let what = match step {
                Step::Post { body, author, .. } => format!("post {author} {body}"),
                Step::Thread { title, .. } => format!("thread {title}"),
                _ => "other".to_string(),
            };
            (*at, what)
        })
        .collect()
}

#[test]
fn same_seed_same_plan_other_seed_other_plan() {
    let a = Plan::generate(&config(1)).unwrap();
    let b = Plan::generate(&config(1)).unwrap();
    let c = Plan::generate(&config(2)).unwrap();
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&c));
}

#[test]
fn plan_is_chronological_and_inside_the_window() {
    let plan = Plan::generate(&config(7)).unwrap();
    let end = "2026-03-30T00:00:00Z".parse::<Timestamp>().unwrap();
    assert!(plan.steps.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(plan.steps.iter().all(|(at, _)| *at >= plan.start && *at < end));
}

#[test]
fn nobody_answers_quinn() {
    let plan = Plan::generate(&config(3)).unwrap();
    let quinn = plan.people.iter().position(|p| p.handle == "quinn").unwrap();
    let quinn_threads: Vec<usize> = plan
        .steps
        .iter()
        .filter_map(|(_, s)| match s {
            Step::Thread { key, author, .. } if *author == quinn => Some(*key),
            _ => None,
        })
        .collect();
    assert!(!quinn_threads.is_empty());
    for (_, step) in &plan.steps {
        if let Step::Post { thread, author, .. } = step {
            assert!(!quinn_threads.contains(thread) || *author == quinn, "someone answered quinn");
            assert!(quinn_threads.contains(thread) || *author != quinn, "quinn joined another thread");
        }
    }
}

#[test]
fn launch_threads_bounce() {
    let plan = Plan::generate(&config(1)).unwrap();
    let launch: Vec<usize> = plan
        .steps
        .iter()
        .filter_map(|(_, s)| match s {
            Step::Thread { key, channel: 5, .. } => Some(*key),
            _ => None,
        })
        .collect();
    assert!(!launch.is_empty());
    for key in launch {
        let authors: Vec<usize> = plan
            .steps
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Post { thread, author, .. } if *thread == key => Some(*author),
                _ => None,
            })
            .collect();
        let handoffs = authors.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(handoffs >= 6, "a launch thread with only {handoffs} handoffs");
    }
}

#[test]
fn every_week_an_engineering_huddle_on_a_thread_with_an_owner_among_its_guests() {
    let plan = Plan::generate(&config(1)).unwrap();
    let quinn = plan.people.iter().position(|p| p.handle == "quinn").unwrap();
    let huddles: Vec<(&Timestamp, &Step)> =
        plan.steps.iter().filter(|(_, s)| matches!(s, Step::Huddle { .. })).map(|(at, s)| (at, s)).collect();
    // Days 2, 9, 16 and 23 of 30.
    assert_eq!(huddles.len(), 4);
    for (at, step) in huddles {
        let Step::Huddle { thread, host, guests, owner, .. } = step else { unreachable!() };
        assert!(guests.contains(owner), "the action item goes to someone who was there");
        assert!(!guests.contains(&quinn) && *host != quinn, "quinn stays isolated");
        let started = plan.steps.iter().find_map(|(t, s)| match s {
            Step::Thread { key, channel: 1, .. } if key == thread => Some(*t),
            _ => None,
        });
        assert!(started.is_some_and(|t| t <= *at), "the huddle is on an #engineering thread started before it");
    }
}

#[test]
fn check_in_answers_come_from_its_members_at_ten_their_time_on_working_days() {
    let plan = Plan::generate(&config(1)).unwrap();
    assert!(!plan.checkin.is_empty());
    let answers: Vec<(&Timestamp, usize)> = plan
        .steps
        .iter()
        .filter_map(|(at, s)| match s {
            Step::CheckInAnswer { member, .. } => Some((at, *member)),
            _ => None,
        })
        .collect();
    assert!(answers.len() > plan.checkin.len() * 10, "most members answer most days: {}", answers.len());
    for (at, member) in answers {
        assert!(plan.checkin.contains(&member));
        let person = &plan.people[member];
        let local = at.to_zoned(person.calendar.zone().clone());
        assert_eq!(local.strftime("%H:%M").to_string(), "10:00", "{} at {local}", person.handle);
        assert!(person.calendar.is_working(*at), "{} answers inside working hours", person.handle);
    }
}

/// The demo's hybrid week, written into a real store: the advisor's "take it live" accepted,
/// its huddle held at the proposed slot with the invited, the action items of every huddle
/// turned into tasks that then move, and held notifications delivered.
#[tokio::test(flavor = "multi_thread")]
async fn the_written_demo_runs_a_whole_hybrid_week() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    fill(&store, &config(1)).await.unwrap();
    let owner = crate::admin::first_owner(&store).await.unwrap();
    let log = store.log(baton_core::Seq(0), 1_000_000).await.unwrap();
    let payloads = |kind: &str| -> Vec<Value> {
        log.iter().filter(|e| e.kind == kind).map(|e| serde_json::from_slice(&e.json).unwrap()).collect()
    };

    let accepted = payloads("advisor.accepted");
    assert_eq!(accepted.len(), 1, "the owner accepts one suggestion");
    let accepted = &accepted[0]["payload"];
    assert!(accepted["key"].as_str().unwrap().starts_with("take-live-thread-"), "{accepted}");
    let slot = &accepted["suggestion"]["slot"];
    let (start, end): (Timestamp, Timestamp) =
        (slot[0].as_str().unwrap().parse().unwrap(), slot[1].as_str().unwrap().parse().unwrap());
    let huddle_id = HuddleId(accepted["created"]["huddle_id"].as_i64().unwrap());
    let huddle = store.huddle(&owner, huddle_id).await.unwrap();
    assert!(!huddle.invited.is_empty());
    assert_eq!(huddle.ended_at, Some(end), "ended when the proposed slot ends");
    let mut joined: Vec<MemberId> = huddle.participants.iter().map(|p| p.member_id).collect();
    joined.sort();
    let mut invited = huddle.invited.clone();
    invited.sort();
    assert_eq!(joined, invited, "everyone invited joined");
    assert!(huddle.participants.iter().all(|p| p.joined_at == start), "they meet at the slot");
    assert_eq!(huddle.decisions.len(), 1);
    assert_eq!(huddle.action_items.len(), 1);
    let thread = store.thread(&owner, huddle.thread_id).await.unwrap();
    assert!(thread.resolved, "settled live, the thread is resolved");
    // The booked slot is counted for whoever it put outside their hours.
    assert_eq!(payloads("slot.booked").len(), 1);

    // Every huddle's action item became a task; those old enough have moved on.
    let huddles = store.huddles(&owner, false, 100).await.unwrap();
    assert_eq!(huddles.len(), 5, "four weekly syncs and the advised one");
    let until: Timestamp = "2026-03-30T00:00:00Z".parse().unwrap();
    let moves = payloads("task.status_changed");
    for huddle in &huddles {
        let ended = huddle.ended_at.unwrap();
        let task = huddle.action_items[0].task_id.expect("the action item became a task");
        let statuses: Vec<&str> = moves
            .iter()
            .filter(|m| m["payload"]["task_id"].as_i64() == Some(task.0))
            .filter_map(|m| m["payload"]["to"].as_str())
            .collect();
        let three_days = ended.checked_add(SignedDuration::from_hours(72)).unwrap();
        if three_days < until {
            assert_eq!(statuses, ["in_progress", "done"], "task {task} from {}", huddle.title);
        }
    }
    // Held notifications are delivered at their time.
    assert!(!payloads("notification.delivered").is_empty());
}
