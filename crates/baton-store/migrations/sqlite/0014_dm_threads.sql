-- Direct conversations have threads, as channels do: a reply to a message of a direct
-- conversation's timeline starts one (as in Slack and Mattermost), and imports bring the threads
-- of Slack DMs and group DMs. A thread lives in a channel, in a direct conversation, or is a
-- task's.
ALTER TABLE threads ADD COLUMN dm_id INTEGER REFERENCES dms (id);
CREATE INDEX threads_dm ON threads (dm_id, id) WHERE dm_id IS NOT NULL;

-- The name a direct conversation had in the export it came from (Slack: a DM's id, an mpim's
-- name): reports name it so, as channels keep their exported names.
ALTER TABLE dms ADD COLUMN export_name TEXT;
