-- Hold promotions told exactly once (issue 17): the rank each hold's parties were last told.
-- A hold whose rank is now better is told it moved up, and told_rank is set in the same
-- transaction as the notices, so a crash between a release and its promotions loses nothing
-- (the timers' pass tells what is left) and two workers tell it once. Existing holds were told
-- their current rank. Keep in step with ../postgres/0048_hold_told_rank.sql.
ALTER TABLE holds ADD COLUMN told_rank INTEGER;
UPDATE holds SET told_rank = (
    SELECT COUNT(*) FROM holds AS ahead
    WHERE ahead.venue_id = holds.venue_id AND ahead.day = holds.day AND ahead.seq <= holds.seq
);
