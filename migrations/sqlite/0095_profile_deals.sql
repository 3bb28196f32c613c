-- The deals a profile takes (issue 11): 'fee' (a fixed fee: cession, and the guarantee deals,
-- which pay one), 'share' (a share of the receipts: coréalisation) or 'either'; NULL until said.
-- /match filters on it.
-- Keep in step with ../postgres/0095_profile_deals.sql.
ALTER TABLE profiles ADD COLUMN deals TEXT CHECK (deals IN ('fee', 'share', 'either'));
