-- Who a profile's show or room is for (issue 11): the JSON of `domain::audience::Audience`
-- (ages and seating); NULL until the person says it. Matching reads it. The artist's line-up
-- stays in artist_sheets (0041), where contracts read it too. Keep in step with
-- ../sqlite/0065_profile_audience.sql.
ALTER TABLE profiles ADD COLUMN audience TEXT;
