//! Checks on values that come from outside, each naming the field it rejects.

use crate::error::{Error, Result};

/// Longest message body, in characters. Long enough for a design note, short enough that one
/// message cannot fill a page of the event log.
pub const MAX_MESSAGE_CHARS: usize = 40_000;
/// Longest title, name or topic, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;

/// A handle: 1–40 of `a-z 0-9 . _ -`, starting with a letter or digit, stored lower-case.
pub fn handle(field: &'static str, raw: &str) -> Result<String> {
    let handle = raw.trim().to_ascii_lowercase();
    let ok_chars =
        handle.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    let ok_start = handle.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if handle.is_empty() || handle.len() > 40 || !ok_chars || !ok_start {
        return Err(Error::invalid(
            field,
            "must be 1 to 40 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    Ok(handle)
}

/// A plausible e-mail address (one '@', something on both sides, no spaces), stored lower-case.
pub fn email(field: &'static str, raw: &str) -> Result<String> {
    let email = raw.trim().to_ascii_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if !valid {
        return Err(Error::invalid(field, "must be an e-mail address such as ana@example.com"));
    }
    Ok(email)
}

/// A password: at least 8 characters, at most 1,000 (argon2 hashes the whole of it).
pub fn password(field: &'static str, raw: &str) -> Result<()> {
    let n_chars = raw.chars().count();
    if n_chars < 8 {
        return Err(Error::invalid(field, "must be at least 8 characters"));
    }
    if n_chars > 1000 {
        return Err(Error::invalid(field, "must be at most 1000 characters"));
    }
    Ok(())
}

/// A non-empty single-line name or title, trimmed, of at most [`MAX_NAME_CHARS`].
pub fn name(field: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(field, format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be a single line without control characters"));
    }
    Ok(name.to_string())
}

/// A link to open in a browser (a call in any video tool): `http://` or `https://`, one line,
/// at most 2,000 characters.
pub fn link(field: &'static str, raw: &str) -> Result<String> {
    let link = raw.trim();
    let scheme_ok =
        ["https://", "http://"].iter().any(|s| link.len() > s.len() && link[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok {
        return Err(Error::invalid(field, "must be an http:// or https:// link"));
    }
    if link.chars().count() > 2000 || link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(field, "must be one link of at most 2000 characters without spaces"));
    }
    Ok(link.to_string())
}

/// Free text of at most `max` characters (may be empty).
pub fn text(field: &'static str, raw: &str, max: usize) -> Result<String> {
    if raw.chars().count() > max {
        return Err(Error::invalid(field, format!("must be at most {max} characters")));
    }
    // No database keeps it the same way: PostgreSQL refuses it in text, SQLite cuts C strings there.
    if raw.contains('\0') {
        return Err(Error::invalid(field, "must not contain NUL characters"));
    }
    Ok(raw.to_string())
}

/// A message body: not blank, at most [`MAX_MESSAGE_CHARS`].
pub fn message_body(field: &'static str, raw: &str) -> Result<String> {
    if raw.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    text(field, raw, MAX_MESSAGE_CHARS)
}

/// A channel name: like a handle, up to 80 characters.
pub fn channel_name(field: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim().to_ascii_lowercase().replace(' ', "-");
    let ok = !name.is_empty()
        && name.len() <= 80
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if !ok {
        return Err(Error::invalid(field, "must be 1 to 80 characters of a-z, 0-9, '.', '_' or '-'"));
    }
    Ok(name)
}

/// A reaction: an emoji or a short `:name:`-style word, 1–40 characters, no spaces.
pub fn emoji(field: &'static str, raw: &str) -> Result<String> {
    let emoji = raw.trim();
    if emoji.is_empty() || emoji.chars().count() > 40 || emoji.contains(char::is_whitespace) || emoji.contains('/') {
        return Err(Error::invalid(field, "must be an emoji or a short name without spaces or '/'"));
    }
    Ok(emoji.to_string())
}

/// Thread tags: up to 10 short lower-case words.
pub fn tags(field: &'static str, raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > 10 {
        return Err(Error::invalid(field, "at most 10 tags"));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = channel_name(field, tag)?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// A calendar date `YYYY-MM-DD` that exists (no 2027-02-30).
pub fn date(field: &'static str, raw: &str) -> Result<jiff::civil::Date> {
    raw.trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| Error::invalid(field, "must be a calendar date YYYY-MM-DD that exists"))
}

#[cfg(test)]
mod tests;

/// A check-in's cadence: 1 to 4 weeks apart, its days each named once (in week order).
pub fn cadence(field: &'static str, raw: &crate::model::Cadence) -> Result<crate::model::Cadence> {
    if !(1..=4).contains(&raw.every_weeks) {
        return Err(Error::invalid(field, "every_weeks must be 1 to 4"));
    }
    let mut days = raw.days.clone();
    days.sort();
    days.dedup();
    Ok(crate::model::Cadence { days, every_weeks: raw.every_weeks })
}
