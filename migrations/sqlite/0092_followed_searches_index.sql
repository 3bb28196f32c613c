-- Alerts look up the followed searches a changed profile may answer through this index, with the
-- seeking profile's kind and status and the alerts already sent decided by the database, rather
-- than reading every followed search on each change (issue 17).
-- Keep in step with ../postgres/0092_followed_searches_index.sql.
CREATE INDEX saved_searches_following ON saved_searches (profile_id) WHERE followed;
