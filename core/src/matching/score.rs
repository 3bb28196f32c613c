//! The matching score (docs/product-rules.md §3): five criteria, each a value in [0, 1], weighted
//! to 0–100 and explained criterion by criterion; [`score`] is the one-by-one reference the index
//! must equal.
//!
//! # Integer arithmetic
//! Each criterion's value is an integer per mille (0 ..= 1000, [`FULL`]); the fine score is
//! `Σ weight × value` (0 ..= 100 000 with weights summing to 100). The shown score is the fine
//! score rounded to 0–100. Integers make the index and the reference agree bit for bit; the one
//! float, the great-circle distance, is floored to whole kilometres by one function both call.
//!
//! # Order: caveats first, then the score
//! A criterion under [`WEAK`] (the date criterion: at zero) is a caveat the others cannot hide
//! (a fee far above the budget, a room far too small, no common date). Results are ordered by
//! [`order_key`]: fewer weak criteria first, then the fine score, ties to the smaller profile id.
//! One integer, so the index's bounds stay exact: a chunk's bounds never count more weak
//! criteria than any of its members has.
//!
//! # Filters and the genre rule
//! [`Filters`] leave out what fails them before anything is scored; named dates
//! ([`Query::dates`]) are a filter too. No genre in common leaves a profile out unless the query
//! asks for any genre (then it is no caveat either) or names its genres.
//!
//! # Default weights (`genre=30,date=25,budget=20,location=15,capacity=10`)
//! - **genre 30**: artistic fit is what a programmer reads first; a perfect date with the wrong
//!   music is not a booking.
//! - **date 25**: a show needs a common date. Named dates are already a hard filter; the weight
//!   ranks how many of the asked dates work, the likeliest to turn into a booking first.
//! - **budget 20**: money decides whether a deal closes, but fees are often negotiable.
//! - **location 15**: the artist's own travel radius already says how far they go; beyond it the
//!   value falls off rather than cuts, since travel costs can be shared.
//! - **capacity 10**: draws are estimates, and a room a bit too big or too small still works.
//!
//! Configuration overrides them with [`Weights::parse`].
//!
//! # The criteria (each monotonic in what it measures)
//! - **genre** — the best relation between any genre asked (the seeker's, or those the query
//!   filters on) and any of the other's, through the taxonomy: same genre 1.0, parent or child
//!   ("indie rock ⊂ rock": a kind of) 0.9, siblings (same family) 0.5, unrelated 0; times the
//!   audience fit of the show and the room ([`Audience::fit`]; full when either is not said).
//! - **date** — the share of the asked dates on which the candidate is free too:
//!   `shared / asked`, floored to per mille. The asked dates are the query's named dates (naming a
//!   date says the seeker is free then; no shared date means no match), else the seeker's own free
//!   dates in the next three months, else, when the seeker has none there, every day of those
//!   three months. Named dates outside today … today + 548 days are ignored.
//! - **budget** — a fee at or below the venue's maximum is full (below the minimum too: the venue
//!   saves, and capacity already says whether the artist is in its league). Above it, with the
//!   overshoot `o = (fee − max) / max`, the value is `t² / (t² + o²)` with `t = 0.25`, or the
//!   gentler `t = 0.5` when the fee is negotiable: 25 % over a fixed fee gives 0.5, 25 % over a
//!   negotiable one 0.8.
//! - **location** — with `d` the distance between the two cities in whole km and `r` the artist's
//!   travel radius (or the query's override): full when `d ≤ r`, else `s² / (s² + (d − r)²)` with
//!   `s = 25 + r / 2` km, so the fall-off is gentler for artists who already travel far.
//!   Non-increasing in `d`, non-decreasing in `r`.
//! - **capacity** — the venue's capacity `c` against the artist's draw range `[lo, hi]`: full
//!   inside; outside, with the ratio gap `x = c / hi − 1` above or `x = lo / c − 1` below, the
//!   value is `1 / (1 + x²)`: a room twice the top of the draw, or half its bottom, gives 0.5 (a
//!   log-symmetric fall-off, without logarithms). The lower of that and the line-up's value
//!   ([`lineup_value`]: [`SEATS_PER_PERFORMER`] places per performer on stage).

use std::fmt;

use chrono::{Days, Months, NaiveDate};

use crate::domain::ProfileId;
use crate::domain::audience::Audience;
use crate::domain::genre::{GenreId, GenreRelation, GenreSet};
use crate::domain::profile::{Profile, ProfileDetails, ProfileKind};
use crate::domain::proposal::DealsTaken;
use crate::domain::search::{FilterKind, SearchFilters};
use crate::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, TravelRadius, group_thousands,
};

/// A criterion's value when fully met, per mille.
pub const FULL: u32 = 1000;

/// How far ahead a named date may be: the same horizon as a profile's free dates.
pub const HORIZON_DAYS: u64 = 548;

/// The default window when the query names no dates.
pub const DEFAULT_WINDOW_MONTHS: u32 = 3;

/// Day 0 of the index's date bitmaps. Dates before it are never asked (they are past).
pub(crate) fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The last day the index's bitmaps can hold (word indexes are `u16`): far beyond any horizon,
/// named so that the reference asks exactly the days the index can answer.
pub(crate) fn last_day() -> NaiveDate {
    epoch().checked_add_days(Days::new(65_536 * 64 - 1)).unwrap_or(NaiveDate::MAX)
}

/// One of the five criteria, in the order of a [`Match`]'s breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    Genre,
    Date,
    Budget,
    Location,
    Capacity,
}

impl Criterion {
    pub const ALL: [Criterion; 5] = [
        Criterion::Genre,
        Criterion::Date,
        Criterion::Budget,
        Criterion::Location,
        Criterion::Capacity,
    ];

    /// The configuration key, also the English label.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Criterion::Genre => "genre",
            Criterion::Date => "date",
            Criterion::Budget => "budget",
            Criterion::Location => "location",
            Criterion::Capacity => "capacity",
        }
    }

    #[must_use]
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How much each criterion counts; the five weights sum to 100 when built by [`Weights::new`] or
/// [`Weights::parse`]. Hand-built weights with another sum still rank consistently; the shown
/// score is then rescaled to 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weights {
    pub genre: u8,
    pub date: u8,
    pub budget: u8,
    pub location: u8,
    pub capacity: u8,
}

impl Default for Weights {
    /// See the module documentation for the reasoning.
    fn default() -> Self {
        Self { genre: 30, date: 25, budget: 20, location: 15, capacity: 10 }
    }
}

/// Why a weights setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeightsError {
    #[error("the weights setting is too long")]
    TooLong,
    #[error("write weights as criterion=number pairs, e.g. genre=30,date=25 (got “{0}”)")]
    Malformed(String),
    #[error("unknown criterion “{0}”: use genre, date, budget, location, capacity")]
    UnknownCriterion(String),
    #[error("criterion {0} is given twice")]
    Duplicate(Criterion),
    #[error("criterion {0} is missing")]
    Missing(Criterion),
    #[error("the weight of {0} is not a whole number from 0 to 100")]
    NotANumber(Criterion),
    #[error("the weights must sum to 100, not {0}")]
    Sum(u32),
}

impl Weights {
    /// Weights in [`Criterion::ALL`] order, checked to sum to 100.
    pub fn new(
        genre: u8,
        date: u8,
        budget: u8,
        location: u8,
        capacity: u8,
    ) -> Result<Self, WeightsError> {
        let w = Self { genre, date, budget, location, capacity };
        match w.sum() {
            100 => Ok(w),
            s => Err(WeightsError::Sum(s)),
        }
    }

    /// Parses "genre=30,date=25,budget=20,location=15,capacity=10": all five, any order.
    pub fn parse(input: &str) -> Result<Self, WeightsError> {
        if input.len() > 200 {
            return Err(WeightsError::TooLong);
        }
        let mut got: [Option<u8>; 5] = [None; 5];
        for part in input.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) =
                part.split_once('=').ok_or_else(|| WeightsError::Malformed(part.to_owned()))?;
            let key = key.trim().to_ascii_lowercase();
            let c = Criterion::parse(&key).ok_or(WeightsError::UnknownCriterion(key))?;
            let slot = &mut got[c as usize];
            if slot.is_some() {
                return Err(WeightsError::Duplicate(c));
            }
            let n: u8 = value.trim().parse().map_err(|_| WeightsError::NotANumber(c))?;
            if n > 100 {
                return Err(WeightsError::NotANumber(c));
            }
            *slot = Some(n);
        }
        let mut w = [0u8; 5];
        for (c, (out, v)) in Criterion::ALL.into_iter().zip(w.iter_mut().zip(got)) {
            *out = v.ok_or(WeightsError::Missing(c))?;
        }
        Self::new(w[0], w[1], w[2], w[3], w[4])
    }

    #[must_use]
    pub fn get(&self, c: Criterion) -> u8 {
        match c {
            Criterion::Genre => self.genre,
            Criterion::Date => self.date,
            Criterion::Budget => self.budget,
            Criterion::Location => self.location,
            Criterion::Capacity => self.capacity,
        }
    }

    #[must_use]
    pub fn sum(&self) -> u32 {
        Criterion::ALL.into_iter().map(|c| u32::from(self.get(c))).sum()
    }

    /// `Σ weight × value` over values in [`Criterion::ALL`] order.
    #[must_use]
    pub fn fine(&self, values: [u32; 5]) -> u32 {
        Criterion::ALL.into_iter().zip(values).map(|(c, v)| u32::from(self.get(c)) * v).sum()
    }
}

impl fmt::Display for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> =
            Criterion::ALL.into_iter().map(|c| format!("{}={}", c.key(), self.get(c))).collect();
        f.write_str(&parts.join(","))
    }
}

// ---------------------------------------------------------------------------------------------
// The criterion functions, shared by the reference and the index. Each returns per mille.

/// Genre: the taxonomy relation's value.
#[must_use]
pub fn genre_value(relation: GenreRelation) -> u32 {
    match relation {
        GenreRelation::Same => FULL,
        GenreRelation::ParentOrChild => 900,
        GenreRelation::Sibling => 500,
        GenreRelation::Unrelated => 0,
    }
}

/// Date: the share of the asked dates shared, floored.
#[must_use]
pub fn date_value(shared: u32, asked: u32) -> u32 {
    if asked == 0 {
        0
    } else {
        u32::try_from(u64::from(shared.min(asked)) * 1000 / u64::from(asked)).unwrap_or(FULL)
    }
}

/// `1000 · t² / (t² + x²)` for a gap `x` and a softness `t` in the same unit; `x` is clamped so the
/// squares stay far inside `u64`.
fn falloff(x: u64, t: u64) -> u32 {
    let x = x.min(1_000_000_000);
    let t2 = t * t;
    u32::try_from(1000 * t2 / (t2 + x * x).max(1)).unwrap_or(0)
}

/// Budget: full up to the venue's maximum, then falling off with the relative overshoot.
#[must_use]
pub fn budget_value(fee: u32, negotiable: bool, budget_max: u32) -> u32 {
    if fee <= budget_max {
        return FULL;
    }
    let over = u64::from(fee - budget_max) * 1000 / u64::from(budget_max.max(1));
    falloff(over, if negotiable { 500 } else { 250 })
}

/// Location: full within the radius, then falling off with the km beyond it.
#[must_use]
pub fn location_value(km: u32, radius: u32) -> u32 {
    if km <= radius {
        return FULL;
    }
    falloff(u64::from(km - radius), 25 + u64::from(radius) / 2)
}

/// Capacity: full inside the draw range, then falling off with the ratio gap.
#[must_use]
pub fn capacity_value(capacity: u32, draw_min: u32, draw_max: u32) -> u32 {
    let gap = if capacity > draw_max {
        u64::from(capacity - draw_max) * 1000 / u64::from(draw_max.max(1))
    } else if capacity < draw_min {
        u64::from(draw_min - capacity) * 1000 / u64::from(capacity.max(1))
    } else {
        return FULL;
    };
    falloff(gap, 1000)
}

/// Seats a room needs per performer on stage: below it, the room is too small for the line-up
/// (a ten-piece band in an 80-seat café).
pub const SEATS_PER_PERFORMER: u32 = 15;

/// Line-up: full when the room has [`SEATS_PER_PERFORMER`] seats per performer, then falling off
/// steeply with the shortfall `x = need / capacity − 1` (`t = 0.5`): a room at two thirds of
/// the need gives 0.5, at half of it 0.2. An unknown line-up (`0` performers) fits every room.
#[must_use]
pub fn lineup_value(performers: u32, capacity: u32) -> u32 {
    let need = performers.saturating_mul(SEATS_PER_PERFORMER);
    if capacity >= need {
        return FULL;
    }
    let gap = u64::from(need - capacity) * 1000 / u64::from(capacity.max(1));
    falloff(gap, 500)
}

/// Audience: how a show's audience fits a room's, per mille ([`Audience::fit`]); full when
/// either side has not said.
#[must_use]
pub fn audience_value(show: Option<Audience>, room: Option<Audience>) -> u32 {
    match (show, room) {
        (Some(show), Some(room)) => show.fit(room),
        _ => FULL,
    }
}

/// Under this value (per mille) a criterion is a caveat that cannot be hidden by the others: a
/// result with one ranks below every result with fewer (docs/product-rules.md §3). The date
/// criterion is weak only at zero: one common date is a date.
pub const WEAK: u32 = 250;

/// Whether a criterion's value is weak (see [`WEAK`]).
#[must_use]
pub fn is_weak(criterion: Criterion, value: u32) -> bool {
    match criterion {
        Criterion::Date => value == 0,
        _ => value < WEAK,
    }
}

/// How many tiers apart results with one weak criterion more are: above any fine score.
pub const TIER: u32 = 2_000_000;

/// The number results are ordered by: fewer weak criteria first, then the fine score.
#[must_use]
pub fn order_key(weak: u32, fine: u32) -> u32 {
    (5u32.saturating_sub(weak)) * TIER + fine.min(TIER - 1)
}

/// Mean Earth radius, km.
const EARTH_KM: f64 = 6371.0;

/// Great-circle distance (haversine) in whole km, floored. Coordinates are `f32` as the index
/// stores them, so that the reference and the index compute from the same bits.
#[must_use]
pub fn distance_km(lat1: f32, lon1: f32, lat2: f32, lon2: f32) -> u32 {
    let (p1, p2) = (f64::from(lat1).to_radians(), f64::from(lat2).to_radians());
    let dp = p2 - p1;
    let dl = (f64::from(lon2) - f64::from(lon1)).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    if !a.is_finite() {
        // Never from a geocoded city; counts as far away.
        return u32::MAX;
    }
    let d = 2.0 * EARTH_KM * a.sqrt().min(1.0).asin();
    d as u32
}

// ---------------------------------------------------------------------------------------------
// Candidates, queries, results.

/// The side-specific facts matching reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Artist {
        fee: Fee,
        negotiable: bool,
        draw: AudienceRange,
        radius: TravelRadius,
        /// Performers on stage (the line-up's, at most 200); `None` until given.
        performers: Option<u16>,
    },
    Venue {
        capacity: Capacity,
        budget: BudgetRange,
    },
}

/// The matching view of one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: ProfileId,
    /// Approved (and so neither suspended nor in review): only these are ever returned.
    pub approved: bool,
    pub genres: GenreSet,
    pub lat: f32,
    pub lon: f32,
    pub side: Side,
    /// The artist's availability or the venue's open dates, less the days bookings take.
    pub dates: DateSet,
    /// Who the show or the room is for; `None` until said.
    pub audience: Option<Audience>,
    /// The deals it takes; `None` until said.
    pub deals: Option<DealsTaken>,
}

impl Candidate {
    #[must_use]
    pub fn kind(&self) -> ProfileKind {
        match self.side {
            Side::Artist { .. } => ProfileKind::Artist,
            Side::Venue { .. } => ProfileKind::Venue,
        }
    }
}

impl From<&Profile> for Candidate {
    fn from(p: &Profile) -> Self {
        let (genres, city, side) = match &p.details {
            ProfileDetails::Artist(a) => (
                a.genres.clone(),
                &a.city,
                Side::Artist {
                    fee: a.fee,
                    negotiable: a.negotiable,
                    draw: a.draw,
                    radius: a.radius,
                    performers: p.lineup.map(crate::domain::terms::Lineup::performers),
                },
            ),
            ProfileDetails::Venue(v) => {
                (v.genres.clone(), &v.city, Side::Venue { capacity: v.capacity, budget: v.budget })
            }
        };
        Candidate {
            id: p.id,
            approved: p.status.is_public(),
            genres,
            lat: city.lat() as f32,
            lon: city.lon() as f32,
            side,
            dates: p.free_dates(),
            audience: p.audience,
            deals: p.deals,
        }
    }
}

/// One search: who looks, for when, and which page.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The profile looking; the results are profiles of the other kind.
    pub seeker: Candidate,
    /// From the injected clock: the start of the default window and the horizon of named dates.
    pub today: NaiveDate,
    /// Named dates; `None` (or an empty list) means the next three months.
    pub dates: Option<Vec<NaiveDate>>,
    /// Replaces the artist's travel radius in the location criterion, in km.
    pub radius_override: Option<u16>,
    /// The hard filters: what does not pass is not returned (see [`Filters`]). Dates stay in
    /// [`Query::dates`], already a hard filter.
    pub filters: Filters,
    /// The seeker's own place, kept while the search is centred on another city (`/match near
    /// …` moves [`Query::seeker`]'s coordinates there), to go back to when that is loosened.
    pub home: Option<(f32, f32)>,
    pub limit: usize,
    pub offset: usize,
}

/// The hard filters of a query (docs/product-rules.md §3), separate from the score: a profile
/// that fails one is not returned at all; the score ranks those that pass.
///
/// Dates are not here: [`Query::dates`] names them, and a profile free on none of them is
/// already left out. Build them from what the person typed with [`Filters::from_search`] (or
/// [`Query::with_search`], which also sets the dates and the location criterion's radius).
///
/// | filter | an artist passes when | a venue passes when |
/// |---|---|---|
/// | `radius_km` | it is at most this far (whole km, city to city) | the same |
/// | `genres` | one of its genres is one of these, a kind of one, or the family of one (with `related`, also a sibling: same family) | the same, on the genres it welcomes |
/// | `max_fee` | its fee is at most this | its budget's maximum is at most this (a ceiling) |
/// | `capacity` | its draw overlaps the range | its capacity is in the range |
///
/// `any_genre` is not a filter but lifts the rule that no genre in common is no match: with it
/// (or with `genres` set, which says what is asked) an unrelated genre may be returned, and
/// with it no genre in common is no caveat either (an audience that does not fit still is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub radius_km: Option<u16>,
    pub genres: Option<GenreFilter>,
    pub any_genre: bool,
    /// Euros, excluding VAT.
    pub max_fee: Option<u32>,
    /// People, both ends included.
    pub capacity: Option<(u32, u32)>,
    /// The kind of deal asked for: a profile passes if it takes it, or did not say.
    pub deals: Option<DealsTaken>,
}

/// The genres asked for: a profile passes with one of these, a kind of one, or its family; with
/// `related`, any genre of the same family too. The genre criterion then compares with these
/// rather than with the seeker's own genres.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenreFilter {
    pub genres: Vec<GenreId>,
    pub related: bool,
}

impl Filters {
    /// No filter set (and no genre rule lifted).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.active().is_empty() && !self.any_genre
    }

    /// The filters that are on, in [`FilterKind::ALL`] order (`Dates` is never among them: see
    /// [`Query::active_filters`]).
    #[must_use]
    pub fn active(&self) -> Vec<FilterKind> {
        let on = |k: FilterKind| match k {
            FilterKind::Dates => false,
            FilterKind::Radius => self.radius_km.is_some(),
            FilterKind::Genres => self.genres.is_some(),
            FilterKind::MaxFee => self.max_fee.is_some(),
            FilterKind::Capacity => self.capacity.is_some(),
            FilterKind::Deals => self.deals.is_some(),
            // Not a filter of the index: the query's centre (see `Query::home`).
            FilterKind::Near => false,
        };
        FilterKind::ALL.into_iter().filter(|k| on(*k)).collect()
    }

    /// These filters with one turned off (`Genres` also drops `any_genre`).
    #[must_use]
    pub fn without(&self, kind: FilterKind) -> Filters {
        let mut f = self.clone();
        match kind {
            FilterKind::Dates => {}
            FilterKind::Radius => f.radius_km = None,
            FilterKind::Genres => {
                f.genres = None;
                f.any_genre = false;
            }
            FilterKind::MaxFee => f.max_fee = None,
            FilterKind::Capacity => f.capacity = None,
            FilterKind::Deals => f.deals = None,
            FilterKind::Near => {}
        }
        f
    }

    /// The filters a `/match` answer set (its dates go to [`Query::dates`]).
    #[must_use]
    pub fn from_search(s: &SearchFilters) -> Filters {
        Filters {
            radius_km: s.radius_km,
            genres: (!s.genres.is_empty())
                .then(|| GenreFilter { genres: s.genres.clone(), related: s.related }),
            any_genre: s.any_genre,
            max_fee: s.max_fee.map(Fee::euros),
            capacity: s.capacity.map(|c| (c.min().people(), c.max().people())),
            deals: s.deals,
        }
    }

    /// Whether `other` passes every filter, `km` away from the seeker.
    #[must_use]
    pub fn admits(&self, other: &Candidate, km: u32) -> bool {
        if self.radius_km.is_some_and(|r| km > u32::from(r)) {
            return false;
        }
        if let Some(g) = &self.genres
            && !g.admits(&other.genres)
        {
            return false;
        }
        if let (Some(wanted), Some(taken)) = (self.deals, other.deals)
            && !taken.takes(wanted)
        {
            return false;
        }
        match other.side {
            Side::Artist { fee, draw, .. } => {
                self.max_fee.is_none_or(|m| fee.euros() <= m)
                    && self.capacity.is_none_or(|(lo, hi)| {
                        draw.min().people() <= hi && draw.max().people() >= lo
                    })
            }
            Side::Venue { capacity, budget } => {
                self.max_fee.is_none_or(|m| budget.max().euros() <= m)
                    && self.capacity.is_none_or(|(lo, hi)| (lo..=hi).contains(&capacity.people()))
            }
        }
    }
}

impl GenreFilter {
    /// The worst relation that still passes.
    #[must_use]
    pub fn loosest(&self) -> GenreRelation {
        if self.related { GenreRelation::Sibling } else { GenreRelation::ParentOrChild }
    }

    /// Whether a profile with `genres` passes.
    #[must_use]
    pub fn admits(&self, genres: &GenreSet) -> bool {
        let loosest = self.loosest();
        self.genres.iter().any(|a| genres.ids().iter().any(|b| a.relation(*b) <= loosest))
    }
}

impl Query {
    /// The deepest page a query may reach (`offset + limit`), so a request cannot ask the index to
    /// keep a million results.
    pub const MAX_DEPTH: usize = 1_000;

    /// The first ten results over the next three months.
    #[must_use]
    pub fn new(seeker: Candidate, today: NaiveDate) -> Self {
        Self {
            seeker,
            today,
            dates: None,
            radius_override: None,
            filters: Filters::default(),
            home: None,
            limit: 10,
            offset: 0,
        }
    }

    /// The query of a `/match` answer: its dates, its filters, and its distance as the location
    /// criterion's radius too ("within 200 km" says 200 km is fine).
    #[must_use]
    pub fn with_search(mut self, s: &SearchFilters) -> Self {
        self.dates = s.dates.as_ref().map(|d| d.dates().iter().copied().collect());
        self.radius_override = s.radius_km;
        self.filters = Filters::from_search(s);
        if let Some(near) = &s.near {
            let home = self.home.unwrap_or((self.seeker.lat, self.seeker.lon));
            self.home = Some(home);
            self.seeker.lat = near.lat();
            self.seeker.lon = near.lon();
        }
        self
    }

    /// The filters that are on, named dates included, in [`FilterKind::ALL`] order.
    #[must_use]
    pub fn active_filters(&self) -> Vec<FilterKind> {
        let mut out = Vec::new();
        if self.dates.as_ref().is_some_and(|d| !d.is_empty()) {
            out.push(FilterKind::Dates);
        }
        out.extend(self.filters.active());
        if self.home.is_some() {
            out.push(FilterKind::Near);
        }
        out
    }

    /// This query with one filter off: what the person would see by loosening it. Turning the
    /// distance off also drops the radius it set for the location criterion.
    #[must_use]
    pub fn without(&self, kind: FilterKind) -> Query {
        let mut q = self.clone();
        match kind {
            FilterKind::Dates => q.dates = None,
            FilterKind::Radius => {
                if q.radius_override == q.filters.radius_km {
                    q.radius_override = None;
                }
                q.filters.radius_km = None;
            }
            FilterKind::Near => {
                if let Some((lat, lon)) = q.home.take() {
                    q.seeker.lat = lat;
                    q.seeker.lon = lon;
                }
            }
            k => q.filters = q.filters.without(k),
        }
        q
    }

    /// The genres the genre criterion compares with: those filtered on, else the seeker's.
    #[must_use]
    pub fn asked_genres(&self) -> Vec<GenreId> {
        match &self.filters.genres {
            Some(g) if !g.genres.is_empty() => g.genres.clone(),
            _ => self.seeker.genres.ids().to_vec(),
        }
    }

    /// Whether no genre in common leaves a profile out: unless the person asked for any genre
    /// or named the genres themselves.
    #[must_use]
    pub fn needs_a_common_genre(&self) -> bool {
        !self.filters.any_genre && self.filters.genres.is_none()
    }

    #[must_use]
    pub fn on_dates(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.dates = Some(dates.into_iter().collect());
        self
    }

    #[must_use]
    pub fn page(mut self, offset: usize, limit: usize) -> Self {
        self.offset = offset;
        self.limit = limit;
        self
    }

    /// `offset + limit`, bounded by [`Query::MAX_DEPTH`].
    pub(crate) fn depth(&self) -> usize {
        self.offset.saturating_add(self.limit).min(Self::MAX_DEPTH)
    }

    /// The travel radius that applies between the seeker and an artist whose own radius is
    /// `artist_radius`.
    pub(crate) fn radius(&self, artist_radius: u16) -> u32 {
        u32::from(self.radius_override.unwrap_or(artist_radius))
    }

    /// The dates the date criterion counts, sorted and distinct, with where they come from.
    #[must_use]
    pub fn asked_days(&self) -> AskedDays {
        let today = self.today.max(epoch());
        let horizon =
            today.checked_add_days(Days::new(HORIZON_DAYS)).unwrap_or(today).min(last_day());
        if let Some(named) = self.dates.as_ref().filter(|d| !d.is_empty()) {
            let mut days: Vec<NaiveDate> =
                named.iter().copied().filter(|d| *d >= today && *d <= horizon).collect();
            days.sort_unstable();
            days.dedup();
            return AskedDays { days, basis: DateBasis::Named };
        }
        let end = today
            .checked_add_months(Months::new(DEFAULT_WINDOW_MONTHS))
            .unwrap_or(today)
            .min(horizon);
        let own: Vec<NaiveDate> = self.seeker.dates.dates().range(today..end).copied().collect();
        if own.is_empty() {
            let days = today.iter_days().take_while(|d| *d < end).collect();
            AskedDays { days, basis: DateBasis::Window }
        } else {
            AskedDays { days: own, basis: DateBasis::SeekerDates }
        }
    }
}

/// Where the asked dates of a query come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateBasis {
    /// The query named them; no shared date means no match.
    Named,
    /// The seeker's own free dates in the next three months.
    SeekerDates,
    /// Every day of the next three months (the seeker listed none there).
    Window,
}

/// The dates a query asks about (see the date criterion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedDays {
    pub days: Vec<NaiveDate>,
    pub basis: DateBasis,
}

/// Why a criterion scored what it did: data for the conversation to render in its language
/// (`Display` gives English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The best pair of genres: the one asked (the seeker's, or a filtered one) first.
    Genre {
        relation: GenreRelation,
        seeker: GenreId,
        other: GenreId,
    },
    Date {
        shared: u32,
        asked: u32,
        basis: DateBasis,
        first_shared: Option<NaiveDate>,
    },
    Budget {
        fee: Fee,
        negotiable: bool,
        budget: BudgetRange,
    },
    Location {
        km: u32,
        radius_km: u32,
    },
    Capacity {
        capacity: Capacity,
        draw: AudienceRange,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::domain::Lang::En;
        match *self {
            Reason::Genre { relation, seeker, other } => {
                let (a, b) = (seeker.name(En).to_lowercase(), other.name(En).to_lowercase());
                match relation {
                    GenreRelation::Same => write!(f, "{a}"),
                    GenreRelation::ParentOrChild if seeker.family() == other => {
                        write!(f, "{a} ⊂ {b}")
                    }
                    GenreRelation::ParentOrChild => write!(f, "{b} ⊂ {a}"),
                    GenreRelation::Sibling => {
                        write!(f, "{a} ~ {b} (both {})", seeker.family().name(En).to_lowercase())
                    }
                    GenreRelation::Unrelated => write!(f, "no genre in common ({a} / {b})"),
                }
            }
            Reason::Date { shared, asked, basis, first_shared } => {
                match basis {
                    DateBasis::Named => write!(f, "free on {shared} of the {asked} dates asked")?,
                    DateBasis::SeekerDates => {
                        write!(
                            f,
                            "free on {shared} of your {asked} dates in the next three months"
                        )?;
                    }
                    DateBasis::Window => write!(f, "free on {shared} of the next {asked} days")?,
                }
                match first_shared {
                    Some(d) => write!(f, ", first {d}"),
                    None => Ok(()),
                }
            }
            Reason::Budget { fee, negotiable, budget } => {
                let neg = if negotiable { " (negotiable)" } else { "" };
                let place = if fee > budget.max() {
                    "above"
                } else if fee < budget.min() {
                    "below"
                } else {
                    "in"
                };
                write!(f, "{fee} {place} {budget}{neg}")
            }
            Reason::Location { km, radius_km } => {
                if km <= radius_km {
                    write!(f, "{km} km, within the {radius_km} km radius")
                } else {
                    write!(f, "{km} km, {} km beyond the {radius_km} km radius", km - radius_km)
                }
            }
            Reason::Capacity { capacity, draw } => {
                let n = group_thousands(u64::from(capacity.people()));
                if capacity > draw.max() {
                    write!(f, "{n} places, above the draw {draw}")
                } else if capacity < draw.min() {
                    write!(f, "{n} places, below the draw {draw}")
                } else {
                    write!(f, "{n} places in the draw {draw}")
                }
            }
        }
    }
}

/// What else lowered a criterion besides its [`Reason`]: the audience for genre, the line-up for
/// capacity. Data for the conversation to render (`Display` gives English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The show's audience does not suit the room's (its value, per mille, multiplies genre's).
    Audience { show: Audience, room: Audience, value: u16 },
    /// The room is small for the line-up: fewer than [`SEATS_PER_PERFORMER`] seats per performer.
    Lineup { performers: u16, capacity: Capacity, value: u16 },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Audience { show, room, .. } => {
                write!(f, "a show for {show} in a room for {room}")
            }
            Note::Lineup { performers, capacity, .. } => {
                write!(f, "{performers} performers for {} places", capacity.people())
            }
        }
    }
}

/// One criterion's share of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriterionScore {
    pub criterion: Criterion,
    /// Whole points out of `max`; the five sum to the shown score when the weights sum to 100.
    pub points: u8,
    /// The criterion's weight.
    pub max: u8,
    /// The criterion's value, per mille.
    pub value: u16,
    pub reason: Reason,
    /// What else lowered it, if anything.
    pub note: Option<Note>,
}

impl CriterionScore {
    /// Under the weak line ([`WEAK`]): a caveat that ranks the result below those without.
    #[must_use]
    pub fn is_weak(&self) -> bool {
        is_weak(self.criterion, u32::from(self.value))
    }

    /// Points missed out of the criterion's weight.
    #[must_use]
    pub fn lost(&self) -> u8 {
        self.max.saturating_sub(self.points)
    }
}

impl fmt::Display for CriterionScore {
    /// "genre 27/30 — indie rock ⊂ rock", with its note after a semicolon when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{} — {}", self.criterion, self.points, self.max, self.reason)?;
        match &self.note {
            Some(n) => write!(f, "; {n}"),
            None => Ok(()),
        }
    }
}

/// One result, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub profile: ProfileId,
    /// 0–100, for people.
    pub score: u8,
    /// `Σ weight × value`: the exact score, which orders results with as many weak criteria.
    pub fine: u32,
    /// How many criteria are weak ([`WEAK`]): fewer comes first, whatever the fine score.
    pub weak: u8,
    pub breakdown: [CriterionScore; 5],
}

impl Match {
    /// Best first: fewer weak criteria, then higher fine score, then smaller profile id.
    #[must_use]
    pub fn rank_key(&self) -> (std::cmp::Reverse<u32>, ProfileId) {
        (std::cmp::Reverse(order_key(u32::from(self.weak), self.fine)), self.profile)
    }

    /// The most decisive reasons, for a result's one line: what fits best, and the main caveat.
    ///
    /// - `best` is the criterion that brings the most points among those at least 0.75 met (the
    ///   heaviest wins a tie, so "genre 30/30" is told before "capacity 10/10"); when none is,
    ///   the one that brings the most points.
    /// - `caveat` is the criterion that costs the most points among those under half met, weak
    ///   ones ([`CriterionScore::is_weak`]) first; `None` when every criterion is at least half
    ///   met. It is never `best`.
    ///
    /// Both point into [`Match::breakdown`], which the detail view lists in full.
    #[must_use]
    pub fn headline(&self) -> (&CriterionScore, Option<&CriterionScore>) {
        let b = &self.breakdown;
        let strong = |c: &&CriterionScore| c.value >= 750;
        let best = b
            .iter()
            .filter(strong)
            .max_by_key(|c| (c.points, c.max, std::cmp::Reverse(c.criterion)))
            .or_else(|| b.iter().max_by_key(|c| (c.points, c.max, std::cmp::Reverse(c.criterion))))
            .unwrap_or(&b[0]);
        let caveat = b
            .iter()
            .filter(|c| c.value < 500 && c.criterion != best.criterion)
            .max_by_key(|c| (c.is_weak(), c.lost(), std::cmp::Reverse(c.criterion)));
        (best, caveat)
    }
}

impl fmt::Display for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/100", self.score)?;
        for c in &self.breakdown {
            write!(f, "; {c}")?;
        }
        Ok(())
    }
}

/// Whole points per criterion by largest remainder, so that they sum to the rounded total.
fn apportion(weights: &Weights, values: [u32; 5]) -> [u8; 5] {
    let exact: Vec<u32> = Criterion::ALL
        .into_iter()
        .zip(values)
        .map(|(c, v)| u32::from(weights.get(c)) * v)
        .collect();
    let total: u32 = exact.iter().sum();
    let target = (total + 500) / 1000;
    let mut points: [u32; 5] = [0; 5];
    for (p, e) in points.iter_mut().zip(&exact) {
        *p = e / 1000;
    }
    let mut order: Vec<usize> = (0..5).filter(|&i| !exact[i].is_multiple_of(1000)).collect();
    // Largest remainder first; the criterion order breaks ties, so the split is deterministic.
    order.sort_by_key(|&i| (std::cmp::Reverse(exact[i] % 1000), i));
    let missing = target.saturating_sub(points.iter().sum());
    for &i in order.iter().take(missing as usize) {
        points[i] += 1;
    }
    points.map(|p| u8::try_from(p).unwrap_or(u8::MAX))
}

/// The shown 0–100 score of a fine score.
fn shown_score(fine: u32, weights: &Weights) -> u8 {
    let sum = weights.sum();
    if sum == 0 {
        return 0;
    }
    let s = (u64::from(fine) * 100 + u64::from(sum) * 500) / (u64::from(sum) * 1000);
    u8::try_from(s.min(100)).unwrap_or(100)
}

/// Scores one candidate against a query, one by one: the reference the index must equal.
///
/// `None` when the candidate cannot match at all: not approved, the seeker itself, the same kind
/// as the seeker, no shared date when the query names dates, no genre in common (unless the
/// query asks for any genre or names its genres), or a filter it fails ([`Filters`]).
#[must_use]
pub fn score(query: &Query, other: &Candidate, weights: &Weights) -> Option<Match> {
    score_with(query, &query.asked_days(), other, weights)
}

/// [`score`] with the asked dates already worked out, so a caller scoring many candidates does it
/// once.
pub(crate) fn score_with(
    query: &Query,
    asked: &AskedDays,
    other: &Candidate,
    weights: &Weights,
) -> Option<Match> {
    let seeker = &query.seeker;
    if !other.approved || other.id == seeker.id || other.kind() == seeker.kind() {
        return None;
    }
    let (artist, venue) = match (&seeker.side, &other.side) {
        (Side::Artist { .. }, Side::Venue { .. }) => (seeker, other),
        _ => (other, seeker),
    };
    let Side::Artist { fee, negotiable, draw, radius, performers } = artist.side else {
        return None;
    };
    let Side::Venue { capacity, budget } = venue.side else { return None };

    let (relation, g_seeker, g_other) = best_relation(&query.asked_genres(), &other.genres);
    if relation == GenreRelation::Unrelated && query.needs_a_common_genre() {
        return None;
    }
    let shared: Vec<NaiveDate> =
        asked.days.iter().copied().filter(|d| other.dates.contains(*d)).collect();
    if asked.basis == DateBasis::Named && shared.is_empty() {
        return None;
    }
    let km = distance_km(seeker.lat, seeker.lon, other.lat, other.lon);
    if !query.filters.admits(other, km) {
        return None;
    }
    let asked_n = u32::try_from(asked.days.len()).unwrap_or(u32::MAX);
    let shared_n = u32::try_from(shared.len()).unwrap_or(u32::MAX);
    let radius_km = query.radius(radius.km());

    let fit = audience_value(artist.audience, venue.audience);
    let draw_value = capacity_value(capacity.people(), draw.min().people(), draw.max().people());
    let crowd = lineup_value(u32::from(performers.unwrap_or(0)), capacity.people());
    let values = [
        genre_value(relation) * fit / FULL,
        date_value(shared_n, asked_n),
        budget_value(fee.euros(), negotiable, budget.max().euros()),
        location_value(km, radius_km),
        draw_value.min(crowd),
    ];
    let reasons = [
        Reason::Genre { relation, seeker: g_seeker, other: g_other },
        Reason::Date {
            shared: shared_n,
            asked: asked_n,
            basis: asked.basis,
            first_shared: shared.first().copied(),
        },
        Reason::Budget { fee, negotiable, budget },
        Reason::Location { km, radius_km },
        Reason::Capacity { capacity, draw },
    ];
    let short = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    let notes = [
        match (artist.audience, venue.audience) {
            (Some(show), Some(room)) if fit < FULL => {
                Some(Note::Audience { show, room, value: short(fit) })
            }
            _ => None,
        },
        None,
        None,
        None,
        match performers {
            Some(n) if crowd < FULL && crowd <= draw_value => {
                Some(Note::Lineup { performers: n, capacity, value: short(crowd) })
            }
            _ => None,
        },
    ];
    let fine = weights.fine(values);
    // Asked for any genre, no genre in common is no caveat; an audience that does not fit is.
    let weak = Criterion::ALL
        .into_iter()
        .zip(values)
        .filter(|(c, v)| match c {
            Criterion::Genre if query.filters.any_genre => is_weak(*c, fit),
            _ => is_weak(*c, *v),
        })
        .count();
    let points = apportion(weights, values);
    let mut i = 0;
    let breakdown = Criterion::ALL.map(|criterion| {
        let s = CriterionScore {
            criterion,
            points: points[i],
            max: weights.get(criterion),
            value: short(values[i]),
            reason: reasons[i],
            note: notes[i],
        };
        i += 1;
        s
    });
    Some(Match {
        profile: other.id,
        score: shown_score(fine, weights),
        fine,
        weak: u8::try_from(weak).unwrap_or(5),
        breakdown,
    })
}

/// The best relation between any asked genre and any of `other`, with the first pair that
/// reaches it (as [`GenreSet::best_relation`], for a list of any length).
fn best_relation(asked: &[GenreId], other: &GenreSet) -> (GenreRelation, GenreId, GenreId) {
    let theirs = other.ids();
    let mut best =
        (GenreRelation::Unrelated, asked.first().copied().unwrap_or(theirs[0]), theirs[0]);
    for &a in asked {
        for &b in theirs {
            let r = a.relation(b);
            if r < best.0 {
                best = (r, a, b);
            }
        }
    }
    best
}

/// Every candidate scored one by one, sorted best first, then paged: what the index must return.
#[must_use]
pub fn brute_force<'a>(
    query: &Query,
    candidates: impl IntoIterator<Item = &'a Candidate>,
    weights: &Weights,
) -> Vec<Match> {
    let asked = query.asked_days();
    let mut all: Vec<Match> =
        candidates.into_iter().filter_map(|c| score_with(query, &asked, c, weights)).collect();
    all.sort_by_key(Match::rank_key);
    all.into_iter().take(query.depth()).skip(query.offset).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_weights_sum_to_100_and_round_trip() {
        let w = Weights::default();
        assert_eq!(w.sum(), 100);
        assert_eq!(Weights::parse(&w.to_string()), Ok(w));
        assert_eq!(Weights::parse("capacity=10, location=15; budget=20,date=25,GENRE=30"), Ok(w));
    }

    #[test]
    fn weights_errors_are_typed() {
        assert_eq!(Weights::parse("genre=30"), Err(WeightsError::Missing(Criterion::Date)));
        assert_eq!(
            Weights::parse("genre=30,date=25,budget=20,location=15,capacity=11"),
            Err(WeightsError::Sum(101))
        );
        assert_eq!(
            Weights::parse("genre=30,genre=25"),
            Err(WeightsError::Duplicate(Criterion::Genre))
        );
        assert_eq!(Weights::parse("mood=30"), Err(WeightsError::UnknownCriterion("mood".into())));
        assert_eq!(Weights::parse("genre:30"), Err(WeightsError::Malformed("genre:30".into())));
        assert_eq!(Weights::parse("genre=-3"), Err(WeightsError::NotANumber(Criterion::Genre)));
        assert_eq!(Weights::parse("genre=300"), Err(WeightsError::NotANumber(Criterion::Genre)));
        assert_eq!(Weights::parse(&"genre=1,".repeat(100)), Err(WeightsError::TooLong));
        assert!(Weights::new(100, 0, 0, 0, 0).is_ok());
    }

    #[test]
    fn genre_values_rank_the_taxonomy() {
        let v = [
            GenreRelation::Same,
            GenreRelation::ParentOrChild,
            GenreRelation::Sibling,
            GenreRelation::Unrelated,
        ]
        .map(genre_value);
        assert_eq!(v, [1000, 900, 500, 0]);
    }

    #[test]
    fn date_value_is_the_floored_share() {
        assert_eq!(date_value(0, 0), 0);
        assert_eq!(date_value(0, 3), 0);
        assert_eq!(date_value(1, 3), 333);
        assert_eq!(date_value(3, 3), 1000);
        assert_eq!(date_value(4, 3), 1000, "never above full");
        let mut last = 0;
        for s in 0..=90 {
            let v = date_value(s, 90);
            assert!(v >= last);
            last = v;
        }
    }

    #[test]
    fn budget_is_full_up_to_the_maximum_then_falls_gentler_when_negotiable() {
        assert_eq!(budget_value(0, false, 1500), 1000);
        assert_eq!(budget_value(500, false, 1500), 1000, "below the minimum stays full");
        assert_eq!(budget_value(1500, false, 1500), 1000);
        assert_eq!(budget_value(1501, false, 1500), 1000, "under 0.1 % over rounds to nothing");
        assert_eq!(budget_value(1502, false, 1500), 999);
        assert_eq!(budget_value(1875, false, 1500), 500, "25 % over a fixed fee");
        assert_eq!(budget_value(1875, true, 1500), 800, "25 % over a negotiable fee");
        assert_eq!(budget_value(1_000_000, false, 0), 0);
        assert_eq!(budget_value(0, false, 0), 1000);
        let mut last = (FULL, FULL);
        for fee in (1000..20_000).step_by(37) {
            let v = (budget_value(fee, false, 1500), budget_value(fee, true, 1500));
            assert!(v.0 <= last.0 && v.1 <= last.1, "non-increasing in the fee");
            assert!(v.0 <= v.1, "negotiable never scores lower");
            last = v;
        }
    }

    #[test]
    fn location_is_full_inside_the_radius_then_falls() {
        assert_eq!(location_value(0, 0), 1000);
        assert_eq!(location_value(100, 100), 1000);
        assert_eq!(location_value(101, 100), 999);
        assert_eq!(location_value(175, 100), 500, "s = 75 km beyond a 100 km radius");
        assert_eq!(location_value(25, 0), 500);
        assert!(location_value(3000, 50) < 5);
        for r in [0, 30, 100, 400] {
            let mut last = FULL;
            for km in (0..2000).step_by(7) {
                let v = location_value(km, r);
                assert!(v <= last);
                assert!(location_value(km, r + 1) >= v, "non-decreasing in the radius");
                last = v;
            }
        }
    }

    #[test]
    fn capacity_is_full_inside_the_draw_and_log_symmetric_outside() {
        assert_eq!(capacity_value(100, 100, 400), 1000);
        assert_eq!(capacity_value(400, 100, 400), 1000);
        assert_eq!(capacity_value(800, 100, 400), 500, "twice the top");
        assert_eq!(capacity_value(50, 100, 400), 500, "half the bottom");
        assert_eq!(capacity_value(1200, 100, 400), 200);
        assert_eq!(capacity_value(1, 100_000, 100_000), 0);
        let mut last = 0;
        for c in 1..100 {
            let v = capacity_value(c, 100, 400);
            assert!(v >= last, "non-decreasing up to the draw");
            last = v;
        }
        last = FULL;
        for c in 400..5000 {
            let v = capacity_value(c, 100, 400);
            assert!(v <= last, "non-increasing above it");
            last = v;
        }
    }

    #[test]
    fn distances_are_great_circle_km() {
        // Paris – Lyon is about 392 km as the crow flies.
        let d = distance_km(48.8566, 2.3522, 45.764, 4.8357);
        assert!((385..=400).contains(&d), "{d}");
        assert_eq!(distance_km(45.0, 5.0, 45.0, 5.0), 0);
        assert_eq!(distance_km(f32::NAN, 0.0, 0.0, 0.0), u32::MAX);
    }

    #[test]
    fn points_sum_to_the_shown_score() {
        let w = Weights::default();
        for values in [[1000, 333, 999, 0, 501], [0; 5], [1000; 5], [900, 1, 1, 1, 1]] {
            let fine = w.fine(values);
            let p = apportion(&w, values);
            assert_eq!(
                p.iter().map(|&x| u32::from(x)).sum::<u32>(),
                u32::from(shown_score(fine, &w))
            );
            for (c, x) in Criterion::ALL.into_iter().zip(p) {
                assert!(x <= w.get(c));
            }
        }
    }
}
