//! Stored conversations outlive the binary that wrote them: a state saved by an earlier release
//! (the fixtures, written by the code of their version and never edited) still loads, without the
//! "your conversation was reset" apology, and resumes at the same question with every answer.
//! A change to the stored shape that breaks this needs a migration in `State::decode`.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use conversation_harness::Harness;
use flowstage_core::conversation::Incoming;
use flowstage_core::conversation::payload::Field;
use flowstage_core::conversation::state::{Mode, State};
use flowstage_core::domain::Lang;

/// Version 1, an artist mid-wizard at the city question (name, genres, fee and draw answered).
const ARTIST_AT_CITY: &str = include_str!("fixtures/state-v1-artist-wizard-at-city.json");

fn resumes_an_artist_wizard_saved_by_version_1(h: &Harness) {
    let mut c = h.chat("golden", Lang::Fr);
    h.send(&mut c, Incoming::Open);
    let account = h.account(&c).id;
    let channel = c.speaker.identity.platform.as_str();
    h.rt.block_on(async {
        let version = h.store.load_conversation(account, channel).await.unwrap().unwrap().version;
        h.store.save_conversation(account, channel, ARTIST_AT_CITY.trim(), version).await.unwrap();
    });
    let (state, reset) = State::decode(ARTIST_AT_CITY);
    assert!(!reset, "a version-1 state must load as it is");
    assert!(state.consented);

    let replies = h.send_raw(&mut c, Incoming::Open);
    let said = conversation_harness::render(&replies);
    assert!(!said.contains("pas pu être reprise"), "no reset apology expected:\n{said}");
    assert!(said.contains("Question 6 sur 14"), "resumes at the same question:\n{said}");
    assert!(said.contains("Dans quelle ville"), "{said}");
    assert!(replies.iter().any(|r| r.accepts_location), "the city question accepts a location");

    let said = h.send(&mut c, Incoming::Text("Lyon".into()));
    assert!(said.contains("Question 7 sur 14"), "the answer is taken:\n{said}");
    let Mode::Wizard(w) = h.mode(&c) else { panic!("still in the wizard") };
    assert_eq!(w.draft.name.as_ref().map(ToString::to_string).as_deref(), Some("Les Ondes"));
    assert_eq!(w.draft.fee.map(flowstage_core::domain::values::Fee::euros), Some(900));
    assert!(w.draft.city.is_some());
    assert_ne!(w.question, Some(Field::City));
}

#[test]
fn sqlite_resumes_an_artist_wizard_saved_by_version_1() {
    let h = Harness::sqlite();
    resumes_an_artist_wizard_saved_by_version_1(&h);
    h.finish();
}

#[test]
fn postgres_resumes_an_artist_wizard_saved_by_version_1() {
    let h = Harness::postgres();
    resumes_an_artist_wizard_saved_by_version_1(&h);
    h.finish();
}
