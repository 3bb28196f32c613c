//! The contract of a booking (docs/product-rules.md §5): its [`ContractInput`] is built from the
//! booking, the accepted proposal's terms and the two profiles, so regenerating it gives the same
//! bytes. The contract of record is written in the producer's (artist side's) language; its SHA-256
//! is stored with the booking and both sides are told it is ready.

use chrono::Duration;

use super::{BookingFlowError, BookingService, Result};
use crate::contract::{
    self, Contract, ContractInput, Deal as ContractDeal, Licence, Party, Performance, Schedule,
    Show,
};
use crate::domain::BookingId;
use crate::domain::Lang;
use crate::domain::profile::{Profile, ProfileDetails};
use crate::domain::proposal::{Booking, Deal, Proposal};
use crate::notify::Event;

/// A party known only by its public name: the legal details print as blanks to fill by hand
/// until the profiles hold them.
fn party(name: &str, licence: Licence) -> Party {
    Party {
        legal_name: name.to_owned(),
        legal_form: None,
        address: None,
        siret: None,
        ape: None,
        vat_number: None,
        licence,
        signatory_name: None,
        signatory_role: None,
    }
}

/// The contract's content for `booking`, in `lang`. Pure: the same data give the same input.
#[must_use]
pub fn contract_input(
    booking: &Booking,
    proposal: &Proposal,
    artist: &Profile,
    venue: &Profile,
    lang: Lang,
) -> ContractInput {
    let artist_name = artist.details.name().as_str().to_owned();
    let (bio, capacity) = (
        match &artist.details {
            ProfileDetails::Artist(a) => a.bio.as_ref().map(|b| b.as_str().to_owned()),
            ProfileDetails::Venue(_) => None,
        },
        match &venue.details {
            ProfileDetails::Venue(v) => Some(v.capacity.people()),
            ProfileDetails::Artist(_) => None,
        },
    );
    let (venue_address, licence) = match &venue.details {
        ProfileDetails::Venue(v) => (
            v.address.as_ref().map(|a| a.as_str().to_owned()),
            v.licence.as_ref().map_or(Licence::Unknown, |l| Licence::Held {
                number: l.as_str().to_owned(),
                category: None,
            }),
        ),
        ProfileDetails::Artist(_) => (None, Licence::Unknown),
    };
    let city = venue.details.city().name().to_owned();
    let terms = &proposal.terms;
    let fee_cents = i64::from(terms.fee.euros()) * 100;
    let deal = match terms.deal {
        Deal::FlatFee => ContractDeal::FlatFee { fee_cents },
        Deal::DoorDeal { percent_bp } => ContractDeal::DoorDeal { percent_bp: percent_bp.into() },
        Deal::GuaranteeVersus { percent_bp } => ContractDeal::GuaranteeVersus {
            guarantee_cents: fee_cents,
            percent_bp: percent_bp.into(),
        },
        Deal::GuaranteePlus { percent_bp } => ContractDeal::GuaranteePlus {
            guarantee_cents: fee_cents,
            percent_bp: percent_bp.into(),
        },
    };
    let times = terms.times;
    let set_end = times.set_start.map(|s| s + Duration::minutes(i64::from(terms.set_minutes)));
    ContractInput {
        lang,
        reference: format!("FS-{}-{:06}", booking.created_at.format("%Y"), booking.id.0),
        made_at: city.clone(),
        made_on: booking.created_at.date_naive(),
        producer: party(&artist_name, Licence::Unknown),
        organiser: party(venue.details.name().as_str(), licence),
        show: Show {
            artist_name,
            title: None,
            // Profiles do not say how many people are on stage yet: the contract states one
            // performer, and the parties correct it by hand if needed.
            performers: 1,
            crew: 0,
            description: bio,
        },
        performance: Performance {
            venue_name: venue.details.name().as_str().to_owned(),
            venue_address,
            city: city.clone(),
            date: booking.day,
            shows: 1,
            times: Schedule {
                load_in: times.load_in,
                soundcheck: times.soundcheck,
                meal: None,
                doors: times.doors,
                set_start: times.set_start,
                set_end,
                curfew: times.curfew,
            },
            set_minutes: terms.set_minutes,
        },
        deal,
        vat_rate_bp: contract::default_vat_rate_bp(),
        costs: contract::Costs::default(),
        deposit_cents: None,
        payment_terms: None,
        ticketing: contract::Ticketing { price_cents: None, capacity, guest_list: None },
        cancellation_forfeit_cents: None,
        outdoor_fallback: None,
        recording_allowed: false,
        notes: None,
        court_city: Some(city),
    }
}

impl BookingService {
    /// The language of the contract of record: the producer's (the artist's owner).
    async fn record_lang(&self, artist: &Profile) -> Result<Lang> {
        Ok(self.store.account(artist.owner).await?.lang)
    }

    /// Generates the contract of `booking` in `lang` (any side's language, on request).
    pub async fn contract(
        &self,
        booking: BookingId,
        lang: Option<Lang>,
    ) -> Result<(ContractInput, Contract)> {
        let booking = self.store.booking(booking).await?;
        let proposal = self.store.proposal(booking.proposal).await?;
        let artist = self.store.profile(booking.artist).await?;
        let venue = self.store.profile(booking.venue).await?;
        let lang = match lang {
            Some(l) => l,
            None => self.record_lang(&artist).await?,
        };
        let input = contract_input(&booking, &proposal, &artist, &venue, lang);
        let rendered = contract::render(&input).map_err(BookingFlowError::Contract)?;
        Ok((input, rendered))
    }

    /// Generates the contract of record, stores its hash and tells both sides it is ready.
    pub(super) async fn issue_contract(&self, booking: &Booking) -> Result<Booking> {
        let (_, rendered) = self.contract(booking.id, None).await?;
        self.store.set_contract_hash(booking.id, &rendered.sha256).await?;
        let artist = self.store.profile(booking.artist).await?;
        let venue = self.store.profile(booking.venue).await?;
        let event = Event::ContractReady { booking: booking.id, sha256: rendered.sha256.clone() };
        for account in [artist.owner, venue.owner] {
            let key = format!("contract:{}:{}", booking.id, rendered.sha256);
            self.tell(account, &event, &key).await?;
        }
        Ok(self.store.booking(booking.id).await?)
    }
}
