//! The profile wizards as transcripts, on SQLite and PostgreSQL: every question refuses at least
//! one invalid answer with a message naming the problem and the state unchanged; Back keeps the
//! answers; Cancel saves nothing; a restart in the middle continues at the same question; the
//! summary edits one field; submission puts the profile in review.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use conversation_harness::{Harness, check};
use flowstage_core::conversation::Incoming;
use flowstage_core::conversation::state::Mode;
use flowstage_core::domain::Lang;
use flowstage_core::domain::profile::{ProfileDetails, ProfileStatus};

/// Sends `bad`, checks the problem is named and nothing moved, then sends `good`.
#[track_caller]
fn refuse_then_accept(
    h: &Harness,
    chat: &mut conversation_harness::Chat,
    bad: &str,
    problem: &str,
    good: &str,
) {
    let before = h.mode(chat);
    let said = h.send(chat, Incoming::Text(bad.to_owned()));
    assert!(said.contains(problem), "`{bad}` should be refused with {problem:?}, got:\n{said}");
    assert_eq!(h.mode(chat), before, "`{bad}` changed the state");
    let said = h.send(chat, Incoming::Text(good.to_owned()));
    assert!(!said.contains("⚠️"), "`{good}` should be accepted, got:\n{said}");
    assert_ne!(h.mode(chat), before, "`{good}` did not move on");
}

fn artist_wizard_refuses_each_bad_answer_in_french(h: &mut Harness) {
    let mut c = h.chat("ana", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > /start
        Bienvenue sur Flow Stage
        Vos données
        [J'accepte]
        > [J'accepte]
        Vous êtes plutôt
        > [Artiste]
        Créons votre profil d'artiste
        Question 1 sur 14
        Quel est le nom
        [◀ Retour] [✖ Annuler]
    ",
    );
    refuse_then_accept(h, &mut c, "   ", "ne peut pas être vide", "Les Gros Sons");
    refuse_then_accept(
        h,
        &mut c,
        "zouk-metal-polka",
        "Je ne connais pas le genre « zouk-metal-polka »",
        "rock indé, punk",
    );
    refuse_then_accept(h, &mut c, "douze cents", "nombre entier d'euros, par exemple 800", "1200");
    refuse_then_accept(h, &mut c, "peut-être", "Choisissez une des réponses", "oui");
    refuse_then_accept(
        h,
        &mut c,
        "400-100",
        "Le minimum de la jauge (400) dépasse son maximum (100)",
        "100-400",
    );
    refuse_then_accept(h, &mut c, "Atlantidee", "Je ne trouve pas", "Lyon");
    refuse_then_accept(h, &mut c, "loin", "nombre entier de kilomètres, par exemple 150", "300");
    refuse_then_accept(
        h,
        &mut c,
        "01/01/2020",
        "Le 01/01/2020 est déjà passé",
        "05/12/2026, 12/12/2026-20/12/2026",
    );
    refuse_then_accept(h, &mut c, &"x".repeat(2001), "2000 caractères au plus", "Rock lyonnais.");
    refuse_then_accept(h, &mut c, "pas-un-lien", "n'est pas un lien web", "https://example.fr");
    let before = h.mode(&c);
    check(
        h,
        &mut c,
        "
        > ana@@example
        Ce n'est pas une adresse email ; écrivez-la comme nom@exemple.fr
        Question 11 sur 14
    ",
    );
    assert_eq!(h.mode(&c), before);
    check(
        h,
        &mut c,
        "
        > ana@example.fr
        Question 12 sur 14
        > vingt musiciens, trois techniciens, un chauffeur
        Écrivez le nombre d'artistes sur scène puis celui de l'équipe
        Question 12 sur 14
        > 4 + 1
        Question 13 sur 14
        > pour tout le monde
        Dites pour qui est le spectacle
        > tout public, debout
        Question 14 sur 14
        > au chapeau
        Choisissez l'un des boutons
        Question 14 sur 14
        > [Un cachet fixe (cession)]
        Voici votre profil
        Nom : Les Gros Sons
        Genres : Rock indé, Punk
        Cachet : 1 200 € (négociable)
        Jauge : 100–400
        Ville : Lyon
        Rayon : 300 km
        Dates : 10 dates, du 05/12/2026 au 20/12/2026
        Présentation : Rock lyonnais.
        Liens : https://example.fr
        Email : ana@example.fr
        Équipe : 4 sur scène, 1 en équipe
        Public : Tout public, debout
        Contrats : Un cachet fixe (cession)
        [Modifier : Cachet]
        [✅ Envoyer pour validation]
        > [Modifier : Cachet]
        Réponse actuelle : 1 200 €
        > 1,5
        sans centimes
        > 1500
        Voici votre profil
        Cachet : 1 500 € (négociable)
        > [Envoyer pour validation]
        Les Gros Sons est envoyé pour validation
    ",
    );
    let profiles = h.profiles(&c);
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].status, ProfileStatus::Pending);
    let ProfileDetails::Artist(a) = &profiles[0].details else { panic!("not an artist") };
    assert_eq!(a.fee.euros(), 1500);
    assert_eq!(profiles[0].dates.len(), 10);
}

fn venue_wizard_refuses_each_bad_answer_in_english(h: &mut Harness) {
    let mut c = h.consented("vic", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Venue]
        Let's create your venue's profile
        Question 1 of 12
    ",
    );
    refuse_then_accept(h, &mut c, " \n ", "cannot be empty", "Le Petit Club");
    refuse_then_accept(h, &mut c, "", "Give a city, e.g. Lyon", "69002");
    refuse_then_accept(
        h,
        &mut c,
        &"a".repeat(201),
        "at most 200 characters",
        "13 rue Delandine, 69002 Lyon",
    );
    refuse_then_accept(h, &mut c, "0", "at least one person, e.g. 300", "250");
    refuse_then_accept(h, &mut c, "", "Choose at least one genre", "jazz, blues");
    refuse_then_accept(
        h,
        &mut c,
        "1500-800",
        "The budget's minimum (1500) is above its maximum (800)",
        "800-1500",
    );
    refuse_then_accept(
        h,
        &mut c,
        "2026-13-45",
        "2026-13-45 does not exist in the calendar",
        "2026-12-04, 2026-12-05",
    );
    refuse_then_accept(h, &mut c, "ABC", "PLATESV-R-2020-000123", "PLATESV-R-2020-000123");
    refuse_then_accept(h, &mut c, &"n".repeat(2001), "at most 2000 characters", "Grand piano.");
    check(
        h,
        &mut c,
        "
        > booking@@club
        That is not an email address
        > [Skip]
        Question 11 of 12
        [All ages, seated]
        > everyone
        Say who the show is for
        > [Adults, standing]
        Question 12 of 12
        [Either, fee or share]
        > door deals and a share of the receipts only
        Here is your profile
        Name: Le Petit Club
        City: Lyon
        Capacity: 250
        Genres: Jazz, Blues
        Email: —
        Audience: Adults, standing
        Deals: A share of the receipts (coréalisation)
        [✅ Submit for review]
        > [Submit for review]
        Le Petit Club is submitted for review
    ",
    );
    assert_eq!(h.profiles(&c)[0].status, ProfileStatus::Pending);
    assert_eq!(
        h.profiles(&c)[0].deals,
        Some(flowstage_core::domain::proposal::DealsTaken::Share),
        "stored, for /match to filter on"
    );
}

fn back_keeps_answers_and_cancel_saves_nothing(h: &mut Harness) {
    let mut c = h.consented("bea", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > [Artiste]
        > Béa
        Question 2 sur 14
        > [Retour]
        Question 1 sur 14
        Réponse actuelle : Béa
        > Béatrice
        Question 2 sur 14
        > [Rock ›]
        [Rock] [Rock indé] [Punk]
        [« Familles]
        > [Punk]
        Choisis : Punk
        [✓ Punk]
        > [« Familles]
        > [Jazz ›]
        > [Jazz manouche]
        Choisis : Punk, Jazz manouche
        > [Terminé]
        Question 3 sur 14
        > [Retour]
        Question 2 sur 14
        Choisis : Punk, Jazz manouche
        > [Annuler]
        Abandonner ce profil ?
        [Oui, mettre de côté] [Non, continuer]
        > [Oui, mettre de côté]
        Profil mis de côté avec vos réponses. Tapez /profile pour le reprendre.
        [🔎 Trouver]
    ",
    );
    assert!(h.profiles(&c).is_empty());
    assert_eq!(h.mode(&c), Mode::Idle);
    // Back from the first question returns to the role choice.
    check(
        h,
        &mut c,
        "
        > /start
        Vous êtes plutôt
        > [Lieu]
        Question 1 sur 12
        > [Retour]
        Vous êtes plutôt
    ",
    );
}

fn the_genre_picker_searches_and_caps_at_five(h: &mut Harness) {
    let mut c = h.consented("gus", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Artist]
        > Gus
        > gypsy
        Genres found for \"gypsy\"
        [Gypsy jazz]
        > [Gypsy jazz]
        Chosen: Gypsy jazz
        > [Done]
        Question 3 of 14
        > [Back]
        > rock, punk, metal, jazz, blues
        At most 5 genres: untick one
        Question 2 of 14
        > [Done]
        Question 3 of 14
        > [Back]
        > [Done]
        Question 3 of 14
    ",
    );
    let empty = h.consented("hal", Lang::En);
    let mut e = empty;
    check(
        h,
        &mut e,
        "
        > [Artist]
        > Hal
        > [Done]
        Choose at least one genre
        Question 2 of 14
    ",
    );
}

fn a_restart_mid_wizard_continues_at_the_same_question(h: &mut Harness) {
    let mut c = h.consented("rita", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > [Artiste]
        > Rita
        > chanson
        > 600
        Question 4 sur 14
    ",
    );
    let before = h.state(&c);
    h.restart();
    let mut again = h.chat("rita", Lang::Fr);
    check(
        h,
        &mut again,
        "
        > /start
        Question 4 sur 14
        Ce cachet est-il négociable
    ",
    );
    assert_eq!(h.state(&again).mode, before.mode);
    h.restart();
    let said = h.send(&mut again, Incoming::Open);
    assert!(said.contains("Bon retour") && said.contains("Question 4 sur 14"), "{said}");
    check(
        h,
        &mut again,
        "
        > non
        Question 5 sur 14
    ",
    );
}

fn commands_wait_while_a_wizard_runs(h: &mut Harness) {
    let mut c = h.consented("walt", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Artist]
        > Walt
        > /match
        Finish this profile first, or cancel it
        Question 2 of 14
        > /help
        To begin
        Question 2 of 14
        > /mydata
        Question 2 of 14
        > /cancel
        Abandon this profile?
        > /cancel
        Question 2 of 14
        > /cancel
        > [Yes, set it aside]
        Profile set aside
    ",
    );
    assert_eq!(h.mode(&c), Mode::Idle);
}

fn a_stale_button_is_never_acted_on_twice(h: &mut Harness) {
    let mut c = h.consented("sam", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Venue]
        > Sam's
        > Lyon
        > [Skip]
        > 100
        > rock
        > 500-900
        > 2026-12-05
        > [Skip]
        > [Skip]
        > [Skip]
        > [Skip]
        > [Skip]
        Here is your profile
    ",
    );
    let submit = h.payload(&c, "Submit");
    let first = h.send(&mut c, Incoming::Button(submit.clone()));
    assert!(first.contains("submitted for review"), "{first}");
    let second = h.send(&mut c, Incoming::Button(submit));
    assert!(second.contains("from an earlier screen: nothing was done"), "{second}");
    assert_eq!(h.profiles(&c).len(), 1);
    let garbage = h.send(&mut c, Incoming::Button("zz.nothing".into()));
    assert!(garbage.contains("no longer valid"), "{garbage}");
}

fn profile_shows_edits_and_adds(h: &mut Harness) {
    let mut c = h.consented("eve", Lang::En);
    let p = h.give_artist(&c, "Eve Band", "Nantes");
    check(
        h,
        &mut c,
        "
        > /profile
        Eve Band
        approved
        Fee: 900 € (negotiable)
        Not enough proposals yet for a response rate.
        [✏️ Edit] [📄 Contract details] [➕ Add an artist]
        > [Edit]
        Here is your profile
        [✅ Save]
        > [Edit: City]
        Current answer: Nantes
        > Rennes
        City: Rennes
        > [Save]
        The changes to Eve Band are saved.
        > /profile
        City: Nantes
        > [Add an artist]
        Let's create your artist profile
        > Eve Solo
        > [Cancel]
        Abandon this profile?
        > [Yes, set it aside]
        Profile set aside with your answers
    ",
    );
    // The city is public: the approved profile stays published (Nantes) while the edit waits
    // for review (issue 19; phase 2 tells the owner so).
    let stored = h.rt.block_on(h.store.profile(p.id)).unwrap();
    assert_eq!(stored.details.city().name(), "Nantes");
    assert_eq!(stored.status, ProfileStatus::Approved);
    let edit = h.rt.block_on(h.store.profile_edit(p.id)).unwrap().unwrap();
    assert_eq!(edit.city().name(), "Rennes");
    h.give_artist(&c, "Eve Duo", "Brest");
    check(
        h,
        &mut c,
        "
        > /profile
        Eve Band
        > [Add an artist]
        Let us resume your profile
        Question 2 of 14
        > [Back]
        Current answer: Eve Solo
        > [Cancel]
        > [No, go on]
        Question 1 of 14
        > /cancel
        Abandon this profile?
        > [Yes, set it aside]
        > /profile
        Eve Band
        [Switch to Eve Duo]
        > [Switch to Eve Duo]
        Eve Duo
        [Switch to Eve Band]
    ",
    );
}

fn a_shared_location_answers_the_city_question(h: &mut Harness) {
    let mut c = h.consented("loc", Lang::En);
    check(
        h,
        &mut c,
        "
        > [Artist]
        > Loc
        > rock
        > 500
        > yes
        > 100-300
        Question 6 of 14
    ",
    );
    let before = h.mode(&c);
    let far = h.send(&mut c, Incoming::Location { lat: 0.0, lon: 0.0 });
    assert!(far.contains("far from any town we know"), "{far}");
    assert_eq!(h.mode(&c), before);
    let bad = h.send(&mut c, Incoming::Location { lat: 91.0, lon: 0.0 });
    assert!(bad.contains("That location is not valid"), "{bad}");
    let near = h.send(&mut c, Incoming::Location { lat: 45.764, lon: 4.8357 });
    assert!(near.contains("Question 7 of 14"), "{near}");
    let elsewhere = h.send(&mut c, Incoming::Location { lat: 45.764, lon: 4.8357 });
    assert!(elsewhere.contains("I do not need it here"), "{elsewhere}");
    check(
        h,
        &mut c,
        "
        > [Back]
        Current answer: Lyon
    ",
    );
}

/// Events of one account arrive at once, on this instance and on another one sharing the
/// database: each is applied, none is lost to a version conflict.
fn events_of_one_account_are_applied_in_order(h: &mut Harness) {
    use flowstage_core::config::Rules;
    use flowstage_core::conversation::Engine;
    let c = h.consented("quick", Lang::En);
    let other = Engine::new(h.store.clone(), Rules::default());
    let account = h.account(&c).id;
    let version = |h: &Harness| {
        let found = h.rt.block_on(h.store.load_conversation(account, "local")).unwrap();
        found.unwrap().version
    };
    let before = version(h);
    std::thread::scope(|scope| {
        for i in 0..8 {
            let (engine, speaker, rt) =
                (if i % 2 == 0 { &h.engine } else { &other }, &c.speaker, &h.rt);
            scope.spawn(move || {
                let out =
                    rt.block_on(engine.handle(speaker, Incoming::from_line("/help"))).unwrap();
                assert!(!out.replies.is_empty());
            });
        }
    });
    // Each saved once: a step that waited for another of this instance started from what that
    // one saved, and one that lost to the other instance was replayed.
    assert_eq!(version(h), before + 8);
    let mut c = c;
    check(
        h,
        &mut c,
        "
        > /start
        Are you
        > [Artist]
        Question 1 of 14
    ",
    );
}

/// A state written by a version that no longer exists is answered, not failed on.
fn an_unreadable_stored_state_restarts_politely(h: &mut Harness) {
    let mut c = h.consented("old", Lang::Fr);
    let account = h.account(&c).id;
    let rec = h.rt.block_on(h.store.load_conversation(account, "local")).unwrap().unwrap();
    h.rt.block_on(h.store.save_conversation(
        account,
        "local",
        r#"{"v": 0, "consented": true, "mode": {"mode": "wizard_v0"}}"#,
        rec.version,
    ))
    .unwrap();
    check(
        h,
        &mut c,
        "
        > bonjour
        Notre conversation précédente n'a pas pu être reprise
        Je n'ai pas compris
    ",
    );
    assert!(h.state(&c).consented, "consent survives a reset");
}

/// A proposal half written survives a restart too.
fn a_restart_mid_proposal_continues_at_the_same_step(h: &mut Harness) {
    let mut artist = h.consented("pia", Lang::En);
    h.give_artist(&artist, "Pia", "Lyon");
    let venue = h.consented("val", Lang::En);
    h.give_venue(&venue, "Val's", "Lyon");
    check(
        h,
        &mut artist,
        "
        > /match
        > [✉️ Propose (1)]
        > [Sat 5 Dec 2026]
        > 1000
        What kind of deal?
    ",
    );
    h.restart();
    let mut again = h.chat("pia", Lang::En);
    check(
        h,
        &mut again,
        "
        > /start
        What kind of deal?
        > [Flat fee]
        > [45 min]
        > [Skip]
        > [Skip]
        Fee: 1 000 €
        > [Send]
        sent to Val's
    ",
    );
}

/// Editing keeps what the wizard does not ask: a festival's several slots per date.
fn editing_a_festival_keeps_its_slots(h: &mut Harness) {
    h.seed_demo();
    // Demo accounts speak French.
    let mut c = h.chat("demo-venue-18", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > /start
        > [J'accepte]
        > /profile
        Festival des Nuits de Tours
        > [Modifier]
        > [Modifier : Capacité]
        > 7000
        > [Enregistrer]
        sont enregistrées
    ",
    );
    // The capacity is public: the edit waits for review, slots and all.
    let p = &h.profiles(&c)[0];
    let edit = h.rt.block_on(h.store.profile_edit(p.id)).unwrap();
    let Some(ProfileDetails::Venue(v)) = &edit else { panic!("no venue edit: {edit:?}") };
    assert_eq!((v.capacity.people(), v.slots_per_date), (7000, 3));
    let ProfileDetails::Venue(published) = &p.details else { panic!("not a venue") };
    assert_eq!(published.slots_per_date, 3);
}

stories!(
    artist_wizard_refuses_each_bad_answer_in_french,
    venue_wizard_refuses_each_bad_answer_in_english,
    back_keeps_answers_and_cancel_saves_nothing,
    the_genre_picker_searches_and_caps_at_five,
    a_restart_mid_wizard_continues_at_the_same_question,
    commands_wait_while_a_wizard_runs,
    a_stale_button_is_never_acted_on_twice,
    profile_shows_edits_and_adds,
    a_shared_location_answers_the_city_question,
    events_of_one_account_are_applied_in_order,
    an_unreadable_stored_state_restarts_politely,
    a_restart_mid_proposal_continues_at_the_same_step,
    editing_a_festival_keeps_its_slots,
);
