//! A load measurement of `POST /webhooks/stripe`: the real `flowstage serve` receives signed
//! `checkout.session.completed` events for many owed commissions at once, on loopback; every one
//! must be verified and applied exactly once (each commission paid, one receipt each, one stored
//! event each, and the same events delivered again change nothing). The figure it is compared
//! with is the raw commit rate of the same database in the same run: single-row transactions from
//! as many concurrent writers, through the store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    reason = "a measurement harness: a failure is a failed run, figures are approximate"
)]

use std::fmt;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flowstage_core::clock::{Clock, SystemClock};
use flowstage_core::config::{Rules, Secret};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{BookingId, Lang};
use flowstage_core::notify::{Event, decode};
use flowstage_core::payments::{CheckoutLink, CommissionStatus, PaymentNews, signature};
use flowstage_core::store::{Recipients, Store};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::fake_stripe::FakeStripe;

const SECRET: &str = "whsec_load";

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    pub database: &'static str,
    pub release: bool,
    pub events: usize,
    pub concurrency: usize,
    /// Signed events posted, verified and applied.
    pub elapsed: Duration,
    /// The same events delivered again (all already applied).
    pub replay_elapsed: Duration,
    /// Single-row commits through the store, as many at once.
    pub commits: usize,
    pub commit_elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
        write!(
            f,
            "{} ({}), {} at once: {} signed events verified and applied once in {:.2} s: {:.0} events/s \
             (p50 {:.1} ms, p99 {:.1} ms); delivered again: {:.0} events/s, nothing changed; \
             raw commits of the same database: {} in {:.2} s: {:.0} commits/s; \
             events/commit ratio {:.2}",
            self.database,
            if self.release { "release build" } else { "debug build" },
            self.concurrency,
            self.events,
            self.elapsed.as_secs_f64(),
            rate(self.events, self.elapsed),
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            rate(self.events, self.replay_elapsed),
            self.commits,
            self.commit_elapsed.as_secs_f64(),
            rate(self.commits, self.commit_elapsed),
            rate(self.events, self.elapsed) / rate(self.commits, self.commit_elapsed),
        )
    }
}

/// `n` owed commissions, each with a link already (so the binary's worker has nothing to do).
async fn owed_bookings(store: &Store, n: usize) -> Vec<BookingId> {
    let rules = Rules { commission_free_months: 0, ..Rules::default() };
    let lyon = City::from_parts("Lyon", Country::France, 45.75, 4.85);
    let today = SystemClock.today();
    // One artist and one venue per 300 days ahead: each pair books one show a day.
    let per_pair = 300;
    let mut out = Vec::new();
    let mut pair = 0;
    while out.len() < n {
        let days: Vec<_> = (1..=per_pair).map(|d| today + chrono::Duration::days(d)).collect();
        let dates = DateSet::new(days.clone(), today).unwrap();
        let mut ids = Vec::new();
        for (side, who) in [("a", 0), ("v", 1)] {
            let identity = Identity::new(Platform::Telegram, format!("{side}{pair}"));
            let owner = store.account_for_identity(&identity, "load", Lang::Fr).await.unwrap().0.id;
            let details = if who == 0 {
                ProfileDetails::Artist(Artist {
                    name: Name::parse(&format!("Artiste {pair}")).unwrap(),
                    genres: GenreSet::parse("rock").unwrap(),
                    fee: Fee::parse("1200").unwrap(),
                    negotiable: true,
                    draw: AudienceRange::parse("100-400").unwrap(),
                    city: lyon.clone(),
                    radius: TravelRadius::parse("300").unwrap(),
                    bio: None,
                    links: Links::default(),
                    email: None,
                })
            } else {
                ProfileDetails::Venue(Venue {
                    name: Name::parse(&format!("Lieu {pair}")).unwrap(),
                    city: lyon.clone(),
                    address: None,
                    capacity: Capacity::parse("350").unwrap(),
                    genres: GenreSet::parse("rock").unwrap(),
                    budget: BudgetRange::parse("800-1500").unwrap(),
                    licence: None,
                    stage_notes: None,
                    email: None,
                    slots_per_date: 1,
                })
            };
            let p = store
                .create_profile(owner, &details, &dates, &ProfileStatus::Approved)
                .await
                .unwrap();
            ids.push((owner, p.id));
        }
        let ((a, artist), (v, venue)) = (ids[0], ids[1]);
        // Booked through the store as the booking service books, with what is owed, but
        // without generating a contract per booking: contracts are not what is measured.
        let owed = flowstage_core::payments::owed_on_confirmation(
            store,
            &rules,
            Fee::parse("1200").unwrap(),
            &store.profile(artist).await.unwrap(),
            &store.profile(venue).await.unwrap(),
        )
        .await
        .unwrap();
        for day in days {
            if out.len() == n {
                break;
            }
            let terms = crate::flat_fee(day, "1200");
            let p = store
                .create_proposal(
                    &flowstage_core::store::NewProposal {
                        from_profile: artist,
                        to_profile: venue,
                        artist,
                        venue,
                        sender: a,
                        terms,
                        contract_terms: Default::default(),
                        counter_of: None,
                        expires_at: SystemClock.now() + chrono::Duration::days(7),
                    },
                    |_| Vec::new(),
                )
                .await
                .unwrap();
            let booking = match store
                .accept_and_book_owing(p.id, 1, Some(&owed), |_| Vec::new())
                .await
                .unwrap()
            {
                flowstage_core::store::AcceptOutcome::Booked(b) => b.id,
                other => panic!("{other:?}"),
            };
            let link = CheckoutLink {
                session_id: format!("cs_load_{booking}"),
                url: format!("https://checkout.stripe.test/c/pay/cs_load_{booking}"),
                expires_at: None,
            };
            let notice = (v, String::new(), format!("load:link:{booking}"));
            assert!(store.record_checkout(booking, 1, &link, &notice).await.unwrap());
            out.push(booking);
        }
        pair += 1;
    }
    // The links' notices are not what is measured.
    loop {
        let items = store.claim_outbox(10_000, chrono::Duration::minutes(10)).await.unwrap();
        if items.is_empty() {
            break;
        }
        for i in items {
            store.mark_sent(i.id).await.unwrap();
        }
    }
    out
}

fn completed(booking: BookingId) -> String {
    format!(
        r#"{{"id":"evt_load_{booking}","object":"event","type":"checkout.session.completed","created":1800000000,"livemode":false,"data":{{"object":{{"id":"cs_load_{booking}","object":"checkout.session","payment_status":"paid","status":"complete","payment_intent":"pi_load_{booking}","amount_total":11520,"metadata":{{"booking_id":"{booking}"}}}}}}}}"#
    )
}

/// Posts every body with its signature, `concurrency` at once: the time of each.
async fn deliver(
    addr: &str,
    bodies: Arc<Vec<(String, String)>>,
    concurrency: usize,
) -> Vec<Duration> {
    let next = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, bodies, http) = (next.clone(), bodies.clone(), http.clone());
        let url = format!("http://{addr}/webhooks/stripe");
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, sig)) = bodies.get(i) else { return times };
                let started = Instant::now();
                // Stripe retries until a 2xx: so does this run, and counts the time.
                loop {
                    let status = http
                        .post(&url)
                        .header("Stripe-Signature", sig)
                        .body(body.clone())
                        .send()
                        .await
                        .map(|r| r.status().as_u16());
                    match status {
                        Ok(200) => break,
                        Ok(400) => panic!("a signed event was refused"),
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
                times.push(started.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// The run: `events` commissions settled by as many signed events, `concurrency` at once, on
/// SQLite (a file) or PostgreSQL (`TEST_DATABASE_URL`, a schema of its own).
pub async fn run(binary: &Path, events: usize, concurrency: usize, postgres: bool) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SystemClock);
    let base = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("stripe_load_{}", std::process::id());
    let (url, store) = if postgres {
        let store = Store::connect_postgres_schema(&base, &schema, clock.clone()).await.unwrap();
        (format!("{base}?options=-c%20search_path%3D{schema}"), store)
    } else {
        let url = format!("sqlite://{}", dir.path().join("load.db").display());
        (url.clone(), Store::connect(&url, clock.clone()).await.unwrap())
    };
    store.migrate().await.unwrap();
    eprintln!("stripe-load: preparing {events} owed commissions…");
    let bookings = owed_bookings(&store, events).await;

    let fake = FakeStripe::start("sk_test_load").await;
    let stderr = if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() };
    let mut child = tokio::process::Command::new(binary)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &url)
        .env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0")
        .env("STRIPE_API_KEY", "sk_test_load")
        .env("STRIPE_API_URL", fake.url())
        .env("STRIPE_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).await.unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_owned();

    let secret = Secret::new(SECRET);
    let t = SystemClock.now().timestamp();
    let bodies: Arc<Vec<(String, String)>> = Arc::new(
        bookings
            .iter()
            .map(|b| {
                let body = completed(*b);
                let sig = signature::header(&secret, t, body.as_bytes());
                (body, sig)
            })
            .collect(),
    );
    eprintln!("stripe-load: posting {events} signed events, {concurrency} at once…");
    let started = Instant::now();
    let mut times = deliver(&addr, bodies.clone(), concurrency).await;
    let elapsed = started.elapsed();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    let (p50, p99) = (at(0.5), at(0.99));

    // Exactly once: every commission paid, one receipt each, one stored event each.
    let check_once = |label: &'static str| {
        let store = store.clone();
        let bookings = bookings.clone();
        async move {
            let mut receipts = 0;
            loop {
                let items = store
                    .claim_outbox_for(Recipients::All, 10_000, chrono::Duration::minutes(10))
                    .await
                    .unwrap();
                if items.is_empty() {
                    break;
                }
                for i in items {
                    if let Some(Event::Payment(n)) = decode(&i.payload)
                        && n.news == PaymentNews::Paid
                    {
                        receipts += 1;
                    }
                    store.mark_sent(i.id).await.unwrap();
                }
            }
            for b in &bookings {
                let c = store.commission(*b).await.unwrap().unwrap();
                assert_eq!(c.status, CommissionStatus::Paid, "{label}: booking {b}");
                assert!(
                    store.stripe_event_outcome(&format!("evt_load_{b}")).await.unwrap().is_some(),
                    "{label}: event of {b} not stored"
                );
            }
            receipts
        }
    };
    assert_eq!(check_once("first delivery").await, events, "one receipt per event");
    eprintln!("stripe-load: delivering the same {events} events again…");
    let started = Instant::now();
    deliver(&addr, bodies, concurrency).await;
    let replay_elapsed = started.elapsed();
    assert_eq!(check_once("second delivery").await, 0, "a replay changes nothing");

    eprintln!("stripe-load: raw commits of the same database, {concurrency} at once…");
    let commits = events;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let details = serde_json::json!({});
            while next.fetch_add(1, Ordering::Relaxed) < commits {
                store.audit(None, "load.commit", "load", &details).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let commit_elapsed = started.elapsed();

    let _ = child.start_kill();
    let _ = child.wait().await;
    if postgres {
        store.drop_schema(&schema).await.unwrap();
    }
    store.close().await;
    Figures {
        database: if postgres { "PostgreSQL" } else { "SQLite" },
        release: !cfg!(debug_assertions),
        events,
        concurrency,
        elapsed,
        replay_elapsed,
        commits,
        commit_elapsed,
        p50,
        p99,
    }
}
