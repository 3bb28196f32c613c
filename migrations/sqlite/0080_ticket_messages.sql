-- Support that answers (issue 16): a ticket's conversation after its first message
-- (tickets.body): the admins' replies and the person's answers, in order. An admin's reply names
-- its author; the person's answers are theirs (tickets.account_id).
-- Keep in step with ../postgres/0080_ticket_messages.sql.
CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    from_admin BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
