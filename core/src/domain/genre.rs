//! The fixed genre taxonomy: a two-level tree ("rock" ⊃ "indie rock") with French and English names.
//!
//! A parent means "a kind of": punk is a kind of rock, bebop a kind of jazz. Soul, funk, R&B and
//! gospel are a family of their own, not kinds of blues; a singer-songwriter is a way of
//! working, not a kind of folk; "jeune public" is a family apart, so it relates to no music genre
//! (who a show is for is the profile's audience, `domain::audience`).
//!
//! Profiles store genre slugs, never indexes, so the tree can grow without a data migration.
//! Matching compares genres through this tree: the same genre beats a parent or child, which
//! beats a sibling, which beats nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One genre of the taxonomy.
#[derive(Debug)]
pub struct Genre {
    pub slug: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
    /// The family this genre belongs to; `None` for a family.
    pub parent: Option<&'static str>,
}

macro_rules! taxonomy {
    ($( $slug:literal, $fr:literal, $en:literal, $parent:expr ;)*) => {
        /// The whole tree, families first within each group. Order is part of the `GenreId` of a
        /// running process only; storage uses slugs.
        pub static GENRES: &[Genre] = &[ $( Genre { slug: $slug, fr: $fr, en: $en, parent: $parent }, )* ];
    };
}

taxonomy! {
    "rock", "Rock", "Rock", None;
    "indie-rock", "Rock indé", "Indie rock", Some("rock");
    "punk", "Punk", "Punk", Some("rock");
    "metal", "Metal", "Metal", Some("rock");
    "hard-rock", "Hard rock", "Hard rock", Some("rock");
    "post-rock", "Post-rock", "Post-rock", Some("rock");
    "garage-rock", "Garage rock", "Garage rock", Some("rock");
    "psychedelic-rock", "Rock psychédélique", "Psychedelic rock", Some("rock");
    "pop", "Pop", "Pop", None;
    "indie-pop", "Pop indé", "Indie pop", Some("pop");
    "synth-pop", "Synth-pop", "Synth-pop", Some("pop");
    "french-pop", "Pop française", "French pop", Some("pop");
    "chanson", "Chanson française", "French chanson", None;
    "chanson-realiste", "Chanson réaliste", "Chanson réaliste", Some("chanson");
    "nouvelle-chanson", "Nouvelle chanson", "Nouvelle chanson", Some("chanson");
    "jazz", "Jazz", "Jazz", None;
    "jazz-manouche", "Jazz manouche", "Gypsy jazz", Some("jazz");
    "bebop", "Bebop", "Bebop", Some("jazz");
    "jazz-fusion", "Jazz fusion", "Jazz fusion", Some("jazz");
    "swing", "Swing", "Swing", Some("jazz");
    "vocal-jazz", "Jazz vocal", "Vocal jazz", Some("jazz");
    "blues", "Blues", "Blues", None;
    "soul-funk", "Soul / funk", "Soul / funk", None;
    "soul", "Soul", "Soul", Some("soul-funk");
    "funk", "Funk", "Funk", Some("soul-funk");
    "rnb", "R'n'B", "R&B", Some("soul-funk");
    "gospel", "Gospel", "Gospel", Some("soul-funk");
    "hip-hop", "Rap / hip-hop", "Rap / hip-hop", None;
    "french-rap", "Rap français", "French rap", Some("hip-hop");
    "trap", "Trap", "Trap", Some("hip-hop");
    "boom-bap", "Boom bap", "Boom bap", Some("hip-hop");
    "electro", "Électro", "Electronic", None;
    "house", "House", "House", Some("electro");
    "techno", "Techno", "Techno", Some("electro");
    "drum-and-bass", "Drum and bass", "Drum and bass", Some("electro");
    "ambient", "Ambient", "Ambient", Some("electro");
    "french-touch", "French touch", "French touch", Some("electro");
    "world", "Musiques du monde", "World music", None;
    "afrobeat", "Afrobeat", "Afrobeat", Some("world");
    "reggae", "Reggae", "Reggae", Some("world");
    "latin", "Musiques latines", "Latin music", Some("world");
    "maghreb", "Musiques du Maghreb", "North African music", Some("world");
    "balkan", "Musiques des Balkans", "Balkan music", Some("world");
    "folk", "Folk", "Folk", None;
    "trad", "Musique trad", "Traditional music", Some("folk");
    "celtic", "Musique celtique", "Celtic music", Some("folk");
    "singer-songwriter", "Auteur-compositeur", "Singer-songwriter", None;
    "country", "Country", "Country", Some("folk");
    "classical", "Classique", "Classical", None;
    "baroque", "Baroque", "Baroque", Some("classical");
    "chamber-music", "Musique de chambre", "Chamber music", Some("classical");
    "contemporary-classical", "Musique contemporaine", "Contemporary classical", Some("classical");
    "opera", "Opéra", "Opera", Some("classical");
    "experimental", "Expérimental", "Experimental", None;
    "noise", "Noise", "Noise", Some("experimental");
    "improv", "Musique improvisée", "Free improvisation", Some("experimental");
    "kids", "Jeune public", "Children's music", None;
}

/// A genre known to the taxonomy: an index into [`GENRES`], valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GenreId(u8);

/// How two genres relate in the tree, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GenreRelation {
    Same,
    /// One is the family of the other ("rock" and "indie rock").
    ParentOrChild,
    /// Both belong to the same family ("indie rock" and "punk").
    Sibling,
    Unrelated,
}

impl GenreId {
    /// Looks a genre up by slug.
    #[must_use]
    pub fn from_slug(slug: &str) -> Option<Self> {
        GENRES.iter().position(|g| g.slug == slug).and_then(|i| u8::try_from(i).ok()).map(Self)
    }

    /// Every genre of the taxonomy, in order.
    pub fn all() -> impl Iterator<Item = GenreId> {
        (0..GENRES.len()).filter_map(|i| u8::try_from(i).ok()).map(GenreId)
    }

    /// The families (top-level genres).
    pub fn families() -> impl Iterator<Item = GenreId> {
        Self::all().filter(|g| g.genre().parent.is_none())
    }

    /// The sub-genres of this family.
    pub fn children(self) -> impl Iterator<Item = GenreId> {
        let slug = self.slug();
        Self::all().filter(move |g| g.genre().parent == Some(slug))
    }

    #[must_use]
    pub fn genre(self) -> &'static Genre {
        &GENRES[usize::from(self.0)]
    }

    #[must_use]
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    #[must_use]
    pub fn slug(self) -> &'static str {
        self.genre().slug
    }

    #[must_use]
    pub fn name(self, lang: super::Lang) -> &'static str {
        match lang {
            super::Lang::Fr => self.genre().fr,
            super::Lang::En => self.genre().en,
        }
    }

    /// The family of this genre (itself for a family).
    #[must_use]
    pub fn family(self) -> GenreId {
        self.genre().parent.and_then(GenreId::from_slug).unwrap_or(self)
    }

    #[must_use]
    pub fn relation(self, other: GenreId) -> GenreRelation {
        if self == other {
            GenreRelation::Same
        } else if self.family() == other || other.family() == self {
            GenreRelation::ParentOrChild
        } else if self.family() == other.family() {
            GenreRelation::Sibling
        } else {
            GenreRelation::Unrelated
        }
    }

    /// Finds genres whose French or English name or slug contains the typed words, ignoring case
    /// and accents, for the "search by typing" of the genre picker.
    #[must_use]
    pub fn search(query: &str) -> Vec<GenreId> {
        let q = fold(query);
        if q.is_empty() {
            return Vec::new();
        }
        Self::all()
            .filter(|g| {
                let genre = g.genre();
                [genre.slug, genre.fr, genre.en].iter().any(|n| fold(n).contains(&q))
            })
            .collect()
    }
}

/// Edit distance (insertions, deletions, substitutions) between two short strings.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = here;
        }
    }
    row[b.len()]
}

impl GenreId {
    /// Genres a mistyped name probably meant ("folck" → folk, "electro pop" → électro-pop):
    /// names within a small edit distance of the accent-free, lower-case input, closest first,
    /// then names that contain it. At most `max`.
    #[must_use]
    pub fn suggest(input: &str, max: usize) -> Vec<GenreId> {
        let q = fold(input);
        if q.is_empty() || q.len() > 60 {
            return Vec::new();
        }
        // One typo per four letters, at least one, at most three.
        let allowed = (q.chars().count() / 4).clamp(1, 3);
        let mut scored: Vec<(usize, GenreId)> = Self::all()
            .filter_map(|g| {
                let genre = g.genre();
                let best = [genre.slug, genre.fr, genre.en]
                    .iter()
                    .map(|n| {
                        let n = fold(n);
                        if n.contains(&q) { allowed + 1 } else { distance(&q, &n) }
                    })
                    .min()?;
                (best <= allowed + 1).then_some((best, g))
            })
            .collect();
        scored.sort_by_key(|(d, g)| (*d, g.index()));
        scored.into_iter().map(|(_, g)| g).take(max).collect()
    }
}

/// Lower-case, accent-free, separators as single spaces: "Électro-Pop" → "electro pop".
fn fold(s: &str) -> String {
    let plain = deunicode::deunicode(s).to_lowercase();
    plain
        .split(|c: char| !c.is_alphanumeric() && c != '&')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for GenreId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl Serialize for GenreId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.slug())
    }
}

impl<'de> Deserialize<'de> for GenreId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let slug = String::deserialize(d)?;
        GenreId::from_slug(&slug)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown genre {slug:?}")))
    }
}

/// Why a set of genres was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenreError {
    #[error("choose at least one genre")]
    Empty,
    #[error("choose at most {max} genres")]
    TooMany { max: usize },
    #[error("that list is too long: at most {max} characters")]
    TooLong { max: usize },
    #[error("unknown genre “{0}”")]
    Unknown(String),
}

/// One to five distinct genres of the taxonomy, kept sorted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<GenreId>", into = "Vec<GenreId>")]
pub struct GenreSet(Vec<GenreId>);

impl GenreSet {
    pub const MAX: usize = 5;
    /// Longer typed input is refused before it is read.
    pub const MAX_INPUT: usize = 500;

    /// Builds a set from genres already known to the taxonomy; duplicates are merged.
    pub fn new(genres: impl IntoIterator<Item = GenreId>) -> Result<Self, GenreError> {
        let mut v: Vec<GenreId> = genres.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        match v.len() {
            0 => Err(GenreError::Empty),
            n if n > Self::MAX => Err(GenreError::TooMany { max: Self::MAX }),
            _ => Ok(Self(v)),
        }
    }

    /// Reads every item of a typed list on its own: the genres found, and the items not found
    /// (so one typo does not throw the good ones away). Input over [`GenreSet::MAX_INPUT`] is
    /// not read.
    #[must_use]
    pub fn read(input: &str) -> (Vec<GenreId>, Vec<String>) {
        let mut found = Vec::new();
        let mut unknown = Vec::new();
        if input.len() > Self::MAX_INPUT {
            return (found, unknown);
        }
        for part in input.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let folded = fold(part);
            let hit = GenreId::all().find(|g| {
                let genre = g.genre();
                [genre.slug, genre.fr, genre.en].iter().any(|n| fold(n) == folded)
            });
            match hit {
                Some(id) if !found.contains(&id) => found.push(id),
                Some(_) => {}
                None => unknown.push(part.chars().take(40).collect()),
            }
        }
        (found, unknown)
    }

    /// Parses slugs or names separated by commas: "rock, jazz manouche".
    pub fn parse(input: &str) -> Result<Self, GenreError> {
        if input.len() > Self::MAX_INPUT {
            return Err(GenreError::TooLong { max: Self::MAX_INPUT });
        }
        let mut ids = Vec::new();
        for part in input.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let folded = fold(part);
            let found = GenreId::all().find(|g| {
                let genre = g.genre();
                [genre.slug, genre.fr, genre.en].iter().any(|n| fold(n) == folded)
            });
            let id = found.ok_or_else(|| GenreError::Unknown(part.chars().take(40).collect()))?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Self::new(ids)
    }

    #[must_use]
    pub fn ids(&self) -> &[GenreId] {
        &self.0
    }

    #[must_use]
    pub fn contains(&self, g: GenreId) -> bool {
        self.0.contains(&g)
    }

    /// The best relation between any genre of `self` and any of `other`, with the pair.
    #[must_use]
    pub fn best_relation(&self, other: &GenreSet) -> (GenreRelation, GenreId, GenreId) {
        let mut best = (GenreRelation::Unrelated, self.0[0], other.0[0]);
        for &a in &self.0 {
            for &b in &other.0 {
                let r = a.relation(b);
                if r < best.0 {
                    best = (r, a, b);
                }
            }
        }
        best
    }

    /// Slugs joined by commas, the stored form.
    #[must_use]
    pub fn to_slugs(&self) -> String {
        self.0.iter().map(|g| g.slug()).collect::<Vec<_>>().join(",")
    }
}

impl TryFrom<Vec<GenreId>> for GenreSet {
    type Error = GenreError;
    fn try_from(v: Vec<GenreId>) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<GenreSet> for Vec<GenreId> {
    fn from(s: GenreSet) -> Self {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(slug: &str) -> GenreId {
        GenreId::from_slug(slug).unwrap()
    }

    #[test]
    fn taxonomy_is_a_well_formed_tree_of_at_least_40_genres() {
        assert!(GENRES.len() >= 40);
        for genre in GENRES {
            if let Some(p) = genre.parent {
                let parent = GenreId::from_slug(p).expect("parent exists");
                assert!(parent.genre().parent.is_none(), "{} nests too deep", genre.slug);
            }
            assert_eq!(GENRES.iter().filter(|o| o.slug == genre.slug).count(), 1);
        }
        assert!(GENRES.len() < 256);
    }

    #[test]
    fn relations_rank_same_then_family_then_sibling() {
        assert_eq!(g("rock").relation(g("rock")), GenreRelation::Same);
        assert_eq!(g("rock").relation(g("indie-rock")), GenreRelation::ParentOrChild);
        assert_eq!(g("indie-rock").relation(g("rock")), GenreRelation::ParentOrChild);
        assert_eq!(g("jazz").relation(g("jazz-manouche")), GenreRelation::ParentOrChild);
        assert_eq!(g("punk").relation(g("indie-rock")), GenreRelation::Sibling);
        assert_eq!(g("punk").relation(g("jazz")), GenreRelation::Unrelated);
        assert!(GenreRelation::Same < GenreRelation::ParentOrChild);
    }

    /// A parent means "a kind of" (issue 11): funk and soul are not blues, a children's show is
    /// not jazz, a singer-songwriter not necessarily folk.
    #[test]
    fn a_parent_is_what_a_genre_is_a_kind_of() {
        assert_eq!(g("funk").relation(g("blues")), GenreRelation::Unrelated);
        assert_eq!(g("soul").relation(g("blues")), GenreRelation::Unrelated);
        assert_eq!(g("funk").relation(g("soul")), GenreRelation::Sibling);
        assert_eq!(g("soul-funk").relation(g("rnb")), GenreRelation::ParentOrChild);
        assert_eq!(g("kids").relation(g("jazz")), GenreRelation::Unrelated);
        assert_eq!(g("kids").relation(g("chanson")), GenreRelation::Unrelated);
        assert_eq!(g("singer-songwriter").relation(g("folk")), GenreRelation::Unrelated);
        assert!(GENRES.len() <= 64, "the match index keeps genres in 64-bit sets");
    }

    #[test]
    fn sets_hold_one_to_five_known_genres() {
        assert_eq!(GenreSet::parse(""), Err(GenreError::Empty));
        assert_eq!(
            GenreSet::parse("rock, pop, jazz, blues, folk, punk"),
            Err(GenreError::TooMany { max: 5 })
        );
        assert!(matches!(GenreSet::parse("rock, polka-core"), Err(GenreError::Unknown(_))));
        let (found, unknown) = GenreSet::read("chanson francaise, folck");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].slug(), "chanson");
        assert_eq!(unknown, vec!["folck".to_owned()]);
        let folk = GenreId::suggest("folck", 3);
        assert!(folk.iter().any(|g| g.slug() == "folk"), "{folk:?}");
        assert!(GenreId::suggest("zzzzzzzzzzzz", 3).is_empty());
        let set = GenreSet::parse("Rock indé, JAZZ MANOUCHE, electro").unwrap();
        assert_eq!(set.to_slugs(), "indie-rock,jazz-manouche,electro");
        assert_eq!(GenreSet::parse("rock, rock").unwrap().ids().len(), 1);
        assert_eq!(GenreSet::parse("rock,rock,rock,rock,rock,rock,rock").unwrap().ids().len(), 1);
        let huge = "rock,".repeat(2_000_000);
        assert_eq!(GenreSet::parse(&huge), Err(GenreError::TooLong { max: 500 }));
        let many: String = GENRES.iter().take(10).map(|g| g.slug).collect::<Vec<_>>().join(",");
        assert_eq!(GenreSet::parse(&many), Err(GenreError::TooMany { max: 5 }));
    }

    #[test]
    fn search_ignores_case_and_accents() {
        assert!(GenreId::search("electro").contains(&g("electro")));
        assert!(GenreId::search("MANOUCHE").contains(&g("jazz-manouche")));
        assert!(GenreId::search("   ").is_empty());
    }

    #[test]
    fn serde_uses_slugs() {
        let set = GenreSet::parse("rock, jazz").unwrap();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["rock","jazz"]"#);
        assert_eq!(serde_json::from_str::<GenreSet>(&json).unwrap(), set);
        assert!(serde_json::from_str::<GenreSet>("[]").is_err());
    }
}
