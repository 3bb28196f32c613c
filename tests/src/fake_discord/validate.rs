//! Discord's documented limits on what a bot sends (messages, embeds, components, modals,
//! autocomplete choices, application commands), checked the way Discord checks them: every broken
//! rule is named by its path in the request body, and the whole list becomes Discord's
//! `{"code":50035,"message":"Invalid Form Body","errors":{…}}`.

use serde_json::{Value, json};

pub const MAX_CONTENT: usize = 2000;
pub const MAX_EMBEDS: usize = 10;
pub const MAX_EMBED_TITLE: usize = 256;
pub const MAX_EMBED_DESCRIPTION: usize = 4096;
pub const MAX_EMBED_FIELDS: usize = 25;
pub const MAX_EMBED_FIELD_NAME: usize = 256;
pub const MAX_EMBED_FIELD_VALUE: usize = 1024;
pub const MAX_EMBED_FOOTER: usize = 2048;
pub const MAX_EMBED_AUTHOR: usize = 256;
pub const MAX_EMBED_TOTAL: usize = 6000;
pub const MAX_ACTION_ROWS: usize = 5;
pub const MAX_ROW_WIDTH: usize = 5;
pub const MAX_SELECT_OPTIONS: usize = 25;
pub const MAX_CUSTOM_ID: usize = 100;
pub const MAX_BUTTON_LABEL: usize = 80;
pub const MAX_MODAL_INPUTS: usize = 5;
pub const MAX_CHOICES: usize = 25;
pub const MAX_COMMAND_NAME: usize = 32;
pub const MAX_COMMAND_DESCRIPTION: usize = 100;
pub const MAX_COMMAND_OPTIONS: usize = 25;

/// Message flags a bot may set: SUPPRESS_EMBEDS, EPHEMERAL (interaction replies only),
/// SUPPRESS_NOTIFICATIONS.
pub const FLAG_SUPPRESS_EMBEDS: u64 = 1 << 2;
pub const FLAG_EPHEMERAL: u64 = 1 << 6;
pub const FLAG_LOADING: u64 = 1 << 7;
pub const FLAG_SUPPRESS_NOTIFICATIONS: u64 = 1 << 12;

/// The locales Discord accepts as keys of `name_localizations` / `description_localizations`.
pub const LOCALES: &[&str] = &[
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// Rules broken by one request body: (path, code, message).
#[derive(Debug, Default)]
pub struct FormErrors(pub Vec<(String, &'static str, String)>);

impl FormErrors {
    pub fn add(&mut self, path: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push((path.into(), code, message.into()));
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Discord's nested shape: `{"content": {"_errors": [{"code", "message"}]}}`, where a path
    /// `components.0.components.5` nests one object per segment.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut root = json!({});
        for (path, code, message) in &self.0 {
            let mut node = &mut root;
            for seg in path.split('.').filter(|s| !s.is_empty()) {
                node = &mut node[seg];
                if !node.is_object() {
                    *node = json!({});
                }
            }
            let list = &mut node["_errors"];
            if !list.is_array() {
                *list = json!([]);
            }
            if let Value::Array(a) = list {
                a.push(json!({"code": code, "message": message}));
            }
        }
        root
    }
}

fn chars(v: Option<&Value>) -> usize {
    v.and_then(Value::as_str).map_or(0, |s| s.chars().count())
}

fn max_len(errs: &mut FormErrors, path: &str, v: Option<&Value>, max: usize) {
    if chars(v) > max {
        errs.add(path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
    }
}

fn bad_length(errs: &mut FormErrors, path: &str, v: Option<&Value>, min: usize, max: usize) {
    let n = chars(v);
    if v.and_then(Value::as_str).is_none() {
        errs.add(path, "BASE_TYPE_REQUIRED", "This field is required");
    } else if n < min || n > max {
        errs.add(
            path,
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between {min} and {max} in length."),
        );
    }
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Whether a message body has anything to show (Discord refuses an empty one with 50006).
#[must_use]
pub fn has_body(body: &Value, attachments: usize) -> bool {
    chars(body.get("content")) > 0
        || !array(body.get("embeds")).is_empty()
        || !array(body.get("components")).is_empty()
        || attachments > 0
}

/// A message as created or edited by `POST /channels/…/messages`, a webhook or an interaction
/// response of type 4 or 7. `ephemeral_allowed` is true only for interaction replies.
pub fn message(body: &Value, ephemeral_allowed: bool, errs: &mut FormErrors) {
    max_len(errs, "content", body.get("content"), MAX_CONTENT);
    embeds(body, errs);
    components(array(body.get("components")), "components", errs);
    if let Some(flags) = body.get("flags").filter(|f| !f.is_null()) {
        let allowed = FLAG_SUPPRESS_EMBEDS
            | FLAG_SUPPRESS_NOTIFICATIONS
            | if ephemeral_allowed { FLAG_EPHEMERAL } else { 0 };
        match flags.as_u64() {
            Some(f) if f & !allowed == 0 => {}
            _ => errs.add("flags", "MESSAGE_INVALID_FLAGS", "Invalid flags"),
        }
    }
}

fn embeds(body: &Value, errs: &mut FormErrors) {
    let list = array(body.get("embeds"));
    if list.len() > MAX_EMBEDS {
        errs.add(
            "embeds",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_EMBEDS} or fewer in length."),
        );
    }
    let mut total = 0;
    for (i, e) in list.iter().enumerate() {
        let p = format!("embeds.{i}");
        max_len(errs, &format!("{p}.title"), e.get("title"), MAX_EMBED_TITLE);
        max_len(errs, &format!("{p}.description"), e.get("description"), MAX_EMBED_DESCRIPTION);
        max_len(errs, &format!("{p}.footer.text"), e.pointer("/footer/text"), MAX_EMBED_FOOTER);
        max_len(errs, &format!("{p}.author.name"), e.pointer("/author/name"), MAX_EMBED_AUTHOR);
        total += chars(e.get("title"))
            + chars(e.get("description"))
            + chars(e.pointer("/footer/text"))
            + chars(e.pointer("/author/name"));
        let fields = array(e.get("fields"));
        if fields.len() > MAX_EMBED_FIELDS {
            errs.add(
                format!("{p}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {MAX_EMBED_FIELDS} or fewer in length."),
            );
        }
        for (j, f) in fields.iter().enumerate() {
            bad_length(
                errs,
                &format!("{p}.fields.{j}.name"),
                f.get("name"),
                1,
                MAX_EMBED_FIELD_NAME,
            );
            bad_length(
                errs,
                &format!("{p}.fields.{j}.value"),
                f.get("value"),
                1,
                MAX_EMBED_FIELD_VALUE,
            );
            total += chars(f.get("name")) + chars(f.get("value"));
        }
    }
    if total > MAX_EMBED_TOTAL {
        errs.add(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            format!("Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"),
        );
    }
}

const SELECTS: &[u64] = &[3, 5, 6, 7, 8];

/// The components of a message: action rows of buttons, or one select menu per row.
pub fn components(rows: &[Value], path: &str, errs: &mut FormErrors) {
    if rows.len() > MAX_ACTION_ROWS {
        errs.add(
            path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_ACTION_ROWS} or fewer in length."),
        );
    }
    let mut ids: Vec<&str> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let rp = format!("{path}.{i}");
        if row.get("type").and_then(Value::as_u64) != Some(1) {
            errs.add(&rp, "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).");
            continue;
        }
        let items = array(row.get("components"));
        if items.is_empty() || items.len() > MAX_ROW_WIDTH {
            errs.add(
                format!("{rp}.components"),
                "BASE_TYPE_BAD_LENGTH",
                format!("Must be between 1 and {MAX_ROW_WIDTH} in length."),
            );
        }
        let width: usize = items
            .iter()
            .map(|c| {
                if c.get("type").and_then(Value::as_u64).is_some_and(|t| SELECTS.contains(&t)) {
                    MAX_ROW_WIDTH
                } else {
                    1
                }
            })
            .sum();
        if width > MAX_ROW_WIDTH {
            errs.add(
                format!("{rp}.components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            );
        }
        for (j, c) in items.iter().enumerate() {
            let cp = format!("{rp}.components.{j}");
            match c.get("type").and_then(Value::as_u64) {
                Some(2) => button(c, &cp, errs),
                Some(t) if SELECTS.contains(&t) => select(c, t, &cp, errs),
                _ => errs.add(
                    format!("{cp}.type"),
                    "UNION_TYPE_CHOICES",
                    "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).",
                ),
            }
            if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                if ids.contains(&id) {
                    errs.add(
                        format!("{cp}.custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    );
                }
                ids.push(id);
            }
        }
    }
}

fn button(c: &Value, p: &str, errs: &mut FormErrors) {
    max_len(errs, &format!("{p}.label"), c.get("label"), MAX_BUTTON_LABEL);
    if c.get("label").is_none() && c.get("emoji").is_none() {
        errs.add(p, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or an emoji is required");
    }
    match c.get("style").and_then(Value::as_u64) {
        Some(1..=4) => {
            bad_length(errs, &format!("{p}.custom_id"), c.get("custom_id"), 1, MAX_CUSTOM_ID);
            if c.get("url").is_some() {
                errs.add(
                    format!("{p}.url"),
                    "BUTTON_COMPONENT_URL_NOT_ALLOWED",
                    "A url is not allowed",
                );
            }
        }
        Some(5) => {
            if c.get("url").and_then(Value::as_str).is_none() {
                errs.add(format!("{p}.url"), "BASE_TYPE_REQUIRED", "This field is required");
            }
            if c.get("custom_id").is_some() {
                errs.add(
                    format!("{p}.custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id is not allowed",
                );
            }
        }
        Some(6) => {}
        _ => errs.add(
            format!("{p}.style"),
            "BASE_TYPE_CHOICES",
            "Value must be one of {1, 2, 3, 4, 5, 6}.",
        ),
    }
}

fn select(c: &Value, kind: u64, p: &str, errs: &mut FormErrors) {
    bad_length(errs, &format!("{p}.custom_id"), c.get("custom_id"), 1, MAX_CUSTOM_ID);
    max_len(errs, &format!("{p}.placeholder"), c.get("placeholder"), 150);
    let options = array(c.get("options"));
    if kind == 3 {
        if options.is_empty() || options.len() > MAX_SELECT_OPTIONS {
            errs.add(
                format!("{p}.options"),
                "BASE_TYPE_BAD_LENGTH",
                format!("Must be between 1 and {MAX_SELECT_OPTIONS} in length."),
            );
        }
        let mut values: Vec<&str> = Vec::new();
        for (k, o) in options.iter().enumerate() {
            let op = format!("{p}.options.{k}");
            bad_length(errs, &format!("{op}.label"), o.get("label"), 1, 100);
            bad_length(errs, &format!("{op}.value"), o.get("value"), 1, 100);
            max_len(errs, &format!("{op}.description"), o.get("description"), 100);
            if let Some(v) = o.get("value").and_then(Value::as_str) {
                if values.contains(&v) {
                    errs.add(
                        format!("{op}.value"),
                        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                        "Select component option values cannot be duplicated",
                    );
                }
                values.push(v);
            }
        }
    }
    let min = c.get("min_values").and_then(Value::as_u64).unwrap_or(1);
    let max = c.get("max_values").and_then(Value::as_u64).unwrap_or(1);
    if min > 25 || !(1..=25).contains(&max) || min > max {
        errs.add(
            format!("{p}.max_values"),
            "SELECT_COMPONENT_MAX_VALUES_INVALID",
            "min_values and max_values must be within 0..=25 and min ≤ max",
        );
    }
    if kind == 3 && usize::try_from(max).unwrap_or(usize::MAX) > options.len() {
        errs.add(
            format!("{p}.max_values"),
            "BASE_TYPE_MAX",
            format!("int value should be less than or equal to {}.", options.len()),
        );
    }
}

/// The data of a MODAL response (callback type 9).
pub fn modal(data: &Value, errs: &mut FormErrors) {
    bad_length(errs, "data.custom_id", data.get("custom_id"), 1, MAX_CUSTOM_ID);
    bad_length(errs, "data.title", data.get("title"), 1, 45);
    let rows = array(data.get("components"));
    if rows.is_empty() || rows.len() > MAX_MODAL_INPUTS {
        errs.add(
            "data.components",
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between 1 and {MAX_MODAL_INPUTS} in length."),
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let rp = format!("data.components.{i}");
        let items = array(row.get("components"));
        if row.get("type").and_then(Value::as_u64) != Some(1) || items.len() != 1 {
            errs.add(
                format!("{rp}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 1 in length.",
            );
        }
        for (j, c) in items.iter().enumerate() {
            let cp = format!("{rp}.components.{j}");
            if c.get("type").and_then(Value::as_u64) != Some(4) {
                errs.add(
                    format!("{cp}.type"),
                    "UNION_TYPE_CHOICES",
                    "Value of field \"type\" must be one of (4,).",
                );
                continue;
            }
            bad_length(errs, &format!("{cp}.custom_id"), c.get("custom_id"), 1, MAX_CUSTOM_ID);
            bad_length(errs, &format!("{cp}.label"), c.get("label"), 1, 45);
            if !matches!(c.get("style").and_then(Value::as_u64), Some(1 | 2)) {
                errs.add(
                    format!("{cp}.style"),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {1, 2}.",
                );
            }
            max_len(errs, &format!("{cp}.value"), c.get("value"), 4000);
            max_len(errs, &format!("{cp}.placeholder"), c.get("placeholder"), 100);
            let min = c.get("min_length").and_then(Value::as_u64).unwrap_or(0);
            let max = c.get("max_length").and_then(Value::as_u64).unwrap_or(4000);
            if min > 4000 || !(1..=4000).contains(&max) || min > max {
                errs.add(
                    format!("{cp}.max_length"),
                    "BASE_TYPE_BAD_LENGTH",
                    "min_length and max_length must be within 0..=4000 and min ≤ max",
                );
            }
        }
    }
}

/// The data of an APPLICATION_COMMAND_AUTOCOMPLETE_RESULT (callback type 8).
pub fn choices(data: &Value, errs: &mut FormErrors) {
    let list = array(data.get("choices"));
    if list.len() > MAX_CHOICES {
        errs.add(
            "data.choices",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_CHOICES} or fewer in length."),
        );
    }
    for (i, c) in list.iter().enumerate() {
        choice(c, &format!("data.choices.{i}"), errs);
    }
}

fn choice(c: &Value, p: &str, errs: &mut FormErrors) {
    bad_length(errs, &format!("{p}.name"), c.get("name"), 1, 100);
    match c.get("value") {
        Some(Value::String(s)) if s.chars().count() > 100 => {
            errs.add(
                format!("{p}.value"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 100 or fewer in length.",
            );
        }
        Some(Value::String(_) | Value::Number(_)) => {}
        _ => errs.add(format!("{p}.value"), "BASE_TYPE_REQUIRED", "This field is required"),
    }
    localizations(
        c.get("name_localizations"),
        &format!("{p}.name_localizations"),
        1,
        100,
        false,
        errs,
    );
}

/// A name Discord accepts for a command or an option: 1–32 letters, digits, `-` or `_`, in
/// lower case where the script has case.
fn valid_name(s: &str) -> bool {
    let n = s.chars().count();
    (1..=MAX_COMMAND_NAME).contains(&n)
        && s.chars().all(|c| (c.is_alphanumeric() || c == '-' || c == '_') && !c.is_uppercase())
}

fn name(errs: &mut FormErrors, p: &str, v: Option<&Value>) {
    match v.and_then(Value::as_str) {
        None => errs.add(p, "BASE_TYPE_REQUIRED", "This field is required"),
        Some(s) if !valid_name(s) => {
            errs.add(
                p,
                "APPLICATION_COMMAND_INVALID_NAME",
                format!("Command name is invalid: {s:?}"),
            );
        }
        Some(_) => {}
    }
}

fn localizations(
    v: Option<&Value>,
    p: &str,
    min: usize,
    max: usize,
    is_name: bool,
    errs: &mut FormErrors,
) {
    let Some(map) = v.and_then(Value::as_object) else { return };
    for (locale, text) in map {
        if !LOCALES.contains(&locale.as_str()) {
            errs.add(
                format!("{p}.{locale}"),
                "LOCALE_INVALID",
                format!("Invalid locale {locale:?}"),
            );
            continue;
        }
        if is_name {
            name(errs, &format!("{p}.{locale}"), Some(text));
        } else {
            bad_length(errs, &format!("{p}.{locale}"), Some(text), min, max);
        }
    }
}

/// One application command as sent to `PUT`/`POST …/commands`.
pub fn command(c: &Value, p: &str, errs: &mut FormErrors) {
    let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
    if !(1..=4).contains(&kind) {
        errs.add(format!("{p}.type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.");
    }
    if kind == 1 {
        name(errs, &format!("{p}.name"), c.get("name"));
        bad_length(
            errs,
            &format!("{p}.description"),
            c.get("description"),
            1,
            MAX_COMMAND_DESCRIPTION,
        );
        localizations(
            c.get("name_localizations"),
            &format!("{p}.name_localizations"),
            1,
            32,
            true,
            errs,
        );
    } else {
        bad_length(errs, &format!("{p}.name"), c.get("name"), 1, MAX_COMMAND_NAME);
        if chars(c.get("description")) > 0 {
            errs.add(
                format!("{p}.description"),
                "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
                "Description is only allowed on chat input commands",
            );
        }
    }
    localizations(
        c.get("description_localizations"),
        &format!("{p}.description_localizations"),
        1,
        MAX_COMMAND_DESCRIPTION,
        false,
        errs,
    );
    if let Some(perms) = c.get("default_member_permissions").filter(|v| !v.is_null())
        && perms.as_str().is_none_or(|s| s.parse::<u64>().is_err())
    {
        errs.add(
            format!("{p}.default_member_permissions"),
            "BASE_TYPE_INVALID",
            "Must be a string holding a permission bit set",
        );
    }
    options(array(c.get("options")), &format!("{p}.options"), 0, errs);
}

fn options(list: &[Value], p: &str, depth: usize, errs: &mut FormErrors) {
    if list.len() > MAX_COMMAND_OPTIONS {
        errs.add(
            p,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_COMMAND_OPTIONS} or fewer in length."),
        );
    }
    let mut seen_optional = false;
    let mut names: Vec<&str> = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let op = format!("{p}.{i}");
        let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
        if !(1..=11).contains(&kind) {
            errs.add(format!("{op}.type"), "BASE_TYPE_CHOICES", "Value must be one of {1, …, 11}.");
        }
        name(errs, &format!("{op}.name"), o.get("name"));
        if let Some(n) = o.get("name").and_then(Value::as_str) {
            if names.contains(&n) {
                errs.add(
                    format!("{op}.name"),
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                );
            }
            names.push(n);
        }
        bad_length(
            errs,
            &format!("{op}.description"),
            o.get("description"),
            1,
            MAX_COMMAND_DESCRIPTION,
        );
        localizations(
            o.get("name_localizations"),
            &format!("{op}.name_localizations"),
            1,
            32,
            true,
            errs,
        );
        localizations(
            o.get("description_localizations"),
            &format!("{op}.description_localizations"),
            1,
            MAX_COMMAND_DESCRIPTION,
            false,
            errs,
        );
        let required = o.get("required").and_then(Value::as_bool).unwrap_or(false);
        if required && seen_optional {
            errs.add(
                format!("{op}.required"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            );
        }
        seen_optional |= !required;
        let choices = array(o.get("choices"));
        if choices.len() > MAX_CHOICES {
            errs.add(
                format!("{op}.choices"),
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {MAX_CHOICES} or fewer in length."),
            );
        }
        for (k, c) in choices.iter().enumerate() {
            choice(c, &format!("{op}.choices.{k}"), errs);
        }
        if o.get("autocomplete").and_then(Value::as_bool) == Some(true) && !choices.is_empty() {
            errs.add(
                format!("{op}.autocomplete"),
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
                "Autocomplete cannot be set with choices",
            );
        }
        // Subcommands (1) and groups (2) nest their own options, two levels at most.
        if matches!(kind, 1 | 2) {
            if depth >= 2 || (kind == 2 && depth >= 1) {
                errs.add(
                    format!("{op}.type"),
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Subcommands nest too deep",
                );
            }
            options(array(o.get("options")), &format!("{op}.options"), depth + 1, errs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_errors_take_discords_shape() {
        let mut e = FormErrors::default();
        e.add("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
        e.add("components.0.components", "BASE_TYPE_BAD_LENGTH", "x");
        assert_eq!(
            e.to_json(),
            json!({
                "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]},
                "components": {"0": {"components": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "x"}]}}},
            })
        );
    }

    fn row(n: usize) -> Value {
        let buttons: Vec<Value> = (0..n)
            .map(|i| json!({"type": 2, "style": 1, "label": format!("b{i}"), "custom_id": format!("id{i}-{n}")}))
            .collect();
        json!({"type": 1, "components": buttons})
    }

    #[test]
    fn components_limits() {
        let mut e = FormErrors::default();
        components(&[row(5), row(4)], "components", &mut e);
        assert!(e.is_empty(), "{e:?}");
        let mut e = FormErrors::default();
        components(&[row(6)], "components", &mut e);
        assert!(!e.is_empty());
        let mut e = FormErrors::default();
        let rows: Vec<Value> = (0..6).map(|_| row(1)).collect();
        components(&rows, "components", &mut e);
        assert!(e.0.iter().any(|(p, _, _)| p == "components"), "{e:?}");
        // A select menu shares its row with nothing.
        let mut e = FormErrors::default();
        let select =
            json!({"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]});
        let with_button = json!({"type": 1, "components": [select, {"type": 2, "style": 1, "label": "b", "custom_id": "b"}]});
        components(&[with_button], "components", &mut e);
        assert!(e.0.iter().any(|(_, c, _)| *c == "COMPONENT_LAYOUT_WIDTH_EXCEEDED"), "{e:?}");
        // 26 options.
        let mut e = FormErrors::default();
        let options: Vec<Value> =
            (0..26).map(|i| json!({"label": i.to_string(), "value": i.to_string()})).collect();
        components(
            &[
                json!({"type": 1, "components": [{"type": 3, "custom_id": "s", "options": options}]}),
            ],
            "c",
            &mut e,
        );
        assert!(!e.is_empty());
        // custom_id of 101 characters, label of 81.
        let mut e = FormErrors::default();
        let b =
            json!({"type": 2, "style": 1, "label": "x".repeat(81), "custom_id": "y".repeat(101)});
        components(&[json!({"type": 1, "components": [b]})], "c", &mut e);
        assert_eq!(e.0.len(), 2, "{e:?}");
    }

    #[test]
    fn embed_limits() {
        let mut e = FormErrors::default();
        let ok = json!({"embeds": [{"title": "t".repeat(256), "description": "d".repeat(4096)}]});
        message(&ok, false, &mut e);
        assert!(e.is_empty(), "{e:?}");
        let mut e = FormErrors::default();
        let too_big = json!({"embeds": [{"description": "d".repeat(4000)}, {"description": "d".repeat(2001)}]});
        message(&too_big, false, &mut e);
        assert!(e.0.iter().any(|(_, c, _)| *c == "MAX_EMBED_SIZE_EXCEEDED"), "{e:?}");
        let mut e = FormErrors::default();
        message(&json!({"content": "é".repeat(2001)}), false, &mut e);
        assert_eq!(e.0[0].0, "content");
        let mut e = FormErrors::default();
        message(&json!({"content": "x", "flags": 64}), false, &mut e);
        assert_eq!(e.0[0].0, "flags");
    }

    #[test]
    fn command_names() {
        assert!(valid_name("match"));
        assert!(valid_name("réglages"));
        assert!(!valid_name("Match"));
        assert!(!valid_name("two words"));
        assert!(!valid_name(&"a".repeat(33)));
        let mut e = FormErrors::default();
        command(
            &json!({"name": "match", "description": "Find", "name_localizations": {"fr": "Trouver"},
                    "description_localizations": {"xx": "y"}}),
            "0",
            &mut e,
        );
        assert_eq!(e.0.len(), 2, "{e:?}");
    }
}
