use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::*;

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/slack").join(path)
}

fn context_fixture() -> (HashMap<String, String>, HashMap<String, String>, HashSet<String>) {
    let people: HashMap<String, String> = [("U1", "ana"), ("U2", "bo")].map(|(a, b)| (a.into(), b.into())).into();
    let mut names = people.clone();
    names.insert("B1".into(), "deploybot".into());
    (people, names, HashSet::from(["B1".to_string()]))
}

#[test]
fn ts_keeps_microseconds() {
    let at = parse_ts("1736478630.905399").unwrap();
    assert_eq!(at.as_microsecond(), 1_736_478_630_905_399);
    assert_eq!(parse_ts("1736478630").unwrap().as_second(), 1_736_478_630);
    assert_eq!(parse_ts("1736478630.5").unwrap().as_microsecond(), 1_736_478_630_500_000);
    assert!(parse_ts("").is_none());
    assert!(parse_ts("12a.3").is_none());
    assert!(parse_ts("-5.0").is_none());
}

#[test]
fn markup_becomes_readable_and_mentions_are_people_only() {
    let (people, names, bots) = context_fixture();
    let context = Context { people: &people, names: &names, bots: &bots };
    let (body, mentions) = readable(
        &context,
        "<@U2> and <@U1|ana> see <https://x.io/a?b=1&amp;c=2|the doc> &lt;3 <!here> <@B1> <#C9|general> <@U2>?",
    );
    assert_eq!(body, "@bo and @ana see [the doc](https://x.io/a?b=1&c=2) <3 @here deploybot #general @bo?");
    assert_eq!(mentions, vec!["bo".to_string(), "ana".to_string()]);
    let (body, mentions) = readable(&context, "<!subteam^S1|@design> unclosed <tag");
    assert_eq!(body, "@design unclosed <tag");
    assert!(mentions.is_empty());
}

fn entry(ts: &str, user: Option<&str>, text: &str, subtype: Option<&str>, thread_ts: Option<&str>) -> Entry {
    Entry {
        raw: RawMessage {
            ts: Some(ts.into()),
            user: user.map(str::to_string),
            text: Some(text.into()),
            subtype: subtype.map(str::to_string),
            thread_ts: thread_ts.map(str::to_string),
            files: Vec::new(),
            reactions: Vec::new(),
            edited: None,
        },
        ts: ts.into(),
        at: parse_ts(ts).unwrap(),
    }
}

#[test]
fn threads_timeline_and_non_messages() {
    let (people, names, bots) = context_fixture();
    let context = Context { people: &people, names: &names, bots: &bots };
    let long = "x".repeat(100);
    let entries = vec![
        entry("10.000001", Some("U1"), "hello", None, None),
        entry("11.0", Some("U2"), &long, None, Some("11.0")),
        entry("12.0", Some("U1"), "joined", Some("channel_join"), None),
        entry("13.0", Some("U1"), "reply", None, Some("11.0")),
        entry("14.0", Some("U2"), "also in channel", Some("thread_broadcast"), Some("11.0")),
        entry("15.0", Some("B1"), "deploy done", Some("bot_message"), None),
        entry("16.0", None, "This message was deleted.", Some("tombstone"), Some("16.0")),
        entry("17.0", Some("U2"), "reply to a deleted parent", None, Some("16.0")),
        entry("18.0", Some("B1"), "bot thread", None, Some("18.0")),
        entry("19.0", Some("B1"), "bot reply", None, Some("18.0")),
        entry("20.0", Some("U9"), "stranger", None, None),
    ];
    let mut conversation = Conversation {
        id: "C1".into(),
        name: "general".into(),
        kind: ConversationKind::Public,
        topic: String::new(),
        created: None,
        archived: false,
        members: Vec::new(),
        threads: Vec::new(),
        timeline: Vec::new(),
    };
    let mut skipped = BTreeMap::new();
    arrange(&context, entries, &mut conversation, &mut skipped, &mut 0);
    let timeline: Vec<&str> = conversation.timeline.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(timeline, ["hello"]);
    assert_eq!(conversation.threads.len(), 2, "the bot-only thread has no messages");
    let first = &conversation.threads[0];
    assert_eq!(first.title, "x".repeat(80));
    assert_eq!(first.messages.iter().map(|m| m.ts.as_str()).collect::<Vec<_>>(), ["11.0", "13.0", "14.0"]);
    let orphaned = &conversation.threads[1];
    assert_eq!(orphaned.title, "This message was deleted.");
    assert_eq!(orphaned.messages.len(), 1);
    assert_eq!(skipped.get("subtype channel_join"), Some(&1));
    assert_eq!(skipped.get("subtype bot_message"), Some(&1));
    assert_eq!(skipped.get("subtype tombstone"), Some(&1));
    assert_eq!(skipped.get("posted by a bot"), Some(&2));
    assert_eq!(skipped.get("user not in users.json"), Some(&1));
}

#[test]
fn slackdump_folder_and_zip_read_the_same() {
    let mut dir = ExportFiles::open(&shared("slackdump-source-export"), "users.json").unwrap();
    let mut zip = ExportFiles::open(&shared("slackdump-source-export.zip"), "users.json").unwrap();
    let from_dir = read(&mut dir).unwrap();
    let from_zip = read(&mut zip).unwrap();
    assert_eq!(from_dir.members, from_zip.members);
    assert_eq!(from_dir.message_count(), from_zip.message_count());
    // 10 users, 6 of them bots: 4 people, the deleted one included.
    assert_eq!(from_dir.members.len(), 4);
    assert_eq!(from_dir.members.iter().filter(|m| m.deleted).count(), 0);
    assert_eq!(from_dir.conversations.len(), 1);
    let channel = &from_dir.conversations[0];
    assert_eq!(channel.name, "B75B4C7");
    assert_eq!(channel.threads.len(), 3);
    // 16 entries: one channel_join and one tombstone are not messages.
    let counted = from_dir.message_count() as u64 + from_dir.skipped.values().sum::<u64>();
    assert_eq!(counted, 16);
    assert_eq!(from_dir.skipped.get("subtype channel_join"), Some(&1));
    assert_eq!(from_dir.skipped.get("subtype tombstone"), Some(&1));
}

#[test]
fn zulip_zip_reads_every_channel() {
    let mut files = ExportFiles::open(&shared("zulip-test_slack_importer.zip"), "users.json").unwrap();
    let export = read(&mut files).unwrap();
    assert_eq!(export.members.len(), 4);
    let names: Vec<&str> = export.conversations.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["general", "random"]);
    let zones: HashSet<&str> = export.members.iter().filter_map(|m| m.time_zone.as_deref()).collect();
    assert!(zones.contains("Asia/Kolkata"), "{zones:?}");
    assert_eq!(export.skipped.get("subtype channel_join"), Some(&8));
}

#[test]
fn a_broken_day_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.json"), r#"[{"id":"U1","name":"ana"}]"#).unwrap();
    std::fs::write(dir.path().join("channels.json"), r#"[{"id":"C1","name":"general"}]"#).unwrap();
    std::fs::create_dir(dir.path().join("general")).unwrap();
    std::fs::write(
        dir.path().join("general/2024-01-02.json"),
        "[\n {\"ts\": \"1.0\", \"user\": \"U1\", \"text\": \"hi\"},\n {\"ts\": \"soon\", \"user\": \"U1\"}\n]",
    )
    .unwrap();
    let mut files = ExportFiles::open(dir.path(), "users.json").unwrap();
    let err = read(&mut files).unwrap_err();
    assert!(err.file.ends_with("general/2024-01-02.json"), "{err}");
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("not a Slack ts"), "{err}");
}

#[test]
fn not_an_export_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let err = ExportFiles::open(dir.path(), "users.json").err().unwrap();
    assert!(err.message.contains("no users.json"), "{err}");
    let file = dir.path().join("x.zip");
    std::fs::write(&file, b"not a zip").unwrap();
    let err = ExportFiles::open(&file, "users.json").err().unwrap();
    assert!(err.message.contains("not a readable ZIP"), "{err}");
}

/// Issue 12: reactions and edit times were dropped.
#[test]
fn the_zulip_zip_keeps_reactions_by_people_and_edit_times() {
    let mut files = ExportFiles::open(&shared("zulip-test_slack_importer.zip"), "users.json").unwrap();
    let export = read(&mut files).unwrap();
    let general = export.conversations.iter().find(|c| c.name == "general").unwrap();
    let message = |ts: &str| general.timeline.iter().find(|m| m.ts == ts).unwrap();
    // rishiweb_0 reacted to their own message; the `+1` on a channel_join is on no message.
    assert_eq!(
        message("1516457468.000016").reactions,
        vec![Reaction { emoji: "no_mouth".into(), members: vec!["U8X25EBAB".into()] }]
    );
    let edited = message("1516468466.000125");
    assert_eq!(edited.edited_at, parse_ts("1516468486.000000"));
    assert_eq!(edited.at, parse_ts("1516468466.000125").unwrap(), "an edit does not move the message");
    let edited_or_reacted =
        general.timeline.iter().filter(|m| m.edited_at.is_some() || !m.reactions.is_empty()).count();
    assert_eq!(edited_or_reacted, 2);
    assert_eq!(export.reactions_left_out, 0);
}

#[test]
fn reactions_by_bots_strangers_and_outsiders_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let users = r#"[{"id":"U1","name":"ana"},{"id":"U2","name":"bo"},{"id":"U3","name":"cy"},
                    {"id":"B1","name":"bot","is_bot":true}]"#;
    std::fs::write(dir.path().join("users.json"), users).unwrap();
    std::fs::write(dir.path().join("channels.json"), r#"[{"id":"C1","name":"open"}]"#).unwrap();
    std::fs::write(dir.path().join("groups.json"), r#"[{"id":"G1","name":"hush","members":["U1","U2"]}]"#).unwrap();
    let day = r#"[{"ts":"10.0","user":"U1","text":"hi","edited":{"user":"U1","ts":"5.0"},
                   "reactions":[{"name":"+1","users":["U2","B1","U9","U3","U2"]},{"name":"bad name","users":["U2"]},
                                {"name":"tada","users":["B1"]}]}]"#;
    for folder in ["open", "hush"] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join("2024-01-02.json"), day).unwrap();
    }
    let export = read(&mut ExportFiles::open(dir.path(), "users.json").unwrap()).unwrap();
    let reactions = |name: &str| export.conversations.iter().find(|c| c.name == name).unwrap().timeline[0].clone();
    let open = reactions("open");
    assert_eq!(open.reactions, vec![Reaction { emoji: "+1".into(), members: vec!["U2".into(), "U3".into()] }]);
    assert_eq!(open.edited_at, parse_ts("10.0"), "an edit before the message is read as at the message");
    // In the private channel cy is not a member: only bo's reaction is kept.
    assert_eq!(reactions("hush").reactions, vec![Reaction { emoji: "+1".into(), members: vec!["U2".into()] }]);
    // Each conversation: the bot, the stranger, the bad name, the bot's tada; hush: cy too.
    assert_eq!(export.reactions_left_out, 4 + 4 + 1);
}

/// Issue 12: titles kept raw Slack markup (`_*rabbitduck*_`) where people read them.
#[test]
fn display_titles_drop_slack_markup_and_titles_keep_it() {
    let (people, names, bots) = context_fixture();
    let mut people = people;
    people.insert("U3".into(), "k._".into());
    let context = Context { people: &people, names: &names, bots: &bots };
    let cases = [
        ("_*rabbitduck*_", "rabbitduck"),
        ("*foo* _bar_ ~baz~ `qux` [md](https://chat.zulip.org)", "foo bar baz qux [md](https://chat.zulip.org)"),
        ("<@U1> please reply to <https://x.io/a|the doc>", "@ana please reply to the doc"),
        ("*<@U3>* and <https://x.io/b>", "@k._ and https://x.io/b"),
        ("snake_case_name, 2*3*4 and 5 * 6 stay", "snake_case_name, 2*3*4 and 5 * 6 stay"),
        ("an *open mark", "an *open mark"),
        ("two\n\nlines  &amp; ```code```", "two lines & code"),
    ];
    for (text, shown) in cases {
        assert_eq!(display_title(&context, text), shown, "{text:?}");
    }
    let long = format!("*{}*", "y".repeat(100));
    assert_eq!(display_title(&context, &long), "y".repeat(80));

    let mut files = ExportFiles::open(&shared("zulip-test_slack_importer.zip"), "users.json").unwrap();
    let export = read(&mut files).unwrap();
    let thread = &export.conversations[0].threads[0];
    assert_eq!(thread.title, "_*rabbitduck*_", "what reports name it by, as exported");
    assert_eq!(thread.display_title, "rabbitduck");
}
