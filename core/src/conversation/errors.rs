//! Every typed error of the domain, told to a person in their language: what is wrong and how
//! to write it, with an example (docs/product-rules.md §2).

use super::i18n::tr;
use crate::booking::BookingFlowError;
use crate::domain::Lang;
use crate::domain::genre::GenreError;
use crate::domain::places::CityError;
use crate::domain::values::{
    AudienceError, BudgetError, CapacityError, DateError, EmailError, FeeError, LicenceError,
    LinksError, RadiusError, TextError,
};
use crate::notify::CloseReason;

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Fee(FeeError),
    Capacity(CapacityError),
    Budget(BudgetError),
    Audience(AudienceError),
    Radius(RadiusError),
    Email(EmailError),
    Licence(LicenceError),
    Text(TextError),
    Links(LinksError),
    Dates(DateError),
    Genres(GenreError),
    City(CityError),
    /// The question wants a button, or yes/no.
    Choose,
    /// A number of minutes was expected.
    Minutes,
    /// Times like 18:00 were expected.
    Times,
    /// A percentage between 1 and 100 was expected.
    Percent,
    /// A number 0–100 was expected.
    Threshold,
    /// That date is not free on both sides.
    DayNotCommon,
    /// A time zone name such as Europe/Paris was expected.
    Zone,
}

/// A date as the person's language types it, so that an example can be typed back as shown.
/// Written field by field: chrono's `format` reads its pattern again on every call, and the
/// wizard's examples (three dates on every question asked again) made that a twentieth of a
/// step's CPU. A year outside 0–9999 is written by chrono, as before.
pub(crate) fn d(date: chrono::NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    let (year, month, day) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&year) {
        return match lang {
            Lang::Fr => date.format("%d/%m/%Y").to_string(),
            Lang::En => date.format("%Y-%m-%d").to_string(),
        };
    }
    match lang {
        Lang::Fr => format!("{day:02}/{month:02}/{year:04}"),
        Lang::En => format!("{year:04}-{month:02}-{day:02}"),
    }
}

/// The sentence for a problem.
#[must_use]
pub fn message(lang: Lang, problem: &Problem) -> String {
    let t = |key: &str| tr(lang, key, &[]);
    let with = |key: &str, name: &'static str, v: String| tr(lang, key, &[(name, v)]);
    match problem {
        Problem::Fee(e) => fee(lang, e),
        Problem::Capacity(e) => capacity(lang, e),
        Problem::Budget(e) => match e {
            BudgetError::Format => t("err-budget-format"),
            BudgetError::Bound(f) => format!("{} {}", t("err-budget-bound"), fee(lang, f)),
            BudgetError::MinAboveMax { min, max } => tr(
                lang,
                "err-budget-inverted",
                &[("min", min.to_string()), ("max", max.to_string())],
            ),
        },
        Problem::Audience(e) => match e {
            AudienceError::Format => t("err-audience-format"),
            AudienceError::Bound(c) => format!("{} {}", t("err-audience-bound"), capacity(lang, c)),
            AudienceError::MinAboveMax { min, max } => tr(
                lang,
                "err-audience-inverted",
                &[("min", min.to_string()), ("max", max.to_string())],
            ),
        },
        Problem::Radius(e) => match e {
            RadiusError::NotANumber => t("err-radius-number"),
            RadiusError::OutOfRange { max } => with("err-radius-range", "max", max.to_string()),
        },
        Problem::Email(e) => match e {
            EmailError::Malformed => t("err-email-invalid"),
            EmailError::TooLong => t("err-email-long"),
        },
        Problem::Licence(_) => t("err-licence"),
        Problem::Text(e) => match e {
            TextError::Empty => t("err-text-empty"),
            TextError::TooLong { max } => with("err-text-long", "max", max.to_string()),
        },
        Problem::Links(e) => match e {
            LinksError::TooMany { max } => with("err-links-many", "max", max.to_string()),
            LinksError::NotALink(w) => with("err-links-bad", "link", w.clone()),
        },
        Problem::Dates(e) => match e {
            DateError::Format => t("err-dates-format"),
            DateError::Past { date, example } => tr(
                lang,
                "err-dates-past",
                &[("date", d(*date, lang)), ("example", d(*example, lang))],
            ),
            DateError::Impossible(x) => with("err-dates-impossible", "date", x.clone()),
            DateError::TooFar(x) => with("err-dates-far", "date", d(*x, lang)),
            DateError::BackwardsRange(a, b) => {
                tr(lang, "err-dates-backwards", &[("from", d(*a, lang)), ("to", d(*b, lang))])
            }
            DateError::TooMany { max } => with("err-dates-many", "max", max.to_string()),
        },
        Problem::Genres(e) => match e {
            GenreError::Empty => t("err-genres-empty"),
            GenreError::TooMany { max } => with("err-genres-many", "max", max.to_string()),
            GenreError::TooLong { max } => with("err-genres-long", "max", max.to_string()),
            GenreError::Unknown(g) => with("err-genres-unknown", "genre", g.clone()),
        },
        Problem::City(e) => city(lang, e),
        Problem::Choose => t("err-choose"),
        Problem::Minutes => t("err-minutes"),
        Problem::Times => t("err-times"),
        Problem::Percent => t("err-percent"),
        Problem::Threshold => t("err-threshold"),
        Problem::Zone => t("err-zone"),
        Problem::DayNotCommon => t("err-day-not-common"),
    }
}

fn fee(lang: Lang, e: &FeeError) -> String {
    match e {
        FeeError::NotANumber => tr(lang, "err-fee-number", &[]),
        FeeError::NotWhole => tr(lang, "err-fee-whole", &[]),
        FeeError::Negative => tr(lang, "err-fee-negative", &[]),
        FeeError::TooLarge { max } => tr(lang, "err-fee-large", &[("max", max.to_string())]),
    }
}

fn capacity(lang: Lang, e: &CapacityError) -> String {
    match e {
        CapacityError::NotANumber => tr(lang, "err-capacity-number", &[]),
        CapacityError::TooSmall => tr(lang, "err-capacity-zero", &[]),
        CapacityError::TooLarge { max } => {
            tr(lang, "err-capacity-large", &[("max", max.to_string())])
        }
    }
}

fn city(lang: Lang, e: &CityError) -> String {
    match e {
        CityError::Unknown { input, suggestions } if !suggestions.is_empty() => tr(
            lang,
            "err-city-suggest",
            &[("city", input.clone()), ("suggestions", suggestions.join(", "))],
        ),
        CityError::Unknown { input, .. } => {
            tr(lang, "err-city-unknown", &[("city", input.clone())])
        }
        CityError::Empty => tr(lang, "err-city-empty", &[]),
        CityError::TooLong { max } => tr(lang, "err-city-long", &[("max", max.to_string())]),
        CityError::InvalidCoordinates => tr(lang, "err-city-coordinates", &[]),
        CityError::TooFarFromKnownPlace => tr(lang, "err-city-far", &[]),
    }
}

/// The sentence for a refused proposal action.
#[must_use]
pub fn booking(lang: Lang, e: &BookingFlowError) -> String {
    let t = |key: &str| tr(lang, key, &[]);
    match e {
        BookingFlowError::NotYourProposal => t("err-bk-not-yours"),
        BookingFlowError::NotYourProfile => t("err-bk-not-your-profile"),
        BookingFlowError::NotYourBooking => t("err-bk-not-your-booking"),
        BookingFlowError::AlreadyAnswered(s) => {
            tr(lang, "err-bk-answered", &[("status", super::show::proposal_status(lang, *s))])
        }
        BookingFlowError::QuotaReached { limit } => {
            tr(lang, "err-bk-quota", &[("limit", limit.to_string())])
        }
        BookingFlowError::SameProfile => t("err-bk-same"),
        BookingFlowError::NeedsArtistAndVenue => t("err-bk-kinds"),
        BookingFlowError::ProfileNotApproved(_) => t("err-bk-not-approved"),
        BookingFlowError::NoLongerReachable => t("err-bk-unreachable"),
        BookingFlowError::DateInPast => t("err-bk-past"),
        BookingFlowError::DateNotFree => t("err-bk-date-not-free"),
        BookingFlowError::Closed(CloseReason::DateFull) => t("err-bk-closed-date-full"),
        BookingFlowError::Closed(CloseReason::ArtistBooked) => t("err-bk-closed-artist-booked"),
        BookingFlowError::Closed(CloseReason::ProfileGone) => t("err-bk-closed-profile-gone"),
        BookingFlowError::NotAParty => t("err-bk-not-a-party"),
        BookingFlowError::ArtistBusy => t("err-bk-artist-busy"),
        BookingFlowError::AlreadyProposed(id) => {
            tr(lang, "err-bk-already-proposed", &[("id", id.to_string())])
        }
        BookingFlowError::NotHeld => t("err-bk-not-held"),
        BookingFlowError::HoldNotFirst { rank } => {
            tr(lang, "err-bk-hold-not-first", &[("rank", rank.to_string())])
        }
        BookingFlowError::FirstCannotChallenge => t("err-bk-first-challenge"),
        BookingFlowError::AlreadyChallenged => t("err-bk-challenged"),
        BookingFlowError::EmptyMessage => t("err-bk-empty-message"),
        BookingFlowError::MessageTooLong { max } => {
            tr(lang, "err-bk-long-message", &[("max", max.to_string())])
        }
        BookingFlowError::ReasonNeeded => t("err-bk-reason"),
        BookingFlowError::BookingCancelled => t("err-bk-cancelled"),
        BookingFlowError::Contract(_) | BookingFlowError::Store(_) => t("err-internal"),
    }
}

/// Store failures inside the booking service stay store failures (logged, apologised for).
pub(crate) fn flow_to_store(e: BookingFlowError) -> crate::store::StoreError {
    use crate::store::StoreError;
    match e {
        BookingFlowError::Store(e) => e,
        other => StoreError::Corrupt { what: "proposal thread", detail: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    /// A date is written as chrono's patterns write it, padding included, in both languages.
    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        let days = [(1, 1, 1), (999, 2, 3), (2026, 12, 5), (2027, 9, 30), (9999, 12, 31)];
        for (y, m, day) in days {
            let date = NaiveDate::from_ymd_opt(y, m, day).unwrap();
            assert_eq!(d(date, Lang::Fr), date.format("%d/%m/%Y").to_string());
            assert_eq!(d(date, Lang::En), date.format("%Y-%m-%d").to_string());
        }
        let far = NaiveDate::from_ymd_opt(12_345, 6, 7).unwrap();
        assert_eq!(d(far, Lang::En), far.format("%Y-%m-%d").to_string());
    }

    /// Every variant of every domain error, told in both languages with an example.
    #[test]
    fn every_domain_error_names_the_problem_with_an_example() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let problems = vec![
            Problem::Fee(FeeError::NotANumber),
            Problem::Fee(FeeError::NotWhole),
            Problem::Fee(FeeError::Negative),
            Problem::Fee(FeeError::TooLarge { max: 1 }),
            Problem::Capacity(CapacityError::NotANumber),
            Problem::Capacity(CapacityError::TooSmall),
            Problem::Capacity(CapacityError::TooLarge { max: 1 }),
            Problem::Budget(BudgetError::Format),
            Problem::Budget(BudgetError::Bound(FeeError::Negative)),
            Problem::Budget(BudgetError::MinAboveMax { min: 2, max: 1 }),
            Problem::Audience(AudienceError::Format),
            Problem::Audience(AudienceError::Bound(CapacityError::TooSmall)),
            Problem::Audience(AudienceError::MinAboveMax { min: 2, max: 1 }),
            Problem::Radius(RadiusError::NotANumber),
            Problem::Radius(RadiusError::OutOfRange { max: 3000 }),
            Problem::Email(EmailError::Malformed),
            Problem::Email(EmailError::TooLong),
            Problem::Licence(LicenceError),
            Problem::Text(TextError::Empty),
            Problem::Text(TextError::TooLong { max: 100 }),
            Problem::Links(LinksError::TooMany { max: 5 }),
            Problem::Links(LinksError::NotALink("x".into())),
            Problem::Dates(DateError::Format),
            Problem::Dates(DateError::Past { date: d, example: d }),
            Problem::Dates(DateError::Impossible("30/02/2027".into())),
            Problem::Dates(DateError::TooFar(d)),
            Problem::Dates(DateError::BackwardsRange(d, d)),
            Problem::Dates(DateError::TooMany { max: 550 }),
            Problem::Genres(GenreError::Empty),
            Problem::Genres(GenreError::TooMany { max: 5 }),
            Problem::Genres(GenreError::TooLong { max: 500 }),
            Problem::Genres(GenreError::Unknown("x".into())),
            Problem::City(CityError::Empty),
            Problem::City(CityError::TooLong { max: 100 }),
            Problem::City(CityError::Unknown { input: "x".into(), suggestions: vec![] }),
            Problem::City(CityError::Unknown {
                input: "x".into(),
                suggestions: vec!["Lyon".into()],
            }),
            Problem::City(CityError::InvalidCoordinates),
            Problem::City(CityError::TooFarFromKnownPlace),
        ];
        for p in &problems {
            let fr = message(Lang::Fr, p);
            let en = message(Lang::En, p);
            assert!(!fr.contains('⟦') && !en.contains('⟦'), "{p:?}: {fr} / {en}");
            assert!(
                ["par exemple", "comme", "ressemble", "Lyon"].iter().any(|x| fr.contains(x)),
                "no example in French for {p:?}: {fr}"
            );
            assert!(
                ["e.g.", "like", "Lyon"].iter().any(|x| en.contains(x)),
                "no example in English for {p:?}: {en}"
            );
        }
    }
}
