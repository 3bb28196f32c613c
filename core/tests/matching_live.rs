//! The live match index across instances: two stores on one database stand for two instances;
//! what one changes, the other's index shows after a refresh, and saved searches get one alert per
//! new fitting profile. Run on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::time::Duration;

use chrono::NaiveDate;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::City;
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, Lang, ProfileId};
use flowstage_core::matching::{Candidate, LiveIndex, Query, Weights};
use flowstage_core::notify::{Event, decode};
use flowstage_core::store::{Backend, Store};

mod support;

use support::{TestDb, on_both_backends};

/// Two stores on one database: two instances.
struct Two {
    db: TestDb,
    a: Store,
    b: Store,
}

impl Two {
    async fn open(backend: Backend) -> Self {
        let db = TestDb::open(backend).await;
        let (a, b) = (db.store.clone(), db.another_instance().await);
        Self { db, a, b }
    }

    async fn finish(self) {
        self.b.close().await;
        self.db.finish().await;
    }
}

on_both_backends!(Two; another_instances_changes_show_after_a_refresh, saved_searches_alert_once_per_profile, another_instances_bookings_show_after_a_refresh);

fn dates() -> DateSet {
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    DateSet::parse("2026-12-04..2026-12-20", today).unwrap()
}

fn venue() -> ProfileDetails {
    ProfileDetails::Venue(Venue {
        name: Name::parse("Le Périscope").unwrap(),
        city: City::parse("Lyon").unwrap(),
        address: None,
        capacity: Capacity::parse("150").unwrap(),
        genres: GenreSet::parse("jazz").unwrap(),
        budget: BudgetRange::parse("500-1200").unwrap(),
        licence: None,
        stage_notes: None,
        email: None,
        slots_per_date: 1,
    })
}

fn artist(name: &str, city: &str) -> ProfileDetails {
    ProfileDetails::Artist(Artist {
        name: Name::parse(name).unwrap(),
        genres: GenreSet::parse("jazz manouche").unwrap(),
        fee: Fee::parse("900").unwrap(),
        negotiable: true,
        draw: AudienceRange::parse("80-300").unwrap(),
        city: City::parse(city).unwrap(),
        radius: TravelRadius::parse("200").unwrap(),
        bio: None,
        links: Links::default(),
        email: None,
    })
}

async fn owner(store: &Store, id: &str) -> AccountId {
    store
        .account_for_identity(&Identity::new(Platform::Local, id), id, Lang::Fr)
        .await
        .unwrap()
        .0
        .id
}

async fn approve(store: &Store, owner: AccountId, details: &ProfileDetails) -> ProfileId {
    let p = store.create_profile(owner, details, &dates(), &ProfileStatus::Pending).await.unwrap();
    store.set_profile_status(p.id, &ProfileStatus::Approved, None).await.unwrap();
    p.id
}

async fn query_for(store: &Store, id: ProfileId) -> Query {
    let p = store.profile(id).await.unwrap();
    Query::new(Candidate::from(&p), store.clock().today())
}

async fn another_instances_changes_show_after_a_refresh(t: &Two) {
    let venue_owner = owner(&t.a, "venue").await;
    let v = approve(&t.a, venue_owner, &venue()).await;
    let live =
        LiveIndex::load(t.b.clone(), Weights::default(), Duration::from_secs(3600)).await.unwrap();
    assert_eq!(live.len().await, 1);
    // Instance A approves an artist; B's index has not looked yet.
    let musician = owner(&t.a, "artist").await;
    let ar = approve(&t.a, musician, &artist("Zazou Manouche", "Saint-Étienne")).await;
    let q = query_for(&t.b, v).await;
    let changed = live.refresh().await.unwrap();
    assert!(changed.contains(&ar));
    let hits = live.search(&q).await.unwrap();
    assert_eq!(hits.iter().map(|m| m.profile).collect::<Vec<_>>(), vec![ar]);
    // A suspends it: B drops it at the next refresh.
    t.a.set_profile_status(ar, &ProfileStatus::Suspended("test".into()), None).await.unwrap();
    live.refresh().await.unwrap();
    assert!(live.search(&q).await.unwrap().is_empty());
    // A search on an index older than its maximum age refreshes first.
    let fresh = LiveIndex::load(t.b.clone(), Weights::default(), Duration::ZERO).await.unwrap();
    let other = approve(&t.a, musician, &artist("Trio Garonne", "Lyon")).await;
    assert_eq!(
        fresh.search(&q).await.unwrap().iter().map(|m| m.profile).collect::<Vec<_>>(),
        vec![other]
    );
}

async fn saved_searches_alert_once_per_profile(t: &Two) {
    let venue_owner = owner(&t.a, "venue").await;
    let v = approve(&t.a, venue_owner, &venue()).await;
    // History alone alerts nobody; the followed search does, once, however often it is followed.
    t.a.save_search(venue_owner, v, r#"{"dates":null,"radius_km":null}"#).await.unwrap();
    let query = r#"{"dates":null,"radius_km":null}"#;
    let (id, new) = t.a.follow_search(venue_owner, v, query).await.unwrap();
    assert!(new);
    assert_eq!(t.a.follow_search(venue_owner, v, query).await.unwrap(), (id, false));
    assert_eq!(t.a.followed_searches(venue_owner).await.unwrap().len(), 1);
    let live =
        LiveIndex::load(t.b.clone(), Weights::default(), Duration::from_secs(3600)).await.unwrap();
    let musician = owner(&t.a, "artist").await;
    let near = approve(&t.a, musician, &artist("Zazou Manouche", "Lyon")).await;
    // A poor fit (far away, unrelated genre) stays below the default threshold of 70.
    let mut far = artist("Punk à Chiens", "Brest");
    if let ProfileDetails::Artist(a) = &mut far {
        a.genres = GenreSet::parse("punk").unwrap();
        a.radius = TravelRadius::parse("0").unwrap();
    }
    let far = approve(&t.a, musician, &far).await;
    live.refresh().await.unwrap();
    live.refresh().await.unwrap();
    // The artist edits their dates: a change, but no second alert for the same pair.
    let p = t.a.profile(near).await.unwrap();
    t.a.update_profile(near, &p.details, &dates()).await.unwrap();
    live.refresh().await.unwrap();
    let queued = t.a.claim_outbox(100, chrono::Duration::seconds(60)).await.unwrap();
    let alerts: Vec<Event> = queued
        .iter()
        .filter(|i| i.account == venue_owner)
        .filter_map(|i| decode(&i.payload))
        .filter(|e| matches!(e, Event::SearchAlert { .. }))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let Event::SearchAlert { profile, score, .. } = &alerts[0] else { unreachable!() };
    assert_eq!(*profile, near);
    assert!(*score >= 70);
    assert!(
        alerts.iter().all(|e| !matches!(e, Event::SearchAlert { profile, .. } if *profile == far))
    );
    // Unfollowed, the search stays in the history and alerts no more.
    assert!(t.a.unfollow_search(venue_owner, id).await.unwrap());
    assert!(!t.a.unfollow_search(venue_owner, id).await.unwrap());
    assert!(t.a.followed_searches(venue_owner).await.unwrap().is_empty());
    assert_eq!(t.a.saved_searches(venue_owner).await.unwrap().len(), 2);
}

/// A booking made on instance A takes the venue's date out of B's index at B's next refresh; its
/// cancellation brings the date back.
async fn another_instances_bookings_show_after_a_refresh(t: &Two) {
    use flowstage_core::booking::BookingService;
    use flowstage_core::config::Rules;
    use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
    let venue_owner = owner(&t.a, "venue").await;
    let v = approve(&t.a, venue_owner, &venue()).await;
    let musician = owner(&t.a, "artist").await;
    let ar = approve(&t.a, musician, &artist("Zazou Manouche", "Lyon")).await;
    let rival = approve(&t.a, musician, &artist("Trio Garonne", "Lyon")).await;
    let live =
        LiveIndex::load(t.b.clone(), Weights::default(), Duration::from_secs(3600)).await.unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let q = query_for(&t.b, ar).await.on_dates([day]);
    assert_eq!(live.search(&q).await.unwrap().iter().map(|m| m.profile).collect::<Vec<_>>(), [v]);
    let service = BookingService::new(t.a.clone(), Rules::default());
    let terms = Terms {
        day,
        fee: Fee::parse("900").unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 60,
        times: ShowTimes::default(),
        message: None,
    };
    let p = service.propose(musician, rival, v, terms).await.unwrap();
    service.accept(venue_owner, p.id).await.unwrap();
    let changed = live.refresh().await.unwrap();
    assert!(changed.contains(&v) && changed.contains(&rival), "{changed:?}");
    assert!(live.search(&q).await.unwrap().is_empty(), "the date is full");
    let booking = t.a.bookings_of_profile(v).await.unwrap()[0].id;
    service.cancel_booking(venue_owner, booking, "storm").await.unwrap();
    live.refresh().await.unwrap();
    assert_eq!(live.search(&q).await.unwrap().iter().map(|m| m.profile).collect::<Vec<_>>(), [v]);
}
