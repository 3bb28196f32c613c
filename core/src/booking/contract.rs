//! The contract of a booking (docs/product-rules.md §5): its [`ContractInput`] is built from the
//! booking, the accepted proposal's terms and the two profiles, so regenerating it gives the same
//! bytes. The contract of record is written in the producer's (artist side's) language; its SHA-256
//! is stored with the booking and both sides are told it is ready.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{BookingFlowError, BookingService, Result};
use crate::contract::{
    self, Contract, ContractInput, Deal as ContractDeal, Licence, Party, Performance, Schedule,
    Show,
};
use crate::domain::legal::{LegalField, LegalForm, LegalIdentity, Licensing, VatStatus};
use crate::domain::profile::{Profile, ProfileDetails, ProfileKind};
use crate::domain::proposal::{Booking, BookingStatus, Deal, Proposal};
use crate::domain::terms::{ArtistSheet, Cents, ContractTerms};
use crate::domain::{AccountId, BookingId, Lang};
use crate::notify::Event;

/// The legal form as the contract names it.
#[must_use]
pub fn form_label(form: &LegalForm, lang: Lang) -> String {
    let (fr, en) = match form {
        LegalForm::Sarl => ("SARL", "SARL (limited liability company)"),
        LegalForm::Sas => ("SAS", "SAS (simplified joint-stock company)"),
        LegalForm::Sasu => ("SASU", "SASU (single-shareholder simplified company)"),
        LegalForm::Eurl => ("EURL", "EURL (single-member limited liability company)"),
        LegalForm::Sa => ("SA", "SA (public limited company)"),
        LegalForm::Association => ("association loi 1901", "non-profit association (loi 1901)"),
        LegalForm::SoleTrader => ("entrepreneur individuel", "sole trader"),
        LegalForm::Scop => ("SCOP", "workers' cooperative (SCOP)"),
        LegalForm::PublicEstablishment => ("établissement public", "public body"),
        LegalForm::LocalAuthority => ("collectivité territoriale", "local authority"),
        LegalForm::Other(text) => return text.as_str().to_owned(),
    };
    match lang {
        Lang::Fr => fr.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// A party as its legal identity describes it; what is still unknown prints as a blank, and
/// the public name stands in for a legal name not given yet.
fn party(name: &str, legal: &LegalIdentity, fallback_licence: Licence, lang: Lang) -> Party {
    let licence = match legal.licensing() {
        // The contract prints one licence line: the first (lowest) category held, the others
        // follow in its number field.
        Some(Licensing::Licensed(list)) => match list.split_first() {
            Some((first, rest)) => {
                let mut number = first.number.as_str().to_owned();
                for other in rest {
                    number.push_str(&format!(
                        " ; {} ({})",
                        other.number.as_str(),
                        other.category.number()
                    ));
                }
                Licence::Held { number, category: Some(first.category.number().to_string()) }
            }
            None => fallback_licence,
        },
        Some(Licensing::OccasionalExempt) => Licence::OccasionalExempt,
        None => fallback_licence,
    };
    let vat_number = legal.vat().map(|v| match (v, lang) {
        (VatStatus::Registered(n), _) => n.as_str().to_owned(),
        (VatStatus::NotRegistered, Lang::Fr) => "non assujetti à la TVA".to_owned(),
        (VatStatus::NotRegistered, Lang::En) => "not registered for VAT".to_owned(),
    });
    Party {
        legal_name: legal.legal_name().map_or(name, |n| n.as_str()).to_owned(),
        legal_form: legal.form().map(|f| form_label(f, lang)),
        address: legal.head_office().map(|a| a.as_str().to_owned()),
        siret: legal.siret().map(ToString::to_string),
        ape: legal.ape().map(|a| a.as_str().to_owned()),
        vat_number,
        licence,
        signatory_name: legal.signatory().map(|s| s.name.as_str().to_owned()),
        signatory_role: legal.signatory().map(|s| s.role.as_str().to_owned()),
    }
}

/// What the contract of a booking still lacks: each item is a question for one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "field", content = "part", rename_all = "snake_case")]
pub enum MissingField {
    /// A part of the side's legal identity (`Store::save_legal_identity`).
    Legal(LegalField),
    /// The artist's performers and crew (`Store::save_lineup`).
    Lineup,
    /// The artist's technical needs, annexed (`Store::save_technical_needs`).
    TechnicalNeeds,
    /// The venue's stage and backline notes, annexed (the venue profile's `stage_notes`).
    StageNotes,
    /// The rest are [`ContractTerms`] fields (`BookingService::set_contract_terms`).
    Meal,
    Curfew,
    Costs,
    Payment,
    Tickets,
    Drinks,
}

impl MissingField {
    /// Every field, in the order the conversation asks them.
    pub const ALL: [MissingField; 17] = [
        MissingField::Legal(LegalField::LegalName),
        MissingField::Legal(LegalField::LegalForm),
        MissingField::Legal(LegalField::HeadOffice),
        MissingField::Legal(LegalField::Siret),
        MissingField::Legal(LegalField::Ape),
        MissingField::Legal(LegalField::Vat),
        MissingField::Legal(LegalField::Licence),
        MissingField::Legal(LegalField::Signatory),
        MissingField::Lineup,
        MissingField::TechnicalNeeds,
        MissingField::StageNotes,
        MissingField::Meal,
        MissingField::Curfew,
        MissingField::Costs,
        MissingField::Payment,
        MissingField::Tickets,
        MissingField::Drinks,
    ];

    /// A short stable code, for buttons and translation keys.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            MissingField::Legal(LegalField::LegalName) => "legal-name",
            MissingField::Legal(LegalField::LegalForm) => "legal-form",
            MissingField::Legal(LegalField::HeadOffice) => "head-office",
            MissingField::Legal(LegalField::Siret) => "siret",
            MissingField::Legal(LegalField::Ape) => "ape",
            MissingField::Legal(LegalField::Vat) => "vat",
            MissingField::Legal(LegalField::Licence) => "licence",
            MissingField::Legal(LegalField::Signatory) => "signatory",
            MissingField::Lineup => "lineup",
            MissingField::TechnicalNeeds => "tech-needs",
            MissingField::StageNotes => "stage-notes",
            MissingField::Meal => "meal",
            MissingField::Curfew => "curfew",
            MissingField::Costs => "costs",
            MissingField::Payment => "payment",
            MissingField::Tickets => "tickets",
            MissingField::Drinks => "drinks",
        }
    }

    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// Whether one side has given everything its contract needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContractReadiness {
    Ready,
    Missing(Vec<MissingField>),
}

impl ContractReadiness {
    fn of(missing: Vec<MissingField>) -> Self {
        if missing.is_empty() { Self::Ready } else { Self::Missing(missing) }
    }

    #[must_use]
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }
}

/// What each side of a booking still has to give before its contract has no blank left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// The producer: legal identity, line-up, technical needs.
    pub artist: ContractReadiness,
    /// The organiser: legal identity, stage notes, and the terms it sets (meal, curfew, costs,
    /// payment, tickets, drinks).
    pub venue: ContractReadiness,
}

impl Readiness {
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.artist.is_ready() && self.venue.is_ready()
    }

    /// The side's part.
    #[must_use]
    pub fn side(&self, side: ProfileKind) -> &ContractReadiness {
        match side {
            ProfileKind::Artist => &self.artist,
            ProfileKind::Venue => &self.venue,
        }
    }
}

/// What the contract of a booking lacks, from the same data [`contract_input`] reads. Pure.
#[must_use]
pub fn readiness(
    venue: &Profile,
    terms: &ContractTerms,
    artist_legal: &LegalIdentity,
    venue_legal: &LegalIdentity,
    sheet: &ArtistSheet,
) -> Readiness {
    let mut artist: Vec<MissingField> =
        artist_legal.missing().into_iter().map(MissingField::Legal).collect();
    if sheet.lineup.is_none() {
        artist.push(MissingField::Lineup);
    }
    if sheet.technical_needs.is_none() {
        artist.push(MissingField::TechnicalNeeds);
    }
    let mut theirs: Vec<MissingField> =
        venue_legal.missing().into_iter().map(MissingField::Legal).collect();
    let stage_notes = match &venue.details {
        ProfileDetails::Venue(v) => v.stage_notes.is_some(),
        ProfileDetails::Artist(_) => true,
    };
    let answered = [
        (MissingField::StageNotes, stage_notes),
        (MissingField::Meal, terms.meal.is_some()),
        (MissingField::Curfew, terms.curfew.is_some()),
        (MissingField::Costs, terms.costs.is_some()),
        (MissingField::Payment, terms.payment.is_some()),
        (MissingField::Tickets, terms.tickets.is_some()),
        (MissingField::Drinks, terms.drinks_served.is_some()),
    ];
    theirs.extend(answered.into_iter().filter_map(|(f, known)| (!known).then_some(f)));
    Readiness { artist: ContractReadiness::of(artist), venue: ContractReadiness::of(theirs) }
}

/// Everything stored about a booking that its contract reads.
struct ContractFacts {
    booking: Booking,
    proposal: Proposal,
    artist: Profile,
    venue: Profile,
    artist_legal: LegalIdentity,
    venue_legal: LegalIdentity,
    sheet: ArtistSheet,
}

/// The contract's content for `booking`, in `lang`. Pure: the same data give the same input.
#[must_use]
#[allow(clippy::too_many_arguments)] // each is one stored fact the contract reads
pub fn contract_input(
    booking: &Booking,
    proposal: &Proposal,
    artist: &Profile,
    venue: &Profile,
    artist_legal: &LegalIdentity,
    venue_legal: &LegalIdentity,
    sheet: &ArtistSheet,
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
    let (venue_address, licence, stage_notes) = match &venue.details {
        ProfileDetails::Venue(v) => (
            v.address.as_ref().map(|a| a.as_str().to_owned()),
            v.licence.as_ref().map_or(Licence::Unknown, |l| Licence::Held {
                number: l.as_str().to_owned(),
                category: None,
            }),
            v.stage_notes.as_ref().map(|n| n.as_str().to_owned()),
        ),
        ProfileDetails::Artist(_) => (None, Licence::Unknown, None),
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
    let extra = &proposal.contract_terms;
    let times = terms.times;
    let set_end = times.set_start.map(|s| s + Duration::minutes(i64::from(terms.set_minutes)));
    ContractInput {
        lang,
        reference: booking.reference(),
        made_at: city.clone(),
        made_on: booking.created_at.date_naive(),
        producer: party(&artist_name, artist_legal, Licence::Unknown, lang),
        organiser: party(venue.details.name().as_str(), venue_legal, licence, lang),
        show: Show { artist_name, title: None, lineup: sheet.lineup, description: bio },
        performance: Performance {
            venue_name: venue.details.name().as_str().to_owned(),
            venue_address,
            city: city.clone(),
            date: booking.day,
            shows: 1,
            times: Schedule {
                load_in: times.load_in,
                soundcheck: times.soundcheck,
                meal: extra.meal,
                doors: times.doors,
                set_start: times.set_start,
                set_end,
                // The venue's curfew as the venue gave it for the contract: the proposal's
                // last time is often the set's end.
                curfew: extra.curfew,
            },
            set_minutes: terms.set_minutes,
        },
        deal,
        drinks_served: extra.drinks_served,
        producer_charges_vat: !matches!(artist_legal.vat(), Some(VatStatus::NotRegistered)),
        costs: extra.costs,
        payment: extra.payment,
        ticketing: contract::Ticketing {
            price_cents: extra.tickets.map(|t| t.full_price.get()),
            reduced_price_cents: extra.tickets.and_then(|t| t.reduced_price.map(Cents::get)),
            capacity,
            guest_list: extra.tickets.map(|t| t.guest_list),
        },
        cancellation_forfeit_cents: None,
        outdoor_fallback: None,
        recording_allowed: false,
        notes: None,
        annexes: contract::Annexes {
            technical_needs: sheet.technical_needs.as_ref().map(|t| t.as_str().to_owned()),
            stage_notes,
        },
        court_city: Some(city),
    }
}

impl BookingService {
    /// The language of the contract of record: the producer's (the artist's owner).
    async fn record_lang(&self, artist: &Profile) -> Result<Lang> {
        Ok(self.store.account(artist.owner).await?.lang)
    }

    async fn contract_facts(&self, booking: BookingId) -> Result<ContractFacts> {
        let booking = self.store.booking(booking).await?;
        let proposal = self.store.proposal(booking.proposal).await?;
        let artist = self.store.profile(booking.artist).await?;
        let venue = self.store.profile(booking.venue).await?;
        let artist_legal = self.store.legal_identity(booking.artist).await?;
        let venue_legal = self.store.legal_identity(booking.venue).await?;
        let sheet = self.store.artist_sheet(booking.artist).await?;
        Ok(ContractFacts { booking, proposal, artist, venue, artist_legal, venue_legal, sheet })
    }

    fn render_facts(f: &ContractFacts, lang: Lang) -> Result<(ContractInput, Contract)> {
        let input = contract_input(
            &f.booking,
            &f.proposal,
            &f.artist,
            &f.venue,
            &f.artist_legal,
            &f.venue_legal,
            &f.sheet,
            lang,
        );
        let rendered = contract::render(&input).map_err(BookingFlowError::Contract)?;
        Ok((input, rendered))
    }

    /// Generates the contract of `booking` in `lang` (any side's language, on request).
    pub async fn contract(
        &self,
        booking: BookingId,
        lang: Option<Lang>,
    ) -> Result<(ContractInput, Contract)> {
        let facts = self.contract_facts(booking).await?;
        let lang = match lang {
            Some(l) => l,
            None => self.record_lang(&facts.artist).await?,
        };
        Self::render_facts(&facts, lang)
    }

    /// What each side still has to give before the contract of `booking` has no blank left:
    /// the conversation asks exactly these, then sends the contract.
    pub async fn contract_readiness(&self, booking: BookingId) -> Result<Readiness> {
        let f = self.contract_facts(booking).await?;
        Ok(readiness(
            &f.venue,
            &f.proposal.contract_terms,
            &f.artist_legal,
            &f.venue_legal,
            &f.sheet,
        ))
    }

    /// Which side of `booking` `actor` is on; refused if neither.
    pub async fn side_of(&self, actor: AccountId, booking: BookingId) -> Result<ProfileKind> {
        let b = self.store.booking(booking).await?;
        if self.store.profile(b.artist).await?.owner == actor {
            return Ok(ProfileKind::Artist);
        }
        if self.store.profile(b.venue).await?.owner == actor {
            return Ok(ProfileKind::Venue);
        }
        Err(BookingFlowError::NotYourBooking)
    }

    /// Replaces the contract-only terms of a confirmed booking (either side may answer them),
    /// then regenerates the contract so its stored hashes follow.
    pub async fn set_contract_terms(
        &self,
        actor: AccountId,
        booking: BookingId,
        terms: &ContractTerms,
    ) -> Result<Booking> {
        self.side_of(actor, booking).await?;
        let b = self.store.booking(booking).await?;
        if b.status == BookingStatus::Cancelled {
            return Err(BookingFlowError::BookingCancelled);
        }
        self.store.set_contract_terms(b.proposal, terms).await?;
        self.store_contract_hashes(&b).await
    }

    /// Records that `side` sent back a signed copy of the contract of `booking`, whose file
    /// hashes to `sha256`, received `at`; the booking says when both have signed.
    pub async fn record_signed_copy(
        &self,
        booking: BookingId,
        side: ProfileKind,
        sha256: &str,
        at: DateTime<Utc>,
    ) -> Result<Booking> {
        let b = self.store.booking(booking).await?;
        if b.status == BookingStatus::Cancelled {
            return Err(BookingFlowError::BookingCancelled);
        }
        let b = self.store.record_signed_copy(booking, side, sha256, at).await?;
        self.store
            .audit(
                None,
                "contract.signed_copy",
                &format!("booking:{booking}"),
                &serde_json::json!({"side": side, "sha256": sha256, "both": b.signed_by_both()}),
            )
            .await?;
        Ok(b)
    }

    /// Renders both language copies and stores their hashes with the record's.
    async fn store_contract_hashes(&self, booking: &Booking) -> Result<Booking> {
        let facts = self.contract_facts(booking.id).await?;
        let (_, fr) = Self::render_facts(&facts, Lang::Fr)?;
        let (_, en) = Self::render_facts(&facts, Lang::En)?;
        let record = match self.record_lang(&facts.artist).await? {
            Lang::Fr => &fr.sha256,
            Lang::En => &en.sha256,
        };
        self.store.set_contract_copies(booking.id, record, &fr.sha256, &en.sha256).await?;
        Ok(self.store.booking(booking.id).await?)
    }

    /// Generates the contract of record and stores its hashes; then sends it to both sides if
    /// nothing is missing, or asks each side for what it still has to give
    /// ([`BookingService::contract_progress`]).
    pub(super) async fn issue_contract(&self, booking: &Booking) -> Result<Booking> {
        self.store_contract_hashes(booking).await?;
        self.contract_progress(booking.id).await?;
        Ok(self.store.booking(booking.id).await?)
    }

    /// Where the contract of `booking` stands: when nothing is missing, both sides are sent the
    /// contract of record (once per version); otherwise each side still lacking something is
    /// told (once) that the contract waits for its answers.
    pub async fn contract_progress(&self, booking: BookingId) -> Result<ContractProgress> {
        let f = self.contract_facts(booking).await?;
        if f.booking.status == BookingStatus::Cancelled {
            return Err(BookingFlowError::BookingCancelled);
        }
        let ready = readiness(
            &f.venue,
            &f.proposal.contract_terms,
            &f.artist_legal,
            &f.venue_legal,
            &f.sheet,
        );
        if !ready.is_ready() {
            for (side, owner) in
                [(ProfileKind::Artist, f.artist.owner), (ProfileKind::Venue, f.venue.owner)]
            {
                if !ready.side(side).is_ready() {
                    let event = Event::ContractDetailsNeeded { booking, day: f.booking.day };
                    self.tell(owner, &event, &format!("contract:{booking}:details")).await?;
                }
            }
            return Ok(ContractProgress::Waiting(ready));
        }
        let stored = self.store_contract_hashes(&f.booking).await?;
        let sha256 = stored.contract_sha256.clone().unwrap_or_default();
        let event = Event::ContractReady { booking, sha256: sha256.clone() };
        for account in [f.artist.owner, f.venue.owner] {
            self.tell(account, &event, &format!("contract:{booking}:{sha256}")).await?;
        }
        Ok(ContractProgress::Sent(stored))
    }
}

/// What [`BookingService::contract_progress`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum ContractProgress {
    /// Nothing was missing: the contract went to both sides.
    Sent(Booking),
    /// Still missing, per side; the sides concerned were asked.
    Waiting(Readiness),
}
