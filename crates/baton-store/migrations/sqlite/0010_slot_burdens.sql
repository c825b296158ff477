-- Booked meeting slots that fell outside someone's working hours: how often each member took
-- that burden, so that the next suggestion asks someone else.
CREATE TABLE slot_burdens (
    member_id INTEGER PRIMARY KEY REFERENCES members (id),
    count INTEGER NOT NULL
);
