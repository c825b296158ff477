use baton_core::event::Event;
use baton_core::model::TaskStatus;
use baton_core::{MemberId, Seq};
use serde_json::{json, Value};

use super::*;
use crate::window::{Thresholds, Window};

/// An event whose payload says only what a test is about: the rest of each object is filled in
/// with plain defaults, so that it reads as the typed event it stands for.
fn event(seq: i64, at: &str, actor: i64, kind: &str, payload: Value) -> Event {
    let mut full = defaults(kind, &payload);
    merge(&mut full, payload);
    let change = Change::from_parts(kind, &full.to_string());
    if kind != "some.future_kind" {
        assert!(!matches!(change, Change::Other { .. }), "{kind} {full} does not read as its typed event");
    }
    Event {
        workspace: 1,
        seq: Seq(seq),
        at: at.parse().unwrap(),
        actor: Some(MemberId(actor)),
        change,
        source: "baton".into(),
    }
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                merge(into.entry(key).or_insert(Value::Null), value);
            }
        }
        (into, from) => *into = from,
    }
}

fn defaults(kind: &str, payload: &Value) -> Value {
    let at = "2024-01-01T00:00:00Z";
    let id = |key: &str| payload[key].clone();
    match kind {
        "workspace.created" => json!({"workspace": {"id": 1, "name": "W", "time_zone": "UTC", "created_at": at}}),
        "member.joined" | "member.updated" => {
            json!({"member": {"id": id("member_id"), "handle": "", "display_name": "",
            "role": "member", "time_zone": "UTC", "working_hours": {}, "active": true, "created_at": at}})
        }
        "channel.created" | "channel.updated" => json!({"channel": {"id": id("channel_id"), "name": "",
            "visibility": "public", "topic": "", "created_by": 1, "created_at": at, "archived": false}}),
        "thread.created" => {
            json!({"channel_id": null, "dm_id": null, "task_id": null, "thread": {"id": id("thread_id"),
            "channel_id": payload["channel_id"], "task_id": null, "title": "", "resolved": false, "tags": [],
            "created_by": 1, "created_at": at, "message_count": 0, "last_message_at": null}})
        }
        "dm.created" | "dm.updated" => json!({"dm": {"id": id("dm_id"), "member_ids": [], "name": "",
            "created_at": at, "last_message_at": null}}),
        "message.posted" => json!({"message": {"thread_id": null, "dm_id": null, "body": "", "html": "",
            "mentions": [], "reactions": [], "urgent": false, "created_at": at, "edited_at": null, "deleted": false}}),
        "project.created" | "project.updated" => json!({"project": {"id": id("project_id"), "name": "",
            "description": "", "created_by": 1, "created_at": at, "archived": false}}),
        "task.created" => json!({"task": {"id": id("task_id"), "title": "", "description": "", "assignee_id": null,
            "status": "todo", "due": null, "priority": "normal", "created_by": 1, "created_at": at,
            "updated_at": at, "done_at": null}}),
        "thread.updated" => json!({"title": null, "tags": null}),
        _ => json!({}),
    }
}

fn member(id: i64, handle: &str, zone: &str) -> Value {
    json!({"member_id": id, "member": {"id": id, "handle": handle, "time_zone": zone,
        "working_hours": {"mon": [{"start": "09:00", "end": "17:00"}], "tue": [{"start": "09:00", "end": "17:00"}],
                          "wed": [{"start": "09:00", "end": "17:00"}], "thu": [{"start": "09:00", "end": "17:00"}],
                          "fri": [{"start": "09:00", "end": "17:00"}]}}})
}

fn message(id: i64, author: i64, thread: Option<i64>, dm: Option<i64>, body: &str, mentions: &[i64]) -> Value {
    json!({"message": {"id": id, "author_id": author, "thread_id": thread, "dm_id": dm, "body": body, "mentions": mentions}})
}

fn log() -> Vec<Event> {
    vec![
        event(1, "2024-05-01T00:00:00Z", 1, "workspace.created", json!({"workspace": {"time_zone": "Europe/Berlin"}})),
        event(2, "2024-05-01T00:00:00Z", 1, "member.joined", member(1, "ana", "Europe/Berlin")),
        event(3, "2024-05-01T00:00:00Z", 1, "member.joined", member(2, "bo", "America/New_York")),
        event(
            4,
            "2024-05-01T00:00:00Z",
            1,
            "channel.created",
            json!({"channel_id": 7, "channel": {"name": "general"}}),
        ),
        event(
            5,
            "2024-05-06T08:00:00Z",
            1,
            "thread.created",
            json!({"thread_id": 3, "channel_id": 7, "thread": {"title": "plans"}}),
        ),
        event(6, "2024-05-06T08:00:00Z", 1, "message.posted", message(10, 1, Some(3), None, "ready @bo", &[2])),
        event(7, "2024-05-06T14:00:00Z", 2, "message.posted", message(11, 2, Some(3), None, "yes", &[])),
        event(8, "2024-05-06T15:00:00Z", 1, "thread.resolved", json!({"thread_id": 3})),
        event(9, "2024-05-06T15:00:00Z", 1, "dm.created", json!({"dm_id": 4, "dm": {"name": "ana,bo"}})),
        event(10, "2024-05-06T15:01:00Z", 1, "message.posted", message(12, 1, None, Some(4), "lunch?", &[])),
        event(
            11,
            "2024-05-06T15:02:00Z",
            1,
            "project.created",
            json!({"project_id": 5, "project": {"name": "Relaunch"}}),
        ),
        event(
            12,
            "2024-05-06T15:03:00Z",
            1,
            "thread.created",
            json!({"thread_id": 8, "channel_id": null, "thread": {"title": "copy"}}),
        ),
        event(
            13,
            "2024-05-06T15:03:00Z",
            1,
            "task.created",
            json!({"task_id": 20, "task": {"id": 20, "project_id": 5,
            "thread_id": 8, "title": "copy", "assignee_id": 2, "status": "todo", "due": "2024-05-08"}}),
        ),
        event(
            14,
            "2024-05-07T15:00:00Z",
            2,
            "task.status_changed",
            json!({"task_id": 20, "from": "todo", "to": "done"}),
        ),
        event(15, "2024-05-07T15:00:00Z", 2, "some.future_kind", json!({"whatever": true})),
    ]
}

#[test]
fn the_log_becomes_people_conversations_messages_and_tasks() {
    let data = dataset_from_events(&log());
    let handles: Vec<&str> = data.people.iter().map(|p| p.handle.as_str()).collect();
    assert_eq!(handles, ["ana", "bo"]);
    assert_eq!(data.people[1].calendar.zone().iana_name(), Some("America/New_York"));
    assert_eq!(data.workspace_calendar.zone().iana_name(), Some("Europe/Berlin"));
    assert_eq!(data.conversations.len(), 3);
    assert_eq!((data.conversations[0].channel.as_str(), data.conversations[0].title.as_str()), ("general", "plans"));
    assert_eq!(data.conversations[0].resolutions.len(), 1);
    assert!(data.conversations[1].direct);
    assert_eq!(data.conversations[1].kind, ConversationKind::Timeline);
    assert_eq!(data.messages.len(), 3);
    assert!(data.messages[0].mentions_other);
    assert!(data.messages[2].ends_with_question);
    assert_eq!(data.tasks.len(), 1);
    assert_eq!(data.tasks[0].project, "Relaunch");
    assert_eq!(data.tasks[0].assignee, Some(1));
    assert_eq!(data.tasks[0].conversation, Some(2));
    assert_eq!(
        data.tasks[0].changes,
        vec![("2024-05-07T15:00:00Z".parse().unwrap(), TaskChange::Status(TaskStatus::Done))]
    );
}

#[test]
fn the_engine_reads_the_log_like_any_dataset() {
    let data = dataset_from_events(&log());
    let window = Window::new("2024-05-06T00:00:00Z".parse().unwrap(), "2024-05-13T00:00:00Z".parse().unwrap()).unwrap();
    let report = crate::report(&data, window, &Thresholds::design_defaults());
    assert_eq!(report.messages.count, 3);
    assert_eq!(report.messages.responses, 1);
    // 08:00Z → 14:00Z is 6 h wall; bo's New York day starts at 13:00Z, so 1 working hour.
    assert_eq!(report.response_time.median_s, Some(6 * 3600));
    assert_eq!(report.response_time.median_working_s, Some(3600));
    assert_eq!(report.tasks.done, 1);
    assert_eq!(report.tasks.due, 1);
    assert_eq!(report.tasks.done_on_time, 1);
}

#[test]
fn norms_as_last_set_apply_to_their_channels_and_the_rest() {
    let mut events = log();
    let mut next = events.len() as i64 + 1;
    let mut push = |kind: &str, payload: Value| {
        events.push(event(next, "2024-05-08T00:00:00Z", 1, kind, payload));
        next += 1;
    };
    // #general asks for 30 working minutes, then the workspace for 6 hours; an unset channel
    // norm (null) falls back to the workspace's.
    push("norm.changed", json!({"channel_id": 7, "reply_within_minutes": 30}));
    push("norm.changed", json!({"channel_id": null, "reply_within_minutes": 360}));
    let (data, origins) = dataset_and_origins(&events);
    for (conversation, origin) in data.conversations.iter().zip(&origins) {
        let want = match origin {
            Origin::Channel(7) => jiff::SignedDuration::from_mins(30),
            _ => jiff::SignedDuration::from_hours(6),
        };
        assert_eq!(conversation.norm, Some(want), "{origin:?}");
    }
    // bo answered ana's 08:00Z message at 14:00Z: New York (EDT) works from 13:00Z, so one
    // working hour, over #general's 30 minutes.
    let window = Window::new("2024-05-06T00:00:00Z".parse().unwrap(), "2024-05-07T00:00:00Z".parse().unwrap()).unwrap();
    let report = crate::report(&data, window, &Thresholds::design_defaults());
    assert_eq!(report.response_time.within_norm_share, Some(0.0));
    events.push(event(
        next,
        "2024-05-08T00:00:00Z",
        1,
        "norm.changed",
        json!({"channel_id": 7, "reply_within_minutes": null}),
    ));
    let data = dataset_from_events(&events);
    let report = crate::report(&data, window, &Thresholds::design_defaults());
    assert_eq!(report.response_time.within_norm_share, Some(1.0), "back to the workspace's 6 hours");
}

#[test]
fn a_thread_tagged_decision_counts_one_decision_in_threads_when_first_resolved() {
    let day = |d: u32| {
        Window::new(
            format!("2024-05-{d:02}T00:00:00Z").parse().unwrap(),
            format!("2024-05-{:02}T00:00:00Z", d + 1).parse().unwrap(),
        )
        .unwrap()
    };
    let mut events = log();
    let in_threads = |events: &[Event], window: Window| {
        crate::mode_mix::mode_mix(&dataset_from_events(events), window).decisions.in_threads
    };
    // Thread 3 was resolved on the 6th, untagged: no decision.
    assert_eq!(in_threads(&events, day(6)), 0);
    // Tagged `decision` later, it counts on the day it was first resolved, not the day tagged.
    events.push(event(
        100,
        "2024-05-09T09:00:00Z",
        1,
        "thread.updated",
        json!({"thread_id": 3, "title": "plans", "tags": ["decision"]}),
    ));
    assert_eq!(in_threads(&events, day(6)), 1);
    assert_eq!(in_threads(&events, day(9)), 0);
    // Reopened and resolved again: still one decision, still on the 6th.
    events.push(event(101, "2024-05-10T09:00:00Z", 1, "thread.reopened", json!({"thread_id": 3})));
    events.push(event(102, "2024-05-10T10:00:00Z", 1, "thread.resolved", json!({"thread_id": 3})));
    assert_eq!(in_threads(&events, day(6)), 1);
    assert_eq!(in_threads(&events, day(10)), 0);
    // A new thread created with the tag and never resolved: no decision yet; once resolved, one.
    events.push(event(
        103,
        "2024-05-11T08:00:00Z",
        1,
        "thread.created",
        json!({"thread_id": 8, "channel_id": 7, "thread": {"title": "vendor", "tags": ["decision", "urgent"]}}),
    ));
    assert_eq!(in_threads(&events, day(11)), 0);
    events.push(event(104, "2024-05-11T12:00:00Z", 2, "thread.resolved", json!({"thread_id": 8})));
    assert_eq!(in_threads(&events, day(11)), 1);
    // The tag removed: thread 3 no longer counts.
    events.push(event(
        105,
        "2024-05-12T09:00:00Z",
        1,
        "thread.updated",
        json!({"thread_id": 3, "title": "plans", "tags": []}),
    ));
    assert_eq!(in_threads(&events, day(6)), 0);
    assert_eq!(in_threads(&events, day(11)), 1);
}

/// A reply to a direct message starts a thread in the conversation and moves the message in:
/// the thread holds it for its whole history, as a Slack thread holds its parent; the
/// conversation's name is its export name once an import gives it one.
#[test]
fn a_thread_in_a_direct_conversation_holds_the_message_that_started_it() {
    let mut events = log();
    let mut next = events.len() as i64 + 1;
    let mut push = |kind: &str, payload: Value| {
        events.push(event(next, "2024-05-08T10:00:00Z", 2, kind, payload));
        next += 1;
    };
    push("message.posted", message(30, 2, None, Some(4), "and the build?", &[]));
    push(
        "thread.created",
        json!({"thread_id": 9, "channel_id": null, "dm_id": 4, "thread": {"title": "and the build?"}}),
    );
    push("message.moved", json!({"message_id": 30, "thread_id": 9, "from_thread_id": null, "from_dm_id": 4}));
    push("message.posted", message(31, 1, Some(9), None, "green", &[]));
    push("dm.updated", json!({"dm_id": 4, "dm": {"name": "ana,bo", "export_name": "D4"}}));
    let (data, origins) = dataset_and_origins(&events);
    let thread = data.conversations.iter().position(|c| c.title == "and the build?").expect("the thread");
    assert_eq!(data.conversations[thread].kind, ConversationKind::Thread);
    assert!(data.conversations[thread].direct);
    assert_eq!(origins[thread], Origin::Dm(4));
    assert_eq!(data.conversations[thread].channel, "D4", "named as the export names the conversation");
    assert_eq!(data.conversations[1].channel, "D4", "its timeline too");
    let in_thread: Vec<i64> = data.messages.iter().filter(|m| m.conversation == thread).map(|m| m.id).collect();
    assert_eq!(in_thread, [30, 31], "the parent, moved, and the reply");
    let in_timeline: Vec<i64> = data.messages.iter().filter(|m| m.conversation == 1).map(|m| m.id).collect();
    assert_eq!(in_timeline, [12]);
}

/// A deleted message still counts (it was posted, by whom and when), but it no longer asks: the
/// log is redacted, and a dataset kept up to date event by event reads it as a rebuilt one does.
#[test]
fn a_deleted_message_counts_but_no_longer_asks() {
    let mut events = log();
    let next = events.len() as i64 + 1;
    events.push(event(next, "2024-05-08T10:00:00Z", 1, "message.deleted", json!({"message_id": 12})));
    let data = dataset_from_events(&events);
    let lunch = data.messages.iter().find(|m| m.id == 12).expect("the deleted message is still a message");
    assert!(!lunch.ends_with_question && !lunch.mentions_other);
    let redacted: Vec<Event> = log()
        .into_iter()
        .map(|mut e| {
            if let Change::MessagePosted(posted) = &mut e.change {
                if posted.message.id.0 == 12 {
                    posted.message.body.clear();
                    posted.message.mentions.clear();
                    posted.redacted = true;
                }
            }
            e
        })
        .collect();
    let rebuilt = dataset_from_events(&redacted);
    let again = rebuilt.messages.iter().find(|m| m.id == 12).unwrap();
    assert_eq!((again.ends_with_question, again.mentions_other), (lunch.ends_with_question, lunch.mentions_other));
}

/// Rows go by id and names are as last set: a channel renamed halfway is one row under its new
/// name, and so is a renamed project.
#[test]
fn a_renamed_channel_or_project_stays_one_row_under_its_new_name() {
    let mut events = log();
    let mut next = events.len() as i64 + 1;
    let mut push = |at: &str, actor: i64, kind: &str, payload: Value| {
        events.push(event(next, at, actor, kind, payload));
        next += 1;
    };
    push("2024-05-08T09:00:00Z", 1, "channel.updated", json!({"channel_id": 7, "channel": {"name": "announcements"}}));
    push(
        "2024-05-08T09:00:00Z",
        1,
        "thread.created",
        json!({"thread_id": 30, "channel_id": 7, "thread": {"title": "later"}}),
    );
    push("2024-05-08T10:00:00Z", 1, "message.posted", message(40, 1, Some(30), None, "news?", &[]));
    push("2024-05-08T15:00:00Z", 2, "message.posted", message(41, 2, Some(30), None, "read it", &[]));
    push("2024-05-08T16:00:00Z", 1, "project.updated", json!({"project_id": 5, "project": {"name": "Launch"}}));
    let data = dataset_from_events(&events);
    let channels: Vec<(&str, Option<i64>)> = data
        .conversations
        .iter()
        .filter(|c| !c.direct && c.channel_id.is_some())
        .map(|c| (c.channel.as_str(), c.channel_id))
        .collect();
    assert_eq!(channels, [("announcements", Some(7)), ("announcements", Some(7))]);
    assert_eq!((data.tasks[0].project.as_str(), data.tasks[0].project_id), ("Launch", Some(5)));
    let window = Window::new("2024-05-06T00:00:00Z".parse().unwrap(), "2024-05-13T00:00:00Z".parse().unwrap()).unwrap();
    let report = crate::report(&data, window, &Thresholds::design_defaults());
    let rows: Vec<&str> = report.lagging.channels.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rows, ["announcements"], "one row for the channel, under its new name");
    let projects: Vec<&str> = report.lagging.projects.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(projects, ["Launch"]);
}

/// A log that touches every rule the builder keeps up to date as it goes: renames (channel,
/// project, direct conversation), norms, decision tags and resolutions, moves, deletions, a
/// huddle, task changes at one instant, and messages older than the ones before them (an
/// import of old history).
fn eventful_log() -> Vec<Event> {
    let mut events = log();
    let mut next = events.len() as i64 + 1;
    let mut push = |at: &str, actor: i64, kind: &str, payload: Value| {
        events.push(event(next, at, actor, kind, payload));
        next += 1;
    };
    push("2024-05-08T09:00:00Z", 1, "channel.updated", json!({"channel_id": 7, "channel": {"name": "announcements"}}));
    push("2024-05-08T09:00:00Z", 1, "norm.changed", json!({"channel_id": 7, "reply_within_minutes": 30}));
    push(
        "2024-05-08T09:01:00Z",
        1,
        "thread.created",
        json!({"thread_id": 30, "channel_id": 7, "thread": {"title": "vendor", "tags": ["decision"]}}),
    );
    push("2024-05-08T10:00:00Z", 1, "message.posted", message(40, 1, Some(30), None, "which one?", &[2]));
    push("2024-05-08T10:00:00Z", 2, "message.posted", message(41, 2, None, Some(4), "and the build?", &[]));
    push(
        "2024-05-08T10:00:00Z",
        2,
        "thread.created",
        json!({"thread_id": 9, "channel_id": null, "dm_id": 4, "thread": {"title": "and the build?"}}),
    );
    push("2024-05-08T10:00:00Z", 2, "message.moved", json!({"message_id": 41, "thread_id": 9, "from_dm_id": 4}));
    push("2024-05-08T11:00:00Z", 2, "thread.resolved", json!({"thread_id": 30}));
    push("2024-05-08T12:00:00Z", 1, "norm.changed", json!({"channel_id": null, "reply_within_minutes": 360}));
    push("2024-05-08T12:00:00Z", 1, "message.deleted", json!({"message_id": 40}));
    // Imported history: older than everything before it.
    push("2024-04-01T08:00:00Z", 1, "message.posted", message(42, 2, Some(3), None, "from the archive?", &[]));
    push("2024-05-08T13:00:00Z", 1, "dm.updated", json!({"dm_id": 4, "dm": {"name": "ana,bo", "export_name": "D4"}}));
    push("2024-05-08T14:00:00Z", 1, "task.assigned", json!({"task_id": 20, "from": 2, "to": 1}));
    push("2024-05-08T14:00:00Z", 1, "task.due_changed", json!({"task_id": 20, "from": null, "to": "2024-05-20"}));
    push("2024-05-08T16:00:00Z", 1, "project.updated", json!({"project_id": 5, "project": {"name": "Launch"}}));
    push("2024-05-08T16:30:00Z", 1, "thread.updated", json!({"thread_id": 30, "title": "vendor", "tags": []}));
    push("2024-05-08T17:00:00Z", 1, "member.updated", member(2, "bo", "Asia/Tokyo"));
    events
}

/// A server keeps one dataset and applies only the events after its last snapshot: whatever
/// the points it took snapshots at, the dataset is the one built from the whole log at once,
/// and a snapshot held across later events still reads as the log up to it (they wrote on a
/// copy, not under it).
#[test]
fn a_dataset_kept_up_to_date_equals_one_built_at_once() {
    let events = eventful_log();
    let (data, origins) = dataset_and_origins(&events);
    // What the log says, read directly.
    let named = |origin: Origin| -> Vec<(&str, Option<jiff::SignedDuration>)> {
        let of = origins.iter().zip(&data.conversations).filter(|(o, _)| **o == origin);
        of.map(|(_, c)| (c.channel.as_str(), c.norm)).collect()
    };
    let (half_hour, six_hours) = (jiff::SignedDuration::from_mins(30), jiff::SignedDuration::from_hours(6));
    assert_eq!(named(Origin::Channel(7)), [("announcements", Some(half_hour)), ("announcements", Some(half_hour))]);
    assert_eq!(named(Origin::Dm(4)), [("D4", Some(six_hours)), ("D4", Some(six_hours))]);
    assert_eq!(named(Origin::Task), [("Launch", Some(six_hours))]);
    assert_eq!(data.messages[0].id, 42, "the archive's message goes first");
    assert!(data.thread_decisions.is_empty(), "untagged at the end");
    let deleted = data.messages.iter().find(|m| m.id == 40).unwrap();
    assert!(!deleted.mentions_other && !deleted.ends_with_question);
    let moved = data.messages.iter().find(|m| m.id == 41).unwrap();
    assert_eq!(origins[moved.conversation], Origin::Dm(4));
    assert!(data.conversations[moved.conversation].kind == ConversationKind::Thread);
    let changes: Vec<&TaskChange> = data.tasks[0].changes.iter().map(|(_, c)| c).collect();
    assert!(matches!(changes[..], [TaskChange::Status(_), TaskChange::Assigned(Some(0)), TaskChange::Due(Some(_))]));
    assert_eq!(data.people[1].calendar.zone().iana_name(), Some("Asia/Tokyo"));
    let whole = format!("{:?}", (data, origins));
    for split in 0..=events.len() {
        let mut builder = DatasetBuilder::default();
        for event in &events[..split] {
            builder.apply(event);
        }
        let held = builder.snapshot();
        for event in &events[split..] {
            builder.apply(event);
        }
        let last = builder.snapshot();
        let kept = format!("{:?}", ((*last.data).clone(), (*last.origins).clone()));
        assert_eq!(kept, whole, "a snapshot after event {split}, then the rest");
        let up_to = format!("{:?}", dataset_and_origins(&events[..split]));
        assert_eq!(format!("{:?}", ((*held.data).clone(), (*held.origins).clone())), up_to, "held at {split}");
    }
    // A snapshot after every event.
    let mut builder = DatasetBuilder::default();
    for event in &events {
        builder.apply(event);
        builder.snapshot();
    }
    let last = builder.snapshot();
    assert_eq!(format!("{:?}", ((*last.data).clone(), (*last.origins).clone())), whole);
    assert_eq!(last.ids.threads.len(), last.data.conversations.len());
    assert_eq!(last.ids.members.len(), last.data.people.len());
}
