use baton_core::calendar::Calendar;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn message(id: i64, author: usize, when: &str, question: bool) -> Message {
    Message { id, conversation: 0, author, at: at(when), mentions_other: false, ends_with_question: question }
}

fn json_of(data: &Dataset, from: &str, to: &str) -> Value {
    let window = Window::new(at(from), at(to)).unwrap();
    serde_json::to_value(report(data, window, &Thresholds::design_defaults())).unwrap()
}

fn dataset(messages: Vec<Message>) -> Dataset {
    let people =
        ["ana", "bo"].iter().map(|h| Person { handle: h.to_string(), calendar: Calendar::utc_default() }).collect();
    let thread = Conversation {
        kind: ConversationKind::Thread,
        channel: "general".into(),
        title: "plans".into(),
        direct: false,
        resolutions: Vec::new(),
        norm: None,
    };
    Dataset {
        workspace_calendar: Calendar::utc_default(),
        people,
        conversations: vec![thread],
        messages,
        tasks: Vec::new(),
    }
}

#[test]
fn the_json_has_designs_keys_and_nulls_for_empty_populations() {
    let report = json_of(&dataset(Vec::new()), "2024-05-06T00:00:00Z", "2024-05-13T00:00:00Z");
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    for key in
        ["window", "messages", "response_time", "first_response", "bouncing_threads", "tasks", "members", "isolation"]
    {
        assert!(keys.contains(&key), "no {key} in {keys:?}");
    }
    assert_eq!(report["window"], json!({"from": "2024-05-06T00:00:00Z", "to": "2024-05-13T00:00:00Z"}));
    assert_eq!(report["messages"], json!({"count": 0, "conversations_active": 0, "responses": 0}));
    assert_eq!(report["response_time"]["median_s"], Value::Null);
    assert_eq!(report["response_time"]["within_norm_share"], Value::Null);
    assert_eq!(report["first_response"]["count"], 0);
    assert_eq!(report["tasks"]["created"], 0);
    assert_eq!(report["tasks"]["stall_rate"], Value::Null);
    assert_eq!(report["tasks"]["completion_rate"], Value::Null);
    assert_eq!(report["isolation"], json!({"active": 0, "isolated": 0, "rate": null}));
    assert_eq!(report["members"].as_array().unwrap().len(), 2);
}

#[test]
fn a_small_conversation_gives_hand_computed_numbers() {
    // Mon 6 May 2024, UTC working hours 09:00–17:00: ana asks at 10:00, bo answers at 11:30,
    // ana answers at 16:00 and asks again at 16:30; nobody answers before Fri 10 May 17:00.
    let messages = vec![
        message(1, 0, "2024-05-06T10:00:00Z", true),
        message(2, 1, "2024-05-06T11:30:00Z", false),
        message(3, 0, "2024-05-06T16:00:00Z", false),
        message(4, 0, "2024-05-06T16:30:00Z", true),
    ];
    let report = json_of(&dataset(messages), "2024-05-06T00:00:00Z", "2024-05-10T17:00:00Z");
    assert_eq!(report["messages"], json!({"count": 4, "conversations_active": 1, "responses": 2}));
    // Responses: 1.5 h (bo) and 4.5 h (ana). Median of two is the 1st; p90 the 2nd.
    assert_eq!(report["response_time"]["median_s"], 5400);
    assert_eq!(report["response_time"]["p90_s"], 16200);
    assert_eq!(report["response_time"]["median_working_s"], 5400);
    assert_eq!(report["response_time"]["within_norm_share"], 0.5);
    // ana's last turn asks and waits 0.5 + 3 × 8 = 24.5 working hours > 4.
    assert_eq!(report["response_time"]["awaiting_answer"], 1);
    assert_eq!(
        report["first_response"],
        json!({"count": 1, "median_s": 5400, "p90_s": 5400,
        "median_working_s": 5400, "p90_working_s": 5400})
    );
    assert_eq!(
        report["members"][0],
        json!({"name": "ana", "messages": 3, "collaborators": 1, "isolated": true,
        "huddle_hours": 0.0})
    );
}
