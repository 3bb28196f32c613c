//! The neutral reply model: what the engine says, with no platform's markup in it. Each adapter
//! renders and escapes it (Telegram entities, Discord markdown, the terminal's plain text).

use serde::{Deserialize, Serialize};

use crate::domain::AccountId;

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Span {
    Plain(String),
    Bold(String),
    Italic(String),
    Link { text: String, url: String },
}

impl Span {
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Span::Plain(t) | Span::Bold(t) | Span::Italic(t) | Span::Link { text: t, .. } => t,
        }
    }
}

/// A paragraph, or a bulleted list whose items are lines of spans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Paragraph(Vec<Span>),
    List(Vec<Vec<Span>>),
}

/// A button: what it shows, and the payload (at most [`crate::conversation::payload::MAX_LEN`]
/// bytes) that comes back when it is pressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    pub payload: String,
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub file_name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

/// Who a reply is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recipient {
    /// The person who spoke.
    Speaker,
    /// Another account: delivered through the outbox on whatever platform reaches it.
    Account(AccountId),
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub to: Recipient,
    pub blocks: Vec<Block>,
    /// Rows of buttons, top to bottom.
    pub buttons: Vec<Vec<Button>>,
    pub attachments: Vec<Attachment>,
}

impl Default for Reply {
    fn default() -> Self {
        Self {
            to: Recipient::Speaker,
            blocks: Vec::new(),
            buttons: Vec::new(),
            attachments: Vec::new(),
        }
    }
}

impl Reply {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A paragraph of spans.
    #[must_use]
    pub fn para(mut self, spans: Vec<Span>) -> Self {
        if !spans.is_empty() {
            self.blocks.push(Block::Paragraph(spans));
        }
        self
    }

    /// A paragraph of plain text.
    #[must_use]
    pub fn text(self, text: impl Into<String>) -> Self {
        self.para(vec![Span::Plain(text.into())])
    }

    #[must_use]
    pub fn list(mut self, items: Vec<Vec<Span>>) -> Self {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
        self
    }

    #[must_use]
    pub fn row(mut self, buttons: Vec<Button>) -> Self {
        if !buttons.is_empty() {
            self.buttons.push(buttons);
        }
        self
    }

    /// Buttons laid out `per_row` to a row.
    #[must_use]
    pub fn grid(mut self, buttons: Vec<Button>, per_row: usize) -> Self {
        for chunk in buttons.chunks(per_row.max(1)) {
            self.buttons.push(chunk.to_vec());
        }
        self
    }

    #[must_use]
    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    #[must_use]
    pub fn to(mut self, to: Recipient) -> Self {
        self.to = to;
        self
    }

    /// Every button, in reading order.
    pub fn all_buttons(&self) -> impl Iterator<Item = &Button> {
        self.buttons.iter().flatten()
    }

    /// The text without styles: lists as "• item" lines, links as "text <url>". What the terminal
    /// prints and what transcript tests read.
    #[must_use]
    pub fn plain_text(&self) -> String {
        let mut out = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Paragraph(spans) => out.push(render_spans(spans)),
                Block::List(items) => {
                    out.push(
                        items
                            .iter()
                            .map(|i| format!("• {}", render_spans(i)))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                }
            }
        }
        out.join("\n")
    }
}

fn render_spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Link { text, url } if text != url => format!("{text} <{url}>"),
            other => other.text().to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_words_and_drops_styles() {
        let r = Reply::new()
            .para(vec![Span::Bold("Hi".into()), Span::Plain(" there".into())])
            .list(vec![
                vec![Span::Italic("one".into())],
                vec![Span::Link { text: "site".into(), url: "https://x.fr".into() }],
            ]);
        assert_eq!(r.plain_text(), "Hi there\n• one\n• site <https://x.fr>");
    }
}
