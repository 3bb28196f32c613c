//! Booking contracts as A4 PDFs both sides print, sign and send back: the French "contrat de
//! cession du droit d'exploitation d'un spectacle" (or its "coréalisation" variant for shares of
//! receipts) or the English "performance agreement", with every section French practice expects
//! (see `domain/contracts.md` in the shared docs).
//!
//! [`render`] is pure: the same [`ContractInput`] always gives the same bytes, so a contract can
//! be regenerated, hashed and compared instead of stored twice. Text is set in DejaVu Sans,
//! embedded and subset ([`fonts`] keeps every character printable).

mod fonts;
pub(crate) use fonts::{BOLD_TTF, REGULAR_TTF};
mod money;
mod pdf;
mod text;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::domain::terms::{
    Cents, Cost, Costs, Deposit, Lineup, Payment, PaymentMethod, vat_rate_bp,
};

/// The language the contract is written in: the account's language.
pub use crate::domain::Lang;

/// Everything a contract states. Plain data, filled from the booking, the two profiles and the
/// account settings; what the profiles do not know stays `None` and prints as a blank to fill in
/// by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInput {
    pub lang: Lang,
    /// Printed on every page, e.g. "FS-2026-000123".
    pub reference: String,
    /// "Fait à …, le …": where and when the contract is drawn up. The date is also the PDF's
    /// creation date, so regenerating never depends on the clock.
    pub made_at: String,
    pub made_on: NaiveDate,
    /// The artist's structure, employer of the performers.
    pub producer: Party,
    /// The venue or whoever hosts the show.
    pub organiser: Party,
    pub show: Show,
    pub performance: Performance,
    pub deal: Deal,
    /// Whether drinks are served during the show, which sets the VAT rate (5.5 % without,
    /// the normal rate with); `None` until the organiser answers, and the contract then
    /// states the rule instead of the fact.
    #[serde(default)]
    pub drinks_served: Option<bool>,
    /// Whether the producer charges VAT; `false` for a producer not registered for VAT, whose
    /// amounts are then net of tax.
    #[serde(default = "charges_vat")]
    pub producer_charges_vat: bool,
    /// Travel, lodging and meals: included, provided in kind or paid on top, for how many.
    #[serde(default)]
    pub costs: Option<Costs>,
    /// Deposit, balance, dates and methods.
    #[serde(default)]
    pub payment: Option<Payment>,
    #[serde(default)]
    pub ticketing: Ticketing,
    /// A fixed forfeit ("dédit") owed by the side that cancels; `None` means actual costs.
    #[serde(default)]
    pub cancellation_forfeit_cents: Option<i64>,
    /// For an outdoor show, what happens in bad weather (covered stage, indoor site, decision
    /// deadline); `None` for an indoor show.
    #[serde(default)]
    pub outdoor_fallback: Option<String>,
    /// Whether the producer allows recording the show for promotion.
    #[serde(default)]
    pub recording_allowed: bool,
    /// Anything else agreed, printed as "special conditions"; may be long.
    #[serde(default)]
    pub notes: Option<String>,
    /// What the annexes carry: the artist's technical needs, the venue's stage and backline.
    #[serde(default)]
    pub annexes: Annexes,
    /// City whose courts hear disputes.
    #[serde(default)]
    pub court_city: Option<String>,
}

fn charges_vat() -> bool {
    true
}

impl ContractInput {
    /// The VAT rate in basis points: none for a producer outside VAT, else 5.5 % unless drinks
    /// are served during the show (an unanswered question counts as no drinks).
    #[must_use]
    pub fn vat_rate_bp(&self) -> u32 {
        if self.producer_charges_vat { vat_rate_bp(self.drinks_served.unwrap_or(false)) } else { 0 }
    }

    /// What the organiser owes for sure, excluding VAT: the fixed part of the deal and the
    /// costs it pays on top. The URSSAF vigilance threshold applies to it.
    #[must_use]
    pub fn fixed_total_cents(&self) -> i64 {
        self.deal.fixed_cents().saturating_add(self.costs.map_or(0, |c| c.paid_ht()))
    }
}

/// The annexes' contents, printed at the end of the contract.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annexes {
    /// The artist's technical needs (its rider, in words).
    #[serde(default)]
    pub technical_needs: Option<String>,
    /// The venue's stage and backline notes.
    #[serde(default)]
    pub stage_notes: Option<String>,
}

/// One side of the contract, as a French contract identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub legal_name: String,
    #[serde(default)]
    pub legal_form: Option<String>,
    /// Head office address.
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub siret: Option<String>,
    #[serde(default)]
    pub ape: Option<String>,
    /// EU VAT number.
    #[serde(default)]
    pub vat_number: Option<String>,
    #[serde(default)]
    pub licence: Licence,
    #[serde(default)]
    pub signatory_name: Option<String>,
    #[serde(default)]
    pub signatory_role: Option<String>,
}

/// The "licence d'entrepreneur de spectacles" (récépissé PLATESV) a party states.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Licence {
    /// Not known yet: number and category print as blanks.
    #[default]
    Unknown,
    /// e.g. number "PLATESV-D-2024-000123", category "2" (1 runs a venue, 2 produces, 3 hosts).
    Held { number: String, category: Option<String> },
    /// Fewer than six shows a year outside its main activity: no licence needed, and the
    /// contract says so.
    OccasionalExempt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Show {
    pub artist_name: String,
    /// The show's title; the contract falls back on "concert of <artist>".
    #[serde(default)]
    pub title: Option<String>,
    /// Performers and crew; `None` prints a blank.
    #[serde(default)]
    pub lineup: Option<Lineup>,
    /// A presentation or bio; may be long and flow over pages.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performance {
    pub venue_name: String,
    #[serde(default)]
    pub venue_address: Option<String>,
    pub city: String,
    pub date: NaiveDate,
    /// Number of shows that day.
    pub shows: u8,
    #[serde(default)]
    pub times: Schedule,
    pub set_minutes: u16,
}

/// The day's timetable; unknown times print as blanks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(default)]
    pub load_in: Option<NaiveTime>,
    #[serde(default)]
    pub soundcheck: Option<NaiveTime>,
    #[serde(default)]
    pub meal: Option<NaiveTime>,
    #[serde(default)]
    pub doors: Option<NaiveTime>,
    #[serde(default)]
    pub set_start: Option<NaiveTime>,
    #[serde(default)]
    pub set_end: Option<NaiveTime>,
    #[serde(default)]
    pub curfew: Option<NaiveTime>,
}

/// How the producer is paid (docs/product-rules.md §4). Amounts exclude VAT; shares are in basis
/// points of the net ticket receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deal {
    /// A fixed price whatever the box office: "cession".
    FlatFee { fee_cents: i64 },
    /// A share of the receipts and nothing else: "coréalisation".
    DoorDeal { percent_bp: u32 },
    /// The larger of a guarantee and a share of the receipts: a coréalisation with a minimum.
    GuaranteeVersus { guarantee_cents: i64, percent_bp: u32 },
    /// A fixed price plus a share of the receipts: a cession with a variable complement.
    GuaranteePlus { guarantee_cents: i64, percent_bp: u32 },
}

impl Deal {
    /// Whether the contract is a coréalisation (the parties share the receipts and the risk)
    /// rather than a cession (the organiser buys the show and keeps the risk).
    #[must_use]
    pub fn is_coproduction(self) -> bool {
        matches!(self, Deal::DoorDeal { .. } | Deal::GuaranteeVersus { .. })
    }

    /// The amount excluding VAT the producer is sure to receive.
    #[must_use]
    pub fn fixed_cents(self) -> i64 {
        match self {
            Deal::FlatFee { fee_cents } => fee_cents,
            Deal::DoorDeal { .. } => 0,
            Deal::GuaranteeVersus { guarantee_cents, .. }
            | Deal::GuaranteePlus { guarantee_cents, .. } => guarantee_cents,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticketing {
    /// Full price including VAT; `Some(0)` is free entry.
    #[serde(default)]
    pub price_cents: Option<i64>,
    /// Reduced price including VAT, if any.
    #[serde(default)]
    pub reduced_price_cents: Option<i64>,
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Invitations for the producer.
    #[serde(default)]
    pub guest_list: Option<u16>,
}

/// A rendered contract: the PDF and the SHA-256 of its bytes (hex), to compare regenerations
/// and to quote in messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Contract {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

impl std::fmt::Debug for Contract {
    // A contract is tens of kilobytes: its size and hash say enough in logs and test failures.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("bytes", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl Contract {
    /// A file name for the chat document and the email attachment.
    #[must_use]
    pub fn file_name(input: &ContractInput) -> String {
        let stem = match input.lang {
            Lang::Fr => "contrat",
            Lang::En => "agreement",
        };
        let reference: String = deunicode::deunicode(&input.reference)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        format!("{stem}-{reference}.pdf")
    }
}

/// Why a contract could not be produced. Each names the input field, so the conversation can
/// ask for the missing piece.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    #[error("{field} must not be empty")]
    Missing { field: &'static str },
    #[error("{field} must be between 0 and 10 million euros, not {cents} cents")]
    Amount { field: &'static str, cents: i64 },
    #[error("{field} must be between 0 and 100 %, not {bp} basis points")]
    Percent { field: &'static str, bp: u32 },
    #[error("{field} must be at least 1")]
    Count { field: &'static str },
    #[error(
        "the contract would run to {pages} pages, more than the {max} allowed: shorten the texts"
    )]
    TooLong { pages: usize, max: usize },
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// Ten million euros: far above any concert, low enough that no total can overflow.
const MAX_CENTS: i64 = 1_000_000_000;

/// Renders the contract: validates, words it in the input's language, lays it out, writes it.
pub fn render(input: &ContractInput) -> Result<Contract, ContractError> {
    validate(input)?;
    let blocks = text::contract(input)?;
    let bytes = pdf::write(input, &blocks)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Contract { bytes, sha256 })
}

fn validate(input: &ContractInput) -> Result<(), ContractError> {
    let required = [
        ("reference", &input.reference),
        ("made_at", &input.made_at),
        ("producer.legal_name", &input.producer.legal_name),
        ("organiser.legal_name", &input.organiser.legal_name),
        ("show.artist_name", &input.show.artist_name),
        ("performance.venue_name", &input.performance.venue_name),
        ("performance.city", &input.performance.city),
    ];
    if let Some(&(field, _)) = required.iter().find(|(_, value)| value.trim().is_empty()) {
        return Err(ContractError::Missing { field });
    }
    let (fixed, percent) = match input.deal {
        Deal::FlatFee { fee_cents } => (Some(("deal.fee_cents", fee_cents)), None),
        Deal::DoorDeal { percent_bp } => (None, Some(percent_bp)),
        Deal::GuaranteeVersus { guarantee_cents, percent_bp }
        | Deal::GuaranteePlus { guarantee_cents, percent_bp } => {
            (Some(("deal.guarantee_cents", guarantee_cents)), Some(percent_bp))
        }
    };
    let amounts = [
        fixed,
        input.ticketing.price_cents.map(|c| ("ticketing.price_cents", c)),
        input.ticketing.reduced_price_cents.map(|c| ("ticketing.reduced_price_cents", c)),
        input.cancellation_forfeit_cents.map(|c| ("cancellation_forfeit_cents", c)),
    ];
    if let Some((field, cents)) =
        amounts.into_iter().flatten().find(|&(_, cents)| !(0..=MAX_CENTS).contains(&cents))
    {
        return Err(ContractError::Amount { field, cents });
    }
    if let Some(bp) = percent.filter(|&bp| bp > money::WHOLE_BP) {
        return Err(ContractError::Percent { field: "deal.percent_bp", bp });
    }
    if input.performance.shows == 0 {
        return Err(ContractError::Count { field: "performance.shows" });
    }
    Ok(())
}

impl ContractInput {
    /// A realistic French booking with accented names and every field answered: the reference
    /// for tests, the benchmark and demos.
    #[must_use]
    pub fn sample() -> Self {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        Self {
            lang: Lang::Fr,
            reference: "FS-2026-000123".into(),
            made_at: "Lyon".into(),
            made_on: date(2026, 2, 2),
            producer: Party {
                legal_name: "Les Productions du Château d'Eau".into(),
                legal_form: Some("SARL au capital de 8 000 €".into()),
                address: Some("4 quai de la Tête d'Or, 69006 Lyon".into()),
                siret: Some("812 345 678 00021".into()),
                ape: Some("9001Z".into()),
                vat_number: Some("FR42812345678".into()),
                licence: Licence::Held {
                    number: "PLATESV-D-2024-000871".into(),
                    category: Some("2".into()),
                },
                signatory_name: Some("Gaëlle Garçon".into()),
                signatory_role: Some("gérante".into()),
            },
            organiser: Party {
                legal_name: "Association Œil de Bœuf".into(),
                legal_form: Some("association loi 1901".into()),
                address: Some("12 rue de l'Hôpital, 38000 Grenoble".into()),
                siret: Some("732 829 320 00074".into()),
                ape: Some("90.04Z".into()),
                vat_number: Some("non assujettie à la TVA".into()),
                licence: Licence::OccasionalExempt,
                signatory_name: Some("Noël Pâris".into()),
                signatory_role: Some("président".into()),
            },
            show: Show {
                artist_name: "Chloé Bérénice & les Naïfs".into(),
                title: Some("Fêtes où l'on s'aime".into()),
                lineup: Lineup::new(4, 1).ok(),
                description: Some(
                    "Quartet de chanson française : voix, guitare, contrebasse et batterie. \
                     Répertoire original, 90 minutes sans entracte."
                        .into(),
                ),
            },
            performance: Performance {
                venue_name: "La Cour des Miracles".into(),
                venue_address: Some("3 place Notre-Dame, 38000 Grenoble".into()),
                city: "Grenoble".into(),
                date: date(2026, 3, 14),
                shows: 1,
                times: Schedule {
                    load_in: time(16, 0),
                    soundcheck: time(17, 30),
                    meal: time(19, 0),
                    doors: time(20, 0),
                    set_start: time(20, 45),
                    set_end: time(22, 15),
                    curfew: time(23, 30),
                },
                set_minutes: 90,
            },
            deal: Deal::FlatFee { fee_cents: 120_000 },
            drinks_served: Some(false),
            producer_charges_vat: true,
            costs: Some(Costs {
                travel: Cost::Included,
                lodging: Cost::Provided { people: 5 },
                meals: Cost::Provided { people: 5 },
            }),
            payment: Some(Payment {
                deposit: Cents::new(36_000).ok().map(|amount_ht| Deposit {
                    amount_ht,
                    due: date(2026, 2, 16),
                    method: PaymentMethod::BankTransfer,
                }),
                balance_due: date(2026, 3, 28),
                balance_method: PaymentMethod::BankTransfer,
            }),
            ticketing: Ticketing {
                price_cents: Some(1_500),
                reduced_price_cents: Some(1_200),
                capacity: Some(180),
                guest_list: Some(8),
            },
            cancellation_forfeit_cents: None,
            outdoor_fallback: None,
            recording_allowed: false,
            notes: None,
            annexes: Annexes {
                technical_needs: Some(
                    "Façade 2 × 1 kW, 4 retours sur 3 circuits, 12 entrées (patch joint), \
                     2 pieds de micro perche, 1 praticable batterie 2 × 2 m."
                        .into(),
                ),
                stage_notes: Some(
                    "Scène 6 × 4 m, hauteur 60 cm. Console Yamaha QL1, façade d&b, 4 retours. \
                     Backline : ampli basse Ampeg, batterie Yamaha Stage Custom (sans cymbales)."
                        .into(),
                ),
            },
            court_city: Some("Grenoble".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_valid_and_round_trips_through_json() {
        let sample = ContractInput::sample();
        assert_eq!(validate(&sample), Ok(()));
        let json = serde_json::to_string(&sample).unwrap();
        assert_eq!(serde_json::from_str::<ContractInput>(&json).unwrap(), sample);
    }

    #[test]
    fn invalid_inputs_name_the_field() {
        let mut input = ContractInput::sample();
        input.organiser.legal_name = "  ".into();
        assert_eq!(validate(&input), Err(ContractError::Missing { field: "organiser.legal_name" }));

        let mut input = ContractInput::sample();
        input.deal = Deal::GuaranteeVersus { guarantee_cents: -1, percent_bp: 7_000 };
        assert_eq!(
            validate(&input),
            Err(ContractError::Amount { field: "deal.guarantee_cents", cents: -1 })
        );

        let mut input = ContractInput::sample();
        input.deal = Deal::DoorDeal { percent_bp: 10_001 };
        assert_eq!(
            validate(&input),
            Err(ContractError::Percent { field: "deal.percent_bp", bp: 10_001 })
        );

        let mut input = ContractInput::sample();
        input.performance.shows = 0;
        assert_eq!(validate(&input), Err(ContractError::Count { field: "performance.shows" }));
    }

    #[test]
    fn door_deals_and_minimum_guarantees_are_coproductions() {
        assert!(!Deal::FlatFee { fee_cents: 1 }.is_coproduction());
        assert!(Deal::DoorDeal { percent_bp: 7_000 }.is_coproduction());
        assert!(Deal::GuaranteeVersus { guarantee_cents: 1, percent_bp: 1 }.is_coproduction());
        assert!(!Deal::GuaranteePlus { guarantee_cents: 1, percent_bp: 1 }.is_coproduction());
    }

    #[test]
    fn file_names_are_ascii() {
        let mut input = ContractInput::sample();
        assert_eq!(Contract::file_name(&input), "contrat-FS-2026-000123.pdf");
        input.lang = Lang::En;
        input.reference = "FS/2026 é".into();
        assert_eq!(Contract::file_name(&input), "agreement-FS_2026_e.pdf");
    }
}
