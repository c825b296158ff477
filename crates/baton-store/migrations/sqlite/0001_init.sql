-- Baton's first schema: the event log, and the current-state tables projected from it in the
-- same transaction. Times are microseconds since the Unix epoch (UTC).

CREATE TABLE workspace (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    source TEXT NOT NULL,
    -- Who may read the event: members of this channel, participants of this conversation,
    -- and (scope_internal = 1) everyone but guests. NULL/0 means no restriction of that kind.
    scope_channel INTEGER,
    scope_dm INTEGER,
    scope_internal INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_at ON events (at);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    working_hours TEXT NOT NULL,
    password_hash TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id),
    purpose TEXT NOT NULL, -- 'session' or 'invite'
    created_at INTEGER NOT NULL
);
CREATE INDEX tokens_member ON tokens (member_id);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    visibility TEXT NOT NULL,
    topic TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE channel_members (
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (channel_id, member_id)
) WITHOUT ROWID;
CREATE INDEX channel_members_member ON channel_members (member_id);

CREATE TABLE dms (
    id INTEGER PRIMARY KEY,
    -- The sorted participant ids joined by ',': one conversation per set of people.
    member_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_message_at INTEGER
);

CREATE TABLE dm_members (
    dm_id INTEGER NOT NULL REFERENCES dms (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    PRIMARY KEY (dm_id, member_id)
) WITHOUT ROWID;
CREATE INDEX dm_members_member ON dm_members (member_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER REFERENCES channels (id),
    task_id INTEGER,
    title TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER
);
CREATE INDEX threads_channel ON threads (channel_id, id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    thread_id INTEGER NOT NULL REFERENCES threads (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    assignee_id INTEGER REFERENCES members (id),
    status TEXT NOT NULL,
    due TEXT,
    priority TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES members (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    done_at INTEGER
);
CREATE INDEX tasks_project ON tasks (project_id, id);
CREATE INDEX tasks_assignee ON tasks (assignee_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER REFERENCES threads (id),
    dm_id INTEGER REFERENCES dms (id),
    author_id INTEGER NOT NULL REFERENCES members (id),
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    mentions TEXT NOT NULL DEFAULT '[]',
    urgent INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0,
    CHECK ((thread_id IS NULL) != (dm_id IS NULL))
);
CREATE INDEX messages_thread ON messages (thread_id, id);
CREATE INDEX messages_dm ON messages (dm_id, id);

CREATE TABLE message_versions (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    body TEXT NOT NULL,
    replaced_at INTEGER NOT NULL
);
CREATE INDEX message_versions_message ON message_versions (message_id);

CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    emoji TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, member_id)
) WITHOUT ROWID;

-- A create retried with the same Idempotency-Key returns the first answer.
CREATE TABLE idempotency (
    actor INTEGER NOT NULL,
    key TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (actor, key)
) WITHOUT ROWID;
