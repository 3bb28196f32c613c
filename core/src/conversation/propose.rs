//! Writing a proposal (or a counter-offer): a date both sides have free, the fee (pre-filled with
//! the artist's), the deal type, the set length and times, a message, then confirm. Sending goes
//! through `crate::booking`, which checks the rules and tells the other side.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveTime};

use super::errors::{Problem, message};
use super::payload::{Action, DealKind};
use super::reply::Span;
use super::state::{Mode, ProposeDraft, ProposeStep};
use super::turn::{Turn, idle_help};
use super::{prompts, show};
use crate::booking::BookingFlowError;
use crate::domain::ProfileId;
use crate::domain::ProposalId;
use crate::domain::profile::{Profile, ProfileDetails};
use crate::domain::proposal::{Deal, Proposal, ShowTimes, Terms};
use crate::domain::values::{DateSet, Fee, SetLength};
use crate::store::StoreError;

const SHOWN_DAYS: usize = 8;

fn draft<'a>(turn: &'a mut Turn<'_>) -> Option<&'a mut ProposeDraft> {
    match &mut turn.state.mode {
        Mode::Propose(d) => Some(d),
        _ => None,
    }
}

fn artist_fee(a: &Profile, b: &Profile) -> Option<Fee> {
    [a, b].into_iter().find_map(|p| match &p.details {
        ProfileDetails::Artist(x) => Some(x.fee),
        ProfileDetails::Venue(_) => None,
    })
}

/// Starts a proposal to `to` from the person's active profile, or a counter-offer to `counter`.
pub(crate) async fn begin(
    turn: &mut Turn<'_>,
    to: ProfileId,
    counter: Option<&Proposal>,
) -> Result<(), StoreError> {
    let Some(me) = turn.active_profile().await? else {
        turn.say("need-profile", &[]);
        return Ok(());
    };
    let target = match turn.store().profile(to).await {
        Ok(p) if p.status.is_public() => p,
        Ok(p) if p.status.is_erased() => {
            turn.say("profile-erased", &[]);
            return Ok(());
        }
        Ok(_) | Err(StoreError::NotFound(_)) => {
            turn.say("profile-gone", &[]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let from = match counter {
        Some(p) => turn.store().profile(p.to_profile).await?,
        None => me,
    };
    if from.kind() == target.kind() {
        turn.say("propose-same-kind", &[]);
        return Ok(());
    }
    if !from.status.is_public() {
        turn.say("propose-not-approved", &[]);
        return Ok(());
    }
    let Some(fee) = counter.map(|p| p.terms.fee).or_else(|| artist_fee(&from, &target)) else {
        turn.say("propose-same-kind", &[]);
        return Ok(());
    };
    let results = match &turn.state.mode {
        Mode::Results(r) => Some(r.clone()),
        _ => None,
    };
    // A counter-offer starts from the terms it answers.
    let (deal, percent) = match counter.map(|p| p.terms.deal) {
        Some(Deal::DoorDeal { percent_bp }) => (DealKind::Door, percent_bp / 100),
        Some(Deal::GuaranteeVersus { percent_bp }) => (DealKind::Versus, percent_bp / 100),
        Some(Deal::GuaranteePlus { percent_bp }) => (DealKind::Plus, percent_bp / 100),
        Some(Deal::FlatFee) | None => (DealKind::Flat, 70),
    };
    let d = ProposeDraft {
        from: from.id,
        to: target.id,
        counter_of: counter.map(|p| p.id),
        step: if counter.is_some() { ProposeStep::Fee } else { ProposeStep::Day },
        day: counter.map(|p| p.terms.day),
        fee,
        deal,
        percent,
        set_minutes: counter.map_or(60, |p| p.terms.set_minutes),
        times: counter.map(|p| p.terms.times).unwrap_or_default(),
        message: None,
        results,
        day_page: 0,
    };
    turn.state.mode = Mode::Propose(Box::new(d));
    let key = if counter.is_some() { "counter-intro" } else { "propose-intro" };
    turn.say(key, &[("name", target.details.name().to_string())]);
    ask(turn).await
}

/// The dates both sides still have free (declared free, not taken by a booking), from today.
async fn common_days(turn: &Turn<'_>, d: &ProposeDraft) -> Result<Vec<NaiveDate>, StoreError> {
    let a = turn.store().profile(d.from).await?;
    let b = turn.store().profile(d.to).await?;
    let today = turn.ctx.today();
    let mine: BTreeSet<NaiveDate> = a.free_dates().dates().range(today..).copied().collect();
    Ok(b.free_dates().dates().range(today..).filter(|x| mine.contains(x)).copied().collect())
}

/// Whether a booking already takes `day` for either side (the artist booked, the venue full).
async fn day_taken(turn: &Turn<'_>, d: &ProposeDraft, day: NaiveDate) -> Result<bool, StoreError> {
    for id in [d.from, d.to] {
        if turn.store().profile(id).await?.taken.contains(&day) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(crate) async fn ask(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Some(d) = draft(turn).map(|d| d.clone()) else { return Ok(()) };
    let lang = turn.lang;
    let nav = turn.back_cancel();
    let r = match d.step {
        ProposeStep::Day => {
            let days = common_days(turn, &d).await?;
            let mut r = if days.is_empty() {
                turn.msg("propose-day-none", &prompts::examples(turn))
            } else {
                turn.msg_n("propose-day", days.len(), &[])
            };
            // Every common date is reachable: the picker pages through them.
            let pages = days.len().div_ceil(SHOWN_DAYS).max(1);
            let page = usize::from(d.day_page).min(pages - 1);
            let buttons: Vec<_> = days
                .iter()
                .skip(page * SHOWN_DAYS)
                .take(SHOWN_DAYS)
                .map(|x| turn.button_text(show::day(lang, *x), &Action::Day(*x)))
                .collect();
            r = r.grid(buttons, 2);
            let mut turns = Vec::new();
            let to_page = |n: usize| Action::Page(u16::try_from(n).unwrap_or(u16::MAX));
            if page > 0 {
                turns.push(turn.button("btn-prev", &to_page(page - 1)));
            }
            if page + 1 < pages {
                turns.push(turn.button("btn-next", &to_page(page + 1)));
            }
            if !turns.is_empty() {
                r = r.row(turns);
            }
            r
        }
        ProposeStep::Fee => turn.msg("propose-fee", &[("fee", d.fee.to_string())]).row(vec![
            turn.button_text(turn.ta("btn-keep", &[("value", d.fee.to_string())]), &Action::Done),
        ]),
        ProposeStep::Deal => {
            let buttons = DealKind::ALL
                .iter()
                .map(|k| turn.button(&format!("deal-{}", k.code()), &Action::Deal(*k)))
                .collect();
            turn.msg("propose-deal", &[]).grid(buttons, 2)
        }
        ProposeStep::Percent => turn.msg("propose-percent", &[]).row(vec![
            turn.button_text("60 %", &Action::Percent(60)),
            turn.button_text("70 %", &Action::Percent(70)),
            turn.button_text("80 %", &Action::Percent(80)),
        ]),
        ProposeStep::SetLength => turn.msg("propose-set", &[]).row(
            [45, 60, 90, 120]
                .iter()
                .map(|m| turn.button_text(format!("{m} min"), &Action::SetMinutes(*m)))
                .collect(),
        ),
        ProposeStep::Times => {
            turn.msg("propose-times", &[]).row(vec![turn.button("btn-skip", &Action::Skip)])
        }
        ProposeStep::Message => {
            turn.msg("propose-message", &[]).row(vec![turn.button("btn-skip", &Action::Skip)])
        }
        ProposeStep::Confirm => {
            let Some(day) = d.day else {
                if let Some(dm) = draft(turn) {
                    dm.step = ProposeStep::Day;
                }
                return Box::pin(ask(turn)).await;
            };
            let to = turn.store().profile(d.to).await?;
            let terms = terms_of(&d, day);
            turn.msg("propose-confirm", &[("name", to.details.name().to_string())])
                .list(terms_lines(turn, &terms))
                .row(vec![turn.button("btn-send", &Action::Send)])
        }
    };
    turn.push(r.row(nav));
    Ok(())
}

fn deal_of(d: &ProposeDraft) -> Deal {
    let bp = d.percent.saturating_mul(100);
    match d.deal {
        DealKind::Flat => Deal::FlatFee,
        DealKind::Door => Deal::DoorDeal { percent_bp: bp },
        DealKind::Versus => Deal::GuaranteeVersus { percent_bp: bp },
        DealKind::Plus => Deal::GuaranteePlus { percent_bp: bp },
    }
}

fn terms_of(d: &ProposeDraft, day: NaiveDate) -> Terms {
    Terms {
        day,
        fee: d.fee,
        deal: deal_of(d),
        set_minutes: d.set_minutes,
        times: d.times,
        message: d.message.clone(),
    }
}

/// The lines of a set of terms, as the confirmation and the proposal view show them.
pub(crate) fn terms_lines(turn: &Turn<'_>, t: &Terms) -> Vec<Vec<Span>> {
    let lang = turn.lang;
    let line = |key: &str, v: String| vec![Span::Bold(format!("{} ", turn.t(key))), Span::Plain(v)];
    let mut out = vec![
        line("term-day", show::day(lang, t.day)),
        line("term-fee", show::fee_ht(lang, t.fee)),
        line("term-deal", show::deal(lang, &t.deal)),
        line("term-set", format!("{} min", t.set_minutes)),
        line("term-times", show::times(lang, &t.times)),
    ];
    if let Some(m) = &t.message {
        out.push(line("term-message", m.clone()));
    }
    out
}

fn next(step: ProposeStep, deal: DealKind) -> ProposeStep {
    match step {
        ProposeStep::Day => ProposeStep::Fee,
        ProposeStep::Fee => ProposeStep::Deal,
        ProposeStep::Deal if deal == DealKind::Flat => ProposeStep::SetLength,
        ProposeStep::Deal => ProposeStep::Percent,
        ProposeStep::Percent => ProposeStep::SetLength,
        ProposeStep::SetLength => ProposeStep::Times,
        ProposeStep::Times => ProposeStep::Message,
        ProposeStep::Message | ProposeStep::Confirm => ProposeStep::Confirm,
    }
}

fn previous(step: ProposeStep, deal: DealKind) -> Option<ProposeStep> {
    Some(match step {
        ProposeStep::Day => return None,
        ProposeStep::Fee => ProposeStep::Day,
        ProposeStep::Deal => ProposeStep::Fee,
        ProposeStep::Percent => ProposeStep::Deal,
        ProposeStep::SetLength if deal == DealKind::Flat => ProposeStep::Deal,
        ProposeStep::SetLength => ProposeStep::Percent,
        ProposeStep::Times => ProposeStep::SetLength,
        ProposeStep::Message => ProposeStep::Times,
        ProposeStep::Confirm => ProposeStep::Message,
    })
}

async fn problem(turn: &mut Turn<'_>, p: &Problem) -> Result<(), StoreError> {
    let text = message(turn.lang, p);
    turn.warn(text);
    ask(turn).await
}

async fn set_day(turn: &mut Turn<'_>, day: NaiveDate) -> Result<(), StoreError> {
    let Some(d) = draft(turn).map(|d| d.clone()) else { return Ok(()) };
    let common = common_days(turn, &d).await?;
    // With no date in common, any future date may be asked (the other side answers), but never
    // one a booking already takes.
    if (!common.is_empty() && !common.contains(&day)) || day_taken(turn, &d, day).await? {
        return problem(turn, &Problem::DayNotCommon).await;
    }
    if let Some(dm) = draft(turn) {
        dm.day = Some(day);
        dm.step = next(dm.step, dm.deal);
    }
    ask(turn).await
}

pub(crate) async fn text(turn: &mut Turn<'_>, input: &str) -> Result<(), StoreError> {
    turn.pure = true;
    let today = turn.ctx.today();
    let Some(d) = draft(turn) else { return Ok(()) };
    match d.step {
        ProposeStep::Day => match DateSet::parse(input, today) {
            Ok(set) if set.len() == 1 => match set.dates().first() {
                Some(day) => set_day(turn, *day).await,
                None => problem(turn, &Problem::DayNotCommon).await,
            },
            Ok(_) => problem(turn, &Problem::DayNotCommon).await,
            Err(e) => problem(turn, &Problem::Dates(e)).await,
        },
        ProposeStep::Fee => match Fee::parse(input) {
            Ok(fee) => {
                d.fee = fee;
                d.step = next(d.step, d.deal);
                ask(turn).await
            }
            Err(e) => problem(turn, &Problem::Fee(e)).await,
        },
        ProposeStep::Percent => match input.trim().trim_end_matches('%').trim().parse::<u16>() {
            Ok(p) if (1..=100).contains(&p) => {
                d.percent = p;
                d.step = next(d.step, d.deal);
                ask(turn).await
            }
            _ => problem(turn, &Problem::Percent).await,
        },
        ProposeStep::SetLength => match SetLength::parse(input) {
            Ok(s) => {
                d.set_minutes = s.total_minutes();
                d.step = next(d.step, d.deal);
                if s.sets > 1 {
                    let (sets, each, total) = (s.sets, s.minutes_each, s.total_minutes());
                    turn.say(
                        "propose-sets-total",
                        &[
                            ("sets", sets.to_string()),
                            ("each", each.to_string()),
                            ("total", total.to_string()),
                        ],
                    );
                }
                ask(turn).await
            }
            Err(_) => problem(turn, &Problem::Minutes).await,
        },
        ProposeStep::Times => match parse_times(input) {
            Some(times) => {
                d.times = times;
                d.step = next(d.step, d.deal);
                ask(turn).await
            }
            None => problem(turn, &Problem::Times).await,
        },
        ProposeStep::Message => {
            let m: String =
                input.trim().chars().filter(|c| !c.is_control() || *c == '\n').take(2000).collect();
            d.message = if m.is_empty() { None } else { Some(m) };
            d.step = next(d.step, d.deal);
            ask(turn).await
        }
        ProposeStep::Deal | ProposeStep::Confirm => problem(turn, &Problem::Choose).await,
    }
}

/// "17:00 18:00 20:00 21:00 23:30": load-in, soundcheck, doors, set, curfew, in that order; fewer
/// times fill the first ones.
#[must_use]
pub fn parse_times(input: &str) -> Option<ShowTimes> {
    let mut times = Vec::new();
    for word in input.split([' ', ',', ';']).map(str::trim).filter(|w| !w.is_empty()) {
        let w = word.replace('h', ":");
        let w = if w.ends_with(':') { format!("{w}00") } else { w };
        times.push(NaiveTime::parse_from_str(&w, "%H:%M").ok()?);
    }
    if times.is_empty() || times.len() > 5 {
        return None;
    }
    let mut it = times.into_iter();
    Some(ShowTimes {
        load_in: it.next(),
        soundcheck: it.next(),
        doors: it.next(),
        set_start: it.next(),
        curfew: it.next(),
    })
}

pub(crate) async fn action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    turn.pure = !matches!(action, Action::Send);
    let Some(d) = draft(turn) else { return Ok(()) };
    match (d.step, action) {
        (_, Action::Cancel) => {
            turn.state.mode = Mode::Idle;
            turn.say("propose-cancelled", &[]);
            idle_help(turn);
            Ok(())
        }
        (step, Action::Back) => {
            match previous(step, d.deal) {
                Some(p) => d.step = p,
                None => {
                    let results = d.results.take();
                    turn.say("propose-cancelled", &[]);
                    if let Some(r) = results {
                        turn.state.mode = Mode::Results(r);
                        return super::find::show_page(turn).await;
                    }
                    turn.state.mode = Mode::Idle;
                    idle_help(turn);
                    return Ok(());
                }
            }
            ask(turn).await
        }
        (ProposeStep::Day, Action::Day(day)) => set_day(turn, day).await,
        (ProposeStep::Day, Action::Page(n)) => {
            d.day_page = n;
            ask(turn).await
        }
        (ProposeStep::Fee, Action::Done) => {
            d.step = next(d.step, d.deal);
            ask(turn).await
        }
        (ProposeStep::Deal, Action::Deal(k)) => {
            d.deal = k;
            d.step = next(d.step, k);
            ask(turn).await
        }
        (ProposeStep::Percent, Action::Percent(p)) => {
            d.percent = p.clamp(1, 100);
            d.step = next(d.step, d.deal);
            ask(turn).await
        }
        (ProposeStep::SetLength, Action::SetMinutes(m)) => {
            d.set_minutes = m;
            d.step = next(d.step, d.deal);
            ask(turn).await
        }
        (ProposeStep::Times | ProposeStep::Message, Action::Skip) => {
            d.step = next(d.step, d.deal);
            ask(turn).await
        }
        (ProposeStep::Confirm, Action::Send) => send(turn).await,
        _ => {
            turn.say("stale-button", &[]);
            ask(turn).await
        }
    }
}

async fn send(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Some(d) = draft(turn).map(|d| d.clone()) else { return Ok(()) };
    let Some(day) = d.day else { return ask(turn).await };
    let terms = terms_of(&d, day);
    let svc = turn.bookings();
    let sent = match d.counter_of {
        Some(id) => svc.counter(turn.account(), id, terms).await,
        None => svc.propose(turn.account(), d.from, d.to, terms).await,
    };
    match sent {
        Ok(p) => {
            let to = turn.store().profile(d.to).await?;
            turn.state.mode = Mode::Idle;
            let r = turn
                .msg(
                    "propose-sent",
                    &[("id", p.id.to_string()), ("name", to.details.name().to_string())],
                )
                .row(vec![turn.button("btn-proposals", &Action::Command("proposals"))]);
            turn.push(r);
            // The contract will need the structure behind the profile: first needed now.
            if !turn.store().legal_identity(d.from).await?.missing().is_empty() {
                let r = turn.msg("contract-legal-soon", &[]).row(vec![
                    turn.button("btn-contract-details", &Action::ContractDetails(d.from)),
                ]);
                turn.push(r);
            }
            Ok(())
        }
        Err(BookingFlowError::Store(e)) => Err(e),
        Err(e) => {
            let text = super::errors::booking(turn.lang, &e);
            turn.warn(text);
            if let BookingFlowError::DateNotFree
            | BookingFlowError::DateInPast
            | BookingFlowError::ArtistBusy
            | BookingFlowError::AlreadyProposed(_) = e
                && let Some(dm) = draft(turn)
            {
                dm.step = ProposeStep::Day;
            }
            if matches!(
                e,
                BookingFlowError::AlreadyAnswered(_)
                    | BookingFlowError::QuotaReached { .. }
                    | BookingFlowError::ProfileNotApproved(_)
                    | BookingFlowError::NoLongerReachable
            ) {
                turn.state.mode = Mode::Idle;
                return Ok(());
            }
            ask(turn).await
        }
    }
}

/// Counter-offers start from the proposal answered.
pub(crate) async fn counter(turn: &mut Turn<'_>, id: ProposalId) -> Result<(), StoreError> {
    let p = turn.store().proposal(id).await?;
    begin(turn, p.from_profile, Some(&p)).await
}
