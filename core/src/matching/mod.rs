//! Matching (docs/product-rules.md §3): who fits whom — hard filters first, then five weighted
//! criteria with caveats that cannot be hidden — explained, and fast. Availability comes from the
//! store: a [`Candidate`] built from a profile carries its free dates less the days bookings take.
//!
//! [`score`] is the definition — one candidate at a time, with its explanation — and
//! [`MatchIndex`] the fast path that must return exactly what scoring every candidate would (a
//! property test holds it to that). The database stays the source of truth: the index is rebuilt
//! from it at start-up and kept fresh with [`MatchIndex::upsert`] and [`MatchIndex::remove`].

pub mod index;
pub mod live;
pub mod score;

#[cfg(test)]
mod tests;

pub use index::MatchIndex;
pub use live::LiveIndex;
pub use score::{
    AskedDays, Candidate, Criterion, CriterionScore, DateBasis, Filters, GenreFilter, Match, Note,
    Query, Reason, Side, Weights, WeightsError, brute_force, score,
};
