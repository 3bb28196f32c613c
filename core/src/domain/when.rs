//! Dates and deadlines as a person reads them: in their language and their time zone. Stored
//! times are UTC; "before 2026-12-04 17:00 UTC" is what nobody should have to convert, so every
//! moment shown to someone goes through here ("avant le vendredi 4 décembre à 18 h").
//!
//! The weekday and month names are locale data, like a calendar's, not sentences: they live here
//! so that the domain (and the calendar feed) can write a date without the conversation's
//! translation files. Sentences that embed these dates stay in `core/locales`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::Lang;

/// The zone of an account that never chose one: the product starts in France.
pub const DEFAULT_ZONE: Tz = Tz::Europe__Paris;

/// A time zone named the IANA way ("Europe/Paris", "America/Montreal"); parsed once, so a
/// stored or typed name that is not a zone never reaches a formatter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone(Tz);

/// Why a time-zone name was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time zone name such as Europe/Paris")]
pub struct ZoneError(pub String);

impl Zone {
    /// Accepts an IANA name, as the zone database spells it.
    pub fn parse(name: &str) -> Result<Self, ZoneError> {
        let name = name.trim();
        Tz::from_str(name).map(Zone).map_err(|_| ZoneError(name.chars().take(64).collect()))
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    #[must_use]
    pub fn tz(self) -> Tz {
        self.0
    }

    /// The wall-clock time of `at` in this zone.
    #[must_use]
    pub fn local(self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.0)
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone(DEFAULT_ZONE)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name).map_err(serde::de::Error::custom)
    }
}

fn weekday(lang: Lang, d: Weekday) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match lang {
        Lang::Fr => ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][i],
        Lang::En => {
            ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][i]
        }
    }
}

fn month(lang: Lang, m: u32) -> &'static str {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let i = (m.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::Fr => FR[i],
        Lang::En => EN[i],
    }
}

/// "vendredi 4 décembre" / "Friday 4 December" (French writes the 1st "1er").
#[must_use]
pub fn day_month(lang: Lang, d: NaiveDate) -> String {
    let n = match (lang, d.day()) {
        (Lang::Fr, 1) => "1er".to_owned(),
        (_, n) => n.to_string(),
    };
    format!("{} {n} {}", weekday(lang, d.weekday()), month(lang, d.month()))
}

/// A date on its own: "vendredi 4 décembre 2026" / "Friday 4 December 2026".
#[must_use]
pub fn date(lang: Lang, d: NaiveDate) -> String {
    format!("{} {}", day_month(lang, d), d.year())
}

/// A time of day: "18 h", "18 h 30" / "6 pm", "6:30 pm" (midnight "0 h" / "12 am").
#[must_use]
pub fn time(lang: Lang, t: NaiveTime) -> String {
    let (h, m) = (t.hour(), t.minute());
    match lang {
        Lang::Fr if m == 0 => format!("{h} h"),
        Lang::Fr => format!("{h} h {m:02}"),
        Lang::En => {
            let (h12, half) = match h {
                0 => (12, "am"),
                1..=11 => (h, "am"),
                12 => (12, "pm"),
                _ => (h - 12, "pm"),
            };
            if m == 0 { format!("{h12} {half}") } else { format!("{h12}:{m:02} {half}") }
        }
    }
}

/// A moment in `zone`: "vendredi 4 décembre à 18 h" / "Friday 4 December, 6 pm".
#[must_use]
pub fn moment(lang: Lang, zone: Zone, at: DateTime<Utc>) -> String {
    let local = zone.local(at);
    let (d, t) = (local.date_naive(), local.time());
    match lang {
        Lang::Fr => format!("{} à {}", day_month(lang, d), time(lang, t)),
        Lang::En => format!("{}, {}", day_month(lang, d), time(lang, t)),
    }
}

/// A deadline in `zone`: "avant le vendredi 4 décembre à 18 h" / "before Friday 4 December, 6 pm".
#[must_use]
pub fn deadline(lang: Lang, zone: Zone, at: DateTime<Utc>) -> String {
    match lang {
        Lang::Fr => format!("avant le {}", moment(lang, zone, at)),
        Lang::En => format!("before {}", moment(lang, zone, at)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn zones_parse_from_iana_names_only() {
        assert_eq!(Zone::parse("Europe/Paris").unwrap(), Zone::default());
        assert_eq!(Zone::parse(" Europe/Paris ").unwrap().name(), "Europe/Paris");
        assert_eq!(Zone::parse("America/Montreal").unwrap().name(), "America/Montreal");
        for bad in ["", "Paris", "UTC+1", "Europe/Atlantis"] {
            assert!(Zone::parse(bad).is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&Zone::default()).unwrap();
        assert_eq!(json, "\"Europe/Paris\"");
        assert_eq!(serde_json::from_str::<Zone>(&json).unwrap(), Zone::default());
        assert!(serde_json::from_str::<Zone>("\"Nowhere/Else\"").is_err());
    }

    /// (UTC moment, zone, French, English): winter (UTC+1) and summer (UTC+2) in Paris, and
    /// another zone, through the deadline form.
    #[test]
    fn deadlines_read_in_the_recipients_language_and_zone() {
        let paris = Zone::default();
        let montreal = Zone::parse("America/Montreal").unwrap();
        let table = [
            (
                utc(2026, 12, 4, 17, 0),
                paris,
                "avant le vendredi 4 décembre à 18 h",
                "before Friday 4 December, 6 pm",
            ),
            (
                utc(2026, 12, 4, 17, 30),
                paris,
                "avant le vendredi 4 décembre à 18 h 30",
                "before Friday 4 December, 6:30 pm",
            ),
            (
                utc(2026, 7, 3, 16, 0),
                paris,
                "avant le vendredi 3 juillet à 18 h",
                "before Friday 3 July, 6 pm",
            ),
            (
                utc(2026, 6, 30, 22, 5),
                paris,
                "avant le mercredi 1er juillet à 0 h 05",
                "before Wednesday 1 July, 12:05 am",
            ),
            (
                utc(2026, 3, 29, 10, 0),
                paris,
                "avant le dimanche 29 mars à 12 h",
                "before Sunday 29 March, 12 pm",
            ),
            (
                utc(2026, 12, 4, 17, 0),
                montreal,
                "avant le vendredi 4 décembre à 12 h",
                "before Friday 4 December, 12 pm",
            ),
        ];
        for (at, zone, fr, en) in table {
            assert_eq!(deadline(Lang::Fr, zone, at), fr, "{at} in {zone}");
            assert_eq!(deadline(Lang::En, zone, at), en, "{at} in {zone}");
        }
        // The last Sunday of March: 00:59 UTC is 01:59 in winter time, 01:00 UTC is 03:00.
        assert_eq!(moment(Lang::Fr, paris, utc(2026, 3, 29, 0, 59)), "dimanche 29 mars à 1 h 59");
        assert_eq!(moment(Lang::Fr, paris, utc(2026, 3, 29, 1, 0)), "dimanche 29 mars à 3 h");
        assert_eq!(moment(Lang::En, paris, utc(2026, 10, 25, 1, 30)), "Sunday 25 October, 2:30 am");
    }

    #[test]
    fn dates_alone_carry_the_year() {
        let table = [
            ((2026, 12, 4), "vendredi 4 décembre 2026", "Friday 4 December 2026"),
            ((2027, 1, 1), "vendredi 1er janvier 2027", "Friday 1 January 2027"),
            ((2026, 8, 15), "samedi 15 août 2026", "Saturday 15 August 2026"),
        ];
        for ((y, m, d), fr, en) in table {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(date(Lang::Fr, day), fr);
            assert_eq!(date(Lang::En, day), en);
        }
    }

    #[test]
    fn times_of_day() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let table = [
            (t(0, 0), "0 h", "12 am"),
            (t(9, 5), "9 h 05", "9:05 am"),
            (t(12, 0), "12 h", "12 pm"),
            (t(18, 30), "18 h 30", "6:30 pm"),
            (t(23, 0), "23 h", "11 pm"),
        ];
        for (time_of_day, fr, en) in table {
            assert_eq!(time(Lang::Fr, time_of_day), fr);
            assert_eq!(time(Lang::En, time_of_day), en);
        }
    }
}
