//! The Discord front-end end to end: the real `flowstage serve` against the fake Discord (REST v10
//! and the gateway on loopback), with scripted people: a venue from its first slash command in the
//! team's server, through the wizard by buttons and direct messages, to a profile submitted for
//! review; an admin approving it from Discord, the approval reaching the venue by DM. Every test
//! ends with the fake's refusal log empty and no interaction left hanging.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::process::Stdio;
use std::time::Duration;

use flowstage_tests::TestDir;
use flowstage_tests::fake_discord::{CHANNEL_ID, DiscordMessage, FakeDiscord, GUILD_ID};
use flowstage_tests::fake_telegram::FakeTelegram;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

const ADMIN: u64 = 3_000_000_000_000_000_009;
const VENUE: u64 = 3_000_000_000_000_000_101;
const WAIT: Duration = Duration::from_secs(40);

/// `flowstage serve` running against a fake Discord.
struct App {
    fake: FakeDiscord,
    /// The fake Telegram, when people on Telegram take part.
    tg: Option<FakeTelegram>,
    child: tokio::process::Child,
    /// The database the binary uses, for stories that set facts directly.
    db: String,
    _dir: TestDir,
}

impl App {
    async fn spawn(users: &[(u64, &str, &str)]) -> App {
        Self::spawn_with(users, None).await
    }

    /// As [`App::spawn`], with the Telegram front-end too when `tg` is given.
    async fn spawn_with(users: &[(u64, &str, &str)], tg: Option<FakeTelegram>) -> App {
        let fake = FakeDiscord::start().await;
        fake.add_user(ADMIN, "Root", "en-US");
        fake.set_permissions(ADMIN, 8);
        for (id, name, locale) in users {
            fake.add_user(*id, name, locale);
        }
        let dir = TestDir::new();
        let db = dir.sqlite_url("dc.db");
        let mut t = dir
            .env("DATABASE_URL", &db)
            .env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0")
            .env("DISCORD_TOKEN", fake.token())
            .env("DISCORD_API_URL", &fake.api_url())
            .env("DISCORD_GUILD_ID", &GUILD_ID.to_string())
            .env("ADMIN_DISCORD_IDS", &ADMIN.to_string());
        if let Some(tg) = &tg {
            t = t.env("TELEGRAM_BOT_TOKEN", tg.token()).env("TELEGRAM_API_URL", &tg.api_url());
        }
        if let Ok(filter) = std::env::var("RUST_LOG") {
            t = t.env("RUST_LOG", &filter);
        }
        let stderr =
            if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() };
        let mut cmd = tokio::process::Command::from(t.command(&["serve"]));
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(stderr).kill_on_drop(true).spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::time::timeout(WAIT, stdout.read_line(&mut line)).await.unwrap().unwrap();
        assert!(line.starts_with("listening on http://"), "unexpected: {line:?}");
        fake.wait_ready(WAIT).await;
        // The commands are registered in the server right after READY.
        let deadline = tokio::time::Instant::now() + WAIT;
        while fake.commands(Some(GUILD_ID)).is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "commands never registered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        App { fake, tg, child, db, _dir: t }
    }

    /// What `user` can see of the bot now: (message, text) pairs.
    fn seen(&self, user: u64) -> Vec<(u64, String)> {
        let mut all: Vec<DiscordMessage> = self.fake.messages_in(CHANNEL_ID);
        all.extend(self.fake.dms_to(user));
        all.iter().map(|m| (m.id, m.text())).collect()
    }

    /// The person does something, then sees `expected` in a message new or changed since.
    async fn after(&self, user: u64, act: impl FnOnce(&FakeDiscord), expected: &str) -> String {
        let before = self.seen(user);
        act(&self.fake);
        let wanted = expected.to_owned();
        let found = self
            .fake
            .wait_for(user, WAIT, expected, move |m| {
                let text = m.text();
                text.contains(&wanted) && !before.contains(&(m.id, text.clone()))
            })
            .await;
        // A reply can be several messages: let the rest arrive before the next action.
        loop {
            let count = self.fake.calls("").len();
            tokio::time::sleep(Duration::from_millis(150)).await;
            if self.fake.calls("").len() == count {
                return found.text();
            }
        }
    }

    async fn command(&self, user: u64, name: &str, options: Value, expected: &str) -> String {
        self.after(user, |f| drop(f.send_command(user, CHANNEL_ID, name, options)), expected).await
    }

    async fn presses(&self, user: u64, label: &str, expected: &str) -> String {
        self.after(user, |f| drop(f.press(user, label).unwrap()), expected).await
    }

    /// The person writes to the bot in their DMs.
    async fn says(&self, user: u64, text: &str, expected: &str) -> String {
        self.after(
            user,
            |f| {
                let dm = f.dm_channel(user);
                f.user_sends(user, dm, text);
            },
            expected,
        )
        .await
    }

    /// A person on Telegram does something, then the bot says `expected` in a new message.
    async fn tg_after(&self, user: i64, act: impl FnOnce(&FakeTelegram), expected: &str) {
        let tg = self.tg.as_ref().unwrap();
        let seen = tg.messages_to(user).last().map_or(0, |m| m.message_id);
        act(tg);
        tg.wait_for(user, WAIT, expected, |m| m.message_id > seen && m.text.contains(expected))
            .await;
        loop {
            let count = tg.sent_count(user);
            tokio::time::sleep(Duration::from_millis(150)).await;
            if tg.sent_count(user) == count {
                return;
            }
        }
    }

    async fn tg_says(&self, user: i64, text: &str, expected: &str) {
        self.tg_after(user, |f| f.user_sends(user, text), expected).await;
    }

    async fn tg_presses(&self, user: i64, label: &str, expected: &str) {
        self.tg_after(user, |f| f.user_presses(user, label).unwrap(), expected).await;
    }

    async fn stop(mut self) -> FakeDiscord {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        if let Some(tg) = &self.tg {
            tg.assert_clean();
        }
        self.fake
    }
}

fn q(n: u8, of: u8) -> String {
    format!("Question {n} sur {of}")
}

/// A French venue from its first slash command in the server to a profile submitted for
/// review: buttons in the server, typed answers by DM.
async fn venue_profile(app: &App, user: u64, name: &str) {
    app.command(user, "start", json!([]), "Acceptez-vous").await;
    app.presses(user, "J'accepte", "Vous êtes plutôt").await;
    app.presses(user, "Lieu", &q(1, 11)).await;
    app.says(user, name, &q(2, 11)).await;
    app.says(user, "Lyon", &q(3, 11)).await;
    app.says(user, "13 rue Delandine, 69002 Lyon", &q(4, 11)).await;
    app.says(user, "250", &q(5, 11)).await;
    app.says(user, "rock", &q(6, 11)).await;
    app.says(user, "500-1500", &q(7, 11)).await;
    app.says(user, "05/12/2026", &q(8, 11)).await;
    app.presses(user, "Passer", &q(9, 11)).await;
    app.presses(user, "Passer", &q(10, 11)).await;
    app.presses(user, "Passer", &q(11, 11)).await;
    let summary = app.presses(user, "Passer", "Voici votre profil").await;
    // Shown as typed: markdown in a name is escaped, not applied.
    let escaped = name.replace('*', "\\*");
    assert!(summary.contains(&escaped), "the name shows as typed: {summary}");
    app.presses(user, "Envoyer pour validation", "envoyé pour validation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_venue_signs_up_from_its_server_and_an_admin_approves_it_from_discord() {
    let app = App::spawn(&[(VENUE, "Vera", "fr")]).await;
    // The slash commands come from the core's catalogue, in French too; admin ones are hidden.
    let commands = app.fake.commands(Some(GUILD_ID));
    let find = |name: &str| commands.iter().find(|c| c["name"] == name).unwrap().clone();
    assert!(find("match")["description_localizations"]["fr"].as_str().unwrap().contains("Trouver"));
    assert_eq!(find("approve")["default_member_permissions"], "0");
    assert!(find("start")["default_member_permissions"].is_null());

    venue_profile(&app, VENUE, "Vera *Club*").await;

    // The admin reviews from the server; the answer is for them alone.
    app.command(ADMIN, "pending", json!([]), "to review").await;
    app.presses(ADMIN, "Approve", "approved").await;
    app.command(ADMIN, "pending", json!([]), "No profile awaits review").await;
    // A member who is not an admin cannot approve, even by the command.
    app.command(VENUE, "pending", json!([]), "").await;

    // The venue is told by DM (the outbox).
    let told = app.fake.wait_for_dm(VENUE, "est validé").await;
    assert!(told.text().contains("Vera"), "{}", told.text());

    // Every interaction was acknowledged within Discord's 3 seconds.
    for c in app.fake.calls("POST /interactions/") {
        assert_eq!(c.status, 204, "{c:?}");
    }
    let fake = app.stop().await;
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_venue_with_closed_dms_is_told_in_the_server_the_next_time_it_acts() {
    let app = App::spawn(&[(VENUE, "Vera", "fr")]).await;
    venue_profile(&app, VENUE, "Vera Club").await;
    app.fake.close_dms(VENUE);
    app.command(ADMIN, "pending", json!([]), "to review").await;
    app.presses(ADMIN, "Approve", "approved").await;
    // The approval cannot reach the venue by DM: Discord says so once, and the bot stops trying.
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.fake.dms_refused(VENUE) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the approval was never sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The next time the venue acts in the server, it is told (there, for its eyes only).
    let told = app.command(VENUE, "profile", json!([]), "messages privés sont fermés").await;
    assert!(!told.is_empty());
    assert_eq!(app.fake.dms_refused(VENUE), 1, "no DM is tried again");
    let fake = app.stop().await;
    fake.assert_clean();
}

const ARTIST: i64 = 101;

/// A French artist on Telegram from /start to a profile submitted for review.
async fn telegram_artist(app: &App, name: &str) {
    let a = ARTIST;
    app.tg_says(a, "/start", "Acceptez-vous").await;
    app.tg_presses(a, "J'accepte", "Vous êtes plutôt").await;
    app.tg_presses(a, "Artiste", &q(1, 13)).await;
    app.tg_says(a, name, &q(2, 13)).await;
    app.tg_says(a, "rock", &q(3, 13)).await;
    app.tg_says(a, "800", &q(4, 13)).await;
    app.tg_says(a, "oui", &q(5, 13)).await;
    app.tg_says(a, "50-300", &q(6, 13)).await;
    app.tg_says(a, "Lyon", &q(7, 13)).await;
    app.tg_says(a, "100", &q(8, 13)).await;
    app.tg_says(a, "05/12/2026", &q(9, 13)).await;
    app.tg_presses(a, "Passer", &q(10, 13)).await;
    app.tg_presses(a, "Passer", &q(11, 13)).await;
    app.tg_presses(a, "Passer", &q(12, 13)).await;
    app.tg_presses(a, "Passer", &q(13, 13)).await;
    app.tg_presses(a, "Passer", "Voici votre profil").await;
    app.tg_presses(a, "Envoyer pour validation", "envoyé pour validation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_artist_on_telegram_books_a_venue_on_discord() {
    let tg = FakeTelegram::start().await;
    tg.add_user(ARTIST, "Arlo", Some("fr"));
    let app = App::spawn_with(&[(VENUE, "Vera", "en-US")], Some(tg)).await;
    telegram_artist(&app, "Arlo Trio").await;
    // The venue signs up in English from its server.
    app.command(VENUE, "start", json!([]), "Do you agree").await;
    app.presses(VENUE, "I agree", "Are you").await;
    app.presses(VENUE, "Venue", "Question 1 of 11").await;
    for (answer, next) in [
        ("Vera Club", 2),
        ("Lyon", 3),
        ("13 rue Delandine, 69002 Lyon", 4),
        ("250", 5),
        ("rock", 6),
        ("500-1500", 7),
        ("2026-12-05", 8),
    ] {
        app.says(VENUE, answer, &format!("Question {next} of 11")).await;
    }
    app.presses(VENUE, "Skip", "Question 9 of 11").await;
    app.presses(VENUE, "Skip", "Question 10 of 11").await;
    app.presses(VENUE, "Skip", "Question 11 of 11").await;
    app.presses(VENUE, "Skip", "Here is your profile").await;
    app.presses(VENUE, "Submit for review", "submitted for review").await;
    for _ in 0..2 {
        app.command(ADMIN, "pending", json!([]), "to review").await;
        app.presses(ADMIN, "Approve", "approved").await;
    }
    app.fake.wait_for_dm(VENUE, "is approved").await;
    let tg = app.tg.as_ref().unwrap();
    tg.wait_for_text(ARTIST, "est validé").await;

    // The artist finds the venue and proposes (as in the Telegram story).
    let mut found = false;
    for _ in 0..10 {
        app.tg_after(ARTIST, |f| f.user_sends(ARTIST, "/match"), "").await;
        let last = tg.last_message_to(ARTIST).unwrap();
        if last
            .inline_buttons()
            .iter()
            .flatten()
            .any(|(l, _)| l.starts_with("✉️") && l.ends_with("(1)"))
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(found, "the approved venue is found by /match");
    app.tg_presses(ARTIST, "✉️ Proposer (1)", "Quelle date").await;
    app.tg_presses(ARTIST, "05/12/2026", "Quel cachet").await;
    app.tg_presses(ARTIST, "Garder", "Quel type de contrat").await;
    app.tg_presses(ARTIST, "Cession", "Durée du set").await;
    app.tg_presses(ARTIST, "90 min", "Horaires").await;
    app.tg_presses(ARTIST, "Passer", "Un message").await;
    app.tg_presses(ARTIST, "Passer", "Vérifiez la proposition").await;
    app.tg_presses(ARTIST, "Envoyer", "envoyée à").await;
    // Both sides' contract details are already known (the chat asks them in other stories), so
    // accepting sends the contract at once.
    {
        let store = flowstage_core::store::Store::connect(
            &app.db,
            std::sync::Arc::new(flowstage_core::clock::SystemClock),
        )
        .await
        .unwrap();
        let proposal = store.all_bookings().await.unwrap();
        assert!(proposal.is_empty());
        let artist = store
            .account_by_identity(&flowstage_core::domain::account::Identity::new(
                flowstage_core::domain::account::Platform::Telegram,
                ARTIST.to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        let profile = store.profiles_of(artist.id).await.unwrap()[0].id;
        let p = store.proposals_of_profile(profile).await.unwrap()[0].clone();
        flowstage_tests::give_contract_details(&store, p.artist).await;
        flowstage_tests::give_contract_details(&store, p.venue).await;
        flowstage_tests::give_contract_terms(&store, p.id).await;
    }

    // The venue is told by DM on Discord, in English, and answers with the DM's buttons.
    let told = app.fake.wait_for_dm(VENUE, "New proposal").await;
    assert!(told.text().contains("Arlo Trio"), "{}", told.text());
    app.presses(VENUE, "View", "Arlo Trio").await;
    app.presses(VENUE, "Accept", "accepted").await;

    // The answer and the contract reach the artist on Telegram, in French.
    tg.wait_for_text(ARTIST, "a accepté").await;
    let contract =
        tg.wait_for(ARTIST, WAIT, "the contract as a document", |m| m.document.is_some()).await;
    assert!(contract.document.unwrap().bytes.starts_with(b"%PDF"));
    // And the venue's copy of the contract reaches it by DM.
    app.fake
        .wait_for(VENUE, WAIT, "the contract as a file", |m| {
            m.attachments.iter().any(|a| a.bytes.starts_with(b"%PDF"))
        })
        .await;
    let fake = app.stop().await;
    fake.assert_clean();
}
