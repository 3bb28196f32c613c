//! `GET /calendar/{token}.ics` (docs/product-rules.md §7): a profile's bookings, and its pending proposals and
//! holds as tentative events, as an RFC 5545 feed that Google Calendar and Apple Calendar
//! subscribe to. The secret token in the URL is the only key; renewing it
//! ([`Store::renew_calendar_token`]) makes the old link a 404.
//!
//! Shows are timed from doors (or the set) to curfew (or the set's end), in the venue's local
//! time, Europe/Paris, with its VTIMEZONE so every client applies the right daylight-saving
//! offset; a show with no time agreed yet is an all-day event. A cancelled booking stays in the
//! feed as `STATUS:CANCELLED` with the same UID and a higher SEQUENCE, which is what makes
//! subscribed calendars remove it.
//!
//! The feed is a pure function of the stored data (DTSTAMP is when the booking or proposal was
//! made or cancelled, never the clock), so polling clients see a stable feed and changes only
//! when data change.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use flowstage_core::booking::HoldStatus;
use flowstage_core::conversation::i18n::tr;
use flowstage_core::domain::Lang;
use flowstage_core::domain::profile::Profile;
use flowstage_core::domain::proposal::{BookingStatus, Deal, Proposal, ProposalStatus, Terms};
use flowstage_core::domain::when::{self, Zone};
use flowstage_core::store::{Store, StoreError};

use crate::AppState;

/// The zone shows are timed in: the venues are in France. Its VTIMEZONE is [`PARIS_VTIMEZONE`].
pub const SHOW_ZONE: &str = "Europe/Paris";

/// Europe/Paris as RFC 5545 rules (the EU's since 1996: summer time from the last Sunday of
/// March at 02:00 to the last Sunday of October at 03:00), for clients without a zone database.
const PARIS_VTIMEZONE: [&str; 16] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
];

/// When an event happens: local wall-clock times in [`SHOW_ZONE`], or a whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Timed { start: NaiveDateTime, end: NaiveDateTime },
    AllDay(NaiveDate),
}

impl When {
    /// Doors (or the set) to curfew (or the set's end); a curfew at or before the start is
    /// past midnight. With no time agreed, the whole day.
    #[must_use]
    pub fn of(terms: &Terms) -> Self {
        let t = terms.times;
        let Some(start) = t.doors.or(t.set_start) else { return When::AllDay(terms.day) };
        let set_end = t.set_start.unwrap_or(start);
        let end_time = t
            .curfew
            .unwrap_or_else(|| set_end + Duration::minutes(i64::from(terms.set_minutes.max(1))));
        let start = terms.day.and_time(start);
        let mut end = terms.day.and_time(end_time);
        if end <= start {
            end += Duration::days(1);
        }
        When::Timed { start, end }
    }

    fn day(self) -> NaiveDate {
        match self {
            When::Timed { start, .. } => start.date(),
            When::AllDay(day) => day,
        }
    }
}

/// What an event stands for, as RFC 5545 STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Confirmed,
    /// A pending proposal or a hold: shown, not blocking (TRANSP:TRANSPARENT).
    Tentative,
    /// A booking called off: subscribed calendars remove it.
    Cancelled,
}

/// One event in the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    pub uid: String,
    pub stamp: DateTime<Utc>,
    /// Raised by each change a client must apply over what it has (a cancellation).
    pub sequence: u32,
    pub when: When,
    pub summary: String,
    pub location: Option<String>,
    pub description: String,
    pub status: Status,
}

/// The handler: the segment is `{token}.ics`; anything else, or an unknown token, is a 404 that
/// says nothing about which tokens exist.
pub(crate) async fn feed(State(state): State<AppState>, Path(segment): Path<String>) -> Response {
    let Some(token) = segment.strip_suffix(".ics").filter(|t| !t.is_empty()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match events_of(&state.store, token).await {
        Ok(Some((name, events))) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            render(&name, &events),
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "calendar feed failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The events of the profile whose token this is, in its owner's language and zone.
async fn events_of(
    store: &Store,
    token: &str,
) -> Result<Option<(String, Vec<CalendarEvent>)>, StoreError> {
    let Some(profile) = store.profile_by_calendar_token(token).await? else { return Ok(None) };
    let owner = store.account(profile.owner).await?;
    let (lang, zone) = (owner.lang, owner.time_zone);
    let mut events = Vec::new();
    for (booking, cancelled_at) in store.bookings_for_calendar(profile.id).await? {
        let proposal = store.proposal(booking.proposal).await?;
        let (artist, venue) = names(store, &profile, &proposal).await?;
        let cancelled = booking.status == BookingStatus::Cancelled;
        let mut description = describe(lang, &proposal.terms, None);
        if cancelled {
            description.insert_str(0, cancelled_line(lang));
        }
        events.push(CalendarEvent {
            uid: format!("booking-{}@flowstage", booking.id),
            stamp: cancelled_at.filter(|_| cancelled).unwrap_or(booking.created_at),
            sequence: u32::from(cancelled),
            when: When::of(&proposal.terms),
            summary: format!("{artist} @ {venue}"),
            location: Some(venue_location(store, &proposal).await?),
            description,
            status: if cancelled { Status::Cancelled } else { Status::Confirmed },
        });
    }
    for proposal in store.proposals_of_profile(profile.id).await? {
        let hold = match proposal.status {
            ProposalStatus::Sent => None,
            ProposalStatus::Held => HoldStatus::of(
                proposal.id,
                &store.holds_on(proposal.venue, proposal.terms.day).await?,
            ),
            _ => continue,
        };
        let (artist, venue) = names(store, &profile, &proposal).await?;
        let prefix = match (lang, hold) {
            (_, Some(h)) => hold_label(lang, h.rank),
            (Lang::Fr, None) => "À confirmer".to_owned(),
            (Lang::En, None) => "Tentative".to_owned(),
        };
        let mut description = describe(lang, &proposal.terms, Some(proposal.status));
        if let Some(h) = hold {
            description.push('\n');
            description.push_str(&hold_lines(lang, zone, h));
        }
        events.push(CalendarEvent {
            uid: format!("proposal-{}@flowstage", proposal.id),
            stamp: proposal.created_at,
            sequence: 0,
            when: When::of(&proposal.terms),
            summary: format!("{prefix}{}{artist} @ {venue}", sep(lang)),
            location: Some(venue_location(store, &proposal).await?),
            description,
            status: Status::Tentative,
        });
    }
    events.sort_by(|a, b| (a.when.day(), &a.uid).cmp(&(b.when.day(), &b.uid)));
    Ok(Some((profile.details.name().as_str().to_owned(), events)))
}

/// "1st hold" / "1re option", "2nd hold" / "2e option".
fn hold_label(lang: Lang, rank: u32) -> String {
    match lang {
        Lang::Fr if rank == 1 => "1re option".to_owned(),
        Lang::Fr => format!("{rank}e option"),
        Lang::En => {
            let suffix = match (rank % 10, rank % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{rank}{suffix} hold")
        }
    }
}

/// The hold's rank, expiry and any running challenge, in the reader's language and zone.
fn hold_lines(lang: Lang, zone: Zone, h: HoldStatus) -> String {
    let label = hold_label(lang, h.rank);
    let until = when::moment(lang, zone, h.expires_at);
    let mut lines = vec![tr(lang, "cal-hold-until", &[("label", label), ("until", until)])];
    if let Some(c) = h.challenged {
        let by = when::deadline(lang, zone, c.deadline);
        lines.push(tr(lang, "cal-hold-challenged", &[("by", by)]));
    }
    if let Some(c) = h.challenging {
        let by = when::deadline(lang, zone, c.deadline);
        lines.push(tr(lang, "cal-hold-challenging", &[("by", by)]));
    }
    lines.join("\n")
}

fn cancelled_line(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "ANNULÉ\n",
        Lang::En => "CANCELLED\n",
    }
}

/// French puts a (no-break) space before a colon, English does not.
fn sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "\u{a0}: ",
        Lang::En => ": ",
    }
}

async fn names(store: &Store, me: &Profile, p: &Proposal) -> Result<(String, String), StoreError> {
    let name = |profile: &Profile| profile.details.name().as_str().to_owned();
    let other_id = if p.artist == me.id { p.venue } else { p.artist };
    let other = store.profile(other_id).await?;
    Ok(if p.artist == me.id { (name(me), name(&other)) } else { (name(&other), name(me)) })
}

async fn venue_location(store: &Store, p: &Proposal) -> Result<String, StoreError> {
    let venue = store.profile(p.venue).await?;
    let mut parts = vec![venue.details.name().as_str().to_owned()];
    if let flowstage_core::domain::profile::ProfileDetails::Venue(v) = &venue.details
        && let Some(address) = &v.address
    {
        parts.push(address.as_str().to_owned());
    }
    parts.push(venue.details.city().name().to_owned());
    Ok(parts.join(", "))
}

fn describe(lang: Lang, terms: &Terms, pending: Option<ProposalStatus>) -> String {
    let fee = ("fee", terms.fee.euros().to_string());
    let deal = match terms.deal {
        Deal::FlatFee => tr(lang, "cal-deal-flat", &[fee]),
        Deal::DoorDeal { percent_bp } => {
            tr(lang, "cal-deal-door", &[fee, ("percent", pct(percent_bp))])
        }
        Deal::GuaranteeVersus { percent_bp } => {
            tr(lang, "cal-deal-versus", &[fee, ("percent", pct(percent_bp))])
        }
        Deal::GuaranteePlus { percent_bp } => {
            tr(lang, "cal-deal-plus", &[fee, ("percent", pct(percent_bp))])
        }
    };
    let mut lines = vec![deal];
    let t = terms.times;
    let times = [
        (t.load_in, "cal-load-in"),
        (t.soundcheck, "cal-soundcheck"),
        (t.doors, "cal-doors"),
        (t.set_start, "cal-set"),
        (t.curfew, "cal-curfew"),
    ];
    for (time, key) in times {
        if let Some(time) = time {
            lines.push(tr(lang, key, &[("time", time.format("%H:%M").to_string())]));
        }
    }
    lines.push(tr(lang, "cal-set-length", &[("minutes", terms.set_minutes.to_string())]));
    if let Some(status) = pending {
        let key = if status == ProposalStatus::Held { "cal-held" } else { "cal-pending" };
        lines.push(tr(lang, key, &[]));
    }
    lines.join("\n")
}

/// Basis points as a percentage: 7000 → "70", 7050 → "70.5".
fn pct(bp: u16) -> String {
    let (whole, rest) = (bp / 100, bp % 100);
    match rest {
        0 => whole.to_string(),
        r if r % 10 == 0 => format!("{whole}.{}", r / 10),
        r => format!("{whole}.{r:02}"),
    }
}

/// The feed as RFC 5545 text: CRLF line ends, lines folded at 75 octets, text escaped.
#[must_use]
pub fn render(calendar_name: &str, events: &[CalendarEvent]) -> String {
    let mut out = String::new();
    let mut line = |s: &str| fold_into(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Flow Stage//Calendar 1.0//FR");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape(&format!("Flow Stage – {calendar_name}"))));
    line(&format!("X-WR-TIMEZONE:{SHOW_ZONE}"));
    if events.iter().any(|e| matches!(e.when, When::Timed { .. })) {
        for rule in PARIS_VTIMEZONE {
            line(rule);
        }
        line("END:VTIMEZONE");
    }
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape(&e.uid)));
        line(&format!("DTSTAMP:{}", e.stamp.format("%Y%m%dT%H%M%SZ")));
        line(&format!("SEQUENCE:{}", e.sequence));
        match e.when {
            When::Timed { start, end } => {
                line(&format!("DTSTART;TZID={SHOW_ZONE}:{}", start.format("%Y%m%dT%H%M%S")));
                line(&format!("DTEND;TZID={SHOW_ZONE}:{}", end.format("%Y%m%dT%H%M%S")));
            }
            When::AllDay(day) => {
                line(&format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d")));
                line(&format!("DTEND;VALUE=DATE:{}", (day + Duration::days(1)).format("%Y%m%d")));
            }
        }
        line(&format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(location) = &e.location {
            line(&format!("LOCATION:{}", escape(location)));
        }
        line(&format!("DESCRIPTION:{}", escape(&e.description)));
        let (status, transp) = match e.status {
            Status::Confirmed => ("STATUS:CONFIRMED", "TRANSP:OPAQUE"),
            Status::Tentative => ("STATUS:TENTATIVE", "TRANSP:TRANSPARENT"),
            Status::Cancelled => ("STATUS:CANCELLED", "TRANSP:TRANSPARENT"),
        };
        line(status);
        line(transp);
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded (RFC 5545 §3.1): no physical line is longer than 75 octets,
/// continuations start with a space, and a UTF-8 character is never split.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(100));
        fold_into(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), line);
    }

    #[test]
    fn shows_run_from_doors_or_set_to_curfew_or_set_end() {
        use chrono::NaiveTime;
        use flowstage_core::domain::proposal::ShowTimes;
        use flowstage_core::domain::values::Fee;
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let at = |d: NaiveDate, h, m| d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap());
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        let terms = |times| Terms {
            day,
            fee: Fee::parse("800").unwrap(),
            deal: Deal::FlatFee,
            set_minutes: 75,
            times,
            message: None,
        };
        let table = [
            (
                ShowTimes {
                    doors: t(20, 0),
                    set_start: t(21, 0),
                    curfew: t(23, 30),
                    ..ShowTimes::default()
                },
                When::Timed { start: at(day, 20, 0), end: at(day, 23, 30) },
            ),
            (
                ShowTimes { set_start: t(21, 0), ..ShowTimes::default() },
                When::Timed { start: at(day, 21, 0), end: at(day, 22, 15) },
            ),
            (
                ShowTimes { doors: t(22, 0), curfew: t(2, 0), ..ShowTimes::default() },
                When::Timed { start: at(day, 22, 0), end: at(day.succ_opt().unwrap(), 2, 0) },
            ),
            (ShowTimes { load_in: t(16, 0), ..ShowTimes::default() }, When::AllDay(day)),
        ];
        for (times, expected) in table {
            assert_eq!(When::of(&terms(times)), expected, "{times:?}");
        }
    }

    #[test]
    fn holds_are_named_by_rank() {
        let labels: Vec<_> = [1, 2, 3, 4, 11, 21, 22].map(|r| hold_label(Lang::En, r)).into();
        assert_eq!(
            labels,
            ["1st hold", "2nd hold", "3rd hold", "4th hold", "11th hold", "21st hold", "22nd hold"]
        );
        assert_eq!(
            (hold_label(Lang::Fr, 1), hold_label(Lang::Fr, 2)),
            ("1re option".into(), "2e option".into())
        );
    }

    #[test]
    fn percentages_read_naturally() {
        assert_eq!((pct(7000), pct(7050), pct(7005)), ("70".into(), "70.5".into(), "70.05".into()));
    }

    #[test]
    fn the_feed_is_crlf_and_stamped_by_the_data() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let event = CalendarEvent {
            uid: "booking-1@flowstage".into(),
            stamp: Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap(),
            sequence: 0,
            when: When::AllDay(day),
            summary: "Les Gros Bras @ Le Périscope".into(),
            location: None,
            description: "cession, 1200 € HT".into(),
            status: Status::Confirmed,
        };
        let feed = render("Le Périscope", std::slice::from_ref(&event));
        assert!(feed.contains("DTSTAMP:20261124T120000Z\r\n"));
        assert!(feed.contains("DTSTART;VALUE=DATE:20261205\r\nDTEND;VALUE=DATE:20261206\r\n"));
        assert!(!feed.contains("VTIMEZONE"), "no zone table without a timed event");
        assert!(!feed.replace("\r\n", "").contains('\n'));
        assert_eq!(feed, render("Le Périscope", &[event]), "no clock, no randomness");
    }
}
