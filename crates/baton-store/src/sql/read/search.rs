//! Full-text search: each backend's index (FTS5 on SQLite, a `tsvector` with a GIN index on
//! PostgreSQL) narrows the messages to those holding every term; the same statement then keeps
//! only what the viewer may read and what the filters allow, and ranks and limits what is left.
//! Privacy is decided inside the query, so a limit never counts a message the viewer cannot see.

use baton_core::model::Message;
use baton_core::search::{Kind, Term};

use super::{visibility, with_reactions, MessageRow, MESSAGE_COLUMNS};
use crate::error::Result;
use crate::sql::db::{self, Conn};
use crate::sql::Dialect;
use crate::view::{Search, SearchOrder, Viewer};

/// A search by relevance ranks the newest this many matches the viewer may read (after the
/// filters): the best of recent history, in bounded time however common the words.
pub(crate) const RANKED_AMONG: i64 = 2_000;

/// What a search binds, in order from `$3` on (`$1` and `$2` are the viewer's, for the policy).
enum Arg {
    Text(String),
    Int(i64),
}

pub(crate) async fn search(conn: &mut Conn, viewer: &Viewer, search: &Search) -> Result<Vec<Message>> {
    let dialect = conn.dialect();
    let query = &search.query;
    let mut args: Vec<Arg> = Vec::new();
    let mut param = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len() + 2)
    };
    let columns: Vec<String> = MESSAGE_COLUMNS.split(", ").map(|column| format!("m.{column}")).collect();
    let columns = columns.join(", ");
    let ranked = !query.terms.is_empty() && search.order == SearchOrder::Relevance;
    let (from, matches, rank) = if query.terms.is_empty() {
        ("messages m".to_string(), None, None)
    } else {
        match dialect {
            Dialect::Sqlite => {
                let p = param(Arg::Text(fts5_query(&query.terms)));
                (
                    "messages_fts JOIN messages m ON m.id = messages_fts.rowid".to_string(),
                    Some(format!("messages_fts MATCH {p}")),
                    Some(("bm25(messages_fts)".to_string(), "")),
                )
            }
            Dialect::Postgres => {
                let p = param(Arg::Text(tsquery(&query.terms)));
                (
                    "messages m".to_string(),
                    Some(format!("m.search @@ to_tsquery('simple', {p})")),
                    Some((format!("ts_rank(m.search, to_tsquery('simple', {p}))"), " DESC")),
                )
            }
        }
    };
    let mut conditions: Vec<String> = matches.into_iter().collect();
    conditions.push("m.deleted = FALSE".into());
    conditions.push(format!(
        "({} OR m.thread_id IN (SELECT id FROM threads WHERE channel_id IN ({}) OR {} \
         OR (channel_id IS NULL AND dm_id IS NULL AND {})))",
        visibility::reads_dm("m.dm_id", "$2"),
        visibility::visible_channels(),
        visibility::reads_dm("dm_id", "$2"),
        visibility::reads_work("$1"),
    ));
    if !query.channels.is_empty() {
        let names: Vec<String> =
            query.channels.iter().map(|name| format!("lower({})", param(Arg::Text(name.clone())))).collect();
        conditions.push(format!(
            "m.thread_id IN (SELECT t.id FROM threads t JOIN channels c ON c.id = t.channel_id \
             WHERE lower(c.name) IN ({}))",
            names.join(", ")
        ));
    }
    if !query.authors.is_empty() {
        let handles: Vec<String> = query.authors.iter().map(|handle| param(Arg::Text(handle.clone()))).collect();
        let me = if query.authors.iter().any(|handle| handle == "me") { " OR id = $2" } else { "" };
        conditions
            .push(format!("m.author_id IN (SELECT id FROM members WHERE handle IN ({}){me})", handles.join(", ")));
    }
    if let Some(from) = search.period.from {
        conditions.push(format!("m.created_at >= {}", param(Arg::Int(from.as_microsecond()))));
    }
    if let Some(until) = search.period.until {
        conditions.push(format!("m.created_at < {}", param(Arg::Int(until.as_microsecond()))));
    }
    match query.kind {
        Some(Kind::Thread) => conditions.push("m.thread_id IN (SELECT id FROM threads WHERE timeline = FALSE)".into()),
        Some(Kind::Dm) => conditions
            .push("(m.dm_id IS NOT NULL OR m.thread_id IN (SELECT id FROM threads WHERE dm_id IS NOT NULL))".into()),
        None => {}
    }
    let limit = param(Arg::Int(i64::from(search.limit.clamp(1, Search::MAX_LIMIT))));
    let conditions = conditions.join(" AND ");
    let sql = match rank {
        // Ranked among the newest matches the viewer may read, walked in id order from the
        // index and scored only for those: scoring every match of a common word (a million at
        // ten million messages) takes seconds.
        Some((score, direction)) if ranked => {
            let newest = match dialect {
                Dialect::Sqlite => "messages_fts.rowid DESC",
                Dialect::Postgres => "m.id DESC",
            };
            let among = param(Arg::Int(RANKED_AMONG));
            format!(
                "SELECT {columns} FROM (SELECT {columns}, {score} AS score FROM {from} WHERE {conditions} \
                 ORDER BY {newest} LIMIT {among}) m ORDER BY m.score{direction}, m.id DESC LIMIT {limit}"
            )
        }
        _ => format!("SELECT {columns} FROM {from} WHERE {conditions} ORDER BY m.id DESC LIMIT {limit}"),
    };
    let mut statement = db::query_as::<MessageRow>(&sql).bind(visibility::guest(viewer)).bind(viewer.member.0);
    for arg in args {
        statement = match arg {
            Arg::Text(text) => statement.bind(text),
            Arg::Int(n) => statement.bind(n),
        };
    }
    let rows = statement.fetch_all(&mut *conn).await?;
    with_reactions(conn, rows).await
}

/// The terms as an FTS5 query: each a quoted string (a phrase of its words), `*` after a
/// prefix; side by side, all must match. Words hold only letters and digits, so nothing in them
/// can be read as FTS5 syntax.
fn fts5_query(terms: &[Term]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|term| format!("\"{}\"{}", term.words.join(" "), if term.prefix { "*" } else { "" }))
        .collect();
    terms.join(" ")
}

/// The terms as a `tsquery`: words of a phrase follow each other (`<->`), a prefix is `:*`, and
/// all terms must match (`&`). Each word is quoted; it holds only letters and digits.
fn tsquery(terms: &[Term]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|term| {
            let last = term.words.len() - 1;
            let words: Vec<String> = term
                .words
                .iter()
                .enumerate()
                .map(|(i, word)| format!("'{word}'{}", if term.prefix && i == last { ":*" } else { "" }))
                .collect();
            format!("({})", words.join(" <-> "))
        })
        .collect();
    terms.join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::search::Query;

    #[test]
    fn terms_become_each_backends_query_syntax() {
        let query = Query::parse(r#"deploy "violet heron" deplo* "release no"*"#).unwrap();
        assert_eq!(fts5_query(&query.terms), r#""deploy" "violet heron" "deplo"* "release no"*"#);
        assert_eq!(tsquery(&query.terms), "('deploy') & ('violet' <-> 'heron') & ('deplo':*) & ('release' <-> 'no':*)");
    }
}
