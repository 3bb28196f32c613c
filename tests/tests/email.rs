//! Email end to end (issue 15): the real `flowstage serve` with a person on the fake Telegram and
//! a real SMTP server on loopback (Python's `aiosmtpd`, `tests/smtp/server.py`); every message it
//! receives is read back with Python's `email` package (`tests/smtp/read.py`). An address given in
//! `/settings` is verified by the code emailed to it (a wrong code counted, the right one
//! accepted), then a proposal received reaches it as text and HTML in the person's language; a
//! server that answers 451 is tried again, one that answers 550 stops the address and the person
//! is told in chat.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use flowstage_core::clock::SystemClock;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::{Lang, ProposalId};
use flowstage_core::notify::Event;
use flowstage_core::store::Store;
use flowstage_tests::TestDir;
use flowstage_tests::fake_telegram::FakeTelegram;
use flowstage_tests::smtp::SmtpServer;
use tokio::io::{AsyncBufReadExt, BufReader};

const WAIT: Duration = Duration::from_secs(30);

struct App {
    fake: FakeTelegram,
    child: tokio::process::Child,
    addr: String,
    db: String,
    _dir: TestDir,
}

impl App {
    async fn says(&self, user: i64, text: &str, expected: &str) {
        let seen = self.fake.messages_to(user).last().map_or(0, |m| m.message_id);
        self.fake.user_sends(user, text);
        self.fake
            .wait_for(user, WAIT, expected, |m| m.message_id > seen && m.text.contains(expected))
            .await;
    }

    async fn presses(&self, user: i64, label: &str, expected: &str) {
        let seen = self.fake.messages_to(user).last().map_or(0, |m| m.message_id);
        self.fake.user_presses(user, label).unwrap();
        self.fake
            .wait_for(user, WAIT, expected, |m| m.message_id > seen && m.text.contains(expected))
            .await;
    }

    /// Léa (4001) gives lea@example.fr and types back the code the first email brought; the
    /// application's database and her account.
    async fn lea_verifies(&self, smtp: &SmtpServer) -> (Store, flowstage_core::domain::AccountId) {
        self.gives_address(4001, "lea@example.fr").await;
        let subject = smtp.message(1).await["subject"].as_str().unwrap().to_owned();
        let code: String = subject.chars().filter(char::is_ascii_digit).collect();
        self.says(4001, &code, "est vérifiée").await;
        let store = Store::connect(&self.db, Arc::new(SystemClock)).await.unwrap();
        let identity = Identity { platform: Platform::Telegram, external_id: "4001".into() };
        let lea = store.account_by_identity(&identity).await.unwrap().unwrap().id;
        (store, lea)
    }

    /// The person consents and gives `address` in `/settings`.
    async fn gives_address(&self, user: i64, address: &str) {
        self.says(user, "/start", "Acceptez-vous").await;
        self.presses(user, "J'accepte", "Vous êtes plutôt").await;
        self.says(user, "/settings", "Réglages").await;
        self.presses(user, "Email", "email de contact").await;
        self.says(user, address, "J'ai envoyé un code").await;
    }
}

async fn start() -> (App, SmtpServer) {
    start_with(&[]).await
}

async fn start_with(env: &[(&str, &str)]) -> (App, SmtpServer) {
    let dir = TestDir::new();
    let smtp = SmtpServer::start(&dir.path().join("mail")).await;
    let fake = FakeTelegram::start().await;
    for (id, name) in [(4001, "Léa"), (4002, "Tom"), (4003, "Zoé")] {
        fake.add_user(id, name, Some("fr"));
    }
    let db = dir.sqlite_url("mail.db");
    let t = dir
        .env("DATABASE_URL", &db)
        .env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0")
        .env("TELEGRAM_BOT_TOKEN", fake.token())
        .env("TELEGRAM_API_URL", &fake.api_url())
        .env("SMTP_URL", &smtp.url())
        .env("MAIL_FROM", "Flow Stage <bookings@flowstage.test>");
    let t = env.iter().fold(t, |t, (k, v)| t.env(k, v));
    let mut cmd = tokio::process::Command::from(t.command(&["serve"]));
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true).spawn().unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    tokio::time::timeout(WAIT, out.read_line(&mut line)).await.unwrap().unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().to_owned();
    (App { fake, child, addr, db, _dir: t }, smtp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_address_is_verified_by_code_then_receives_proposals_and_refusals_are_handled() {
    let (mut app, smtp) = start().await;

    // The code reaches the address; a wrong one is counted, the right one verifies it.
    app.gives_address(4001, "lea@example.fr").await;
    let code_mail = smtp.message(1).await;
    assert_eq!(code_mail["to"], "lea@example.fr");
    assert!(code_mail["from"].as_str().unwrap().contains("bookings@flowstage.test"));
    let subject = code_mail["subject"].as_str().unwrap();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{subject}");
    assert!(code_mail["text"].as_str().unwrap().contains(&code));
    assert!(code_mail["html"].as_str().unwrap().contains(&code));
    app.says(4001, "000000", "Ce n'est pas le code. Encore 4 essais").await;
    app.says(4001, &code, "est vérifiée").await;

    // A proposal received goes by chat and by email, in French, text and HTML.
    let store = Store::connect(&app.db, Arc::new(SystemClock)).await.unwrap();
    let identity = Identity { platform: Platform::Telegram, external_id: "4001".into() };
    let account = store.account_by_identity(&identity).await.unwrap().unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 12).unwrap();
    let event = Event::ProposalReceived {
        proposal: ProposalId(7),
        from_name: "Le Sonar".into(),
        day,
        fee_euros: 800,
    };
    store.notify(account.id, &event, "test:proposal:7").await.unwrap();
    app.fake.wait_for_text(4001, "Le Sonar").await;
    let proposal_mail = smtp.message(2).await;
    assert_eq!(proposal_mail["to"], "lea@example.fr");
    assert!(proposal_mail["subject"].as_str().unwrap().starts_with("Flow Stage"));
    assert!(proposal_mail["text"].as_str().unwrap().contains("Le Sonar"));
    assert!(proposal_mail["html"].as_str().unwrap().contains("Le Sonar"));
    assert!(proposal_mail["text"].as_str().unwrap().contains("/settings"), "the footer");
    assert!(proposal_mail["list_unsubscribe"].is_null(), "a proposal is not a newsletter");
    assert!(proposal_mail["message_id"].as_str().unwrap().contains('@'), "{proposal_mail}");
    let mut lea = store.account(account.id).await.unwrap();
    assert!(lea.email_verified);
    assert_eq!(lea.lang, Lang::Fr);

    // 451: tried again (about 10 s later), delivered once.
    app.gives_address(4002, "tempfail-tom@example.fr").await;
    let retried = smtp.message(3).await;
    assert_eq!(retried["to"], "tempfail-tom@example.fr");

    // 550: given up, and the person told in chat.
    app.gives_address(4003, "bounce-zoe@example.fr").await;
    app.fake.wait_for_text(4003, "refusés par son serveur").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.count(), 3, "nothing else was sent");
    assert_eq!(store.pending_email_count().await.unwrap(), 0);
    lea = store.account(account.id).await.unwrap();
    assert!(lea.email_verified, "Léa's address is untouched");
    store.close().await;
    let _ = app.child.start_kill();
    let _ = app.child.wait().await;
    app.fake.assert_clean();
}

/// Signs `posts` (timestamp, body) with a fresh P-256 key as the provider does; returns the
/// public key (what `EMAIL_WEBHOOK_KEY` holds) and each signature.
fn sign(posts: &[(String, String)]) -> (String, Vec<String>) {
    use std::io::Write as _;
    let request = serde_json::json!({
        "posts": posts.iter().map(|(t, b)| serde_json::json!({"timestamp": t, "body": b})).collect::<Vec<_>>()
    });
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp/sign_events.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let signatures = v["signatures"].as_array().unwrap();
    (
        v["key"].as_str().unwrap().to_owned(),
        signatures.iter().map(|s| s.as_str().unwrap().to_owned()).collect(),
    )
}

/// The provider's events: a signed bounce stops the address and the person is told in chat,
/// once even when the provider posts it again; a forged signature and a replayed (stale) post
/// are refused with 403 and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signed_bounce_stops_the_address_and_forged_or_replayed_posts_do_nothing() {
    use flowstage_core::clock::Clock as _;
    let now = SystemClock.now().timestamp();
    let bounce = r#"[{"email": "lea@example.fr", "event": "bounce", "sg_event_id": "ev-1", "reason": "550 mailbox full"}]"#;
    let delivered = r#"[{"email": "lea@example.fr", "event": "delivered", "sg_event_id": "ev-0"}]"#;
    let posts = [
        (now.to_string(), delivered.to_owned()),
        (now.to_string(), bounce.to_owned()),
        ((now - 3600).to_string(), bounce.to_owned()),
    ];
    let (key, signatures) = sign(&posts);
    let (mut app, smtp) = start_with(&[("EMAIL_WEBHOOK_KEY", &key)]).await;
    let (store, lea) = app.lea_verifies(&smtp).await;

    let http = reqwest::Client::new();
    let url = format!("http://{}/webhooks/email/events", app.addr);
    let post = |timestamp: &str, body: &str, signature: &str| {
        http.post(&url)
            .header("X-Twilio-Email-Event-Webhook-Timestamp", timestamp)
            .header("X-Twilio-Email-Event-Webhook-Signature", signature)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
    };
    let status = |r: reqwest::Result<reqwest::Response>| r.unwrap().status().as_u16();
    // Forged: a signature of another body; replayed: an hour-old timestamp; unsigned.
    assert_eq!(status(post(&posts[1].0, bounce, &signatures[0]).await), 403);
    assert_eq!(status(post(&posts[2].0, bounce, &signatures[2]).await), 403);
    let unsigned = http.post(&url).body(bounce.to_owned()).send().await;
    assert_eq!(status(unsigned), 403);
    assert!(store.account(lea).await.unwrap().email_verified, "nothing changed");
    // Delivered changes nothing; the bounce stops the address and Léa is told, once.
    assert_eq!(status(post(&posts[0].0, delivered, &signatures[0]).await), 200);
    assert!(store.account(lea).await.unwrap().email_verified);
    assert_eq!(status(post(&posts[1].0, bounce, &signatures[1]).await), 200);
    app.fake.wait_for_text(4001, "refusés par son serveur").await;
    assert!(!store.account(lea).await.unwrap().email_verified);
    assert_eq!(status(post(&posts[1].0, bounce, &signatures[1]).await), 200, "a retry");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let told = app.fake.messages_to(4001);
    let told = told.iter().filter(|m| m.text.contains("refusés par son serveur")).count();
    assert_eq!(told, 1);
    store.close().await;
    let _ = app.child.start_kill();
    let _ = app.child.wait().await;
    app.fake.assert_clean();
}

/// Search alerts go by email as one digest a day per account, with a one-click unsubscribe link
/// (`List-Unsubscribe`, RFC 8058) that turns them off when posted to.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alerts_come_as_one_daily_digest_with_a_one_click_unsubscribe() {
    use flowstage_core::domain::{ProfileId, SavedSearchId};
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let addr = format!("127.0.0.1:{port}");
    let (mut app, smtp) =
        start_with(&[("FLOWSTAGE_HTTP_ADDR", &addr), ("PUBLIC_BASE_URL", &base)]).await;
    let (store, lea) = app.lea_verifies(&smtp).await;
    let alert = |n: i64, name: &str| Event::SearchAlert {
        search: SavedSearchId(1),
        profile: ProfileId(n),
        name: name.to_owned(),
        score: 88,
    };
    // Two alerts at once: one email carrying both.
    store.notify(lea, &alert(1, "Le Sonar"), "alert:1:1").await.unwrap();
    store.notify(lea, &alert(2, "La Cigale"), "alert:1:2").await.unwrap();
    let digest = smtp.message(2).await;
    let text = digest["text"].as_str().unwrap();
    assert!(text.contains("Le Sonar") && text.contains("La Cigale"), "{text}");
    assert!(digest["subject"].as_str().unwrap().contains("nouveaux profils"), "{digest}");
    let link = digest["list_unsubscribe"].as_str().unwrap().trim_matches(['<', '>']).to_owned();
    assert!(link.starts_with(&format!("{base}/email/unsubscribe/")), "{link}");
    assert!(text.contains(&link), "the link is in the text too");
    // A third the same day waits for tomorrow's digest.
    store.notify(lea, &alert(3, "Le Petit Bain"), "alert:1:3").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.count(), 2);
    assert_eq!(store.pending_email_count().await.unwrap(), 1);
    // One click (what mail clients post): alerts off, none copied any more.
    let http = reqwest::Client::new();
    let clicked = http.post(&link).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(clicked.status().as_u16(), 200);
    assert!(!store.account(lea).await.unwrap().email_alerts);
    let bogus = http.post(format!("{base}/email/unsubscribe/nope")).send().await.unwrap();
    assert_eq!(bogus.status().as_u16(), 404);
    store.notify(lea, &alert(4, "Le Trabendo"), "alert:1:4").await.unwrap();
    assert_eq!(store.pending_email_count().await.unwrap(), 1, "not copied once unsubscribed");
    store.close().await;
    let _ = app.child.start_kill();
    let _ = app.child.wait().await;
    app.fake.assert_clean();
}

/// A reply by email as SendGrid's Inbound Parse posts it: `multipart/form-data` with the
/// headers and text as fields and each attachment as a file; the status of the answer.
async fn post_reply(
    addr: &str,
    to: &str,
    from: &str,
    text: &str,
    files: &[(&str, &str, &[u8])],
) -> u16 {
    let boundary = "----flowstage-test-boundary-7d1c";
    let mut body = Vec::new();
    let envelope = serde_json::json!({"to": [to], "from": from}).to_string();
    for (name, value) in [("to", to), ("from", from), ("subject", "Re: Flow Stage"), ("text", text)]
        .into_iter()
        .chain([("envelope", envelope.as_str())])
    {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (i, (name, mime, bytes)) in files.iter().enumerate() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment{}\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n",
                i + 1
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/email/inbound"))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

/// Issue 15: a reply by email to a proposal email lands in the proposal's thread and reaches the
/// artist on Telegram, without the message it quotes; a sender who is not the thread's
/// participant, a forged or unsigned address and an attachment over the limit are refused with
/// nothing posted; the same post sent again posts nothing twice; once booked, a PDF sent back is
/// the venue's signed copy of the contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_by_email_reaches_the_thread_and_refusals_post_nothing() {
    let (mut app, smtp) = start().await;
    let (store, lea) = app.lea_verifies(&smtp).await;
    // Léa now reads English: her emails follow.
    let account = store.account(lea).await.unwrap();
    let settings = flowstage_core::store::Settings {
        lang: Lang::En,
        email_alerts: account.email_alerts,
        alert_threshold: account.alert_threshold,
        contact_email: account.contact_email.clone(),
    };
    store.update_settings(lea, &settings).await.unwrap();
    assert!(store.account(lea).await.unwrap().email_verified, "the same address stays verified");
    // Léa runs a venue; Tom, on Telegram, proposes a date to it.
    let day = flowstage_core::clock::Clock::today(&SystemClock) + chrono::Duration::days(30);
    let (_, venue) = flowstage_tests::approved_profile(&store, 4001, true, day).await;
    app.says(4002, "/start", "Acceptez-vous").await;
    app.presses(4002, "J'accepte", "Vous êtes plutôt").await;
    let (tom, artist) = flowstage_tests::approved_profile(&store, 4002, false, day).await;
    let service = flowstage_core::booking::BookingService::new(
        store.clone(),
        flowstage_core::config::Rules::default(),
    );
    let terms = flowstage_tests::flat_fee(day, "1000");
    let proposal = service.propose(tom, artist, venue, terms).await.unwrap();
    let mail = smtp.message(2).await;
    assert_eq!(mail["to"], "lea@example.fr");
    // In English, text and HTML alike, with the English footer.
    for part in ["text", "html"] {
        let body = mail[part].as_str().unwrap();
        assert!(body.contains("New proposal") && body.contains("Band 4002"), "{part}: {body}");
    }
    assert!(mail["text"].as_str().unwrap().contains("/settings"), "{mail}");
    let reply_to = mail["reply_to"].as_str().unwrap().to_owned();
    assert!(
        reply_to.starts_with(&format!("bookings+r{}-{}-", proposal.id.0, lea.0))
            && reply_to.ends_with("@flowstage.test"),
        "{reply_to}"
    );
    let quoted = "Oui pour cette date, balances à 17 h.\n\nLe jeu. 4 déc. 2026, Flow Stage <bookings@flowstage.test> a écrit :\n> Nouvelle proposition";
    let from = "Léa <lea@example.fr>";

    // Refused, nothing posted: another sender, a forged or unsigned address, a file too large.
    assert_eq!(post_reply(&app.addr, &reply_to, "Zoé <zoe@example.fr>", quoted, &[]).await, 403);
    let forged = reply_to.replacen(&format!("r{}-", proposal.id.0), "r999-", 1);
    assert_eq!(post_reply(&app.addr, &forged, from, quoted, &[]).await, 403);
    assert_eq!(post_reply(&app.addr, "bookings@flowstage.test", from, quoted, &[]).await, 403);
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let too_large = [("scan.pdf", "application/pdf", big.as_slice())];
    assert_eq!(post_reply(&app.addr, &reply_to, from, quoted, &too_large).await, 413);
    assert_eq!(post_reply(&app.addr, &reply_to, from, "> only the quote", &[]).await, 422);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !app.fake.messages_to(4002).iter().any(|m| m.text.contains("balances")),
        "nothing reached Tom"
    );

    // Léa's reply reaches Tom on Telegram, without the quoted message; sent again, once.
    assert_eq!(post_reply(&app.addr, &reply_to, from, quoted, &[]).await, 200);
    let told = app.fake.wait_for_text(4002, "balances à 17 h").await;
    assert!(!told.text.contains("a écrit"), "{}", told.text);
    assert_eq!(post_reply(&app.addr, &reply_to, from, quoted, &[]).await, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let times = app.fake.messages_to(4002).iter().filter(|m| m.text.contains("balances")).count();
    assert_eq!(times, 1, "the provider's retry posts nothing twice");

    // Booked, with every contract detail: a signed PDF sent back is the venue's signed copy.
    flowstage_tests::give_contract_details(&store, venue).await;
    flowstage_tests::give_contract_details(&store, artist).await;
    flowstage_tests::give_contract_terms(&store, proposal.id).await;
    let booked = service.accept(lea, proposal.id).await.unwrap();
    assert!(booked.booking.contract_sha256.is_some(), "the contract is issued");
    let signed = b"%PDF-1.7 signed by the venue".to_vec();
    let file = [("contrat-signe.pdf", "application/pdf", signed.as_slice())];
    assert_eq!(post_reply(&app.addr, &reply_to, from, "Signé, ci-joint.", &file).await, 200);
    let booking = store.booking(booked.booking.id).await.unwrap();
    assert!(booking.signed.venue.is_some(), "{:?}", booking.signed);
    assert!(booking.signed.artist.is_none());

    store.close().await;
    let _ = app.child.start_kill();
    let _ = app.child.wait().await;
    app.fake.assert_clean();
}
