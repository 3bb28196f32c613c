//! The neutral reply model: what the engine says, with no platform's markup in it. Each adapter
//! renders and escapes it (Telegram entities, Discord markdown, the terminal's plain text).

use serde::{Deserialize, Serialize};

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
    /// Stored as hex with the step's replies (the inbox), not as a list of numbers.
    #[serde(with = "hex_bytes")]
    pub bytes: Vec<u8>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// Where a reply goes on the person's screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placement {
    /// A new message under the others.
    #[default]
    New,
    /// The same screen redrawn after one of its buttons was pressed (a genre ticked, a page
    /// turned): platforms that can edit the pressed message replace it with this one.
    ReplacePressed,
}

/// One message to the person who spoke (what reaches anyone else goes through the stored outbox
/// as a [`crate::notify::Event`], rendered for them by [`crate::conversation::render_delivery`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub blocks: Vec<Block>,
    /// Rows of buttons, top to bottom.
    pub buttons: Vec<Vec<Button>>,
    pub attachments: Vec<Attachment>,
    pub placement: Placement,
    /// The question this reply asks can be answered by sharing a location (the city): platforms
    /// that can ask for one offer it.
    pub accepts_location: bool,
    /// The question this reply asks waits for typed text: platforms where typing here is not
    /// read (a Discord server channel) offer a form to type it in.
    #[serde(default)]
    pub asks_text: bool,
}

impl Default for Reply {
    fn default() -> Self {
        Self {
            blocks: Vec::new(),
            buttons: Vec::new(),
            attachments: Vec::new(),
            placement: Placement::New,
            accepts_location: false,
            asks_text: false,
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

    /// See [`Reply::accepts_location`].
    #[must_use]
    pub fn accepting_location(mut self) -> Self {
        self.accepts_location = true;
        self
    }

    /// The question waits for typed text (see [`Reply::asks_text`]).
    #[must_use]
    pub fn asking_text(mut self) -> Self {
        self.asks_text = true;
        self
    }

    /// A document follows the text: platforms show that a file is on its way (Telegram's
    /// "sending a file…" status) while it uploads.
    #[must_use]
    pub fn document_follows(&self) -> bool {
        !self.attachments.is_empty()
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
