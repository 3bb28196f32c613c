//! Every flow after the wizards, as transcripts in French and English, on SQLite and PostgreSQL:
//! consent, help by role, admin review with the owner told, matching with pages, details,
//! favourites and refinement, proposals from drafting to accept, refuse, counter, withdraw and
//! the relayed thread, settings, link, support, data export and erasure.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use conversation_harness::{Harness, check};
use flowstage_core::conversation::payload::{self, Action};
use flowstage_core::conversation::state::Mode;
use flowstage_core::conversation::{Incoming, render_event};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::profile::ProfileStatus;
use flowstage_core::domain::proposal::ProposalStatus;
use flowstage_core::domain::when::Zone;
use flowstage_core::domain::{Lang, ProposalId};
use flowstage_core::notify::{CloseReason, Event};

fn consent_declined_then_given(h: &mut Harness) {
    let mut c = h.chat("nina", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > /start
        Acceptez-vous ce traitement ?
        > [Non merci]
        rien n'est enregistré à part ce refus
        > /match
        il me faut votre accord
        [J'accepte]
        > bonjour
        Répondez avec un des boutons
        > [J'accepte]
        Vous êtes plutôt
    ",
    );
}

fn help_depends_on_the_role(h: &mut Harness) {
    let mut newcomer = h.consented("nora", Lang::En);
    check(
        h,
        &mut newcomer,
        "
        > /help
        To begin: /start creates your artist or venue profile
        /settings
        !Admin:
    ",
    );
    let mut artist = h.consented("art", Lang::Fr);
    h.give_artist(&artist, "Art", "Lyon");
    check(
        h,
        &mut artist,
        "
        > /cancel
        > /help
        Artiste : /match trouve des lieux
        /deleteme
        !Admin
        > blabla
        Je n'ai pas compris
        [🔎 Trouver] [👤 Mon profil] [📨 Propositions] [❓ Aide]
        > /nimportequoi
        Je ne connais pas la commande /nimportequoi
    ",
    );
    let mut venue = h.consented("ven", Lang::En);
    h.give_venue(&venue, "Ven", "Lille");
    check(
        h,
        &mut venue,
        "
        > /help
        Venue: /match finds artists
    ",
    );
    let mut admin = h.admin("root", Lang::En);
    check(
        h,
        &mut admin,
        "
        > /help
        /settings — language, alerts and email
        Admin:
        /pending — the profiles waiting for review
        /approve — approve a profile: /approve NUMBER
        > what
        [🛂 To review]
    ",
    );
}

fn admins_review_and_owners_are_told(h: &mut Harness) {
    let mut owner = h.consented("olga", Lang::Fr);
    check(
        h,
        &mut owner,
        "
        > [Artiste]
        > Olga
        > jazz
        > 500
        > non
        > 50-200
        > Dijon
        > 100
        > 05/12/2026
        > [Passer]
        > [Passer]
        > [Passer]
        Combien êtes-vous sur la route ?
        > une chanteuse
        Écrivez le nombre d'artistes sur scène
        > 1 + 0
        Pour quel public jouez-vous ?
        [Tout public, assis] [Tout public, debout]
        > [Tout public, assis]
        Quels contrats acceptez-vous ?
        > les deux
        Équipe : 1 sur scène, 0 en équipe
        Public : Tout public, assis
        Contrats : L'un ou l'autre, cachet ou recettes
        > [Envoyer pour validation]
        envoyé pour validation
    ",
    );
    let id = h.profiles(&owner)[0].id;
    let mut stranger = h.consented("sly", Lang::En);
    check(
        h,
        &mut stranger,
        &format!(
            "
        > /pending
        This command is for administrators.
        > /approve {id}
        This command is for administrators.
    "
        ),
    );
    let mut admin = h.admin("root", Lang::En);
    check(
        h,
        &mut admin,
        &format!(
            "
        > /pending
        1 profile to review
        #{id} Olga (artist)
        [✅ Approve] [❌ Reject]
        > [Reject]
        The reason for rejecting?
        > Photos missing
        Profile #{id} (Olga) rejected; its owner is told, with the reason.
        > /approve {id}
        is not awaiting review (it is rejected (Photos missing))
    "
        ),
    );
    let account = h.account(&owner).id;
    let events = h.inbox(account);
    assert!(
        matches!(&events[..], [Event::ProfileRejected { reason, .. }] if reason == "Photos missing"),
        "{events:?}"
    );
    let told = render_event(&events[0], Lang::Fr, Zone::default()).plain_text();
    assert!(told.contains("n'a pas été validé. Motif : Photos missing"), "{told}");
    // Corrected, it goes back to review; then approved by command.
    check(
        h,
        &mut owner,
        "
        > /profile
        refusé (Photos missing)
        > [Modifier]
        > [Enregistrer]
        Les modifications de Olga sont enregistrées.
    ",
    );
    assert_eq!(h.profiles(&owner)[0].status, ProfileStatus::Pending);
    check(
        h,
        &mut admin,
        &format!(
            "
        > /approve
        Write: /approve ID
        > /approve {id}
        Profile #{id} (Olga) approved
        > /suspend {id}
        Write: /suspend ID reason
        > /suspend {id} no-shows
        Profile #{id} (Olga) suspended
        > /reject 99999 nope
        No profile #99999
        > /stats
        Statistics
        artist · suspended : 1
        > /tickets
        No open ticket.
    "
        ),
    );
    let events = h.inbox(account);
    assert!(
        matches!(&events[..], [Event::ProfileApproved { .. }, Event::ProfileSuspended { .. }]),
        "{events:?}"
    );
}

fn matching_pages_details_favourites_and_refining(h: &mut Harness) {
    h.seed_demo();
    let mut c = h.consented("mia", Lang::En);
    h.give_artist(&c, "Mia Rock", "Lyon");
    check(
        h,
        &mut c,
        "
        > /match
        Results (page 1 of 3, 12 profiles)
        No filter: 🔎 Filters narrows by dates, distance, genre, fee, capacity or kind of deal.
        1.
        /100
        ] [✉️ Propose (1)]
        [Next ▶]
        [🔎 Filters] [📅 Dates] [📍 Radius] [🔔 Alert me]
        > [Next]
        Results (page 2 of 3
        6.
        [◀ Previous]
        > [6. ]
        Score:
        genre
        dates
        budget
        distance
        capacity
        [✉️ Propose a date] [⭐ Favourite] [◀ Results]
        > [⭐ Favourite]
        is in your favourites
        Score:
        [✉️ Propose a date] [☆ Remove from favourites] [◀ Results]
        > [◀ Results]
        Results (page 2 of 3
        ⭐ —
        > [Dates]
        For which dates?
        > someday
        Write dates like
        > 2026-12-05
        Results (page 1 of
        Filters: 📅 Sat 5 Dec 2026
        [✖ 📅 Sat 5 Dec 2026]
        > [1. ]
        free on 1 of the 1 dates asked
        > [◀ Results]
        > [Radius]
        What radius
        > far
        whole number of kilometres
        > 50
        Filters: 📅 Sat 5 Dec 2026 · 📍 within 50 km
        !beyond the 50 km radius
        [✖ 📅 Sat 5 Dec 2026] [✖ 📍 within 50 km]
        > /favorites
        Your favourites:
        [🗑 1]
        > [🗑 1]
        is no longer in your favourites
        [✉️ Propose a date] [⭐ Favourite]
        > /favorites
        No favourites yet
        > /match 2020-01-01
        is already past
    ",
    );
    let mut none = h.consented("zed", Lang::Fr);
    check(
        h,
        &mut none,
        "
        > /match
        Il vous faut d'abord un profil
        > /favorites
        Pas encore de favori
    ",
    );
}

/// An approved artist (French) and an approved venue (English), each with their own account.
fn two_sides(h: &Harness) -> (conversation_harness::Chat, conversation_harness::Chat) {
    let artist = h.consented("arlo", Lang::Fr);
    h.give_artist(&artist, "Arlo", "Lyon");
    let venue = h.consented("vera", Lang::En);
    h.give_venue(&venue, "Vera Club", "Lyon");
    (artist, venue)
}

fn propose(h: &Harness, artist: &mut conversation_harness::Chat) -> ProposalId {
    check(
        h,
        artist,
        "
        > /match
        1. Vera Club
        > [✉️ Proposer (1)]
        Proposition à Vera Club
        Quelle date ? 2 dates sont libres des deux côtés
        [04/12/2026] [05/12/2026]
        > 01/12/2026
        n'est pas libre des deux côtés
        > [05/12/2026]
        Quel cachet ? Proposé : 900 €
        > beaucoup
        nombre entier d'euros
        > [Garder 900 €]
        Quel type de contrat
        > [Coréalisation]
        Quel pourcentage
        > 150
        entre 1 et 100
        > [70 %]
        Durée du set
        > 3
        entre 10 et 600
        > [Retour]
        Quel pourcentage
        > 80
        > [60 min]
        Horaires
        > vers 20h
        Écrivez les horaires comme
        > 18:00 19h 20:30 21:00 23:00
        Un message
        > Au plaisir !
        Vérifiez la proposition à Vera Club
        Date : 05/12/2026
        Cachet : 900 € HT (TVA 5,5 % : 49,50 €, soit 949,50 € TTC
        Contrat : coréalisation, 80 % de la billetterie
        Set : 60 min
        Horaires : arrivée 18:00, balances 19:00, ouverture 20:30, concert 21:00, fin 23:00
        Message : Au plaisir !
        > [Envoyer]
        envoyée à Vera Club
        le contrat nommera la structure qui signe pour vous
        [📄 Infos du contrat]
    ",
    );
    let sent = h.rt.block_on(h.store.proposals_of_profile(h.profiles(artist)[0].id)).unwrap();
    sent[0].id
}

fn a_proposal_is_drafted_sent_and_accepted(h: &mut Harness) {
    let (mut artist, mut venue) = two_sides(h);
    let id = propose(h, &mut artist);
    let venue_account = h.account(&venue).id;
    let events = h.inbox(venue_account);
    assert!(
        matches!(&events[..], [Event::ProposalReceived { proposal, .. }] if *proposal == id),
        "{events:?}"
    );
    let told = render_event(&events[0], Lang::En, Zone::default()).plain_text();
    assert!(told.contains(&format!("New proposal #{id} from Arlo")), "{told}");
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        Received:
        awaiting an answer (1)
        #{id} Arlo
        > [#{id}]
        Proposal #{id} from Arlo
        door deal, 80 % of ticket sales
        [✅ Accept] [❌ Refuse] [↔️ Counter] [📌 Hold the date] [💬 Write] [🗓 Date view]
        !Ask the venue
        > [Write]
        Your message?
        > See you at six.
        Message relayed (proposal #{id})
        > [View]
        See you at six.
        > [Accept]
        Proposal #{id} accepted: booked for Sat 5 Dec 2026
    "
        ),
    );
    let artist_account = h.account(&artist).id;
    let events = h.inbox(artist_account);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ThreadMessage { body, .. } if body == "See you at six.")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ProposalAccepted { proposal, .. } if *proposal == id)),
        "{events:?}"
    );
    check(
        h,
        &mut artist,
        &format!(
            "
        > /proposals
        Envoyées :
        acceptée (1)
        #{id} Vera Club
        > [#{id}]
        Messages :
        Vera Club : See you at six.
        !Retirer
        > /match
        > [1. ]
        Répond à 100 % des propositions, en 1 h (médiane).
    "
        ),
    );
    // The venue pressing Accept again: answered, not booked twice.
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{id}]
        accepted
        !✅ Accept
    "
        ),
    );
    assert_eq!(h.rt.block_on(h.store.all_bookings()).unwrap().len(), 1);
    // The admins see it among the bookings to come, with its contract and payment state.
    let mut admin = h.admin("root", Lang::En);
    check(
        h,
        &mut admin,
        "
        > /bookings
        Bookings from
        FS-2026-000001 · Sat 5 Dec 2026 · Arlo → Vera Club
        📄 Contract: ready, no signed copy back yet
        💳 Commission: none (free period of the venue
    ",
    );
    check(
        h,
        &mut artist,
        &format!(
            "
        > /proposals
        > [#{id}]
        [🗑 Annuler la réservation]
        > [Annuler la réservation]
        Pourquoi annuler cette réservation
        > [Annuler]
        C'est annulé.
        > /proposals
        > [#{id}]
        > [Annuler la réservation]
        > Le batteur s'est cassé le bras.
        Réservation n° 1 du 05/12/2026 annulée
    "
        ),
    );
    let events = h.inbox(h.account(&venue).id);
    assert!(
        events.iter().any(|e| matches!(e, Event::BookingCancelled { reason, .. } if reason == "Le batteur s'est cassé le bras.")),
        "{events:?}"
    );
}

fn proposals_are_refused_countered_and_withdrawn(h: &mut Harness) {
    let (mut artist, mut venue) = two_sides(h);
    let first = propose(h, &mut artist);
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{first}]
        > [Refuse]
        A reason for refusing?
        > Budget is spent.
        Proposal #{first} refused
    "
        ),
    );
    let refused = h.rt.block_on(h.store.proposal(first)).unwrap();
    assert_eq!(refused.status, ProposalStatus::Refused);
    assert_eq!(refused.reason.as_deref(), Some("Budget is spent."));
    let second = propose(h, &mut artist);
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{second}]
        > [Counter]
        Counter-proposal to Arlo
        What fee? Suggested: 900 €
        > 700
        What kind of deal?
        > [Flat fee]
        > [90 min]
        > [Skip]
        > [Skip]
        Check the proposal to Arlo
        Fee: 700 € excl. VAT (VAT 5.5 %: 38.50 €, total 738.50 €
        > [Send]
        sent to Arlo
    "
        ),
    );
    let events = h.inbox(h.account(&artist).id);
    let counter = events
        .iter()
        .find_map(|e| match e {
            Event::ProposalCountered { proposal, previous, .. } if *previous == second => {
                Some(*proposal)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no counter in {events:?}"));
    check(
        h,
        &mut artist,
        &format!(
            "
        > /proposals
        Reçues :
        #{counter} Vera Club
        Envoyées :
        contre-proposée
        > [#{counter}]
        Cachet : 700 €
        > [Refuser]
        Un motif pour ce refus
        > [Passer]
        Proposition n° {counter} refusée
    "
        ),
    );
    let third = propose(h, &mut artist);
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{third}]
        > [Hold the date]
        Date held for proposal #{third}: 1st hold until Tuesday 1 December, 1 pm
        > /proposals
        on hold (1)
        1st hold until Tuesday 1 December, 1 pm
        > [#{third}]
        on hold
        1st hold, held until Tuesday 1 December, 1 pm.
        You decide: confirm it (book the date) or release it
        [✅ Confirm (book the date)] [❌ Refuse] [↔️ Counter] [Release the hold]
        !Challenge
    "
        ),
    );
    check(
        h,
        &mut artist,
        &format!(
            "
        > /proposals
        > [#{third}]
        [↩️ Retirer]
        > [Retirer]
        Proposition n° {third} retirée
    "
        ),
    );
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{third}]
        withdrawn
        !Accept
    "
        ),
    );
}

fn a_venue_proposes_to_an_artist(h: &mut Harness) {
    let (mut artist, mut venue) = two_sides(h);
    check(
        h,
        &mut venue,
        "
        > /match
        1. Arlo
        > [✉️ Propose (1)]
        Proposal to Arlo.
        Which date? 2 dates are free on both sides
        > [Back]
        Proposal dropped
        (page 1 of 1
        > [✉️ Propose (1)]
        > [Sat 5 Dec 2026]
        What fee? Suggested: 900 €
        > [Keep]
        > [Guarantee + % of net]
        > [60 %]
        > [90 min]
        > 19:00 20:00 21:00 22:00 23:30
        > [Skip]
        Deal: guarantee + 60 % of net
        > [Send]
        Proposal #1 sent to Arlo
    ",
    );
    check(
        h,
        &mut artist,
        "
        > /proposals
        Reçues :
        #1 Vera Club
        > [#1]
        Contrat : garantie + 60 % du net
        > [Contre-proposer]
        Contre-proposition à Vera Club
        Quel cachet ? Proposé : 900 €
        > 1100
        Quel type de contrat
        > [Garantie + % du net]
        Quel pourcentage
        > [70 %]
        Durée du set
        > [90 min]
        > [Passer]
        > [Passer]
        Contrat : garantie + 70 % du net
        > [Envoyer]
        envoyée à Vera Club
    ",
    );
}

fn settings_change_language_alerts_and_email(h: &mut Harness) {
    let mut c = h.consented("sol", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > /settings
        Réglages
        Langue : français
        Alertes par email : activées
        > [English]
        Settings saved.
        Language: English
        > [Threshold]
        From which score
        > 150
        between 0 and 100
        > 80
        Alert threshold: 80/100
        > [Email]
        Your contact email?
        > sol@
        not an email address
        > sol@example.com
        Contact email: sol@example.com
        > [Alerts on/off]
        Email alerts: off
        > [Français]
        Réglages enregistrés.
    ",
    );
    let a = h.account(&c);
    assert_eq!((a.lang, a.alert_threshold, a.email_alerts), (Lang::Fr, 80, false));
    assert_eq!(a.contact_email.unwrap().as_str(), "sol@example.com");
}

fn link_support_mydata_and_erasure(h: &mut Harness) {
    let mut c = h.consented("lia", Lang::En);
    h.give_artist(&c, "Lia", "Paris");
    let said = h.send(&mut c, Incoming::from_line("/link"));
    let code =
        said.split("Your code: ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let mut phone = h.chat_on(Identity::new(Platform::Telegram, "4242"), Lang::En, false);
    check(
        h,
        &mut phone,
        "
        > /link NOPE1234
        unknown or expired
    ",
    );
    check(
        h,
        &mut phone,
        &format!(
            "
        > /link {code}
        Linked: your accounts are now one.
        > /link {code}
        unknown or expired
    "
        ),
    );
    assert_eq!(h.account(&phone).id, h.account(&c).id);
    check(
        h,
        &mut c,
        "
        > /support
        Write your message to the team
        > [Cancel]
        Cancelled.
        > /support
        > The map shows the wrong city.
        Ticket #1 opened
        > /support Second ticket
        Ticket #2 opened
    ",
    );
    let mut admin = h.admin("root", Lang::Fr);
    check(
        h,
        &mut admin,
        "
        > /tickets
        2 tickets ouverts
        The map shows the wrong city.
        > [Fermer le n° 1]
        Ticket n° 1 fermé.
    ",
    );
    let replies = h.send_raw(&mut c, Incoming::from_line("/mydata"));
    let file = &replies[0].attachments[0];
    assert_eq!(file.mime_type, "application/json");
    let data: serde_json::Value = serde_json::from_slice(&file.bytes).unwrap();
    assert_eq!(data["profiles"][0]["details"]["name"], "Lia");
    check(
        h,
        &mut c,
        "
        > /deleteme
        Erase everything?
        > [No, keep]
        Nothing was erased.
        > /deleteme
        > [Yes, erase everything]
        Your data is erased.
    ",
    );
    assert!(h.rt.block_on(h.store.account_by_identity(&c.speaker.identity)).unwrap().is_none());
    // Coming back is a fresh start.
    let mut back = h.chat("lia", Lang::En);
    check(
        h,
        &mut back,
        "
        > /start
        Welcome to Flow Stage
    ",
    );
}

fn a_profile_under_review_can_search_but_not_propose(h: &mut Harness) {
    let mut artist = h.consented("pat", Lang::En);
    let venue = h.consented("vin", Lang::En);
    h.give_venue(&venue, "Vin's", "Lyon");
    check(
        h,
        &mut artist,
        "
        > [Artist]
        > Pat
        > punk
        > 300
        > no
        > 50-300
        > Lyon
        > 100
        > 2026-12-05
        > [Skip]
        > [Skip]
        > [Skip]
        > [Skip]
        > [Skip]
        > [Skip]
        > [Submit]
        submitted for review
        > /match
        1. Vin's
        > [✉️ Propose (1)]
        Your profile must be approved before you send proposals.
        !Which date?
    ",
    );
}

fn the_account_commands_in_french(h: &mut Harness) {
    let mut c = h.consented("lou", Lang::Fr);
    check(
        h,
        &mut c,
        "
        > /link
        Votre code :
        valable 15 minutes
        > /link ZZZZZZZZ
        Ce code est inconnu ou expiré
        > /support
        Écrivez votre message pour l'équipe
        > Bonjour, une question.
        Ticket n° 1 ouvert
        > /mydata
        Voici toutes vos données personnelles (JSON).
        📎 flowstage-data-
        > /deleteme
        Tout effacer ?
        > [Non, garder]
        Rien n'a été effacé.
        > /deleteme
        > [Oui, tout effacer]
        Vos données sont effacées.
    ",
    );
}

fn notifications_read_well_in_both_languages(h: &mut Harness) {
    use chrono::NaiveDate;
    use flowstage_core::domain::proposal::Party;
    use flowstage_core::domain::{BookingId, ProfileId, SavedSearchId};
    use flowstage_core::notify::{CloseReason, ReleaseReason};
    let _ = h;
    let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let at = conversation_harness::start();
    let p = ProposalId(7);
    let events = vec![
        Event::ProfileApproved { profile: ProfileId(1), name: "A".into() },
        Event::ProfileRejected { profile: ProfileId(1), name: "A".into(), reason: "r".into() },
        Event::ProfileSuspended { profile: ProfileId(1), name: "A".into(), reason: "r".into() },
        Event::ProposalReceived { proposal: p, from_name: "A".into(), day, fee_euros: 1200 },
        Event::ProposalAccepted { proposal: p, booking: BookingId(1), by_name: "A".into(), day },
        Event::ProposalRefused { proposal: p, by_name: "A".into(), day, reason: Some("r".into()) },
        Event::ProposalCountered {
            proposal: p,
            previous: ProposalId(6),
            by_name: "A".into(),
            day,
            fee_euros: 900,
        },
        Event::ProposalWithdrawn { proposal: p, by_name: "A".into(), day },
        Event::ProposalExpired { proposal: p, other_name: "A".into(), day },
        Event::ProposalClosed { proposal: p, day, reason: CloseReason::DateFull },
        Event::ThreadMessage { proposal: p, from_name: "A".into(), body: "hello".into() },
        Event::HoldPlaced {
            proposal: p,
            venue_name: "V".into(),
            day,
            rank: 2,
            expires_at: at,
            recipient: Party::Artist,
        },
        Event::HoldRequested { proposal: p, artist_name: "A".into(), day },
        Event::HoldPromoted {
            proposal: p,
            venue_name: "V".into(),
            day,
            rank: 1,
            expires_at: Some(at),
            recipient: Party::Venue,
            decides: true,
        },
        Event::HoldReleased {
            proposal: p,
            venue_name: "V".into(),
            day,
            reason: ReleaseReason::ChallengeLapsed,
            recipient: Party::Artist,
        },
        Event::HoldExpired { proposal: p, venue_name: "V".into(), day, recipient: Party::Venue },
        Event::HoldChallenged {
            proposal: p,
            venue_name: "V".into(),
            day,
            deadline: at,
            recipient: Party::Venue,
            decides: true,
            challenge_hours: 48,
            challenger: Some(ProposalId(8)),
            challenger_rank: 2,
        },
        Event::ProfileReinstated { profile: ProfileId(1), name: "A".into(), reason: "r".into() },
        Event::BookingCancelled {
            booking: BookingId(1),
            by_name: "A".into(),
            day,
            reason: "r".into(),
        },
        Event::ContractReady { booking: BookingId(1), sha256: "00".into() },
        Event::SearchAlert {
            search: SavedSearchId(1),
            profile: ProfileId(1),
            name: "A".into(),
            score: 88,
        },
    ];
    for lang in [Lang::Fr, Lang::En] {
        for e in &events {
            let r = render_event(e, lang, Zone::default());
            let text = r.plain_text();
            assert!(!text.is_empty() && !text.contains('⟦'), "{e:?} in {lang:?}: {text}");
            assert!(r.all_buttons().all(|b| b.payload.len() <= 64));
        }
    }
    let fr =
        render_event(&events[3], Lang::Fr, Zone::default()).plain_text().replace('\u{a0}', " ");
    assert!(fr.contains("pour le samedi 5 décembre 2026, cachet 1 200"), "{fr}");
}

fn the_index_follows_approvals_and_suspensions(h: &mut Harness) {
    let mut artist = h.consented("ivy", Lang::En);
    h.give_artist(&artist, "Ivy", "Lyon");
    check(
        h,
        &mut artist,
        "
        > /match
        No profile fits for now
        [🔔 Alert me]
        > [🔔 Alert me]
        you will be told when a new profile fits this search
    ",
    );
    let venue = h.consented("vic", Lang::En);
    let v = h.give_venue(&venue, "Vic's", "Lyon");
    check(
        h,
        &mut artist,
        "
        > /match
        1. Vic's
    ",
    );
    // The search followed after the first /match alerts its owner about the newcomer, once.
    let alerts = h.inbox(h.account(&artist).id);
    assert!(
        matches!(&alerts[..], [Event::SearchAlert { name, .. }] if name == "Vic's"),
        "{alerts:?}"
    );
    let told = render_event(&alerts[0], Lang::En, Zone::default()).plain_text();
    assert!(told.contains("New profile for your search: Vic's"), "{told}");
    let mut admin = h.admin("root", Lang::En);
    check(
        h,
        &mut admin,
        &format!(
            "
        > /suspend {} unpaid invoices
        suspended
    ",
            v.id
        ),
    );
    check(
        h,
        &mut artist,
        "
        > /match
        No profile fits for now
    ",
    );
}

/// A suspended venue leaves matching and its open proposals close, the sender told why.
fn suspending_a_profile_closes_its_open_proposals(h: &mut Harness) {
    let (mut artist, venue) = two_sides(h);
    let id = propose(h, &mut artist);
    let venue_profile = h.profiles(&venue)[0].id;
    let artist_account = h.account(&artist).id;
    let _ = h.inbox(artist_account);
    let mut admin = h.admin("root", Lang::En);
    check(
        h,
        &mut admin,
        &format!(
            "
        > /suspend {venue_profile} fake venue
        suspended
        > /suspend {venue_profile} again
        nothing changed
    "
        ),
    );
    let events = h.inbox(artist_account);
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::ProposalClosed { proposal, reason: CloseReason::ProfileGone, .. } if *proposal == id
        )),
        "{events:?}"
    );
}

/// Consent is checked at every door: a forged or replayed button from someone who never agreed
/// (or whose account was erased) shows the privacy notice and does nothing; once they agree, what
/// they pressed goes on.
fn consent_is_asked_whatever_the_door(h: &mut Harness) {
    h.seed_demo();
    let venue =
        h.rt.block_on(
            h.store.profiles_of(
                h.rt.block_on(
                    h.store.account_by_identity(&Identity::new(Platform::Local, "demo-venue-01")),
                )
                .unwrap()
                .unwrap()
                .id,
            ),
        )
        .unwrap()[0]
            .clone();
    let mut stranger = h.chat("stranger", Lang::En);
    let forged = payload::encode(1, &Action::Details(venue.id));
    let said = h.send(&mut stranger, Incoming::Button(forged.clone()));
    assert!(said.contains("Before that, I need your consent"), "{said}");
    assert!(
        !said.contains(venue.details.name().as_ref()),
        "nothing is shown before consent: {said}"
    );
    let said = h.press(&mut stranger, "I agree");
    assert!(said.contains(venue.details.name().as_ref()), "the card pressed before: {said}");

    // An erased account's old role button creates nothing.
    let mut gone = h.consented("gone", Lang::Fr);
    let role = h.payload(&gone, "Artiste");
    check(
        h,
        &mut gone,
        "
        > /deleteme
        > [Oui, tout effacer]
    ",
    );
    let said = h.send(&mut gone, Incoming::Button(role));
    assert!(said.contains("il me faut votre accord"), "{said}");
    assert!(h.profiles(&gone).is_empty());
    assert!(matches!(h.mode(&gone), Mode::Consent));
}

/// Support that answers: the admins are told of a new ticket and of each answer, see who wrote
/// (name, profiles, platforms) and the conversation in `/tickets`, reply in chat — the person
/// reads it in their language and answers back into the same ticket, which opens again if it was
/// closed; `/users` finds people and suspends with a reason; `/bookings` and `/audit` show what
/// happened, every admin action included.
fn support_answers_and_admins_see_everything(h: &mut Harness) {
    h.engine = flowstage_core::conversation::Engine::new(
        h.store.clone(),
        flowstage_core::config::Rules::default(),
    )
    .with_admins(flowstage_core::config::Admins { telegram_ids: vec![77], ..Default::default() });
    let mut admin = h.chat_on(Identity::new(Platform::Telegram, "77"), Lang::Fr, true);
    h.send(&mut admin, Incoming::Open);
    let admin_account = h.account(&admin).id;
    let mut c = h.consented("zoé", Lang::En);
    let profile = h.give_artist(&c, "Zoé Trio", "Nantes");
    check(
        h,
        &mut c,
        "
        > /support My contract shows the wrong address.
        Ticket #1 opened
    ",
    );
    let told = h.inbox(admin_account);
    assert!(
        matches!(&told[..], [Event::SupportAsked { from_name, again: false, .. }] if from_name == "zoé"),
        "{told:?}"
    );
    let text = render_event(&told[0], Lang::Fr, Zone::default()).plain_text();
    assert!(
        text.contains("Nouveau ticket n° 1 de zoé : My contract shows the wrong address."),
        "{text}"
    );
    check(
        h,
        &mut admin,
        &format!(
            "
        > /tickets
        1 ticket ouvert
        #1 zoé · Zoé Trio #{id} (artiste) · terminal
        My contract shows the wrong address.
        > [Répondre]
        Votre réponse au ticket n° 1 ?
        > Which address should it show?
        Réponse envoyée dans le ticket n° 1.
    ",
            id = profile.id
        ),
    );
    let person = h.account(&c).id;
    let told = h.inbox(person);
    assert!(
        matches!(&told[..], [Event::SupportAnswered { body, .. }] if body == "Which address should it show?"),
        "{told:?}"
    );
    let text = render_event(&told[0], Lang::En, Zone::default()).plain_text();
    assert!(text.contains("The Flow Stage team answered your ticket #1: Which address"), "{text}");
    // The admin closes it; the person's answer opens it again and reaches the admins.
    check(
        h,
        &mut admin,
        "
        > /tickets
        ↩️ Équipe
        Which address should it show?
        > [Fermer le n° 1]
        Ticket n° 1 fermé.
    ",
    );
    let answer = payload::encode(0, &Action::AnswerTicket(flowstage_core::domain::TicketId(1)));
    let said = h.send(&mut c, Incoming::Button(answer.clone()));
    assert!(said.contains("Your answer in ticket #1?"), "{said}");
    let said = h.send(&mut c, Incoming::from_line("12 rue des Olivettes, Nantes"));
    assert!(said.contains("Ticket #1 is open again with your answer"), "{said}");
    let told = h.inbox(admin_account);
    assert!(
        matches!(&told[..], [Event::SupportAsked { again: true, body, .. }] if body == "12 rue des Olivettes, Nantes"),
        "{told:?}"
    );
    // Someone else cannot write into that ticket, even with a forged button.
    let mut other = h.consented("otto", Lang::En);
    let said = h.send(&mut other, Incoming::Button(answer));
    assert!(said.contains("Ticket #1 is not one of yours."), "{said}");
    // A person cannot reply as the team.
    let reply = payload::encode(0, &Action::ReplyTicket(flowstage_core::domain::TicketId(1)));
    let said = h.send(&mut other, Incoming::Button(reply));
    assert!(said.contains("This command is for administrators."), "{said}");
    check(
        h,
        &mut admin,
        &format!(
            "
        > /users
        /users NOM
        > /users zo
        1 personne correspond à « zo »
        zoé
        #{id} Zoé Trio (artiste) — validé
        > [Suspendre le n° {id}]
        Pourquoi suspendre le profil n° {id} ?
        > Adresse fausse sur les contrats
        suspendu
        > /users {id}
        #{id} Zoé Trio (artiste) — suspendu
        > [Rétablir le n° {id}]
        > Adresse corrigée
        de nouveau public
        > /users personne-de-ce-nom
        Personne ne correspond
        > /bookings
        Aucune réservation à venir.
        > /audit
        Journal d'audit
        profile.reinstated profile:{id} — Adresse corrigée
        Adresse fausse sur les contrats
        ticket.closed ticket:1
        ticket.replied ticket:1 — Which address should it show?
        > /audit ticket:
        Journal d'audit sur ticket:
        ticket.closed ticket:1
        !profile:{id}
    ",
            id = profile.id
        ),
    );
    // What the person wrote in the ticket is theirs: in /mydata, and gone with the account.
    let replies = h.send_raw(&mut c, Incoming::from_line("/mydata"));
    let data: serde_json::Value = serde_json::from_slice(&replies[0].attachments[0].bytes).unwrap();
    let conversation = &data["tickets"][0]["conversation"];
    assert_eq!(conversation[0]["body"], "Which address should it show?");
    assert_eq!(conversation[1]["body"], "12 rue des Olivettes, Nantes");
    h.rt.block_on(h.store.erase_account(person)).unwrap();
    let left = h.rt.block_on(h.store.ticket_messages(flowstage_core::domain::TicketId(1))).unwrap();
    assert!(left.iter().all(|m| m.body == "[erased]"), "{left:?}");
}

/// `/stats` is the seed's beta funnel: the figures in text in the admin's language, and the same
/// week by week as a PNG picture.
fn stats_show_the_beta_funnel(h: &mut Harness) {
    let mut mia = h.consented("mia", Lang::En);
    h.give_artist(&mia, "Mia Rock", "Lyon");
    h.send(&mut mia, Incoming::from_line("/match"));
    let mut admin = h.admin("root", Lang::En);
    check(
        h,
        &mut admin,
        "
        > /stats
        Statistics
        Funnel of the last 8 weeks' sign-ups
        signed up: 2
        profile sent: 1 (50% of the step before)
        approved: 1 (100% of the step before)
        searched: 1 (100% of the step before)
        proposed: 0 (0% of the step before)
        booked: 0 (— of the step before)
        Activation (approved among sign-ups): 50%
        Conversion (search → proposal): 0%
        This week: 1 person active, 1.0 days on average
        Response rate: — of the proposals that ended (0 answered, 0 expired unanswered)
        Now:
        artist · approved : 1
    ",
    );
    let replies = h.send_raw(&mut admin, Incoming::from_line("/stats"));
    let picture = replies.iter().flat_map(|r| &r.attachments).next().expect("a picture");
    assert_eq!(picture.mime_type, "image/png");
    assert!(picture.bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
    let mut french = h.admin("racine", Lang::Fr);
    check(
        h,
        &mut french,
        "
        > /stats
        Entonnoir des inscrits des 8 dernières semaines
        inscrits : 3
        profil envoyé : 1 (33 % de l'étape précédente)
        Cette semaine : 2 personnes actives, 1,0 jours chacune en moyenne
    ",
    );
}

/// `/deleteme` with a confirmed booking to come: the confirmation names it and says erasure
/// cancels it; confirmed, the booking is cancelled, the venue told why, then the account erased.
fn erasing_with_a_booking_to_come_names_it_and_tells_the_other_side(h: &mut Harness) {
    let (mut artist, mut venue) = two_sides(h);
    let id = propose(h, &mut artist);
    check(
        h,
        &mut venue,
        &format!(
            "
        > /proposals
        > [#{id}]
        > [Accept]
        Proposal #{id} accepted: booked for Sat 5 Dec 2026
        > /proposals
        > [#{id}]
    "
        ),
    );
    // Buttons the venue still holds from before the erasure.
    let write = h.payload(&venue, "Write");
    let erased = h.account(&artist).id;
    check(
        h,
        &mut venue,
        "
        > /match
        1. Arlo
    ",
    );
    let view = h.payload(&venue, "1. Arlo");
    h.press(&mut venue, "1. Arlo");
    let write_to_profile = h.payload(&venue, "Propose");
    // The venue's data holds what it received, its booking and contract, and when it agreed.
    let replies = h.send_raw(&mut venue, Incoming::from_line("/mydata"));
    let data: serde_json::Value = serde_json::from_slice(&replies[0].attachments[0].bytes).unwrap();
    assert_eq!(data["proposals_received"][0]["id"], id.0, "{data}");
    assert_eq!(data["bookings"][0]["proposal"], id.0, "{data}");
    assert_eq!(data["contracts"][0]["booking"], "FS-2026-000001", "{data}");
    assert_eq!(
        data["consent"]["privacy_notice_agreed_at"],
        serde_json::json!(conversation_harness::start()),
        "{data}"
    );
    check(
        h,
        &mut artist,
        "
        > /deleteme
        Tout effacer ?
        Vous avez une date confirmée à venir :
        FS-2026-000001
        Arlo → Vera Club
        l'autre partie est prévenue aussitôt
        > [Non, garder]
        Rien n'a été effacé.
        > /deleteme
        > [Oui, tout effacer]
        1 date à venir a été annulée et l'autre partie prévenue.
        Vos données sont effacées.
    ",
    );
    let bookings = h.rt.block_on(h.store.all_bookings()).unwrap();
    assert_eq!(bookings[0].status, flowstage_core::domain::proposal::BookingStatus::Cancelled);
    let events = h.inbox(h.account(&venue).id);
    let told = events
        .iter()
        .find(|e| matches!(e, Event::BookingCancelled { .. }))
        .map(|e| render_event(e, Lang::En, Zone::default()).plain_text());
    let told = told.unwrap_or_default();
    assert!(told.contains("cancelled by Arlo") && told.contains("supprimé son compte"), "{told}");
    // Later, whatever the venue tries to send the erased side says it no longer reaches them.
    for button in [write, view, write_to_profile] {
        let said = h.send(&mut venue, Incoming::Button(button));
        assert!(said.contains("erased their Flow Stage account"), "{said}");
    }
    assert!(
        !h.inbox(erased).iter().any(|e| matches!(e, Event::ThreadMessage { .. })),
        "nothing queued for the erased side"
    );
}

/// The kind of deal as a /match filter: a venue that only pays a fixed fee does not see the
/// artist who only plays for a share of the receipts; one who did not say stays; the filter is
/// shown and loosened like the others.
fn the_kind_of_deal_filters_the_results(h: &mut Harness) {
    use flowstage_core::domain::proposal::DealsTaken;
    let mut venue = h.consented("vera", Lang::En);
    h.give_venue(&venue, "Vera Club", "Lyon");
    let share = h.consented("sid", Lang::En);
    let sid = h.give_artist(&share, "Sid Share", "Lyon");
    h.rt.block_on(h.store.set_deals(sid.id, Some(DealsTaken::Share))).unwrap();
    let fee = h.consented("fay", Lang::En);
    let fay = h.give_artist(&fee, "Fay Fee", "Lyon");
    h.rt.block_on(h.store.set_deals(fay.id, Some(DealsTaken::Fee))).unwrap();
    let quiet = h.consented("quin", Lang::En);
    h.give_artist(&quiet, "Quin Quiet", "Lyon");
    check(
        h,
        &mut venue,
        "
        > /match flat fee
        Filters: 🤝 A fixed fee (cession)
        Fay Fee
        Quin Quiet
        !Sid Share
        > [Fay Fee]
        Deals: A fixed fee (cession)
        > /match coréalisation
        Filters: 🤝 A share of the receipts (coréalisation)
        Sid Share
        Quin Quiet
        !Fay Fee
    ",
    );
}

/// A search centred on another city: distances, and a distance filter, are measured from it;
/// loosening it goes back to the person's own city.
fn a_search_around_another_city(h: &mut Harness) {
    let mut venue = h.consented("vera", Lang::En);
    h.give_venue(&venue, "Vera Club", "Lyon");
    let lyon = h.consented("leo", Lang::En);
    h.give_artist(&lyon, "Leo Lyon", "Lyon");
    let lille = h.consented("lila", Lang::En);
    h.give_artist(&lille, "Lila Lille", "Lille");
    check(
        h,
        &mut venue,
        "
        > /match near Lille 100 km
        Filters: 📍 within 100 km · 📍 around Lille
        Lila Lille
        !Leo Lyon
        > [✖ 📍 around Lille]
        Filters: 📍 within 100 km
        Leo Lyon
        !Lila Lille
    ",
    );
}

stories!(
    a_search_around_another_city,
    the_kind_of_deal_filters_the_results,
    suspending_a_profile_closes_its_open_proposals,
    consent_is_asked_whatever_the_door,
    consent_declined_then_given,
    help_depends_on_the_role,
    admins_review_and_owners_are_told,
    matching_pages_details_favourites_and_refining,
    a_proposal_is_drafted_sent_and_accepted,
    proposals_are_refused_countered_and_withdrawn,
    settings_change_language_alerts_and_email,
    link_support_mydata_and_erasure,
    notifications_read_well_in_both_languages,
    the_index_follows_approvals_and_suspensions,
    a_venue_proposes_to_an_artist,
    the_account_commands_in_french,
    a_profile_under_review_can_search_but_not_propose,
    support_answers_and_admins_see_everything,
    stats_show_the_beta_funnel,
    erasing_with_a_booking_to_come_names_it_and_tells_the_other_side,
);
