//! What a search asks for, read from the text a person types (`deploy "release notes" from:@ana
//! in:#ops after:2026-01-31`), and how a found message is shown: a snippet with the matching
//! words marked.
//!
//! Words are runs of letters and digits, compared without case; everything else separates them.
//! Both storage backends index messages with this same rule (SQLite's FTS5 `unicode61`
//! tokenizer; PostgreSQL over the body with every other character turned into a space), and the
//! snippet is cut here with it, so what is found and what is marked cannot disagree.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::{Error, Result};

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words, phrases and filters one query may hold.
pub const MAX_PARTS: usize = 16;

/// One thing every found message contains: a word, a phrase (its words in this order, next to
/// each other), or either ending in a prefix (`deplo*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lower-case words, at least one.
    pub words: Vec<String>,
    /// The last word is a prefix: `deplo*` finds deploy and deployment.
    pub prefix: bool,
}

/// Where found messages may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// In a thread (not a channel's or a conversation's timeline): `is:thread`.
    Thread,
    /// In a direct conversation, its timeline or its threads: `is:dm`.
    Dm,
}

/// A parsed query: every term must match and every filter hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
    /// `in:#name`: in one of these channels (names as typed, compared without case).
    pub channels: Vec<String>,
    /// `from:@handle`: by one of these members (lower-case handles; `me` is left as `me`).
    pub authors: Vec<String>,
    /// `after:DATE`: posted on a later day.
    pub after: Option<Date>,
    /// `before:DATE`: posted on an earlier day.
    pub before: Option<Date>,
    /// `on:DATE`: posted that day.
    pub on: Option<Date>,
    pub kind: Option<Kind>,
}

/// The instants a query's dates bound, in one zone: messages at or after `from` and before
/// `until`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl Query {
    /// Reads `text`. Unknown `word:` prefixes are words (`re:`, `http:`); a known filter with a
    /// bad value, an unclosed quote or a query with nothing to look for is an error that says
    /// which.
    pub fn parse(text: &str) -> Result<Query> {
        let text = text.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::invalid("q", format!("at most {MAX_QUERY_CHARS} characters")));
        }
        let mut query = Query::default();
        let mut parts = 0;
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let (piece, next) = split_piece(rest)?;
            rest = next;
            parts += 1;
            if parts > MAX_PARTS {
                return Err(Error::invalid("q", format!("at most {MAX_PARTS} words, phrases and filters")));
            }
            if let Some((key, value)) = filter(piece) {
                query.add_filter(key, &unquote(value))?;
                continue;
            }
            let (body, prefix) = match piece.strip_suffix('*') {
                Some(body) => (body, true),
                None => (piece, false),
            };
            let words = words(&unquote(body));
            if !words.is_empty() {
                query.terms.push(Term { words, prefix });
            }
        }
        if query.is_empty() {
            return Err(Error::invalid("q", "search for at least one word or filter (in:#channel, from:@handle, …)"));
        }
        Ok(query)
    }

    fn add_filter(&mut self, key: &str, value: &str) -> Result<()> {
        let bad = |what: &str| Err(Error::invalid("q", format!("{key}: {what}")));
        match key {
            "in" => match value.strip_prefix('#').unwrap_or(value).trim() {
                "" => return bad("name a channel, as in:#general"),
                name => self.channels.push(name.to_string()),
            },
            "from" => match value.strip_prefix('@').unwrap_or(value).trim() {
                "" => return bad("name a member, as from:@ana or from:me"),
                handle => self.authors.push(handle.to_lowercase()),
            },
            "after" | "before" | "on" => {
                let Ok(date) = value.parse::<Date>() else {
                    return bad("write the day as YYYY-MM-DD");
                };
                let slot = match key {
                    "after" => &mut self.after,
                    "before" => &mut self.before,
                    _ => &mut self.on,
                };
                *slot = Some(date);
            }
            _ => match value {
                "thread" => self.kind = Some(Kind::Thread),
                "dm" => self.kind = Some(Kind::Dm),
                _ => return bad("is:thread or is:dm"),
            },
        }
        Ok(())
    }

    /// Nothing to look for and nothing to filter by.
    fn is_empty(&self) -> bool {
        self.terms.is_empty()
            && self.channels.is_empty()
            && self.authors.is_empty()
            && self.after.is_none()
            && self.before.is_none()
            && self.on.is_none()
            && self.kind.is_none()
    }

    /// The instants the dates bound, for a reader in `zone` (a day is theirs, from midnight to
    /// midnight; a missing midnight, at a DST gap, is the first instant of the day).
    pub fn period(&self, zone: &TimeZone) -> Period {
        let start = |date: Date| date.to_zoned(zone.clone()).ok().map(|z| z.timestamp());
        let next = |date: Date| date.tomorrow().ok().and_then(start);
        let mut period = Period::default();
        let mut later = |at: Option<Timestamp>| {
            if let Some(at) = at {
                period.from = Some(period.from.map_or(at, |from| from.max(at)));
            }
        };
        later(self.after.and_then(next));
        later(self.on.and_then(start));
        let mut earlier = |at: Option<Timestamp>| {
            if let Some(at) = at {
                period.until = Some(period.until.map_or(at, |until| until.min(at)));
            }
        };
        earlier(self.before.and_then(start));
        earlier(self.on.and_then(next));
        period
    }

    /// Whether `body` holds every term (the filters are the store's to apply): the definition
    /// both backends' indexes implement.
    pub fn matches(&self, body: &str) -> bool {
        let tokens: Vec<String> = tokens(body).map(|(_, word)| word).collect();
        self.terms.iter().all(|term| (0..tokens.len()).any(|at| term.matches_at(&tokens, at)))
    }
}

impl Term {
    /// Whether the term's words start at `tokens[at]`.
    fn matches_at(&self, tokens: &[String], at: usize) -> bool {
        let Some(window) = tokens.get(at..at + self.words.len()) else {
            return false;
        };
        let last = self.words.len() - 1;
        self.words.iter().zip(window).enumerate().all(|(i, (word, token))| {
            if self.prefix && i == last {
                token.starts_with(word.as_str())
            } else {
                token == word
            }
        })
    }
}

/// The next piece of a query: up to white space outside double quotes.
fn split_piece(text: &str) -> Result<(&str, &str)> {
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&text[..at], &text[at..])),
            _ => {}
        }
    }
    if quoted {
        return Err(Error::invalid("q", "a quote is not closed"));
    }
    Ok((text, ""))
}

/// `key:value` for a known filter key.
fn filter(piece: &str) -> Option<(&str, &str)> {
    let (key, value) = piece.split_once(':')?;
    let key_known = matches!(key, "in" | "from" | "after" | "before" | "on" | "is");
    (key_known && !value.is_empty()).then_some((key, value))
}

fn unquote(text: &str) -> String {
    text.replace('"', "")
}

/// The lower-case words of `text`.
pub fn words(text: &str) -> Vec<String> {
    tokens(text).map(|(_, word)| word).collect()
}

/// Each word of `text` with its byte range.
fn tokens(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, String)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.by_ref().find(|(_, c)| is_word_char(*c))?;
        let mut end = text.len();
        while let Some(&(at, c)) = chars.peek() {
            if !is_word_char(c) {
                end = at;
                break;
            }
            chars.next();
        }
        Some((start..end, text[start..end].to_lowercase()))
    })
}

/// Letters and digits, as SQLite's `unicode61` tokenizer and PostgreSQL's `[[:alnum:]]` read
/// them.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// A stretch of a snippet: text, marked when it is (part of) what the query found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Stretch {
    pub text: String,
    /// This stretch matched the query.
    #[serde(rename = "match")]
    pub hit: bool,
}

/// About how many characters a snippet shows.
const SNIPPET_CHARS: usize = 200;

/// Up to about 200 characters of `body` around the first match of `query`, with every match in
/// them marked; `…` where the body was cut.
pub fn snippet(query: &Query, body: &str) -> Vec<Stretch> {
    let tokens: Vec<(std::ops::Range<usize>, String)> = tokens(body).collect();
    let words: Vec<String> = tokens.iter().map(|(_, word)| word.clone()).collect();
    let mut hits: Vec<std::ops::Range<usize>> = Vec::new();
    for at in 0..tokens.len() {
        for term in &query.terms {
            if term.matches_at(&words, at) {
                let end = tokens[at + term.words.len() - 1].0.end;
                hits.push(tokens[at].0.start..end);
            }
        }
    }
    hits.sort_by_key(|hit| (hit.start, std::cmp::Reverse(hit.end)));
    let start = snippet_start(body, hits.first().map_or(0, |hit| hit.start));
    let end = body[start..].char_indices().nth(SNIPPET_CHARS).map_or(body.len(), |(at, _)| start + at);
    // Never cut a match in two.
    let end = hits.iter().filter(|hit| hit.start < end).map(|hit| hit.end).fold(end, usize::max);
    let mut stretches = Vec::new();
    let mut push = |text: &str, hit: bool| {
        if !text.is_empty() {
            stretches.push(Stretch { text: text.to_string(), hit });
        }
    };
    let mut at = start;
    if start > 0 {
        push("…", false);
    }
    for hit in hits.iter().filter(|hit| hit.start >= start && hit.end <= end) {
        if hit.start < at {
            continue; // overlaps a match already marked
        }
        push(&body[at..hit.start], false);
        push(&body[hit.start..hit.end], true);
        at = hit.end;
    }
    push(&body[at..end], false);
    if end < body.len() {
        push("…", false);
    }
    stretches
}

/// Where a snippet whose first match is at `first` begins: at the start of the body when the
/// match is near it, else at a word about 40 characters before the match.
fn snippet_start(body: &str, first: usize) -> usize {
    let Some((lead, _)) = body[..first].char_indices().rev().nth(40) else {
        return 0;
    };
    match body[lead..first].char_indices().find(|(_, c)| c.is_whitespace()) {
        Some((at, c)) => lead + at + c.len_utf8(),
        None => lead,
    }
}

#[cfg(test)]
mod tests;
