//! The commission's stories (docs/product-rules.md §8): what a confirmed booking owes, recorded
//! once and never recomputed; the worker's links, renewed after an expiry, closed after a
//! cancellation, a reminder before the show; Stripe's events applied once, in any order, with
//! racing deliveries; refunds to decide and disputes told to the admins; the `/stats` sums. Each
//! story runs on SQLite and on PostgreSQL (no skipping).

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::sync::Mutex;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use flowstage_core::booking::BookingService;
use flowstage_core::config::{Admins, CommissionPayer, Rules};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::proposal::{Booking, Deal, ShowTimes, Terms};
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, BookingId, Lang, ProfileId};
use flowstage_core::notify::{Event, decode};
use flowstage_core::payments::{
    Applied, CheckoutApi, CheckoutError, CheckoutLink, CheckoutRequest, CommissionStatus,
    PassReport, PaymentNews, PaymentsService, StripeEvent, StripeOutcome, VatRule,
};
use flowstage_core::store::{Backend, Store};

mod support;

use support::{TestDb, on_both_backends, start};

/// Stripe's Checkout Sessions as the worker sees them: one session per idempotency key, as
/// Stripe answers a replayed key with the first answer.
#[derive(Default)]
struct FakeCheckout {
    created: Mutex<Vec<CheckoutRequest>>,
    expired: Mutex<Vec<String>>,
}

impl CheckoutApi for FakeCheckout {
    async fn create_session(&self, r: &CheckoutRequest) -> Result<CheckoutLink, CheckoutError> {
        self.created.lock().unwrap().push(r.clone());
        let id = format!("cs_test_{}", r.idempotency_key.replace('-', "_"));
        Ok(CheckoutLink {
            url: format!("https://checkout.stripe.test/c/pay/{id}"),
            session_id: id,
            expires_at: None,
        })
    }

    async fn expire_session(&self, session: &str) -> Result<(), CheckoutError> {
        self.expired.lock().unwrap().push(session.to_owned());
        Ok(())
    }
}

struct Harness {
    db: TestDb,
    store: Store,
}

impl Harness {
    async fn open(backend: Backend) -> Self {
        let db = TestDb::open(backend).await;
        let store = db.store.clone();
        Self { db, store }
    }

    async fn finish(self) {
        self.db.finish().await;
    }

    fn bookings(&self, rules: Rules) -> BookingService {
        BookingService::new(self.store.clone(), rules)
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

    async fn admin(&self) -> AccountId {
        account(self, "999").await
    }

    async fn payments(&self) -> PaymentsService {
        let admins = Admins { telegram_ids: vec![999], ..Admins::default() };
        PaymentsService::new(self.store.clone(), admins)
    }

    async fn apply(&self, json: &str) -> Applied {
        let admin = self.admin().await;
        self.store
            .apply_stripe_event(&StripeEvent::parse(json.as_bytes()).unwrap(), &[admin])
            .await
            .unwrap()
    }
}

on_both_backends!(Harness;
    a_confirmed_booking_records_what_it_owes_once,
    the_free_period_and_the_payer_come_from_configuration,
    the_worker_sends_one_link_and_a_new_one_after_an_expiry,
    events_apply_once_and_in_any_order,
    cancelling_before_payment_cancels_and_after_payment_flags_a_refund,
    a_reminder_goes_out_before_the_show,
    racing_deliveries_of_one_event_apply_it_once,
    stats_sum_what_is_owed_paid_and_refunded,
    a_booking_cancelled_while_its_link_is_made_gets_no_link,
    a_lapsed_link_is_renewed_even_without_stripes_event,
);

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

fn city(country: Country) -> City {
    match country {
        Country::Switzerland => City::from_parts("Genève", country, 46.2, 6.14),
        _ => City::from_parts("Lyon", Country::France, 45.75, 4.85),
    }
}

fn artist(name: &str) -> ProfileDetails {
    ProfileDetails::Artist(Artist {
        name: Name::parse(name).unwrap(),
        genres: GenreSet::parse("rock indé").unwrap(),
        fee: Fee::parse("1200").unwrap(),
        negotiable: true,
        draw: AudienceRange::parse("100-400").unwrap(),
        city: city(Country::France),
        radius: TravelRadius::parse("300").unwrap(),
        bio: None,
        links: Links::parse("https://band.example.fr").unwrap(),
        email: None,
    })
}

fn venue(name: &str, country: Country) -> ProfileDetails {
    ProfileDetails::Venue(Venue {
        name: Name::parse(name).unwrap(),
        city: city(country),
        address: None,
        capacity: Capacity::parse("350").unwrap(),
        genres: GenreSet::parse("rock").unwrap(),
        budget: BudgetRange::parse("800-1500").unwrap(),
        licence: None,
        stage_notes: None,
        email: None,
        slots_per_date: 1,
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

async fn member(h: &Harness, who: &str, details: &ProfileDetails) -> (AccountId, ProfileId) {
    let owner = account(h, who).await;
    let dates = DateSet::new([day(5), day(12), day(19)], start().date_naive()).unwrap();
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
        times: ShowTimes::default(),
        message: None,
    }
}

/// No free period: what is owed is owed at once.
fn paying() -> Rules {
    Rules { commission_free_months: 0, ..Rules::default() }
}

/// An artist books a venue (in `country`) on `d` for `fee`, under `rules`: (artist account,
/// venue account, booking).
async fn booked(
    h: &Harness,
    tag: &str,
    rules: Rules,
    country: Country,
    d: u32,
    fee: &str,
) -> (AccountId, AccountId, Booking) {
    let (a, artist_p) = member(h, &format!("a{tag}"), &artist(&format!("Artiste {tag}"))).await;
    let (v, venue_p) = member(h, &format!("v{tag}"), &venue(&format!("Lieu {tag}"), country)).await;
    let b = h.bookings(rules);
    let p = b.propose(a, artist_p, venue_p, terms(d, fee)).await.unwrap();
    let booking = b.accept(v, p.id).await.unwrap().booking;
    (a, v, booking)
}

fn completed(event: &str, booking: BookingId, session: &str, pi: &str) -> String {
    format!(
        r#"{{"id":"{event}","object":"event","type":"checkout.session.completed","created":1800000000,
        "data":{{"object":{{"id":"{session}","object":"checkout.session","payment_status":"paid",
        "payment_intent":"{pi}","amount_total":11520,"metadata":{{"booking_id":"{booking}"}}}}}}}}"#
    )
}

fn expired(event: &str, booking: BookingId, session: &str) -> String {
    format!(
        r#"{{"id":"{event}","object":"event","type":"checkout.session.expired","created":1800000000,
        "data":{{"object":{{"id":"{session}","object":"checkout.session","payment_status":"unpaid",
        "metadata":{{"booking_id":"{booking}"}}}}}}}}"#
    )
}

fn refunded(event: &str, pi: &str, amount: i64, fully: bool) -> String {
    format!(
        r#"{{"id":"{event}","object":"event","type":"charge.refunded","created":1800000000,
        "data":{{"object":{{"id":"ch_1","object":"charge","payment_intent":"{pi}",
        "amount_refunded":{amount},"refunded":{fully},"metadata":{{}}}}}}}}"#
    )
}

async fn status(h: &Harness, b: BookingId) -> CommissionStatus {
    h.store.commission(b).await.unwrap().unwrap().status
}

async fn a_confirmed_booking_records_what_it_owes_once(h: &Harness) {
    let (_, v, booking) = booked(h, "1", paying(), Country::France, 5, "1200").await;
    let c = h.store.commission(booking.id).await.unwrap().unwrap();
    assert_eq!(c.status, CommissionStatus::Owed);
    assert_eq!((c.owed.payer, c.owed.payer_account), (CommissionPayer::Venue, v));
    assert_eq!((c.owed.rate_bp, c.owed.fee_cents, c.owed.amount_cents), (800, 120_000, 9_600));
    assert_eq!(
        (c.owed.vat_rule, c.owed.vat_cents, c.owed.total_cents),
        (VatRule::FrenchStandard, 1_920, 11_520)
    );
    assert_eq!(c.attempt, 1);
    assert!(c.checkout.is_none());
    // A Swiss venue pays no French VAT.
    let (_, _, swiss) = booked(h, "2", paying(), Country::Switzerland, 5, "1000").await;
    let c = h.store.commission(swiss.id).await.unwrap().unwrap();
    assert_eq!((c.owed.vat_rule, c.owed.total_cents), (VatRule::OutsideEu, 8_000));
    // A later change of configuration changes nothing already recorded.
    let later = h.bookings(Rules { commission_bp: 500, ..paying() });
    let _ = later.store().commission(booking.id).await.unwrap();
    assert_eq!(h.store.commission(booking.id).await.unwrap().unwrap().owed.total_cents, 11_520);
    // Confirmation told the venue nothing about money yet: the link comes from the worker.
    assert!(!h.told().await.iter().any(|(_, e)| matches!(e, Event::Payment(_))));
}

async fn the_free_period_and_the_payer_come_from_configuration(h: &Harness) {
    // Accounts are created at `start()`: three months later they still pay nothing.
    let (_, _, free) = booked(h, "1", Rules::default(), Country::France, 5, "1200").await;
    let c = h.store.commission(free.id).await.unwrap().unwrap();
    assert_eq!(c.status, CommissionStatus::Waived);
    assert_eq!(c.owed.free_until, Utc.with_ymd_and_hms(2027, 2, 24, 12, 0, 0).unwrap());
    assert_eq!(c.owed.total_cents, 11_520, "what the free period saves is still recorded");
    // The artist pays when configured so.
    let artist_pays = Rules { commission_payer: CommissionPayer::Artist, ..paying() };
    let (a, _, booking) = booked(h, "2", artist_pays, Country::France, 12, "900").await;
    let c = h.store.commission(booking.id).await.unwrap().unwrap();
    assert_eq!(
        (c.owed.payer, c.owed.payer_account, c.status),
        (CommissionPayer::Artist, a, CommissionStatus::Owed)
    );
    // The worker sends no link for a waived commission.
    let fake = FakeCheckout::default();
    h.payments().await.pass(&fake).await.unwrap();
    let keys: Vec<String> =
        fake.created.lock().unwrap().iter().map(|r| r.idempotency_key.clone()).collect();
    assert_eq!(keys, [format!("flowstage-commission-{}-1", booking.id)]);
}

async fn the_worker_sends_one_link_and_a_new_one_after_an_expiry(h: &Harness) {
    let (_, v, booking) = booked(h, "1", paying(), Country::France, 19, "1200").await;
    h.told().await;
    let fake = FakeCheckout::default();
    let pay = h.payments().await;
    let report = pay.pass(&fake).await.unwrap();
    assert_eq!(report.links_sent, 1);
    {
        let created = fake.created.lock().unwrap();
        assert_eq!(created.len(), 1);
        assert_eq!(created[0].amount_cents, 11_520);
        assert_eq!(created[0].idempotency_key, format!("flowstage-commission-{}-1", booking.id));
        assert!(created[0].product_name.contains("FS-2026-"), "{}", created[0].product_name);
    }
    let told = h.told().await;
    let first_url = match &told[..] {
        [(to, Event::Payment(n))] if *to == v => match &n.news {
            PaymentNews::Link { url, renewed: false } => url.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    // A second pass finds nothing to do.
    assert_eq!(pay.pass(&fake).await.unwrap(), PassReport::default());
    let session =
        h.store.commission(booking.id).await.unwrap().unwrap().checkout.unwrap().session_id;
    assert!(first_url.ends_with(&session));
    // The link runs out: a new attempt, a new key, a new link.
    assert_eq!(
        h.apply(&expired("evt_exp_1", booking.id, &session)).await,
        Applied::Now(StripeOutcome::Renewed)
    );
    assert_eq!(pay.pass(&fake).await.unwrap().links_sent, 1);
    assert_eq!(
        fake.created.lock().unwrap().last().unwrap().idempotency_key,
        format!("flowstage-commission-{}-2", booking.id)
    );
    let told = h.told().await;
    assert!(matches!(&told[..], [(to, Event::Payment(n))]
        if *to == v && matches!(&n.news, PaymentNews::Link { renewed: true, .. })));
    // The old session's expiry, delivered again under another event id, changes nothing.
    assert_eq!(
        h.apply(&expired("evt_exp_2", booking.id, &session)).await,
        Applied::Now(StripeOutcome::Stale)
    );
    assert_eq!(h.store.commission(booking.id).await.unwrap().unwrap().attempt, 2);
}

async fn events_apply_once_and_in_any_order(h: &Harness) {
    let (_, v, booking) = booked(h, "1", paying(), Country::France, 12, "1200").await;
    let admin = h.admin().await;
    let fake = FakeCheckout::default();
    h.payments().await.pass(&fake).await.unwrap();
    h.told().await;
    let session =
        h.store.commission(booking.id).await.unwrap().unwrap().checkout.unwrap().session_id;

    let paid = completed("evt_paid", booking.id, &session, "pi_1");
    assert_eq!(h.apply(&paid).await, Applied::Now(StripeOutcome::Settled));
    assert_eq!(h.apply(&paid).await, Applied::AlreadyApplied);
    let c = h.store.commission(booking.id).await.unwrap().unwrap();
    assert_eq!(
        (c.status, c.payment_intent.as_deref(), c.paid_cents),
        (CommissionStatus::Paid, Some("pi_1"), Some(11_520))
    );
    assert!(c.checkout.is_none(), "a paid link is no longer shown");
    let told = h.told().await;
    assert!(
        matches!(&told[..], [(to, Event::Payment(n))] if *to == v && n.news == PaymentNews::Paid),
        "{told:?}"
    );
    // Expired after completed: nothing changes, nobody is told.
    assert_eq!(
        h.apply(&expired("evt_late_exp", booking.id, &session)).await,
        Applied::Now(StripeOutcome::Stale)
    );
    assert_eq!(status(h, booking.id).await, CommissionStatus::Paid);
    // A second payment of the same commission goes to the admins.
    let twice = completed("evt_paid_again", booking.id, "cs_other", "pi_2");
    assert_eq!(h.apply(&twice).await, Applied::Now(StripeOutcome::PaidTwice));
    // Refunds and disputes are recorded, and the admins told.
    assert_eq!(
        h.apply(&refunded("evt_ref_part", "pi_1", 1_000, false)).await,
        Applied::Now(StripeOutcome::Refunded)
    );
    assert_eq!(status(h, booking.id).await, CommissionStatus::Paid);
    assert_eq!(
        h.apply(&refunded("evt_ref_full", "pi_1", 11_520, true)).await,
        Applied::Now(StripeOutcome::Refunded)
    );
    // The partial refund delivered late does not lower the total.
    let late = refunded("evt_ref_part_late", "pi_1", 1_000, false);
    assert_eq!(h.apply(&late).await, Applied::Now(StripeOutcome::Refunded));
    let c = h.store.commission(booking.id).await.unwrap().unwrap();
    assert_eq!((c.status, c.refunded_cents), (CommissionStatus::Refunded, 11_520));
    let dispute = r#"{"id":"evt_dp","object":"event","type":"charge.dispute.created","created":1800000000,
        "data":{"object":{"id":"dp_1","object":"dispute","charge":"ch_1","payment_intent":"pi_1","amount":11520,"reason":"fraudulent"}}}"#;
    assert_eq!(h.apply(dispute).await, Applied::Now(StripeOutcome::Disputed));
    assert_eq!(
        h.store.commission(booking.id).await.unwrap().unwrap().dispute.as_deref(),
        Some("dp_1")
    );
    let admin_news: Vec<PaymentNews> = h
        .told()
        .await
        .into_iter()
        .map(|(to, e)| {
            assert_eq!(to, admin);
            match e {
                Event::Payment(n) => n.news,
                other => panic!("{other:?}"),
            }
        })
        .collect();
    assert_eq!(
        admin_news,
        [
            PaymentNews::RefundToDecide { paid_twice: true },
            PaymentNews::Refunded { cents: 1_000, fully: false },
            PaymentNews::Refunded { cents: 11_520, fully: true },
            PaymentNews::Refunded { cents: 1_000, fully: false },
            PaymentNews::Disputed { cents: 11_520, reason: "fraudulent".into() },
        ]
    );
    // A type we do not act on is acknowledged and recorded; one about no booking of ours too.
    let other = r#"{"id":"evt_cus","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}"#;
    assert_eq!(h.apply(other).await, Applied::Now(StripeOutcome::Ignored));
    assert_eq!(h.apply(other).await, Applied::AlreadyApplied);
    let stranger = completed("evt_stranger", BookingId(987_654), "cs_x", "pi_x");
    assert_eq!(h.apply(&stranger).await, Applied::Now(StripeOutcome::Unmatched));
    assert_eq!(
        h.store.stripe_event_outcome("evt_paid").await.unwrap(),
        Some((StripeOutcome::Settled, Some(booking.id)))
    );
    assert!(h.told().await.is_empty());
}

async fn cancelling_before_payment_cancels_and_after_payment_flags_a_refund(h: &Harness) {
    let admin = h.admin().await;
    let fake = FakeCheckout::default();
    let pay = h.payments().await;
    let (_, v1, unpaid) = booked(h, "1", paying(), Country::France, 5, "1200").await;
    let (_, v2, paid) = booked(h, "2", paying(), Country::France, 12, "1200").await;
    pay.pass(&fake).await.unwrap();
    let session_of =
        |c: Option<flowstage_core::payments::Commission>| c.unwrap().checkout.unwrap().session_id;
    let s1 = session_of(h.store.commission(unpaid.id).await.unwrap());
    let s2 = session_of(h.store.commission(paid.id).await.unwrap());
    assert_eq!(
        h.apply(&completed("evt_p2", paid.id, &s2, "pi_2")).await,
        Applied::Now(StripeOutcome::Settled)
    );
    h.told().await;

    let b = h.bookings(paying());
    b.cancel_booking(v1, unpaid.id, "Annulé").await.unwrap();
    b.cancel_booking(v2, paid.id, "Annulé aussi").await.unwrap();
    assert_eq!(status(h, unpaid.id).await, CommissionStatus::Cancelled);
    assert_eq!(status(h, paid.id).await, CommissionStatus::RefundDue);
    h.told().await;
    // The next pass closes the unpaid link at Stripe and tells the admins of the refund, once.
    let report = pay.pass(&fake).await.unwrap();
    assert_eq!((report.links_closed, report.refunds_flagged), (1, 1));
    assert_eq!(fake.expired.lock().unwrap().as_slice(), std::slice::from_ref(&s1));
    let told = h.told().await;
    assert!(
        matches!(&told[..], [(to, Event::Payment(n))]
        if *to == admin && n.booking == paid.id && n.news == PaymentNews::RefundToDecide { paid_twice: false }),
        "{told:?}"
    );
    assert_eq!(pay.pass(&fake).await.unwrap(), PassReport::default());
    // Paid on the old link just before it was closed: flagged for a refund, admins told.
    assert_eq!(
        h.apply(&completed("evt_p1", unpaid.id, &s1, "pi_1")).await,
        Applied::Now(StripeOutcome::SettledAfterCancel)
    );
    assert_eq!(status(h, unpaid.id).await, CommissionStatus::RefundDue);
    let told = h.told().await;
    assert!(
        matches!(&told[..], [(to, Event::Payment(n))] if *to == admin && n.booking == unpaid.id),
        "{told:?}"
    );
    // Told in the event's transaction: the worker does not tell again.
    assert_eq!(pay.pass(&fake).await.unwrap(), PassReport::default());
}

async fn a_reminder_goes_out_before_the_show(h: &Harness) {
    let (_, v, _) = booked(h, "1", paying(), Country::France, 19, "1200").await;
    let fake = FakeCheckout::default();
    let pay = h.payments().await;
    pay.pass(&fake).await.unwrap();
    h.told().await;
    h.db.clock.set(Utc.with_ymd_and_hms(2026, 12, 15, 9, 0, 0).unwrap());
    assert_eq!(pay.pass(&fake).await.unwrap().reminders, 0, "four days before: not yet");
    h.db.clock.set(Utc.with_ymd_and_hms(2026, 12, 16, 9, 0, 0).unwrap());
    assert_eq!(pay.pass(&fake).await.unwrap().reminders, 1);
    assert_eq!(pay.pass(&fake).await.unwrap().reminders, 0);
    let told = h.told().await;
    assert!(
        matches!(&told[..], [(to, Event::Payment(n))]
        if *to == v && matches!(n.news, PaymentNews::Reminder { .. })),
        "{told:?}"
    );
}

async fn racing_deliveries_of_one_event_apply_it_once(h: &Harness) {
    let (_, _, booking) = booked(h, "1", paying(), Country::France, 5, "1200").await;
    let fake = FakeCheckout::default();
    h.payments().await.pass(&fake).await.unwrap();
    h.told().await;
    let session =
        h.store.commission(booking.id).await.unwrap().unwrap().checkout.unwrap().session_id;
    let event =
        StripeEvent::parse(completed("evt_race", booking.id, &session, "pi_r").as_bytes()).unwrap();
    let other = h.db.another_instance().await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = if i % 2 == 0 { h.store.clone() } else { other.clone() };
        let event = event.clone();
        tasks.push(tokio::spawn(async move {
            // A delivery losing a lock race is a 5xx to Stripe, which retries: so do we.
            loop {
                match store.apply_stripe_event(&event, &[]).await {
                    Ok(a) => return a,
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
                }
            }
        }));
    }
    let mut now = 0;
    for t in tasks {
        match t.await.unwrap() {
            Applied::Now(o) => {
                assert_eq!(o, StripeOutcome::Settled);
                now += 1;
            }
            Applied::AlreadyApplied => {}
        }
    }
    assert_eq!(now, 1);
    assert_eq!(h.told().await.len(), 1, "one receipt");
    other.close().await;
}

async fn stats_sum_what_is_owed_paid_and_refunded(h: &Harness) {
    let (_, _, b1) = booked(h, "1", paying(), Country::France, 5, "1200").await;
    let (_, _, b2) = booked(h, "2", paying(), Country::France, 12, "1000").await;
    let (_, _, _) = booked(h, "3", Rules::default(), Country::France, 19, "1000").await;
    let fake = FakeCheckout::default();
    h.payments().await.pass(&fake).await.unwrap();
    let s2 = h.store.commission(b2.id).await.unwrap().unwrap().checkout.unwrap().session_id;
    h.apply(&completed("evt_s2", b2.id, &s2, "pi_s2").replace("11520", "9600")).await;
    h.apply(&refunded("evt_r2", "pi_s2", 2_000, false)).await;
    let t = h.store.commission_totals().await.unwrap();
    assert_eq!((t.owed_cents, t.owed_count), (11_520, 1));
    assert_eq!((t.paid_cents, t.paid_count), (9_600, 1));
    assert_eq!((t.refunded_cents, t.refunds_to_decide, t.waived_count), (2_000, 0, 1));
    let _ = b1;
}

/// A Checkout that, while Stripe creates the session, lets the venue cancel the booking.
struct CancelledMeanwhile {
    inner: FakeCheckout,
    store: Store,
    venue: AccountId,
}

impl CheckoutApi for CancelledMeanwhile {
    async fn create_session(&self, r: &CheckoutRequest) -> Result<CheckoutLink, CheckoutError> {
        let link = self.inner.create_session(r).await?;
        BookingService::new(self.store.clone(), paying())
            .cancel_booking(self.venue, r.booking, "Annulé pendant le paiement")
            .await
            .unwrap();
        Ok(link)
    }

    async fn expire_session(&self, session: &str) -> Result<(), CheckoutError> {
        self.inner.expire_session(session).await
    }
}

async fn a_booking_cancelled_while_its_link_is_made_gets_no_link(h: &Harness) {
    let (_, v, booking) = booked(h, "1", paying(), Country::France, 5, "1200").await;
    h.told().await;
    let api =
        CancelledMeanwhile { inner: FakeCheckout::default(), store: h.store.clone(), venue: v };
    let report = h.payments().await.pass(&api).await.unwrap();
    assert_eq!((report.links_sent, report.links_closed), (0, 1));
    assert_eq!(api.inner.expired.lock().unwrap().len(), 1, "the stray session is closed");
    assert_eq!(status(h, booking.id).await, CommissionStatus::Cancelled);
    assert!(!h.told().await.iter().any(|(_, e)| matches!(e, Event::Payment(_))));
}

/// Sessions that expire a day after creation, as Stripe's do by default.
struct DayLong(FakeCheckout, Store);

impl CheckoutApi for DayLong {
    async fn create_session(&self, r: &CheckoutRequest) -> Result<CheckoutLink, CheckoutError> {
        let mut link = self.0.create_session(r).await?;
        link.expires_at = Some(self.1.clock().now() + Duration::hours(24));
        Ok(link)
    }

    async fn expire_session(&self, session: &str) -> Result<(), CheckoutError> {
        self.0.expire_session(session).await
    }
}

async fn a_lapsed_link_is_renewed_even_without_stripes_event(h: &Harness) {
    let (_, v, booking) = booked(h, "1", paying(), Country::France, 19, "1200").await;
    let api = DayLong(FakeCheckout::default(), h.store.clone());
    let pay = h.payments().await;
    assert_eq!(pay.pass(&api).await.unwrap().links_sent, 1);
    h.told().await;
    // The link ran out, and Stripe's event is late: within the grace, nothing moves.
    h.db.clock.set(start() + Duration::hours(24) + Duration::minutes(30));
    assert_eq!(pay.pass(&api).await.unwrap().links_sent, 0);
    h.db.clock.set(start() + Duration::hours(26));
    assert_eq!(pay.pass(&api).await.unwrap().links_sent, 1);
    let c = h.store.commission(booking.id).await.unwrap().unwrap();
    assert_eq!(c.attempt, 2);
    let told = h.told().await;
    assert!(
        matches!(&told[..], [(to, Event::Payment(n))]
        if *to == v && matches!(n.news, PaymentNews::Link { renewed: true, .. })),
        "{told:?}"
    );
    // The late event, about the first session, changes nothing more.
    let first = api.0.created.lock().unwrap()[0].idempotency_key.replace('-', "_");
    let late = expired("evt_late", booking.id, &format!("cs_test_{first}"));
    assert_eq!(h.apply(&late).await, Applied::Now(StripeOutcome::Stale));
    assert_eq!(h.store.commission(booking.id).await.unwrap().unwrap().attempt, 2);
}
