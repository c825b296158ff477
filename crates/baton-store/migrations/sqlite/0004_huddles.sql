-- Huddles: live sessions on a thread (or a task's thread), with who was in when, and the
-- decisions and action items recorded during them.
CREATE TABLE huddles (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    task_id INTEGER REFERENCES tasks (id),
    -- Where the action items become tasks when the huddle ends.
    project_id INTEGER REFERENCES projects (id),
    title TEXT NOT NULL,
    call_link TEXT,
    agenda TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    started_by INTEGER NOT NULL REFERENCES members (id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    summary_message_id INTEGER REFERENCES messages (id)
);
CREATE INDEX huddles_thread ON huddles (thread_id, id);
CREATE INDEX huddles_open ON huddles (ended_at);

CREATE TABLE huddle_invites (
    huddle_id INTEGER NOT NULL REFERENCES huddles (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (huddle_id, member_id)
) WITHOUT ROWID;

-- One row per stretch of presence: a member who leaves and rejoins has two.
CREATE TABLE huddle_participants (
    id INTEGER PRIMARY KEY,
    huddle_id INTEGER NOT NULL REFERENCES huddles (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    joined_at INTEGER NOT NULL,
    left_at INTEGER
);
CREATE INDEX huddle_participants_huddle ON huddle_participants (huddle_id, id);

CREATE TABLE huddle_items (
    id INTEGER PRIMARY KEY,
    huddle_id INTEGER NOT NULL REFERENCES huddles (id),
    kind TEXT NOT NULL, -- 'decision' or 'action'
    text TEXT NOT NULL,
    assignee_id INTEGER REFERENCES members (id),
    due TEXT,
    task_id INTEGER REFERENCES tasks (id),
    created_by INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX huddle_items_huddle ON huddle_items (huddle_id, id);
