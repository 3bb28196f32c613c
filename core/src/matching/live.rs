//! The match index of a running instance, kept fresh from the database: built from the approved
//! profiles at start-up, then following the profile change feed, so a change made by another
//! instance sharing the database is seen here within a refresh period. Each change it applies
//! also gives saved searches their alerts (docs/product-rules.md §3).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, RwLock};

use super::{Candidate, Match, MatchIndex, Query, Weights, score};
use crate::domain::ProfileId;
use crate::domain::profile::{Profile, ProfileStatus};
use crate::domain::search::SearchFilters;
use crate::notify::Event;
use crate::store::{Store, StoreError};

/// How long a hole in the change feed is waited for. PostgreSQL hands out sequence numbers before
/// commit, so a later change can become visible first; a number that never shows up was rolled
/// back.
const GAP_PATIENCE: Duration = Duration::from_secs(30);
/// Changes read per refresh step.
const BATCH: i64 = 500;
/// How old a running instance lets its index get: a search refreshes it past this age, and its
/// refresher ([`LiveIndex::spawn_refresher`]) runs this often (`serve`, and `step-load`, which
/// measures what `serve` does).
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// The feed position: everything up to `cursor` is applied, and so are the `seen` numbers past it.
#[derive(Debug, Default)]
struct Cursor {
    cursor: i64,
    seen: BTreeSet<i64>,
    gap_since: Option<Instant>,
}

impl Cursor {
    fn advance(&mut self) {
        while self.seen.first() == Some(&(self.cursor + 1)) {
            self.cursor += 1;
            self.seen.pop_first();
            self.gap_since = None;
        }
        if self.seen.is_empty() {
            self.gap_since = None;
        } else {
            let since = *self.gap_since.get_or_insert_with(Instant::now);
            if since.elapsed() > GAP_PATIENCE {
                // The missing numbers were rolled back: step over them.
                if let Some(&next) = self.seen.first() {
                    self.cursor = next - 1;
                    self.gap_since = None;
                    self.advance();
                }
            }
        }
    }
}

/// The index and how fresh it is, shared by every task of an instance.
#[derive(Debug)]
pub struct LiveIndex {
    store: Store,
    weights: Weights,
    index: RwLock<MatchIndex>,
    feed: Mutex<(Cursor, Option<Instant>)>,
    max_age: Duration,
}

impl LiveIndex {
    /// Builds the index from every approved profile. Searches refresh it when it is older than
    /// `max_age`; [`LiveIndex::spawn_refresher`] keeps it fresh in the background too.
    pub async fn load(
        store: Store,
        weights: Weights,
        max_age: Duration,
    ) -> Result<Arc<Self>, StoreError> {
        // The feed position is read first: a change racing the load is applied again, never lost.
        let head = store.profile_change_head().await?;
        let mut index = MatchIndex::new(weights);
        let mut after = ProfileId(0);
        loop {
            let page = store.approved_profiles(after).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for p in &page {
                index.upsert(&Candidate::from(p));
            }
        }
        index.compact();
        Ok(Arc::new(Self {
            store,
            weights,
            index: RwLock::new(index),
            feed: Mutex::new((Cursor { cursor: head, ..Cursor::default() }, Some(Instant::now()))),
            max_age,
        }))
    }

    #[must_use]
    pub fn weights(&self) -> Weights {
        self.weights
    }

    /// How many profiles the index holds.
    pub async fn len(&self) -> usize {
        self.index.read().await.len()
    }

    pub async fn is_empty(&self) -> bool {
        self.index.read().await.is_empty()
    }

    /// The top results for `query`, from an index at most `max_age` old.
    /// Counted in `flowstage_matches_total`, timed in `flowstage_match_seconds`.
    pub async fn search(&self, query: &Query) -> Result<Vec<Match>, StoreError> {
        let started = std::time::Instant::now();
        let stale = self.feed.lock().await.1.is_none_or(|at| at.elapsed() >= self.max_age);
        if stale {
            self.refresh().await?;
        }
        let found = self.index.read().await.search(query);
        metrics::counter!("flowstage_matches_total").increment(1);
        metrics::histogram!("flowstage_match_seconds").record(started.elapsed().as_secs_f64());
        Ok(found)
    }

    /// For each active filter of `query`, how many results its removal alone gives
    /// ([`MatchIndex::loosen_counts`]), from an index at most `max_age` old.
    pub async fn loosen_counts(
        &self,
        query: &Query,
    ) -> Result<Vec<(crate::domain::search::FilterKind, usize)>, StoreError> {
        let stale = self.feed.lock().await.1.is_none_or(|at| at.elapsed() >= self.max_age);
        if stale {
            self.refresh().await?;
        }
        Ok(self.index.read().await.loosen_counts(query))
    }

    /// Applies the changes of the feed not yet applied; returns the profiles that changed.
    /// Saved searches that a changed profile now satisfies get their alert.
    pub async fn refresh(&self) -> Result<Vec<ProfileId>, StoreError> {
        let mut feed = self.feed.lock().await;
        let mut changed = BTreeSet::new();
        loop {
            let batch = self.store.profile_changes_since(feed.0.cursor, BATCH).await?;
            let fresh: Vec<_> = batch.iter().filter(|c| !feed.0.seen.contains(&c.seq)).collect();
            if fresh.is_empty() {
                break;
            }
            for c in &fresh {
                feed.0.seen.insert(c.seq);
                changed.insert(c.profile);
            }
            let before = feed.0.cursor;
            feed.0.advance();
            if feed.0.cursor == before || i64::try_from(batch.len()).unwrap_or(BATCH) < BATCH {
                break;
            }
        }
        feed.1 = Some(Instant::now());
        let mut profiles = Vec::new();
        for &id in &changed {
            match self.store.profile(id).await {
                Ok(p) => profiles.push(p),
                Err(StoreError::NotFound(_)) => self.index.write().await.remove(id),
                Err(e) => return Err(e),
            }
        }
        {
            let mut index = self.index.write().await;
            for p in &profiles {
                index.upsert(&Candidate::from(p));
            }
        }
        drop(feed);
        for p in profiles.iter().filter(|p| p.status == ProfileStatus::Approved) {
            self.alert(p).await?;
        }
        Ok(changed.into_iter().collect())
    }

    /// Refreshes every `every` until the process ends; errors are logged and retried.
    pub fn spawn_refresher(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let live = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = live.refresh().await {
                    tracing::warn!(error = %e, "refreshing the match index");
                }
            }
        })
    }

    /// Tells the owners of the saved searches that `profile` now satisfies above their threshold;
    /// each (search, profile) pair alerts once, whichever instance gets there first.
    async fn alert(&self, profile: &Profile) -> Result<(), StoreError> {
        let candidate = Candidate::from(profile);
        let today = self.store.clock().today();
        for search in self.store.followed_searches_for(profile).await? {
            if search.account == profile.owner {
                continue;
            }
            // A search as `/match` stores it: its filters' JSON (older rows had only dates and
            // a radius, which read back the same).
            let Ok(saved) = serde_json::from_str::<SearchFilters>(&search.query) else { continue };
            let seeker = match self.store.profile(search.profile).await {
                Ok(s) if s.kind() != profile.kind() && s.status == ProfileStatus::Approved => s,
                Ok(_) | Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let query = Query::new(Candidate::from(&seeker), today).with_search(&saved);
            let Some(m) = score(&query, &candidate, &self.weights) else { continue };
            let owner = self.store.account(search.account).await?;
            if m.score < owner.alert_threshold
                || !self.store.record_alert(search.id, profile.id).await?
            {
                continue;
            }
            let event = Event::SearchAlert {
                search: search.id,
                profile: profile.id,
                name: profile.details.name().to_string(),
                score: m.score,
            };
            self.store
                .notify(owner.id, &event, &format!("alert:{}:{}", search.id, profile.id))
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_waits_at_a_gap_and_moves_on_when_it_fills() {
        let mut c = Cursor { cursor: 10, ..Cursor::default() };
        c.seen.extend([11, 12, 14]);
        c.advance();
        assert_eq!(c.cursor, 12);
        assert!(c.gap_since.is_some(), "13 may still commit");
        c.seen.insert(13);
        c.advance();
        assert_eq!(c.cursor, 14);
        assert!(c.seen.is_empty() && c.gap_since.is_none());
    }

    #[test]
    fn a_gap_that_never_fills_is_stepped_over() {
        let mut c = Cursor { cursor: 10, ..Cursor::default() };
        c.seen.extend([12, 13]);
        c.advance();
        assert_eq!(c.cursor, 10);
        c.gap_since = Instant::now().checked_sub(GAP_PATIENCE + Duration::from_secs(1));
        c.advance();
        assert_eq!(c.cursor, 13);
    }
}
