//! Matching as a whole: what the index returns, and the property that makes it trustworthy —
//! it equals scoring every candidate one by one.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::index::MatchIndex;
use super::score::{Candidate, Criterion, DateBasis, Query, Reason, Side, Weights, brute_force};
use crate::domain::genre::{GenreId, GenreRelation, GenreSet};
use crate::domain::places::{City, Country};
use crate::domain::profile::{Artist, Profile, ProfileDetails, ProfileStatus, Venue};
use crate::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use crate::domain::{AccountId, ProfileId};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn day(offset: u64) -> NaiveDate {
    today().checked_add_days(Days::new(offset)).unwrap()
}

fn genres(slugs: &str) -> GenreSet {
    GenreSet::parse(slugs).unwrap()
}

fn artist(
    id: i64,
    slugs: &str,
    fee: u32,
    draw: (u32, u32),
    at: (f32, f32),
    radius: u16,
) -> Candidate {
    Candidate {
        id: ProfileId(id),
        approved: true,
        genres: genres(slugs),
        lat: at.0,
        lon: at.1,
        side: Side::Artist {
            fee: Fee::try_from(i64::from(fee)).unwrap(),
            negotiable: false,
            draw: AudienceRange::try_from((i64::from(draw.0), i64::from(draw.1))).unwrap(),
            radius: TravelRadius::try_from(i64::from(radius)).unwrap(),
        },
        dates: DateSet::from_stored((0..90).map(day)),
    }
}

fn venue(id: i64, slugs: &str, capacity: u32, budget: (u32, u32), at: (f32, f32)) -> Candidate {
    Candidate {
        id: ProfileId(id),
        approved: true,
        genres: genres(slugs),
        lat: at.0,
        lon: at.1,
        side: Side::Venue {
            capacity: Capacity::try_from(i64::from(capacity)).unwrap(),
            budget: BudgetRange::try_from((i64::from(budget.0), i64::from(budget.1))).unwrap(),
        },
        dates: DateSet::from_stored((0..90).map(day)),
    }
}

const PARIS: (f32, f32) = (48.8566, 2.3522);
const LYON: (f32, f32) = (45.764, 4.8357);

fn index_of(cands: &[Candidate]) -> MatchIndex {
    let mut idx = MatchIndex::with_chunk(Weights::default(), 2);
    for c in cands {
        idx.upsert(c);
    }
    idx
}

#[test]
fn explains_each_criterion_in_words() {
    let seeker = venue(1, "rock", 300, (800, 1500), PARIS);
    let band = artist(2, "indie-rock", 1200, (150, 400), PARIS, 100);
    let idx = index_of(&[band]);
    let found = idx.search(&Query::new(seeker, today()));
    assert_eq!(found.len(), 1);
    let m = &found[0];
    let lines: Vec<String> = m.breakdown.iter().map(ToString::to_string).collect();
    assert_eq!(lines[0], "genre 27/30 — indie rock ⊂ rock");
    assert_eq!(lines[2], "budget 20/20 — 1\u{a0}200\u{a0}€ in 800–1\u{a0}500\u{a0}€");
    assert_eq!(lines[3], "location 15/15 — 0 km, within the 100 km radius");
    assert_eq!(lines[4], "capacity 10/10 — 300 places in the draw 150–400");
    assert!(lines[1].starts_with("date 25/25 — free on 9"), "{}", lines[1]);
    assert_eq!(m.score, 97);
    assert_eq!(m.breakdown.iter().map(|c| u32::from(c.points)).sum::<u32>(), 97);
    assert!(matches!(
        m.breakdown[0].reason,
        Reason::Genre { relation: GenreRelation::ParentOrChild, .. }
    ));
}

#[test]
fn only_approved_profiles_of_the_other_kind_and_never_oneself() {
    let me = venue(1, "jazz", 200, (500, 900), LYON);
    let mut other_venue = venue(2, "jazz", 200, (500, 900), LYON);
    let mut pending = artist(3, "jazz", 600, (100, 300), LYON, 50);
    pending.approved = false;
    let good = artist(4, "jazz", 600, (100, 300), LYON, 50);
    other_venue.approved = true;
    let idx = index_of(&[me.clone(), other_venue, pending, good.clone()]);
    assert_eq!(idx.len(), 3, "the pending artist is not indexed");
    let ids: Vec<i64> =
        idx.search(&Query::new(me.clone(), today())).iter().map(|m| m.profile.0).collect();
    assert_eq!(ids, [4]);

    // Suspending (or any status but approved) takes a profile out at once.
    let mut idx = idx;
    let mut suspended = good;
    suspended.approved = false;
    idx.upsert(&suspended);
    assert!(idx.search(&Query::new(me, today())).is_empty());
}

#[test]
fn named_dates_are_a_hard_filter_and_the_window_is_not() {
    let seeker = venue(1, "jazz", 200, (500, 900), LYON);
    let mut busy = artist(2, "jazz", 600, (100, 300), LYON, 50);
    busy.dates = DateSet::from_stored([day(3)]);
    let idx = index_of(&[busy]);
    let q = Query::new(seeker.clone(), today()).on_dates([day(4)]);
    assert!(idx.search(&q).is_empty());
    let q = Query::new(seeker.clone(), today()).on_dates([day(3), day(4)]);
    let m = &idx.search(&q)[0];
    assert_eq!(m.breakdown[1].value, 500);
    assert!(matches!(
        m.breakdown[1].reason,
        Reason::Date { shared: 1, asked: 2, basis: DateBasis::Named, first_shared: Some(_) }
    ));
    // Past or far dates are not asked; nothing left to ask means no result.
    assert!(idx.search(&Query::new(seeker.clone(), today()).on_dates([day(900)])).is_empty());
    // Without named dates, no overlap only lowers the score.
    let mut free_later = seeker;
    free_later.dates = DateSet::from_stored([day(40)]);
    let m = &idx.search(&Query::new(free_later, today()))[0];
    assert_eq!(m.breakdown[1].value, 0);
    assert!(matches!(m.breakdown[1].reason, Reason::Date { basis: DateBasis::SeekerDates, .. }));
}

#[test]
fn ties_go_to_the_smaller_id_and_pages_continue_in_order() {
    let seeker = venue(1, "jazz", 200, (500, 900), LYON);
    let twins: Vec<Candidate> =
        [9, 5, 7, 3, 8].map(|id| artist(id, "jazz", 600, (100, 300), LYON, 50)).to_vec();
    let idx = index_of(&twins);
    let all: Vec<i64> =
        idx.search(&Query::new(seeker.clone(), today())).iter().map(|m| m.profile.0).collect();
    assert_eq!(all, [3, 5, 7, 8, 9]);
    let page: Vec<i64> =
        idx.search(&Query::new(seeker, today()).page(2, 2)).iter().map(|m| m.profile.0).collect();
    assert_eq!(page, [7, 8]);
}

#[test]
fn farther_costlier_and_unrelated_rank_lower() {
    let seeker = venue(1, "rock", 300, (800, 1500), PARIS);
    let idx = index_of(&[
        artist(2, "rock", 1000, (100, 400), PARIS, 50),
        artist(3, "rock", 1000, (100, 400), LYON, 50),
        artist(4, "rock", 3000, (100, 400), PARIS, 50),
        artist(5, "jazz", 1000, (100, 400), PARIS, 50),
        artist(6, "punk", 1000, (100, 400), PARIS, 50),
    ]);
    let ids: Vec<i64> =
        idx.search(&Query::new(seeker.clone(), today())).iter().map(|m| m.profile.0).collect();
    assert_eq!(ids, [2, 6, 3, 4, 5]);
    // A wider radius brings Lyon in.
    let mut q = Query::new(seeker, today());
    q.radius_override = Some(500);
    let lyon = idx.search(&q).into_iter().find(|m| m.profile.0 == 3).unwrap();
    assert_eq!(lyon.breakdown[3].value, 1000);
}

#[test]
fn candidates_come_from_profiles() {
    let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let profile = Profile {
        id: ProfileId(42),
        owner: AccountId(1),
        status: ProfileStatus::Suspended("spam".into()),
        details: ProfileDetails::Artist(Artist {
            name: Name::parse("Les Gros Bras").unwrap(),
            genres: genres("punk"),
            fee: Fee::parse("900").unwrap(),
            negotiable: true,
            draw: AudienceRange::parse("50-200").unwrap(),
            city: City::from_parts("Lyon", Country::France, 45.764, 4.8357),
            radius: TravelRadius::parse("120").unwrap(),
            bio: None,
            links: Links::parse("").unwrap(),
            email: None,
        }),
        dates: DateSet::from_stored([day(1)]),
        taken: std::collections::BTreeSet::new(),
        created_at: at,
        updated_at: at,
    };
    let c = Candidate::from(&profile);
    assert!(!c.approved, "suspended is not a candidate");
    assert_eq!(c.id, ProfileId(42));
    assert!((c.lat - 45.764).abs() < 1e-4);
    assert!(matches!(c.side, Side::Artist { negotiable: true, .. }));
    let venue_profile = Profile {
        status: ProfileStatus::Approved,
        details: ProfileDetails::Venue(Venue {
            name: Name::parse("Le Sonic").unwrap(),
            city: City::from_parts("Lyon", Country::France, 45.764, 4.8357),
            address: None,
            capacity: Capacity::parse("250").unwrap(),
            genres: genres("punk, noise"),
            budget: BudgetRange::parse("300-800").unwrap(),
            licence: None,
            stage_notes: None,
            email: None,
            slots_per_date: 1,
        }),
        ..profile
    };
    let v = Candidate::from(&venue_profile);
    assert!(v.approved);
    assert_eq!(v.genres.ids().len(), 2);
}

#[test]
fn updates_move_profiles_between_buckets_and_keep_results_exact() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut idx = MatchIndex::with_chunk(Weights::default(), 3);
    let mut model: BTreeMap<ProfileId, Candidate> = BTreeMap::new();
    for step in 0..3000 {
        let c = random_candidate(&mut rng, 400);
        if rng.random_bool(0.1) {
            idx.remove(c.id);
            model.remove(&c.id);
        } else {
            idx.upsert(&c);
            model.insert(c.id, c);
        }
        if step % 50 == 0 {
            let q = random_query(&mut rng, 400);
            assert_eq!(
                idx.search(&q),
                brute_force(&q, model.values(), &idx.weights()),
                "step {step}"
            );
        }
    }
    assert_eq!(idx.len(), model.values().filter(|c| c.approved).count());
}

/// A random candidate in a 6° × 7° box over France, from a few genre families, so that genres,
/// cells and chunks all collide.
fn random_candidate(rng: &mut StdRng, ids: i64) -> Candidate {
    let pick: Vec<GenreId> =
        (0..rng.random_range(1..=3)).map(|_| pick_genre(rng.random_range(0..24))).collect();
    let dates: Vec<NaiveDate> =
        (0..rng.random_range(0..20)).map(|_| day(rng.random_range(0..130))).collect();
    let side = if rng.random_bool(0.6) {
        let lo = rng.random_range(1..600);
        Side::Artist {
            fee: Fee::try_from(rng.random_range(0..6000_i64)).unwrap(),
            negotiable: rng.random_bool(0.5),
            draw: AudienceRange::try_from((lo, lo + rng.random_range(0..2000))).unwrap(),
            radius: TravelRadius::try_from(rng.random_range(0..500_i64)).unwrap(),
        }
    } else {
        let lo = rng.random_range(0..3000);
        Side::Venue {
            capacity: Capacity::try_from(rng.random_range(1..4000_i64)).unwrap(),
            budget: BudgetRange::try_from((lo, lo + rng.random_range(0..3000))).unwrap(),
        }
    };
    Candidate {
        id: ProfileId(rng.random_range(1..=ids)),
        approved: rng.random_bool(0.85),
        genres: GenreSet::new(pick).unwrap(),
        lat: rng.random_range(43.0..49.0),
        lon: rng.random_range(-1.0..6.0),
        side,
        dates: DateSet::from_stored(dates.into_iter().chain([today() - Days::new(3)])),
    }
}

fn pick_genre(i: usize) -> GenreId {
    GenreId::all().nth(i).unwrap()
}

fn random_query(rng: &mut StdRng, ids: i64) -> Query {
    let mut q = Query::new(random_candidate(rng, ids), today());
    if rng.random_bool(0.5) {
        q.dates =
            Some((0..rng.random_range(0..4)).map(|_| day(rng.random_range(0..130))).collect());
    }
    if rng.random_bool(0.2) {
        q.radius_override = Some(rng.random_range(0..300));
    }
    q.limit = rng.random_range(0..12);
    q.offset = rng.random_range(0..4);
    q
}

const WEIGHTS: [Weights; 4] = [
    Weights { genre: 30, date: 25, budget: 20, location: 15, capacity: 10 },
    Weights { genre: 0, date: 0, budget: 0, location: 100, capacity: 0 },
    Weights { genre: 20, date: 20, budget: 20, location: 20, capacity: 20 },
    Weights { genre: 1, date: 2, budget: 3, location: 4, capacity: 90 },
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The index returns the same page, in the same order, with the same scores and
    /// explanations, as scoring every candidate one by one — whatever the profiles, the updates,
    /// the query, the weights and the chunk size.
    #[test]
    fn index_equals_brute_force(
        seed in any::<u64>(),
        n in 0usize..250,
        chunk in 1usize..9,
        w in 0usize..4,
        queries in 1usize..6,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let weights = WEIGHTS[w];
        let mut idx = MatchIndex::with_chunk(weights, chunk);
        let mut model: BTreeMap<ProfileId, Candidate> = BTreeMap::new();
        let ids = i64::try_from(n).unwrap().max(1) + 5;
        for _ in 0..n {
            let c = random_candidate(&mut rng, ids);
            if rng.random_bool(0.08) {
                idx.remove(c.id);
                model.remove(&c.id);
            } else {
                idx.upsert(&c);
                model.insert(c.id, c);
            }
        }
        if seed % 2 == 0 {
            idx.compact();
        }
        for _ in 0..queries {
            let q = random_query(&mut rng, ids);
            let expected = brute_force(&q, model.values(), &weights);
            let got = idx.search(&q);
            prop_assert_eq!(&got, &expected);
            for m in &got {
                let points: u32 = m.breakdown.iter().map(|c| u32::from(c.points)).sum();
                prop_assert_eq!(points, u32::from(m.score));
                prop_assert!(m.breakdown.iter().all(|c| c.points <= c.max));
                prop_assert_eq!(m.breakdown.map(|c| c.criterion), Criterion::ALL);
            }
        }
    }
}
