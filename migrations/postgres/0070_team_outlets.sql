-- A venue is run by a team (issue 10): a profile may have one team outlet, a place on a
-- platform where its team reads the profile's notifications and answers for it (a Discord
-- server's booking channel: the address is the platform's own id for it). One profile per
-- outlet, so a notification or an answer there names its profile without doubt.
-- And who answered each proposal (accepted, refused, countered or held it): the receiving
-- profile's owner or a member of its team.
-- Keep in step with ../sqlite/0070_team_outlets.sql.
CREATE TABLE team_outlets (
    profile_id BIGINT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    platform TEXT NOT NULL CHECK (platform IN ('telegram', 'discord', 'email', 'local')),
    address TEXT NOT NULL,
    set_by BIGINT NOT NULL REFERENCES accounts (id),
    set_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX team_outlets_address ON team_outlets (platform, address);
ALTER TABLE proposals ADD COLUMN answered_by BIGINT REFERENCES accounts (id);
