use baton_core::calendar::Calendar;
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::dataset::{Message, Person};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn response(asker: MemberIdx, responder: MemberIdx, responded_at: &str) -> Response {
    let responded_at = at(responded_at);
    Response {
        conversation: 0,
        asker,
        responder,
        asked_at: responded_at,
        responded_at,
        wall: SignedDuration::ZERO,
        working: SignedDuration::ZERO,
        first: false,
    }
}

fn message(author: MemberIdx, when: &str) -> Message {
    Message { id: 0, conversation: 0, author, at: at(when), mentions_other: false, ends_with_question: false }
}

fn dataset(handles: &[&str], messages: Vec<Message>) -> Dataset {
    let people = handles.iter().map(|h| Person { handle: h.to_string(), calendar: Calendar::utc_default() }).collect();
    Dataset {
        workspace_calendar: Calendar::utc_default(),
        people,
        conversations: Vec::new(),
        messages: messages.into(),
        tasks: Vec::new(),
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    }
}

#[test]
fn a_response_links_exactly_two_people_inside_the_span() {
    let responses = [
        response(0, 1, "2024-05-01T10:00:00Z"),
        response(1, 0, "2024-05-01T11:00:00Z"),
        response(2, 0, "2024-05-02T10:00:00Z"),
        response(3, 2, "2024-05-10T10:00:00Z"), // after `to`
    ];
    let linked = collaborators(&responses, 4, at("2024-05-01T00:00:00Z"), at("2024-05-03T00:00:00Z"));
    assert_eq!(linked[0].iter().copied().collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(linked[1].iter().copied().collect::<Vec<_>>(), vec![0]);
    assert_eq!(linked[2].iter().copied().collect::<Vec<_>>(), vec![0]);
    assert!(linked[3].is_empty(), "the response after `to` links no one");
}

#[test]
fn members_are_listed_by_handle_bytes_with_isolation_over_the_last_14_days() {
    // Window: May. The isolation span is [May 18, Jun 1).
    let window = Window::new(at("2024-05-01T00:00:00Z"), at("2024-06-01T00:00:00Z")).unwrap();
    let messages = vec![
        message(0, "2024-05-02T09:00:00Z"), // ana: only early in the window
        message(1, "2024-05-20T09:00:00Z"), // Bo: active late, one collaborator
        message(2, "2024-05-21T09:00:00Z"), // cy: active late, two collaborators
        message(3, "2024-05-25T09:00:00Z"), // dee: active late, nobody answers
        message(3, "2024-06-02T09:00:00Z"), // after `to`: does not exist
    ];
    let data = dataset(&["ana", "Bo", "cy", "dee", "eve"], messages);
    let responses = [
        response(0, 2, "2024-05-02T10:00:00Z"), // before the span: counts for the window only
        response(1, 2, "2024-05-20T10:00:00Z"),
        response(4, 2, "2024-05-22T10:00:00Z"),
    ];
    let (rows, isolation) = members_and_isolation(&data, window, &Thresholds::design_defaults(), &responses);
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Bo", "ana", "cy", "dee", "eve"], "byte order puts upper case first");
    let by = |name: &str| rows.iter().find(|r| r.name == name).unwrap().clone();
    assert_eq!((by("ana").messages, by("ana").collaborators, by("ana").isolated), (1, 1, false));
    assert_eq!((by("Bo").collaborators, by("Bo").isolated), (1, true), "one collaborator is isolated (≤ 1)");
    assert_eq!((by("cy").collaborators, by("cy").isolated), (3, false));
    assert_eq!((by("dee").messages, by("dee").collaborators, by("dee").isolated), (1, 0, true));
    assert!(!by("eve").isolated, "not active, so not isolated");
    assert_eq!(isolation, Isolation { active: 3, isolated: 2, rate: Some(2.0 / 3.0) });
}

#[test]
fn the_isolation_span_may_start_before_the_window() {
    // A 3-day window: the 14-day span reaches back before `from`.
    let window = Window::new(at("2024-05-29T00:00:00Z"), at("2024-06-01T00:00:00Z")).unwrap();
    let data = dataset(&["ana", "bo"], vec![message(0, "2024-05-20T09:00:00Z")]);
    let responses = [response(0, 1, "2024-05-20T10:00:00Z")];
    let (rows, isolation) = members_and_isolation(&data, window, &Thresholds::design_defaults(), &responses);
    assert_eq!(rows[0].messages, 0, "messages count the window only");
    assert_eq!(rows[0].collaborators, 0, "collaborators count the window only");
    assert!(rows[0].isolated, "active in the span, one collaborator there");
    assert_eq!(isolation.active, 1);
}

#[test]
fn nobody_active_gives_no_rate() {
    let window = Window::new(at("2024-05-01T00:00:00Z"), at("2024-06-01T00:00:00Z")).unwrap();
    let data = dataset(&["ana"], Vec::new());
    let (rows, isolation) = members_and_isolation(&data, window, &Thresholds::design_defaults(), &[]);
    assert_eq!(rows.len(), 1, "every member is listed, also without activity");
    assert!(!rows[0].isolated);
    assert_eq!(isolation, Isolation { active: 0, isolated: 0, rate: None });
}

#[test]
fn a_window_at_the_start_of_time_does_not_overflow() {
    let window =
        Window::new(Timestamp::MIN, Timestamp::MIN.checked_add(SignedDuration::from_hours(1)).unwrap()).unwrap();
    let data = dataset(&["ana"], Vec::new());
    let (rows, _) = members_and_isolation(&data, window, &Thresholds::design_defaults(), &[]);
    assert_eq!(rows.len(), 1);
}

#[test]
fn a_shared_huddle_links_people_and_huddle_time_rules_out_isolation() {
    use crate::dataset::Huddle;
    // Window: the week of May 20; the isolation span [May 13, May 27) covers all of it.
    let window = Window::new(at("2024-05-20T00:00:00Z"), at("2024-05-27T00:00:00Z")).unwrap();
    let messages =
        ["ana", "bo", "cy", "dee"].iter().enumerate().map(|(idx, _)| message(idx, "2024-05-21T09:00:00Z")).collect();
    let mut data = dataset(&["ana", "bo", "cy", "dee"], messages);
    data.huddles = vec![
        // ana 10:00–11:00 and bo 10:30–11:30 overlap for half an hour: linked.
        Huddle {
            stretches: vec![
                (0, at("2024-05-22T10:00:00Z"), Some(at("2024-05-22T11:00:00Z"))),
                (1, at("2024-05-22T10:30:00Z"), Some(at("2024-05-22T11:30:00Z"))),
            ],
            decisions: vec![at("2024-05-22T10:45:00Z")],
            conversation: None,
        },
        // cy alone for 30 minutes: no one linked, but huddle time.
        Huddle {
            stretches: vec![(2, at("2024-05-23T09:00:00Z"), Some(at("2024-05-23T09:30:00Z")))],
            decisions: vec![],
            conversation: None,
        },
        // ana and dee in the same huddle but not at the same time: not linked; dee's stretch
        // (still open) starts after `to`, so it counts for nothing.
        Huddle {
            stretches: vec![
                (0, at("2024-05-24T10:00:00Z"), Some(at("2024-05-24T10:15:00Z"))),
                (3, at("2024-05-27T10:00:00Z"), None),
            ],
            decisions: vec![at("2024-05-28T10:00:00Z")],
            conversation: None,
        },
    ];
    let (rows, isolation) = members_and_isolation(&data, window, &Thresholds::design_defaults(), &[]);
    let row = |name: &str| rows.iter().find(|r| r.name == name).unwrap();
    assert_eq!((row("ana").collaborators, row("bo").collaborators), (1, 1));
    assert_eq!(row("ana").huddle_hours, 1.25);
    assert_eq!(row("bo").huddle_hours, 1.0);
    assert_eq!(row("cy").huddle_hours, 0.5);
    assert!(!row("cy").isolated, "no collaborator, but huddle time");
    assert!(row("dee").isolated, "active, nobody, no huddle time before `to`");
    assert!(!row("ana").isolated && !row("bo").isolated);
    assert_eq!((isolation.active, isolation.isolated), (4, 1));

    let mix = crate::mode_mix::mode_mix(&data, window);
    // 2.75 participant-hours over 4 members × 1 week.
    assert_eq!(mix.huddle_hours_per_member_week, Some(2.75 / 4.0));
    assert_eq!(mix.decisions.in_huddles, 1, "the decision after `to` does not count");
}
