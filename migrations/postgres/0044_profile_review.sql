-- An approved profile's edit of a public field (name, genres, city, capacity) waits here for
-- review, as the profile's details JSON, while the approved version stays published and
-- matched (issue 19). NULL when no edit waits. Keep in step with ../sqlite/0044_profile_review.sql.
ALTER TABLE profiles ADD COLUMN review_details TEXT;
