-- The stored inbox (issue 17): every update a platform sends is recorded here, under the
-- platform's own id, before it is acknowledged, so a crash loses none and a second delivery of
-- the same update is skipped. A step's replies are written in the transaction that saves the
-- conversation and marks the update handled, then sent from here: `sent` counts the platform's
-- messages already sent for them (one write after each), `done_at` says all were.
-- A claim (`claimed_by`, `claimed_until`) is a short lease renewed while its instance lives: a
-- dead instance's updates are taken over when it lapses. Rows are purged two days after done.
-- Keep in step with ../postgres/0090_inbox.sql.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL CHECK (platform IN ('telegram', 'discord', 'email', 'local')),
    external_id TEXT NOT NULL,
    chat TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_until TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    handled_at TEXT,
    done_at TEXT,
    UNIQUE (platform, external_id)
);
CREATE INDEX inbox_waiting ON inbox (platform, done_at, claimed_until);
CREATE INDEX inbox_done ON inbox (done_at);

CREATE TABLE inbox_replies (
    inbox_id INTEGER NOT NULL REFERENCES inbox (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    reply TEXT NOT NULL,
    PRIMARY KEY (inbox_id, position)
);
