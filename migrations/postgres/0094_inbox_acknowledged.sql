-- Whether the platform was told an update arrived (issue 17). Telegram's updates are
-- acknowledged by being recorded (the next poll, or the webhook's 200, comes after the insert);
-- a Discord interaction is recorded, then acknowledged by a call that can fail or be cut short
-- by a crash: one taken back unacknowledged was shown to the person as failed and is not handled.
-- Keep in step with ../sqlite/0094_inbox_acknowledged.sql.
ALTER TABLE inbox ADD COLUMN acknowledged BOOLEAN NOT NULL DEFAULT TRUE;
