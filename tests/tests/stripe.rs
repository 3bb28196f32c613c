//! Payments end to end (docs/product-rules.md §8): the real `flowstage serve` against the fake
//! Stripe API, on SQLite and on PostgreSQL. A booking confirmed under a paying configuration gets
//! its Checkout link from the binary's worker; Stripe's events, built from the fixtures that
//! `tests/stripe/check-fixtures.sh` holds to the `stripe` npm package's types and signed by the
//! official `stripe` Python package, reach `POST /webhooks/stripe`: valid, forged, tampered,
//! expired, replayed, out of order, unknown, malformed, oversized, signed with the secret being
//! rotated out — each with its answer and its effect. A crash between the commit and the answer
//! (the effect stored, no answer sent) and a process killed mid-request are retried by "Stripe",
//! and the effect happens once. The fixtures' type check runs here too: nothing is skipped.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flowstage_core::booking::BookingService;
use flowstage_core::clock::{Clock, SystemClock};
use flowstage_core::config::Rules;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, BookingId, Lang};
use flowstage_core::notify::{Event, decode};
use flowstage_core::payments::{CommissionStatus, PaymentNews, StripeEvent, StripeOutcome};
use flowstage_core::store::{Recipients, Store};
use flowstage_tests::TestDir;
use flowstage_tests::fake_stripe::FakeStripe;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

const KEY: &str = "sk_test_flowstage";
const SECRET: &str = "whsec_current";
const OLD_SECRET: &str = "whsec_rotating_out";
const ADMIN: i64 = 9;
const WAIT: Duration = Duration::from_secs(30);

fn stripe_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("stripe")
}

/// A fixture event, as Stripe sends it.
fn fixture(name: &str) -> Value {
    let path = stripe_dir().join("fixtures").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `Stripe-Signature` values computed by Stripe's Python package: (payload, secret, timestamp).
fn sign(requests: &[(&str, &str, i64)]) -> Vec<String> {
    use std::io::Write as _;
    let input: Vec<Value> = requests
        .iter()
        .map(|(p, s, t)| serde_json::json!({"payload": p, "secret": s, "timestamp": t}))
        .collect();
    let mut child = std::process::Command::new("python3")
        .arg(stripe_dir().join("sign.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed (scripts/test-deps installs the stripe package)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "signing with the stripe Python package failed (run scripts/test-deps): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn now() -> i64 {
    SystemClock.now().timestamp()
}

/// The database of one run, as the binary and the test both open it.
struct Db {
    url: String,
    schema: Option<String>,
}

impl Db {
    async fn open(postgres: bool, dir: &TestDir) -> (Db, Store) {
        let clock = Arc::new(SystemClock);
        if !postgres {
            let url = dir.sqlite_url("stripe.db");
            let store = Store::connect(&url, clock).await.unwrap();
            store.migrate().await.unwrap();
            return (Db { url, schema: None }, store);
        }
        let base = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let schema = format!("e2e_stripe_{}_{run}", std::process::id());
        let store = Store::connect_postgres_schema(&base, &schema, clock).await.unwrap();
        store.migrate().await.unwrap();
        let url = format!("{base}?options=-c%20search_path%3D{schema}");
        (Db { url, schema: Some(schema) }, store)
    }
}

/// `flowstage serve` with Stripe configured, and a store on its database.
struct App {
    child: tokio::process::Child,
    addr: String,
    store: Store,
    fake: FakeStripe,
    http: reqwest::Client,
    db: Db,
    dir: TestDir,
}

async fn launch(dir: &TestDir) -> (tokio::process::Child, String) {
    let stderr = if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() };
    let mut cmd = tokio::process::Command::from(dir.command(&["serve"]));
    let mut child = cmd.stdout(Stdio::piped()).stderr(stderr).kill_on_drop(true).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(WAIT, stdout.read_line(&mut line)).await.unwrap().unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_owned();
    // Keep reading so the binary never blocks on a full pipe.
    tokio::spawn(async move {
        let mut sink = String::new();
        while stdout.read_line(&mut sink).await.is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    (child, addr)
}

impl App {
    async fn start(postgres: bool) -> App {
        let fake = FakeStripe::start(KEY).await;
        let dir = TestDir::new();
        let (db, store) = Db::open(postgres, &dir).await;
        let mut dir = dir
            .env("DATABASE_URL", &db.url)
            .env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0")
            .env("STRIPE_API_KEY", KEY)
            .env("STRIPE_API_URL", fake.url())
            .env("STRIPE_WEBHOOK_SECRET", &format!("{SECRET},{OLD_SECRET}"))
            .env("ADMIN_TELEGRAM_IDS", &ADMIN.to_string())
            .env("PUBLIC_BASE_URL", "https://flowstage.example");
        if let Ok(filter) = std::env::var("RUST_LOG") {
            dir = dir.env("RUST_LOG", &filter);
        }
        let (child, addr) = launch(&dir).await;
        App { child, addr, store, fake, http: reqwest::Client::new(), db, dir }
    }

    /// Kills the process without a chance to answer or clean up, and starts it again.
    async fn kill_and_restart(&mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
        let (child, addr) = launch(&self.dir).await;
        self.child = child;
        self.addr = addr;
    }

    async fn finish(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        self.store.close().await;
        if let Some(schema) = self.db.schema {
            let base = self.db.url.split('?').next().unwrap().to_owned();
            let admin = Store::connect(&base, Arc::new(SystemClock)).await.unwrap();
            admin.drop_schema(&schema).await.unwrap();
            admin.close().await;
        }
    }

    /// `POST /webhooks/stripe` with `body` and `signature`: the answer's status.
    async fn post_stripe_event(&self, body: impl Into<reqwest::Body>, signature: &str) -> u16 {
        self.http
            .post(format!("http://{}/webhooks/stripe", self.addr))
            .header("Stripe-Signature", signature)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Signs `body` with the current secret, now, and posts it.
    async fn post_signed(&self, body: &str) -> u16 {
        let sig = sign(&[(body, SECRET, now())]).remove(0);
        self.post_stripe_event(body.to_owned(), &sig).await
    }

    async fn account(&self, platform_id: &str) -> AccountId {
        self.store
            .account_for_identity(
                &Identity::new(Platform::Telegram, platform_id),
                platform_id,
                Lang::En,
            )
            .await
            .unwrap()
            .0
            .id
    }

    /// An artist books a venue for 1 200 € with no free period: (venue account, booking).
    async fn booking(&self, tag: &str, day: u32) -> (AccountId, BookingId) {
        let lyon = City::from_parts("Lyon", Country::France, 45.75, 4.85);
        let today = SystemClock.today();
        let date = today + chrono::Duration::days(i64::from(day));
        let dates = DateSet::new([date], today).unwrap();
        let a = self.account(&format!("a{tag}")).await;
        let v = self.account(&format!("v{tag}")).await;
        let artist = ProfileDetails::Artist(Artist {
            name: Name::parse(&format!("Artiste {tag}")).unwrap(),
            genres: GenreSet::parse("rock").unwrap(),
            fee: Fee::parse("1200").unwrap(),
            negotiable: true,
            draw: AudienceRange::parse("100-400").unwrap(),
            city: lyon.clone(),
            radius: TravelRadius::parse("300").unwrap(),
            bio: None,
            links: Links::parse("https://band.example.fr").unwrap(),
            email: None,
        });
        let venue = ProfileDetails::Venue(Venue {
            name: Name::parse(&format!("Lieu {tag}")).unwrap(),
            city: lyon,
            address: None,
            capacity: Capacity::parse("350").unwrap(),
            genres: GenreSet::parse("rock").unwrap(),
            budget: BudgetRange::parse("800-1500").unwrap(),
            licence: None,
            stage_notes: None,
            email: None,
            slots_per_date: 1,
        });
        let mut ids = Vec::new();
        for (owner, details) in [(a, &artist), (v, &venue)] {
            let p = self
                .store
                .create_profile(owner, details, &dates, &ProfileStatus::Pending)
                .await
                .unwrap();
            self.store.set_profile_status(p.id, &ProfileStatus::Approved, None).await.unwrap();
            ids.push(p.id);
        }
        let rules = Rules { commission_free_months: 0, ..Rules::default() };
        let service = BookingService::new(self.store.clone(), rules);
        let terms = flowstage_tests::flat_fee(date, "1200");
        let p = service.propose(a, ids[0], ids[1], terms).await.unwrap();
        (v, service.accept(v, p.id).await.unwrap().booking.id)
    }

    /// Waits until the binary's worker stored a link for `booking` at attempt `attempt`: its
    /// session id.
    async fn link(&self, booking: BookingId, attempt: u32) -> String {
        let until = Instant::now() + WAIT;
        loop {
            let c = self.store.commission(booking).await.unwrap().unwrap();
            if c.attempt == attempt
                && let Some(link) = c.checkout
            {
                return link.session_id;
            }
            assert!(Instant::now() < until, "no link for {booking} (attempt {attempt}): {c:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What is queued for `account` that the tests read: payment notices, in order.
    async fn payment_news(&self, account: AccountId) -> Vec<PaymentNews> {
        let items = self
            .store
            .claim_outbox_for(Recipients::Account(account), 1_000, chrono::Duration::minutes(1))
            .await
            .unwrap();
        let mut news = Vec::new();
        for i in items {
            self.store.mark_sent(i.id).await.unwrap();
            if let Some(Event::Payment(n)) = decode(&i.payload) {
                news.push(n.news);
            }
        }
        news
    }

    async fn status(&self, booking: BookingId) -> CommissionStatus {
        self.store.commission(booking).await.unwrap().unwrap().status
    }

    async fn outcome(&self, id: &str) -> Option<StripeOutcome> {
        self.store.stripe_event_outcome(id).await.unwrap().map(|(o, _)| o)
    }
}

/// A fixture event made about `booking`, `session` and `payment_intent`, with event id `id`.
fn event(name: &str, id: &str, booking: BookingId, session: &str, payment_intent: &str) -> String {
    let mut e = fixture(name);
    e["id"] = id.into();
    let o = &mut e["data"]["object"];
    if o.get("metadata").is_some() {
        o["metadata"]["booking_id"] = booking.to_string().into();
    }
    if o["object"] == "checkout.session" {
        o["id"] = session.into();
        o["client_reference_id"] = format!("booking-{booking}").into();
    }
    if !o["payment_intent"].is_null() {
        o["payment_intent"] = payment_intent.into();
    }
    serde_json::to_string(&e).unwrap()
}

#[test]
fn the_fixtures_have_stripes_real_shape() {
    let out = std::process::Command::new("bash")
        .arg(stripe_dir().join("check-fixtures.sh"))
        .output()
        .expect("bash runs tests/stripe/check-fixtures.sh");
    assert!(
        out.status.success(),
        "the event fixtures do not satisfy the stripe package's types (or the packages are \
         missing: run scripts/test-deps):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The fixtures read as the events they are.
    for name in [
        "checkout_session_completed",
        "checkout_session_expired",
        "charge_refunded",
        "charge_dispute_created",
    ] {
        let body = serde_json::to_vec(&fixture(name)).unwrap();
        let e = StripeEvent::parse(&body).unwrap();
        assert_ne!(e.change, flowstage_core::payments::Change::Other, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_webhook_cases() {
    webhook_cases(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_webhook_cases() {
    webhook_cases(true).await;
}

async fn webhook_cases(postgres: bool) {
    let app = App::start(postgres).await;
    let admin = app.account(&ADMIN.to_string()).await;
    let (venue, booking) = app.booking("1", 10).await;
    let session = app.link(booking, 1).await;
    // The worker created the session at Stripe with the booking in it, once.
    let sessions = app.fake.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].amount_total, 11_520);
    assert_eq!(sessions[0].booking.as_deref(), Some(booking.to_string().as_str()));
    assert_eq!(
        sessions[0].idempotency_key.as_deref(),
        Some(format!("flowstage-commission-{booking}-1").as_str())
    );
    assert!(matches!(
        &app.payment_news(venue).await[..],
        [PaymentNews::Link { renewed: false, .. }]
    ));

    let paid = event("checkout_session_completed", "evt_paid", booking, &session, "pi_1");
    let t = now();
    let [good, forged, old_secret, expired]: [String; 4] = sign(&[
        (&paid, SECRET, t),
        (&paid, "whsec_someone_else", t),
        (&paid, OLD_SECRET, t),
        (&paid, SECRET, t - 301),
    ])
    .try_into()
    .unwrap();

    // Forged: another secret. Nothing stored.
    assert_eq!(app.post_stripe_event(paid.clone(), &forged).await, 400);
    // Tampered: the amount changed after signing.
    assert_eq!(app.post_stripe_event(paid.replace("11520", "1"), &good).await, 400);
    // Expired: signed 301 s ago.
    assert_eq!(app.post_stripe_event(paid.clone(), &expired).await, 400);
    // No signature at all.
    assert_eq!(app.post_stripe_event(paid.clone(), "").await, 400);
    assert_eq!(app.outcome("evt_paid").await, None);
    assert_eq!(app.status(booking).await, CommissionStatus::Owed);

    // Valid: settled, the payer gets a receipt.
    assert_eq!(app.post_stripe_event(paid.clone(), &good).await, 200);
    assert_eq!(app.status(booking).await, CommissionStatus::Paid);
    assert_eq!(app.outcome("evt_paid").await, Some(StripeOutcome::Settled));
    assert_eq!(app.payment_news(venue).await, [PaymentNews::Paid]);
    // Replayed (the same request again, and signed with the secret being rotated out): 200,
    // nothing more.
    assert_eq!(app.post_stripe_event(paid.clone(), &good).await, 200);
    assert_eq!(app.post_stripe_event(paid.clone(), &old_secret).await, 200);
    assert_eq!(app.payment_news(venue).await, []);

    // Out of order: the session's expiry after its completion changes nothing.
    let late = event("checkout_session_expired", "evt_late_expiry", booking, &session, "");
    assert_eq!(app.post_signed(&late).await, 200);
    assert_eq!(app.outcome("evt_late_expiry").await, Some(StripeOutcome::Stale));
    assert_eq!(app.status(booking).await, CommissionStatus::Paid);
    assert_eq!(app.fake.sessions().len(), 1, "no new link for a paid commission");

    // Unknown type: acknowledged, recorded, ignored.
    let mut unknown = fixture("charge_refunded");
    unknown["id"] = "evt_unknown".into();
    unknown["type"] = "charge.updated".into();
    assert_eq!(app.post_signed(&unknown.to_string()).await, 200);
    assert_eq!(app.outcome("evt_unknown").await, Some(StripeOutcome::Ignored));

    // Malformed JSON, signed: 400. A 1 MB body, signed: 413, before anything is read.
    assert_eq!(app.post_signed("{\"id\": \"evt_broken\", ").await, 400);
    let big = format!(
        "{{\"id\":\"evt_big\",\"type\":\"charge.updated\",\"pad\":\"{}\"}}",
        "x".repeat(1_000_000)
    );
    assert_eq!(app.post_signed(&big).await, 413);
    assert_eq!(app.outcome("evt_big").await, None);

    // Refund and dispute: recorded, the admin told.
    let refund = event("charge_refunded", "evt_refund", booking, "", "pi_1");
    assert_eq!(app.post_signed(&refund).await, 200);
    assert_eq!(app.status(booking).await, CommissionStatus::Refunded);
    let dispute = event("charge_dispute_created", "evt_dispute", booking, "", "pi_1");
    assert_eq!(app.post_signed(&dispute).await, 200);
    assert_eq!(
        app.store.commission(booking).await.unwrap().unwrap().dispute.as_deref(),
        Some("dp_1FlowStage0001")
    );
    assert_eq!(
        app.payment_news(admin).await,
        [
            PaymentNews::Refunded { cents: 11_520, fully: true },
            PaymentNews::Disputed { cents: 11_520, reason: "fraudulent".into() },
        ]
    );

    // A link that runs out: the binary creates the next one (a new idempotency key) and sends it.
    let (venue2, booking2) = app.booking("2", 11).await;
    let first = app.link(booking2, 1).await;
    app.payment_news(venue2).await;
    app.fake.run_out(&first);
    let expiry = event("checkout_session_expired", "evt_expiry", booking2, &first, "");
    assert_eq!(app.post_signed(&expiry).await, 200);
    let second = app.link(booking2, 2).await;
    assert_ne!(first, second);
    assert_eq!(
        app.fake.sessions().last().unwrap().idempotency_key.as_deref(),
        Some(format!("flowstage-commission-{booking2}-2").as_str())
    );
    let until = Instant::now() + WAIT;
    loop {
        let news = app.payment_news(venue2).await;
        if !news.is_empty() {
            assert!(matches!(&news[..], [PaymentNews::Link { renewed: true, .. }]), "{news:?}");
            break;
        }
        assert!(Instant::now() < until, "no renewed link");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_crash_between_commit_and_answer_applies_once() {
    crash_cases(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_crash_between_commit_and_answer_applies_once() {
    crash_cases(true).await;
}

async fn crash_cases(postgres: bool) {
    let mut app = App::start(postgres).await;
    let (venue, booking) = app.booking("1", 10).await;
    let session = app.link(booking, 1).await;
    app.payment_news(venue).await;

    // The effect committed, then the process died before answering: exactly the state the
    // endpoint leaves when killed between its commit and its response. Stripe retries.
    let paid = event("checkout_session_completed", "evt_crash", booking, &session, "pi_c");
    let committed = app
        .store
        .apply_stripe_event(&StripeEvent::parse(paid.as_bytes()).unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(committed, flowstage_core::payments::Applied::Now(StripeOutcome::Settled));
    app.kill_and_restart().await;
    assert_eq!(app.post_signed(&paid).await, 200);
    assert_eq!(app.payment_news(venue).await, [PaymentNews::Paid], "one receipt, not two");

    // A process killed while requests are in flight: whatever it committed, Stripe's retries
    // (until a 2xx) leave every effect applied once.
    let mut expected = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..6 {
        let (v, b) = app.booking(&format!("k{i}"), 12 + i).await;
        let s = app.link(b, 1).await;
        app.payment_news(v).await;
        expected.push((v, b));
        bodies.push(event(
            "checkout_session_completed",
            &format!("evt_kill_{i}"),
            b,
            &s,
            &format!("pi_k{i}"),
        ));
    }
    let sigs = sign(&bodies.iter().map(|b| (b.as_str(), SECRET, now())).collect::<Vec<_>>());
    let mut inflight = Vec::new();
    for (body, sig) in bodies.iter().zip(&sigs) {
        let http = app.http.clone();
        let url = format!("http://{}/webhooks/stripe", app.addr);
        let (body, sig) = (body.clone(), sig.clone());
        inflight.push(tokio::spawn(async move {
            http.post(url)
                .header("Stripe-Signature", sig)
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    app.kill_and_restart().await;
    for t in inflight {
        let _ = t.await.unwrap();
    }
    for (body, sig) in bodies.iter().zip(&sigs) {
        // Stripe retries every delivery it did not see a 2xx for; retrying all is the worst case.
        assert_eq!(app.post_stripe_event(body.clone(), sig).await, 200);
    }
    for (v, b) in expected {
        assert_eq!(app.status(b).await, CommissionStatus::Paid);
        assert_eq!(app.payment_news(v).await, [PaymentNews::Paid], "booking {b}: one receipt");
    }
    app.finish().await;
}
