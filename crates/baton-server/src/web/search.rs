//! The search page: the query box of the navigation lands here, with fields for the filters the
//! query language has (a channel, an author, dates, threads only), and the results, best first,
//! each with where it was said, by whom, when, and its words that matched marked.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use baton_core::model::{Channel, Member};
use baton_core::{ChannelId, DmId, MemberId, ThreadId};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{page_with_sidebar, when, Live};
use super::session::Signed;
use super::sidebar::{self, Current};
use super::PageError;
use crate::api::search::{self as api, Found, Order};
use crate::{ApiError, AppState};

/// How many results the page shows.
const SHOWN: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// The page's query: the text as typed, and the filter fields, each added to the text as the
/// query language writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Form {
    q: String,
    /// A channel's name (`in:#name`).
    #[serde(rename = "in")]
    channel: String,
    /// A member's handle (`from:@handle`).
    from: String,
    after: String,
    before: String,
    /// `thread` or `dm` (`is:…`).
    is: String,
    /// `newest`, else by relevance.
    order: String,
}

impl Form {
    /// The whole query: the text with each filled field written as a filter.
    fn query(&self) -> String {
        let mut query = self.q.trim().to_string();
        let mut add = |key: &str, mark: &str, value: &str| {
            let value = value.trim().trim_start_matches(mark);
            if value.is_empty() {
                return;
            }
            let quoted = if value.contains(char::is_whitespace) {
                format!("{key}:\"{mark}{}\"", value.replace('"', ""))
            } else {
                format!("{key}:{mark}{value}")
            };
            query = format!("{query} {quoted}").trim().to_string();
        };
        add("in", "#", &self.channel);
        add("from", "@", &self.from);
        add("after", "", &self.after);
        add("before", "", &self.before);
        add("is", "", &self.is);
        query
    }
}

/// What the results name: channels, conversations, people and threads by id.
struct Names {
    channels: HashMap<ChannelId, Channel>,
    dms: HashMap<DmId, String>,
    people: HashMap<MemberId, Member>,
    threads: HashMap<ThreadId, (Option<ChannelId>, Option<DmId>, String, bool)>,
}

async fn names(state: &AppState, signed: &Signed, found: &[Found]) -> Result<Names, PageError> {
    let viewer = &signed.viewer;
    let channels = state.store.channels(viewer).await?.into_iter().map(|c| (c.id, c)).collect();
    let dms = state.store.dms(viewer).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let people = state.store.members(viewer).await?.into_iter().map(|m| (m.id, m)).collect();
    let mut threads = HashMap::new();
    for thread in found.iter().filter_map(|f| f.message.thread_id) {
        if threads.contains_key(&thread) {
            continue;
        }
        if let Ok(t) = state.store.thread(viewer, thread).await {
            threads.insert(thread, (t.channel_id, t.dm_id, t.shown_title().to_string(), t.timeline));
        }
    }
    Ok(Names { channels, dms, people, threads })
}

/// Where a found message was said, as a link that opens its thread or conversation at it.
fn place(found: &Found, names: &Names) -> Markup {
    let message = &found.message;
    let at = format!("?after={}#m{}", message.id.0 - 1, message.id);
    if let Some(dm) = message.dm_id {
        let with = names.dms.get(&dm).map_or("a conversation", String::as_str);
        return html! { a.place href=(format!("/dms/{dm}{at}")) { "Direct · " (with) } };
    }
    let Some(thread) = message.thread_id else { return html! {} };
    let Some((channel, dm, title, timeline)) = names.threads.get(&thread) else {
        return html! { a.place href=(format!("/t/{thread}{at}")) { "A thread" } };
    };
    let home = match (channel.and_then(|c| names.channels.get(&c)), dm) {
        (Some(channel), _) => format!("#{}", channel.name),
        (None, Some(dm)) => format!("Direct · {}", names.dms.get(dm).map_or("a conversation", String::as_str)),
        _ => "Tasks".to_string(),
    };
    html! {
        a.place href=(format!("/t/{thread}{at}")) {
            (home)
            @if !timeline { " › " (title) }
        }
    }
}

fn result(found: &Found, names: &Names, viewer: &Member) -> Markup {
    let author = names.people.get(&found.message.author_id);
    html! {
        li.found id=(format!("found-{}", found.message.id)) {
            div.meta {
                (place(found, names))
                " · "
                span.from { "@" (author.map_or("someone", |a| a.handle.as_str())) }
                " · "
                (when(found.message.created_at, viewer, author))
            }
            p.snippet {
                @for stretch in &found.snippet {
                    @if stretch.hit { mark { (stretch.text) } } @else { (stretch.text) }
                }
            }
        }
    }
}

fn form(form: &Form, channels: &[Channel]) -> Markup {
    html! {
        form.search-form method="get" action="/search" role="search" {
            p {
                label for="search-q" { "Search messages" }
                input #search-q type="search" name="q" value=(form.q) maxlength="200"
                    placeholder="words, \"a phrase\", deplo*, from:@ana, in:#general";
            }
            fieldset.filters {
                legend { "Filters" }
                label { "In channel "
                    select name="in" {
                        option value="" { "Any" }
                        @for channel in channels {
                            option value=(channel.name) selected[form.channel.trim_start_matches('#') == channel.name] { "#" (channel.name) }
                        }
                    }
                }
                label { "From " input type="text" name="from" value=(form.from) placeholder="@handle or me" size="12"; }
                label { "After " input type="date" name="after" value=(form.after); }
                label { "Before " input type="date" name="before" value=(form.before); }
                label { "Only "
                    select name="is" {
                        option value="" { "everything" }
                        option value="thread" selected[form.is == "thread"] { "threads" }
                        option value="dm" selected[form.is == "dm"] { "direct conversations" }
                    }
                }
                label { "Order "
                    select name="order" {
                        option value="" { "best match" }
                        option value="newest" selected[form.order == "newest"] { "newest" }
                    }
                }
            }
            button type="submit" { "Search" }
        }
    }
}

async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<Form>,
) -> Result<Response, PageError> {
    let mut channels = state.store.channels(&signed.viewer).await?;
    channels.sort_by(|a, b| a.name.cmp(&b.name));
    let text = query.query();
    let order = (query.order == "newest").then_some(Order::Newest);
    let (status, body) = if text.is_empty() {
        (StatusCode::OK, html! {})
    } else {
        match api::run(&state, &signed.viewer, &signed.member, &text, order, SHOWN).await {
            Ok(found) => {
                let names = names(&state, &signed, &found).await?;
                let count = match found.len() {
                    0 => "No messages found.".to_string(),
                    1 => "1 message.".to_string(),
                    n if n == SHOWN as usize => format!("The best {n} messages."),
                    n => format!("{n} messages."),
                };
                (
                    StatusCode::OK,
                    html! {
                        p.meta.count aria-live="polite" { (count) " Searched for " code { (text) } }
                        ol.results aria-label="Results" {
                            @for found in &found { (result(found, &names, &signed.member)) }
                        }
                    },
                )
            }
            Err(ApiError::Invalid(why)) => (
                StatusCode::BAD_REQUEST,
                html! { p.error role="alert" { "That search cannot be read: " (why.trim_start_matches("q: ")) } },
            ),
            Err(other) => return Err(other.into()),
        }
    };
    let title = if text.is_empty() { "Search".to_string() } else { format!("Search: {text}") };
    let content = html! {
        h1 { "Search" }
        (form(&query, &channels))
        (body)
    };
    let sidebar = sidebar::load(&state, &signed, Current::Nothing, None).await?;
    Ok((status, page_with_sidebar(&title, &signed, Live::Nothing, &sidebar, content)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_fields_are_written_into_the_query() {
        let form = Form {
            q: " deploy ".into(),
            channel: "#ops".into(),
            from: "@ana".into(),
            after: "2026-01-31".into(),
            is: "thread".into(),
            ..Form::default()
        };
        assert_eq!(form.query(), "deploy in:#ops from:@ana after:2026-01-31 is:thread");
        let spaced = Form { channel: "release notes".into(), ..Form::default() };
        assert_eq!(spaced.query(), "in:\"#release notes\"");
        assert_eq!(Form::default().query(), "");
    }
}
