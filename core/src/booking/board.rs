//! A venue's date board, the programmer's hold board in data: for one date, the bookings, then
//! the holds by rank (expiry, any running challenge), then the other open proposals, each with
//! the moves the venue may make. Conversations render it; they decide nothing.

use chrono::NaiveDate;

use super::holds::{HoldStatus, Moves, allowed_moves};
use super::{BookingFlowError, BookingService, Result};
use crate::domain::profile::ProfileKind;
use crate::domain::proposal::{Booking, BookingStatus, Party, Proposal};
use crate::domain::{AccountId, ProfileId};

/// One proposal on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub proposal: Proposal,
    pub artist_name: String,
    /// Rank, expiry and challenge, for a held proposal.
    pub hold: Option<HoldStatus>,
    /// What the venue may do with it now.
    pub moves: Moves,
}

/// One venue date, as its programmer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DateBoard {
    pub venue: ProfileId,
    pub day: NaiveDate,
    /// Confirmed bookings (one for most venues; festivals have more slots).
    pub bookings: Vec<(Booking, String)>,
    /// Held proposals, 1st first.
    pub holds: Vec<BoardEntry>,
    /// Sent proposals not held, oldest first.
    pub open: Vec<BoardEntry>,
}

impl BookingService {
    /// The board of `venue`'s date `day`, for its owner `actor`.
    pub async fn date_board(
        &self,
        actor: AccountId,
        venue: ProfileId,
        day: NaiveDate,
    ) -> Result<DateBoard> {
        let profile = self.store.profile(venue).await?;
        if profile.owner != actor || profile.kind() != ProfileKind::Venue {
            return Err(BookingFlowError::NotYourProfile);
        }
        let mut bookings = Vec::new();
        for b in self.store.bookings_of_profile(venue).await? {
            if b.day == day && b.venue == venue && b.status == BookingStatus::Confirmed {
                let artist = self.store.profile(b.artist).await?;
                bookings.push((b, artist.details.name().as_str().to_owned()));
            }
        }
        let holds = self.store.holds_on(venue, day).await?;
        let mut entries = Vec::new();
        for p in self.store.open_proposals_at(venue, day).await? {
            let artist = self.store.profile(p.artist).await?;
            entries.push(BoardEntry {
                hold: HoldStatus::of(p.id, &holds),
                moves: allowed_moves(&p, &holds, Some(Party::Venue)),
                artist_name: artist.details.name().as_str().to_owned(),
                proposal: p,
            });
        }
        let (mut held, open): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|e| e.hold.is_some());
        held.sort_by_key(|e| e.hold.map(|h| h.rank));
        Ok(DateBoard { venue, day, bookings, holds: held, open })
    }
}
