//! The one list of chat commands. The engine's routing, `/help`, Telegram's command menus and
//! Discord's slash commands all derive from it, so a command added here appears everywhere with
//! its translated descriptions (`cmd-NAME` short, `cmd-NAME-long` long, in `core/locales`).

use super::i18n::tr;
use crate::domain::Lang;

/// What an argument holds, so a platform with typed options (Discord) can offer the right widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Free text.
    Text,
    /// A whole number (a profile or ticket number).
    Number,
    /// A date or a date range, as people write them.
    Date,
    /// A genre of the taxonomy.
    Genre,
    /// A distance in km, a whole number.
    Km,
    /// The highest fee or budget, in whole euros.
    MaxFee,
    /// A number of people or a range of them ("200", "100-300", "200+").
    Capacity,
    /// A city of the places dataset, the search's centre.
    City,
}

/// One argument of a command; its description is the translation `cmd-COMMAND-ARG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
}

/// Who a command is for and what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    /// Only admins may run it; platforms show it only to them.
    pub admin: bool,
    /// Runs before the person agreed to the privacy notice (reading the rules, leaving, one's
    /// own data; `/link` joins an account that already consented elsewhere).
    pub without_consent: bool,
    /// Shown in menus and `/help` (`/cancel` works everywhere but needs no menu entry).
    pub listed: bool,
    pub args: &'static [Arg],
}

const fn user(name: &'static str) -> Command {
    Command { name, admin: false, without_consent: false, listed: true, args: &[] }
}

const fn admin(name: &'static str, args: &'static [Arg]) -> Command {
    Command { name, admin: true, without_consent: false, listed: true, args }
}

const fn open(name: &'static str) -> Command {
    Command { name, admin: false, without_consent: true, listed: true, args: &[] }
}

const PROFILE_ID: Arg = Arg { name: "id", kind: ArgKind::Number, required: true };
const REASON: Arg = Arg { name: "reason", kind: ArgKind::Text, required: true };

/// Every command, in the order menus show them.
pub const CATALOGUE: &[Command] = &[
    open("start"),
    open("help"),
    user("profile"),
    Command {
        args: &[
            Arg { name: "date", kind: ArgKind::Date, required: false },
            Arg { name: "radius", kind: ArgKind::Km, required: false },
            Arg { name: "genre", kind: ArgKind::Genre, required: false },
            Arg { name: "fee", kind: ArgKind::MaxFee, required: false },
            Arg { name: "capacity", kind: ArgKind::Capacity, required: false },
            Arg { name: "city", kind: ArgKind::City, required: false },
        ],
        ..user("match")
    },
    user("favorites"),
    user("proposals"),
    user("settings"),
    Command { args: &[Arg { name: "code", kind: ArgKind::Text, required: false }], ..open("link") },
    Command {
        args: &[Arg { name: "message", kind: ArgKind::Text, required: false }],
        ..open("support")
    },
    open("mydata"),
    open("deleteme"),
    Command { listed: false, ..open("cancel") },
    admin("pending", &[]),
    admin("approve", &[PROFILE_ID]),
    admin("reject", &[PROFILE_ID, REASON]),
    admin("suspend", &[PROFILE_ID, REASON]),
    admin("stats", &[]),
    admin("tickets", &[]),
    admin("edits", &[]),
    admin("reinstate", &[PROFILE_ID, REASON]),
    admin("bookings", &[]),
    admin("users", &[Arg { name: "query", kind: ArgKind::Text, required: false }]),
    admin("audit", &[Arg { name: "subject", kind: ArgKind::Text, required: false }]),
];

/// Other spellings people type.
const ALIASES: &[(&str, &str)] = &[("favourites", "favorites")];

/// The command `name` names (an alias included).
#[must_use]
pub fn find(name: &str) -> Option<&'static Command> {
    let name = ALIASES.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, real)| *real);
    CATALOGUE.iter().find(|c| c.name == name)
}

/// The commands a menu shows to a person (admins see theirs too).
pub fn menu(admin: bool) -> impl Iterator<Item = &'static Command> {
    CATALOGUE.iter().filter(move |c| c.listed && (admin || !c.admin))
}

impl Command {
    /// A few words for menus (Telegram's command list, Discord's description: at most 100
    /// characters).
    #[must_use]
    pub fn short(&self, lang: Lang) -> String {
        tr(lang, &format!("cmd-{}", self.name), &[])
    }

    /// A sentence for `/help`.
    #[must_use]
    pub fn long(&self, lang: Lang) -> String {
        tr(lang, &format!("cmd-{}-long", self.name), &[])
    }

    /// What an argument is for, for platforms with typed options.
    #[must_use]
    pub fn arg_description(&self, arg: &Arg, lang: Lang) -> String {
        tr(lang, &format!("cmd-{}-{}", self.name, arg.name), &[])
    }

    /// The command line the engine reads, from the values of typed options (a platform's
    /// `/match date:… radius:50`): the arguments in the catalogue's order, each written as a
    /// person would type it ("50" for a distance is "50 km"), separated by commas so that each
    /// stays a part of its own. Unknown names and blank values are left out.
    #[must_use]
    pub fn line(&self, values: &[(&str, String)]) -> String {
        let mut parts = Vec::new();
        for a in self.args {
            let Some((_, v)) = values.iter().find(|(name, _)| *name == a.name) else { continue };
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let bare = v.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '));
            parts.push(match a.kind {
                ArgKind::Km if bare => format!("{v} km"),
                ArgKind::MaxFee if bare => format!("max {v} €"),
                ArgKind::Capacity if bare => format!("{v} places"),
                // The filter words read "near" in either language.
                ArgKind::City => format!("near {v}"),
                _ => v.to_owned(),
            });
        }
        // A command with one free-text argument takes it as typed, commas included.
        if self.args.iter().all(|a| a.kind == ArgKind::Number || a.kind == ArgKind::Text) {
            return parts.join(" ");
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::i18n::has_key;

    #[test]
    fn every_command_is_described_in_both_languages_within_platform_limits() {
        for lang in [Lang::Fr, Lang::En] {
            for c in CATALOGUE {
                for key in [format!("cmd-{}", c.name), format!("cmd-{}-long", c.name)] {
                    assert!(has_key(lang, &key), "{key} is missing in {lang:?}");
                }
                let short = c.short(lang);
                // Discord's limit for a description; Telegram's is 256.
                assert!((1..=100).contains(&short.chars().count()), "{}: {short}", c.name);
                for a in c.args {
                    let d = c.arg_description(a, lang);
                    assert!(has_key(lang, &format!("cmd-{}-{}", c.name, a.name)), "{d}");
                    assert!((1..=100).contains(&d.chars().count()), "{}: {d}", c.name);
                }
            }
        }
    }

    #[test]
    fn typed_options_become_the_line_the_engine_reads() {
        use crate::domain::search::FiltersRead;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let m = find("match").unwrap();
        let line = m.line(&[
            ("genre", "jazz".into()),
            ("radius", "50".into()),
            ("date", "2027-03-12".into()),
            ("fee", "900".into()),
            ("capacity", "100-300".into()),
            ("city", "Saint-Étienne".into()),
            ("nope", "x".into()),
        ]);
        assert_eq!(line, "2027-03-12, 50 km, jazz, max 900 €, 100-300 places, near Saint-Étienne");
        let read = FiltersRead::parse(&line, today);
        assert!(read.refused.is_empty(), "{read:?}");
        let f = read.filters;
        assert_eq!(f.near.as_ref().map(|n| n.name.as_str()), Some("Saint-Étienne"));
        assert_eq!(f.radius_km, Some(50));
        assert_eq!(f.genres.len(), 1);
        assert!(f.dates.is_some() && f.max_fee.is_some() && f.capacity.is_some());
        // Written with their unit already, values are kept as typed.
        let line =
            m.line(&[("radius", "80 km".into()), ("capacity", "au moins 200 places".into())]);
        assert_eq!(line, "80 km, au moins 200 places");
        assert!(FiltersRead::parse(&line, today).refused.is_empty());
        // A reason keeps its commas; numbers and text are joined as typed.
        let reject = find("reject").unwrap();
        let line = reject.line(&[("reason", "flou, incomplet".into()), ("id", "12".into())]);
        assert_eq!(line, "12 flou, incomplet");
    }

    #[test]
    fn names_fit_every_platform() {
        for c in CATALOGUE {
            // Telegram: 1–32 of a-z, 0-9, _; Discord: the same, lower case.
            assert!((1..=32).contains(&c.name.len()));
            assert!(
                c.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
        }
        assert_eq!(find("favourites").map(|c| c.name), Some("favorites"));
        assert!(find("nope").is_none());
        assert!(menu(false).all(|c| !c.admin));
        assert!(menu(true).any(|c| c.admin));
    }
}
