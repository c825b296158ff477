-- Items put on a member's next check-in (an advisor suggestion for a stalled task): asked about
-- once, in the next prompt.
CREATE TABLE checkin_agenda (
    id INTEGER PRIMARY KEY,
    checkin_id INTEGER NOT NULL REFERENCES checkins (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    added_at INTEGER NOT NULL,
    asked_at INTEGER
);
CREATE INDEX checkin_agenda_pending ON checkin_agenda (checkin_id, member_id) WHERE asked_at IS NULL;
