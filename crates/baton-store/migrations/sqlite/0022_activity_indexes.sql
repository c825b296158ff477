-- A check-in's prompt names what its member did since the last one: the threads they posted in
-- and the tasks they moved. Both were read by scanning every message and every event, inside
-- the writer.
CREATE INDEX messages_author ON messages (author_id, created_at);
CREATE INDEX events_actor ON events (actor, at);
