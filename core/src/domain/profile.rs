//! Artist and venue profiles (docs/product-rules.md §2) and their review lifecycle.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::audience::Audience;
use super::genre::GenreSet;
use super::places::City;
use super::terms::Lineup;
use super::values::{
    Address, AudienceRange, BudgetRange, Capacity, DateSet, Email, Fee, LicenceNumber, Links,
    LongText, Name, TravelRadius,
};
use super::{AccountId, ProfileId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    Artist,
    Venue,
}

impl ProfileKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Artist => "artist",
            ProfileKind::Venue => "venue",
        }
    }

    /// Reads a stored name back.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [ProfileKind::Artist, ProfileKind::Venue].into_iter().find(|k| k.as_str() == s)
    }

    #[must_use]
    pub fn other(self) -> Self {
        match self {
            ProfileKind::Artist => ProfileKind::Venue,
            ProfileKind::Venue => ProfileKind::Artist,
        }
    }
}

/// draft → pending → approved | rejected (reason); approved → suspended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "reason")]
pub enum ProfileStatus {
    Draft,
    Pending,
    Approved,
    Rejected(String),
    Suspended(String),
}

impl ProfileStatus {
    /// The name stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            ProfileStatus::Draft => "draft",
            ProfileStatus::Pending => "pending",
            ProfileStatus::Approved => "approved",
            ProfileStatus::Rejected(_) => "rejected",
            ProfileStatus::Suspended(_) => "suspended",
        }
    }

    /// Rebuilds a stored status; `None` for a name this version does not know.
    #[must_use]
    pub fn from_stored(name: &str, reason: Option<String>) -> Option<Self> {
        let reason = || reason.clone().unwrap_or_default();
        [
            ProfileStatus::Draft,
            ProfileStatus::Pending,
            ProfileStatus::Approved,
            ProfileStatus::Rejected(reason()),
            ProfileStatus::Suspended(reason()),
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }

    /// Only approved profiles are matched or contacted.
    #[must_use]
    pub fn is_public(&self) -> bool {
        matches!(self, ProfileStatus::Approved)
    }

    /// The status of a profile whose owner erased their account, for good: the one place its
    /// reason is spelled.
    #[must_use]
    pub fn erased() -> Self {
        ProfileStatus::Suspended(ERASED_REASON.to_owned())
    }

    /// Its owner erased their account: nobody can reach them through it any more.
    #[must_use]
    pub fn is_erased(&self) -> bool {
        matches!(self, ProfileStatus::Suspended(r) if r == ERASED_REASON)
    }
}

/// The reason the store writes on the profiles of an erased account.
const ERASED_REASON: &str = "account erased";

/// What an artist publishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artist {
    pub name: Name,
    pub genres: GenreSet,
    pub fee: Fee,
    pub negotiable: bool,
    /// The range of venue capacities the artist fits.
    pub draw: AudienceRange,
    pub city: City,
    pub radius: TravelRadius,
    pub bio: Option<LongText>,
    pub links: Links,
    pub email: Option<Email>,
}

/// What a venue publishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Venue {
    pub name: Name,
    pub city: City,
    pub address: Option<Address>,
    pub capacity: Capacity,
    pub genres: GenreSet,
    pub budget: BudgetRange,
    pub licence: Option<LicenceNumber>,
    pub stage_notes: Option<LongText>,
    pub email: Option<Email>,
    /// Confirmed bookings one open date can hold (1 for most venues; festivals have more).
    pub slots_per_date: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ProfileDetails {
    Artist(Artist),
    Venue(Venue),
}

impl ProfileDetails {
    #[must_use]
    pub fn kind(&self) -> ProfileKind {
        match self {
            ProfileDetails::Artist(_) => ProfileKind::Artist,
            ProfileDetails::Venue(_) => ProfileKind::Venue,
        }
    }

    #[must_use]
    pub fn name(&self) -> &Name {
        match self {
            ProfileDetails::Artist(a) => &a.name,
            ProfileDetails::Venue(v) => &v.name,
        }
    }

    #[must_use]
    pub fn city(&self) -> &City {
        match self {
            ProfileDetails::Artist(a) => &a.city,
            ProfileDetails::Venue(v) => &v.city,
        }
    }

    #[must_use]
    pub fn genres(&self) -> &GenreSet {
        match self {
            ProfileDetails::Artist(a) => &a.genres,
            ProfileDetails::Venue(v) => &v.genres,
        }
    }

    /// Whether a field that moderation vouches for (name, genres, city, a venue's capacity)
    /// differs: changing one sends an approved profile's edit back to review.
    #[must_use]
    pub fn public_fields_differ(&self, other: &ProfileDetails) -> bool {
        let capacity = |d: &ProfileDetails| match d {
            ProfileDetails::Venue(v) => Some(v.capacity),
            ProfileDetails::Artist(_) => None,
        };
        self.kind() != other.kind()
            || self.name() != other.name()
            || self.genres() != other.genres()
            || self.city() != other.city()
            || capacity(self) != capacity(other)
    }

    /// These details with the public fields of `approved`: what stays published while an edit
    /// of them waits for review (the other fields apply at once).
    #[must_use]
    pub fn with_public_fields_of(&self, approved: &ProfileDetails) -> ProfileDetails {
        let mut out = self.clone();
        match (&mut out, approved) {
            (ProfileDetails::Artist(a), ProfileDetails::Artist(old)) => {
                a.name = old.name.clone();
                a.genres = old.genres.clone();
                a.city = old.city.clone();
            }
            (ProfileDetails::Venue(v), ProfileDetails::Venue(old)) => {
                v.name = old.name.clone();
                v.genres = old.genres.clone();
                v.city = old.city.clone();
                v.capacity = old.capacity;
            }
            // A profile never changes kind (the store refuses it): keep the approved details.
            _ => return approved.clone(),
        }
        out
    }
}

/// A stored profile: its owner, its review state, its details and its free dates (an artist's
/// availability, a venue's open dates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: ProfileId,
    pub owner: AccountId,
    pub status: ProfileStatus,
    pub details: ProfileDetails,
    /// The dates the person declared free; [`Profile::free_dates`] is what is still free.
    pub dates: DateSet,
    /// Days confirmed bookings take (docs/product-rules.md §3): every day an artist is booked, and
    /// every date whose slots a venue's bookings fill. Read by the store with the profile, never
    /// written by the person.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub taken: BTreeSet<NaiveDate>,
    /// Who the show or the room is for; `None` until the person says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// An artist's line-up (performers and crew), the one contracts print too
    /// (`Store::save_lineup`); `None` until given, and for venues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineup: Option<Lineup>,
    /// The deals it takes (`Store::set_deals`); `None` until said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deals: Option<super::proposal::DealsTaken>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Profile {
    #[must_use]
    pub fn kind(&self) -> ProfileKind {
        self.details.kind()
    }

    /// The declared free dates less the days bookings take: what matching, the score and the
    /// proposal's date picker offer.
    #[must_use]
    pub fn free_dates(&self) -> DateSet {
        if self.taken.is_empty() {
            return self.dates.clone();
        }
        DateSet::from_stored(self.dates.dates().difference(&self.taken).copied())
    }

    /// Whether `day` is declared free and not taken by a booking.
    #[must_use]
    pub fn is_free(&self, day: NaiveDate) -> bool {
        self.dates.contains(day) && !self.taken.contains(&day)
    }
}
