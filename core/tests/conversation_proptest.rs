//! Random conversations: texts, commands in any state, buttons on screen, stale and forged
//! payloads, locations. Whatever arrives, the engine never panics, always answers, never shows a
//! missing translation, and keeps every payload within 64 bytes.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use flowstage_core::conversation::state::State;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use conversation_harness::Harness;
use flowstage_core::conversation::Incoming;
use flowstage_core::conversation::payload::MAX_LEN;
use flowstage_core::domain::Lang;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Move {
    /// Press the n-th button on screen (modulo their number), if any.
    Press(usize),
    /// Press a button seen earlier in this conversation (likely stale).
    Old(usize),
    Text(String),
    Command(&'static str, String),
    Forged(String),
    Location(f64, f64),
    Open,
}

const COMMANDS: &[&str] = &[
    "start",
    "help",
    "profile",
    "match",
    "favorites",
    "proposals",
    "settings",
    "link",
    "support",
    "mydata",
    "deleteme",
    "pending",
    "approve",
    "reject",
    "suspend",
    "stats",
    "tickets",
    "cancel",
    "nope",
];

const WORDS: &[&str] = &[
    "Lyon",
    "rock",
    "jazz, blues",
    "1200",
    "oui",
    "no",
    "100-400",
    "800-1500",
    "2026-12-05",
    "05/12/2026-20/12/2026",
    "300",
    "https://example.fr",
    "a@b.fr",
    "PLATESV-R-2020-000123",
    "",
    "Done",
    "70",
    "18:00 20:00",
    "1",
    "42",
    "-1",
    "💥",
    "/",
    "\u{0}",
];

fn a_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        4 => (0usize..40).prop_map(Move::Press),
        1 => (0usize..400).prop_map(Move::Old),
        2 => prop::sample::select(WORDS).prop_map(|w| Move::Text(w.to_owned())),
        1 => ".{0,80}".prop_map(Move::Text),
        2 => (prop::sample::select(COMMANDS), prop::sample::select(&["", "1", "12 reason", "2026-12-05", "ABCD2345"][..]))
            .prop_map(|(c, a)| Move::Command(c, a.to_owned())),
        1 => "[0-9a-z]{0,3}\\.[a-z]{1,6}(:[0-9a-z-]{0,25})?".prop_map(Move::Forged),
        1 => ".{0,70}".prop_map(Move::Forged),
        1 => (-100.0f64..100.0, -200.0f64..200.0).prop_map(|(a, b)| Move::Location(a, b)),
        1 => Just(Move::Open),
    ]
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let h = Harness::sqlite();
        h.seed_demo();
        h
    })
}

/// Who plays: a newcomer, or the owner of a demo artist or venue (approved, with dates), so
/// that matching and proposals are reached too.
fn speaker(
    h: &Harness,
    who: usize,
    n: usize,
    lang: Lang,
    admin: bool,
) -> conversation_harness::Chat {
    let name = match who {
        0 => format!("random-{n}"),
        1 => format!("demo-artist-{:02}", n % 20 + 1),
        _ => format!("demo-venue-{:02}", n % 20 + 1),
    };
    if admin { h.admin(&name, lang) } else { h.chat(&name, lang) }
}

fn play(
    h: &Harness,
    moves: Vec<Move>,
    mut chat: conversation_harness::Chat,
) -> Result<(), TestCaseError> {
    let mut seen: Vec<String> = Vec::new();
    for m in moves {
        let input = match m {
            Move::Press(i) if !chat.buttons.is_empty() => {
                Incoming::Button(chat.buttons[i % chat.buttons.len()].payload.clone())
            }
            Move::Press(_) => Incoming::Open,
            Move::Old(i) if !seen.is_empty() => Incoming::Button(seen[i % seen.len()].clone()),
            Move::Old(_) => Incoming::Text("hello".into()),
            Move::Text(t) => Incoming::Text(t),
            Move::Command(c, a) => Incoming::Command { name: c.to_owned(), args: a },
            Move::Forged(p) => Incoming::Button(p),
            Move::Location(lat, lon) => Incoming::Location { lat, lon },
            Move::Open => Incoming::Open,
        };
        let before = footprint(h, &chat);
        let replies = h.send_raw(&mut chat, input.clone());
        prop_assert!(!replies.is_empty(), "no answer to {:?}", input);
        // Consent at every door: whatever was pressed, forged or replayed, someone who has not
        // agreed (a newcomer, an erased account pressing old buttons) leaves no trace.
        if !consented(h, &chat) {
            prop_assert!(
                footprint(h, &chat) <= before,
                "{:?} created a profile or a proposal without consent",
                input
            );
        }
        for r in &replies {
            let text = r.plain_text();
            prop_assert!(!text.contains('⟦'), "missing translation after {:?}: {}", input, text);
            for b in r.all_buttons() {
                prop_assert!(b.payload.len() <= MAX_LEN, "payload too long: {}", b.payload);
                seen.push(b.payload.clone());
            }
        }
    }
    Ok(())
}

/// Whether the person's stored conversation records their consent (none stored: no).
fn consented(h: &Harness, chat: &conversation_harness::Chat) -> bool {
    h.rt.block_on(async {
        let Some(account) = h.store.account_by_identity(&chat.speaker.identity).await.unwrap()
        else {
            return false;
        };
        let channel = chat.speaker.identity.platform.as_str();
        h.store
            .load_conversation(account.id, channel)
            .await
            .unwrap()
            .is_some_and(|r| State::decode(&r.state).0.consented)
    })
}

/// What the person owns: profiles, and proposals to or from them.
fn footprint(h: &Harness, chat: &conversation_harness::Chat) -> usize {
    h.rt.block_on(async {
        let Some(account) = h.store.account_by_identity(&chat.speaker.identity).await.unwrap()
        else {
            return 0;
        };
        let profiles = h.store.profiles_of(account.id).await.unwrap();
        let mut n = profiles.len();
        for p in &profiles {
            n += h.store.proposals_of_profile(p.id).await.unwrap().len();
        }
        n
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_of_events_gets_answers(
        moves in prop::collection::vec(a_move(), 1..40),
        french in any::<bool>(),
        admin in any::<bool>(),
        who in 0usize..3,
    ) {
        static N: AtomicUsize = AtomicUsize::new(0);
        let h = harness();
        let lang = if french { Lang::Fr } else { Lang::En };
        let chat = speaker(h, who, N.fetch_add(1, Ordering::Relaxed), lang, admin);
        play(h, moves, chat)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// The same on PostgreSQL, fewer cases: each gets its own schema, dropped at the end.
    #[test]
    fn any_sequence_of_events_gets_answers_on_postgres(
        moves in prop::collection::vec(a_move(), 1..40),
        french in any::<bool>(),
        who in 0usize..3,
    ) {
        let h = Harness::postgres();
        h.seed_demo();
        let lang = if french { Lang::Fr } else { Lang::En };
        let chat = speaker(&h, who, 0, lang, false);
        let outcome = play(&h, moves, chat);
        h.finish();
        outcome?;
    }
}
