//! `flowstage chat` as a newcomer meets it: the real binary, a piped script, the embedded SQLite
//! database. An artist creates a profile, an admin approves it, the artist finds venues and sends
//! a proposal, and the notifications reach the artist's terminal.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use flowstage_core::clock::{Clock, SystemClock};
use flowstage_tests::{TestDir, transcript};

fn chat(t: &TestDir, args: &[&str], script: &str) -> String {
    let mut all = vec!["chat"];
    all.extend_from_slice(args);
    let out = t.run(&all, script);
    assert!(out.status.success(), "{}", transcript(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stdout.contains('⟦'), "a translation is missing:\n{stdout}");
    stdout
}

#[track_caller]
fn expect_in_order(stdout: &str, fragments: &[&str]) {
    let mut pos = 0;
    for f in fragments {
        match stdout[pos..].find(f) {
            Some(i) => pos += i + f.len(),
            None => panic!("expected {f:?} (in order) in:\n{stdout}"),
        }
    }
}

#[test]
fn a_newcomer_creates_a_profile_finds_venues_and_sends_a_proposal() {
    let t = TestDir::new();
    let url = t.sqlite_url("chat.db");
    let t = t.env("DATABASE_URL", &url);
    let today = SystemClock.today();
    let from = today.iter_days().nth(2).unwrap().format("%d/%m/%Y");
    let to = today.iter_days().nth(120).unwrap().format("%d/%m/%Y");

    let script = format!(
        "J'accepte\nArtiste\nLes Nouveaux\nrock indé, punk\ncent euros\n900\noui\n100-400\nLyon\n200\n{from}-{to}\nRock de Lyon.\nPasser\nPasser\nPasser\nPasser\nPasser\nEnvoyer pour validation\n"
    );
    let out = chat(&t, &["--user", "newbie"], &script);
    expect_in_order(
        &out,
        &[
            "Données de démonstration chargées : 40 profils.",
            "Bienvenue sur Flow Stage",
            "[1] J'accepte",
            "> J'accepte",
            "Vous êtes plutôt",
            "Question 1 sur 14",
            "> cent euros",
            "nombre entier d'euros, par exemple 800",
            "Question 3 sur 14",
            "Voici votre profil.",
            "Les Nouveaux est envoyé pour validation",
            "flowstage chat --as admin",
        ],
    );

    let out = chat(&t, &["--as", "admin", "--user", "root", "--lang", "en"], "/pending\nApprove\n");
    expect_in_order(
        &out,
        &["1 profile to review", "Les Nouveaux (artist)", "approved; its owner is told"],
    );

    let out = chat(
        &t,
        &["--user", "newbie"],
        "/match\n✉️ Proposer (1)\n1\n1\n1\n2\nPasser\nÀ bientôt !\nEnvoyer\n/proposals\n/mydata\n",
    );
    expect_in_order(
        &out,
        &[
            "Bon retour, newbie",
            "📬 Nouveau message :",
            "Votre profil Les Nouveaux est validé",
            "> /match",
            "Résultats (page 1 sur",
            "[1] 1. ",
            "✉️ Proposer (1)",
            "Proposition à",
            "Quelle date ?",
            "Quel cachet ? Proposé : 900",
            "Quel type de contrat ?",
            "Durée du set ?",
            "Horaires ?",
            "Un message",
            "Vérifiez la proposition",
            "Message : À bientôt !",
            "envoyée à",
            "Envoyées :",
            "en attente de réponse",
            "📎 flowstage-data-",
        ],
    );
    let files: Vec<_> = std::fs::read_dir(t.path().join("flowstage-files")).unwrap().collect();
    assert_eq!(files.len(), 1, "the /mydata export is written to flowstage-files/");
}

#[test]
fn a_script_ends_cleanly_and_unknown_input_gets_help() {
    let t = TestDir::new();
    let url = t.sqlite_url("chat.db");
    let t = t.env("DATABASE_URL", &url);
    let out = chat(&t, &["--user", "x", "--lang", "en"], "2\n/help\n???\n");
    expect_in_order(
        &out,
        &[
            "Do you agree",
            "> 2",
            "nothing is stored apart from this refusal",
            "To begin",
            "I did not understand",
            "[1] 🔎 Find",
        ],
    );
}
