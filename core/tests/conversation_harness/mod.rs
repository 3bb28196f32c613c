//! The harness of the conversation tests: a real store (SQLite or PostgreSQL) with a manual
//! clock, the engine over it, and `check`, which plays a transcript and compares what the
//! assistant says (STYLE §10). Tests are synchronous so that `#[track_caller]` points at the
//! failing transcript line's test.
//!
//! A transcript is lines: `> text` sends text or a /command, `> [label]` presses the button whose
//! label contains `label` among those just shown; any other line is a fragment that must appear,
//! in order, in the replies to the last input, and `!fragment` one that must not.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use flowstage_core::clock::ManualClock;
use flowstage_core::config::Rules;
use flowstage_core::conversation::state::{Mode, State};
use flowstage_core::conversation::{Button, Engine, Incoming, Reply, Speaker};
use flowstage_core::domain::account::{Account, Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::City;
use flowstage_core::domain::profile::{Artist, Profile, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, Lang};
use flowstage_core::notify::{self, Event};
use flowstage_core::store::Store;

pub fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub store: Store,
    pub engine: Engine,
    pub clock: ManualClock,
    url: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// One person in a transcript, and the buttons they see.
pub struct Chat {
    pub speaker: Speaker,
    pub buttons: Vec<Button>,
    /// Everything said to them so far, for failure messages.
    pub log: String,
}

impl Harness {
    pub fn sqlite() -> Self {
        let rt = runtime();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("chat.db").display());
        let clock = ManualClock::new(start());
        let store = rt.block_on(async {
            let s = Store::connect(&url, Arc::new(clock.clone())).await.unwrap();
            s.migrate().await.unwrap();
            s
        });
        let engine = Engine::new(store.clone(), Rules::default());
        Self { rt, store, engine, clock, url, schema: None, _dir: Some(dir) }
    }

    pub fn postgres() -> Self {
        let rt = runtime();
        let url = postgres_url();
        let schema = format!("chat_{}", hex::encode(rand::random::<[u8; 6]>()));
        let clock = ManualClock::new(start());
        let store = rt.block_on(async {
            let s = Store::connect_postgres_schema(&url, &schema, Arc::new(clock.clone()))
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required: {e}"));
            s.migrate().await.unwrap();
            s
        });
        let engine = Engine::new(store.clone(), Rules::default());
        Self { rt, store, engine, clock, url, schema: Some(schema), _dir: None }
    }

    /// A new process on the same database: a new store and a new engine, nothing in memory kept.
    pub fn restart(&mut self) {
        let clock = self.clock.clone();
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let old = self.store.clone();
        let store = self.rt.block_on(async move {
            old.close().await;
            match schema {
                Some(s) => Store::connect_postgres_schema(&url, &s, Arc::new(clock)).await.unwrap(),
                None => Store::connect(&url, Arc::new(clock)).await.unwrap(),
            }
        });
        self.engine = Engine::new(store.clone(), Rules::default());
        self.store = store;
    }

    pub fn finish(self) {
        let Harness { rt, store, schema, url, clock, .. } = self;
        rt.block_on(async move {
            store.close().await;
            if let Some(schema) = schema {
                let admin = Store::connect(&url, Arc::new(clock)).await.unwrap();
                admin.drop_schema(&schema).await.unwrap();
                admin.close().await;
            }
        });
    }

    pub fn seed_demo(&self) {
        self.rt.block_on(flowstage_core::demo::seed(&self.store)).unwrap();
    }

    /// Someone on the terminal platform who has not spoken yet.
    pub fn chat(&self, name: &str, lang: Lang) -> Chat {
        self.chat_on(Identity::new(Platform::Local, name), lang, false)
    }

    pub fn admin(&self, name: &str, lang: Lang) -> Chat {
        self.chat_on(Identity::new(Platform::Local, name), lang, true)
    }

    pub fn chat_on(&self, identity: Identity, lang: Lang, is_admin: bool) -> Chat {
        let display_name = identity.external_id.clone();
        Chat {
            speaker: Speaker { identity, display_name, lang, is_admin },
            buttons: Vec::new(),
            log: String::new(),
        }
    }

    /// Someone who opened the conversation and consented: at the role question.
    pub fn consented(&self, name: &str, lang: Lang) -> Chat {
        let mut c = self.chat(name, lang);
        self.send(&mut c, Incoming::Open);
        let yes = match lang {
            Lang::Fr => "J'accepte",
            Lang::En => "I agree",
        };
        self.press(&mut c, yes);
        c
    }

    /// Sends one event and returns what was said, as `check` reads it.
    pub fn send(&self, chat: &mut Chat, input: Incoming) -> String {
        let out = self.rt.block_on(self.engine.handle(&chat.speaker, input)).unwrap();
        chat.buttons = out.replies.iter().flat_map(|r| r.all_buttons().cloned()).collect();
        let text = render(&out.replies);
        chat.log.push_str(&text);
        text
    }

    /// The replies themselves (attachments, recipients).
    pub fn send_raw(&self, chat: &mut Chat, input: Incoming) -> Vec<Reply> {
        let out = self.rt.block_on(self.engine.handle(&chat.speaker, input)).unwrap();
        chat.buttons = out.replies.iter().flat_map(|r| r.all_buttons().cloned()).collect();
        chat.log.push_str(&render(&out.replies));
        out.replies
    }

    #[track_caller]
    pub fn payload(&self, chat: &Chat, label: &str) -> String {
        match chat.buttons.iter().find(|b| b.label.replace('\u{a0}', " ").contains(label)) {
            Some(b) => b.payload.clone(),
            None => panic!(
                "no button {label:?} among {:?}\n--- conversation so far\n{}",
                chat.buttons.iter().map(|b| &b.label).collect::<Vec<_>>(),
                chat.log
            ),
        }
    }

    #[track_caller]
    pub fn press(&self, chat: &mut Chat, label: &str) -> String {
        let p = self.payload(chat, label);
        self.send(chat, Incoming::Button(p))
    }

    pub fn account(&self, chat: &Chat) -> Account {
        self.rt.block_on(self.store.account_by_identity(&chat.speaker.identity)).unwrap().unwrap()
    }

    pub fn profiles(&self, chat: &Chat) -> Vec<Profile> {
        let id = self.account(chat).id;
        self.rt.block_on(self.store.profiles_of(id)).unwrap()
    }

    /// The stored conversation state of a chat.
    pub fn state(&self, chat: &Chat) -> State {
        let id = self.account(chat).id;
        let channel = chat.speaker.identity.platform.as_str();
        let rec = self.rt.block_on(self.store.load_conversation(id, channel)).unwrap().unwrap();
        State::decode(&rec.state).0
    }

    pub fn mode(&self, chat: &Chat) -> Mode {
        self.state(chat).mode
    }

    /// Events queued for an account and not yet delivered, oldest first; claims them.
    pub fn inbox(&self, account: AccountId) -> Vec<Event> {
        self.rt.block_on(async {
            let items = self.store.claim_outbox(1000, chrono::Duration::seconds(30)).await.unwrap();
            let mut mine = Vec::new();
            for i in items {
                if i.account == account {
                    mine.push(notify::decode(&i.payload).unwrap());
                    self.store.mark_sent(i.id).await.unwrap();
                } else {
                    self.store.retry_later(i.id, self.store.clock().now(), "").await.unwrap();
                }
            }
            mine
        })
    }

    /// An approved artist profile for `chat`'s account, made directly in the store.
    pub fn give_artist(&self, chat: &Chat, name: &str, city: &str) -> Profile {
        let owner = self.account(chat).id;
        let details = ProfileDetails::Artist(Artist {
            name: Name::parse(name).unwrap(),
            genres: GenreSet::parse("indie-rock, punk").unwrap(),
            fee: Fee::parse("900").unwrap(),
            negotiable: true,
            draw: AudienceRange::parse("100-500").unwrap(),
            city: City::parse(city).unwrap(),
            radius: TravelRadius::parse("800").unwrap(),
            bio: None,
            links: Links::default(),
            email: None,
        });
        self.approved(owner, &details, "2026-12-03, 2026-12-04, 2026-12-05")
    }

    pub fn give_venue(&self, chat: &Chat, name: &str, city: &str) -> Profile {
        let owner = self.account(chat).id;
        let details = ProfileDetails::Venue(Venue {
            name: Name::parse(name).unwrap(),
            city: City::parse(city).unwrap(),
            address: None,
            capacity: Capacity::parse("300").unwrap(),
            genres: GenreSet::parse("rock").unwrap(),
            budget: BudgetRange::parse("500-1500").unwrap(),
            licence: None,
            stage_notes: None,
            email: None,
            slots_per_date: 1,
        });
        self.approved(owner, &details, "2026-12-04, 2026-12-05, 2026-12-06")
    }

    fn approved(&self, owner: AccountId, details: &ProfileDetails, dates: &str) -> Profile {
        let dates = DateSet::parse(dates, start().date_naive()).unwrap();
        self.rt
            .block_on(self.store.create_profile(owner, details, &dates, &ProfileStatus::Approved))
            .unwrap()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Replies as the transcript reads them: text, then each button as `[label]`.
pub fn render(replies: &[Reply]) -> String {
    let mut out = String::new();
    for r in replies {
        out.push_str(&r.plain_text());
        out.push('\n');
        for b in r.all_buttons() {
            out.push('[');
            out.push_str(&b.label);
            out.push_str("] ");
        }
        for a in &r.attachments {
            out.push_str(&format!("📎 {} ({})", a.file_name, a.mime_type));
        }
        out.push('\n');
    }
    // Amounts use no-break spaces ("1 200 €"); transcripts are typed with plain ones.
    out.replace('\u{a0}', " ")
}

/// Plays a transcript (see the module documentation).
#[track_caller]
pub fn check(h: &Harness, chat: &mut Chat, script: &str) {
    let mut said = String::new();
    let mut input = String::from("(before any input)");
    let mut pos = 0;
    for raw in script.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("> ") {
            input = rest.to_owned();
            said = match rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                Some(label) => h.press(chat, label),
                None => h.send(chat, Incoming::from_line(rest)),
            };
            pos = 0;
            assert!(!said.contains('⟦'), "a translation is missing after `{input}`:\n{said}");
        } else if let Some(absent) = line.strip_prefix('!') {
            assert!(
                !said.contains(absent),
                "after `{input}`, did not expect {absent:?} in:\n{said}"
            );
        } else {
            match said[pos..].find(line) {
                Some(i) => pos += i + line.len(),
                None => panic!(
                    "after `{input}`, expected {line:?} (in order) in:\n{said}\n--- whole conversation\n{}",
                    chat.log
                ),
            }
        }
    }
}

/// Runs each story on SQLite and on PostgreSQL; test names carry the backend.
#[macro_export]
macro_rules! stories {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let mut h = $crate::conversation_harness::Harness::sqlite();
                    super::$name(&mut h);
                    h.finish();
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let mut h = $crate::conversation_harness::Harness::postgres();
                    super::$name(&mut h);
                    h.finish();
                }
            )*
        }
    };
}
