//! The neutral reply model rendered as Telegram messages: HTML with every user-typed character
//! escaped (HTML needs only `<`, `>`, `&` and `"` escaped, so no profile name can break a
//! message), inline keyboards for buttons, and texts split under Telegram's 4,096-character limit
//! at line boundaries.

use flowstage_core::conversation::{Block, Button, Reply, Span};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// Telegram's limit counts UTF-16 code units of the text after parsing; a margin keeps clear of
/// any rounding on their side.
pub const MAX_TEXT: usize = 4000;

/// Callback data of a button that records a choice already made: pressing it only answers.
pub const CHOSEN: &str = "tg:chosen";

/// One message ready to send: HTML text and, on the last message of a reply, its keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub html: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Italic,
}

/// A run of one style within one line; links keep their target.
#[derive(Clone)]
struct Run {
    style: Style,
    link: Option<String>,
    text: String,
}

/// Escapes text for Telegram's HTML parse mode (attribute values included).
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn run_html(r: &Run) -> String {
    let body = escape(&r.text);
    match (&r.link, r.style) {
        (Some(url), _) if is_web_url(url) => format!("<a href=\"{}\">{body}</a>", escape(url)),
        // Telegram refuses other link targets (`mailto:`, `javascript:`…): shown, not linked.
        (Some(url), _) if *url != r.text => format!("{body} ({})", escape(url)),
        (_, Style::Bold) => format!("<b>{body}</b>"),
        (_, Style::Italic) => format!("<i>{body}</i>"),
        _ => body,
    }
}

fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(char::is_whitespace)
}

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The reply as lines of runs: a run never crosses a line, so any line boundary is a place
/// where the text can be split with every tag closed.
fn lines(reply: &Reply) -> Vec<Vec<Run>> {
    let mut out: Vec<Vec<Run>> = Vec::new();
    let push_spans = |out: &mut Vec<Vec<Run>>, prefix: Option<&str>, spans: &[Span]| {
        let mut line: Vec<Run> = Vec::new();
        if let Some(p) = prefix {
            line.push(Run { style: Style::Plain, link: None, text: p.to_owned() });
        }
        for span in spans {
            let (style, link) = match span {
                Span::Plain(_) => (Style::Plain, None),
                Span::Bold(_) => (Style::Bold, None),
                Span::Italic(_) => (Style::Italic, None),
                Span::Link { url, .. } => (Style::Plain, Some(url.clone())),
            };
            let mut parts = span.text().split('\n').peekable();
            while let Some(part) = parts.next() {
                if !part.is_empty() {
                    line.push(Run { style, link: link.clone(), text: part.to_owned() });
                }
                if parts.peek().is_some() {
                    out.push(std::mem::take(&mut line));
                }
            }
        }
        out.push(line);
    };
    for (i, block) in reply.blocks.iter().enumerate() {
        if i > 0 {
            out.push(Vec::new());
        }
        match block {
            Block::Paragraph(spans) => push_spans(&mut out, None, spans),
            Block::List(items) => {
                for item in items {
                    push_spans(&mut out, Some("• "), item);
                }
            }
        }
    }
    out
}

/// Cuts a line whose text alone is over the limit into pieces that fit.
fn cut_line(line: Vec<Run>, max: usize) -> Vec<Vec<Run>> {
    let mut pieces = vec![Vec::new()];
    let mut used = 0;
    for run in line {
        let mut text = run.text.as_str();
        while !text.is_empty() {
            let room = max - used;
            let mut end = 0;
            let mut units = 0;
            for (i, c) in text.char_indices() {
                if units + c.len_utf16() > room {
                    break;
                }
                units += c.len_utf16();
                end = i + c.len_utf8();
            }
            if end == 0 && used > 0 {
                pieces.push(Vec::new());
                used = 0;
                continue;
            }
            // A single character wider than the room cannot happen with max ≥ 2.
            let end = end.max(text.chars().next().map_or(0, char::len_utf8));
            let (head, tail) = text.split_at(end);
            if let Some(piece) = pieces.last_mut() {
                piece.push(Run { style: run.style, link: run.link.clone(), text: head.to_owned() });
            }
            used += utf16(head);
            text = tail;
            if !text.is_empty() {
                pieces.push(Vec::new());
                used = 0;
            }
        }
    }
    pieces
}

/// The HTML texts of a reply, each under `max` characters once parsed, split at line boundaries.
#[must_use]
pub fn texts(reply: &Reply, max: usize) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut current_len = 0;
    let flush = |current: &mut Vec<String>, chunks: &mut Vec<String>| {
        let text = current.join("\n");
        let text = text.trim_matches('\n');
        if !text.trim().is_empty() {
            chunks.push(text.to_owned());
        }
        current.clear();
    };
    for line in lines(reply) {
        let len: usize = line.iter().map(|r| utf16(&r.text)).sum();
        let pieces = if len > max { cut_line(line, max) } else { vec![line] };
        for piece in pieces {
            let len: usize = piece.iter().map(|r| utf16(&r.text)).sum();
            // Each line after the first adds its newline.
            let added = len + usize::from(!current.is_empty());
            if !current.is_empty() && current_len + added > max {
                flush(&mut current, &mut chunks);
                current_len = 0;
            }
            current_len += len + usize::from(!current.is_empty());
            current.push(piece.iter().map(run_html).collect());
        }
    }
    flush(&mut current, &mut chunks);
    chunks
}

/// Buttons as an inline keyboard; `None` when there are none.
#[must_use]
pub fn keyboard(rows: &[Vec<Button>]) -> Option<InlineKeyboardMarkup> {
    let rows: Vec<Vec<InlineKeyboardButton>> = rows
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.iter()
                .map(|b| InlineKeyboardButton::callback(label(&b.label), b.payload.clone()))
                .collect()
        })
        .collect();
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

/// A button label Telegram accepts: not empty.
fn label(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() { "·".to_owned() } else { t.to_owned() }
}

/// The messages of a reply; the keyboard goes on the last one, so it sits under the question.
#[must_use]
pub fn render(reply: &Reply) -> Vec<Outgoing> {
    let mut out: Vec<Outgoing> =
        texts(reply, MAX_TEXT).into_iter().map(|html| Outgoing { html, keyboard: None }).collect();
    let keyboard = keyboard(&reply.buttons);
    match out.last_mut() {
        Some(last) => last.keyboard = keyboard,
        // Buttons need a message to sit under; attachments carry them otherwise.
        None if keyboard.is_some() && reply.attachments.is_empty() => {
            out.push(Outgoing { html: "⬇️".to_owned(), keyboard });
        }
        None => {}
    }
    out
}

/// The keyboard a pressed one becomes: one button showing the choice, which does nothing more.
#[must_use]
pub fn chosen(label: &str) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        format!("✓ {}", self::label(label)),
        CHOSEN,
    )]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(spans: Vec<Span>) -> Reply {
        Reply::new().para(spans)
    }

    #[test]
    fn names_that_look_like_markup_are_escaped() {
        let r = reply(vec![
            Span::Bold("Rock & Roll <3".into()),
            Span::Plain(" *_[] \"x\" ".into()),
            Span::Link { text: "a<b".into(), url: "https://x.fr/?a=1&b=\"2\"".into() },
        ]);
        assert_eq!(
            texts(&r, MAX_TEXT),
            vec![
                "<b>Rock &amp; Roll &lt;3</b> *_[] &quot;x&quot; <a href=\"https://x.fr/?a=1&amp;b=&quot;2&quot;\">a&lt;b</a>"
            ]
        );
    }

    #[test]
    fn only_web_links_are_linked() {
        let r = reply(vec![
            Span::Link { text: "mail".into(), url: "mailto:a@b.fr".into() },
            Span::Plain(" ".into()),
            Span::Link { text: "x".into(), url: "javascript:alert(1)".into() },
        ]);
        assert_eq!(texts(&r, MAX_TEXT), vec!["mail (mailto:a@b.fr) x (javascript:alert(1))"]);
    }

    #[test]
    fn lists_and_paragraphs_become_lines() {
        let r = Reply::new()
            .para(vec![Span::Plain("Title\nsecond".into())])
            .list(vec![vec![Span::Italic("one".into())], vec![Span::Plain("two".into())]]);
        assert_eq!(texts(&r, MAX_TEXT), vec!["Title\nsecond\n\n• <i>one</i>\n• two"]);
    }

    #[test]
    fn long_texts_split_at_line_boundaries_under_the_limit() {
        let line = "x".repeat(100);
        let body = vec![line.as_str(); 100].join("\n");
        let r = reply(vec![Span::Bold(body)]);
        let chunks = texts(&r, 4000);
        assert_eq!(chunks.len(), 3);
        for c in &chunks {
            let visible = c.replace("<b>", "").replace("</b>", "");
            assert!(visible.encode_utf16().count() <= 4000);
            assert!(visible.split('\n').all(|l| l.len() == 100), "cut only at line ends");
        }
    }

    #[test]
    fn a_single_overlong_line_is_cut_with_tags_closed() {
        let r = reply(vec![Span::Bold("🎸".repeat(3000))]);
        let chunks = texts(&r, 4000);
        assert_eq!(chunks.len(), 2);
        for c in &chunks {
            assert!(c.starts_with("<b>") && c.ends_with("</b>"));
            assert!(c.encode_utf16().count() - 7 <= 4000);
        }
    }

    #[test]
    fn buttons_go_under_the_last_message() {
        let r = reply(vec![Span::Plain("Q?".into())])
            .row(vec![Button { label: "Oui".into(), payload: "1.y".into() }]);
        let out = render(&r);
        assert_eq!(out.len(), 1);
        assert!(out[0].keyboard.is_some());
    }

    fn span() -> impl proptest::strategy::Strategy<Value = Span> {
        use proptest::prelude::*;
        // Markup characters, entities, newlines, emoji and plain words, in any mix.
        let text = "([<>&\"'*_\\[\\]()`~|#!.\n]|&amp;|&#x41;|<b>|</i>|🎸|é|Rock|Roll| ){0,60}";
        prop_oneof![
            text.prop_map(Span::Plain),
            text.prop_map(Span::Bold),
            text.prop_map(Span::Italic),
            (text, "https://[a-z]{1,8}\\.fr/[a-z&<>\"]{0,8}")
                .prop_map(|(text, url)| Span::Link { text, url }),
        ]
    }

    proptest::proptest! {
        /// Whatever people type, every message parses in Telegram's HTML, fits its limit, and
        /// says exactly the reply's words.
        #[test]
        fn any_reply_renders_to_messages_telegram_accepts(
            paras in proptest::collection::vec(proptest::collection::vec(span(), 0..6), 1..5),
            max in 20_usize..200,
        ) {
            use flowstage_tests::fake_telegram::parse_html;
            let mut r = Reply::new();
            for p in paras {
                r = r.para(p);
            }
            let mut seen = Vec::new();
            for html in texts(&r, max) {
                let (text, _) = parse_html(&html).map_err(|e| {
                    proptest::test_runner::TestCaseError::fail(format!("{e}: {html:?}"))
                })?;
                proptest::prop_assert!(text.encode_utf16().count() <= max, "{}", text);
                seen.push(text);
            }
            let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>().concat();
            let expected: String = r
                .blocks
                .iter()
                .map(|b| match b {
                    Block::Paragraph(spans) => spans.iter().map(|s| match s {
                        Span::Link { text, .. } => text.clone(),
                        other => other.text().to_owned(),
                    }).collect::<String>(),
                    Block::List(_) => String::new(),
                })
                .collect();
            proptest::prop_assert_eq!(words(&seen.concat()), words(&expected));
        }
    }
}
