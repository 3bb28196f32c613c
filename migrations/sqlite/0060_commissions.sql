-- The platform's commission on confirmed bookings, paid through Stripe (issue 14). A row is
-- written in the booking's own transaction with everything that decided the amount (payer,
-- rate, VAT rule, free period), so no later change of configuration recomputes it. Statuses are
-- spelled once in CommissionStatus::as_str; this CHECK is the database's copy. Keep in step with
-- ../postgres/0060_commissions.sql.
CREATE TABLE commissions (
    booking_id INTEGER PRIMARY KEY REFERENCES bookings (id),
    payer TEXT NOT NULL CHECK (payer IN ('venue', 'artist')),
    payer_account_id INTEGER NOT NULL REFERENCES accounts (id),
    rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    fee_cents INTEGER NOT NULL CHECK (fee_cents >= 0),
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    vat_rule TEXT NOT NULL CHECK (vat_rule IN ('fr_standard', 'reverse_charge', 'outside_eu')),
    vat_bp INTEGER NOT NULL CHECK (vat_bp >= 0),
    vat_cents INTEGER NOT NULL CHECK (vat_cents >= 0),
    total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
    free_until TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waived', 'owed', 'paid', 'cancelled', 'refund_due', 'refunded')),
    attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    checkout_session_id TEXT,
    checkout_url TEXT,
    checkout_expires_at TEXT,
    reminded_at TEXT,
    payment_intent TEXT,
    paid_cents INTEGER,
    paid_at TEXT,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    refunded_at TEXT,
    refund_told BOOLEAN NOT NULL DEFAULT FALSE,
    dispute_id TEXT,
    disputed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX commissions_status ON commissions (status);
CREATE INDEX commissions_payment_intent ON commissions (payment_intent);

-- Every Stripe event applied, by its id: inserted in the transaction of its effect, so a
-- retried delivery finds it and changes nothing. `outcome` says what applying it did
-- (StripeOutcome::as_str).
CREATE TABLE stripe_events (
    id TEXT NOT NULL PRIMARY KEY,
    type TEXT NOT NULL,
    booking_id INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'settled', 'settled_after_cancel', 'paid_twice', 'renewed', 'stale', 'refunded', 'disputed', 'unmatched', 'ignored')),
    created INTEGER NOT NULL,
    received_at TEXT NOT NULL
);
