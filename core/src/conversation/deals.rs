//! `/proposals`: confirmed bookings (contract again, calendar link, cancel), incoming and outgoing
//! proposals by status with each hold's rank, expiry and running challenge, and a venue's date
//! view. Buttons are exactly the moves `crate::booking::allowed_moves` allows the reader: the
//! venue places, releases and confirms holds; the artist side asks for one or challenges the 1st;
//! the holder of a challenged 1st hold confirms or releases. Either side writes in the thread,
//! relayed to the other whatever their platform. The rules are `crate::booking`'s.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::errors::flow_to_store;
use super::payload::Action;
use super::propose::{self, terms_lines};
use super::reply::{Attachment, Button, Reply, Span};
use super::state::{Mode, Prompt};
use super::turn::Turn;
use super::{calendar, i18n, prompts, show};
use crate::booking::{BoardEntry, BookingFlowError, Moves};
use crate::domain::profile::ProfileKind;
use crate::domain::proposal::{Booking, BookingStatus, Party, Proposal, ProposalStatus};
use crate::domain::when;
use crate::domain::{BookingId, ProfileId, ProposalId};
use crate::store::StoreError;

/// How many upcoming dates of a venue the list offers as date views.
const BOARD_DAYS: usize = 8;

/// How many answered proposals the list still shows.
const RECENT_FINAL: usize = 10;

/// The order of the status groups: what waits for someone first.
const BY_STATUS: [ProposalStatus; 7] = [
    ProposalStatus::Sent,
    ProposalStatus::Held,
    ProposalStatus::Accepted,
    ProposalStatus::Countered,
    ProposalStatus::Refused,
    ProposalStatus::Withdrawn,
    ProposalStatus::Expired,
];

async fn names(
    turn: &Turn<'_>,
    ids: impl IntoIterator<Item = ProfileId>,
) -> Result<HashMap<ProfileId, String>, StoreError> {
    let mut ids: Vec<ProfileId> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = turn.store().profile_names(&ids).await?;
    // A profile gone since (its owner erased) is shown as "?".
    for id in ids {
        out.entry(id).or_insert_with(|| "?".to_owned());
    }
    Ok(out)
}

pub(crate) async fn list(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let lang = turn.lang;
    let owned = turn.owned_profiles().await?;
    let mine: Vec<ProfileId> = owned.iter().map(|p| p.id).collect();
    let mut all: Vec<Proposal> = Vec::new();
    for id in &mine {
        for p in turn.store().proposals_of_profile(*id).await? {
            if !all.iter().any(|q| q.id == p.id) {
                all.push(p);
            }
        }
    }
    if all.is_empty() {
        let r = turn
            .msg("proposals-none", &[])
            .row(vec![turn.button("btn-match", &Action::Command("match"))]);
        turn.push(r);
        return Ok(());
    }
    all.sort_by_key(|p| std::cmp::Reverse(p.id));
    // Collected first: a lazy iterator held across an await would make the future not `Send`.
    let ids: Vec<ProfileId> = all.iter().flat_map(|p| [p.from_profile, p.to_profile]).collect();
    let named = names(turn, ids).await?;
    let mut r = Reply::new();
    let booked = upcoming_bookings(turn, &mine).await?;
    if !booked.is_empty() {
        r = r.para(turn.s("bookings-title", &[]));
        let mut items = Vec::new();
        let mut buttons = Vec::new();
        for b in &booked {
            let artist = named.get(&b.artist).cloned().unwrap_or_default();
            let venue = named.get(&b.venue).cloned().unwrap_or_default();
            items.push(turn.s(
                "booking-line",
                &[
                    ("booking", b.id.to_string()),
                    ("artist", artist),
                    ("venue", venue),
                    ("day", show::day(lang, b.day)),
                ],
            ));
            buttons.push(turn.button_text(
                turn.ta("btn-booking", &[("booking", b.id.to_string())]),
                &Action::Open(b.proposal),
            ));
        }
        r = r.list(items).grid(buttons, 4);
    }
    let mut buttons = Vec::new();
    for (incoming, title) in [(true, "proposals-incoming"), (false, "proposals-outgoing")] {
        let side: Vec<&Proposal> =
            all.iter().filter(|p| mine.contains(&p.to_profile) == incoming).collect();
        if side.is_empty() {
            continue;
        }
        r = r.para(turn.s(title, &[]));
        let open = side.iter().copied().filter(|p| !p.status.is_final());
        let done = side.iter().copied().filter(|p| p.status.is_final()).take(RECENT_FINAL);
        let shown: Vec<&Proposal> = open.chain(done).collect();
        for status in BY_STATUS {
            let group: Vec<&Proposal> =
                shown.iter().copied().filter(|p| p.status == status).collect();
            if group.is_empty() {
                continue;
            }
            let heading = format!("{} ({})", show::proposal_status(lang, status), group.len());
            let mut items = Vec::new();
            for p in group {
                let other = if incoming { p.from_profile } else { p.to_profile };
                let other_name = named.get(&other).cloned().unwrap_or_default();
                let mut line =
                    format!("{other_name} · {} · {}", show::day(lang, p.terms.day), p.terms.fee);
                if p.status == ProposalStatus::Held
                    && let Some(h) =
                        turn.bookings().hold_status(p.id).await.map_err(flow_to_store)?
                {
                    line.push_str(" · ");
                    line.push_str(&show::hold_short(lang, turn.zone, &h));
                }
                if let Some(reason) =
                    p.reason.as_deref().filter(|r| show::closed_by_system(Some(r)))
                {
                    line.push_str(" · ");
                    line.push_str(&show::proposal_reason(lang, reason));
                }
                items.push(vec![Span::Bold(format!("#{} ", p.id)), Span::Plain(line)]);
                buttons.push(turn.button_text(format!("#{}", p.id), &Action::Open(p.id)));
            }
            r = r.para(vec![Span::Italic(heading)]).list(items);
        }
    }
    r = r.grid(buttons, 4);
    // A venue's dates with open proposals or holds: each opens the date view.
    let today = turn.ctx.today();
    let mut boards: Vec<(ProfileId, NaiveDate)> = all
        .iter()
        .filter(|p| !p.status.is_final() && p.terms.day >= today)
        .filter(|p| owned.iter().any(|m| m.id == p.venue && m.kind == ProfileKind::Venue))
        .map(|p| (p.venue, p.terms.day))
        .collect();
    boards.sort_by_key(|(v, d)| (*d, *v));
    boards.dedup();
    if !boards.is_empty() {
        r = r.para(turn.s("boards-title", &[]));
        let days: Vec<Button> = boards
            .iter()
            .take(BOARD_DAYS)
            .map(|(v, d)| {
                turn.button_text(
                    turn.ta("btn-board-day", &[("day", show::day(lang, *d))]),
                    &Action::Board(*v, *d),
                )
            })
            .collect();
        r = r.grid(days, 4);
    }
    turn.push(r);
    Ok(())
}

/// Confirmed bookings of `mine` from today on, soonest first.
async fn upcoming_bookings(
    turn: &Turn<'_>,
    mine: &[ProfileId],
) -> Result<Vec<Booking>, StoreError> {
    let today = turn.ctx.today();
    let mut out: Vec<Booking> = Vec::new();
    for id in mine {
        for b in turn.store().bookings_of_profile(*id).await? {
            if b.status == BookingStatus::Confirmed
                && b.day >= today
                && !out.iter().any(|o| o.id == b.id)
            {
                out.push(b);
            }
        }
    }
    out.sort_by_key(|b| (b.day, b.id));
    Ok(out)
}

/// Whether the person sent (`Some(true)`), received (`Some(false)`) or has nothing to do with it.
async fn side(turn: &Turn<'_>, p: &Proposal) -> Result<Option<bool>, StoreError> {
    let mine: Vec<ProfileId> =
        turn.store().profiles_of(turn.account()).await?.iter().map(|p| p.id).collect();
    Ok(if mine.contains(&p.from_profile) {
        Some(true)
    } else if mine.contains(&p.to_profile) {
        Some(false)
    } else {
        None
    })
}

async fn load(turn: &mut Turn<'_>, id: ProposalId) -> Result<Option<(Proposal, bool)>, StoreError> {
    let p = match turn.store().proposal(id).await {
        Ok(p) => p,
        Err(StoreError::NotFound(_)) => {
            turn.say("proposal-unknown", &[]);
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    match side(turn, &p).await? {
        Some(sent) => Ok(Some((p, sent))),
        None => {
            turn.say("proposal-unknown", &[]);
            Ok(None)
        }
    }
}

/// The side the person is on: the venue's if they own both profiles (holds are its decision).
async fn party(turn: &Turn<'_>, p: &Proposal) -> Result<Party, StoreError> {
    let mine: Vec<ProfileId> =
        turn.store().profiles_of(turn.account()).await?.iter().map(|p| p.id).collect();
    Ok(if mine.contains(&p.venue) { Party::Venue } else { Party::Artist })
}

/// One proposal: its terms, status (with a hold's rank, expiry and challenge), thread, a
/// booking's contract and calendar, and the moves the person may make, as buttons.
pub(crate) async fn open(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    let Some((p, sent)) = load(turn, id).await? else { return Ok(()) };
    let lang = turn.lang;
    let named = names(turn, [p.from_profile, p.to_profile]).await?;
    let other =
        named.get(if sent { &p.to_profile } else { &p.from_profile }).cloned().unwrap_or_default();
    let key = if sent { "proposal-to" } else { "proposal-from" };
    let moves = turn.bookings().moves(turn.account(), id).await.map_err(flow_to_store)?;
    let mut r = turn.msg(key, &[("id", p.id.to_string()), ("name", other.clone())]).para(vec![
        Span::Italic(if show::closed_by_system(p.reason.as_deref()) {
            turn.t("pstatus-closed")
        } else {
            show::proposal_status(lang, p.status)
        }),
    ]);
    if p.status == ProposalStatus::Held
        && let Some(h) = turn.bookings().hold_status(id).await.map_err(flow_to_store)?
    {
        // The receiver decides a 1st hold (confirms, or releases when challenged).
        let decides = !sent && h.rank == 1;
        r = r.list(show::hold_lines(lang, turn.zone, &h, decides, moves.release));
    }
    r = r.list(terms_lines(turn, &p.terms));
    if let Some(reason) = &p.reason {
        let reason = show::proposal_reason(lang, reason);
        r = r.para(turn.s("proposal-reason", &[("reason", reason)]));
    }
    let thread = turn.bookings().thread(id).await.map_err(flow_to_store)?;
    if !thread.is_empty() {
        let me = turn.account();
        let you = turn.t("thread-you");
        let items = thread
            .iter()
            .map(|(_, m)| {
                let who = if m.author == me { you.clone() } else { other.clone() };
                vec![Span::Bold(format!("{who} : ")), Span::Plain(m.body.clone())]
            })
            .collect();
        r = r.para(turn.s("thread-title", &[])).list(items);
    }
    let booking = match p.status {
        ProposalStatus::Accepted => turn
            .store()
            .bookings_of_profile(p.venue)
            .await?
            .into_iter()
            .find(|b| b.proposal == id && b.status == BookingStatus::Confirmed),
        _ => None,
    };
    if let Some(b) = &booking {
        let mine = p.profile_of(party(turn, &p).await?);
        r = r
            .para(turn.s("booking-home", &[("booking", b.id.to_string())]))
            .list(calendar::lines(turn.store(), turn.ctx.rules, lang, mine).await?);
    }
    r = super::payments::with_booking_state(turn, r, id).await?;
    let (answer, holds) = move_buttons(turn, id, &moves);
    r = r.row(answer).row(holds);
    if let Some(b) = &booking {
        r = r.row(vec![
            turn.button("btn-contract", &Action::Contract(b.id)),
            turn.button("btn-cancel-booking", &Action::CancelBooking(b.id)),
        ]);
    }
    let mut row = vec![turn.button("btn-message", &Action::Message(id))];
    if !p.status.is_final() && party(turn, &p).await? == Party::Venue {
        row.push(turn.button("btn-board", &Action::Board(p.venue, p.terms.day)));
    }
    row.push(turn.button("btn-proposals", &Action::Command("proposals")));
    r = r.row(row);
    turn.push(r);
    Ok(())
}

/// The buttons of the moves allowed: answers first (accept or confirm, refuse, counter,
/// withdraw), then the holds (place or ask, release, challenge).
fn move_buttons(turn: &Turn<'_>, id: ProposalId, m: &Moves) -> (Vec<Button>, Vec<Button>) {
    let pick =
        |allowed: bool, key: &str, action: Action| allowed.then(|| turn.button(key, &action));
    let answer = [
        pick(m.accept, "btn-accept", Action::Accept(id)),
        pick(m.confirm, "btn-confirm", Action::Confirm(id)),
        pick(m.refuse, "btn-refuse", Action::Refuse(id)),
        pick(m.counter, "btn-counter", Action::Counter(id)),
        pick(m.withdraw, "btn-withdraw", Action::Withdraw(id)),
    ];
    let holds = [
        pick(m.hold, "btn-hold", Action::Hold(id)),
        pick(m.ask_hold, "btn-ask-hold", Action::AskHold(id)),
        pick(m.release, "btn-release", Action::Release(id)),
        pick(m.challenge, "btn-challenge", Action::Challenge(id)),
    ];
    (answer.into_iter().flatten().collect(), holds.into_iter().flatten().collect())
}

/// A venue's date view: the booking if any, then the holds by rank with their expiry and any
/// challenge, then the open proposals, each with the moves the venue may make.
pub(crate) async fn board(
    turn: &mut Turn<'_>,
    venue: ProfileId,
    day: NaiveDate,
) -> Result<(), StoreError> {
    let board = match turn.bookings().date_board(turn.account(), venue, day).await {
        Ok(b) => b,
        Err(e) => return refused(turn, e),
    };
    let lang = turn.lang;
    let name = turn.store().profile(venue).await?.details.name().to_string();
    let mut r = turn.msg("board-title", &[("name", name), ("day", when::date(lang, day))]);
    if board.bookings.is_empty() {
        r = r.para(turn.s("board-no-booking", &[]));
    }
    for (b, artist) in &board.bookings {
        r = r.para(
            turn.s("board-booking", &[("artist", artist.clone()), ("booking", b.id.to_string())]),
        );
        r = r.row(vec![turn.button_text(
            turn.ta("btn-booking", &[("booking", b.id.to_string())]),
            &Action::Open(b.proposal),
        )]);
    }
    for (title, entries) in [("board-holds", &board.holds), ("board-open", &board.open)] {
        if entries.is_empty() {
            continue;
        }
        r = r.para(turn.s(title, &[]));
        let items = entries.iter().map(|e| board_line(turn, e)).collect();
        r = r.list(items);
        for e in entries {
            // Refusing and countering need a reason or terms: the proposal's own screen (its
            // "#id" button) has them; the board keeps the moves made with one press.
            let one_press = Moves { refuse: false, counter: false, ..e.moves };
            let (answer, holds) = move_buttons(turn, e.proposal.id, &one_press);
            let id = e.proposal.id;
            let mut row = vec![turn.button_text(format!("#{id}"), &Action::Open(id))];
            row.extend(answer);
            row.extend(holds);
            r = r.row(row);
        }
    }
    if board.holds.is_empty() && board.open.is_empty() {
        r = r.para(turn.s("board-nothing-open", &[]));
    }
    r = r.row(vec![turn.button("btn-proposals", &Action::Command("proposals"))]);
    turn.push(r);
    Ok(())
}

fn board_line(turn: &Turn<'_>, e: &BoardEntry) -> Vec<Span> {
    let lang = turn.lang;
    let mut line = format!("{} · {}", e.artist_name, e.proposal.terms.fee);
    if let Some(h) = &e.hold {
        line = format!("{} · {line}", show::hold_short(lang, turn.zone, h));
    }
    vec![Span::Bold(format!("#{} ", e.proposal.id)), Span::Plain(line)]
}

/// Says why the booking service refused, or passes a store failure up.
fn refused(turn: &mut Turn<'_>, e: BookingFlowError) -> Result<(), StoreError> {
    if let BookingFlowError::Store(e) = e {
        return Err(e);
    }
    let text = super::errors::booking(turn.lang, &e);
    turn.warn(text);
    Ok(())
}

pub(crate) async fn accept(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    let accepted = turn.bookings().accept(turn.account(), id).await;
    booked(turn, id, accepted).await
}

/// The receiver confirms the 1st hold: booked like an accept.
pub(crate) async fn confirm(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    let confirmed = turn.bookings().confirm_hold(turn.account(), id).await;
    booked(turn, id, confirmed).await
}

/// Says the date is booked, with the person's calendar link; or why not.
async fn booked(
    turn: &mut Turn<'_>,
    id: ProposalId,
    outcome: Result<crate::booking::Accepted, BookingFlowError>,
) -> Result<(), StoreError> {
    let a = match outcome {
        Ok(a) => a,
        Err(e) => return refused(turn, e),
    };
    let day = show::day(turn.lang, a.booking.day);
    let p = turn.store().proposal(id).await?;
    let mine = p.profile_of(party(turn, &p).await?);
    let lines = calendar::lines(turn.store(), turn.ctx.rules, turn.lang, mine).await?;
    let mut r = turn.msg(
        "accepted",
        &[("id", id.to_string()), ("booking", a.booking.reference()), ("day", day.clone())],
    );
    // One summary of what this booking closed, rather than a notice per proposal.
    if !a.closed.is_empty() {
        r = r.para(turn.s(
            &i18n::counted(turn.lang, "accepted-closed", a.closed.len()),
            &[("count", a.closed.len().to_string()), ("day", day)],
        ));
    }
    let r = r.list(lines).row(vec![turn.button("btn-proposals", &Action::Command("proposals"))]);
    turn.push(r);
    Ok(())
}

/// The venue holds the date: told its rank and until when.
pub(crate) async fn hold(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().hold(turn.account(), id).await {
        Ok(h) => {
            let r = turn
                .msg(
                    "held",
                    &[
                        ("id", id.to_string()),
                        ("label", show::hold_label(turn.lang, h.rank)),
                        ("until", when::moment(turn.lang, turn.zone, h.expires_at)),
                    ],
                )
                .row(vec![
                    turn.button("btn-open", &Action::Open(id)),
                    turn.button("btn-board", &Action::Board(h.venue, h.day)),
                ]);
            turn.push(r);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

/// The artist side asks the venue to hold the date; the venue decides.
pub(crate) async fn ask_hold(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().ask_hold(turn.account(), id).await {
        Ok(()) => {
            turn.say("hold-asked", &[("id", id.to_string())]);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

pub(crate) async fn release(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().release(turn.account(), id).await {
        Ok(_) => {
            let r = turn
                .msg("released", &[("id", id.to_string())])
                .row(vec![turn.button("btn-open", &Action::Open(id))]);
            turn.push(r);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

/// Whether the person may answer the proposal now (they received it and it is open); when not,
/// says why.
async fn may_answer(turn: &mut Turn<'_>, id: ProposalId) -> Result<bool, StoreError> {
    let Some((p, sent)) = load(turn, id).await? else { return Ok(false) };
    if sent || p.status.is_final() {
        let why = if sent {
            BookingFlowError::NotYourProposal
        } else {
            BookingFlowError::AlreadyAnswered(p.status)
        };
        refused(turn, why)?;
        return Ok(false);
    }
    Ok(true)
}

pub(crate) async fn refuse(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    if !may_answer(turn, id).await? {
        return Ok(());
    }
    let prompt = Prompt::RefuseReason { proposal: id };
    turn.state.mode = Mode::Await(prompt.clone());
    prompts::ask(turn, &prompt);
    Ok(())
}

/// The refusal itself, once the reason is given or skipped.
pub(crate) async fn refuse_with(
    turn: &mut Turn<'_>,
    id: ProposalId,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    match turn.bookings().refuse(turn.account(), id, reason).await {
        Ok(_) => {
            turn.say("refused", &[("id", id.to_string())]);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

pub(crate) async fn counter(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    if !may_answer(turn, id).await? {
        return Ok(());
    }
    propose::counter(turn, id).await
}

pub(crate) async fn withdraw(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().withdraw(turn.account(), id).await {
        Ok(_) => {
            turn.say("withdrawn", &[("id", id.to_string())]);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

pub(crate) async fn message(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    let Some((p, sent)) = load(turn, id).await? else {
        return Ok(());
    };
    let other = turn.store().profile(if sent { p.to_profile } else { p.from_profile }).await?;
    if other.status.is_erased() {
        // Say it before the person writes anything.
        turn.say("profile-erased", &[]);
        return Ok(());
    }
    let prompt = Prompt::ThreadMessage { proposal: id };
    turn.state.mode = Mode::Await(prompt.clone());
    prompts::ask(turn, &prompt);
    Ok(())
}

pub(crate) async fn message_with(
    turn: &mut Turn<'_>,
    id: ProposalId,
    body: &str,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    match turn.bookings().message(id, turn.account(), body).await {
        Ok(()) => {
            let r = turn.msg("message-sent", &[("id", id.to_string())]).row(vec![
                turn.button("btn-open", &Action::Open(id)),
                turn.button("btn-message", &Action::Message(id)),
            ]);
            turn.push(r);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

/// A lower hold asks the 1st to confirm or release within the configured hours.
pub(crate) async fn challenge(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().challenge(turn.account(), id).await {
        Ok(first) => {
            let hours = turn.ctx.rules.challenge_hours;
            let by = first
                .challenge_deadline
                .map_or_else(|| "—".to_owned(), |d| when::deadline(turn.lang, turn.zone, d));
            turn.say(
                "challenged",
                &[
                    ("id", id.to_string()),
                    ("first", first.proposal.to_string()),
                    ("hours", hours.to_string()),
                    ("by", by),
                ],
            );
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

/// The contract of a booking, sent again (the same bytes as the first time).
pub(crate) async fn contract(turn: &mut Turn<'_>, id: BookingId) -> Result<(), StoreError> {
    let service = turn.bookings();
    if let Err(e) = service.side_of(turn.account(), id).await {
        return refused(turn, e);
    }
    match service.contract(id, None).await {
        Ok((input, contract)) => {
            let r = turn.msg("contract-again", &[("booking", id.to_string())]).attach(Attachment {
                file_name: crate::contract::Contract::file_name(&input),
                mime_type: "application/pdf".to_owned(),
                bytes: contract.bytes,
            });
            turn.push(r);
            Ok(())
        }
        Err(BookingFlowError::Store(e)) => Err(e),
        Err(e) => {
            tracing::warn!(booking = %id, error = %e, "contract not generated again");
            turn.say("contract-unavailable", &[("booking", id.to_string())]);
            Ok(())
        }
    }
}

/// Cancelling a booking asks first: which booking, that both sides are told, and the reason.
pub(crate) async fn ask_cancel(turn: &mut Turn<'_>, id: BookingId) -> Result<(), StoreError> {
    let service = turn.bookings();
    if let Err(e) = service.side_of(turn.account(), id).await {
        return refused(turn, e);
    }
    let b = turn.store().booking(id).await?;
    if b.status == BookingStatus::Cancelled {
        return refused(turn, BookingFlowError::BookingCancelled);
    }
    turn.say(
        "booking-cancel-confirm",
        &[("booking", id.to_string()), ("day", when::date(turn.lang, b.day))],
    );
    let prompt = Prompt::CancelReason { booking: id };
    turn.state.mode = Mode::Await(prompt.clone());
    prompts::ask(turn, &prompt);
    Ok(())
}

pub(crate) async fn cancel_booking(
    turn: &mut Turn<'_>,
    id: BookingId,
    reason: &str,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    match turn.bookings().cancel_booking(turn.account(), id, reason).await {
        Ok(b) => {
            let day = show::day(turn.lang, b.day);
            turn.say("booking-cancelled", &[("booking", id.to_string()), ("day", day)]);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}
