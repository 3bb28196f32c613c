-- Booking numbers without gaps, per year (issue 17): a booking's number is year * 1000000 + its
-- rank among the year's bookings, taken from booking_counters in the booking's own transaction,
-- so a refused or rolled-back accept uses no number. Contracts print it as FS-2026-000003.
-- Bookings made before this are numbered in id order. Keep in step with
-- ../sqlite/0046_booking_numbers.sql.
CREATE TABLE booking_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
ALTER TABLE bookings ADD COLUMN number BIGINT;
UPDATE bookings SET number = ranked.number
FROM (
    SELECT id,
           EXTRACT(YEAR FROM created_at AT TIME ZONE 'UTC')::BIGINT * 1000000
             + ROW_NUMBER() OVER (PARTITION BY EXTRACT(YEAR FROM created_at AT TIME ZONE 'UTC') ORDER BY id) AS number
    FROM bookings
) AS ranked
WHERE bookings.id = ranked.id;
INSERT INTO booking_counters (year, last)
    SELECT number / 1000000, MAX(number % 1000000) FROM bookings GROUP BY number / 1000000;
CREATE UNIQUE INDEX bookings_number ON bookings (number);
