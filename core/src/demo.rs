//! The demo data set (docs/product-rules.md §7): 20 artists and 20 venues across France, approved,
//! with free dates over the next six months, varied enough that matching shows real differences.
//! Loading it twice changes nothing.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::domain::Lang;
use crate::domain::account::{Identity, Platform};
use crate::domain::audience::Audience;
use crate::domain::genre::GenreSet;
use crate::domain::places::{City, Country};
use crate::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use crate::domain::terms::Lineup;
use crate::domain::values::{
    Address, AudienceRange, BudgetRange, Capacity, DateSet, Email, Fee, LicenceNumber, Links,
    LongText, Name, TravelRadius,
};
use crate::store::{Result, Store, StoreError};

/// (name, latitude, longitude): where the demo profiles live.
const CITIES: &[(&str, f64, f64)] = &[
    ("Paris", 48.8566, 2.3522),
    ("Lyon", 45.7640, 4.8357),
    ("Marseille", 43.2965, 5.3698),
    ("Toulouse", 43.6047, 1.4442),
    ("Nantes", 47.2184, -1.5536),
    ("Bordeaux", 44.8378, -0.5792),
    ("Lille", 50.6292, 3.0573),
    ("Rennes", 48.1173, -1.6778),
    ("Strasbourg", 48.5734, 7.7521),
    ("Montpellier", 43.6108, 3.8767),
    ("Grenoble", 45.1885, 5.7245),
    ("Saint-Étienne", 45.4397, 4.3872),
    ("Clermont-Ferrand", 45.7772, 3.0870),
    ("Dijon", 47.3220, 5.0415),
    ("Brest", 48.3904, -4.4861),
    ("Nancy", 48.6921, 6.1844),
    ("Rouen", 49.4431, 1.0993),
    ("Angers", 47.4784, -0.5632),
    ("Tours", 47.3941, 0.6848),
    ("Besançon", 47.2378, 6.0241),
];

/// name, genres, fee, negotiable, draw, city index, radius, bio
type ArtistRow = (&'static str, &'static str, u32, bool, (u32, u32), usize, u16, &'static str);

#[rustfmt::skip]
const ARTISTS: &[ArtistRow] = &[
    ("Les Gros Bras", "indie-rock, garage-rock", 1_200, true, (150, 500), 1, 400, "Quatuor rock lyonnais, guitares sèches et refrains à reprendre en chœur."),
    ("Zazou Manouche", "jazz-manouche, swing", 900, true, (80, 300), 11, 250, "Trio de jazz manouche : Django, valses et compositions."),
    ("Nadia K.", "french-rap, boom-bap", 2_500, false, (300, 1_200), 2, 800, "Rappeuse marseillaise, deux albums, une scène survoltée."),
    ("Aurore Boréale", "synth-pop, french-pop", 3_500, true, (400, 1_500), 0, 900, "Pop électronique en français, lumières et machines."),
    ("Trio Garonne", "chamber-music, classical", 1_800, false, (100, 400), 3, 500, "Trio à cordes : Ravel, Debussy et créations contemporaines."),
    ("Kreiz Breizh", "celtic, trad", 700, true, (80, 350), 14, 600, "Fest-noz et musique bretonne, bombarde et accordéon."),
    ("Basse Fréquence", "techno, house", 4_000, true, (500, 2_500), 6, 1_000, "Live techno modulaire, deux machines, zéro ordinateur."),
    ("Les Soeurs Lumière", "chanson, nouvelle-chanson", 1_100, true, (100, 450), 4, 500, "Chanson française à deux voix, textes ciselés."),
    ("Wax Tailors Club", "funk, soul", 2_200, true, (250, 900), 5, 700, "Big band funk de dix musiciens, cuivres en tête."),
    ("Metal Urbain Moderne", "metal, hard-rock", 1_500, false, (200, 800), 8, 700, "Metal industriel strasbourgeois, riffs et samples."),
    ("Afro Lyon Orchestra", "afrobeat, funk", 3_000, true, (300, 1_200), 1, 900, "Afrobeat à la Fela, douze musiciens."),
    ("Duo Sirocco", "maghreb, world", 850, true, (80, 300), 9, 400, "Oud et percussions, musiques d'Afrique du Nord."),
    ("Les Cordes Sensibles", "folk, singer-songwriter", 500, true, (80, 200), 12, 300, "Folk acoustique, guitare, banjo et harmonies."),
    ("Punk à Chiens", "punk", 400, true, (80, 300), 7, 500, "Punk rennais, trois accords, vingt minutes, zéro compromis."),
    ("Éléonore Bebop Quintet", "bebop, vocal-jazz", 1_600, false, (100, 400), 0, 500, "Quintette de jazz vocal, standards et compositions."),
    ("DJ Croissant", "french-touch, house", 1_000, true, (200, 1_500), 0, 1_000, "French touch et disco filtrée, sets de deux à quatre heures."),
    ("Orchestre Baroque de Dijon", "baroque, classical", 6_000, false, (300, 1_200), 13, 600, "Ensemble baroque sur instruments d'époque."),
    ("Reggae Révolution", "reggae, world", 1_300, true, (200, 800), 10, 700, "Roots reggae alpin, sound system et cuivres."),
    ("Les Petites Oreilles", "kids, chanson", 600, true, (80, 250), 17, 400, "Concerts jeune public, chansons à gestes et contes."),
    ("Mistral Gagnant", "french-pop, indie-pop", 15_000, false, (2_000, 6_000), 2, 1_200, "Tête d'affiche pop, trois disques d'or."),
];

/// Each demo artist's line-up (performers, crew) and audience code (`Audience::from_code`), in
/// the order of [`ARTISTS`].
const ARTIST_FACTS: [(u16, u16, &str); 20] = [
    (4, 1, "all-standing"),   // Les Gros Bras
    (3, 0, "all-seated"),     // Zazou Manouche
    (2, 1, "all-standing"),   // Nadia K.
    (3, 2, "all-standing"),   // Aurore Boréale
    (3, 0, "all-seated"),     // Trio Garonne
    (4, 0, "all-standing"),   // Kreiz Breizh (fest-noz: people dance)
    (2, 1, "adult-standing"), // Basse Fréquence
    (2, 1, "all-seated"),     // Les Soeurs Lumière
    (10, 2, "all-standing"),  // Wax Tailors Club
    (4, 1, "all-standing"),   // Metal Urbain Moderne
    (12, 2, "all-standing"),  // Afro Lyon Orchestra
    (2, 0, "all-either"),     // Duo Sirocco
    (3, 0, "all-either"),     // Les Cordes Sensibles
    (3, 0, "adult-standing"), // Punk à Chiens
    (5, 0, "all-seated"),     // Éléonore Bebop Quintet
    (1, 0, "adult-standing"), // DJ Croissant
    (18, 2, "all-seated"),    // Orchestre Baroque de Dijon
    (7, 1, "all-standing"),   // Reggae Révolution
    (2, 0, "young-seated"),   // Les Petites Oreilles
    (6, 6, "all-standing"),   // Mistral Gagnant
];

/// Each demo venue's audience code, in the order of [`VENUES`].
const VENUE_AUDIENCES: [&str; 20] = [
    "adult-either",   // Le Périscope
    "all-standing",   // Le Transbordeur
    "all-either",     // La Cigale
    "adult-standing", // Le Petit Bain
    "all-seated",     // Le Cri du Port
    "all-standing",   // Le Bikini
    "all-either",     // Le Lieu Unique
    "all-either",     // Le Rocher de Palmer
    "all-standing",   // L'Aéronef
    "adult-standing", // L'Ubu
    "all-standing",   // La Laiterie
    "adult-either",   // Le Jam
    "all-standing",   // La Belle Électrique
    "all-standing",   // Le Fil
    "all-standing",   // La Coopérative de Mai
    "adult-seated",   // Café-concert Le Quai
    "all-standing",   // La Carène
    "all-standing",   // Festival des Nuits de Tours
    "all-seated",     // Salle Pleyel Angers
    "adult-standing", // Le Cylindre
];

/// name, city index, address, capacity, genres, budget, licence, slots
type VenueRow =
    (&'static str, usize, &'static str, u32, &'static str, (u32, u32), Option<&'static str>, u8);

#[rustfmt::skip]
const VENUES: &[VenueRow] = &[
    ("Le Périscope", 1, "13 rue Delandine, 69002 Lyon", 150, "jazz, experimental", (500, 1_200), Some("PLATESV-R-2020-000123"), 1),
    ("Le Transbordeur", 1, "3 boulevard de Stalingrad, 69100 Villeurbanne", 1_800, "rock, electro, hip-hop", (2_000, 12_000), Some("PLATESV-R-2019-001456"), 1),
    ("La Cigale", 0, "120 boulevard de Rochechouart, 75018 Paris", 1_400, "pop, rock, chanson", (2_500, 15_000), Some("PLATESV-R-2018-002233"), 1),
    ("Le Petit Bain", 0, "7 port de la Gare, 75013 Paris", 450, "indie-rock, electro, world", (800, 3_000), Some("PLATESV-R-2021-000789"), 1),
    ("Le Cri du Port", 2, "8 rue du Pasteur Heuzé, 13003 Marseille", 200, "jazz, world", (400, 1_500), Some("L-R-19-1172"), 1),
    ("Le Bikini", 3, "rue Théodore Monod, 31520 Ramonville", 1_500, "rock, electro, hip-hop", (3_000, 15_000), Some("PLATESV-R-2017-004512"), 1),
    ("Le Lieu Unique", 4, "2 quai Ferdinand Favre, 44000 Nantes", 800, "experimental, electro, classical", (1_000, 6_000), Some("PLATESV-R-2020-003344"), 1),
    ("Le Rocher de Palmer", 5, "1 rue Aristide Briand, 33150 Cenon", 1_200, "world, jazz, blues", (1_500, 8_000), Some("PLATESV-R-2019-005566"), 1),
    ("L'Aéronef", 6, "168 avenue Willy Brandt, 59777 Lille", 2_000, "rock, electro, metal", (2_500, 15_000), Some("PLATESV-R-2016-006677"), 1),
    ("L'Ubu", 7, "1 rue Saint-Hélier, 35000 Rennes", 450, "punk, indie-rock, rock", (500, 2_500), Some("PLATESV-R-2018-007788"), 1),
    ("La Laiterie", 8, "13 rue du Hohwald, 67000 Strasbourg", 900, "metal, rock, hip-hop", (1_000, 5_000), Some("PLATESV-R-2017-008899"), 1),
    ("Le Jam", 9, "100 rue Ferdinand de Lesseps, 34070 Montpellier", 250, "jazz, blues, world", (400, 1_800), None, 1),
    ("La Belle Électrique", 10, "12 esplanade Andry Farcy, 38000 Grenoble", 1_000, "electro, hip-hop, reggae", (1_500, 7_000), Some("PLATESV-R-2019-009911"), 1),
    ("Le Fil", 11, "20 boulevard Thiers, 42000 Saint-Étienne", 1_100, "rock, hip-hop, chanson", (1_000, 6_000), Some("PLATESV-R-2020-010022"), 1),
    ("La Coopérative de Mai", 12, "rue Serge Gainsbourg, 63100 Clermont-Ferrand", 1_500, "rock, pop, electro", (2_000, 10_000), Some("PLATESV-R-2018-011133"), 1),
    ("Café-concert Le Quai", 13, "4 quai Nicolas Rolin, 21000 Dijon", 80, "folk, chanson, jazz", (300, 800), None, 1),
    ("La Carène", 14, "30 rue Jean-Marie Le Bris, 29200 Brest", 1_200, "folk, rock, electro", (1_200, 7_000), Some("PLATESV-R-2019-012244"), 1),
    ("Festival des Nuits de Tours", 18, "Parc de la Gloriette, 37000 Tours", 6_000, "pop, rock, world, electro, hip-hop", (5_000, 15_000), Some("PLATESV-D-2021-00000012"), 3),
    ("Salle Pleyel Angers", 17, "Place Molière, 49000 Angers", 600, "classical, kids", (1_500, 7_000), Some("PLATESV-R-2022-013355"), 1),
    ("Le Cylindre", 19, "15 rue des Granges, 25000 Besançon", 120, "punk, metal, folk", (300, 900), None, 1),
];

/// Deterministic free dates over the next six months: weekends for venues, a spread for artists,
/// shifted per profile so overlaps vary.
fn free_dates(today: NaiveDate, seed: usize, venue: bool) -> DateSet {
    let mut dates = Vec::new();
    let mut d = today + Duration::days(1);
    let end = today + Duration::days(182);
    while d <= end {
        let weekend = matches!(d.weekday(), Weekday::Thu | Weekday::Fri | Weekday::Sat);
        let n = d.ordinal() as usize + seed * 7;
        let keep = if venue {
            weekend && !n.is_multiple_of(3)
        } else {
            !n.is_multiple_of(4) && (weekend || n.is_multiple_of(5))
        };
        if keep {
            dates.push(d);
        }
        d += Duration::days(1);
    }
    DateSet::new(dates, today).unwrap_or_default()
}

fn city(i: usize) -> City {
    let (name, lat, lon) = CITIES[i % CITIES.len()];
    City::from_parts(name, Country::France, lat, lon)
}

/// The demo set is code: a value that fails to parse is a bug, reported like corrupt data.
fn bad<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> StoreError {
    move |e| StoreError::corrupt(what, e)
}

fn artist(i: usize) -> Result<ProfileDetails> {
    let (name, genres, fee, negotiable, (lo, hi), c, radius, bio) = ARTISTS[i];
    let slug: String = name.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
    Ok(ProfileDetails::Artist(Artist {
        name: Name::parse(name).map_err(bad("demo artist"))?,
        genres: GenreSet::parse(genres).map_err(bad("demo genres"))?,
        fee: Fee::try_from(i64::from(fee)).map_err(bad("demo fee"))?,
        negotiable,
        draw: AudienceRange::try_from((i64::from(lo), i64::from(hi))).map_err(bad("demo draw"))?,
        city: city(c),
        radius: TravelRadius::try_from(i64::from(radius)).map_err(bad("demo radius"))?,
        bio: Some(LongText::parse(bio).map_err(bad("demo bio"))?),
        links: Links::parse(&format!("https://{slug}.example.fr")).map_err(bad("demo links"))?,
        email: Some(
            Email::parse(&format!("booking@{slug}.example.fr")).map_err(bad("demo email"))?,
        ),
    }))
}

fn venue(i: usize) -> Result<ProfileDetails> {
    let (name, c, address, capacity, genres, (lo, hi), licence, slots) = VENUES[i];
    let slug: String = name.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
    Ok(ProfileDetails::Venue(Venue {
        name: Name::parse(name).map_err(bad("demo venue"))?,
        city: city(c),
        address: Some(Address::parse(address).map_err(bad("demo address"))?),
        capacity: Capacity::try_from(i64::from(capacity)).map_err(bad("demo capacity"))?,
        genres: GenreSet::parse(genres).map_err(bad("demo genres"))?,
        budget: BudgetRange::try_from((i64::from(lo), i64::from(hi)))
            .map_err(bad("demo budget"))?,
        licence: licence.map(LicenceNumber::parse).transpose().map_err(bad("demo licence"))?,
        stage_notes: Some(
            LongText::parse(
                "Scène 8 × 6 m, façade d'Acousticsens, 6 retours, backline batterie sur demande.",
            )
            .map_err(bad("demo notes"))?,
        ),
        email: Some(Email::parse(&format!("prog@{slug}.example.fr")).map_err(bad("demo email"))?),
        slots_per_date: slots,
    }))
}

/// One demo profile as matching and the ranking evaluation read it, before it is stored.
#[derive(Debug, Clone)]
pub struct DemoProfile {
    pub details: ProfileDetails,
    pub dates: DateSet,
    pub lineup: Option<Lineup>,
    pub audience: Option<Audience>,
}

fn artist_facts(i: usize) -> Result<(Lineup, Audience)> {
    let (performers, crew, audience) = ARTIST_FACTS[i];
    Ok((
        Lineup::new(performers, crew).map_err(bad("demo line-up"))?,
        Audience::from_code(audience)
            .ok_or_else(|| StoreError::corrupt("demo audience", audience))?,
    ))
}

fn venue_audience(i: usize) -> Result<Audience> {
    let code = VENUE_AUDIENCES[i];
    Audience::from_code(code).ok_or_else(|| StoreError::corrupt("demo audience", code))
}

/// The demo set as it is loaded on `today`: artists first, then venues, in [`seed`]'s order.
pub fn catalogue(today: NaiveDate) -> Result<Vec<DemoProfile>> {
    let mut out = Vec::new();
    for i in 0..ARTISTS.len() {
        let (lineup, audience) = artist_facts(i)?;
        out.push(DemoProfile {
            details: artist(i)?,
            dates: free_dates(today, i, false),
            lineup: Some(lineup),
            audience: Some(audience),
        });
    }
    for i in 0..VENUES.len() {
        out.push(DemoProfile {
            details: venue(i)?,
            dates: free_dates(today, i, true),
            lineup: None,
            audience: Some(venue_audience(i)?),
        });
    }
    Ok(out)
}

/// The local identity that owns demo profile `i` of a kind.
#[must_use]
pub fn demo_identity(kind: &str, i: usize) -> Identity {
    Identity::new(Platform::Local, format!("demo-{kind}-{:02}", i + 1))
}

/// The terminal user name that plays a demo profile: "demo" is the first demo profile of the
/// role (`demo-artist-01`, `demo-venue-01`); a listed name (`demo-venue-07`) is itself; any other
/// name is `None` (its own, new account).
#[must_use]
pub fn demo_user(kind: &str, user: &str) -> Option<String> {
    if user == "demo" {
        return matches!(kind, "artist" | "venue").then(|| demo_identity(kind, 0).external_id);
    }
    let (k, n) = user.strip_prefix("demo-")?.rsplit_once('-')?;
    let n: usize = n.parse().ok()?;
    let known = matches!(k, "artist" | "venue") && (1..=DEMO_PER_KIND).contains(&n);
    known.then(|| demo_identity(k, n - 1).external_id)
}

/// How many demo profiles of each kind [`seed`] loads.
pub const DEMO_PER_KIND: usize = 20;

/// Loads the demo set unless it is there already. Returns how many profiles were created.
pub async fn seed(store: &Store) -> Result<usize> {
    let today = store.clock().today();
    let mut created = 0;
    for (kind, count) in [("artist", ARTISTS.len()), ("venue", VENUES.len())] {
        for i in 0..count {
            let identity = demo_identity(kind, i);
            let (details, display) = if kind == "artist" {
                (artist(i)?, ARTISTS[i].0)
            } else {
                (venue(i)?, VENUES[i].0)
            };
            let (account, new) = store.account_for_identity(&identity, display, Lang::Fr).await?;
            if !new && !store.profiles_of(account.id).await?.is_empty() {
                continue;
            }
            let profile = store
                .create_profile(
                    account.id,
                    &details,
                    &free_dates(today, i, kind == "venue"),
                    &ProfileStatus::Pending,
                )
                .await?;
            if kind == "artist" {
                let (lineup, audience) = artist_facts(i)?;
                store.save_lineup(profile.id, lineup).await?;
                store.set_audience(profile.id, Some(audience)).await?;
            } else {
                store.set_audience(profile.id, Some(venue_audience(i)?)).await?;
            }
            store.set_profile_status(profile.id, &ProfileStatus::Approved, None).await?;
            created += 1;
        }
    }
    Ok(created)
}

/// Counts of the demo set, for a sanity line at start-up.
#[must_use]
pub fn sizes() -> (usize, usize) {
    (ARTISTS.len(), VENUES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_profile_parses() {
        for i in 0..ARTISTS.len() {
            artist(i).unwrap();
        }
        for i in 0..VENUES.len() {
            venue(i).unwrap();
        }
        assert_eq!(sizes(), (20, 20));
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(catalogue(today).unwrap().len(), 40);
        let fees: Vec<u32> = ARTISTS.iter().map(|a| a.2).collect();
        assert!(fees.iter().min() >= Some(&300) && fees.iter().max() <= Some(&15_000));
        let caps: Vec<u32> = VENUES.iter().map(|v| v.3).collect();
        assert!(caps.iter().min() >= Some(&80) && caps.iter().max() <= Some(&6_000));
    }

    #[test]
    fn free_dates_span_six_months() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let d = free_dates(today, 3, true);
        assert!(d.len() > 40);
        assert!(*d.dates().last().unwrap() > today + Duration::days(150));
    }

    #[test]
    fn demo_names_reach_demo_profiles() {
        assert_eq!(demo_user("artist", "demo").as_deref(), Some("demo-artist-01"));
        assert_eq!(demo_user("venue", "demo").as_deref(), Some("demo-venue-01"));
        assert_eq!(demo_user("artist", "demo-venue-07").as_deref(), Some("demo-venue-07"));
        assert_eq!(demo_user("admin", "demo"), None);
        assert_eq!(demo_user("artist", "demo-artist-21"), None);
        assert_eq!(demo_user("artist", "zazou"), None);
    }
}
