//! What the PDF built-in Helvetica can print (WinAnsi) and how wide it prints it, so contracts
//! need no embedded font and still wrap their lines where a viewer will draw them.

use std::borrow::Cow;

/// Characters WinAnsi places in 0x80..=0x9F, where Latin-1 has control codes.
const HIGH_PUNCTUATION: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// The WinAnsi byte for `c`, or `None` when the built-in fonts cannot show it.
pub(super) fn byte(c: char) -> Option<u8> {
    match u32::from(c) {
        cp @ (0x20..=0x7E | 0xA0..=0xFF) => u8::try_from(cp).ok(),
        _ => HIGH_PUNCTUATION.iter().find(|&&(h, _)| h == c).map(|&(_, b)| b),
    }
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

/// Rewrites one line of user text into characters the built-in fonts print.
///
/// French spacing survives (U+202F and U+2007 become the WinAnsi no-break space); anything
/// outside WinAnsi — Cyrillic, emoji — is transliterated, or becomes '?', so a band name can
/// never break the file. Line breaks are the caller's business: they turn into spaces here.
pub(super) fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| byte(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{202F}' | '\u{2007}' | '\u{2060}' => '\u{A0}',
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => ' ',
            other => other,
        };
        if byte(c).is_some() {
            out.push(c);
            continue;
        }
        if let Some(composed) = out.chars().last().and_then(|base| compose(base, c)) {
            out.pop();
            out.push(composed);
            continue;
        }
        if c.is_control() || ('\u{300}'..='\u{36F}').contains(&c) || c == '\u{FE0F}' {
            // Invisible: a control code, a lone combining mark, an emoji variation selector.
            continue;
        }
        match deunicode::deunicode_char(c) {
            Some(ascii) if !ascii.is_empty() && ascii.chars().all(|a| byte(a).is_some()) => {
                out.push_str(ascii);
            }
            _ => out.push('?'),
        }
    }
    Cow::Owned(out)
}

/// The regular and bold cuts the contract uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Face {
    Regular,
    Bold,
}

/// Width of `text` in points at `size`, for text already passed through [`printable`].
pub(super) fn width(text: &str, face: Face, size: f32) -> f32 {
    let table = match face {
        Face::Regular => &HELVETICA,
        Face::Bold => &HELVETICA_BOLD,
    };
    let units: u32 = text
        .chars()
        .map(|c| {
            byte(c)
                .and_then(|b| table.get(usize::from(b).wrapping_sub(0x20)))
                .map_or(556, |&w| u32::from(w))
        })
        .sum();
    // Widths stay far below f32's exact-integer range (2^24) for any line we measure.
    #[allow(clippy::cast_precision_loss)]
    let units = units as f32;
    units * size / 1000.0
}

// Advance widths in 1/1000 em for WinAnsi bytes 0x20..=0xFF. They were read from the
// Helvetica-metric fonts printpdf 0.12.8 ships for its built-ins (rounded from 2048 units per
// em) and agree with Adobe's Helvetica AFM for every letter, digit and French sign used here;
// unassigned codes are 0 because `byte` never yields them.
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    744, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    744, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_passes_untouched() {
        let s = "Œuvre « fêtée » à Noël, où l'on goûte 1\u{a0}200,00\u{a0}€ — ça, naïf";
        assert!(matches!(printable(s), Cow::Borrowed(_)));
    }

    #[test]
    fn narrow_no_break_space_becomes_no_break_space() {
        assert_eq!(printable("12\u{202f}%"), "12\u{a0}%");
    }

    #[test]
    fn decomposed_accents_are_composed() {
        assert_eq!(printable("Ze\u{301}phyr Cre\u{300}me"), "Zéphyr Crème");
    }

    #[test]
    fn text_outside_winansi_is_transliterated_or_replaced() {
        assert_eq!(printable("Кино"), "Kino");
        let emoji = printable("Rock 🎸 band");
        assert!(emoji.chars().all(|c| byte(c).is_some()), "{emoji}");
        assert!(emoji.starts_with("Rock ") && emoji.ends_with(" band"));
        assert_eq!(printable("a\u{0}b"), "ab");
    }

    #[test]
    fn widths_follow_helvetica_metrics() {
        // "Wi" = 944 + 222 units at 10 pt.
        assert!((width("Wi", Face::Regular, 10.0) - 11.66).abs() < 1e-3);
        assert!(width("Wi", Face::Bold, 10.0) > width("Wi", Face::Regular, 10.0));
        assert!((width("\u{a0}", Face::Regular, 1000.0) - 278.0).abs() < 1e-3);
    }
}
