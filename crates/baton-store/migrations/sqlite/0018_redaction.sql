-- Deleting a message redacts it from the log itself: its text leaves the event that posted it
-- and every event that edited it. These indexes find those events without reading the log.
CREATE INDEX events_posted_message ON events (json_extract(payload, '$.message.id')) WHERE kind = 'message.posted';
CREATE INDEX events_edited_message ON events (json_extract(payload, '$.message_id')) WHERE kind = 'message.edited';
