//! A load measurement of the Telegram front-end: many scripted people chatting at once with the
//! real `flowstage serve` through the fake Bot API, measuring the replies per second the bot
//! sustains and the time from a person's message to the bot's first answer.

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
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::fake_telegram::FakeTelegram;

/// What a run does.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub users: usize,
    /// Updates come by webhook (else by long polling).
    pub webhook: bool,
    /// How long each person reads an answer before acting again (zero: a burst).
    pub think: Duration,
    /// Each person creates a venue profile through the whole wizard (else a few commands).
    pub wizard: bool,
    /// The fake refuses messages beyond Telegram's limits with 429, as Telegram does.
    pub limits: bool,
}

impl Load {
    /// `users` people acting at once, a few commands each, by long polling, no limits.
    #[must_use]
    pub fn burst(users: usize) -> Self {
        Self { users, webhook: false, think: Duration::ZERO, wizard: false, limits: false }
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    pub users: usize,
    pub wizard: bool,
    /// Messages refused with 429 under Telegram's limits (when enforced).
    pub rate_limited: Option<u32>,
    /// Updates came by webhook (else by long polling).
    pub webhook: bool,
    /// The binary measured was an optimised build.
    pub release: bool,
    /// How long each person read an answer before acting again (zero: a burst).
    pub think: Duration,
    /// Messages people sent and buttons they pressed.
    pub actions: usize,
    /// Messages the bot sent.
    pub replies: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Figures {
    #[must_use]
    pub fn replies_per_second(&self) -> f64 {
        self.replies as f64 / self.elapsed.as_secs_f64()
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {}{}): {} users, {} actions, {} bot messages in {:.2} s: {:.0} replies/s; message→answer p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}",
            if self.webhook { "webhook" } else { "long polling" },
            if self.release { "release build" } else { "debug build" },
            if self.think.is_zero() {
                "burst: all at once".to_owned()
            } else {
                format!("steady: {} ms between actions per person", self.think.as_millis())
            },
            if self.wizard { ", each through the venue wizard" } else { "" },
            self.users,
            self.actions,
            self.replies,
            self.elapsed.as_secs_f64(),
            self.replies_per_second(),
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.max.as_secs_f64() * 1000.0,
            match self.rate_limited {
                Some(n) => format!(
                    "; under Telegram's limits: {n} messages refused with 429 ({:.2} % of those sent)",
                    f64::from(n) * 100.0 / self.replies.max(1) as f64
                ),
                None => String::new(),
            },
        )
    }
}

/// Waits until the bot has sent `user` more than `before` messages.
async fn answered(fake: &FakeTelegram, user: i64, before: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while fake.sent_count(user) <= before {
        assert!(Instant::now() < deadline, "user {user} got no answer within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the newest message to `user` satisfies `pred` (`what` names it if it never does).
async fn newest(
    fake: &FakeTelegram,
    user: i64,
    timeout: Duration,
    what: &str,
    pred: impl Fn(&crate::fake_telegram::BotMessage) -> bool,
) {
    let deadline = Instant::now() + timeout;
    while !fake.last_message_to(user).is_some_and(|m| pred(&m)) {
        assert!(Instant::now() < deadline, "user {user} never saw {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the newest message to `user` shows a button containing `label`.
async fn shows(fake: &FakeTelegram, user: i64, label: &str, timeout: Duration) {
    newest(fake, user, timeout, &format!("the button {label:?}"), |m| {
        m.inline_buttons().iter().flatten().any(|(l, _)| l.contains(label))
    })
    .await;
}

/// One person's chat: /start, consent by button, then questions to the bot, reading each
/// answer for `think` (after a first wait of `start`, so people do not all begin at once).
async fn chat(
    fake: Arc<FakeTelegram>,
    user: i64,
    en: bool,
    start: Duration,
    think: Duration,
) -> usize {
    let timeout = Duration::from_secs(120);
    let mut actions = 0;
    tokio::time::sleep(start).await;
    let before = fake.sent_count(user);
    fake.user_sends(user, "/start");
    actions += 1;
    answered(&fake, user, before, timeout).await;
    let agree = if en { "I agree" } else { "J'accepte" };
    shows(&fake, user, agree, timeout).await;
    tokio::time::sleep(think).await;
    let before = fake.sent_count(user);
    fake.user_presses(user, agree).unwrap();
    actions += 1;
    answered(&fake, user, before, timeout).await;
    for text in ["/help", "/match", "/help"] {
        tokio::time::sleep(think).await;
        let before = fake.sent_count(user);
        fake.user_sends(user, text);
        actions += 1;
        answered(&fake, user, before, timeout).await;
    }
    actions
}

/// Waits until the newest message to `user` contains `text`.
async fn says(fake: &FakeTelegram, user: i64, text: &str, timeout: Duration) {
    newest(fake, user, timeout, &format!("{text:?}"), |m| m.text.contains(text)).await;
}

/// One person creating a venue profile: /start, consent, "Venue", each question answered (typed
/// or skipped), the profile submitted; reading each answer for `think`.
async fn wizard(
    fake: Arc<FakeTelegram>,
    user: i64,
    en: bool,
    start: Duration,
    think: Duration,
) -> usize {
    let timeout = Duration::from_secs(600);
    let w = |fr: &'static str, e: &'static str| if en { e } else { fr };
    let q = |n: u8| if en { format!("Question {n} of 12") } else { format!("Question {n} sur 12") };
    tokio::time::sleep(start).await;
    let mut actions = 0;
    let mut step = |act: Box<dyn FnOnce(&FakeTelegram) + Send>, expect: String| {
        actions += 1;
        let fake = fake.clone();
        async move {
            tokio::time::sleep(think).await;
            act(&fake);
            says(&fake, user, &expect, timeout).await;
        }
    };
    let send = |text: &'static str| -> Box<dyn FnOnce(&FakeTelegram) + Send> {
        Box::new(move |f: &FakeTelegram| f.user_sends(user, text))
    };
    let press = |label: &'static str| -> Box<dyn FnOnce(&FakeTelegram) + Send> {
        Box::new(move |f: &FakeTelegram| f.user_presses(user, label).unwrap())
    };
    step(send("/start"), w("Acceptez-vous", "Do you agree").into()).await;
    step(press(w("J'accepte", "I agree")), w("Vous êtes plutôt", "Are you").into()).await;
    step(press(w("Lieu", "Venue")), q(1)).await;
    let name: &'static str = Box::leak(format!("Salle {user}").into_boxed_str());
    step(send(name), q(2)).await;
    step(send("Lyon"), q(3)).await;
    step(send("13 rue Delandine, 69002 Lyon"), q(4)).await;
    step(send("250"), q(5)).await;
    step(send("rock"), q(6)).await;
    step(send("500-1500"), q(7)).await;
    step(send(w("05/12/2027", "2027-12-05")), q(8)).await;
    for n in 9..=12 {
        step(press(w("Passer", "Skip")), q(n)).await;
    }
    step(press(w("Passer", "Skip")), w("Voici votre profil", "Here is your profile").into()).await;
    step(
        press(w("Envoyer pour validation", "Submit for review")),
        w("envoyé pour validation", "submitted for review").into(),
    )
    .await;
    actions
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round();
    sorted[(rank as usize).min(sorted.len() - 1)]
}

/// Runs `flowstage serve` (the binary at `binary`) against a fake Telegram with `load.users`
/// people chatting at once, and measures. The refusal log must stay empty.
/// With `think` zero, everyone acts at once and as fast as answered (a burst); otherwise each
/// person reads each answer for `think`, starting at a random moment within it (a steady load).
pub async fn run(binary: &Path, load: Load) -> Figures {
    let Load { users, webhook, think, wizard: through_wizard, limits } = load;
    let fake = Arc::new(FakeTelegram::start().await);
    if limits {
        fake.enforce_limits();
    }
    let first_id = 10_000_i64;
    let ids: Vec<i64> = (0..users).map(|i| first_id + i64::try_from(i).unwrap()).collect();
    for &id in &ids {
        let lang = if id % 2 == 0 { "en" } else { "fr" };
        fake.add_user(id, &format!("User {id}"), Some(lang));
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("load.db").display());
    // Webhook mode needs its URL before start: take a free port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = tokio::process::Command::new(binary);
    cmd.arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db)
        .env("FLOWSTAGE_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("TELEGRAM_BOT_TOKEN", fake.token())
        .env("TELEGRAM_API_URL", fake.api_url())
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::piped())
        .stderr(if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() })
        .kill_on_drop(true);
    if webhook {
        cmd.env("TELEGRAM_WEBHOOK_URL", format!("http://127.0.0.1:{port}/webhooks/telegram"))
            .env("TELEGRAM_WEBHOOK_SECRET", "load-test-secret");
    }
    let mut child = cmd.spawn().expect("spawn flowstage serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).await.unwrap();
    assert!(line.starts_with("listening on"), "unexpected: {line:?}");

    let start = Instant::now();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let start = think.mul_f64(i as f64 / users as f64);
            if through_wizard {
                tokio::spawn(wizard(fake.clone(), id, id % 2 == 0, start, think))
            } else {
                tokio::spawn(chat(fake.clone(), id, id % 2 == 0, start, think))
            }
        })
        .collect();
    let mut actions = 0;
    for t in tasks {
        actions += t.await.expect("a scripted user failed");
    }
    let elapsed = start.elapsed();
    let replies: usize = ids.iter().map(|&id| fake.sent_count(id)).sum();
    let mut latencies = fake.latencies();
    latencies.sort();
    let _ = child.start_kill();
    let _ = child.wait().await;
    fake.assert_clean();
    Figures {
        users,
        wizard: through_wizard,
        rate_limited: limits.then(|| fake.limit_counts().0),
        webhook,
        release: binary.components().any(|c| c.as_os_str() == "release"),
        think,
        actions,
        replies,
        elapsed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
    }
}
