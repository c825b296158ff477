//! The advisor's rules (DESIGN.md, "Advisor"): numbers from a report turned into suggestions,
//! each with the figures that explain it. Pure like the rest of the crate: the server turns a
//! suggestion into an action (a huddle, a nudge, a pairing) when someone accepts it.
//!
//! Rules:
//! - a bouncing thread → take it live, at the first 30-minute slot inside every participant's
//!   working hours in the 7 days after `now`; when none fits everyone, the slot that leaves the
//!   fewest outside their hours, preferring those who have borne such slots least (`burdens`),
//!   so the out-of-hours slot rotates ([`fairest_slot`]);
//! - a stalled task → nudge its assignee (or, unassigned, its thread);
//! - an isolated member → pair them with the active, non-isolated member whose working hours
//!   overlap theirs most in the coming week (ties: fewer collaborators, then handle);
//! - a question past the norm (an *awaiting answer* turn of a thread, as the report counts
//!   them) → escalate it to the others who took part in the thread.

use baton_core::calendar::Calendar;
use jiff::{SignedDuration, Timestamp};

use crate::conversations::{awaiting_answers, Awaiting};
use crate::dataset::{Dataset, MemberIdx};
use crate::overlap::{fairest_slot, overlap, slots, total};
use crate::report::Report;
use crate::tasks::{assignee_at, last_activity, stalled_tasks};
use crate::{Thresholds, Window};

/// How long a suggested live session lasts.
pub const LIVE_SESSION: SignedDuration = SignedDuration::from_mins(30);
/// How far ahead slots and overlaps are looked for.
pub const LOOK_AHEAD: SignedDuration = SignedDuration::from_hours(24 * 7);

#[derive(Debug, Clone, PartialEq)]
pub enum Advice {
    TakeLive {
        conversation: usize,
        handoffs: usize,
        span: SignedDuration,
        /// Everyone who posted in it before `to`, in order of first message.
        participants: Vec<MemberIdx>,
        slot: Option<(Timestamp, Timestamp)>,
        /// When no slot fits everyone: the participants it is outside the working hours of.
        outside: Vec<MemberIdx>,
    },
    Nudge {
        task: usize,
        assignee: Option<MemberIdx>,
        /// Working time since its last activity, in the assignee's calendar.
        idle: SignedDuration,
    },
    Escalate {
        conversation: usize,
        /// Who asked, and when their turn's last message was posted.
        asker: MemberIdx,
        asked_at: Timestamp,
        /// Working time (workspace calendar) it has waited by `to`.
        waited: SignedDuration,
        /// The others who posted in the thread before, to escalate to.
        others: Vec<MemberIdx>,
    },
    Pair {
        member: MemberIdx,
        collaborators: usize,
        /// The colleague to pair with, and their working-hours overlap over the next week.
        with: Option<(MemberIdx, SignedDuration)>,
    },
}

/// The suggestions for `report` (computed over `window` on `data`), as seen at `now`.
/// `burdens[m]` counts the booked slots that were outside member `m`'s working hours (missing:
/// none).
pub fn advise(
    data: &Dataset,
    report: &Report,
    window: Window,
    thresholds: &Thresholds,
    now: Timestamp,
    burdens: &[i64],
) -> Vec<Advice> {
    let to = window.to();
    let mut out = Vec::new();
    for thread in &report.bouncing_threads {
        let participants = participants(data, thread.conversation, to);
        let calendars: Vec<&Calendar> = participants.iter().map(|p| &data.people[*p].calendar).collect();
        let mut slot = slots(&calendars, now, LOOK_AHEAD, LIVE_SESSION, 1).into_iter().next();
        let mut outside = Vec::new();
        if slot.is_none() {
            let burden: Vec<i64> = participants.iter().map(|p| burdens.get(*p).copied().unwrap_or(0)).collect();
            let names: Vec<&str> = participants.iter().map(|p| data.people[*p].handle.as_str()).collect();
            if let Some((fair, out)) = fairest_slot(&calendars, &burden, &names, now, LOOK_AHEAD, LIVE_SESSION) {
                slot = Some(fair);
                outside = out.into_iter().map(|i| participants[i]).collect();
            }
        }
        out.push(Advice::TakeLive {
            conversation: thread.conversation,
            handoffs: thread.handoffs as usize,
            span: SignedDuration::from_secs(thread.span_s),
            participants,
            slot,
            outside,
        });
    }
    for task in stalled_tasks(data, window, thresholds) {
        let assignee = assignee_at(&data.tasks[task], to);
        let since = last_activity(data, &data.tasks[task], to);
        let idle = data.calendar_of(assignee).working_time(since, to);
        out.push(Advice::Nudge { task, assignee, idle });
    }
    out.extend(awaiting(data, window, thresholds));
    let index_of = |handle: &str| data.people.iter().position(|p| p.handle == handle);
    for row in report.members.iter().filter(|m| m.isolated) {
        let Some(member) = index_of(&row.name) else { continue };
        let mine = &data.people[member].calendar;
        let mut best: Option<(MemberIdx, SignedDuration, usize)> = None;
        for other in report.members.iter().filter(|m| !m.isolated && m.messages > 0 && m.name != row.name) {
            let Some(idx) = index_of(&other.name) else { continue };
            let Ok(until) = now.checked_add(LOOK_AHEAD) else { continue };
            let shared = total(&overlap(&[mine, &data.people[idx].calendar], now, until));
            let better = match best {
                None => true,
                Some((_, best_shared, best_collaborators)) => {
                    shared > best_shared || (shared == best_shared && other.collaborators < best_collaborators)
                }
            };
            if better {
                best = Some((idx, shared, other.collaborators));
            }
        }
        out.push(Advice::Pair {
            member,
            collaborators: row.collaborators,
            with: best.map(|(idx, shared, _)| (idx, shared)),
        });
    }
    out
}

/// Threads awaiting an answer (DESIGN's *awaiting answer*, exactly as the report counts them;
/// direct conversations and timelines are left out), with whom to escalate to.
fn awaiting(data: &Dataset, window: Window, thresholds: &Thresholds) -> Vec<Advice> {
    use crate::dataset::ConversationKind;
    let to = window.to();
    let mut out = Vec::new();
    for Awaiting { conversation, asker, asked_at, waited } in awaiting_answers(data, window, thresholds) {
        let talk = &data.conversations[conversation];
        if talk.direct || talk.kind != ConversationKind::Thread {
            continue;
        }
        let others: Vec<MemberIdx> = participants(data, conversation, to).into_iter().filter(|p| *p != asker).collect();
        // Nobody else ever took part: there is no one to escalate to (an isolation matter).
        if others.is_empty() {
            continue;
        }
        out.push(Advice::Escalate { conversation, asker, asked_at, waited, others });
    }
    out
}

/// The authors of a conversation's messages before `to`, in order of first message.
pub fn participants(data: &Dataset, conversation: usize, to: Timestamp) -> Vec<MemberIdx> {
    let mut out = Vec::new();
    for message in data.messages.iter().take_while(|m| m.at < to).filter(|m| m.conversation == conversation) {
        if !out.contains(&message.author) {
            out.push(message.author);
        }
    }
    out
}
