//! Contract details (issue 13): after a booking, each side is asked only what its contract still
//! lacks ([`crate::booking::BookingService::contract_readiness`]), one question at a time, each
//! answer parsed into a type that cannot be invalid; when nothing is missing on either side the
//! contract goes to both. The same questions edit a profile's details from `/profile`. A signed
//! copy sent back as a document is recorded on the booking.

use chrono::{NaiveDate, NaiveTime};
use sha2::{Digest, Sha256};

use super::errors;
use super::i18n::tr;
use super::payload::Action;
use super::reply::{Reply, Span};
use super::state::{ContractAsk, ContractForm, Mode};
use super::turn::Turn;
use crate::booking::{ContractProgress, MissingField};
use crate::domain::legal::{
    ApeCode, LegalError, LegalField, LegalForm, LegalIdentity, Licence, LicenceCategory, Licensing,
    LicensingError, Signatory, Siret, SiretError, VatError, VatNumber, VatStatus,
};
use crate::domain::profile::{Profile, ProfileDetails, ProfileKind};
use crate::domain::terms::{
    Cents, ContractTerms, Cost, Costs, Deposit, Lineup, Payment, PaymentMethod, TermsError,
    TicketTerms,
};
use crate::domain::values::{DateError, DateSet, LicenceNumber, LongText, Name, Text, TextError};
use crate::domain::{BookingId, Lang, ProfileId};
use crate::store::StoreError;

/// Why an answer was not taken; each is said with how to write it.
#[derive(Debug, Clone, PartialEq)]
enum Bad {
    Text(TextError),
    Siret(SiretError),
    Ape,
    Vat(VatError),
    Legal(LegalError),
    Licensing(LicensingError),
    LicenceNumber,
    Signatory,
    Lineup,
    Amount(TermsError),
    Time,
    Date(DateError),
    OneDate,
    People,
    Method,
    Choose,
}

fn message(lang: Lang, bad: &Bad) -> String {
    let t = |key: &str| tr(lang, key, &[]);
    match bad {
        Bad::Text(TextError::TooLong { max }) => {
            tr(lang, "cerr-too-long", &[("max", max.to_string())])
        }
        Bad::Text(_) => t("cerr-empty"),
        Bad::Siret(SiretError::NotDigits) => t("cerr-siret-digits"),
        Bad::Siret(SiretError::Length { digits }) => {
            tr(lang, "cerr-siret-length", &[("digits", digits.to_string())])
        }
        Bad::Siret(SiretError::CheckDigit) => t("cerr-siret-check"),
        Bad::Ape => t("cerr-ape"),
        Bad::Vat(VatError::UnknownCountry) => t("cerr-vat-country"),
        Bad::Vat(VatError::Format { country }) => {
            tr(lang, "cerr-vat-format", &[("country", country.clone())])
        }
        Bad::Vat(VatError::FrenchKey) => t("cerr-vat-key"),
        Bad::Legal(LegalError::SirenMismatch { siret, vat }) => {
            tr(lang, "cerr-siren-mismatch", &[("siret", siret.clone()), ("vat", vat.clone())])
        }
        Bad::Licensing(LicensingError::Category) => t("cerr-licence-category"),
        Bad::Licensing(LicensingError::Empty) => t("cerr-licence-empty"),
        Bad::Licensing(LicensingError::DuplicateCategory) => t("cerr-licence-duplicate"),
        Bad::Licensing(LicensingError::CategoryMismatch { written, given }) => tr(
            lang,
            "cerr-licence-mismatch",
            &[("written", written.to_string()), ("given", given.to_string())],
        ),
        Bad::LicenceNumber => t("cerr-licence-number"),
        Bad::Signatory => t("cerr-signatory"),
        Bad::Lineup => tr(lang, "cerr-lineup", &[("max", Lineup::MAX.to_string())]),
        Bad::Amount(TermsError::AmountRange) => t("cerr-amount-range"),
        Bad::Amount(_) => t("cerr-amount"),
        Bad::Time => t("cerr-time"),
        Bad::Date(e) => errors::message(lang, &errors::Problem::Dates(e.clone())),
        Bad::OneDate => t("cerr-one-date"),
        Bad::People => t("cerr-people"),
        Bad::Method => t("cerr-method"),
        Bad::Choose => t("err-choose"),
    }
}

/// Lower-case ASCII words of an answer, for recognising choices in either language.
fn key(input: &str) -> String {
    deunicode::deunicode(input).to_lowercase()
}

fn says_none(k: &str) -> bool {
    ["aucun", "none", "no ", "pas d", "sans", "without"].iter().any(|w| k.contains(w))
        || matches!(k.trim(), "no" | "non" | "0" | "-")
}

fn yes_no(input: &str) -> Option<bool> {
    match key(input).trim().trim_end_matches(['.', '!']) {
        "oui" | "yes" | "y" | "o" | "bien sur" | "of course" => Some(true),
        "non" | "no" | "n" | "aucune" | "none" => Some(false),
        _ => None,
    }
}

/// "19h", "19h30", "19:30", "7:05".
fn parse_time(input: &str) -> Result<NaiveTime, Bad> {
    let s = key(input).replace(' ', "").replace('h', ":");
    let s = s.trim_end_matches(':');
    let (h, m) = s.split_once(':').unwrap_or((s, "0"));
    let (h, m) =
        (h.parse::<u32>().map_err(|_| Bad::Time)?, m.parse::<u32>().map_err(|_| Bad::Time)?);
    NaiveTime::from_hms_opt(h, m, 0).ok_or(Bad::Time)
}

fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, Bad> {
    let set = DateSet::parse(input, today).map_err(Bad::Date)?;
    match set.dates().iter().collect::<Vec<_>>().as_slice() {
        [one] => Ok(**one),
        _ => Err(Bad::OneDate),
    }
}

/// The numbers written in an answer, in order.
fn numbers(input: &str) -> Vec<u32> {
    input
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// "4", "4 + 1", "4 musiciens et 1 technicien".
fn parse_lineup(input: &str) -> Result<Lineup, Bad> {
    let n = numbers(input);
    let count = |i: usize| n.get(i).and_then(|&v| u16::try_from(v).ok());
    match n.len() {
        1 => Lineup::new(count(0).ok_or(Bad::Lineup)?, 0).map_err(|_| Bad::Lineup),
        2 => Lineup::new(count(0).ok_or(Bad::Lineup)?, count(1).ok_or(Bad::Lineup)?)
            .map_err(|_| Bad::Lineup),
        _ => Err(Bad::Lineup),
    }
}

/// "Jeanne Martin, gérante".
fn parse_signatory(input: &str) -> Result<Signatory, Bad> {
    let (name, role) = input.split_once([',', ';']).ok_or(Bad::Signatory)?;
    Ok(Signatory {
        name: Name::parse(name).map_err(|_| Bad::Signatory)?,
        role: Text::parse(role).map_err(|_| Bad::Signatory)?,
    })
}

fn exempt_words(k: &str) -> bool {
    ["exempt", "exonere", "dispense", "moins de 6", "moins de six", "fewer than", "not required"]
        .iter()
        .any(|w| k.contains(w))
}

/// "2 PLATESV-D-2024-000871; 3 PLATESV-D-2024-000872", a pre-2019 "2-1051234", or the
/// exemption in words.
fn parse_licensing(input: &str) -> Result<Licensing, Bad> {
    if exempt_words(&key(input)) {
        return Ok(Licensing::OccasionalExempt);
    }
    let mut licences = Vec::new();
    for item in input.split([';', '\n', '/']).map(str::trim).filter(|i| !i.is_empty()) {
        let item = item.trim_start_matches(|c: char| !c.is_alphanumeric());
        let (first, rest) = item.split_once(char::is_whitespace).unwrap_or((item, ""));
        let (category, number) = match LicenceCategory::parse(first) {
            Ok(c) if !rest.trim().is_empty() => {
                // "cat. 2 PLATESV…" or "catégorie 2 : PLATESV…": the number is the last word.
                let number = rest.split_whitespace().last().unwrap_or_default();
                (c, LicenceNumber::parse(number).map_err(|_| Bad::LicenceNumber)?)
            }
            _ => {
                let number = LicenceNumber::parse(item).map_err(|_| Bad::LicenceNumber)?;
                let written =
                    number.written_category().ok_or(Bad::Licensing(LicensingError::Category))?;
                (LicenceCategory::try_from(written).map_err(Bad::Licensing)?, number)
            }
        };
        licences.push(Licence::new(category, number).map_err(Bad::Licensing)?);
    }
    Licensing::licensed(licences).map_err(Bad::Licensing)
}

fn parse_vat(input: &str) -> Result<VatStatus, Bad> {
    let k = key(input);
    if k.contains("assujet") || k.contains("not registered") || k.contains("franchise") {
        return Ok(VatStatus::NotRegistered);
    }
    VatNumber::parse(input).map(VatStatus::Registered).map_err(Bad::Vat)
}

/// "inclus", "fourni pour 5", "300 € pour 4", "provided", "250".
fn parse_cost(input: &str, people: Option<u16>) -> Result<Cost, Bad> {
    let k = key(input);
    if k.contains("inclu") {
        return Ok(Cost::Included);
    }
    // The count of people follows "pour" / "for" (or "x").
    let (head, count) = match k.split_once(" pour ").or_else(|| k.split_once(" for ")) {
        Some((head, tail)) => (head.to_owned(), numbers(tail).first().copied()),
        None if ["fourni", "provided", "offert"].iter().any(|w| k.starts_with(w)) => {
            (k.clone(), numbers(&k).first().copied())
        }
        None => (k.clone(), None),
    };
    let people = match count {
        Some(n) => u16::try_from(n).ok().filter(|&n| (1..=Lineup::MAX).contains(&n)),
        None => people,
    }
    .ok_or(Bad::People)?;
    if ["fourni", "provided", "offert"].iter().any(|w| head.contains(w)) {
        return Ok(Cost::Provided { people });
    }
    let amount_ht = Cents::parse(amount_words(&head)).map_err(Bad::Amount)?;
    Ok(Cost::Paid { amount_ht, people })
}

fn parse_method(input: &str) -> Result<PaymentMethod, Bad> {
    let k = key(input);
    if k.contains("virement") || k.contains("transfer") || k.contains("bank") {
        Ok(PaymentMethod::BankTransfer)
    } else if k.contains("cheque") || k.contains("check") {
        Ok(PaymentMethod::Cheque)
    } else if k.contains("espece") || k.contains("cash") || k.contains("liquide") {
        Ok(PaymentMethod::Cash)
    } else {
        Err(Bad::Method)
    }
}

/// An amount's words without "HT", "TTC" and the currency ("€" reads "EUR" once transliterated).
fn amount_words(k: &str) -> &str {
    let mut s = k.trim();
    for suffix in ["ttc", "ht", "euros", "euro", "eur", "€"] {
        s = s.trim_end_matches(suffix).trim();
    }
    s
}

fn parse_amount(input: &str) -> Result<Cents, Bad> {
    Cents::parse(amount_words(&key(input))).map_err(Bad::Amount)
}

/// The question for `ask`, with its choice buttons (each answers as if typed) and Cancel.
fn question(turn: &Turn<'_>, ask: &ContractAsk) -> Reply {
    let (key, choices): (String, &[&str]) = match ask {
        ContractAsk::Page => ("cd-page".into(), &[]),
        ContractAsk::Field { field } => {
            let choices: &[&str] = match field {
                MissingField::Legal(LegalField::Vat) => &["cc-vat-none"],
                MissingField::Legal(LegalField::Licence) => &["cc-licence-exempt"],
                MissingField::Costs => &["cc-included", "cc-provided"],
                MissingField::Payment => &["cc-no-deposit"],
                _ => &[],
            };
            (format!("cq-{}", field.code()), choices)
        }
        ContractAsk::Cost { done } => {
            let part = if done.len() == 1 { "cq-cost-lodging" } else { "cq-cost-meals" };
            (part.into(), &["cc-included", "cc-provided"])
        }
        ContractAsk::DepositDue { .. } => ("cq-deposit-due".into(), &[]),
        ContractAsk::BalanceDue { .. } => ("cq-balance-due".into(), &[]),
        ContractAsk::Method { .. } => {
            ("cq-method".into(), &["cc-transfer", "cc-cheque", "cc-cash"])
        }
        ContractAsk::ReducedPrice { .. } => ("cq-reduced".into(), &["cc-no-reduced"]),
        ContractAsk::GuestList { .. } => ("cq-guests".into(), &[]),
    };
    // Example dates are computed from today, so none goes stale.
    let example = errors::d(crate::domain::values::example_date(turn.ctx.today()), turn.lang);
    let mut r = turn.msg(&key, &[("example", example)]);
    let suggestions: Vec<String> = choices.iter().map(|c| turn.t(c)).collect();
    let buttons = turn.suggestions(&suggestions);
    if !buttons.is_empty() {
        r = r.row(buttons);
    }
    if matches!(ask, ContractAsk::Field { field: MissingField::Drinks }) {
        r = r.row(vec![turn.button("btn-yes", &Action::Yes), turn.button("btn-no", &Action::No)]);
    }
    r.row(vec![turn.button("btn-cancel", &Action::Cancel)])
}

fn form(turn: &Turn<'_>) -> Option<ContractForm> {
    match &turn.state.mode {
        Mode::Contract(f) => Some((**f).clone()),
        _ => None,
    }
}

/// Asks the question waiting (or shows the details page).
pub(crate) async fn ask(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Some(f) = form(turn) else { return Ok(()) };
    if f.ask == ContractAsk::Page {
        return page(turn, f.profile).await;
    }
    let r = question(turn, &f.ask);
    turn.push(r);
    Ok(())
}

/// The speaker's profile on `booking`, if they are on it.
async fn my_side(
    turn: &mut Turn<'_>,
    booking: BookingId,
) -> Result<Option<(ProfileKind, ProfileId)>, StoreError> {
    let b = turn.store().booking(booking).await?;
    match turn.bookings().side_of(turn.account(), booking).await {
        Ok(ProfileKind::Artist) => Ok(Some((ProfileKind::Artist, b.artist))),
        Ok(ProfileKind::Venue) => Ok(Some((ProfileKind::Venue, b.venue))),
        Err(_) => Ok(None),
    }
}

/// "Fill in the contract": asks what the speaker's side still owes the contract of `booking`.
pub(crate) async fn fill(turn: &mut Turn<'_>, booking: BookingId) -> Result<(), StoreError> {
    let Some((side, profile)) = my_side(turn, booking).await? else {
        turn.say("contract-not-yours", &[]);
        return Ok(());
    };
    let readiness = match turn.bookings().contract_readiness(booking).await {
        Ok(r) => r,
        Err(e) => {
            let text = errors::booking(turn.lang, &e);
            turn.warn(text);
            return Ok(());
        }
    };
    match readiness.side(side) {
        crate::booking::ContractReadiness::Missing(missing) => {
            let first = missing.first().copied().unwrap_or(MissingField::Drinks);
            turn.say(
                "contract-intro",
                &[("booking", booking.to_string()), ("count", missing.len().to_string())],
            );
            turn.state.mode = Mode::Contract(Box::new(ContractForm {
                profile,
                booking: Some(booking),
                ask: ContractAsk::Field { field: first },
                single: false,
            }));
            ask(turn).await
        }
        crate::booking::ContractReadiness::Ready => progress(turn, booking).await,
    }
}

/// After the speaker's side is complete: the contract goes to both, or waits for the other.
async fn progress(turn: &mut Turn<'_>, booking: BookingId) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    match turn.bookings().contract_progress(booking).await {
        Ok(ContractProgress::Sent(_)) => turn.say("contract-complete-sent", &[]),
        Ok(ContractProgress::Waiting(_)) => turn.say("contract-complete-waiting", &[]),
        Err(e) => {
            let text = errors::booking(turn.lang, &e);
            turn.warn(text);
        }
    }
    Ok(())
}

/// The details page of `profile` (from `/profile`): every detail a contract prints, each with a
/// button to change it.
pub(crate) async fn details(turn: &mut Turn<'_>, profile: ProfileId) -> Result<(), StoreError> {
    let mine = turn.store().profiles_of(turn.account()).await?;
    if !mine.iter().any(|p| p.id == profile) {
        turn.say("profile-not-yours", &[]);
        return Ok(());
    }
    turn.state.mode = Mode::Contract(Box::new(ContractForm {
        profile,
        booking: None,
        ask: ContractAsk::Page,
        single: false,
    }));
    page(turn, profile).await
}

/// The fields of the details page for a profile of `kind`.
fn page_fields(kind: ProfileKind) -> Vec<MissingField> {
    MissingField::ALL
        .into_iter()
        .filter(|f| match f {
            MissingField::Legal(_) => true,
            MissingField::Lineup | MissingField::TechnicalNeeds => kind == ProfileKind::Artist,
            MissingField::StageNotes => kind == ProfileKind::Venue,
            _ => false,
        })
        .collect()
}

async fn page(turn: &mut Turn<'_>, id: ProfileId) -> Result<(), StoreError> {
    let profile = turn.store().profile(id).await?;
    let legal = turn.store().legal_identity(id).await?;
    let sheet = turn.store().artist_sheet(id).await?;
    let lang = turn.lang;
    let lines: Vec<Vec<Span>> = page_fields(profile.kind())
        .into_iter()
        .map(|f| {
            let value = detail_value(lang, f, &profile, &legal, &sheet)
                .unwrap_or_else(|| turn.t("cd-missing"));
            vec![
                Span::Bold(format!("{}: ", turn.t(&format!("cd-{}", f.code())))),
                Span::Plain(value),
            ]
        })
        .collect();
    let buttons = page_fields(profile.kind())
        .into_iter()
        .map(|f| turn.button_text(turn.t(&format!("cd-{}", f.code())), &Action::EditDetail(f)))
        .collect();
    let r = turn
        .msg("cd-page", &[("name", profile.details.name().to_string())])
        .list(lines)
        .grid(buttons, 2)
        .row(vec![turn.button("btn-profile", &Action::Command("profile"))]);
    turn.push(r);
    Ok(())
}

fn detail_value(
    lang: Lang,
    field: MissingField,
    profile: &Profile,
    legal: &LegalIdentity,
    sheet: &crate::domain::terms::ArtistSheet,
) -> Option<String> {
    let t = |key: &str| tr(lang, key, &[]);
    match field {
        MissingField::Legal(LegalField::LegalName) => legal.legal_name().map(ToString::to_string),
        MissingField::Legal(LegalField::LegalForm) => {
            legal.form().map(|f| crate::booking::form_label(f, lang))
        }
        MissingField::Legal(LegalField::HeadOffice) => legal.head_office().map(ToString::to_string),
        MissingField::Legal(LegalField::Siret) => legal.siret().map(ToString::to_string),
        MissingField::Legal(LegalField::Ape) => legal.ape().map(|a| a.as_str().to_owned()),
        MissingField::Legal(LegalField::Vat) => legal.vat().map(|v| match v {
            VatStatus::Registered(n) => n.as_str().to_owned(),
            VatStatus::NotRegistered => t("cc-vat-none"),
        }),
        MissingField::Legal(LegalField::Licence) => legal.licensing().map(|l| match l {
            Licensing::OccasionalExempt => t("cc-licence-exempt"),
            Licensing::Licensed(list) => list
                .iter()
                .map(|l| format!("{} ({})", l.number.as_str(), l.category.number()))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        MissingField::Legal(LegalField::Signatory) => {
            legal.signatory().map(|s| format!("{}, {}", s.name, s.role))
        }
        MissingField::Lineup => sheet.lineup.map(|l| format!("{} + {}", l.performers(), l.crew())),
        MissingField::TechnicalNeeds => sheet.technical_needs.as_ref().map(ToString::to_string),
        MissingField::StageNotes => match &profile.details {
            ProfileDetails::Venue(v) => v.stage_notes.as_ref().map(ToString::to_string),
            ProfileDetails::Artist(_) => None,
        },
        _ => None,
    }
}

/// A button pressed while contract details are asked.
pub(crate) async fn action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    let Some(mut f) = form(turn) else { return Ok(()) };
    match (&f.ask, action) {
        (ContractAsk::Page, Action::EditDetail(field)) => {
            f.ask = ContractAsk::Field { field };
            f.single = true;
            turn.state.mode = Mode::Contract(Box::new(f));
            ask(turn).await
        }
        (ContractAsk::Field { field: MissingField::Drinks }, Action::Yes) => {
            text(turn, &turn.t("btn-yes")).await
        }
        (ContractAsk::Field { field: MissingField::Drinks }, Action::No) => {
            text(turn, &turn.t("btn-no")).await
        }
        _ => {
            turn.say("stale-button", &[]);
            ask(turn).await
        }
    }
}

/// What an answer changed: the next question of the same detail, or the detail is complete.
enum Answered {
    Next(ContractAsk),
    Done,
}

/// A typed answer to the question waiting.
pub(crate) async fn text(turn: &mut Turn<'_>, input: &str) -> Result<(), StoreError> {
    let Some(f) = form(turn) else { return Ok(()) };
    if f.ask == ContractAsk::Page {
        turn.say("cd-use-buttons", &[]);
        return page(turn, f.profile).await;
    }
    if input.len() > 4_000 {
        turn.warn(message(turn.lang, &Bad::Text(TextError::TooLong { max: 2_000 })));
        return ask(turn).await;
    }
    match answer(turn, &f, input.trim()).await? {
        Err(bad) => {
            turn.warn(message(turn.lang, &bad));
            ask(turn).await
        }
        Ok(Answered::Next(next)) => {
            turn.state.mode = Mode::Contract(Box::new(ContractForm { ask: next, ..f }));
            ask(turn).await
        }
        Ok(Answered::Done) => {
            turn.say("contract-saved", &[]);
            next_missing(turn, f).await
        }
    }
}

/// After a detail is complete: the page again (one detail changed), the next missing detail,
/// or the end of the questions.
async fn next_missing(turn: &mut Turn<'_>, f: ContractForm) -> Result<(), StoreError> {
    if f.single {
        turn.state.mode =
            Mode::Contract(Box::new(ContractForm { ask: ContractAsk::Page, single: false, ..f }));
        return page(turn, f.profile).await;
    }
    let Some(booking) = f.booking else {
        turn.state.mode = Mode::Idle;
        return Ok(());
    };
    let Some((side, _)) = my_side(turn, booking).await? else { return Ok(()) };
    let readiness = match turn.bookings().contract_readiness(booking).await {
        Ok(r) => r,
        Err(e) => {
            let text = errors::booking(turn.lang, &e);
            turn.warn(text);
            return Ok(());
        }
    };
    match readiness.side(side) {
        crate::booking::ContractReadiness::Missing(missing) => {
            let field = missing.first().copied().unwrap_or(MissingField::Drinks);
            turn.state.mode =
                Mode::Contract(Box::new(ContractForm { ask: ContractAsk::Field { field }, ..f }));
            ask(turn).await
        }
        crate::booking::ContractReadiness::Ready => progress(turn, booking).await,
    }
}

/// Parses and stores one answer.
async fn answer(
    turn: &mut Turn<'_>,
    f: &ContractForm,
    input: &str,
) -> Result<Result<Answered, Bad>, StoreError> {
    let store = turn.store().clone();
    let today = turn.ctx.today();
    let ask = f.ask.clone();
    // The people on the road, for costs given without a count.
    let people = async |turn: &Turn<'_>| -> Result<Option<u16>, StoreError> {
        let Some(b) = f.booking else { return Ok(None) };
        let artist = turn.store().booking(b).await?.artist;
        Ok(turn.store().artist_sheet(artist).await?.lineup.map(Lineup::people))
    };
    let field = match ask {
        ContractAsk::Page => return Ok(Err(Bad::Choose)),
        ContractAsk::Field { field } => field,
        ContractAsk::Cost { mut done } => {
            let cost = match parse_cost(input, people(turn).await?) {
                Ok(c) => c,
                Err(bad) => return Ok(Err(bad)),
            };
            done.push(cost);
            if let [travel, lodging, meals] = done.as_slice() {
                let costs = Costs { travel: *travel, lodging: *lodging, meals: *meals };
                return terms(turn, f, |t| t.costs = Some(costs)).await;
            }
            return Ok(Ok(Answered::Next(ContractAsk::Cost { done })));
        }
        ContractAsk::DepositDue { amount } => {
            return Ok(parse_date(input, today).map(|due| {
                Answered::Next(ContractAsk::BalanceDue { deposit: Some((amount, due)) })
            }));
        }
        ContractAsk::BalanceDue { deposit } => {
            return Ok(parse_date(input, today)
                .map(|balance_due| Answered::Next(ContractAsk::Method { deposit, balance_due })));
        }
        ContractAsk::Method { deposit, balance_due } => {
            let method = match parse_method(input) {
                Ok(m) => m,
                Err(bad) => return Ok(Err(bad)),
            };
            let payment = Payment {
                deposit: deposit.map(|(amount_ht, due)| Deposit { amount_ht, due, method }),
                balance_due,
                balance_method: method,
            };
            return terms(turn, f, |t| t.payment = Some(payment)).await;
        }
        ContractAsk::ReducedPrice { full } => {
            if says_none(&key(input)) {
                return Ok(Ok(Answered::Next(ContractAsk::GuestList { full, reduced: None })));
            }
            return Ok(parse_amount(input)
                .map(|r| Answered::Next(ContractAsk::GuestList { full, reduced: Some(r) })));
        }
        ContractAsk::GuestList { full, reduced } => {
            let guests = match numbers(input).as_slice() {
                [n] => match u16::try_from(*n) {
                    Ok(n) if n <= 1_000 => n,
                    _ => return Ok(Err(Bad::People)),
                },
                _ if says_none(&key(input)) => 0,
                _ => return Ok(Err(Bad::People)),
            };
            let tickets =
                TicketTerms { full_price: full, reduced_price: reduced, guest_list: guests };
            return terms(turn, f, |t| t.tickets = Some(tickets)).await;
        }
    };
    if let MissingField::Legal(part) = field {
        let mut identity = store.legal_identity(f.profile).await?;
        if let Err(bad) = set_legal(&mut identity, part, input) {
            return Ok(Err(bad));
        }
        store.save_legal_identity(f.profile, &identity).await?;
        return Ok(Ok(Answered::Done));
    }
    match field {
        MissingField::Legal(_) => Ok(Ok(Answered::Done)),
        MissingField::Lineup => match parse_lineup(input) {
            Ok(l) => {
                store.save_lineup(f.profile, l).await?;
                Ok(Ok(Answered::Done))
            }
            Err(bad) => Ok(Err(bad)),
        },
        MissingField::TechnicalNeeds => match LongText::parse(input) {
            Ok(t) => {
                store.save_technical_needs(f.profile, Some(&t)).await?;
                Ok(Ok(Answered::Done))
            }
            Err(e) => Ok(Err(Bad::Text(e))),
        },
        MissingField::StageNotes => match LongText::parse(input) {
            Ok(t) => {
                let profile = store.profile(f.profile).await?;
                let mut details = profile.details.clone();
                if let ProfileDetails::Venue(v) = &mut details {
                    v.stage_notes = Some(t);
                }
                store.update_profile(f.profile, &details, &profile.dates).await?;
                Ok(Ok(Answered::Done))
            }
            Err(e) => Ok(Err(Bad::Text(e))),
        },
        MissingField::Meal => match parse_time(input) {
            Ok(at) => terms(turn, f, |t| t.meal = Some(at)).await,
            Err(bad) => Ok(Err(bad)),
        },
        MissingField::Curfew => match parse_time(input) {
            Ok(at) => terms(turn, f, |t| t.curfew = Some(at)).await,
            Err(bad) => Ok(Err(bad)),
        },
        MissingField::Costs => match parse_cost(input, people(turn).await?) {
            Ok(travel) => Ok(Ok(Answered::Next(ContractAsk::Cost { done: vec![travel] }))),
            Err(bad) => Ok(Err(bad)),
        },
        MissingField::Payment => {
            if says_none(&key(input)) {
                return Ok(Ok(Answered::Next(ContractAsk::BalanceDue { deposit: None })));
            }
            Ok(parse_amount(input).map(|amount| Answered::Next(ContractAsk::DepositDue { amount })))
        }
        MissingField::Tickets => {
            let k = key(input);
            if k.contains("gratuit") || k.contains("libre") || k.contains("free") {
                let tickets =
                    TicketTerms { full_price: Cents::ZERO, reduced_price: None, guest_list: 0 };
                return terms(turn, f, |t| t.tickets = Some(tickets)).await;
            }
            Ok(parse_amount(input).map(|full| Answered::Next(ContractAsk::ReducedPrice { full })))
        }
        MissingField::Drinks => match yes_no(input) {
            Some(served) => terms(turn, f, |t| t.drinks_served = Some(served)).await,
            None => Ok(Err(Bad::Choose)),
        },
    }
}

/// Sets one part of a legal identity from its answer.
fn set_legal(id: &mut LegalIdentity, part: LegalField, input: &str) -> Result<(), Bad> {
    match part {
        LegalField::LegalName => id.set_legal_name(Text::parse(input).map_err(Bad::Text)?),
        LegalField::LegalForm => id.set_form(LegalForm::parse(input).map_err(Bad::Text)?),
        LegalField::HeadOffice => id.set_head_office(Text::parse(input).map_err(Bad::Text)?),
        LegalField::Siret => {
            id.set_siret(Siret::parse(input).map_err(Bad::Siret)?).map_err(Bad::Legal)?;
        }
        LegalField::Ape => id.set_ape(ApeCode::parse(input).map_err(|_| Bad::Ape)?),
        LegalField::Vat => id.set_vat(parse_vat(input)?).map_err(Bad::Legal)?,
        LegalField::Licence => id.set_licensing(parse_licensing(input)?),
        LegalField::Signatory => id.set_signatory(parse_signatory(input)?),
    }
    Ok(())
}

/// Changes the booking's contract-only terms.
async fn terms(
    turn: &Turn<'_>,
    f: &ContractForm,
    change: impl FnOnce(&mut ContractTerms),
) -> Result<Result<Answered, Bad>, StoreError> {
    let Some(booking) = f.booking else { return Ok(Err(Bad::Choose)) };
    let b = turn.store().booking(booking).await?;
    let mut t = turn.store().proposal(b.proposal).await?.contract_terms;
    change(&mut t);
    match turn.bookings().set_contract_terms(turn.account(), booking, &t).await {
        Ok(_) => Ok(Ok(Answered::Done)),
        Err(e) => Err(errors::flow_to_store(e)),
    }
}

/// A document sent in chat: a signed copy of a contract the sender is party to, recorded on the
/// booking (the most recent booking of theirs whose contract was issued and is not yet signed by
/// their side, or the one named in the file name).
pub(crate) async fn document(
    turn: &mut Turn<'_>,
    file_name: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    if !bytes.starts_with(b"%PDF") {
        turn.say("signed-not-pdf", &[]);
        return Ok(());
    }
    let mut candidates = Vec::new();
    for p in turn.store().profiles_of(turn.account()).await? {
        for b in turn.store().bookings_of_profile(p.id).await? {
            if b.contract_sha256.is_some() {
                let side = if b.artist == p.id { ProfileKind::Artist } else { ProfileKind::Venue };
                candidates.push((b, side));
            }
        }
    }
    // A file name carrying the booking's reference ("contrat-FS-2026-000123.pdf") names it.
    let named =
        candidates.iter().find(|(b, _)| file_name.contains(&format!("{:06}", b.id.0))).cloned();
    let unsigned = |(b, side): &(crate::domain::proposal::Booking, ProfileKind)| {
        b.signed_copy(*side).is_none()
    };
    let chosen = named
        .or_else(|| candidates.iter().filter(|c| unsigned(c)).max_by_key(|(b, _)| b.id.0).cloned());
    let Some((booking, side)) = chosen else {
        turn.say("signed-no-booking", &[]);
        return Ok(());
    };
    let sha256 = hex::encode(Sha256::digest(bytes));
    match turn.bookings().record_signed_copy(booking.id, side, &sha256, turn.ctx.now).await {
        Ok(b) if b.signed_by_both() => {
            turn.say("signed-by-both", &[("booking", b.id.to_string())]);
        }
        Ok(b) => turn.say("signed-recorded", &[("booking", b.id.to_string())]),
        Err(e) => {
            let text = errors::booking(turn.lang, &e);
            turn.warn(text);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("19h"), Ok(t(19, 0)));
        assert_eq!(parse_time("19h30"), Ok(t(19, 30)));
        assert_eq!(parse_time("23:45"), Ok(t(23, 45)));
        assert_eq!(parse_time("25h"), Err(Bad::Time));
        assert_eq!(parse_time("soir"), Err(Bad::Time));
    }

    #[test]
    fn lineups() {
        assert_eq!(parse_lineup("3"), Ok(Lineup::new(3, 0).unwrap()));
        assert_eq!(parse_lineup("4 musiciens et 1 technicien"), Ok(Lineup::new(4, 1).unwrap()));
        assert_eq!(parse_lineup("0 + 2"), Err(Bad::Lineup));
        assert_eq!(parse_lineup("beaucoup"), Err(Bad::Lineup));
    }

    #[test]
    fn costs() {
        assert_eq!(parse_cost("Inclus", None), Ok(Cost::Included));
        assert_eq!(parse_cost("fourni pour 5", None), Ok(Cost::Provided { people: 5 }));
        assert_eq!(parse_cost("Provided", Some(4)), Ok(Cost::Provided { people: 4 }));
        assert_eq!(
            parse_cost("300 € pour 4", None),
            Ok(Cost::Paid { amount_ht: Cents::new(30_000).unwrap(), people: 4 })
        );
        assert_eq!(parse_cost("300", None), Err(Bad::People));
        assert_eq!(parse_amount("350,50 € HT"), Ok(Cents::new(35_050).unwrap()));
        assert_eq!(parse_amount("12 euros TTC"), Ok(Cents::new(1_200).unwrap()));
        assert!(matches!(parse_cost("beaucoup pour 3", None), Err(Bad::Amount(_))));
    }

    #[test]
    fn licences_and_the_exemption_in_words() {
        assert_eq!(
            parse_licensing("Exonéré (moins de 6 spectacles par an)"),
            Ok(Licensing::OccasionalExempt)
        );
        assert_eq!(parse_licensing("exempt"), Ok(Licensing::OccasionalExempt));
        let Ok(Licensing::Licensed(l)) = parse_licensing("2 PLATESV-D-2024-000871 ; 3 L-R-19-1172")
        else {
            panic!("two licences")
        };
        assert_eq!(l.len(), 2);
        assert!(matches!(parse_licensing("2-1051234"), Ok(Licensing::Licensed(_))));
        assert_eq!(
            parse_licensing("PLATESV-D-2024-000871"),
            Err(Bad::Licensing(LicensingError::Category))
        );
        assert_eq!(parse_licensing("2 n'importe quoi"), Err(Bad::LicenceNumber));
        assert_eq!(
            parse_licensing("1 2-1051234"),
            Err(Bad::Licensing(LicensingError::CategoryMismatch { written: 2, given: 1 }))
        );
    }

    #[test]
    fn vat_signatory_and_methods() {
        assert_eq!(parse_vat("Non assujetti à la TVA"), Ok(VatStatus::NotRegistered));
        assert!(matches!(parse_vat("FR44732829320"), Ok(VatStatus::Registered(_))));
        assert_eq!(parse_vat("FR45732829320"), Err(Bad::Vat(VatError::FrenchKey)));
        assert!(parse_signatory("Jeanne Martin, gérante").is_ok());
        assert_eq!(parse_signatory("Jeanne Martin"), Err(Bad::Signatory));
        assert_eq!(parse_method("Par virement"), Ok(PaymentMethod::BankTransfer));
        assert_eq!(parse_method("chèque"), Ok(PaymentMethod::Cheque));
        assert_eq!(parse_method("demain"), Err(Bad::Method));
    }
}
