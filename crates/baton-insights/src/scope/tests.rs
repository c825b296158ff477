//! A workspace of two channels, a direct conversation and a project whose tasks have threads;
//! each scope must keep exactly the conversations and tasks its reading names.

use baton_core::calendar::Calendar;
use baton_core::model::TaskStatus;

use super::*;
use crate::dataset::{Conversation, ConversationKind, Message, Person, Task, TaskChange};
use crate::{report, Window};

fn at(instant: &str) -> Timestamp {
    instant.parse().unwrap()
}

fn conversation(channel: &str, direct: bool) -> Conversation {
    Conversation {
        kind: if direct { ConversationKind::Timeline } else { ConversationKind::Thread },
        channel: channel.to_owned(),
        title: format!("in {channel}"),
        direct,
        channel_id: None,
        resolutions: Vec::new(),
        norm: None,
    }
}

fn message(id: i64, conversation: usize, author: MemberIdx, instant: &str) -> Message {
    Message { id, conversation, author, at: at(instant), mentions_other: false, ends_with_question: false }
}

fn task(id: i64, project: &str, assignee: Option<MemberIdx>, conversation: usize) -> Task {
    Task {
        id,
        project: project.to_owned(),
        project_id: None,
        title: format!("task {id}"),
        created_at: at("2024-03-04T09:00:00Z"),
        status: TaskStatus::Todo,
        assignee,
        due: None,
        changes: Vec::new(),
        conversation: Some(conversation),
    }
}

/// Conversations: 0 #general (ana, bo), 1 #random (bo), 2 a DM (ana, bo), 3 task 1's thread
/// (project "Launch", assigned to bo then to ana), 4 task 2's thread ("Ops", cy). A task's
/// thread carries its project's name, as event_log makes it.
fn workspace() -> Dataset {
    let person = |handle: &str| Person { handle: handle.to_owned(), calendar: Calendar::utc_default() };
    let mut first = task(1, "Launch", Some(1), 3);
    first.changes.push((at("2024-03-06T09:00:00Z"), TaskChange::Assigned(Some(0))));
    let mut data = Dataset {
        workspace_calendar: Calendar::utc_default(),
        people: vec![person("ana"), person("bo"), person("cy")],
        conversations: vec![
            conversation("general", false),
            conversation("random", false),
            conversation("ana,bo", true),
            conversation("Launch", false),
            conversation("Ops", false),
        ],
        messages: vec![
            message(1, 0, 0, "2024-03-04T10:00:00Z"),
            message(2, 0, 1, "2024-03-04T11:00:00Z"),
            message(3, 1, 1, "2024-03-04T12:00:00Z"),
            message(4, 2, 0, "2024-03-05T10:00:00Z"),
            message(5, 2, 1, "2024-03-05T11:00:00Z"),
            message(6, 3, 1, "2024-03-05T12:00:00Z"),
            message(7, 4, 2, "2024-03-05T13:00:00Z"),
            // After `to`: a report ending on 2024-03-08 does not see it.
            message(8, 1, 0, "2024-03-09T10:00:00Z"),
        ]
        .into(),
        tasks: vec![first, task(2, "Ops", Some(2), 4)],
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    };
    data.sort_messages();
    data
}

const TO: &str = "2024-03-08T00:00:00Z";

fn kept(scope: &Scope) -> (Vec<usize>, Vec<i64>) {
    let narrowed = scope.narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap();
    (narrowed.origin, narrowed.data.tasks.iter().map(|t| t.id).collect())
}

fn scope(channel: Option<&str>, project: Option<&str>, member: Option<&str>) -> Scope {
    Scope {
        channel: channel.map(str::to_owned),
        channel_ids: None,
        project: project.map(str::to_owned),
        member: member.map(str::to_owned),
    }
}

#[test]
fn everything_keeps_everything() {
    assert!(Scope::default().is_everything());
    assert_eq!(kept(&Scope::default()), (vec![0, 1, 2, 3, 4], vec![1, 2]));
}

#[test]
fn a_channel_keeps_its_conversations_and_no_tasks() {
    assert_eq!(kept(&scope(Some("general"), None, None)), (vec![0], vec![]));
    // A task's thread carries the project's name but is not a channel's.
    assert_eq!(
        scope(Some("Launch"), None, None).narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap_err(),
        ScopeError::Channel("Launch".into())
    );
    // A direct conversation is not a channel either.
    assert!(scope(Some("ana,bo"), None, None).narrow(&std::sync::Arc::new(workspace()), at(TO)).is_err());
}

#[test]
fn a_project_keeps_its_tasks_and_their_threads() {
    assert_eq!(kept(&scope(None, Some("Launch"), None)), (vec![3], vec![1]));
    assert_eq!(kept(&scope(Some("random"), Some("Ops"), None)), (vec![1, 4], vec![2]), "both: the union");
    assert_eq!(
        scope(None, Some("Nope"), None).narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap_err(),
        ScopeError::Project("Nope".into())
    );
}

#[test]
fn a_member_keeps_where_they_posted_before_to_and_their_tasks_at_to() {
    // ana posted in #general and the DM (her #random message is after `to`); task 1 is hers
    // at `to` (reassigned on Wednesday), so its thread stays though she never posted there.
    assert_eq!(kept(&scope(None, None, Some("ana"))), (vec![0, 2, 3], vec![1]));
    // bo: #general, #random, the DM, task 1's thread (he posted there); no task at `to`.
    assert_eq!(kept(&scope(None, None, Some("bo"))), (vec![0, 1, 2, 3], vec![]));
    assert_eq!(kept(&scope(Some("general"), None, Some("cy"))), (vec![], vec![]));
    let narrowed = scope(None, None, Some("cy")).narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap();
    assert_eq!(narrowed.member, Some(2));
    assert_eq!(
        scope(None, None, Some("zed")).narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap_err(),
        ScopeError::Member("zed".into())
    );
}

#[test]
fn a_narrowed_report_counts_only_its_part() {
    let window = Window::new(at("2024-03-04T00:00:00Z"), at(TO)).unwrap();
    let whole = report(&workspace(), window, &crate::Thresholds::design_defaults());
    assert_eq!(whole.messages.count, 7);
    let general = scope(Some("general"), None, None).narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap();
    let part = report(&general.data, window, &crate::Thresholds::design_defaults());
    assert_eq!(part.messages.count, 2);
    assert_eq!(part.messages.responses, 1);
    assert_eq!(part.tasks.created, 0);
    let launch = scope(None, Some("Launch"), None).narrow(&std::sync::Arc::new(workspace()), at(TO)).unwrap();
    let part = report(&launch.data, window, &crate::Thresholds::design_defaults());
    assert_eq!((part.messages.count, part.tasks.created, part.tasks.open), (1, 1, 1));
}

#[test]
fn huddles_and_thread_decisions_go_with_their_threads() {
    let mut data = workspace();
    let stretch = |who: MemberIdx| (who, at("2024-03-05T09:00:00Z"), Some(at("2024-03-05T09:30:00Z")));
    data.huddles = vec![
        Huddle {
            stretches: vec![stretch(0), stretch(1)],
            decisions: vec![at("2024-03-05T09:10:00Z")],
            conversation: Some(1),
        },
        Huddle { stretches: vec![stretch(2)], decisions: Vec::new(), conversation: Some(4) },
    ];
    data.thread_decisions = vec![(0, at("2024-03-05T10:00:00Z")), (4, at("2024-03-05T11:00:00Z"))];
    let to = at(TO);
    let data = std::sync::Arc::new(data);
    // No filter: everything, as it is.
    let all = Scope::default().narrow(&data, to).unwrap().data;
    assert_eq!(all.huddles.len(), 2);
    assert_eq!(all.thread_decisions.len(), 2);
    // #random keeps its huddle (renumbered to #random's new place) and no thread decision.
    let random = Scope { channel: Some("random".into()), ..Scope::default() }.narrow(&data, to).unwrap();
    assert_eq!(random.data.huddles.len(), 1);
    let kept = random.data.huddles[0].conversation.unwrap();
    assert_eq!(random.origin[kept], 1);
    assert!(random.data.thread_decisions.is_empty());
    // The "Ops" project keeps the huddle and the decision on its task's thread.
    let ops = Scope { project: Some("Ops".into()), ..Scope::default() }.narrow(&data, to).unwrap();
    assert_eq!(ops.data.huddles.len(), 1);
    assert_eq!(ops.origin[ops.data.huddles[0].conversation.unwrap()], 4);
    assert_eq!(ops.data.thread_decisions.len(), 1);
    let mix = crate::mode_mix::mode_mix(&ops.data, Window::new(at("2024-03-04T00:00:00Z"), to).unwrap());
    assert_eq!(mix.decisions.in_huddles, 0);
    assert_eq!(mix.decisions.in_threads, 1);
}
