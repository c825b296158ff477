-- An Idempotency-Key answers only the request it was first used with: the fingerprint of that
-- request is kept beside the answer, and a different request with the same key is refused.
ALTER TABLE idempotency ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';

-- Some events concern one member besides the channel's readers (being removed from a private
-- channel): that member may read them too.
ALTER TABLE events ADD COLUMN scope_member INTEGER;
