-- How far each member has read each thread and direct conversation: the id of the last message
-- they saw. Unread = messages by others after it. Private to the member: no events.
CREATE TABLE thread_read_marks (
    member_id INTEGER NOT NULL REFERENCES members (id),
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    message_id INTEGER NOT NULL,
    PRIMARY KEY (member_id, thread_id)
) WITHOUT ROWID;

CREATE TABLE dm_read_marks (
    member_id INTEGER NOT NULL REFERENCES members (id),
    dm_id INTEGER NOT NULL REFERENCES dms (id),
    message_id INTEGER NOT NULL,
    PRIMARY KEY (member_id, dm_id)
) WITHOUT ROWID;
