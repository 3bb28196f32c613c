//! What a contract prints beyond the negotiated fee, deal and day (SPEC §4, issue 13): the
//! line-up, the meal and the venue's curfew, costs, deposit and balance, ticket prices and guest
//! list, and whether drinks are served during the show (which sets the VAT rate).
//!
//! Each piece is `None` until a side has answered it, so a booking can say what its contract
//! still lacks; stored as JSON with defaults, so older proposals load with nothing answered.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::values::LongText;

/// Ten million euros in cents: far above any concert, low enough that no total overflows.
const MAX_CENTS: i64 = 1_000_000_000;

/// Why an amount or a count was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("write an amount like 350 or 350,50 €")]
    NotAnAmount,
    #[error("an amount is between 0 and 10 million euros")]
    AmountRange,
    #[error("at least one performer, and at most {max} people")]
    Headcount { max: u16 },
}

/// An amount in euro cents, 0 to 10 million euros. Whether VAT is included is said by the
/// field that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Cents(i64);

impl Cents {
    /// Nothing: free entry, no deposit.
    pub const ZERO: Cents = Cents(0);

    pub fn new(cents: i64) -> Result<Self, TermsError> {
        if (0..=MAX_CENTS).contains(&cents) {
            Ok(Self(cents))
        } else {
            Err(TermsError::AmountRange)
        }
    }

    /// "350", "350,50 €", "1 200.5", "12 euros".
    pub fn parse(input: &str) -> Result<Self, TermsError> {
        if input.len() > 60 {
            return Err(TermsError::NotAnAmount);
        }
        let lower = input.trim().to_lowercase();
        let body = lower
            .trim_end_matches("euros")
            .trim_end_matches("euro")
            .trim_end_matches('€')
            .trim_start_matches('€')
            .replace([' ', '\u{a0}', '\u{202f}', '\''], "");
        let (units, decimals) = match body.rsplit_once([',', '.']) {
            Some((u, d)) if (1..=2).contains(&d.len()) => (u.replace(['.', ','], ""), d),
            Some(_) => (body.replace(['.', ','], ""), ""),
            None => (body.clone(), ""),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(&units) || !(decimals.is_empty() || all_digits(decimals)) || units.len() > 12
        {
            return Err(TermsError::NotAnAmount);
        }
        let units: i64 = units.parse().map_err(|_| TermsError::NotAnAmount)?;
        let cents: i64 = match decimals.len() {
            0 => 0,
            1 => decimals.parse::<i64>().map_err(|_| TermsError::NotAnAmount)? * 10,
            _ => decimals.parse().map_err(|_| TermsError::NotAnAmount)?,
        };
        Self::new(units.checked_mul(100).and_then(|u| u.checked_add(cents)).unwrap_or(i64::MAX))
    }

    #[must_use]
    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Cents {
    type Error = TermsError;
    fn try_from(c: i64) -> Result<Self, TermsError> {
        Self::new(c)
    }
}

impl From<Cents> for i64 {
    fn from(c: Cents) -> i64 {
        c.0
    }
}

/// Who is on the road for a show: performers on stage and crew (sound, lights, tour manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "(u16, u16)", into = "(u16, u16)")]
pub struct Lineup {
    performers: u16,
    crew: u16,
}

impl Lineup {
    /// More people than this is a festival bill, not one line-up.
    pub const MAX: u16 = 200;

    pub fn new(performers: u16, crew: u16) -> Result<Self, TermsError> {
        if performers == 0 || performers.saturating_add(crew) > Self::MAX {
            return Err(TermsError::Headcount { max: Self::MAX });
        }
        Ok(Self { performers, crew })
    }

    #[must_use]
    pub fn performers(self) -> u16 {
        self.performers
    }

    #[must_use]
    pub fn crew(self) -> u16 {
        self.crew
    }

    /// Everyone travelling: what costs and meals are counted for.
    #[must_use]
    pub fn people(self) -> u16 {
        self.performers + self.crew
    }
}

impl TryFrom<(u16, u16)> for Lineup {
    type Error = TermsError;
    fn try_from((p, c): (u16, u16)) -> Result<Self, TermsError> {
        Self::new(p, c)
    }
}

impl From<Lineup> for (u16, u16) {
    fn from(l: Lineup) -> Self {
        (l.performers, l.crew)
    }
}

/// What an artist profile adds for contracts: the line-up and the technical needs annexed
/// to the contract (the artist's technical rider, in words).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtistSheet {
    pub lineup: Option<Lineup>,
    pub technical_needs: Option<LongText>,
}

/// One cost the organiser bears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cost {
    /// Included in the fee: the producer pays it.
    Included,
    /// Provided in kind by the organiser (rooms booked, meals served) for `people`.
    Provided { people: u16 },
    /// Paid by the organiser on top of the fee: an amount excluding VAT, for `people`.
    Paid { amount_ht: Cents, people: u16 },
}

/// Travel, lodging and meals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    pub travel: Cost,
    pub lodging: Cost,
    pub meals: Cost,
}

impl Costs {
    /// The amounts the organiser pays on top of the fee, excluding VAT.
    #[must_use]
    pub fn paid_ht(&self) -> i64 {
        [self.travel, self.lodging, self.meals]
            .iter()
            .map(|c| match c {
                Cost::Paid { amount_ht, .. } => amount_ht.get(),
                _ => 0,
            })
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Cheque,
    Cash,
}

/// The deposit: an amount excluding VAT, when and how it is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deposit {
    pub amount_ht: Cents,
    pub due: NaiveDate,
    pub method: PaymentMethod,
}

/// How the producer is paid: an optional deposit, then the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// `None` is an answer: no deposit.
    pub deposit: Option<Deposit>,
    pub balance_due: NaiveDate,
    pub balance_method: PaymentMethod,
}

/// Ticket prices (including VAT; a full price of 0 is free entry) and the producer's guest list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTerms {
    pub full_price: Cents,
    pub reduced_price: Option<Cents>,
    pub guest_list: u16,
}

/// The terms of a proposal that only the contract prints. Every field is `None` until answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractTerms {
    /// When the team eats.
    #[serde(default)]
    pub meal: Option<NaiveTime>,
    /// When the venue must be empty: the venue's curfew, not the end of the set.
    #[serde(default)]
    pub curfew: Option<NaiveTime>,
    #[serde(default)]
    pub costs: Option<Costs>,
    #[serde(default)]
    pub payment: Option<Payment>,
    #[serde(default)]
    pub tickets: Option<TicketTerms>,
    /// Whether drinks are served during the show: the normal VAT rate then applies.
    #[serde(default)]
    pub drinks_served: Option<bool>,
}

/// The VAT rate of the sale of a show, in basis points: 5.5 % when no drinks are served during
/// it, the normal 20 % rate when they are (CGI art. 278-0 bis and 279).
#[must_use]
pub fn vat_rate_bp(drinks_served: bool) -> u32 {
    if drinks_served { 2_000 } else { 550 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        for (input, cents) in [
            ("350", 35_000),
            ("350,50 €", 35_050),
            ("1 200.5", 120_050),
            ("12 euros", 1_200),
            ("1.200", 120_000),
            ("0", 0),
        ] {
            assert_eq!(Cents::parse(input).map(Cents::get), Ok(cents), "{input}");
        }
        assert_eq!(Cents::parse("abc"), Err(TermsError::NotAnAmount));
        assert_eq!(Cents::parse("-5"), Err(TermsError::NotAnAmount));
        assert_eq!(Cents::parse("20000000"), Err(TermsError::AmountRange));
        assert!(serde_json::from_str::<Cents>("-1").is_err());
    }

    #[test]
    fn lineups_need_a_performer() {
        assert_eq!(Lineup::new(3, 1).unwrap().people(), 4);
        assert!(Lineup::new(0, 2).is_err());
        assert!(Lineup::new(150, 60).is_err());
        assert!(serde_json::from_str::<Lineup>("[0,1]").is_err());
        assert_eq!(serde_json::from_str::<Lineup>("[3,1]").unwrap(), Lineup::new(3, 1).unwrap());
    }

    #[test]
    fn drinks_set_the_vat_rate() {
        assert_eq!(vat_rate_bp(true), 2_000);
        assert_eq!(vat_rate_bp(false), 550);
    }

    #[test]
    fn older_proposals_load_with_nothing_answered() {
        assert_eq!(serde_json::from_str::<ContractTerms>("{}").unwrap(), ContractTerms::default());
    }
}
