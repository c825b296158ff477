-- Full-text search over message bodies. Words are runs of letters and digits, case folded,
-- accents kept: every other character becomes a space before the 'simple' configuration
-- (no stemming, no stop words) reads the body, so that this backend finds what SQLite's FTS5
-- `unicode61` tokenizer finds. A deleted message's body is emptied, so the generated column
-- drops its words in the same statement.
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);
