//! Where artists and venues are: the places Flow Stage knows, so a typed town, a postal code or a
//! shared location becomes coordinates without any network call.
//!
//! The list is `core/data/places.tsv` (French communes of 1,000+ inhabitants, Belgian, Swiss and
//! Luxembourg towns; sources and licences in `core/data/README.md`), compiled into the binary and
//! parsed once, on first use.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The longest city input looked at; anything longer is refused before being read.
pub const MAX_INPUT_CHARS: usize = 200;

/// Beyond this, a shared location is not "in" the nearest known town any more.
pub const MAX_DISTANCE_KM: f64 = 50.0;

const EARTH_RADIUS_KM: f64 = 6371.0;

static DATA: &str = include_str!("../../data/places.tsv");

/// The countries the product serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Country {
    France,
    Belgium,
    Switzerland,
    Luxembourg,
}

impl Country {
    pub const ALL: [Country; 4] =
        [Country::France, Country::Belgium, Country::Switzerland, Country::Luxembourg];

    /// The ISO 3166-1 alpha-2 code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Country::France => "FR",
            Country::Belgium => "BE",
            Country::Switzerland => "CH",
            Country::Luxembourg => "LU",
        }
    }

    /// The country's name in French, the product's first language.
    #[must_use]
    pub fn name_fr(self) -> &'static str {
        match self {
            Country::France => "France",
            Country::Belgium => "Belgique",
            Country::Switzerland => "Suisse",
            Country::Luxembourg => "Luxembourg",
        }
    }

    /// Reads an ISO code ("fr", "BE").
    #[must_use]
    pub fn from_code(code: &str) -> Option<Country> {
        Country::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code))
    }

    /// Whether a normalised word names this country, in French, English or by its code.
    fn is_named(self, normalised: &str) -> bool {
        let names: &[&str] = match self {
            Country::France => &["fr", "france"],
            Country::Belgium => &["be", "belgique", "belgium", "belgie"],
            Country::Switzerland => &["ch", "suisse", "switzerland", "schweiz", "svizzera"],
            Country::Luxembourg => &["lu", "luxembourg", "luxemburg"],
        };
        names.contains(&normalised)
    }
}

/// One known place: an entry of the embedded list, alive for the whole program.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    name: &'static str,
    country: Country,
    admin: &'static str,
    lat: f64,
    lon: f64,
    population: u32,
    postal_codes: &'static str,
    aliases: &'static str,
}

impl Place {
    /// The display name, accented ("Saint-Étienne").
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    #[must_use]
    pub fn country(&self) -> Country {
        self.country
    }

    /// The French department ("69", "2A", "974"), or the region, canton or district code GeoNames
    /// gives elsewhere ("BRU", "GE").
    #[must_use]
    pub fn admin_code(&self) -> &'static str {
        self.admin
    }

    #[must_use]
    pub fn lat(&self) -> f64 {
        self.lat
    }

    #[must_use]
    pub fn lon(&self) -> f64 {
        self.lon
    }

    #[must_use]
    pub fn population(&self) -> u32 {
        self.population
    }

    /// French postal codes served by this commune (none elsewhere).
    pub fn postal_codes(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.postal_codes.split_ascii_whitespace()
    }

    /// Other names the place goes by ("Brussels" for Bruxelles).
    pub fn aliases(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.aliases.split('|').filter(|a| !a.is_empty())
    }

    /// A name that [`City::parse`] turns back into this very place: the bare name when it is the
    /// most populous of that name, else the name with its department or country ("Saint-Denis
    /// (93)"), so a suggestion offered as a button never lands on a homonym.
    #[must_use]
    pub fn label(&self) -> String {
        let table = &*TABLE;
        let first = table.by_name.get(&normalise(self.name)).and_then(|ids| ids.first());
        match first {
            Some(&id) if table.places[id as usize] == *self => self.name.to_owned(),
            _ if self.country == Country::France => format!("{} ({})", self.name, self.admin),
            _ => format!("{} ({})", self.name, self.country.name_fr()),
        }
    }

    /// The domain value for this place.
    #[must_use]
    pub fn to_city(&self) -> City {
        City::from_parts(self.name, self.country, self.lat, self.lon)
    }

    /// Whether the words after a name ("93", "la réunion", "belgique", "69001") point at this place.
    fn matches_qualifier(&self, qualifier: &str, departments: &[(&'static str, String)]) -> bool {
        if self.country.is_named(qualifier) || self.admin.eq_ignore_ascii_case(qualifier) {
            return true;
        }
        if self.country != Country::France {
            return false;
        }
        if qualifier.len() == 5 && qualifier.bytes().all(|b| b.is_ascii_digit()) {
            return self.postal_codes().any(|code| code == qualifier);
        }
        let digits = qualifier.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if !digits.is_empty() && digits.len() <= 2 && digits.bytes().all(|b| b.is_ascii_digit()) {
            // "1" for the Ain, as people write it.
            if qualifier == digits && self.admin.strip_prefix('0') == Some(qualifier) {
                return true;
            }
            // An arrondissement ("Paris 11e", "Lyon 3"): the commune that has its postal code.
            let suffix = matches!(&qualifier[digits.len()..], "" | "e" | "er" | "eme" | "ieme");
            let code = format!("{}{digits:0>3}", self.admin);
            return suffix && self.postal_codes().any(|c| c == code);
        }
        departments.iter().any(|(code, name)| {
            *code == self.admin && (name == qualifier || without_article(name) == qualifier)
        })
    }
}

/// A town as the domain stores it: a name and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct City {
    name: String,
    country: Country,
    lat: f64,
    lon: f64,
}

/// Why a city could not be read; each case is a sentence the conversation can translate.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum CityError {
    #[error("no city given")]
    Empty,
    #[error("this is too long for a city name (at most {max} characters)")]
    TooLong { max: usize },
    #[error("unknown city “{input}”{}", did_you_mean(suggestions))]
    Unknown { input: String, suggestions: Vec<String> },
    #[error("these are not valid coordinates (latitude -90 to 90, longitude -180 to 180)")]
    InvalidCoordinates,
    #[error(
        "this location is more than {MAX_DISTANCE_KM} km from any town we know in France, Belgium, \
         Switzerland or Luxembourg"
    )]
    TooFarFromKnownPlace,
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

impl City {
    /// Reads a town name ("saint etienne", "Saint-Denis 93", "Bruxelles") or a French postal
    /// code ("69001"). An ambiguous name is the most populous place of that name.
    pub fn parse(input: &str) -> Result<City, CityError> {
        let input = bounded(input)?;
        let table = &*TABLE;
        if is_postal_code(input) {
            return match table.by_postal_code.get(input) {
                Some(&id) => Ok(table.places[id as usize].to_city()),
                None => Err(CityError::Unknown { input: input.to_owned(), suggestions: vec![] }),
            };
        }
        let key = normalise(input);
        if key.is_empty() {
            return Err(CityError::Empty);
        }
        if let Some(place) = table.lookup(&key) {
            return Ok(place.to_city());
        }
        let mut places = suggest(input, 3);
        if places.is_empty() {
            // "Saint-Denis (Guadeloupe)": the name is known, the qualifier is wrong; offer the
            // places of that name.
            places = table.homonyms_of_prefix(&key).into_iter().take(3).collect();
        }
        let suggestions = places.into_iter().map(Place::label).collect();
        Err(CityError::Unknown { input: input.to_owned(), suggestions })
    }

    /// The known place nearest to a shared location.
    pub fn from_coordinates(lat: f64, lon: f64) -> Result<City, CityError> {
        // The ranges also refuse NaN and the infinities.
        if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
            return Err(CityError::InvalidCoordinates);
        }
        let nearest = all()
            .iter()
            .map(|p| (distance_km(lat, lon, p.lat, p.lon), p))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match nearest {
            Some((km, place)) if km <= MAX_DISTANCE_KM => Ok(place.to_city()),
            _ => Err(CityError::TooFarFromKnownPlace),
        }
    }

    /// Rebuilds a stored value; the store is trusted, nothing is checked.
    #[must_use]
    pub fn from_parts(name: impl Into<String>, country: Country, lat: f64, lon: f64) -> City {
        City { name: name.into(), country, lat, lon }
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    #[must_use]
    pub fn country(&self) -> Country {
        self.country
    }

    #[must_use]
    pub fn lat(&self) -> f64 {
        self.lat
    }

    #[must_use]
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance, in kilometres.
    #[must_use]
    pub fn distance_km(&self, other: &City) -> f64 {
        distance_km(self.lat, self.lon, other.lat, other.lon)
    }
}

impl AsRef<str> for City {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for City {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Great-circle (haversine) distance between two points, in kilometres.
#[must_use]
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Places a conversation can offer when a name is not known: exact and prefix matches first,
/// then near misses ("Lyonn" → Lyon), each group by population. Digits are read as the start of
/// a postal code.
#[must_use]
pub fn suggest(input: &str, limit: usize) -> Vec<&'static Place> {
    let Ok(input) = bounded(input) else { return vec![] };
    if limit == 0 {
        return vec![];
    }
    let table = &*TABLE;
    let mut ranked: Vec<(u8, &'static Place)> = if input.bytes().all(|b| b.is_ascii_digit()) {
        if input.len() < 2 {
            return vec![];
        }
        all()
            .iter()
            .filter(|p| p.postal_codes().any(|c| c.starts_with(input)))
            .map(|p| (0, p))
            .collect()
    } else {
        let key = normalise(input);
        if key.is_empty() {
            return vec![];
        }
        table
            .keys
            .iter()
            .zip(all())
            .filter_map(|(keys, place)| {
                keys.iter().filter_map(|k| closeness(&key, k)).min().map(|rank| (rank, place))
            })
            .collect()
    };
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.population.cmp(&a.1.population)));
    ranked.into_iter().take(limit).map(|(_, p)| p).collect()
}

/// Every known place, most populous first within each country.
#[must_use]
pub fn all() -> &'static [Place] {
    &TABLE.places
}

/// How well a normalised place name answers a normalised query; `None` when it does not.
fn closeness(query: &str, name: &str) -> Option<u8> {
    if name == query {
        return Some(0);
    }
    if name.starts_with(query) {
        return Some(1);
    }
    // "havre" finds "le havre"; too short a query would find half the list.
    if query.len() >= 3
        && name.match_indices(query).any(|(i, _)| i > 0 && name.as_bytes()[i - 1] == b' ')
    {
        return Some(2);
    }
    let allowed = match query.len() {
        0..=3 => return None,
        4..=7 => 1,
        _ => 2,
    };
    if name.len().abs_diff(query.len()) > allowed {
        return None;
    }
    let d = edit_distance(query.as_bytes(), name.as_bytes());
    // Both are at most a few dozen bytes, so `d` fits.
    (d <= allowed).then(|| 2 + u8::try_from(d).unwrap_or(u8::MAX - 2))
}

/// Levenshtein distance with adjacent transpositions ("lyno" is one slip from "lyon").
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Refuses over-long input from its byte length alone, then trims it.
fn bounded(input: &str) -> Result<&str, CityError> {
    let too_long = CityError::TooLong { max: MAX_INPUT_CHARS };
    // A char is at most 4 bytes: past this, the input cannot fit, whatever it holds.
    if input.len() > MAX_INPUT_CHARS * 4 {
        return Err(too_long);
    }
    let input = input.trim();
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(too_long);
    }
    if input.is_empty() {
        return Err(CityError::Empty);
    }
    Ok(input)
}

fn is_postal_code(input: &str) -> bool {
    input.len() == 5 && input.bytes().all(|b| b.is_ascii_digit())
}

/// Folds case, accents, hyphens, apostrophes and the "St"/"Ste" abbreviations, so every way of
/// writing a name gives one key: "ST-ÉTIENNE" and "saint etienne" are both "saint etienne".
fn normalise(input: &str) -> String {
    let folded = deunicode::deunicode(input).to_ascii_lowercase();
    let mut out = String::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        });
    }
    out
}

/// "la reunion" → "reunion": people name departments with or without their article.
fn without_article(name: &str) -> &str {
    ["la ", "le ", "les ", "l "].iter().find_map(|a| name.strip_prefix(a)).unwrap_or(name)
}

/// The parsed list and its indexes.
struct Table {
    places: Vec<Place>,
    /// Normalised names and aliases of each place, in the order of `places`.
    keys: Vec<Vec<String>>,
    /// Normalised name or alias → places, most populous first.
    by_name: HashMap<String, Vec<u32>>,
    /// Postal code → the most populous commune it serves.
    by_postal_code: HashMap<&'static str, u32>,
    /// French department code → normalised name.
    departments: Vec<(&'static str, String)>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| Table::parse(DATA));

impl Table {
    /// Reads the embedded list; a malformed line is a build mistake, caught by the tests.
    fn parse(data: &'static str) -> Table {
        let mut places = Vec::new();
        let mut departments = Vec::new();
        for (n, line) in data.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&'static str> = line.split('\t').collect();
            match fields.as_slice() {
                ["D", code, name] => departments.push((*code, normalise(name))),
                [country, admin, name, lat, lon, population, postal_codes, aliases] => {
                    let country = Country::from_code(country);
                    let (lat, lon, population) = (lat.parse(), lon.parse(), population.parse());
                    let (Some(country), Ok(lat), Ok(lon), Ok(population)) =
                        (country, lat, lon, population)
                    else {
                        panic!("places.tsv line {}: bad country or number: {line}", n + 1)
                    };
                    places.push(Place {
                        name,
                        country,
                        admin,
                        lat,
                        lon,
                        population,
                        postal_codes,
                        aliases,
                    });
                }
                _ => panic!("places.tsv line {}: unexpected shape: {line}", n + 1),
            }
        }
        let id = |i: usize| u32::try_from(i).expect("fewer than 4 billion places");
        let keys: Vec<Vec<String>> = places
            .iter()
            .map(|p| {
                let mut keys: Vec<String> =
                    std::iter::once(p.name).chain(p.aliases()).map(normalise).collect();
                keys.dedup();
                keys
            })
            .collect();
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_postal_code: HashMap<&'static str, u32> = HashMap::new();
        for (i, place) in places.iter().enumerate() {
            for key in &keys[i] {
                by_name.entry(key.clone()).or_default().push(id(i));
            }
            for code in place.postal_codes() {
                let slot = by_postal_code.entry(code).or_insert(id(i));
                if places[*slot as usize].population < place.population {
                    *slot = id(i);
                }
            }
        }
        for ids in by_name.values_mut() {
            ids.sort_by_key(|&i| std::cmp::Reverse(places[i as usize].population));
            ids.dedup();
        }
        Table { places, keys, by_name, by_postal_code, departments }
    }

    /// The places named by the longest known leading words of `key`, most populous first.
    fn homonyms_of_prefix(&self, key: &str) -> Vec<&Place> {
        key.match_indices(' ')
            .rev()
            .find_map(|(i, _)| self.by_name.get(&key[..i]))
            .map(|ids| ids.iter().map(|&id| &self.places[id as usize]).collect())
            .unwrap_or_default()
    }

    /// A normalised name, maybe followed by a department, country or postal code.
    fn lookup(&self, key: &str) -> Option<&Place> {
        if let Some(&id) = self.by_name.get(key).and_then(|ids| ids.first()) {
            return Some(&self.places[id as usize]);
        }
        // Qualifiers are short: the longest department name is five words.
        let words: Vec<usize> = key.match_indices(' ').map(|(i, _)| i).collect();
        for &cut in words.iter().rev().take(6) {
            let (name, qualifier) = (&key[..cut], &key[cut + 1..]);
            let Some(ids) = self.by_name.get(name) else { continue };
            let found = ids
                .iter()
                .map(|&id| &self.places[id as usize])
                .find(|p| p.matches_qualifier(qualifier, &self.departments));
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, name: &str, admin: &str) {
        let city = City::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(city.name(), name, "{input:?}");
        let place = all()
            .iter()
            .find(|p| p.lat == city.lat() && p.lon == city.lon())
            .expect("a parsed city is a known place");
        assert_eq!(place.admin_code(), admin, "{input:?}");
    }

    #[test]
    fn the_whole_embedded_list_loads() {
        let places = all();
        assert!(places.len() > 10_000, "{} places", places.len());
        for p in places {
            assert!(!p.name().is_empty());
            assert!((-90.0..=90.0).contains(&p.lat()) && (-180.0..=180.0).contains(&p.lon()));
            assert!(p.postal_codes().all(is_postal_code), "{}", p.name());
        }
        for country in Country::ALL {
            assert!(places.iter().any(|p| p.country() == country), "{country:?}");
        }
    }

    #[test]
    fn every_french_commune_of_10_000_people_is_there() {
        let big =
            all().iter().filter(|p| p.country() == Country::France && p.population() >= 10_000);
        // INSEE counts about 1,070; GeoNames cannot place a dozen of them.
        assert!(big.count() >= 1_000);
    }

    #[test]
    fn names_are_read_whatever_the_spelling() {
        for input in ["saint etienne", "Saint-Étienne", "ST ETIENNE", "ST-ETIENNE", "st. étienne"]
        {
            check(input, "Saint-Étienne", "42");
        }
        check("  lyon ", "Lyon", "69");
        check("l'isle adam", "L'Isle-Adam", "95");
        check("L ISLE-ADAM", "L'Isle-Adam", "95");
        check("aix en provence", "Aix-en-Provence", "13");
    }

    #[test]
    fn postal_codes_name_their_commune() {
        check("69001", "Lyon", "69");
        check("75011", "Paris", "75");
        check("13008", "Marseille", "13");
        check("42000", "Saint-Étienne", "42");
        assert!(matches!(City::parse("00000"), Err(CityError::Unknown { .. })));
    }

    #[test]
    fn an_ambiguous_name_is_the_most_populous_unless_qualified() {
        let first = City::parse("Saint-Denis").unwrap();
        let most = all()
            .iter()
            .filter(|p| p.name() == "Saint-Denis")
            .max_by_key(|p| p.population())
            .unwrap();
        assert_eq!(first, most.to_city());
        check("Saint-Denis 93", "Saint-Denis", "93");
        check("Saint-Denis (93)", "Saint-Denis", "93");
        check("saint denis seine saint denis", "Saint-Denis", "93");
        check("Saint-Denis 974", "Saint-Denis", "974");
        check("Saint-Denis (La Réunion)", "Saint-Denis", "974");
        check("saint denis reunion", "Saint-Denis", "974");
        check("Saint-Denis 93200", "Saint-Denis", "93");
        check("Bourg-en-Bresse 1", "Bourg-en-Bresse", "01");
        let err = City::parse("Saint-Denis (Guadeloupe)").unwrap_err();
        let CityError::Unknown { suggestions, .. } = err else { panic!("{err:?}") };
        assert!(suggestions.contains(&"Saint-Denis (93)".to_owned()), "{suggestions:?}");
    }

    #[test]
    fn an_arrondissement_names_its_city() {
        check("Paris 11e", "Paris", "75");
        check("paris 11", "Paris", "75");
        check("Paris 1er", "Paris", "75");
        check("Lyon 3ème", "Lyon", "69");
        check("Marseille 8", "Marseille", "13");
        assert!(matches!(City::parse("Paris 21e"), Err(CityError::Unknown { .. })));
    }

    #[test]
    fn labels_parse_back_to_their_place() {
        for place in all().iter().filter(|p| p.name().starts_with("Saint-D")) {
            let city = City::parse(&place.label()).unwrap();
            assert_eq!(city, place.to_city(), "{}", place.label());
        }
    }

    #[test]
    fn neighbouring_countries_and_their_other_names() {
        for input in ["Bruxelles", "Brussels", "brussel"] {
            assert_eq!(City::parse(input).unwrap().name(), "Bruxelles");
        }
        assert_eq!(City::parse("Bruxelles").unwrap().country(), Country::Belgium);
        for input in ["Genève", "geneve", "Geneva"] {
            let city = City::parse(input).unwrap();
            assert_eq!((city.name(), city.country()), ("Genève", Country::Switzerland));
        }
        let lux = City::parse("Luxembourg").unwrap();
        assert_eq!((lux.name(), lux.country()), ("Luxembourg", Country::Luxembourg));
        assert_eq!(City::parse("Liège").unwrap().country(), Country::Belgium);
        assert_eq!(City::parse("Lausanne").unwrap().country(), Country::Switzerland);
    }

    #[test]
    fn an_unknown_name_comes_with_suggestions() {
        let err = City::parse("Lyonn").unwrap_err();
        let CityError::Unknown { input, suggestions } = &err else { panic!("{err:?}") };
        assert_eq!(input, "Lyonn");
        assert_eq!(suggestions.first().map(String::as_str), Some("Lyon"));
        assert!(err.to_string().starts_with("unknown city “Lyonn”; did you mean Lyon"), "{err}");

        let err = City::parse("Xqzwv").unwrap_err();
        assert_eq!(err, CityError::Unknown { input: "Xqzwv".into(), suggestions: vec![] });
        assert_eq!(err.to_string(), "unknown city “Xqzwv”");
    }

    #[test]
    fn empty_and_oversized_inputs_are_refused() {
        assert_eq!(City::parse(""), Err(CityError::Empty));
        assert_eq!(City::parse("   "), Err(CityError::Empty));
        assert_eq!(City::parse("-'-"), Err(CityError::Empty));
        let huge = "a".repeat(10 * 1024 * 1024);
        let started = std::time::Instant::now();
        assert_eq!(City::parse(&huge), Err(CityError::TooLong { max: MAX_INPUT_CHARS }));
        assert!(suggest(&huge, 5).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
        assert_eq!(City::parse(&"é".repeat(201)), Err(CityError::TooLong { max: 200 }));
        // 200 characters is the limit, not over it: it is read (and not found).
        assert!(matches!(City::parse(&"é".repeat(200)), Err(CityError::Unknown { .. })));
    }

    #[test]
    fn suggestions_prefer_prefixes_then_population() {
        let names: Vec<&str> = suggest("mars", 3).iter().map(|p| p.name()).collect();
        assert_eq!(names.first(), Some(&"Marseille"));
        let names: Vec<&str> = suggest("saint e", 5).iter().map(|p| p.name()).collect();
        assert_eq!(names.first(), Some(&"Saint-Étienne"));
        assert!(suggest("havre", 3).iter().any(|p| p.name() == "Le Havre"));
        assert!(suggest("lyno", 3).iter().any(|p| p.name() == "Lyon"));
        assert!(suggest("6900", 3).iter().any(|p| p.name() == "Lyon"));
        assert!(suggest("lyon", 0).is_empty());
        assert!(suggest("", 5).is_empty());
        assert_eq!(suggest("a", 500).len(), 500);
    }

    #[test]
    fn a_shared_location_is_the_nearest_place() {
        let city = City::from_coordinates(45.764, 4.8357).unwrap();
        assert_eq!(city.name(), "Lyon");
        assert_eq!(City::from_coordinates(48.8566, 2.3522).unwrap().name(), "Paris");
        assert_eq!(City::from_coordinates(0.0, 0.0), Err(CityError::TooFarFromKnownPlace));
        // The middle of the Bay of Biscay.
        assert_eq!(City::from_coordinates(45.5, -5.0), Err(CityError::TooFarFromKnownPlace));
        for (lat, lon) in [(91.0, 0.0), (0.0, -180.5), (f64::NAN, 2.0), (45.0, f64::INFINITY)] {
            assert_eq!(City::from_coordinates(lat, lon), Err(CityError::InvalidCoordinates));
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let paris = City::parse("Paris").unwrap();
        let lyon = City::parse("Lyon").unwrap();
        let d = paris.distance_km(&lyon);
        assert!((385.0..400.0).contains(&d), "{d}");
        assert_eq!(lyon.distance_km(&lyon), 0.0);
        assert!(
            (distance_km(0.0, 0.0, 0.0, 180.0) - std::f64::consts::PI * EARTH_RADIUS_KM).abs()
                < 1e-6
        );
    }

    #[test]
    fn a_city_round_trips_through_serde_and_from_parts() {
        let lyon = City::parse("Lyon").unwrap();
        let json = serde_json::to_string(&lyon).unwrap();
        assert_eq!(serde_json::from_str::<City>(&json).unwrap(), lyon);
        let rebuilt = City::from_parts(lyon.name(), lyon.country(), lyon.lat(), lyon.lon());
        assert_eq!(rebuilt, lyon);
        assert_eq!(Country::Switzerland.code(), "CH");
        assert_eq!(Country::from_code("lu"), Some(Country::Luxembourg));
    }

    #[test]
    fn normalising_folds_what_people_vary() {
        assert_eq!(normalise("ST-ÉTIENNE"), "saint etienne");
        assert_eq!(normalise("Ste-Foy-lès-Lyon"), "sainte foy les lyon");
        assert_eq!(normalise("L’Isle-Adam"), "l isle adam");
        assert_eq!(normalise("Œuilly"), "oeuilly");
        assert_eq!(edit_distance(b"lyon", b"lyno"), 1);
        assert_eq!(edit_distance(b"lyonn", b"lyon"), 1);
        assert_eq!(edit_distance(b"", b"abc"), 3);
    }
}
