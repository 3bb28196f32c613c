-- Every conversation step rewrites its conversation's row (issue 18). A full page has no room
-- for the new version beside the old, so nearly every update made PostgreSQL prune the page,
-- moving its rows, first. Pages half full keep room for several new versions between prunes.
-- Applies to the pages written from now on. SQLite has no fill factor.
-- Keep in step with ../sqlite/0097_conversations_fillfactor.sql.
ALTER TABLE conversations SET (fillfactor = 50);
