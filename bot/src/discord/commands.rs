//! The slash commands Discord shows, derived from the core's command catalogue: English by
//! default with French localizations, typed options from each argument's kind, and admin
//! commands hidden from members without the server's admin permission
//! (`default_member_permissions`; the adapter checks `ADMIN_DISCORD_IDS` / `ADMIN_DISCORD_ROLE`
//! again on every use). A slash command's options come back as the command line the engine
//! reads (`Command::line`: `/match date:2027-03-12 radius:50 genre:jazz` is
//! "2027-03-12, 50 km, jazz"), and genres are autocompleted from the core's taxonomy.

use flowstage_core::conversation::commands::{self as catalogue, ArgKind, Command};
use flowstage_core::domain::Lang;
use flowstage_core::domain::genre::GenreId;
use serde_json::{Value, json};
use serenity::all::{CommandDataOption, CommandDataOptionValue};

/// Discord's option types.
const STRING: u8 = 3;
const INTEGER: u8 = 4;
/// Discord shows at most 25 autocomplete choices.
pub const MAX_CHOICES: usize = 25;
/// A choice's name and value are at most 100 characters.
const MAX_CHOICE_LEN: usize = 100;

fn option(c: &Command, a: &catalogue::Arg) -> Value {
    let kind = match a.kind {
        ArgKind::Number | ArgKind::Km | ArgKind::MaxFee => INTEGER,
        ArgKind::Text | ArgKind::Date | ArgKind::Genre | ArgKind::Capacity | ArgKind::City => {
            STRING
        }
    };
    let mut o = json!({
        "type": kind,
        "name": a.name,
        "description": c.arg_description(a, Lang::En),
        "description_localizations": {"fr": c.arg_description(a, Lang::Fr)},
        "required": a.required,
    });
    match a.kind {
        ArgKind::Number => o["min_value"] = json!(0),
        ArgKind::Km => {
            o["min_value"] = json!(1);
            o["max_value"] = json!(flowstage_core::domain::values::TravelRadius::MAX);
        }
        ArgKind::MaxFee => o["min_value"] = json!(1),
        ArgKind::Genre | ArgKind::City => o["autocomplete"] = json!(true),
        ArgKind::Text | ArgKind::Date | ArgKind::Capacity => {
            o["max_length"] = json!(200);
        }
    }
    o
}

/// Every command of the catalogue, as `PUT …/commands` takes them.
#[must_use]
pub fn definitions() -> Vec<Value> {
    catalogue::CATALOGUE
        .iter()
        .map(|c| {
            let mut v = json!({
                "type": 1,
                "name": c.name,
                "name_localizations": {"fr": c.name},
                "description": c.short(Lang::En),
                "description_localizations": {"fr": c.short(Lang::Fr)},
                "options": c.args.iter().map(|a| option(c, a)).collect::<Vec<_>>(),
            });
            if c.admin {
                // Only the server's administrators see it by default ("0": no member permission
                // suffices); a server can grant it to a role in its integration settings.
                v["default_member_permissions"] = json!("0");
            }
            v
        })
        .collect()
}

fn value_text(v: &CommandDataOptionValue) -> Option<String> {
    match v {
        CommandDataOptionValue::String(s) => Some(s.trim().to_owned()),
        CommandDataOptionValue::Integer(n) => Some(n.to_string()),
        CommandDataOptionValue::Number(n) => Some(n.to_string()),
        CommandDataOptionValue::Boolean(b) => Some(b.to_string()),
        CommandDataOptionValue::Autocomplete { value, .. } => Some(value.trim().to_owned()),
        _ => None,
    }
}

/// The command line the engine reads from a slash command's options (see `Command::line`).
#[must_use]
pub fn args_of(name: &str, options: &[CommandDataOption]) -> String {
    let Some(c) = catalogue::find(name) else { return String::new() };
    let values: Vec<(&str, String)> =
        options.iter().filter_map(|o| value_text(&o.value).map(|v| (o.name.as_str(), v))).collect();
    c.line(&values)
}

/// The choices for the option being typed (`focused`) of command `name`: genres of the core's
/// taxonomy closest to what is typed, named in `lang` (the families when nothing is typed yet).
/// The value is the name, which the engine reads as typed.
#[must_use]
pub fn autocomplete(name: &str, options: &[CommandDataOption], lang: Lang) -> Vec<Value> {
    let Some(c) = catalogue::find(name) else { return Vec::new() };
    let Some((arg, typed)) = options.iter().find_map(|o| match &o.value {
        CommandDataOptionValue::Autocomplete { value, .. } => {
            c.args.iter().find(|a| a.name == o.name).map(|a| (a, value.as_str()))
        }
        _ => None,
    }) else {
        return Vec::new();
    };
    match arg.kind {
        ArgKind::Genre => genre_choices(typed, lang),
        ArgKind::City => city_choices(typed),
        _ => Vec::new(),
    }
}

/// The places closest to what is typed, as the wizard suggests them: "Lyon (Auvergne-Rhône-Alpes)"
/// shown, the name as the value.
fn city_choices(typed: &str) -> Vec<Value> {
    flowstage_core::domain::places::suggest(typed, MAX_CHOICES)
        .into_iter()
        .map(|p| json!({"name": p.label(), "value": p.name()}))
        .collect()
}

fn genre_choices(typed: &str, lang: Lang) -> Vec<Value> {
    // Only the last genre of a list is being typed ("rock, ja").
    let (before, last) = typed.rsplit_once(',').map_or(("", typed), |(b, l)| (b, l));
    let last = last.trim();
    let mut found = if last.is_empty() {
        GenreId::families().collect::<Vec<_>>()
    } else {
        let mut v = GenreId::search(last);
        for g in GenreId::suggest(last, MAX_CHOICES) {
            if !v.contains(&g) {
                v.push(g);
            }
        }
        v
    };
    found.truncate(MAX_CHOICES);
    let prefix = before.trim();
    found
        .into_iter()
        .map(|g| {
            let text = if prefix.is_empty() {
                g.name(lang).to_owned()
            } else {
                format!("{prefix}, {}", g.name(lang))
            };
            let text: String = text.chars().take(MAX_CHOICE_LEN).collect();
            json!({"name": text, "value": text})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_command_becomes_a_slash_command() {
        let defs = definitions();
        assert_eq!(defs.len(), catalogue::CATALOGUE.len());
        let approve = defs.iter().find(|d| d["name"] == "approve").unwrap();
        assert_eq!(approve["default_member_permissions"], "0");
        assert_eq!(approve["options"][0]["type"], INTEGER);
        assert!(approve["description_localizations"]["fr"].as_str().is_some());
        let start = defs.iter().find(|d| d["name"] == "start").unwrap();
        assert!(start.get("default_member_permissions").is_none());
        let matching = defs.iter().find(|d| d["name"] == "match").unwrap();
        let names: Vec<&str> = matching["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert_eq!(names, ["date", "radius", "genre", "fee", "capacity", "city"]);
        assert_eq!(matching["options"][5]["autocomplete"], true);
        assert_eq!(matching["options"][2]["autocomplete"], true);
        assert_eq!(matching["options"][1]["type"], INTEGER);
    }

    #[test]
    fn genres_are_offered_from_the_taxonomy_in_the_persons_language() {
        let names = |typed: &str, lang| -> Vec<String> {
            genre_choices(typed, lang)
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let jazz = names("jaz", Lang::En);
        assert!(jazz.iter().any(|n| n == "Jazz"), "{jazz:?}");
        assert!(jazz.len() <= MAX_CHOICES);
        let all = names("", Lang::Fr);
        assert!(!all.is_empty() && all.len() <= MAX_CHOICES);
        // A list keeps what was typed before the genre being typed.
        let list = names("rock, jaz", Lang::En);
        assert!(list.iter().any(|n| n == "rock, Jazz"), "{list:?}");
        assert!(names("zzzzzzzzzz", Lang::En).is_empty());
    }
}
