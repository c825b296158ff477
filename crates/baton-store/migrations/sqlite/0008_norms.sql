-- Norms: how soon a reply is expected, in working minutes: the workspace's default and a
-- channel's own (NULL: the default).
ALTER TABLE workspace ADD COLUMN reply_within_minutes INTEGER NOT NULL DEFAULT 240;
ALTER TABLE channels ADD COLUMN reply_within_minutes INTEGER;
