//! Holds (docs/product-rules.md §4), as venues and agents practise them: instead of answering at
//! once, the receiver holds the venue date for a proposal. Holds on one date are ranked 1st, 2nd,
//! 3rd …; they expire, the next one moves up when the one ahead goes, and a lower hold may
//! challenge the 1st, whose holder must then confirm or release before the deadline.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{BookingFlowError, BookingService, Notice, Result, Sides, ended, moved, notice};
use crate::domain::proposal::{Party, Proposal, ProposalStatus};
use crate::domain::{AccountId, ProfileId, ProposalId};
use crate::notify::{Event, ReleaseReason};

/// The moves open to one person on one proposal (see [`allowed_moves`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moves {
    pub accept: bool,
    pub refuse: bool,
    pub counter: bool,
    /// Place a hold: the venue's decision.
    pub hold: bool,
    /// Ask the venue to hold the date: what the artist side may do instead.
    pub ask_hold: bool,
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
    /// The rank its parties were last told (`None` for a row from before it was stored).
    pub told_rank: Option<u32>,
}

/// A running challenge, as either end of it reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge {
    /// The other proposal: the challenger seen from the 1st hold, the 1st seen from the challenger.
    pub other: ProposalId,
    /// When the 1st hold's holder must have confirmed or released.
    pub deadline: DateTime<Utc>,
}

/// What a held proposal shows wherever it is read (`/proposals`, its detail, the date board).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldStatus {
    pub rank: u32,
    pub expires_at: DateTime<Utc>,
    /// This (1st) hold is challenged: confirm or release before the deadline.
    pub challenged: Option<Challenge>,
    /// This (lower) hold challenges the 1st, which must answer before the deadline.
    pub challenging: Option<Challenge>,
}

impl HoldStatus {
    /// The status of proposal `id` among the holds of its date (1st first), if it is held.
    #[must_use]
    pub fn of(id: ProposalId, holds: &[Hold]) -> Option<Self> {
        let mine = holds.iter().find(|h| h.proposal == id)?;
        let challenge_of =
            |h: &Hold, other| h.challenge_deadline.map(|deadline| Challenge { other, deadline });
        let challenged = mine.challenged_by.and_then(|by| challenge_of(mine, by));
        let challenging = holds
            .iter()
            .find(|h| h.challenged_by == Some(id))
            .and_then(|first| challenge_of(first, first.proposal));
        Some(HoldStatus { rank: mine.rank, expires_at: mine.expires_at, challenged, challenging })
    }
}

/// Who may do what with proposal `p`, for `party` (`None`: someone with no side on it), given
/// the holds on its date: the rule every button and every move follows. The venue decides
/// holds (places, releases, confirms when it answers); the artist may only ask for one, or
/// challenge the 1st from a lower hold; the holder of a challenged 1st hold (the proposal's
/// receiver, whoever it is) may confirm or release. Only the receiver answers; only the sender
/// withdraws.
#[must_use]
pub fn allowed_moves(p: &Proposal, holds: &[Hold], party: Option<Party>) -> Moves {
    let Some(party) = party else { return Moves::default() };
    let receiver = p.receiver() == party;
    let venue = party == Party::Venue;
    let mut moves = Moves { message: true, ..Moves::default() };
    match p.status {
        ProposalStatus::Sent => {
            moves.accept = receiver;
            moves.refuse = receiver;
            moves.counter = receiver;
            moves.withdraw = !receiver;
            moves.hold = venue;
            moves.ask_hold = !venue;
        }
        ProposalStatus::Held => {
            let status = HoldStatus::of(p.id, holds);
            let rank = status.map(|s| s.rank);
            let challenged = status.is_some_and(|s| s.challenged.is_some());
            moves.confirm = receiver && rank == Some(1);
            moves.refuse = receiver;
            moves.counter = receiver;
            moves.withdraw = !receiver;
            moves.release = venue || (receiver && challenged);
            moves.challenge = !venue
                && rank.is_some_and(|r| r > 1)
                && holds.first().is_some_and(|f| f.challenged_by.is_none());
        }
        _ => {}
    }
    moves
}

impl BookingService {
    fn hold_days(&self, first: bool) -> Duration {
        Duration::days(i64::from(if first {
            self.rules.first_hold_days
        } else {
            self.rules.other_hold_days
        }))
    }

    /// The venue holds the date for a sent proposal, behind any holds already on it; the artist
    /// side is told. Only the venue places holds on its calendar (an artist asks: [`Self::ask_hold`]).
    pub async fn hold(&self, actor: AccountId, id: ProposalId) -> Result<Hold> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        if sides.party_of(actor).is_none() {
            return Err(BookingFlowError::NotAParty);
        }
        // Placing a hold is the venue's decision: the artist side asks (see `ask_hold`).
        if sides.party_of(actor) != Some(Party::Venue) {
            return Err(BookingFlowError::NotYourProposal);
        }
        if p.status != ProposalStatus::Sent {
            return Err(ended(&p));
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
                    recipient: Party::Artist,
                };
                vec![notice(
                    sides.artist().owner,
                    &event,
                    &format!("hold:{id}:{}:placed", hold.seq),
                )]
            })
            .await?;
        let hold = moved(hold)?;
        self.audit(Some(actor), "proposal.held", id).await?;
        self.store.record_answer(id, actor).await?;
        Ok(hold)
    }

    /// The artist side asks the venue to hold the date of a sent proposal: the venue is told
    /// and decides. Asking again the same day tells nobody twice.
    pub async fn ask_hold(&self, actor: AccountId, id: ProposalId) -> Result<()> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        if sides.party_of(actor).is_none() {
            return Err(BookingFlowError::NotAParty);
        }
        if sides.party_of(actor) != Some(Party::Artist) {
            return Err(BookingFlowError::NotYourProposal);
        }
        if p.status != ProposalStatus::Sent {
            return Err(ended(&p));
        }
        let event = Event::HoldRequested {
            proposal: id,
            artist_name: Sides::name(sides.artist()),
            day: p.terms.day,
        };
        let key = format!("hold:{id}:requested:{}", self.clock.today());
        self.tell(sides.venue().owner, &event, &key).await?;
        self.audit(Some(actor), "hold.requested", id).await
    }

    /// The venue lets the date go (or the holder of a challenged 1st hold answers "release"):
    /// the proposal is open again and the holds behind move up.
    pub async fn release(&self, actor: AccountId, id: ProposalId) -> Result<Proposal> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        let party = sides.party_of(actor);
        if party.is_none() {
            return Err(BookingFlowError::NotAParty);
        }
        // Only the venue, or the receiver (answering a challenge), ever releases.
        if party.is_none_or(|party| party != Party::Venue && party != p.receiver()) {
            return Err(BookingFlowError::NotYourProposal);
        }
        if p.status != ProposalStatus::Held {
            return Err(if p.status.is_final() { ended(&p) } else { BookingFlowError::NotHeld });
        }
        let before = self.store.holds_on(p.venue, p.terms.day).await?;
        if !allowed_moves(&p, &before, party).release {
            return Err(BookingFlowError::NotYourProposal);
        }
        let notices = released(&p, &sides, &before, ReleaseReason::Released);
        let p = moved(self.store.release_hold(id, &notices).await?)?;
        self.audit(Some(actor), "hold.released", id).await?;
        self.promote(p.venue, p.terms.day).await?;
        Ok(p)
    }

    /// The artist side of a lower hold challenges the 1st: its holder must confirm (book) or
    /// release within the challenge time, else the challenger moves up (see [`super::tick`]).
    /// Both sides of the 1st hold are told, the one who decides with the deadline to act by.
    pub async fn challenge(&self, actor: AccountId, id: ProposalId) -> Result<Hold> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        if sides.party_of(actor).is_none() {
            return Err(BookingFlowError::NotAParty);
        }
        if sides.party_of(actor) != Some(Party::Artist) {
            return Err(BookingFlowError::NotYourProposal);
        }
        let holds = self.store.holds_on(p.venue, p.terms.day).await?;
        let Some(mine) = holds.iter().find(|h| h.proposal == id) else {
            return Err(BookingFlowError::NotHeld);
        };
        let Some(first) = holds.first().filter(|f| f.proposal != mine.proposal) else {
            return Err(BookingFlowError::FirstCannotChallenge);
        };
        let hours = self.rules.challenge_hours;
        let deadline = self.clock.now() + Duration::hours(i64::from(hours));
        let challenged = self.store.proposal(first.proposal).await?;
        let first_sides = self.sides(&challenged).await?;
        let key = format!("hold:{}:{}:challenged:{id}", first.proposal, first.seq);
        let notices = [Party::Artist, Party::Venue].map(|recipient| {
            let event = Event::HoldChallenged {
                proposal: first.proposal,
                venue_name: first_sides.venue_name(),
                day: challenged.terms.day,
                deadline,
                recipient,
                decides: challenged.receiver() == recipient,
                challenge_hours: hours,
                challenger: Some(id),
                challenger_rank: rank_u8(mine.rank),
            };
            notice(first_sides.of(recipient).owner, &event, &key)
        });
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

    /// What `actor` may do with a proposal now: the buttons a conversation shows, decided by
    /// [`allowed_moves`], the rule the moves enforce.
    pub async fn moves(&self, actor: AccountId, id: ProposalId) -> Result<Moves> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        let holds = match p.status {
            ProposalStatus::Held => self.store.holds_on(p.venue, p.terms.day).await?,
            _ => Vec::new(),
        };
        Ok(allowed_moves(&p, &holds, sides.party_of(actor)))
    }

    /// The rank, expiry and any running challenge of a held proposal; `None` if it is not held.
    pub async fn hold_status(&self, id: ProposalId) -> Result<Option<HoldStatus>> {
        let p = self.store.proposal(id).await?;
        if p.status != ProposalStatus::Held {
            return Ok(None);
        }
        Ok(HoldStatus::of(id, &self.store.holds_on(p.venue, p.terms.day).await?))
    }

    /// Tells both sides of every hold of the date that now has a better rank than they were
    /// told; a hold that became the 1st gets a 1st hold's time from now if that is longer. Each
    /// promotion is marked told in the transaction that queues its notices, so it is told once,
    /// and the timers' pass tells what a crash left untold.
    pub(super) async fn promote(&self, venue: ProfileId, day: NaiveDate) -> Result<usize> {
        let mut told = 0;
        let holds = self.store.holds_on(venue, day).await?;
        if holds.is_empty() {
            return Ok(0);
        }
        let venue_name = Sides::name(&self.store.profile(venue).await?);
        for hold in holds {
            let was = match hold.told_rank {
                Some(was) if hold.rank < was => was,
                Some(was) if hold.rank == was => continue,
                // Down a rank, or never stored: remembered, not told.
                _ => {
                    self.store.set_told_rank(hold.proposal, hold.rank).await?;
                    continue;
                }
            };
            // A hold that runs out in this same pass is told it expired, not that it moved up.
            if hold.expires_at <= self.clock.now() {
                continue;
            }
            let mut expires_at = hold.expires_at;
            let mut until = None;
            if hold.rank == 1 {
                let first_time = self.clock.now() + self.hold_days(true);
                expires_at = expires_at.max(first_time);
                until = Some(first_time);
            }
            let p = self.store.proposal(hold.proposal).await?;
            let sides = self.sides(&p).await?;
            let key = format!("hold:{}:{}:rank{}", hold.proposal, hold.seq, hold.rank);
            let notices: Vec<Notice> = [Party::Artist, Party::Venue]
                .into_iter()
                .map(|recipient| {
                    let event = Event::HoldPromoted {
                        proposal: hold.proposal,
                        venue_name: venue_name.clone(),
                        day,
                        rank: rank_u8(hold.rank),
                        expires_at: Some(expires_at),
                        recipient,
                        decides: p.receiver() == recipient,
                    };
                    notice(sides.of(recipient).owner, &event, &key)
                })
                .collect();
            if self.store.tell_promotion(hold.proposal, was, hold.rank, until, &notices).await? {
                told += 1;
            }
        }
        Ok(told)
    }
}

/// Both sides of a released hold are told, each in their voice, with why it went;
/// `before` gives the hold's sequence for the key.
pub(super) fn released(
    p: &Proposal,
    sides: &Sides,
    before: &[Hold],
    reason: ReleaseReason,
) -> Vec<Notice> {
    let seq = before.iter().find(|h| h.proposal == p.id).map_or(0, |h| h.seq);
    let key = format!("hold:{}:{seq}:released", p.id);
    [Party::Artist, Party::Venue]
        .into_iter()
        .map(|recipient| {
            let event = Event::HoldReleased {
                proposal: p.id,
                venue_name: sides.venue_name(),
                day: p.terms.day,
                reason,
                recipient,
            };
            notice(sides.of(recipient).owner, &event, &key)
        })
        .collect()
}

/// Ranks past 255 do not happen on a real date; they print as 255.
fn rank_u8(rank: u32) -> u8 {
    u8::try_from(rank).unwrap_or(u8::MAX)
}
