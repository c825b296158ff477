//! Search against a scan: a workspace of generated messages (100,000 on SQLite and 25,000 on
//! PostgreSQL, whose writer takes four times as long; `BATON_SEARCH_SAMPLE` sets another size
//! for both) in a public and a private channel, a direct
//! conversation and its thread, some edited and some deleted, is searched by every kind of
//! viewer with words, phrases, prefixes and filters. Each backend's index must return exactly
//! what `Query::matches` finds by reading every message the viewer may read.

use std::collections::BTreeSet;

use baton_core::model::{Role, Visibility};
use baton_core::search::{Kind, Query};
use baton_core::text::MessageText;
use baton_core::{MemberId, MessageId, ThreadId};
use baton_store::{Command, Envelope, MessageTarget, Search, SearchOrder, SqlStore, Store, Viewer};
use jiff::Timestamp;

use crate::{member, Scratch};

/// A small, fixed random source: the sample is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed toward small numbers, as word frequencies are.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        self.below(a + 1)
    }
}

/// Words: syllables joined, some with an accent, so that prefixes and phrases find a few, many
/// or none.
fn vocabulary() -> Vec<String> {
    let syllables = ["ka", "lo", "mi", "re", "tu", "san", "vel", "dor", "pé", "qua", "zen", "bri"];
    let mut words = Vec::new();
    for a in syllables {
        for b in syllables {
            words.push(format!("{a}{b}"));
            for c in ["", "n", "ta"] {
                if !c.is_empty() {
                    words.push(format!("{a}{b}{c}"));
                }
            }
        }
    }
    words
}

/// Where a message went, and who may read it there.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    Public,
    Private,
    DmTimeline,
    DmThread,
}

struct Posted {
    id: MessageId,
    place: Place,
    author: usize,
    at: Timestamp,
    body: String,
    deleted: bool,
}

fn sample_size(database: &baton_store::Database) -> usize {
    let default = match database {
        baton_store::Database::Sqlite(_) => 100_000,
        baton_store::Database::Postgres(_) => 25_000,
    };
    std::env::var("BATON_SEARCH_SAMPLE").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

async fn searches_find_what_a_scan_finds(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let start = Timestamp::from_second(1_767_225_600).unwrap(); // 2026-01-01T00:00:00Z
    let at = |n: usize| start + jiff::SignedDuration::from_secs(n as i64 * 17);
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: member("owner", Role::Owner) };
    store.execute(Envelope::system(at(0), setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut people = vec![owner];
    for (handle, role) in [("ana", Role::Member), ("bo", Role::Member), ("gus", Role::Guest)] {
        let added = Command::AddMember { member: member(handle, role), invite: None };
        let added = store.execute(Envelope::new(owner, at(0), added)).await.unwrap().to_json();
        people.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role });
    }
    let (ana, bo) = (people[1], people[2]);
    let channel = |name: &str, visibility, members| Command::CreateChannel {
        name: name.into(),
        visibility,
        topic: String::new(),
        members,
    };
    let run = |who: Viewer, command: Command| {
        let store = &store;
        async move { store.execute(Envelope::new(who, at(0), command)).await.unwrap() }
    };
    let public = run(owner, channel("town", Visibility::Public, vec![ana.member])).await.into_channel().unwrap().id;
    let private = run(owner, channel("vault", Visibility::Private, vec![bo.member])).await.into_channel().unwrap().id;
    let thread = |home: baton_core::ChannelId| Command::CreateThread {
        home: home.into(),
        title: "talk".into(),
        tags: vec![],
        body: None,
    };
    let public_thread = run(owner, thread(public)).await.into_thread().unwrap().id;
    let private_thread = run(owner, thread(private)).await.into_thread().unwrap().id;
    let dm = run(ana, Command::OpenDm { members: vec![bo.member], export_name: None }).await.into_dm().unwrap().id;
    let opener = Command::PostMessage {
        target: MessageTarget::Dm(dm),
        text: MessageText::new("opening the conversation".into()),
        urgent: false,
    };
    let opener = run(ana, opener).await.into_message().unwrap();
    let reply = Command::Reply {
        message: opener.id,
        text: MessageText::new("a reply starts the thread".into()),
        urgent: false,
    };
    let reply = run(bo, reply).await.into_message().unwrap();
    let dm_thread: ThreadId = reply.thread_id.unwrap();
    let mut posted = vec![
        Posted {
            id: opener.id,
            place: Place::DmTimeline,
            author: 1,
            at: at(0),
            body: "opening the conversation".into(),
            deleted: false,
        },
        Posted {
            id: reply.id,
            place: Place::DmThread,
            author: 2,
            at: at(0),
            body: "a reply starts the thread".into(),
            deleted: false,
        },
    ];

    // The sample, posted in batches through the writer.
    let words = vocabulary();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seps = [" ", " ", " ", " ", ", ", ". ", " - ", "'", "! ", "\n"];
    let n = sample_size(&scratch.database);
    let mut batch = Vec::new();
    let mut pending = Vec::new();
    for i in 0..n {
        let length = 3 + rng.below(12);
        let mut body = String::new();
        for w in 0..length {
            if w > 0 {
                body.push_str(seps[rng.below(seps.len())]);
            }
            let word = &words[rng.skewed(words.len())];
            if rng.below(10) == 0 {
                body.push_str(&word.to_uppercase());
            } else {
                body.push_str(word);
            }
        }
        let (place, author, target) = match rng.below(10) {
            0..=4 => (Place::Public, [0, 1][rng.below(2)], MessageTarget::Thread(public_thread)),
            5..=6 => (Place::Private, [0, 2][rng.below(2)], MessageTarget::Thread(private_thread)),
            7..=8 => (Place::DmTimeline, [1, 2][rng.below(2)], MessageTarget::Dm(dm)),
            _ => (Place::DmThread, [1, 2][rng.below(2)], MessageTarget::Thread(dm_thread)),
        };
        let text = MessageText::new(body.clone());
        batch.push(Envelope::new(people[author], at(i + 1), Command::PostMessage { target, text, urgent: false }));
        pending.push((place, author, at(i + 1), body));
        if batch.len() == 1_000 || i + 1 == n {
            let answers = store.execute_many(std::mem::take(&mut batch)).await;
            for (answer, (place, author, at, body)) in answers.into_iter().zip(pending.drain(..)) {
                let id = answer.unwrap().into_message().unwrap().id;
                posted.push(Posted { id, place, author, at, body, deleted: false });
            }
        }
    }
    // Every 97th message deleted, every 89th edited to something else.
    for (i, message) in posted.iter_mut().enumerate().skip(2) {
        let author = people[message.author];
        if i % 97 == 0 {
            run(author, Command::DeleteMessage { id: message.id }).await;
            message.deleted = true;
        } else if i % 89 == 0 {
            message.body = format!("edited {} qualiber", message.body);
            run(author, Command::EditMessage { id: message.id, text: MessageText::new(message.body.clone()) }).await;
        }
    }

    // The queries: words common and rare, phrases and prefixes lifted from messages, filters.
    let mut queries: Vec<String> = vec![
        "qualiber".into(),
        "kaka".into(),
        "KAKA lolo".into(),
        "\"kaka lolo\"".into(),
        "ka*".into(),
        "péd*".into(),
        "briza*".into(),
        "qualiber from:@ana".into(),
        "from:@bo is:dm".into(),
        "kaka in:#town".into(),
        "kaka in:#vault".into(),
        "lolo is:thread".into(),
        "lolo is:dm".into(),
        "mimi after:2026-01-10 before:2026-01-12".into(),
        "on:2026-01-05 from:me".into(),
        "opening".into(),
        "reply".into(),
        "nothingatall".into(),
    ];
    for _ in 0..30 {
        let message = &posted[1 + rng.below(posted.len() - 1)];
        let tokens = baton_core::search::words(&message.body);
        let from = rng.below(tokens.len().max(2) - 1);
        match rng.below(3) {
            0 => queries.push(tokens[from].clone()),
            1 if from + 1 < tokens.len() => queries.push(format!("\"{} {}\"", tokens[from], tokens[from + 1])),
            _ => queries.push(format!("{}*", &tokens[from].chars().take(4).collect::<String>())),
        }
    }

    for (who, viewer) in people.iter().enumerate() {
        let may_read = |place: Place| match place {
            Place::Public => who != 3, // everyone but the guest, who is not in the channel
            Place::Private => who == 0 || who == 2,
            Place::DmTimeline | Place::DmThread => who == 1 || who == 2,
        };
        for text in &queries {
            let query = Query::parse(text).unwrap();
            let period = query.period(&jiff::tz::TimeZone::UTC);
            let expected: Vec<MessageId> = posted
                .iter()
                .rev()
                .filter(|m| !m.deleted && may_read(m.place) && query.matches(&m.body))
                .filter(|m| {
                    query.channels.iter().all(|c| match c.as_str() {
                        "town" => m.place == Place::Public,
                        "vault" => m.place == Place::Private,
                        _ => false,
                    })
                })
                .filter(|m| {
                    query.authors.iter().all(|a| {
                        let handle = ["owner", "ana", "bo", "gus"][m.author];
                        a == handle || (a == "me" && m.author == who)
                    })
                })
                .filter(|m| match query.kind {
                    Some(Kind::Thread) => m.place != Place::DmTimeline,
                    Some(Kind::Dm) => matches!(m.place, Place::DmTimeline | Place::DmThread),
                    None => true,
                })
                .filter(|m| {
                    period.from.is_none_or(|from| m.at >= from) && period.until.is_none_or(|until| m.at < until)
                })
                .map(|m| m.id)
                .take(Search::MAX_LIMIT as usize)
                .collect();
            let newest = Search { query: query.clone(), period, order: SearchOrder::Newest, limit: Search::MAX_LIMIT };
            let found: Vec<MessageId> =
                store.search(viewer, &newest).await.unwrap().into_iter().map(|m| m.id).collect();
            assert_eq!(found, expected, "{text:?} as viewer {who}, newest first");
            if expected.len() < Search::MAX_LIMIT as usize {
                let ranked = Search { order: SearchOrder::Relevance, ..newest };
                let ranked: BTreeSet<MessageId> =
                    store.search(viewer, &ranked).await.unwrap().into_iter().map(|m| m.id).collect();
                assert_eq!(ranked, expected.iter().copied().collect(), "{text:?} as viewer {who}, by relevance");
            }
        }
    }
}
crate::on_both_backends!(searches_find_what_a_scan_finds);

/// Ranking: a message holding the word three times comes before one holding it once, even
/// when the latter is newer; a phrase is found in its order only; a deleted message is gone at
/// once.
async fn ranking_phrases_and_deletion(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let at = Timestamp::from_second(1_767_225_600).unwrap();
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: member("owner", Role::Owner) };
    store.execute(Envelope::system(at, setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let run = |command: Command| {
        let store = &store;
        async move { store.execute(Envelope::new(owner, at, command)).await.unwrap() }
    };
    let channel = Command::CreateChannel {
        name: "general".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = run(channel).await.into_channel().unwrap().id;
    let thread = Command::CreateThread { home: channel.into(), title: "t".into(), tags: vec![], body: None };
    let thread = run(thread).await.into_thread().unwrap().id;
    let mut ids = Vec::new();
    for body in [
        "pelican pelican pelican ranking probe",
        "pelican gazebos cabinet ranking probe",
        "the violet heron lantern glows",
        "the heron violet lantern glows",
        "tamarind chutney",
    ] {
        let post = Command::PostMessage {
            target: MessageTarget::Thread(thread),
            text: MessageText::new(body.into()),
            urgent: false,
        };
        ids.push(run(post).await.into_message().unwrap().id);
    }
    let search = |text: &str| {
        let store = &store;
        let search = Search::parse(text, &jiff::tz::TimeZone::UTC, 50).unwrap();
        async move { store.search(&owner, &search).await.unwrap().into_iter().map(|m| m.id).collect::<Vec<_>>() }
    };
    assert_eq!(search("pelican").await, vec![ids[0], ids[1]], "three occurrences rank above one, newer");
    assert_eq!(search("\"violet heron\"").await, vec![ids[2]]);
    assert_eq!(search("tamarind").await, vec![ids[4]]);
    run(Command::DeleteMessage { id: ids[4] }).await;
    assert!(search("tamarind").await.is_empty(), "a deleted message leaves the index at once");
    run(Command::EditMessage { id: ids[3], text: MessageText::new("now about quinces".into()) }).await;
    assert!(search("heron").await == vec![ids[2]], "an edit replaces the words found");
    assert_eq!(search("quinces").await, vec![ids[3]]);
    // Relevance ranks the newest 2,000 matches the viewer may read: a better match older than
    // those is not scored, so that a common word costs the same at any size.
    let post = |body: &str| Command::PostMessage {
        target: MessageTarget::Thread(thread),
        text: MessageText::new(body.into()),
        urgent: false,
    };
    let best = run(post("marmot marmot marmot")).await.into_message().unwrap().id;
    let envelopes = (0..1_999).map(|_| Envelope::new(owner, at, post("marmot once"))).collect();
    assert!(store.execute_many(envelopes).await.iter().all(Result::is_ok));
    assert_eq!(search("marmot").await.first(), Some(&best), "among the newest 2,000, it ranks first");
    assert!(store.execute(Envelope::new(owner, at, post("marmot again"))).await.is_ok());
    let found = search("marmot").await;
    assert_eq!(found.len(), 50);
    assert!(!found.contains(&best), "the 2,001st newest match is not ranked");
}
crate::on_both_backends!(ranking_phrases_and_deletion);
