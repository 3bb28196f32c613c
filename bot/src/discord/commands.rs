//! The slash commands Discord shows, derived from the core's command catalogue: English by
//! default with French localizations, typed options from each argument's kind, and admin
//! commands hidden from members without the server's admin permission
//! (`default_member_permissions`; the adapter checks `ADMIN_DISCORD_IDS` / `ADMIN_DISCORD_ROLE`
//! again on every use). A slash command's options come back as the command line the engine
//! reads: the values in the catalogue's order, separated by spaces.

use flowstage_core::conversation::commands::{self as catalogue, ArgKind, Command};
use flowstage_core::domain::Lang;
use serde_json::{Value, json};
use serenity::all::{CommandDataOption, CommandDataOptionValue};

/// Discord's option types.
const STRING: u8 = 3;
const INTEGER: u8 = 4;

fn option(c: &Command, a: &catalogue::Arg) -> Value {
    let kind = match a.kind {
        ArgKind::Number => INTEGER,
        ArgKind::Text | ArgKind::Date | ArgKind::Genre | ArgKind::City => STRING,
    };
    let mut o = json!({
        "type": kind,
        "name": a.name,
        "description": c.arg_description(a, Lang::En),
        "description_localizations": {"fr": c.arg_description(a, Lang::Fr)},
        "required": a.required,
    });
    if kind == INTEGER {
        o["min_value"] = json!(0);
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

/// The command line the engine reads from a slash command's options: the catalogue's
/// arguments in order, each present one's value.
#[must_use]
pub fn args_of(name: &str, options: &[CommandDataOption]) -> String {
    let Some(c) = catalogue::find(name) else { return String::new() };
    c.args
        .iter()
        .filter_map(|a| options.iter().find(|o| o.name == a.name))
        .filter_map(|o| match &o.value {
            CommandDataOptionValue::String(s) => Some(s.trim().to_owned()),
            CommandDataOptionValue::Integer(n) => Some(n.to_string()),
            CommandDataOptionValue::Number(n) => Some(n.to_string()),
            CommandDataOptionValue::Boolean(b) => Some(b.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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
    }
}
