//! Values typed by people, parsed once into types that cannot be invalid.
//!
//! Every parser bounds its input before reading it and returns a typed error, so the conversation
//! can name the problem in the person's language and stay on the same question.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::Lang;

/// Typed input longer than this is refused unread (a pasted novel, a 10 MB string).
pub const MAX_SHORT_INPUT: usize = 200;

/// Currency and unit words people add after an amount or a head count, in both languages; they
/// are dropped before the digits are read ("800 euros", "300 personnes", "150 km").
const UNIT_WORDS: &[&str] = &[
    "euros",
    "euro",
    "eur",
    "€",
    "personnes",
    "personne",
    "pers.",
    "pers",
    "people",
    "persons",
    "spectateurs",
    "spectators",
    "places",
    "seats",
    "km",
    "kilomètres",
    "kilometres",
    "kilometers",
];

/// Drops trailing (and a leading euro sign) unit words, repeatedly: "1 500 € environ" is not
/// handled, "1 500 €" and "€1,500" are.
fn strip_units(input: &str) -> String {
    let mut s = input.trim().to_lowercase();
    loop {
        let before = s.len();
        for w in UNIT_WORDS {
            if let Some(rest) = s.strip_suffix(w) {
                s = rest.trim_end().to_owned();
            }
        }
        if let Some(rest) = s.strip_prefix('€') {
            s = rest.trim_start().to_owned();
        }
        if s.len() == before {
            return s;
        }
    }
}

/// Digits with optional thousands separators and an optional currency or unit word, read by the
/// person's language: in French "1 200", "1.200" and "1 200 €" (a comma is a decimal mark), in
/// English "1,200" and "1 200" (a dot is a decimal mark).
fn parse_whole_number(input: &str, lang: Lang) -> Result<i64, NumberError> {
    if input.len() > MAX_SHORT_INPUT {
        return Err(NumberError::NotANumber);
    }
    let lower = strip_units(input);
    let body = lower.as_str();
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, body),
    };
    if body.is_empty() {
        return Err(NumberError::NotANumber);
    }
    let (group_marks, decimal): (&[char], char) = match lang {
        Lang::Fr => (&[' ', '\u{a0}', '\u{202f}', '\'', '.'], ','),
        Lang::En => (&[' ', '\u{a0}', '\u{202f}', '\'', ','], '.'),
    };
    let mut digits = String::new();
    let mut seen_separator = false;
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            c if group_marks.contains(&c) => seen_separator = true,
            c if c == decimal => return Err(NumberError::NotWhole),
            _ => return Err(NumberError::NotANumber),
        }
    }
    // "1.5" (French "1,5") is a decimal, not a thousands separator: only groups of three count.
    if seen_separator {
        let groups: Vec<&str> = body.split(group_marks).filter(|g| !g.is_empty()).collect();
        let well_grouped = groups.iter().skip(1).all(|g| g.len() == 3)
            && groups.first().is_some_and(|g| g.len() <= 3);
        if !well_grouped {
            let odd_mark = match lang {
                Lang::Fr => '.',
                Lang::En => ',',
            };
            return Err(if body.contains(odd_mark) {
                NumberError::NotWhole
            } else {
                NumberError::NotANumber
            });
        }
    }
    let value: i64 = digits.parse().map_err(|_| NumberError::TooLarge)?;
    Ok(if negative { -value } else { value })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberError {
    NotANumber,
    NotWhole,
    TooLarge,
}

/// An artist's fee or a budget bound, in whole euros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Fee(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("the fee must be a whole number of euros, e.g. 800")]
    NotANumber,
    #[error("the fee must be a whole number of euros, without cents, e.g. 800")]
    NotWhole,
    #[error("the fee cannot be negative")]
    Negative,
    #[error("the fee cannot exceed {max} €")]
    TooLarge { max: u32 },
}

impl Fee {
    pub const MAX: u32 = 1_000_000;

    /// Reads an amount as a French speaker writes it (see [`Fee::parse_in`]).
    pub fn parse(input: &str) -> Result<Self, FeeError> {
        Self::parse_in(input, Lang::Fr)
    }

    /// Reads an amount as a speaker of `lang` writes it: "1 500 €" or "1,500€".
    pub fn parse_in(input: &str, lang: Lang) -> Result<Self, FeeError> {
        let n = parse_whole_number(input, lang).map_err(|e| match e {
            NumberError::NotANumber => FeeError::NotANumber,
            NumberError::NotWhole => FeeError::NotWhole,
            NumberError::TooLarge => FeeError::TooLarge { max: Self::MAX },
        })?;
        Self::try_from(n)
    }

    #[must_use]
    pub fn euros(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Fee {
    type Error = FeeError;
    fn try_from(n: i64) -> Result<Self, FeeError> {
        if n < 0 {
            return Err(FeeError::Negative);
        }
        u32::try_from(n)
            .ok()
            .filter(|&v| v <= Self::MAX)
            .map(Fee)
            .ok_or(FeeError::TooLarge { max: Self::MAX })
    }
}

impl From<Fee> for i64 {
    fn from(f: Fee) -> i64 {
        i64::from(f.0)
    }
}

impl fmt::Display for Fee {
    /// French grouping with a no-break space: "1 200 €".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\u{a0}€", group_thousands(u64::from(self.0)))
    }
}

/// "1200" → "1 200" with no-break spaces.
#[must_use]
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// A venue's capacity, or a bound of an artist's draw, in people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Capacity(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    #[error("the capacity must be a whole number of people, e.g. 300")]
    NotANumber,
    #[error("the capacity must be at least 1 person")]
    TooSmall,
    #[error("the capacity cannot exceed {max} people")]
    TooLarge { max: u32 },
}

impl Capacity {
    pub const MAX: u32 = 100_000;

    pub fn parse(input: &str) -> Result<Self, CapacityError> {
        Self::parse_in(input, Lang::Fr)
    }

    /// Reads a head count as a speaker of `lang` writes it: "1 500 places", "1,500 people".
    pub fn parse_in(input: &str, lang: Lang) -> Result<Self, CapacityError> {
        let n = parse_whole_number(input, lang).map_err(|e| match e {
            NumberError::NotANumber | NumberError::NotWhole => CapacityError::NotANumber,
            NumberError::TooLarge => CapacityError::TooLarge { max: Self::MAX },
        })?;
        Self::try_from(n)
    }

    #[must_use]
    pub fn people(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Capacity {
    type Error = CapacityError;
    fn try_from(n: i64) -> Result<Self, CapacityError> {
        if n < 1 {
            return Err(CapacityError::TooSmall);
        }
        u32::try_from(n)
            .ok()
            .filter(|&v| v <= Self::MAX)
            .map(Capacity)
            .ok_or(CapacityError::TooLarge { max: Self::MAX })
    }
}

impl From<Capacity> for i64 {
    fn from(c: Capacity) -> i64 {
        i64::from(c.0)
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&group_thousands(u64::from(self.0)))
    }
}

/// Splits "800-1500", "800 – 1 500 €", "800 à 1500", "800 to 1500", "entre 800 et 1500",
/// "between 800 and 1,500", "de 800 à 1500", "from 800 to 1500" into its two bounds.
fn split_range(input: &str) -> Option<(String, String)> {
    let lower = input.trim().to_lowercase();
    let mut body = lower.as_str();
    for lead in ["entre ", "between ", "de ", "du ", "from "] {
        if let Some(rest) = body.strip_prefix(lead) {
            body = rest.trim_start();
            break;
        }
    }
    for sep in [" et ", " and ", " à ", " a ", " au ", " to ", "–", "—", "..", "-"] {
        if let Some((a, b)) = body.split_once(sep) {
            // "entre 100 et 300 personnes": the unit said once belongs to both bounds.
            return Some((a.trim().to_owned(), b.trim().to_owned()));
        }
    }
    None
}

/// What a venue pays per show: min ≤ max, in whole euros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "(i64, i64)", into = "(i64, i64)")]
pub struct BudgetRange {
    min: Fee,
    max: Fee,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    #[error("write the budget as two amounts, e.g. 800-1500")]
    Format,
    #[error("in the budget: {0}")]
    Bound(FeeError),
    #[error("the budget's minimum ({min} €) is above its maximum ({max} €)")]
    MinAboveMax { min: u32, max: u32 },
}

impl BudgetRange {
    pub fn new(min: Fee, max: Fee) -> Result<Self, BudgetError> {
        if min > max {
            return Err(BudgetError::MinAboveMax { min: min.euros(), max: max.euros() });
        }
        Ok(Self { min, max })
    }

    pub fn parse(input: &str) -> Result<Self, BudgetError> {
        Self::parse_in(input, Lang::Fr)
    }

    /// Reads a budget as a speaker of `lang` writes it (see [`split_range`]).
    pub fn parse_in(input: &str, lang: Lang) -> Result<Self, BudgetError> {
        if input.len() > MAX_SHORT_INPUT {
            return Err(BudgetError::Format);
        }
        let trimmed = input.trim();
        // A leading minus is a negative bound, not a separator.
        let (a, b) = match trimmed.strip_prefix('-') {
            Some(rest) => split_range(rest).map(|(a, b)| (format!("-{a}"), b)),
            None => split_range(trimmed),
        }
        .ok_or(BudgetError::Format)?;
        let min = Fee::parse_in(&a, lang).map_err(BudgetError::Bound)?;
        let max = Fee::parse_in(&b, lang).map_err(BudgetError::Bound)?;
        Self::new(min, max)
    }

    #[must_use]
    pub fn min(self) -> Fee {
        self.min
    }

    #[must_use]
    pub fn max(self) -> Fee {
        self.max
    }
}

impl TryFrom<(i64, i64)> for BudgetRange {
    type Error = BudgetError;
    fn try_from((a, b): (i64, i64)) -> Result<Self, BudgetError> {
        Self::new(
            Fee::try_from(a).map_err(BudgetError::Bound)?,
            Fee::try_from(b).map_err(BudgetError::Bound)?,
        )
    }
}

impl From<BudgetRange> for (i64, i64) {
    fn from(r: BudgetRange) -> Self {
        (r.min.into(), r.max.into())
    }
}

impl fmt::Display for BudgetRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", group_thousands(u64::from(self.min.euros())), self.max)
    }
}

/// The range of venue capacities an artist fits (their draw): min ≤ max people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "(i64, i64)", into = "(i64, i64)")]
pub struct AudienceRange {
    min: Capacity,
    max: Capacity,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudienceError {
    #[error("write the audience as two numbers of people, e.g. 100-400")]
    Format,
    #[error("in the audience: {0}")]
    Bound(CapacityError),
    #[error("the audience's minimum ({min}) is above its maximum ({max})")]
    MinAboveMax { min: u32, max: u32 },
}

impl AudienceRange {
    pub fn new(min: Capacity, max: Capacity) -> Result<Self, AudienceError> {
        if min > max {
            return Err(AudienceError::MinAboveMax { min: min.people(), max: max.people() });
        }
        Ok(Self { min, max })
    }

    pub fn parse(input: &str) -> Result<Self, AudienceError> {
        Self::parse_in(input, Lang::Fr)
    }

    /// Reads an audience range as a speaker of `lang` writes it: "entre 100 et 300 personnes".
    pub fn parse_in(input: &str, lang: Lang) -> Result<Self, AudienceError> {
        if input.len() > MAX_SHORT_INPUT {
            return Err(AudienceError::Format);
        }
        let (a, b) = split_range(input.trim()).ok_or(AudienceError::Format)?;
        Self::new(
            Capacity::parse_in(&a, lang).map_err(AudienceError::Bound)?,
            Capacity::parse_in(&b, lang).map_err(AudienceError::Bound)?,
        )
    }

    #[must_use]
    pub fn min(self) -> Capacity {
        self.min
    }

    #[must_use]
    pub fn max(self) -> Capacity {
        self.max
    }
}

impl TryFrom<(i64, i64)> for AudienceRange {
    type Error = AudienceError;
    fn try_from((a, b): (i64, i64)) -> Result<Self, AudienceError> {
        Self::new(
            Capacity::try_from(a).map_err(AudienceError::Bound)?,
            Capacity::try_from(b).map_err(AudienceError::Bound)?,
        )
    }
}

impl From<AudienceRange> for (i64, i64) {
    fn from(r: AudienceRange) -> Self {
        (r.min.into(), r.max.into())
    }
}

impl fmt::Display for AudienceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.min, self.max)
    }
}

/// How far an artist travels for a show, in km.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct TravelRadius(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RadiusError {
    #[error("the travel radius must be a whole number of kilometres, e.g. 150")]
    NotANumber,
    #[error("the travel radius must be between 0 and {max} km")]
    OutOfRange { max: u16 },
}

impl TravelRadius {
    pub const MAX: u16 = 3_000;

    pub fn parse(input: &str) -> Result<Self, RadiusError> {
        let n = parse_whole_number(input, Lang::Fr).map_err(|e| match e {
            NumberError::TooLarge => RadiusError::OutOfRange { max: Self::MAX },
            _ => RadiusError::NotANumber,
        })?;
        Self::try_from(n)
    }

    #[must_use]
    pub fn km(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for TravelRadius {
    type Error = RadiusError;
    fn try_from(n: i64) -> Result<Self, RadiusError> {
        u16::try_from(n)
            .ok()
            .filter(|&v| v <= Self::MAX)
            .map(TravelRadius)
            .ok_or(RadiusError::OutOfRange { max: Self::MAX })
    }
}

impl From<TravelRadius> for i64 {
    fn from(r: TravelRadius) -> i64 {
        i64::from(r.0)
    }
}

/// A contact address, checked for shape (ownership is checked by a one-time code).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("that is not an email address; write it like name@example.fr")]
    Malformed,
    #[error("an email address has at most 254 characters")]
    TooLong,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Malformed)?;
        let labels: Vec<&str> = domain.split('.').collect();
        let ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
            && labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
        if !ok {
            return Err(EmailError::Malformed);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, EmailError> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A French "licence d'entrepreneur de spectacles" number: `PLATESV-R-2020-000123`,
/// `PLATESV-D-2021-00000012`, the short form `L-R-19-1172`, or a pre-2019 number led by its
/// category, `2-1051234`. Stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LicenceNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a licence number looks like PLATESV-R-2020-000123 (or L-R-19-1172, or 2-1051234)")]
pub struct LicenceError;

impl LicenceNumber {
    pub fn parse(input: &str) -> Result<Self, LicenceError> {
        if input.len() > 60 {
            return Err(LicenceError);
        }
        let s: String = input.trim().to_uppercase().replace([' ', '_'], "-");
        let parts: Vec<&str> = s.split('-').collect();
        let digits = |p: &str, min: usize, max: usize| {
            (min..=max).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit())
        };
        let kind = |p: &str| p == "R" || p == "D";
        let ok = match parts.as_slice() {
            ["PLATESV", k, year, number] => kind(k) && digits(year, 4, 4) && digits(number, 1, 10),
            ["L", k, year, number] => kind(k) && digits(year, 2, 2) && digits(number, 1, 10),
            // Before 2019 a licence was its category then a number: "2-1051234".
            [category, number] => matches!(*category, "1" | "2" | "3") && digits(number, 5, 8),
            _ => false,
        };
        if ok { Ok(Self(s)) } else { Err(LicenceError) }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The category a pre-2019 number spells out ("2-1051234" is a category 2 licence); the
    /// current PLATESV receipts do not carry it.
    #[must_use]
    pub fn written_category(&self) -> Option<u8> {
        match self.0.split_once('-') {
            Some((c @ ("1" | "2" | "3"), _)) => c.parse().ok(),
            _ => None,
        }
    }
}

impl TryFrom<String> for LicenceNumber {
    type Error = LicenceError;
    fn try_from(s: String) -> Result<Self, LicenceError> {
        Self::parse(&s)
    }
}

impl From<LicenceNumber> for String {
    fn from(l: LicenceNumber) -> String {
        l.0
    }
}

impl fmt::Display for LicenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bounded, trimmed, single- or multi-line text without control characters: names, bios,
/// addresses, notes. `MAX` is in characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MAX: usize>(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("this cannot be empty")]
    Empty,
    #[error("this is too long: at most {max} characters")]
    TooLong { max: usize },
}

/// A profile's name: 1–100 characters.
pub type Name = Text<100>;
/// A postal address: up to 200 characters.
pub type Address = Text<200>;
/// A bio, notes, a message: up to 2,000 characters.
pub type LongText = Text<2000>;

impl<const MAX: usize> Text<MAX> {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        // A char is at most 4 bytes: longer byte strings cannot fit, refuse them unread.
        if input.len() > MAX * 4 {
            return Err(TextError::TooLong { max: MAX });
        }
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .collect::<String>()
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n");
        if cleaned.is_empty() {
            return Err(TextError::Empty);
        }
        if cleaned.chars().count() > MAX {
            return Err(TextError::TooLong { max: MAX });
        }
        Ok(Self(cleaned))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> AsRef<str> for Text<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(t: Text<MAX>) -> String {
        t.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Up to five web links (http or https).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Links(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinksError {
    #[error("at most {max} links")]
    TooMany { max: usize },
    #[error("“{0}” is not a web link; write it like https://example.fr")]
    NotALink(String),
}

impl Links {
    pub const MAX: usize = 5;

    /// Checks links already read one by one (see [`Links::read`]).
    pub fn new(links: Vec<String>) -> Result<Self, LinksError> {
        if links.len() > Self::MAX {
            return Err(LinksError::TooMany { max: Self::MAX });
        }
        Ok(Self(links))
    }

    /// Reads every word on its own: the valid links, and each bad word with its reason.
    #[must_use]
    pub fn read(input: &str) -> (Vec<String>, Vec<(String, LinksError)>) {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        if input.len() > 2_000 {
            bad.push((String::new(), LinksError::TooMany { max: Self::MAX }));
            return (good, bad);
        }
        for word in input.split([' ', '\n', ',', ';']).map(str::trim).filter(|w| !w.is_empty()) {
            if is_link(word) {
                good.push(word.to_owned());
            } else {
                let w: String = word.chars().take(60).collect();
                bad.push((w.clone(), LinksError::NotALink(w)));
            }
        }
        (good, bad)
    }

    pub fn parse(input: &str) -> Result<Self, LinksError> {
        if input.len() > 2_000 {
            return Err(LinksError::TooMany { max: Self::MAX });
        }
        let mut out = Vec::new();
        for word in input.split([' ', '\n', ',', ';']).map(str::trim).filter(|w| !w.is_empty()) {
            if !is_link(word) {
                return Err(LinksError::NotALink(word.chars().take(60).collect()));
            }
            out.push(word.to_owned());
            if out.len() > Self::MAX {
                return Err(LinksError::TooMany { max: Self::MAX });
            }
        }
        Ok(Self(out))
    }

    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

fn is_link(word: &str) -> bool {
    let host = word.strip_prefix("https://").or_else(|| word.strip_prefix("http://"));
    word.len() <= 300
        && host.is_some_and(|h| {
            h.split('/').next().is_some_and(|d| d.contains('.') && !d.starts_with('.'))
        })
}

/// How long the artist plays, as people say it: "60", "90 min", "1h30", "1 h 30", "une heure",
/// "2 sets de 45", "2 x 45 min", "two sets of 45": the total time on stage, with the number of
/// sets when more than one was named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLength {
    pub sets: u8,
    pub minutes_each: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("give the set length in minutes, between {min} and {max}, e.g. 60 or 2 sets de 45")]
pub struct SetLengthError {
    pub min: u16,
    pub max: u16,
}

impl SetLength {
    pub const MIN_TOTAL: u16 = 10;
    pub const MAX_TOTAL: u16 = 600;

    pub fn parse(input: &str) -> Result<Self, SetLengthError> {
        let err = SetLengthError { min: Self::MIN_TOTAL, max: Self::MAX_TOTAL };
        if input.len() > 80 {
            return Err(err);
        }
        let folded = deunicode::deunicode(input).to_lowercase();
        let words: Vec<String> = folded
            .replace(['×', '*'], " x ")
            .split(|c: char| c.is_whitespace() || c == ',')
            .flat_map(|w| {
                // "2x45", "1h30", "45min": split digits from letters.
                let mut parts = Vec::new();
                let mut cur = String::new();
                for c in w.chars() {
                    if !cur.is_empty()
                        && cur.chars().last().is_some_and(|l| l.is_ascii_digit())
                            != c.is_ascii_digit()
                    {
                        parts.push(std::mem::take(&mut cur));
                    }
                    cur.push(c);
                }
                if !cur.is_empty() {
                    parts.push(cur);
                }
                parts
            })
            .filter(|w| !w.is_empty())
            .collect();
        let number = |w: &str| -> Option<u16> {
            match w {
                "un" | "une" | "one" | "a" | "an" => Some(1),
                "deux" | "two" => Some(2),
                "trois" | "three" => Some(3),
                "quatre" | "four" => Some(4),
                _ => w.parse().ok().filter(|n: &u16| *n <= 1_000),
            }
        };
        let is = |w: &str, set: &[&str]| set.contains(&w);
        const SETS: &[&str] = &["set", "sets", "x", "fois", "times", "passages", "passage"];
        const HOURS: &[&str] = &["h", "heure", "heures", "hour", "hours", "hr", "hrs"];
        const MINUTES: &[&str] = &["min", "mins", "minute", "minutes", "mn", "m", "'"];
        const FILLER: &[&str] = &["de", "of", "d", "et", "and", "environ", "about"];
        let words: Vec<&str> =
            words.iter().map(String::as_str).filter(|w| !is(w, FILLER)).collect();
        // "2 sets de 45" / "2 x 45": a count, a set word, then a length.
        let (sets, rest): (u16, &[&str]) = match words.as_slice() {
            [n, s, rest @ ..] if is(s, SETS) && !rest.is_empty() => (number(n).ok_or(err)?, rest),
            rest => (1, rest),
        };
        let minutes: u16 = match rest {
            [m] => number(m).ok_or(err)?,
            [m, u] if is(u, MINUTES) => number(m).ok_or(err)?,
            [h, u] if is(u, HOURS) => number(h).ok_or(err)?.checked_mul(60).ok_or(err)?,
            [h, u, m] | [h, u, m, _] if is(u, HOURS) => number(h)
                .ok_or(err)?
                .checked_mul(60)
                .and_then(|x| x.checked_add(number(m)?))
                .ok_or(err)?,
            _ => return Err(err),
        };
        let total = sets.checked_mul(minutes).ok_or(err)?;
        if sets == 0 || sets > 6 || !(Self::MIN_TOTAL..=Self::MAX_TOTAL).contains(&total) {
            return Err(err);
        }
        Ok(SetLength { sets: u8::try_from(sets).map_err(|_| err)?, minutes_each: minutes })
    }

    /// The time on stage, all sets together.
    #[must_use]
    pub fn total_minutes(self) -> u16 {
        u16::from(self.sets) * self.minutes_each
    }
}

/// Dates on which someone is free: each in the future (today included), at most a year and a
/// half ahead, at most [`DateSet::MAX`] of them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DateSet(BTreeSet<NaiveDate>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("write dates like 2026-12-05 or 05/12/2026, and ranges like 05/12/2026-20/12/2026")]
    Format,
    /// A date that has the right shape but is not in the calendar: "30/02/2027".
    #[error("{0} does not exist")]
    Impossible(String),
    /// `example` is a date that would be accepted, computed from today.
    #[error("{date} is in the past (e.g. {example})")]
    Past { date: NaiveDate, example: NaiveDate },
    #[error("{0} is too far ahead: at most 18 months")]
    TooFar(NaiveDate),
    #[error("a range must end after it starts ({0} – {1})")]
    BackwardsRange(NaiveDate, NaiveDate),
    #[error("too many dates: at most {max}")]
    TooMany { max: usize },
}

/// What a list of dates gave: the dates kept and each item refused with its own reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatesRead {
    pub kept: BTreeSet<NaiveDate>,
    pub refused: Vec<(String, DateError)>,
}

impl DateSet {
    pub const MAX: usize = 550;
    /// How far ahead a date may be, in days (18 months).
    pub const HORIZON_DAYS: i64 = 548;

    /// Parses dates, ranges and recurring days separated by commas or new lines, relative to
    /// `today`: "2026-12-05, 12/12/2026, 20/12-24/12", "vendredis et samedis de janvier à mars
    /// sauf le 14/02". A date without a year is the next such day. The first refused item
    /// refuses the whole answer; [`DateSet::read`] keeps what parses instead.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, DateError> {
        let read = Self::read(input, today);
        if let Some((_, e)) = read.refused.into_iter().next() {
            return Err(e);
        }
        if read.kept.is_empty() {
            return Err(DateError::Format);
        }
        Self::new(read.kept, today)
    }

    /// Reads every item of a list on its own: the valid dates are kept, each bad item is named
    /// with its reason, so one typo or one past date does not throw the good ones away.
    #[must_use]
    pub fn read(input: &str, today: NaiveDate) -> DatesRead {
        let mut out = DatesRead::default();
        if input.len() > 4_000 {
            out.refused.push((String::new(), DateError::TooMany { max: Self::MAX }));
            return out;
        }
        let (body, except) = split_exceptions(input);
        let horizon = today + Duration::days(Self::HORIZON_DAYS);
        for part in body.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let item: String = part.chars().take(60).collect();
            match read_item(part, today) {
                Ok(dates) => {
                    if let Some(&d) = dates.iter().find(|d| **d < today) {
                        out.refused.push((
                            item,
                            DateError::Past { date: d, example: example_date(today) },
                        ));
                    } else if let Some(&d) = dates.iter().find(|d| **d > horizon) {
                        out.refused.push((item, DateError::TooFar(d)));
                    } else {
                        out.kept.extend(dates);
                    }
                }
                Err(e) => out.refused.push((item, e)),
            }
            if out.kept.len() > Self::MAX {
                out.kept.clear();
                out.refused.push((String::new(), DateError::TooMany { max: Self::MAX }));
                return out;
            }
        }
        if let Some(except) = except {
            for part in except
                .split([',', ';', '\n', ' '])
                .map(str::trim)
                .filter(|p| !p.is_empty() && !matches!(*p, "le" | "les" | "et" | "and" | "the"))
            {
                match read_item(part, today) {
                    Ok(dates) => {
                        for d in dates {
                            out.kept.remove(&d);
                        }
                    }
                    Err(e) => out.refused.push((part.chars().take(60).collect(), e)),
                }
            }
        }
        out
    }

    /// Checks dates that come from buttons or storage-independent sources.
    pub fn new(
        dates: impl IntoIterator<Item = NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, DateError> {
        let set: BTreeSet<NaiveDate> = dates.into_iter().collect();
        if set.len() > Self::MAX {
            return Err(DateError::TooMany { max: Self::MAX });
        }
        let horizon = today + Duration::days(Self::HORIZON_DAYS);
        for &d in &set {
            if d < today {
                return Err(DateError::Past { date: d, example: example_date(today) });
            }
            if d > horizon {
                return Err(DateError::TooFar(d));
            }
        }
        Ok(Self(set))
    }

    /// Rebuilds a stored set: past dates are kept (they are history), nothing is checked.
    #[must_use]
    pub fn from_stored(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self(dates.into_iter().collect())
    }

    #[must_use]
    pub fn dates(&self) -> &BTreeSet<NaiveDate> {
        &self.0
    }

    #[must_use]
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.0.contains(&d)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Merges another set in, keeping the bound.
    pub fn extend(&mut self, other: &DateSet) -> Result<(), DateError> {
        let merged: BTreeSet<NaiveDate> = self.0.union(&other.0).copied().collect();
        if merged.len() > Self::MAX {
            return Err(DateError::TooMany { max: Self::MAX });
        }
        self.0 = merged;
        Ok(())
    }
}

fn split_date_range(part: &str) -> Option<(&str, &str)> {
    for sep in [" au ", " to ", "..", " – ", "–", " - "] {
        if let Some(pair) = part.split_once(sep) {
            return Some(pair);
        }
    }
    // "05/12-20/12" and "05/12/2026-20/12/2026"; ISO dates carry their own dashes.
    if part.contains('/') {
        return part.split_once('-');
    }
    let dashes = part.matches('-').count();
    if dashes == 5 {
        let idx = part.match_indices('-').nth(2).map(|(i, _)| i)?;
        return Some((&part[..idx], &part[idx + 1..]));
    }
    None
}

/// A date to show in an example: a week from today, so it is always accepted.
#[must_use]
pub fn example_date(today: NaiveDate) -> NaiveDate {
    today + Duration::days(7)
}

/// One item of a list: a date, a range of dates, or recurring days over months.
fn read_item(part: &str, today: NaiveDate) -> Result<BTreeSet<NaiveDate>, DateError> {
    if let Some(dates) = relative(part, today) {
        return dates;
    }
    if let Some(recurring) = recurring(part, today) {
        return recurring;
    }
    let (start, end) = match split_date_range(part) {
        Some((a, b)) => (parse_date(a, today)?, parse_date(b, today)?),
        None => {
            let d = parse_date(part, today)?;
            (d, d)
        }
    };
    if end < start {
        return Err(DateError::BackwardsRange(start, end));
    }
    if (end - start).num_days() > DateSet::HORIZON_DAYS {
        return Err(DateError::TooMany { max: DateSet::MAX });
    }
    let mut set = BTreeSet::new();
    let mut d = start;
    while d <= end {
        set.insert(d);
        d += Duration::days(1);
    }
    Ok(set)
}

/// Splits "… sauf le 14/02 et le 21/02" / "… except 14/02" into the list and its exceptions.
fn split_exceptions(input: &str) -> (&str, Option<&str>) {
    let lower = input.to_lowercase();
    for word in [" sauf ", " except ", " but not ", " excepté ", " hors "] {
        if let Some(i) = lower.find(word) {
            // Lower-casing keeps byte offsets for the ASCII and French letters used here only
            // when lengths match; fall back to no exceptions otherwise.
            if lower.len() == input.len() && input.is_char_boundary(i) {
                let tail = &input[i + word.len()..];
                return (input[..i].trim_end_matches([',', ' ']), Some(tail));
            }
        }
    }
    (input, None)
}

/// Weekday words in both languages (accents folded, plural and short forms included).
const WEEKDAY_WORDS: &[(&str, &[Weekday])] = &[
    ("lundi", &[Weekday::Mon]),
    ("mardi", &[Weekday::Tue]),
    ("mercredi", &[Weekday::Wed]),
    ("jeudi", &[Weekday::Thu]),
    ("vendredi", &[Weekday::Fri]),
    ("samedi", &[Weekday::Sat]),
    ("dimanche", &[Weekday::Sun]),
    ("monday", &[Weekday::Mon]),
    ("mon", &[Weekday::Mon]),
    ("tuesday", &[Weekday::Tue]),
    ("tue", &[Weekday::Tue]),
    ("wednesday", &[Weekday::Wed]),
    ("wed", &[Weekday::Wed]),
    ("thursday", &[Weekday::Thu]),
    ("thu", &[Weekday::Thu]),
    ("friday", &[Weekday::Fri]),
    ("fri", &[Weekday::Fri]),
    ("saturday", &[Weekday::Sat]),
    ("sat", &[Weekday::Sat]),
    ("sunday", &[Weekday::Sun]),
    ("sun", &[Weekday::Sun]),
    ("weekend", &[Weekday::Sat, Weekday::Sun]),
    ("week-end", &[Weekday::Sat, Weekday::Sun]),
];

/// Month words in both languages (accents folded), with their number.
const MONTH_WORDS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("decembre", 12),
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Words that make the last month an end ("until March", "jusqu'en mars").
const UNTIL_WORDS: &[&str] = &["until", "till", "jusqu", "jusque", "through"];

/// "vendredis et samedis de janvier à mars", "every Fri and Sat until March", "weekends in
/// February": `None` when the text names no weekday (it is then a plain date or range).
fn recurring(part: &str, today: NaiveDate) -> Option<Result<BTreeSet<NaiveDate>, DateError>> {
    let folded = deunicode::deunicode(part).to_lowercase();
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let mut days: Vec<Weekday> = Vec::new();
    let mut months: Vec<u32> = Vec::new();
    let mut until = false;
    for w in &words {
        let singular = w.strip_suffix('s').unwrap_or(w);
        if let Some((_, ds)) = WEEKDAY_WORDS.iter().find(|(n, _)| *n == *w || *n == singular) {
            days.extend(ds.iter().copied());
        } else if let Some((_, m)) =
            MONTH_WORDS.iter().find(|(n, _)| *n == *w || (w.len() > 4 && *n == singular))
        {
            months.push(*m);
        } else if UNTIL_WORDS.iter().any(|u| w.starts_with(u)) {
            until = true;
        }
    }
    if days.is_empty() {
        return None;
    }
    // The next occurrence of a month's first day that has not fully passed.
    let month_start = |m: u32, from: NaiveDate| {
        let this = NaiveDate::from_ymd_opt(from.year(), m, 1)?;
        let end = month_end(this)?;
        if end >= from { Some(this) } else { NaiveDate::from_ymd_opt(from.year() + 1, m, 1) }
    };
    let range = match (months.as_slice(), until) {
        ([], _) => Some((today, today + Duration::days(90))),
        ([m], true) => month_start(*m, today).and_then(month_end).map(|end| (today, end)),
        ([m], false) => month_start(*m, today).and_then(|s| Some((s, month_end(s)?))),
        ([first, .., last], _) => {
            month_start(*first, today).and_then(|s| Some((s, month_end(month_start(*last, s)?)?)))
        }
    };
    let Some((start, end)) = range else { return Some(Err(DateError::Format)) };
    let start = start.max(today);
    let mut set = BTreeSet::new();
    let mut d = start;
    while d <= end {
        if days.contains(&d.weekday()) {
            set.insert(d);
        }
        d += Duration::days(1);
    }
    Some(if set.is_empty() { Err(DateError::Format) } else { Ok(set) })
}

/// Words that only carry the sentence: "le", "the", "en", "in" …
const FILLER_WORDS: &[&str] =
    &["le", "la", "l", "the", "on", "en", "in", "au", "du", "de", "for", "pour"];

/// Dates said relative to today: "today", "demain", "samedi prochain", "next friday", "ce
/// week-end", "next week", "la semaine prochaine", and a month alone, "en mars", "in March
/// 2027" (its days from today on). `None` when the words are not one of these.
fn relative(part: &str, today: NaiveDate) -> Option<Result<BTreeSet<NaiveDate>, DateError>> {
    let folded = deunicode::deunicode(part).to_lowercase().replace(['\'', '’'], " ");
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty() && !FILLER_WORDS.contains(w))
        .collect();
    let day = |d: NaiveDate| Some(Ok(BTreeSet::from([d])));
    let weekday = |w: &str| {
        WEEKDAY_WORDS.iter().find(|(n, ds)| *n == w && ds.len() == 1).map(|(_, ds)| ds[0])
    };
    // The first such weekday after today: "samedi prochain" said on a Thursday is in two days.
    let next = |wd: Weekday| {
        let ahead = (7 + i64::from(wd.num_days_from_monday())
            - i64::from(today.weekday().num_days_from_monday()))
            % 7;
        today + Duration::days(if ahead == 0 { 7 } else { ahead })
    };
    let is_next =
        |w: &str| matches!(w, "next" | "prochain" | "prochaine" | "this" | "ce" | "cette");
    let weekend = |from: NaiveDate| {
        let sat = if from.weekday() == Weekday::Sun {
            from - Duration::days(1)
        } else {
            from + Duration::days(i64::from((5 + 7 - from.weekday().num_days_from_monday()) % 7))
        };
        let days: BTreeSet<NaiveDate> =
            [sat, sat + Duration::days(1)].into_iter().filter(|d| *d >= today).collect();
        Some(Ok(days))
    };
    match words.as_slice() {
        ["today"] | ["aujourd", "hui"] | ["aujourdhui"] | ["ce", "soir"] | ["tonight"] => {
            day(today)
        }
        ["tomorrow"] | ["demain"] => day(today + Duration::days(1)),
        [a, b] if is_next(a) && weekday(b).is_some() => weekday(b).map(next).and_then(day),
        [a, b] if is_next(b) && weekday(a).is_some() => weekday(a).map(next).and_then(day),
        [a, w] | [w, a] if is_next(a) && matches!(*w, "weekend" | "week-end") => weekend(today),
        [a, w] | [w, a] if is_next(a) && matches!(*w, "week" | "semaine") => {
            let monday =
                today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
            Some(Ok((0..7).map(|i| monday + Duration::days(i)).collect()))
        }
        [m] | [m, _] => {
            let month = MONTH_WORDS.iter().find(|(n, _)| n == m).map(|(_, n)| *n)?;
            let year = match words.get(1) {
                Some(y) => match y.parse::<i32>() {
                    Ok(y) if (2000..=2100).contains(&y) => Some(y),
                    _ => return None,
                },
                None => None,
            };
            let first = match year {
                Some(y) => NaiveDate::from_ymd_opt(y, month, 1)?,
                None => {
                    let this = NaiveDate::from_ymd_opt(today.year(), month, 1)?;
                    if month_end(this)? >= today {
                        this
                    } else {
                        NaiveDate::from_ymd_opt(today.year() + 1, month, 1)?
                    }
                }
            };
            let last = month_end(first)?;
            if last < today {
                return Some(Err(DateError::Past { date: last, example: example_date(today) }));
            }
            let mut set = BTreeSet::new();
            let mut d = first.max(today);
            while d <= last {
                set.insert(d);
                d += Duration::days(1);
            }
            Some(Ok(set))
        }
        _ => None,
    }
}

fn month_end(first: NaiveDate) -> Option<NaiveDate> {
    let (y, m) =
        if first.month() == 12 { (first.year() + 1, 1) } else { (first.year(), first.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).map(|d| d - Duration::days(1))
}

fn parse_date(s: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let s = s.trim().trim_start_matches("du ").trim_start_matches("from ").trim();
    let s = s.trim_start_matches("le ").trim_start_matches("the ").trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%d/%m/%Y") {
        return Ok(d);
    }
    let numbers: Option<Vec<u32>> = s.split(['/', '-']).map(|p| p.trim().parse().ok()).collect();
    let impossible = || DateError::Impossible(s.chars().take(20).collect());
    match numbers.as_deref() {
        // Shaped like a date but not in the calendar: "30/02/2027", "2027-02-30".
        Some(&[y, m, d]) if s.contains('-') && y > 31 => {
            NaiveDate::from_ymd_opt(i32::try_from(y).map_err(|_| impossible())?, m, d)
                .ok_or_else(impossible)
        }
        Some(&[d, m, y]) if s.contains('/') && (1000..=9999).contains(&y) => {
            NaiveDate::from_ymd_opt(i32::try_from(y).map_err(|_| impossible())?, m, d)
                .ok_or_else(impossible)
        }
        Some(&[day, month]) if s.contains('/') => {
            if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
                return Err(impossible());
            }
            match NaiveDate::from_ymd_opt(today.year(), month, day) {
                Some(d) if d >= today => Ok(d),
                // 29/02 exists only in leap years: look at the next one that has it.
                _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day).ok_or_else(impossible),
            }
        }
        _ => Err(DateError::Format),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn fee_accepts_euros_and_refuses_the_rest() {
        assert_eq!(Fee::parse("800").unwrap().euros(), 800);
        assert_eq!(Fee::parse(" 1 200 € ").unwrap().euros(), 1200);
        assert_eq!(Fee::parse("1\u{a0}200€").unwrap().euros(), 1200);
        assert_eq!(Fee::parse("1.200").unwrap().euros(), 1200);
        assert_eq!(Fee::parse("800 euros").unwrap().euros(), 800);
        assert_eq!(Fee::parse("0").unwrap().euros(), 0);
        assert_eq!(Fee::parse("1000000").unwrap().euros(), 1_000_000);
        assert_eq!(Fee::parse("1000001"), Err(FeeError::TooLarge { max: 1_000_000 }));
        assert_eq!(Fee::parse("-50"), Err(FeeError::Negative));
        assert_eq!(Fee::parse("800,50"), Err(FeeError::NotWhole));
        assert_eq!(Fee::parse("800.5"), Err(FeeError::NotWhole));
        assert_eq!(Fee::parse("beaucoup"), Err(FeeError::NotANumber));
        assert_eq!(Fee::parse(""), Err(FeeError::NotANumber));
        assert_eq!(
            Fee::parse("99999999999999999999999"),
            Err(FeeError::TooLarge { max: 1_000_000 })
        );
        assert_eq!(Fee::parse(&"9".repeat(10_000_000)), Err(FeeError::NotANumber));
        assert_eq!(Fee::parse("1200").unwrap().to_string(), "1\u{a0}200\u{a0}€");
    }

    #[test]
    fn capacity_is_positive_and_bounded() {
        assert_eq!(Capacity::parse("300").unwrap().people(), 300);
        assert_eq!(Capacity::parse("1 500 places").unwrap().people(), 1500);
        assert_eq!(Capacity::parse("1").unwrap().people(), 1);
        assert_eq!(Capacity::parse("0"), Err(CapacityError::TooSmall));
        assert_eq!(Capacity::parse("-3"), Err(CapacityError::TooSmall));
        assert_eq!(Capacity::parse("100001"), Err(CapacityError::TooLarge { max: 100_000 }));
        assert_eq!(Capacity::parse("lots"), Err(CapacityError::NotANumber));
    }

    #[test]
    fn budget_needs_min_below_max() {
        let b = BudgetRange::parse("800-1500").unwrap();
        assert_eq!((b.min().euros(), b.max().euros()), (800, 1500));
        assert!(BudgetRange::parse("800 – 1 500 €").is_ok());
        assert!(BudgetRange::parse("800 à 1500").is_ok());
        assert!(BudgetRange::parse("1000-1000").is_ok());
        assert_eq!(
            BudgetRange::parse("1500-800"),
            Err(BudgetError::MinAboveMax { min: 1500, max: 800 })
        );
        assert_eq!(BudgetRange::parse("-100-800"), Err(BudgetError::Bound(FeeError::Negative)));
        assert_eq!(BudgetRange::parse("800"), Err(BudgetError::Format));
        assert_eq!(BudgetRange::parse(&"1".repeat(10_000_000)), Err(BudgetError::Format));
    }

    #[test]
    fn audience_and_radius() {
        assert!(AudienceRange::parse("100-400").is_ok());
        assert!(matches!(AudienceRange::parse("400-100"), Err(AudienceError::MinAboveMax { .. })));
        assert_eq!(TravelRadius::parse("150 km").unwrap().km(), 150);
        assert_eq!(TravelRadius::parse("0").unwrap().km(), 0);
        assert_eq!(TravelRadius::parse("3001"), Err(RadiusError::OutOfRange { max: 3000 }));
        assert_eq!(TravelRadius::parse("-1"), Err(RadiusError::OutOfRange { max: 3000 }));
    }

    #[test]
    fn email_shapes() {
        assert_eq!(Email::parse(" Booking@Salle.FR ").unwrap().as_str(), "Booking@salle.fr");
        assert!(Email::parse("prénom.nom@exemple.fr").is_ok());
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "@exemple.fr",
            "a@@b.fr",
            "a b@c.fr",
            "a@-b.fr",
            "a..b@c.fr",
            "a@b.f1",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
        assert_eq!(
            Email::parse(&format!("{}@x.fr", "a".repeat(10_000_000))),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn licence_numbers() {
        assert_eq!(
            LicenceNumber::parse("platesv-r-2020-000123").unwrap().as_str(),
            "PLATESV-R-2020-000123"
        );
        assert!(LicenceNumber::parse("PLATESV-D-2021-00000012").is_ok());
        assert!(LicenceNumber::parse("L-R-19-1172").is_ok());
        let old = LicenceNumber::parse("2-1051234").unwrap();
        assert_eq!((old.as_str(), old.written_category()), ("2-1051234", Some(2)));
        assert_eq!(LicenceNumber::parse("PLATESV-R-2020-000123").unwrap().written_category(), None);
        assert_eq!(LicenceNumber::parse("4-1051234"), Err(LicenceError));
        for bad in
            ["", "PLATESV-X-2020-1", "PLATESV-R-20-1", "L-R-2019-1", "123456", "PLATESV-R-2020-"]
        {
            assert_eq!(LicenceNumber::parse(bad), Err(LicenceError), "{bad}");
        }
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Les Gros Bras \u{7} ").unwrap().as_str(), "Les Gros Bras");
        assert_eq!(Name::parse("   "), Err(TextError::Empty));
        assert_eq!(Name::parse(&"é".repeat(100)).unwrap().as_str().chars().count(), 100);
        assert_eq!(Name::parse(&"é".repeat(101)), Err(TextError::TooLong { max: 100 }));
        assert_eq!(LongText::parse(&"x".repeat(10_000_000)), Err(TextError::TooLong { max: 2000 }));
    }

    #[test]
    fn links() {
        assert_eq!(Links::parse("https://band.fr http://x.org/a").unwrap().as_slice().len(), 2);
        assert!(matches!(Links::parse("band.fr"), Err(LinksError::NotALink(_))));
        assert!(matches!(
            Links::parse(&"https://a.fr ".repeat(6)),
            Err(LinksError::TooMany { .. })
        ));
    }

    #[test]
    fn dates_are_future_and_ranges_expand() {
        let t = today();
        let s = DateSet::parse("2026-12-05, 12/12/2026", t).unwrap();
        assert_eq!(s.len(), 2);
        let s = DateSet::parse("20/12-24/12", t).unwrap();
        assert_eq!(s.len(), 5);
        let s = DateSet::parse("2026-12-01..2026-12-03", t).unwrap();
        assert_eq!(s.len(), 3);
        let s = DateSet::parse("2026-12-01-2026-12-03", t).unwrap();
        assert_eq!(s.len(), 3);
        assert!(DateSet::parse("24/11/2026", t).is_ok(), "today counts");
        assert_eq!(
            DateSet::parse("2026-11-23", t),
            Err(DateError::Past {
                date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                example: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            })
        );
        assert!(matches!(DateSet::parse("2030-01-01", t), Err(DateError::TooFar(_))));
        assert!(matches!(
            DateSet::parse("10/12/2026-01/12/2026", t),
            Err(DateError::BackwardsRange(..))
        ));
        assert_eq!(DateSet::parse("soon", t), Err(DateError::Format));
        assert_eq!(
            DateSet::parse("31/02/2027", t),
            Err(DateError::Impossible("31/02/2027".into()))
        );
        // "01/03" is next March: this year's has passed.
        assert_eq!(DateSet::parse("01/03", t).unwrap().dates().first().unwrap().year(), 2027);
        assert!(matches!(
            DateSet::parse("2026-12-01..2028-12-01", t),
            Err(DateError::TooMany { .. } | DateError::TooFar(_))
        ));
        assert!(matches!(
            DateSet::parse(&"x".repeat(10_000_000), t),
            Err(DateError::TooMany { .. })
        ));
    }

    /// Amounts and ranges as people write them, by language.
    #[test]
    fn amounts_table_in_both_languages() {
        let fee: &[(&str, Lang, Result<u32, FeeError>)] = &[
            ("1 500", Lang::Fr, Ok(1500)),
            ("1.500", Lang::Fr, Ok(1500)),
            ("1 500 €", Lang::Fr, Ok(1500)),
            ("1500 euros", Lang::Fr, Ok(1500)),
            ("1,5", Lang::Fr, Err(FeeError::NotWhole)),
            ("1,500", Lang::Fr, Err(FeeError::NotWhole)),
            ("1,500€", Lang::En, Ok(1500)),
            ("€1,500", Lang::En, Ok(1500)),
            ("1 500", Lang::En, Ok(1500)),
            ("1.5", Lang::En, Err(FeeError::NotWhole)),
            ("800 EUR", Lang::En, Ok(800)),
        ];
        for (input, lang, want) in fee {
            assert_eq!(Fee::parse_in(input, *lang).map(Fee::euros), *want, "{input} ({lang:?})");
        }
        let budget: &[(&str, Lang, (u32, u32))] = &[
            ("entre 300 et 900", Lang::Fr, (300, 900)),
            ("300 à 900", Lang::Fr, (300, 900)),
            ("300–900", Lang::Fr, (300, 900)),
            ("de 300 à 1 500 €", Lang::Fr, (300, 1500)),
            ("between 300 and 1,500", Lang::En, (300, 1500)),
            ("from 300 to 900 euros", Lang::En, (300, 900)),
            ("300-1,500€", Lang::En, (300, 1500)),
        ];
        for (input, lang, (lo, hi)) in budget {
            let b = BudgetRange::parse_in(input, *lang).unwrap();
            assert_eq!((b.min().euros(), b.max().euros()), (*lo, *hi), "{input}");
        }
        let draw: &[(&str, Lang, (u32, u32))] = &[
            ("entre 100 et 300 personnes", Lang::Fr, (100, 300)),
            ("100 à 300 places", Lang::Fr, (100, 300)),
            ("between 100 and 1,500 people", Lang::En, (100, 1500)),
            ("100-300", Lang::En, (100, 300)),
        ];
        for (input, lang, (lo, hi)) in draw {
            let a = AudienceRange::parse_in(input, *lang).unwrap();
            assert_eq!((a.min().people(), a.max().people()), (*lo, *hi), "{input}");
        }
        assert_eq!(Capacity::parse_in("1,500 people", Lang::En).unwrap().people(), 1500);
        assert_eq!(Capacity::parse_in("1 500 spectateurs", Lang::Fr).unwrap().people(), 1500);
    }

    /// Dates, lists and recurring availability, with today injected.
    #[test]
    fn set_lengths_as_people_say_them() {
        let ok: &[(&str, u8, u16)] = &[
            ("60", 1, 60),
            ("90 min", 1, 90),
            ("45min", 1, 45),
            ("1h30", 1, 90),
            ("1 h 30", 1, 90),
            ("2h", 1, 120),
            ("une heure", 1, 60),
            ("an hour", 1, 60),
            ("2 sets de 45", 2, 45),
            ("2 sets de 45 min", 2, 45),
            ("deux sets de 45", 2, 45),
            ("2x45", 2, 45),
            ("2 × 45 minutes", 2, 45),
            ("two sets of 45", 2, 45),
            ("3 sets of 1h", 3, 60),
        ];
        for (text, sets, each) in ok {
            let s = SetLength::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((s.sets, s.minutes_each), (*sets, *each), "{text}");
        }
        for bad in ["", "5", "beaucoup", "2 sets", "0 x 45", "12 h", "99999", "2 sets de x"] {
            assert!(SetLength::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_table_with_today_injected() {
        let t = today(); // Tuesday 24 November 2026
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let read = DateSet::read("14/11/2026, 08/01/2027, 09/01/2027", t);
        assert_eq!(
            read.kept.iter().copied().collect::<Vec<_>>(),
            vec![d(2027, 1, 8), d(2027, 1, 9)]
        );
        assert_eq!(
            read.refused,
            vec![(
                "14/11/2026".to_owned(),
                DateError::Past { date: d(2026, 11, 14), example: d(2026, 12, 1) }
            )]
        );
        assert_eq!(
            DateSet::read("30/02/2027", t).refused,
            vec![("30/02/2027".to_owned(), DateError::Impossible("30/02/2027".into()))]
        );
        assert!(matches!(DateSet::parse("2027-02-30", t), Err(DateError::Impossible(_))));
        assert!(matches!(DateSet::parse("32/01", t), Err(DateError::Impossible(_))));
        // (text, first date, last date, count)
        let table: &[(&str, NaiveDate, NaiveDate, usize)] = &[
            ("vendredis et samedis de janvier à mars", d(2027, 1, 1), d(2027, 3, 27), 26),
            (
                "vendredis et samedis de janvier à mars sauf le 13/02",
                d(2027, 1, 1),
                d(2027, 3, 27),
                25,
            ),
            ("every Fri and Sat until March", d(2026, 11, 27), d(2027, 3, 27), 36),
            ("weekends in February", d(2027, 2, 6), d(2027, 2, 28), 8),
            ("week-ends de février", d(2027, 2, 6), d(2027, 2, 28), 8),
            ("les dimanches de décembre", d(2026, 12, 6), d(2026, 12, 27), 4),
            ("every Friday in December except 11/12 and 18/12", d(2026, 12, 4), d(2026, 12, 25), 2),
            // This month counts from today: the Saturdays left in November.
            ("samedis de novembre", d(2026, 11, 28), d(2026, 11, 28), 1),
            // Relative to today, Tuesday 24 November 2026.
            ("aujourd'hui", d(2026, 11, 24), d(2026, 11, 24), 1),
            ("demain", d(2026, 11, 25), d(2026, 11, 25), 1),
            ("tomorrow", d(2026, 11, 25), d(2026, 11, 25), 1),
            ("samedi prochain", d(2026, 11, 28), d(2026, 11, 28), 1),
            ("next friday", d(2026, 11, 27), d(2026, 11, 27), 1),
            ("next Tuesday", d(2026, 12, 1), d(2026, 12, 1), 1),
            ("mardi prochain", d(2026, 12, 1), d(2026, 12, 1), 1),
            ("ce week-end", d(2026, 11, 28), d(2026, 11, 29), 2),
            ("this weekend", d(2026, 11, 28), d(2026, 11, 29), 2),
            ("la semaine prochaine", d(2026, 11, 30), d(2026, 12, 6), 7),
            ("next week", d(2026, 11, 30), d(2026, 12, 6), 7),
            ("en mars", d(2027, 3, 1), d(2027, 3, 31), 31),
            ("in March 2027", d(2027, 3, 1), d(2027, 3, 31), 31),
            ("décembre", d(2026, 12, 1), d(2026, 12, 31), 31),
            // The current month: its days from today.
            ("en novembre", d(2026, 11, 24), d(2026, 11, 30), 7),
        ];
        for (text, first, last, count) in table {
            let s = DateSet::parse(text, t).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(s.dates().first(), Some(first), "{text}");
            assert_eq!(s.dates().last(), Some(last), "{text}");
            assert_eq!(s.len(), *count, "{text}");
        }
    }
}
