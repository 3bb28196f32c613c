//! `GET /calendar/{token}.ics` (docs/product-rules.md §7): a profile's confirmed bookings, and its
//! pending proposals as tentative events, as an RFC 5545 feed that Google Calendar and Apple
//! Calendar subscribe to. The secret token in the URL is the only key (no command shows it yet).
//!
//! The feed is a pure function of the stored data (DTSTAMP is when the booking or proposal was
//! made, never the clock), so polling clients see a stable feed and changes only when data change.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use flowstage_core::conversation::i18n::tr;
use flowstage_core::domain::Lang;
use flowstage_core::domain::profile::Profile;
use flowstage_core::domain::proposal::{Deal, Proposal, ProposalStatus, Terms};
use flowstage_core::store::{Store, StoreError};

use crate::AppState;

/// One day in the feed. Shows are all-day events: a concert's day is what a calendar must block,
/// and the times, in the description, are local times that need no time-zone table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    pub uid: String,
    pub stamp: DateTime<Utc>,
    pub day: NaiveDate,
    pub summary: String,
    pub location: Option<String>,
    pub description: String,
    /// A pending proposal rather than a confirmed booking.
    pub tentative: bool,
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

/// The events of the profile whose token this is, in its owner's language.
async fn events_of(
    store: &Store,
    token: &str,
) -> Result<Option<(String, Vec<CalendarEvent>)>, StoreError> {
    let Some(profile) = store.profile_by_calendar_token(token).await? else { return Ok(None) };
    let lang = store.account(profile.owner).await?.lang;
    let mut events = Vec::new();
    for booking in store.bookings_of_profile(profile.id).await? {
        let proposal = store.proposal(booking.proposal).await?;
        let (artist, venue) = names(store, &profile, &proposal).await?;
        events.push(CalendarEvent {
            uid: format!("booking-{}@flowstage", booking.id),
            stamp: booking.created_at,
            day: booking.day,
            summary: format!("{artist} @ {venue}"),
            location: Some(venue_location(store, &proposal).await?),
            description: describe(lang, &proposal.terms, None),
            tentative: false,
        });
    }
    for proposal in store.proposals_of_profile(profile.id).await? {
        if !matches!(proposal.status, ProposalStatus::Sent | ProposalStatus::Held) {
            continue;
        }
        let (artist, venue) = names(store, &profile, &proposal).await?;
        let prefix = match lang {
            Lang::Fr => "À confirmer",
            Lang::En => "Tentative",
        };
        events.push(CalendarEvent {
            uid: format!("proposal-{}@flowstage", proposal.id),
            stamp: proposal.created_at,
            day: proposal.terms.day,
            summary: format!("{prefix}{}{artist} @ {venue}", sep(lang)),
            location: Some(venue_location(store, &proposal).await?),
            description: describe(lang, &proposal.terms, Some(proposal.status)),
            tentative: true,
        });
    }
    events.sort_by(|a, b| (a.day, &a.uid).cmp(&(b.day, &b.uid)));
    Ok(Some((profile.details.name().as_str().to_owned(), events)))
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
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape(&e.uid)));
        line(&format!("DTSTAMP:{}", e.stamp.format("%Y%m%dT%H%M%SZ")));
        line(&format!("DTSTART;VALUE=DATE:{}", e.day.format("%Y%m%d")));
        line(&format!("DTEND;VALUE=DATE:{}", (e.day + Duration::days(1)).format("%Y%m%d")));
        line(&format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(location) = &e.location {
            line(&format!("LOCATION:{}", escape(location)));
        }
        line(&format!("DESCRIPTION:{}", escape(&e.description)));
        line(if e.tentative { "STATUS:TENTATIVE" } else { "STATUS:CONFIRMED" });
        line(if e.tentative { "TRANSP:TRANSPARENT" } else { "TRANSP:OPAQUE" });
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
    fn percentages_read_naturally() {
        assert_eq!((pct(7000), pct(7050), pct(7005)), ("70".into(), "70.5".into(), "70.05".into()));
    }

    #[test]
    fn the_feed_is_crlf_and_stamped_by_the_data() {
        let event = CalendarEvent {
            uid: "booking-1@flowstage".into(),
            stamp: Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap(),
            day: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            summary: "Les Gros Bras @ Le Périscope".into(),
            location: None,
            description: "cession, 1200 € HT".into(),
            tentative: false,
        };
        let feed = render("Le Périscope", std::slice::from_ref(&event));
        assert!(feed.contains("DTSTAMP:20261124T120000Z\r\n"));
        assert!(feed.contains("DTSTART;VALUE=DATE:20261205\r\nDTEND;VALUE=DATE:20261206\r\n"));
        assert!(!feed.replace("\r\n", "").contains('\n'));
        assert_eq!(feed, render("Le Périscope", &[event]), "no clock, no randomness");
    }
}
