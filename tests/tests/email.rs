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
    let mut cmd = tokio::process::Command::from(t.command(&["serve"]));
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true).spawn().unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    tokio::time::timeout(WAIT, out.read_line(&mut line)).await.unwrap().unwrap();
    assert!(line.starts_with("listening on"), "{line:?}");
    (App { fake, child, db, _dir: t }, smtp)
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
