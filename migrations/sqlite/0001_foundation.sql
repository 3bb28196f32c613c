-- Flow Stage's foundation schema (SQLite). Keep it in step with ../postgres/0001_foundation.sql:
-- the same tables, columns and constraints, each database's own types.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    display_name TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('fr', 'en')),
    contact_email TEXT,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    email_alerts BOOLEAN NOT NULL DEFAULT TRUE,
    alert_threshold INTEGER NOT NULL DEFAULT 70 CHECK (alert_threshold BETWEEN 0 AND 100),
    created_at TEXT NOT NULL,
    erased_at TEXT
);

CREATE TABLE identities (
    platform TEXT NOT NULL CHECK (platform IN ('telegram', 'discord', 'email', 'local')),
    external_id TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, external_id)
);
CREATE INDEX identities_account ON identities (account_id);

CREATE TABLE link_codes (
    code TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);

CREATE TABLE profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('artist', 'venue')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected', 'suspended')),
    status_reason TEXT,
    name TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    details TEXT NOT NULL,
    calendar_token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX profiles_owner ON profiles (owner_id);
CREATE INDEX profiles_status ON profiles (status, kind);

CREATE TABLE profile_dates (
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    PRIMARY KEY (profile_id, day)
);
CREATE INDEX profile_dates_day ON profile_dates (day);

-- Every change to a profile appends a row: other instances follow this feed to refresh caches.
CREATE TABLE profile_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id INTEGER NOT NULL,
    changed_at TEXT NOT NULL
);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_profile INTEGER NOT NULL REFERENCES profiles (id),
    to_profile INTEGER NOT NULL REFERENCES profiles (id),
    artist_id INTEGER NOT NULL REFERENCES profiles (id),
    venue_id INTEGER NOT NULL REFERENCES profiles (id),
    sender_id INTEGER NOT NULL REFERENCES accounts (id),
    day TEXT NOT NULL,
    fee INTEGER NOT NULL CHECK (fee >= 0),
    deal TEXT NOT NULL,
    set_minutes INTEGER NOT NULL CHECK (set_minutes > 0),
    times TEXT NOT NULL,
    message TEXT,
    status TEXT NOT NULL CHECK (status IN ('sent', 'held', 'accepted', 'refused', 'withdrawn', 'expired', 'countered')),
    reason TEXT,
    counter_of INTEGER REFERENCES proposals (id),
    created_at TEXT NOT NULL,
    answered_at TEXT,
    expires_at TEXT NOT NULL,
    CHECK (from_profile <> to_profile),
    CHECK (artist_id <> venue_id)
);
CREATE INDEX proposals_to ON proposals (to_profile, status);
CREATE INDEX proposals_from ON proposals (from_profile, status);
CREATE INDEX proposals_expiry ON proposals (status, expires_at);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id INTEGER NOT NULL UNIQUE REFERENCES proposals (id),
    artist_id INTEGER NOT NULL REFERENCES profiles (id),
    venue_id INTEGER NOT NULL REFERENCES profiles (id),
    day TEXT NOT NULL,
    slot INTEGER NOT NULL CHECK (slot >= 1),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    contract_sha256 TEXT,
    cancel_reason TEXT,
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);
-- The database, not a check-then-write, decides races for the last slot.
CREATE UNIQUE INDEX bookings_venue_slot ON bookings (venue_id, day, slot) WHERE status = 'confirmed';
CREATE UNIQUE INDEX bookings_artist_day ON bookings (artist_id, day) WHERE status = 'confirmed';

CREATE TABLE thread_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX thread_messages_proposal ON thread_messages (proposal_id, id);

CREATE TABLE favourites (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, profile_id)
);

CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_searches_account ON saved_searches (account_id, id);

-- One alert per (saved search, profile), ever.
CREATE TABLE search_alerts (
    saved_search_id INTEGER NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (saved_search_id, profile_id)
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_until TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, available_at);

CREATE TABLE conversations (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, channel)
);
