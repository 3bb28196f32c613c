//! Availability is the truth of the store (docs/product-rules.md §3): a venue date whose slots
//! are full, or a day on which the artist is already booked, is not free for matching, for the
//! score or for the proposal's date picker; cancelling the booking brings the date back. Played
//! through the conversation, with the index following bookings through the change feed, on
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use chrono::NaiveDate;
use conversation_harness::{Chat, Harness, check};
use flowstage_core::booking::BookingService;
use flowstage_core::config::Rules;
use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
use flowstage_core::domain::values::Fee;
use flowstage_core::domain::{BookingId, Lang, ProfileId};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

/// `from` (owned by `sender`) proposes `day` to `to`, and `to`'s owner accepts: a booking.
fn book(
    h: &Harness,
    sender: &Chat,
    from: ProfileId,
    receiver: &Chat,
    to: ProfileId,
    on: u32,
) -> BookingId {
    let service = BookingService::new(h.store.clone(), Rules::default());
    let terms = Terms {
        day: day(on),
        fee: Fee::parse("900").unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 60,
        times: ShowTimes::default(),
        message: None,
    };
    let (sender, receiver) = (h.account(sender).id, h.account(receiver).id);
    h.rt.block_on(async {
        let p = service.propose(sender, from, to, terms).await.unwrap();
        service.accept(receiver, p.id).await.unwrap();
        let bookings = h.store.all_bookings().await.unwrap();
        bookings.iter().find(|b| b.proposal == p.id).unwrap().id
    })
}

fn cancel(h: &Harness, by: &Chat, booking: BookingId) {
    let service = BookingService::new(h.store.clone(), Rules::default());
    let by = h.account(by).id;
    h.rt.block_on(service.cancel_booking(by, booking, "test")).unwrap();
}

/// A venue date filled by another artist's booking neither scores nor can be picked; cancelled,
/// it is back.
fn a_full_venue_date_is_not_free_until_the_booking_is_cancelled(h: &mut Harness) {
    let mut arlo = h.consented("arlo", Lang::Fr);
    h.give_artist(&arlo, "Arlo", "Lyon");
    let vera = h.consented("vera", Lang::En);
    let club = h.give_venue(&vera, "Vera Club", "Lyon");
    let bea = h.consented("bea", Lang::En);
    let rival = h.give_artist(&bea, "Bea", "Lyon");
    // The card says who the room is for.
    let adults = flowstage_core::domain::audience::Audience::ALL[8];
    h.rt.block_on(h.store.set_audience(club.id, Some(adults))).unwrap();
    check(
        h,
        &mut arlo,
        "
        > /match 05/12/2026
        1. Vera Club
        > [1. Vera Club]
        Public : Adultes, assis ou debout
        dates 25/25 — libre 1 des 1 dates demandées
        > /match
        > [1. Vera Club]
        dates 17/25 — libre 2 de vos 3 dates des trois prochains mois, dès le 04/12/2026
    ",
    );
    let booking = book(h, &bea, rival.id, &vera, club.id, 5);
    check(
        h,
        &mut arlo,
        "
        > /match 05/12/2026
        Aucun profil ne passe ces filtres.
        !Vera Club
        > /match
        1. Vera Club
        > [1. Vera Club]
        Déjà pris : 05/12/2026
        dates 8/25 — libre 1 de vos 3 dates des trois prochains mois
        > [Proposer]
        1 date est libre des deux côtés
        [04/12/2026]
        !05/12/2026
        > 05/12/2026
        n'est pas libre des deux côtés
    ",
    );
    cancel(h, &vera, booking);
    check(
        h,
        &mut arlo,
        "
        > /match 05/12/2026
        1. Vera Club
        > [1. Vera Club]
        !Déjà pris
        dates 25/25
        > [Proposer]
        2 dates sont libres des deux côtés
        [04/12/2026] [05/12/2026]
    ",
    );
}

/// A day the artist is booked elsewhere is not free for any venue, from either side's search.
fn a_booked_artist_day_is_not_free_until_the_booking_is_cancelled(h: &mut Harness) {
    let arlo = h.consented("arlo", Lang::Fr);
    let me = h.give_artist(&arlo, "Arlo", "Lyon");
    let mut vera = h.consented("vera", Lang::En);
    h.give_venue(&vera, "Vera Club", "Lyon");
    let olga = h.consented("olga", Lang::En);
    let hall = h.give_venue(&olga, "Olga Hall", "Lyon");
    check(
        h,
        &mut vera,
        "
        > /match 2026-12-04
        1. Arlo
    ",
    );
    let booking = book(h, &arlo, me.id, &olga, hall.id, 4);
    check(
        h,
        &mut vera,
        "
        > /match 2026-12-04
        No profile passes these filters.
        !Arlo
        > /match 2026-12-04, 2026-12-05
        1. Arlo
        > [1. Arlo]
        dates 13/25 — free on 1 of the 2 dates asked
        > [Propose]
        1 date is free on both sides
        !04/12
        !Fri 4 Dec
        > 2026-12-04
        not free on both sides
    ",
    );
    cancel(h, &olga, booking);
    check(
        h,
        &mut vera,
        "
        > /match 2026-12-04
        1. Arlo
    ",
    );
}

stories!(
    a_full_venue_date_is_not_free_until_the_booking_is_cancelled,
    a_booked_artist_day_is_not_free_until_the_booking_is_cancelled,
);
