//! The sidebar beside the conversation pages, as chat tools have it: the channels the viewer
//! may read and their direct conversations, each with its unread count and a mark for an unread
//! mention, the open one marked `aria-current`. Also its live parts: the counts alone as JSON
//! (`/sidebar/counts`), which the page's script puts in place when a message arrives, and the
//! whole list (`/sidebar`), fetched again only when a channel or conversation appears, is renamed
//! or goes.
//!
//! It is rendered on every page that has it, so it reads little: the viewer's channels, their
//! conversations and the kept unread counts (`Store::unread`, no counting of messages); mentions
//! come from the unread notifications the session already read for the navigation's inbox
//! count, each place resolved to its conversation and the viewer's read mark there by a read of
//! a row or two (at most [`MENTIONED_PLACES`] places).

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use baton_core::model::{Channel, Dm, Visibility};
use baton_core::{ChannelId, DmId, MemberId, MessageId};
use baton_store::MessageTarget;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use super::session::Signed;
use super::PageError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/sidebar", get(fragment)).route("/sidebar/counts", get(counts_json))
}

/// At most this many channels are listed; beyond it, those the viewer is in, those with unread
/// messages and the open one (a link leads to all of them).
const SHOWN_CHANNELS: usize = 60;
/// At most this many direct conversations, the most recently active first, and any beyond them
/// with unread messages or open.
const SHOWN_DMS: usize = 20;
/// At most this many threads or timelines with unread mentions are looked up (their
/// conversation and the viewer's read mark there: two reads of a row each at most).
const MENTIONED_PLACES: usize = 8;

/// The conversation a page shows: the sidebar marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Current {
    /// A page that is no conversation (the inbox, search, the channel list).
    Nothing,
    /// The channel's own page.
    Channel(ChannelId),
    /// A page inside the channel (one of its threads, its timeline).
    InChannel(ChannelId),
    Dm(DmId),
    InDm(DmId),
}

impl Current {
    /// The sidebar's key of the marked conversation (`c12`, `d4`), and whether the page is its
    /// own (`page`) or one inside it (`true`), as `aria-current` says.
    fn marked(self) -> Option<(String, &'static str)> {
        match self {
            Current::Nothing => None,
            Current::Channel(id) => Some((format!("c{id}"), "page")),
            Current::InChannel(id) => Some((format!("c{id}"), "true")),
            Current::Dm(id) => Some((format!("d{id}"), "page")),
            Current::InDm(id) => Some((format!("d{id}"), "true")),
        }
    }
}

/// Unread messages and unread mentions in one conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub unread: i64,
    pub mentions: i64,
}

/// The viewer's counts, where above zero: what the sidebar shows beside each conversation.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub channels: HashMap<ChannelId, Count>,
    pub dms: HashMap<DmId, Count>,
    /// Unread notifications, as the navigation counts them (up to its cap).
    pub inbox: usize,
}

impl Counts {
    fn channel(&self, id: ChannelId) -> Count {
        self.channels.get(&id).copied().unwrap_or_default()
    }

    fn dm(&self, id: DmId) -> Count {
        self.dms.get(&id).copied().unwrap_or_default()
    }
}

/// The kept unread counts (one read), with the viewer's unread mentions that are still unread
/// where they are: above the viewer's read mark there (a mention read in its thread counts no
/// more, even while its notification waits in the inbox).
pub async fn counts(state: &AppState, signed: &Signed) -> Result<Counts, PageError> {
    let unread = state.store.unread(&signed.viewer).await?;
    let mut counts = Counts {
        channels: unread.channels.into_iter().map(|(id, unread)| (id, Count { unread, mentions: 0 })).collect(),
        dms: unread.dms.into_iter().map(|(id, unread)| (id, Count { unread, mentions: 0 })).collect(),
        inbox: signed.inbox_unread,
    };
    // Each place with a mention: its conversation and the viewer's read mark there.
    let mut places: BTreeMap<MessageTarget, Option<(Home, Option<MessageId>)>> = BTreeMap::new();
    for mentioned in &signed.mentions {
        let place = match places.get(&mentioned.place) {
            Some(place) => *place,
            None if places.len() >= MENTIONED_PLACES => continue,
            None => {
                let place = mentioned_place(state, signed, mentioned.place).await?;
                places.insert(mentioned.place, place);
                place
            }
        };
        let Some((home, mark)) = place else { continue };
        if mark.is_some_and(|mark| mark >= mentioned.message) {
            continue;
        }
        let count = match home {
            Home::Channel(channel) => counts.channels.get_mut(&channel),
            Home::Dm(dm) => counts.dms.get_mut(&dm),
        };
        if let Some(count) = count {
            count.mentions += 1;
        }
    }
    Ok(counts)
}

/// The conversation a mention's thread or timeline belongs to, and the viewer's read mark there;
/// none for a place the viewer can no longer read (or a task's thread).
async fn mentioned_place(
    state: &AppState,
    signed: &Signed,
    place: MessageTarget,
) -> Result<Option<(Home, Option<MessageId>)>, PageError> {
    let home = match place {
        MessageTarget::Dm(dm) => Home::Dm(dm),
        MessageTarget::Thread(thread) => match state.store.thread(&signed.viewer, thread).await {
            Ok(found) => match (found.channel_id, found.dm_id) {
                (Some(channel), _) => Home::Channel(channel),
                (None, Some(dm)) => Home::Dm(dm),
                (None, None) => return Ok(None),
            },
            Err(baton_store::Error::NotFound { .. }) => return Ok(None),
            Err(other) => return Err(other.into()),
        },
    };
    match state.store.read_mark(&signed.viewer, place).await {
        Ok(mark) => Ok(Some((home, mark))),
        Err(baton_store::Error::NotFound { .. }) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Clone, Copy)]
enum Home {
    Channel(ChannelId),
    Dm(DmId),
}

/// The sidebar of one page, read and rendered.
pub struct Sidebar {
    pub markup: Markup,
    /// The log's head, read before the counts: the page's stream starts there, so whatever
    /// changes a count after it reaches the page.
    pub since: i64,
}

/// What the sidebar shows, read once: a page that lists the same (the channel list) takes it
/// from here rather than reading it again.
pub struct Reads {
    pub counts: Counts,
    /// Every channel the viewer may see, archived ones included.
    pub channels: Vec<Channel>,
    /// The viewer's direct conversations, the most recently active first.
    pub dms: Vec<Dm>,
}

impl Reads {
    /// Reads the counts, the channels and the conversations.
    pub async fn read(state: &AppState, signed: &Signed) -> Result<Reads, PageError> {
        // Three reads that need nothing of each other: on PostgreSQL their round trips overlap.
        let (counts, channels, dms) = tokio::try_join!(
            counts(state, signed),
            async { Ok::<_, PageError>(state.store.channels(&signed.viewer).await?) },
            async { Ok::<_, PageError>(state.store.dms(&signed.viewer).await?) },
        )?;
        Ok(Reads { counts, channels, dms })
    }

    /// The sidebar with `current` marked, on a page whose stream starts at `since` (the head,
    /// read before these reads).
    pub fn sidebar(&self, signed: &Signed, current: Current, since: i64) -> Sidebar {
        Sidebar { markup: nav(&self.channels, &self.dms, &self.counts, current, signed.member.id), since }
    }
}

/// Reads and renders the sidebar for `current`; `since`: the page's own head, when it read one
/// (then it is not read again).
pub async fn load(
    state: &AppState,
    signed: &Signed,
    current: Current,
    since: Option<i64>,
) -> Result<Sidebar, PageError> {
    let since = match since {
        Some(since) => since,
        None => state.store.head().await?.0,
    };
    Ok(Reads::read(state, signed).await?.sidebar(signed, current, since))
}

/// Which of `channels` (in name order) the sidebar lists, and whether that is all of them.
fn shown_channels<'c>(channels: &'c [Channel], counts: &Counts, current: Current) -> (Vec<&'c Channel>, bool) {
    let open = |c: &Channel| matches!(current, Current::Channel(id) | Current::InChannel(id) if id == c.id);
    let mut listed: Vec<&Channel> = channels.iter().filter(|c| !c.archived || open(c)).collect();
    listed.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.0.cmp(&b.id.0)));
    if listed.len() <= SHOWN_CHANNELS {
        return (listed, true);
    }
    // Too many to list: first what the viewer is likely to want, then the rest in name order.
    let wanted = |c: &Channel| open(c) || c.is_member || counts.channel(c.id).unread > 0;
    let mut keep: HashSet<ChannelId> = listed.iter().filter(|c| wanted(c)).map(|c| c.id).take(SHOWN_CHANNELS).collect();
    for channel in &listed {
        if keep.len() >= SHOWN_CHANNELS {
            break;
        }
        keep.insert(channel.id);
    }
    if let Some(open) = listed.iter().find(|c| open(c)) {
        keep.insert(open.id);
    }
    (listed.into_iter().filter(|c| keep.contains(&c.id)).collect(), false)
}

/// Which of `dms` (the most recently active first) the sidebar lists, and whether that is all.
fn shown_dms<'d>(dms: &'d [Dm], counts: &Counts, current: Current) -> (Vec<&'d Dm>, bool) {
    let open = |d: &Dm| matches!(current, Current::Dm(id) | Current::InDm(id) if id == d.id);
    let shown: Vec<&Dm> = dms
        .iter()
        .enumerate()
        .filter(|(i, d)| *i < SHOWN_DMS || open(d) || counts.dm(d.id).unread > 0)
        .map(|(_, d)| d)
        .collect();
    let all = shown.len() == dms.len();
    (shown, all)
}

/// How the sidebar names a direct conversation: its other people's handles (from the handles
/// the conversation carries, so no member is read), or "Notes to self".
pub fn dm_label(dm: &Dm, me: MemberId) -> String {
    let others: Vec<String> = dm
        .member_ids
        .iter()
        .zip(dm.name.split(','))
        .filter(|(id, _)| **id != me)
        .map(|(_, handle)| format!("@{handle}"))
        .collect();
    if others.is_empty() {
        "Notes to self".into()
    } else {
        others.join(", ")
    }
}

/// The badges after a conversation's name: its unread count (99+ past 99) and `@` when an
/// unread mention of the viewer is there. `app.js` writes the same markup when counts change.
fn badges(count: Count) -> Markup {
    html! {
        span.side-badges {
            @if count.mentions > 0 {
                span.mention-mark aria-hidden="true" { "@" }
            }
            @if count.unread > 0 {
                span.unread-count aria-hidden="true" { @if count.unread > 99 { "99+" } @else { (count.unread) } }
            }
            @if count.unread > 0 || count.mentions > 0 {
                span.visually-hidden { (spoken(count)) }
            }
        }
    }
}

/// What a screen reader says after the name: ", 3 unread, mentions you".
fn spoken(count: Count) -> String {
    let mut words = String::new();
    if count.unread > 0 {
        words.push_str(&format!(", {} unread", count.unread));
    }
    if count.mentions > 0 {
        words.push_str(", mentions you");
    }
    words
}

/// The help line under the sidebar: its keyboard shortcuts (README, "Layout and keyboard").
pub const SHORTCUTS: &str = "Alt+↑/↓: previous or next conversation. Alt+Shift+↑/↓: the next with unread messages. \
     Ctrl+Enter (⌘+Enter): send.";

fn nav(channels: &[Channel], dms: &[Dm], counts: &Counts, current: Current, me: MemberId) -> Markup {
    let marked = current.marked();
    let aria_current = |key: &str| marked.as_ref().filter(|(k, _)| k == key).map(|(_, how)| *how);
    let (channels, all_channels) = shown_channels(channels, counts, current);
    let (dms, all_dms) = shown_dms(dms, counts, current);
    let with_unread = channels.iter().filter(|c| counts.channel(c.id).unread > 0).count()
        + dms.iter().filter(|d| counts.dm(d.id).unread > 0).count();
    html! {
        details #sidebar .sidebar {
            summary {
                "Conversations"
                span.side-total {
                    @if with_unread > 0 { " · " (with_unread) " with unread" }
                }
            }
            nav #side-nav aria-label="Conversations" {
                h2.side-head #side-channels-h { a href="/" { "Channels" } }
                ul.side-list #side-channels aria-labelledby="side-channels-h" {
                    @for channel in &channels {
                        @let key = format!("c{}", channel.id);
                        @let name = html! {
                            span.side-name { "#" (channel.name) }
                            @if channel.visibility == Visibility::Private { span.side-private title="Private channel" { " 🔒" } }
                        };
                        (item(&format!("/c/{}", channel.id), &key, counts.channel(channel.id), aria_current(&key), name))
                    }
                    @if channels.is_empty() { li.side-empty { "No channels yet" } }
                }
                @if !all_channels { p.side-more { a href="/" { "All channels" } } }
                h2.side-head #side-dms-h { a href="/dms" { "Direct" } }
                ul.side-list #side-dms aria-labelledby="side-dms-h" {
                    @for dm in &dms {
                        @let key = format!("d{}", dm.id);
                        (item(&format!("/dms/{}", dm.id), &key, counts.dm(dm.id), aria_current(&key), html! { span.side-name { (dm_label(dm, me)) } }))
                    }
                    @if dms.is_empty() { li.side-empty { a href="/dms" { "Start a conversation" } } }
                }
                @if !all_dms { p.side-more { a href="/dms" { "All conversations" } } }
                p.side-keys #side-keys { (SHORTCUTS) }
            }
        }
    }
}

/// One conversation of the sidebar: its link (`key` is what the script finds it by), its
/// `label` and its badges.
fn item(href: &str, key: &str, count: Count, current: Option<&str>, label: Markup) -> Markup {
    html! {
        li {
            a.side-link href=(href) data-conv=(key) data-unread=(count.unread) aria-current=[current] {
                (label)
                (badges(count))
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FragmentQuery {
    /// The conversation the page shows (`c12`, `d4`); its own page or one inside it (`in`).
    current: String,
    within: bool,
}

impl FragmentQuery {
    fn current(&self) -> Current {
        let id = |prefix: char| self.current.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok());
        match (id('c'), id('d'), self.within) {
            (Some(c), _, false) => Current::Channel(ChannelId(c)),
            (Some(c), _, true) => Current::InChannel(ChannelId(c)),
            (_, Some(d), false) => Current::Dm(DmId(d)),
            (_, Some(d), true) => Current::InDm(DmId(d)),
            _ => Current::Nothing,
        }
    }
}

/// The whole sidebar again (a channel or conversation appeared, changed or went).
async fn fragment(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<FragmentQuery>,
) -> Result<Response, PageError> {
    let reads = Reads::read(&state, &signed).await?;
    Ok(nav(&reads.channels, &reads.dms, &reads.counts, query.current(), signed.member.id).into_response())
}

/// The counts alone, for the page's live updates: `{"channels": {"12": {"unread": 3,
/// "mentions": 1}}, "dms": {…}, "inbox": 5}`, only what is above zero.
async fn counts_json(State(state): State<AppState>, signed: Signed) -> Result<Response, PageError> {
    let counts = counts(&state, &signed).await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], Json(counts)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dm(id: i64, members: &[(i64, &str)]) -> Dm {
        Dm {
            id: DmId(id),
            member_ids: members.iter().map(|(m, _)| MemberId(*m)).collect(),
            name: members.iter().map(|(_, h)| *h).collect::<Vec<_>>().join(","),
            export_name: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            last_message_at: None,
        }
    }

    #[test]
    fn a_conversation_is_named_by_its_other_people() {
        assert_eq!(dm_label(&dm(1, &[(1, "ana"), (2, "bo")]), MemberId(1)), "@bo");
        assert_eq!(dm_label(&dm(1, &[(1, "ana"), (2, "bo"), (3, "cy")]), MemberId(2)), "@ana, @cy");
        assert_eq!(dm_label(&dm(1, &[(1, "ana")]), MemberId(1)), "Notes to self");
    }

    #[test]
    fn the_fragment_query_names_the_open_conversation() {
        let query = |current: &str, within| FragmentQuery { current: current.into(), within };
        assert_eq!(query("c12", false).current(), Current::Channel(ChannelId(12)));
        assert_eq!(query("c12", true).current(), Current::InChannel(ChannelId(12)));
        assert_eq!(query("d4", false).current(), Current::Dm(DmId(4)));
        assert_eq!(query("d4", true).current(), Current::InDm(DmId(4)));
        assert_eq!(query("x", false).current(), Current::Nothing);
        assert_eq!(query("", false).current(), Current::Nothing);
    }

    #[test]
    fn many_conversations_keep_the_open_one_and_the_unread_ones() {
        let dms: Vec<Dm> = (0..40).map(|i| dm(i, &[(1, "ana"), (i + 2, "x")])).collect();
        let mut counts = Counts::default();
        counts.dms.insert(DmId(35), Count { unread: 2, mentions: 0 });
        let (shown, all) = shown_dms(&dms, &counts, Current::InDm(DmId(30)));
        assert!(!all);
        let ids: Vec<i64> = shown.iter().map(|d| d.id.0).collect();
        assert_eq!(ids.len(), SHOWN_DMS + 2);
        assert!(ids.contains(&30) && ids.contains(&35));
    }
}
