//! The legal identity of the structure behind a profile — what a French contract names for
//! each party (see `domain/contracts.md` in the shared docs): legal name and form, head office,
//! SIRET (check digit verified, SIREN derived), APE code, EU VAT number (FR key checked, and
//! consistent with the SIRET), entertainment licences or the explicit exemption, signatory.
//!
//! Asked once and reused for every contract, so each value is parsed into a type that cannot be
//! invalid, with a typed error the conversation translates.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::values::{Address, LicenceNumber, Name, Text, TextError};

/// Typed input longer than this is refused unread.
const MAX_INPUT: usize = 200;

/// The digits of `input`, spaces (plain, no-break, thin), dots and dashes dropped; `None` if
/// anything else is there.
fn digits_only(input: &str) -> Option<String> {
    let mut out = String::new();
    for c in input.trim().chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '\u{a0}' | '\u{202f}' | '.' | '-' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The Luhn check every SIREN and SIRET carries (the La Poste exception aside).
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Why a SIREN or SIRET was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SiretError {
    #[error("only digits and spaces, please")]
    NotDigits,
    #[error("a SIRET has 14 digits, not {digits}")]
    Length { digits: usize },
    #[error("this number's check digit is wrong: a digit was probably mistyped")]
    CheckDigit,
}

/// A SIREN: the 9 digits that identify a French legal entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

impl Siren {
    /// La Poste's SIREN, whose establishments' SIRETs break the Luhn rule (INSEE: their digit
    /// sum is a multiple of 5 instead).
    pub const LA_POSTE: &'static str = "356000000";

    pub fn parse(input: &str) -> Result<Self, SiretError> {
        if input.len() > MAX_INPUT {
            return Err(SiretError::NotDigits);
        }
        let d = digits_only(input).ok_or(SiretError::NotDigits)?;
        if d.len() != 9 {
            return Err(SiretError::Length { digits: d.len() });
        }
        if !luhn(&d) {
            return Err(SiretError::CheckDigit);
        }
        Ok(Self(d))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN modulo 97, the base of the French VAT key.
    fn mod97(&self) -> u64 {
        self.0.parse::<u64>().map_or(0, |n| n % 97)
    }

    /// The French VAT number's two-digit key: (12 + 3 × (SIREN mod 97)) mod 97.
    #[must_use]
    pub fn vat_key(&self) -> u64 {
        (12 + 3 * self.mod97()) % 97
    }
}

impl TryFrom<String> for Siren {
    type Error = SiretError;
    fn try_from(s: String) -> Result<Self, SiretError> {
        Self::parse(&s)
    }
}

impl From<Siren> for String {
    fn from(s: Siren) -> String {
        s.0
    }
}

/// A SIRET: the SIREN and a 5-digit establishment number, 14 digits whose check digit is
/// verified. Stored as digits; printed "812 345 678 00021".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    pub fn parse(input: &str) -> Result<Self, SiretError> {
        if input.len() > MAX_INPUT {
            return Err(SiretError::NotDigits);
        }
        let d = digits_only(input).ok_or(SiretError::NotDigits)?;
        if d.len() != 14 {
            return Err(SiretError::Length { digits: d.len() });
        }
        let ok = if d.starts_with(Siren::LA_POSTE) {
            d.bytes().map(|b| u32::from(b - b'0')).sum::<u32>().is_multiple_of(5)
        } else {
            luhn(&d) && luhn(d.get(..9).unwrap_or_default())
        };
        if ok { Ok(Self(d)) } else { Err(SiretError::CheckDigit) }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The entity's SIREN, the first nine digits.
    #[must_use]
    pub fn siren(&self) -> Siren {
        Siren(self.0.get(..9).unwrap_or_default().to_owned())
    }
}

impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        let part = |a, b| d.get(a..b).unwrap_or_default();
        write!(f, "{} {} {} {}", part(0, 3), part(3, 6), part(6, 9), part(9, 14))
    }
}

impl TryFrom<String> for Siret {
    type Error = SiretError;
    fn try_from(s: String) -> Result<Self, SiretError> {
        Self::parse(&s)
    }
}

impl From<Siret> for String {
    fn from(s: Siret) -> String {
        s.0
    }
}

/// An APE (NAF rév. 2) code: four digits and a letter, printed the INSEE way, "90.01Z".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApeCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an APE code is four digits and a letter, like 90.01Z")]
pub struct ApeError;

impl ApeCode {
    pub fn parse(input: &str) -> Result<Self, ApeError> {
        if input.len() > MAX_INPUT {
            return Err(ApeError);
        }
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '\u{a0}' | '\u{202f}'))
            .collect::<String>()
            .to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4].is_ascii_uppercase();
        if !ok {
            return Err(ApeError);
        }
        Ok(Self(format!("{}.{}", &s[..2], &s[2..])))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ApeCode {
    type Error = ApeError;
    fn try_from(s: String) -> Result<Self, ApeError> {
        Self::parse(&s)
    }
}

impl From<ApeCode> for String {
    fn from(a: ApeCode) -> String {
        a.0
    }
}

/// Why an EU VAT number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatError {
    #[error("a VAT number starts with its country's two letters, like FR or DE")]
    UnknownCountry,
    #[error("this is not the format of a {country} VAT number")]
    Format { country: String },
    #[error("this French VAT number's key does not match its SIREN: a digit was probably mistyped")]
    FrenchKey,
}

/// Country prefixes of the EU VAT numbers (VIES), with the length and kind of what follows.
/// `EL` is Greece; `XI` is Northern Ireland.
const VAT_FORMATS: [(&str, usize, usize, bool); 28] = [
    ("AT", 9, 9, false),
    ("BE", 10, 10, true),
    ("BG", 9, 10, true),
    ("CY", 9, 9, false),
    ("CZ", 8, 10, true),
    ("DE", 9, 9, true),
    ("DK", 8, 8, true),
    ("EE", 9, 9, true),
    ("EL", 9, 9, true),
    ("ES", 9, 9, false),
    ("FI", 8, 8, true),
    ("FR", 11, 11, true),
    ("HR", 11, 11, true),
    ("HU", 8, 8, true),
    ("IE", 8, 9, false),
    ("IT", 11, 11, true),
    ("LT", 9, 12, true),
    ("LU", 8, 8, true),
    ("LV", 11, 11, true),
    ("MT", 8, 8, true),
    ("NL", 12, 12, false),
    ("PL", 10, 10, true),
    ("PT", 9, 9, true),
    ("RO", 2, 10, true),
    ("SE", 12, 12, true),
    ("SI", 8, 8, true),
    ("SK", 10, 10, true),
    ("XI", 5, 12, false),
];

/// An EU VAT number, upper-case without spaces: "FR44732829320". A French one's key is checked
/// against its SIREN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatNumber(String);

impl VatNumber {
    pub fn parse(input: &str) -> Result<Self, VatError> {
        if input.len() > MAX_INPUT {
            return Err(VatError::UnknownCountry);
        }
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}' | '\u{202f}'))
            .collect::<String>()
            .to_ascii_uppercase();
        let (country, rest) = (s.get(..2).unwrap_or_default(), s.get(2..).unwrap_or_default());
        let &(_, min, max, digits) =
            VAT_FORMATS.iter().find(|(c, ..)| *c == country).ok_or(VatError::UnknownCountry)?;
        let format = || VatError::Format { country: country.to_owned() };
        let chars_ok = if digits {
            rest.bytes().all(|b| b.is_ascii_digit())
        } else {
            rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'*')
        };
        if !(min..=max).contains(&rest.len()) || !chars_ok {
            return Err(format());
        }
        if country == "FR" {
            // Only numeric keys are derived from a SIREN; the rare alphanumeric ones belong to
            // entities without one, which cannot sign as a French party here.
            let (key, siren) = rest.split_at(2);
            let siren = Siren::parse(siren).map_err(|_| format())?;
            if key.parse::<u64>().ok() != Some(siren.vat_key()) {
                return Err(VatError::FrenchKey);
            }
        }
        Ok(Self(s))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN inside a French VAT number.
    #[must_use]
    pub fn siren(&self) -> Option<Siren> {
        self.0.strip_prefix("FR").and_then(|rest| rest.get(2..)).map(|s| Siren(s.to_owned()))
    }
}

impl TryFrom<String> for VatNumber {
    type Error = VatError;
    fn try_from(s: String) -> Result<Self, VatError> {
        Self::parse(&s)
    }
}

impl From<VatNumber> for String {
    fn from(v: VatNumber) -> String {
        v.0
    }
}

/// Whether the party charges VAT: its number, or not registered (an association outside VAT,
/// a micro-entrepreneur under the "franchise en base"), which the contract then states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "number", rename_all = "snake_case")]
pub enum VatStatus {
    Registered(VatNumber),
    NotRegistered,
}

/// The legal form, as French contracts name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum LegalForm {
    Sarl,
    Sas,
    Sasu,
    Eurl,
    Sa,
    /// Association loi 1901.
    Association,
    /// Entrepreneur individuel, micro-entreprise.
    SoleTrader,
    Scop,
    /// Établissement public (EPCC, EPIC, EPA).
    PublicEstablishment,
    /// Collectivité territoriale: a town, a département, a region.
    LocalAuthority,
    /// Any other form, in the party's words.
    Other(Text<80>),
}

impl LegalForm {
    /// Recognises the usual names and abbreviations ("sarl", "S.A.S.U.", "asso loi 1901",
    /// "micro-entreprise", "mairie"); anything else is kept as written.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let text = Text::<80>::parse(input)?;
        let key: String = deunicode::deunicode(text.as_str())
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let has = |w: &str| key.contains(w);
        Ok(match key.as_str() {
            "sarl" => LegalForm::Sarl,
            "sas" => LegalForm::Sas,
            "sasu" => LegalForm::Sasu,
            "eurl" => LegalForm::Eurl,
            "sa" => LegalForm::Sa,
            "scop" | "scic" => LegalForm::Scop,
            "ei" | "ae" => LegalForm::SoleTrader,
            _ if has("association") || key.starts_with("asso") => LegalForm::Association,
            _ if has("micro") || has("autoentrepreneur") || has("entrepreneurindividuel") => {
                LegalForm::SoleTrader
            }
            _ if has("etablissementpublic") || key.starts_with("epic") || key == "epcc" => {
                LegalForm::PublicEstablishment
            }
            _ if has("collectivite")
                || has("commune")
                || has("mairie")
                || has("departement")
                || has("region") =>
            {
                LegalForm::LocalAuthority
            }
            _ => LegalForm::Other(text),
        })
    }
}

/// Why a set of licences was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LicensingError {
    #[error("the category is 1 (runs a venue), 2 (produces shows) or 3 (hosts them)")]
    Category,
    #[error("give at least one licence, or say the exemption applies")]
    Empty,
    #[error("one licence per category")]
    DuplicateCategory,
    #[error("this licence number is of category {written}, not {given}")]
    CategoryMismatch { written: u8, given: u8 },
}

/// The category of a "licence d'entrepreneur de spectacles".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum LicenceCategory {
    /// Runs a venue.
    One,
    /// Produces shows (employs the performers).
    Two,
    /// Hosts shows.
    Three,
}

impl LicenceCategory {
    /// "1", "2", "3", "II", "catégorie 3", "cat. 1".
    pub fn parse(input: &str) -> Result<Self, LicensingError> {
        if input.len() > MAX_INPUT {
            return Err(LicensingError::Category);
        }
        let key: String = deunicode::deunicode(input)
            .to_ascii_lowercase()
            .replace("categorie", "")
            .replace("cat", "")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        match key.as_str() {
            "1" | "i" => Ok(Self::One),
            "2" | "ii" => Ok(Self::Two),
            "3" | "iii" => Ok(Self::Three),
            _ => Err(LicensingError::Category),
        }
    }

    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::One => 1,
            Self::Two => 2,
            Self::Three => 3,
        }
    }
}

impl TryFrom<u8> for LicenceCategory {
    type Error = LicensingError;
    fn try_from(n: u8) -> Result<Self, LicensingError> {
        Self::parse(&n.to_string())
    }
}

impl From<LicenceCategory> for u8 {
    fn from(c: LicenceCategory) -> u8 {
        c.number()
    }
}

/// One licence held: its category and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub category: LicenceCategory,
    pub number: LicenceNumber,
}

impl Licence {
    /// A licence whose pre-2019 number, if it spells a category, agrees with `category`.
    pub fn new(category: LicenceCategory, number: LicenceNumber) -> Result<Self, LicensingError> {
        match number.written_category() {
            Some(written) if written != category.number() => {
                Err(LicensingError::CategoryMismatch { written, given: category.number() })
            }
            _ => Ok(Self { category, number }),
        }
    }
}

/// A party's licences, or the explicit exemption the contract then states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "licences", rename_all = "snake_case")]
pub enum Licensing {
    /// One to three licences, one per category, in category order.
    Licensed(Vec<Licence>),
    /// Fewer than six shows a year outside its main activity: no licence needed.
    OccasionalExempt,
}

impl Licensing {
    pub fn licensed(mut licences: Vec<Licence>) -> Result<Self, LicensingError> {
        if licences.is_empty() {
            return Err(LicensingError::Empty);
        }
        licences.sort_by_key(|l| l.category);
        if licences.windows(2).any(|w| w[0].category == w[1].category) {
            return Err(LicensingError::DuplicateCategory);
        }
        Ok(Self::Licensed(licences))
    }
}

/// Who signs for the party, and as what ("gérante", "président", "maire").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    pub name: Name,
    pub role: Text<80>,
}

/// The part of a legal identity a contract still lacks; also the question to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalField {
    LegalName,
    LegalForm,
    HeadOffice,
    Siret,
    Ape,
    Vat,
    Licence,
    Signatory,
}

/// Why a legal identity refused a value: it would contradict one already given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegalError {
    #[error("this VAT number's SIREN ({vat}) is not the SIRET's ({siret})")]
    SirenMismatch { siret: String, vat: String },
}

/// The structure behind a profile, filled as the questions are answered: every field is
/// optional until a contract needs it ([`LegalIdentity::missing`]). Cross-field rules (the French
/// VAT number carries the SIRET's SIREN) are kept by the setters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalIdentity {
    #[serde(default)]
    legal_name: Option<Text<200>>,
    #[serde(default)]
    form: Option<LegalForm>,
    #[serde(default)]
    head_office: Option<Address>,
    #[serde(default)]
    siret: Option<Siret>,
    #[serde(default)]
    ape: Option<ApeCode>,
    #[serde(default)]
    vat: Option<VatStatus>,
    #[serde(default)]
    licensing: Option<Licensing>,
    #[serde(default)]
    signatory: Option<Signatory>,
}

fn consistent(siret: Option<&Siret>, vat: Option<&VatStatus>) -> Result<(), LegalError> {
    if let (Some(siret), Some(VatStatus::Registered(vat))) = (siret, vat)
        && let Some(vat_siren) = vat.siren()
        && vat_siren != siret.siren()
    {
        return Err(LegalError::SirenMismatch {
            siret: siret.siren().as_str().to_owned(),
            vat: vat_siren.as_str().to_owned(),
        });
    }
    Ok(())
}

impl LegalIdentity {
    #[must_use]
    pub fn legal_name(&self) -> Option<&Text<200>> {
        self.legal_name.as_ref()
    }
    #[must_use]
    pub fn form(&self) -> Option<&LegalForm> {
        self.form.as_ref()
    }
    #[must_use]
    pub fn head_office(&self) -> Option<&Address> {
        self.head_office.as_ref()
    }
    #[must_use]
    pub fn siret(&self) -> Option<&Siret> {
        self.siret.as_ref()
    }
    #[must_use]
    pub fn ape(&self) -> Option<&ApeCode> {
        self.ape.as_ref()
    }
    #[must_use]
    pub fn vat(&self) -> Option<&VatStatus> {
        self.vat.as_ref()
    }
    #[must_use]
    pub fn licensing(&self) -> Option<&Licensing> {
        self.licensing.as_ref()
    }
    #[must_use]
    pub fn signatory(&self) -> Option<&Signatory> {
        self.signatory.as_ref()
    }

    pub fn set_legal_name(&mut self, name: Text<200>) {
        self.legal_name = Some(name);
    }
    pub fn set_form(&mut self, form: LegalForm) {
        self.form = Some(form);
    }
    pub fn set_head_office(&mut self, address: Address) {
        self.head_office = Some(address);
    }
    /// Sets the SIRET, refused if a French VAT number already given names another SIREN.
    pub fn set_siret(&mut self, siret: Siret) -> Result<(), LegalError> {
        consistent(Some(&siret), self.vat.as_ref())?;
        self.siret = Some(siret);
        Ok(())
    }
    pub fn set_ape(&mut self, ape: ApeCode) {
        self.ape = Some(ape);
    }
    /// Sets the VAT status, refused if a French number names another SIREN than the SIRET's.
    pub fn set_vat(&mut self, vat: VatStatus) -> Result<(), LegalError> {
        consistent(self.siret.as_ref(), Some(&vat))?;
        self.vat = Some(vat);
        Ok(())
    }
    pub fn set_licensing(&mut self, licensing: Licensing) {
        self.licensing = Some(licensing);
    }
    pub fn set_signatory(&mut self, signatory: Signatory) {
        self.signatory = Some(signatory);
    }

    /// What a contract still needs from this identity, in the order to ask it.
    #[must_use]
    pub fn missing(&self) -> Vec<LegalField> {
        [
            (LegalField::LegalName, self.legal_name.is_none()),
            (LegalField::LegalForm, self.form.is_none()),
            (LegalField::HeadOffice, self.head_office.is_none()),
            (LegalField::Siret, self.siret.is_none()),
            (LegalField::Ape, self.ape.is_none()),
            (LegalField::Vat, self.vat.is_none()),
            (LegalField::Licence, self.licensing.is_none()),
            (LegalField::Signatory, self.signatory.is_none()),
        ]
        .into_iter()
        .filter_map(|(field, missing)| missing.then_some(field))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets() {
        // (input, expected) — valid, spaced, La Poste, bad check digit, wrong length, letters.
        let table: [(&str, Result<&str, SiretError>); 9] = [
            ("73282932000074", Ok("73282932000074")),
            ("732 829 320 00074", Ok("73282932000074")),
            ("812\u{a0}345\u{a0}678\u{a0}00021", Err(SiretError::CheckDigit)),
            // La Poste: the digit sum is a multiple of 5 (and Luhn would refuse this one).
            ("35600000052135", Ok("35600000052135")),
            ("35600000052136", Err(SiretError::CheckDigit)),
            ("73282932000075", Err(SiretError::CheckDigit)),
            ("7328293200007", Err(SiretError::Length { digits: 13 })),
            ("732829320000744", Err(SiretError::Length { digits: 15 })),
            ("7328293200007A", Err(SiretError::NotDigits)),
        ];
        for (input, expected) in table {
            assert_eq!(
                Siret::parse(input).as_ref().map(Siret::as_str).map_err(|e| *e),
                expected,
                "{input}"
            );
        }
        let s = Siret::parse("73282932000074").unwrap();
        assert_eq!(s.siren().as_str(), "732829320");
        assert_eq!(s.to_string(), "732 829 320 00074");
        // A SIRET whose 14 digits pass Luhn but whose SIREN does not is still refused.
        assert_eq!(Siren::parse("732829321"), Err(SiretError::CheckDigit));
        assert_eq!(Siren::parse("732829320").unwrap().as_str(), "732829320");
    }

    #[test]
    fn ape_codes() {
        for (input, expected) in
            [("90.01Z", "90.01Z"), ("9001z", "90.01Z"), (" 90 04 Z ", "90.04Z")]
        {
            assert_eq!(ApeCode::parse(input).unwrap().as_str(), expected);
        }
        for bad in ["", "9001", "90.01ZZ", "Z9001", "90-01Z", "abcdE"] {
            assert_eq!(ApeCode::parse(bad), Err(ApeError), "{bad}");
        }
    }

    #[test]
    fn vat_numbers() {
        // SIREN 732829320: 732829320 mod 97 = 43, key = (12 + 3 × 43) mod 97 = 44.
        let table: [(&str, Result<&str, VatError>); 8] = [
            ("FR44732829320", Ok("FR44732829320")),
            ("fr 44 732 829 320", Ok("FR44732829320")),
            ("FR45732829320", Err(VatError::FrenchKey)),
            ("FR4473282932", Err(VatError::Format { country: "FR".into() })),
            ("FR44732829321", Err(VatError::Format { country: "FR".into() })),
            ("DE123456789", Ok("DE123456789")),
            ("DE12345678", Err(VatError::Format { country: "DE".into() })),
            ("US123456789", Err(VatError::UnknownCountry)),
        ];
        for (input, expected) in table {
            assert_eq!(
                VatNumber::parse(input).as_ref().map(VatNumber::as_str).map_err(Clone::clone),
                expected,
                "{input}"
            );
        }
        assert_eq!(Siren::parse("732829320").unwrap().vat_key(), 44);
        let vat = VatNumber::parse("FR44732829320").unwrap();
        assert_eq!(vat.siren().unwrap().as_str(), "732829320");
        assert_eq!(VatNumber::parse("DE123456789").unwrap().siren(), None);
    }

    #[test]
    fn vat_and_siret_must_name_the_same_siren() {
        let mut id = LegalIdentity::default();
        id.set_siret(Siret::parse("73282932000074").unwrap()).unwrap();
        let other = VatNumber::parse(&format!(
            "FR{:02}{}",
            Siren::parse("356000000").unwrap().vat_key(),
            "356000000"
        ))
        .unwrap();
        assert!(matches!(
            id.set_vat(VatStatus::Registered(other.clone())),
            Err(LegalError::SirenMismatch { .. })
        ));
        id.set_vat(VatStatus::Registered(VatNumber::parse("FR44732829320").unwrap())).unwrap();
        assert!(id.set_siret(Siret::parse("35600000052135").unwrap()).is_err());
        // A foreign number says nothing of the SIREN.
        id.set_vat(VatStatus::Registered(VatNumber::parse("DE123456789").unwrap())).unwrap();
        id.set_vat(VatStatus::NotRegistered).unwrap();
    }

    #[test]
    fn licences_and_the_exemption() {
        let number = |s| LicenceNumber::parse(s).unwrap();
        let cat = |s| LicenceCategory::parse(s).unwrap();
        assert_eq!(cat("2"), LicenceCategory::Two);
        assert_eq!(cat("catégorie III"), LicenceCategory::Three);
        assert_eq!(cat("Cat. 1"), LicenceCategory::One);
        assert_eq!(LicenceCategory::parse("4"), Err(LicensingError::Category));
        // Current format, short form, pre-2019 format with its category.
        let held = Licensing::licensed(vec![
            Licence::new(cat("3"), number("PLATESV-R-2021-000123")).unwrap(),
            Licence::new(cat("1"), number("L-R-19-1172")).unwrap(),
        ])
        .unwrap();
        let Licensing::Licensed(list) = &held else { panic!("{held:?}") };
        assert_eq!(list[0].category, LicenceCategory::One);
        assert!(Licence::new(cat("2"), number("2-1051234")).is_ok());
        assert_eq!(
            Licence::new(cat("1"), number("2-1051234")),
            Err(LicensingError::CategoryMismatch { written: 2, given: 1 })
        );
        assert_eq!(Licensing::licensed(vec![]), Err(LicensingError::Empty));
        let twice = Licence::new(cat("2"), number("PLATESV-D-2024-000871")).unwrap();
        assert_eq!(
            Licensing::licensed(vec![twice.clone(), twice]),
            Err(LicensingError::DuplicateCategory)
        );
        // The exemption is a value of its own and round-trips through storage.
        let json = serde_json::to_string(&Licensing::OccasionalExempt).unwrap();
        assert_eq!(serde_json::from_str::<Licensing>(&json).unwrap(), Licensing::OccasionalExempt);
        let json = serde_json::to_string(&held).unwrap();
        assert_eq!(serde_json::from_str::<Licensing>(&json).unwrap(), held);
    }

    #[test]
    fn legal_forms() {
        let table = [
            ("SARL", LegalForm::Sarl),
            ("s.a.s.", LegalForm::Sas),
            ("SASU", LegalForm::Sasu),
            ("eurl", LegalForm::Eurl),
            ("SA", LegalForm::Sa),
            ("association loi 1901", LegalForm::Association),
            ("Asso", LegalForm::Association),
            ("micro-entreprise", LegalForm::SoleTrader),
            ("EI", LegalForm::SoleTrader),
            ("SCOP", LegalForm::Scop),
            ("établissement public", LegalForm::PublicEstablishment),
            ("EPIC", LegalForm::PublicEstablishment),
            ("collectivité territoriale", LegalForm::LocalAuthority),
            ("Mairie", LegalForm::LocalAuthority),
        ];
        for (input, expected) in table {
            assert_eq!(LegalForm::parse(input).unwrap(), expected, "{input}");
        }
        assert_eq!(LegalForm::parse("GIE").unwrap(), LegalForm::Other(Text::parse("GIE").unwrap()));
        assert_eq!(LegalForm::parse("  "), Err(TextError::Empty));
    }

    #[test]
    fn an_identity_says_what_is_missing_and_round_trips() {
        let mut id = LegalIdentity::default();
        assert_eq!(id.missing().len(), 8);
        id.set_legal_name(Text::parse("Les Productions du Château d'Eau").unwrap());
        id.set_licensing(Licensing::OccasionalExempt);
        assert_eq!(id.missing().first(), Some(&LegalField::LegalForm));
        assert!(!id.missing().contains(&LegalField::Licence));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<LegalIdentity>(&json).unwrap(), id);
        assert_eq!(serde_json::from_str::<LegalIdentity>("{}").unwrap(), LegalIdentity::default());
    }
}
