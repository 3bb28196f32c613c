-- The beta's engagement (issue 16): the days each account acted on, one row per account and
-- day, written by the first step of the day (the conversation's last save says whether it is
-- the first). Erased with the account.
-- Keep in step with ../sqlite/0081_active_days.sql.
CREATE TABLE active_days (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    PRIMARY KEY (account_id, day)
);
CREATE INDEX active_days_day ON active_days (day);
