//! Contracts filled through the conversation (issue 13), on SQLite and PostgreSQL: after a
//! booking each side is asked only what its contract lacks, bad answers are refused with a
//! sentence saying how to write them, and once both sides have answered the contract goes to
//! both. The PDFs are read back with `pdftotext` (poppler-utils): no blank is left but the
//! signatures, for the cession, the coréalisation and the English agreement. A signed copy sent
//! back as a document is recorded, and "signed by both" is said when both are in.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use std::process::Command;

use conversation_harness::{Chat, Harness, check};
use flowstage_core::booking::BookingService;
use flowstage_core::config::Rules;
use flowstage_core::conversation::Incoming;
use flowstage_core::conversation::payload::{self, Action};
use flowstage_core::conversation::state::Mode;
use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
use flowstage_core::domain::values::Fee;
use flowstage_core::domain::{BookingId, Lang};
use flowstage_core::notify::Event;

fn service(h: &Harness) -> BookingService {
    BookingService::new(h.store.clone(), Rules::default())
}

/// Books the artist of `artist` at the venue of `venue` on `day` (of December 2026).
fn book(h: &Harness, artist: &Chat, venue: &Chat, day: u32, deal: Deal) -> BookingId {
    let (a, v) = (h.account(artist).id, h.account(venue).id);
    let (ap, vp) = (h.profiles(artist)[0].id, h.profiles(venue)[0].id);
    let terms = Terms {
        day: chrono::NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
        fee: Fee::parse("1200").unwrap(),
        deal,
        set_minutes: 75,
        times: ShowTimes {
            load_in: chrono::NaiveTime::from_hms_opt(17, 0, 0),
            soundcheck: chrono::NaiveTime::from_hms_opt(18, 0, 0),
            doors: chrono::NaiveTime::from_hms_opt(20, 0, 0),
            set_start: chrono::NaiveTime::from_hms_opt(21, 0, 0),
            curfew: None,
        },
        message: None,
    };
    let s = service(h);
    let p = h.rt.block_on(s.propose(a, ap, vp, terms)).unwrap();
    h.rt.block_on(s.accept(v, p.id)).unwrap().booking.id
}

fn fill_button(booking: BookingId) -> Incoming {
    Incoming::Button(payload::encode(0, &Action::FillContract(booking)))
}

/// The text of a PDF as pdftotext reads it, spaces flattened and dot leaders dropped.
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed (apt-get install poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .filter(|w| !(w.len() >= 3 && w.chars().all(|c| c == '.')))
        .collect::<Vec<_>>()
        .join(" ")
}

/// No "____" is left but the initials of the footer, no label without its value.
#[track_caller]
fn assert_no_blank(text: &str) {
    let body = text.replace("Paraphes : ________", "").replace("Initials: ________", "");
    assert!(!body.contains("__"), "a blank is left:\n{text}");
    // Every field prints "______" when it has no value; a label ending right before the next
    // article would be a field printed with nothing at all.
    for empty in [" : Article", ": Article"] {
        assert!(!body.contains(empty), "an empty field ({empty:?}):\n{text}");
    }
}

#[track_caller]
fn assert_contains(text: &str, needles: &[&str]) {
    let missing: Vec<_> = needles.iter().filter(|n| !text.contains(*n)).collect();
    assert!(missing.is_empty(), "missing {missing:?} in:\n{text}");
}

fn contract_text(h: &Harness, booking: BookingId, lang: Option<Lang>) -> String {
    let (_, contract) = h.rt.block_on(service(h).contract(booking, lang)).unwrap();
    pdf_text(&contract.bytes)
}

fn ready_for(h: &Harness, chat: &Chat) -> Vec<BookingId> {
    h.inbox(h.account(chat).id)
        .into_iter()
        .filter_map(|e| match e {
            Event::ContractReady { booking, .. } => Some(booking),
            _ => None,
        })
        .collect()
}

fn contracts_are_filled_in_the_chat_and_printed_without_blanks(h: &mut Harness) {
    let mut artist = h.consented("arlo", Lang::Fr);
    h.give_artist(&artist, "Arlo et les Naïfs", "Lyon");
    let mut venue = h.consented("vera", Lang::En);
    h.give_venue(&venue, "Vera Club", "Grenoble");
    let booking = book(h, &artist, &venue, 5, Deal::FlatFee);

    // Nothing is known yet: no contract is sent, each side is asked for its details.
    for chat in [&artist, &venue] {
        let told = h.inbox(h.account(chat).id);
        assert!(
            told.iter().any(
                |e| matches!(e, Event::ContractDetailsNeeded { booking: b, .. } if *b == booking)
            ),
            "{told:?}"
        );
        assert!(!told.iter().any(|e| matches!(e, Event::ContractReady { .. })), "{told:?}");
    }

    let intro = h.send(&mut artist, fill_button(booking));
    assert!(intro.contains("10 information(s) à donner"), "{intro}");
    assert!(intro.contains("raison sociale"), "{intro}");
    check(
        h,
        &mut artist,
        "
        > Les Productions du Château d'Eau
        Enregistré
        Sa forme juridique
        > SARL
        siège social
        > 4 quai de la Tête d'Or, 69006 Lyon
        SIRET
        > 732 829 320 00075
        La clé de ce SIRET est fausse
        SIRET
        > 7328293200007
        Un SIRET a 14 chiffres, pas 13
        > 732 829 320 00074
        code APE
        > 9001z
        TVA intracommunautaire
        [Non assujetti à la TVA]
        > FR45732829320
        La clé de ce numéro de TVA français ne correspond pas à son SIREN
        > FR44732829320
        licences
        [Exonéré : moins de 6 spectacles par an]
        > PLATESV-D-2024-000871
        Donnez la catégorie avant le numéro
        > 2 PLATESV-D-2024-000871
        Qui signe
        > Gaëlle Garçon
        Écrivez le nom, une virgule, puis la qualité
        > Gaëlle Garçon, gérante
        Combien d'artistes
        > 0
        au moins un artiste
        > 3 + 1
        besoins techniques
        > Façade 2 × 1 kW, 4 retours, 12 entrées, praticable batterie 2 × 2 m.
        Votre part est complète
        !contrat a été envoyé
    ",
    );
    assert_eq!(h.mode(&artist), Mode::Idle);
    assert!(ready_for(h, &artist).is_empty(), "the venue has not answered yet");

    let intro = h.send(&mut venue, fill_button(booking));
    assert!(intro.contains("15 detail(s) to give"), "{intro}");
    check(
        h,
        &mut venue,
        "
        > Association Œil de Bœuf
        legal form
        > association loi 1901
        head office
        > 12 rue de l'Hôpital, 38000 Grenoble
        SIRET
        > 35600000052135
        APE code
        > 90.04Z
        EU VAT number
        > [Not registered for VAT]
        live-show licences
        > [Exempt: fewer than 6 shows a year]
        Who signs
        > Noël Pâris, president
        stage and backline
        > Stage 6 × 4 m, Yamaha QL1 desk, 4 monitors, Ampeg bass amp.
        meal
        > dinner time
        Write a time like 19h00
        > 19:00
        curfew
        > 01h00
        Travel
        > beaucoup
        Write an amount like 350
        > 300
        Lodging
        > [Provided by the venue]
        Meals
        > provided for 4
        Deposit
        > none at all for now
        balance
        > [✖ Cancel]
    ",
    );
    // Cancel keeps what was answered: the button of the notification resumes at the payment.
    assert_eq!(h.mode(&venue), Mode::Idle);
    let resumed = h.send(&mut venue, fill_button(booking));
    assert!(resumed.contains("3 detail(s) to give") && resumed.contains("Deposit"), "{resumed}");
    check(
        h,
        &mut venue,
        "
        > 360
        By which date is the deposit paid?
        > 2026-11-30
        balance
        > 2026-12-12
        How are payments made?
        > [Bank transfer]
        Full ticket price
        > 15
        Reduced price
        > 12
        invitations
        > 8
        drinks served
        > [No]
        Everything is there: the contract has been sent to both sides
    ",
    );
    assert_eq!(ready_for(h, &artist), vec![booking]);
    assert_eq!(ready_for(h, &venue), vec![booking]);

    // The cession, in the producer's language: nothing left blank but the signatures.
    let fr = contract_text(h, booking, None);
    assert_no_blank(&fr);
    assert_contains(
        &fr,
        &[
            "CONTRAT DE CESSION DU DROIT D'EXPLOITATION D'UN SPECTACLE",
            "Les Productions du Château d'Eau",
            "Forme juridique : SARL",
            "SIRET : 732 829 320 00074",
            "Code APE : 90.01Z",
            "FR44732829320",
            "PLATESV-D-2024-000871, catégorie 2",
            "Représenté(e) par : Gaëlle Garçon, gérante",
            "Association Œil de Bœuf",
            "SIRET : 356 000 000 52135",
            "non assujetti à la TVA",
            "moins de six représentations par an",
            "Noël Pâris, president",
            "Équipe : 3 artistes et 1 technicien, soit 4 personnes en tournée",
            "Repas : 19h00",
            "(couvre-feu) : 01h00",
            "Prix de cession HT 1 200,00 €",
            "Frais pris en charge HT 300,00 €",
            "Total HT 1 500,00 €",
            "TVA (5,5 %) 82,50 €",
            "Total TTC 1 582,50 €",
            "Aucune consommation n'étant servie pendant le spectacle",
            "Transport : payé par l'Organisateur en sus du prix : 300,00 € HT pour 4 personnes",
            "Hébergement : fourni par l'Organisateur pour 4 personnes",
            "Acompte : 360,00 € HT, soit 379,80 € TTC, payé par virement bancaire au plus tard le lundi 30 novembre 2026",
            "Solde : 1 202,70 € TTC, payé par virement bancaire au plus tard le samedi 12 décembre 2026",
            "Prix des places : 15,00 € TTC",
            "Tarif réduit : 12,00 € TTC",
            "Invitations réservées au Producteur : 8",
            "Façade 2 × 1 kW",
            "Stage 6 × 4 m, Yamaha QL1 desk",
        ],
    );
    assert!(!fr.contains("vigilance"), "under 5,000 € HT: {fr}");

    // The English agreement, from the same answers.
    let en = contract_text(h, booking, Some(Lang::En));
    assert_no_blank(&en);
    assert_contains(
        &en,
        &[
            "PERFORMANCE AGREEMENT",
            "Company: 3 performers and 1 crew member, 4 people on the road",
            "Meal: 19:00",
            "Curfew: 01:00",
            "Fee excluding VAT €1,200.00",
            "As no drinks are served during the show, the reduced VAT rate of 5.5% applies",
            "Deposit: €360.00 excluding VAT, €379.80 including VAT, paid by bank transfer by Monday 30 November 2026",
            "Live-show licence: no. PLATESV-D-2024-000871, category 2",
            "not registered for VAT",
        ],
    );

    // A door deal the next evening: the artist has nothing left to give; the venue answers only
    // what belongs to this booking — and serves drinks this time.
    let door = book(h, &artist, &venue, 4, Deal::DoorDeal { percent_bp: 7_000 });
    let told = h.inbox(h.account(&artist).id);
    assert!(!told.iter().any(|e| matches!(e, Event::ContractDetailsNeeded { .. })), "{told:?}");
    let intro = h.send(&mut venue, fill_button(door));
    assert!(intro.contains("6 detail(s) to give"), "{intro}");
    check(
        h,
        &mut venue,
        "
        > 19h30
        curfew
        > 00:30
        Travel
        > [Included in the fee]
        > [Included in the fee]
        > [Included in the fee]
        Deposit
        > [No deposit]
        balance
        > 2026-12-11
        > cheque
        Full ticket price
        > 12
        > [No reduced price]
        invitations
        > 5
        drinks served
        > yes
        Everything is there
    ",
    );
    let co = contract_text(h, door, None);
    assert_no_blank(&co);
    assert_contains(
        &co,
        &[
            "CONTRAT DE CORÉALISATION D'UN SPECTACLE",
            "70 % pour le Producteur et 30 % pour l'Organisateur, sans minimum garanti",
            "TVA au taux de 20 %",
            "Des consommations étant servies pendant le spectacle, le taux normal de TVA de 20 % s'applique",
            "Acompte : aucun.",
            "Solde : la part des recettes établie sur le bordereau de billetterie, payée par chèque au plus tard le vendredi 11 décembre 2026",
            "Tarif réduit : aucun",
            "Si les sommes dues au Producteur atteignent 5 000 € HT",
        ],
    );
    assert_eq!(ready_for(h, &artist), vec![door]);

    // Signed copies come back as documents: each side's is recorded, then "signed by both".
    let (_, contract) = h.rt.block_on(service(h).contract(booking, None)).unwrap();
    let name = format!("contrat-FS-2026-{:06}-signe.pdf", booking.0);
    let said = h.send(
        &mut artist,
        Incoming::Document { file_name: name.clone(), bytes: contract.bytes.clone() },
    );
    assert!(said.contains(&format!("Copie signée reçue pour la réservation #{booking}")), "{said}");
    let said = h.send(&mut venue, Incoming::Document { file_name: name, bytes: contract.bytes });
    assert!(said.contains("signed by both"), "{said}");
    let stored = h.rt.block_on(h.store.booking(booking)).unwrap();
    assert!(stored.signed_by_both());
    let said =
        h.send(&mut venue, Incoming::Document { file_name: "photo.jpg".into(), bytes: vec![1, 2] });
    assert!(said.contains("as a PDF file"), "{said}");
}

fn contract_details_are_edited_from_the_profile(h: &mut Harness) {
    let mut artist = h.consented("zoe", Lang::En);
    h.give_artist(&artist, "Zoé", "Lyon");
    check(
        h,
        &mut artist,
        "
        > /profile
        [📄 Contract details]
        > [Contract details]
        Contract details of Zoé
        SIRET: — not given yet
        > [SIRET]
        SIRET
        > 732 829 320 00074
        Saved
        SIRET: 732 829 320 00074
        > [Legal form]
        > sasu
        Legal form: SASU (single-shareholder simplified company)
        > [Performers + crew]
        > 2
        Performers + crew: 2 + 0
    ",
    );
}

stories!(
    contracts_are_filled_in_the_chat_and_printed_without_blanks,
    contract_details_are_edited_from_the_profile,
);
