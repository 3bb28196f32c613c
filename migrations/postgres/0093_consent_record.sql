-- When the person agreed to the privacy notice: /mydata gives it back (issue 16). Accounts that
-- agreed before this was recorded keep NULL rather than a guessed time.
-- Keep in step with ../sqlite/0093_consent_record.sql.
ALTER TABLE accounts ADD COLUMN consented_at TIMESTAMPTZ;
