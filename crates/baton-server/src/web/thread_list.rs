//! A list of threads, a channel's or a direct conversation's: the most recently active first,
//! each with its unread count and a flag when it bounces.

use std::collections::HashMap;

use baton_core::model::Thread;
use baton_core::ThreadId;
use baton_insights::Origin;
use baton_store::{ActivityCursor, ThreadHome};
use maud::{html, Markup};

use super::channels::unread_badge;
use super::layout::when;
use super::session::Signed;
use super::PageError;
use crate::AppState;

/// How many threads a list shows at once (the most recently active); older ones page by page.
const THREADS_SHOWN: u32 = 200;

/// A page of `home`'s threads, the most recently active first, after `after` (the last of the
/// page before), and the cursor of the next page when there is one.
pub async fn page_of(
    state: &AppState,
    signed: &Signed,
    home: ThreadHome,
    after: Option<ActivityCursor>,
) -> Result<(Vec<Thread>, Option<ActivityCursor>), PageError> {
    let mut threads = state.store.active_threads(&signed.viewer, home, after, THREADS_SHOWN + 1).await?;
    let more = threads.len() > THREADS_SHOWN as usize;
    threads.truncate(THREADS_SHOWN as usize);
    let next = if more { threads.last().map(ActivityCursor::after) } else { None };
    Ok((threads, next))
}

/// What a list flags beside each thread.
pub struct Flags {
    unread: HashMap<ThreadId, i64>,
    bouncing: HashMap<ThreadId, u32>,
}

impl Flags {
    /// The flags of `threads`, a page of `home`'s (the unread counts of those alone: a busy
    /// channel has tens of thousands).
    pub async fn of(
        state: &AppState,
        signed: &Signed,
        home: ThreadHome,
        threads: &[Thread],
    ) -> Result<Flags, PageError> {
        let ids: Vec<ThreadId> = threads.iter().map(|t| t.id).collect();
        let unread = state.store.unread_threads_among(&signed.viewer, home, &ids).await?.into_iter().collect();
        Ok(Flags { unread, bouncing: bouncing_in(state, home).await? })
    }
}

/// The threads of `home` that bounce (DESIGN's ping-pong, over the last four weeks), with their
/// handoffs: from the workspace's list, which is at most a little old (see
/// `api::insights::bouncing_threads`).
async fn bouncing_in(state: &AppState, home: ThreadHome) -> Result<HashMap<ThreadId, u32>, PageError> {
    let wanted = match home {
        ThreadHome::Channel(channel) => Origin::Channel(channel.0),
        ThreadHome::Dm(dm) => Origin::Dm(dm.0),
    };
    let all = crate::api::insights::bouncing_threads(state).await?;
    Ok(all
        .iter()
        .filter(|(_, (origin, _))| *origin == wanted)
        .map(|(thread, (_, handoffs))| (*thread, *handoffs))
        .collect())
}

/// The list's items (the `ul` is the page's, so that live updates can replace its content).
pub fn thread_list(threads: &[Thread], flags: &Flags, signed: &Signed) -> Markup {
    html! {
        @if threads.is_empty() { p.empty { "No threads yet." } }
        @for thread in threads {
            li.thread-row data-thread=(thread.id) {
                a.thread href=(format!("/t/{}", thread.id)) { (thread.shown_title()) }
                (unread_badge(flags.unread.get(&thread.id).copied().unwrap_or(0)))
                @if let Some(handoffs) = flags.bouncing.get(&thread.id) {
                    " " span.badge.bouncing title=(format!("Changed hands {handoffs} times without being resolved: consider taking it live"))
                        { "bouncing" }
                }
                " "
                @if thread.resolved { span.badge.resolved { "resolved" } } @else { span.badge.open { "open" } }
                @for tag in &thread.tags { " " span.tag { (tag) } }
                span.meta {
                    (thread.message_count) " messages"
                    @if let Some(last) = thread.last_message_at { " · last " (when(last, &signed.member, None)) }
                }
            }
        }
    }
}
