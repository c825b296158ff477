//! The rules on an in-memory transaction: no database, only what the domain reads and records.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use baton_core::calendar::WorkingHours;
use baton_core::event::Change;
use baton_core::model::{Channel, Member, Priority, Project, Role, Task, TaskStatus, Visibility, Workspace};
use baton_core::{ChannelId, MemberId, ProjectId, TaskId};
use jiff::Timestamp;
use serde_json::Value;

use super::*;

/// A workspace held in maps: members, channels and who is in which, and every change recorded.
#[derive(Default)]
struct Memory {
    members: BTreeMap<MemberId, Member>,
    channels: BTreeMap<ChannelId, Channel>,
    in_channel: BTreeSet<(ChannelId, MemberId)>,
    projects: BTreeMap<ProjectId, Project>,
    tasks: BTreeMap<TaskId, Task>,
    threads: i64,
    recorded: Vec<(Change, Scope, Option<MemberId>)>,
    scheduled: Vec<(String, MemberId, Timestamp, Value)>,
    notified: Vec<(MemberId, String, Value)>,
}

impl Memory {
    fn with_members(roles: &[Role]) -> Memory {
        let mut memory = Memory::default();
        for (n, role) in roles.iter().enumerate() {
            let id = MemberId(n as i64 + 1);
            memory.members.insert(
                id,
                Member {
                    id,
                    handle: format!("m{}", id.0),
                    display_name: String::new(),
                    email: None,
                    role: *role,
                    time_zone: "UTC".into(),
                    working_hours: WorkingHours::default(),
                    active: true,
                    service: false,
                    created_at: Timestamp::UNIX_EPOCH,
                },
            );
        }
        memory
    }

    fn kinds(&self) -> Vec<&str> {
        self.recorded.iter().map(|(change, _, _)| change.kind()).collect()
    }
}

#[async_trait]
impl Tx for Memory {
    fn at(&self) -> Timestamp {
        "2024-05-01T10:00:00Z".parse().unwrap()
    }

    async fn member(&mut self, id: MemberId) -> Result<Option<Member>> {
        Ok(self.members.get(&id).cloned())
    }

    async fn channel(&mut self, id: ChannelId, member: MemberId) -> Result<Option<Channel>> {
        let is_member = self.in_channel.contains(&(id, member));
        Ok(self.channels.get(&id).map(|c| Channel { is_member, ..c.clone() }))
    }

    async fn channels_named(&mut self, name: &str, member: MemberId) -> Result<Vec<Channel>> {
        let ids: Vec<ChannelId> = self.channels.values().filter(|c| c.name == name).map(|c| c.id).collect();
        let mut found = Vec::new();
        for id in ids {
            found.extend(self.channel(id, member).await?);
        }
        Ok(found)
    }

    async fn workspace(&mut self) -> Result<Option<Workspace>> {
        let created_at = Timestamp::UNIX_EPOCH;
        Ok(Some(Workspace { id: 1, name: "W".into(), time_zone: "Europe/Berlin".into(), created_at }))
    }

    async fn project(&mut self, id: ProjectId) -> Result<Option<Project>> {
        Ok(self.projects.get(&id).cloned())
    }

    async fn task(&mut self, id: TaskId) -> Result<Option<Task>> {
        Ok(self.tasks.get(&id).cloned())
    }

    async fn next_id(&mut self, kind: IdKind) -> Result<i64> {
        Ok(match kind {
            IdKind::Channel => self.channels.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Project => self.projects.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Task => self.tasks.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Thread => self.threads + 1,
        })
    }

    async fn schedule(&mut self, kind: &str, member: MemberId, at: Timestamp, payload: &Value) -> Result<i64> {
        self.scheduled.push((kind.to_string(), member, at, payload.clone()));
        Ok(self.scheduled.len() as i64)
    }

    async fn notify(&mut self, member: MemberId, why: &str, about: Value, _urgent: bool) -> Result<()> {
        self.notified.push((member, why.to_string(), about));
        Ok(())
    }

    async fn record(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()> {
        match &change {
            Change::ChannelCreated(c) | Change::ChannelUpdated(c) => {
                let shared = &c.channel;
                self.channels.insert(
                    c.channel_id,
                    Channel {
                        id: shared.id,
                        name: shared.name.clone(),
                        visibility: shared.visibility,
                        topic: shared.topic.clone(),
                        created_by: shared.created_by,
                        created_at: shared.created_at,
                        archived: shared.archived,
                        is_member: false,
                    },
                );
            }
            Change::ChannelMemberAdded(m) => {
                self.in_channel.insert((m.channel_id, m.member_id));
            }
            Change::ChannelMemberRemoved(m) => {
                self.in_channel.remove(&(m.channel_id, m.member_id));
            }
            Change::ThreadCreated(t) => self.threads = self.threads.max(t.thread_id.0),
            Change::ProjectCreated(p) | Change::ProjectUpdated(p) => {
                self.projects.insert(p.project_id, p.project.clone());
            }
            Change::TaskCreated(t) => {
                self.tasks.insert(t.task_id, t.task.clone());
            }
            Change::TaskUpdated(u) => {
                let task = self.tasks.get_mut(&u.task_id).unwrap();
                task.title = u.title.clone().unwrap_or(task.title.clone());
                task.description = u.description.clone().unwrap_or(task.description.clone());
                task.priority = u.priority.unwrap_or(task.priority);
            }
            Change::TaskAssigned(a) => self.tasks.get_mut(&a.task_id).unwrap().assignee_id = a.to,
            Change::TaskDueChanged(d) => self.tasks.get_mut(&d.task_id).unwrap().due = d.to,
            Change::TaskStatusChanged(s) => self.tasks.get_mut(&s.task_id).unwrap().status = s.to,
            _ => {}
        }
        self.recorded.push((change, scope, also_for));
        Ok(())
    }
}

const OWNER: Viewer = Viewer { member: MemberId(1), role: Role::Owner };
const ADMIN: Viewer = Viewer { member: MemberId(2), role: Role::Admin };
const ANA: Viewer = Viewer { member: MemberId(3), role: Role::Member };
const GUEST: Viewer = Viewer { member: MemberId(4), role: Role::Guest };

fn workspace() -> Memory {
    Memory::with_members(&[Role::Owner, Role::Admin, Role::Member, Role::Guest, Role::Member])
}

async fn private(tx: &mut Memory, by: &Viewer, name: &str) -> ChannelId {
    let created = channels::create(tx, by, name, Visibility::Private, "", &[]).await.unwrap();
    ChannelId(created["id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_new_channel_is_recorded_with_its_members_each_once_in_its_own_scope() {
    let mut tx = workspace();
    let members = [ANA.member, MemberId(5), ANA.member, OWNER.member];
    let answer = channels::create(&mut tx, &OWNER, "plans", Visibility::Public, "t", &members).await.unwrap();
    assert_eq!(answer["is_member"], true);
    assert_eq!(tx.kinds(), ["channel.created", "channel.member_added", "channel.member_added", "channel.member_added"]);
    assert!(tx.recorded.iter().all(|(_, scope, also)| *scope == Scope::Channel(ChannelId(1)) && also.is_none()));
}

#[tokio::test]
async fn guests_neither_create_channels_nor_are_added_by_members() {
    let mut tx = workspace();
    let refused = channels::create(&mut tx, &GUEST, "g", Visibility::Public, "", &[]).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = channels::create(&mut tx, &ANA, "c", Visibility::Public, "", &[GUEST.member]).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    channels::create(&mut tx, &ADMIN, "c", Visibility::Public, "", &[GUEST.member]).await.unwrap();
}

/// The admin is not in the private channel: to them it does not exist, by id or by name.
#[tokio::test]
async fn a_private_channel_is_hidden_from_an_admin_outside_it_even_by_its_name() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    let hidden = channels::update(&mut tx, &ADMIN, secret, &None, &Some("x".into()), None).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    let hidden = channels::add_member(&mut tx, &ADMIN, secret, ADMIN.member).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    // The name is free for whoever cannot see the channel that has it, and taken for who can.
    channels::create(&mut tx, &ADMIN, "secret", Visibility::Public, "", &[]).await.unwrap();
    let taken = private(&mut tx, &ANA, "other").await;
    let refused = channels::update(&mut tx, &ANA, taken, &Some("secret".into()), &None, None).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
}

#[tokio::test]
async fn only_its_creator_or_an_admin_renames_a_channel_or_removes_others() {
    let mut tx = workspace();
    let made =
        channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[ANA.member, MemberId(5)]).await.unwrap();
    let id = ChannelId(made["id"].as_i64().unwrap());
    let refused = channels::update(&mut tx, &ANA, id, &Some("mine".into()), &None, None).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = channels::remove_member(&mut tx, &ANA, id, MemberId(5)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    // Anyone may leave.
    channels::remove_member(&mut tx, &ANA, id, ANA.member).await.unwrap();
    let (change, scope, also) = tx.recorded.last().unwrap();
    assert_eq!((change.kind(), *scope, *also), ("channel.member_removed", Scope::Channel(id), Some(ANA.member)));
    let gone = channels::remove_member(&mut tx, &ADMIN, id, ANA.member).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    let renamed = channels::update(&mut tx, &ADMIN, id, &Some("renamed".into()), &None, Some(true)).await.unwrap();
    assert_eq!((renamed["name"].as_str(), renamed["archived"].as_bool()), (Some("renamed"), Some(true)));
}

#[tokio::test]
async fn joining_twice_records_once_and_a_guest_adds_only_themself() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[GUEST.member]).await.unwrap();
    let id = ChannelId(made["id"].as_i64().unwrap());
    let before = tx.recorded.len();
    channels::add_member(&mut tx, &ANA, id, ANA.member).await.unwrap();
    channels::add_member(&mut tx, &ANA, id, ANA.member).await.unwrap();
    assert_eq!(tx.recorded.len(), before + 1);
    let refused = channels::add_member(&mut tx, &GUEST, id, MemberId(5)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
}

fn fields<'a>(title: &'a str, assignee: Option<MemberId>, due: Option<&str>) -> tasks::TaskFields<'a> {
    tasks::TaskFields {
        title,
        description: "",
        assignee,
        status: TaskStatus::Todo,
        due: due.map(|d| d.parse().unwrap()),
        priority: Priority::Normal,
    }
}

async fn project(tx: &mut Memory) -> ProjectId {
    let made = tasks::create_project(tx, &OWNER, "Launch", "").await.unwrap();
    ProjectId(made["id"].as_i64().unwrap())
}

/// A task begins with its thread, for every member but guests; its assignee hears of it (unless
/// they made it), and a future due date schedules a reminder at the start of that day in the
/// workspace's zone.
#[tokio::test]
async fn a_new_task_has_its_thread_notifies_its_assignee_and_schedules_its_due_day() {
    let mut tx = workspace();
    let launch = project(&mut tx).await;
    let made = tasks::create_task(&mut tx, &OWNER, launch, fields("ship", Some(ANA.member), Some("2024-05-03")))
        .await
        .unwrap();
    assert_eq!(&tx.kinds()[1..], ["thread.created", "task.created"]);
    assert!(tx.recorded.iter().all(|(_, scope, _)| *scope == Scope::Internal));
    assert_eq!(made["thread_id"], 1);
    assert_eq!(tx.notified.len(), 1);
    assert_eq!((tx.notified[0].0, tx.notified[0].1.as_str()), (ANA.member, "assigned"));
    let (kind, owner, at, _) = &tx.scheduled[0];
    assert_eq!((kind.as_str(), *owner), ("due_soon", OWNER.member));
    assert_eq!(*at, "2024-05-02T22:00:00Z".parse::<Timestamp>().unwrap(), "midnight in Berlin");
    // Assigning oneself notifies nobody; a due date already begun schedules nothing.
    tasks::create_task(&mut tx, &ANA, launch, fields("mine", Some(ANA.member), Some("2024-05-01"))).await.unwrap();
    assert_eq!((tx.notified.len(), tx.scheduled.len()), (1, 1));
}

#[tokio::test]
async fn guests_neither_see_nor_make_projects_and_tasks() {
    let mut tx = workspace();
    let launch = project(&mut tx).await;
    let refused = tasks::create_project(&mut tx, &GUEST, "mine", "").await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = tasks::create_task(&mut tx, &GUEST, launch, fields("t", None, None)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let hidden = tasks::update_project(&mut tx, &GUEST, launch, &Some("x".into()), &None, None).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
}

/// An update records only what changed, each as its own event, and a refused part (an
/// inactive assignee) leaves everything unrecorded.
#[tokio::test]
async fn an_update_records_what_changed_and_nothing_when_refused() {
    let mut tx = workspace();
    let launch = project(&mut tx).await;
    let made = tasks::create_task(&mut tx, &OWNER, launch, fields("ship", None, None)).await.unwrap();
    let id = TaskId(made["id"].as_i64().unwrap());
    let before = tx.recorded.len();
    let none = None;
    let same = tasks::TaskChange {
        title: &none,
        description: &none,
        assignee: Some(None),
        status: Some(TaskStatus::Todo),
        due: Some(None),
        priority: None,
    };
    tasks::update_task(&mut tx, &ANA, id, same).await.unwrap();
    assert_eq!(tx.recorded.len(), before, "nothing changed, nothing recorded");
    tx.members.get_mut(&MemberId(5)).unwrap().active = false;
    let title = Some("ship it".to_string());
    let refused = tasks::TaskChange {
        title: &title,
        description: &none,
        assignee: Some(Some(MemberId(5))),
        status: Some(TaskStatus::InProgress),
        due: None,
        priority: None,
    };
    let gone = tasks::update_task(&mut tx, &ANA, id, refused).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    assert_eq!(tx.recorded.len(), before, "a refused update records nothing");
    let change = tasks::TaskChange {
        title: &title,
        description: &none,
        assignee: Some(Some(OWNER.member)),
        status: Some(TaskStatus::InProgress),
        due: None,
        priority: None,
    };
    let after = tasks::update_task(&mut tx, &ANA, id, change).await.unwrap();
    assert_eq!(&tx.kinds()[before..], ["task.updated", "task.assigned", "task.status_changed"]);
    assert_eq!((after["title"].as_str(), after["status"].as_str()), (Some("ship it"), Some("in_progress")));
    assert_eq!(tx.notified.last().unwrap().0, OWNER.member);
}
