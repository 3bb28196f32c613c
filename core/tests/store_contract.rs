//! The store's contract: one story per behaviour, run unchanged against SQLite and PostgreSQL.
//! Test names carry the backend (`sqlite::…`, `postgres::…`). PostgreSQL comes from
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); each test gets a fresh
//! schema. There is no skipping: an unreachable PostgreSQL fails the postgres tests.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use flowstage_core::clock::Clock;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::legal::{
    LegalField, LegalForm, LegalIdentity, Licensing, Siret, VatNumber, VatStatus,
};
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::ProfileKind;
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::proposal::Booking;
use flowstage_core::domain::proposal::{Deal, Proposal, ProposalStatus, ShowTimes, Terms};
use flowstage_core::domain::terms::{ContractTerms, Lineup};
use flowstage_core::domain::values::LongText;
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Email, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::when::Zone;
use flowstage_core::domain::{AccountId, Lang, ProfileId, TicketId};
use flowstage_core::store::{
    AcceptOutcome, Arrival, Backend, EditDecision, EditReviewed, FirstRead, Handled, Move,
    NewProposal, OwnedProfile, Recipients, Reinstated, Settings, StepSave, Store, StoreError,
    TicketPost,
};

mod support;

use support::{TestDb as Harness, on_both_backends, start};

on_both_backends!(Harness;
    an_identity_gets_one_account_even_when_racing,
    settings_round_trip,
    link_codes_join_identities_once,
    profiles_go_through_review,
    profile_edits_replace_dates_and_feed_changes,
    favourites_searches_and_alerts,
    tickets_open_and_close,
    outbox_dedupes_and_leases,
    each_front_end_claims_only_its_own_recipients,
    conversation_saves_are_optimistic,
    the_inbox_records_once_and_keeps_replies_with_the_step,
    steps_ending_together_commit_together_each_with_its_own_answer,
    profiles_read_at_once_each_get_their_own,
    proposals_read_at_once_each_get_their_own,
    lone_requests_a_moment_or_a_second_apart_are_served,
    an_email_address_is_verified_by_code_and_then_receives_notices,
    proposals_move_by_compare_and_set,
    fifty_racing_accepts_give_one_booking,
    an_artist_plays_once_a_day,
    multi_slot_dates_fill_up,
    cancelling_frees_the_date,
    export_and_erasure,
    backup_while_writing,
    accounts_have_a_time_zone,
    public_edits_of_an_approved_profile_wait_for_review,
    a_suspended_profile_is_reinstated_with_a_reason,
    contract_facts_round_trip_and_signed_copies_are_recorded,
);

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

fn lyon() -> City {
    City::from_parts("Lyon", Country::France, 45.75, 4.85)
}

fn artist(name: &str) -> ProfileDetails {
    ProfileDetails::Artist(Artist {
        name: Name::parse(name).unwrap(),
        genres: GenreSet::parse("rock indé, jazz manouche").unwrap(),
        fee: Fee::parse("1200").unwrap(),
        negotiable: true,
        draw: AudienceRange::parse("100-400").unwrap(),
        city: lyon(),
        radius: TravelRadius::parse("300").unwrap(),
        bio: None,
        links: Links::parse("https://band.example.fr").unwrap(),
        email: Some(Email::parse("band@example.fr").unwrap()),
    })
}

fn venue(name: &str, slots: u8) -> ProfileDetails {
    ProfileDetails::Venue(Venue {
        name: Name::parse(name).unwrap(),
        city: lyon(),
        address: None,
        capacity: Capacity::parse("350").unwrap(),
        genres: GenreSet::parse("rock").unwrap(),
        budget: BudgetRange::parse("800-1500").unwrap(),
        licence: None,
        stage_notes: None,
        email: None,
        slots_per_date: slots,
    })
}

fn dates(days: &[u32]) -> DateSet {
    DateSet::new(days.iter().map(|&d| day(d)), start().date_naive()).unwrap()
}

async fn account(h: &Harness, id: &str) -> AccountId {
    h.store
        .account_for_identity(&Identity::new(Platform::Telegram, id), id, Lang::Fr)
        .await
        .unwrap()
        .0
        .id
}

async fn approved(
    h: &Harness,
    owner: AccountId,
    details: &ProfileDetails,
    days: &[u32],
) -> ProfileId {
    let p = h
        .store
        .create_profile(owner, details, &dates(days), &ProfileStatus::Pending)
        .await
        .unwrap();
    h.store.set_profile_status(p.id, &ProfileStatus::Approved, None).await.unwrap();
    p.id
}

fn terms(d: u32) -> Terms {
    Terms {
        day: day(d),
        fee: Fee::parse("1000").unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 60,
        times: ShowTimes::default(),
        message: Some("Ça vous dit ?".into()),
    }
}

async fn propose(
    h: &Harness,
    sender: AccountId,
    artist: ProfileId,
    venue: ProfileId,
    d: u32,
) -> Proposal {
    h.store
        .create_proposal(
            &NewProposal {
                from_profile: artist,
                to_profile: venue,
                artist,
                venue,
                sender,
                terms: terms(d),
                contract_terms: ContractTerms::default(),
                counter_of: None,
                expires_at: h.clock.now() + Duration::days(7),
            },
            |_| Vec::new(),
        )
        .await
        .unwrap()
}

/// Accepts at the store, with no notices: what the booking service does inside its move.
async fn accept(store: &Store, id: flowstage_core::domain::ProposalId, slots: u8) -> AcceptOutcome {
    store.accept_and_book(id, slots, |_| Vec::new()).await.unwrap()
}

fn booked(outcome: AcceptOutcome) -> Booking {
    match outcome {
        AcceptOutcome::Booked(b) => b,
        other => panic!("expected a booking, got {other:?}"),
    }
}

async fn an_identity_gets_one_account_even_when_racing(h: &Harness) {
    let identity = Identity::new(Platform::Discord, "42");
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = h.store.clone();
        let identity = identity.clone();
        tasks.push(tokio::spawn(async move {
            store.account_for_identity(&identity, "Zoé", Lang::En).await
        }));
    }
    let mut ids = Vec::new();
    let mut created = 0;
    for t in tasks {
        let (account, was_created) = t.await.unwrap().unwrap();
        ids.push(account.id);
        created += usize::from(was_created);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one account for one identity");
    assert_eq!(created, 1);
    let account = h.store.account(ids[0]).await.unwrap();
    assert_eq!(account.display_name, "Zoé");
    assert_eq!(account.lang, Lang::En);
    assert_eq!(h.store.identities(account.id).await.unwrap(), vec![(identity, true)]);
}

async fn settings_round_trip(h: &Harness) {
    let id = account(h, "1").await;
    let settings = Settings {
        lang: Lang::En,
        email_alerts: false,
        alert_threshold: 85,
        contact_email: Some(Email::parse("zoe@example.fr").unwrap()),
    };
    h.store.update_settings(id, &settings).await.unwrap();
    let a = h.store.account(id).await.unwrap();
    assert_eq!((a.lang, a.email_alerts, a.alert_threshold), (Lang::En, false, 85));
    assert_eq!(a.contact_email, settings.contact_email);
    assert!(matches!(h.store.account(AccountId(999_999)).await, Err(StoreError::NotFound(_))));
}

async fn link_codes_join_identities_once(h: &Harness) {
    let telegram = account(h, "tg-7").await;
    let discord = Identity::new(Platform::Discord, "dc-7");
    let former = h.store.account_for_identity(&discord, "Zoé", Lang::Fr).await.unwrap().0.id;
    let p = h
        .store
        .create_profile(former, &artist("Les Zoé"), &dates(&[5]), &ProfileStatus::Draft)
        .await
        .unwrap();
    h.store.create_link_code(telegram, "ABC123", start() + Duration::minutes(10)).await.unwrap();
    assert_eq!(h.store.redeem_link_code("ABC123", &discord).await.unwrap(), telegram);
    assert!(h.store.redeem_link_code("ABC123", &discord).await.is_err(), "a code is used once");
    assert_eq!(h.store.account_by_identity(&discord).await.unwrap().unwrap().id, telegram);
    assert_eq!(
        h.store.profile(p.id).await.unwrap().owner,
        telegram,
        "profiles follow the identity"
    );
    h.store.create_link_code(telegram, "OLD", start() + Duration::minutes(10)).await.unwrap();
    h.clock.advance(Duration::minutes(11));
    let email = Identity::new(Platform::Email, "zoe@example.fr");
    assert!(h.store.redeem_link_code("OLD", &email).await.is_err(), "expired codes are refused");
}

async fn profiles_go_through_review(h: &Harness) {
    let owner = account(h, "2").await;
    let details = artist("Les Gros Bras");
    let p = h
        .store
        .create_profile(owner, &details, &dates(&[5, 12]), &ProfileStatus::Draft)
        .await
        .unwrap();
    assert_eq!(p.details, details);
    assert_eq!(p.dates, dates(&[5, 12]));
    assert_eq!(p.status, ProfileStatus::Draft);
    h.store.set_profile_status(p.id, &ProfileStatus::Pending, Some(owner)).await.unwrap();
    let pending: Vec<ProfileId> =
        h.store.pending_profiles().await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(pending, vec![p.id]);
    h.store
        .set_profile_status(p.id, &ProfileStatus::Rejected("photo manquante".into()), None)
        .await
        .unwrap();
    assert_eq!(
        h.store.profile(p.id).await.unwrap().status,
        ProfileStatus::Rejected("photo manquante".into())
    );
    assert!(h.store.pending_profiles().await.unwrap().is_empty());
    h.store.set_profile_status(p.id, &ProfileStatus::Approved, None).await.unwrap();
    assert_eq!(h.store.approved_profiles(ProfileId(0)).await.unwrap().len(), 1);
    assert!(
        h.store.approved_profiles(p.id).await.unwrap().is_empty(),
        "pages start after the cursor"
    );
    let actions = h
        .texts(&format!(
            "SELECT action FROM audit_log WHERE subject = 'profile:{}' ORDER BY id",
            p.id
        ))
        .await;
    assert_eq!(
        actions,
        ["profile.created", "profile.pending", "profile.rejected", "profile.approved"]
    );
    assert!(matches!(
        h.store.set_profile_status(ProfileId(12345), &ProfileStatus::Approved, None).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn profile_edits_replace_dates_and_feed_changes(h: &Harness) {
    let owner = account(h, "3").await;
    let p = h
        .store
        .create_profile(owner, &venue("Le Périscope", 1), &dates(&[1, 2, 3]), &ProfileStatus::Draft)
        .await
        .unwrap();
    let feed = h.store.profile_changes_since(0, 100).await.unwrap();
    assert_eq!(feed.len(), 1);
    let updated = h
        .store
        .update_profile(p.id, &venue("Le Périscope (Lyon 2e)", 2), &dates(&[3, 4]))
        .await
        .unwrap();
    assert_eq!(updated.details.name().as_str(), "Le Périscope (Lyon 2e)");
    assert_eq!(updated.dates, dates(&[3, 4]));
    let more = h.store.profile_changes_since(feed[0].seq, 100).await.unwrap();
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].profile, p.id);
    assert!(matches!(
        h.store.update_profile(p.id, &artist("Wrong kind"), &dates(&[3])).await,
        Err(StoreError::NotFound(_))
    ));
    let token = h.store.calendar_token(p.id).await.unwrap();
    assert_eq!(h.store.profile_by_calendar_token(&token).await.unwrap().unwrap().id, p.id);
    assert!(h.store.profile_by_calendar_token("not-a-token").await.unwrap().is_none());
}

async fn favourites_searches_and_alerts(h: &Harness) {
    let a = account(h, "4").await;
    let v = approved(h, a, &venue("La Cigale", 1), &[5]).await;
    let ar = approved(h, a, &artist("Zazou"), &[5]).await;
    h.store.add_favourite(a, v).await.unwrap();
    h.store.add_favourite(a, v).await.unwrap();
    assert_eq!(h.store.favourites(a).await.unwrap(), vec![v]);
    assert!(h.store.remove_favourite(a, v).await.unwrap());
    assert!(!h.store.remove_favourite(a, v).await.unwrap());
    let s = h.store.save_search(a, ar, r#"{"dates":null}"#).await.unwrap();
    assert_eq!(h.store.saved_searches(a).await.unwrap()[0].id, s);
    assert!(h.store.record_alert(s, v).await.unwrap());
    assert!(!h.store.record_alert(s, v).await.unwrap(), "never twice for the same pair");
    // Searches kept at the same moment (many people's `/match`) are one insert: each gets the
    // id of its own row, two alike included.
    let b = account(h, "4b").await;
    let bv = approved(h, b, &venue("Le Périscope", 1), &[5]).await;
    let mut saves = tokio::task::JoinSet::new();
    for n in 0..40u32 {
        let store = h.store.clone();
        let (who, profile) = if n % 2 == 0 { (a, ar) } else { (b, bv) };
        // Every fourth is the same as the one four before it.
        let query = format!(r#"{{"radius_km":{}}}"#, if n % 4 < 2 { n } else { 1000 + n % 2 });
        saves.spawn(async move {
            let id = store.save_search(who, profile, &query).await.unwrap();
            (id, who, profile, query)
        });
    }
    let mut ids = std::collections::HashSet::new();
    let mut saved = Vec::new();
    while let Some(done) = saves.join_next().await {
        let (id, who, profile, query) = done.unwrap();
        assert!(ids.insert(id), "one row each: {id:?} given twice");
        saved.push((id, who, profile, query));
    }
    let mut history = h.store.saved_searches(a).await.unwrap();
    history.extend(h.store.saved_searches(b).await.unwrap());
    for (id, who, profile, query) in saved {
        let row = history.iter().find(|s| s.id == id).unwrap();
        assert_eq!((row.account, row.profile, row.query.as_str()), (who, profile, query.as_str()));
    }
    assert_eq!(history.len(), 41, "the first search and the forty");
}

async fn tickets_open_and_close(h: &Harness) {
    let a = account(h, "5").await;
    let t = h.store.open_ticket(a, "Le bouton ne marche pas").await.unwrap();
    assert_eq!(h.store.open_tickets().await.unwrap().len(), 1);
    let admin = account(h, "50").await;
    // An admin's reply is posted in an open ticket with its notice, in one transaction.
    let notice = [(a, "{}".to_owned(), format!("ticket:{t}:reply"))];
    let posted = h.store.post_on_ticket(t, admin, true, "Which button?", &notice).await.unwrap();
    assert_eq!(posted, TicketPost::Posted { reopened: false });
    assert!(h.store.close_ticket(t, admin).await.unwrap());
    assert!(!h.store.close_ticket(t, admin).await.unwrap());
    assert!(h.store.open_tickets().await.unwrap().is_empty());
    // No reply into a closed ticket; the person's answer opens it again.
    let late = h.store.post_on_ticket(t, admin, true, "Too late", &[]).await.unwrap();
    assert_eq!(late, TicketPost::Closed);
    let answer = h.store.post_on_ticket(t, a, false, "The blue one", &[]).await.unwrap();
    assert_eq!(answer, TicketPost::Posted { reopened: true });
    assert_eq!(h.store.open_tickets().await.unwrap().len(), 1);
    let unknown = TicketId(t.0 + 100);
    assert_eq!(
        h.store.post_on_ticket(unknown, a, false, "?", &[]).await.unwrap(),
        TicketPost::Unknown
    );
    let said: Vec<(bool, String)> = h
        .store
        .ticket_messages(t)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.from_admin, m.body))
        .collect();
    assert_eq!(said, vec![(true, "Which button?".to_owned()), (false, "The blue one".to_owned())]);
    assert_eq!(h.store.tickets_of(a).await.unwrap().len(), 1);
    // The reply's notice was queued with it; replies and closings are in the audit log.
    let queued = h.store.claim_outbox(10, Duration::seconds(30)).await.unwrap();
    assert!(queued.iter().any(|i| i.account == a), "{queued:?}");
    let audit = h.store.recent_audit(Some("ticket:"), 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["ticket.closed", "ticket.replied"]);
    assert!(audit.iter().all(|e| e.actor == Some(admin)));
}

async fn outbox_dedupes_and_leases(h: &Harness) {
    let a = account(h, "6").await;
    for i in 0..20 {
        assert!(h.store.enqueue(a, &format!("message {i}"), &format!("key-{i}")).await.unwrap());
    }
    assert!(!h.store.enqueue(a, "again", "key-0").await.unwrap(), "a key is queued once");
    // Two workers claim at once: they never get the same message. (PostgreSQL may give the
    // second fewer rows while the first holds its locks; a third claim gets the rest.)
    let (x, y) = tokio::join!(
        h.store.claim_outbox(15, Duration::seconds(30)),
        h.store.claim_outbox(15, Duration::seconds(30))
    );
    let mut claimed: Vec<_> = x.unwrap().into_iter().chain(y.unwrap()).collect();
    claimed.extend(h.store.claim_outbox(50, Duration::seconds(30)).await.unwrap());
    let mut ids: Vec<_> = claimed.iter().map(|i| i.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((claimed.len(), ids.len()), (20, 20), "each message claimed exactly once");
    assert!(h.store.claim_outbox(50, Duration::seconds(30)).await.unwrap().is_empty(), "leased");
    let kept = claimed.split_off(10);
    for item in &claimed {
        h.store.mark_sent(item.id).await.unwrap();
    }
    h.store
        .retry_later(kept[0].id, start() + Duration::minutes(5), "429 Too Many Requests")
        .await
        .unwrap();
    h.clock.advance(Duration::seconds(31));
    let again = h.store.claim_outbox(50, Duration::seconds(30)).await.unwrap();
    assert_eq!(again.len(), kept.len() - 1, "lease over, except the one put back for later");
    assert!(again.iter().all(|i| i.attempts == 2));
    for item in &again {
        h.store.mark_sent(item.id).await.unwrap();
    }
    h.clock.advance(Duration::minutes(5));
    let later = h.store.claim_outbox(50, Duration::seconds(30)).await.unwrap();
    assert_eq!(later.iter().map(|i| i.id).collect::<Vec<_>>(), vec![kept[0].id]);
    assert_eq!(h.store.pending_outbox_count().await.unwrap(), 1);
}

async fn each_front_end_claims_only_its_own_recipients(h: &Harness) {
    let on_telegram = account(h, "tg-1").await;
    let (in_terminal, _) = h
        .store
        .account_for_identity(&Identity::new(Platform::Local, "zoe"), "zoe", Lang::Fr)
        .await
        .unwrap();
    h.store.enqueue(on_telegram, "for telegram", "k-tg").await.unwrap();
    h.store.enqueue(in_terminal.id, "for the terminal", "k-local").await.unwrap();
    let lease = Duration::seconds(30);
    let telegram = h.store.claim_outbox_for(Recipients::OnPlatform(Platform::Telegram), 10, lease);
    let telegram = telegram.await.unwrap();
    assert_eq!(telegram.iter().map(|i| i.payload.as_str()).collect::<Vec<_>>(), ["for telegram"]);
    let discord = h.store.claim_outbox_for(Recipients::OnPlatform(Platform::Discord), 10, lease);
    assert!(discord.await.unwrap().is_empty(), "nobody is on Discord");
    let mine = h.store.claim_outbox_for(Recipients::Account(in_terminal.id), 10, lease);
    let mine = mine.await.unwrap();
    assert_eq!(mine.iter().map(|i| i.payload.as_str()).collect::<Vec<_>>(), ["for the terminal"]);
    assert_eq!(mine[0].attempts, 1, "untouched by the other front-end");
}

async fn conversation_saves_are_optimistic(h: &Harness) {
    let a = account(h, "7").await;
    assert!(h.store.load_conversation(a, "telegram:7").await.unwrap().is_none());
    let v1 = h.store.save_conversation(a, "telegram:7", r#"{"step":"ask_name"}"#, 0).await.unwrap();
    let rec = h.store.load_conversation(a, "telegram:7").await.unwrap().unwrap();
    assert_eq!((rec.state.as_str(), rec.version), (r#"{"step":"ask_name"}"#, v1));
    let v2 = h.store.save_conversation(a, "telegram:7", r#"{"step":"ask_fee"}"#, v1).await.unwrap();
    assert!(matches!(
        h.store.save_conversation(a, "telegram:7", "{}", v1).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        h.store.save_conversation(a, "telegram:7", "{}", 0).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(h.store.load_conversation(a, "telegram:7").await.unwrap().unwrap().version, v2);
    assert!(h.store.load_conversation(a, "discord:7").await.unwrap().is_none(), "per channel");
    // A step that read the conversation before its account was erased saves nothing: the
    // erasure is not undone by a step that was under way.
    h.store.erase_account(a).await.unwrap();
    assert!(matches!(
        h.store.save_conversation(a, "telegram:7", r#"{"step":"ask_city"}"#, v2).await,
        Err(StoreError::Conflict)
    ));
    assert!(h.store.load_conversation(a, "telegram:7").await.unwrap().is_none());
}

/// Issue 18's group commit: steps ending at the same moment share a transaction, yet each gets
/// its own answer and a refused step writes nothing of its own, whatever its neighbours do.
async fn steps_ending_together_commit_together_each_with_its_own_answer(h: &Harness) {
    let tg = Platform::Telegram;
    let lease = Duration::seconds(10);
    let people = 40;
    let mut accounts = Vec::new();
    for n in 0..people {
        let a = account(h, &format!("7{n:02}")).await;
        h.store.save_conversation(a, "telegram", "{}", 0).await.unwrap();
        accounts.push(a);
    }
    let arrivals: Vec<Arrival> = (0..people + 2)
        .map(|n| Arrival {
            external_id: format!("g{n}"),
            chat: format!("7{n:02}"),
            payload: String::new(),
            acknowledged: true,
        })
        .collect();
    let recorded = h.store.record_arrivals(tg, &arrivals, "a:1", lease).await.unwrap();
    let today = h.clock.now().date_naive();
    let active_days = |h: &Harness| {
        let store = h.store.clone();
        async move { store.beta(today, 1).await.unwrap().weeks[0].active_days }
    };
    let days_before = active_days(h).await;
    let mut steps = tokio::task::JoinSet::new();
    for n in 0..people + 2 {
        let store = h.store.clone();
        // Every fifth step read its conversation before someone else saved it: stale.
        let read_version = if n % 5 == 0 { 0 } else { 1 };
        // Steps 40 and 41 save the same conversation as step 1 from the same version: one wins.
        let account = accounts[if n >= people { 1 } else { n }];
        let arrival = recorded[n].id;
        steps.spawn(async move {
            let replies = vec![format!("reply {n}")];
            let state = format!("{{\"n\":{n}}}");
            // Each step is its account's first of the day: the day is recorded with its save.
            let active_day = Some(today);
            let save =
                StepSave { account, channel: "telegram", state: &state, read_version, active_day };
            let handled = Handled { arrival, replies: &replies };
            // Step 7 saves nothing (an erasure's step): only its update is marked.
            let save = (n != 7).then_some(save);
            (n, store.commit_step(save, Some(handled)).await)
        });
    }
    let mut answers = std::collections::BTreeMap::new();
    while let Some(done) = steps.join_next().await {
        let (n, answer) = done.unwrap();
        answers.insert(n, answer);
    }
    let mut saved_step_1 = 0;
    for (n, answer) in &answers {
        match (n, answer) {
            (7, Ok(0)) => {}
            (1 | 40 | 41, Ok(2)) => saved_step_1 += 1,
            (1 | 40 | 41, Err(StoreError::Conflict)) => {}
            (n, Err(StoreError::Conflict)) if n % 5 == 0 => {}
            (n, Ok(2)) if n % 5 != 0 => {}
            (n, other) => panic!("step {n}: {other:?}"),
        }
    }
    assert_eq!(saved_step_1, 1, "one of three saves of the same conversation at the same version");
    let saved = answers.iter().filter(|(n, a)| a.is_ok() && **n != 7).count();
    assert_eq!(
        active_days(h).await - days_before,
        u32::try_from(saved).unwrap(),
        "the day is recorded with each save written, and only with them"
    );
    // What each step wrote is there, and only what the steps that were written wrote.
    let back = h.store.claim_arrivals(tg, "a:1", true, lease, 100).await.unwrap();
    for item in &back {
        let n: usize = item.external_id[1..].parse().unwrap();
        let written = answers[&n].is_ok();
        assert_eq!(item.handled, written, "step {n}'s update marked handled only if written");
        let replies = if written { vec![format!("reply {n}")] } else { vec![] };
        assert_eq!(item.replies, replies, "step {n}'s replies");
    }
    // Their replies sent, counted at once (in batches): every other update is then done.
    let mut counts = tokio::task::JoinSet::new();
    for item in back.iter().filter(|i| i.handled) {
        let (store, id) = (h.store.clone(), item.id);
        let done = item.external_id[1..].parse::<usize>().unwrap() % 2 == 0;
        counts.spawn(async move { store.arrival_sent(id, 1, done).await.unwrap() });
    }
    while let Some(done) = counts.join_next().await {
        done.unwrap();
    }
    let left = h.store.claim_arrivals(tg, "a:1", true, lease, 100).await.unwrap();
    for item in &left {
        let n: usize = item.external_id[1..].parse().unwrap();
        let counted = answers[&n].is_ok();
        assert!(!counted || n % 2 == 1, "update {n} was done");
        assert_eq!(item.sent, i64::from(counted), "update {n}'s count");
    }
    let odd_written = answers.iter().filter(|(n, a)| a.is_ok() && *n % 2 == 1).count();
    let unwritten = answers.values().filter(|a| a.is_err()).count();
    assert_eq!(left.len(), odd_written + unwritten, "the others are done");
    for (n, a) in accounts.iter().enumerate().filter(|(n, _)| *n != 13 && *n != 7) {
        let rec = h.store.load_conversation(*a, "telegram").await.unwrap().unwrap();
        if n % 5 == 0 {
            assert_eq!(
                (rec.state.as_str(), rec.version),
                ("{}", 1),
                "stale step {n} wrote nothing"
            );
        } else if n != 1 {
            assert_eq!((rec.state, rec.version), (format!("{{\"n\":{n}}}"), 2));
        } else {
            assert_eq!(rec.version, 2);
        }
    }
    // A step saving the first conversation of an account that does not exist: the database
    // refuses the whole batch, which is then written step by step, so that step alone fails.
    let mut steps = tokio::task::JoinSet::new();
    for n in 0..10 {
        let store = h.store.clone();
        let account = if n == 3 { AccountId(987_654) } else { accounts[n + 1] };
        steps.spawn(async move {
            let save = StepSave {
                account,
                channel: "telegram",
                state: "{}",
                read_version: if n == 3 { 0 } else { 2 },
                active_day: None,
            };
            (n, store.commit_step(Some(save), None).await)
        });
    }
    let mut refused = 0;
    while let Some(done) = steps.join_next().await {
        match done.unwrap() {
            (3, Err(StoreError::Database(_))) => refused += 1,
            // Still at version 1: stale in the first round, or its step saved nothing.
            (n, answer) if (n + 1) % 5 == 0 || n + 1 == 7 => {
                assert!(matches!(answer, Err(StoreError::Conflict)), "{n}: {answer:?}");
            }
            (n, answer) => assert_eq!(answer.unwrap(), 3, "step {n}"),
        }
    }
    assert_eq!(refused, 1);
    // The steps' first reads, many at once (one statement on PostgreSQL): each gets its own
    // account and conversation, and a newcomer nothing.
    let mut reads = tokio::task::JoinSet::new();
    for n in 0..=people {
        let store = h.store.clone();
        reads.spawn(async move {
            let identity = Identity::new(Platform::Telegram, format!("7{n:02}"));
            (n, store.first_read(&identity, "telegram", n % 2 == 0).await.unwrap())
        });
    }
    while let Some(done) = reads.join_next().await {
        let (n, found) = done.unwrap();
        match found {
            None => assert_eq!(n, people, "only the newcomer is unknown"),
            Some(FirstRead { account, conversation, owned, profiles }) => {
                assert_eq!(account.display_name, format!("7{n:02}"));
                let stored = h.store.load_conversation(account.id, "telegram").await.unwrap();
                assert_eq!(conversation, stored, "person {n}'s conversation");
                assert_eq!(owned, [], "person {n} owns no profile");
                let expected = (n % 2 == 0).then(Vec::new);
                assert_eq!(profiles, expected, "person {n} has no profile, asked for or not");
            }
        }
    }
}

/// Issue 18: the steps' reads of an account's profiles, many at once, are one listing; each
/// gets its own account's profiles with their dates, oldest first, and an account with none
/// gets none.
async fn profiles_read_at_once_each_get_their_own(h: &Harness) {
    let mut owners = Vec::new();
    for i in 0..12u32 {
        let owner = account(h, &format!("po{i}")).await;
        let mut names = Vec::new();
        for k in 0..i % 3 {
            let name = format!("Groupe {i}-{k}");
            let dates = dates(&[i + 1, i + 2]);
            // An artist first, then a venue.
            let details = if k == 0 { artist(&name) } else { venue(&name, 1) };
            h.store.create_profile(owner, &details, &dates, &ProfileStatus::Draft).await.unwrap();
            names.push(name);
        }
        owners.push((owner, names, i));
    }
    let owners = std::sync::Arc::new(owners);
    let mut reads = tokio::task::JoinSet::new();
    for n in 0..48 {
        let (store, owners) = (h.store.clone(), owners.clone());
        reads.spawn(async move {
            let (owner, names, i) = &owners[n % owners.len()];
            let found = store.profiles_of(*owner).await.unwrap();
            let got: Vec<&str> = found.iter().map(|p| p.details.name().as_str()).collect();
            assert_eq!(got, *names, "read {n}: account {i}'s profiles, oldest first");
            for p in &found {
                assert_eq!(p.owner, *owner);
                assert_eq!(
                    p.dates,
                    dates(&[i + 1, i + 2]),
                    "read {n}: {}'s dates",
                    p.details.name().as_str()
                );
            }
        });
    }
    while let Some(done) = reads.join_next().await {
        done.unwrap();
    }
    // A step's first read brings the same profiles with the account: many at once (one
    // listing for those that have some), and one alone.
    let mut reads = tokio::task::JoinSet::new();
    for n in 0..48 {
        let (store, owners) = (h.store.clone(), owners.clone());
        reads.spawn(async move {
            let (owner, names, i) = &owners[n % owners.len()];
            let identity = Identity::new(Platform::Telegram, format!("po{i}"));
            // Every third read does not ask for the profiles.
            let asked = n % 3 != 0;
            let found = store.first_read(&identity, "telegram", asked).await.unwrap().unwrap();
            assert_eq!(found.account.id, *owner);
            // Which profiles the account owns comes with every first read, oldest first.
            let listed = store.profiles_of(*owner).await.unwrap();
            let owned: Vec<OwnedProfile> =
                listed.iter().map(|p| OwnedProfile { id: p.id, kind: p.kind() }).collect();
            assert_eq!(found.owned, owned, "first read {n}: account {i}'s profiles, by id");
            let Some(profiles) = found.profiles else {
                assert!(!asked, "first read {n}: profiles asked for");
                return;
            };
            assert!(asked, "first read {n}: profiles not asked for");
            let got: Vec<&str> = profiles.iter().map(|p| p.details.name().as_str()).collect();
            assert_eq!(got, *names, "first read {n}: account {i}'s profiles, oldest first");
            assert_eq!(profiles, listed, "first read {n}");
        });
    }
    while let Some(done) = reads.join_next().await {
        done.unwrap();
    }
    let po2 = Identity::new(Platform::Telegram, "po2");
    let alone = h.store.first_read(&po2, "telegram", true).await.unwrap().unwrap();
    let names: Vec<String> =
        alone.profiles.unwrap().iter().map(|p| p.details.name().to_string()).collect();
    assert_eq!(names, ["Groupe 2-0", "Groupe 2-1"]);
    let alone = h.store.first_read(&po2, "telegram", false).await.unwrap().unwrap();
    assert_eq!(alone.profiles, None, "not asked for");
    let kinds: Vec<ProfileKind> = alone.owned.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [ProfileKind::Artist, ProfileKind::Venue], "owned, read alone");
    // One account read on two channels at the same moment (a Telegram and a Discord step, in
    // one batch as soon as a read is being served): every read gets the profiles.
    let listed = h.store.profiles_of(alone.account.id).await.unwrap();
    let mut both = tokio::task::JoinSet::new();
    for n in 0..64 {
        let (store, po2) = (h.store.clone(), po2.clone());
        both.spawn(async move {
            let channel = if n % 2 == 0 { "telegram" } else { "discord" };
            (n, store.first_read(&po2, channel, true).await.unwrap().unwrap())
        });
    }
    while let Some(done) = both.join_next().await {
        let (n, found) = done.unwrap();
        assert_eq!(found.profiles.as_ref(), Some(&listed), "read {n} on two channels");
        assert_eq!(found.owned, alone.owned, "read {n} on two channels");
    }
}

/// Issue 18: the reads of a profile's proposals (`/proposals`), many at once, are one
/// statement; each gets its own profile's, sent and received, newest first, and a profile
/// with none gets none. The other sides' names are one read too.
async fn proposals_read_at_once_each_get_their_own(h: &Harness) {
    let a = account(h, "pp").await;
    let days: Vec<u32> = (1..=12).collect();
    let mut artists = Vec::new();
    for i in 0..4 {
        artists.push(approved(h, a, &artist(&format!("Groupe {i}")), &days).await);
    }
    let mut venues = Vec::new();
    for i in 0..3 {
        venues.push(approved(h, a, &venue(&format!("Salle {i}"), 4), &days).await);
    }
    // Artist i proposes to venue i and, from the second on, to venue 0 too: venue 0 has three,
    // the last artist none.
    let mut made: Vec<Proposal> = Vec::new();
    for (i, artist) in artists.iter().enumerate().take(3) {
        let d = u32::try_from(i).unwrap();
        made.push(propose(h, a, *artist, venues[i], d + 1).await);
        if i > 0 {
            made.push(propose(h, a, *artist, venues[0], d + 5).await);
        }
    }
    let mut everyone: Vec<ProfileId> = artists.clone();
    everyone.extend(&venues);
    let expected = |profile: ProfileId| -> Vec<flowstage_core::domain::ProposalId> {
        let mut ids: Vec<_> = made
            .iter()
            .filter(|p| p.from_profile == profile || p.to_profile == profile)
            .map(|p| p.id)
            .collect();
        ids.sort_by_key(|id| std::cmp::Reverse(*id));
        ids
    };
    let expected: Arc<Vec<(ProfileId, Vec<_>)>> =
        Arc::new(everyone.iter().map(|p| (*p, expected(*p))).collect());
    assert!(expected.iter().any(|(_, ids)| ids.is_empty()), "a profile with none");
    assert!(expected.iter().any(|(_, ids)| ids.len() > 2), "a profile with several");
    let mut reads = tokio::task::JoinSet::new();
    for n in 0..56 {
        let (store, expected) = (h.store.clone(), expected.clone());
        reads.spawn(async move {
            let (profile, ids) = &expected[n % expected.len()];
            let found = store.proposals_of_profile(*profile).await.unwrap();
            let got: Vec<_> = found.iter().map(|p| p.id).collect();
            assert_eq!(got, *ids, "read {n}: profile {profile:?}'s proposals, newest first");
        });
    }
    while let Some(done) = reads.join_next().await {
        done.unwrap();
    }
    // Alone, read whole: the same as the proposal read by its id.
    let alone = h.store.proposals_of_profile(venues[0]).await.unwrap();
    assert_eq!(alone.len(), 3);
    for p in &alone {
        assert_eq!(*p, h.store.proposal(p.id).await.unwrap());
    }
    // What a list of proposals shows of the other side: the names, in one read; an id that is
    // no profile is left out.
    let mut asked = everyone.clone();
    asked.push(ProfileId(i64::MAX));
    let names = h.store.profile_names(&asked).await.unwrap();
    assert_eq!(names.len(), everyone.len());
    for id in &everyone {
        let profile = h.store.profile(*id).await.unwrap();
        assert_eq!(names.get(id).map(String::as_str), Some(profile.details.name().as_str()));
    }
    assert!(h.store.profile_names(&[]).await.unwrap().is_empty());
    // A page of search results: the profiles asked for, in full, in one listing.
    let page = h.store.profiles(&asked).await.unwrap();
    assert_eq!(page.len(), everyone.len(), "the id that is no profile is left out");
    for id in &everyone {
        let one = page.iter().find(|p| p.id == *id).unwrap();
        assert_eq!(*one, h.store.profile(*id).await.unwrap());
    }
    assert!(h.store.profiles(&[]).await.unwrap().is_empty());
}

/// At a light load each request is served alone. On PostgreSQL the connection a request used
/// is kept a second for the next one: requests a moment apart (which take the kept one) and a
/// second apart (which take one from the pool, the kept one given back) are all served, and
/// closing the store gives back the one kept (`Harness::finish` closes it: a pool being
/// closed waits for every connection taken out). Which connection served is not observed.
async fn lone_requests_a_moment_or_a_second_apart_are_served(h: &Harness) {
    let owner = account(h, "lone").await;
    let dates = dates(&[3, 4]);
    h.store.create_profile(owner, &artist("Seul"), &dates, &ProfileStatus::Draft).await.unwrap();
    for pause in [0, 10, 1_100, 10] {
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        let found = h.store.profiles_of(owner).await.unwrap();
        assert_eq!(found.len(), 1, "after {pause} ms");
        assert_eq!(found[0].details.name().as_str(), "Seul");
    }
}

async fn the_inbox_records_once_and_keeps_replies_with_the_step(h: &Harness) {
    let tg = Platform::Telegram;
    let lease = Duration::seconds(10);
    let arrival = |n: u32| Arrival {
        external_id: n.to_string(),
        chat: "42".into(),
        payload: format!("update {n}"),
        acknowledged: true,
    };
    let first = h.store.record_arrivals(tg, &[arrival(1), arrival(2)], "a:1", lease).await.unwrap();
    assert_eq!(first.iter().map(|i| i.external_id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
    // Delivered again (a lost confirmation, a webhook retried): not recorded twice.
    let again = h.store.record_arrivals(tg, &[arrival(2), arrival(3)], "a:1", lease).await.unwrap();
    assert_eq!(again.iter().map(|i| i.external_id.as_str()).collect::<Vec<_>>(), ["3"]);
    // An interaction is told after it is recorded: until then it is not acknowledged.
    let told_after = Arrival { acknowledged: false, ..arrival(1) };
    let other = h.store.record_arrivals(Platform::Discord, &[told_after], "a:1", lease).await;
    let other = other.unwrap();
    assert_eq!(other.len(), 1, "ids are the platform's own");
    assert!(!other[0].acknowledged);
    let taken = h.store.claim_arrivals(Platform::Discord, "a:1", true, lease, 10).await.unwrap();
    assert!(!taken[0].acknowledged, "a restart sees it was never told");
    h.store.arrival_acknowledged(other[0].id).await.unwrap();
    let taken = h.store.claim_arrivals(Platform::Discord, "a:1", true, lease, 10).await.unwrap();
    assert!(taken[0].acknowledged);

    // Update 1's step: the conversation and its replies in one transaction.
    let a = account(h, "42").await;
    let replies = ["first reply".to_owned(), "second reply".to_owned()];
    let save = StepSave {
        account: a,
        channel: "telegram",
        state: "{}",
        read_version: 0,
        active_day: None,
    };
    let handled = Handled { arrival: first[0].id, replies: &replies };
    assert_eq!(h.store.commit_step(Some(save), Some(handled)).await.unwrap(), 1);
    // A stale save writes nothing, not even the update's mark.
    let stale = StepSave { read_version: 0, ..save };
    let handled2 = Handled { arrival: first[1].id, replies: &[] };
    assert!(matches!(
        h.store.commit_step(Some(stale), Some(handled2)).await,
        Err(StoreError::Conflict)
    ));
    h.store.arrival_sent(first[0].id, 1, false).await.unwrap();

    // Another instance takes nothing while the claims hold; the same instance restarted takes
    // back its own at once: update 1 with its one unsent reply, 2 and 3 to handle.
    assert!(h.store.claim_arrivals(tg, "b:1", false, lease, 10).await.unwrap().is_empty());
    let back = h.store.claim_arrivals(tg, "a:1", true, lease, 10).await.unwrap();
    let summary: Vec<_> =
        back.iter().map(|i| (i.external_id.as_str(), i.handled, i.sent)).collect();
    assert_eq!(summary, [("1", true, 1), ("2", false, 0), ("3", false, 0)]);
    assert_eq!(back[0].replies, replies, "in order, for the rest to be sent");
    assert!(back[1].replies.is_empty());
    assert_eq!(back[1].payload, "update 2");
    h.store.arrival_sent(first[0].id, 2, true).await.unwrap();
    h.store.skip_arrival(back[1].id).await.unwrap();
    assert_eq!(h.store.inbox_depth().await.unwrap().0, 2, "update 3 and Discord's");

    // The claim lapses unrenewed: another instance takes it over; renewed, it does not.
    h.clock.advance(Duration::seconds(11));
    assert_eq!(h.store.renew_arrivals(tg, "a:1", lease).await.unwrap(), 1);
    assert!(h.store.claim_arrivals(tg, "b:1", false, lease, 10).await.unwrap().is_empty());
    h.clock.advance(Duration::seconds(11));
    let taken = h.store.claim_arrivals(tg, "b:1", false, lease, 10).await.unwrap();
    assert_eq!(taken.iter().map(|i| i.external_id.as_str()).collect::<Vec<_>>(), ["3"]);
    assert!(h.store.claim_arrivals(tg, "a:1", true, lease, 10).await.unwrap().is_empty());
    // A clean stop lets go at once.
    assert_eq!(h.store.release_arrivals(tg, "b:1").await.unwrap(), 1);
    let taken = h.store.claim_arrivals(tg, "c:1", false, lease, 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    h.store.commit_step(None, Some(Handled { arrival: taken[0].id, replies: &[] })).await.unwrap();

    // Done records are forgotten after a while, and only they.
    h.clock.advance(Duration::days(3));
    assert_eq!(h.store.purge_inbox(h.clock.now() - Duration::days(2)).await.unwrap(), 3);
    assert_eq!(h.store.inbox_depth().await.unwrap().0, 1);
}

async fn an_email_address_is_verified_by_code_and_then_receives_notices(h: &Harness) {
    use flowstage_core::domain::ProfileId;
    use flowstage_core::notify::Event;
    use flowstage_core::store::{CodeCheck, CodeSent};
    let a = account(h, "51").await;
    let email = Email::parse("band@example.fr").unwrap();
    let settings = Settings {
        lang: Lang::Fr,
        email_alerts: true,
        alert_threshold: 70,
        contact_email: Some(email.clone()),
    };
    h.store.update_settings(a, &settings).await.unwrap();
    let received = Event::ProposalReceived {
        proposal: flowstage_core::domain::ProposalId(1),
        from_name: "Vera".into(),
        day: day(5),
        fee_euros: 500,
    };
    let approved = Event::ProfileApproved { profile: ProfileId(1), name: "Arlo".into() };
    // Not verified yet: nothing goes by email.
    h.store.notify(a, &received, "n:1").await.unwrap();
    assert_eq!(h.store.pending_email_count().await.unwrap(), 0);

    assert_eq!(
        h.store.send_email_code(a, &email, "123456", Lang::Fr).await.unwrap(),
        CodeSent::Sent
    );
    let claimed = h.store.claim_emails(10, Duration::seconds(60)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].kind.as_str(), claimed[0].to.as_str()), ("code", "band@example.fr"));
    assert!(claimed[0].payload.contains("123456"));
    assert!(h.store.claim_emails(10, Duration::seconds(60)).await.unwrap().is_empty(), "leased");
    h.store.email_sent(claimed[0].id).await.unwrap();
    // Two workers at once (two instances on one database) never claim the same email.
    for n in 0..12 {
        let other = account(h, &format!("52{n}")).await;
        let to = Email::parse(&format!("p{n}@example.fr")).unwrap();
        h.store.send_email_code(other, &to, "999999", Lang::En).await.unwrap();
    }
    let (x, y) = tokio::join!(
        h.store.claim_emails(8, Duration::seconds(60)),
        h.store.claim_emails(8, Duration::seconds(60))
    );
    let mut both: Vec<i64> = x.unwrap().iter().chain(y.unwrap().iter()).map(|e| e.id).collect();
    both.extend(
        h.store.claim_emails(20, Duration::seconds(60)).await.unwrap().iter().map(|e| e.id),
    );
    let all = both.len();
    both.sort_unstable();
    both.dedup();
    assert_eq!((all, both.len()), (12, 12), "each email claimed by one worker");
    for id in both {
        h.store.email_sent(id).await.unwrap();
    }

    assert_eq!(
        h.store.check_email_code(a, "654321").await.unwrap(),
        CodeCheck::Wrong { tries_left: 4 }
    );
    assert_eq!(
        h.store.check_email_code(a, " 123456 ").await.unwrap(),
        CodeCheck::Verified("band@example.fr".into())
    );
    assert!(h.store.account(a).await.unwrap().email_verified);
    assert_eq!(
        h.store.check_email_code(a, "123456").await.unwrap(),
        CodeCheck::NoneWaiting,
        "used"
    );

    // Verified: what goes by email is copied with the notice, once; the rest is not.
    h.store.notify(a, &received, "n:2").await.unwrap();
    h.store.notify(a, &received, "n:2").await.unwrap();
    h.store.notify(a, &approved, "n:3").await.unwrap();
    let notices = h.store.claim_emails(10, Duration::seconds(60)).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, "notice");
    assert!(notices[0].payload.contains("Vera"));
    // Search alerts wait for the daily digest: claimed together, then none until a day later.
    let alert = |n: i64| Event::SearchAlert {
        search: flowstage_core::domain::SavedSearchId(1),
        profile: ProfileId(n),
        name: format!("Salle {n}"),
        score: 80,
    };
    h.store.notify(a, &alert(1), "alert:1").await.unwrap();
    h.store.notify(a, &alert(2), "alert:2").await.unwrap();
    assert!(h.store.claim_emails(10, Duration::seconds(60)).await.unwrap().is_empty());
    let digests = h.store.claim_digests(Duration::seconds(60)).await.unwrap();
    assert_eq!(digests.iter().map(Vec::len).collect::<Vec<_>>(), [2]);
    for item in &digests[0] {
        h.store.email_sent(item.id).await.unwrap();
    }
    h.store.notify(a, &alert(3), "alert:3").await.unwrap();
    assert!(h.store.claim_digests(Duration::seconds(60)).await.unwrap().is_empty(), "tomorrow");
    h.clock.advance(Duration::hours(25));
    let next = h.store.claim_digests(Duration::seconds(60)).await.unwrap();
    assert_eq!(next.iter().map(Vec::len).collect::<Vec<_>>(), [1]);
    h.store.email_sent(next[0][0].id).await.unwrap();
    let token = h.store.unsubscribe_token(a).await.unwrap();
    assert_eq!(h.store.unsubscribe_token(a).await.unwrap(), token, "one token per account");
    assert!(h.store.unsubscribe(&token).await.unwrap());
    assert!(!h.store.unsubscribe("nope").await.unwrap());
    assert!(!h.store.account(a).await.unwrap().email_alerts);
    h.store.notify(a, &alert(4), "alert:4").await.unwrap();
    assert!(h.store.claim_digests(Duration::seconds(60)).await.unwrap().is_empty(), "alerts off");
    // Refused for good: given up, and the address no longer used.
    assert!(h.store.email_failed(&notices[0], "550 no such user").await.unwrap());
    assert!(!h.store.account(a).await.unwrap().email_verified);
    h.store.notify(a, &received, "n:4").await.unwrap();
    assert_eq!(h.store.pending_email_count().await.unwrap(), 0);

    // Codes: three an hour (a day has passed since 123456); each expires; five wrong tries void
    // one.
    assert_eq!(
        h.store.send_email_code(a, &email, "111111", Lang::Fr).await.unwrap(),
        CodeSent::Sent
    );
    assert_eq!(
        h.store.send_email_code(a, &email, "222222", Lang::Fr).await.unwrap(),
        CodeSent::Sent
    );
    assert_eq!(
        h.store.send_email_code(a, &email, "555555", Lang::Fr).await.unwrap(),
        CodeSent::Sent
    );
    assert_eq!(
        h.store.send_email_code(a, &email, "666666", Lang::Fr).await.unwrap(),
        CodeSent::TooMany
    );
    h.clock.advance(Duration::minutes(61));
    assert_eq!(
        h.store.send_email_code(a, &email, "333333", Lang::Fr).await.unwrap(),
        CodeSent::Sent
    );
    h.clock.advance(Duration::minutes(16));
    assert_eq!(h.store.check_email_code(a, "333333").await.unwrap(), CodeCheck::Expired);
    assert_eq!(
        h.store.send_email_code(a, &email, "444444", Lang::Fr).await.unwrap(),
        CodeSent::Sent
    );
    for left in (1..=4).rev() {
        let check = h.store.check_email_code(a, "000000").await.unwrap();
        assert_eq!(check, CodeCheck::Wrong { tries_left: left });
    }
    assert_eq!(h.store.check_email_code(a, "000000").await.unwrap(), CodeCheck::TooManyTries);
    assert_eq!(h.store.check_email_code(a, "444444").await.unwrap(), CodeCheck::NoneWaiting);
    assert!(!h.store.account(a).await.unwrap().email_verified);
}

async fn proposals_move_by_compare_and_set(h: &Harness) {
    let a = account(h, "8").await;
    let ar = approved(h, a, &artist("Zazou"), &[5]).await;
    let v = approved(h, a, &venue("La Cigale", 1), &[5]).await;
    let p = propose(h, a, ar, v, 5).await;
    assert_eq!(p.status, ProposalStatus::Sent);
    assert_eq!(p.terms, terms(5));
    let Move::Done(refused) =
        h.store.end_proposal(p.id, ProposalStatus::Refused, Some("complet"), &[]).await.unwrap()
    else {
        panic!("a sent proposal can be refused")
    };
    assert_eq!(
        (refused.status, refused.reason.as_deref()),
        (ProposalStatus::Refused, Some("complet"))
    );
    assert_eq!(
        h.store.end_proposal(p.id, ProposalStatus::Withdrawn, None, &[]).await.unwrap(),
        Move::Stale(ProposalStatus::Refused)
    );
    h.store.add_thread_message(p.id, a, "Dommage !", |_| Vec::new()).await.unwrap();
    assert_eq!(h.store.thread(p.id).await.unwrap()[0].body, "Dommage !");
    assert_eq!(h.store.proposals_of_profile(v).await.unwrap().len(), 1);
    h.clock.advance(Duration::days(8));
    let q = propose(h, a, ar, v, 5).await;
    assert!(h.store.proposals_due_to_expire(10).await.unwrap().is_empty(), "not due yet");
    h.clock.advance(Duration::days(8));
    assert_eq!(h.store.proposals_due_to_expire(10).await.unwrap(), vec![q.id]);
}

async fn fifty_racing_accepts_give_one_booking(h: &Harness) {
    let venue_owner = account(h, "venue").await;
    let v = approved(h, venue_owner, &venue("Le Transbordeur", 1), &[12]).await;
    let mut proposals = Vec::new();
    for i in 0..50 {
        let owner = account(h, &format!("artist-{i}")).await;
        let ar = approved(h, owner, &artist(&format!("Groupe {i}")), &[12]).await;
        proposals.push(propose(h, owner, ar, v, 12).await.id);
    }
    let mut tasks = Vec::new();
    for id in proposals.clone() {
        let store = h.store.clone();
        tasks.push(tokio::spawn(async move { accept(&store, id, 1).await }));
    }
    let mut won = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            AcceptOutcome::Booked(_) => won += 1,
            AcceptOutcome::SlotTaken => refused += 1,
            other => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!((won, refused), (1, 49));
    let bookings = h.store.all_bookings().await.unwrap();
    assert_eq!(bookings.len(), 1, "nothing half-written");
    let mut accepted = 0;
    for id in proposals {
        let p = h.store.proposal(id).await.unwrap();
        if p.status == ProposalStatus::Accepted {
            accepted += 1;
            assert_eq!(bookings[0].proposal, id);
        } else {
            assert_eq!(
                p.status,
                ProposalStatus::Sent,
                "losers stay open, to be closed with a reason"
            );
        }
    }
    assert_eq!(accepted, 1);
}

async fn an_artist_plays_once_a_day(h: &Harness) {
    let a = account(h, "9").await;
    let ar = approved(h, a, &artist("Zazou"), &[5]).await;
    let v1 = approved(h, a, &venue("La Cigale", 1), &[5]).await;
    let v2 = approved(h, a, &venue("Le Trianon", 1), &[5]).await;
    let p1 = propose(h, a, ar, v1, 5).await;
    let p2 = propose(h, a, ar, v2, 5).await;
    booked(accept(&h.store, p1.id, 1).await);
    assert_eq!(accept(&h.store, p2.id, 1).await, AcceptOutcome::ArtistBusy);
    assert_eq!(accept(&h.store, p1.id, 1).await, AcceptOutcome::NotOpen(ProposalStatus::Accepted));
    assert_eq!(h.store.proposal(p2.id).await.unwrap().status, ProposalStatus::Sent);
}

async fn multi_slot_dates_fill_up(h: &Harness) {
    let a = account(h, "10").await;
    let v = approved(h, a, &venue("Festival des Nuits", 3), &[20]).await;
    let mut results = Vec::new();
    for i in 0..4 {
        let ar = approved(h, a, &artist(&format!("Groupe {i}")), &[20]).await;
        let p = propose(h, a, ar, v, 20).await;
        results.push(accept(&h.store, p.id, 3).await);
    }
    let last = results.pop().unwrap();
    let slots: Vec<u8> = results.into_iter().map(|r| booked(r).slot).collect();
    assert_eq!(slots, [1, 2, 3]);
    assert_eq!(last, AcceptOutcome::SlotTaken);
}

async fn cancelling_frees_the_date(h: &Harness) {
    let a = account(h, "11").await;
    let ar = approved(h, a, &artist("Zazou"), &[5]).await;
    let v = approved(h, a, &venue("La Cigale", 1), &[5]).await;
    let b = booked(accept(&h.store, propose(h, a, ar, v, 5).await.id, 1).await);
    h.store.set_contract_hash(b.id, "abc").await.unwrap();
    assert_eq!(h.store.booking(b.id).await.unwrap().contract_sha256.as_deref(), Some("abc"));
    assert!(h.store.cancel_booking(b.id, "salle inondée", &[]).await.unwrap());
    assert!(!h.store.cancel_booking(b.id, "again", &[]).await.unwrap());
    assert!(h.store.bookings_of_profile(v).await.unwrap().is_empty());
    let again = booked(accept(&h.store, propose(h, a, ar, v, 5).await.id, 1).await);
    assert_eq!(again.slot, 1);
}

async fn export_and_erasure(h: &Harness) {
    let a = account(h, "12").await;
    let ar = approved(h, a, &artist("Zazou"), &[5]).await;
    let v = approved(h, a, &venue("La Cigale", 1), &[5]).await;
    let p = propose(h, a, ar, v, 5).await;
    h.store
        .add_thread_message(p.id, a, "mon numéro : 06 12 34 56 78", |_| Vec::new())
        .await
        .unwrap();
    h.store.open_ticket(a, "aide").await.unwrap();
    let mut legal = LegalIdentity::default();
    legal.set_signatory(flowstage_core::domain::legal::Signatory {
        name: flowstage_core::domain::values::Name::parse("Zoé Signataire").unwrap(),
        role: flowstage_core::domain::values::Text::parse("gérante").unwrap(),
    });
    h.store.save_legal_identity(ar, &legal).await.unwrap();
    let data = h.store.export_account(a).await.unwrap().to_string();
    assert!(
        data.contains("band@example.fr")
            && data.contains("06 12 34 56 78")
            && data.contains("Zazou")
            && data.contains("Zoé Signataire"),
        "{data}"
    );
    h.store.erase_account(a).await.unwrap();
    let after = h.store.export_account(a).await.unwrap().to_string();
    assert!(!after.contains("band@example.fr"));
    assert!(!after.contains("06 12 34 56 78"));
    assert!(!after.contains("Zoé Signataire"));
    assert_eq!(h.store.legal_identity(ar).await.unwrap(), LegalIdentity::default());
    assert!(
        h.store
            .account_by_identity(&Identity::new(Platform::Telegram, "12"))
            .await
            .unwrap()
            .is_none()
    );
    let kept = h.store.profile(ar).await.unwrap();
    assert!(matches!(kept.status, ProfileStatus::Suspended(_)), "erased profiles leave matching");
    assert_eq!(kept.details.name().as_str(), "Zazou", "names on contracts are kept");
}

async fn backup_while_writing(h: &Harness) {
    let a = account(h, "13").await;
    for i in 0..20 {
        h.store
            .create_profile(a, &artist(&format!("Groupe {i}")), &dates(&[5]), &ProfileStatus::Draft)
            .await
            .unwrap();
    }
    let writer = {
        let store = h.store.clone();
        tokio::spawn(async move {
            for i in 0..50 {
                store.open_ticket(a, &format!("ticket {i}")).await.unwrap();
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    let url = h.url().to_owned();
    let result = h.store.backup(&path, &url).await;
    writer.await.unwrap();
    result.unwrap();
    match h.backend() {
        Backend::Sqlite => {
            let copy_url = format!("sqlite://{}", path.display());
            let copy = Store::connect(&copy_url, Arc::new(h.clock.clone())).await.unwrap();
            assert_eq!(copy.profiles_of(a).await.unwrap().len(), 20);
            assert!(copy.tickets_of(a).await.unwrap().len() <= 50, "a consistent snapshot");
            copy.close().await;
        }
        Backend::Postgres => {
            // pg_dump copies the whole database the URL names; the test schema is inside it.
            assert!(std::fs::metadata(&path).unwrap().len() > 0);
        }
    }
    assert!(h.store.backup(&path, &url).await.is_err(), "never overwrites");
}

async fn accounts_have_a_time_zone(h: &Harness) {
    let id = account(h, "tz").await;
    assert_eq!(h.store.account(id).await.unwrap().time_zone, Zone::default());
    assert_eq!(Zone::default().name(), "Europe/Paris");
    let montreal = Zone::parse("America/Montreal").unwrap();
    h.store.set_time_zone(id, montreal).await.unwrap();
    assert_eq!(h.store.account(id).await.unwrap().time_zone, montreal);
    assert!(matches!(
        h.store.set_time_zone(AccountId(999_999), montreal).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn public_edits_of_an_approved_profile_wait_for_review(h: &Harness) {
    let owner = account(h, "edit").await;
    let admin = account(h, "admin").await;
    let id = approved(h, owner, &venue("Le Périscope", 1), &[1, 2]).await;
    let published = h.store.profile(id).await.unwrap();
    let before = h.store.approved_profiles(ProfileId(0)).await.unwrap();

    // A non-public change (slots) applies at once, with no review.
    let mut quiet = venue("Le Périscope", 2);
    let saved = h.store.update_profile(id, &quiet, &dates(&[3])).await.unwrap();
    assert_eq!((saved.status, saved.dates.clone()), (ProfileStatus::Approved, dates(&[3])));
    assert_eq!(saved.details, quiet);
    assert_eq!(h.store.profile_edit(id).await.unwrap(), None);

    // Renamed, with another slot count: the name waits, the slots apply, the profile stays
    // approved and matched under its approved name.
    let renamed = venue("Le Grand Périscope", 3);
    let saved = h.store.update_profile(id, &renamed, &dates(&[3, 4])).await.unwrap();
    assert_eq!(saved.status, ProfileStatus::Approved);
    assert_eq!(saved.details.name(), published.details.name());
    if let ProfileDetails::Venue(v) = &saved.details {
        assert_eq!(v.slots_per_date, 3);
    }
    assert_eq!(saved.dates, dates(&[3, 4]));
    assert_eq!(h.store.profile_edit(id).await.unwrap(), Some(renamed.clone()));
    let matched = h.store.approved_profiles(ProfileId(0)).await.unwrap();
    assert_eq!(matched.len(), before.len());
    assert_eq!(matched[0].details.name().as_str(), "Le Périscope");
    let queue = h.store.profiles_with_edits().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!((queue[0].0.id, &queue[0].1), (id, &renamed));

    // Rejected: the edit is dropped, the approved version stays.
    let outcome =
        h.store.review_profile_edit(id, admin, EditDecision::Reject("nom trompeur")).await.unwrap();
    assert_eq!(outcome, EditReviewed::Dropped);
    assert_eq!(h.store.profile_edit(id).await.unwrap(), None);
    assert_eq!(h.store.profile(id).await.unwrap().details.name().as_str(), "Le Périscope");
    assert_eq!(
        h.store.review_profile_edit(id, admin, EditDecision::Approve).await.unwrap(),
        EditReviewed::NothingPending
    );

    // A capacity change, approved: published, and the change feed moves.
    quiet = match renamed {
        ProfileDetails::Venue(mut v) => {
            v.name = published.details.name().clone();
            v.capacity = Capacity::parse("900").unwrap();
            ProfileDetails::Venue(v)
        }
        other @ ProfileDetails::Artist(_) => other,
    };
    h.store.update_profile(id, &quiet, &dates(&[3, 4])).await.unwrap();
    assert_eq!(h.store.profile_edit(id).await.unwrap(), Some(quiet.clone()));
    let head = h.store.profile_change_head().await.unwrap();
    let outcome = h.store.review_profile_edit(id, admin, EditDecision::Approve).await.unwrap();
    assert_eq!(outcome, EditReviewed::Published);
    assert_eq!(h.store.profile(id).await.unwrap().details, quiet);
    assert_eq!(h.store.profile_edit(id).await.unwrap(), None);
    assert_eq!(h.store.profile_changes_since(head, 10).await.unwrap().len(), 1);
    let trail: Vec<_> = h
        .store
        .audit_trail(&format!("profile:{id}"))
        .await
        .unwrap()
        .into_iter()
        .map(|(action, actor, _)| (action, actor))
        .collect();
    assert!(trail.contains(&("profile.edit_submitted".into(), None)));
    assert!(trail.contains(&("profile.edit_rejected".into(), Some(admin.0))));
    assert!(trail.contains(&("profile.edit_approved".into(), Some(admin.0))));

    // A profile under review (not approved yet) is simply edited.
    let draft = h
        .store
        .create_profile(owner, &venue("Brouillon", 1), &dates(&[1]), &ProfileStatus::Pending)
        .await
        .unwrap();
    let saved = h.store.update_profile(draft.id, &venue("Propre", 1), &dates(&[1])).await.unwrap();
    assert_eq!(saved.details.name().as_str(), "Propre");
    assert_eq!(h.store.profile_edit(draft.id).await.unwrap(), None);
}

async fn a_suspended_profile_is_reinstated_with_a_reason(h: &Harness) {
    let owner = account(h, "susp").await;
    let admin = account(h, "admin").await;
    let id = approved(h, owner, &artist("Les Revenants"), &[5]).await;
    assert_eq!(
        h.store.reinstate_profile(id, admin, "erreur").await.unwrap(),
        Reinstated::NotSuspended(ProfileStatus::Approved)
    );
    let suspended = ProfileStatus::Suspended("plainte".into());
    h.store.set_profile_status(id, &suspended, Some(admin)).await.unwrap();
    assert_eq!(h.store.reinstate_profile(id, admin, "  ").await.unwrap(), Reinstated::ReasonNeeded);
    assert_eq!(
        h.store.reinstate_profile(id, admin, " plainte infondée ").await.unwrap(),
        Reinstated::Done
    );
    assert_eq!(h.store.profile(id).await.unwrap().status, ProfileStatus::Approved);
    assert!(h.store.approved_profiles(ProfileId(0)).await.unwrap().iter().any(|p| p.id == id));
    let trail = h.store.audit_trail(&format!("profile:{id}")).await.unwrap();
    let (action, actor, details) = trail.last().unwrap();
    assert_eq!((action.as_str(), *actor), ("profile.reinstated", Some(admin.0)));
    let details: serde_json::Value = serde_json::from_str(details).unwrap();
    assert_eq!(details["reason"], "plainte infondée");

    // An erased account's profile stays suspended.
    let gone = account(h, "gone").await;
    let erased = approved(h, gone, &artist("Partis"), &[5]).await;
    h.store.erase_account(gone).await.unwrap();
    assert_eq!(
        h.store.reinstate_profile(erased, admin, "retour").await.unwrap(),
        Reinstated::OwnerErased
    );
}

async fn contract_facts_round_trip_and_signed_copies_are_recorded(h: &Harness) {
    let a = account(h, "14").await;
    let ar = approved(h, a, &artist("Zazou"), &[6]).await;
    let v = approved(h, a, &venue("La Cigale", 1), &[6]).await;

    // Nothing given yet: an empty identity and sheet, not an error.
    assert_eq!(h.store.legal_identity(ar).await.unwrap(), LegalIdentity::default());
    assert_eq!(h.store.artist_sheet(ar).await.unwrap().lineup, None);

    let mut id = LegalIdentity::default();
    id.set_form(LegalForm::parse("SARL").unwrap());
    id.set_siret(Siret::parse("732 829 320 00074").unwrap()).unwrap();
    id.set_vat(VatStatus::Registered(VatNumber::parse("FR44732829320").unwrap())).unwrap();
    id.set_licensing(Licensing::OccasionalExempt);
    h.store.save_legal_identity(ar, &id).await.unwrap();
    assert_eq!(h.store.legal_identity(ar).await.unwrap(), id);
    id.set_ape(flowstage_core::domain::legal::ApeCode::parse("9001Z").unwrap());
    h.store.save_legal_identity(ar, &id).await.unwrap();
    let stored = h.store.legal_identity(ar).await.unwrap();
    assert_eq!(stored.ape().map(flowstage_core::domain::legal::ApeCode::as_str), Some("90.01Z"));
    assert_eq!(
        stored.missing(),
        [LegalField::LegalName, LegalField::HeadOffice, LegalField::Signatory]
    );

    // Line-up and technical needs are saved apart and keep each other.
    h.store
        .save_technical_needs(ar, Some(&LongText::parse("2 DI, 3 retours").unwrap()))
        .await
        .unwrap();
    h.store.save_lineup(ar, Lineup::new(3, 1).unwrap()).await.unwrap();
    let sheet = h.store.artist_sheet(ar).await.unwrap();
    assert_eq!(sheet.lineup, Some(Lineup::new(3, 1).unwrap()));
    assert_eq!(sheet.technical_needs.unwrap().as_str(), "2 DI, 3 retours");

    // Contract-only terms load as "nothing answered" on a new proposal, then as saved.
    let p = propose(h, a, ar, v, 6).await;
    assert_eq!(p.contract_terms, ContractTerms::default());
    let terms = ContractTerms {
        drinks_served: Some(true),
        curfew: chrono::NaiveTime::from_hms_opt(23, 30, 0),
        ..ContractTerms::default()
    };
    h.store.set_contract_terms(p.id, &terms).await.unwrap();
    assert_eq!(h.store.proposal(p.id).await.unwrap().contract_terms, terms);

    // Both language hashes, then the signed copies, one side at a time.
    let b = booked(accept(&h.store, p.id, 1).await);
    assert_eq!((b.contract_copies.clone(), b.signed_by_both()), (None, false));
    h.store.set_contract_copies(b.id, "fr-hash", "fr-hash", "en-hash").await.unwrap();
    let b = h.store.booking(b.id).await.unwrap();
    let copies = b.contract_copies.clone().unwrap();
    assert_eq!((copies.fr.as_str(), copies.en.as_str()), ("fr-hash", "en-hash"));
    assert_eq!(b.contract_sha256.as_deref(), Some("fr-hash"));
    let at = h.clock.now();
    let b =
        h.store.record_signed_copy(b.id, ProfileKind::Venue, "signed-by-venue", at).await.unwrap();
    assert_eq!(
        b.signed_copy(ProfileKind::Venue).map(|c| c.sha256.as_str()),
        Some("signed-by-venue")
    );
    assert!(b.signed_copy(ProfileKind::Artist).is_none() && !b.signed_by_both());
    let b = h
        .store
        .record_signed_copy(b.id, ProfileKind::Artist, "signed-by-artist", at)
        .await
        .unwrap();
    assert!(b.signed_by_both());
    assert_eq!(h.store.booking(b.id).await.unwrap(), b);
}
