use serde_json::{json, Value};

use super::*;

fn wire(kind: &str, payload: Value) -> String {
    json!({"workspace": 1, "seq": 7, "at": "2024-05-01T10:00:00Z", "actor": 2, "kind": kind,
           "payload": payload, "source": "baton"})
    .to_string()
}

fn read(kind: &str, payload: Value) -> Event {
    serde_json::from_str(&wire(kind, payload)).unwrap()
}

#[test]
fn an_event_reads_as_its_typed_change_and_writes_back_as_it_came() {
    let payload = json!({"task_id": 4, "from": "todo", "to": "done"});
    let event = read(kind::TASK_STATUS_CHANGED, payload.clone());
    let Change::TaskStatusChanged(change) = &event.change else { panic!("{:?}", event.change) };
    assert_eq!(
        (change.task_id.0, change.from, change.to),
        (4, crate::model::TaskStatus::Todo, crate::model::TaskStatus::Done)
    );
    assert_eq!((event.seq.0, event.actor.map(|a| a.0), event.source.as_str()), (7, Some(2), "baton"));
    let written: Value = serde_json::to_value(&event).unwrap();
    assert_eq!(written, serde_json::from_str::<Value>(&wire(kind::TASK_STATUS_CHANGED, payload)).unwrap());
}

/// A newer Baton's kinds, and payloads this one cannot read, are kept whole: reading a log and
/// writing it back never loses what this version does not understand.
#[test]
fn unknown_kinds_and_unreadable_payloads_are_kept_as_they_were() {
    for (kind, payload) in [
        ("poll.created", json!({"question": "lunch?", "options": ["a", "b"]})),
        (kind::TASK_STATUS_CHANGED, json!({"task_id": 4, "to": "sideways"})),
    ] {
        let event = read(kind, payload.clone());
        let Change::Other { kind: kept, payload: kept_payload } = &event.change else { panic!("{:?}", event.change) };
        assert_eq!((kept.as_str(), kept_payload), (kind, &payload));
        assert_eq!(event.kind(), kind);
        assert_eq!(serde_json::to_value(&event).unwrap()["payload"], payload);
    }
}

/// A thread update tells "unchanged" (absent), "cleared" (`null`) and a new value apart.
#[test]
fn a_display_title_absent_cleared_or_set_stays_so() {
    for (payload, expected) in [
        (json!({"thread_id": 1, "title": null, "tags": null}), None),
        (json!({"thread_id": 1, "title": null, "tags": null, "display_title": null}), Some(None)),
        (
            json!({"thread_id": 1, "title": null, "tags": null, "display_title": "launch"}),
            Some(Some("launch".to_string())),
        ),
    ] {
        let event = read(kind::THREAD_UPDATED, payload.clone());
        let Change::ThreadUpdated(update) = &event.change else { panic!("{:?}", event.change) };
        assert_eq!(update.display_title, expected);
        assert_eq!(serde_json::from_str::<Value>(&event.change.payload_json()).unwrap(), payload);
    }
}

/// Fields added after events were first written have defaults: a huddle started before
/// invitations existed, a check-in created before cadences, read as they meant.
#[test]
fn events_written_before_a_field_existed_still_read() {
    let huddle = json!({"huddle_id": 3, "huddle": {"id": 3, "thread_id": 9, "task_id": null, "title": "sync",
        "call_link": null, "agenda": "", "notes": "", "started_by": 1, "started_at": "2024-05-01T10:00:00Z",
        "ended_at": null, "participants": [], "decisions": [], "action_items": [], "summary_message_id": null}});
    let Change::HuddleStarted(started) = read(kind::HUDDLE_STARTED, huddle).change else { panic!() };
    assert!(started.huddle.invited.is_empty() && started.huddle.opens_at.is_none());
    let checkin = json!({"checkin_id": 2, "checkin": {"id": 2, "channel_id": 1, "thread_id": 5, "title": "standup",
        "questions": ["done?"], "ask_at": "09:30", "digest_at": "16:00", "digest_zone": "UTC", "member_ids": [1],
        "created_by": 1, "created_at": "2024-05-01T10:00:00Z"}});
    let Change::CheckInCreated(created) = read(kind::CHECKIN_CREATED, checkin).change else { panic!() };
    assert_eq!(created.checkin.cadence, crate::model::Cadence::default());
    let dm = json!({"dm_id": 4, "dm": {"id": 4, "member_ids": [1, 2], "name": "ana,bo",
        "created_at": "2024-05-01T10:00:00Z", "last_message_at": null}});
    let Change::DmUpdated(updated) = read(kind::DM_UPDATED, dm).change else { panic!() };
    assert_eq!(updated.dm.export_name, None);
}

/// Both shapes a scheduled job has been announced in read, each as itself.
#[test]
fn a_scheduled_job_reads_in_either_of_its_shapes() {
    let follow_up = json!({"job_id": 8, "message_id": 30, "notify": 2, "within_minutes": 120,
        "due_at": "2024-05-01T12:00:00Z"});
    let Change::JobScheduled(scheduled) = read(kind::JOB_SCHEDULED, follow_up.clone()).change else { panic!() };
    assert!(matches!(scheduled, JobScheduled::FollowUp { job_id: 8, .. }));
    let job = json!({"job": {"id": 9, "kind": "remind", "member_id": 2, "due_at": "2024-05-02T09:00:00Z",
        "payload": {"message_id": 30, "note": "look"}, "created_at": "2024-05-01T10:00:00Z", "fired_at": null,
        "cancelled_at": null, "outcome": null}});
    let Change::JobScheduled(scheduled) = read(kind::JOB_SCHEDULED, job).change else { panic!() };
    assert!(matches!(scheduled, JobScheduled::Job { job } if job.id == 9));
}

/// Every kind the log knows has a variant, and every variant its kind.
#[test]
fn kinds_and_variants_agree() {
    let kinds = [
        kind::WORKSPACE_CREATED,
        kind::MEMBER_JOINED,
        kind::MEMBER_UPDATED,
        kind::MEMBER_ROLE_CHANGED,
        kind::MEMBER_DEACTIVATED,
        kind::MEMBER_REACTIVATED,
        kind::CHANNEL_CREATED,
        kind::CHANNEL_UPDATED,
        kind::CHANNEL_MEMBER_ADDED,
        kind::CHANNEL_MEMBER_REMOVED,
        kind::THREAD_CREATED,
        kind::THREAD_UPDATED,
        kind::THREAD_RESOLVED,
        kind::THREAD_REOPENED,
        kind::DM_CREATED,
        kind::DM_UPDATED,
        kind::MESSAGE_POSTED,
        kind::MESSAGE_EDITED,
        kind::MESSAGE_DELETED,
        kind::MESSAGE_MOVED,
        kind::REACTION_ADDED,
        kind::REACTION_REMOVED,
        kind::PROJECT_CREATED,
        kind::PROJECT_UPDATED,
        kind::TASK_CREATED,
        kind::TASK_UPDATED,
        kind::TASK_STATUS_CHANGED,
        kind::TASK_ASSIGNED,
        kind::TASK_DUE_CHANGED,
        kind::HUDDLE_STARTED,
        kind::HUDDLE_JOINED,
        kind::HUDDLE_LEFT,
        kind::HUDDLE_UPDATED,
        kind::HUDDLE_DECISION_RECORDED,
        kind::HUDDLE_ACTION_ITEM_ADDED,
        kind::HUDDLE_ENDED,
        kind::JOB_SCHEDULED,
        kind::JOB_CANCELLED,
        kind::JOB_FIRED,
        kind::REMINDER_DUE,
        kind::NORM_CHANGED,
        kind::CHECKIN_CREATED,
        kind::SLOT_BOOKED,
        kind::NOTIFICATION_DELIVERED,
        kind::NOTIFICATION_READ,
        kind::ADVICE_ACCEPTED,
        kind::ADVICE_DISMISSED,
    ];
    assert_eq!(kinds.len(), Change::KINDS.len());
    for kind in kinds {
        assert!(Change::KINDS.contains(&kind), "{kind} has no variant");
    }
}
