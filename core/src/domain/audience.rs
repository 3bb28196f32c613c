//! Who a show is for and how they watch it (SPEC §2): all ages, a young audience or adults;
//! seated, standing or either. An artist says it of their show, a venue of its room; matching
//! reads both (docs/product-rules.md §3: a children's show is no fit for an adults-only bar, a
//! seated recital a poor one for a standing club).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The ages a show is for, or a room admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ages {
    /// French "tout public".
    All,
    /// French "jeune public": a show made for children.
    Young,
    /// Adults only (a bar, a club, a show not for children).
    Adult,
}

/// How the audience watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seating {
    Seated,
    Standing,
    /// Either: a room that can be set both ways, a show that plays both.
    Either,
}

/// A show's or a room's audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Audience {
    pub ages: Ages,
    pub seating: Seating,
}

/// Why an audience answer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AudienceKindError {
    #[error("say who the show is for (all ages, young audience, adults) and seated or standing")]
    Unknown,
    #[error("say whether the audience is seated, standing, or either")]
    NoSeating,
    #[error("say who the show is for: all ages, a young audience, or adults")]
    NoAges,
    #[error("the answer names two different audiences")]
    Conflicting,
}

/// Words (folded to ASCII lower case) for each value, French and English.
const ALL: &[&str] =
    &["tout public", "tous publics", "all ages", "all audiences", "everyone", "familial", "family"];
const YOUNG: &[&str] = &[
    "jeune public",
    "young audience",
    "children",
    "kids",
    "enfants",
    "enfant",
    "jeunesse",
    "young",
];
const ADULT: &[&str] = &["adulte", "adultes", "adult", "adults", "18+", "majeurs", "grown ups"];
const SEATED: &[&str] = &["assis", "seated", "sitting", "seats", "places assises"];
const STANDING: &[&str] = &["debout", "standing", "stand up", "standing room"];
const EITHER: &[&str] = &[
    "assis ou debout",
    "debout ou assis",
    "les deux",
    "both",
    "either",
    "seated or standing",
    "standing or seated",
    "mixte",
    "mixed",
    "modulable",
];

pub(crate) fn fold_words(s: &str) -> String {
    let plain = deunicode::deunicode(s).to_lowercase();
    let words: Vec<&str> =
        plain.split(|c: char| !c.is_alphanumeric() && c != '+').filter(|w| !w.is_empty()).collect();
    format!(" {} ", words.join(" "))
}

fn has(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(&format!(" {w} ")))
}

impl Audience {
    /// "tout public, assis", "adults standing", "jeune public · assis ou debout". The ages and
    /// the seating may come in any order; both are needed.
    pub fn parse(input: &str) -> Result<Self, AudienceKindError> {
        if input.len() > 200 {
            return Err(AudienceKindError::Unknown);
        }
        let text = fold_words(input);
        let either = has(&text, EITHER);
        // "assis ou debout" contains both words: the either-phrase wins over each alone.
        let seated = !either && has(&text, SEATED);
        let standing = !either && has(&text, STANDING);
        let ages: Vec<Ages> = [(Ages::All, ALL), (Ages::Young, YOUNG), (Ages::Adult, ADULT)]
            .into_iter()
            .filter(|(_, words)| has(&text, words))
            .map(|(a, _)| a)
            .collect();
        let seating = match (either, seated, standing) {
            (true, _, _) | (false, true, true) => Some(Seating::Either),
            (false, true, false) => Some(Seating::Seated),
            (false, false, true) => Some(Seating::Standing),
            (false, false, false) => None,
        };
        match (ages.as_slice(), seating) {
            ([], None) => Err(AudienceKindError::Unknown),
            ([_, _, ..], _) => Err(AudienceKindError::Conflicting),
            ([], Some(_)) => Err(AudienceKindError::NoAges),
            ([_], None) => Err(AudienceKindError::NoSeating),
            ([ages], Some(seating)) => Ok(Self { ages: *ages, seating }),
        }
    }

    /// How well a show for `self` fits a room for `room`, per mille, as a programmer sees it:
    /// a children's show in an adults-only room (or an adults-only show in a children's venue)
    /// does not fit at all; an all-ages show in a room that programmes for children half (it is
    /// not a children's show); a children's show in an all-ages room three quarters (families
    /// come, but the room is not made for them); a seated show in a standing room, or the
    /// reverse, half.
    #[must_use]
    pub fn fit(self, room: Audience) -> u32 {
        let ages = match (self.ages, room.ages) {
            (Ages::Young, Ages::Adult) | (Ages::Adult, Ages::Young) => 0,
            (Ages::All, Ages::Young) => 500,
            (Ages::Young, Ages::All) => 750,
            _ => 1000,
        };
        let seating = match (self.seating, room.seating) {
            (Seating::Seated, Seating::Standing) | (Seating::Standing, Seating::Seated) => 500,
            _ => 1000,
        };
        ages * seating / 1000
    }

    /// A stable short code ("all-seated"), for storage-free round trips in buttons and tests.
    #[must_use]
    pub fn code(self) -> String {
        let a = match self.ages {
            Ages::All => "all",
            Ages::Young => "young",
            Ages::Adult => "adult",
        };
        let s = match self.seating {
            Seating::Seated => "seated",
            Seating::Standing => "standing",
            Seating::Either => "either",
        };
        format!("{a}-{s}")
    }

    /// The inverse of [`Audience::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        let (a, s) = code.split_once('-')?;
        let ages = match a {
            "all" => Ages::All,
            "young" => Ages::Young,
            "adult" => Ages::Adult,
            _ => return None,
        };
        let seating = match s {
            "seated" => Seating::Seated,
            "standing" => Seating::Standing,
            "either" => Seating::Either,
            _ => return None,
        };
        Some(Self { ages, seating })
    }

    /// Every audience, for buttons.
    pub const ALL: [Audience; 9] = [
        Audience { ages: Ages::All, seating: Seating::Seated },
        Audience { ages: Ages::All, seating: Seating::Standing },
        Audience { ages: Ages::All, seating: Seating::Either },
        Audience { ages: Ages::Young, seating: Seating::Seated },
        Audience { ages: Ages::Young, seating: Seating::Standing },
        Audience { ages: Ages::Young, seating: Seating::Either },
        Audience { ages: Ages::Adult, seating: Seating::Seated },
        Audience { ages: Ages::Adult, seating: Seating::Standing },
        Audience { ages: Ages::Adult, seating: Seating::Either },
    ];
}

impl fmt::Display for Audience {
    /// English, for logs and tests; people read it through the locale files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = match self.ages {
            Ages::All => "all ages",
            Ages::Young => "young audience",
            Ages::Adult => "adults",
        };
        let s = match self.seating {
            Seating::Seated => "seated",
            Seating::Standing => "standing",
            Seating::Either => "seated or standing",
        };
        write!(f, "{a}, {s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(ages: Ages, seating: Seating) -> Audience {
        Audience { ages, seating }
    }

    #[test]
    fn audiences_read_in_both_languages() {
        use Ages::*;
        use Seating::*;
        let table = [
            ("tout public, assis", Ok(a(All, Seated))),
            ("Tout public · debout", Ok(a(All, Standing))),
            ("jeune public, assis ou debout", Ok(a(Young, Either))),
            ("Adultes debout", Ok(a(Adult, Standing))),
            ("all ages, seated", Ok(a(All, Seated))),
            ("young audience standing", Ok(a(Young, Standing))),
            ("adults, either", Ok(a(Adult, Either))),
            ("seated adults", Ok(a(Adult, Seated))),
            ("18+ standing", Ok(a(Adult, Standing))),
            ("assis et debout, tout public", Ok(a(All, Either))),
            ("debout", Err(AudienceKindError::NoAges)),
            ("tout public", Err(AudienceKindError::NoSeating)),
            ("adultes et enfants, assis", Err(AudienceKindError::Conflicting)),
            ("beaucoup de monde", Err(AudienceKindError::Unknown)),
            ("", Err(AudienceKindError::Unknown)),
        ];
        for (input, want) in table {
            assert_eq!(Audience::parse(input), want, "{input}");
        }
        assert_eq!(Audience::parse(&"x".repeat(300)), Err(AudienceKindError::Unknown));
    }

    #[test]
    fn codes_round_trip() {
        for x in Audience::ALL {
            assert_eq!(Audience::from_code(&x.code()), Some(x));
        }
        assert_eq!(Audience::from_code("old-seated"), None);
    }

    #[test]
    fn a_childrens_show_does_not_fit_an_adults_room() {
        use Ages::*;
        use Seating::*;
        assert_eq!(a(Young, Seated).fit(a(Adult, Seated)), 0);
        assert_eq!(a(Adult, Standing).fit(a(Young, Standing)), 0);
        assert_eq!(a(Young, Seated).fit(a(All, Seated)), 750);
        assert_eq!(a(All, Seated).fit(a(Young, Seated)), 500);
        assert_eq!(a(Young, Seated).fit(a(Young, Either)), 1000);
        assert_eq!(a(All, Seated).fit(a(Adult, Standing)), 500);
        assert_eq!(a(All, Either).fit(a(Adult, Standing)), 1000);
        assert_eq!(a(All, Standing).fit(a(All, Either)), 1000);
    }
}
