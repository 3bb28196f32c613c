//! What a confirmed booking owes the platform (docs/product-rules.md §8): the rate of the fee
//! excluding VAT, in cents rounded half up, VAT on that service where French VAT applies, owed by
//! the side `COMMISSION_PAYER` names unless its account is still in its free period. Computed
//! once, when the booking is confirmed, and stored with every input that decided it, so a later
//! change of configuration never changes what an existing booking owes.

use chrono::{DateTime, Months, Utc};

use crate::config::{CommissionPayer, Rules};
use crate::domain::legal::VatStatus;
use crate::domain::places::Country;
use crate::domain::values::Fee;
use crate::domain::{AccountId, BookingId};

/// Basis points in a whole (10 000 bp = 100 %).
const WHOLE_BP: i64 = 10_000;

/// France's standard VAT rate, which a service sold from France carries (20 %).
pub const FRENCH_STANDARD_VAT_BP: u16 = 2_000;

/// `bp` basis points of `cents`, rounded half up to the cent (amounts are never negative here).
#[must_use]
pub fn share(cents: i64, bp: u16) -> i64 {
    let product = i128::from(cents) * i128::from(bp);
    let rounded = (product + i128::from(WHOLE_BP / 2)).div_euclid(i128::from(WHOLE_BP));
    // cents ≤ a fee's maximum × 100 and bp ≤ 10 000: the result is never above `cents`.
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Where a commission stands. Stored by [`CommissionStatus::as_str`]; the migration's `CHECK` is
/// the database's copy of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommissionStatus {
    /// Nothing to pay: the payer's free period, or a fee of zero.
    Waived,
    /// To pay; a checkout link is (or is about to be) with the payer.
    Owed,
    /// Paid through Stripe.
    Paid,
    /// The booking was cancelled before payment: nothing is owed any more.
    Cancelled,
    /// Paid, and then the booking was cancelled (or paid twice): an admin decides on a refund.
    RefundDue,
    /// Stripe refunded the payment in full.
    Refunded,
}

impl CommissionStatus {
    pub const ALL: [Self; 6] =
        [Self::Waived, Self::Owed, Self::Paid, Self::Cancelled, Self::RefundDue, Self::Refunded];

    /// The name stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waived => "waived",
            Self::Owed => "owed",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
            Self::RefundDue => "refund_due",
            Self::Refunded => "refunded",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Which VAT the commission carries, as a service sold by a platform established in France.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatRule {
    /// French VAT at the standard rate: a payer in France, or one with no VAT number.
    FrenchStandard,
    /// A business registered for VAT in another EU state accounts for the VAT itself
    /// (reverse charge): no French VAT on the invoice.
    ReverseCharge,
    /// A payer outside the EU (Switzerland): outside the scope of French VAT.
    OutsideEu,
}

impl VatRule {
    pub const ALL: [Self; 3] = [Self::FrenchStandard, Self::ReverseCharge, Self::OutsideEu];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrenchStandard => "fr_standard",
            Self::ReverseCharge => "reverse_charge",
            Self::OutsideEu => "outside_eu",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The rate this rule applies, in basis points.
    #[must_use]
    pub fn rate_bp(self) -> u16 {
        match self {
            Self::FrenchStandard => FRENCH_STANDARD_VAT_BP,
            Self::ReverseCharge | Self::OutsideEu => 0,
        }
    }

    /// The rule for a payer in `country` whose legal identity declares `vat` (if given yet).
    #[must_use]
    pub fn for_payer(country: Country, vat: Option<&VatStatus>) -> Self {
        match (vat, country) {
            (Some(VatStatus::Registered(n)), _) if !n.as_str().starts_with("FR") => {
                Self::ReverseCharge
            }
            (_, Country::Switzerland) => Self::OutsideEu,
            _ => Self::FrenchStandard,
        }
    }
}

impl CommissionPayer {
    /// The name stored in the database, as `COMMISSION_PAYER` spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CommissionPayer::Venue => "venue",
            CommissionPayer::Artist => "artist",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [CommissionPayer::Venue, CommissionPayer::Artist].into_iter().find(|p| p.as_str() == s)
    }
}

/// Who pays, as known when the booking is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payer<'a> {
    pub side: CommissionPayer,
    pub account: AccountId,
    /// When the payer's account was created: its free period starts then.
    pub account_created: DateTime<Utc>,
    pub country: Country,
    pub vat: Option<&'a VatStatus>,
}

/// What a booking owes, decided at its confirmation and stored as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    pub payer: CommissionPayer,
    pub payer_account: AccountId,
    pub rate_bp: u16,
    /// The fee excluding VAT the rate applies to.
    pub fee_cents: i64,
    /// The commission excluding VAT.
    pub amount_cents: i64,
    pub vat_rule: VatRule,
    pub vat_bp: u16,
    pub vat_cents: i64,
    /// What the payer pays: amount plus VAT.
    pub total_cents: i64,
    /// The end of the payer's free period.
    pub free_until: DateTime<Utc>,
    /// [`CommissionStatus::Waived`] or [`CommissionStatus::Owed`].
    pub status: CommissionStatus,
}

impl Owed {
    /// The commission on `fee` for `payer`, for a booking confirmed `at`, under `rules`.
    #[must_use]
    pub fn compute(fee: Fee, rules: &Rules, payer: &Payer<'_>, at: DateTime<Utc>) -> Self {
        let fee_cents = i64::from(fee.euros()) * 100;
        let amount_cents = share(fee_cents, rules.commission_bp);
        let vat_rule = VatRule::for_payer(payer.country, payer.vat);
        let vat_cents = share(amount_cents, vat_rule.rate_bp());
        let free_until = payer
            .account_created
            .checked_add_months(Months::new(u32::from(rules.commission_free_months)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let status = if at < free_until || amount_cents == 0 {
            CommissionStatus::Waived
        } else {
            CommissionStatus::Owed
        };
        Self {
            payer: payer.side,
            payer_account: payer.account,
            rate_bp: rules.commission_bp,
            fee_cents,
            amount_cents,
            vat_rule,
            vat_bp: vat_rule.rate_bp(),
            vat_cents,
            total_cents: amount_cents + vat_cents,
            free_until,
            status,
        }
    }
}

/// A checkout session of Stripe's, as stored for the link the payer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutLink {
    pub session_id: String,
    pub url: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A booking's commission as stored: what was decided at confirmation and what happened since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commission {
    pub booking: BookingId,
    pub owed: Owed,
    pub status: CommissionStatus,
    /// Which checkout session this is for the booking (1, then 2 after the first expired, …):
    /// part of the `Idempotency-Key`, so a retried creation gets the same session.
    pub attempt: u32,
    pub checkout: Option<CheckoutLink>,
    pub payment_intent: Option<String>,
    pub paid_cents: Option<i64>,
    pub paid_at: Option<DateTime<Utc>>,
    pub refunded_cents: i64,
    pub refunded_at: Option<DateTime<Utc>>,
    pub dispute: Option<String>,
    pub reminded_at: Option<DateTime<Utc>>,
}

impl Commission {
    /// The `Idempotency-Key` of this attempt's checkout session: derived from the booking, so a
    /// crash between Stripe's answer and our commit gets the same session back.
    #[must_use]
    pub fn idempotency_key(&self) -> String {
        format!("flowstage-commission-{}-{}", self.booking, self.attempt)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::legal::VatNumber;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn payer(created: DateTime<Utc>) -> Payer<'static> {
        Payer {
            side: CommissionPayer::Venue,
            account: AccountId(7),
            account_created: created,
            country: Country::France,
            vat: None,
        }
    }

    #[test]
    fn eight_percent_of_the_fee_with_french_vat() {
        let rules = Rules::default();
        let owed = Owed::compute(
            Fee::parse("1200").unwrap(),
            &rules,
            &payer(at(2026, 1, 1)),
            at(2026, 6, 1),
        );
        assert_eq!(owed.fee_cents, 120_000);
        assert_eq!(owed.amount_cents, 9_600);
        assert_eq!(
            (owed.vat_rule, owed.vat_cents, owed.total_cents),
            (VatRule::FrenchStandard, 1_920, 11_520)
        );
        assert_eq!(owed.status, CommissionStatus::Owed);
        assert_eq!(owed.free_until, at(2026, 4, 1));
    }

    #[test]
    fn rounding_is_half_up_to_the_cent() {
        // 7.5 % of 3 €: 22.5 cents → 23; 20 % VAT of 23 cents: 4.6 → 5.
        assert_eq!(share(300, 750), 23);
        assert_eq!(share(23, 2_000), 5);
        // 8 % of 1 € exactly: 8 cents; of 0: 0.
        assert_eq!(share(100, 800), 8);
        assert_eq!(share(0, 800), 0);
        // 0.05 % of 1 €: 0.05 cent → 0; of 10 €: 0.5 cent → 1.
        assert_eq!(share(100, 5), 0);
        assert_eq!(share(1_000, 5), 1);
        // The largest fee at 100 % stays exact.
        assert_eq!(share(i64::from(Fee::MAX) * 100, 10_000), i64::from(Fee::MAX) * 100);
    }

    #[test]
    fn the_free_period_counts_from_account_creation() {
        let rules = Rules::default();
        let fee = Fee::parse("800").unwrap();
        let p = payer(at(2026, 1, 31));
        // Three months from 31 January end on 30 April (the month's last day).
        let inside =
            Owed::compute(fee, &rules, &p, Utc.with_ymd_and_hms(2026, 4, 30, 11, 59, 59).unwrap());
        assert_eq!((inside.status, inside.free_until), (CommissionStatus::Waived, at(2026, 4, 30)));
        // What would be owed is still recorded, so the free period's value can be told.
        assert_eq!(inside.amount_cents, 6_400);
        let after = Owed::compute(fee, &rules, &p, at(2026, 4, 30));
        assert_eq!(after.status, CommissionStatus::Owed);
        let no_free = Rules { commission_free_months: 0, ..Rules::default() };
        assert_eq!(
            Owed::compute(fee, &no_free, &p, at(2026, 1, 31)).status,
            CommissionStatus::Owed
        );
    }

    #[test]
    fn a_zero_fee_or_rate_owes_nothing() {
        let p = payer(at(2020, 1, 1));
        let zero = Owed::compute(Fee::parse("0").unwrap(), &Rules::default(), &p, at(2026, 6, 1));
        assert_eq!((zero.total_cents, zero.status), (0, CommissionStatus::Waived));
        let free = Rules { commission_bp: 0, ..Rules::default() };
        let none = Owed::compute(Fee::parse("900").unwrap(), &free, &p, at(2026, 6, 1));
        assert_eq!((none.total_cents, none.status), (0, CommissionStatus::Waived));
    }

    #[test]
    fn vat_depends_on_where_the_payer_is() {
        let be = VatStatus::Registered(VatNumber::parse("BE0123456749").unwrap());
        let fr = VatStatus::Registered(VatNumber::parse("FR44732829320").unwrap());
        assert_eq!(VatRule::for_payer(Country::Belgium, Some(&be)), VatRule::ReverseCharge);
        assert_eq!(VatRule::for_payer(Country::France, Some(&be)), VatRule::ReverseCharge);
        assert_eq!(VatRule::for_payer(Country::France, Some(&fr)), VatRule::FrenchStandard);
        assert_eq!(VatRule::for_payer(Country::Belgium, None), VatRule::FrenchStandard);
        assert_eq!(
            VatRule::for_payer(Country::Belgium, Some(&VatStatus::NotRegistered)),
            VatRule::FrenchStandard
        );
        assert_eq!(VatRule::for_payer(Country::Switzerland, None), VatRule::OutsideEu);
        let mut p = payer(at(2020, 1, 1));
        p.vat = Some(&be);
        let owed =
            Owed::compute(Fee::parse("1000").unwrap(), &Rules::default(), &p, at(2026, 6, 1));
        assert_eq!((owed.vat_cents, owed.total_cents), (0, 8_000));
    }

    #[test]
    fn stored_names_read_back() {
        for s in CommissionStatus::ALL {
            assert_eq!(CommissionStatus::parse(s.as_str()), Some(s));
        }
        for v in VatRule::ALL {
            assert_eq!(VatRule::parse(v.as_str()), Some(v));
        }
        for p in [CommissionPayer::Venue, CommissionPayer::Artist] {
            assert_eq!(CommissionPayer::parse(p.as_str()), Some(p));
        }
    }
}
