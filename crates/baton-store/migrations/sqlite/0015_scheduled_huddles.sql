-- A huddle set up for a slot ahead (accepting the advisor's "take it live"): nobody joins
-- before it opens; its invitees hear of it at once and again when it opens.
ALTER TABLE huddles ADD COLUMN opens_at INTEGER;
