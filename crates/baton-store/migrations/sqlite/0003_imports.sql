-- Imports bring two things Baton itself does not make.
-- A channel's timeline: the messages people posted in a channel outside any thread (Slack,
-- Mattermost). It is kept as a thread flagged `timeline`, one per channel, with no title.
ALTER TABLE threads ADD COLUMN timeline INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX threads_timeline ON threads (channel_id) WHERE timeline = 1;

-- A service account (the importer's own owner): it can act, but it is not a person, so
-- insights do not list it among the members.
ALTER TABLE members ADD COLUMN service INTEGER NOT NULL DEFAULT 0;
