//! Notifications (docs/product-rules.md §6): what happened, stored in the outbox for one account,
//! rendered in that account's language only when it is delivered, on whatever platform reaches
//! them.
//!
//! Producers (the booking service, timers, moderation, alerts) enqueue an [`Event`] in the same
//! breath as the change it reports; the delivery worker of each front-end claims it, renders it
//! (`crate::conversation` owns the wording) and marks it sent.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::proposal::Party;
use crate::domain::{AccountId, BookingId, ProfileId, ProposalId, SavedSearchId, TicketId};
use crate::store::{Result, Store};

/// Why an open proposal was closed without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The artist got booked elsewhere that day.
    ArtistBooked,
    /// The venue's date is now full.
    DateFull,
    /// A profile involved left the platform (suspended or erased).
    ProfileGone,
}

/// Why a hold went away while its proposal stays open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// The venue (or the challenged holder) let the date go.
    #[default]
    Released,
    /// A challenge went unanswered past its deadline: the challenger moved ahead.
    ChallengeLapsed,
}

/// Something a person must be told. Names are copied in, so rendering needs no lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    ProfileApproved {
        profile: ProfileId,
        name: String,
    },
    ProfileRejected {
        profile: ProfileId,
        name: String,
        reason: String,
    },
    ProfileSuspended {
        profile: ProfileId,
        name: String,
        reason: String,
    },
    ProposalReceived {
        proposal: ProposalId,
        from_name: String,
        day: NaiveDate,
        fee_euros: u32,
    },
    ProposalAccepted {
        proposal: ProposalId,
        booking: BookingId,
        by_name: String,
        day: NaiveDate,
    },
    ProposalRefused {
        proposal: ProposalId,
        by_name: String,
        day: NaiveDate,
        reason: Option<String>,
    },
    ProposalCountered {
        proposal: ProposalId,
        previous: ProposalId,
        by_name: String,
        day: NaiveDate,
        fee_euros: u32,
    },
    ProposalWithdrawn {
        proposal: ProposalId,
        by_name: String,
        day: NaiveDate,
    },
    ProposalExpired {
        proposal: ProposalId,
        other_name: String,
        day: NaiveDate,
    },
    ProposalClosed {
        proposal: ProposalId,
        day: NaiveDate,
        reason: CloseReason,
    },
    ThreadMessage {
        proposal: ProposalId,
        from_name: String,
        body: String,
    },
    /// The venue placed a hold: told to the artist side. Fields added after the first release
    /// default so that notices already queued still read.
    HoldPlaced {
        proposal: ProposalId,
        venue_name: String,
        day: NaiveDate,
        rank: u8,
        expires_at: DateTime<Utc>,
        /// The side of the recipient (who is told in which voice).
        #[serde(default)]
        recipient: Party,
    },
    /// The artist side asks the venue to hold the date: told to the venue, which decides.
    HoldRequested {
        proposal: ProposalId,
        artist_name: String,
        day: NaiveDate,
    },
    HoldPromoted {
        proposal: ProposalId,
        venue_name: String,
        day: NaiveDate,
        rank: u8,
        /// The hold's expiry after the move (a new 1st gets a 1st hold's time).
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
        #[serde(default)]
        recipient: Party,
        /// Whether the recipient is the proposal's receiver, who confirms a 1st hold.
        #[serde(default)]
        decides: bool,
    },
    HoldReleased {
        proposal: ProposalId,
        venue_name: String,
        day: NaiveDate,
        #[serde(default)]
        reason: ReleaseReason,
        #[serde(default)]
        recipient: Party,
    },
    HoldExpired {
        proposal: ProposalId,
        venue_name: String,
        day: NaiveDate,
        #[serde(default)]
        recipient: Party,
    },
    /// The 1st hold (`proposal`) is challenged by a lower one; told to both its sides.
    HoldChallenged {
        proposal: ProposalId,
        venue_name: String,
        day: NaiveDate,
        deadline: DateTime<Utc>,
        #[serde(default)]
        recipient: Party,
        /// Whether the recipient is the one who must confirm or release (the proposal's
        /// receiver); the other side only waits.
        #[serde(default)]
        decides: bool,
        /// The challenge time in force (`HOLD_CHALLENGE_HOURS`), for "within N hours".
        #[serde(default)]
        challenge_hours: u16,
        /// The challenger's proposal and rank.
        #[serde(default)]
        challenger: Option<ProposalId>,
        #[serde(default)]
        challenger_rank: u8,
    },
    /// Email to the account's address was refused for good (a bounce): it is no longer used
    /// until verified again.
    EmailUndeliverable {
        address: String,
    },
    /// A profile an admin suspended is public again.
    ProfileReinstated {
        profile: ProfileId,
        name: String,
        reason: String,
    },
    BookingCancelled {
        booking: BookingId,
        by_name: String,
        day: NaiveDate,
        reason: String,
    },
    /// The contract of a booking is ready; delivery regenerates it (deterministically) to attach it.
    ContractReady {
        booking: BookingId,
        sha256: String,
    },
    /// A booking's contract waits for answers from the recipient's side (issue 13): the
    /// conversation asks them, then the contract goes to both.
    ContractDetailsNeeded {
        booking: BookingId,
        day: NaiveDate,
    },
    SearchAlert {
        search: SavedSearchId,
        profile: ProfileId,
        name: String,
        score: u8,
    },
    /// An admin published the edit of an approved profile.
    ProfileEditApproved {
        profile: ProfileId,
        name: String,
    },
    /// An admin refused the edit of an approved profile: the approved version stays.
    ProfileEditRefused {
        profile: ProfileId,
        name: String,
        reason: String,
    },
    /// A person wrote to support: a new ticket, or (`again`) an answer in one. For the admins.
    SupportAsked {
        ticket: TicketId,
        from_name: String,
        body: String,
        again: bool,
    },
    /// An admin replied in the person's ticket.
    SupportAnswered {
        ticket: TicketId,
        body: String,
    },
    /// The platform's commission on a booking: a link to pay, a receipt, or, for the admins, a
    /// refund or dispute (docs/product-rules.md §8).
    Payment(crate::payments::PaymentNotice),
}

impl Event {
    /// The proposal the event is about, if any (a team's place shows what concerns its
    /// profile's proposals).
    #[must_use]
    pub fn proposal(&self) -> Option<ProposalId> {
        match self {
            Event::ProposalReceived { proposal, .. }
            | Event::ProposalAccepted { proposal, .. }
            | Event::ProposalRefused { proposal, .. }
            | Event::ProposalCountered { proposal, .. }
            | Event::ProposalWithdrawn { proposal, .. }
            | Event::ProposalExpired { proposal, .. }
            | Event::ProposalClosed { proposal, .. }
            | Event::ThreadMessage { proposal, .. }
            | Event::HoldPlaced { proposal, .. }
            | Event::HoldRequested { proposal, .. }
            | Event::HoldPromoted { proposal, .. }
            | Event::HoldReleased { proposal, .. }
            | Event::HoldExpired { proposal, .. }
            | Event::HoldChallenged { proposal, .. } => Some(*proposal),
            _ => None,
        }
    }

    /// The booking the event is about, if any (its contract, its cancellation).
    #[must_use]
    pub fn booking(&self) -> Option<BookingId> {
        match self {
            Event::ContractReady { booking, .. } | Event::BookingCancelled { booking, .. } => {
                Some(*booking)
            }
            _ => None,
        }
    }
}

impl Store {
    /// Queues `event` for `account`, once per `dedupe_key` (e.g. "proposal:12:accepted:artist").
    /// Returns whether it was queued now.
    pub async fn notify(
        &self,
        account: AccountId,
        event: &Event,
        dedupe_key: &str,
    ) -> Result<bool> {
        let payload = serde_json::to_string(event)
            .map_err(|e| crate::store::StoreError::corrupt("notification", e))?;
        self.enqueue(account, &payload, dedupe_key).await
    }
}

impl Event {
    /// Whether it also goes by email to an account with a verified address: what a person acts
    /// on or keeps (a proposal received or answered, a booking's contract, a cancellation).
    #[must_use]
    pub fn by_email(&self) -> bool {
        matches!(
            self,
            Event::ProposalReceived { .. }
                | Event::ProposalAccepted { .. }
                | Event::ProposalRefused { .. }
                | Event::ProposalCountered { .. }
                | Event::ContractReady { .. }
                | Event::BookingCancelled { .. }
        ) || matches!(
            self,
            // The payer's link, reminder and receipt; the admins' payment news stay in chat.
            Event::Payment(crate::payments::PaymentNotice {
                news: crate::payments::PaymentNews::Link { .. }
                    | crate::payments::PaymentNews::Reminder { .. }
                    | crate::payments::PaymentNews::Paid,
                ..
            })
        )
    }
}

/// How a stored payload goes by email: `notice` at once, `alert` in the daily digest (to an
/// account with alerts on), or `""` not at all.
#[must_use]
pub fn email_kind(payload: &str) -> &'static str {
    match decode(payload) {
        Some(e) if e.by_email() => "notice",
        Some(Event::SearchAlert { .. }) => "alert",
        _ => "",
    }
}

/// Reads a stored payload back; `None` for one this version cannot read (logged by the worker).
#[must_use]
pub fn decode(payload: &str) -> Option<Event> {
    serde_json::from_str(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::{PaymentNews, PaymentNotice};

    #[test]
    fn the_payers_link_reminder_and_receipt_go_by_email_and_the_admins_news_do_not() {
        let notice = |news| {
            let n = PaymentNotice {
                booking: crate::domain::BookingId(3),
                reference: "FS-2026-000003".into(),
                day: chrono::NaiveDate::from_ymd_opt(2027, 3, 12).unwrap_or_default(),
                total_cents: 8_640,
                news,
            };
            serde_json::to_string(&Event::Payment(n)).unwrap_or_default()
        };
        let url = "https://checkout.stripe.com/c/pay/cs_test_1".to_owned();
        for news in [
            PaymentNews::Link { url: url.clone(), renewed: false },
            PaymentNews::Reminder { url },
            PaymentNews::Paid,
        ] {
            assert_eq!(email_kind(&notice(news)), "notice");
        }
        for news in [
            PaymentNews::RefundToDecide { paid_twice: false },
            PaymentNews::Refunded { cents: 100, fully: true },
            PaymentNews::Disputed { cents: 100, reason: "fraudulent".into() },
        ] {
            assert_eq!(email_kind(&notice(news)), "");
        }
    }
}
