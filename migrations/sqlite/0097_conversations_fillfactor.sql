-- PostgreSQL leaves room in the conversations' pages for their next versions (issue 18). SQLite
-- has no fill factor: nothing changes here; the migration keeps both databases' lists alike.
-- Keep in step with ../postgres/0097_conversations_fillfactor.sql.
SELECT 1;
