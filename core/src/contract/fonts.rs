//! The font the contract is set in: DejaVu Sans, regular and bold (shipped in `core/fonts/` with
//! its licence), embedded in every contract and subset to the glyphs it uses, so every viewer
//! draws the same letters and the file stays small. Also what the font can print and how wide,
//! so lines wrap where a viewer will draw them.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};
use printpdf::ParsedFont;
use sha2::{Digest, Sha256};

pub(crate) const REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
pub(crate) const BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// The regular and bold cuts the contract uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Face {
    Regular,
    Bold,
}

impl Face {
    pub(super) const ALL: [Face; 2] = [Face::Regular, Face::Bold];

    fn font(self) -> Option<&'static Font> {
        let fonts = FONTS.as_ref()?;
        Some(match self {
            Face::Regular => &fonts[0],
            Face::Bold => &fonts[1],
        })
    }

    /// The PDF resource name; fixed, so the same contract gives the same bytes.
    pub(super) fn resource(self) -> &'static str {
        match self {
            Face::Regular => "F1",
            Face::Bold => "F2",
        }
    }

    fn postscript_name(self) -> &'static str {
        match self {
            Face::Regular => "DejaVuSans",
            Face::Bold => "DejaVuSans-Bold",
        }
    }
}

/// One whole font, parsed once: its character map and advance widths.
struct Font {
    bytes: &'static [u8],
    parsed: ParsedFont,
}

impl Font {
    fn parse(bytes: &'static [u8]) -> Option<Self> {
        Some(Self { bytes, parsed: ParsedFont::from_bytes(bytes, 0, &mut Vec::new())? })
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.parsed.lookup_glyph_index(u32::from(c)).filter(|&g| g != 0)
    }

    /// Advance of `c` in 1/1000 em.
    fn advance(&self, c: char) -> f32 {
        let units = self.glyph(c).and_then(|g| self.parsed.get_glyph_width(g)).unwrap_or(0);
        f32::from(units) * 1000.0 / f32::from(self.parsed.units_per_em.max(1))
    }
}

/// `None` only if the shipped font files are broken, which the tests would show at once.
static FONTS: LazyLock<Option<[Font; 2]>> =
    LazyLock::new(|| Some([Font::parse(REGULAR_TTF)?, Font::parse(BOLD_TTF)?]));

/// Whether both cuts have a glyph for `c`.
fn covered(c: char) -> bool {
    Face::ALL.iter().all(|f| f.font().and_then(|font| font.glyph(c)).is_some())
}

/// Latin letters typed as a base letter plus a combining accent (macOS and some keyboards send
/// them that way): composing them keeps "é" an "é" instead of losing the accent.
const COMPOSED: [(char, char, char); 58] = [
    ('À', 'A', '\u{300}'),
    ('Á', 'A', '\u{301}'),
    ('Â', 'A', '\u{302}'),
    ('Ã', 'A', '\u{303}'),
    ('Ä', 'A', '\u{308}'),
    ('Å', 'A', '\u{30A}'),
    ('Ç', 'C', '\u{327}'),
    ('È', 'E', '\u{300}'),
    ('É', 'E', '\u{301}'),
    ('Ê', 'E', '\u{302}'),
    ('Ë', 'E', '\u{308}'),
    ('Ì', 'I', '\u{300}'),
    ('Í', 'I', '\u{301}'),
    ('Î', 'I', '\u{302}'),
    ('Ï', 'I', '\u{308}'),
    ('Ñ', 'N', '\u{303}'),
    ('Ò', 'O', '\u{300}'),
    ('Ó', 'O', '\u{301}'),
    ('Ô', 'O', '\u{302}'),
    ('Õ', 'O', '\u{303}'),
    ('Ö', 'O', '\u{308}'),
    ('Ù', 'U', '\u{300}'),
    ('Ú', 'U', '\u{301}'),
    ('Û', 'U', '\u{302}'),
    ('Ü', 'U', '\u{308}'),
    ('Ý', 'Y', '\u{301}'),
    ('à', 'a', '\u{300}'),
    ('á', 'a', '\u{301}'),
    ('â', 'a', '\u{302}'),
    ('ã', 'a', '\u{303}'),
    ('ä', 'a', '\u{308}'),
    ('å', 'a', '\u{30A}'),
    ('ç', 'c', '\u{327}'),
    ('è', 'e', '\u{300}'),
    ('é', 'e', '\u{301}'),
    ('ê', 'e', '\u{302}'),
    ('ë', 'e', '\u{308}'),
    ('ì', 'i', '\u{300}'),
    ('í', 'i', '\u{301}'),
    ('î', 'i', '\u{302}'),
    ('ï', 'i', '\u{308}'),
    ('ñ', 'n', '\u{303}'),
    ('ò', 'o', '\u{300}'),
    ('ó', 'o', '\u{301}'),
    ('ô', 'o', '\u{302}'),
    ('õ', 'o', '\u{303}'),
    ('ö', 'o', '\u{308}'),
    ('ù', 'u', '\u{300}'),
    ('ú', 'u', '\u{301}'),
    ('û', 'u', '\u{302}'),
    ('ü', 'u', '\u{308}'),
    ('ý', 'y', '\u{301}'),
    ('ÿ', 'y', '\u{308}'),
    ('Š', 'S', '\u{30C}'),
    ('š', 's', '\u{30C}'),
    ('Ÿ', 'Y', '\u{308}'),
    ('Ž', 'Z', '\u{30C}'),
    ('ž', 'z', '\u{30C}'),
];

fn compose(base: char, mark: char) -> Option<char> {
    COMPOSED.iter().find(|&&(_, b, m)| b == base && m == mark).map(|&(c, _, _)| c)
}

/// Rewrites one line of user text into characters both cuts print.
///
/// Latin, Greek and Cyrillic print as typed, French spacing included; what the font lacks —
/// CJK, emoji — is transliterated, or becomes '?', so a band name can never break the file.
/// Line breaks are the caller's business: they turn into spaces here.
pub(super) fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| c == ' ' || (!c.is_control() && !is_mark(c) && covered(c))) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => ' ',
            other => other,
        };
        if c == ' ' || (!c.is_control() && !is_mark(c) && covered(c)) {
            out.push(c);
            continue;
        }
        if let Some(composed) = out.chars().last().and_then(|base| compose(base, c)) {
            out.pop();
            out.push(composed);
            continue;
        }
        if c.is_control() || is_mark(c) || c == '\u{FE0F}' {
            // Invisible: a control code, a lone combining mark, an emoji variation selector.
            continue;
        }
        if matches!(c, '\u{202F}' | '\u{2007}' | '\u{2060}') {
            out.push('\u{A0}');
            continue;
        }
        match deunicode::deunicode_char(c) {
            Some(ascii) if !ascii.is_empty() && ascii.chars().all(covered) => out.push_str(ascii),
            _ => out.push('?'),
        }
    }
    Cow::Owned(out)
}

fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&c)
}

/// Width of `text` in points at `size`, for text already passed through [`printable`].
pub(super) fn width(text: &str, face: Face, size: f32) -> f32 {
    let Some(font) = face.font() else { return 0.0 };
    text.chars().map(|c| font.advance(c)).sum::<f32>() * size / 1000.0
}

/// The cut reduced to the glyphs of `chars` (and `.notdef`), named with a subset tag drawn
/// from that glyph set: the same text gives the same bytes.
pub(super) fn subset(face: Face, chars: &BTreeSet<char>) -> Result<ParsedFont, String> {
    let font = face.font().ok_or("the shipped font does not parse")?;
    let glyphs: BTreeSet<u16> = chars.iter().filter_map(|&c| font.glyph(c)).collect();
    let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
    let scope = ReadScope::new(font.bytes);
    let data = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data.table_provider(0).map_err(|e| e.to_string())?;
    let bytes = allsorts::subset::subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| e.to_string())?;
    let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
        .ok_or("the subset font does not parse")?;
    // ISO 32000-1 9.6.4: six upper-case letters, a plus sign, the font's name.
    let digest = Sha256::digest(ids.iter().flat_map(|g| g.to_be_bytes()).collect::<Vec<u8>>());
    let tag: String = digest.iter().take(6).map(|b| char::from(b'A' + b % 26)).collect();
    parsed.font_name = Some(format!("{tag}+{}", face.postscript_name()));
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_passes_untouched() {
        let s = "Œuvre « fêtée » à Noël, où l'on goûte 1\u{a0}200,00\u{a0}€ — ça, naïf";
        assert!(matches!(printable(s), Cow::Borrowed(_)));
        assert!(matches!(printable("Кино, Ωmega, Łódź, Ærø"), Cow::Borrowed(_)));
    }

    #[test]
    fn decomposed_accents_are_composed() {
        assert_eq!(printable("Ze\u{301}phyr Cre\u{300}me"), "Zéphyr Crème");
    }

    #[test]
    fn text_outside_the_font_is_transliterated_or_replaced() {
        let emoji = printable("Rock 🎸 band 東京");
        assert!(emoji.chars().all(|c| c == ' ' || covered(c)), "{emoji}");
        assert!(emoji.starts_with("Rock ") && emoji.contains(" band "), "{emoji}");
        assert_eq!(printable("a\u{0}b"), "ab");
    }

    #[test]
    fn widths_follow_the_font() {
        assert!(width("Wi", Face::Regular, 10.0) > 10.0);
        assert!(width("Wi", Face::Bold, 10.0) > width("Wi", Face::Regular, 10.0));
        assert!(
            (width("\u{a0}", Face::Regular, 10.0) - width(" ", Face::Regular, 10.0)).abs() < 1e-3
        );
    }

    #[test]
    fn subsets_are_small_and_the_same_every_time() {
        let chars: BTreeSet<char> =
            "Contrat de cession, 1 200,00 € — Œil de Bœuf".chars().collect();
        let a = subset(Face::Regular, &chars).unwrap();
        let b = subset(Face::Regular, &chars).unwrap();
        assert_eq!(a, b);
        assert!(a.original_bytes.len() < 40_000, "{}", a.original_bytes.len());
        assert!(a.lookup_glyph_index(u32::from('Œ')).is_some());
        assert!(a.font_name.as_deref().is_some_and(|n| n.ends_with("+DejaVuSans")));
    }
}
