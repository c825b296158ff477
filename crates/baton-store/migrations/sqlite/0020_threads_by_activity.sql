-- A channel's or a conversation's threads are listed by their last activity (the last message,
-- else when the thread began), a page at a time: the list reads this index from its newest end.
CREATE INDEX threads_channel_activity ON threads (channel_id, COALESCE(last_message_at, created_at), id);
CREATE INDEX threads_dm_activity ON threads (dm_id, COALESCE(last_message_at, created_at), id);
