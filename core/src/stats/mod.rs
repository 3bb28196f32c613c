//! The beta's figures for `/stats` (docs/product-rules.md §5): the seed's funnel — signed up →
//! complete profile → approved → searched → proposed → booked — by week of sign-up, activation,
//! engagement (days active per person), conversion (search → proposal) and response rates; and
//! their picture ([`chart`]), readable on a phone.

pub mod chart;

use chrono::{Datelike, Duration, NaiveDate};

/// A step of the funnel, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    SignedUp,
    /// A profile sent for review (whatever became of it).
    Profile,
    Approved,
    Searched,
    Proposed,
    Booked,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::SignedUp,
        Stage::Profile,
        Stage::Approved,
        Stage::Searched,
        Stage::Proposed,
        Stage::Booked,
    ];

    /// Its name in the translation files: `funnel-NAME`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Stage::SignedUp => "funnel-signed-up",
            Stage::Profile => "funnel-profile",
            Stage::Approved => "funnel-approved",
            Stage::Searched => "funnel-searched",
            Stage::Proposed => "funnel-proposed",
            Stage::Booked => "funnel-booked",
        }
    }
}

/// The people who signed up in one week, and how far each got; the days people acted on that
/// week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Week {
    /// Its Monday.
    pub monday: NaiveDate,
    /// How many of the week's new accounts reached each [`Stage`], in [`Stage::ALL`]'s order.
    pub funnel: [u32; 6],
    /// People who acted that week (whenever they signed up), and their active days in all.
    pub active_people: u32,
    pub active_days: u32,
}

impl Week {
    #[must_use]
    pub fn reached(&self, stage: Stage) -> u32 {
        let i = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        self.funnel[i]
    }
}

/// The beta's figures over the last weeks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Beta {
    /// Oldest first, the current week last.
    pub weeks: Vec<Week>,
    /// Proposals sent in those weeks that got an answer, and those that ended without one
    /// (expired): still open or withdrawn ones are neither.
    pub answered: u32,
    pub unanswered: u32,
}

impl Beta {
    /// The funnel of everyone who signed up in these weeks.
    #[must_use]
    pub fn total(&self) -> [u32; 6] {
        let mut t = [0; 6];
        for w in &self.weeks {
            for (sum, n) in t.iter_mut().zip(w.funnel) {
                *sum += n;
            }
        }
        t
    }
}

/// The Monday of `day`'s week.
#[must_use]
pub fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// `part` of `whole` in whole percent, `None` when there is no whole.
#[must_use]
pub fn percent(part: u32, whole: u32) -> Option<u32> {
    (whole > 0).then(|| {
        let p = (u64::from(part) * 100 + u64::from(whole) / 2) / u64::from(whole);
        u32::try_from(p).unwrap_or(u32::MAX)
    })
}
