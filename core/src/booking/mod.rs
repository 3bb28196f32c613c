//! The proposal state machine (docs/product-rules.md §4): who may do what to a proposal, what
//! happens to the other proposals when a date gets booked, and who is told. This module decides
//! whether a move is allowed; the store makes it atomic (compare-and-set on the status, unique
//! indexes for the last slot) and writes its notifications to the outbox in the same transaction.
//!
//! sent → accepted (a booking) | refused | withdrawn (by the sender) | expired | countered (a new
//! proposal linked to this one) | held (see [`Hold`]); held → accepted | refused | withdrawn |
//! countered | sent again (released) | expired (the hold ran out). Final states are final. A
//! proposal a booking makes impossible is closed: stored as expired, with the reason kept
//! (`artist_booked`, `date_full`, `profile_gone`), so statistics can tell it from silence.

mod board;
mod contract;
mod holds;
mod stats;
mod timers;

use std::sync::Arc;

use chrono::Duration;
use serde_json::json;

use crate::clock::Clock;
use crate::config::Rules;
use crate::domain::profile::{Profile, ProfileDetails, ProfileKind};
use crate::domain::proposal::{
    Booking, BookingStatus, ExpiryReason, Party, Proposal, ProposalStatus, Terms,
};
use crate::domain::terms::ContractTerms;
use crate::domain::{AccountId, BookingId, ProfileId, ProposalId};
use crate::notify::{CloseReason, Event};
use crate::store::{AcceptOutcome, Move, NewProposal, Notice, Store, StoreError, ThreadMessage};

pub use board::{BoardEntry, DateBoard};
pub use contract::{
    ContractProgress, ContractReadiness, MissingField, Readiness, contract_input, form_label,
    readiness,
};
pub use holds::{Challenge, Hold, HoldStatus, Moves, allowed_moves};
pub use stats::{ReceivedProposal, ResponseStats, response_stats};
pub use timers::{TickReport, run_timers, tick};

/// The longest thread message relayed, in characters: a chat message, not a document.
pub const MAX_MESSAGE_CHARS: usize = 4_000;

/// Why a move was refused, in terms a conversation can translate into a sentence.
#[derive(Debug, thiserror::Error)]
pub enum BookingFlowError {
    #[error("only the other side can do this with the proposal")]
    NotYourProposal,
    #[error("this profile is not yours")]
    NotYourProfile,
    #[error("this booking is not yours")]
    NotYourBooking,
    #[error("this proposal was already answered (it is {} now)", .0.as_str())]
    AlreadyAnswered(ProposalStatus),
    #[error("today's quota of {limit} proposals is reached; try again tomorrow")]
    QuotaReached { limit: u16 },
    #[error("a profile cannot propose to itself")]
    SameProfile,
    #[error("a proposal goes from an artist to a venue or from a venue to an artist")]
    NeedsArtistAndVenue,
    #[error("profile {0} is not approved")]
    ProfileNotApproved(ProfileId),
    /// The other side erased their account: nothing reaches them any more.
    #[error("the other side erased their account and can no longer be reached")]
    NoLongerReachable,
    #[error("this date is already past")]
    DateInPast,
    #[error("the venue's date is already fully booked")]
    DateNotFree,
    /// The proposal was closed because the booking of someone else made it impossible: the
    /// same reason whether that booking came first or raced this very move.
    #[error("this proposal is closed ({0:?})")]
    Closed(CloseReason),
    /// The person is neither side of the proposal.
    #[error("this proposal is between other people")]
    NotAParty,
    #[error("the artist already plays somewhere that day")]
    ArtistBusy,
    #[error("an open proposal between these two profiles for that date already exists")]
    AlreadyProposed(ProposalId),
    #[error("this proposal is not held")]
    NotHeld,
    #[error("only the 1st hold can be confirmed; this one is hold number {rank}")]
    HoldNotFirst { rank: u32 },
    #[error("the 1st hold cannot challenge itself")]
    FirstCannotChallenge,
    #[error("the 1st hold is already challenged")]
    AlreadyChallenged,
    #[error("the message is empty")]
    EmptyMessage,
    #[error("the message is longer than {max} characters")]
    MessageTooLong { max: usize },
    #[error("a reason is needed")]
    ReasonNeeded,
    #[error("this booking was already cancelled")]
    BookingCancelled,
    #[error("the contract could not be generated: {0}")]
    Contract(#[from] crate::contract::ContractError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A compare-and-set move the store refused, read as the business rule: the proposal was
/// answered meanwhile.
fn moved<T>(m: Move<T>) -> Result<T> {
    match m {
        Move::Done(t) => Ok(t),
        Move::Stale(now) => Err(BookingFlowError::AlreadyAnswered(now)),
    }
}

pub type Result<T, E = BookingFlowError> = std::result::Result<T, E>;

/// What accepting gives: the booking (with its contract's hash once generated).
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub booking: Booking,
    /// Proposals closed because the booking leaves them unable to be honoured.
    pub closed: Vec<ProposalId>,
}

/// The two sides of a proposal, looked up once per move.
struct Sides {
    from: Profile,
    to: Profile,
}

impl Sides {
    fn name(p: &Profile) -> String {
        p.details.name().as_str().to_owned()
    }

    fn venue(&self) -> &Profile {
        if self.from.kind() == ProfileKind::Venue { &self.from } else { &self.to }
    }

    fn artist(&self) -> &Profile {
        if self.from.kind() == ProfileKind::Artist { &self.from } else { &self.to }
    }

    fn of(&self, party: Party) -> &Profile {
        match party {
            Party::Artist => self.artist(),
            Party::Venue => self.venue(),
        }
    }

    /// The side `account` is on; the venue's if it owns both profiles (holds are its decision).
    fn party_of(&self, account: AccountId) -> Option<Party> {
        [Party::Venue, Party::Artist].into_iter().find(|p| self.of(*p).owner == account)
    }

    fn venue_name(&self) -> String {
        Self::name(self.venue())
    }
}

/// `event` for `account`, keyed so that a retried move tells nobody twice.
pub(crate) fn notice(account: AccountId, event: &Event, key: &str) -> Notice {
    // An `Event` is plain data (strings, numbers, dates): serialising it cannot fail.
    let payload = serde_json::to_string(event).unwrap_or_default();
    (account, payload, format!("{key}:{account}"))
}

/// Why a proposal that has ended refuses a move: the booking that closed it when one did, the
/// same words whichever came first; its final state otherwise.
pub(super) fn ended(p: &Proposal) -> BookingFlowError {
    let closed_by = match p.reason.as_deref().and_then(ExpiryReason::parse) {
        Some(ExpiryReason::DateFull) => Some(CloseReason::DateFull),
        Some(ExpiryReason::ArtistBooked) => Some(CloseReason::ArtistBooked),
        Some(ExpiryReason::ProfileGone) => Some(CloseReason::ProfileGone),
        Some(ExpiryReason::HoldExpired) | None => None,
    };
    match closed_by {
        Some(reason) if p.status == ProposalStatus::Expired => BookingFlowError::Closed(reason),
        _ => BookingFlowError::AlreadyAnswered(p.status),
    }
}

/// Confirmed bookings one date of `venue` can hold.
fn slots_of(venue: &Profile) -> u8 {
    match &venue.details {
        ProfileDetails::Venue(v) => v.slots_per_date.max(1),
        ProfileDetails::Artist(_) => 1,
    }
}

/// The booking flow: every move on proposals, holds and bookings goes through here.
#[derive(Debug, Clone)]
pub struct BookingService {
    store: Store,
    rules: Rules,
    clock: Arc<dyn Clock>,
}

impl BookingService {
    /// The service uses the store's clock, so timers and stored times agree.
    #[must_use]
    pub fn new(store: Store, rules: Rules) -> Self {
        let clock = store.clock().clone();
        Self { store, rules, clock }
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    #[must_use]
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    async fn sides(&self, p: &Proposal) -> Result<Sides> {
        Ok(Sides {
            from: self.store.profile(p.from_profile).await?,
            to: self.store.profile(p.to_profile).await?,
        })
    }

    /// Loads a proposal that `actor` receives (only the receiver answers).
    async fn received(&self, actor: AccountId, id: ProposalId) -> Result<(Proposal, Sides)> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        if sides.from.owner != actor && sides.to.owner != actor {
            return Err(BookingFlowError::NotAParty);
        }
        if sides.to.owner != actor {
            return Err(BookingFlowError::NotYourProposal);
        }
        if p.status.is_final() {
            return Err(ended(&p));
        }
        Ok((p, sides))
    }

    /// Queues `event` for `account` on its own, for what follows a move rather than being part
    /// of it (promotions, contracts); the key makes a retried step tell nobody twice.
    async fn tell(&self, account: AccountId, event: &Event, key: &str) -> Result<()> {
        self.store.notify(account, event, &format!("{key}:{account}")).await?;
        Ok(())
    }

    async fn audit(&self, actor: Option<AccountId>, action: &str, id: ProposalId) -> Result<()> {
        self.store.audit(actor, action, &format!("proposal:{id}"), &json!({})).await?;
        Ok(())
    }

    /// The checks a new set of terms must pass, for a first proposal as for a counter.
    async fn check_terms(&self, artist: &Profile, venue: &Profile, terms: &Terms) -> Result<()> {
        for p in [artist, venue] {
            if p.status.is_erased() {
                return Err(BookingFlowError::NoLongerReachable);
            }
            if !p.status.is_public() {
                return Err(BookingFlowError::ProfileNotApproved(p.id));
            }
        }
        if terms.day < self.clock.today() {
            return Err(BookingFlowError::DateInPast);
        }
        let load = self.store.day_load(terms.day, artist.id, venue.id).await?;
        if load.artist_booked {
            return Err(BookingFlowError::ArtistBusy);
        }
        if load.venue_bookings >= i64::from(slots_of(venue)) {
            return Err(BookingFlowError::DateNotFree);
        }
        Ok(())
    }

    /// Sends a proposal from `from_profile` (which `sender` owns) to `to_profile`.
    pub async fn propose(
        &self,
        sender: AccountId,
        from_profile: ProfileId,
        to_profile: ProfileId,
        terms: Terms,
    ) -> Result<Proposal> {
        if from_profile == to_profile {
            return Err(BookingFlowError::SameProfile);
        }
        let from = self.store.profile(from_profile).await?;
        if from.owner != sender {
            return Err(BookingFlowError::NotYourProfile);
        }
        let to = self.store.profile(to_profile).await?;
        let (artist, venue) = match (from.kind(), to.kind()) {
            (ProfileKind::Artist, ProfileKind::Venue) => (&from, &to),
            (ProfileKind::Venue, ProfileKind::Artist) => (&to, &from),
            _ => return Err(BookingFlowError::NeedsArtistAndVenue),
        };
        self.check_terms(artist, venue, &terms).await?;
        if let Some(open) = self
            .store
            .open_proposals_on(terms.day, artist.id, venue.id)
            .await?
            .into_iter()
            .find(|p| p.artist == artist.id && p.venue == venue.id)
        {
            return Err(BookingFlowError::AlreadyProposed(open.id));
        }
        let (day, fee_euros, from_name) = (terms.day, terms.fee.euros(), Sides::name(&from));
        let new = NewProposal {
            from_profile,
            to_profile,
            artist: artist.id,
            venue: venue.id,
            sender,
            expires_at: self.clock.now()
                + Duration::days(i64::from(self.rules.proposal_expiry_days)),
            terms,
            contract_terms: ContractTerms::default(),
            counter_of: None,
        };
        let notices = |proposal| {
            let from_name = from_name.clone();
            let event = Event::ProposalReceived { proposal, from_name, day, fee_euros };
            vec![notice(to.owner, &event, &format!("proposal:{proposal}:received"))]
        };
        // An artist's new proposals count against the daily quota, decided by the database.
        let p = if from.kind() == ProfileKind::Artist {
            let limit = self.rules.daily_proposal_quota;
            self.store
                .create_proposal_within_quota(&new, limit, notices)
                .await?
                .ok_or(BookingFlowError::QuotaReached { limit })?
        } else {
            self.store.create_proposal(&new, notices).await?
        };
        self.audit(Some(sender), "proposal.sent", p.id).await?;
        Ok(p)
    }

    /// The receiver accepts: the booking is confirmed if the date still has room, then the
    /// proposals it makes impossible are closed and the contract is generated.
    pub async fn accept(&self, actor: AccountId, id: ProposalId) -> Result<Accepted> {
        let (p, sides) = match self.received(actor, id).await {
            Err(BookingFlowError::AlreadyAnswered(ProposalStatus::Accepted)) => {
                return self.accepted_again(actor, id).await;
            }
            other => other?,
        };
        let before = match p.status {
            ProposalStatus::Held => {
                let holds = self.store.holds_on(p.venue, p.terms.day).await?;
                if let Some(h) = holds.iter().find(|h| h.proposal == id)
                    && h.rank > 1
                {
                    return Err(BookingFlowError::HoldNotFirst { rank: h.rank });
                }
                holds
            }
            _ => Vec::new(),
        };
        let by_name = Sides::name(&sides.to);
        let owed = crate::payments::owed_on_confirmation(
            &self.store,
            &self.rules,
            p.terms.fee,
            sides.artist(),
            sides.venue(),
        )
        .await?;
        let outcome = self
            .store
            .accept_and_book_owing(id, slots_of(sides.venue()), Some(&owed), |booking| {
                let by_name = by_name.clone();
                let event =
                    Event::ProposalAccepted { proposal: id, booking, by_name, day: p.terms.day };
                vec![notice(sides.from.owner, &event, &format!("proposal:{id}:accepted"))]
            })
            .await?;
        // A date taken by someone else can never be honoured now: the proposal is closed at
        // once rather than left open, whether the booking that took the date closed it already
        // or not.
        let booking = match outcome {
            AcceptOutcome::Booked(booking) => booking,
            // The one who pressed Accept reads why in the reply: only the other side is told.
            AcceptOutcome::SlotTaken => {
                if self.close(&p, &sides, CloseReason::DateFull, Some(actor)).await? {
                    self.promote(p.venue, p.terms.day).await?;
                }
                return Err(BookingFlowError::Closed(CloseReason::DateFull));
            }
            AcceptOutcome::ArtistBusy => {
                if self.close(&p, &sides, CloseReason::ArtistBooked, Some(actor)).await? {
                    self.promote(p.venue, p.terms.day).await?;
                }
                return Err(BookingFlowError::Closed(CloseReason::ArtistBooked));
            }
            AcceptOutcome::NotOpen(_) => return Err(ended(&self.store.proposal(id).await?)),
        };
        self.after_booking(actor, id, booking, true, !before.is_empty()).await
    }

    /// What follows a booking's commit: who answered (with `note_answer`), the proposals the
    /// booking makes impossible closed and told, holds moved up (with `promote`), the contract.
    /// Each part is a no-op if done already, so a run cut short by a crash is finished by the
    /// next. The accepting side reads one summary in its reply, not a notice per closed proposal.
    async fn after_booking(
        &self,
        actor: AccountId,
        id: ProposalId,
        booking: Booking,
        note_answer: bool,
        promote: bool,
    ) -> Result<Accepted> {
        if note_answer {
            self.audit(Some(actor), "proposal.accepted", id).await?;
            self.store.record_answer(id, actor).await?;
        }
        let closed = self.close_unhonourable(&booking, Some(actor)).await?;
        if promote {
            self.promote(booking.venue, booking.day).await?;
        }
        if booking.contract_sha256.is_some() {
            return Ok(Accepted { booking, closed });
        }
        let booking = match self.issue_contract(&booking).await {
            Ok(b) => b,
            Err(e) => {
                // The booking stands: the contract can be generated again from `/proposals`.
                tracing::warn!(booking = %booking.id, error = %e, "contract not generated");
                booking
            }
        };
        Ok(Accepted { booking, closed })
    }

    /// The same Accept again: a step handled a second time (the process stopped after the
    /// booking committed and before the step did, and the stored inbox hands the press back), or
    /// pressed twice. The booking stands; what the first run may not have reached (noting who
    /// answered, closing what the booking makes impossible, moving holds up, the contract) is
    /// done now, each part a no-op if done already, and the answer is the accept's (its summary
    /// of closed proposals counts those this run closed). Someone else
    /// of the venue's team who accepted it is told it already has an answer.
    async fn accepted_again(&self, actor: AccountId, id: ProposalId) -> Result<Accepted> {
        let answered = self.store.answered_by(id).await?;
        let booking = match self.store.booking_of_proposal(id).await? {
            Some(b)
                if answered.is_none_or(|a| a == actor) && b.status == BookingStatus::Confirmed =>
            {
                b
            }
            _ => return Err(BookingFlowError::AlreadyAnswered(ProposalStatus::Accepted)),
        };
        self.after_booking(actor, id, booking, answered.is_none(), true).await
    }

    /// Closes the open proposals a new booking leaves impossible: the artist's others that day,
    /// and the venue's others that day once its slots are full. Both sides of each are told.
    async fn close_unhonourable(
        &self,
        booking: &Booking,
        spare: Option<AccountId>,
    ) -> Result<Vec<ProposalId>> {
        let venue = self.store.profile(booking.venue).await?;
        let load = self.store.day_load(booking.day, booking.artist, booking.venue).await?;
        let venue_full = load.venue_bookings >= i64::from(slots_of(&venue));
        let mut closed = Vec::new();
        let mut dates = std::collections::BTreeSet::new();
        for p in self.store.open_proposals_on(booking.day, booking.artist, booking.venue).await? {
            let reason = if p.artist == booking.artist {
                CloseReason::ArtistBooked
            } else if venue_full {
                CloseReason::DateFull
            } else {
                continue;
            };
            let sides = self.sides(&p).await?;
            if self.close(&p, &sides, reason, spare).await? {
                closed.push(p.id);
                dates.insert((p.venue, p.terms.day));
            }
        }
        // Holds move up once everything the booking made impossible is closed, so none is told
        // it moved up just before being closed.
        for (venue, day) in dates {
            self.promote(venue, day).await?;
        }
        Ok(closed)
    }

    /// Closes an open proposal that can no longer be honoured, telling both sides (but `spare`,
    /// who reads it in the reply to their own move) in the same transaction; holds behind it move
    /// up. False if it was no longer open.
    async fn close(
        &self,
        p: &Proposal,
        sides: &Sides,
        reason: CloseReason,
        spare: Option<AccountId>,
    ) -> Result<bool> {
        let stored = match reason {
            CloseReason::ArtistBooked => ExpiryReason::ArtistBooked,
            CloseReason::DateFull => ExpiryReason::DateFull,
            CloseReason::ProfileGone => ExpiryReason::ProfileGone,
        };
        let event = Event::ProposalClosed { proposal: p.id, day: p.terms.day, reason };
        let key = format!("proposal:{}:closed", p.id);
        let notices: Vec<Notice> = [sides.from.owner, sides.to.owner]
            .into_iter()
            .filter(|owner| Some(*owner) != spare)
            .map(|owner| notice(owner, &event, &key))
            .collect();
        // Closed proposals read as expired ("no longer possible") with the reason kept, so
        // response statistics can leave them out.
        let ended = self
            .store
            .end_proposal(p.id, ProposalStatus::Expired, Some(stored.as_str()), &notices)
            .await?;
        Ok(!matches!(ended, Move::Stale(_)))
    }

    /// Closes every open proposal of a profile that leaves the platform (suspended, erased),
    /// telling both sides of each; holds behind them move up. Returns the proposals closed.
    pub async fn close_for_profile(&self, profile: ProfileId) -> Result<Vec<ProposalId>> {
        let mut closed = Vec::new();
        for p in self.store.proposals_of_profile(profile).await? {
            if p.status.is_final() {
                continue;
            }
            let sides = self.sides(&p).await?;
            if self.close(&p, &sides, CloseReason::ProfileGone, None).await? {
                closed.push(p.id);
                self.promote(p.venue, p.terms.day).await?;
            }
        }
        Ok(closed)
    }

    /// The receiver says no, with an optional reason.
    pub async fn refuse(
        &self,
        actor: AccountId,
        id: ProposalId,
        reason: Option<&str>,
    ) -> Result<Proposal> {
        let (p, sides) = self.received(actor, id).await?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let event = Event::ProposalRefused {
            proposal: id,
            by_name: Sides::name(&sides.to),
            day: p.terms.day,
            reason: reason.map(str::to_owned),
        };
        let notices = [notice(sides.from.owner, &event, &format!("proposal:{id}:refused"))];
        let p =
            moved(self.store.end_proposal(id, ProposalStatus::Refused, reason, &notices).await?)?;
        self.audit(Some(actor), "proposal.refused", id).await?;
        self.store.record_answer(id, actor).await?;
        self.promote(p.venue, p.terms.day).await?;
        Ok(p)
    }

    /// The receiver answers with other terms: a new proposal, in the other direction, linked to
    /// this one (which becomes countered). The thread follows.
    pub async fn counter(
        &self,
        actor: AccountId,
        id: ProposalId,
        terms: Terms,
    ) -> Result<Proposal> {
        let (p, sides) = self.received(actor, id).await?;
        let (artist, venue) = if sides.from.kind() == ProfileKind::Artist {
            (&sides.from, &sides.to)
        } else {
            (&sides.to, &sides.from)
        };
        self.check_terms(artist, venue, &terms).await?;
        let (day, fee_euros, by_name) = (terms.day, terms.fee.euros(), Sides::name(&sides.to));
        let new = NewProposal {
            from_profile: p.to_profile,
            to_profile: p.from_profile,
            artist: p.artist,
            venue: p.venue,
            sender: actor,
            expires_at: self.clock.now()
                + Duration::days(i64::from(self.rules.proposal_expiry_days)),
            terms,
            contract_terms: p.contract_terms,
            counter_of: Some(id),
        };
        let counter = self
            .store
            .counter_proposal(id, &new, |proposal| {
                let by_name = by_name.clone();
                let event =
                    Event::ProposalCountered { proposal, previous: id, by_name, day, fee_euros };
                vec![notice(sides.from.owner, &event, &format!("proposal:{id}:countered"))]
            })
            .await?;
        let counter = moved(counter)?;
        self.audit(Some(actor), "proposal.countered", id).await?;
        self.store.record_answer(id, actor).await?;
        self.promote(p.venue, p.terms.day).await?;
        Ok(counter)
    }

    /// The sender takes the proposal back.
    pub async fn withdraw(&self, actor: AccountId, id: ProposalId) -> Result<Proposal> {
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        if sides.from.owner != actor && sides.to.owner != actor {
            return Err(BookingFlowError::NotAParty);
        }
        if sides.from.owner != actor {
            return Err(BookingFlowError::NotYourProposal);
        }
        if p.status.is_final() {
            return Err(ended(&p));
        }
        let event = Event::ProposalWithdrawn {
            proposal: id,
            by_name: Sides::name(&sides.from),
            day: p.terms.day,
        };
        let notices = [notice(sides.to.owner, &event, &format!("proposal:{id}:withdrawn"))];
        let p =
            moved(self.store.end_proposal(id, ProposalStatus::Withdrawn, None, &notices).await?)?;
        self.audit(Some(actor), "proposal.withdrawn", id).await?;
        self.promote(p.venue, p.terms.day).await?;
        Ok(p)
    }

    /// Relays a message of the proposal's thread to the other side, whatever its platform.
    pub async fn message(&self, id: ProposalId, author: AccountId, body: &str) -> Result<()> {
        let body = body.trim();
        if body.is_empty() {
            return Err(BookingFlowError::EmptyMessage);
        }
        if body.chars().count() > MAX_MESSAGE_CHARS {
            return Err(BookingFlowError::MessageTooLong { max: MAX_MESSAGE_CHARS });
        }
        let p = self.store.proposal(id).await?;
        let sides = self.sides(&p).await?;
        let (me, other) = if sides.from.owner == author {
            (&sides.from, &sides.to)
        } else if sides.to.owner == author {
            (&sides.to, &sides.from)
        } else {
            return Err(BookingFlowError::NotAParty);
        };
        if other.status.is_erased() {
            return Err(BookingFlowError::NoLongerReachable);
        }
        let event = Event::ThreadMessage {
            proposal: id,
            from_name: Sides::name(me),
            body: body.to_owned(),
        };
        self.store
            .add_thread_message(id, author, body, |message| {
                vec![notice(other.owner, &event, &format!("thread:{id}:{message}"))]
            })
            .await?;
        Ok(())
    }

    /// The whole conversation about a proposal, including the proposals it counters, oldest
    /// first: a counter keeps the thread.
    pub async fn thread(&self, id: ProposalId) -> Result<Vec<(ProposalId, ThreadMessage)>> {
        let mut chain = vec![id];
        let mut current = self.store.proposal(id).await?;
        while let Some(previous) = current.counter_of {
            if chain.contains(&previous) {
                break;
            }
            chain.push(previous);
            current = self.store.proposal(previous).await?;
        }
        let mut messages = Vec::new();
        for p in chain {
            messages.extend(self.store.thread(p).await?.into_iter().map(|m| (p, m)));
        }
        messages.sort_by_key(|(_, m)| m.at);
        Ok(messages)
    }

    /// Either side cancels a confirmed booking, with a reason; both are told; the date frees up.
    pub async fn cancel_booking(
        &self,
        actor: AccountId,
        id: BookingId,
        reason: &str,
    ) -> Result<Booking> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(BookingFlowError::ReasonNeeded);
        }
        let booking = self.store.booking(id).await?;
        let artist = self.store.profile(booking.artist).await?;
        let venue = self.store.profile(booking.venue).await?;
        let by = if artist.owner == actor {
            &artist
        } else if venue.owner == actor {
            &venue
        } else {
            return Err(BookingFlowError::NotYourBooking);
        };
        let event = Event::BookingCancelled {
            booking: id,
            by_name: Sides::name(by),
            day: booking.day,
            reason: reason.to_owned(),
        };
        let key = format!("booking:{id}:cancelled");
        let notices = [notice(artist.owner, &event, &key), notice(venue.owner, &event, &key)];
        if booking.status == BookingStatus::Cancelled
            || !self.store.cancel_booking(id, reason, &notices).await?
        {
            return Err(BookingFlowError::BookingCancelled);
        }
        self.store
            .audit(
                Some(actor),
                "booking.cancelled",
                &format!("booking:{id}"),
                &json!({"reason": reason}),
            )
            .await?;
        Ok(self.store.booking(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send<T: Send>(_: &T) {}

    /// Adapters run these inside spawned tasks: every future must be `Send`.
    #[allow(dead_code, reason = "compiled, never run: the check is the type system's")]
    fn every_move_can_run_in_a_spawned_task(s: &BookingService, a: AccountId, p: ProposalId) {
        let terms = || -> Terms { unreachable!() };
        is_send(&s.propose(a, ProfileId(1), ProfileId(2), terms()));
        is_send(&s.accept(a, p));
        is_send(&s.refuse(a, p, None));
        is_send(&s.counter(a, p, terms()));
        is_send(&s.withdraw(a, p));
        is_send(&s.message(p, a, ""));
        is_send(&s.thread(p));
        is_send(&s.cancel_booking(a, BookingId(1), ""));
        is_send(&s.hold(a, p));
        is_send(&s.release(a, p));
        is_send(&s.challenge(a, p));
        is_send(&s.confirm_hold(a, p));
        is_send(&s.contract(BookingId(1), None));
        is_send(&tick(s));
    }
}
