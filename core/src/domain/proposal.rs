//! Proposals, bookings and their vocabulary (docs/product-rules.md §4). The state machine's rules
//! live in
//! `crate::booking`; these are the values both it and the store speak.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::profile::ProfileKind;
use super::terms::ContractTerms;
use super::values::Fee;
use super::{AccountId, BookingId, ProfileId, ProposalId};

/// The deals a profile takes, asked in the wizard and filtered on in `/match`
/// (docs/product-rules.md §3): a fixed fee (cession, and the guarantee deals, which pay one), a
/// share of the receipts (coréalisation), or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealsTaken {
    Fee,
    Share,
    Either,
}

impl DealsTaken {
    pub const ALL: [DealsTaken; 3] = [DealsTaken::Fee, DealsTaken::Share, DealsTaken::Either];

    /// The name stored in the database and in locale keys: the one place it is spelled.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DealsTaken::Fee => "fee",
            DealsTaken::Share => "share",
            DealsTaken::Either => "either",
        }
    }

    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == code)
    }

    /// Whether a profile taking `self` takes what `wanted` asks for.
    #[must_use]
    pub fn takes(self, wanted: DealsTaken) -> bool {
        self == DealsTaken::Either || wanted == DealsTaken::Either || self == wanted
    }

    /// The deals named by typed words, in French or English ("cession", "cachet fixe", "flat
    /// fee", "coréalisation", "door deal", "share", "les deux", "either"); `None` if none is.
    #[must_use]
    pub fn read(text: &str) -> Option<Self> {
        let words = super::audience::fold_words(text);
        let any = |list: &[&str]| list.iter().any(|w| words.contains(&format!(" {w} ")));
        let fee = any(FEE_WORDS) || any(&["fee", "fixed"]);
        let share = any(SHARE_WORDS) || any(&["share", "co realisation"]);
        match (fee, share, any(EITHER_WORDS)) {
            (true, true, _) | (_, _, true) => Some(DealsTaken::Either),
            (true, false, false) => Some(DealsTaken::Fee),
            (false, true, false) => Some(DealsTaken::Share),
            (false, false, false) => None,
        }
    }
}

/// Words, folded (lower case, no accents), that name a fixed fee.
pub const FEE_WORDS: &[&str] = &["cession", "cachet", "fixe", "flat", "guarantee", "garantie"];
/// Words that name a share of the receipts.
pub const SHARE_WORDS: &[&str] =
    &["corealisation", "co-realisation", "realisation", "recettes", "recette", "door", "partage"];
/// Words that say either will do.
const EITHER_WORDS: &[&str] = &["deux", "both", "either", "any", "tous", "toutes", "indifferent"];

/// How the artist is paid (docs/product-rules.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Deal {
    /// French "cession": a fixed price whatever the box office.
    FlatFee,
    /// French "coréalisation": a share of ticket receipts, in basis points (7000 = 70 %).
    DoorDeal { percent_bp: u16 },
    /// The greater of the guarantee (the fee) and the share of net receipts.
    GuaranteeVersus { percent_bp: u16 },
    /// The guarantee (the fee) plus a share of net receipts.
    GuaranteePlus { percent_bp: u16 },
}

/// The schedule of the day; every time is optional until agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShowTimes {
    pub load_in: Option<NaiveTime>,
    pub soundcheck: Option<NaiveTime>,
    pub doors: Option<NaiveTime>,
    pub set_start: Option<NaiveTime>,
    pub curfew: Option<NaiveTime>,
}

/// The terms one side offers the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    pub day: NaiveDate,
    pub fee: Fee,
    pub deal: Deal,
    pub set_minutes: u16,
    pub times: ShowTimes,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposalStatus {
    Sent,
    Held,
    Accepted,
    Refused,
    Withdrawn,
    Expired,
    Countered,
}

impl ProposalStatus {
    /// Every status, in the order of the state machine.
    pub const ALL: [Self; 7] = [
        ProposalStatus::Sent,
        ProposalStatus::Held,
        ProposalStatus::Accepted,
        ProposalStatus::Refused,
        ProposalStatus::Withdrawn,
        ProposalStatus::Expired,
        ProposalStatus::Countered,
    ];

    /// The statuses a proposal can still be answered in.
    pub const OPEN: [Self; 2] = [ProposalStatus::Sent, ProposalStatus::Held];

    /// The name stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Sent => "sent",
            ProposalStatus::Held => "held",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Refused => "refused",
            ProposalStatus::Withdrawn => "withdrawn",
            ProposalStatus::Expired => "expired",
            ProposalStatus::Countered => "countered",
        }
    }

    /// Reads a stored name back.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Final states never change again.
    #[must_use]
    pub fn is_final(self) -> bool {
        !matches!(self, ProposalStatus::Sent | ProposalStatus::Held)
    }
}

/// Why a proposal is stored as expired when it was not simply left unanswered: kept in its
/// `reason`, so response statistics can tell these from silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryReason {
    /// The receiver held the date, and the hold ran out.
    HoldExpired,
    /// The artist got booked elsewhere that day.
    ArtistBooked,
    /// The venue's date is now full.
    DateFull,
    /// A profile involved left the platform (suspended or erased).
    ProfileGone,
}

impl ExpiryReason {
    pub const ALL: [Self; 4] = [
        ExpiryReason::HoldExpired,
        ExpiryReason::ArtistBooked,
        ExpiryReason::DateFull,
        ExpiryReason::ProfileGone,
    ];

    /// The reason stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryReason::HoldExpired => "hold_expired",
            ExpiryReason::ArtistBooked => "artist_booked",
            ExpiryReason::DateFull => "date_full",
            ExpiryReason::ProfileGone => "profile_gone",
        }
    }

    /// Reads a stored reason back; `None` for free text (a refusal's reason) or nothing.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The two sides of every proposal. A hold is the venue's decision; the artist may ask for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// The default of notices stored before they named their recipient's side: they were
    /// worded for the artist.
    #[default]
    Artist,
    Venue,
}

/// One offer from one profile to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: ProposalId,
    pub from_profile: ProfileId,
    pub to_profile: ProfileId,
    pub artist: ProfileId,
    pub venue: ProfileId,
    pub sender: AccountId,
    pub terms: Terms,
    /// What only the contract prints, answered during the negotiation or after acceptance.
    pub contract_terms: ContractTerms,
    pub status: ProposalStatus,
    pub reason: Option<String>,
    /// The proposal this one counters.
    pub counter_of: Option<ProposalId>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

impl Proposal {
    /// The party that answers this proposal: the one whose move it is.
    #[must_use]
    pub fn receiver(&self) -> Party {
        if self.to_profile == self.venue { Party::Venue } else { Party::Artist }
    }

    /// The profile of `party` on this proposal.
    #[must_use]
    pub fn profile_of(&self, party: Party) -> ProfileId {
        match party {
            Party::Artist => self.artist,
            Party::Venue => self.venue,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BookingStatus {
    Confirmed,
    Cancelled,
}

impl BookingStatus {
    pub const ALL: [Self; 2] = [BookingStatus::Confirmed, BookingStatus::Cancelled];

    /// The name stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name back.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// A confirmed date: an artist plays a venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub proposal: ProposalId,
    pub artist: ProfileId,
    pub venue: ProfileId,
    pub day: NaiveDate,
    pub slot: u8,
    pub status: BookingStatus,
    /// The SHA-256 of the contract of record (in the producer's language).
    pub contract_sha256: Option<String>,
    /// The SHA-256 of the French and the English copy, once generated.
    pub contract_copies: Option<ContractCopies>,
    /// The signed copies each side sent back.
    pub signed: SignedCopies,
    /// Its number in its year, without gaps (`None` only for a row the store could not number).
    pub number: Option<BookingNumber>,
    pub created_at: DateTime<Utc>,
}

impl Booking {
    /// The reference people and contracts use: "FS-2026-000003".
    #[must_use]
    pub fn reference(&self) -> String {
        match self.number {
            Some(n) => n.to_string(),
            None => format!("FS-{}-{:06}", self.created_at.format("%Y"), self.id.0),
        }
    }
}

/// A booking's number: the n-th booking of its year, counted in the booking's transaction so
/// that numbers have no gaps (docs/product-rules.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BookingNumber {
    pub year: i32,
    pub seq: u32,
}

impl BookingNumber {
    /// Stored as `year * PER_YEAR + seq`.
    pub const PER_YEAR: i64 = 1_000_000;

    /// Reads a stored number; `None` for one out of shape.
    #[must_use]
    pub fn from_stored(n: i64) -> Option<Self> {
        let year = i32::try_from(n / Self::PER_YEAR).ok()?;
        let seq = u32::try_from(n % Self::PER_YEAR).ok().filter(|s| *s > 0)?;
        Some(Self { year, seq })
    }
}

impl std::fmt::Display for BookingNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FS-{}-{:06}", self.year, self.seq)
    }
}

impl Booking {
    /// Whether both sides have returned a signed copy: the contract is concluded.
    #[must_use]
    pub fn signed_by_both(&self) -> bool {
        self.signed.artist.is_some() && self.signed.venue.is_some()
    }

    /// The signed copy `side` returned, if any.
    #[must_use]
    pub fn signed_copy(&self, side: ProfileKind) -> Option<&SignedCopy> {
        match side {
            ProfileKind::Artist => self.signed.artist.as_ref(),
            ProfileKind::Venue => self.signed.venue.as_ref(),
        }
    }
}

/// The hashes of the two language copies of one contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractCopies {
    pub fr: String,
    pub en: String,
}

/// A signed copy sent back: the SHA-256 of the file received, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCopy {
    pub sha256: String,
    pub at: DateTime<Utc>,
}

/// Who has returned a signed copy (manual signature: print, sign, scan, send back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCopies {
    pub artist: Option<SignedCopy>,
    pub venue: Option<SignedCopy>,
}
