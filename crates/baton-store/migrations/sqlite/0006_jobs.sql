-- Timed work (scheduled messages, reminders; later check-ins, digests, held notifications):
-- a job fires once, in the same transaction as its effect, so a restart at any moment neither
-- loses nor repeats one.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL, -- 'send_message' or 'remind'
    member_id INTEGER NOT NULL REFERENCES members (id),
    due_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    fired_at INTEGER,
    cancelled_at INTEGER,
    -- What firing did: the message posted, or why it could not be done.
    outcome TEXT
);
CREATE INDEX jobs_pending ON jobs (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX jobs_member ON jobs (member_id, id);
