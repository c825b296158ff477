-- Unread counts, kept as messages are posted, deleted and moved and as read marks move, rather
-- than counted over every message on each page load (`sql/unread.rs`). A member's unread in a
-- thread, a channel or a direct conversation is the messages there that are not deleted
-- (`live_messages`) less those the member has seen there (`*_seen`): at or below their read
-- mark in the message's thread or timeline, or their own.

-- A mark never runs ahead of the newest message: a message not yet posted cannot have been read,
-- and the counts rely on every new message being above every mark.
UPDATE thread_read_marks SET message_id = (SELECT COALESCE(MAX(id), 0) FROM messages)
WHERE message_id > (SELECT COALESCE(MAX(id), 0) FROM messages);
UPDATE dm_read_marks SET message_id = (SELECT COALESCE(MAX(id), 0) FROM messages)
WHERE message_id > (SELECT COALESCE(MAX(id), 0) FROM messages);

-- Who has read a thread or a timeline past a message: a deletion or a move asks.
CREATE INDEX thread_read_marks_thread ON thread_read_marks (thread_id, message_id);
CREATE INDEX dm_read_marks_dm ON dm_read_marks (dm_id, message_id);

-- Messages not deleted, kept by each post, deletion and move.
ALTER TABLE threads ADD COLUMN live_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN live_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dms ADD COLUMN live_messages INTEGER NOT NULL DEFAULT 0;

-- The messages each member has seen, per thread, channel (all its threads) and direct
-- conversation (its timeline and threads); no row counts as none.
CREATE TABLE thread_seen (
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    seen INTEGER NOT NULL,
    PRIMARY KEY (thread_id, member_id)
) WITHOUT ROWID;
CREATE TABLE channel_seen (
    member_id INTEGER NOT NULL REFERENCES members (id),
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    seen INTEGER NOT NULL,
    PRIMARY KEY (member_id, channel_id)
) WITHOUT ROWID;
CREATE TABLE dm_seen (
    member_id INTEGER NOT NULL REFERENCES members (id),
    dm_id INTEGER NOT NULL REFERENCES dms (id),
    seen INTEGER NOT NULL,
    PRIMARY KEY (member_id, dm_id)
) WITHOUT ROWID;

-- Backfill: what the counts would have been, had they been kept from the start.
UPDATE threads SET live_messages =
    (SELECT COUNT(*) FROM messages m WHERE m.thread_id = threads.id AND m.deleted = FALSE);
UPDATE channels SET live_messages =
    (SELECT COALESCE(SUM(t.live_messages), 0) FROM threads t WHERE t.channel_id = channels.id);
UPDATE dms SET live_messages =
    (SELECT COUNT(*) FROM messages m WHERE m.dm_id = dms.id AND m.deleted = FALSE)
    + (SELECT COALESCE(SUM(t.live_messages), 0) FROM threads t WHERE t.dm_id = dms.id);

-- Seen in a thread: the messages at or below the mark (a running count over the thread's
-- messages and marks in id order, a message before a mark on the same id), and the member's own
-- above it.
INSERT INTO thread_seen (thread_id, member_id, seen)
SELECT thread_id, member_id, SUM(n) FROM (
    SELECT thread_id, member_id, below AS n FROM (
        SELECT thread_id, member_id, is_mark,
            SUM(live) OVER (PARTITION BY thread_id ORDER BY id, is_mark ROWS UNBOUNDED PRECEDING) AS below
        FROM (
            SELECT thread_id, id, NULL AS member_id, 0 AS is_mark, CASE WHEN deleted THEN 0 ELSE 1 END AS live
            FROM messages WHERE thread_id IS NOT NULL
            UNION ALL
            SELECT thread_id, message_id, member_id, 1, 0 FROM thread_read_marks
        ) AS messages_and_marks
    ) AS running WHERE is_mark = 1
    UNION ALL
    SELECT m.thread_id, m.author_id, COUNT(*) FROM messages m
    LEFT JOIN thread_read_marks r ON r.thread_id = m.thread_id AND r.member_id = m.author_id
    WHERE m.thread_id IS NOT NULL AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0)
    GROUP BY m.thread_id, m.author_id
) AS parts GROUP BY thread_id, member_id;

INSERT INTO channel_seen (member_id, channel_id, seen)
SELECT s.member_id, t.channel_id, SUM(s.seen) FROM thread_seen s JOIN threads t ON t.id = s.thread_id
WHERE t.channel_id IS NOT NULL GROUP BY s.member_id, t.channel_id;

-- A direct conversation's: its timeline's (the same count over its timeline and marks), and its
-- threads'.
INSERT INTO dm_seen (member_id, dm_id, seen)
SELECT member_id, dm_id, SUM(n) FROM (
    SELECT dm_id, member_id, below AS n FROM (
        SELECT dm_id, member_id, is_mark,
            SUM(live) OVER (PARTITION BY dm_id ORDER BY id, is_mark ROWS UNBOUNDED PRECEDING) AS below
        FROM (
            SELECT dm_id, id, NULL AS member_id, 0 AS is_mark, CASE WHEN deleted THEN 0 ELSE 1 END AS live
            FROM messages WHERE dm_id IS NOT NULL
            UNION ALL
            SELECT dm_id, message_id, member_id, 1, 0 FROM dm_read_marks
        ) AS messages_and_marks
    ) AS running WHERE is_mark = 1
    UNION ALL
    SELECT m.dm_id, m.author_id, COUNT(*) FROM messages m
    LEFT JOIN dm_read_marks r ON r.dm_id = m.dm_id AND r.member_id = m.author_id
    WHERE m.dm_id IS NOT NULL AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0)
    GROUP BY m.dm_id, m.author_id
    UNION ALL
    SELECT t.dm_id, s.member_id, s.seen FROM thread_seen s JOIN threads t ON t.id = s.thread_id
    WHERE t.dm_id IS NOT NULL
) AS parts GROUP BY member_id, dm_id;
