//! Matching as a whole: what the index returns, and the property that makes it trustworthy —
//! it equals scoring every candidate one by one.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::index::MatchIndex;
use super::score::{
    Candidate, Criterion, DateBasis, Filters, GenreFilter, Note, Query, Reason, Side, Weights,
    brute_force,
};
use crate::domain::audience::Audience;
use crate::domain::genre::{GenreId, GenreRelation, GenreSet};
use crate::domain::places::{City, Country};
use crate::domain::profile::{Artist, Profile, ProfileDetails, ProfileStatus, Venue};
use crate::domain::proposal::DealsTaken;
use crate::domain::search::FilterKind;
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
            performers: None,
        },
        dates: DateSet::from_stored((0..90).map(day)),
        audience: None,
        deals: None,
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
        audience: None,
        deals: None,
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
    assert_eq!(ids, [2, 6, 3, 4], "no genre in common is no match");
    // Asked for any genre, jazz comes, by its score: no genre in common is then no caveat,
    // while Lyon's distance and 4's fee still are.
    let mut any = Query::new(seeker.clone(), today());
    any.filters.any_genre = true;
    let ids: Vec<i64> = idx.search(&any).iter().map(|m| m.profile.0).collect();
    assert_eq!(ids, [2, 6, 5, 3, 4]);
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
        audience: None,
        lineup: None,
        deals: None,
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
            performers: rng.random_bool(0.7).then(|| rng.random_range(1..=40)),
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
        audience: rng
            .random_bool(0.7)
            .then(|| Audience::ALL[rng.random_range(0..Audience::ALL.len())]),
        deals: rng
            .random_bool(0.7)
            .then(|| DealsTaken::ALL[rng.random_range(0..DealsTaken::ALL.len())]),
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
    if rng.random_bool(0.2) {
        q.filters.radius_km = Some(rng.random_range(0..500));
    }
    if rng.random_bool(0.2) {
        let genres = (0..rng.random_range(1..=7)).map(|_| pick_genre(rng.random_range(0..30)));
        q.filters.genres =
            Some(GenreFilter { genres: genres.collect(), related: rng.random_bool(0.5) });
    }
    q.filters.any_genre = rng.random_bool(0.3);
    if rng.random_bool(0.2) {
        q.filters.max_fee = Some(rng.random_range(0..6000));
    }
    if rng.random_bool(0.2) {
        let lo = rng.random_range(0..2000);
        q.filters.capacity = Some((lo, lo + rng.random_range(0..2000)));
    }
    if rng.random_bool(0.3) {
        q.filters.deals = Some(DealsTaken::ALL[rng.random_range(0..DealsTaken::ALL.len())]);
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

#[test]
fn a_weak_criterion_ranks_below_every_result_without_one() {
    let seeker = venue(1, "bebop", 180, (300, 900), PARIS);
    // A perfect fit but for a fee far above the budget …
    let dear = artist(2, "bebop", 3000, (100, 300), PARIS, 50);
    // … and a plainer fit: a sibling genre, somewhat far.
    let plain = artist(3, "swing", 900, (100, 300), (49.9, 2.3), 50);
    let idx = index_of(&[dear, plain]);
    let found = idx.search(&Query::new(seeker, today()));
    assert_eq!(found.iter().map(|m| m.profile.0).collect::<Vec<_>>(), [3, 2]);
    assert!(found[1].score > found[0].score, "the dear one scores more, yet ranks below");
    assert_eq!((found[0].weak, found[1].weak), (0, 1));
    let (best, caveat) = found[1].headline();
    assert_eq!(best.criterion, Criterion::Genre);
    assert_eq!(caveat.map(|c| c.criterion), Some(Criterion::Budget));
    let (best, caveat) = found[0].headline();
    assert_eq!(best.criterion, Criterion::Date, "25/25 tells more than capacity 10/10");
    assert_eq!(caveat.map(|c| c.criterion), Some(Criterion::Location), "36 % of its points");
}

#[test]
fn filters_filter() {
    let seeker = venue(1, "jazz", 200, (300, 900), PARIS);
    let near = artist(2, "jazz", 800, (100, 300), PARIS, 50);
    let far = artist(3, "jazz", 800, (100, 300), LYON, 800);
    let dear = artist(4, "bebop", 2000, (100, 300), PARIS, 50);
    let big = artist(5, "jazz-manouche", 800, (1000, 3000), PARIS, 50);
    let swing_near = artist(6, "swing", 500, (100, 300), PARIS, 50);
    let idx = index_of(&[near, far, dear, big, swing_near]);
    let ids = |q: &Query| idx.search(q).iter().map(|m| m.profile.0).collect::<Vec<_>>();
    let base = Query::new(seeker, today());
    assert_eq!(ids(&base).len(), 5);
    let mut q = base.clone();
    q.filters.radius_km = Some(150);
    assert!(!ids(&q).contains(&3), "nothing beyond the radius");
    let mut q = base.clone();
    q.filters.max_fee = Some(900);
    assert_eq!(ids(&q).iter().filter(|i| **i == 4).count(), 0);
    let mut q = base.clone();
    q.filters.capacity = Some((100, 400));
    assert!(!ids(&q).contains(&5), "a draw of 1000–3000 does not overlap 100–400");
    let mut q = base.clone();
    q.filters.genres = Some(GenreFilter { genres: vec![genre("bebop")], related: false });
    let mut got = ids(&q);
    got.sort_unstable();
    assert_eq!(got, [2, 3, 4], "bebop and jazz, its family; not its siblings");
    q.filters.genres = Some(GenreFilter { genres: vec![genre("bebop")], related: true });
    let wide = ids(&q);
    assert!(wide.contains(&6) && wide.contains(&4) && wide.contains(&2), "{wide:?}");
    // Loosening: alone, which filter empties the list.
    let mut q = base.clone();
    q.filters.radius_km = Some(1);
    q.filters.max_fee = Some(100);
    assert!(ids(&q).is_empty());
    assert_eq!(idx.loosen_counts(&q), [(FilterKind::Radius, 0), (FilterKind::MaxFee, 4)]);
    assert_eq!(idx.loosen_hint(&q), Some(FilterKind::MaxFee));
    q.filters.radius_km = None;
    assert_eq!(idx.loosen_counts(&q), [(FilterKind::MaxFee, 5)]);
    assert_eq!(idx.loosen_hint(&q), Some(FilterKind::MaxFee));
    assert!(!q.filters.is_empty() && Filters::default().is_empty());
}

#[test]
fn audience_and_line_up_count_in_the_score() {
    use crate::domain::audience::{Ages, Seating};
    let mut bar = venue(1, "jazz, chanson", 80, (300, 900), PARIS);
    bar.audience = Some(Audience { ages: Ages::Adult, seating: Seating::Seated });
    let mut kids = artist(2, "chanson", 600, (50, 200), PARIS, 50);
    kids.audience = Some(Audience { ages: Ages::Young, seating: Seating::Seated });
    let mut big_band = artist(3, "jazz", 800, (50, 200), PARIS, 50);
    if let Side::Artist { performers, .. } = &mut big_band.side {
        *performers = Some(12);
    }
    let mut trio = artist(4, "jazz", 800, (50, 200), PARIS, 50);
    if let Side::Artist { performers, .. } = &mut trio.side {
        *performers = Some(3);
    }
    trio.audience = Some(Audience { ages: Ages::All, seating: Seating::Either });
    let idx = index_of(&[kids, big_band, trio]);
    let found = idx.search(&Query::new(bar, today()));
    assert_eq!(found.iter().map(|m| m.profile.0).collect::<Vec<_>>(), [4, 3, 2]);
    let kids = &found[2];
    assert_eq!(kids.breakdown[0].value, 0, "a children's show in an adults' bar");
    assert!(matches!(kids.breakdown[0].note, Some(Note::Audience { .. })));
    let band = &found[1];
    assert!(band.breakdown[4].is_weak(), "12 performers in 80 places");
    assert!(matches!(band.breakdown[4].note, Some(Note::Lineup { performers: 12, .. })));
    assert_eq!(band.headline().1.map(|c| c.criterion), Some(Criterion::Capacity));
}

fn genre(slug: &str) -> GenreId {
    GenreId::from_slug(slug).unwrap()
}

#[test]
fn a_match_answer_becomes_a_query() {
    use crate::domain::search::FiltersRead;
    let read =
        FiltersRead::parse("2026-12-19 200km jazz et proches max 900 € 100-300 places", today());
    assert!(read.refused.is_empty(), "{:?}", read.refused);
    let q =
        Query::new(venue(1, "rock", 300, (500, 900), PARIS), today()).with_search(&read.filters);
    assert_eq!(q.dates, Some(vec![NaiveDate::from_ymd_opt(2026, 12, 19).unwrap()]));
    assert_eq!((q.radius_override, q.filters.radius_km), (Some(200), Some(200)));
    assert_eq!(q.filters.genres, Some(GenreFilter { genres: vec![genre("jazz")], related: true }));
    assert_eq!(q.filters.max_fee, Some(900));
    assert_eq!(q.filters.capacity, Some((100, 300)));
    assert_eq!(
        q.active_filters(),
        [
            FilterKind::Dates,
            FilterKind::Radius,
            FilterKind::Genres,
            FilterKind::MaxFee,
            FilterKind::Capacity
        ]
    );
    assert_eq!(q.asked_genres(), [genre("jazz")], "the genre criterion reads the asked genres");
    let wider = q.without(FilterKind::Radius);
    assert_eq!((wider.radius_override, wider.filters.radius_km), (None, None));
    assert_eq!(q.without(FilterKind::Dates).dates, None);
}
