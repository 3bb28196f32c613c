-- Email (issue 15): the code that verifies an address (one pending per account: its hash, when it
-- expires, tries left, how many were sent in the current hour), and the emails to send, claimed
-- under a lease like the outbox. A notification the outbox queues for an account with a verified
-- address is copied here in the same transaction when its kind goes by email; search alerts
-- (kind 'alert', with alerts on) wait for the account's daily digest, which carries a one-click
-- unsubscribe link with the account's token.
-- Keep in step with ../postgres/0091_email.sql.
CREATE TABLE email_codes (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    tries INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    sent_in_window INTEGER NOT NULL
);

CREATE TABLE emails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    to_address TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('code', 'notice', 'alert')),
    payload TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_until TEXT,
    sent_at TEXT,
    failed_at TEXT,
    last_error TEXT
);
CREATE INDEX emails_due ON emails (sent_at, failed_at, available_at);
CREATE INDEX emails_digest ON emails (kind, account_id, sent_at);

CREATE TABLE email_unsubscribe (
    token TEXT NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE
);
