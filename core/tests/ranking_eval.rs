//! The ranking evaluation (issue 11): realistic queries over the demo set, a few hand-made
//! profiles the issue names, and generated profiles that stand in for the rest of the market.
//! Each query carries hand judgements written down with their reason:
//!
//! - **relevant**: a booker would want to see it; it must be returned, and above every result
//!   judged irrelevant for that query;
//! - **irrelevant**: it must not be in the top 5;
//! - **above**: the first must be returned and ranked above the second (or the second left out).
//!
//! Every judgement must hold. Figures are printed (`cargo test --test ranking_eval -- --nocapture`):
//! precision@5 and NDCG@10, each computed on the judged results only (the generated profiles
//! are not judged, so they are left out of the list before measuring: a "condensed" list), with
//! a binary gain (relevant 1, irrelevant 0). Precision@5 is taken at k = min(5, relevant
//! judged): the share of relevant results among the first k judged ones.
//!
//! Recorded figures (46 queries, 208 judgements): with the ranking before issue 11 (main at
//! 420eef8: the five weighted criteria alone, named dates and the radius as the only query
//! settings, no audience or line-up), precision@5 0.900, NDCG@10 0.957, 31 judgements failing;
//! with this ranking, 1.000, 1.000 and none (docs/decisions.md §18).

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use flowstage_core::demo;
use flowstage_core::domain::audience::Audience;
use flowstage_core::domain::genre::{GenreId, GenreSet};
use flowstage_core::domain::places::City;
use flowstage_core::domain::profile::{Artist, Profile, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::terms::Lineup;
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, ProfileId};
use flowstage_core::matching::{Candidate, GenreFilter, MatchIndex, Query, Weights};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The `n`-th Friday from today (0: the first).
fn friday(n: u64) -> NaiveDate {
    let mut d = today();
    while d.weekday() != Weekday::Fri {
        d = d.succ_opt().unwrap();
    }
    d.checked_add_days(Days::new(7 * n)).unwrap()
}

/// Every Thursday, Friday and Saturday of the next six months: the hand-made profiles play
/// weekends.
fn weekends() -> DateSet {
    let days = today()
        .iter_days()
        .skip(1)
        .take(182)
        .filter(|d| matches!(d.weekday(), Weekday::Thu | Weekday::Fri | Weekday::Sat));
    DateSet::new(days, today()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The world: the demo set, hand-made profiles, generated ones.

struct Entry {
    details: ProfileDetails,
    dates: DateSet,
    lineup: Option<Lineup>,
    audience: Option<Audience>,
}

#[allow(clippy::too_many_arguments, reason = "a table row")]
fn hand_artist(
    name: &str,
    city: &str,
    genres: &str,
    fee: i64,
    negotiable: bool,
    draw: (i64, i64),
    radius: i64,
    lineup: (u16, u16),
    audience: &str,
) -> Entry {
    Entry {
        details: ProfileDetails::Artist(Artist {
            name: Name::parse(name).unwrap(),
            genres: GenreSet::parse(genres).unwrap(),
            fee: Fee::try_from(fee).unwrap(),
            negotiable,
            draw: AudienceRange::try_from(draw).unwrap(),
            city: City::parse(city).unwrap(),
            radius: TravelRadius::try_from(radius).unwrap(),
            bio: None,
            links: Links::default(),
            email: None,
        }),
        dates: weekends(),
        lineup: Some(Lineup::new(lineup.0, lineup.1).unwrap()),
        audience: Audience::from_code(audience),
    }
}

fn hand_venue(
    name: &str,
    city: &str,
    capacity: i64,
    genres: &str,
    budget: (i64, i64),
    audience: &str,
) -> Entry {
    Entry {
        details: ProfileDetails::Venue(Venue {
            name: Name::parse(name).unwrap(),
            city: City::parse(city).unwrap(),
            address: None,
            capacity: Capacity::try_from(capacity).unwrap(),
            genres: GenreSet::parse(genres).unwrap(),
            budget: BudgetRange::try_from(budget).unwrap(),
            licence: None,
            stage_notes: None,
            email: None,
            slots_per_date: 1,
        }),
        dates: weekends(),
        lineup: None,
        audience: Audience::from_code(audience),
    }
}

/// The profiles the examples name, beside the demo set.
fn hand_made() -> Vec<Entry> {
    vec![
        // The venue: a 180-seat jazz/blues/chanson bar in Rennes, 300–900 €.
        hand_venue(
            "Le Bar à Swing",
            "Rennes",
            180,
            "jazz, blues, chanson",
            (300, 900),
            "adult-either",
        ),
        hand_venue("Le Chat Noir", "Angers", 200, "chanson", (500, 1_200), "all-seated"),
        hand_venue(
            "Grand Stade Lille",
            "Lille",
            5_000,
            "pop, rock, chanson",
            (20_000, 80_000),
            "all-standing",
        ),
        hand_venue(
            "Les Mômes en Scène",
            "Nantes",
            250,
            "kids, chanson",
            (400, 1_200),
            "young-seated",
        ),
        hand_venue(
            "La Cave Blues",
            "Bordeaux",
            120,
            "blues, soul-funk",
            (300, 800),
            "adult-standing",
        ),
        hand_venue("Le Rock Shop", "Rennes", 300, "rock, punk", (400, 1_500), "adult-standing"),
        hand_artist(
            "Trio Chanson Nantais",
            "Nantes",
            "chanson, nouvelle-chanson",
            900,
            true,
            (80, 250),
            300,
            (3, 0),
            "all-seated",
        ),
        hand_artist(
            "Blue Note Rennais",
            "Rennes",
            "blues",
            600,
            true,
            (60, 200),
            200,
            (4, 0),
            "adult-either",
        ),
        hand_artist(
            "Funky Soul Machine",
            "Bordeaux",
            "funk, soul",
            900,
            true,
            (80, 400),
            500,
            (6, 1),
            "all-standing",
        ),
        hand_artist(
            "Les Rockeurs de Rennes",
            "Rennes",
            "rock, garage-rock",
            700,
            true,
            (100, 400),
            300,
            (4, 1),
            "all-standing",
        ),
        hand_artist(
            "Jazz à Quatre",
            "Rennes",
            "jazz, swing",
            800,
            true,
            (60, 250),
            250,
            (4, 0),
            "all-seated",
        ),
    ]
}

/// Profiles standing for the rest of the market: any genre, city, size and price, never judged.
fn generated(n: usize) -> Vec<Entry> {
    let cities = [
        "Paris",
        "Lyon",
        "Marseille",
        "Toulouse",
        "Nantes",
        "Bordeaux",
        "Lille",
        "Rennes",
        "Strasbourg",
        "Montpellier",
        "Grenoble",
        "Dijon",
        "Brest",
        "Angers",
        "Tours",
    ];
    let genres: Vec<GenreId> = GenreId::all().collect();
    let mut rng = StdRng::seed_from_u64(11);
    let mut out = Vec::new();
    for i in 0..n {
        let pick: Vec<GenreId> = (0..rng.random_range(1..=3))
            .map(|_| genres[rng.random_range(0..genres.len())])
            .collect();
        let slugs: Vec<&str> = pick.iter().map(|g| g.slug()).collect();
        let city = cities[rng.random_range(0..cities.len())];
        let audience = Audience::ALL[rng.random_range(0..Audience::ALL.len())].code();
        let mut e = if i % 2 == 0 {
            let lo = rng.random_range(30..800_i64);
            let fee = rng.random_range(3..80_i64) * 50;
            hand_artist(
                &format!("Généré artiste {i:03}"),
                city,
                &slugs.join(","),
                fee,
                rng.random_bool(0.5),
                (lo, lo * rng.random_range(2..5)),
                [50, 100, 200, 300, 500][rng.random_range(0..5)],
                (rng.random_range(1..9), rng.random_range(0..3)),
                &audience,
            )
        } else {
            let capacity = rng.random_range(60..2_500_i64);
            let max = (capacity * rng.random_range(2..8)).max(300);
            hand_venue(
                &format!("Généré lieu {i:03}"),
                city,
                capacity,
                &slugs.join(","),
                (max / 3, max),
                &audience,
            )
        };
        let dates = today()
            .iter_days()
            .skip(1)
            .take(182)
            .filter(|d| matches!(d.weekday(), Weekday::Thu | Weekday::Fri | Weekday::Sat))
            .filter(|_| rng.random_bool(0.4));
        e.dates = DateSet::new(dates, today()).unwrap();
        out.push(e);
    }
    out
}

struct World {
    profiles: Vec<Profile>,
    index: MatchIndex,
}

impl World {
    fn new() -> Self {
        let mut entries: Vec<Entry> = demo::catalogue(today())
            .unwrap()
            .into_iter()
            .map(|d| Entry {
                details: d.details,
                dates: d.dates,
                lineup: d.lineup,
                audience: d.audience,
            })
            .collect();
        entries.extend(hand_made());
        entries.extend(generated(80));
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let profiles: Vec<Profile> = entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| profile(i64::try_from(i).unwrap() + 1, e, at))
            .collect();
        let mut index = MatchIndex::new(Weights::default());
        for p in &profiles {
            index.upsert(&Candidate::from(p));
        }
        Self { profiles, index }
    }

    fn named(&self, name: &str) -> &Profile {
        self.profiles
            .iter()
            .find(|p| p.details.name().as_str() == name)
            .unwrap_or_else(|| panic!("no profile named {name}"))
    }

    fn name_of(&self, id: ProfileId) -> &str {
        self.profiles.iter().find(|p| p.id == id).map_or("?", |p| p.details.name().as_str())
    }
}

// The two functions that differ from the scoring before issue 11 (which had no audience,
// line-up or filters), kept apart so the same judgements could be run on it.

fn profile(id: i64, e: Entry, at: chrono::DateTime<Utc>) -> Profile {
    Profile {
        id: ProfileId(id),
        owner: AccountId(id),
        status: ProfileStatus::Approved,
        details: e.details,
        dates: e.dates,
        taken: std::collections::BTreeSet::new(),
        audience: e.audience,
        lineup: e.lineup,
        deals: None,
        created_at: at,
        updated_at: at,
    }
}

fn query(seeker: &Profile, f: &Filter) -> Query {
    let mut q = Query::new(Candidate::from(seeker), today()).page(0, 50);
    if let Some(d) = &f.dates {
        q = q.on_dates(d.iter().copied());
    }
    q.radius_override = f.radius;
    q.filters.radius_km = f.radius;
    if let Some(g) = f.genres {
        let genres = GenreSet::parse(g).unwrap().ids().to_vec();
        q.filters.genres = Some(GenreFilter { genres, related: f.related });
    }
    q.filters.any_genre = f.any_genre;
    q.filters.max_fee = f.max_fee;
    q.filters.capacity = f.capacity;
    q
}

// ---------------------------------------------------------------------------------------------
// The queries and their judgements.

#[derive(Default)]
struct Filter {
    dates: Option<Vec<NaiveDate>>,
    radius: Option<u16>,
    genres: Option<&'static str>,
    related: bool,
    any_genre: bool,
    max_fee: Option<u32>,
    capacity: Option<(u32, u32)>,
}

/// (profile name, why)
type Judged = &'static [(&'static str, &'static str)];

struct Case {
    seeker: &'static str,
    filter: Filter,
    relevant: Judged,
    irrelevant: Judged,
    /// (higher, lower, why)
    above: &'static [(&'static str, &'static str, &'static str)],
}

fn case(seeker: &'static str, relevant: Judged, irrelevant: Judged) -> Case {
    Case { seeker, filter: Filter::default(), relevant, irrelevant, above: &[] }
}

#[allow(clippy::too_many_lines, reason = "the judgements, one query each")]
fn cases() -> Vec<Case> {
    vec![
        // 1. The venue.
        case(
            "Le Bar à Swing",
            &[
                ("Blue Note Rennais", "a blues act from Rennes at 600 €, its size"),
                ("Jazz à Quatre", "a jazz quartet from Rennes at 800 €"),
                ("Trio Chanson Nantais", "a chanson trio 100 km away at 900 €"),
                ("Les Soeurs Lumière", "chanson from Nantes, 1 100 € negotiable"),
            ],
            &[
                ("Les Petites Oreilles", "a children's show in an adults' bar"),
                ("Afro Lyon Orchestra", "3 000 € against a 900 € ceiling, twelve on stage"),
                ("Punk à Chiens", "punk: no genre in common"),
                ("Wax Tailors Club", "funk and soul are not blues; 2 200 € for a 900 € budget"),
                ("Mistral Gagnant", "15 000 €, stadium draw"),
            ],
        ),
        // 2. The rock band.
        case(
            "Les Rockeurs de Rennes",
            &[("L'Ubu", "the Rennes rock club"), ("Le Rock Shop", "a 300-seat rock bar in Rennes")],
            &[
                ("Le Chat Noir", "chanson only"),
                ("Café-concert Le Quai", "folk, chanson and jazz, 80 seats"),
                ("Salle Pleyel Angers", "classical and children's shows"),
                ("Les Mômes en Scène", "a children's venue"),
            ],
        ),
        // 3. The chanson trio.
        Case {
            above: &[
                (
                    "Le Chat Noir",
                    "Grand Stade Lille",
                    "a 200-seat chanson bar over a 5 000-seat arena",
                ),
                ("Le Chat Noir", "Les Mômes en Scène", "a chanson bar over a children's venue"),
            ],
            ..case(
                "Trio Chanson Nantais",
                &[
                    ("Le Chat Noir", "a chanson bar in Angers, 200 seats"),
                    ("Le Bar à Swing", "a chanson bar in Rennes that pays 900 €"),
                ],
                &[("Grand Stade Lille", "5 000 seats for a draw of 80–250")],
            )
        },
        case(
            "Le Périscope",
            &[
                ("Zazou Manouche", "gypsy jazz from Saint-Étienne, 60 km, 900 €"),
                ("Éléonore Bebop Quintet", "bebop at 1 600 €, a third over the budget"),
            ],
            &[
                ("Les Petites Oreilles", "a children's show, no jazz"),
                ("Orchestre Baroque de Dijon", "eighteen on stage for 150 seats, 6 000 €"),
            ],
        ),
        case(
            "Le Jam",
            &[
                ("Duo Sirocco", "North African music from Montpellier"),
                ("Zazou Manouche", "gypsy jazz within its radius"),
                ("Reggae Révolution", "world music at 1 300 €, in budget"),
            ],
            &[
                ("Wax Tailors Club", "funk is not blues"),
                ("Les Petites Oreilles", "a children's show in an adults' club"),
            ],
        ),
        case(
            "Café-concert Le Quai",
            &[
                ("Les Cordes Sensibles", "a folk trio at 500 €"),
                ("Les Soeurs Lumière", "a chanson duo, negotiable"),
                ("Zazou Manouche", "a jazz trio for 80 seats"),
            ],
            &[
                ("Éléonore Bebop Quintet", "1 600 € fixed for an 800 € ceiling"),
                ("Les Petites Oreilles", "a children's show in an adults' café"),
                ("Wax Tailors Club", "ten funk musicians in 80 seats"),
            ],
        ),
        case(
            "La Cave Blues",
            &[
                ("Funky Soul Machine", "funk and soul from Bordeaux"),
                ("Blue Note Rennais", "a blues act, a little far"),
            ],
            &[("Les Petites Oreilles", "a children's show in an adults' cellar")],
        ),
        Case {
            filter: Filter { any_genre: true, ..Filter::default() },
            ..case(
                "Wax Tailors Club",
                &[
                    ("Le Rocher de Palmer", "a 1 200-seat room in Bordeaux that pays"),
                    ("Le Bikini", "a 1 500-seat room that pays"),
                ],
                &[
                    ("Café-concert Le Quai", "80 seats for ten musicians"),
                    ("La Cave Blues", "800 € at most for a 2 200 € band, 120 seats"),
                ],
            )
        },
        case(
            "Les Petites Oreilles",
            &[
                ("Salle Pleyel Angers", "children's shows in its home town"),
                ("Les Mômes en Scène", "a children's venue in Nantes"),
            ],
            &[
                ("Le Bar à Swing", "an adults' bar"),
                ("Café-concert Le Quai", "an adults' café"),
                ("L'Ubu", "a rock club"),
            ],
        ),
        case(
            "Punk à Chiens",
            &[
                ("L'Ubu", "the punk club of its city"),
                ("Le Rock Shop", "a punk bar in Rennes"),
                ("Le Cylindre", "a punk club in Besançon"),
            ],
            &[
                ("Salle Pleyel Angers", "classical"),
                ("Le Chat Noir", "chanson"),
                ("Les Mômes en Scène", "children"),
                ("Le Bar à Swing", "jazz, blues, chanson"),
            ],
        ),
        case(
            "Basse Fréquence",
            &[
                ("L'Aéronef", "electronic, its city"),
                ("Le Transbordeur", "electronic, its size"),
                ("Le Bikini", "electronic, its size"),
                ("La Belle Électrique", "electronic"),
            ],
            &[
                ("Le Périscope", "a jazz club"),
                ("Café-concert Le Quai", "80 seats"),
                ("Les Mômes en Scène", "children"),
            ],
        ),
        case(
            "DJ Croissant",
            &[
                ("Le Petit Bain", "an electronic club in Paris"),
                ("La Coopérative de Mai", "electronic, 1 500 seats"),
                ("Le Transbordeur", "electronic"),
            ],
            &[("Salle Pleyel Angers", "classical"), ("Le Cri du Port", "jazz and world")],
        ),
        case(
            "Trio Garonne",
            &[
                ("Salle Pleyel Angers", "a classical hall"),
                ("Le Lieu Unique", "classical among its genres"),
            ],
            &[("Le Bikini", "a rock club"), ("L'Ubu", "a rock club")],
        ),
        case(
            "Orchestre Baroque de Dijon",
            &[
                ("Salle Pleyel Angers", "a classical hall that pays 6 000 €"),
                ("Le Lieu Unique", "classical, 800 seats, 6 000 € budget"),
            ],
            &[("Café-concert Le Quai", "80 seats, no classical")],
        ),
        case(
            "Kreiz Breizh",
            &[("La Carène", "folk in Brest, its home town"), ("Le Cylindre", "folk, 120 seats")],
            &[("Le Bikini", "no folk"), ("Salle Pleyel Angers", "classical")],
        ),
        case(
            "Nadia K.",
            &[
                ("Le Transbordeur", "hip-hop, pays 2 500 €"),
                ("Le Bikini", "hip-hop"),
                ("La Belle Électrique", "hip-hop"),
                ("La Laiterie", "hip-hop"),
                ("Le Fil", "hip-hop"),
            ],
            &[("Le Cri du Port", "jazz and world"), ("Café-concert Le Quai", "80 seats")],
        ),
        case(
            "Aurore Boréale",
            &[
                ("La Cigale", "pop in Paris, its size"),
                ("La Coopérative de Mai", "pop, 1 500 seats"),
            ],
            &[("Le Périscope", "jazz"), ("Le Chat Noir", "chanson, 200 seats")],
        ),
        case(
            "Mistral Gagnant",
            &[
                ("Festival des Nuits de Tours", "6 000 people, pays 15 000 €"),
                ("Grand Stade Lille", "5 000 seats"),
            ],
            &[
                ("Le Petit Bain", "450 seats, 3 000 € at most"),
                ("Café-concert Le Quai", "80 seats"),
            ],
        ),
        case(
            "Les Gros Bras",
            &[
                ("Le Petit Bain", "indie rock, 450 seats"),
                ("L'Ubu", "indie rock, 450 seats"),
                ("Le Fil", "rock near Lyon"),
            ],
            &[
                ("Le Cri du Port", "jazz"),
                ("Salle Pleyel Angers", "classical"),
                ("Les Mômes en Scène", "children"),
            ],
        ),
        case(
            "Metal Urbain Moderne",
            &[("La Laiterie", "metal in Strasbourg"), ("L'Aéronef", "metal, 2 000 seats")],
            &[("Le Périscope", "jazz"), ("Le Chat Noir", "chanson")],
        ),
        case(
            "Reggae Révolution",
            &[
                ("La Belle Électrique", "reggae in Grenoble"),
                ("Le Cri du Port", "world, pays 1 500 €"),
                ("Le Rocher de Palmer", "world, 1 200 seats"),
            ],
            &[("L'Ubu", "rock"), ("Salle Pleyel Angers", "classical")],
        ),
        case(
            "Duo Sirocco",
            &[
                ("Le Jam", "world music in Montpellier"),
                ("Le Cri du Port", "world music in Marseille"),
            ],
            &[("Festival des Nuits de Tours", "6 000 people for a duo drawing 300")],
        ),
        case(
            "Les Cordes Sensibles",
            &[("Café-concert Le Quai", "folk, 80 seats"), ("Le Cylindre", "folk, 120 seats")],
            &[("La Carène", "1 200 seats for a draw of 80–200")],
        ),
        Case {
            above: &[(
                "Le Cri du Port",
                "Le Bar à Swing",
                "a jazz club that pays 1 500 € over one that pays 900 €, for a fixed 1 600 €",
            )],
            ..case(
                "Éléonore Bebop Quintet",
                &[
                    ("Le Cri du Port", "jazz, pays 1 500 €"),
                    ("Le Périscope", "jazz, 1 200 € budget"),
                    ("Le Jam", "jazz, pays 1 800 €"),
                ],
                &[],
            )
        },
        case(
            "Zazou Manouche",
            &[
                ("Le Périscope", "jazz, 60 km away"),
                ("Café-concert Le Quai", "jazz, 80 seats"),
                ("Le Jam", "jazz"),
            ],
            &[("Le Transbordeur", "no jazz"), ("Festival des Nuits de Tours", "6 000 people")],
        ),
        Case {
            above: &[(
                "Le Chat Noir",
                "Les Mômes en Scène",
                "a chanson bar over a children's venue",
            )],
            ..case(
                "Les Soeurs Lumière",
                &[
                    ("Le Chat Noir", "chanson in Angers"),
                    ("Le Bar à Swing", "chanson in Rennes, 900 €"),
                ],
                &[("Grand Stade Lille", "5 000 seats for a duo")],
            )
        },
        Case {
            above: &[(
                "Trio Chanson Nantais",
                "Les Petites Oreilles",
                "a chanson trio over a children's show, for a chanson bar",
            )],
            ..case(
                "Le Chat Noir",
                &[
                    ("Trio Chanson Nantais", "chanson, 80 km"),
                    ("Les Soeurs Lumière", "chanson, Nantes"),
                ],
                &[],
            )
        },
        case(
            "Salle Pleyel Angers",
            &[
                ("Trio Garonne", "chamber music"),
                ("Orchestre Baroque de Dijon", "baroque, its size and price"),
                ("Les Petites Oreilles", "a children's show in its home town"),
            ],
            &[("DJ Croissant", "house"), ("Punk à Chiens", "punk")],
        ),
        case(
            "L'Ubu",
            &[
                ("Punk à Chiens", "punk from Rennes"),
                ("Les Rockeurs de Rennes", "rock from Rennes"),
                ("Les Gros Bras", "indie rock"),
            ],
            &[
                ("Les Petites Oreilles", "children"),
                ("Trio Garonne", "classical"),
                ("Orchestre Baroque de Dijon", "classical"),
            ],
        ),
        case(
            "Le Petit Bain",
            &[("Les Gros Bras", "indie rock"), ("DJ Croissant", "house in Paris")],
            &[
                ("Les Petites Oreilles", "children"),
                ("Mistral Gagnant", "15 000 € and a stadium draw"),
            ],
        ),
        case(
            "Festival des Nuits de Tours",
            &[
                ("Mistral Gagnant", "a headliner at 15 000 €"),
                ("Basse Fréquence", "electronic, draws 2 500"),
            ],
            &[("Punk à Chiens", "draws 300 at most"), ("Les Cordes Sensibles", "folk, 200")],
        ),
        case(
            "Grand Stade Lille",
            &[("Mistral Gagnant", "a headliner")],
            &[("Trio Chanson Nantais", "draws 250"), ("Punk à Chiens", "draws 300")],
        ),
        case(
            "Le Transbordeur",
            &[
                ("Basse Fréquence", "techno, draws 2 500"),
                ("Nadia K.", "rap, draws 1 200"),
                ("DJ Croissant", "house, draws 1 500"),
            ],
            &[("Punk à Chiens", "draws 300 for 1 800 seats")],
        ),
        case(
            "La Belle Électrique",
            &[
                ("Reggae Révolution", "reggae from Grenoble"),
                ("Basse Fréquence", "techno"),
                ("Nadia K.", "rap"),
            ],
            &[("Trio Garonne", "classical"), ("Les Petites Oreilles", "children")],
        ),
        Case {
            above: &[(
                "Duo Sirocco",
                "Afro Lyon Orchestra",
                "a world duo in budget over a 3 000 € orchestra for a 1 500 € ceiling",
            )],
            ..case(
                "Le Cri du Port",
                &[
                    ("Duo Sirocco", "world music, Montpellier"),
                    ("Zazou Manouche", "gypsy jazz"),
                    ("Éléonore Bebop Quintet", "bebop at 1 600 €, near the budget"),
                ],
                &[],
            )
        },
        case(
            "Le Rocher de Palmer",
            &[
                ("Afro Lyon Orchestra", "afrobeat at 3 000 €, its size"),
                ("Reggae Révolution", "world music"),
            ],
            &[("Les Petites Oreilles", "children"), ("Funky Soul Machine", "funk is not blues")],
        ),
        // Filters.
        Case {
            filter: Filter { dates: Some(vec![friday(2), friday(3)]), ..Filter::default() },
            ..case(
                "Le Bar à Swing",
                &[
                    ("Blue Note Rennais", "free those Fridays, blues"),
                    ("Jazz à Quatre", "free those Fridays, jazz"),
                    ("Trio Chanson Nantais", "free those Fridays, chanson"),
                ],
                &[("Les Petites Oreilles", "a children's show")],
            )
        },
        Case {
            filter: Filter { radius: Some(150), ..Filter::default() },
            ..case(
                "Le Bar à Swing",
                &[
                    ("Blue Note Rennais", "in Rennes"),
                    ("Jazz à Quatre", "in Rennes"),
                    ("Trio Chanson Nantais", "Nantes, 100 km"),
                ],
                &[
                    ("Zazou Manouche", "600 km away"),
                    ("Éléonore Bebop Quintet", "Paris, over 300 km away"),
                ],
            )
        },
        Case {
            filter: Filter { genres: Some("blues"), ..Filter::default() },
            ..case(
                "Le Bar à Swing",
                &[("Blue Note Rennais", "blues")],
                &[
                    ("Trio Chanson Nantais", "chanson, not blues"),
                    ("Jazz à Quatre", "jazz, not blues"),
                    ("Funky Soul Machine", "funk and soul are not blues"),
                ],
            )
        },
        Case {
            filter: Filter { genres: Some("jazz"), related: true, ..Filter::default() },
            ..case(
                "Le Bar à Swing",
                &[
                    ("Jazz à Quatre", "jazz"),
                    ("Zazou Manouche", "gypsy jazz"),
                    ("Éléonore Bebop Quintet", "bebop"),
                ],
                &[("Blue Note Rennais", "blues, not jazz"), ("Trio Chanson Nantais", "chanson")],
            )
        },
        Case {
            filter: Filter { max_fee: Some(2_000), ..Filter::default() },
            ..case(
                "La Cigale",
                &[
                    ("Les Gros Bras", "rock at 1 200 €"),
                    ("Metal Urbain Moderne", "metal at 1 500 €"),
                ],
                &[("Mistral Gagnant", "15 000 €"), ("Aurore Boréale", "3 500 €")],
            )
        },
        Case {
            filter: Filter { capacity: Some((300, 600)), ..Filter::default() },
            ..case(
                "Les Gros Bras",
                &[
                    ("Le Petit Bain", "450 seats"),
                    ("L'Ubu", "450 seats"),
                    ("Le Rock Shop", "300 seats"),
                ],
                &[
                    ("Le Transbordeur", "1 800 seats"),
                    ("La Cigale", "1 400 seats"),
                    ("Café-concert Le Quai", "80 seats"),
                ],
            )
        },
        Case {
            filter: Filter { any_genre: true, ..Filter::default() },
            ..case(
                "Le Rock Shop",
                &[
                    ("Punk à Chiens", "punk from Rennes"),
                    ("Les Rockeurs de Rennes", "rock from Rennes"),
                ],
                &[("Les Petites Oreilles", "a children's show in an adults' bar")],
            )
        },
        case(
            "Blue Note Rennais",
            &[("Le Bar à Swing", "blues in Rennes")],
            &[("L'Ubu", "rock"), ("Salle Pleyel Angers", "classical")],
        ),
        case(
            "Funky Soul Machine",
            &[("La Cave Blues", "soul and funk in Bordeaux")],
            &[("Le Jam", "blues is not funk"), ("Le Rocher de Palmer", "blues is not funk")],
        ),
        case(
            "Jazz à Quatre",
            &[("Le Bar à Swing", "jazz in Rennes")],
            &[("L'Ubu", "rock"), ("Les Mômes en Scène", "children")],
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Measures.

fn dcg(gains: &[f64]) -> f64 {
    gains.iter().enumerate().map(|(i, g)| g / (i as f64 + 2.0).log2()).sum()
}

struct Outcome {
    precision_at_5: f64,
    ndcg_at_10: f64,
    failures: Vec<String>,
}

fn evaluate(world: &World, n: usize, c: &Case) -> Outcome {
    let seeker = world.named(c.seeker);
    let q = query(seeker, &c.filter);
    let ranked: Vec<&str> =
        world.index.search(&q).iter().map(|m| world.name_of(m.profile)).collect();
    let rank = |name: &str| ranked.iter().position(|r| *r == name);
    let is = |list: Judged, name: &str| list.iter().any(|(n, _)| *n == name);
    let mut failures = Vec::new();
    let worst_irrelevant = c.irrelevant.iter().filter_map(|(x, _)| rank(x)).min();
    for (r, why) in c.relevant {
        match rank(r) {
            None => failures.push(format!("#{n} {}: {r} missing ({why})", c.seeker)),
            Some(i) if worst_irrelevant.is_some_and(|w| w < i) => failures.push(format!(
                "#{n} {}: {r} ({why}) ranked {} below an irrelevant result",
                c.seeker,
                i + 1
            )),
            Some(_) => {}
        }
    }
    for (x, why) in c.irrelevant {
        if let Some(i) = rank(x).filter(|i| *i < 5) {
            failures.push(format!("#{n} {}: {x} in the top 5 at {} ({why})", c.seeker, i + 1));
        }
    }
    for (a, b, why) in c.above {
        match (rank(a), rank(b)) {
            (None, _) => failures.push(format!("#{n} {}: {a} missing ({why})", c.seeker)),
            (Some(i), Some(j)) if j < i => {
                failures.push(format!("#{n} {}: {b} above {a} ({why})", c.seeker));
            }
            _ => {}
        }
    }
    // The condensed list: judged results only, in order.
    let gains: Vec<f64> = ranked
        .iter()
        .filter(|r| is(c.relevant, r) || is(c.irrelevant, r))
        .map(|r| if is(c.relevant, r) { 1.0 } else { 0.0 })
        .collect();
    // Precision at k = min(5, relevant judged): the share of relevant results among the first
    // k judged ones, so that a query with two relevant profiles reaches 1 only with both first.
    let k = c.relevant.len().clamp(1, 5);
    let precision_at_5 = gains.iter().take(k).sum::<f64>() / k as f64;
    let ideal = dcg(&vec![1.0; c.relevant.len().min(10)]);
    let ndcg_at_10 = if ideal > 0.0 {
        dcg(&gains.iter().take(10).copied().collect::<Vec<_>>()) / ideal
    } else {
        1.0
    };
    Outcome { precision_at_5, ndcg_at_10, failures }
}

#[test]
fn every_written_judgement_holds_and_the_figures_are_printed() {
    let world = World::new();
    let cases = cases();
    assert!(cases.len() >= 40, "{} queries", cases.len());
    let judgements: usize =
        cases.iter().map(|c| c.relevant.len() + c.irrelevant.len() + c.above.len()).sum();
    let outcomes: Vec<Outcome> =
        cases.iter().enumerate().map(|(i, c)| evaluate(&world, i + 1, c)).collect();
    let n = outcomes.len() as f64;
    let p5 = outcomes.iter().map(|o| o.precision_at_5).sum::<f64>() / n;
    let ndcg = outcomes.iter().map(|o| o.ndcg_at_10).sum::<f64>() / n;
    let failures: Vec<&String> = outcomes.iter().flat_map(|o| &o.failures).collect();
    println!(
        "ranking evaluation: {} queries, {judgements} judgements, precision@5 {p5:.3}, NDCG@10 {ndcg:.3}, {} failing",
        cases.len(),
        failures.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(failures.is_empty(), "{} judgements fail:\n{failures:#?}", failures.len());
}
