//! Every expected number below is computed by hand in the comment next to it.

use baton_core::calendar::Calendar;
use jiff::Timestamp;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person};

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

/// `n_people` members and one message (in one timeline, by the first member) at each instant.
fn dataset(n_people: usize, instants: &[&str]) -> Dataset {
    let mut data = Dataset {
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
        workspace_calendar: Calendar::utc_default(),
        people: (0..n_people)
            .map(|idx| Person { handle: format!("m{idx}"), calendar: Calendar::utc_default() })
            .collect(),
        conversations: vec![Conversation {
            kind: ConversationKind::Timeline,
            channel: "general".to_owned(),
            title: String::new(),
            direct: false,
            channel_id: None,
            resolutions: Vec::new(),
            norm: None,
        }],
        messages: instants
            .iter()
            .enumerate()
            .map(|(id, instant)| Message {
                id: id as i64,
                conversation: 0,
                author: 0,
                at: at(instant),
                mentions_other: false,
                ends_with_question: false,
            })
            .collect(),
        tasks: Vec::new(),
    };
    data.sort_messages();
    data
}

fn check(data: &Dataset, from: &str, to: &str) -> ModeMix {
    mode_mix(data, Window::new(at(from), at(to)).unwrap())
}

const NO_DECISIONS: Decisions = Decisions { in_huddles: 0, in_threads: 0 };

#[test]
fn messages_per_member_week_divides_by_members_times_weeks() {
    // 12 messages in [03-04, 03-18), one before `from` and one at `to` (neither counts).
    let mut instants = vec!["2024-03-03T23:59:59Z", "2024-03-18T00:00:00Z"];
    let days = ["04", "05", "06", "07", "08", "11", "12", "13", "14", "15", "16", "17"];
    let in_window: Vec<String> = days.iter().map(|day| format!("2024-03-{day}T10:00:00Z")).collect();
    instants.extend(in_window.iter().map(String::as_str));
    let mix = check(&dataset(3, &instants), "2024-03-04T00:00:00Z", "2024-03-18T00:00:00Z");
    // 3 members × 2 weeks = 6 member-weeks; 12 ÷ 6 = 2.0.
    assert_eq!(
        mix,
        ModeMix {
            member_weeks: 6.0,
            messages_per_member_week: Some(2.0),
            huddle_hours_per_member_week: Some(0.0),
            decisions: NO_DECISIONS,
        }
    );
}

#[test]
fn weeks_are_exact_not_rounded() {
    // 3.5 days = 302400 s = 0.5 week; 2 members → 1.0 member-week; 3 messages → 3.0.
    let data = dataset(2, &["2024-03-04T01:00:00Z", "2024-03-05T01:00:00Z", "2024-03-07T11:59:59Z"]);
    let mix = check(&data, "2024-03-04T00:00:00Z", "2024-03-07T12:00:00Z");
    assert_eq!((mix.member_weeks, mix.messages_per_member_week), (1.0, Some(3.0)));
}

#[test]
fn a_workspace_without_members_has_no_rates() {
    let mix = check(&dataset(0, &[]), "2024-03-04T00:00:00Z", "2024-03-18T00:00:00Z");
    assert_eq!(
        mix,
        ModeMix {
            member_weeks: 0.0,
            messages_per_member_week: None,
            huddle_hours_per_member_week: None,
            decisions: NO_DECISIONS,
        }
    );
}

#[test]
fn the_json_has_the_rates_side_by_side_and_null_for_none() {
    let json = serde_json::to_value(check(&dataset(0, &[]), "2024-03-04T00:00:00Z", "2024-03-18T00:00:00Z")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "member_weeks": 0.0,
            "messages_per_member_week": null,
            "huddle_hours_per_member_week": null,
            "decisions": {"in_huddles": 0, "in_threads": 0},
        })
    );
}
