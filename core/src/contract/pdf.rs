//! Sets the contract's blocks on A4 pages in the embedded DejaVu Sans and writes a PDF whose
//! bytes depend on the input alone (no clock, no random file or font identifier). It claims no
//! PDF/A or PDF/X conformance: none is checked by a validator here.

use std::collections::BTreeSet;

use printpdf::{
    Color, DateTime, FontId, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfDocumentInfo,
    PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem,
};
use sha2::{Digest, Sha256};

use super::fonts::{self, Face};
use super::text::{self, Block};
use super::{ContractError, ContractInput, Lang};

const PAGE_W_MM: f32 = 210.0;
const PAGE_H_MM: f32 = 297.0;
const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = PAGE_W_MM * PT_PER_MM;
const PAGE_H: f32 = PAGE_H_MM * PT_PER_MM;
const MARGIN_X: f32 = 20.0 * PT_PER_MM;
const TOP: f32 = PAGE_H - 18.0 * PT_PER_MM;
/// Lowest baseline for body text; the footer sits below it.
const BOTTOM: f32 = 22.0 * PT_PER_MM;
const FOOTER_Y: f32 = 11.0 * PT_PER_MM;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const INDENT: f32 = 6.0 * PT_PER_MM;
/// Right edge of the amounts column in the money article.
const AMOUNT_RIGHT: f32 = MARGIN_X + 125.0 * PT_PER_MM;

const TITLE_SIZE: f32 = 14.0;
const HEADING_SIZE: f32 = 10.5;
const BODY_SIZE: f32 = 9.5;
const FOOTER_SIZE: f32 = 7.5;
const LEADING: f32 = 1.32;
/// Room left under the signature lines for the signatures themselves.
const SIGNATURE_SPACE: f32 = 28.0 * PT_PER_MM;

/// Past this the input is abuse (or a mistake), not a contract.
pub(super) const MAX_PAGES: usize = 40;

/// One line of text at its final place; `y` is the baseline.
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    x: f32,
    y: f32,
    text: String,
    face: Face,
    size: f32,
}

/// What a page holds before it becomes PDF operators.
#[derive(Debug, Default)]
struct Page {
    lines: Vec<Placed>,
    rules: Vec<(f32, f32, f32)>,
}

/// Pours blocks into pages, top to bottom, opening a page when the next piece does not fit.
struct Layout {
    pages: Vec<Page>,
    /// Top of the next line.
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self { pages: vec![Page::default()], y: TOP }
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn ensure(&mut self, height: f32) -> Result<(), ContractError> {
        if self.y - height < BOTTOM && self.y < TOP {
            if self.pages.len() >= MAX_PAGES {
                return Err(ContractError::TooLong { pages: self.pages.len() + 1, max: MAX_PAGES });
            }
            self.pages.push(Page::default());
            self.y = TOP;
        }
        Ok(())
    }

    /// Places one line whose top is at the cursor and moves the cursor below it.
    fn line(&mut self, x: f32, text: String, face: Face, size: f32) -> Result<(), ContractError> {
        let height = size * LEADING;
        self.ensure(height)?;
        let y = self.y - size;
        self.page().lines.push(Placed { x, y, text, face, size });
        self.y -= height;
        Ok(())
    }

    fn wrapped(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        face: Face,
        size: f32,
    ) -> Result<(), ContractError> {
        for paragraph in text.split('\n') {
            for line in wrap(&fonts::printable(paragraph), face, size, width) {
                self.line(x, line, face, size)?;
            }
        }
        Ok(())
    }

    fn centered(&mut self, text: &str, face: Face, size: f32) -> Result<(), ContractError> {
        for line in wrap(&fonts::printable(text), face, size, CONTENT_W) {
            let x = (PAGE_W - fonts::width(&line, face, size)) / 2.0;
            self.line(x, line, face, size)?;
        }
        Ok(())
    }

    fn block(&mut self, block: &Block) -> Result<(), ContractError> {
        match block {
            Block::Title(t) => {
                self.centered(t, Face::Bold, TITLE_SIZE)?;
                let y = self.y - 2.0;
                self.page().rules.push((MARGIN_X, MARGIN_X + CONTENT_W, y));
                self.y -= 6.0;
            }
            Block::Subtitle(t) => self.centered(t, Face::Regular, BODY_SIZE)?,
            Block::Heading(h) => {
                self.y -= 7.0;
                // Keep the heading with at least two lines of its article.
                self.ensure(HEADING_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING)?;
                self.wrapped(MARGIN_X, CONTENT_W, h, Face::Bold, HEADING_SIZE)?;
                self.y -= 1.5;
            }
            Block::Strong(t) => self.wrapped(MARGIN_X, CONTENT_W, t, Face::Bold, BODY_SIZE)?,
            Block::Para(t) => {
                self.wrapped(MARGIN_X, CONTENT_W, t, Face::Regular, BODY_SIZE)?;
                self.y -= 2.5;
            }
            Block::Item(t) => {
                let lines =
                    wrap(&fonts::printable(t), Face::Regular, BODY_SIZE, CONTENT_W - INDENT);
                for (i, line) in lines.into_iter().enumerate() {
                    if i == 0 {
                        self.ensure(BODY_SIZE * LEADING)?;
                        let y = self.y - BODY_SIZE;
                        let dash = Placed {
                            x: MARGIN_X + INDENT / 3.0,
                            y,
                            text: "\u{2013}".into(),
                            face: Face::Regular,
                            size: BODY_SIZE,
                        };
                        self.page().lines.push(dash);
                    }
                    self.line(MARGIN_X + INDENT, line, Face::Regular, BODY_SIZE)?;
                }
            }
            Block::Row { label, value, bold } => {
                let face = if *bold { Face::Bold } else { Face::Regular };
                let value = fonts::printable(value).into_owned();
                let value_x = AMOUNT_RIGHT - fonts::width(&value, face, BODY_SIZE);
                // Dot leaders tie the label to its amount, for the eye and for text extraction.
                let mut label = fonts::printable(label).into_owned();
                let room = value_x - (MARGIN_X + INDENT) - 4.0;
                let dot = fonts::width(".", face, BODY_SIZE);
                let used =
                    fonts::width(&label, face, BODY_SIZE) + fonts::width(" ", face, BODY_SIZE);
                // Truncation is intended: only whole dots fit.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let dots = ((room - used) / dot).max(0.0) as usize;
                if dots >= 3 {
                    label.push(' ');
                    label.push_str(&".".repeat(dots));
                }
                self.ensure(BODY_SIZE * LEADING)?;
                self.line(MARGIN_X + INDENT, label, face, BODY_SIZE)?;
                let y = self.y + BODY_SIZE * LEADING - BODY_SIZE;
                self.page().lines.push(Placed {
                    x: value_x,
                    y,
                    text: value,
                    face,
                    size: BODY_SIZE,
                });
                if *bold {
                    self.y -= 2.5;
                }
            }
            Block::Gap(points) => self.y -= points,
            Block::Signatures { made, columns } => {
                let width = CONTENT_W / 2.0 - 5.0 * PT_PER_MM;
                let wrapped: Vec<Vec<(String, Face)>> = columns
                    .iter()
                    .map(|column| {
                        column
                            .iter()
                            .enumerate()
                            .flat_map(|(i, text)| {
                                let face = if i == 0 { Face::Bold } else { Face::Regular };
                                wrap(&fonts::printable(text), face, BODY_SIZE, width)
                                    .into_iter()
                                    .map(move |line| (line, face))
                            })
                            .collect()
                    })
                    .collect();
                let made = wrap(&fonts::printable(made), Face::Regular, BODY_SIZE, CONTENT_W);
                let rows = wrapped.iter().map(Vec::len).max().unwrap_or(0);
                #[allow(clippy::cast_precision_loss)] // a handful of lines
                let height = rows as f32 * BODY_SIZE * LEADING + SIGNATURE_SPACE;
                #[allow(clippy::cast_precision_loss)]
                let made_height = made.len() as f32 * BODY_SIZE * LEADING + 10.0;
                // "Made at …, on …" stays on the page that carries the signatures.
                self.y -= 6.0;
                self.ensure(made_height + height)?;
                for line in made {
                    self.line(MARGIN_X, line, Face::Regular, BODY_SIZE)?;
                }
                self.y -= 10.0;
                let top = self.y;
                for (c, lines) in wrapped.into_iter().enumerate() {
                    let x = if c == 0 {
                        MARGIN_X
                    } else {
                        MARGIN_X + CONTENT_W / 2.0 + 5.0 * PT_PER_MM
                    };
                    self.y = top;
                    for (line, face) in lines {
                        self.line(x, line, face, BODY_SIZE)?;
                    }
                }
                self.y = top - height;
            }
        }
        Ok(())
    }
}

/// Breaks `text` into lines no wider than `max` points, at spaces (never at no-break spaces);
/// a word wider than the line is cut where it overflows.
fn wrap(text: &str, face: Face, size: f32, max: f32) -> Vec<String> {
    let space = fonts::width(" ", face, size);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_w = fonts::width(word, face, size);
        if !line.is_empty() && line_w + space + word_w <= max {
            line.push(' ');
            line.push_str(word);
            line_w += space + word_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_w <= max {
            line.push_str(word);
            line_w = word_w;
            continue;
        }
        line_w = 0.0;
        for c in word.chars() {
            let mut buf = [0u8; 4];
            let c_w = fonts::width(c.encode_utf8(&mut buf), face, size);
            if line_w + c_w > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(c);
            line_w += c_w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn font(face: Face) -> PdfFontHandle {
    PdfFontHandle::External(FontId(face.resource().to_owned()))
}

/// The characters each cut sets, for subsetting.
#[derive(Default)]
struct Used {
    regular: BTreeSet<char>,
    bold: BTreeSet<char>,
}

impl Used {
    fn of(&self, face: Face) -> &BTreeSet<char> {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

fn text_ops(ops: &mut Vec<Op>, used: &mut Used, line: Placed) {
    if line.text.is_empty() {
        return;
    }
    match line.face {
        Face::Regular => used.regular.extend(line.text.chars()),
        Face::Bold => used.bold.extend(line.text.chars()),
    }
    // One text object per line: `Td` is relative inside a text object, absolute after `BT`.
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont { font: font(line.face), size: Pt(line.size) });
    ops.push(Op::SetTextCursor { pos: Point { x: Pt(line.x), y: Pt(line.y) } });
    ops.push(Op::ShowText { items: vec![TextItem::Text(line.text)] });
    ops.push(Op::EndTextSection);
}

fn grey(percent: f32) -> Color {
    Color::Greyscale(Greyscale { percent, icc_profile: None })
}

/// The footer of every page: reference, room for initials, "page n/N".
fn footer(ops: &mut Vec<Op>, used: &mut Used, input: &ContractInput, n: usize, total: usize) {
    let (reference, initials) = match input.lang {
        Lang::Fr => (format!("Réf. {}", input.reference.trim()), "Paraphes\u{a0}: ________"),
        Lang::En => (format!("Ref. {}", input.reference.trim()), "Initials: ________"),
    };
    let page = format!("page {n}/{total}");
    let size = FOOTER_SIZE;
    ops.push(Op::SetFillColor { col: grey(0.35) });
    let reference = fonts::printable(&reference).into_owned();
    text_ops(
        ops,
        used,
        Placed { x: MARGIN_X, y: FOOTER_Y, text: reference, face: Face::Regular, size },
    );
    let x = (PAGE_W - fonts::width(initials, Face::Regular, size)) / 2.0;
    text_ops(
        ops,
        used,
        Placed { x, y: FOOTER_Y, text: initials.to_owned(), face: Face::Regular, size },
    );
    let x = MARGIN_X + CONTENT_W - fonts::width(&page, Face::Regular, size);
    text_ops(ops, used, Placed { x, y: FOOTER_Y, text: page, face: Face::Regular, size });
    ops.push(Op::SetFillColor { col: grey(0.0) });
}

fn rule(ops: &mut Vec<Op>, (x1, x2, y): (f32, f32, f32)) {
    let point = |x| LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false };
    ops.push(Op::SetOutlineThickness { pt: Pt(0.6) });
    ops.push(Op::DrawLine { line: Line { points: vec![point(x1), point(x2)], is_closed: false } });
}

/// Lays the blocks out and writes the PDF.
pub(super) fn write(input: &ContractInput, blocks: &[Block]) -> Result<Vec<u8>, ContractError> {
    let mut layout = Layout::new();
    for block in blocks {
        layout.block(block)?;
    }
    let total = layout.pages.len();
    let mut used = Used::default();
    let pages: Vec<PdfPage> = layout
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, page)| {
            let mut ops = Vec::with_capacity(page.lines.len() * 5 + 24);
            ops.push(Op::SetFillColor { col: grey(0.0) });
            ops.push(Op::SetOutlineColor { col: grey(0.0) });
            page.rules.into_iter().for_each(|r| rule(&mut ops, r));
            page.lines.into_iter().for_each(|line| text_ops(&mut ops, &mut used, line));
            footer(&mut ops, &mut used, input, i + 1, total);
            PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), ops)
        })
        .collect();

    let title = text::title(input.lang, input.deal.is_coproduction());
    let mut doc = PdfDocument::new(title);
    let date = pdf_date(input);
    doc.metadata.info = PdfDocumentInfo {
        creation_date: date,
        modification_date: date,
        metadata_date: date,
        document_title: format!("{title} \u{2013} {}", input.reference.trim()),
        author: input.producer.legal_name.trim().to_owned(),
        creator: "Flow Stage".to_owned(),
        producer: "Flow Stage".to_owned(),
        subject: input.show.artist_name.trim().to_owned(),
        identifier: input.reference.trim().to_owned(),
        ..PdfDocumentInfo::default()
    };
    doc.with_pages(pages);
    for face in Face::ALL {
        if used.of(face).is_empty() {
            continue;
        }
        let subset = fonts::subset(face, used.of(face)).map_err(ContractError::Pdf)?;
        doc.resources.fonts.map.insert(FontId(face.resource().to_owned()), PdfFont::new(subset));
    }

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lopdf = doc.to_lopdf_document(&options, &mut warnings);
    if let Some(w) = warnings.iter().find(|w| w.severity == printpdf::PdfParseErrorSeverity::Error)
    {
        return Err(ContractError::Pdf(w.msg.clone()));
    }
    // printpdf draws the trailer /ID from a process-wide counter, so two renders in one process
    // would differ: derive it from the input instead (the same for the same contract, distinct
    // between contracts).
    let id = file_id(input)?;
    if let Ok(parts) = lopdf.trailer.get_mut(b"ID").and_then(|id| id.as_array_mut()) {
        for part in parts.iter_mut() {
            if let Ok(bytes) = part.as_str_mut() {
                bytes.clone_from(&id);
            }
        }
    }
    // printpdf writes an empty PDF/X version key into the document information: drop it, since
    // this file claims no conformance level.
    if let Ok(o) = lopdf.trailer.get(b"Info")
        && let Ok(info) = o.as_reference()
        && let Ok(dict) = lopdf.get_dictionary_mut(info)
    {
        dict.remove(b"GTS_PDFXVersion");
    }
    lopdf.compress();
    let mut bytes = Vec::with_capacity(32 * 1024);
    lopdf.save_to(&mut bytes).map_err(|e| ContractError::Pdf(e.to_string()))?;
    Ok(bytes)
}

/// The PDF dates: the day the contract is made, at midnight UTC.
fn pdf_date(input: &ContractInput) -> DateTime {
    use chrono::Datelike;
    let d = input.made_on;
    DateTime {
        date: printpdf::Date {
            year: d.year(),
            month: u8::try_from(d.month()).unwrap_or(1),
            day: u8::try_from(d.day()).unwrap_or(1),
        },
        time: printpdf::Time { hour: 0, minute: 0, second: 0, millisecond: 0 },
        offset: printpdf::Offset { hours: 0, minutes: 0, seconds: 0, milliseconds: 0 },
    }
}

/// 32 hex digits of the input's SHA-256: the file identifier the PDF format asks for.
fn file_id(input: &ContractInput) -> Result<Vec<u8>, ContractError> {
    let json = serde_json::to_vec(input).map_err(|e| ContractError::Pdf(e.to_string()))?;
    let digest = Sha256::digest(&json);
    Ok(hex::encode(digest.get(..16).unwrap_or_default()).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_the_width_and_keeps_every_word() {
        let text =
            "Le Producteur fournit le spectacle entièrement monté et prêt à être représenté.";
        let lines = wrap(text, Face::Regular, BODY_SIZE, 150.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| fonts::width(l, Face::Regular, BODY_SIZE) <= 150.0));
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn wrap_never_breaks_at_a_no_break_space() {
        let amount = "1\u{a0}200,00\u{a0}€";
        let max = fonts::width(amount, Face::Regular, BODY_SIZE) + 1.0;
        let lines = wrap(&format!("total {amount} dû"), Face::Regular, BODY_SIZE, max);
        assert!(lines.iter().any(|l| l == "1\u{a0}200,00\u{a0}€"), "{lines:?}");
    }

    #[test]
    fn wrap_cuts_words_longer_than_a_line() {
        let long = "x".repeat(300);
        let lines = wrap(&long, Face::Regular, BODY_SIZE, 100.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), long);
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(wrap("", Face::Regular, BODY_SIZE, 100.0), vec![String::new()]);
    }
}
