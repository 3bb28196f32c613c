-- A `/link` code can never be NULL: in PostgreSQL its PRIMARY KEY already says so (0001), so
-- nothing changes here. The SQLite twin of this file rebuilds its table to say the same; the two
-- folders keep one numbering. Keep in step with ../sqlite/0040_link_code_not_null.sql.
SELECT 1;
