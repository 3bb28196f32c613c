-- Booking numbers without gaps, per year (issue 17): a booking's number is year * 1000000 + its
-- rank among the year's bookings, taken from booking_counters in the booking's own transaction,
-- so a refused or rolled-back accept uses no number. Contracts print it as FS-2026-000003.
-- Bookings made before this are numbered in id order. Keep in step with
-- ../postgres/0046_booking_numbers.sql.
CREATE TABLE booking_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
ALTER TABLE bookings ADD COLUMN number INTEGER;
UPDATE bookings SET number = CAST(substr(created_at, 1, 4) AS INTEGER) * 1000000 + (
    SELECT COUNT(*) FROM bookings AS earlier
    WHERE substr(earlier.created_at, 1, 4) = substr(bookings.created_at, 1, 4)
      AND earlier.id <= bookings.id
);
INSERT INTO booking_counters (year, last)
    SELECT number / 1000000, MAX(number % 1000000) FROM bookings GROUP BY number / 1000000;
CREATE UNIQUE INDEX bookings_number ON bookings (number);
