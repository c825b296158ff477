//! The page shell (head, header with the signed-in member, main), form helpers and how times
//! are shown: in the viewer's zone, with the other person's local time on hover.

use baton_core::calendar::parse_time_zone;
use baton_core::model::Member;
use jiff::Timestamp;
use maud::{html, Markup, DOCTYPE};

use super::session::{CsrfToken, Signed, INBOX_COUNT_CAP};
use super::sidebar::Sidebar;

/// What a page listens to on the stream, so that it updates without a reload.
pub enum Live {
    Nothing,
    /// The channel list: unread counts change as messages arrive.
    Channels {
        since: i64,
    },
    /// A channel's page: new and changed threads. `since`: the log's head when rendered.
    Channel {
        id: i64,
        since: i64,
    },
    /// A thread's page: new and changed messages.
    Thread {
        id: i64,
        since: i64,
    },
    /// A direct conversation's page: new and changed messages.
    Dm {
        id: i64,
        since: i64,
    },
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Baton" }
            link rel="stylesheet" href="/static/app.css";
            link rel="icon" href="data:,";
        }
    }
}

/// A page for a signed-in member, without the sidebar.
pub fn page(title: &str, signed: &Signed, live: Live, content: Markup) -> Markup {
    shell(title, signed, live, None, content)
}

/// A conversation page: the sidebar of channels and direct conversations beside the content.
/// Its stream (for the sidebar's counts) starts at the sidebar's `since` when the page follows
/// nothing itself.
pub fn page_with_sidebar(title: &str, signed: &Signed, live: Live, sidebar: &Sidebar, content: Markup) -> Markup {
    shell(title, signed, live, Some(sidebar), content)
}

fn shell(title: &str, signed: &Signed, live: Live, sidebar: Option<&Sidebar>, content: Markup) -> Markup {
    let (member, csrf) = (&signed.member, &signed.csrf);
    let (kind, id, since) = match live {
        Live::Nothing => ("", 0, sidebar.map_or(0, |s| s.since)),
        Live::Channels { since } => ("channels", 0, since),
        Live::Channel { id, since } => ("channel", id, since),
        Live::Thread { id, since } => ("thread", id, since),
        Live::Dm { id, since } => ("dm", id, since),
    };
    // The page's stream carries what it shows; the rest comes as a note that counts may have
    // changed (`focus` on /api/v1/stream).
    let focus = match kind {
        "thread" | "channel" | "dm" => format!("{kind}:{id}"),
        _ => "none".to_string(),
    };
    let header = html! {
        a.skip href="#main" { "Skip to the content" }
        header.top {
            a.brand href="/" { "Baton" }
            nav aria-label="Main" {
                a href="/" { "Channels" }
                a href="/dms" { "Direct" }
                a href="/projects" { "Projects" }
                a href="/huddles" { "Huddles" }
                a href="/checkins" { "Check-ins" }
                a #nav-inbox href="/inbox" {
                    "Inbox"
                    @if signed.inbox_unread > 0 {
                        " " span.unread-count aria-label=(format!("{} unread", signed.inbox_unread)) {
                            @if signed.inbox_unread >= INBOX_COUNT_CAP { (INBOX_COUNT_CAP - 1) "+" } @else { (signed.inbox_unread) }
                        }
                    }
                }
                a href="/scheduled" { "Scheduled" }
                a href="/insights" { "Insights" }
                a href="/advisor" { "Advisor" }
                a href="/settings" { "Settings" }
                @if member.role.is_admin() { a href="/admin" { "Admin" } }
            }
            form.nav-search method="get" action="/search" role="search" {
                input type="search" name="q" aria-label="Search messages" placeholder="Search" maxlength="200";
            }
            form.signout method="post" action="/logout" {
                (csrf_field(csrf))
                span.who title=(format!("{} · {}", member.display_name, member.time_zone)) { "@" (member.handle) }
                button type="submit" { "Sign out" }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body data-live=(kind) data-id=(id) data-since=(since) data-focus=(focus) data-me=(member.id) {
                (header)
                @if let Some(sidebar) = sidebar {
                    div.shell {
                        (sidebar.markup)
                        main #main { (content) }
                    }
                    script src="/static/app.js" defer {}
                    script src="/static/sidebar.js" defer {}
                } @else {
                    main #main { (content) }
                    @if !kind.is_empty() {
                        script src="/static/app.js" defer {}
                    }
                }
            }
        }
    }
}

/// A page without a session: setup, sign-in, errors.
pub fn bare(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                main.narrow { (content) }
            }
        }
    }
}

/// The hidden field that carries the CSRF token in a form.
pub fn csrf_field(csrf: &CsrfToken) -> Markup {
    html! { input type="hidden" name="_csrf" value=(csrf.0); }
}

/// An instant as the viewer reads it (their zone), with the author's local time on hover when
/// the author is someone else in another zone.
pub fn when(at: Timestamp, viewer: &Member, author: Option<&Member>) -> Markup {
    let local = |zone: &str| {
        let zone = parse_time_zone(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        at.to_zoned(zone)
    };
    let mine = local(&viewer.time_zone);
    let hover = match author {
        Some(author) if author.time_zone != viewer.time_zone => format!(
            "{} · {} for @{} ({})",
            mine.strftime("%a %d %b %Y %H:%M %Z"),
            local(&author.time_zone).strftime("%a %H:%M"),
            author.handle,
            author.time_zone
        ),
        _ => mine.strftime("%a %d %b %Y %H:%M %Z").to_string(),
    };
    html! { time datetime=(at.to_string()) title=(hover) { (mine.strftime("%d %b %H:%M")) } }
}
