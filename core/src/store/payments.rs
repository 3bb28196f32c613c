//! Commissions and Stripe's events (docs/product-rules.md §8). A commission is written in its
//! booking's transaction ([`insert_commission_in!`]) and cancelled in the cancellation's
//! ([`CANCEL_COMMISSION`]); each Stripe event is inserted by id in the transaction of its effect,
//! so a retried delivery changes nothing. Every move is a compare-and-set on the status: an event
//! arriving after what it would change (an `expired` after a `completed`) finds nothing to move.

use chrono::{DateTime, NaiveDate, Utc};

use super::proposals::enqueue_in;
use super::{Notice, Result, Store, StoreError, on_pool};
use crate::config::{Admins, CommissionPayer};
use crate::domain::account::Platform;
use crate::domain::proposal::BookingNumber;
use crate::domain::{AccountId, BookingId};
use crate::payments::{
    Applied, BookingFacts, Change, CheckoutLink, Commission, CommissionStatus, CommissionTotals,
    Owed, PENDING_OUTCOME, PaymentNews, PaymentNotice, StripeEvent, StripeOutcome, VatRule, queued,
};

/// Records what a booking owes, inside the booking's transaction `$tx`:
/// `insert_commission_in!(tx, booking id (i64), &Owed, now)`.
macro_rules! insert_commission_in {
    ($tx:ident, $booking:expr, $owed:expr, $now:expr) => {{
        let o: &$crate::payments::Owed = $owed;
        sqlx::query($crate::store::payments::INSERT_COMMISSION)
            .bind($booking)
            .bind(o.payer.as_str())
            .bind(o.payer_account.0)
            .bind(i64::from(o.rate_bp))
            .bind(o.fee_cents)
            .bind(o.amount_cents)
            .bind(o.vat_rule.as_str())
            .bind(i64::from(o.vat_bp))
            .bind(o.vat_cents)
            .bind(o.total_cents)
            .bind(o.free_until)
            .bind(o.status.as_str())
            .bind($now)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use insert_commission_in;

pub(crate) const INSERT_COMMISSION: &str = "INSERT INTO commissions (booking_id, payer, \
     payer_account_id, rate_bp, fee_cents, amount_cents, vat_rule, vat_bp, vat_cents, total_cents, \
     free_until, status, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";

/// Run in a booking's cancellation: owed → cancelled; paid → refund due (an admin decides, the
/// admins not told yet). Binds: booking, now, then the statuses ([`cancel_commission_in!`]).
pub(crate) const CANCEL_COMMISSION: &str = "UPDATE commissions SET \
     status = CASE WHEN status = $3 THEN $4 ELSE $5 END, \
     refund_told = CASE WHEN status = $3 THEN refund_told ELSE FALSE END, updated_at = $2 \
     WHERE booking_id = $1 AND status IN ($3, $6)";

/// What a booking owes stops being owed as it is cancelled, inside the cancellation's `$tx`.
macro_rules! cancel_commission_in {
    ($tx:ident, $booking:expr, $now:expr) => {{
        use $crate::payments::CommissionStatus as S;
        sqlx::query($crate::store::payments::CANCEL_COMMISSION)
            .bind($booking)
            .bind($now)
            .bind(S::Owed.as_str())
            .bind(S::Cancelled.as_str())
            .bind(S::RefundDue.as_str())
            .bind(S::Paid.as_str())
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use cancel_commission_in;

const COMMISSION_COLUMNS: &str = "c.booking_id, c.payer, c.payer_account_id, c.rate_bp, \
     c.fee_cents, c.amount_cents, c.vat_rule, c.vat_bp, c.vat_cents, c.total_cents, c.free_until, \
     c.status, c.attempt, c.checkout_session_id, c.checkout_url, c.checkout_expires_at, \
     c.payment_intent, c.paid_cents, c.paid_at, c.refunded_cents, c.refunded_at, c.dispute_id, \
     c.reminded_at, b.number, b.day, b.created_at";

#[derive(sqlx::FromRow)]
struct CommissionRow {
    booking_id: i64,
    payer: String,
    payer_account_id: i64,
    rate_bp: i64,
    fee_cents: i64,
    amount_cents: i64,
    vat_rule: String,
    vat_bp: i64,
    vat_cents: i64,
    total_cents: i64,
    free_until: DateTime<Utc>,
    status: String,
    attempt: i64,
    checkout_session_id: Option<String>,
    checkout_url: Option<String>,
    checkout_expires_at: Option<DateTime<Utc>>,
    payment_intent: Option<String>,
    paid_cents: Option<i64>,
    paid_at: Option<DateTime<Utc>>,
    refunded_cents: i64,
    refunded_at: Option<DateTime<Utc>>,
    dispute_id: Option<String>,
    reminded_at: Option<DateTime<Utc>>,
    number: Option<i64>,
    day: NaiveDate,
    created_at: DateTime<Utc>,
}

fn reference(booking: i64, number: Option<i64>, created_at: DateTime<Utc>) -> String {
    match number.and_then(BookingNumber::from_stored) {
        Some(n) => n.to_string(),
        None => format!("FS-{}-{booking:06}", created_at.format("%Y")),
    }
}

impl TryFrom<CommissionRow> for (Commission, BookingFacts) {
    type Error = StoreError;
    fn try_from(r: CommissionRow) -> Result<Self> {
        let bad = |what: &'static str, v: &dyn std::fmt::Display| StoreError::corrupt(what, v);
        let status = CommissionStatus::parse(&r.status)
            .ok_or_else(|| bad("commission status", &r.status))?;
        let vat_rule = VatRule::parse(&r.vat_rule).ok_or_else(|| bad("VAT rule", &r.vat_rule))?;
        let owed = Owed {
            payer: CommissionPayer::parse(&r.payer).ok_or_else(|| bad("payer", &r.payer))?,
            payer_account: AccountId(r.payer_account_id),
            rate_bp: u16::try_from(r.rate_bp).map_err(|e| bad("rate", &e))?,
            fee_cents: r.fee_cents,
            amount_cents: r.amount_cents,
            vat_rule,
            vat_bp: u16::try_from(r.vat_bp).map_err(|e| bad("VAT rate", &e))?,
            vat_cents: r.vat_cents,
            total_cents: r.total_cents,
            free_until: r.free_until,
            status: if status == CommissionStatus::Waived {
                CommissionStatus::Waived
            } else {
                CommissionStatus::Owed
            },
        };
        let checkout = match (r.checkout_session_id, r.checkout_url) {
            (Some(session_id), Some(url)) => {
                Some(CheckoutLink { session_id, url, expires_at: r.checkout_expires_at })
            }
            _ => None,
        };
        let facts =
            BookingFacts { reference: reference(r.booking_id, r.number, r.created_at), day: r.day };
        Ok((
            Commission {
                booking: BookingId(r.booking_id),
                owed,
                status,
                attempt: u32::try_from(r.attempt).map_err(|e| bad("attempt", &e))?,
                checkout,
                payment_intent: r.payment_intent,
                paid_cents: r.paid_cents,
                paid_at: r.paid_at,
                refunded_cents: r.refunded_cents,
                refunded_at: r.refunded_at,
                dispute: r.dispute_id,
                reminded_at: r.reminded_at,
            },
            facts,
        ))
    }
}

/// The commission and booking facts an event's notices need, read inside its transaction.
type FactsRow = (i64, i64, Option<i64>, NaiveDate, DateTime<Utc>);
const FACTS_SQL: &str = "SELECT c.payer_account_id, c.total_cents, b.number, b.day, b.created_at \
     FROM commissions c JOIN bookings b ON b.id = c.booking_id WHERE c.booking_id = $1";

/// What an event did, with whom to tell, decided inside its transaction.
struct Effect {
    outcome: StripeOutcome,
    booking: Option<i64>,
    /// (news, to the payer rather than the admins)
    news: Option<(PaymentNews, bool)>,
}

impl Effect {
    fn only(outcome: StripeOutcome, booking: Option<i64>) -> Self {
        Self { outcome, booking, news: None }
    }
}

/// `SELECT` commission rows joined with their booking, `WHERE $cond` (ordering and limit
/// included), binding `$binds` in order.
macro_rules! commissions {
    ($store:expr, $cond:expr $(, $bind:expr)* $(,)?) => {{
        let sql = format!(
            "SELECT {COMMISSION_COLUMNS} FROM commissions c JOIN bookings b ON b.id = c.booking_id \
             WHERE {}",
            $cond
        );
        let rows = on_pool!($store, |p| {
            sqlx::query_as::<_, CommissionRow>(&sql)$(.bind($bind))*.fetch_all(p).await
        })?;
        rows.into_iter().map(<(Commission, BookingFacts)>::try_from).collect::<Result<Vec<_>>>()
    }};
}

/// The booking an event about a charge concerns, inside `$tx`: named in its metadata, or the one
/// whose payment it is. Evaluates to `Option<i64>`.
macro_rules! find_booking {
    ($tx:ident, $booking:expr, $payment_intent:expr) => {{
        let booking: Option<BookingId> = $booking;
        let payment_intent: Option<&str> = $payment_intent;
        let mut found = None;
        if let Some(b) = booking {
            let known: Option<(i64,)> =
                sqlx::query_as("SELECT booking_id FROM commissions WHERE booking_id = $1")
                    .bind(b.0)
                    .fetch_optional(&mut *$tx)
                    .await?;
            found = known.map(|(b,)| b);
        }
        if found.is_none()
            && let Some(pi) = payment_intent
        {
            let by_payment: Option<(i64,)> =
                sqlx::query_as("SELECT booking_id FROM commissions WHERE payment_intent = $1")
                    .bind(pi)
                    .fetch_optional(&mut *$tx)
                    .await?;
            found = by_payment.map(|(b,)| b);
        }
        found
    }};
}

impl Store {
    /// The commission of a booking, if one was recorded (bookings confirmed before payments
    /// existed have none).
    pub async fn commission(&self, booking: BookingId) -> Result<Option<Commission>> {
        let found: Vec<_> = commissions!(self, "c.booking_id = $1", booking.0)?;
        Ok(found.into_iter().next().map(|(c, _)| c))
    }

    /// The commission of the booking a proposal became, if any.
    pub async fn commission_of_proposal(
        &self,
        proposal: crate::domain::ProposalId,
    ) -> Result<Option<Commission>> {
        let found: Vec<_> = commissions!(self, "b.proposal_id = $1", proposal.0)?;
        Ok(found.into_iter().next().map(|(c, _)| c))
    }

    /// Owed commissions without a link: just confirmed, or whose last link ran out.
    pub async fn commissions_without_link(
        &self,
        limit: i64,
    ) -> Result<Vec<(Commission, BookingFacts)>> {
        commissions!(
            self,
            "c.status = $1 AND c.checkout_session_id IS NULL ORDER BY c.booking_id LIMIT $2",
            CommissionStatus::Owed.as_str(),
            limit
        )
    }

    /// Links of owed commissions that ran out before `before` without Stripe's
    /// `checkout.session.expired` reaching us: the next attempt is opened, as the event would
    /// (compare-and-set on the session, so the event arriving too changes nothing more).
    /// Returns how many.
    pub async fn renew_lapsed_links(&self, before: DateTime<Utc>) -> Result<u64> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            sqlx::query(
                "UPDATE commissions SET attempt = attempt + 1, checkout_session_id = NULL, \
                 checkout_url = NULL, checkout_expires_at = NULL, reminded_at = NULL, updated_at = $1 \
                 WHERE status = $2 AND checkout_session_id IS NOT NULL AND checkout_expires_at < $3",
            )
            .bind(now)
            .bind(CommissionStatus::Owed.as_str())
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?)
    }

    /// Stores the link of attempt `attempt` and queues its notice, in one transaction; false if
    /// the commission moved meanwhile (paid, cancelled, or another instance stored it first).
    pub async fn record_checkout(
        &self,
        booking: BookingId,
        attempt: u32,
        link: &CheckoutLink,
        notice: &Notice,
    ) -> Result<bool> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE commissions SET checkout_session_id = $1, checkout_url = $2, \
                 checkout_expires_at = $3, updated_at = $4 \
                 WHERE booking_id = $5 AND attempt = $6 AND status = $7 AND checkout_session_id IS NULL",
            )
            .bind(&link.session_id)
            .bind(&link.url)
            .bind(link.expires_at)
            .bind(now)
            .bind(booking.0)
            .bind(i64::from(attempt))
            .bind(CommissionStatus::Owed.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            enqueue_in!(tx, [notice], now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?)
    }

    /// Links still open for commissions no longer owed (their booking was cancelled): to expire
    /// at Stripe, so nobody pays for a cancelled show. (booking, session)
    pub async fn checkouts_to_close(&self, limit: i64) -> Result<Vec<(BookingId, String)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT booking_id, checkout_session_id FROM commissions \
                 WHERE status = $1 AND checkout_url IS NOT NULL AND checkout_session_id IS NOT NULL \
                 ORDER BY booking_id LIMIT $2",
            )
            .bind(CommissionStatus::Cancelled.as_str())
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        Ok(rows.into_iter().map(|(b, s)| (BookingId(b), s)).collect())
    }

    /// The link of `session` is closed at Stripe: it is no longer shown.
    pub async fn checkout_closed(&self, booking: BookingId, session: &str) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE commissions SET checkout_url = NULL, updated_at = $1 \
                 WHERE booking_id = $2 AND checkout_session_id = $3",
            )
            .bind(now)
            .bind(booking.0)
            .bind(session)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Owed commissions with a link, not reminded yet, whose show is on or before `until`
    /// (and not past).
    pub async fn commissions_to_remind(
        &self,
        until: NaiveDate,
        limit: i64,
    ) -> Result<Vec<(Commission, BookingFacts)>> {
        let today = self.clock.today();
        commissions!(
            self,
            "c.status = $1 AND c.checkout_url IS NOT NULL AND c.reminded_at IS NULL \
             AND b.day <= $2 AND b.day >= $3 ORDER BY c.booking_id LIMIT $4",
            CommissionStatus::Owed.as_str(),
            until,
            today,
            limit
        )
    }

    /// Marks a commission reminded and queues the reminder, once.
    pub async fn mark_reminded(&self, booking: BookingId, notice: &Notice) -> Result<bool> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE commissions SET reminded_at = $1, updated_at = $1 \
                 WHERE booking_id = $2 AND reminded_at IS NULL AND status = $3",
            )
            .bind(now)
            .bind(booking.0)
            .bind(CommissionStatus::Owed.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            enqueue_in!(tx, [notice], now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?)
    }

    /// Paid commissions of cancelled bookings the admins were not told of yet.
    pub async fn refunds_to_announce(&self, limit: i64) -> Result<Vec<(Commission, BookingFacts)>> {
        commissions!(
            self,
            "c.status = $1 AND NOT c.refund_told ORDER BY c.booking_id LIMIT $2",
            CommissionStatus::RefundDue.as_str(),
            limit
        )
    }

    /// Marks a refund to decide as told and queues `notices` (to the admins), once.
    pub async fn announce_refund(&self, booking: BookingId, notices: &[Notice]) -> Result<bool> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE commissions SET refund_told = TRUE, updated_at = $1 \
                 WHERE booking_id = $2 AND status = $3 AND NOT refund_told",
            )
            .bind(now)
            .bind(booking.0)
            .bind(CommissionStatus::RefundDue.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?)
    }

    /// The accounts of the configured admins who have written to the bot (an admin who never
    /// did cannot be reached by it): told of refunds and disputes.
    pub async fn admin_accounts(&self, admins: &Admins) -> Result<Vec<AccountId>> {
        let mut ids: Vec<(Platform, String)> = Vec::new();
        ids.extend(admins.telegram_ids.iter().map(|i| (Platform::Telegram, i.to_string())));
        ids.extend(admins.discord_ids.iter().map(|i| (Platform::Discord, i.to_string())));
        let mut out = Vec::new();
        for (platform, external) in ids {
            let found: Option<(i64,)> = on_pool!(self, |p| {
                sqlx::query_as(
                    "SELECT account_id FROM identities WHERE platform = $1 AND external_id = $2",
                )
                .bind(platform.as_str())
                .bind(&external)
                .fetch_optional(p)
                .await
            })?;
            if let Some((a,)) = found
                && !out.contains(&AccountId(a))
            {
                out.push(AccountId(a));
            }
        }
        Ok(out)
    }

    /// Sums for `/stats`.
    pub async fn commission_totals(&self) -> Result<CommissionTotals> {
        let rows: Vec<(String, i64, i64, i64, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT status, COUNT(*), CAST(COALESCE(SUM(total_cents), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(paid_cents), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(refunded_cents), 0) AS BIGINT) \
                 FROM commissions GROUP BY status",
            )
            .fetch_all(p)
            .await
        })?;
        let mut t = CommissionTotals::default();
        for (status, count, total, paid, refunded) in rows {
            let status = CommissionStatus::parse(&status)
                .ok_or_else(|| StoreError::corrupt("commission status", &status))?;
            t.refunded_cents += refunded;
            match status {
                CommissionStatus::Owed => (t.owed_count, t.owed_cents) = (count, total),
                CommissionStatus::Waived => t.waived_count = count,
                CommissionStatus::Cancelled => {}
                CommissionStatus::Paid
                | CommissionStatus::RefundDue
                | CommissionStatus::Refunded => {
                    t.paid_count += count;
                    t.paid_cents += paid;
                    if status == CommissionStatus::RefundDue {
                        t.refunds_to_decide += count;
                    }
                }
            }
        }
        Ok(t)
    }

    /// Applies one Stripe event, once: the event's id is inserted in the transaction of its
    /// effect, so a retried delivery (after a timeout, a crash, or a 5xx) finds it and does
    /// nothing. `admins` are told of refunds, disputes and refunds to decide.
    pub async fn apply_stripe_event(
        &self,
        event: &StripeEvent,
        admins: &[AccountId],
    ) -> Result<Applied> {
        use CommissionStatus as S;
        let now = self.clock.now();
        let applied = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // First: concurrent deliveries of one event queue on this key; the later finds it.
            let fresh: Option<(String,)> = sqlx::query_as(
                "INSERT INTO stripe_events (id, type, outcome, created, received_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id",
            )
            .bind(&event.id)
            .bind(&event.kind)
            .bind(PENDING_OUTCOME)
            .bind(event.created)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if fresh.is_none() {
                return Ok(Applied::AlreadyApplied);
            }
            let effect = match &event.change {
                Change::Other | Change::CheckoutCompleted { paid: false, .. } => {
                    Effect::only(StripeOutcome::Ignored, None)
                }
                Change::CheckoutCompleted { booking: None, .. }
                | Change::CheckoutExpired { booking: None, .. } => {
                    Effect::only(StripeOutcome::Unmatched, None)
                }
                Change::CheckoutCompleted {
                    booking: Some(b),
                    payment_intent,
                    amount_total,
                    ..
                } => {
                    let moved: Option<(String,)> = sqlx::query_as(
                        "UPDATE commissions SET \
                         status = CASE WHEN status = $1 THEN $2 ELSE $3 END, \
                         refund_told = TRUE, payment_intent = $4, \
                         paid_cents = COALESCE($5, total_cents), paid_at = $6, \
                         checkout_url = NULL, updated_at = $6 \
                         WHERE booking_id = $7 AND status IN ($1, $8) RETURNING status",
                    )
                    .bind(S::Owed.as_str())
                    .bind(S::Paid.as_str())
                    .bind(S::RefundDue.as_str())
                    .bind(payment_intent.as_deref())
                    .bind(*amount_total)
                    .bind(now)
                    .bind(b.0)
                    .bind(S::Cancelled.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    match moved.map(|(s,)| s) {
                        Some(s) if s == S::Paid.as_str() => Effect {
                            outcome: StripeOutcome::Settled,
                            booking: Some(b.0),
                            news: Some((PaymentNews::Paid, true)),
                        },
                        Some(_) => Effect {
                            outcome: StripeOutcome::SettledAfterCancel,
                            booking: Some(b.0),
                            news: Some((PaymentNews::RefundToDecide { paid_twice: false }, false)),
                        },
                        None => {
                            let now_is: Option<(String, Option<String>)> = sqlx::query_as(
                                "SELECT status, payment_intent FROM commissions WHERE booking_id = $1",
                            )
                            .bind(b.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                            match now_is {
                                None => Effect::only(StripeOutcome::Unmatched, None),
                                Some((_, Some(known)))
                                    if payment_intent.as_deref().is_some_and(|pi| pi != known) =>
                                {
                                    Effect {
                                        outcome: StripeOutcome::PaidTwice,
                                        booking: Some(b.0),
                                        news: Some((
                                            PaymentNews::RefundToDecide { paid_twice: true },
                                            false,
                                        )),
                                    }
                                }
                                Some(_) => Effect::only(StripeOutcome::Stale, Some(b.0)),
                            }
                        }
                    }
                }
                Change::CheckoutExpired { session, booking: Some(b) } => {
                    // Only the current link of an owed commission is renewed: an older session,
                    // or one that expired after the payment, changes nothing.
                    let renewed = sqlx::query(
                        "UPDATE commissions SET attempt = attempt + 1, checkout_session_id = NULL, \
                         checkout_url = NULL, checkout_expires_at = NULL, reminded_at = NULL, updated_at = $1 \
                         WHERE booking_id = $2 AND status = $3 AND checkout_session_id = $4",
                    )
                    .bind(now)
                    .bind(b.0)
                    .bind(S::Owed.as_str())
                    .bind(session)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if renewed == 1 {
                        Effect::only(StripeOutcome::Renewed, Some(b.0))
                    } else {
                        sqlx::query(
                            "UPDATE commissions SET checkout_url = NULL, updated_at = $1 \
                             WHERE booking_id = $2 AND checkout_session_id = $3",
                        )
                        .bind(now)
                        .bind(b.0)
                        .bind(session)
                        .execute(&mut *tx)
                        .await?;
                        Effect::only(StripeOutcome::Stale, Some(b.0))
                    }
                }
                Change::ChargeRefunded {
                    payment_intent, booking, amount_refunded, fully, ..
                } => {
                    let found = find_booking!(tx, *booking, payment_intent.as_deref());
                    match found {
                        None => Effect::only(StripeOutcome::Unmatched, None),
                        Some(b) => {
                            // `amount_refunded` is the charge's running total: an older event
                            // arriving late never lowers it.
                            sqlx::query(
                                "UPDATE commissions SET \
                                 refunded_cents = CASE WHEN $1 > refunded_cents THEN $1 ELSE refunded_cents END, \
                                 status = CASE WHEN $2 THEN $3 ELSE status END, \
                                 refunded_at = $4, payment_intent = COALESCE(payment_intent, $5), updated_at = $4 \
                                 WHERE booking_id = $6",
                            )
                            .bind(*amount_refunded)
                            .bind(*fully)
                            .bind(S::Refunded.as_str())
                            .bind(now)
                            .bind(payment_intent.as_deref())
                            .bind(b)
                            .execute(&mut *tx)
                            .await?;
                            Effect {
                                outcome: StripeOutcome::Refunded,
                                booking: Some(b),
                                news: Some((
                                    PaymentNews::Refunded {
                                        cents: *amount_refunded,
                                        fully: *fully,
                                    },
                                    false,
                                )),
                            }
                        }
                    }
                }
                Change::DisputeCreated {
                    dispute, payment_intent, booking, amount, reason, ..
                } => {
                    let found = find_booking!(tx, *booking, payment_intent.as_deref());
                    match found {
                        None => Effect::only(StripeOutcome::Unmatched, None),
                        Some(b) => {
                            sqlx::query(
                                "UPDATE commissions SET dispute_id = $1, disputed_at = $2, updated_at = $2 \
                                 WHERE booking_id = $3",
                            )
                            .bind(dispute)
                            .bind(now)
                            .bind(b)
                            .execute(&mut *tx)
                            .await?;
                            Effect {
                                outcome: StripeOutcome::Disputed,
                                booking: Some(b),
                                news: Some((
                                    PaymentNews::Disputed {
                                        cents: *amount,
                                        reason: reason.clone(),
                                    },
                                    false,
                                )),
                            }
                        }
                    }
                }
            };
            if let (Some(b), Some((news, to_payer))) = (effect.booking, &effect.news) {
                let facts: Option<FactsRow> =
                    sqlx::query_as(FACTS_SQL).bind(b).fetch_optional(&mut *tx).await?;
                if let Some((payer, total, number, day, created_at)) = facts {
                    let notice = PaymentNotice {
                        booking: BookingId(b),
                        reference: reference(b, number, created_at),
                        day,
                        total_cents: total,
                        news: news.clone(),
                    };
                    let key = format!("stripe:{}", event.id);
                    let notices: Vec<Notice> = if *to_payer {
                        vec![queued(AccountId(payer), notice, &key)]
                    } else {
                        admins.iter().map(|a| queued(*a, notice.clone(), &key)).collect()
                    };
                    enqueue_in!(tx, &notices, now);
                }
            }
            sqlx::query("UPDATE stripe_events SET outcome = $1, booking_id = $2 WHERE id = $3")
                .bind(effect.outcome.as_str())
                .bind(effect.booking)
                .bind(&event.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Applied::Now(effect.outcome))
        })?;
        Ok(applied)
    }

    /// What each applied event did, by id (tests and audits): (outcome, booking).
    pub async fn stripe_event_outcome(
        &self,
        id: &str,
    ) -> Result<Option<(StripeOutcome, Option<BookingId>)>> {
        let row: Option<(String, Option<i64>)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT outcome, booking_id FROM stripe_events WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await
        })?;
        row.map(|(o, b)| {
            StripeOutcome::parse(&o)
                .map(|o| (o, b.map(BookingId)))
                .ok_or_else(|| StoreError::corrupt("stripe event outcome", &o))
        })
        .transpose()
    }
}
