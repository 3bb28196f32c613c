//! Answers as people type them (issue 12), as transcripts on SQLite and PostgreSQL: lists keep
//! what parses and ask again only for the bad items, with suggestions as buttons; numbers,
//! ranges and dates in both languages; recurring availability; buttons lose nothing (Skip keeps,
//! Back and Cancel in the same place, Cancel asks first and sets the draft aside); and the rule
//! behind them all: a typed answer either moves the wizard on or leaves every stored answer as
//! it was.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use conversation_harness::{Chat, Harness, check};
use flowstage_core::conversation::Incoming;
use flowstage_core::conversation::payload::{self, Action};
use flowstage_core::conversation::state::{Draft, Mode, Wizard};
use flowstage_core::domain::Lang;
use flowstage_core::domain::values::DateSet;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::cell::RefCell;

fn wizard(h: &Harness, c: &Chat) -> Box<Wizard> {
    match h.mode(c) {
        Mode::Wizard(w) => w,
        other => panic!("not in a wizard: {other:?}"),
    }
}

fn artist_lists_keep_what_parses_in_french(h: &mut Harness) {
    let mut c = h.consented("lea", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > [Artiste]
        > Léa
        Question 2 sur 14
        > chanson francaise, folck
        Je ne connais pas le genre « folck ». Vouliez-vous dire : Folk
        Choisis : Chanson française
        [◀ Retour] [✖ Annuler] [Folk]
        > [Folk]
        Question 3 sur 14
        > 1 500 €
        Question 4 sur 14
        > [Oui]
        > entre 100 et 300 personnes
        Question 6 sur 14
        > Lyon
        > 150 km
        Question 8 sur 14
        > 14/11/2026, 08/01/2027, 09/01/2027
        Cet élément n'a pas été retenu
        « 14/11/2026 » : Le 14/11/2026 est déjà passé : indiquez une date à venir, par exemple 01/12/2026.
        Déjà retenu (2)
        janvier 2027 : 8, 9 (2)
        [✓ Continuer avec ces 2]
        > 30/02/2027
        Le 30/02/2027 n'existe pas dans le calendrier
        Déjà retenu (2)
        > [Continuer avec ces 2]
        Question 9 sur 14
        > passer
        Question 10 sur 14
        > https://lea.fr, lea.fr
        « lea.fr »
        Déjà retenu (1)
        > [Passer]
        Question 11 sur 14
    ",
    );
    let w = wizard(h, &c);
    let d = &w.draft;
    assert_eq!(d.genres.as_ref().unwrap().ids().len(), 2);
    assert_eq!(d.fee.unwrap().euros(), 1500);
    assert_eq!((d.draw.unwrap().min().people(), d.draw.unwrap().max().people()), (100, 300));
    assert_eq!(d.dates.as_ref().unwrap().len(), 2);
    assert_eq!(d.links.as_ref().unwrap().as_slice(), ["https://lea.fr".to_owned()]);
}

fn venue_numbers_and_recurring_dates_in_english(h: &mut Harness) {
    let mut c = h.consented("vera", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Venue]
        > The Hall
        > Lyon
        > skip
        Question 4 of 12
        > 1,500 people
        Question 5 of 12
        > jazz, bluse
        Did you mean: Blues
        > [Blues]
        Question 6 of 12
        > between 300 and 1,500 €
        Question 7 of 12
        > every Fri and Sat until March except 12/02/2027
        dates kept
        December 2026: 4, 5, 11, 12, 18, 19, 25, 26 (8)
        February 2027: 5, 6, 13, 19, 20, 26, 27 (7)
        March 2027:
        Question 8 of 12
    ",
    );
    let d = wizard(h, &c).draft.clone();
    assert_eq!(d.capacity.unwrap().people(), 1500);
    assert_eq!((d.budget.unwrap().min().euros(), d.budget.unwrap().max().euros()), (300, 1500));
    let dates = d.dates.unwrap();
    assert!(!dates.contains(chrono::NaiveDate::from_ymd_opt(2027, 2, 12).unwrap()));
    assert!(dates.dates().iter().all(|x| {
        use chrono::Datelike;
        matches!(x.weekday(), chrono::Weekday::Fri | chrono::Weekday::Sat)
    }));
}

fn recurring_dates_in_french_and_weekends(h: &mut Harness) {
    let mut c = h.consented("rene", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > [Lieu]
        > Le Club
        > Lyon
        > [Passer]
        > entre 100 et 300 personnes
        capacité
        > 300
        > jazz
        > entre 300 et 900
        Question 7 sur 12
        > vendredis et samedis de janvier à mars sauf le 13/02
        janvier 2027 : 1, 2, 8, 9, 15, 16, 22, 23, 29, 30 (10)
        mars 2027 :
        Question 8 sur 12
    ",
    );
    let d = wizard(h, &c).draft.clone();
    assert_eq!((d.budget.unwrap().min().euros(), d.budget.unwrap().max().euros()), (300, 900));
    let dates = d.dates.unwrap();
    assert_eq!(dates.len(), 26 - 1, "13 Fridays and 13 Saturdays, less Saturday 13 February");
    check(
        h,
        &mut c,
        "
        > [Retour]
        > week-ends de février
        février 2027 : 6, 7, 13, 14, 20, 21, 27, 28 (8)
    ",
    );
}

fn skip_keeps_and_cancel_asks_then_sets_aside(h: &mut Harness) {
    let mut c = h.consented("sam", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > [Artiste]
        > Sam
        > rock
        > 800
        > [Oui]
        > 100-400
        > Lyon
        > 100
        > 05/12/2026
        > Ma bio.
        Question 10 sur 14
        > [Retour]
        Réponse actuelle : Ma bio.
        > [Passer]
        Question 10 sur 14
        > /mydata
        Question 10 sur 14
    ",
    );
    assert_eq!(wizard(h, &c).draft.bio.as_ref().unwrap().as_str(), "Ma bio.");
    // Pressing the second button three times (Cancel in the terminal) loses nothing.
    let before = wizard(h, &c).draft.clone();
    for _ in 0..3 {
        let second = c.buttons[1].payload.clone();
        h.send(&mut c, Incoming::Button(second));
    }
    assert_eq!(wizard(h, &c).draft, before);
    assert!(c.log.ends_with("[Oui, mettre de côté] [Non, continuer] \n"), "{}", c.log);
    check(
        h,
        &mut c,
        "
        > [Non, continuer]
        Question 10 sur 14
        > [Annuler]
        Abandonner ce profil ?
        > [Oui, mettre de côté]
        /profile pour le reprendre
        > /profile
        Reprenons votre profil
        Question 10 sur 14
    ",
    );
    assert_eq!(wizard(h, &c).draft, before);
}

fn back_and_cancel_are_first_on_every_question(h: &mut Harness) {
    let mut c = h.consented("bob", Lang::En);
    h.press(&mut c, "Artist");
    for answer in
        ["Bob", "rock", "800", "yes", "100-400", "Lyon", "100", "05/12/2026", "Bio", "skip", "skip"]
    {
        let labels: Vec<&str> = c.buttons.iter().map(|b| b.label.as_str()).collect();
        assert!(labels.len() >= 2, "{labels:?}");
        assert!(labels[0].contains("Back") && labels[1].contains("Cancel"), "{labels:?}");
        h.send(&mut c, Incoming::Text(answer.to_owned()));
    }
}

/// Good answers, in order, for each wizard.
const ARTIST: &[&str] =
    &["Bea", "rock", "800", "oui", "100-400", "Lyon", "150", "05/12/2026", "Bio.", "skip", "skip"];
const VENUE: &[&str] = &[
    "Club",
    "Lyon",
    "1 rue X",
    "300",
    "jazz",
    "800-1500",
    "05/12/2026",
    "PLATESV-R-2020-000123",
    "Piano",
    "a@b.fr",
];

/// Answers that are good somewhere, bad elsewhere, half good, or garbage.
const TRIES: &[&str] = &[
    "",
    " ",
    "skip",
    "passer",
    "oui",
    "no",
    "0",
    "-5",
    "1,500€",
    "1.500",
    "entre 300 et 900",
    "300 à 900",
    "900-300",
    "chanson francaise, folck",
    "folck",
    "rock",
    "Lyon",
    "Lyonnn",
    "14/11/2026, 08/01/2027, 09/01/2027",
    "30/02/2027",
    "vendredis et samedis de janvier à mars sauf le 14/02",
    "https://a.fr, a.fr",
    "a@",
    "💥",
    "\u{0}",
];

fn same_answers(before: &Draft, after: &Draft) -> Result<(), String> {
    macro_rules! fields {
        ($($f:ident),*) => {$(
            if before.$f != after.$f {
                return Err(format!("{} changed: {:?} → {:?}", stringify!($f), before.$f, after.$f));
            }
        )*};
    }
    fields!(
        name,
        genres,
        fee,
        negotiable,
        draw,
        city,
        radius,
        dates,
        bio,
        links,
        email,
        address,
        capacity,
        budget,
        licence,
        stage_notes
    );
    Ok(())
}

/// Typed answers as a property: anything printable, numbers and amounts in any shape, date-like
/// text, lists mixing good and bad items, and the known tricky answers of [`TRIES`].
fn answers() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(TRIES).prop_map(str::to_owned),
        "\\PC{0,40}",
        "[0-9 .,€k-]{1,14}",
        "(entre |de |between )?[0-9]{1,5} (et|à|a|to|and|-) [0-9]{1,5}( personnes| places| €| seats)?",
        "[0-9]{1,2}/[0-9]{1,2}(/[0-9]{2,4})?(-[0-9]{1,2}/[0-9]{1,2}(/[0-9]{4})?)?",
        proptest::collection::vec(proptest::sample::select(TRIES), 1..4).prop_map(|v| v.join(", ")),
        "(vendredis|samedis|every Fri|weekends|les dimanches)( de| in)? (janvier|mars|February|décembre)( sauf le [0-9]{1,2}/[0-9]{2})?",
    ]
}

/// For every question of both wizards and any typed answer (every one of [`TRIES`], then
/// generated ones): either the wizard moves on, or every stored answer is what it was, field by
/// field — the draft as the store holds it between steps.
fn a_typed_answer_advances_or_changes_nothing(h: &mut Harness) {
    for (role, good, lang) in [("Artist", ARTIST, Lang::En), ("Lieu", VENUE, Lang::Fr)] {
        for (i, _) in good.iter().enumerate() {
            let mut c = h.consented(&format!("prop-{role}-{i}"), lang);
            h.press(&mut c, role);
            for answer in &good[..i] {
                h.send(&mut c, Incoming::Text((*answer).to_owned()));
            }
            let chat = RefCell::new(c);
            let one = |t: &str| -> Result<(), String> {
                let mut c = chat.borrow_mut();
                let before = wizard(h, &c);
                h.send(&mut c, Incoming::Text(t.to_owned()));
                let after = wizard(h, &c);
                if after.question != before.question {
                    // Moved on: come back to the same question for the next try.
                    h.press(&mut c, "◀");
                    return Ok(());
                }
                same_answers(&before.draft, &after.draft).map_err(|e| {
                    format!("{role} question {}: {t:?} did not advance but {e}", i + 1)
                })
            };
            for t in TRIES {
                one(t).unwrap_or_else(|e| panic!("{e}"));
            }
            let config = ProptestConfig {
                cases: 12,
                failure_persistence: None,
                ..ProptestConfig::default()
            };
            let mut runner =
                TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
            runner
                .run(&answers(), |t| one(&t).map_err(TestCaseError::fail))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The proposal's date picker pages through every common date (19 here, 8 a page).
fn the_date_picker_pages_through_all_dates(h: &mut Harness) {
    let mut artist = h.consented("pia", Lang::Fr);
    let a = h.give_artist(&artist, "Pia", "Lyon");
    let venue = h.consented("vic", Lang::En);
    let v = h.give_venue(&venue, "Vic's", "Lyon");
    let days = DateSet::parse("01/12/2026-19/12/2026", conversation_harness::start().date_naive())
        .unwrap();
    for p in [&a, &v] {
        h.rt.block_on(h.store.update_profile(p.id, &p.details, &days)).unwrap();
    }
    let propose = payload::encode(0, &Action::Propose(v.id));
    let said = h.send(&mut artist, Incoming::Button(propose));
    assert!(said.contains("19 dates sont libres"), "{said}");
    assert!(!said.contains("09/12/2026"), "{said}");
    check(
        h,
        &mut artist,
        "
        > [Suivant]
        [09/12/2026]
        [◀ Précédents]
        > [Suivant]
        [17/12/2026] [18/12/2026] [19/12/2026]
        !Suivant
        > [19/12/2026]
        Quel cachet
    ",
    );
}

/// A city typed with a typo gets its close names as buttons; one press answers the question.
fn city_suggestions_are_buttons(h: &mut Harness) {
    let mut c = h.consented("cyd", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Venue]
        > The Room
        > Marseile
        Did you mean
        [◀ Back] [✖ Cancel] [Marseille
    ",
    );
    check(
        h,
        &mut c,
        "
        > [Marseille
        Question 3 of 12
    ",
    );
    assert_eq!(wizard(h, &c).draft.city.as_ref().unwrap().name(), "Marseille");
}

/// `/match` filters typed in words, in French and in English, with relative dates placed by the
/// injected clock (Tuesday 24 November 2026): shown on the results, each with its ✖.
fn match_filters_typed_in_words_in_both_languages(h: &mut Harness) {
    h.seed_demo();
    let mut fr = h.consented("zoe", Lang::Fr);
    h.give_artist(&fr, "Zoé", "Lyon");
    check(
        h,
        &mut fr,
        "
        > /match samedi prochain 200km jazz
        Filtres : 📅 28/11/2026 · 📍 à moins de 200 km · 🎵 Jazz
        [✖ 📅 28/11/2026] [✖ 📍 à moins de 200 km] [✖ 🎵 Jazz]
        > [✖ 🎵 Jazz]
        Filtres : 📅 28/11/2026 · 📍 à moins de 200 km
        !🎵
        > [📅 Dates]
        Pour quelles dates ? Par exemple 01/12/2026, du 08/12/2026 au 22/12/2026
        > 01/12/2026
        Filtres : 📅 01/12/2026 · 📍 à moins de 200 km
        > [📍 Rayon]
        Quel rayon
        > 80
        Filtres : 📅 01/12/2026 · 📍 à moins de 80 km
        > /match zorglub 19/12
        Non retenu : « zorglub » : ce n'est ni une date
        Filtres : 📅 19/12/2026
        > /match 14/11/2026
        Non retenu : « 14/11/2026 » : Le 14/11/2026 est déjà passé
        !..
        Aucun filtre
    ",
    );
    let mut en = h.consented("ned", Lang::En);
    h.give_artist(&en, "Ned", "Lyon");
    check(
        h,
        &mut en,
        "
        > /match next friday 150 km max 900 €
        Filters: 📅 Fri 27 Nov 2026 · 📍 within 150 km · 💶 up to 900 € excl. VAT
        > [🔎 Filters]
        What are you looking for?
        2026-12-01 150 km jazz max 900 €
        > in March 100-300 seats
        Filters: 📅 31 dates from Mon 1 Mar 2027 to Wed 31 Mar 2027 · 📍 within 150 km · 💶 up to 900 € excl. VAT · 👥 100 to 300 people
        > /match at least 90000 seats
        No profile passes these filters.
        Filters: 👥 at least 90
        Without 👥 at least 90
        > [Without 👥]
        Results (page 1 of
        No filter
        > [🔎 Filters]
        > nothing at all
        Not taken: \"nothing at all\": this is not a date
        What are you looking for?
    ",
    );
}

/// A search is followed only on purpose, once however often 🔔 is pressed; `/settings` lists the
/// alerts and stops one.
fn alerts_come_only_from_followed_searches(h: &mut Harness) {
    h.seed_demo();
    let mut c = h.consented("fay", Lang::En);
    h.give_artist(&c, "Fay", "Lyon");
    check(
        h,
        &mut c,
        "
        > /match
        > /settings
        !Your search alerts
        > /match 100 km
        > [🔔 Alert me]
        you will be told when a new profile fits this search
        > /match 100 km
        > [🔔 Alert me]
        You already follow this search
        > /settings
        Your search alerts:
        🔔 1. For Fay: 📍 within 100 km
        [🔕 Stop 1]
        > [🔕 Stop 1]
        No more alerts for this search
        > /settings
        !Your search alerts
    ",
    );
    let account = h.account(&c).id;
    let history = h.rt.block_on(h.store.saved_searches(account)).unwrap();
    // Three /match kept as history, and the search that was followed, now history too.
    assert_eq!(history.len(), 4, "{history:?}");
    assert!(history.iter().all(|s| !s.followed));
}

/// "2 sets de 45" is 90 minutes on stage, said back; "1h30" too; a bad length names the forms.
fn set_lengths_as_bookers_write_them(h: &mut Harness) {
    let mut artist = h.consented("sal", Lang::Fr);
    h.give_artist(&artist, "Sal", "Lyon");
    let venue = h.consented("vik", Lang::En);
    h.give_venue(&venue, "Vik", "Lyon");
    check(
        h,
        &mut artist,
        "
        > /match
        > [✉️ Proposer (1)]
        > [05/12/2026]
        > [Garder 900 €]
        > [Cession]
        Durée du set ? Choisissez, ou écrivez-la : 60, 1h30, 2 sets de 45.
        > beaucoup
        par exemple 60, 1h30 ou 2 sets de 45
        > 2 sets de 45
        2 sets de 45 min : 90 min de scène en tout.
        Horaires
        > [Retour]
        Durée du set
        > 1h30
        !sets de
        Horaires
        > [Passer]
        > [Passer]
        Set : 90 min
    ",
    );
}

stories!(
    city_suggestions_are_buttons,
    the_date_picker_pages_through_all_dates,
    artist_lists_keep_what_parses_in_french,
    venue_numbers_and_recurring_dates_in_english,
    recurring_dates_in_french_and_weekends,
    skip_keeps_and_cancel_asks_then_sets_aside,
    back_and_cancel_are_first_on_every_question,
    a_typed_answer_advances_or_changes_nothing,
    match_filters_typed_in_words_in_both_languages,
    alerts_come_only_from_followed_searches,
    set_lengths_as_bookers_write_them,
);
