//! The booking timers: proposals unanswered past their time expire, holds run out, challenges
//! unanswered by their deadline promote the challenger. They are stored with the rows they
//! concern, so they survive restarts; each fires by a compare-and-set on its row, so several
//! workers (or instances on one PostgreSQL) fire each exactly once.

use std::time::Duration as StdDuration;

use super::holds::released;
use super::{BookingService, Result, Sides, notice};
use crate::domain::proposal::{Party, ProposalStatus};
use crate::notify::{Event, ReleaseReason};
use crate::store::{ChallengeOutcome, Move};

/// What one pass fired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub proposals_expired: usize,
    pub holds_expired: usize,
    pub challenges_resolved: usize,
    /// Contracts of bookings that had none yet (a crash between booking and contract).
    pub contracts_issued: usize,
    /// Holds told they moved up (by a pass of their own, or left untold by a crash).
    pub promotions_told: usize,
}

impl TickReport {
    #[must_use]
    pub fn total(&self) -> usize {
        self.proposals_expired
            + self.holds_expired
            + self.challenges_resolved
            + self.contracts_issued
            + self.promotions_told
    }
}

/// How many timers of each kind one pass takes on: the rest wait for the next pass.
const BATCH: i64 = 200;

/// Fires every timer due now (by the service's clock). Tests call it with a `ManualClock`.
pub async fn tick(service: &BookingService) -> Result<TickReport> {
    let mut report = TickReport::default();
    let store = &service.store;

    for id in store.proposals_due_to_expire(BATCH).await? {
        let p = store.proposal(id).await?;
        let sides = service.sides(&p).await?;
        let key = format!("proposal:{id}:expired");
        let notices: Vec<_> = [(&sides.from, &sides.to), (&sides.to, &sides.from)]
            .into_iter()
            .map(|(me, other)| {
                let other_name = Sides::name(other);
                let event = Event::ProposalExpired { proposal: id, other_name, day: p.terms.day };
                notice(me.owner, &event, &key)
            })
            .collect();
        match store.end_proposal(id, ProposalStatus::Expired, None, &notices).await? {
            Move::Done(_) => report.proposals_expired += 1,
            // Answered, withdrawn or fired by another worker meanwhile.
            Move::Stale(_) => {}
        }
    }

    let due = store.hold_timers_due(BATCH).await?;
    for id in due.expired {
        let p = store.proposal(id).await?;
        let sides = service.sides(&p).await?;
        let key = format!("hold:{id}:expired");
        let notices = [Party::Artist, Party::Venue].map(|recipient| {
            let event = Event::HoldExpired {
                proposal: id,
                venue_name: sides.venue_name(),
                day: p.terms.day,
                recipient,
            };
            notice(sides.of(recipient).owner, &event, &key)
        });
        if store.expire_hold_if_due(id, &notices).await?.is_none() {
            continue;
        }
        report.holds_expired += 1;
        report.promotions_told += service.promote(p.venue, p.terms.day).await?;
    }

    for first in due.challenged {
        let p = store.proposal(first).await?;
        let sides = service.sides(&p).await?;
        let before = store.holds_on(p.venue, p.terms.day).await?;
        let notices = released(&p, &sides, &before, ReleaseReason::ChallengeLapsed);
        if let ChallengeOutcome::NotDue = store.resolve_challenge_if_due(first, &notices).await? {
            continue;
        }
        report.challenges_resolved += 1;
        report.promotions_told += service.promote(p.venue, p.terms.day).await?;
    }

    // A crash between a release and its promotions leaves them untold: tell them now.
    for (venue, day) in store.dates_with_untold_promotions().await? {
        report.promotions_told += service.promote(venue, day).await?;
    }

    // A crash between a booking and its contract leaves the contract to issue: issue it now.
    for booking in store.bookings_without_contract(BATCH).await? {
        match service.issue_contract(&booking).await {
            Ok(_) => report.contracts_issued += 1,
            Err(e) => tracing::warn!(booking = %booking.id, error = %e, "contract not generated"),
        }
    }
    Ok(report)
}

/// The background worker of `flowstage serve`: a pass every `every`, forever. A failed pass is
/// logged and the next one tries again.
#[tracing::instrument(skip_all, name = "booking_timers")]
pub async fn run_timers(service: BookingService, every: StdDuration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match tick(&service).await {
            Ok(report) if report.total() > 0 => tracing::info!(?report, "booking timers fired"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "booking timers pass failed"),
        }
    }
}
