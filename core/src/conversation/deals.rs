//! `/proposals`: incoming and outgoing proposals by status; the receiver accepts, holds, refuses
//! (optional reason) or counters, the sender withdraws, and either side writes in the thread,
//! relayed to the other whatever their platform. The rules are `crate::booking`'s.

use std::collections::HashMap;

use super::errors::flow_to_store;
use super::payload::Action;
use super::prompts;
use super::propose::{self, terms_lines};
use super::reply::{Reply, Span};
use super::show;
use super::state::{Mode, Prompt};
use super::turn::Turn;
use crate::booking::BookingFlowError;
use crate::domain::proposal::{BookingStatus, Proposal, ProposalStatus};
use crate::domain::{BookingId, ProfileId, ProposalId};
use crate::store::StoreError;

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
    let mut out = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = out.entry(id) {
            match turn.store().profile(id).await {
                Ok(p) => {
                    e.insert(p.details.name().to_string());
                }
                Err(StoreError::NotFound(_)) => {
                    e.insert("?".to_owned());
                }
                Err(err) => return Err(err),
            }
        }
    }
    Ok(out)
}

pub(crate) async fn list(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let lang = turn.lang;
    let mine: Vec<ProfileId> =
        turn.store().profiles_of(turn.account()).await?.iter().map(|p| p.id).collect();
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
            let group: Vec<&&Proposal> = shown.iter().filter(|p| p.status == status).collect();
            if group.is_empty() {
                continue;
            }
            let heading = format!("{} ({})", show::proposal_status(lang, status), group.len());
            let mut items = Vec::new();
            for p in group {
                let other = if incoming { p.from_profile } else { p.to_profile };
                let other_name = named.get(&other).cloned().unwrap_or_default();
                items.push(vec![
                    Span::Bold(format!("#{} ", p.id)),
                    Span::Plain(format!(
                        "{other_name} · {} · {}",
                        show::day(lang, p.terms.day),
                        p.terms.fee
                    )),
                ]);
                buttons.push(turn.button_text(format!("#{}", p.id), &Action::Open(p.id)));
            }
            r = r.para(vec![Span::Italic(heading)]).list(items);
        }
    }
    r = r.grid(buttons, 4);
    turn.push(r);
    Ok(())
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

/// One proposal: its terms, status, thread, and what the person may do with it.
pub(crate) async fn open(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    let Some((p, sent)) = load(turn, id).await? else { return Ok(()) };
    let lang = turn.lang;
    let named = names(turn, [p.from_profile, p.to_profile]).await?;
    let other =
        named.get(if sent { &p.to_profile } else { &p.from_profile }).cloned().unwrap_or_default();
    let key = if sent { "proposal-to" } else { "proposal-from" };
    let mut r = turn
        .msg(key, &[("id", p.id.to_string()), ("name", other.clone())])
        .para(vec![Span::Italic(if show::closed_by_system(p.reason.as_deref()) {
            turn.t("pstatus-closed")
        } else {
            show::proposal_status(lang, p.status)
        })])
        .list(terms_lines(turn, &p.terms));
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
    let open = !p.status.is_final();
    let mut row = Vec::new();
    if open && !sent {
        row.push(turn.button("btn-accept", &Action::Accept(id)));
        row.push(turn.button("btn-refuse", &Action::Refuse(id)));
        row.push(turn.button("btn-counter", &Action::Counter(id)));
    }
    if open && sent {
        row.push(turn.button("btn-withdraw", &Action::Withdraw(id)));
    }
    r = r.row(row);
    let mut row2 = vec![turn.button("btn-message", &Action::Message(id))];
    if !sent && p.status == ProposalStatus::Sent {
        row2.push(turn.button("btn-hold", &Action::Hold(id)));
    }
    if !sent && p.status == ProposalStatus::Held {
        row2.push(turn.button("btn-release", &Action::Release(id)));
    }
    if p.status == ProposalStatus::Held {
        row2.push(turn.button("btn-challenge", &Action::Challenge(id)));
    }
    if p.status == ProposalStatus::Accepted
        && let Some(b) = turn
            .store()
            .bookings_of_profile(p.venue)
            .await?
            .into_iter()
            .find(|b| b.proposal == id && b.status == BookingStatus::Confirmed)
    {
        row2.push(turn.button("btn-cancel-booking", &Action::CancelBooking(b.id)));
    }
    row2.push(turn.button("btn-proposals", &Action::Command("proposals")));
    r = r.row(row2);
    turn.push(r);
    Ok(())
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
    match turn.bookings().accept(turn.account(), id).await {
        Ok(a) => {
            let day = show::day(turn.lang, a.booking.day);
            let r = turn
                .msg(
                    "accepted",
                    &[("id", id.to_string()), ("booking", a.booking.id.to_string()), ("day", day)],
                )
                .row(vec![turn.button("btn-proposals", &Action::Command("proposals"))]);
            turn.push(r);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

pub(crate) async fn hold(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().hold(turn.account(), id).await {
        Ok(h) => {
            turn.say("held", &[("id", id.to_string()), ("rank", h.rank.to_string())]);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
}

pub(crate) async fn release(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    match turn.bookings().release(turn.account(), id).await {
        Ok(_) => {
            turn.say("released", &[("id", id.to_string())]);
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
    if load(turn, id).await?.is_none() {
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
        Ok(_) => {
            turn.say("challenged", &[("id", id.to_string())]);
            Ok(())
        }
        Err(e) => refused(turn, e),
    }
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
