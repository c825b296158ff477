-- How often a check-in asks (baton_core::model::Cadence as JSON): `{}` is every working day, as
-- before; `{"days": ["fri"], "every_weeks": 2}` every other Friday.
ALTER TABLE checkins ADD COLUMN cadence TEXT NOT NULL DEFAULT '{}';
