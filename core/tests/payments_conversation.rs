//! The commission as people read it (docs/product-rules.md §8): the payment state of a booking on
//! its proposal card, the same for both sides, through its life (to pay with its link, paid,
//! refund to decide after a cancellation); the admins' `/stats` sums; a payment notice rendered
//! in each language. Transcripts, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use chrono::NaiveDate;
use conversation_harness::{Harness, check};
use flowstage_core::booking::BookingService;
use flowstage_core::config::{Admins, Rules};
use flowstage_core::conversation::render_event;
use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
use flowstage_core::domain::values::Fee;
use flowstage_core::domain::when::Zone;
use flowstage_core::domain::{BookingId, Lang};
use flowstage_core::notify::Event;
use flowstage_core::payments::{
    CheckoutApi, CheckoutError, CheckoutLink, CheckoutRequest, PaymentNews, PaymentNotice,
    PaymentsService, StripeEvent,
};

stories!(both_sides_and_the_admins_see_the_payment_state);

/// Always the same session, as Stripe answers one idempotency key.
struct OneSession;

impl CheckoutApi for OneSession {
    async fn create_session(&self, r: &CheckoutRequest) -> Result<CheckoutLink, CheckoutError> {
        Ok(CheckoutLink {
            session_id: format!("cs_test_{}", r.booking),
            url: format!("https://checkout.stripe.test/c/pay/cs_test_{}", r.booking),
            expires_at: None,
        })
    }

    async fn expire_session(&self, _: &str) -> Result<(), CheckoutError> {
        Ok(())
    }
}

fn both_sides_and_the_admins_see_the_payment_state(h: &mut Harness) {
    let mut artist = h.consented("artiste", Lang::Fr);
    let mut venue = h.consented("lieu", Lang::En);
    let mut admin = h.admin("root", Lang::En);
    let a = h.give_artist(&artist, "Arlo", "Lyon");
    let v = h.give_venue(&venue, "Vera Club", "Lyon");
    let (a_acc, v_acc) = (h.account(&artist).id, h.account(&venue).id);
    // No free period, so the booking owes its commission at once.
    let rules = Rules { commission_free_months: 0, ..Rules::default() };
    let service = BookingService::new(h.store.clone(), rules);
    let terms = Terms {
        day: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        fee: Fee::parse("1200").unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 60,
        times: ShowTimes::default(),
        message: None,
    };
    let (p, booking) = h.rt.block_on(async {
        let p = service.propose(a_acc, a.id, v.id, terms).await.unwrap();
        let b = service.accept(v_acc, p.id).await.unwrap().booking;
        (p, b)
    });
    let id = p.id;
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{id}]
        Commission: €115.20 incl. VAT, to be paid by the venue.
    "
        ),
    );
    // The link, once the worker made it, is on the card for both sides.
    h.rt.block_on(async {
        let pay = PaymentsService::new(h.store.clone(), Admins::default());
        pay.pass(&OneSession).await.unwrap();
    });
    let url = format!("https://checkout.stripe.test/c/pay/cs_test_{}", booking.id);
    check(
        h,
        &mut artist,
        &format!(
            "
        > /proposals
        > [#{id}]
        Commission : 115,20 € TTC à régler par le lieu.
        Payer en ligne (Stripe) <{url}>
    "
        ),
    );
    let paid = format!(
        r#"{{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{{"object":{{
        "id":"cs_test_{b}","payment_status":"paid","payment_intent":"pi_1","amount_total":11520,
        "metadata":{{"booking_id":"{b}"}}}}}}}}"#,
        b = booking.id
    );
    h.rt.block_on(async {
        let e = StripeEvent::parse(paid.as_bytes()).unwrap();
        h.store.apply_stripe_event(&e, &[]).await.unwrap();
    });
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{id}]
        Commission: €115.20 incl. VAT, paid.
        !Pay online
    "
        ),
    );
    check(
        h,
        &mut admin,
        "
        > /stats
        commission owed: €0.00 (0 bookings)
        commission received: €115.20 (1 bookings)
        commission refunded: €0.00; refunds to decide: 0
        bookings in a free period: 0
    ",
    );
    // Cancelled after payment: the card says an admin decides.
    h.rt.block_on(service.cancel_booking(v_acc, booking.id, "Dégât des eaux")).unwrap();
    check(
        h,
        &mut artist,
        &format!(
            "
        > /proposals
        > [#{id}]
        Commission : 115,20 € réglée, réservation annulée ; un administrateur décide du remboursement.
    "
        ),
    );
    check(h, &mut admin, "> /stats\nrefunds to decide: 1");
}

#[test]
fn a_link_notice_reads_in_both_languages() {
    let notice = PaymentNotice {
        booking: BookingId(3),
        reference: "FS-2026-000003".into(),
        day: NaiveDate::from_ymd_opt(2026, 12, 19).unwrap(),
        total_cents: 11_520,
        news: PaymentNews::Link {
            url: "https://checkout.stripe.test/c/pay/cs_1".into(),
            renewed: false,
        },
    };
    let fr = render_event(&Event::Payment(notice.clone()), Lang::Fr, Zone::default()).plain_text();
    assert!(fr.contains("Réservation FS-2026-000003 du"), "{fr}");
    assert!(fr.contains("115,20\u{a0}€ TTC"), "{fr}");
    assert!(
        fr.contains("Payer en ligne (Stripe) <https://checkout.stripe.test/c/pay/cs_1>"),
        "{fr}"
    );
    let en = render_event(&Event::Payment(notice), Lang::En, Zone::default()).plain_text();
    assert!(en.contains("Booking FS-2026-000003 on"), "{en}");
    assert!(en.contains("€115.20 incl. VAT"), "{en}");
}
