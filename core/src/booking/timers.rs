//! The booking timers: proposals unanswered past their time expire, holds run out, challenges
//! unanswered by their deadline promote the challenger. They are stored with the rows they
//! concern, so they survive restarts; each fires by a compare-and-set on its row, so several
//! workers (or instances on one PostgreSQL) fire each exactly once.

use std::time::Duration as StdDuration;

use super::{BookingService, Result, Sides};
use crate::domain::proposal::ProposalStatus;
use crate::notify::Event;
use crate::store::TransitionError;

/// What one pass fired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub proposals_expired: usize,
    pub holds_expired: usize,
    pub challenges_resolved: usize,
}

impl TickReport {
    #[must_use]
    pub fn total(&self) -> usize {
        self.proposals_expired + self.holds_expired + self.challenges_resolved
    }
}

/// How many timers of each kind one pass takes on: the rest wait for the next pass.
const BATCH: i64 = 200;

/// Fires every timer due now (by the service's clock). Tests call it with a `ManualClock`.
pub async fn tick(service: &BookingService) -> Result<TickReport> {
    let mut report = TickReport::default();
    let store = &service.store;

    for id in store.proposals_due_to_expire(BATCH).await? {
        let p = match store.end_proposal(id, ProposalStatus::Expired, None).await {
            Ok(p) => p,
            // Answered, withdrawn or fired by another worker meanwhile.
            Err(TransitionError::NotInExpectedState(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        report.proposals_expired += 1;
        let sides = service.sides(&p).await?;
        for (me, other) in [(&sides.from, &sides.to), (&sides.to, &sides.from)] {
            let event = Event::ProposalExpired {
                proposal: id,
                other_name: Sides::name(other),
                day: p.terms.day,
            };
            service.tell(me.owner, &event, &format!("proposal:{id}:expired")).await?;
        }
    }

    let (holds_due, challenges_due) = store.hold_timers_due(BATCH).await?;
    for id in holds_due {
        let p = store.proposal(id).await?;
        let before = store.holds_on(p.venue, p.terms.day).await?;
        let Some(p) = store.expire_hold_if_due(id).await? else { continue };
        report.holds_expired += 1;
        let sides = service.sides(&p).await?;
        let event =
            Event::HoldExpired { proposal: id, venue_name: sides.venue_name(), day: p.terms.day };
        for account in [sides.from.owner, sides.to.owner] {
            service.tell(account, &event, &format!("hold:{id}:expired")).await?;
        }
        service.promote(&before, p.venue, p.terms.day, &sides.venue_name()).await?;
    }

    for first in challenges_due {
        let p = store.proposal(first).await?;
        let before = store.holds_on(p.venue, p.terms.day).await?;
        let Some((released, _challenger)) = store.resolve_challenge_if_due(first).await? else {
            continue;
        };
        report.challenges_resolved += 1;
        let sides = service.sides(&released).await?;
        service.tell_released(&released, &sides, &before).await?;
        service.promote(&before, p.venue, p.terms.day, &sides.venue_name()).await?;
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
