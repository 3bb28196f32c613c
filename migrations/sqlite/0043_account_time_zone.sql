-- Each account's time zone (issue 19), an IANA name: dates and deadlines are written in the
-- recipient's local time. Keep in step with ../postgres/0043_account_time_zone.sql.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Paris';
