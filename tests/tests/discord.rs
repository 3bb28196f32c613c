//! The Discord front-end end to end: the real `flowstage serve` against the fake Discord (REST v10
//! and the gateway on loopback), with scripted people: a venue from its first slash command in the
//! team's server, through the wizard by buttons and direct messages, to a profile submitted for
//! review; an admin approving it from Discord, the approval reaching the venue by DM; select menus,
//! `/match` options with autocomplete and answers in each interaction's language; a dropped
//! gateway resumed; an artist on Telegram and a venue on Discord negotiating one proposal (thread
//! messages both ways, a counter, acceptance, the contract to both). Every test ends with the
//! fake's refusal log empty and no interaction left hanging.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::process::Stdio;
use std::time::Duration;

use flowstage_tests::TestDir;
use flowstage_tests::fake_discord::{
    CHANNEL_ID, DiscordMessage, FakeDiscord, GUILD_ID, GatewayEvent,
};
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
        Self::spawn_full(users, tg, false).await
    }

    /// The application's database, as `serve` sees it.
    async fn store(&self) -> flowstage_core::store::Store {
        let url = self._dir.sqlite_url("dc.db");
        let clock = std::sync::Arc::new(flowstage_core::clock::SystemClock);
        flowstage_core::store::Store::connect(&url, clock).await.unwrap()
    }

    /// As [`App::spawn_with`], on a database holding the demo set when `demo`.
    async fn spawn_full(users: &[(u64, &str, &str)], tg: Option<FakeTelegram>, demo: bool) -> App {
        Self::spawn_env(users, tg, demo, &[]).await
    }

    /// As [`App::spawn_full`], with more of `serve`'s environment.
    async fn spawn_env(
        users: &[(u64, &str, &str)],
        tg: Option<FakeTelegram>,
        demo: bool,
        env: &[(&str, &str)],
    ) -> App {
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
        for (k, v) in env {
            t = t.env(k, v);
        }
        if demo {
            let out = t.run(&["seed", "--demo"], "");
            assert!(out.status.success(), "{}", flowstage_tests::transcript(&out));
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

    /// The person picks `label` in a select menu, then sees the menu's message redrawn with an
    /// option `then` (the same screen moved on: its text may not change).
    async fn chooses(&self, user: u64, label: &str, then: &str) -> DiscordMessage {
        let i = self.fake.choose(user, &[label]).unwrap();
        let chosen = self.fake.wait_response(&i, WAIT).await;
        assert_eq!(chosen.kind, 6, "a choice is acknowledged as an update of its message");
        let wanted = then.to_owned();
        self.fake
            .wait_for(user, WAIT, then, move |m| {
                m.selects().iter().any(|(_, o)| o.iter().any(|(l, _)| *l == wanted))
                    || m.buttons().iter().flatten().any(|(l, _, _)| *l == wanted)
            })
            .await
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

    /// Kills the binary with SIGKILL, wherever it is, and starts it again on the same database
    /// (and the same HTTP address, so it claims the inbox under the same name).
    async fn kill_and_restart(mut self) -> App {
        self.child.start_kill().unwrap();
        let _ = tokio::time::timeout(WAIT, self.child.wait()).await.unwrap();
        let sessions = |fake: &FakeDiscord| {
            fake.gateway_events().iter().filter(|e| matches!(e, GatewayEvent::Ready { .. })).count()
        };
        let before = sessions(&self.fake);
        let stderr =
            if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() };
        let mut cmd = tokio::process::Command::from(self._dir.command(&["serve"]));
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(stderr).kill_on_drop(true).spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::time::timeout(WAIT, stdout.read_line(&mut line)).await.unwrap().unwrap();
        assert!(line.starts_with("listening on http://"), "unexpected: {line:?}");
        let deadline = tokio::time::Instant::now() + WAIT;
        while sessions(&self.fake) == before {
            assert!(tokio::time::Instant::now() < deadline, "no new gateway session");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        App { child, ..self }
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
    app.presses(user, "Lieu", &q(1, 12)).await;
    app.says(user, name, &q(2, 12)).await;
    app.says(user, "Lyon", &q(3, 12)).await;
    app.says(user, "13 rue Delandine, 69002 Lyon", &q(4, 12)).await;
    app.says(user, "250", &q(5, 12)).await;
    app.says(user, "rock", &q(6, 12)).await;
    app.says(user, "500-1500", &q(7, 12)).await;
    app.says(user, "05/12/2026", &q(8, 12)).await;
    app.presses(user, "Passer", &q(9, 12)).await;
    app.presses(user, "Passer", &q(10, 12)).await;
    app.presses(user, "Passer", &q(11, 12)).await;
    app.presses(user, "Passer", &q(12, 12)).await;
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
    app.command(VENUE, "pending", json!([]), "réservée aux administrateurs").await;

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
    app.tg_presses(a, "Artiste", &q(1, 14)).await;
    app.tg_says(a, name, &q(2, 14)).await;
    app.tg_says(a, "rock", &q(3, 14)).await;
    app.tg_says(a, "800", &q(4, 14)).await;
    app.tg_says(a, "oui", &q(5, 14)).await;
    app.tg_says(a, "50-300", &q(6, 14)).await;
    app.tg_says(a, "Lyon", &q(7, 14)).await;
    app.tg_says(a, "100", &q(8, 14)).await;
    app.tg_says(a, "05/12/2026", &q(9, 14)).await;
    app.tg_presses(a, "Passer", &q(10, 14)).await;
    app.tg_presses(a, "Passer", &q(11, 14)).await;
    app.tg_presses(a, "Passer", &q(12, 14)).await;
    app.tg_presses(a, "Passer", &q(13, 14)).await;
    app.tg_presses(a, "Passer", &q(14, 14)).await;
    app.tg_presses(a, "Passer", "Voici votre profil").await;
    app.tg_presses(a, "Envoyer pour validation", "envoyé pour validation").await;
}

/// An artist on Telegram (French) and a venue on Discord (English) sign up and are approved.
async fn both_sign_up(app: &App) {
    telegram_artist(app, "Arlo Trio").await;
    // The venue signs up in English from its server.
    app.command(VENUE, "start", json!([]), "Do you agree").await;
    app.presses(VENUE, "I agree", "Are you").await;
    app.presses(VENUE, "Venue", "Question 1 of 12").await;
    for (answer, next) in [
        ("Vera Club", 2),
        ("Lyon", 3),
        ("13 rue Delandine, 69002 Lyon", 4),
        ("250", 5),
        ("rock", 6),
        ("500-1500", 7),
        ("2026-12-05", 8),
    ] {
        app.says(VENUE, answer, &format!("Question {next} of 12")).await;
    }
    app.presses(VENUE, "Skip", "Question 9 of 12").await;
    app.presses(VENUE, "Skip", "Question 10 of 12").await;
    app.presses(VENUE, "Skip", "Question 11 of 12").await;
    app.presses(VENUE, "Skip", "Question 12 of 12").await;
    app.presses(VENUE, "Skip", "Here is your profile").await;
    app.presses(VENUE, "Submit for review", "submitted for review").await;
    for _ in 0..2 {
        app.command(ADMIN, "pending", json!([]), "to review").await;
        app.presses(ADMIN, "Approve", "approved").await;
    }
    app.fake.wait_for_dm(VENUE, "is approved").await;
    let tg = app.tg.as_ref().unwrap();
    tg.wait_for_text(ARTIST, "est validé").await;
}

/// The artist finds the venue and proposes (as in the Telegram story).
async fn artist_proposes(app: &App) {
    let tg = app.tg.as_ref().unwrap();
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_artist_on_telegram_and_a_venue_on_discord_negotiate_a_booking() {
    let tg = FakeTelegram::start().await;
    tg.add_user(ARTIST, "Arlo", Some("fr"));
    let app = App::spawn_with(&[(VENUE, "Vera", "en-US")], Some(tg)).await;
    both_sign_up(&app).await;
    artist_proposes(&app).await;
    let tg = app.tg.as_ref().unwrap();

    // The venue is told by DM on Discord, in English, and opens it with the DM's buttons.
    let told = app.fake.wait_for_dm(VENUE, "New proposal").await;
    assert!(told.text().contains("Arlo Trio"), "{}", told.text());
    app.presses(VENUE, "View", "Arlo Trio").await;

    // Messages in the proposal's thread cross platforms both ways, each side told in its own
    // language around the words the other wrote.
    app.presses(VENUE, "Write", "Your message?").await;
    app.says(VENUE, "Could you play two sets of 45?", "Message relayed").await;
    let relayed = tg.wait_for_text(ARTIST, "Could you play two sets of 45?").await;
    assert!(relayed.text.contains("(proposition n° 1)"), "{}", relayed.text);
    app.tg_presses(ARTIST, "Répondre", "Votre message").await;
    app.tg_says(ARTIST, "Oui, avec plaisir : 2 × 45 min.", "Message transmis").await;
    let back = app.fake.wait_for_dm(VENUE, "Oui, avec plaisir").await;
    assert!(back.text().contains("(proposal #1)"), "{}", back.text());

    // The venue counters with its own fee; the artist is told in French.
    app.presses(VENUE, "View", "Arlo Trio").await;
    app.presses(VENUE, "Counter", "What fee?").await;
    app.says(VENUE, "700", "What kind of deal?").await;
    app.presses(VENUE, "Flat fee", "Set length?").await;
    app.presses(VENUE, "90 min", "Times?").await;
    app.presses(VENUE, "Skip", "A message to go").await;
    app.presses(VENUE, "Skip", "Check the proposal").await;
    app.presses(VENUE, "Send", "sent to").await;
    let countered = tg.wait_for_text(ARTIST, "contre-proposition n° 2").await;
    assert!(countered.text.contains("700"), "{}", countered.text);

    // The artist accepts the counter on Telegram; the venue is told in English.
    app.tg_presses(ARTIST, "Voir", "Proposition n° 2").await;
    app.tg_presses(ARTIST, "Accepter", "c'est réservé").await;
    let accepted = app.fake.wait_for_dm(VENUE, "accepted proposal #2").await;
    assert!(accepted.text().contains("Arlo Trio"), "{}", accepted.text());

    // The contract reaches both: a document on Telegram, a file by DM on Discord.
    let contract =
        tg.wait_for(ARTIST, WAIT, "the contract as a document", |m| m.document.is_some()).await;
    assert!(contract.document.unwrap().bytes.starts_with(b"%PDF"));
    app.fake
        .wait_for(VENUE, WAIT, "the contract as a file", |m| {
            m.attachments.iter().any(|a| a.bytes.starts_with(b"%PDF"))
        })
        .await;
    app.fake.wait_for_dm(VENUE, "contract for booking").await;
    let fake = app.stop().await;
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_venue_picks_from_select_menus_and_searches_with_options_in_its_clients_language() {
    let app = App::spawn_full(&[(VENUE, "Vera", "fr")], None, true).await;
    let v = VENUE;
    app.command(v, "start", json!([]), "Acceptez-vous").await;
    app.presses(v, "J'accepte", "Vous êtes plutôt").await;
    app.presses(v, "Lieu", &q(1, 12)).await;
    app.says(v, "Vera Club", &q(2, 12)).await;
    app.says(v, "Lyon", &q(3, 12)).await;
    app.says(v, "13 rue Delandine, 69002 Lyon", &q(4, 12)).await;
    app.says(v, "250", &q(5, 12)).await;
    // The fourteen genre families are one select menu, Done stays a button.
    let picker = app.fake.wait_for(v, WAIT, "the families", |m| !m.selects().is_empty()).await;
    let (_, families) = &picker.selects()[0];
    assert_eq!(families.len(), 14, "{families:?}");
    assert!(picker.buttons().iter().flatten().any(|(l, _, _)| l == "✓ Terminé"));
    // A family opens its genres, in a menu too; a pick ticks it on the same message.
    let rock = app.chooses(v, "Rock ›", "Rock").await;
    assert_eq!(rock.id, picker.id, "the pressed message is redrawn");
    let ticked = app.chooses(v, "Rock", "✓ Rock").await;
    assert!(ticked.text().contains("Choisis : Rock"), "{}", ticked.text());
    app.presses(v, "✓ Terminé", &q(6, 12)).await;
    app.says(v, "500-1500", &q(7, 12)).await;
    app.says(v, "05/12/2026", &q(8, 12)).await;
    app.presses(v, "Passer", &q(9, 12)).await;
    app.presses(v, "Passer", &q(10, 12)).await;
    app.presses(v, "Passer", &q(11, 12)).await;
    app.presses(v, "Passer", &q(12, 12)).await;
    app.presses(v, "Passer", "Voici votre profil").await;
    app.presses(v, "Envoyer pour validation", "envoyé pour validation").await;
    app.command(ADMIN, "pending", json!([]), "to review").await;
    app.presses(ADMIN, "Approve", "approved").await;
    app.fake.wait_for_dm(v, "est validé").await;

    // Genres are offered as they are typed, from the taxonomy, in the client's language.
    let typed = json!([{"name": "genre", "value": "jaz", "focused": true}]);
    let choices = app.fake.interaction_autocomplete(v, CHANNEL_ID, "match", typed).await;
    assert!(choices.iter().any(|(name, _)| name == "Jazz"), "{choices:?}");
    assert!(choices.len() <= 25);
    let none = json!([{"name": "genre", "value": "", "focused": true}]);
    let families = app.fake.interaction_autocomplete(v, CHANNEL_ID, "match", none).await;
    assert!(families.iter().any(|(name, _)| name == "Musiques du monde"), "{families:?}");
    // Cities come from the places, as the wizard suggests them.
    let typed = json!([{"name": "city", "value": "greno", "focused": true}]);
    let cities = app.fake.interaction_autocomplete(v, CHANNEL_ID, "match", typed).await;
    assert!(cities.iter().any(|(_, value)| value == "Grenoble"), "{cities:?}");

    // The options are the filters the search reads, each shown on the results.
    let options = json!([
        {"name": "radius", "value": 300},
        {"name": "genre", "value": "Jazz"},
        {"name": "fee", "value": 2000},
        {"name": "capacity", "value": "100-300"},
        {"name": "city", "value": "Grenoble"},
    ]);
    let fr = app.command(v, "match", options.clone(), "à moins de 300 km").await;
    for part in ["🎵 Jazz", "💶", "👥", "300 personnes", "autour de Grenoble"] {
        assert!(fr.contains(part), "{part} in {fr}");
    }
    assert!(!fr.contains("Non retenu"), "every option is understood: {fr}");

    // The same person's client in English: the answers follow it.
    app.fake.set_locale(v, "en-US");
    let en = app.command(v, "match", options, "within 300 km").await;
    assert!(en.contains("Filters:"), "{en}");
    app.fake.set_locale(v, "fr");
    app.command(v, "help", json!([]), "/match").await;
    let fake = app.stop().await;
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_gateway_is_resumed_with_no_interaction_lost_or_answered_twice() {
    use flowstage_tests::fake_discord::GatewayEvent;
    let app = App::spawn(&[(VENUE, "Vera", "fr")]).await;
    app.command(VENUE, "start", json!([]), "Acceptez-vous").await;
    // One interaction on its way as the socket drops, two while it is down: Discord keeps them
    // in the session and replays them after RESUME.
    let before = app.fake.send_command(VENUE, CHANNEL_ID, "help", json!([]));
    app.fake.drop_socket();
    let during = [
        app.fake.send_command(VENUE, CHANNEL_ID, "settings", json!([])),
        app.fake.send_command(ADMIN, CHANNEL_ID, "pending", json!([])),
    ];
    let help = app.fake.wait_reply(&before, WAIT).await;
    assert!(help.text().contains("/match"), "{}", help.text());
    let settings = app.fake.wait_reply(&during[0], WAIT).await;
    assert!(!settings.text().is_empty());
    let pending = app.fake.wait_reply(&during[1], WAIT).await;
    assert!(pending.text().contains("No profile awaits review"), "{}", pending.text());
    app.fake.wait_gateway(WAIT, "RESUMED", |e| matches!(e, GatewayEvent::Resumed { .. })).await;
    let events = app.fake.gateway_events();
    let identified = events.iter().filter(|e| matches!(e, GatewayEvent::Identify { .. })).count();
    assert_eq!(identified, 1, "resumed, not identified again: {events:?}");
    // What came while the socket was down is replayed after RESUME, or sent on the resumed
    // socket if the bot was back first: either way once, which the counts below check.
    assert!(events.iter().any(|e| matches!(e, GatewayEvent::Resume { .. })), "{events:?}");
    // Any repeated delivery would show by now.
    app.command(VENUE, "help", json!([]), "/match").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for i in [&before, &during[0], &during[1]] {
        let answers = app.fake.calls(&format!("POST /interactions/{}/", i.id));
        assert_eq!(answers.len(), 1, "interaction {} answered once: {answers:?}", i.id);
        assert_eq!(answers[0].status, 204);
    }
    let fake = app.stop().await;
    fake.assert_clean();
}

/// Issue 17 on Discord: new people run `/start` at once and the process is killed (SIGKILL) at
/// a few instants of the burst. Each interaction is recorded in the inbox before Discord is told:
/// after the restart, every interaction Discord saw acknowledged has its whole answer, each
/// message once, except that the follow-up whose call was in flight at the kill may come twice
/// (Discord's follow-ups have no idempotency key). One never acknowledged was shown to the person
/// as failed and nothing was done for it: they run `/start` again and are answered. For one
/// recorded whose acknowledgement was not noted (the kill came between Discord's answer and the
/// note), the restart asks Discord (`GET …/messages/@original`): acknowledged, it is handled;
/// not, Discord's 404 is the answer, the one refusal allowed here.
async fn a_kill_during_a_burst_of_interactions_loses_no_answer(db: Option<String>) {
    const PEOPLE: u64 = 20;
    const FIRST: u64 = 3_100_000_000_000_000_000;
    let rounds = [15_u64, 60, 150, 400];
    let users: Vec<(u64, String)> = (0..rounds.len() as u64)
        .flat_map(|r| (0..PEOPLE).map(move |i| (FIRST + r * 100 + i, format!("K{r}-{i}"))))
        .collect();
    let known: Vec<(u64, &str, &str)> =
        users.iter().map(|(id, name)| (*id, name.as_str(), "en-US")).collect();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut env = vec![("FLOWSTAGE_HTTP_ADDR", addr.as_str())];
    if let Some(db) = &db {
        env.push(("DATABASE_URL", db.as_str()));
    }
    let mut app = App::spawn_env(&known, None, false, &env).await;
    let texts = |fake: &FakeDiscord, i: &flowstage_tests::fake_discord::InteractionRef| {
        let reply = fake.reply(i);
        let mut all: Vec<String> = reply.message.iter().map(DiscordMessage::text).collect();
        all.extend(reply.followups.iter().map(DiscordMessage::text));
        all
    };
    let (mut repeats, mut failed) = (0, 0);
    for (round, kill_after) in rounds.iter().enumerate() {
        let people: Vec<u64> = (0..PEOPLE).map(|i| FIRST + round as u64 * 100 + i).collect();
        let sent: Vec<_> = people
            .iter()
            .map(|&p| app.fake.send_command(p, CHANNEL_ID, "start", json!([])))
            .collect();
        tokio::time::sleep(Duration::from_millis(*kill_after)).await;
        app = app.kill_and_restart().await;
        // Past Discord's 3 s an interaction is acknowledged or never will be; the restarted
        // instance then sends what it took back, however long a loaded machine takes.
        tokio::time::sleep(Duration::from_secs(4)).await;
        for i in sent.iter().filter(|i| app.fake.response(i).is_some()) {
            let deadline = tokio::time::Instant::now() + WAIT;
            while !texts(&app.fake, i).iter().any(|t| t.contains("Do you agree")) {
                assert!(tokio::time::Instant::now() < deadline, "{} left unanswered", i.user);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        // Anything sent twice arrives by now.
        tokio::time::sleep(Duration::from_secs(1)).await;
        for i in &sent {
            let answered = app.fake.response(i).is_some();
            let all = texts(&app.fake, i);
            if !answered {
                // Shown as failed: the person tries again.
                failed += 1;
                let again = app.fake.send_command(i.user, CHANNEL_ID, "start", json!([]));
                app.fake.wait_reply(&again, WAIT).await;
                let deadline = tokio::time::Instant::now() + WAIT;
                while !texts(&app.fake, &again).iter().any(|t| t.contains("Do you agree")) {
                    assert!(tokio::time::Instant::now() < deadline, "{} never answered", i.user);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
            let mut deduped = all.clone();
            deduped.dedup();
            let extra = all.len() - deduped.len();
            assert!(extra <= 1, "{}: more than the message in flight repeated: {all:#?}", i.user);
            repeats += extra;
            for w in ["Welcome to Flow Stage", "Do you agree"] {
                let times = deduped.iter().filter(|t| t.contains(w)).count();
                assert_eq!(times, 1, "{} got {w:?} {times} times: {all:#?}", i.user);
            }
        }
    }
    let asked = app.fake.refused().len();
    eprintln!(
        "{} interactions, {} kills: every acknowledged one answered in full; {repeats} follow-up(s) in flight at a kill sent again; {failed} never acknowledged (shown as failed, answered when tried again); {asked} asked about after a restart and never acknowledged",
        users.len(),
        rounds.len()
    );
    let fake = app.stop().await;
    let refused: Vec<_> = fake
        .refused()
        .into_iter()
        .filter(|r| {
            !(r.method == "GET" && r.path.ends_with("/messages/@original") && r.status == 404)
        })
        .collect();
    assert!(refused.is_empty(), "Discord would have refused: {refused:#?}");
    let hanging: Vec<String> =
        fake.unanswered().into_iter().filter(|u| !u.contains("never answered")).collect();
    assert!(hanging.is_empty(), "acknowledged and left hanging: {hanging:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_kill_during_a_burst_of_interactions_loses_no_answer() {
    a_kill_during_a_burst_of_interactions_loses_no_answer(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_kill_during_a_burst_of_interactions_loses_no_answer() {
    let base = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("e2e_dc_kill_{}", std::process::id());
    let clock = std::sync::Arc::new(flowstage_core::clock::SystemClock);
    let store =
        flowstage_core::store::Store::connect_postgres_schema(&base, &schema, clock).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let db = format!("{base}?options=-c%20search_path%3D{schema}");
    a_kill_during_a_burst_of_interactions_loses_no_answer(Some(db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_people_using_commands_and_buttons_at_once_are_all_acknowledged_in_time() {
    // The full measurement (1,000 people) is `cargo run -p flowstage-tests --bin discord-load`.
    let figures =
        flowstage_tests::discord_load::run(&flowstage_tests::binary(), 100, Duration::ZERO).await;
    println!("{figures}");
    assert_eq!(figures.interactions, 500, "{figures}");
    assert!(figures.all_good(), "{figures}");
}

const MEMBER: u64 = 3_000_000_000_000_000_202;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_team_member_answers_for_the_venue_in_its_booking_channel() {
    let tg = FakeTelegram::start().await;
    tg.add_user(ARTIST, "Arlo", Some("fr"));
    let users = [(VENUE, "Vera", "en-US"), (MEMBER, "Mina", "fr")];
    let app = App::spawn_with(&users, Some(tg)).await;
    both_sign_up(&app).await;
    // The venue's owner makes the server's channel its team's place, from /settings there.
    let offer = app.command(VENUE, "settings", json!([]), "Team channel").await;
    assert!(offer.contains("admins"), "{offer}");
    app.presses(VENUE, "Use this channel", "also come to this channel").await;
    app.command(VENUE, "settings", json!([]), "receives the notifications").await;
    // A member of the team, in French.
    app.command(MEMBER, "start", json!([]), "Acceptez-vous").await;
    app.presses(MEMBER, "J'accepte", "Vous êtes plutôt").await;

    artist_proposes(&app).await;
    // The proposal reaches the owner by DM and the team in the channel, in the owner's language.
    app.fake.wait_for_dm(VENUE, "New proposal").await;
    let posted = app
        .fake
        .wait_for(MEMBER, WAIT, "the proposal in the channel", |m| {
            m.channel_id == CHANNEL_ID && m.text().contains("New proposal") && !m.is_ephemeral()
        })
        .await;
    assert!(posted.text().contains("Arlo Trio"), "{}", posted.text());

    // A member opens it and counters for the venue, in their own language, by presses in the
    // channel (the fee kept, a shorter set); the artist accepts the counter.
    let card = app.presses(MEMBER, "View", "Arlo Trio").await;
    assert!(card.contains("Proposition n° 1"), "{card}");
    app.presses(MEMBER, "Contre-proposer", "Quel cachet").await;
    app.presses(MEMBER, "Garder", "Quel type de contrat").await;
    app.presses(MEMBER, "Cession", "Durée du set").await;
    app.presses(MEMBER, "60 min", "Horaires").await;
    app.presses(MEMBER, "Passer", "Un message").await;
    app.presses(MEMBER, "Passer", "Vérifiez la proposition").await;
    app.presses(MEMBER, "Envoyer", "envoyée à").await;
    let tg = app.tg.as_ref().unwrap();
    tg.wait_for_text(ARTIST, "contre-proposition n° 2").await;
    app.tg_presses(ARTIST, "Voir", "Proposition n° 2").await;
    app.tg_presses(ARTIST, "Accepter", "c'est réservé").await;
    // The owner and the team hear of it.
    app.fake.wait_for_dm(VENUE, "accepted proposal #2").await;
    app.fake
        .wait_for(MEMBER, WAIT, "the acceptance in the channel", |m| {
            m.channel_id == CHANNEL_ID && m.text().contains("accepted proposal #2")
        })
        .await;
    // The contract reaches the team's channel too.
    app.fake
        .wait_for(MEMBER, WAIT, "the contract in the channel", |m| {
            m.channel_id == CHANNEL_ID && m.attachments.iter().any(|a| a.bytes.starts_with(b"%PDF"))
        })
        .await;
    // Typing in the channel is not read: the question offers a form, whose text reaches the
    // artist in the proposal's thread.
    app.presses(MEMBER, "Écrire", "Votre message").await;
    let form_button = app.fake.press(MEMBER, "Répondre ici").unwrap();
    let shown = app.fake.wait_response(&form_button, WAIT).await;
    assert_eq!(shown.kind, 9, "a form opens: {shown:?}");
    let sent = app.fake.submit_modal(&form_button, &[("text", "Balances à 17 h, ça vous va ?")]);
    let reply = app.fake.wait_reply(&sent.unwrap(), WAIT).await;
    assert!(reply.text().contains("Message transmis"), "{}", reply.text());
    app.tg.as_ref().unwrap().wait_for_text(ARTIST, "Balances à 17 h").await;
    // Who answered is recorded on the proposal: the member, not the owner.
    let store = app.store().await;
    let member = store
        .account_by_identity(&flowstage_core::domain::account::Identity::new(
            flowstage_core::domain::account::Platform::Discord,
            MEMBER.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    let answered = store.answered_by(flowstage_core::domain::ProposalId(1)).await.unwrap();
    assert_eq!(answered, Some(member.id), "the member countered");
    let artist = store
        .account_by_identity(&flowstage_core::domain::account::Identity::new(
            flowstage_core::domain::account::Platform::Telegram,
            ARTIST.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    let answered = store.answered_by(flowstage_core::domain::ProposalId(2)).await.unwrap();
    assert_eq!(answered, Some(artist.id), "the artist accepted the counter");
    store.close().await;
    // The member's own conversation is theirs: /proposals shows them nothing of the venue's.
    app.command(MEMBER, "proposals", json!([]), "").await;
    let fake = app.stop().await;
    fake.assert_clean();
}

const MODERATOR: u64 = 3_000_000_000_000_000_303;
const MODERATORS_ROLE: u64 = 1_100_000_000_000_000_777;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_with_the_admin_role_moderates_and_loses_it_with_the_role() {
    let role = MODERATORS_ROLE.to_string();
    let users = [(VENUE, "Vera", "fr"), (MODERATOR, "Mo", "en-GB")];
    let app = App::spawn_env(&users, None, false, &[("ADMIN_DISCORD_ROLE", &role)]).await;
    app.fake.set_roles(MODERATOR, &[MODERATORS_ROLE]);
    venue_profile(&app, VENUE, "Vera Club").await;
    app.command(MODERATOR, "pending", json!([]), "to review").await;
    // The first profile of a fresh database is #1; the slash command takes it as an option.
    let done =
        app.command(MODERATOR, "approve", json!([{"name": "id", "value": 1}]), "approved").await;
    assert!(done.contains("#1"), "{done}");
    app.fake.wait_for_dm(VENUE, "est validé").await;
    // Without the role, the same person is refused, checked again on every use.
    app.fake.set_roles(MODERATOR, &[]);
    app.command(MODERATOR, "pending", json!([]), "for administrators").await;
    let fake = app.stop().await;
    fake.assert_clean();
}

/// Issue 16: two instances with Discord share one PostgreSQL: only one opens a gateway session
/// (an advisory lock decides); when its process dies (SIGKILL), the other takes the gateway over
/// within seconds and answers the next command.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_gateway_for_two_instances_and_the_other_takes_over() {
    use std::sync::Arc;
    let fake = FakeDiscord::start().await;
    fake.add_user(VENUE, "Vee", "en-US");
    let base = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("e2e_dc_gateway_{}", std::process::id());
    let clock = Arc::new(flowstage_core::clock::SystemClock);
    let store =
        flowstage_core::store::Store::connect_postgres_schema(&base, &schema, clock).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let db = format!("{base}?options=-c%20search_path%3D{schema}");
    let launch = |dir: TestDir| {
        let t = dir
            .env("DATABASE_URL", &db)
            .env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0")
            .env("DISCORD_TOKEN", fake.token())
            .env("DISCORD_API_URL", &fake.api_url())
            .env("DISCORD_GUILD_ID", &GUILD_ID.to_string());
        let mut cmd = tokio::process::Command::from(t.command(&["serve"]));
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        (t, child, stdout)
    };
    let listening = |stdout| async move {
        let mut line = String::new();
        let mut stdout = BufReader::new(stdout);
        tokio::time::timeout(WAIT, stdout.read_line(&mut line)).await.unwrap().unwrap();
        assert!(line.starts_with("listening on http://"), "unexpected: {line:?}");
    };
    let (_a_dir, mut a, a_out) = launch(TestDir::new());
    listening(a_out).await;
    fake.wait_ready(WAIT).await;
    let (_b_dir, _b, b_out) = launch(TestDir::new());
    listening(b_out).await;
    // The second instance asks every 2 s: give it several tries.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let sessions = |fake: &FakeDiscord| {
        let events = fake.gateway_events();
        events.iter().filter(|e| matches!(e, GatewayEvent::Identify { .. })).count()
    };
    assert_eq!(sessions(&fake), 1, "one gateway session for the two instances");
    a.start_kill().unwrap();
    let _ = a.wait().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while sessions(&fake) < 2 {
        assert!(tokio::time::Instant::now() < deadline, "nobody took the gateway over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Commands are registered again on READY; then the new owner answers.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let i = fake.send_command(VENUE, CHANNEL_ID, "help", json!([]));
    let reply = fake.wait_reply(&i, WAIT).await;
    assert!(reply.text().contains("/start"), "{}", reply.text());
    fake.assert_clean();
}
