-- What a contract ready to sign needs (issue 13). Keep in step with ../postgres/0041_contract_facts.sql.
-- The structure behind a profile (legal name, form, SIRET, VAT, licences, signatory), as the
-- JSON of `domain::legal::LegalIdentity`: asked once, reused by every contract.
CREATE TABLE legal_identities (
    profile_id INTEGER PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    identity TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- An artist's line-up and technical needs, printed in the contract and its annex.
CREATE TABLE artist_sheets (
    profile_id INTEGER PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    performers INTEGER CHECK (performers >= 1),
    crew INTEGER CHECK (crew >= 0),
    technical_needs TEXT,
    updated_at TEXT NOT NULL,
    CHECK ((performers IS NULL) = (crew IS NULL))
);

-- The terms only the contract prints (meal, curfew, costs, payment, tickets, drinks), as the
-- JSON of `domain::terms::ContractTerms`; '{}' is "nothing answered yet".
ALTER TABLE proposals ADD COLUMN contract_terms TEXT NOT NULL DEFAULT '{}';

-- The SHA-256 of both language copies, and the signed copies each side returned.
ALTER TABLE bookings ADD COLUMN contract_fr_sha256 TEXT;
ALTER TABLE bookings ADD COLUMN contract_en_sha256 TEXT;
ALTER TABLE bookings ADD COLUMN artist_signed_sha256 TEXT;
ALTER TABLE bookings ADD COLUMN artist_signed_at TEXT;
ALTER TABLE bookings ADD COLUMN venue_signed_sha256 TEXT;
ALTER TABLE bookings ADD COLUMN venue_signed_at TEXT;
