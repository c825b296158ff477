//! The rules on an in-memory transaction: no database, only what the domain reads and records.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use baton_core::calendar::WorkingHours;
use baton_core::event::Change;
use baton_core::model::{Channel, Member, Role, Visibility};
use baton_core::{ChannelId, MemberId};
use jiff::Timestamp;

use super::*;

/// A workspace held in maps: members, channels and who is in which, and every change recorded.
#[derive(Default)]
struct Memory {
    members: BTreeMap<MemberId, Member>,
    channels: BTreeMap<ChannelId, Channel>,
    in_channel: BTreeSet<(ChannelId, MemberId)>,
    recorded: Vec<(Change, Scope, Option<MemberId>)>,
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

    async fn next_id(&mut self, kind: IdKind) -> Result<i64> {
        match kind {
            IdKind::Channel => Ok(self.channels.keys().last().map_or(1, |id| id.0 + 1)),
        }
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
