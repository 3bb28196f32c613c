//! The platform's commission (docs/product-rules.md §8): what a confirmed booking owes
//! ([`commission`]), the Checkout link that collects it, and Stripe's webhook events that settle
//! it ([`event`], [`signature`]), each applied once.
//!
//! The core does no I/O of its own: Stripe's API is behind [`CheckoutApi`] (the HTTP client is
//! `flowstage-webhooks`'s), and [`PaymentsService::pass`] is the worker's one step — create the
//! links that are missing, close the links of cancelled bookings, remind before the show, tell
//! the admins of refunds to decide.

pub mod commission;
pub mod event;
pub mod signature;

use std::future::Future;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use commission::{CheckoutLink, Commission, CommissionStatus, Owed, Payer, VatRule, share};
pub use event::{Change, StripeEvent};

use crate::domain::{AccountId, BookingId, Lang};
use crate::notify::Event;
use crate::store::{Notice, Store, StoreError};

/// A reminder goes out when the show is this close and the commission is still unpaid.
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// How long after a link's expiry the worker renews it itself when Stripe's
/// `checkout.session.expired` has not come (the event normally does it within seconds).
pub const LAPSED_LINK_GRACE_MINUTES: i64 = 60;

/// What applying one Stripe event did. Stored with the event by [`StripeOutcome::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StripeOutcome {
    /// Paid: the commission is settled.
    Settled,
    /// Paid for a booking cancelled meanwhile: flagged for an admin's refund decision.
    SettledAfterCancel,
    /// A second payment for a commission already paid: flagged for the admins.
    PaidTwice,
    /// The link ran out: a new one is to be sent.
    Renewed,
    /// Arrived after what it would change (an `expired` after a `completed`, an old session).
    Stale,
    Refunded,
    Disputed,
    /// About no booking of ours.
    Unmatched,
    /// A type we do not act on, or a completed session whose money is not in yet.
    Ignored,
}

impl StripeOutcome {
    pub const ALL: [Self; 9] = [
        Self::Settled,
        Self::SettledAfterCancel,
        Self::PaidTwice,
        Self::Renewed,
        Self::Stale,
        Self::Refunded,
        Self::Disputed,
        Self::Unmatched,
        Self::Ignored,
    ];

    /// The name stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Settled => "settled",
            Self::SettledAfterCancel => "settled_after_cancel",
            Self::PaidTwice => "paid_twice",
            Self::Renewed => "renewed",
            Self::Stale => "stale",
            Self::Refunded => "refunded",
            Self::Disputed => "disputed",
            Self::Unmatched => "unmatched",
            Self::Ignored => "ignored",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The stored outcome of an event row while its transaction runs (never committed as such).
pub(crate) const PENDING_OUTCOME: &str = "pending";

/// What [`Store::apply_stripe_event`] answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Applied now, with its effect, in one transaction.
    Now(StripeOutcome),
    /// This event id was applied before: nothing was done again.
    AlreadyApplied,
}

/// What a payment notice is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "news", rename_all = "snake_case")]
pub enum PaymentNews {
    /// The link to pay (a new one when `renewed`: the previous one ran out).
    Link { url: String, renewed: bool },
    /// The show is near and the commission is unpaid.
    Reminder { url: String },
    /// Paid: the payer's receipt.
    Paid,
    /// For the admins: a paid commission whose booking was cancelled, or paid twice.
    RefundToDecide { paid_twice: bool },
    /// For the admins: Stripe refunded this much (in full or not).
    Refunded { cents: i64, fully: bool },
    /// For the admins: the payer's bank disputes the charge.
    Disputed { cents: i64, reason: String },
}

/// A notification about a booking's commission, for the payer or the admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentNotice {
    pub booking: BookingId,
    /// "FS-2026-000003".
    pub reference: String,
    pub day: NaiveDate,
    /// What the payer pays, VAT included.
    pub total_cents: i64,
    #[serde(flatten)]
    pub news: PaymentNews,
}

/// `notice` for `account` as an outbox entry, keyed `{key}:{account}`.
pub(crate) fn queued(account: AccountId, notice: PaymentNotice, key: &str) -> Notice {
    // Plain data (strings, numbers, a date): serialising cannot fail.
    let payload = serde_json::to_string(&Event::Payment(notice)).unwrap_or_default();
    (account, payload, format!("{key}:{account}"))
}

/// What a Checkout Session is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub booking: BookingId,
    /// Derived from the booking and the attempt ([`Commission::idempotency_key`]).
    pub idempotency_key: String,
    /// VAT included, in euro cents.
    pub amount_cents: i64,
    /// The line the payer reads on Stripe's page, in their language.
    pub product_name: String,
    pub locale: Lang,
}

/// Why Stripe's API did not give what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    /// Stripe refused the request (4xx): retrying the same request will not help.
    #[error("Stripe refused ({status}, {kind}): {message}")]
    Refused { status: u16, kind: String, message: String },
    /// Stripe or the network failed (5xx, timeout): the next pass tries again.
    #[error("Stripe unavailable: {0}")]
    Unavailable(String),
}

/// Stripe's Checkout Sessions, as the payments worker needs them.
pub trait CheckoutApi: Send + Sync {
    fn create_session(
        &self,
        request: &CheckoutRequest,
    ) -> impl Future<Output = Result<CheckoutLink, CheckoutError>> + Send;

    /// Closes a session so its link can no longer be paid (a session already completed or
    /// expired is refused by Stripe; the caller reads that as closed).
    fn expire_session(
        &self,
        session: &str,
    ) -> impl Future<Output = Result<(), CheckoutError>> + Send;
}

/// What one pass of the payments worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub links_sent: usize,
    pub links_closed: usize,
    pub reminders: usize,
    pub refunds_flagged: usize,
    pub failures: usize,
}

/// Drives the commission's links: the one step the payments worker repeats.
#[derive(Debug, Clone)]
pub struct PaymentsService {
    store: Store,
    admins: crate::config::Admins,
}

impl PaymentsService {
    /// `admins`: who is told of refunds to decide (those who have written to the bot).
    #[must_use]
    pub fn new(store: Store, admins: crate::config::Admins) -> Self {
        Self { store, admins }
    }

    /// One pass: links for commissions owed without one (first, or after an expiry), links of
    /// cancelled bookings closed, reminders before the show, refunds to decide told to the
    /// admins. Stripe's failures are counted and retried at the next pass.
    pub async fn pass(&self, api: &impl CheckoutApi) -> Result<PassReport, StoreError> {
        let mut report = PassReport::default();
        let lapsed = self.store.clock().now() - Duration::minutes(LAPSED_LINK_GRACE_MINUTES);
        self.store.renew_lapsed_links(lapsed).await?;
        for (c, facts) in self.store.commissions_without_link(50).await? {
            let lang = self.store.account(c.owed.payer_account).await?.lang;
            let request = CheckoutRequest {
                booking: c.booking,
                idempotency_key: c.idempotency_key(),
                amount_cents: c.owed.total_cents,
                product_name: crate::conversation::i18n::tr(
                    lang,
                    "pay-product",
                    &[("reference", facts.reference.clone())],
                ),
                locale: lang,
            };
            match api.create_session(&request).await {
                Ok(link) => {
                    let notice = PaymentNotice {
                        booking: c.booking,
                        reference: facts.reference.clone(),
                        day: facts.day,
                        total_cents: c.owed.total_cents,
                        news: PaymentNews::Link { url: link.url.clone(), renewed: c.attempt > 1 },
                    };
                    let key = format!("commission:{}:link:{}", c.booking, c.attempt);
                    let queued = queued(c.owed.payer_account, notice, &key);
                    if self.store.record_checkout(c.booking, c.attempt, &link, &queued).await? {
                        report.links_sent += 1;
                    } else if self
                        .store
                        .commission(c.booking)
                        .await?
                        .is_some_and(|now| now.status != CommissionStatus::Owed)
                    {
                        // Cancelled (or paid) while the session was being created: nobody holds
                        // this link, so it is closed rather than left payable. (Another
                        // instance storing the same session first is not a reason: same key.)
                        if let Err(e) = api.expire_session(&link.session_id).await {
                            tracing::warn!(booking = %c.booking, error = %e, "stray session not expired");
                        }
                        report.links_closed += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!(booking = %c.booking, error = %e, "checkout session not created");
                    report.failures += 1;
                }
            }
        }
        for (booking, session) in self.store.checkouts_to_close(50).await? {
            match api.expire_session(&session).await {
                Ok(()) | Err(CheckoutError::Refused { .. }) => {
                    self.store.checkout_closed(booking, &session).await?;
                    report.links_closed += 1;
                }
                Err(e) => {
                    tracing::warn!(%booking, error = %e, "checkout session not expired");
                    report.failures += 1;
                }
            }
        }
        let until = self.store.clock().today() + Duration::days(REMIND_DAYS_BEFORE);
        for (c, facts) in self.store.commissions_to_remind(until, 50).await? {
            let Some(link) = &c.checkout else { continue };
            let notice = PaymentNotice {
                booking: c.booking,
                reference: facts.reference,
                day: facts.day,
                total_cents: c.owed.total_cents,
                news: PaymentNews::Reminder { url: link.url.clone() },
            };
            let key = format!("commission:{}:reminder", c.booking);
            if self
                .store
                .mark_reminded(c.booking, &queued(c.owed.payer_account, notice, &key))
                .await?
            {
                report.reminders += 1;
            }
        }
        let refunds = self.store.refunds_to_announce(50).await?;
        let admins = if refunds.is_empty() {
            Vec::new()
        } else {
            self.store.admin_accounts(&self.admins).await?
        };
        for (c, facts) in refunds {
            let notices: Vec<Notice> = admins
                .iter()
                .map(|a| {
                    let notice = PaymentNotice {
                        booking: c.booking,
                        reference: facts.reference.clone(),
                        day: facts.day,
                        total_cents: c.owed.total_cents,
                        news: PaymentNews::RefundToDecide { paid_twice: false },
                    };
                    queued(*a, notice, &format!("commission:{}:refund_due", c.booking))
                })
                .collect();
            if self.store.announce_refund(c.booking, &notices).await? {
                report.refunds_flagged += 1;
            }
        }
        Ok(report)
    }

    /// Runs [`PaymentsService::pass`] every `every` until the task is dropped.
    pub async fn run(self, api: impl CheckoutApi, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.pass(&api).await {
                Ok(r) if r != PassReport::default() => tracing::info!(?r, "payments pass"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "payments pass failed"),
            }
        }
    }
}

/// What confirming a booking for `fee` between `artist` and `venue` owes, now: the payer is the
/// side `COMMISSION_PAYER` names; its account's age decides the free period, its city and VAT
/// number the VAT.
pub async fn owed_on_confirmation(
    store: &Store,
    rules: &crate::config::Rules,
    fee: crate::domain::values::Fee,
    artist: &crate::domain::profile::Profile,
    venue: &crate::domain::profile::Profile,
) -> Result<Owed, StoreError> {
    let profile = match rules.commission_payer {
        crate::config::CommissionPayer::Venue => venue,
        crate::config::CommissionPayer::Artist => artist,
    };
    let account = store.account(profile.owner).await?;
    let legal = store.legal_identity(profile.id).await?;
    let payer = Payer {
        side: rules.commission_payer,
        account: account.id,
        account_created: account.created_at,
        country: profile.details.city().country(),
        vat: legal.vat(),
    };
    Ok(Owed::compute(fee, rules, &payer, store.clock().now()))
}

/// A booking as payment notices name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingFacts {
    pub reference: String,
    pub day: NaiveDate,
}

/// Sums for the admins' `/stats`, in cents (VAT included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommissionTotals {
    /// Owed and not paid yet.
    pub owed_cents: i64,
    pub owed_count: i64,
    /// Paid (what was received, refunded or not).
    pub paid_cents: i64,
    pub paid_count: i64,
    pub refunded_cents: i64,
    /// Paid commissions of cancelled bookings waiting for an admin's decision.
    pub refunds_to_decide: i64,
    /// Bookings inside a free period (or with nothing to pay).
    pub waived_count: i64,
}

/// When a stored time would be, as Stripe states its `expires_at` (Unix seconds).
#[must_use]
pub fn from_unix(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_back_and_the_migration_lists_them() {
        let sqlite = include_str!("../../../migrations/sqlite/0060_commissions.sql");
        for o in StripeOutcome::ALL {
            assert_eq!(StripeOutcome::parse(o.as_str()), Some(o));
            assert!(sqlite.contains(&format!("'{}'", o.as_str())), "{}", o.as_str());
        }
        for s in CommissionStatus::ALL {
            assert!(sqlite.contains(&format!("'{}'", s.as_str())), "{}", s.as_str());
        }
    }

    #[test]
    fn a_payment_notice_round_trips_through_the_outbox() {
        let notice = PaymentNotice {
            booking: BookingId(3),
            reference: "FS-2026-000003".into(),
            day: NaiveDate::from_ymd_opt(2026, 12, 19).unwrap(),
            total_cents: 11_520,
            news: PaymentNews::Link {
                url: "https://checkout.stripe.com/c/pay/cs_1".into(),
                renewed: true,
            },
        };
        let (_, payload, key) = queued(AccountId(9), notice.clone(), "commission:3:link:2");
        assert_eq!(key, "commission:3:link:2:9");
        assert_eq!(crate::notify::decode(&payload), Some(Event::Payment(notice)));
    }
}
