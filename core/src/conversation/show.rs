//! How profiles, dates, statuses and holds read in a message, shared by every flow that shows
//! them.

use chrono::NaiveDate;

use super::i18n::{spans, tr};
use super::reply::Span;
use crate::booking::HoldStatus;
use crate::domain::Lang;
use crate::domain::audience::Audience;
use crate::domain::genre::GenreSet;
use crate::domain::profile::{Profile, ProfileDetails, ProfileStatus};
use crate::domain::proposal::{Deal, DealsTaken, ExpiryReason, ProposalStatus, ShowTimes};
use crate::domain::terms::Lineup;
use crate::domain::values::DateSet;
use crate::domain::when::{self, Zone};

#[must_use]
pub fn day(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fr => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%a %-d %b %Y").to_string(),
    }
}

/// A fee as the negotiation shows it (issue 13): excluding VAT, with the VAT of the sale of a
/// concert (5.5 %) and the total beside it; the normal rate applies if drinks are served.
pub fn fee_ht(lang: Lang, fee: crate::domain::values::Fee) -> String {
    let ht = u64::from(fee.euros()) * 100;
    let vat = (ht * 550 + 5_000) / 10_000;
    let cents = |c: u64| {
        let units = crate::domain::values::group_thousands(c / 100);
        match lang {
            Lang::Fr => format!("{units},{:02}\u{a0}€", c % 100),
            Lang::En => format!("{units}.{:02}\u{a0}€", c % 100),
        }
    };
    tr(lang, "fee-ht", &[("fee", fee.to_string()), ("vat", cents(vat)), ("total", cents(ht + vat))])
}

#[must_use]
pub fn genres(lang: Lang, g: &GenreSet) -> String {
    g.ids().iter().map(|g| g.name(lang)).collect::<Vec<_>>().join(", ")
}

/// "12 dates, 05/12/2026 → 20/12/2026".
#[must_use]
pub fn dates(lang: Lang, d: &DateSet) -> String {
    match (d.dates().first(), d.dates().last()) {
        (Some(a), Some(b)) if a == b => day(lang, *a),
        (Some(a), Some(b)) => tr(
            lang,
            "dates-summary",
            &[("count", d.len().to_string()), ("from", day(lang, *a)), ("to", day(lang, *b))],
        ),
        _ => "—".to_owned(),
    }
}

/// Dates grouped by month, one line each: "janvier 2027 : 2, 3, 9, 10 (4)".
#[must_use]
pub fn dates_by_month(lang: Lang, dates: impl Iterator<Item = chrono::NaiveDate>) -> Vec<String> {
    use chrono::Datelike;
    let mut lines: Vec<((i32, u32), Vec<u32>)> = Vec::new();
    for d in dates {
        let key = (d.year(), d.month());
        match lines.last_mut() {
            Some((k, days)) if *k == key => days.push(d.day()),
            _ => lines.push((key, vec![d.day()])),
        }
    }
    lines
        .into_iter()
        .map(|((y, m), days)| {
            let list: Vec<String> = days.iter().map(ToString::to_string).collect();
            tr(
                lang,
                "dates-month-line",
                &[
                    ("month", tr(lang, &format!("month-{m}"), &[])),
                    ("year", y.to_string()),
                    ("days", list.join(", ")),
                    ("count", days.len().to_string()),
                ],
            )
        })
        .collect()
}

#[must_use]
pub fn status(lang: Lang, s: &ProfileStatus) -> String {
    match s {
        ProfileStatus::Rejected(r) | ProfileStatus::Suspended(r) if !r.is_empty() => {
            // The store writes this reason itself when an account is erased: say it in words.
            let r = if s.is_erased() { tr(lang, "status-reason-erased", &[]) } else { r.clone() };
            format!("{} ({r})", tr(lang, &format!("status-{}", s.as_str()), &[]))
        }
        _ => tr(lang, &format!("status-{}", s.as_str()), &[]),
    }
}

/// A proposal's reason as a sentence: the codes written when the system closes a proposal
/// (`date_full`, `hold_expired`, …) become words; a reason a person typed is shown as typed.
#[must_use]
pub fn proposal_reason(lang: Lang, reason: &str) -> String {
    match ExpiryReason::parse(reason) {
        Some(ExpiryReason::HoldExpired) => tr(lang, "close-hold-expired", &[]),
        Some(ExpiryReason::ArtistBooked) => tr(lang, "close-artist-booked", &[]),
        Some(ExpiryReason::DateFull) => tr(lang, "close-date-full", &[]),
        Some(ExpiryReason::ProfileGone) => tr(lang, "close-profile-gone", &[]),
        None => reason.to_owned(),
    }
}

/// Whether a proposal was closed by the system rather than by time or a person.
#[must_use]
pub fn closed_by_system(reason: Option<&str>) -> bool {
    matches!(
        reason.and_then(ExpiryReason::parse),
        Some(ExpiryReason::ArtistBooked | ExpiryReason::DateFull | ExpiryReason::ProfileGone)
    )
}

#[must_use]
pub fn proposal_status(lang: Lang, s: ProposalStatus) -> String {
    tr(lang, &format!("pstatus-{}", s.as_str()), &[])
}

#[must_use]
pub fn deal(lang: Lang, d: &Deal) -> String {
    let pct = |bp: &u16| format!("{}", bp / 100);
    match d {
        Deal::FlatFee => tr(lang, "deal-flat", &[]),
        Deal::DoorDeal { percent_bp } => tr(lang, "deal-door-pct", &[("percent", pct(percent_bp))]),
        Deal::GuaranteeVersus { percent_bp } => {
            tr(lang, "deal-versus-pct", &[("percent", pct(percent_bp))])
        }
        Deal::GuaranteePlus { percent_bp } => {
            tr(lang, "deal-plus-pct", &[("percent", pct(percent_bp))])
        }
    }
}

#[must_use]
pub fn times(lang: Lang, t: &ShowTimes) -> String {
    let parts: Vec<String> = [
        ("time-load-in", t.load_in),
        ("time-soundcheck", t.soundcheck),
        ("time-doors", t.doors),
        ("time-set", t.set_start),
        ("time-curfew", t.curfew),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("{} {}", tr(lang, k, &[]), v.format("%H:%M"))))
    .collect();
    if parts.is_empty() { "—".to_owned() } else { parts.join(", ") }
}

fn line(lang: Lang, key: &str, value: String) -> Vec<Span> {
    let sep = if lang == Lang::Fr { " : " } else { ": " };
    vec![Span::Bold(format!("{}{sep}", tr(lang, key, &[]))), Span::Plain(value)]
}

/// The lines of a profile, field by field, as the summary and the details show them.
#[must_use]
pub fn detail_lines(lang: Lang, details: &ProfileDetails, free: &DateSet) -> Vec<Vec<Span>> {
    let dash = || "—".to_owned();
    let mut out = Vec::new();
    match details {
        ProfileDetails::Artist(a) => {
            out.push(line(lang, "field-name", a.name.to_string()));
            out.push(line(lang, "field-genres", genres(lang, &a.genres)));
            let neg = tr(lang, if a.negotiable { "fee-negotiable" } else { "fee-firm" }, &[]);
            out.push(line(lang, "field-fee", format!("{} ({neg})", a.fee)));
            out.push(line(lang, "field-draw", a.draw.to_string()));
            out.push(line(lang, "field-city", a.city.name().to_owned()));
            out.push(line(lang, "field-radius", format!("{} km", a.radius.km())));
            out.push(line(lang, "field-dates", dates(lang, free)));
            out.push(line(
                lang,
                "field-bio",
                a.bio.as_ref().map_or_else(dash, ToString::to_string),
            ));
            // Links as link spans, so each platform makes them clickable.
            let mut links = line(lang, "field-links", String::new());
            links.pop();
            if a.links.as_slice().is_empty() {
                links.push(Span::Plain(dash()));
            }
            for (i, url) in a.links.as_slice().iter().enumerate() {
                if i > 0 {
                    links.push(Span::Plain(" ".to_owned()));
                }
                links.push(Span::Link { text: url.clone(), url: url.clone() });
            }
            out.push(links);
            out.push(line(
                lang,
                "field-email",
                a.email.as_ref().map_or_else(dash, ToString::to_string),
            ));
        }
        ProfileDetails::Venue(v) => {
            out.push(line(lang, "field-name", v.name.to_string()));
            out.push(line(lang, "field-city", v.city.name().to_owned()));
            out.push(line(
                lang,
                "field-address",
                v.address.as_ref().map_or_else(dash, ToString::to_string),
            ));
            out.push(line(lang, "field-capacity", v.capacity.to_string()));
            out.push(line(lang, "field-genres", genres(lang, &v.genres)));
            out.push(line(lang, "field-budget", v.budget.to_string()));
            out.push(line(lang, "field-dates", dates(lang, free)));
            out.push(line(
                lang,
                "field-licence",
                v.licence.as_ref().map_or_else(dash, ToString::to_string),
            ));
            out.push(line(
                lang,
                "field-stage-notes",
                v.stage_notes.as_ref().map_or_else(dash, ToString::to_string),
            ));
            out.push(line(
                lang,
                "field-email",
                v.email.as_ref().map_or_else(dash, ToString::to_string),
            ));
        }
    }
    out
}

/// A published profile as others read it: its details with the dates still free, then the days
/// its bookings take from `today` on, who the show or the room is for, and an artist's line-up.
#[must_use]
pub fn profile_lines(lang: Lang, p: &Profile, today: NaiveDate) -> Vec<Vec<Span>> {
    let mut out = detail_lines(lang, &p.details, &p.free_dates());
    if !p.taken.is_empty() {
        let ahead: Vec<NaiveDate> = p.taken.iter().copied().filter(|d| *d >= today).collect();
        if !ahead.is_empty() {
            let mut days: Vec<String> = ahead.iter().take(6).map(|d| day(lang, *d)).collect();
            if ahead.len() > 6 {
                days.push("…".to_owned());
            }
            out.push(line(lang, "field-taken", days.join(", ")));
        }
    }
    if let Some(a) = p.audience {
        out.push(line(lang, "field-audience", audience(lang, a)));
    }
    if let Some(l) = p.lineup {
        out.push(line(lang, "field-lineup", lineup(lang, l)));
    }
    if let Some(d) = p.deals {
        out.push(line(lang, "field-deals", deals(lang, d)));
    }
    out
}

/// "4 on stage, 1 crew".
#[must_use]
pub fn lineup(lang: Lang, l: Lineup) -> String {
    tr(
        lang,
        "lineup-value",
        &[("performers", l.performers().to_string()), ("crew", l.crew().to_string())],
    )
}

/// "A fixed fee (cession)", in the person's language; also the text a deals button answers.
#[must_use]
pub fn deals(lang: Lang, d: DealsTaken) -> String {
    tr(lang, &format!("deals-{}", d.code()), &[])
}

/// "All ages, seated", in the person's language; also the text an audience button answers.
#[must_use]
pub fn audience(lang: Lang, a: Audience) -> String {
    tr(lang, &format!("audience-{}", a.code()), &[])
}

/// "Answers 80 % of proposals, in 5 h (median)", or that nothing is known yet.
pub async fn responsiveness(
    lang: Lang,
    store: &crate::store::Store,
    profile: crate::domain::ProfileId,
) -> Result<String, crate::store::StoreError> {
    let stats = crate::booking::response_stats(store, profile).await?;
    Ok(match (stats.rate_percent, stats.median_response) {
        (Some(rate), Some(median)) => {
            let hours = median.num_hours();
            let time = if hours >= 48 {
                tr(lang, "duration-days", &[("n", (hours / 24).to_string())])
            } else {
                tr(lang, "duration-hours", &[("n", hours.max(1).to_string())])
            };
            tr(lang, "resp-stats", &[("rate", rate.to_string()), ("time", time)])
        }
        (Some(rate), None) => tr(lang, "resp-rate", &[("rate", rate.to_string())]),
        _ => tr(lang, "resp-none", &[]),
    })
}

/// "1st hold" / "1re option", "2nd hold" / "2e option".
#[must_use]
pub fn hold_label(lang: Lang, rank: u32) -> String {
    match rank {
        1..=3 => tr(lang, &format!("hold-label-{rank}"), &[]),
        _ => tr(lang, "hold-label", &[("rank", rank.to_string())]),
    }
}

/// A held proposal's state in one line, for lists: "1st hold until …, challenged: answer …".
#[must_use]
pub fn hold_short(lang: Lang, zone: Zone, h: &HoldStatus) -> String {
    let mut out = tr(
        lang,
        "hold-short",
        &[("label", hold_label(lang, h.rank)), ("until", when::moment(lang, zone, h.expires_at))],
    );
    if let Some(c) = h.challenged {
        out.push_str(&tr(
            lang,
            "hold-short-challenged",
            &[("by", when::deadline(lang, zone, c.deadline))],
        ));
    }
    if let Some(c) = h.challenging {
        out.push_str(&tr(
            lang,
            "hold-short-challenging",
            &[("by", when::deadline(lang, zone, c.deadline))],
        ));
    }
    out
}

/// A held proposal's state as its detail says it: rank and expiry, and any running challenge
/// with its deadline, worded for whether the reader is the one who decides (the proposal's
/// receiver, who confirms) or waits, and whether they may also release it.
#[must_use]
pub fn hold_lines(
    lang: Lang,
    zone: Zone,
    h: &HoldStatus,
    decides: bool,
    may_release: bool,
) -> Vec<Vec<Span>> {
    let until = when::moment(lang, zone, h.expires_at);
    let mut out = vec![spans(
        lang,
        "hold-line",
        &[("label", hold_label(lang, h.rank)), ("until", until.clone())],
    )];
    match h.challenged {
        Some(c) => {
            let key = if decides { "hold-challenged-decide" } else { "hold-challenged-wait" };
            out.push(spans(
                lang,
                key,
                &[
                    ("challenger", format!("#{}", c.other)),
                    ("by", when::deadline(lang, zone, c.deadline)),
                ],
            ));
        }
        None if h.rank == 1 && decides => {
            let key = if may_release { "hold-first-decide" } else { "hold-first-confirm" };
            out.push(spans(lang, key, &[("until", until)]));
        }
        None => {}
    }
    if let Some(c) = h.challenging {
        out.push(spans(
            lang,
            "hold-challenging",
            &[("first", format!("#{}", c.other)), ("by", when::deadline(lang, zone, c.deadline))],
        ));
    }
    out
}

/// "FS-2027-000003 · Fri 12 Mar 2027 · Artist → Venue".
pub(crate) async fn booking_line(
    turn: &super::turn::Turn<'_>,
    b: &crate::domain::proposal::Booking,
) -> Result<Vec<Span>, crate::store::StoreError> {
    let artist = turn.store().profile(b.artist).await?;
    let venue = turn.store().profile(b.venue).await?;
    Ok(vec![
        Span::Bold(b.reference()),
        Span::Plain(format!(
            " · {} · {} → {}",
            day(turn.lang, b.day),
            artist.details.name(),
            venue.details.name()
        )),
    ])
}
