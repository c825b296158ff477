//! A huddle's page: while it runs, the forms that change it; once it ended, its record with the
//! summary and the tasks its action items became.

use std::collections::HashMap;

use baton_core::model::{Huddle, HuddleItem, Member, Thread};
use baton_core::MemberId;
use jiff::Timestamp;
use maud::{html, Markup};

use super::super::layout::{csrf_field, when};
use super::super::session::Signed;
use super::start_form;

/// What the page shows: the huddle, its thread, and the people it names.
pub(super) struct Shown<'a> {
    pub(super) huddle: &'a Huddle,
    pub(super) thread: &'a Thread,
    pub(super) people: &'a HashMap<MemberId, Member>,
    pub(super) choices: &'a super::StartChoices,
    /// The page's time: whether a huddle set up for a slot is open yet.
    pub(super) now: Timestamp,
}

impl Shown<'_> {
    /// When it opens, if that is still to come.
    fn opens(&self) -> Option<Timestamp> {
        self.huddle.opens_at.filter(|opens| *opens > self.now)
    }
}

impl Shown<'_> {
    fn person(&self, id: MemberId) -> Option<&Member> {
        self.people.get(&id)
    }

    fn handle(&self, id: MemberId) -> String {
        self.person(id).map_or_else(|| "@unknown".to_string(), |m| format!("@{}", m.handle))
    }
}

/// The part of the page a form belongs to: where its refusal is shown, and where the page
/// scrolls to after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Presence,
    Notes,
    Decision,
    ActionItem,
}

impl Part {
    pub(super) fn anchor(self) -> &'static str {
        match self {
            Part::Presence => "presence",
            Part::Notes => "notes",
            Part::Decision => "decisions",
            Part::ActionItem => "action-items",
        }
    }
}

/// Why a form was refused, shown next to it.
pub(super) struct Refusal {
    pub(super) part: Part,
    pub(super) message: String,
}

/// What was typed into a refused form, to show it again.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub(super) agenda: Option<String>,
    pub(super) notes: Option<String>,
    pub(super) decision: String,
    pub(super) item_title: String,
    pub(super) item_assignee: String,
    pub(super) item_due: String,
}

fn refused(refusal: Option<&Refusal>, part: Part) -> Markup {
    html! {
        @if let Some(refusal) = refusal.filter(|r| r.part == part) {
            p.error role="alert" { (refusal.message) }
        }
    }
}

/// "1 h 05 min" or "12 min".
fn lasted(from: Timestamp, to: Timestamp) -> String {
    let minutes = to.duration_since(from).as_secs().max(0) / 60;
    if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

/// Whether a link may be an `href`: the API only stores web links, but a page should not rely
/// on every writer having checked (a `javascript:` link would run here).
fn is_web_link(link: &str) -> bool {
    let lower = link.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The host a call link points to, so that people see where it leads before they follow it.
fn host(link: &str) -> &str {
    let rest = link.split_once("://").map_or(link, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

pub(super) fn huddle(shown: &Shown, signed: &Signed, draft: &Draft, refusal: Option<&Refusal>) -> Markup {
    let huddle = shown.huddle;
    let running = huddle.ended_at.is_none();
    let starter = shown.person(huddle.started_by);
    html! {
        p.crumbs {
            a href="/huddles" { "Huddles" } " · "
            a href=(format!("/t/{}", huddle.thread_id)) { "Thread: " (shown.thread.shown_title()) }
        }
        h1 {
            (huddle.title) " "
            @if !running { span.badge.ended { "ended" } }
            @else if shown.opens().is_some() { span.badge.scheduled { "scheduled" } }
            @else { span.badge.running { "running" } }
        }
        p.meta {
            @if let Some(opens) = shown.opens() { "Opens " (when(opens, &signed.member, None)) " · " }
            "Set up by " (shown.handle(huddle.started_by)) " " (when(huddle.started_at, &signed.member, starter))
            @if let Some(ended) = huddle.ended_at {
                " · ended " (when(ended, &signed.member, None)) " · lasted " (lasted(huddle.started_at, ended))
            }
        }
        @if let Some(link) = &huddle.call_link {
            p.call-link {
                @if is_web_link(link) {
                    // Another site: it gets neither this page as referrer nor a handle on it.
                    a.call href=(link) rel="noopener noreferrer" target="_blank" { "Open the call" }
                    " " span.meta { "(" (host(link)) ")" }
                } @else {
                    "Call: " (link)
                }
            }
        }
        @if running {
            (presence(shown, signed, refusal))
        } @else {
            // The forms are gone once it ended; a late one (another tab) hears why here.
            @if let Some(refusal) = refusal { p.error role="alert" { (refusal.message) } }
            @if let Some(message) = huddle.summary_message_id {
                p.summary {
                    a href=(format!("/t/{}#m{}", huddle.thread_id, message)) { "Read the summary in the thread" }
                }
            }
        }
        (notes(shown, signed, draft, refusal))
        (participants(shown, signed))
        (decisions(shown, signed, draft, refusal))
        (action_items(shown, signed, draft, refusal))
        @if !running {
            h2 { "Another huddle" }
            (start_form(huddle.thread_id.0, &signed.csrf, shown.choices))
        }
    }
}

/// Join, leave and end: buttons, since each is one step.
fn presence(shown: &Shown, signed: &Signed, refusal: Option<&Refusal>) -> Markup {
    let id = shown.huddle.id;
    let inside = shown.huddle.participants.iter().any(|p| p.member_id == signed.member.id && p.left_at.is_none());
    html! {
        section #presence .huddle-presence aria-label="Presence" {
            (refused(refusal, Part::Presence))
            div.actions {
                @if let Some(opens) = shown.opens() {
                    p.opens { "It opens " (when(opens, &signed.member, None)) ": join then." }
                } @else if inside {
                    form method="post" action=(format!("/huddles/{id}/leave")) {
                        (csrf_field(&signed.csrf))
                        button type="submit" { "Leave" }
                    }
                } @else {
                    form method="post" action=(format!("/huddles/{id}/join")) {
                        (csrf_field(&signed.csrf))
                        button type="submit" { "Join" }
                    }
                }
                form method="post" action=(format!("/huddles/{id}/end")) {
                    (csrf_field(&signed.csrf))
                    button.end type="submit" { "End huddle" }
                }
            }
            p.meta { "Ending it posts the summary into the thread and turns the action items into tasks." }
        }
    }
}

fn notes(shown: &Shown, signed: &Signed, draft: &Draft, refusal: Option<&Refusal>) -> Markup {
    let huddle = shown.huddle;
    html! {
        section #notes .huddle-notes {
            h2 { "Agenda and notes" }
            @if huddle.ended_at.is_none() {
                (refused(refusal, Part::Notes))
                form method="post" action=(format!("/huddles/{}/notes", huddle.id)) {
                    (csrf_field(&signed.csrf))
                    label { "Agenda"
                        textarea name="agenda" rows="4" { (draft.agenda.as_deref().unwrap_or(&huddle.agenda)) }
                    }
                    label { "Shared notes (markdown)"
                        textarea name="notes" rows="8" { (draft.notes.as_deref().unwrap_or(&huddle.notes)) }
                    }
                    button type="submit" { "Save" }
                }
            } @else {
                h3 { "Agenda" }
                @if huddle.agenda.trim().is_empty() { p.empty { "No agenda." } }
                @else { div.huddle-text { (huddle.agenda) } }
                h3 { "Notes" }
                @if huddle.notes.trim().is_empty() { p.empty { "No notes." } }
                @else { div.huddle-text { (huddle.notes) } }
            }
        }
    }
}

fn participants(shown: &Shown, signed: &Signed) -> Markup {
    let huddle = shown.huddle;
    html! {
        section.huddle-people {
            h2 { "Participants" }
            @if huddle.participants.is_empty() { p.empty { "Nobody joined." } }
            ul.participants {
                @for stretch in &huddle.participants {
                    @let who = shown.person(stretch.member_id);
                    li {
                        span.who { (shown.handle(stretch.member_id)) }
                        " joined " (when(stretch.joined_at, &signed.member, who))
                        @match stretch.left_at {
                            Some(left) => { " · left " (when(left, &signed.member, who)) }
                            None => { " " span.badge.running { "in now" } }
                        }
                    }
                }
            }
            @if !huddle.invited.is_empty() {
                h3 { "Invited" }
                ul.invited {
                    @for member in &huddle.invited {
                        li {
                            (shown.handle(*member))
                            @if !huddle.participants.iter().any(|p| p.member_id == *member) {
                                " " span.meta { "(has not joined)" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn item_meta(shown: &Shown, signed: &Signed, item: &HuddleItem) -> Markup {
    html! {
        span.meta { "by " (shown.handle(item.created_by)) " " (when(item.created_at, &signed.member, shown.person(item.created_by))) }
    }
}

fn decisions(shown: &Shown, signed: &Signed, draft: &Draft, refusal: Option<&Refusal>) -> Markup {
    let huddle = shown.huddle;
    html! {
        section.huddle-decisions {
            h2 { "Decisions" }
            @if huddle.decisions.is_empty() { p.empty { "No decisions yet." } }
            ol #decisions .huddle-items {
                @for decision in &huddle.decisions {
                    li { span.item-text { (decision.text) } " " (item_meta(shown, signed, decision)) }
                }
            }
            @if huddle.ended_at.is_none() {
                (refused(refusal, Part::Decision))
                form.inline method="post" action=(format!("/huddles/{}/decisions", huddle.id)) {
                    (csrf_field(&signed.csrf))
                    label { "Decision" input name="text" required value=(draft.decision); }
                    button type="submit" { "Record decision" }
                }
            }
        }
    }
}

fn action_items(shown: &Shown, signed: &Signed, draft: &Draft, refusal: Option<&Refusal>) -> Markup {
    let huddle = shown.huddle;
    let mut assignable: Vec<&Member> = shown.people.values().filter(|m| m.active && !m.service).collect();
    assignable.sort_by(|a, b| a.handle.cmp(&b.handle));
    html! {
        section.huddle-actions {
            h2 { "Action items" }
            @if huddle.action_items.is_empty() { p.empty { "No action items yet." } }
            ol #action-items .huddle-items {
                @for item in &huddle.action_items {
                    li {
                        span.item-text { (item.text) }
                        span.item-facts {
                            @match item.assignee_id {
                                Some(member) => { "for " (shown.handle(member)) }
                                None => { "unassigned" }
                            }
                            @if let Some(due) = item.due { " · due " time datetime=(due.to_string()) { (due) } }
                            @if let Some(task) = item.task_id { " · " a.task href=(format!("/tasks/{task}")) { "Task #" (task) } }
                        }
                        " " (item_meta(shown, signed, item))
                    }
                }
            }
            @if huddle.ended_at.is_none() {
                (refused(refusal, Part::ActionItem))
                form.inline method="post" action=(format!("/huddles/{}/action-items", huddle.id)) {
                    (csrf_field(&signed.csrf))
                    label { "Action item" input name="title" required maxlength="200" value=(draft.item_title); }
                    label { "Assignee"
                        select name="assignee" {
                            option value="" { "Nobody yet" }
                            @for member in &assignable {
                                @let value = member.id.to_string();
                                option value=(value) selected[draft.item_assignee == value] {
                                    "@" (member.handle) " (" (member.display_name) ")"
                                }
                            }
                        }
                    }
                    label { "Due" input type="date" name="due" value=(draft.item_due); }
                    button type="submit" { "Add action item" }
                }
                p.meta { "Action items become tasks when the huddle ends." }
            }
        }
    }
}
