-- Holds on venue dates (SPEC §4). Keep in step with ../postgres/0002_holds.sql.
-- A row exists while its proposal is held. Ranks are the order of `seq` among the holds of
-- one venue date, so a hold going away promotes everyone behind it without rewriting their rows.
-- The timers (expiry, challenge deadline) are columns here: a worker fires one by a
-- compare-and-set on the row, so several instances never fire the same timer twice.

CREATE TABLE holds (
    proposal_id INTEGER PRIMARY KEY REFERENCES proposals (id),
    venue_id INTEGER NOT NULL REFERENCES profiles (id),
    day TEXT NOT NULL,
    seq INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    -- The lower hold that challenged this one, and when this one's holder must have answered.
    challenged_by INTEGER REFERENCES proposals (id),
    challenge_deadline TEXT,
    created_at TEXT NOT NULL,
    CHECK ((challenged_by IS NULL) = (challenge_deadline IS NULL))
);
CREATE UNIQUE INDEX holds_rank ON holds (venue_id, day, seq);
CREATE INDEX holds_expiry ON holds (expires_at);
CREATE INDEX holds_challenge ON holds (challenge_deadline);
