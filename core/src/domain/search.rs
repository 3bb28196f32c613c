//! What a person types to narrow `/match`, in either language: "samedi prochain 150 km jazz max
//! 900 €", "next friday", "en mars", "200km", "2026-12-19", "19/12", "100-300 places", "any
//! genre". These are hard filters — what does not pass is not shown — parsed once into
//! [`SearchFilters`]; the score ranks what passes (docs/product-rules.md §3). Every understood
//! part of an answer is kept, and each part that is not understood is named with its reason.

use serde::{Deserialize, Serialize};

use super::genre::{GenreId, GenreSet};
use super::proposal::{DealsTaken, FEE_WORDS, SHARE_WORDS};
use super::values::{AudienceRange, Capacity, DateError, DateSet, Fee, RadiusError, TravelRadius};

/// The hard filters of a search. Each is off (`None` / empty) until the person sets it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchFilters {
    /// Named dates; `None` is the next three months.
    #[serde(default)]
    pub dates: Option<DateSet>,
    /// Nothing farther than this, in km.
    #[serde(default)]
    pub radius_km: Option<u16>,
    /// At least one of these genres (or, with `related`, a genre of the same family).
    #[serde(default)]
    pub genres: Vec<GenreId>,
    #[serde(default)]
    pub related: bool,
    /// The person asked for any genre: no genre in common is then no reason to leave a profile out.
    #[serde(default)]
    pub any_genre: bool,
    /// The highest fee (an artist's fee, or a venue's budget ceiling) the person will look at, in
    /// euros excluding VAT.
    #[serde(default)]
    pub max_fee: Option<Fee>,
    /// The venue capacities (or the artist's draw) the person will look at.
    #[serde(default)]
    pub capacity: Option<AudienceRange>,
    /// Only profiles that take this kind of deal (or did not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deals: Option<DealsTaken>,
    /// Search around this city rather than the person's own: distances (and a distance filter)
    /// are measured from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<Near>,
}

/// A city a search is centred on, as stored with the search (whole micro-degrees, so the
/// filters compare and store exactly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Near {
    pub name: String,
    pub lat_e6: i32,
    pub lon_e6: i32,
}

impl Near {
    #[must_use]
    #[allow(clippy::cast_possible_truncation, reason = "degrees × 10⁶ fit an i32")]
    pub fn of(city: &super::places::City) -> Self {
        Self {
            name: city.name().to_owned(),
            lat_e6: (city.lat() * 1e6).round() as i32,
            lon_e6: (city.lon() * 1e6).round() as i32,
        }
    }

    #[must_use]
    #[allow(clippy::cast_possible_truncation, reason = "a coordinate as the index keeps it")]
    pub fn lat(&self) -> f32 {
        (f64::from(self.lat_e6) / 1e6) as f32
    }

    #[must_use]
    #[allow(clippy::cast_possible_truncation, reason = "a coordinate as the index keeps it")]
    pub fn lon(&self) -> f32 {
        (f64::from(self.lon_e6) / 1e6) as f32
    }
}

/// One kind of filter, to show it as active or to loosen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    Dates,
    Radius,
    Genres,
    MaxFee,
    Capacity,
    Deals,
    Near,
}

impl FilterKind {
    pub const ALL: [FilterKind; 7] = [
        FilterKind::Dates,
        FilterKind::Radius,
        FilterKind::Genres,
        FilterKind::MaxFee,
        FilterKind::Capacity,
        FilterKind::Deals,
        FilterKind::Near,
    ];

    /// The short stable code used in button payloads.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            FilterKind::Dates => "d",
            FilterKind::Radius => "r",
            FilterKind::Genres => "g",
            FilterKind::MaxFee => "f",
            FilterKind::Capacity => "c",
            FilterKind::Deals => "k",
            FilterKind::Near => "n",
        }
    }

    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl SearchFilters {
    /// The filters that are on, in a fixed order.
    #[must_use]
    pub fn active(&self) -> Vec<FilterKind> {
        FilterKind::ALL.into_iter().filter(|k| self.is_on(*k)).collect()
    }

    #[must_use]
    pub fn is_on(&self, kind: FilterKind) -> bool {
        match kind {
            FilterKind::Dates => self.dates.is_some(),
            FilterKind::Radius => self.radius_km.is_some(),
            FilterKind::Genres => !self.genres.is_empty() || self.any_genre,
            FilterKind::MaxFee => self.max_fee.is_some(),
            FilterKind::Capacity => self.capacity.is_some(),
            FilterKind::Deals => self.deals.is_some(),
            FilterKind::Near => self.near.is_some(),
        }
    }

    /// Turns one filter off.
    pub fn clear(&mut self, kind: FilterKind) {
        match kind {
            FilterKind::Dates => self.dates = None,
            FilterKind::Radius => self.radius_km = None,
            FilterKind::Genres => {
                self.genres.clear();
                self.related = false;
                self.any_genre = false;
            }
            FilterKind::MaxFee => self.max_fee = None,
            FilterKind::Capacity => self.capacity = None,
            FilterKind::Deals => self.deals = None,
            FilterKind::Near => self.near = None,
        }
    }

    /// These filters with every filter `newer` sets replaced by its value; the others stay.
    #[must_use]
    pub fn merged(&self, newer: &SearchFilters) -> SearchFilters {
        let mut out = self.clone();
        for kind in newer.active() {
            match kind {
                FilterKind::Dates => out.dates.clone_from(&newer.dates),
                FilterKind::Radius => out.radius_km = newer.radius_km,
                FilterKind::Genres => {
                    out.genres.clone_from(&newer.genres);
                    out.related = newer.related;
                    out.any_genre = newer.any_genre;
                }
                FilterKind::MaxFee => out.max_fee = newer.max_fee,
                FilterKind::Capacity => out.capacity = newer.capacity,
                FilterKind::Deals => out.deals = newer.deals,
                FilterKind::Near => out.near.clone_from(&newer.near),
            }
        }
        out
    }

    /// The genres as a set, when any are named.
    #[must_use]
    pub fn genre_set(&self) -> Option<GenreSet> {
        GenreSet::new(self.genres.iter().copied()).ok()
    }
}

/// Why a part of a filter answer was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterProblem {
    Dates(DateError),
    Radius(RadiusError),
    /// Words that name no filter: not a date, a distance, an amount, a capacity or a genre.
    Unknown,
}

/// What a typed filter answer gave: the filters understood, and each part refused with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FiltersRead {
    pub filters: SearchFilters,
    pub refused: Vec<(String, FilterProblem)>,
}

/// Words that say "at most" before an amount or a size.
const AT_MOST: &[&str] = &[
    "max", "maximum", "jusqu", "jusqua", "up", "under", "below", "less", "moins", "sous", "<",
    "budget",
];
const KM: &[&str] = &["km", "kms", "kilometres", "kilometers", "kilometre", "kilometer"];
/// Words before a city a search is centred on (folded).
const NEAR: &[&[&str]] = &[
    &["pres", "de"],
    &["autour", "de"],
    &["a", "cote", "de"],
    &["aux", "alentours", "de"],
    &["near"],
    &["around"],
    &["close", "to"],
];
const EUROS: &[&str] = &["eur", "euro", "euros", "e"];
const SEATS: &[&str] = &[
    "places",
    "place",
    "personnes",
    "pers",
    "seats",
    "seat",
    "people",
    "capacity",
    "capacite",
    "spectateurs",
    "spectators",
];
const RELATED: &[&str] = &["related", "proches", "proche", "apparentes", "similar", "voisins"];
/// Words that carry a sentence and nothing else.
const FILLER: &[&str] = &[
    "a", "au", "aux", "de", "des", "du", "en", "et", "and", "for", "in", "la", "le", "les", "l",
    "on", "or", "ou", "pour", "the", "to", "with", "avec", "within", "rayon", "radius", "dans",
    "un", "une", "than", "que", "qu", "genre", "genres", "style", "styles", "d", "at", "is",
];
const ANY_GENRE: &[&[&str]] = &[
    &["any", "genre"],
    &["all", "genres"],
    &["tous", "genres"],
    &["tout", "genre"],
    &["tous", "les", "genres"],
    &["n", "importe", "quel", "genre"],
];

/// A word of the answer, folded to plain lower-case ASCII, with the text it came from.
#[derive(Debug, Clone)]
struct Word {
    folded: String,
    /// A comma or a new line came right before this word.
    breaks: bool,
}

/// Splits at commas, semicolons and new lines, but not inside a number ("1,500").
fn clauses(input: &str) -> Vec<String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        let in_number = c == ','
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if matches!(c, ',' | ';' | '\n') && !in_number {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

fn words(input: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    for (i, clause) in clauses(input).iter().enumerate() {
        let folded = deunicode::deunicode(clause).to_lowercase().replace(['\'', '’'], " ");
        let mut first = i > 0;
        for raw in folded.split_whitespace() {
            // "€900" is "EUR900" once folded: the amount, then its unit.
            let (raw, unit_before) = match raw.strip_prefix("eur") {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => (rest, true),
                _ => (raw, false),
            };
            // "200km", "900eur", "900e" → the number, then its unit; dates keep their shape.
            let numeric_head = raw.chars().take_while(char::is_ascii_digit).count();
            let (head, tail) = raw.split_at(numeric_head);
            let unit_attached = numeric_head > 0
                && !tail.is_empty()
                && tail.chars().all(|c| c.is_ascii_alphabetic());
            let mut parts: Vec<&str> = if unit_attached { vec![head, tail] } else { vec![raw] };
            if unit_before {
                parts.push("eur");
            }
            for p in parts {
                let p = p.trim_matches(|c: char| matches!(c, '.' | '!' | '?' | ':' | '(' | ')'));
                if p.is_empty() {
                    continue;
                }
                // "1 500": a group of three digits continues the number before it.
                if let Some(prev) = out.last_mut() {
                    let is_group = p.len() == 3 && p.chars().all(|c| c.is_ascii_digit());
                    let prev_short = (1..=3).contains(&prev.folded.len())
                        && prev.folded.chars().all(|c| c.is_ascii_digit());
                    if is_group && prev_short && !first {
                        prev.folded.push_str(p);
                        continue;
                    }
                }
                out.push(Word { folded: p.to_owned(), breaks: first });
                first = false;
            }
        }
    }
    out
}

fn number(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('+');
    if w.is_empty() || w.len() > 9 || !w.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    // "1.500" is a thousands separator in French; "1.5" is not a whole number of anything here.
    let digits: String = w.chars().filter(char::is_ascii_digit).collect();
    if w.contains(['.', ',']) && !w.split(['.', ',']).skip(1).all(|g| g.len() == 3) {
        return None;
    }
    digits.parse().ok()
}

/// "100-300", "100–300" in one word.
fn number_range(w: &str) -> Option<(u32, u32)> {
    let (a, b) = w.split_once(['-', '–'])?;
    Some((number(a)?, number(b)?))
}

impl FiltersRead {
    /// Reads a filter answer. `today` places relative dates ("samedi prochain", "en mars").
    #[must_use]
    pub fn parse(input: &str, today: chrono::NaiveDate) -> FiltersRead {
        let mut out = FiltersRead::default();
        if input.len() > 2_000 {
            out.refused.push((input.chars().take(40).collect(), FilterProblem::Unknown));
            return out;
        }
        let ws = words(input);
        let mut used = vec![false; ws.len()];
        let at = |i: usize| ws.get(i).map_or("", |w| w.folded.as_str());
        // Marks the qualifier words ("max", "jusqu'à", "at least") just before position `i`.
        let qualifiers = |used: &mut Vec<bool>, i: usize, set: &[&str]| {
            let mut j = i;
            let mut found = false;
            while j > 0 && !used[j - 1] && (set.contains(&at(j - 1)) || FILLER.contains(&at(j - 1)))
            {
                if set.contains(&at(j - 1)) {
                    found = true;
                }
                j -= 1;
            }
            if found {
                for u in used.iter_mut().take(i).skip(j) {
                    *u = true;
                }
            }
            found
        };

        // Any genre.
        for phrase in ANY_GENRE {
            for i in 0..ws.len() {
                if i + phrase.len() <= ws.len()
                    && (0..phrase.len()).all(|k| !used[i + k] && at(i + k) == phrase[k])
                {
                    for u in used.iter_mut().skip(i).take(phrase.len()) {
                        *u = true;
                    }
                    out.filters.any_genre = true;
                }
            }
        }

        // Around a city: "près de Lyon", "autour de Saint-Étienne", "near Le Mans". The name
        // is the longest run of words after the marker that names a place.
        for i in 0..ws.len() {
            let marker = NEAR.iter().find(|m| {
                i + m.len() <= ws.len() && (0..m.len()).all(|k| !used[i + k] && at(i + k) == m[k])
            });
            let Some(marker) = marker else { continue };
            let start = i + marker.len();
            for len in (1..=3).rev() {
                if start + len > ws.len() || (start..start + len).any(|k| used[k]) {
                    continue;
                }
                let name: Vec<&str> = (start..start + len).map(at).collect();
                if let Ok(city) = super::places::City::parse(&name.join(" ")) {
                    for u in used.iter_mut().skip(i).take(marker.len() + len) {
                        *u = true;
                    }
                    out.filters.near = Some(Near::of(&city));
                    break;
                }
            }
        }

        // The kind of deal: a fixed fee ("cession", "cachet fixe", "flat fee") or a share of the
        // receipts ("coréalisation", "door deal"); both named is no restriction.
        let (mut fee, mut share) = (false, false);
        for i in 0..ws.len() {
            let w = at(i);
            if used[i] {
                continue;
            }
            if FEE_WORDS.contains(&w) {
                used[i] = true;
                fee = true;
            } else if SHARE_WORDS.contains(&w) {
                used[i] = true;
                share = true;
                // "co-réalisation".
                if w == "realisation" && i > 0 && at(i - 1) == "co" {
                    used[i - 1] = true;
                }
            } else if matches!(w, "deal" | "deals" | "contrat" | "fee" | "split") && (fee || share)
            {
                used[i] = true;
            }
        }
        out.filters.deals = match (fee, share) {
            (true, false) => Some(DealsTaken::Fee),
            (false, true) => Some(DealsTaken::Share),
            _ => None,
        };

        // Numbers with a unit: distance, amount, size.
        for i in 0..ws.len() {
            if used[i] {
                continue;
            }
            let w = at(i);
            let unit = at(i + 1);
            if let Some(n) = number(w) {
                if KM.contains(&unit) {
                    used[i] = true;
                    used[i + 1] = true;
                    qualifiers(&mut used, i, AT_MOST);
                    match TravelRadius::parse(&n.to_string()) {
                        Ok(r) => out.filters.radius_km = Some(r.km()),
                        Err(e) => out.refused.push((
                            format!("{} {}", ws[i].folded, ws[i + 1].folded),
                            FilterProblem::Radius(e),
                        )),
                    }
                    continue;
                }
                if EUROS.contains(&unit) {
                    used[i] = true;
                    used[i + 1] = true;
                    qualifiers(&mut used, i, AT_MOST);
                    if let Ok(fee) = Fee::parse(&n.to_string()) {
                        out.filters.max_fee = Some(fee);
                    }
                    continue;
                }
                if SEATS.contains(&unit) {
                    used[i] = true;
                    used[i + 1] = true;
                    let range = match size_bound(&ws, &mut used, i) {
                        _ if w.ends_with('+') => (n, Capacity::MAX),
                        Some(Bound::AtLeast) => (n, Capacity::MAX),
                        Some(Bound::AtMost) => (1, n),
                        // "200 places": about that size.
                        None => (n * 3 / 4, n + n / 4),
                    };
                    out.filters.capacity = capacity(range);
                    continue;
                }
                // "max 900" with no unit: an amount.
                if i > 0 && !used[i - 1] && matches!(at(i - 1), "max" | "maximum" | "budget") {
                    used[i] = true;
                    used[i - 1] = true;
                    if let Ok(fee) = Fee::parse(&n.to_string()) {
                        out.filters.max_fee = Some(fee);
                    }
                    continue;
                }
                // "100 à 300 places", "between 100 and 300 seats".
                if matches!(unit, "a" | "to" | "-" | "et" | "and")
                    && let (Some(m), true) = (number(at(i + 2)), SEATS.contains(&at(i + 3)))
                {
                    for u in used.iter_mut().skip(i).take(4) {
                        *u = true;
                    }
                    if i > 0 && matches!(at(i - 1), "entre" | "between" | "de" | "from") {
                        used[i - 1] = true;
                    }
                    out.filters.capacity = capacity((n.min(m), n.max(m)));
                    continue;
                }
            }
            if let (Some((a, b)), true) = (number_range(w), SEATS.contains(&unit)) {
                used[i] = true;
                used[i + 1] = true;
                out.filters.capacity = capacity((a.min(b), a.max(b)));
            }
        }

        // Related genres.
        for (u, w) in used.iter_mut().zip(&ws) {
            if !*u && RELATED.contains(&w.folded.as_str()) {
                *u = true;
                out.filters.related = true;
            }
        }

        // Genres, the longest names first ("chanson francaise" before "chanson").
        for len in (1..=3).rev() {
            for i in 0..ws.len() {
                if i + len > ws.len() || (i..i + len).any(|k| used[k]) {
                    continue;
                }
                let phrase: Vec<&str> = (i..i + len).map(at).collect();
                let (found, _) = GenreSet::read(&phrase.join(" "));
                if let Some(g) = found.first() {
                    for u in used.iter_mut().skip(i).take(len) {
                        *u = true;
                    }
                    if !out.filters.genres.contains(g) {
                        out.filters.genres.push(*g);
                    }
                }
            }
        }

        // What is left: dates, read clause by clause (a comma or an understood word ends one).
        let mut chunks: Vec<Vec<usize>> = Vec::new();
        for i in 0..ws.len() {
            if used[i] {
                chunks.push(Vec::new());
                continue;
            }
            if ws[i].breaks || chunks.is_empty() {
                chunks.push(Vec::new());
            }
            if let Some(last) = chunks.last_mut() {
                last.push(i);
            }
        }
        let mut dates = std::collections::BTreeSet::new();
        for chunk in chunks.into_iter().filter(|c| !c.is_empty()) {
            let text: Vec<&str> = chunk.iter().map(|&i| at(i)).collect();
            if text.iter().all(|w| FILLER.contains(w)) {
                continue;
            }
            let whole = text.join(" ");
            let read = DateSet::read(&whole, today);
            if read.refused.is_empty() && !read.kept.is_empty() {
                dates.extend(read.kept);
                continue;
            }
            // "2026-12-19 19/12": each word a date of its own.
            let mut refused = Vec::new();
            let mut understood = false;
            for w in text.into_iter().filter(|w| !FILLER.contains(w)) {
                let read = DateSet::read(w, today);
                understood |= !read.kept.is_empty();
                dates.extend(read.kept);
                match read.refused.into_iter().next() {
                    Some((_, DateError::Format)) => {
                        refused.push((w.to_owned(), FilterProblem::Unknown));
                    }
                    Some((item, e)) => {
                        understood = true;
                        refused.push((item, FilterProblem::Dates(e)));
                    }
                    None => {}
                }
            }
            // Words of which none means anything here are named together, as typed.
            if understood {
                out.refused.extend(refused);
            } else {
                out.refused.push((whole, FilterProblem::Unknown));
            }
        }
        if !dates.is_empty() {
            match DateSet::new(dates, today) {
                Ok(d) => out.filters.dates = Some(d),
                Err(e) => out.refused.push((String::new(), FilterProblem::Dates(e))),
            }
        }
        out
    }
}

enum Bound {
    AtLeast,
    AtMost,
}

/// "au moins 200", "at least 200", "plus de 200", "min 200" / "moins de 200", "up to 200",
/// "max 200", "under 200": the words before position `i`, marked as used when they say it.
fn size_bound(ws: &[Word], used: &mut [bool], i: usize) -> Option<Bound> {
    let before = |k: usize| if i >= k && !used[i - k] { ws[i - k].folded.as_str() } else { "" };
    let (bound, len) = match (before(2), before(1)) {
        ("au", "moins") | ("at", "least") => (Bound::AtLeast, 2),
        ("plus", "de") | ("more", "than") => (Bound::AtLeast, 2),
        ("moins", "de") | ("up", "to") | ("less", "than") | ("jusqu", "a") => (Bound::AtMost, 2),
        (_, "min" | "minimum" | "over" | "above") => (Bound::AtLeast, 1),
        (_, "max" | "maximum" | "under" | "below" | "sous") => (Bound::AtMost, 1),
        _ => return None,
    };
    for u in used.iter_mut().take(i).skip(i - len) {
        *u = true;
    }
    Some(bound)
}

fn capacity((min, max): (u32, u32)) -> Option<AudienceRange> {
    let min = Capacity::try_from(i64::from(min.max(1))).ok()?;
    let max = Capacity::try_from(i64::from(max.clamp(1, Capacity::MAX))).ok()?;
    AudienceRange::new(min, max).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

    use chrono::NaiveDate;

    use super::*;

    /// Tuesday 24 November 2026.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn genre(name: &str) -> GenreId {
        GenreSet::read(name).0[0]
    }

    fn dates(f: &SearchFilters) -> Vec<NaiveDate> {
        f.dates.as_ref().map(|s| s.dates().iter().copied().collect()).unwrap_or_default()
    }

    #[test]
    fn typed_filters_in_both_languages() {
        // (text, dates, radius, genres, max fee, capacity)
        type Row = (
            &'static str,
            Vec<NaiveDate>,
            Option<u16>,
            Vec<&'static str>,
            Option<u32>,
            Option<(u32, u32)>,
        );
        let table: Vec<Row> = vec![
            ("samedi prochain", vec![d(2026, 11, 28)], None, vec![], None, None),
            ("next friday", vec![d(2026, 11, 27)], None, vec![], None, None),
            ("200km", vec![], Some(200), vec![], None, None),
            ("2026-12-19 200km", vec![d(2026, 12, 19)], Some(200), vec![], None, None),
            ("19/12", vec![d(2026, 12, 19)], None, vec![], None, None),
            ("2026-12-19 19/12/2026", vec![d(2026, 12, 19)], None, vec![], None, None),
            (
                "19/12, 20/12 à moins de 150 km",
                vec![d(2026, 12, 19), d(2026, 12, 20)],
                Some(150),
                vec![],
                None,
                None,
            ),
            ("jazz, blues max 900 €", vec![], None, vec!["jazz", "blues"], Some(900), None),
            ("jazz max 900", vec![], None, vec!["jazz"], Some(900), None),
            ("up to €1,500", vec![], None, vec![], Some(1500), None),
            ("max 1 500 €", vec![], None, vec![], Some(1500), None),
            ("200 places", vec![], None, vec![], None, Some((150, 250))),
            ("moins de 300 places", vec![], None, vec![], None, Some((1, 300))),
            ("au moins 300 places", vec![], None, vec![], None, Some((300, Capacity::MAX))),
            (
                "chanson française 100-300 places",
                vec![],
                None,
                vec!["chanson française"],
                None,
                Some((100, 300)),
            ),
            ("entre 100 et 300 personnes", vec![], None, vec![], None, Some((100, 300))),
            ("100 to 300 seats within 50 km", vec![], Some(50), vec![], None, Some((100, 300))),
            ("at least 200 seats", vec![], None, vec![], None, Some((200, Capacity::MAX))),
            (
                "rock jusqu'à 800 euros ce week-end",
                vec![d(2026, 11, 28), d(2026, 11, 29)],
                None,
                vec!["rock"],
                Some(800),
                None,
            ),
        ];
        for (text, want_dates, radius, genres, fee, cap) in table {
            let read = FiltersRead::parse(text, today());
            let f = &read.filters;
            assert_eq!(dates(f), want_dates, "{text}: dates");
            assert_eq!(f.radius_km, radius, "{text}: radius");
            let want: Vec<GenreId> = genres.iter().map(|g| genre(g)).collect();
            assert_eq!(f.genres, want, "{text}: genres");
            assert_eq!(f.max_fee.map(Fee::euros), fee, "{text}: max fee");
            assert_eq!(
                f.capacity.map(|c| (c.min().people(), c.max().people())),
                cap,
                "{text}: capacity"
            );
            assert!(read.refused.is_empty(), "{text}: refused {:?}", read.refused);
        }
    }

    #[test]
    fn around_a_city_in_both_languages() {
        for (text, city) in [
            ("près de Lyon 50 km", Some("Lyon")),
            ("autour de Saint-Étienne, jazz", Some("Saint-Étienne")),
            ("near Lille max 900 €", Some("Lille")),
            ("around le mans", Some("Le Mans")),
            ("jazz 200 km", None),
        ] {
            let r = FiltersRead::parse(text, today());
            assert_eq!(r.filters.near.as_ref().map(|n| n.name.as_str()), city, "{text}");
            if city.is_some() {
                assert!(r.refused.is_empty(), "{text}: {:?}", r.refused);
            }
        }
        let r = FiltersRead::parse("près de Lyon 50 km", today());
        assert_eq!(r.filters.radius_km, Some(50));
        assert!(r.filters.is_on(FilterKind::Near));
        let r = FiltersRead::parse("près de Zorglubville", today());
        assert!(r.filters.near.is_none() && !r.refused.is_empty(), "{r:?}");
    }

    #[test]
    fn the_kind_of_deal_in_both_languages() {
        use super::DealsTaken::{Fee, Share};
        for (text, deals) in [
            ("cession", Some(Fee)),
            ("en cession 200 km", Some(Fee)),
            ("cachet fixe", Some(Fee)),
            ("flat fee jazz", Some(Fee)),
            ("coréalisation", Some(Share)),
            ("co-réalisation max 900 €", Some(Share)),
            ("door deal", Some(Share)),
            ("share of the receipts", None),
            ("cession ou coréalisation", None),
            ("jazz 200 km", None),
        ] {
            let r = FiltersRead::parse(text, today());
            assert_eq!(r.filters.deals, deals, "{text}");
            if deals.is_some() {
                assert!(r.refused.is_empty(), "{text}: {:?}", r.refused);
                assert!(r.filters.is_on(FilterKind::Deals));
            }
        }
    }

    #[test]
    fn a_month_and_related_genres_and_any_genre() {
        let r = FiltersRead::parse("en mars, jazz et proches", today());
        assert_eq!(dates(&r.filters).len(), 31);
        assert_eq!(r.filters.genres, vec![genre("jazz")]);
        assert!(r.filters.related);
        let r = FiltersRead::parse("any genre next week", today());
        assert!(r.filters.any_genre);
        assert_eq!(dates(&r.filters).first(), Some(&d(2026, 11, 30)));
        assert!(r.refused.is_empty(), "{:?}", r.refused);
    }

    #[test]
    fn what_is_not_understood_is_named_and_the_rest_kept() {
        let r = FiltersRead::parse("jazz 19/12 zorglub", today());
        assert_eq!(r.filters.genres, vec![genre("jazz")]);
        assert_eq!(dates(&r.filters), vec![d(2026, 12, 19)]);
        assert_eq!(r.refused, vec![("zorglub".to_owned(), FilterProblem::Unknown)]);
        let r = FiltersRead::parse("14/11/2026, 19/12", today());
        assert_eq!(dates(&r.filters), vec![d(2026, 12, 19)]);
        assert!(matches!(r.refused[..], [(_, FilterProblem::Dates(DateError::Past { .. }))]));
        let r = FiltersRead::parse("30/02/2027", today());
        assert!(matches!(r.refused[..], [(_, FilterProblem::Dates(DateError::Impossible(_)))]));
        let r = FiltersRead::parse("9000 km", today());
        assert!(matches!(r.refused[..], [(_, FilterProblem::Radius(_))]));
    }

    #[test]
    fn newer_filters_replace_only_what_they_set() {
        let old = FiltersRead::parse("jazz 200 km 19/12", today()).filters;
        let new = FiltersRead::parse("50 km", today()).filters;
        let m = old.merged(&new);
        assert_eq!(m.radius_km, Some(50));
        assert_eq!(m.genres, vec![genre("jazz")]);
        assert_eq!(dates(&m), vec![d(2026, 12, 19)]);
        let mut m = m;
        m.clear(FilterKind::Genres);
        assert_eq!(m.active(), vec![FilterKind::Dates, FilterKind::Radius]);
    }

    #[test]
    fn stored_filters_read_back() {
        let f = FiltersRead::parse("jazz 200 km 19/12 max 900 €", today()).filters;
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<SearchFilters>(&json).unwrap(), f);
        assert_eq!(serde_json::from_str::<SearchFilters>("{}").unwrap(), SearchFilters::default());
    }
}
