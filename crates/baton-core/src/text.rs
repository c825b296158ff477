//! Message text: markdown rendered to sanitized HTML, and the mentions a body makes.

use pulldown_cmark::{html, Options, Parser};

/// Markdown to HTML that is safe to put in a page: pulldown-cmark renders (raw HTML in the
/// source passes through it), then ammonia removes anything that could run or restyle the page.
/// Each `@handle` in prose becomes `<span class="mention" data-handle="handle">`, so that a page
/// can highlight it (and tell a handle nobody has from one that names a member).
pub fn render_markdown(body: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut in_code_block = false;
    let events = Parser::new_ext(body, options).flat_map(|event| match event {
        Event::Start(Tag::CodeBlock(_)) => {
            in_code_block = true;
            vec![event]
        }
        Event::End(TagEnd::CodeBlock) => {
            in_code_block = false;
            vec![event]
        }
        Event::Text(text) if !in_code_block && text.contains('@') => with_mentions(&text)
            .into_iter()
            .map(|part| match part {
                Part::Text(text) => Event::Text(CowStr::from(text)),
                Part::Mention(typed) => Event::InlineHtml(CowStr::from(format!(
                    r#"<span class="mention" data-handle="{}">@{typed}</span>"#,
                    typed.to_ascii_lowercase()
                ))),
            })
            .collect(),
        other => vec![other],
    });
    let mut unsafe_html = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tag_attributes("span", ["data-handle"])
        .add_allowed_classes("span", ["mention"])
        .clean(&unsafe_html)
        .to_string()
}

/// A run of prose: plain text, or a mention's handle as typed.
enum Part {
    Text(String),
    Mention(String),
}

/// `text` cut into plain runs and `@handle` mentions, read as [`mentioned_handles`] reads them.
fn with_mentions(text: &str) -> Vec<Part> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut plain_from = 0;
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'@' && (idx == 0 || !is_handle_byte(bytes[idx - 1])) {
            let (start, end) = (idx + 1, handle_end(bytes, idx + 1));
            if end > start {
                if plain_from < idx {
                    parts.push(Part::Text(text[plain_from..idx].to_string()));
                }
                parts.push(Part::Mention(text[start..end].to_string()));
                plain_from = end;
            }
            idx = end.max(start);
        } else {
            idx += 1;
        }
    }
    if plain_from < text.len() {
        parts.push(Part::Text(text[plain_from..].to_string()));
    }
    parts
}

/// Where a handle that starts at `start` ends: handle characters, but not a trailing `.` or `-`
/// ("@ana." is "@ana" then a full stop).
fn handle_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && is_handle_byte(bytes[end]) {
        end += 1;
    }
    while end > start && matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1;
    }
    end
}

/// A message body with what is derived from it: its sanitized HTML and the handles it mentions.
/// Rendering is the costly part of a post, so it happens where many requests run in parallel,
/// before the command reaches the single writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText {
    pub body: String,
    pub html: String,
    pub mentioned_handles: Vec<String>,
}

impl MessageText {
    pub fn new(body: String) -> MessageText {
        let html = render_markdown(&body);
        let mentioned_handles = mentioned_handles(&body);
        MessageText { body, html, mentioned_handles }
    }
}

/// Words that address a group rather than a person: they notify but name no one.
pub const GROUP_MENTIONS: &[&str] = &["here", "channel", "everyone", "all"];

/// The handles a body mentions as `@handle`, in order of first appearance, without duplicates.
/// A mention starts at the beginning of the text or after a character that cannot be part of
/// an e-mail address, so `ana@example.com` mentions no one. Group words (`@here`) are left out.
/// Mentions inside code spans and code blocks do not count.
pub fn mentioned_handles(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in prose_parts(body) {
        let bytes = text.as_bytes();
        let mut idx = 0;
        while idx < bytes.len() {
            if bytes[idx] == b'@' && (idx == 0 || !is_handle_byte(bytes[idx - 1])) {
                let start = idx + 1;
                let end = handle_end(bytes, start);
                if end > start {
                    let handle = text[start..end].to_ascii_lowercase();
                    if !GROUP_MENTIONS.contains(&handle.as_str()) && !out.contains(&handle) {
                        out.push(handle);
                    }
                }
                idx = end.max(start);
            } else {
                idx += 1;
            }
        }
    }
    out
}

/// Whether the body, trailing whitespace ignored, ends in a question mark.
pub fn ends_with_question(body: &str) -> bool {
    body.trim_end().ends_with('?')
}

fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The plain-text parts of a markdown body, code excluded.
fn prose_parts(body: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut parts = Vec::new();
    let mut in_code_block = false;
    let mut current = String::new();
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(text) if !in_code_block => current.push_str(&text),
            Event::Code(_) | Event::SoftBreak | Event::HardBreak | Event::End(_) => {
                current.push(' ');
            }
            _ => {}
        }
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests;
