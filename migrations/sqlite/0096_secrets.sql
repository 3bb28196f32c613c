-- Keys the platform makes for itself, one per use, shared by every instance through the
-- database (issue 15: 'email-reply' signs the reply addresses of proposal emails). Made on first
-- use; nobody configures them.
-- Keep in step with ../postgres/0096_secrets.sql.
CREATE TABLE secrets (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
