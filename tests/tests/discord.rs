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
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

const ADMIN: u64 = 3_000_000_000_000_000_009;
const VENUE: u64 = 3_000_000_000_000_000_101;
const WAIT: Duration = Duration::from_secs(40);

/// `flowstage serve` running against a fake Discord.
struct App {
    fake: FakeDiscord,
    child: tokio::process::Child,
    _dir: TestDir,
}

impl App {
    async fn spawn(users: &[(u64, &str, &str)]) -> App {
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
        App { fake, child, _dir: t }
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

    async fn stop(mut self) -> FakeDiscord {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
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
    app.presses(user, "Lieu", &q(1, 10)).await;
    app.says(user, name, &q(2, 10)).await;
    app.says(user, "Lyon", &q(3, 10)).await;
    app.says(user, "13 rue Delandine, 69002 Lyon", &q(4, 10)).await;
    app.says(user, "250", &q(5, 10)).await;
    app.says(user, "rock", &q(6, 10)).await;
    app.says(user, "500-1500", &q(7, 10)).await;
    app.says(user, "05/12/2026", &q(8, 10)).await;
    app.presses(user, "Passer", &q(9, 10)).await;
    app.presses(user, "Passer", &q(10, 10)).await;
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
