-- Notifications (mentions, direct messages, replies in threads one takes part in, task
-- assignments): made with their cause, delivered at once inside the recipient's working hours
-- (or when urgent), else held by a job until their next working period starts.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL, -- 'mention', 'dm', 'reply', 'assigned'
    payload TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    deliver_at INTEGER NOT NULL,
    delivered_at INTEGER,
    read_at INTEGER
);
CREATE INDEX notifications_member ON notifications (member_id, id);
