//! Holds (docs/product-rules.md §4), as venues and agents practise them: instead of answering at
//! once, the receiver holds the venue date for a proposal. Holds on one date are ranked 1st, 2nd,
//! 3rd …; they expire, the next one moves up when the one ahead goes, and a lower hold may
//! challenge the 1st, whose holder must then confirm or release before the deadline.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{BookingFlowError, BookingService, Notice, Result, Sides, moved, notice};
use crate::domain::proposal::{Proposal, ProposalStatus};
use crate::domain::{AccountId, ProfileId, ProposalId};
use crate::notify::Event;

/// The moves open to one person on one proposal (see [`BookingService::moves`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moves {
    pub accept: bool,
    pub refuse: bool,
    pub counter: bool,
    pub hold: bool,
    /// Book a 1st hold.
    pub confirm: bool,
    pub release: bool,
    pub challenge: bool,
    pub withdraw: bool,
    pub message: bool,
}

/// One hold on a venue date, with its current rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub proposal: ProposalId,
    pub venue: ProfileId,
    pub day: NaiveDate,
    /// 1 for the 1st hold.
    pub rank: u32,
    /// Orders the holds of one date; stable while the hold lasts (a won challenge moves it).
    pub seq: i64,
    pub expires_at: DateTime<Utc>,
    /// The lower hold challenging this one, and the deadline to confirm or release.
    pub challenged_by: Option<ProposalId>,
    pub challenge_deadline: Option<DateTime<Utc>>,
}

impl BookingService {
    fn hold_days(&self, first: bool) -> Duration {
        Duration::days(i64::from(if first {
            self.rules.first_hold_days
        } else {
            self.rules.other_hold_days
        }))
    }

    /// The receiver holds the date for a sent proposal, behind any holds already on it.
    pub async fn hold(&self, actor: AccountId, id: ProposalId) -> Result<Hold> {
        let (p, sides) = self.received(actor, id).await?;
        if p.status != ProposalStatus::Sent {
            return Err(BookingFlowError::AlreadyAnswered(p.status));
        }
        let venue_name = sides.venue_name();
        let hold = self
            .store
            .place_hold(id, self.hold_days(true), self.hold_days(false), |hold| {
                let event = Event::HoldPlaced {
                    proposal: id,
                    venue_name: venue_name.clone(),
                    day: hold.day,
                    rank: rank_u8(hold.rank),
                    expires_at: hold.expires_at,
                };
                vec![notice(sides.from.owner, &event, &format!("hold:{id}:{}:placed", hold.seq))]
            })
            .await?;
        let hold = moved(hold)?;
        self.audit(Some(actor), "proposal.held", id).await?;
        Ok(hold)
    }

    /// The receiver lets the date go: the proposal is open again and the holds behind move up.
    pub async fn release(&self, actor: AccountId, id: ProposalId) -> Result<Proposal> {
        let (p, sides) = self.received(actor, id).await?;
        if p.status != ProposalStatus::Held {
            return Err(BookingFlowError::NotHeld);
        }
        let before = self.store.holds_on(p.venue, p.terms.day).await?;
        let p = moved(self.store.release_hold(id, &released(&p, &sides, &before)).await?)?;
        self.audit(Some(actor), "hold.released", id).await?;
        self.promote(&before, p.venue, p.terms.day, &sides.venue_name()).await?;
        Ok(p)
    }

    /// Either side of a lower hold challenges the 1st: its holder must confirm (book) or release
    /// within the challenge time, else the challenger moves up (see [`super::tick`]).
    pub async fn challenge(&self, actor: AccountId, id: ProposalId) -> Result<Hold> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        if sides.from.owner != actor && sides.to.owner != actor {
            return Err(BookingFlowError::NotYourProposal);
        }
        let holds = self.store.holds_on(p.venue, p.terms.day).await?;
        let Some(mine) = holds.iter().find(|h| h.proposal == id) else {
            return Err(BookingFlowError::NotHeld);
        };
        let Some(first) = holds.first().filter(|f| f.proposal != mine.proposal) else {
            return Err(BookingFlowError::FirstCannotChallenge);
        };
        let deadline = self.clock.now() + Duration::hours(i64::from(self.rules.challenge_hours));
        let challenged = self.store.proposal(first.proposal).await?;
        let first_sides = self.sides(&challenged).await?;
        let event = Event::HoldChallenged {
            proposal: first.proposal,
            venue_name: first_sides.venue_name(),
            day: challenged.terms.day,
            deadline,
        };
        let key = format!("hold:{}:{}:challenged:{id}", first.proposal, first.seq);
        let notices = [
            notice(first_sides.from.owner, &event, &key),
            notice(first_sides.to.owner, &event, &key),
        ];
        if !self.store.challenge_hold(first.proposal, id, deadline, &notices).await? {
            return Err(BookingFlowError::AlreadyChallenged);
        }
        self.audit(Some(actor), "hold.challenged", first.proposal).await?;
        Ok(self.store.hold(first.proposal).await?.unwrap_or_else(|| first.clone()))
    }

    /// The receiver confirms the 1st hold: it becomes a booking like an accept.
    pub async fn confirm_hold(&self, actor: AccountId, id: ProposalId) -> Result<super::Accepted> {
        let (p, _) = self.received(actor, id).await?;
        if p.status != ProposalStatus::Held {
            return Err(BookingFlowError::NotHeld);
        }
        self.accept(actor, id).await
    }

    /// What `actor` may do with a proposal now: the buttons a conversation shows, decided by the
    /// same rules the moves enforce.
    pub async fn moves(&self, actor: AccountId, id: ProposalId) -> Result<Moves> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        let (receiver, sender) = (sides.to.owner == actor, sides.from.owner == actor);
        let mut moves = Moves { message: receiver || sender, ..Moves::default() };
        match p.status {
            ProposalStatus::Sent => {
                moves.accept = receiver;
                moves.refuse = receiver;
                moves.counter = receiver;
                moves.hold = receiver;
                moves.withdraw = sender;
            }
            ProposalStatus::Held => {
                let holds = self.store.holds_on(p.venue, p.terms.day).await?;
                let rank = holds.iter().find(|h| h.proposal == id).map(|h| h.rank);
                moves.confirm = receiver && rank == Some(1);
                moves.refuse = receiver;
                moves.counter = receiver;
                moves.release = receiver;
                moves.withdraw = sender;
                moves.challenge = (receiver || sender)
                    && rank.is_some_and(|r| r > 1)
                    && holds.first().is_some_and(|f| f.challenged_by.is_none());
            }
            _ => {}
        }
        Ok(moves)
    }

    /// Tells both sides of every hold of the date that moved up since `before`; a hold that
    /// became the 1st gets a 1st hold's time from now if that is longer.
    pub(super) async fn promote(
        &self,
        before: &[Hold],
        venue: ProfileId,
        day: NaiveDate,
        venue_name: &str,
    ) -> Result<()> {
        if before.is_empty() {
            return Ok(());
        }
        for hold in self.store.holds_on(venue, day).await? {
            let was = before.iter().find(|h| h.proposal == hold.proposal).map(|h| h.rank);
            if was.is_none_or(|was| hold.rank >= was) {
                continue;
            }
            if hold.rank == 1 {
                self.store
                    .extend_hold(hold.proposal, self.clock.now() + self.hold_days(true))
                    .await?;
            }
            let p = self.store.proposal(hold.proposal).await?;
            let sides = self.sides(&p).await?;
            let event = Event::HoldPromoted {
                proposal: hold.proposal,
                venue_name: venue_name.to_owned(),
                day,
                rank: rank_u8(hold.rank),
            };
            let key = format!("hold:{}:{}:rank{}", hold.proposal, hold.seq, hold.rank);
            for account in [sides.from.owner, sides.to.owner] {
                self.tell(account, &event, &key).await?;
            }
        }
        Ok(())
    }
}

/// Both sides of a released hold are told; `before` gives the hold's sequence for the key.
pub(super) fn released(p: &Proposal, sides: &Sides, before: &[Hold]) -> Vec<Notice> {
    let seq = before.iter().find(|h| h.proposal == p.id).map_or(0, |h| h.seq);
    let event =
        Event::HoldReleased { proposal: p.id, venue_name: sides.venue_name(), day: p.terms.day };
    let key = format!("hold:{}:{seq}:released", p.id);
    vec![notice(sides.from.owner, &event, &key), notice(sides.to.owner, &event, &key)]
}

/// Ranks past 255 do not happen on a real date; they print as 255.
fn rank_u8(rank: u32) -> u8 {
    u8::try_from(rank).unwrap_or(u8::MAX)
}
