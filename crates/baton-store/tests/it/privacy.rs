//! One privacy policy, held by every read: random workspaces (public and private channels, direct
//! conversations and their threads, guests, admins outside a channel, members removed) are built
//! through commands, and for every viewer each read surface is checked against the policy as
//! written here, independently of the store:
//!
//! - a public channel is readable by every member but guests; a private one by its members
//!   (admins are no exception);
//! - a direct conversation, its timeline and its threads, by its people only;
//! - every message carries a token naming where it is, so a leak is a token out of place.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use baton_core::model::{Role, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, MemberId, Seq, ThreadId};
use baton_store::{Command, Envelope, MessageTarget, Page, SqlStore, Store, Viewer};
use proptest::prelude::*;

use crate::{member, Scratch};

/// A workspace to build: everyone's role (the first is the owner), channels with their
/// visibility and members, direct conversations, and removals from private channels.
#[derive(Debug, Clone)]
struct Plan {
    roles: Vec<Role>,
    channels: Vec<(bool, BTreeSet<usize>)>,
    dms: Vec<BTreeSet<usize>>,
    /// `(channel, member)`: removed after everything was posted.
    removals: Vec<(usize, usize)>,
}

fn plan() -> impl Strategy<Value = Plan> {
    let role = prop_oneof![Just(Role::Admin), Just(Role::Member), Just(Role::Member), Just(Role::Guest)];
    (proptest::collection::vec(role, 2..6)).prop_flat_map(|others| {
        let mut roles = vec![Role::Owner];
        roles.extend(others);
        let n = roles.len();
        let people = proptest::collection::btree_set(0..n, 0..n);
        let channels = proptest::collection::vec((any::<bool>(), people), 1..4);
        let dms = proptest::collection::vec(proptest::collection::btree_set(0..n, 2..4.min(n + 1)), 0..3);
        let removals = proptest::collection::vec((0..3usize, 0..n), 0..3);
        (Just(roles), channels, dms, removals).prop_map(|(roles, channels, dms, removals)| Plan {
            roles,
            channels,
            dms,
            removals,
        })
    })
}

/// What was built: who is who, and where each token went.
struct Built {
    viewers: Vec<Viewer>,
    /// Channel → (private, members after removals, thread).
    channels: Vec<(bool, BTreeSet<usize>, ChannelId, ThreadId)>,
    /// Direct conversation → (people, id, the thread a reply started).
    dms: Vec<(BTreeSet<usize>, DmId, ThreadId)>,
}

async fn build(store: &SqlStore, plan: &Plan) -> Built {
    let at = |n: i64| jiff::Timestamp::from_second(1_700_000_000 + n).unwrap();
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: member("m0", Role::Owner) };
    store.execute(Envelope::system(at(0), setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut viewers = vec![owner];
    for (idx, role) in plan.roles.iter().enumerate().skip(1) {
        let added = Command::AddMember { member: member(&format!("m{idx}"), *role), invite: None };
        let added = store.execute(Envelope::new(owner, at(1), added)).await.unwrap().to_json();
        viewers.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role: *role });
    }
    let run = |who: Viewer, n: i64, command: Command| async move {
        store.execute(Envelope::new(who, at(n), command)).await.unwrap()
    };
    let mut channels = Vec::new();
    for (idx, (private, people)) in plan.channels.iter().enumerate() {
        // The owner creates each channel and adds its people (guests too: the owner is an admin).
        let members: Vec<MemberId> = people.iter().filter(|p| **p != 0).map(|p| viewers[*p].member).collect();
        let create = Command::CreateChannel {
            name: format!("c{idx}"),
            visibility: if *private { Visibility::Private } else { Visibility::Public },
            topic: String::new(),
            members,
        };
        let channel = run(owner, 2, create).await.into_channel().unwrap().id;
        let thread = Command::CreateThread {
            home: channel.into(),
            title: format!("topic tok-c{idx}"),
            tags: vec![],
            body: Some(MessageText::new(format!("in tok-c{idx}"))),
        };
        let thread = run(owner, 3, thread).await.into_thread().unwrap().id;
        let mut readers: BTreeSet<usize> = people.clone();
        readers.insert(0);
        channels.push((*private, readers, channel, thread));
    }
    let mut dms = Vec::new();
    for (idx, people) in plan.dms.iter().enumerate() {
        let mut people: Vec<usize> = people.iter().copied().collect();
        let opener = people.remove(0);
        let others: Vec<MemberId> = people.iter().map(|p| viewers[*p].member).collect();
        let dm = run(viewers[opener], 4, Command::OpenDm { members: others, export_name: None }).await;
        let dm = dm.into_dm().unwrap().id;
        let post = Command::PostMessage {
            target: MessageTarget::Dm(dm),
            text: MessageText::new(format!("dm tok-d{idx} timeline")),
            urgent: false,
        };
        let first = run(viewers[opener], 5, post).await.into_message().unwrap().id;
        let post = Command::PostMessage {
            target: MessageTarget::Dm(dm),
            text: MessageText::new(format!("dm tok-d{idx} aside")),
            urgent: false,
        };
        run(viewers[opener], 6, post).await;
        let reply =
            Command::Reply { message: first, text: MessageText::new(format!("dm tok-d{idx} reply")), urgent: false };
        let replier = people.first().copied().unwrap_or(opener);
        let thread = run(viewers[replier], 7, reply).await.into_message().unwrap().thread_id.unwrap();
        let mut all: BTreeSet<usize> = people.into_iter().collect();
        all.insert(opener);
        dms.push((all, dm, thread));
    }
    for (channel, who) in &plan.removals {
        let Some((private, readers, id, _)) = channels.get_mut(*channel) else { continue };
        if *private && *who != 0 && readers.remove(who) {
            let remove = Command::RemoveChannelMember { channel: *id, member: viewers[*who].member };
            run(owner, 8, remove).await;
        }
    }
    Built { viewers, channels, dms }
}

/// The policy, as written in the module's docs.
fn may_read_channel(role: Role, private: bool, readers: &BTreeSet<usize>, who: usize) -> bool {
    if private {
        readers.contains(&who)
    } else {
        role != Role::Guest || readers.contains(&who)
    }
}

async fn check(scratch: &Scratch, plan: Plan) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let built = build(&store, &plan).await;
    let store: Arc<dyn Store> = Arc::new(store);
    for (who, viewer) in built.viewers.iter().enumerate() {
        let label = format!("viewer m{who} ({:?}) in {plan:?}", viewer.role);
        let mut readable: BTreeMap<String, bool> = BTreeMap::new();
        let mut channels = BTreeSet::new();
        for (idx, (private, readers, channel, thread)) in built.channels.iter().enumerate() {
            let may = may_read_channel(viewer.role, *private, readers, who);
            readable.insert(format!("tok-c{idx}"), may);
            if may {
                channels.insert(*channel);
            }
            assert_eq!(store.channel(viewer, *channel).await.is_ok(), may, "channel c{idx}: {label}");
            assert_eq!(store.thread(viewer, *thread).await.is_ok(), may, "thread of c{idx}: {label}");
            assert_eq!(store.thread_messages(viewer, *thread, Page::default()).await.is_ok(), may, "{label}");
        }
        let mut dms = BTreeSet::new();
        for (idx, (people, dm, thread)) in built.dms.iter().enumerate() {
            let may = people.contains(&who);
            readable.insert(format!("tok-d{idx}"), may);
            if may {
                dms.insert(*dm);
            }
            assert_eq!(store.dm(viewer, *dm).await.is_ok(), may, "dm d{idx}: {label}");
            assert_eq!(store.dm_threads(viewer, *dm, Page::default()).await.is_ok(), may, "dm d{idx}: {label}");
            assert_eq!(store.thread(viewer, *thread).await.is_ok(), may, "thread of d{idx}: {label}");
        }
        let listed: BTreeSet<ChannelId> = store.channels(viewer).await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(listed, channels, "channels listed: {label}");
        let listed: BTreeSet<DmId> = store.dms(viewer).await.unwrap().into_iter().map(|d| d.id).collect();
        assert_eq!(listed, dms, "direct conversations listed: {label}");
        let access = store.access(viewer).await.unwrap();
        assert_eq!(access.channels.iter().copied().collect::<BTreeSet<_>>(), channels, "access: {label}");
        assert_eq!(access.dms.iter().copied().collect::<BTreeSet<_>>(), dms, "access: {label}");
        // The log and search: each token shows exactly where it may.
        let events: String = store
            .events(viewer, Seq(0), 10_000)
            .await
            .unwrap()
            .iter()
            .map(|e| String::from_utf8_lossy(&e.json).into_owned())
            .collect();
        let found: String = store
            .search(viewer, &baton_store::Search::parse("tok", &jiff::tz::TimeZone::UTC, 1000).unwrap())
            .await
            .unwrap()
            .iter()
            .map(|m| m.body.clone())
            .collect::<Vec<_>>()
            .join("\n");
        for (token, may) in &readable {
            assert_eq!(events.contains(token.as_str()), *may, "{token} in the events: {label}");
            assert_eq!(found.contains(token.as_str()), *may, "{token} in search: {label}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_read_agrees_with_the_policy(plan in plan()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(check(&Scratch::sqlite(), plan));
    }
}

proptest! {
    // Fewer cases: each one creates a PostgreSQL database.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn every_read_agrees_with_the_policy_on_postgres(plan in plan()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            if let Some(scratch) = Scratch::postgres().await {
                check(&scratch, plan).await;
                scratch.remove().await;
            }
        });
    }
}
