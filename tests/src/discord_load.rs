//! A load measurement of the Discord front-end: many scripted people using slash commands and
//! buttons at once in one server, with the real `flowstage serve` on the fake Discord's gateway
//! and REST API. It measures what Discord holds the bot to — every interaction acknowledged
//! within 3 s — and the time from an interaction to the message that answers it.

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

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::fake_discord::{CHANNEL_ID, FakeDiscord, GUILD_ID, InteractionRef};

/// Discord's limit for the initial response.
const ACK_LIMIT: Duration = Duration::from_secs(3);

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    pub users: usize,
    /// The binary measured was an optimised build.
    pub release: bool,
    /// How long each person read an answer before acting again (zero: a burst).
    pub think: Duration,
    /// Slash commands run and buttons pressed.
    pub interactions: usize,
    /// Acknowledged within Discord's 3 s.
    pub acked_in_time: usize,
    /// Answered by a message (a filled deferral, a follow-up or an edit).
    pub answered: usize,
    /// Calls the fake refused (a late acknowledgement among them).
    pub refused: usize,
    pub elapsed: Duration,
    pub ack_p50: Duration,
    pub ack_p99: Duration,
    pub ack_max: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Figures {
    /// Every interaction acknowledged in time and answered, and nothing refused.
    #[must_use]
    pub fn all_good(&self) -> bool {
        self.acked_in_time == self.interactions
            && self.answered == self.interactions
            && self.refused == 0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Discord ({}, {}): {} users, {} interactions in {:.2} s; acknowledged within 3 s: {}/{} \
             (p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms); interaction→answer p50 {:.1} ms, p99 {:.1} ms, \
             max {:.1} ms; answered {}/{}; refused calls {}",
            if self.release { "release build" } else { "debug build" },
            if self.think.is_zero() {
                "burst: all at once".to_owned()
            } else {
                format!("steady: {} ms between actions per person", self.think.as_millis())
            },
            self.users,
            self.interactions,
            self.elapsed.as_secs_f64(),
            self.acked_in_time,
            self.interactions,
            ms(self.ack_p50),
            ms(self.ack_p99),
            ms(self.ack_max),
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.answered,
            self.interactions,
            self.refused,
        )
    }
}

/// Waits until `i` is answered by a message; false if it is not within `timeout`.
async fn answered(fake: &FakeDiscord, i: &InteractionRef, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while fake.timing(i).answered.is_none() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

/// One person in the server: /start, consent by button, then /help, /match and /help, reading
/// each answer for `think` (after a first wait of `start`, so people do not all begin at once).
/// Stops at the first interaction left unanswered.
async fn person(fake: Arc<FakeDiscord>, user: u64, en: bool, start: Duration, think: Duration) {
    let timeout = Duration::from_secs(120);
    tokio::time::sleep(start).await;
    let i = fake.send_command(user, CHANNEL_ID, "start", json!([]));
    if !answered(&fake, &i, timeout).await {
        return;
    }
    tokio::time::sleep(think).await;
    let agree = if en { "I agree" } else { "J'accepte" };
    // The button comes with the reply's last message.
    let deadline = Instant::now() + timeout;
    let i = loop {
        match fake.press(user, agree) {
            Ok(i) => break i,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(_) => return,
        }
    };
    if !answered(&fake, &i, timeout).await {
        return;
    }
    for command in ["help", "match", "help"] {
        tokio::time::sleep(think).await;
        let i = fake.send_command(user, CHANNEL_ID, command, json!([]));
        if !answered(&fake, &i, timeout).await {
            return;
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round();
    sorted[(rank as usize).min(sorted.len() - 1)]
}

/// Runs `flowstage serve` (the binary at `binary`) against a fake Discord with `users` people
/// in one server acting at once, and measures. With `think` zero, everyone acts at once and as
/// fast as answered (a burst); otherwise each person reads each answer for `think`, starting at
/// a moment spread within it (a steady load).
pub async fn run(binary: &Path, users: usize, think: Duration) -> Figures {
    let fake = Arc::new(FakeDiscord::start().await);
    let first_id = 4_000_000_000_000_000_000_u64;
    let ids: Vec<u64> = (0..users).map(|i| first_id + u64::try_from(i).unwrap()).collect();
    for &id in &ids {
        let locale = if id % 2 == 0 { "en-US" } else { "fr" };
        fake.add_user(id, &format!("User {id}"), locale);
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("load.db").display());
    let mut child = tokio::process::Command::new(binary)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db)
        .env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.api_url())
        .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::piped())
        .stderr(if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() })
        .kill_on_drop(true)
        .spawn()
        .expect("spawn flowstage serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).await.unwrap();
    assert!(line.starts_with("listening on"), "unexpected: {line:?}");
    fake.wait_ready(Duration::from_secs(60)).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.commands(Some(GUILD_ID)).is_empty() {
        assert!(Instant::now() < deadline, "the slash commands were never registered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let start = Instant::now();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let start = think.mul_f64(i as f64 / users as f64);
            tokio::spawn(person(fake.clone(), id, id % 2 == 0, start, think))
        })
        .collect();
    for t in tasks {
        t.await.expect("a scripted person failed");
    }
    let elapsed = start.elapsed();
    let _ = child.start_kill();
    let _ = child.wait().await;

    let timings = fake.timings();
    let mut acks: Vec<Duration> = timings.iter().filter_map(|t| t.ack).collect();
    acks.sort();
    let mut answers: Vec<Duration> = timings.iter().filter_map(|t| t.answered).collect();
    answers.sort();
    Figures {
        users,
        release: binary.components().any(|c| c.as_os_str() == "release"),
        think,
        interactions: timings.len(),
        acked_in_time: acks.iter().filter(|a| **a <= ACK_LIMIT).count(),
        answered: answers.len(),
        refused: fake.refused().len(),
        elapsed,
        ack_p50: percentile(&acks, 0.50),
        ack_p99: percentile(&acks, 0.99),
        ack_max: acks.last().copied().unwrap_or_default(),
        p50: percentile(&answers, 0.50),
        p99: percentile(&answers, 0.99),
        max: answers.last().copied().unwrap_or_default(),
    }
}
