//! The neutral reply model rendered as Discord messages: markdown with every character a person
//! typed that markdown would read escaped, texts split under Discord's 2,000-character limit at
//! line boundaries, and buttons as components (at most 5 to a row and 5 rows to a message, the
//! payload as `custom_id`; more rows go on further messages).

use flowstage_core::conversation::{Block, Button, Reply, Span};
use serde_json::{Value, json};

/// Discord's limit is 2,000 characters of content.
pub const MAX_CONTENT: usize = 2000;
const MAX_PER_ROW: usize = 5;
const MAX_ROWS: usize = 5;
/// A button label is at most 80 characters.
const MAX_LABEL: usize = 80;

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

/// The reply's buttons as action rows, in groups that fit one message each. A payload shown
/// twice in one message is kept once (Discord wants each `custom_id` once per message).
#[must_use]
pub fn component_groups(buttons: &[Vec<Button>]) -> Vec<Vec<Value>> {
    let mut rows: Vec<Vec<&Button>> = Vec::new();
    for row in buttons {
        for chunk in row.chunks(MAX_PER_ROW) {
            rows.push(chunk.iter().collect());
        }
    }
    let mut groups = Vec::new();
    for group in rows.chunks(MAX_ROWS) {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for row in group {
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
        if !out.is_empty() {
            groups.push(out);
        }
    }
    groups
}

/// The reply as messages: its text split, the first group of buttons under the last text, the
/// other groups on messages of their own (`more` is their text, e.g. "More:").
#[must_use]
pub fn render(reply: &Reply, more: &str) -> Vec<Outgoing> {
    let mut out: Vec<Outgoing> = split(&lines(reply), MAX_CONTENT)
        .into_iter()
        .map(|content| Outgoing { content, components: Vec::new() })
        .collect();
    for (i, group) in component_groups(&reply.buttons).into_iter().enumerate() {
        match out.last_mut() {
            Some(last) if i == 0 => last.components = group,
            _ => out.push(Outgoing { content: escape(more), components: group }),
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
        let out = render(&reply, "Suite :");
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

    #[test]
    fn markdown_is_escaped_and_styles_kept() {
        let reply = Reply::new().para(vec![
            Span::Plain("# a_b".into()),
            Span::Bold("gras".into()),
            Span::Plain(" - c".into()),
        ]);
        let out = render(&reply, "");
        assert_eq!(out[0].content, "\\# a\\_b**gras** - c");
    }
}
