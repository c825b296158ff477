//! Slack's message markup (`<@U1>`, `<https://x|label>`, `&lt;`, `*bold*`): made readable for
//! a message's body, and plain for a thread's display title.

use super::{Context, TITLE_CHARS};

/// Slack's markup made readable (`<@U1>` → `@ana`, `<https://x|label>` → `[label](https://x)`,
/// `&lt;` → `<`), and the handles of the people it mentions.
pub(super) fn readable(context: &Context<'_>, text: &str) -> (String, Vec<String>) {
    let (pieces, mentions) = pieces(context, text);
    let mut out = String::with_capacity(text.len());
    for piece in pieces {
        match piece {
            Piece::Text(text) | Piece::Name(text) => out.push_str(&text),
            Piece::Link { url, label: Some(label) } => out.push_str(&format!("[{label}]({url})")),
            Piece::Link { url, label: None } => out.push_str(&format!("<{url}>")),
        }
    }
    (out, mentions)
}

/// What Slack's markup is made of: plain text, and what `<…>` encloses.
enum Piece {
    /// Text outside `<…>`, entities decoded; it may hold `*bold*` and other formatting marks.
    Text(String),
    /// A person, a group or a channel as it reads: `@ana`, `@here`, `#general`, a bot's name.
    Name(String),
    /// A link: its address, and its label if it has one (entities decoded in both).
    Link { url: String, label: Option<String> },
}

/// `text` split into [`Piece`]s, and the handles of the people it mentions (in order, once).
fn pieces(context: &Context<'_>, text: &str) -> (Vec<Piece>, Vec<String>) {
    let mut out = Vec::new();
    let mut mentions: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push(Piece::Text(decode(&rest[..open])));
        let Some(close) = rest[open..].find('>') else {
            rest = &rest[open..];
            break;
        };
        let inner = &rest[open + 1..open + close];
        let (target, label) = match inner.split_once('|') {
            Some((target, label)) => (target, Some(label)),
            None => (inner, None),
        };
        if let Some(user) = target.strip_prefix('@') {
            if let Some(handle) = context.people.get(user) {
                if !mentions.contains(handle) {
                    mentions.push(handle.clone());
                }
                out.push(Piece::Name(format!("@{handle}")));
            } else {
                let name = context.names.get(user).map(String::as_str).or(label).unwrap_or(user);
                out.push(Piece::Name(name.to_string()));
            }
        } else if let Some(special) = target.strip_prefix('!') {
            // `<!here>`, `<!channel>`, `<!subteam^S1|@team>`: they address groups, not people.
            let word = label
                .map(|l| l.trim_start_matches('@'))
                .unwrap_or_else(|| special.split('^').next().unwrap_or(special));
            out.push(Piece::Name(format!("@{word}")));
        } else if let Some(channel) = target.strip_prefix('#') {
            out.push(Piece::Name(format!("#{}", label.unwrap_or(channel))));
        } else {
            out.push(Piece::Link { url: decode(target), label: label.map(decode) });
        }
        rest = &rest[open + close + 1..];
    }
    out.push(Piece::Text(decode(rest)));
    (out, mentions)
}

/// Slack's formatting marks: `*bold*`, `_italic_`, `~strike~`, `` `code` ``.
const FORMATTING_MARKS: [char; 4] = ['*', '_', '~', '`'];

/// At most this many characters of a parent's text are searched for formatting marks: a title
/// shows 80 of them, and pairing marks costs the square of the length.
const DISPLAY_SCAN_CHARS: usize = 1000;

/// A thread's title as people read it (see [`Thread::display_title`]): the parent's text with
/// names and links resolved (a link by its label, since a title is not markdown), formatting
/// marks dropped where they pair up around text as Slack's do, whitespace runs as one space.
pub(super) fn display_title(context: &Context<'_>, text: &str) -> String {
    // Each character, and whether it came from a name or a link (never a formatting mark:
    // `@k._` is a handle, not an italic).
    let mut chars: Vec<(char, bool)> = Vec::new();
    for piece in pieces(context, text).0 {
        match piece {
            Piece::Text(text) => chars.extend(text.replace("```", " ").chars().map(|c| (c, false))),
            Piece::Name(name) => chars.extend(name.chars().map(|c| (c, true))),
            Piece::Link { url, label } => chars.extend(label.unwrap_or(url).chars().map(|c| (c, true))),
        }
        if chars.len() >= DISPLAY_SCAN_CHARS {
            break;
        }
    }
    chars.truncate(DISPLAY_SCAN_CHARS);
    let n = chars.len();
    let mark = |idx: usize| !chars[idx].1 && FORMATTING_MARKS.contains(&chars[idx].0);
    // A mark opens after a non-word character and before a non-space; it closes after a
    // non-space and before a non-word character (so `snake_case` and `2*3` keep theirs).
    let opens = |idx: usize| {
        mark(idx)
            && (idx == 0 || !chars[idx - 1].0.is_alphanumeric())
            && chars.get(idx + 1).is_some_and(|c| !c.0.is_whitespace())
    };
    let closes = |idx: usize| {
        mark(idx)
            && idx > 0
            && !chars[idx - 1].0.is_whitespace()
            && chars.get(idx + 1).is_none_or(|c| !c.0.is_alphanumeric())
    };
    let mut dropped = vec![false; n];
    for open in 0..n {
        if dropped[open] || !opens(open) {
            continue;
        }
        let close = (open + 1..n).find(|&idx| !dropped[idx] && chars[idx].0 == chars[open].0 && closes(idx));
        if let Some(close) = close {
            dropped[open] = true;
            dropped[close] = true;
        }
    }
    let kept: String = chars.iter().zip(&dropped).filter(|(_, dropped)| !**dropped).map(|((c, _), _)| *c).collect();
    let one_line = kept.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty());
    one_line.collect::<Vec<_>>().join(" ").chars().take(TITLE_CHARS).collect()
}

/// Slack escapes exactly these three in message text.
fn decode(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}
