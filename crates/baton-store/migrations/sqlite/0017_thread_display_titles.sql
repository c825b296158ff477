-- How an imported thread's title reads in the app. A Slack thread is titled with the first 80
-- characters of its parent's text as exported (`_*launch*_`, `<@U1>`), which reports name it by
-- (DESIGN.md); people read it without the markup. NULL: the title reads as it is.
ALTER TABLE threads ADD COLUMN display_title TEXT;
