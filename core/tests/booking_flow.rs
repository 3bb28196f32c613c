//! The booking flow's stories (docs/product-rules.md §4): every move of the proposal state machine
//! allowed and refused, holds ranked, promoted, expired and challenged under a hand-moved clock,
//! timers firing once with workers racing, proposals closed when a booking makes them impossible,
//! the quota, and the contract's hash. Each story runs on SQLite and on PostgreSQL
//! (`TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`; no skipping).

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use chrono::{Duration, NaiveDate};
use flowstage_core::booking::{
    BookingFlowError, BookingService, Challenge, HoldStatus, Moves, response_stats, tick,
};
use flowstage_core::clock::ManualClock;
use flowstage_core::config::Rules;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::proposal::{
    Booking, BookingStatus, Deal, Party, ProposalStatus, ShowTimes, Terms,
};
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, LicenceNumber, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, Lang, ProfileId, ProposalId};
use flowstage_core::notify::{CloseReason, Event, ReleaseReason, decode};
use flowstage_core::store::{AcceptOutcome, Backend, Move, Store};

mod support;

use support::{TestDb, on_both_backends, start};

struct Harness {
    db: TestDb,
    store: Store,
    clock: ManualClock,
    booking: BookingService,
}

impl Harness {
    async fn open(backend: Backend) -> Self {
        let db = TestDb::open(backend).await;
        let (store, clock) = (db.store.clone(), db.clock.clone());
        let booking = BookingService::new(store.clone(), Rules::default());
        Self { db, store, clock, booking }
    }

    /// Another instance on the same database, as a second `flowstage serve` would be.
    async fn other_instance(&self) -> BookingService {
        BookingService::new(self.db.another_instance().await, Rules::default())
    }

    async fn finish(self) {
        self.db.finish().await;
    }

    /// Every notification queued since the last call: (who, what).
    async fn told(&self) -> Vec<(AccountId, Event)> {
        let items = self.store.claim_outbox(1_000, Duration::minutes(5)).await.unwrap();
        let mut out = Vec::new();
        for item in items {
            self.store.mark_sent(item.id).await.unwrap();
            out.push((item.account, decode(&item.payload).unwrap()));
        }
        out
    }
}

on_both_backends!(Harness;
    proposing_checks_who_what_and_when,
    the_daily_quota_stops_the_eleventh,
    the_daily_quota_holds_when_proposals_race,
    only_the_receiver_answers_and_only_the_sender_withdraws,
    final_states_are_final,
    accepting_books_closes_what_cannot_be_honoured_and_issues_the_contract,
    an_accept_handled_again_after_a_crash_finishes_what_it_started,
    a_contract_waits_for_every_detail_then_goes_to_both,
    a_counter_is_a_new_proposal_and_the_thread_follows,
    cancelling_a_booking_tells_both_and_frees_the_date,
    holds_are_ranked_and_promoted,
    a_promotion_left_untold_by_a_crash_is_told_once,
    holds_expire_and_the_next_moves_up,
    an_unanswered_challenge_moves_the_challenger_up,
    a_challenged_first_hold_can_still_book,
    proposals_expire_once_even_with_two_workers,
    hold_timers_fire_once_with_two_workers,
    response_statistics_follow_answers,
    a_refused_move_tells_nobody,
    a_booking_left_without_contract_gets_one_at_the_next_tick,
    the_moves_offered_are_the_moves_allowed,
    a_profile_leaving_closes_its_open_proposals,
    every_deal_type_reaches_the_contract,
    fifty_racing_accepts_give_one_booking_and_clear_refusals,
    booking_numbers_have_no_gaps,
    a_proposal_found_impossible_on_accept_is_closed,
    timers_survive_a_restart,
    story_three_holds_on_one_date,
    story_the_first_hold_is_released,
    story_a_challenge_answered_by_confirm,
    story_a_challenge_answered_by_release,
    story_a_challenge_that_lapses,
    story_a_hold_that_expires,
    an_artist_asks_and_the_venue_decides,
    who_answered_is_recorded_and_a_team_outlet_serves_one_profile,
);

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

fn lyon() -> City {
    City::from_parts("Lyon", Country::France, 45.75, 4.85)
}

fn artist(name: &str) -> ProfileDetails {
    ProfileDetails::Artist(Artist {
        name: Name::parse(name).unwrap(),
        genres: GenreSet::parse("rock indé").unwrap(),
        fee: Fee::parse("1200").unwrap(),
        negotiable: true,
        draw: AudienceRange::parse("100-400").unwrap(),
        city: lyon(),
        radius: TravelRadius::parse("300").unwrap(),
        bio: None,
        links: Links::parse("https://band.example.fr").unwrap(),
        email: None,
    })
}

fn venue(name: &str, slots: u8) -> ProfileDetails {
    ProfileDetails::Venue(Venue {
        name: Name::parse(name).unwrap(),
        city: lyon(),
        address: None,
        capacity: Capacity::parse("350").unwrap(),
        genres: GenreSet::parse("rock").unwrap(),
        budget: BudgetRange::parse("800-1500").unwrap(),
        licence: Some(LicenceNumber::parse("PLATESV-R-2020-000123").unwrap()),
        stage_notes: None,
        email: None,
        slots_per_date: slots,
    })
}

async fn account(h: &Harness, id: &str) -> AccountId {
    h.store
        .account_for_identity(&Identity::new(Platform::Telegram, id), id, Lang::Fr)
        .await
        .unwrap()
        .0
        .id
}

/// An account owning one approved profile.
async fn member(h: &Harness, who: &str, details: &ProfileDetails) -> (AccountId, ProfileId) {
    let owner = account(h, who).await;
    let dates = DateSet::new([day(5), day(12)], start().date_naive()).unwrap();
    let p = h.store.create_profile(owner, details, &dates, &ProfileStatus::Pending).await.unwrap();
    h.store.set_profile_status(p.id, &ProfileStatus::Approved, None).await.unwrap();
    (owner, p.id)
}

fn terms(d: u32, fee: &str) -> Terms {
    Terms {
        day: day(d),
        fee: Fee::parse(fee).unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 75,
        times: ShowTimes {
            set_start: chrono::NaiveTime::from_hms_opt(21, 0, 0),
            ..ShowTimes::default()
        },
        message: Some("Ça vous dit ?".into()),
    }
}

async fn status(h: &Harness, id: ProposalId) -> ProposalStatus {
    h.store.proposal(id).await.unwrap().status
}

async fn proposing_checks_who_what_and_when(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Les Gros Bras")).await;
    let (a2, artist2) = member(h, "a2", &artist("Zazou")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Périscope", 1)).await;
    let b = &h.booking;

    assert!(matches!(
        b.propose(a, artist_p, artist_p, terms(5, "900")).await,
        Err(BookingFlowError::SameProfile)
    ));
    assert!(matches!(
        b.propose(a2, artist_p, venue_p, terms(5, "900")).await,
        Err(BookingFlowError::NotYourProfile)
    ));
    assert!(matches!(
        b.propose(a, artist_p, artist2, terms(5, "900")).await,
        Err(BookingFlowError::NeedsArtistAndVenue)
    ));
    let mut past = terms(5, "900");
    past.day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    assert!(matches!(
        b.propose(a, artist_p, venue_p, past).await,
        Err(BookingFlowError::DateInPast)
    ));
    // A profile waiting for review is not contacted.
    let (_, pending) = {
        let owner = account(h, "p").await;
        let dates = DateSet::new([day(5)], start().date_naive()).unwrap();
        let p = h
            .store
            .create_profile(owner, &venue("En attente", 1), &dates, &ProfileStatus::Pending)
            .await
            .unwrap();
        (owner, p.id)
    };
    assert!(matches!(
        b.propose(a, artist_p, pending, terms(5, "900")).await,
        Err(BookingFlowError::ProfileNotApproved(id)) if id == pending
    ));

    let p = b.propose(a, artist_p, venue_p, terms(5, "900")).await.unwrap();
    assert_eq!(
        (p.status, p.artist, p.venue, p.sender),
        (ProposalStatus::Sent, artist_p, venue_p, a)
    );
    assert_eq!(p.expires_at, start() + Duration::days(7));
    assert!(matches!(
        b.propose(a, artist_p, venue_p, terms(5, "1000")).await,
        Err(BookingFlowError::AlreadyProposed(id)) if id == p.id
    ));
    let told = h.told().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, v);
    assert!(
        matches!(&told[0].1, Event::ProposalReceived { proposal, from_name, fee_euros: 900, .. }
        if *proposal == p.id && from_name == "Les Gros Bras")
    );

    // A venue proposes to an artist just as well; once the artist is booked that day, no more.
    let q = b.propose(v, venue_p, artist2, terms(12, "700")).await.unwrap();
    assert_eq!((q.artist, q.venue), (artist2, venue_p));
    b.accept(a2, q.id).await.unwrap();
    let (v2, venue2) = member(h, "v2", &venue("Le Sonic", 1)).await;
    assert!(matches!(
        b.propose(v2, venue2, artist2, terms(12, "700")).await,
        Err(BookingFlowError::ArtistBusy)
    ));
    assert!(matches!(
        b.propose(a, artist_p, venue_p, terms(12, "700")).await,
        Err(BookingFlowError::DateNotFree)
    ));
}

async fn the_daily_quota_stops_the_eleventh(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Punk à Chiens")).await;
    let limit = h.booking.rules().daily_proposal_quota;
    let mut venues = Vec::new();
    for i in 0..=limit {
        venues.push(member(h, &format!("v{i}"), &venue(&format!("Salle {i}"), 1)).await);
    }
    for (_, venue_p) in &venues[..usize::from(limit)] {
        h.booking.propose(a, artist_p, *venue_p, terms(5, "400")).await.unwrap();
    }
    let last = venues.last().unwrap().1;
    assert!(matches!(
        h.booking.propose(a, artist_p, last, terms(5, "400")).await,
        Err(BookingFlowError::QuotaReached { limit: 10 })
    ));
    // Venues have no quota, and the count starts again the next day.
    let (v, venue_p) = venues[0];
    h.booking.propose(v, venue_p, artist_p, terms(12, "400")).await.unwrap();
    h.clock.advance(Duration::days(1));
    h.booking.propose(a, artist_p, last, terms(5, "400")).await.unwrap();
}

/// The last unit of the quota goes to one of the proposals sent at once, never to two.
async fn the_daily_quota_holds_when_proposals_race(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Punk à Chiens")).await;
    let limit = usize::from(h.booking.rules().daily_proposal_quota);
    let mut venues = Vec::new();
    for i in 0..limit + 5 {
        venues.push(member(h, &format!("v{i}"), &venue(&format!("Salle {i}"), 1)).await.1);
    }
    for venue_p in &venues[..limit - 1] {
        h.booking.propose(a, artist_p, *venue_p, terms(5, "400")).await.unwrap();
    }
    let tasks: Vec<_> = venues[limit - 1..]
        .iter()
        .map(|venue_p| {
            let (service, venue_p) = (h.booking.clone(), *venue_p);
            tokio::spawn(
                async move { service.propose(a, artist_p, venue_p, terms(5, "400")).await },
            )
        })
        .collect();
    let (mut sent, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => sent += 1,
            Err(BookingFlowError::QuotaReached { .. }) => refused += 1,
            Err(e) => panic!("not the quota: {e:?}"),
        }
    }
    assert_eq!((sent, refused), (1, 5));
    let all = h.store.proposals_of_profile(artist_p).await.unwrap();
    assert_eq!(all.len(), limit, "nothing written for a refused proposal");
}

async fn only_the_receiver_answers_and_only_the_sender_withdraws(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Duo Sirocco")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Cri du Port", 1)).await;
    let stranger = account(h, "x").await;
    let b = &h.booking;
    let p = b.propose(a, artist_p, venue_p, terms(5, "850")).await.unwrap();

    // The sender is told only the other side may; someone else, that it is not theirs at all.
    for (who, refusal) in [(a, "not yours"), (stranger, "not a party")] {
        let right = |e: &BookingFlowError| match refusal {
            "not yours" => matches!(e, BookingFlowError::NotYourProposal),
            _ => matches!(e, BookingFlowError::NotAParty),
        };
        assert!(right(&b.accept(who, p.id).await.unwrap_err()));
        assert!(right(&b.refuse(who, p.id, None).await.unwrap_err()));
        assert!(right(&b.counter(who, p.id, terms(5, "900")).await.unwrap_err()));
        assert!(right(&b.hold(who, p.id).await.unwrap_err()));
        assert!(right(&b.release(who, p.id).await.unwrap_err()));
    }
    assert!(matches!(b.withdraw(v, p.id).await, Err(BookingFlowError::NotYourProposal)));
    assert!(matches!(b.withdraw(stranger, p.id).await, Err(BookingFlowError::NotAParty)));
    assert!(matches!(b.message(p.id, stranger, "bonjour").await, Err(BookingFlowError::NotAParty)));
    assert!(matches!(b.release(v, p.id).await, Err(BookingFlowError::NotHeld)));
    assert_eq!(status(h, p.id).await, ProposalStatus::Sent);

    // Refused, with the reason passed on.
    b.refuse(v, p.id, Some("  Date déjà prise  ")).await.unwrap();
    let p1 = h.store.proposal(p.id).await.unwrap();
    assert_eq!(
        (p1.status, p1.reason.as_deref()),
        (ProposalStatus::Refused, Some("Date déjà prise"))
    );
    // Withdrawn by its sender.
    let q = b.propose(a, artist_p, venue_p, terms(12, "850")).await.unwrap();
    b.withdraw(a, q.id).await.unwrap();
    assert_eq!(status(h, q.id).await, ProposalStatus::Withdrawn);
    let told = h.told().await;
    assert!(told.iter().any(|(to, e)| *to == a
        && matches!(e, Event::ProposalRefused { reason: Some(r), .. } if r == "Date déjà prise")));
    assert!(told.iter().any(|(to, e)| *to == v && matches!(e, Event::ProposalWithdrawn { .. })));
}

async fn final_states_are_final(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Nadia K.")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Bikini", 2)).await;
    let b = &h.booking;
    let refused = b.propose(a, artist_p, venue_p, terms(5, "2500")).await.unwrap();
    b.refuse(v, refused.id, None).await.unwrap();
    let withdrawn = b.propose(a, artist_p, venue_p, terms(12, "2500")).await.unwrap();
    b.withdraw(a, withdrawn.id).await.unwrap();
    let accepted = b.propose(a, artist_p, venue_p, terms(19, "2500")).await.unwrap();
    b.accept(v, accepted.id).await.unwrap();
    let countered = b.propose(a, artist_p, venue_p, terms(26, "2500")).await.unwrap();
    b.counter(v, countered.id, terms(26, "2000")).await.unwrap();

    for (id, was) in [
        (refused.id, ProposalStatus::Refused),
        (withdrawn.id, ProposalStatus::Withdrawn),
        (accepted.id, ProposalStatus::Accepted),
        (countered.id, ProposalStatus::Countered),
    ] {
        let answered = |r: Result<_, BookingFlowError>| matches!(r, Err(BookingFlowError::AlreadyAnswered(s)) if s == was);
        if was == ProposalStatus::Accepted {
            // The one who accepted, accepting again, reads the same booking and changes nothing.
            let again = b.accept(v, id).await.unwrap();
            assert!(again.closed.is_empty());
            assert_eq!(h.store.bookings_of_profile(venue_p).await.unwrap().len(), 1);
        } else {
            assert!(answered(b.accept(v, id).await.map(|_| ())), "{was:?}");
        }
        assert!(answered(b.refuse(v, id, None).await.map(|_| ())), "{was:?}");
        assert!(answered(b.counter(v, id, terms(27, "1")).await.map(|_| ())), "{was:?}");
        assert!(answered(b.hold(v, id).await.map(|_| ())), "{was:?}");
        assert!(answered(b.withdraw(a, id).await.map(|_| ())), "{was:?}");
        assert_eq!(status(h, id).await, was);
    }
}

/// Everything a contract needs from both sides, given in the store (the conversation asks them
/// in `conversation_contract.rs`), so that accepting `proposal` sends the contract at once.
async fn give_contract_details(
    h: &Harness,
    artist_p: ProfileId,
    venue_p: ProfileId,
    proposal: ProposalId,
) {
    use flowstage_core::domain::legal::{
        ApeCode, LegalForm, LegalIdentity, Licence, LicenceCategory, Licensing, Signatory, Siret,
        VatNumber, VatStatus,
    };
    use flowstage_core::domain::terms::{
        Cents, ContractTerms, Cost, Costs, Lineup, Payment, PaymentMethod, TicketTerms,
    };
    use flowstage_core::domain::values::{LongText, Text};
    for (profile, licensing) in [
        (
            artist_p,
            Licensing::licensed(vec![
                Licence::new(
                    LicenceCategory::Two,
                    LicenceNumber::parse("PLATESV-D-2024-000871").unwrap(),
                )
                .unwrap(),
            ])
            .unwrap(),
        ),
        (venue_p, Licensing::OccasionalExempt),
    ] {
        let mut id = LegalIdentity::default();
        id.set_legal_name(Text::parse("Structure SARL").unwrap());
        id.set_form(LegalForm::Sarl);
        id.set_head_office(Text::parse("1 rue de la Paix, 69001 Lyon").unwrap());
        id.set_siret(Siret::parse("73282932000074").unwrap()).unwrap();
        id.set_ape(ApeCode::parse("9001Z").unwrap());
        // The producer charges VAT; the association hosting it does not.
        let vat = if profile == artist_p {
            VatStatus::Registered(VatNumber::parse("FR44732829320").unwrap())
        } else {
            VatStatus::NotRegistered
        };
        id.set_vat(vat).unwrap();
        id.set_licensing(licensing);
        id.set_signatory(Signatory {
            name: Name::parse("Jeanne Martin").unwrap(),
            role: Text::parse("gérante").unwrap(),
        });
        h.store.save_legal_identity(profile, &id).await.unwrap();
    }
    h.store.save_lineup(artist_p, Lineup::new(3, 1).unwrap()).await.unwrap();
    let needs = LongText::parse("4 retours, 12 entrées").unwrap();
    h.store.save_technical_needs(artist_p, Some(&needs)).await.unwrap();
    let venue = h.store.profile(venue_p).await.unwrap();
    let mut details = venue.details.clone();
    if let ProfileDetails::Venue(v) = &mut details {
        v.stage_notes = Some(LongText::parse("Scène 6 × 4 m").unwrap());
    }
    h.store.update_profile(venue_p, &details, &venue.dates).await.unwrap();
    let terms = ContractTerms {
        meal: chrono::NaiveTime::from_hms_opt(19, 0, 0),
        curfew: chrono::NaiveTime::from_hms_opt(1, 0, 0),
        costs: Some(Costs {
            travel: Cost::Included,
            lodging: Cost::Provided { people: 4 },
            meals: Cost::Provided { people: 4 },
        }),
        payment: Some(Payment {
            deposit: None,
            balance_due: day(12),
            balance_method: PaymentMethod::BankTransfer,
        }),
        tickets: Some(TicketTerms {
            full_price: Cents::new(1_500).unwrap(),
            reduced_price: None,
            guest_list: 6,
        }),
        drinks_served: Some(true),
    };
    h.store.set_contract_terms(proposal, &terms).await.unwrap();
}

async fn a_contract_waits_for_every_detail_then_goes_to_both(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Les Détails")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Périmètre", 1)).await;
    let b = &h.booking;
    let p = b.propose(a, artist_p, venue_p, terms(5, "900")).await.unwrap();
    h.told().await;
    let booking = b.accept(v, p.id).await.unwrap().booking;
    // The hashes are stored at once; nothing is sent while a detail is missing: each side is
    // asked, once, for its own.
    assert!(booking.contract_sha256.is_some());
    let told = h.told().await;
    let asked: Vec<AccountId> = told
        .iter()
        .filter(|(_, e)| matches!(e, Event::ContractDetailsNeeded { booking: id, .. } if *id == booking.id))
        .map(|(to, _)| *to)
        .collect();
    assert_eq!(asked.len(), 2, "{told:?}");
    assert!(asked.contains(&a) && asked.contains(&v));
    assert!(!told.iter().any(|(_, e)| matches!(e, Event::ContractReady { .. })), "{told:?}");
    let ready = b.contract_readiness(booking.id).await.unwrap();
    assert!(!ready.artist.is_ready() && !ready.venue.is_ready());
    assert!(matches!(
        b.contract_progress(booking.id).await.unwrap(),
        flowstage_core::booking::ContractProgress::Waiting(_)
    ));
    assert!(h.told().await.is_empty(), "asked once");

    give_contract_details(h, artist_p, venue_p, p.id).await;
    assert!(b.contract_readiness(booking.id).await.unwrap().is_ready());
    let flowstage_core::booking::ContractProgress::Sent(sent) =
        b.contract_progress(booking.id).await.unwrap()
    else {
        panic!("nothing is missing")
    };
    let sha = sent.contract_sha256.clone().unwrap();
    assert_ne!(Some(&sha), booking.contract_sha256.as_ref(), "the details changed the contract");
    let mut to: Vec<AccountId> = h
        .told()
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, Event::ContractReady { sha256, .. } if *sha256 == sha))
        .map(|(to, _)| to)
        .collect();
    to.sort();
    assert_eq!(to, vec![a, v]);
    b.contract_progress(booking.id).await.unwrap();
    assert!(h.told().await.is_empty(), "the same contract is sent once");
    let (input, _) = b.contract(booking.id, None).await.unwrap();
    assert_eq!(input.vat_rate_bp(), 2_000, "drinks are served");
    assert_eq!(input.show.lineup.map(flowstage_core::contract::Lineup::people), Some(4));
}

async fn accepting_books_closes_what_cannot_be_honoured_and_issues_the_contract(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Chloé & les Naïfs")).await;
    let (a2, artist2) = member(h, "a2", &artist("Kreiz Breizh")).await;
    let (v, venue_p) = member(h, "v", &venue("La Cour des Miracles", 1)).await;
    let (v2, venue2) = member(h, "v2", &venue("Le Sonic", 1)).await;
    let (v3, venue3) = member(h, "v3", &venue("Le Marché Gare", 2)).await;
    let b = &h.booking;

    let win = b.propose(a, artist_p, venue_p, terms(5, "1200")).await.unwrap();
    give_contract_details(h, artist_p, venue_p, win.id).await;
    let same_artist = b.propose(a, artist_p, venue2, terms(5, "1100")).await.unwrap();
    let from_venue = b.propose(v3, venue3, artist_p, terms(5, "1000")).await.unwrap();
    let same_venue = b.propose(a2, artist2, venue_p, terms(5, "700")).await.unwrap();
    let other_day = b.propose(a2, artist2, venue_p, terms(12, "700")).await.unwrap();
    b.hold(v2, same_artist.id).await.unwrap();
    h.told().await;

    let accepted = b.accept(v, win.id).await.unwrap();
    let booking = &accepted.booking;
    assert_eq!((booking.artist, booking.venue, booking.day), (artist_p, venue_p, day(5)));
    assert_eq!(booking.status, BookingStatus::Confirmed);
    let mut closed = accepted.closed.clone();
    closed.sort();
    assert_eq!(closed, vec![same_artist.id, from_venue.id, same_venue.id]);
    for id in [same_artist.id, from_venue.id, same_venue.id] {
        assert_eq!(status(h, id).await, ProposalStatus::Expired);
    }
    assert_eq!(status(h, other_day.id).await, ProposalStatus::Sent);
    assert!(h.store.hold(same_artist.id).await.unwrap().is_none(), "a closed proposal's hold goes");

    let told = h.told().await;
    let closed_for = |id: ProposalId, reason: CloseReason| {
        let mut who: Vec<AccountId> = told
            .iter()
            .filter(|(_, e)| {
                matches!(e, Event::ProposalClosed { proposal, reason: r, .. }
                if *proposal == id && *r == reason)
            })
            .map(|(to, _)| *to)
            .collect();
        who.sort();
        who
    };
    assert_eq!(closed_for(same_artist.id, CloseReason::ArtistBooked), vec![a, v2]);
    assert_eq!(closed_for(from_venue.id, CloseReason::ArtistBooked), vec![a, v3]);
    // The venue that accepted reads the summary in its reply; the other artist is told.
    assert_eq!(closed_for(same_venue.id, CloseReason::DateFull), vec![a2]);
    assert!(told.iter().any(|(to, e)| *to == a && matches!(e, Event::ProposalAccepted { .. })));

    // The contract: generated, its hash stored, both told, and regenerating gives the same bytes.
    let sha = booking.contract_sha256.clone().expect("the contract's hash is stored");
    assert_eq!(h.store.booking(booking.id).await.unwrap().contract_sha256.as_deref(), Some(&*sha));
    let mut ready: Vec<AccountId> = told
        .iter()
        .filter(|(_, e)| matches!(e, Event::ContractReady { sha256, .. } if *sha256 == sha))
        .map(|(to, _)| *to)
        .collect();
    ready.sort();
    assert_eq!(ready, vec![a, v]);
    let (input, again) = b.contract(booking.id, None).await.unwrap();
    assert_eq!(again.sha256, sha);
    assert_eq!(b.contract(booking.id, None).await.unwrap().1.bytes, again.bytes);
    assert_eq!(input.lang, Lang::Fr);
    assert_eq!(input.performance.date, day(5));
    assert_eq!(input.show.artist_name, "Chloé & les Naïfs");
    assert!(again.bytes.starts_with(b"%PDF"));
    let (english, _) = b.contract(booking.id, Some(Lang::En)).await.unwrap();
    assert_eq!(english.lang, Lang::En);

    // A second accept on a full date is a clear refusal, and nothing is half-written.
    let late = b.propose(a2, artist2, venue3, terms(5, "700")).await.unwrap();
    b.accept(v3, late.id).await.unwrap();
    assert_eq!(h.store.bookings_of_profile(venue_p).await.unwrap().len(), 1);
}

/// The process stops after an accept's booking committed and before the rest of its step (the
/// stored inbox then hands the same press back): the Accept handled again answers as an accept
/// and finishes what the first run did not reach — who answered, the other proposals of the
/// date closed and told once, the contract issued; a third time changes nothing; another member
/// of the venue's side pressing Accept is told it already has an answer.
async fn an_accept_handled_again_after_a_crash_finishes_what_it_started(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Chloé & les Naïfs")).await;
    let (a2, artist2) = member(h, "a2", &artist("Kreiz Breizh")).await;
    let (v, venue_p) = member(h, "v", &venue("La Cour des Miracles", 1)).await;
    let b = &h.booking;
    let win = b.propose(a, artist_p, venue_p, terms(5, "1200")).await.unwrap();
    give_contract_details(h, artist_p, venue_p, win.id).await;
    let other = b.propose(a2, artist2, venue_p, terms(5, "700")).await.unwrap();
    h.told().await;
    // The first run: the booking commits, then the process dies.
    let first = h.store.accept_and_book_owing(win.id, 1, None, |_| Vec::new()).await.unwrap();
    assert!(matches!(first, AcceptOutcome::Booked(_)));
    assert_eq!(status(h, other.id).await, ProposalStatus::Sent, "left open by the crash");

    let again = b.accept(v, win.id).await.unwrap();
    assert_eq!(again.closed, vec![other.id]);
    assert!(again.booking.contract_sha256.is_some(), "the contract is issued");
    assert_eq!(status(h, other.id).await, ProposalStatus::Expired);
    assert_eq!(h.store.answered_by(win.id).await.unwrap(), Some(v));
    let told = h.told().await;
    let closed = told
        .iter()
        .filter(|(to, e)| *to == a2 && matches!(e, Event::ProposalClosed { .. }))
        .count();
    assert_eq!(closed, 1);

    let third = b.accept(v, win.id).await.unwrap();
    assert!(third.closed.is_empty());
    assert_eq!(third.booking.id, again.booking.id);
    assert!(h.told().await.is_empty(), "nobody is told twice");
    let stranger = account(h, "someone else").await;
    assert!(matches!(b.accept(stranger, win.id).await, Err(BookingFlowError::NotAParty)));
    assert_eq!(h.store.bookings_of_profile(venue_p).await.unwrap().len(), 1);
}

async fn a_counter_is_a_new_proposal_and_the_thread_follows(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Trio Garonne")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Rex", 1)).await;
    let b = &h.booking;
    let p = b.propose(a, artist_p, venue_p, terms(5, "1800")).await.unwrap();
    b.message(p.id, a, "Nous venons à trois.").await.unwrap();
    h.clock.advance(Duration::minutes(1));
    b.message(p.id, v, "Parfait ; loge prévue.").await.unwrap();
    assert!(matches!(b.message(p.id, v, "   ").await, Err(BookingFlowError::EmptyMessage)));
    h.told().await;

    h.clock.advance(Duration::hours(3));
    let c = b.counter(v, p.id, terms(5, "1500")).await.unwrap();
    assert_eq!(c.counter_of, Some(p.id));
    assert_eq!((c.from_profile, c.to_profile, c.sender), (venue_p, artist_p, v));
    assert_eq!((c.artist, c.venue), (artist_p, venue_p));
    assert_eq!(status(h, p.id).await, ProposalStatus::Countered);
    let told = h.told().await;
    assert!(told.iter().any(|(to, e)| *to == a
        && matches!(e, Event::ProposalCountered { proposal, previous, fee_euros: 1500, .. }
            if *proposal == c.id && *previous == p.id)));

    // Now the artist receives: the venue may not answer its own counter.
    assert!(matches!(b.accept(v, c.id).await, Err(BookingFlowError::NotYourProposal)));
    h.clock.advance(Duration::minutes(1));
    b.message(c.id, a, "D'accord pour 1 500 €.").await.unwrap();
    let thread: Vec<String> =
        b.thread(c.id).await.unwrap().into_iter().map(|(_, m)| m.body).collect();
    assert_eq!(
        thread,
        ["Nous venons à trois.", "Parfait ; loge prévue.", "D'accord pour 1 500 €."]
    );
    let told = h.told().await;
    assert!(told.iter().any(|(to, e)| *to == v
        && matches!(e, Event::ThreadMessage { body, from_name, .. }
            if body == "D'accord pour 1 500 €." && from_name == "Trio Garonne")));

    let accepted = b.accept(a, c.id).await.unwrap();
    assert_eq!(accepted.booking.proposal, c.id);
}

async fn cancelling_a_booking_tells_both_and_frees_the_date(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Reggae Révolution")).await;
    let (v, venue_p) = member(h, "v", &venue("La Belle Électrique", 1)).await;
    let stranger = account(h, "x").await;
    let b = &h.booking;
    let p = b.propose(a, artist_p, venue_p, terms(5, "1300")).await.unwrap();
    let booking = b.accept(v, p.id).await.unwrap().booking;
    h.told().await;

    assert!(matches!(
        b.cancel_booking(stranger, booking.id, "non").await,
        Err(BookingFlowError::NotYourBooking)
    ));
    assert!(matches!(
        b.cancel_booking(v, booking.id, "  ").await,
        Err(BookingFlowError::ReasonNeeded)
    ));
    let cancelled = b.cancel_booking(v, booking.id, "Dégât des eaux").await.unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert!(matches!(
        b.cancel_booking(a, booking.id, "encore").await,
        Err(BookingFlowError::BookingCancelled)
    ));
    let mut told: Vec<AccountId> = h
        .told()
        .await
        .into_iter()
        .filter(|(_, e)| {
            matches!(e, Event::BookingCancelled { reason, by_name, .. }
            if reason == "Dégât des eaux" && by_name == "La Belle Électrique")
        })
        .map(|(to, _)| to)
        .collect();
    told.sort();
    assert_eq!(told, vec![a, v]);
    // The date is free again.
    let again = b.propose(a, artist_p, venue_p, terms(5, "1300")).await.unwrap();
    b.accept(v, again.id).await.unwrap();
}

/// Three artists propose the same date to one venue, which holds them all.
async fn three_holds(h: &Harness) -> (AccountId, Vec<(AccountId, ProposalId)>) {
    let (v, venue_p) = member(h, "v", &venue("Le Petit Bain", 1)).await;
    let mut held = Vec::new();
    for name in ["Un", "Deux", "Trois"] {
        let (a, artist_p) = member(h, name, &artist(name)).await;
        let p = h.booking.propose(a, artist_p, venue_p, terms(5, "800")).await.unwrap();
        held.push((a, p.id));
    }
    for (_, id) in &held {
        h.booking.hold(v, *id).await.unwrap();
    }
    (v, held)
}

async fn rank(h: &Harness, id: ProposalId) -> Option<u32> {
    h.store.hold(id).await.unwrap().map(|hold| hold.rank)
}

/// As if the process stopped right after a release committed, before telling the holds below
/// that they moved up: the timers' pass tells each of them once, however many workers run it.
async fn a_promotion_left_untold_by_a_crash_is_told_once(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(_, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    h.told().await;
    assert!(matches!(h.store.release_hold(p1, &[]).await.unwrap(), Move::Done(_)));
    assert!(h.told().await.is_empty(), "nothing told yet: the crash");
    let passes = (0..3).map(|_| {
        let service = h.booking.clone();
        tokio::spawn(async move { tick(&service).await.unwrap() })
    });
    let mut told_by_passes = 0;
    for pass in passes.collect::<Vec<_>>() {
        told_by_passes += pass.await.unwrap().promotions_told;
    }
    assert_eq!(told_by_passes, 2, "p2 and p3, once each");
    let told = h.told().await;
    let promoted: Vec<(AccountId, ProposalId, u8)> = told
        .iter()
        .filter_map(|(to, e)| match e {
            Event::HoldPromoted { proposal, rank, .. } => Some((*to, *proposal, *rank)),
            _ => None,
        })
        .collect();
    assert_eq!(promoted.len(), 4, "{promoted:?}");
    for want in [(a2, p2, 1), (v, p2, 1), (a3, p3, 2), (v, p3, 2)] {
        assert!(promoted.contains(&want), "{want:?} in {promoted:?}");
    }
    assert_eq!(tick(&h.booking).await.unwrap().promotions_told, 0);
}

async fn holds_are_ranked_and_promoted(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    let b = &h.booking;
    assert_eq!(
        [rank(h, p1).await, rank(h, p2).await, rank(h, p3).await],
        [Some(1), Some(2), Some(3)]
    );
    assert_eq!(status(h, p1).await, ProposalStatus::Held);
    let first = h.store.hold(p1).await.unwrap().unwrap();
    let second = h.store.hold(p2).await.unwrap().unwrap();
    assert_eq!(first.expires_at, start() + Duration::days(7));
    assert_eq!(second.expires_at, start() + Duration::days(5));
    let told = h.told().await;
    assert!(told.iter().any(|(to, e)| *to == a3 && matches!(e, Event::HoldPlaced { rank: 3, .. })));
    assert!(matches!(
        b.hold(v, p1).await,
        Err(BookingFlowError::AlreadyAnswered(ProposalStatus::Held))
    ));
    assert!(matches!(b.accept(v, p2).await, Err(BookingFlowError::HoldNotFirst { rank: 2 })));

    // The 1st is released: the others move up, and both sides of each are told.
    h.clock.advance(Duration::days(1));
    b.release(v, p1).await.unwrap();
    assert_eq!(status(h, p1).await, ProposalStatus::Sent);
    assert_eq!([rank(h, p1).await, rank(h, p2).await, rank(h, p3).await], [None, Some(1), Some(2)]);
    assert_eq!(
        h.store.hold(p2).await.unwrap().unwrap().expires_at,
        start() + Duration::days(8),
        "a hold promoted to 1st gets a 1st hold's time"
    );
    let told = h.told().await;
    let promoted = |to: AccountId, id: ProposalId, r: u8| {
        told.iter().any(|(t, e)| *t == to
            && matches!(e, Event::HoldPromoted { proposal, rank, .. } if *proposal == id && *rank == r))
    };
    assert!(promoted(a2, p2, 1) && promoted(v, p2, 1) && promoted(a3, p3, 2) && promoted(v, p3, 2));
    assert!(told.iter().any(|(to, e)| *to == a1 && matches!(e, Event::HoldReleased { .. })));

    // The 1st refused, the next withdrawn: the last one is 1st and confirms.
    b.refuse(v, p2, Some("complet")).await.unwrap();
    assert_eq!(rank(h, p3).await, Some(1));
    let booking = b.confirm_hold(v, p3).await.unwrap().booking;
    assert_eq!(booking.proposal, p3);
    assert!(h.store.holds_on(booking.venue, day(5)).await.unwrap().is_empty());
    // The released 1st is still open, but the date is now full: it was closed.
    assert_eq!(status(h, p1).await, ProposalStatus::Expired);
    assert!(matches!(
        b.confirm_hold(v, p1).await,
        Err(BookingFlowError::Closed(CloseReason::DateFull))
    ));
}

async fn holds_expire_and_the_next_moves_up(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (_, p2), (_, p3)] = held[..] else { unreachable!() };
    h.told().await;
    // Other holds last 5 days: the 2nd and 3rd run out first, the 1st keeps its 7 days.
    h.clock.advance(Duration::days(5) - Duration::minutes(1));
    assert_eq!(tick(&h.booking).await.unwrap().total(), 0);
    h.clock.advance(Duration::minutes(1));
    let report = tick(&h.booking).await.unwrap();
    assert_eq!(report.holds_expired, 2);
    assert_eq!(status(h, p2).await, ProposalStatus::Expired);
    assert_eq!(status(h, p3).await, ProposalStatus::Expired);
    assert_eq!(rank(h, p1).await, Some(1));
    // Then the 1st: and the proposal with it.
    h.clock.advance(Duration::days(2));
    assert_eq!(tick(&h.booking).await.unwrap().holds_expired, 1);
    assert_eq!(status(h, p1).await, ProposalStatus::Expired);
    let told = h.told().await;
    for to in [a1, v] {
        assert!(told.iter().any(|(t, e)| *t == to
            && matches!(e, Event::HoldExpired { proposal, .. } if *proposal == p1)));
    }
    // Fired once.
    assert_eq!(tick(&h.booking).await.unwrap().total(), 0);

    // Expiry promotes: a fresh 1st and 2nd, the 1st runs out, the 2nd moves up.
    let (a, artist_p) = member(h, "quatre", &artist("Quatre")).await;
    let (b2, artist_b) = member(h, "cinq", &artist("Cinq")).await;
    let venue_p = h.store.proposal(p1).await.unwrap().venue;
    let q1 = h.booking.propose(a, artist_p, venue_p, terms(12, "800")).await.unwrap();
    let q2 = h.booking.propose(b2, artist_b, venue_p, terms(12, "800")).await.unwrap();
    h.booking.hold(v, q1.id).await.unwrap();
    h.clock.advance(Duration::days(3));
    h.booking.hold(v, q2.id).await.unwrap();
    h.clock.advance(Duration::days(4));
    assert_eq!(tick(&h.booking).await.unwrap().holds_expired, 1);
    assert_eq!(rank(h, q2.id).await, Some(1));
    assert!(h.told().await.iter().any(|(t, e)| *t == b2
        && matches!(e, Event::HoldPromoted { proposal, rank: 1, .. } if *proposal == q2.id)));
}

async fn an_unanswered_challenge_moves_the_challenger_up(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (_, p2), (a3, p3)] = held[..] else { unreachable!() };
    let b = &h.booking;
    h.told().await;
    assert!(matches!(b.challenge(a1, p1).await, Err(BookingFlowError::FirstCannotChallenge)));
    assert!(matches!(b.challenge(a1, p3).await, Err(BookingFlowError::NotAParty)));
    let challenged = b.challenge(a3, p3).await.unwrap();
    assert_eq!(challenged.proposal, p1);
    assert_eq!(challenged.challenged_by, Some(p3));
    assert_eq!(challenged.challenge_deadline, Some(start() + Duration::hours(48)));
    assert!(matches!(b.challenge(a3, p3).await, Err(BookingFlowError::AlreadyChallenged)));
    let told = h.told().await;
    for to in [a1, v] {
        assert!(told.iter().any(|(t, e)| *t == to
            && matches!(e, Event::HoldChallenged { proposal, .. } if *proposal == p1)));
    }

    h.clock.advance(Duration::hours(47));
    assert_eq!(tick(&h.booking).await.unwrap().challenges_resolved, 0);
    h.clock.advance(Duration::hours(1));
    assert_eq!(tick(&h.booking).await.unwrap().challenges_resolved, 1);
    // The silent 1st lost its hold; the challenger jumped ahead of the 2nd.
    assert_eq!(status(h, p1).await, ProposalStatus::Sent);
    assert_eq!([rank(h, p1).await, rank(h, p3).await, rank(h, p2).await], [None, Some(1), Some(2)]);
    let told = h.told().await;
    assert!(told.iter().any(|(t, e)| *t == a1 && matches!(e, Event::HoldReleased { .. })));
    assert!(told.iter().any(|(t, e)| *t == a3
        && matches!(e, Event::HoldPromoted { proposal, rank: 1, .. } if *proposal == p3)));
    assert_eq!(tick(&h.booking).await.unwrap().total(), 0);
}

async fn a_challenged_first_hold_can_still_book(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(_, p1), (a2, p2), _] = held[..] else { unreachable!() };
    h.booking.challenge(a2, p2).await.unwrap();
    h.clock.advance(Duration::hours(24));
    h.booking.confirm_hold(v, p1).await.unwrap();
    // The date is full: the challenger's hold is closed, and no timer is left to fire.
    assert_eq!(status(h, p2).await, ProposalStatus::Expired);
    h.clock.advance(Duration::days(30));
    assert_eq!(tick(&h.booking).await.unwrap().total(), 0);
}

async fn proposals_expire_once_even_with_two_workers(h: &Harness) {
    let (v, venue_p) = member(h, "v", &venue("Le Ferrailleur", 1)).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let (a, artist_p) = member(h, &format!("a{i}"), &artist(&format!("Groupe {i}"))).await;
        ids.push(h.booking.propose(a, artist_p, venue_p, terms(5, "500")).await.unwrap().id);
    }
    h.told().await;
    h.clock.advance(Duration::days(7));
    let other = h.other_instance().await;
    let (one, two) = (h.booking.clone(), other.clone());
    let (r1, r2) = tokio::join!(
        tokio::spawn(async move { tick(&one).await.unwrap() }),
        tokio::spawn(async move { tick(&two).await.unwrap() })
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.proposals_expired + r2.proposals_expired, ids.len());
    for id in &ids {
        assert_eq!(status(h, *id).await, ProposalStatus::Expired);
    }
    let expired_for_venue = h
        .told()
        .await
        .into_iter()
        .filter(|(to, e)| *to == v && matches!(e, Event::ProposalExpired { .. }))
        .count();
    assert_eq!(expired_for_venue, ids.len());
    other.store().close().await;
}

async fn hold_timers_fire_once_with_two_workers(h: &Harness) {
    let (_, held) = three_holds(h).await;
    let [(_, p1), (a2, p2), _] = held[..] else { unreachable!() };
    h.booking.challenge(a2, p2).await.unwrap();
    let other = h.other_instance().await;
    // Past the challenge deadline and every hold's expiry: each timer must fire exactly once.
    h.clock.advance(Duration::days(10));
    let mut tasks = Vec::new();
    for service in [h.booking.clone(), other.clone(), h.booking.clone(), other.clone()] {
        tasks.push(tokio::spawn(async move { tick(&service).await.unwrap() }));
    }
    let mut holds_expired = 0;
    let mut challenges = 0;
    for t in tasks {
        let r = t.await.unwrap();
        holds_expired += r.holds_expired;
        challenges += r.challenges_resolved;
    }
    // Either the challenge or the 1st's expiry claims the 1st hold, never both.
    assert_eq!(holds_expired + challenges, 3);
    assert!(
        h.store
            .holds_on(h.store.proposal(p1).await.unwrap().venue, day(5))
            .await
            .unwrap()
            .is_empty()
    );
    other.store().close().await;
}

async fn response_statistics_follow_answers(h: &Harness) {
    let (v, venue_p) = member(h, "v", &venue("Le Lieu Unique", 3)).await;
    let b = &h.booking;
    let mut ids = Vec::new();
    for i in 0..4 {
        let (a, artist_p) = member(h, &format!("a{i}"), &artist(&format!("Groupe {i}"))).await;
        ids.push(b.propose(a, artist_p, venue_p, terms(5, "500")).await.unwrap().id);
    }
    h.clock.advance(Duration::hours(2));
    b.refuse(v, ids[0], None).await.unwrap();
    h.clock.advance(Duration::hours(4));
    b.accept(v, ids[1]).await.unwrap();
    b.hold(v, ids[2]).await.unwrap();
    h.clock.advance(Duration::days(8));
    tick(&h.booking).await.unwrap();
    let stats = response_stats(&h.store, venue_p).await.unwrap();
    // Refused after 2 h, accepted and held after 6 h; the 4th expired unanswered.
    assert_eq!((stats.answered, stats.decided, stats.rate_percent), (3, 4, Some(75)));
    assert_eq!(stats.median_response, Some(Duration::hours(6)));
}

async fn a_refused_move_tells_nobody(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Les Cordes Sensibles")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Ninkasi", 1)).await;
    let p = h.booking.propose(a, artist_p, venue_p, terms(5, "500")).await.unwrap();
    h.booking.withdraw(a, p.id).await.unwrap();
    h.told().await;
    // The move and its notices share one transaction: a lost race writes neither.
    assert!(matches!(
        h.store
            .end_proposal(p.id, ProposalStatus::Refused, None, &[(v, "{}".into(), "k".into())])
            .await
            .unwrap(),
        Move::Stale(ProposalStatus::Withdrawn)
    ));
    assert!(h.booking.refuse(v, p.id, Some("non")).await.is_err());
    assert!(h.told().await.is_empty());
}

async fn a_booking_left_without_contract_gets_one_at_the_next_tick(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Mistral Gagnant")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Zénith", 1)).await;
    let p = h.booking.propose(a, artist_p, venue_p, terms(5, "15000")).await.unwrap();
    give_contract_details(h, artist_p, venue_p, p.id).await;
    // As if the process stopped right after the booking's transaction.
    let AcceptOutcome::Booked(booking) =
        h.store.accept_and_book(p.id, 1, |_| Vec::new()).await.unwrap()
    else {
        panic!("the date is free")
    };
    assert_eq!(booking.contract_sha256, None);
    h.told().await;
    let report = tick(&h.booking).await.unwrap();
    assert_eq!(report.contracts_issued, 1);
    let sha = h.store.booking(booking.id).await.unwrap().contract_sha256.unwrap();
    assert_eq!(h.booking.contract(booking.id, None).await.unwrap().1.sha256, sha);
    let told = h.told().await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told.iter().all(|(to, e)| [a, v].contains(to) && matches!(e, Event::ContractReady { .. }))
    );
    assert_eq!(tick(&h.booking).await.unwrap().total(), 0);
}

async fn the_moves_offered_are_the_moves_allowed(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), _] = held[..] else { unreachable!() };
    let stranger = account(h, "x").await;
    let b = &h.booking;
    let m = |message| Moves { message, ..Moves::default() };
    assert_eq!(
        b.moves(v, p1).await.unwrap(),
        Moves { confirm: true, refuse: true, counter: true, release: true, ..m(true) }
    );
    assert_eq!(b.moves(a1, p1).await.unwrap(), Moves { withdraw: true, ..m(true) });
    assert_eq!(
        b.moves(v, p2).await.unwrap(),
        Moves { refuse: true, counter: true, release: true, ..m(true) },
        "the venue decides its holds; it does not challenge them"
    );
    assert_eq!(
        b.moves(a2, p2).await.unwrap(),
        Moves { withdraw: true, challenge: true, ..m(true) }
    );
    assert_eq!(b.moves(stranger, p2).await.unwrap(), m(false));
    assert!(matches!(b.challenge(v, p2).await, Err(BookingFlowError::NotYourProposal)));
    b.challenge(a2, p2).await.unwrap();
    assert!(!b.moves(a2, p2).await.unwrap().challenge, "one challenge at a time");
    b.release(v, p1).await.unwrap();
    assert_eq!(
        b.moves(v, p1).await.unwrap(),
        Moves { accept: true, refuse: true, counter: true, hold: true, ..m(true) }
    );
    assert_eq!(b.moves(a1, p1).await.unwrap(), Moves { withdraw: true, ask_hold: true, ..m(true) });
    assert!(matches!(b.hold(a1, p1).await, Err(BookingFlowError::NotYourProposal)));
    assert!(matches!(b.release(a2, p2).await, Err(BookingFlowError::NotYourProposal)));
    b.refuse(v, p1, None).await.unwrap();
    assert_eq!(b.moves(v, p1).await.unwrap(), m(true), "a final proposal only keeps its thread");
}

async fn a_profile_leaving_closes_its_open_proposals(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (_, p2), _] = held[..] else { unreachable!() };
    let artist_p = h.store.proposal(p1).await.unwrap().artist;
    let (_, other_venue) = member(h, "v2", &venue("Le Sonic", 1)).await;
    let other = h.booking.propose(a1, artist_p, other_venue, terms(12, "800")).await.unwrap();
    h.told().await;
    let mut closed = h.booking.close_for_profile(artist_p).await.unwrap();
    closed.sort();
    assert_eq!(closed, vec![p1, other.id]);
    assert_eq!(rank(h, p2).await, Some(1), "the hold behind moves up");
    let told = h.told().await;
    for to in [a1, v] {
        assert!(told.iter().any(|(t, e)| *t == to
            && matches!(e, Event::ProposalClosed { proposal, reason: CloseReason::ProfileGone, .. }
                if *proposal == p1)));
    }
}

async fn every_deal_type_reaches_the_contract(h: &Harness) {
    use flowstage_core::contract::Deal as ContractDeal;
    let (a, artist_p) = member(h, "a", &artist("Afro Lyon Orchestra")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Transbordeur", 1)).await;
    let deals = [
        (5, Deal::FlatFee, ContractDeal::FlatFee { fee_cents: 300_000 }),
        (12, Deal::DoorDeal { percent_bp: 7_000 }, ContractDeal::DoorDeal { percent_bp: 7_000 }),
        (
            19,
            Deal::GuaranteeVersus { percent_bp: 8_000 },
            ContractDeal::GuaranteeVersus { guarantee_cents: 300_000, percent_bp: 8_000 },
        ),
        (
            26,
            Deal::GuaranteePlus { percent_bp: 1_500 },
            ContractDeal::GuaranteePlus { guarantee_cents: 300_000, percent_bp: 1_500 },
        ),
    ];
    for (d, deal, expected) in deals {
        let p = h
            .booking
            .propose(a, artist_p, venue_p, Terms { deal, ..terms(d, "3000") })
            .await
            .unwrap();
        let booking = h.booking.accept(v, p.id).await.unwrap().booking;
        let (input, contract) = h.booking.contract(booking.id, None).await.unwrap();
        assert_eq!(input.deal, expected);
        assert_eq!(booking.contract_sha256.as_deref(), Some(contract.sha256.as_str()));
        assert_eq!(input.performance.times.set_end, chrono::NaiveTime::from_hms_opt(22, 15, 0));
        assert_eq!(input.organiser.legal_name, "Le Transbordeur");
        assert!(matches!(
            &input.organiser.licence,
            flowstage_core::contract::Licence::Held { number, .. } if number == "PLATESV-R-2020-000123"
        ));
    }
}

async fn fifty_racing_accepts_give_one_booking_and_clear_refusals(h: &Harness) {
    let (v, venue_p) = member(h, "v", &venue("Le Marché Gare", 1)).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        let (a, artist_p) = member(h, &format!("a{i}"), &artist(&format!("Groupe {i}"))).await;
        ids.push(h.booking.propose(a, artist_p, venue_p, terms(5, "500")).await.unwrap().id);
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (service, id) = (h.booking.clone(), *id);
            tokio::spawn(async move { service.accept(v, id).await })
        })
        .collect();
    let mut booked = Vec::new();
    for (id, t) in ids.iter().zip(tasks) {
        match t.await.unwrap() {
            Ok(accepted) => booked.push((*id, accepted.booking)),
            // One reason, whether the winner's booking came first or raced this accept.
            Err(BookingFlowError::Closed(CloseReason::DateFull)) => {}
            Err(e) => panic!("not the one clear refusal: {e:?}"),
        }
    }
    assert_eq!(booked.len(), 1, "exactly one booking");
    let (winner, booking) = &booked[0];
    assert_eq!(h.store.all_bookings().await.unwrap().len(), 1);
    // The venue, which pressed every Accept, reads replies, not 49 notices of closed proposals;
    // each other artist is told once why theirs closed.
    let told = h.told().await;
    let closed_to = |who: AccountId| {
        told.iter()
            .filter(|(to, e)| *to == who && matches!(e, Event::ProposalClosed { .. }))
            .count()
    };
    assert_eq!(closed_to(v), 0, "{told:?}");
    let losers: Vec<AccountId> = told
        .iter()
        .filter(|(_, e)| matches!(e, Event::ProposalClosed { reason: CloseReason::DateFull, .. }))
        .map(|(to, _)| *to)
        .collect();
    assert_eq!(losers.len(), 49);
    assert!(booking.contract_sha256.is_some());
    // Nothing half-written: the winner accepted, every other proposal closed as the date is full.
    for id in &ids {
        let p = h.store.proposal(*id).await.unwrap();
        if id == winner {
            assert_eq!(p.status, ProposalStatus::Accepted);
        } else {
            assert_eq!(
                (p.status, p.reason.as_deref()),
                (ProposalStatus::Expired, Some("date_full"))
            );
        }
    }
}

/// Refused and racing accepts use no number: the year's bookings are numbered 1, 2, 3, and the
/// contract carries the number.
async fn booking_numbers_have_no_gaps(h: &Harness) {
    let mut refs = Vec::new();
    for (n, name) in ["Le Sonic", "Le Périscope", "La Marquise"].iter().enumerate() {
        let (v, venue_p) = member(h, &format!("v{n}"), &venue(name, 1)).await;
        let mut ids = Vec::new();
        for i in 0..6 {
            let (a, artist_p) =
                member(h, &format!("a{n}-{i}"), &artist(&format!("Groupe {n}-{i}"))).await;
            ids.push(h.booking.propose(a, artist_p, venue_p, terms(5, "500")).await.unwrap().id);
        }
        let tasks: Vec<_> = ids
            .iter()
            .map(|id| {
                let (service, id) = (h.booking.clone(), *id);
                tokio::spawn(async move { service.accept(v, id).await })
            })
            .collect();
        for t in tasks {
            if let Ok(accepted) = t.await.unwrap() {
                refs.push(accepted.booking.reference());
            }
        }
    }
    assert_eq!(refs, ["FS-2026-000001", "FS-2026-000002", "FS-2026-000003"]);
    let stored: Vec<String> =
        h.store.all_bookings().await.unwrap().iter().map(Booking::reference).collect();
    assert_eq!(stored, refs);
}

async fn a_proposal_found_impossible_on_accept_is_closed(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Duo Sirocco")).await;
    let (a2, artist2) = member(h, "a2", &artist("Trio Garonne")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Cri du Port", 1)).await;
    let (v2, venue2) = member(h, "v2", &venue("L'Embobineuse", 1)).await;
    let first = h.booking.propose(a, artist_p, venue_p, terms(5, "850")).await.unwrap();
    let rival = h.booking.propose(a2, artist2, venue_p, terms(5, "850")).await.unwrap();
    let elsewhere = h.booking.propose(a, artist_p, venue2, terms(5, "850")).await.unwrap();
    // As if the process stopped right after booking, before closing what it made impossible.
    assert!(matches!(
        h.store.accept_and_book(first.id, 1, |_| Vec::new()).await.unwrap(),
        AcceptOutcome::Booked(_)
    ));
    h.told().await;
    assert!(matches!(
        h.booking.accept(v, rival.id).await,
        Err(BookingFlowError::Closed(CloseReason::DateFull))
    ));
    assert!(matches!(
        h.booking.accept(v2, elsewhere.id).await,
        Err(BookingFlowError::Closed(CloseReason::ArtistBooked))
    ));
    let rival = h.store.proposal(rival.id).await.unwrap();
    assert_eq!(
        (rival.status, rival.reason.as_deref()),
        (ProposalStatus::Expired, Some("date_full"))
    );
    let elsewhere = h.store.proposal(elsewhere.id).await.unwrap();
    assert_eq!(elsewhere.reason.as_deref(), Some("artist_booked"));
    let mut told: Vec<AccountId> = h
        .told()
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, Event::ProposalClosed { .. }))
        .map(|(to, _)| to)
        .collect();
    told.sort();
    // The venues that pressed Accept read why in their reply; the artists are told.
    let mut expected = vec![a, a2];
    expected.sort();
    assert_eq!(told, expected);
}

async fn timers_survive_a_restart(h: &Harness) {
    let (_, held) = three_holds(h).await;
    let [(_, p1), (a2, p2), _] = held[..] else { unreachable!() };
    h.booking.challenge(a2, p2).await.unwrap();
    // A new process on the same database: the timers are rows, not tasks in memory.
    let restarted = h.other_instance().await;
    h.clock.advance(Duration::hours(49));
    assert_eq!(tick(&restarted).await.unwrap().challenges_resolved, 1);
    assert_eq!(rank(h, p2).await, Some(1));
    assert_eq!(status(h, p1).await, ProposalStatus::Sent);
    restarted.store().close().await;
}

// Hold stories (issue 19): at each point, the moves every party is offered and the notices each
// one receives, worded by the data they carry (rank, deadline, the recipient's side).

const VENUE: &str = "Le Petit Bain";

/// The moves offered to the venue, to the artist, in that order.
async fn offered(h: &Harness, v: AccountId, a: AccountId, p: ProposalId) -> (Moves, Moves) {
    (h.booking.moves(v, p).await.unwrap(), h.booking.moves(a, p).await.unwrap())
}

fn mv() -> Moves {
    Moves { message: true, ..Moves::default() }
}

/// The venue answering a held proposal an artist sent, at rank `rank`.
fn venue_on_hold(rank: u32) -> Moves {
    Moves { confirm: rank == 1, refuse: true, counter: true, release: true, ..mv() }
}

/// The artist who sent a held proposal; `challenge`: a lower hold facing an unchallenged 1st.
fn artist_on_hold(challenge: bool) -> Moves {
    Moves { withdraw: true, challenge, ..mv() }
}

fn notices_of(told: &[(AccountId, Event)], to: AccountId) -> Vec<Event> {
    told.iter().filter(|(t, _)| *t == to).map(|(_, e)| e.clone()).collect()
}

fn placed(p: ProposalId, rank: u8, expires_at: chrono::DateTime<chrono::Utc>) -> Event {
    Event::HoldPlaced {
        proposal: p,
        venue_name: VENUE.into(),
        day: day(5),
        rank,
        expires_at,
        recipient: Party::Artist,
    }
}

fn promoted(
    p: ProposalId,
    rank: u8,
    expires_at: chrono::DateTime<chrono::Utc>,
    recipient: Party,
) -> Event {
    Event::HoldPromoted {
        proposal: p,
        venue_name: VENUE.into(),
        day: day(5),
        rank,
        expires_at: Some(expires_at),
        recipient,
        // These stories' proposals go from the artists to the venue, which confirms.
        decides: recipient == Party::Venue,
    }
}

fn released(p: ProposalId, reason: ReleaseReason, recipient: Party) -> Event {
    Event::HoldReleased { proposal: p, venue_name: VENUE.into(), day: day(5), reason, recipient }
}

async fn story_three_holds_on_one_date(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    let told = h.told().await;
    // Each artist is told their rank and until when; the venue, which placed them, nothing.
    assert_eq!(notices_of(&told, a1), [placed(p1, 1, start() + Duration::days(7))]);
    assert_eq!(notices_of(&told, a2), [placed(p2, 2, start() + Duration::days(5))]);
    assert_eq!(notices_of(&told, a3), [placed(p3, 3, start() + Duration::days(5))]);
    assert!(
        !notices_of(&told, v).iter().any(|e| matches!(e, Event::HoldPlaced { .. })),
        "{told:?}"
    );
    assert_eq!(offered(h, v, a1, p1).await, (venue_on_hold(1), artist_on_hold(false)));
    assert_eq!(offered(h, v, a2, p2).await, (venue_on_hold(2), artist_on_hold(true)));
    assert_eq!(offered(h, v, a3, p3).await, (venue_on_hold(3), artist_on_hold(true)));

    // The board: no booking, the three holds by rank with their expiry, nothing else open.
    let venue_p = h.store.proposal(p1).await.unwrap().venue;
    let (_, late_artist) = member(h, "Quatre", &artist("Quatre")).await;
    let a4 = h.store.profile(late_artist).await.unwrap().owner;
    let p4 = h.booking.propose(a4, late_artist, venue_p, terms(5, "900")).await.unwrap().id;
    let board = h.booking.date_board(v, venue_p, day(5)).await.unwrap();
    assert!(board.bookings.is_empty());
    let ranks: Vec<_> = board.holds.iter().map(|e| (e.proposal.id, e.hold)).collect();
    assert_eq!(
        ranks,
        [
            (p1, Some(hold_status(1, start() + Duration::days(7)))),
            (p2, Some(hold_status(2, start() + Duration::days(5)))),
            (p3, Some(hold_status(3, start() + Duration::days(5)))),
        ]
    );
    assert_eq!(board.holds[1].artist_name, "Deux");
    assert_eq!(
        board.holds.iter().map(|e| e.moves).collect::<Vec<_>>(),
        [1, 2, 3].map(venue_on_hold)
    );
    assert_eq!(board.open.len(), 1);
    assert_eq!(board.open[0].proposal.id, p4);
    assert_eq!(
        board.open[0].moves,
        Moves { accept: true, refuse: true, counter: true, hold: true, ..mv() }
    );
    assert_eq!(
        h.booking.hold_status(p2).await.unwrap(),
        Some(hold_status(2, start() + Duration::days(5)))
    );
    assert_eq!(h.booking.hold_status(p4).await.unwrap(), None);
    assert!(matches!(
        h.booking.date_board(a1, venue_p, day(5)).await,
        Err(BookingFlowError::NotYourProfile)
    ));
}

fn hold_status(rank: u32, expires_at: chrono::DateTime<chrono::Utc>) -> HoldStatus {
    HoldStatus { rank, expires_at, challenged: None, challenging: None }
}

async fn story_the_first_hold_is_released(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    h.told().await;
    h.clock.advance(Duration::days(1));
    h.booking.release(v, p1).await.unwrap();
    let told = h.told().await;
    let now = start() + Duration::days(1);
    assert_eq!(notices_of(&told, a1), [released(p1, ReleaseReason::Released, Party::Artist)]);
    // The new 1st gets a 1st hold's time, and says so; the 3rd keeps its expiry.
    assert_eq!(notices_of(&told, a2), [promoted(p2, 1, now + Duration::days(7), Party::Artist)]);
    assert_eq!(
        notices_of(&told, a3),
        [promoted(p3, 2, start() + Duration::days(5), Party::Artist)]
    );
    let to_venue = notices_of(&told, v);
    assert_eq!(to_venue.len(), 3, "{to_venue:?}");
    assert!(to_venue.contains(&released(p1, ReleaseReason::Released, Party::Venue)));
    assert!(to_venue.contains(&promoted(p2, 1, now + Duration::days(7), Party::Venue)));
    assert!(to_venue.contains(&promoted(p3, 2, start() + Duration::days(5), Party::Venue)));
    // The released proposal is open again: the venue may hold it again, the artist ask.
    assert_eq!(
        offered(h, v, a1, p1).await,
        (
            Moves { accept: true, refuse: true, counter: true, hold: true, ..mv() },
            Moves { withdraw: true, ask_hold: true, ..mv() }
        )
    );
    assert_eq!(offered(h, v, a2, p2).await, (venue_on_hold(1), artist_on_hold(false)));
    assert_eq!(offered(h, v, a3, p3).await, (venue_on_hold(2), artist_on_hold(true)));
}

async fn story_a_challenge_answered_by_confirm(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    h.told().await;
    let challenged = h.booking.challenge(a3, p3).await.unwrap();
    let deadline = start() + Duration::hours(48);
    assert_eq!(challenged.challenge_deadline, Some(deadline));
    let told = h.told().await;
    let challenge_for = |recipient, decides| Event::HoldChallenged {
        proposal: p1,
        venue_name: VENUE.into(),
        day: day(5),
        deadline,
        recipient,
        decides,
        challenge_hours: 48,
        challenger: Some(p3),
        challenger_rank: 3,
    };
    // The venue answers the artist's proposal: the decision is its, by the deadline.
    assert_eq!(notices_of(&told, v), [challenge_for(Party::Venue, true)]);
    assert_eq!(notices_of(&told, a1), [challenge_for(Party::Artist, false)]);
    assert!(notices_of(&told, a2).is_empty() && notices_of(&told, a3).is_empty());
    assert_eq!(offered(h, v, a1, p1).await, (venue_on_hold(1), artist_on_hold(false)));
    assert_eq!(offered(h, v, a2, p2).await, (venue_on_hold(2), artist_on_hold(false)));
    assert_eq!(offered(h, v, a3, p3).await, (venue_on_hold(3), artist_on_hold(false)));
    let first = h.booking.hold_status(p1).await.unwrap().unwrap();
    assert_eq!(first.challenged, Some(Challenge { other: p3, deadline }));
    let third = h.booking.hold_status(p3).await.unwrap().unwrap();
    assert_eq!(third.challenging, Some(Challenge { other: p1, deadline }));

    // Confirmed: the 1st is booked, the other holds are closed (the date is full).
    h.clock.advance(Duration::hours(20));
    let booking = h.booking.confirm_hold(v, p1).await.unwrap().booking;
    let told = h.told().await;
    assert!(notices_of(&told, a1).iter().any(|e| matches!(e,
        Event::ProposalAccepted { proposal, booking: b, .. } if *proposal == p1 && *b == booking.id)));
    for (a, p) in [(a2, p2), (a3, p3)] {
        let closed =
            Event::ProposalClosed { proposal: p, day: day(5), reason: CloseReason::DateFull };
        assert!(notices_of(&told, a).contains(&closed), "{told:?}");
        // The venue confirmed: it reads what closed in its reply, not in notices.
        assert!(!notices_of(&told, v).contains(&closed), "{told:?}");
        assert_eq!(offered(h, v, a, p).await, (mv(), mv()));
    }
    // Nobody is told a hold moved up just before it closed.
    assert!(!told.iter().any(|(_, e)| matches!(e, Event::HoldPromoted { .. })), "{told:?}");
    assert_eq!(offered(h, v, a1, p1).await, (mv(), mv()));
    let board = h.booking.date_board(v, booking.venue, day(5)).await.unwrap();
    assert_eq!(
        board.bookings.iter().map(|(b, name)| (b.id, name.as_str())).collect::<Vec<_>>(),
        [(booking.id, "Un")]
    );
    assert!(board.holds.is_empty() && board.open.is_empty());
    h.clock.advance(Duration::days(3));
    assert_eq!(tick(&h.booking).await.unwrap().total(), 0, "no challenge left to fire");
}

/// A venue offers the date to an artist and holds it: the artist answers, so a challenge is
/// the artist's to confirm or release.
async fn story_a_challenge_answered_by_release(h: &Harness) {
    let (v, venue_p) = member(h, "v", &venue(VENUE, 1)).await;
    let (x, artist_x) = member(h, "x", &artist("Xylo")).await;
    let (y, artist_y) = member(h, "y", &artist("Yé-Yé")).await;
    let px = h.booking.propose(v, venue_p, artist_x, terms(5, "800")).await.unwrap().id;
    let py = h.booking.propose(y, artist_y, venue_p, terms(5, "800")).await.unwrap().id;
    // On the venue's own offer, the artist answers and may ask; the venue withdraws and holds.
    assert_eq!(
        offered(h, v, x, px).await,
        (
            Moves { withdraw: true, hold: true, ..mv() },
            Moves { accept: true, refuse: true, counter: true, ask_hold: true, ..mv() }
        )
    );
    assert!(matches!(h.booking.hold(x, px).await, Err(BookingFlowError::NotYourProposal)));
    h.booking.hold(v, px).await.unwrap();
    h.booking.hold(v, py).await.unwrap();
    let venue_on_own_offer = Moves { withdraw: true, release: true, ..mv() };
    let artist_answering = Moves { confirm: true, refuse: true, counter: true, ..mv() };
    assert_eq!(offered(h, v, x, px).await, (venue_on_own_offer, artist_answering));
    h.told().await;

    let rules = Rules { challenge_hours: 24, ..Rules::default() };
    let booking = BookingService::new(h.store.clone(), rules);
    booking.challenge(y, py).await.unwrap();
    let deadline = start() + Duration::hours(24);
    let told = h.told().await;
    let challenge_for = |recipient, decides| Event::HoldChallenged {
        proposal: px,
        venue_name: VENUE.into(),
        day: day(5),
        deadline,
        recipient,
        decides,
        challenge_hours: 24,
        challenger: Some(py),
        challenger_rank: 2,
    };
    assert_eq!(notices_of(&told, x), [challenge_for(Party::Artist, true)]);
    assert_eq!(notices_of(&told, v), [challenge_for(Party::Venue, false)]);
    // The challenged artist may now release as well as confirm.
    assert_eq!(
        offered(h, v, x, px).await,
        (venue_on_own_offer, Moves { release: true, ..artist_answering })
    );
    assert_eq!(offered(h, v, y, py).await, (venue_on_hold(2), artist_on_hold(false)));

    h.clock.advance(Duration::hours(2));
    booking.release(x, px).await.unwrap();
    let told = h.told().await;
    let now = start() + Duration::hours(2);
    assert_eq!(notices_of(&told, x), [released(px, ReleaseReason::Released, Party::Artist)]);
    assert_eq!(notices_of(&told, y), [promoted(py, 1, now + Duration::days(7), Party::Artist)]);
    let to_venue = notices_of(&told, v);
    assert!(to_venue.contains(&released(px, ReleaseReason::Released, Party::Venue)));
    assert!(to_venue.contains(&promoted(py, 1, now + Duration::days(7), Party::Venue)));
    assert_eq!(status(h, px).await, ProposalStatus::Sent);
    assert_eq!(offered(h, v, y, py).await, (venue_on_hold(1), artist_on_hold(false)));
    assert_eq!(
        offered(h, v, x, px).await,
        (
            Moves { withdraw: true, hold: true, ..mv() },
            Moves { accept: true, refuse: true, counter: true, ask_hold: true, ..mv() }
        )
    );
    h.clock.advance(Duration::days(2));
    assert_eq!(tick(&booking).await.unwrap().challenges_resolved, 0, "the challenge ended");
}

async fn story_a_challenge_that_lapses(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    h.booking.challenge(a3, p3).await.unwrap();
    h.told().await;
    h.clock.advance(Duration::hours(48));
    assert_eq!(tick(&h.booking).await.unwrap().challenges_resolved, 1);
    let told = h.told().await;
    let now = start() + Duration::hours(48);
    // The silent 1st is told why it lost its hold; the challenger jumps ahead of the 2nd.
    assert_eq!(
        notices_of(&told, a1),
        [released(p1, ReleaseReason::ChallengeLapsed, Party::Artist)]
    );
    assert_eq!(notices_of(&told, a3), [promoted(p3, 1, now + Duration::days(7), Party::Artist)]);
    assert!(notices_of(&told, a2).is_empty(), "the 2nd keeps its rank: {told:?}");
    let to_venue = notices_of(&told, v);
    assert!(to_venue.contains(&released(p1, ReleaseReason::ChallengeLapsed, Party::Venue)));
    assert!(to_venue.contains(&promoted(p3, 1, now + Duration::days(7), Party::Venue)));
    assert_eq!(to_venue.len(), 2, "{to_venue:?}");
    assert_eq!(offered(h, v, a3, p3).await, (venue_on_hold(1), artist_on_hold(false)));
    assert_eq!(offered(h, v, a2, p2).await, (venue_on_hold(2), artist_on_hold(true)));
    assert_eq!(
        offered(h, v, a1, p1).await,
        (
            Moves { accept: true, refuse: true, counter: true, hold: true, ..mv() },
            Moves { withdraw: true, ask_hold: true, ..mv() }
        )
    );
    assert_eq!(h.booking.hold_status(p2).await.unwrap().and_then(|s| s.challenging), None);
}

async fn story_a_hold_that_expires(h: &Harness) {
    let (v, held) = three_holds(h).await;
    let [(a1, p1), (a2, p2), (a3, p3)] = held[..] else { unreachable!() };
    h.told().await;
    h.clock.advance(Duration::days(5));
    assert_eq!(tick(&h.booking).await.unwrap().holds_expired, 2);
    let told = h.told().await;
    let expired = |p, recipient| Event::HoldExpired {
        proposal: p,
        venue_name: VENUE.into(),
        day: day(5),
        recipient,
    };
    assert_eq!(notices_of(&told, a2), [expired(p2, Party::Artist)]);
    assert_eq!(notices_of(&told, a3), [expired(p3, Party::Artist)]);
    assert!(notices_of(&told, a1).is_empty());
    let to_venue = notices_of(&told, v);
    assert_eq!(to_venue.len(), 2);
    assert!(
        to_venue.contains(&expired(p2, Party::Venue))
            && to_venue.contains(&expired(p3, Party::Venue))
    );
    assert_eq!(offered(h, v, a2, p2).await, (mv(), mv()));
    assert_eq!(offered(h, v, a1, p1).await, (venue_on_hold(1), artist_on_hold(false)));
    let venue_p = h.store.proposal(p1).await.unwrap().venue;
    let board = h.booking.date_board(v, venue_p, day(5)).await.unwrap();
    assert_eq!(board.holds.iter().map(|e| e.proposal.id).collect::<Vec<_>>(), [p1]);
    assert!(board.open.is_empty());
}

async fn an_artist_asks_and_the_venue_decides(h: &Harness) {
    let (v, venue_p) = member(h, "v", &venue(VENUE, 1)).await;
    let (a, artist_p) = member(h, "a", &artist("Un")).await;
    let p = h.booking.propose(a, artist_p, venue_p, terms(5, "800")).await.unwrap().id;
    h.told().await;
    h.booking.ask_hold(a, p).await.unwrap();
    h.booking.ask_hold(a, p).await.unwrap();
    assert!(matches!(h.booking.ask_hold(v, p).await, Err(BookingFlowError::NotYourProposal)));
    let told = h.told().await;
    assert_eq!(
        told,
        [(v, Event::HoldRequested { proposal: p, artist_name: "Un".into(), day: day(5) })],
        "told once a day"
    );
    assert!(matches!(h.booking.hold(a, p).await, Err(BookingFlowError::NotYourProposal)));
    h.booking.hold(v, p).await.unwrap();
    assert!(matches!(
        h.booking.ask_hold(a, p).await,
        Err(BookingFlowError::AlreadyAnswered(ProposalStatus::Held))
    ));
}

/// Who answered each proposal stays on it (the last answer that stands), and a team outlet (a
/// venue team's booking channel) serves one profile at a time.
async fn who_answered_is_recorded_and_a_team_outlet_serves_one_profile(h: &Harness) {
    let (a, artist_p) = member(h, "a", &artist("Trio Garonne")).await;
    let (v, venue_p) = member(h, "v", &venue("Le Rex", 1)).await;
    let (w, other_venue) = member(h, "w", &venue("La Cigale", 1)).await;
    let b = &h.booking;
    let p = b.propose(a, artist_p, venue_p, terms(5, "1800")).await.unwrap();
    assert_eq!(h.store.answered_by(p.id).await.unwrap(), None, "not answered yet");
    b.hold(v, p.id).await.unwrap();
    assert_eq!(h.store.answered_by(p.id).await.unwrap(), Some(v));
    let c = b.counter(v, p.id, terms(5, "1500")).await.unwrap();
    assert_eq!(h.store.answered_by(p.id).await.unwrap(), Some(v));
    b.accept(a, c.id).await.unwrap();
    assert_eq!(h.store.answered_by(c.id).await.unwrap(), Some(a));
    let q = b.propose(a, artist_p, other_venue, terms(12, "1800")).await.unwrap();
    b.refuse(w, q.id, None).await.unwrap();
    assert_eq!(h.store.answered_by(q.id).await.unwrap(), Some(w));
    // A refused move records nobody.
    assert!(b.accept(w, q.id).await.is_err());
    assert_eq!(h.store.answered_by(q.id).await.unwrap(), Some(w));
    assert!(h.store.answered_by(ProposalId(999_999)).await.is_err());

    // The venue's team channel.
    use flowstage_core::store::TeamOutletSet;
    assert_eq!(h.store.team_outlet(venue_p).await.unwrap(), None);
    let set = h.store.set_team_outlet(venue_p, Platform::Discord, "777", v).await.unwrap();
    assert_eq!(set, TeamOutletSet::Set);
    let o = h.store.team_outlet(venue_p).await.unwrap().unwrap();
    assert_eq!((o.platform, o.address.as_str(), o.set_by), (Platform::Discord, "777", v));
    let at = h.store.team_outlet_at(Platform::Discord, "777").await.unwrap();
    assert_eq!(at.map(|o| o.profile), Some(venue_p));
    assert_eq!(h.store.team_outlet_at(Platform::Telegram, "777").await.unwrap(), None);
    // Another venue cannot take the same channel; the venue can move to another.
    let taken = h.store.set_team_outlet(other_venue, Platform::Discord, "777", w).await.unwrap();
    assert_eq!(taken, TeamOutletSet::TakenBy(venue_p));
    let moved = h.store.set_team_outlet(venue_p, Platform::Discord, "778", v).await.unwrap();
    assert_eq!(moved, TeamOutletSet::Set);
    assert_eq!(h.store.team_outlet_at(Platform::Discord, "777").await.unwrap(), None);
    assert!(h.store.clear_team_outlet(venue_p).await.unwrap());
    assert!(!h.store.clear_team_outlet(venue_p).await.unwrap());
    let now = h.store.set_team_outlet(other_venue, Platform::Discord, "777", w).await.unwrap();
    assert_eq!(now, TeamOutletSet::Set);
}
