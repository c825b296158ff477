-- Who follows a thread (started it or posted in it): those a reply notifies. Kept as a table so
-- that a post does not scan its thread's history.
CREATE TABLE thread_followers (
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (thread_id, member_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO thread_followers (thread_id, member_id) SELECT id, created_by FROM threads;
INSERT OR IGNORE INTO thread_followers (thread_id, member_id)
    SELECT DISTINCT thread_id, author_id FROM messages WHERE thread_id IS NOT NULL;
