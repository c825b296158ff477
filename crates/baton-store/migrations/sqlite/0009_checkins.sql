-- Check-ins: a recurring question set asked of each member at a local time on their working
-- days, answered in the check-in's thread, with a digest posted at a set time.
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    title TEXT NOT NULL,
    questions TEXT NOT NULL, -- a JSON array of strings
    ask_at TEXT NOT NULL, -- HH:MM in each member's own zone
    digest_at TEXT NOT NULL, -- HH:MM in digest_zone, Monday to Friday
    digest_zone TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL,
    last_digest_at INTEGER
);

CREATE TABLE checkin_members (
    checkin_id INTEGER NOT NULL REFERENCES checkins (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (checkin_id, member_id)
) WITHOUT ROWID;

-- One ask per member and local working day; its answer once given.
CREATE TABLE checkin_asks (
    id INTEGER PRIMARY KEY,
    checkin_id INTEGER NOT NULL REFERENCES checkins (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    day TEXT NOT NULL,
    asked_at INTEGER NOT NULL,
    answer_message_id INTEGER REFERENCES messages (id),
    UNIQUE (checkin_id, member_id, day)
);
