//! The neutral reply model rendered as Discord messages: markdown with every character a person
//! typed that markdown would read escaped, texts split under Discord's 2,000-character limit at
//! line boundaries, and buttons as components (at most 5 to a row and 5 rows to a message, the
//! payload as `custom_id`; more rows go on further messages). A choice among many — a run of
//! rows whose buttons all do the same kind of thing (pick a date, tick a genre), longer than a
//! row — becomes a select menu instead: one option per button, the payload as its value, at most
//! 25 options to a menu and further menus for the rest.

use flowstage_core::conversation::payload::{self, Action};
use flowstage_core::conversation::{Block, Button, Reply, Span};
use flowstage_core::domain::Lang;
use serde_json::{Value, json};

use crate::frontend::words;

/// Discord's limit is 2,000 characters of content.
pub const MAX_CONTENT: usize = 2000;
const MAX_PER_ROW: usize = 5;
const MAX_ROWS: usize = 5;
/// A button label is at most 80 characters.
const MAX_LABEL: usize = 80;
/// A select menu offers at most 25 options, each labelled in at most 100 characters.
pub const MAX_OPTIONS: usize = 25;
const MAX_OPTION_LABEL: usize = 100;
/// A select menu's placeholder is at most 150 characters.
const MAX_PLACEHOLDER: usize = 150;

/// One message ready to send: markdown content and its rows of components.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub content: String,
    pub components: Vec<Value>,
}

impl Outgoing {
    /// The JSON body of the message (no one is ever pinged by what a person typed).
    #[must_use]
    pub fn body(&self, ephemeral: bool) -> Value {
        let mut v = json!({
            "content": self.content,
            "components": self.components,
            "allowed_mentions": {"parse": []},
        });
        if ephemeral {
            v["flags"] = json!(64);
        }
        v
    }
}

/// Escapes what Discord's markdown reads in running text.
#[must_use]
pub fn escape(text: &str) -> String {
    escape_at(text, true)
}

/// Escapes `text`; `line_start` when it begins a line (where headings, quotes and lists start).
fn escape_at(text: &str, line_start: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_start = line_start;
    for c in text.chars() {
        let special = matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']')
            || (at_start && matches!(c, '#' | '>' | '-'));
        if special {
            out.push('\\');
        }
        out.push(c);
        at_start = c == '\n';
    }
    out
}

fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(char::is_whitespace)
        && !url.contains(')')
}

fn span(s: &Span, first: bool) -> String {
    match s {
        Span::Bold(t) if !t.trim().is_empty() => format!("**{}**", escape_at(t, false)),
        Span::Italic(t) if !t.trim().is_empty() => format!("*{}*", escape_at(t, false)),
        Span::Plain(t) | Span::Bold(t) | Span::Italic(t) => escape_at(t, first),
        Span::Link { text, url } if is_web_url(url) => {
            format!("[{}]({url})", escape_at(text, false))
        }
        Span::Link { text, url } if text != url => {
            format!("{} ({})", escape_at(text, first), escape_at(url, false))
        }
        Span::Link { text, .. } => escape_at(text, first),
    }
}

fn line(spans: &[Span]) -> String {
    spans.iter().enumerate().map(|(i, s)| span(s, i == 0)).collect()
}

/// The reply's text as lines (a blank line between blocks).
fn lines(reply: &Reply) -> Vec<String> {
    let mut out = Vec::new();
    for (i, b) in reply.blocks.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        match b {
            Block::Paragraph(spans) => {
                let text = line(spans);
                out.extend(text.split('\n').map(str::to_owned));
            }
            Block::List(items) => {
                for item in items {
                    let text = format!("• {}", line(item));
                    out.extend(text.split('\n').map(str::to_owned));
                }
            }
        }
    }
    out
}

/// Splits lines into texts of at most `max` characters, at line boundaries where possible.
fn split(lines: &[String], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for l in lines {
        let n = l.chars().count();
        if n > max {
            if !cur.trim().is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            cur_len = 0;
            let chars: Vec<char> = l.chars().collect();
            for chunk in chars.chunks(max) {
                let mut piece: String = chunk.iter().collect();
                // A cut after a backslash would escape the next message's first character.
                if piece.ends_with('\\') && !piece.ends_with("\\\\") {
                    piece.pop();
                }
                out.push(piece);
            }
            continue;
        }
        let extra = if cur.is_empty() { n } else { n + 1 };
        if cur_len + extra > max {
            out.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        if !cur.is_empty() {
            cur.push('\n');
            cur_len += 1;
        }
        cur.push_str(l);
        cur_len += n;
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out.retain(|t| !t.trim().is_empty());
    out
}

fn button(b: &Button) -> Value {
    let label: String = b.label.chars().take(MAX_LABEL).collect();
    let label = if label.trim().is_empty() { "·".to_owned() } else { label };
    json!({"type": 2, "style": 2, "label": label, "custom_id": b.payload})
}

/// One row of components before it is placed on a message.
enum Row<'a> {
    Buttons(Vec<&'a Button>),
    /// A select menu: its options and its placeholder.
    Select(Vec<&'a Button>, String),
}

/// What kind of thing a button does (its action's variant), when its payload is the engine's.
fn kind_of(b: &Button) -> Option<std::mem::Discriminant<Action>> {
    payload::decode(&b.payload).map(|(_, a)| std::mem::discriminant(&a))
}

/// The engine's rows as Discord rows: runs of alternatives as select menus, the other rows
/// cut to 5 buttons each.
fn rows<'a>(buttons: &'a [Vec<Button>], lang: Lang) -> Vec<Row<'a>> {
    let kinds: Vec<Option<_>> = buttons
        .iter()
        .map(|row| {
            let first = row.first().and_then(kind_of)?;
            row.iter().all(|b| kind_of(b) == Some(first)).then_some(first)
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < buttons.len() {
        let mut j = i + 1;
        if kinds[i].is_some() {
            while j < buttons.len() && kinds[j] == kinds[i] {
                j += 1;
            }
        }
        let run: Vec<&Button> = buttons[i..j].iter().flatten().collect();
        if kinds[i].is_some() && run.len() > MAX_PER_ROW {
            let menus = run.len().div_ceil(MAX_OPTIONS);
            for (k, options) in run.chunks(MAX_OPTIONS).enumerate() {
                let placeholder = if menus == 1 {
                    words(lang, "frontend-discord-choose", &[])
                } else {
                    let from = k * MAX_OPTIONS + 1;
                    let to = from + options.len() - 1;
                    words(
                        lang,
                        "frontend-discord-choose-range",
                        &[("from", from.to_string()), ("to", to.to_string())],
                    )
                };
                out.push(Row::Select(options.to_vec(), placeholder));
            }
        } else {
            for row in &buttons[i..j] {
                for chunk in row.chunks(MAX_PER_ROW) {
                    out.push(Row::Buttons(chunk.iter().collect()));
                }
            }
        }
        i = j;
    }
    out
}

fn select(options: &[&Button], placeholder: &str, n: usize) -> Option<Value> {
    let mut seen: Vec<&str> = Vec::new();
    let mut list = Vec::new();
    for b in options {
        if b.payload.is_empty() || seen.contains(&b.payload.as_str()) {
            continue;
        }
        seen.push(&b.payload);
        let label: String = b.label.chars().take(MAX_OPTION_LABEL).collect();
        let label = if label.trim().is_empty() { "·".to_owned() } else { label };
        list.push(json!({"label": label, "value": b.payload}));
    }
    if list.is_empty() {
        return None;
    }
    let placeholder: String = placeholder.chars().take(MAX_PLACEHOLDER).collect();
    Some(json!({
        "type": 3,
        "custom_id": format!("{SELECT_PREFIX}{n}"),
        "placeholder": placeholder,
        "min_values": 1,
        "max_values": 1,
        "options": list,
    }))
}

/// The `custom_id` of a select menu starts so; its chosen value is the engine's payload.
pub const SELECT_PREFIX: &str = "select:";

/// The reply's buttons as action rows, in groups that fit one message each. A payload shown
/// twice in one message is kept once (Discord wants each `custom_id` once per message).
#[must_use]
pub fn component_groups(buttons: &[Vec<Button>], lang: Lang) -> Vec<Vec<Value>> {
    let rows = rows(buttons, lang);
    let mut groups = Vec::new();
    for group in rows.chunks(MAX_ROWS) {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for (n, row) in group.iter().enumerate() {
            match row {
                Row::Buttons(row) => {
                    let mut comps = Vec::new();
                    for b in row {
                        if b.payload.is_empty() || seen.contains(&b.payload.as_str()) {
                            continue;
                        }
                        seen.push(&b.payload);
                        comps.push(button(b));
                    }
                    if !comps.is_empty() {
                        out.push(json!({"type": 1, "components": comps}));
                    }
                }
                Row::Select(options, placeholder) => {
                    if let Some(menu) = select(options, placeholder, n) {
                        out.push(json!({"type": 1, "components": [menu]}));
                    }
                }
            }
        }
        if !out.is_empty() {
            groups.push(out);
        }
    }
    groups
}

/// Adds to the last message a button that opens a form to type the answer in (`custom_id`),
/// unless its five rows are taken.
pub fn offer_form(messages: &mut [Outgoing], custom_id: &str, lang: Lang) {
    if let Some(last) = messages.last_mut()
        && last.components.len() < MAX_ROWS
    {
        last.components.push(json!({"type": 1, "components": [{
            "type": 2, "style": 1, "custom_id": custom_id,
            "label": words(lang, "frontend-discord-form-button", &[]),
        }]}));
    }
}

/// The reply as messages: its text split, the first group of components under the last text,
/// the other groups on messages of their own (under "More:").
#[must_use]
pub fn render(reply: &Reply, lang: Lang) -> Vec<Outgoing> {
    let mut out: Vec<Outgoing> = split(&lines(reply), MAX_CONTENT)
        .into_iter()
        .map(|content| Outgoing { content, components: Vec::new() })
        .collect();
    for (i, group) in component_groups(&reply.buttons, lang).into_iter().enumerate() {
        match out.last_mut() {
            Some(last) if i == 0 => last.components = group,
            _ => out.push(Outgoing {
                content: escape(&words(lang, "frontend-discord-more", &[])),
                components: group,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(n: usize) -> Button {
        Button { label: format!("b{n}"), payload: format!("p{n}") }
    }

    #[test]
    fn long_texts_split_under_the_limit_and_buttons_fit() {
        let text = "ligne *étoile* ".repeat(300);
        let mut reply = Reply::new().text(text.clone()).text("fin");
        for r in 0..7 {
            reply = reply.row((0..7).map(|i| b(r * 10 + i)).collect());
        }
        let out = render(&reply, Lang::Fr);
        assert!(out.iter().all(|m| m.content.chars().count() <= MAX_CONTENT));
        assert!(out.iter().all(|m| m.components.len() <= MAX_ROWS));
        let buttons: usize = out
            .iter()
            .flat_map(|m| &m.components)
            .map(|r| r["components"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(buttons, 49);
        for m in &out {
            for r in &m.components {
                assert!(r["components"].as_array().is_some_and(|c| c.len() <= MAX_PER_ROW));
            }
        }
        let all: String = out.iter().map(|m| m.content.replace('\n', "")).collect();
        assert!(all.contains("fin"));
        assert!(all.contains("\\*étoile\\*"));
    }

    fn pick(day: u32) -> Button {
        let d = chrono::NaiveDate::from_ymd_opt(2027, 3, day).unwrap();
        Button { label: format!("{day}/03"), payload: payload::encode(7, &Action::Day(d)) }
    }

    #[test]
    fn a_choice_among_many_is_a_select_menu_paged_by_25() {
        let back = Button { label: "Back".into(), payload: payload::encode(7, &Action::Back) };
        // Eight dates two to a row, then the page turn: one menu of eight, one row of buttons.
        let reply = Reply::new()
            .text("Which date?")
            .grid((1..=8).map(pick).collect(), 2)
            .row(vec![back.clone()]);
        let out = render(&reply, Lang::En);
        assert_eq!(out.len(), 1);
        let rows = &out[0].components;
        assert_eq!(rows.len(), 2);
        let menu = &rows[0]["components"][0];
        assert_eq!(menu["type"], 3);
        assert_eq!(menu["options"].as_array().unwrap().len(), 8);
        assert_eq!(menu["options"][0]["value"], pick(1).payload);
        assert!(menu["custom_id"].as_str().unwrap().starts_with(SELECT_PREFIX));
        assert_eq!(rows[1]["components"][0]["type"], 2);
        // Thirty alternatives: two menus, 25 and 5, each saying which ones it holds.
        let many: Vec<Button> = (1..=30)
            .map(|i| Button {
                label: format!("g{i}"),
                payload: payload::encode(7, &Action::Suggest(format!("g{i}"))),
            })
            .collect();
        let out = render(&Reply::new().text("Genres").grid(many, 3), Lang::Fr);
        let rows = &out[0].components;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["components"][0]["options"].as_array().unwrap().len(), MAX_OPTIONS);
        assert_eq!(rows[1]["components"][0]["options"].as_array().unwrap().len(), 5);
        assert!(rows[1]["components"][0]["placeholder"].as_str().unwrap().contains("26"));
        assert_ne!(rows[0]["components"][0]["custom_id"], rows[1]["components"][0]["custom_id"]);
        // A short row of alternatives stays buttons.
        let out = render(&Reply::new().text("x").grid((1..=4).map(pick).collect(), 2), Lang::En);
        assert!(out[0].components.iter().all(|r| r["components"][0]["type"] == 2));
    }

    #[test]
    fn markdown_is_escaped_and_styles_kept() {
        let reply = Reply::new().para(vec![
            Span::Plain("# a_b".into()),
            Span::Bold("gras".into()),
            Span::Plain(" - c".into()),
        ]);
        let out = render(&reply, Lang::Fr);
        assert_eq!(out[0].content, "\\# a\\_b**gras** - c");
    }
}
