//! `baton import slack`: a Slack export (ZIP or folder) into a data directory. The whole export
//! is read and checked first, so a malformed file stops the import before anything is
//! written; every write then carries an idempotency key made of Slack's own ids, so importing
//! the same export again changes nothing and an interrupted import resumes where it stopped.
//! Reactions and edit times come after the messages they belong to; neither moves a message's
//! time nor any number of a report.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use baton_core::calendar::{parse_time_zone, WorkingHours};
use baton_core::model::{Role, Visibility};
use baton_core::text::{render_markdown, MessageText};
use baton_core::{ChannelId, DmId, MemberId, ThreadId};
use baton_import::export_files::ExportFiles;
use baton_import::slack::{self, Conversation, ConversationKind, Export};
use baton_store::{Answer, Command, Envelope, MessageTarget, NewMember, SqlStore, Store, ThreadHome, Viewer};
use futures_util::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;

use super::summary::Summary;
use super::{count, in_export_terms, Differs};
use crate::workspace::Place;

const SOURCE: &str = "slack";

/// Messages handed to the store at once: the writer commits them in groups, which is what
/// makes a large export import in minutes rather than hours.
const CHUNK: usize = 2048;

/// Threads begun, or runs of messages posted, at once. Each waits for its own commit; many at
/// once fill the writer's groups.
const IN_FLIGHT: usize = 64;

pub(crate) async fn run(path: PathBuf, place: Place) -> anyhow::Result<()> {
    let mut files = ExportFiles::open(&path, "users.json").map_err(|d| anyhow!("{d}"))?;
    let export = slack::read(&mut files).map_err(|d| anyhow!("{d} (nothing was imported)"))?;
    for warning in &export.warnings {
        eprintln!("warning: {warning}");
    }
    let store = place.open().await?;
    let head_before = store.head().await?;
    let owner = super::ensure_workspace(&store, SOURCE).await?;
    Writer::new(&store, owner, &export).await?.write().await?;
    let changed = store.head().await? != head_before;
    summary(&export).print(&store, owner, &path.display().to_string(), &place, changed).await
}

/// What the export holds, for the import's last words.
fn summary(export: &Export) -> Summary {
    let messages = || {
        export.conversations.iter().flat_map(|c| c.timeline.iter().chain(c.threads.iter().flat_map(|t| &t.messages)))
    };
    let n_edited = messages().filter(|m| m.edited_at.is_some()).count() as u64;
    let n_reactions: usize = messages().flat_map(|m| &m.reactions).map(|r| r.members.len()).sum();
    let mut n_messages = count(export.message_count() as u64, "message", "messages");
    if n_edited > 0 {
        n_messages.push_str(&format!(" ({n_edited} edited)"));
    }
    let mut counts = vec![
        count(export.members.len() as u64, "member", "members"),
        count(export.conversations.len() as u64, "conversation", "conversations"),
        n_messages,
    ];
    if n_reactions > 0 {
        counts.push(count(n_reactions as u64, "reaction", "reactions"));
    }
    let mut notes = Vec::new();
    let n_skipped: u64 = export.skipped.values().sum();
    if n_skipped > 0 {
        let reasons: Vec<String> = export.skipped.iter().map(|(why, n)| format!("{why}: {n}")).collect();
        let entries = count(n_skipped, "entry was not a message", "entries were not messages");
        notes.push(format!("{entries} ({})", reasons.join(", ")));
    }
    if export.reactions_left_out > 0 {
        notes.push(format!(
            "{} out: given by a bot, by a user not in users.json or outside a private conversation, or with a name \
             Baton cannot keep",
            count(export.reactions_left_out, "reaction was left", "reactions were left"),
        ));
    }
    let times = messages().map(|m| m.at);
    Summary { counts, notes, first: times.clone().min(), last: times.max() }
}

struct Writer<'a> {
    store: &'a SqlStore,
    owner: Viewer,
    export: &'a Export,
    workspace_zone: String,
    /// Slack user id → member.
    members: HashMap<&'a str, MemberId>,
    /// The earliest instant in the export: when members join and conversations without a
    /// `created` begin.
    start: Timestamp,
    progress: ProgressBar,
}

impl<'a> Writer<'a> {
    async fn new(store: &'a SqlStore, owner: Viewer, export: &'a Export) -> anyhow::Result<Writer<'a>> {
        let workspace_zone = store.workspace().await?.map_or_else(|| "UTC".into(), |w| w.time_zone);
        let start = export
            .conversations
            .iter()
            .flat_map(|c| c.created.into_iter().chain(c.timeline.first().map(|m| m.at)))
            .chain(
                export
                    .conversations
                    .iter()
                    .flat_map(|c| c.threads.iter().filter_map(|t| t.messages.first()))
                    .map(|m| m.at),
            )
            .min()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let progress = ProgressBar::new(export.message_count() as u64).with_message("messages");
        progress.set_style(
            ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Ok(Writer { store, owner, export, workspace_zone, members: HashMap::new(), start, progress })
    }

    fn envelope(&self, viewer: Viewer, at: Timestamp, key: String, command: Command) -> Envelope {
        let mut envelope = Envelope::new(viewer, at, command).with_idempotency_key(Some(format!("{SOURCE}:{key}")));
        envelope.source = SOURCE.into();
        envelope
    }

    async fn execute(&self, viewer: Viewer, at: Timestamp, key: String, command: Command) -> anyhow::Result<Answer> {
        Ok(self.store.execute(self.envelope(viewer, at, key, command)).await?)
    }

    async fn write(mut self) -> anyhow::Result<()> {
        self.members().await?;
        for conversation in &self.export.conversations {
            self.conversation(conversation).await.map_err(|err| match err.downcast_ref::<Differs>() {
                Some(_) => err.context(format!(
                    "conversation {:?} was imported into this data directory before, from an export that \
                     differs from this one; Baton imports a conversation's history once and does not update \
                     it, so import this export into a new data directory",
                    conversation.name
                )),
                None => err.context(format!("conversation {:?} could not be imported", conversation.name)),
            })?;
        }
        // Last, because archived channels take no messages and deactivated members post none.
        for conversation in self.export.conversations.iter().filter(|c| c.archived) {
            if let Some(channel) = self.channel_of(conversation).await? {
                let archive = Command::UpdateChannel { id: channel, name: None, topic: None, archived: Some(true) };
                self.execute(self.owner, self.start, format!("archive:{}", conversation.id), archive).await?;
            }
        }
        for member in self.export.members.iter().filter(|m| m.deleted) {
            let id = self.members[member.id.as_str()];
            let deactivate = Command::UpdateMember {
                id,
                display_name: None,
                time_zone: None,
                working_hours: None,
                role: None,
                active: Some(false),
            };
            self.execute(self.owner, self.start, format!("deactivate:{}", member.id), deactivate).await?;
        }
        self.progress.finish_and_clear();
        Ok(())
    }

    /// Every person, matched by handle or e-mail to a member the workspace has, else added.
    async fn members(&mut self) -> anyhow::Result<()> {
        let known = self.store.members(&self.owner).await?;
        let by_handle: HashMap<&str, MemberId> = known.iter().map(|m| (m.handle.as_str(), m.id)).collect();
        let by_email: HashMap<&str, MemberId> =
            known.iter().filter_map(|m| m.email.as_deref().map(|e| (e, m.id))).collect();
        for member in &self.export.members {
            let found = by_handle
                .get(member.handle.as_str())
                .or_else(|| member.email.as_deref().and_then(|e| by_email.get(e)))
                .copied();
            let id = match found {
                Some(id) => id,
                None => {
                    let zone = match member.time_zone.as_deref() {
                        Some(zone) if parse_time_zone(zone).is_ok() => zone.to_string(),
                        Some(zone) => {
                            eprintln!(
                                "warning: {} has the unknown time zone {zone:?}; using the workspace's",
                                member.handle
                            );
                            self.workspace_zone.clone()
                        }
                        None => self.workspace_zone.clone(),
                    };
                    let new = NewMember {
                        handle: member.handle.clone(),
                        email: member.email.clone().unwrap_or_else(|| format!("{}@slack.invalid", member.id)),
                        display_name: member.display_name.clone(),
                        role: if member.admin { Role::Admin } else { Role::Member },
                        time_zone: zone,
                        working_hours: WorkingHours::default(),
                        password_hash: None,
                        service: false,
                    };
                    let command = Command::AddMember { member: new, invite: None };
                    let added = self
                        .execute(self.owner, self.start, format!("member:{}", member.id), command)
                        .await
                        .with_context(|| format!("member {:?} could not be added", member.handle))?;
                    added.into_member_added()?.member.id
                }
            };
            self.members.insert(member.id.as_str(), id);
        }
        Ok(())
    }

    fn member_ids(&self, conversation: &Conversation) -> Vec<MemberId> {
        conversation.members.iter().filter_map(|m| self.members.get(m.as_str()).copied()).collect()
    }

    /// The Baton channel of a Slack channel: made on the first import, found by name when the
    /// workspace already has a channel of that name.
    async fn channel_of(&self, conversation: &Conversation) -> anyhow::Result<Option<ChannelId>> {
        let visibility = match conversation.kind {
            ConversationKind::Public => Visibility::Public,
            ConversationKind::Private => Visibility::Private,
            ConversationKind::Direct | ConversationKind::Group => return Ok(None),
        };
        let command = Command::CreateChannel {
            name: conversation.name.clone(),
            visibility,
            topic: conversation.topic.clone(),
            members: self.member_ids(conversation),
        };
        let at = conversation.created.unwrap_or(self.start);
        let created = self.execute(self.owner, at, format!("channel:{}", conversation.id), command).await;
        let created = created
            .map_err(|err| in_export_terms(err, || "the channel had other members or another topic then".to_string()));
        match created {
            Ok(created) => Ok(Some(ChannelId(created.id().context("the store answered without a channel id")?))),
            Err(err) if is_conflict(&err) => {
                let existing =
                    self.store.channels(&self.owner).await?.into_iter().find(|c| c.name == conversation.name);
                match existing {
                    Some(existing) if existing.visibility == visibility => {
                        for member in self.member_ids(conversation) {
                            let add = Command::AddChannelMember { channel: existing.id, member };
                            let key = format!("channel:{}:member:{member}", conversation.id);
                            self.execute(self.owner, at, key, add).await?;
                        }
                        Ok(Some(existing.id))
                    }
                    // The name belongs to a channel more (or fewer) people may read, or to one the
                    // importer cannot see: the history goes to a channel of its own rather than
                    // pour a private conversation into a public one.
                    _ => self.renamed_channel(conversation, visibility, at).await.map(Some),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// A channel of the export's visibility under a name nobody has: `NAME-private` (or
    /// `NAME-public`), then with a number.
    async fn renamed_channel(
        &self,
        conversation: &Conversation,
        visibility: Visibility,
        at: Timestamp,
    ) -> anyhow::Result<ChannelId> {
        let base: String = conversation.name.chars().take(64).collect();
        for n in 1..=20 {
            let mut name = format!("{base}-{}", visibility.as_str());
            if n > 1 {
                name.push_str(&format!("-{n}"));
            }
            let command = Command::CreateChannel {
                name: name.clone(),
                visibility,
                topic: conversation.topic.clone(),
                members: self.member_ids(conversation),
            };
            // A key per name tried, so that importing again lands on the same one.
            let key = format!("channel:{}:as:{name}", conversation.id);
            match self.execute(self.owner, at, key, command).await {
                Ok(created) => {
                    eprintln!(
                        "warning: a channel named #{} already exists here with other readers; the {} Slack channel \
                         is imported as #{name}",
                        conversation.name,
                        visibility.as_str()
                    );
                    return Ok(ChannelId(created.id().context("the store answered without a channel id")?));
                }
                Err(err) if is_conflict(&err) => continue,
                Err(err) => return Err(err),
            }
        }
        bail!("no free name for the channel {:?} (tried {base}-{} and 19 more)", conversation.name, visibility.as_str())
    }

    async fn conversation(&self, conversation: &Conversation) -> anyhow::Result<()> {
        let people = self.member_ids(conversation);
        let Some(opener) = people.first().copied() else {
            if conversation.timeline.is_empty() && conversation.threads.is_empty() {
                return Ok(());
            }
            bail!("it has messages but no member who is a person");
        };
        let at = conversation.created.unwrap_or(self.start);
        // Where each run of messages is posted, and the thread they are then filed into.
        let mut batches: Vec<(MessageTarget, Option<ThreadId>, &[slack::Message])> = Vec::new();
        match self.channel_of(conversation).await? {
            Some(channel) => {
                let home = ThreadHome::Channel(channel);
                if !conversation.timeline.is_empty() {
                    let timeline = self
                        .execute(
                            self.owner,
                            at,
                            format!("timeline:{}", conversation.id),
                            Command::OpenTimeline { channel },
                        )
                        .await?;
                    batches.push((MessageTarget::Thread(thread_id(&timeline)?), None, &conversation.timeline));
                }
                let created = self.threads(self.owner, conversation, home).await?;
                for (thread, created) in conversation.threads.iter().zip(created) {
                    batches.push((MessageTarget::Thread(created), None, &thread.messages));
                }
            }
            None => {
                // A direct conversation has a timeline and threads, as a channel does; it keeps
                // its name in the export (a DM's id, an mpim's name) for reports.
                let others: Vec<MemberId> = people.iter().copied().filter(|m| *m != opener).collect();
                let members = if others.is_empty() { vec![opener] } else { others };
                let viewer = Viewer { member: opener, role: Role::Member };
                let open = Command::OpenDm { members, export_name: Some(conversation.name.clone()) };
                // Not `dm:`, the key of the unnamed opening an earlier version recorded: a new
                // key names a conversation that import opened.
                let opened = self.execute(viewer, at, format!("conversation:{}", conversation.id), open).await?;
                let dm = DmId(opened.id().context("the store answered without a conversation id")?);
                batches.push((MessageTarget::Dm(dm), None, &conversation.timeline));
                // A thread's messages are posted as an earlier version posted them, into the
                // timeline (the same request under the same key, so a data directory it
                // imported accepts them again), then filed into their thread, as the first reply
                // to a message files it in Baton.
                let created = self.threads(viewer, conversation, ThreadHome::Dm(dm)).await?;
                for (thread, created) in conversation.threads.iter().zip(created) {
                    batches.push((MessageTarget::Dm(dm), Some(created), &thread.messages));
                }
            }
        }
        // Each run of messages in order, many runs at once: the writer commits what they queue
        // together, where one at a time would wait for a durable commit per thread.
        futures_util::stream::iter(batches)
            .map(|(target, file_into, messages)| async move {
                for chunk in messages.chunks(CHUNK) {
                    self.messages(conversation, target, file_into, chunk).await?;
                }
                anyhow::Ok(())
            })
            .buffer_unordered(IN_FLIGHT)
            .try_collect::<()>()
            .await
    }

    /// The Baton threads of a conversation's Slack threads, in their order, begun together.
    async fn threads(
        &self,
        viewer: Viewer,
        conversation: &Conversation,
        home: ThreadHome,
    ) -> anyhow::Result<Vec<ThreadId>> {
        futures_util::stream::iter(&conversation.threads)
            .map(|thread| self.thread(viewer, conversation, home, thread))
            .buffered(IN_FLIGHT)
            .try_collect()
            .await
    }

    /// The Baton thread of a Slack thread, begun when its parent was posted.
    async fn thread(
        &self,
        viewer: Viewer,
        conversation: &Conversation,
        home: ThreadHome,
        thread: &slack::Thread,
    ) -> anyhow::Result<ThreadId> {
        let at = conversation.created.unwrap_or(self.start);
        let first = thread.messages.first().map_or(at, |m| m.at);
        let started = slack::parse_ts(&thread.ts).map_or(first, |parent| parent.min(first));
        let create = Command::CreateThread { home, title: thread.title.clone(), tags: Vec::new(), body: None };
        let key = format!("thread:{}:{}", conversation.id, thread.ts);
        let created = self.execute(viewer, started, key, create).await.map_err(|err| {
            in_export_terms(err, || {
                format!("the thread of {} had another title then (its first message was edited?)", thread.ts)
            })
        })?;
        let id = thread_id(&created)?;
        // The title stays as exported, for reports (DESIGN.md); people read it without markup.
        if thread.display_title != thread.title {
            let shown = Command::SetDisplayTitle { thread: id, display_title: thread.display_title.clone() };
            let key = format!("display-title:{}:{}", conversation.id, thread.ts);
            self.execute(self.owner, started, key, shown).await?;
        }
        Ok(id)
    }

    async fn messages(
        &self,
        conversation: &Conversation,
        target: MessageTarget,
        file_into: Option<ThreadId>,
        messages: &[slack::Message],
    ) -> anyhow::Result<()> {
        let envelopes = messages
            .iter()
            .map(|message| {
                let author = self.members[message.author.as_str()];
                let text = MessageText {
                    body: message.body.clone(),
                    html: render_markdown(&message.body),
                    mentioned_handles: message.mentions.clone(),
                };
                let command = Command::PostMessage { target, text, urgent: false };
                let key = format!("message:{}:{}", conversation.id, message.ts);
                self.envelope(Viewer { member: author, role: Role::Member }, message.at, key, command)
            })
            .collect();
        let answers = self.store.execute_many(envelopes).await;
        let mut misplaced = Vec::new();
        // Reactions and edits, once the messages are where they belong.
        let mut afterwards = Vec::new();
        for (message, answer) in messages.iter().zip(answers) {
            let answer = answer.map_err(|err| {
                match in_export_terms(err, || {
                    format!(
                        "message {} ({}) had another text or author then (edited or deleted since?)",
                        message.ts, message.at
                    )
                }) {
                    err if err.is::<Differs>() => err,
                    err => err.context(format!("message {} could not be imported", message.ts)),
                }
            })?;
            let answer = answer.into_message()?;
            let id = answer.id;
            let author = Viewer { member: self.members[message.author.as_str()], role: Role::Member };
            if let Some(edited_at) = message.edited_at {
                let key = format!("edited:{}:{}", conversation.id, message.ts);
                afterwards.push(self.envelope(author, edited_at, key, Command::MarkEdited { message: id }));
            }
            for reaction in &message.reactions {
                for member in &reaction.members {
                    let by = Viewer { member: self.members[member.as_str()], role: Role::Member };
                    // The export does not say when: no earlier than the message.
                    let key = format!("reaction:{}:{}:{}", conversation.id, message.ts, reaction.emoji);
                    let react = Command::AddReaction { message: id, emoji: reaction.emoji.clone() };
                    afterwards.push(self.envelope(by, message.at, key, react));
                }
            }
            if let Some(thread) = file_into {
                if answer.thread_id != Some(thread) {
                    let key = format!("move:{}:{}", conversation.id, message.ts);
                    // Its author takes part in the conversation, which lets them arrange it.
                    misplaced.push(self.envelope(
                        author,
                        message.at,
                        key,
                        Command::MoveToThread { message: id, thread },
                    ));
                }
            }
        }
        for answer in self.store.execute_many(misplaced).await {
            answer.context("a message could not be moved into its thread")?;
        }
        for answer in self.store.execute_many(afterwards).await {
            answer.context("a reaction or an edit could not be imported")?;
        }
        self.progress.inc(messages.len() as u64);
        Ok(())
    }
}

fn thread_id(answer: &Answer) -> anyhow::Result<ThreadId> {
    Ok(ThreadId(answer.id().context("the store answered without a thread id")?))
}

fn is_conflict(err: &anyhow::Error) -> bool {
    matches!(err.downcast_ref::<baton_store::Error>(), Some(baton_store::Error::Conflict { .. }))
}
