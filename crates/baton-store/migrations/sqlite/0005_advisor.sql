-- The outcome of each advisor suggestion, by its stable key (e.g. `nudge-task-12`): accepted
-- or dismissed, once. The events carry the detail; this table makes the "once" atomic.
CREATE TABLE advisor_outcomes (
    key TEXT PRIMARY KEY,
    accepted INTEGER NOT NULL,
    decided_by INTEGER NOT NULL REFERENCES members (id),
    decided_at INTEGER NOT NULL
) WITHOUT ROWID;
