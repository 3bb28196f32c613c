-- A search alerts only when its person chose to follow it ("🔔 Alert me", issue 11); the other
-- rows are /match history. Searches saved before this were never chosen: they stay history.
-- One followed row per (account, profile, query): following twice changes nothing.
-- Keep in step with ../postgres/0045_followed_searches.sql.
ALTER TABLE saved_searches ADD COLUMN followed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX saved_searches_followed ON saved_searches (account_id, profile_id, query) WHERE followed;
