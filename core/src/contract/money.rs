//! Money as a contract states it: integer cents (floats would lose a cent somewhere between
//! the fee and the VAT), shares rounded half up, amounts and rates written the way each
//! language reads them.

use super::Lang;

/// Basis points in a whole (10 000 bp = 100 %).
pub(super) const WHOLE_BP: u32 = 10_000;

/// `bp` basis points of `cents`, rounded half up to the cent; `None` only on overflow.
///
/// Callers pass non-negative amounts (the input is validated first), so "half up" and
/// "half away from zero" agree.
pub(super) fn share(cents: i64, bp: u32) -> Option<i64> {
    let product = i128::from(cents).checked_mul(i128::from(bp))?;
    let half = i128::from(WHOLE_BP / 2);
    i64::try_from((product + half).div_euclid(i128::from(WHOLE_BP))).ok()
}

/// A price before tax, its VAT and the total, as the money article prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Totals {
    pub ht: i64,
    pub vat: i64,
    pub ttc: i64,
}

impl Totals {
    pub(super) fn of(ht: i64, vat_bp: u32) -> Option<Self> {
        let vat = share(ht, vat_bp)?;
        Some(Self { ht, vat, ttc: ht.checked_add(vat)? })
    }
}

/// "1 200,00 €" (no-break spaces) in French, "€1,200.00" in English.
pub(super) fn amount(cents: i64, lang: Lang) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (units, rest) = (abs / 100, abs % 100);
    match lang {
        Lang::Fr => format!("{sign}{},{rest:02}\u{a0}€", group(units, '\u{a0}')),
        Lang::En => format!("{sign}€{}.{rest:02}", group(units, ',')),
    }
}

/// "5,5 %" in French (no-break space before the sign), "5.5%" in English.
pub(super) fn percent(bp: u32, lang: Lang) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    let frac = match frac {
        0 => String::new(),
        f if f.is_multiple_of(10) => format!("{}", f / 10),
        f => format!("{f:02}"),
    };
    let number = match (lang, frac.is_empty()) {
        (_, true) => whole.to_string(),
        (Lang::Fr, false) => format!("{whole},{frac}"),
        (Lang::En, false) => format!("{whole}.{frac}"),
    };
    match lang {
        Lang::Fr => format!("{number}\u{a0}%"),
        Lang::En => format!("{number}%"),
    }
}

/// Groups digits by three with `separator`: 1200 → "1 200".
fn group(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_at_five_and_a_half_percent_on_1200_euros() {
        assert_eq!(
            Totals::of(120_000, 550),
            Some(Totals { ht: 120_000, vat: 6_600, ttc: 126_600 })
        );
    }

    #[test]
    fn shares_round_half_up_to_the_cent() {
        // 5.5 % of 0.10 € = 0.55 cent → 1 cent; of 0.09 € = 0.495 cent → 0.
        assert_eq!(share(10, 550), Some(1));
        assert_eq!(share(9, 550), Some(0));
        // 5.5 % of 999.99 € = 54.99945 € → 55.00 €.
        assert_eq!(share(99_999, 550), Some(5_500));
        // 20 % of 3 333.33 € = 666.666 € → 666.67 €.
        assert_eq!(share(333_333, 2_000), Some(66_667));
        // Exactly half a cent rounds up: 50 % of 0.01 €.
        assert_eq!(share(1, 5_000), Some(1));
        assert_eq!(share(0, 550), Some(0));
        assert_eq!(share(i64::MAX, 10_000), Some(i64::MAX));
        assert_eq!(Totals::of(i64::MAX, 550), None);
    }

    #[test]
    fn amounts_read_the_french_and_english_way() {
        assert_eq!(amount(120_000, Lang::Fr), "1\u{a0}200,00\u{a0}€");
        assert_eq!(amount(120_000, Lang::En), "€1,200.00");
        assert_eq!(amount(6_600, Lang::Fr), "66,00\u{a0}€");
        assert_eq!(amount(5, Lang::En), "€0.05");
        assert_eq!(amount(123_456_789, Lang::Fr), "1\u{a0}234\u{a0}567,89\u{a0}€");
        assert_eq!(amount(100_000_000, Lang::En), "€1,000,000.00");
    }

    #[test]
    fn percents_drop_useless_decimals() {
        assert_eq!(percent(550, Lang::Fr), "5,5\u{a0}%");
        assert_eq!(percent(550, Lang::En), "5.5%");
        assert_eq!(percent(7_000, Lang::Fr), "70\u{a0}%");
        assert_eq!(percent(1_275, Lang::En), "12.75%");
        assert_eq!(percent(2_000, Lang::En), "20%");
        assert_eq!(percent(5, Lang::En), "0.05%");
    }
}
