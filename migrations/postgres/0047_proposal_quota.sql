-- The daily proposal quota decided by the database (issue 17): each new proposal (not a counter)
-- takes one unit of its profile's UTC day in the proposal's own transaction, and the upsert
-- refuses the unit past the limit, so two proposals at once cannot both pass the last one.
-- Days before this are counted from the proposals already sent. Keep in step with
-- ../sqlite/0047_proposal_quota.sql.
CREATE TABLE proposal_quota (
    profile_id BIGINT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (profile_id, day)
);
INSERT INTO proposal_quota (profile_id, day, used)
    SELECT from_profile, (created_at AT TIME ZONE 'UTC')::DATE, COUNT(*) FROM proposals
    WHERE counter_of IS NULL
    GROUP BY from_profile, (created_at AT TIME ZONE 'UTC')::DATE;
