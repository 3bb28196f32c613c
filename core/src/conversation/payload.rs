//! Button payloads: short, typed, stable across restarts (no process memory in them), at most 64
//! bytes (Telegram's callback data limit). Each carries the conversation's nonce, so a press on a
//! button of an earlier screen is recognised and answered instead of being acted on twice.

use chrono::NaiveDate;

use crate::booking::MissingField;
use crate::domain::genre::GenreId;
use crate::domain::profile::ProfileKind;
use crate::domain::search::FilterKind;
use crate::domain::{BookingId, Lang, ProfileId, ProposalId, SavedSearchId, TicketId};

pub const MAX_LEN: usize = 64;

/// A wizard field, for "Edit" buttons and the question being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Genres,
    Fee,
    Negotiable,
    Draw,
    City,
    Radius,
    Dates,
    Bio,
    Links,
    Email,
    Address,
    Capacity,
    Budget,
    Licence,
    StageNotes,
    /// An artist's line-up: performers and crew.
    Lineup,
    /// Who the show or the room is for.
    Audience,
    /// The deals taken: a fixed fee, a share of the receipts, or either.
    Deals,
}

impl Field {
    pub const ALL: [Field; 19] = [
        Field::Name,
        Field::Genres,
        Field::Fee,
        Field::Negotiable,
        Field::Draw,
        Field::City,
        Field::Radius,
        Field::Dates,
        Field::Bio,
        Field::Links,
        Field::Email,
        Field::Address,
        Field::Capacity,
        Field::Budget,
        Field::Licence,
        Field::StageNotes,
        Field::Lineup,
        Field::Audience,
        Field::Deals,
    ];

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Genres => "genres",
            Field::Fee => "fee",
            Field::Negotiable => "negotiable",
            Field::Draw => "draw",
            Field::City => "city",
            Field::Radius => "radius",
            Field::Dates => "dates",
            Field::Bio => "bio",
            Field::Links => "links",
            Field::Email => "email",
            Field::Address => "address",
            Field::Capacity => "capacity",
            Field::Budget => "budget",
            Field::Licence => "licence",
            Field::StageNotes => "stage-notes",
            Field::Lineup => "lineup",
            Field::Audience => "audience",
            Field::Deals => "deals",
        }
    }

    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == s)
    }
}

/// The deal types of docs/product-rules.md §4, as buttons name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealKind {
    Flat,
    Door,
    Versus,
    Plus,
}

impl DealKind {
    pub const ALL: [DealKind; 4] =
        [DealKind::Flat, DealKind::Door, DealKind::Versus, DealKind::Plus];

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DealKind::Flat => "flat",
            DealKind::Door => "door",
            DealKind::Versus => "versus",
            DealKind::Plus => "plus",
        }
    }

    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == s)
    }
}

/// What a button does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Runs a command, as if typed: menus and help. Never stale.
    Command(&'static str),
    Consent(bool),
    Role(ProfileKind),
    Back,
    Cancel,
    Skip,
    Done,
    Yes,
    No,
    GenreFamilies,
    GenreFamily(GenreId),
    GenreToggle(GenreId),
    Edit(Field),
    Submit,
    /// A suggestion ("did you mean …?"): answers the current question as if its text were
    /// typed. Only made when the whole payload fits (see [`fits`]).
    Suggest(String),
    // Matching and favourites.
    Details(ProfileId),
    Star(ProfileId),
    Unstar(ProfileId),
    Propose(ProfileId),
    Page(u16),
    RefineDates,
    RefineRadius,
    /// Type filters in words for the current search.
    RefineFilters,
    /// Turns one filter of the current search off (also "loosen" when nothing passes).
    ClearFilter(FilterKind),
    /// Follow the current search: alerts about new profiles it finds.
    Follow,
    /// Stop the alerts of a followed search.
    Unfollow(SavedSearchId),
    // Drafting a proposal.
    Day(NaiveDate),
    Deal(DealKind),
    Percent(u16),
    SetMinutes(u16),
    Send,
    // Answering proposals.
    Open(ProposalId),
    Accept(ProposalId),
    Refuse(ProposalId),
    Counter(ProposalId),
    Withdraw(ProposalId),
    Message(ProposalId),
    Hold(ProposalId),
    Release(ProposalId),
    Challenge(ProposalId),
    CancelBooking(BookingId),
    // Profiles.
    EditProfile(ProfileId),
    Switch(ProfileId),
    Add(ProfileKind),
    // Settings.
    Lang(Lang),
    ToggleAlerts,
    AskThreshold,
    AskEmail,
    // Contracts.
    /// Answer what the contract of a booking still needs from the presser's side.
    FillContract(BookingId),
    /// The contract details (legal identity and the rest) of a profile, from `/profile`.
    ContractDetails(ProfileId),
    /// Change one contract detail, from the details page.
    EditDetail(MissingField),

    /// Sends the active profile's notifications to the team's place the event came from
    /// (`true`), or stops (see `team.rs`).
    TeamPlace(bool),
    // Admin.
    Approve(ProfileId),
    Reject(ProfileId),
    CloseTicket(TicketId),
    /// An admin replies to a ticket: the reply reaches the person who opened it.
    ReplyTicket(TicketId),
    /// The person who opened a ticket answers in it.
    AnswerTicket(TicketId),
    /// An admin suspends an approved profile (from `/users`): asks the reason.
    AskSuspend(ProfileId),
    /// An admin reinstates a suspended profile (from `/users`): asks the reason.
    AskReinstate(ProfileId),
    // Holds, bookings and the calendar (issue 19).
    /// The artist side asks the venue to hold the date.
    AskHold(ProposalId),
    /// The receiver confirms (books) a 1st hold.
    Confirm(ProposalId),
    /// A venue's date view: its booking, holds by rank and open proposals.
    Board(ProfileId, NaiveDate),
    /// The contract of a booking, sent again.
    Contract(BookingId),
    /// Asks before replacing a profile's calendar link.
    RenewCalendar(ProfileId),
    /// Replaces it: the old link stops working.
    RenewCalendarNow(ProfileId),
    AskZone,
    ApproveEdit(ProfileId),
    RefuseEdit(ProfileId),
}

impl Action {
    /// Actions that redraw the screen their button is on (a genre ticked, a page turned).
    #[must_use]
    pub fn redraws_screen(&self) -> bool {
        matches!(
            self,
            Action::GenreToggle(_)
                | Action::GenreFamily(_)
                | Action::GenreFamilies
                | Action::Page(_)
        )
    }

    /// Actions that name what they act on and are safe whenever pressed: the store's
    /// compare-and-set (or idempotence) keeps a second press from acting twice.
    #[must_use]
    pub fn is_global(&self) -> bool {
        matches!(
            self,
            Action::Command(_)
                | Action::Details(_)
                | Action::Star(_)
                | Action::Unstar(_)
                | Action::Propose(_)
                | Action::Open(_)
                | Action::Accept(_)
                | Action::Refuse(_)
                | Action::Counter(_)
                | Action::Withdraw(_)
                | Action::Message(_)
                | Action::Hold(_)
                | Action::Release(_)
                | Action::Challenge(_)
                | Action::CancelBooking(_)
                | Action::EditProfile(_)
                | Action::Switch(_)
                | Action::Add(_)
                | Action::Lang(_)
                | Action::ToggleAlerts
                | Action::AskThreshold
                | Action::AskEmail
                | Action::TeamPlace(_)
                | Action::Approve(_)
                | Action::Reject(_)
                | Action::CloseTicket(_)
                | Action::ReplyTicket(_)
                | Action::AnswerTicket(_)
                | Action::AskSuspend(_)
                | Action::AskReinstate(_)
                | Action::Unfollow(_)
                | Action::AskHold(_)
                | Action::Confirm(_)
                | Action::Board(..)
                | Action::Contract(_)
                | Action::RenewCalendar(_)
                | Action::RenewCalendarNow(_)
                | Action::AskZone
                | Action::ApproveEdit(_)
                | Action::RefuseEdit(_)
                | Action::FillContract(_)
                | Action::ContractDetails(_)
        )
    }

    fn code(&self) -> String {
        match self {
            Action::Command(c) => format!("c:{c}"),
            Action::Consent(b) => format!("ok:{}", u8::from(*b)),
            Action::Role(k) => format!("role:{}", k.as_str()),
            Action::Back => "back".into(),
            Action::Cancel => "cancel".into(),
            Action::Skip => "skip".into(),
            Action::Done => "done".into(),
            Action::Yes => "yes".into(),
            Action::No => "no".into(),
            Action::GenreFamilies => "gl".into(),
            Action::GenreFamily(g) => format!("gf:{}", g.slug()),
            Action::GenreToggle(g) => format!("gt:{}", g.slug()),
            Action::Edit(f) => format!("ed:{}", f.code()),
            Action::Submit => "submit".into(),
            Action::Suggest(t) => format!("sg:{t}"),
            Action::Details(p) => format!("md:{p}"),
            Action::Star(p) => format!("ms:{p}"),
            Action::Unstar(p) => format!("mu:{p}"),
            Action::Propose(p) => format!("mp:{p}"),
            Action::Page(n) => format!("pg:{n}"),
            Action::RefineDates => "rd".into(),
            Action::RefineRadius => "rr".into(),
            Action::RefineFilters => "rf".into(),
            Action::ClearFilter(k) => format!("rx:{}", k.code()),
            Action::Follow => "fw".into(),
            Action::Unfollow(s) => format!("uf:{}", s.0),
            Action::Day(d) => format!("dy:{d}"),
            Action::Deal(d) => format!("dl:{}", d.code()),
            Action::Percent(p) => format!("pct:{p}"),
            Action::SetMinutes(m) => format!("sl:{m}"),
            Action::Send => "send".into(),
            Action::Open(p) => format!("po:{p}"),
            Action::Accept(p) => format!("pa:{p}"),
            Action::Refuse(p) => format!("pr:{p}"),
            Action::Counter(p) => format!("pc:{p}"),
            Action::Withdraw(p) => format!("pw:{p}"),
            Action::Message(p) => format!("pm:{p}"),
            Action::Hold(p) => format!("ph:{p}"),
            Action::Release(p) => format!("pl:{p}"),
            Action::Challenge(p) => format!("pch:{p}"),
            Action::CancelBooking(b) => format!("bc:{b}"),
            Action::EditProfile(p) => format!("ep:{p}"),
            Action::Switch(p) => format!("sw:{p}"),
            Action::Add(k) => format!("add:{}", k.as_str()),
            Action::Lang(l) => format!("lg:{}", l.code()),
            Action::ToggleAlerts => "al".into(),
            Action::AskThreshold => "th".into(),
            Action::AskEmail => "em".into(),
            Action::TeamPlace(on) => format!("tp:{}", u8::from(*on)),
            Action::Approve(p) => format!("ap:{p}"),
            Action::Reject(p) => format!("rj:{p}"),
            Action::CloseTicket(t) => format!("tc:{t}"),
            Action::ReplyTicket(t) => format!("tr:{t}"),
            Action::AnswerTicket(t) => format!("ta:{t}"),
            Action::AskSuspend(p) => format!("su:{p}"),
            Action::AskReinstate(p) => format!("ri:{p}"),
            Action::AskHold(p) => format!("pq:{p}"),
            Action::Confirm(p) => format!("pk:{p}"),
            Action::Board(p, d) => format!("bd:{p}:{d}"),
            Action::Contract(b) => format!("bk:{b}"),
            Action::RenewCalendar(p) => format!("cr:{p}"),
            Action::RenewCalendarNow(p) => format!("crn:{p}"),
            Action::AskZone => "tz".into(),
            Action::ApproveEdit(p) => format!("ae:{p}"),
            Action::RefuseEdit(p) => format!("re:{p}"),
            Action::FillContract(b) => format!("cf:{b}"),
            Action::ContractDetails(p) => format!("cd:{p}"),
            Action::EditDetail(f) => format!("ce:{}", f.code()),
        }
    }

    fn parse(code: &str) -> Option<Self> {
        let (head, arg) = code.split_once(':').unwrap_or((code, ""));
        let id = || arg.parse::<i64>().ok();
        Some(match head {
            // A button runs a command that needs no typed argument.
            "c" => Action::Command(
                super::commands::find(arg)
                    .filter(|c| c.name == arg && c.args.iter().all(|a| !a.required))?
                    .name,
            ),
            "ok" => Action::Consent(arg == "1"),
            "role" => Action::Role(ProfileKind::parse(arg)?),
            "back" => Action::Back,
            "cancel" => Action::Cancel,
            "skip" => Action::Skip,
            "done" => Action::Done,
            "yes" => Action::Yes,
            "no" => Action::No,
            "gl" => Action::GenreFamilies,
            "gf" => Action::GenreFamily(GenreId::from_slug(arg)?),
            "gt" => Action::GenreToggle(GenreId::from_slug(arg)?),
            "ed" => Action::Edit(Field::from_code(arg)?),
            "submit" => Action::Submit,
            "sg" if !arg.trim().is_empty() => Action::Suggest(arg.to_owned()),
            "md" => Action::Details(ProfileId(id()?)),
            "ms" => Action::Star(ProfileId(id()?)),
            "mu" => Action::Unstar(ProfileId(id()?)),
            "mp" => Action::Propose(ProfileId(id()?)),
            "pg" => Action::Page(arg.parse().ok()?),
            "rd" => Action::RefineDates,
            "rr" => Action::RefineRadius,
            "rf" => Action::RefineFilters,
            "rx" => Action::ClearFilter(FilterKind::from_code(arg)?),
            "fw" => Action::Follow,
            "uf" => Action::Unfollow(SavedSearchId(id()?)),
            "dy" => Action::Day(NaiveDate::parse_from_str(arg, "%Y-%m-%d").ok()?),
            "dl" => Action::Deal(DealKind::from_code(arg)?),
            "pct" => Action::Percent(arg.parse().ok()?),
            "sl" => Action::SetMinutes(arg.parse().ok()?),
            "send" => Action::Send,
            "po" => Action::Open(ProposalId(id()?)),
            "pa" => Action::Accept(ProposalId(id()?)),
            "pr" => Action::Refuse(ProposalId(id()?)),
            "pc" => Action::Counter(ProposalId(id()?)),
            "pw" => Action::Withdraw(ProposalId(id()?)),
            "pm" => Action::Message(ProposalId(id()?)),
            "ph" => Action::Hold(ProposalId(id()?)),
            "pl" => Action::Release(ProposalId(id()?)),
            "pch" => Action::Challenge(ProposalId(id()?)),
            "bc" => Action::CancelBooking(BookingId(id()?)),
            "ep" => Action::EditProfile(ProfileId(id()?)),
            "sw" => Action::Switch(ProfileId(id()?)),
            "add" => Action::Add(ProfileKind::parse(arg)?),
            "lg" => Action::Lang(Lang::parse(arg)?),
            "tp" => Action::TeamPlace(arg == "1"),
            "al" => Action::ToggleAlerts,
            "th" => Action::AskThreshold,
            "em" => Action::AskEmail,
            "ap" => Action::Approve(ProfileId(id()?)),
            "rj" => Action::Reject(ProfileId(id()?)),
            "tc" => Action::CloseTicket(TicketId(id()?)),
            "tr" => Action::ReplyTicket(TicketId(id()?)),
            "ta" => Action::AnswerTicket(TicketId(id()?)),
            "su" => Action::AskSuspend(ProfileId(id()?)),
            "ri" => Action::AskReinstate(ProfileId(id()?)),
            "pq" => Action::AskHold(ProposalId(id()?)),
            "pk" => Action::Confirm(ProposalId(id()?)),
            "bd" => {
                let (p, d) = arg.split_once(':')?;
                Action::Board(
                    ProfileId(p.parse().ok()?),
                    NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                )
            }
            "bk" => Action::Contract(BookingId(id()?)),
            "cr" => Action::RenewCalendar(ProfileId(id()?)),
            "crn" => Action::RenewCalendarNow(ProfileId(id()?)),
            "tz" => Action::AskZone,
            "ae" => Action::ApproveEdit(ProfileId(id()?)),
            "re" => Action::RefuseEdit(ProfileId(id()?)),
            "cf" => Action::FillContract(BookingId(id()?)),
            "cd" => Action::ContractDetails(ProfileId(id()?)),
            "ce" => Action::EditDetail(MissingField::from_code(arg)?),
            _ => return None,
        })
    }
}

/// `"<nonce in base 36>.<action>"`: a nonce and ids of at most 19 digits keep every payload far
/// below [`MAX_LEN`] (checked by a test over every action shape).
#[must_use]
pub fn encode(nonce: u32, action: &Action) -> String {
    let mut s = base36(nonce);
    s.push('.');
    s.push_str(&action.code());
    s.truncate(MAX_LEN);
    s
}

/// Whether a button for `action` keeps all of it within [`MAX_LEN`] bytes whatever the nonce:
/// a suggestion that would be cut is not offered as a button.
#[must_use]
pub fn fits(action: &Action) -> bool {
    base36(u32::MAX).len() + 1 + action.code().len() <= MAX_LEN
}

/// Reads a payload back: its nonce and action; `None` for anything this version cannot read.
#[must_use]
pub fn decode(payload: &str) -> Option<(u32, Action)> {
    if payload.len() > MAX_LEN {
        return None;
    }
    let (nonce, code) = payload.split_once('.')?;
    Some((u32::from_str_radix(nonce, 36).ok()?, Action::parse(code)?))
}

fn base36(mut n: u32) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_within_64_bytes() {
        let big = i64::MAX;
        let longest_genre = GenreId::all().max_by_key(|g| g.slug().len()).unwrap();
        let actions = vec![
            Action::Command("favorites"),
            Action::Consent(true),
            Action::Role(ProfileKind::Venue),
            Action::Back,
            Action::GenreFamily(longest_genre),
            Action::GenreToggle(longest_genre),
            Action::Edit(Field::StageNotes),
            Action::Details(ProfileId(big)),
            Action::Propose(ProfileId(big)),
            Action::Page(u16::MAX),
            Action::Day(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()),
            Action::Deal(DealKind::Versus),
            Action::SetMinutes(90),
            Action::Counter(ProposalId(big)),
            Action::Challenge(ProposalId(big)),
            Action::CancelBooking(BookingId(big)),
            Action::Add(ProfileKind::Artist),
            Action::Lang(Lang::En),
            Action::CloseTicket(TicketId(big)),
            Action::ReplyTicket(TicketId(big)),
            Action::AnswerTicket(TicketId(big)),
            Action::AskSuspend(ProfileId(big)),
            Action::AskReinstate(ProfileId(big)),
            Action::FillContract(BookingId(big)),
            Action::ContractDetails(ProfileId(big)),
            Action::EditDetail(MissingField::TechnicalNeeds),
            Action::Suggest("chanson française".into()),
            Action::Suggest("Saint-Rémy-de-Provence".into()),
            Action::RefineFilters,
            Action::ClearFilter(FilterKind::Capacity),
            Action::Follow,
            Action::Unfollow(SavedSearchId(big)),
            Action::AskHold(ProposalId(big)),
            Action::Confirm(ProposalId(big)),
            Action::Board(ProfileId(big), NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()),
            Action::Contract(BookingId(big)),
            Action::RenewCalendar(ProfileId(big)),
            Action::RenewCalendarNow(ProfileId(big)),
            Action::AskZone,
            Action::ApproveEdit(ProfileId(big)),
            Action::RefuseEdit(ProfileId(big)),
        ];
        for a in actions {
            let p = encode(u32::MAX, &a);
            assert!(p.len() <= MAX_LEN, "{p} is too long");
            assert_eq!(decode(&p), Some((u32::MAX, a)));
        }
    }

    #[test]
    fn a_suggestion_too_long_for_a_button_is_not_offered() {
        assert!(fits(&Action::Suggest("folk".into())));
        assert!(!fits(&Action::Suggest("é".repeat(40))));
    }

    #[test]
    fn garbage_is_not_an_action() {
        for p in ["", ".", "zz", "1.nope", "1.md:x", "1.c:rm -rf", &"9".repeat(100)] {
            assert_eq!(decode(p), None, "{p}");
        }
    }
}
