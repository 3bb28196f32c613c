-- A `/link` code can never be NULL. SQLite, unlike PostgreSQL, lets a TEXT PRIMARY KEY column
-- hold NULL unless it says NOT NULL, which 0001 did not: the schema parity test
-- (core/tests/schema_parity.rs) found it. SQLite cannot alter a column, so the table is rebuilt;
-- codes live ten minutes, but the ones there are kept. Keep in step with ../postgres/0040_….
CREATE TABLE link_codes_new (
    code TEXT NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);
INSERT INTO link_codes_new (code, account_id, expires_at)
    SELECT code, account_id, expires_at FROM link_codes WHERE code IS NOT NULL;
DROP TABLE link_codes;
ALTER TABLE link_codes_new RENAME TO link_codes;
