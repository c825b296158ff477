//! Unread counts, kept as the projector writes messages and as read marks move, so that reading
//! them never counts messages.
//!
//! A member's unread in a thread is its messages that are not deleted, less those the member has
//! seen: at or below their read mark in the thread, or their own. Rather than counting either
//! on each page load, the tables keep both halves:
//!
//! - `live_messages` on `threads`, `channels` (all their threads) and `dms` (the timeline and
//!   its threads): messages not deleted, one more per post, one less per deletion;
//! - `thread_seen`, `channel_seen`, `dm_seen`: per member, the messages of that thread, channel
//!   or conversation they have seen. A post adds one to its author's; a mark moving forward adds
//!   the messages by others it passes (a range count on the thread's `(thread_id, id)` index); a
//!   deletion takes one from the author's and from each member whose mark was at or past it.
//!
//! Unread is then `live_messages - seen`, one row per channel, conversation or thread read. A
//! post writes the same few rows however many members its channel has, because no mark is ever
//! above a new message: marks are held to the newest message there is ([`mark_read`]), and ids
//! only grow. A move of a timeline message into a thread (rare: a reply that starts a thread, an
//! import) is the one change that lands below marks; [`moving_out`] and [`moved_in`] adjust the
//! members it concerns. `baton admin rebuild` replays the log with today's marks kept beside it,
//! so it recounts everything at the end ([`recount`]), as migration `0024_unread_counts`
//! (PostgreSQL `0006`) did once.

use baton_core::{ChannelId, DmId, MemberId, MessageId, ThreadId};

use super::db::{self, Conn};
use crate::command::MessageTarget;
use crate::error::Result;
use crate::view::Unread;

/// Where a message is: a thread, or a direct conversation's timeline.
#[derive(Clone, Copy, Debug)]
pub(super) enum Place {
    Thread(i64),
    Timeline(i64),
}

/// Where a place's messages count besides itself: a thread's channel or conversation (a task's
/// thread has neither), a timeline's conversation.
#[derive(Clone, Copy, Debug)]
enum Home {
    Channel(i64),
    Dm(i64),
}

impl Place {
    /// The read marks of this kind of place: their table and the column naming the place.
    fn marks(self) -> (&'static str, &'static str) {
        match self {
            Place::Thread(_) => ("thread_read_marks", "thread_id"),
            Place::Timeline(_) => ("dm_read_marks", "dm_id"),
        }
    }

    fn id(self) -> i64 {
        match self {
            Place::Thread(id) | Place::Timeline(id) => id,
        }
    }

    async fn home(self, conn: &mut Conn) -> Result<Option<Home>> {
        match self {
            Place::Timeline(dm) => Ok(Some(Home::Dm(dm))),
            Place::Thread(thread) => {
                let homes: Option<(Option<i64>, Option<i64>)> =
                    db::query_as("SELECT channel_id, dm_id FROM threads WHERE id = $1")
                        .bind(thread)
                        .fetch_optional(&mut *conn)
                        .await?;
                Ok(match homes {
                    Some((Some(channel), _)) => Some(Home::Channel(channel)),
                    Some((None, Some(dm))) => Some(Home::Dm(dm)),
                    _ => None,
                })
            }
        }
    }
}

impl Home {
    /// The table holding its total, the table of its members' seen counts and that table's
    /// column naming it, and its id.
    fn tables(self) -> (&'static str, &'static str, &'static str, i64) {
        match self {
            Home::Channel(id) => ("channels", "channel_seen", "channel_id", id),
            Home::Dm(id) => ("dms", "dm_seen", "dm_id", id),
        }
    }
}

/// The members who have seen message `$3` (by `$1`) in `place` (`$2`): its author, and whoever
/// has read the place at or past it.
pub(super) fn seers(place: Place) -> String {
    let (marks, column) = place.marks();
    format!("(SELECT $1 AS member_id UNION SELECT member_id FROM {marks} WHERE {column} = $2 AND message_id >= $3)")
}

/// Adds `by` (an SQL expression over the arguments and `who`'s columns) to the seen counts of the
/// members `who` selects (a `member_id` column and `where_`), in `place` when it is a thread and
/// in `home`. The arguments `$1` to `$5` are bound by the caller, in this order: `args`.
async fn add_seen(
    conn: &mut Conn,
    place: Place,
    home: Option<Home>,
    who: &str,
    by: &str,
    args: [i64; 5],
) -> Result<()> {
    let mut statements = Vec::new();
    if let Place::Thread(_) = place {
        statements.push(format!(
            "INSERT INTO thread_seen (thread_id, member_id, seen) SELECT $2, member_id, {by} FROM {who} \
             ON CONFLICT (thread_id, member_id) DO UPDATE SET seen = thread_seen.seen + excluded.seen"
        ));
    }
    if let Some(home) = home {
        let (_, seen, column, _) = home.tables();
        statements.push(format!(
            "INSERT INTO {seen} (member_id, {column}, seen) SELECT member_id, $4, {by} FROM {who} \
             ON CONFLICT (member_id, {column}) DO UPDATE SET seen = {seen}.seen + excluded.seen"
        ));
    }
    for sql in &statements {
        let mut query = db::query(sql);
        for arg in args {
            query = query.bind(arg);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The home's id, or 0 where there is none (an argument bound but not read).
fn home_id(home: Option<Home>) -> i64 {
    home.map_or(0, |home| home.tables().3)
}

/// Moves `member`'s mark in `target` forward to `up_to` (marks only move forward), held to the
/// newest message there is, and counts the messages by others it passes as seen.
pub(super) async fn mark_read(
    conn: &mut Conn,
    member: MemberId,
    target: MessageTarget,
    up_to: MessageId,
) -> Result<()> {
    let place = match target {
        MessageTarget::Thread(id) => Place::Thread(id.0),
        MessageTarget::Dm(id) => Place::Timeline(id.0),
    };
    let (marks, column) = place.marks();
    // A message not yet posted cannot have been read; and a mark above a new message would
    // make each post count for every member marked past it.
    let (newest,): (i64,) = db::query_as("SELECT COALESCE(MAX(id), 0) FROM messages").fetch_one(&mut *conn).await?;
    let up_to = up_to.0.min(newest);
    let old: Option<(i64,)> =
        db::query_as(&format!("SELECT message_id FROM {marks} WHERE member_id = $1 AND {column} = $2"))
            .bind(member.0)
            .bind(place.id())
            .fetch_optional(&mut *conn)
            .await?;
    let greatest = conn.dialect().greatest();
    db::query(&format!(
        "INSERT INTO {marks} (member_id, {column}, message_id) VALUES ($1, $2, $3) ON CONFLICT (member_id, {column}) \
         DO UPDATE SET message_id = {greatest}({marks}.message_id, excluded.message_id)"
    ))
    .bind(member.0)
    .bind(place.id())
    .bind(up_to)
    .execute(&mut *conn)
    .await?;
    let old = old.map_or(0, |(mark,)| mark);
    if up_to <= old {
        return Ok(());
    }
    let home = place.home(conn).await?;
    let who = "(SELECT $1 AS member_id) AS marked WHERE true";
    add_seen(conn, place, home, who, &passed_sql(column), [member.0, place.id(), old, home_id(home), up_to]).await
}

/// The messages a mark passes as it moves from `$3` to `$5` in the thread or timeline `$2`
/// (`column` names it), not by the member `$1`: a range on `messages_thread` or `messages_dm`.
pub(super) fn passed_sql(column: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM messages WHERE {column} = $2 AND id > $3 AND id <= $5 AND deleted = FALSE \
         AND author_id <> $1)"
    )
}

/// The message's author, its place, and whether it is deleted.
async fn message(conn: &mut Conn, id: MessageId) -> Result<Option<(i64, Place, bool)>> {
    let row: Option<(i64, Option<i64>, Option<i64>, bool)> =
        db::query_as("SELECT author_id, thread_id, dm_id, deleted FROM messages WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.and_then(|(author, thread, dm, deleted)| {
        let place = match (thread, dm) {
            (Some(thread), _) => Place::Thread(thread),
            (None, Some(dm)) => Place::Timeline(dm),
            (None, None) => return None,
        };
        Some((author, place, deleted))
    }))
}

/// Takes message `id` out of the counts of `place`, and of `home` when `in_home`: the place's
/// total, and the seen count of each member who had seen it there.
async fn take_out(conn: &mut Conn, id: MessageId, author: i64, place: Place, in_home: bool) -> Result<()> {
    let home = place.home(conn).await?;
    let seers = seers(place);
    let mut statements = Vec::new();
    if let Place::Thread(_) = place {
        statements.push("UPDATE threads SET live_messages = live_messages - 1 WHERE id = $2".to_string());
        statements
            .push(format!("UPDATE thread_seen SET seen = seen - 1 WHERE thread_id = $2 AND member_id IN {seers}"));
    }
    if let Some(home) = home {
        let (total, seen, column, _) = home.tables();
        if in_home {
            statements.push(format!("UPDATE {total} SET live_messages = live_messages - 1 WHERE id = $4"));
        }
        statements.push(format!("UPDATE {seen} SET seen = seen - 1 WHERE {column} = $4 AND member_id IN {seers}"));
    }
    for sql in &statements {
        db::query(sql).bind(author).bind(place.id()).bind(id.0).bind(home_id(home)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Before message `id` is marked deleted: it leaves every count it was in. Nothing for one
/// deleted already.
pub(super) async fn deleting(conn: &mut Conn, id: MessageId) -> Result<()> {
    match message(conn, id).await? {
        Some((author, place, false)) => take_out(conn, id, author, place, true).await,
        _ => Ok(()),
    }
}

/// Before timeline message `id` moves into a thread of the same channel or conversation: it
/// leaves its timeline's counts (its home's total stays: it stays in the home).
pub(super) async fn moving_out(conn: &mut Conn, id: MessageId) -> Result<()> {
    match message(conn, id).await? {
        Some((author, place, false)) => take_out(conn, id, author, place, false).await,
        _ => Ok(()),
    }
}

/// After message `id` moved from the timeline `from` into `thread`, before the marks of those
/// who had read it there are carried into the thread: it joins the thread's counts, as seen by
/// its author and whoever had read the thread past it; and whoever's mark in the thread the move
/// raises to it has seen what that passes.
pub(super) async fn moved_in(conn: &mut Conn, id: MessageId, from: Option<Place>, thread: ThreadId) -> Result<()> {
    let Some((author, place, deleted)) = message(conn, id).await? else { return Ok(()) };
    let home = place.home(conn).await?;
    let args = [author, thread.0, id.0, home_id(home), from.map_or(0, Place::id)];
    if !deleted {
        db::query("UPDATE threads SET live_messages = live_messages + 1 WHERE id = $1")
            .bind(thread.0)
            .execute(&mut *conn)
            .await?;
        let who = format!("{} AS seers WHERE true", seers(place));
        add_seen(conn, place, home, &who, "1", args).await?;
    }
    let Some(from) = from else { return Ok(()) };
    let (marks, column) = from.marks();
    let raised = format!(
        "{marks} r LEFT JOIN thread_read_marks t ON t.thread_id = $2 AND t.member_id = r.member_id \
         WHERE r.{column} = $5 AND r.message_id >= $3 AND COALESCE(t.message_id, 0) < $3"
    );
    let passed = "(SELECT COUNT(*) FROM messages m WHERE m.thread_id = $2 AND m.id > COALESCE(t.message_id, 0) \
         AND m.id <= $3 AND m.deleted = FALSE AND m.author_id <> r.member_id)";
    add_seen_raised(conn, place, home, &raised, passed, args).await
}

/// [`add_seen`] for the members whose marks a move raises: `who` names them `r.member_id`.
async fn add_seen_raised(
    conn: &mut Conn,
    place: Place,
    home: Option<Home>,
    who: &str,
    by: &str,
    args: [i64; 5],
) -> Result<()> {
    let who = format!("(SELECT r.member_id AS member_id, {by} AS passed FROM {who}) AS raised WHERE true");
    add_seen(conn, place, home, &who, "passed", args).await
}

/// Every count again from the messages and the marks as they are: what the migration filled
/// them with, and what a rebuild ends with.
pub(super) async fn recount(conn: &mut Conn) -> Result<()> {
    conn.batch("DELETE FROM thread_seen; DELETE FROM channel_seen; DELETE FROM dm_seen").await?;
    conn.batch(RECOUNT).await?;
    Ok(())
}

/// The counts from scratch (the backfill of migration `0024_unread_counts`): a running count
/// over each thread's (and timeline's) messages and marks in id order gives what is at or below
/// each mark, to which the member's own messages above it add.
const RECOUNT: &str = "\
UPDATE threads SET live_messages = \
    (SELECT COUNT(*) FROM messages m WHERE m.thread_id = threads.id AND m.deleted = FALSE); \
UPDATE channels SET live_messages = \
    (SELECT COALESCE(SUM(t.live_messages), 0) FROM threads t WHERE t.channel_id = channels.id); \
UPDATE dms SET live_messages = \
    (SELECT COUNT(*) FROM messages m WHERE m.dm_id = dms.id AND m.deleted = FALSE) \
    + (SELECT COALESCE(SUM(t.live_messages), 0) FROM threads t WHERE t.dm_id = dms.id); \
INSERT INTO thread_seen (thread_id, member_id, seen) \
SELECT thread_id, member_id, SUM(n) FROM ( \
    SELECT thread_id, member_id, below AS n FROM ( \
        SELECT thread_id, member_id, is_mark, \
            SUM(live) OVER (PARTITION BY thread_id ORDER BY id, is_mark ROWS UNBOUNDED PRECEDING) AS below \
        FROM ( \
            SELECT thread_id, id, NULL AS member_id, 0 AS is_mark, CASE WHEN deleted THEN 0 ELSE 1 END AS live \
            FROM messages WHERE thread_id IS NOT NULL \
            UNION ALL \
            SELECT thread_id, message_id, member_id, 1, 0 FROM thread_read_marks \
        ) AS messages_and_marks \
    ) AS running WHERE is_mark = 1 \
    UNION ALL \
    SELECT m.thread_id, m.author_id, COUNT(*) FROM messages m \
    LEFT JOIN thread_read_marks r ON r.thread_id = m.thread_id AND r.member_id = m.author_id \
    WHERE m.thread_id IS NOT NULL AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0) \
    GROUP BY m.thread_id, m.author_id \
) AS parts GROUP BY thread_id, member_id; \
INSERT INTO channel_seen (member_id, channel_id, seen) \
SELECT s.member_id, t.channel_id, SUM(s.seen) FROM thread_seen s JOIN threads t ON t.id = s.thread_id \
WHERE t.channel_id IS NOT NULL GROUP BY s.member_id, t.channel_id; \
INSERT INTO dm_seen (member_id, dm_id, seen) \
SELECT member_id, dm_id, SUM(n) FROM ( \
    SELECT dm_id, member_id, below AS n FROM ( \
        SELECT dm_id, member_id, is_mark, \
            SUM(live) OVER (PARTITION BY dm_id ORDER BY id, is_mark ROWS UNBOUNDED PRECEDING) AS below \
        FROM ( \
            SELECT dm_id, id, NULL AS member_id, 0 AS is_mark, CASE WHEN deleted THEN 0 ELSE 1 END AS live \
            FROM messages WHERE dm_id IS NOT NULL \
            UNION ALL \
            SELECT dm_id, message_id, member_id, 1, 0 FROM dm_read_marks \
        ) AS messages_and_marks \
    ) AS running WHERE is_mark = 1 \
    UNION ALL \
    SELECT m.dm_id, m.author_id, COUNT(*) FROM messages m \
    LEFT JOIN dm_read_marks r ON r.dm_id = m.dm_id AND r.member_id = m.author_id \
    WHERE m.dm_id IS NOT NULL AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0) \
    GROUP BY m.dm_id, m.author_id \
    UNION ALL \
    SELECT t.dm_id, s.member_id, s.seen FROM thread_seen s JOIN threads t ON t.id = s.thread_id \
    WHERE t.dm_id IS NOT NULL \
) AS parts GROUP BY member_id, dm_id";

// ---- reads ------------------------------------------------------------------------------------

/// The viewer's (`$1`) unread per channel (`'c'`) and per direct conversation they are in
/// (`'d'`), where above zero: a row of each read, and one of their seen counts.
pub(super) const UNREAD: &str = "\
SELECT 'c', c.id, c.live_messages - COALESCE(s.seen, 0) FROM channels c \
LEFT JOIN channel_seen s ON s.member_id = $1 AND s.channel_id = c.id \
WHERE c.live_messages > COALESCE(s.seen, 0) \
UNION ALL \
SELECT 'd', d.id, d.live_messages - COALESCE(s.seen, 0) FROM dm_members p JOIN dms d ON d.id = p.dm_id \
LEFT JOIN dm_seen s ON s.member_id = p.member_id AND s.dm_id = p.dm_id \
WHERE p.member_id = $1 AND d.live_messages > COALESCE(s.seen, 0)";

/// The unread of member `$1` in each thread of channel or conversation `$2` (`home` names its
/// column), where above zero, in id order; with `among` threads, of those alone (`$3`…).
pub(super) fn unread_threads_sql(home: &str, among: usize) -> String {
    let among = if among == 0 { String::new() } else { format!(" AND t.id IN ({})", db::placeholders(3, among)) };
    format!(
        "SELECT t.id, t.live_messages - COALESCE(s.seen, 0) FROM threads t \
         LEFT JOIN thread_seen s ON s.thread_id = t.id AND s.member_id = $1 \
         WHERE t.{home} = $2{among} AND t.live_messages > COALESCE(s.seen, 0) ORDER BY t.id"
    )
}

/// `member`'s unread per channel and per direct conversation they are in, where above zero
/// (the caller keeps only those they may read).
pub(super) async fn unread(conn: &mut Conn, member: MemberId) -> Result<Unread> {
    let rows: Vec<(String, i64, i64)> = db::query_as(UNREAD).bind(member.0).fetch_all(&mut *conn).await?;
    let mut unread = Unread::default();
    for (kind, id, count) in rows {
        match kind.as_str() {
            "c" => unread.channels.insert(ChannelId(id), count),
            _ => unread.dms.insert(DmId(id), count),
        };
    }
    Ok(unread)
}

/// `member`'s unread per thread of a channel or conversation (`home`: its column and id), or
/// per thread among `among` there.
pub(super) async fn unread_threads(
    conn: &mut Conn,
    member: MemberId,
    home: (&str, i64),
    among: Option<&[ThreadId]>,
) -> Result<Vec<(ThreadId, i64)>> {
    let among = among.unwrap_or_default();
    let sql = unread_threads_sql(home.0, among.len());
    let mut query = db::query_as::<(i64, i64)>(&sql).bind(member.0).bind(home.1);
    for thread in among {
        query = query.bind(thread.0);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(thread, n)| (ThreadId(thread), n)).collect())
}

#[cfg(test)]
mod tests;
