//! Holds as the people around them live them, through the engine, on SQLite and PostgreSQL: a
//! venue and three artists on one date — three holds, the 1st released, a challenge answered by
//! Confirm, by Release, one that lapses, holds that expire — each checking the buttons every
//! party is offered and the words each one receives, in their language and time zone. Then the
//! artist who asks for a hold, the calendar link and its renewal, and the admin's review of an
//! approved profile's edit and reinstatement.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod conversation_harness;

use chrono::{Duration, NaiveDate};
use conversation_harness::{Chat, Harness, check, render};
use flowstage_core::booking::{BookingService, tick};
use flowstage_core::config::Rules;
use flowstage_core::conversation::{Engine, render_delivery};
use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
use flowstage_core::domain::values::Fee;
use flowstage_core::domain::{Lang, ProposalId};
use flowstage_core::notify;

/// A challenge time other than the default 48 h, and a public address for calendar links.
fn rules() -> Rules {
    Rules {
        challenge_hours: 24,
        public_base_url: Some("https://flowstage.example".to_owned()),
        ..Rules::default()
    }
}

fn service(h: &Harness) -> BookingService {
    BookingService::new(h.store.clone(), rules())
}

fn show_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
}

/// What the outbox holds for `chat`'s account, delivered as its front-end would: rendered in
/// the recipient's language and zone; the notices' buttons become the ones they can press.
fn told(h: &Harness, chat: &mut Chat) -> String {
    let account = h.account(chat);
    let replies = h.rt.block_on(async {
        let items = h.store.claim_outbox(1000, Duration::seconds(30)).await.unwrap();
        let mut replies = Vec::new();
        for i in items {
            if i.account == account.id {
                let event = notify::decode(&i.payload).unwrap();
                replies.push(render_delivery(&h.store, &rules(), &event, &account).await);
                h.store.mark_sent(i.id).await.unwrap();
            } else {
                h.store.retry_later(i.id, h.store.clock().now(), "").await.unwrap();
            }
        }
        replies
    });
    chat.buttons = replies.iter().flat_map(|r| r.all_buttons().cloned()).collect();
    let text = render(&replies);
    chat.log.push_str(&text);
    text
}

/// Checks the notices `chat` receives like a transcript: fragments in order, `!absent`; a line
/// `> …` goes on as [`check`] from there (pressing a notice's button, typing).
#[track_caller]
fn notices(h: &Harness, chat: &mut Chat, script: &str) {
    let said = told(h, chat);
    assert!(!said.contains('⟦'), "a translation is missing in:\n{said}");
    let mut pos = 0;
    let lines: Vec<&str> = script.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("> ") {
            check(h, chat, &lines[i..].join("\n"));
            return;
        }
        if let Some(absent) = line.strip_prefix('!') {
            assert!(!said.contains(absent), "did not expect {absent:?} in the notices:\n{said}");
        } else {
            match said[pos..].find(line) {
                Some(at) => pos += at + line.len(),
                None => panic!("expected {line:?} (in order) in the notices:\n{said}"),
            }
        }
    }
}

/// The venue (English, Paris) and three artists: Arlo (French, Paris), Bea (English, who moves
/// to Montreal in /settings) and Cléo (French).
struct Cast {
    venue: Chat,
    arlo: Chat,
    bea: Chat,
    cleo: Chat,
}

fn cast(h: &mut Harness) -> Cast {
    h.engine = Engine::new(h.store.clone(), rules());
    let venue = h.consented("vera", Lang::En);
    h.give_venue(&venue, "Vera Club", "Lyon");
    let arlo = h.consented("arlo", Lang::Fr);
    h.give_artist(&arlo, "Arlo", "Lyon");
    let mut bea = h.consented("bea", Lang::En);
    h.give_artist(&bea, "Bea", "Lyon");
    let cleo = h.consented("cleo", Lang::Fr);
    h.give_artist(&cleo, "Cléo", "Lyon");
    check(
        h,
        &mut bea,
        "
        > /settings
        Time zone: Europe/Paris
        > [Time zone]
        Your time zone?
        [Europe/Paris]
        > Mars/Olympus
        That is not a time zone name
        > America/Montreal
        Settings saved.
        Time zone: America/Montreal
    ",
    );
    Cast { venue, arlo, bea, cleo }
}

/// Each artist proposes the same date to the venue (set up directly: the proposal flow has its
/// own tests), and the venue holds all three through its buttons: 1st, 2nd, 3rd.
fn three_holds(h: &mut Harness) -> (Cast, [ProposalId; 3]) {
    let mut c = cast(h);
    let venue_profile = h.profiles(&c.venue)[0].id;
    let mut ids = Vec::new();
    for artist in [&c.arlo, &c.bea, &c.cleo] {
        let terms = Terms {
            day: show_day(),
            fee: Fee::parse("900").unwrap(),
            deal: Deal::FlatFee,
            set_minutes: 60,
            times: ShowTimes::default(),
            message: None,
        };
        let from = h.profiles(artist)[0].id;
        let p =
            h.rt.block_on(service(h).propose(h.account(artist).id, from, venue_profile, terms))
                .unwrap();
        ids.push(p.id);
    }
    let [p1, p2, p3] = [ids[0], ids[1], ids[2]];
    for artist in [&mut c.arlo, &mut c.bea, &mut c.cleo] {
        told(h, artist);
    }
    told(h, &mut c.venue);
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [#{p1}]
        Proposal #{p1} from Arlo
        [✅ Accept] [❌ Refuse] [↔️ Counter] [📌 Hold the date] [💬 Write] [🗓 Date view]
        !Ask the venue
        !Challenge
        > [Hold the date]
        Date held for proposal #{p1}: 1st hold until Tuesday 1 December, 1 pm. The artist side is told.
        > /proposals
        > [#{p2}]
        > [Hold the date]
        Date held for proposal #{p2}: 2nd hold until Sunday 29 November, 1 pm.
        > /proposals
        > [#{p3}]
        > [Hold the date]
        Date held for proposal #{p3}: 3rd hold until Sunday 29 November, 1 pm.
    "
        ),
    );
    notices(
        h,
        &mut c.arlo,
        &format!(
            "
        Vera Club pose une option pour vous sur le samedi 5 décembre 2026 : 1re option (proposition n° {p1}), jusqu'au mardi 1er décembre à 13 h.
    "
        ),
    );
    notices(
        h,
        &mut c.bea,
        &format!(
            "
        Vera Club holds Saturday 5 December 2026 for you: 2nd hold (proposal #{p2}), until Sunday 29 November, 7 am.
    "
        ),
    );
    notices(h, &mut c.cleo, "3e option");
    notices(h, &mut c.venue, "!hold");
    (c, [p1, p2, p3])
}

/// What each party sees of the three holds, and the 1st released by the venue: everyone behind
/// moves up, and each side is told in its own voice, with the new deadline.
fn three_holds_then_the_first_is_released(h: &mut Harness) {
    let (mut c, [p1, p2, p3]) = three_holds(h);
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        on hold (3)
        #{p3} Cléo · Sat 5 Dec 2026 · 900 € · 3rd hold until Sunday 29 November, 1 pm
        #{p2} Bea · Sat 5 Dec 2026 · 900 € · 2nd hold until Sunday 29 November, 1 pm
        #{p1} Arlo · Sat 5 Dec 2026 · 900 € · 1st hold until Tuesday 1 December, 1 pm
        Your dates with holds or proposals
        > [🗓 Sat 5 Dec 2026]
        Vera Club — Saturday 5 December 2026
        No booking yet on this date.
        Holds, by rank:
        #{p1} 1st hold until Tuesday 1 December, 1 pm · Arlo · 900 €
        #{p2} 2nd hold until Sunday 29 November, 1 pm · Bea · 900 €
        #{p3} 3rd hold until Sunday 29 November, 1 pm · Cléo · 900 €
        [#{p1}] [✅ Confirm (book the date)] [Release the hold] [#{p2}] [Release the hold] [#{p3}] [Release the hold]
        !Challenge
        > [#{p1}]
        1st hold, held until Tuesday 1 December, 1 pm.
        You decide: confirm it (book the date) or release it before it runs out
        [✅ Confirm (book the date)] [❌ Refuse] [↔️ Counter] [Release the hold]
        !Challenge
    "
        ),
    );
    // The 2nd hold's venue screen: no Confirm (only the 1st books), no Challenge (the venue
    // decides, it does not challenge itself).
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [#{p2}]
        2nd hold, held until Sunday 29 November, 1 pm.
        [❌ Refuse] [↔️ Counter] [Release the hold]
        !Confirm
        !Challenge
    "
        ),
    );
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /proposals
        #{p1} Vera Club · 05/12/2026 · 900 € · 1re option jusqu'au mardi 1er décembre à 13 h
        > [#{p1}]
        en option
        1re option, posée jusqu'au mardi 1er décembre à 13 h.
        [↩️ Retirer] [💬 Écrire]
        !Confirmer
        !Lever
        !Défier
        !Vue de la date
    "
        ),
    );
    check(
        h,
        &mut c.bea,
        &format!(
            "
        > /proposals
        > [#{p2}]
        2nd hold, held until Sunday 29 November, 7 am.
        [↩️ Withdraw] [⚔️ Challenge the 1st hold] [💬 Write]
        !Confirm
        !Release
        !Hold the date
    "
        ),
    );
    // A day later, the venue lets the 1st go.
    h.clock.advance(Duration::days(1));
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [#{p1}]
        > [Release the hold]
        Hold released on proposal #{p1}: the proposal is open again, awaiting an answer
        > [View]
        awaiting an answer
        [✅ Accept] [❌ Refuse] [↔️ Counter] [📌 Hold the date]
    "
        ),
    );
    notices(
        h,
        &mut c.arlo,
        &format!(
            "
        L'option sur le samedi 5 décembre 2026 chez Vera Club est levée (proposition n° {p1}) : la proposition reste ouverte
        !défi
    "
        ),
    );
    notices(
        h,
        &mut c.bea,
        &format!(
            "
        Your hold on Saturday 5 December 2026 at Vera Club is now the 1st hold (proposal #{p2})
        It holds until Wednesday 2 December, 7 am.
    "
        ),
    );
    notices(
        h,
        &mut c.cleo,
        &format!(
            "
        Votre option sur le samedi 5 décembre 2026 chez Vera Club remonte : 2e option désormais (proposition n° {p3}).
        Elle tient jusqu'au dimanche 29 novembre à 13 h.
    "
        ),
    );
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        The hold on your date Saturday 5 December 2026 is released (proposal #{p1})
        Proposal #{p2} is now the 1st hold on your date Saturday 5 December 2026.
        It is yours to decide: confirm it (book the date) or release it before Wednesday 2 December, 1 pm
        Proposal #{p3} moves up to 2nd hold on your date Saturday 5 December 2026.
        !Your hold
        !moves up to rank
    "
        ),
    );
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /proposals
        > [#{p1}]
        en attente de réponse
        [↩️ Retirer] [📌 Demander une option au lieu] [💬 Écrire]
        !Poser une option
    "
        ),
    );
}

/// Bea's lower hold challenges the 1st: the venue, which received the proposal, is told it is
/// its decision and by when; Arlo waits; the venue confirms from the notice.
fn a_challenge_answered_by_confirm(h: &mut Harness) {
    let (mut c, [p1, p2, p3]) = three_holds(h);
    challenge(h, &mut c, p1, p2, p3);
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        The 1st hold on Saturday 5 December 2026 at Vera Club (proposal #{p1}) is challenged by the 2nd hold (proposal #{p2}). It is your decision: confirm it (book the date) or release it before Wednesday 25 November, 1 pm
        [✅ Confirm (book the date)] [Release the hold] [View]
        > [Confirm]
        Proposal #{p1} accepted: booked for Sat 5 Dec 2026
        Subscribe (Google Calendar: \"From URL\"): https://flowstage.example/calendar/
        Apple Calendar, Outlook: webcal://flowstage.example/calendar/
    "
        ),
    );
    notices(
        h,
        &mut c.arlo,
        &format!(
            "
        Vera Club a accepté la proposition n° {p1} : c'est réservé pour le samedi 5 décembre 2026
        S'abonner (Google Agenda : « À partir de l'URL ») : https://flowstage.example/calendar/
        Calendrier Apple, Outlook : webcal://flowstage.example/calendar/
    "
        ),
    );
    notices(
        h,
        &mut c.bea,
        &format!(
            "Proposal #{p2} for Saturday 5 December 2026 is closed: the venue's date is full."
        ),
    );
    notices(h, &mut c.cleo, "la date du lieu est complète");
    // The booking's home: the contract again, the calendar, cancelling (asked first).
    check(
        h,
        &mut c.arlo,
        "
        > /proposals
        Vos dates confirmées :
        Réservation n° 1 · Arlo @ Vera Club · 05/12/2026
        > [Réservation n° 1]
        acceptée
        La réservation n° 1 est confirmée. Votre agenda, pour vous y abonner :
        webcal://flowstage.example/calendar/
        [📄 Renvoyer le contrat] [🗑 Annuler la réservation]
        > [Renvoyer le contrat]
        information(s) à donner
        !application/pdf
        > /cancel
        > /proposals
        > [Réservation n° 1]
        > [Annuler la réservation]
        Annuler la réservation n° 1 du samedi 5 décembre 2026 ?
        Pourquoi annuler cette réservation
        > [Annuler]
        > /proposals
        Réservation n° 1
    ",
    );
    check(
        h,
        &mut c.bea,
        &format!(
            "
        > /proposals
        > [#{p2}]
        closed automatically
        Reason: the venue's date is full
        !date_full
        !Challenge
    "
        ),
    );
}

/// Bea challenges the 1st: her reply says the configured time (24 h here, not 48) and the
/// deadline in her zone; both sides of the 1st are told, each in its voice; the challenge
/// shows in every screen.
fn challenge(h: &Harness, c: &mut Cast, p1: ProposalId, p2: ProposalId, p3: ProposalId) {
    check(
        h,
        &mut c.bea,
        &format!(
            "
        > /proposals
        > [#{p2}]
        > [Challenge the 1st hold]
        Challenge sent from proposal #{p2}: the 1st hold (proposal #{p1}) must be confirmed or released within 24 hours, before Wednesday 25 November, 7 am
        !48
        > /proposals
        2nd hold until Sunday 29 November, 7 am, challenging the 1st: answer due before Wednesday 25 November, 7 am
        > [#{p2}]
        This hold challenges the 1st (proposal #{p1}), which must be confirmed or released before Wednesday 25 November, 7 am
        !Challenge the 1st
    "
        ),
    );
    notices(
        h,
        &mut c.arlo,
        &format!(
            "
        Votre 1re option sur le samedi 5 décembre 2026 chez Vera Club (proposition n° {p1}) est défiée par la 2e option (proposition #{p2}). Vera Club doit la confirmer ou la lever avant le mercredi 25 novembre à 13 h
        !Confirmer
    "
        ),
    );
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /proposals
        1re option jusqu'au mardi 1er décembre à 13 h, défiée : à confirmer ou lever avant le mercredi 25 novembre à 13 h
        > [#{p1}]
        Défiée par la proposition #{p2} : l'autre partie doit la confirmer ou la lever avant le mercredi 25 novembre à 13 h
        [↩️ Retirer] [💬 Écrire]
        !Confirmer
    "
        ),
    );
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [#{p1}]
        Challenged by proposal #{p2}: it is your decision. Confirm (book the date) or release it before Wednesday 25 November, 1 pm
        [✅ Confirm (book the date)] [❌ Refuse] [↔️ Counter] [Release the hold]
    "
        ),
    );
    // Only one challenge at a time: Cléo's 3rd hold offers none now.
    check(
        h,
        &mut c.cleo,
        &format!(
            "
        > /proposals
        > [#{p3}]
        3e option
        !Défier
    "
        ),
    );
}

fn a_challenge_answered_by_release(h: &mut Harness) {
    let (mut c, [p1, p2, p3]) = three_holds(h);
    challenge(h, &mut c, p1, p2, p3);
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        It is your decision
        > [Release the hold]
        Hold released on proposal #{p1}
    "
        ),
    );
    notices(
        h,
        &mut c.arlo,
        &format!(
            "
        L'option sur le samedi 5 décembre 2026 chez Vera Club est levée (proposition n° {p1})
        !défi
    "
        ),
    );
    notices(
        h,
        &mut c.bea,
        &format!(
            "
        Your hold on Saturday 5 December 2026 at Vera Club is now the 1st hold (proposal #{p2})
        It holds until Tuesday 1 December, 7 am.
    "
        ),
    );
    notices(h, &mut c.cleo, &format!("remonte : 2e option désormais (proposition n° {p3})"));
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        The hold on your date Saturday 5 December 2026 is released (proposal #{p1})
        Proposal #{p2} is now the 1st hold on your date
        It is yours to decide: confirm it (book the date) or release it before Tuesday 1 December, 1 pm
    "
        ),
    );
    check(
        h,
        &mut c.bea,
        &format!(
            "
        > /proposals
        > [#{p2}]
        1st hold, held until Tuesday 1 December, 7 am.
        !challenges
        !Challenge
    "
        ),
    );
}

fn a_challenge_that_lapses(h: &mut Harness) {
    let (mut c, [p1, p2, p3]) = three_holds(h);
    challenge(h, &mut c, p1, p2, p3);
    told(h, &mut c.venue);
    h.clock.advance(Duration::hours(23));
    assert_eq!(h.rt.block_on(tick(&service(h))).unwrap().challenges_resolved, 0);
    h.clock.advance(Duration::hours(2));
    assert_eq!(h.rt.block_on(tick(&service(h))).unwrap().challenges_resolved, 1);
    notices(
        h,
        &mut c.arlo,
        &format!(
            "
        L'option sur le samedi 5 décembre 2026 chez Vera Club est levée car le défi n'a pas reçu de réponse à temps : la proposition qui défiait passe devant (proposition n° {p1}). Votre proposition reste ouverte.
    "
        ),
    );
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        The 1st hold on your date Saturday 5 December 2026 (proposal #{p1}) is released because the challenge was not answered in time: the challenger moves ahead.
        Proposal #{p2} is now the 1st hold on your date Saturday 5 December 2026.
        It is yours to decide
        !Your hold
    "
        ),
    );
    notices(h, &mut c.bea, &format!("is now the 1st hold (proposal #{p2})"));
    notices(h, &mut c.cleo, &format!("remonte : 2e option désormais (proposition n° {p3})"));
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [🗓 Sat 5 Dec 2026]
        #{p2} 1st hold until
        #{p3} 2nd hold until
        Open proposals:
        #{p1} Arlo · 900 €
        [#{p1}] [✅ Accept] [📌 Hold the date]
        > [#{p2}]
        1st hold, held until Wednesday 2 December, 2 pm.
        [✅ Confirm (book the date)] [❌ Refuse] [↔️ Counter] [Release the hold]
        !Challenged
    "
        ),
    );
    // The challenger is 1st now, with a 1st hold's time from the lapse; the released one is an
    // open proposal again, on which the artist may only ask for a hold.
    check(
        h,
        &mut c.bea,
        &format!(
            "
        > /proposals
        > [#{p2}]
        1st hold, held until Wednesday 2 December, 8 am.
        [↩️ Withdraw] [💬 Write]
        !challenges
        !Challenge
    "
        ),
    );
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /proposals
        > [#{p1}]
        en attente de réponse
        [↩️ Retirer] [📌 Demander une option au lieu] [💬 Écrire]
        !Confirmer
    "
        ),
    );
}

fn holds_that_expire(h: &mut Harness) {
    let (mut c, [p1, p2, p3]) = three_holds(h);
    // Past the 2nd and 3rd holds' five days; the 1st holds seven.
    h.clock.advance(Duration::days(5) + Duration::hours(1));
    assert_eq!(h.rt.block_on(tick(&service(h))).unwrap().holds_expired, 2);
    notices(
        h,
        &mut c.bea,
        &format!(
            "
        The hold on Saturday 5 December 2026 at Vera Club ran out (proposal #{p2}); the proposal expired with it.
    "
        ),
    );
    notices(
        h,
        &mut c.cleo,
        &format!("a expiré (proposition n° {p3}) ; la proposition expire avec elle"),
    );
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        The hold on your date Saturday 5 December 2026 ran out (proposal #{p2})
        The hold on your date Saturday 5 December 2026 ran out (proposal #{p3})
    "
        ),
    );
    notices(h, &mut c.arlo, "!option");
    check(
        h,
        &mut c.bea,
        &format!(
            "
        > /proposals
        > [#{p2}]
        expired
        Reason: the hold ran out before the date was confirmed
        [💬 Write]
        !hold_expired
        !Withdraw
        !Challenge
    "
        ),
    );
    check(
        h,
        &mut c.cleo,
        &format!(
            "
        > /proposals
        > [#{p3}]
        expirée
        Motif : l'option a expiré avant que la date soit confirmée
        [💬 Écrire]
        !Défier
    "
        ),
    );
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [🗓 Sat 5 Dec 2026]
        #{p1} 1st hold until Tuesday 1 December, 1 pm · Arlo · 900 €
        [#{p1}] [✅ Confirm (book the date)] [Release the hold]
        !#{p2} 2nd
    "
        ),
    );
    h.clock.advance(Duration::days(2));
    assert_eq!(h.rt.block_on(tick(&service(h))).unwrap().holds_expired, 1);
    notices(h, &mut c.arlo, &format!("a expiré (proposition n° {p1})"));
    check(
        h,
        &mut c.venue,
        "
        > /proposals
        expired (3)
        !Your dates with holds
    ",
    );
}

/// A venue's proposal: the artist may only ask for a hold; the venue is told the decision is
/// its own and holds with one press; the artist, who received the proposal, may then confirm.
fn an_artist_asks_and_the_venue_holds(h: &mut Harness) {
    let mut c = cast(h);
    let terms = Terms {
        day: show_day(),
        fee: Fee::parse("800").unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 60,
        times: ShowTimes::default(),
        message: None,
    };
    let (venue_profile, arlo_profile) = (h.profiles(&c.venue)[0].id, h.profiles(&c.arlo)[0].id);
    let p = h
        .rt
        .block_on(service(h).propose(h.account(&c.venue).id, venue_profile, arlo_profile, terms))
        .unwrap()
        .id;
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /proposals
        > [#{p}]
        [✅ Accepter] [❌ Refuser] [↔️ Contre-proposer] [📌 Demander une option au lieu]
        !Poser une option
        > [Demander une option au lieu]
        C'est demandé : le lieu est prévenu
    "
        ),
    );
    notices(
        h,
        &mut c.venue,
        &format!(
            "
        Arlo asks you to hold Saturday 5 December 2026 for them (proposal #{p}). Holding the date is your decision.
        > [Hold the date]
        Date held for proposal #{p}: 1st hold until Tuesday 1 December, 1 pm
    "
        ),
    );
    notices(
        h,
        &mut c.arlo,
        &format!(
            "Vera Club pose une option pour vous sur le samedi 5 décembre 2026 : 1re option (proposition n° {p})"
        ),
    );
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /proposals
        > [#{p}]
        C'est vous qui décidez : confirmez-la (réservez la date) avant qu'elle n'expire (mardi 1er décembre à 13 h).
        [✅ Confirmer (réserver la date)] [❌ Refuser] [↔️ Contre-proposer]
        !Lever
        !Défier
    "
        ),
    );
    check(
        h,
        &mut c.venue,
        &format!(
            "
        > /proposals
        > [#{p}]
        [↩️ Withdraw] [Release the hold] [💬 Write] [🗓 Date view]
        !Confirm
        !Challenge
    "
        ),
    );
}

/// The calendar link in /profile and /settings; renewing it (asked first) revokes the old one.
fn the_calendar_link_is_offered_and_renewed(h: &mut Harness) {
    let mut c = cast(h);
    let profile = h.profiles(&c.arlo)[0].id;
    let old = h.rt.block_on(h.store.calendar_token(profile)).unwrap();
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /profile
        Votre agenda
        https://flowstage.example/calendar/{old}.ics
        webcal://flowstage.example/calendar/{old}.ics
        > /settings
        Fuseau horaire : Europe/Paris
        Agenda — Arlo
        https://flowstage.example/calendar/{old}.ics
        > [Nouveau lien d'agenda pour Arlo]
        L'ancien lien cesse aussitôt de fonctionner
        > [Oui, nouveau lien]
        Nouveau lien d'agenda pour Arlo ; l'ancien ne fonctionne plus
        !{old}
        > /help
        Agenda :
        /profile et /settings
    "
        ),
    );
    let new = h.rt.block_on(h.store.calendar_token(profile)).unwrap();
    assert_ne!(new, old);
    assert!(h.rt.block_on(h.store.profile_by_calendar_token(&old)).unwrap().is_none());
    assert!(c.arlo.log.contains(&format!("https://flowstage.example/calendar/{new}.ics")));
    let trail = h.rt.block_on(h.store.audit_trail(&format!("profile:{profile}"))).unwrap();
    assert!(trail.iter().any(|(action, _, _)| action == "calendar.renewed"), "{trail:?}");
    // Without a public address, no link can be right: none is given.
    h.engine = Engine::new(h.store.clone(), Rules::default());
    check(
        h,
        &mut c.venue,
        "
        > /profile
        The calendar link is not available on this server yet.
        !calendar/
    ",
    );
}

/// An approved profile's renaming waits for review; the admin sees both versions, refuses then
/// publishes; a suspended profile is reinstated with a reason in the audit trail.
fn admins_review_edits_and_reinstate(h: &mut Harness) {
    let mut c = cast(h);
    let profile = h.profiles(&c.venue).remove(0);
    let mut edited = profile.details.clone();
    if let flowstage_core::domain::profile::ProfileDetails::Venue(v) = &mut edited {
        v.name = flowstage_core::domain::values::Name::parse("Vera Club Live").unwrap();
    }
    h.rt.block_on(h.store.update_profile(profile.id, &edited, &profile.dates)).unwrap();
    check(
        h,
        &mut c.venue,
        "
        > /profile
        Vera Club (#
        Your changes, waiting for review
        Name: Vera Club Live
    ",
    );
    let mut admin = h.admin("root", Lang::En);
    let id = profile.id;
    check(
        h,
        &mut admin,
        &format!(
            "
        > /pending
        1 change to an approved profile waits for review.
        No profile awaits review.
        > [Changes to review]
        1 profile change to review
        #{id} Vera Club
        Published now:
        Name: Vera Club
        Proposed change:
        Name: Vera Club Live
        > [Refuse the change]
        The reason for refusing this change?
        > The name must match the licence.
        is refused; the approved version stays
    "
        ),
    );
    notices(h, &mut c.venue, "were not approved. Reason: The name must match the licence.");
    assert_eq!(h.rt.block_on(h.store.profile(id)).unwrap().details.name().as_str(), "Vera Club");
    h.rt.block_on(h.store.update_profile(id, &edited, &profile.dates)).unwrap();
    check(
        h,
        &mut admin,
        &format!(
            "
        > /edits
        > [Publish the change]
        The change to profile #{id} (Vera Club Live) is published
        > /edits
        No profile change awaits review.
        > /suspend {id} unpaid invoices
        suspended
        > /reinstate {id}
        Write: /reinstate ID reason
        > /reinstate {id} invoices paid
        Profile #{id} (Vera Club Live) is public again
        > /reinstate {id} again
        is not suspended
        > /help
        /edits
        /reinstate
    "
        ),
    );
    notices(
        h,
        &mut c.venue,
        "
        changes to your profile Vera Club Live are approved and published
        is suspended
        is public again. Reason: invoices paid.
    ",
    );
    let trail = h.rt.block_on(h.store.audit_trail(&format!("profile:{id}"))).unwrap();
    let reinstated = trail.iter().find(|(action, _, _)| action == "profile.reinstated").unwrap();
    assert!(reinstated.2.contains("invoices paid"), "{trail:?}");
    // Not for members.
    check(
        h,
        &mut c.arlo,
        &format!(
            "
        > /reinstate {id} because
        réservé
    "
        ),
    );
}

stories!(
    three_holds_then_the_first_is_released,
    a_challenge_answered_by_confirm,
    a_challenge_answered_by_release,
    a_challenge_that_lapses,
    holds_that_expire,
    an_artist_asks_and_the_venue_holds,
    the_calendar_link_is_offered_and_renewed,
    admins_review_edits_and_reinstate,
);
