//! A venue run by a team (issue 10): its notifications can also go to a place its team shares (a
//! Discord server's booking channel), set from `/settings` there by the profile's owner, and
//! whoever acts in that place may answer the profile's proposals there by pressing: view,
//! accept, refuse (without a reason: a typed reason comes by direct message, which is not the
//! team's place), hold, release, counter (by presses: the fee kept, the deal and set chosen),
//! and write in the proposal's thread (the text typed in the form the place offers, sent in the
//! venue's name). Who may act in the place is the platform's business (the
//! server's channel permissions, set by its admins); who answered is recorded on the proposal.
//! The adapter only says where an event came from ([`super::Origin::place`]).

use super::Incoming;
use super::payload::{self, Action};
use super::state::{Mode, Prompt};
use super::turn::Turn;
use crate::domain::ProposalId;
use crate::store::{StoreError, TeamOutletSet};

/// The proposal an event answers, when it is an answer a team may give in its place: a press
/// naming the proposal, skipping the reason of a refusal begun there, or a step of a counter
/// begun there (its fee kept, its deal and set chosen, sent).
pub(crate) fn answers(mode: &Mode, input: &Incoming) -> Option<ProposalId> {
    let p = match (input, mode) {
        (Incoming::Button(p), _) => p,
        // A message for the proposal's thread, written in the form the place offers.
        (Incoming::Text(_), Mode::Await(Prompt::ThreadMessage { proposal })) => {
            return Some(*proposal);
        }
        _ => return None,
    };
    match (payload::decode(p).map(|(_, a)| a)?, mode) {
        (
            Action::Open(id)
            | Action::Accept(id)
            | Action::Refuse(id)
            | Action::Counter(id)
            | Action::Hold(id)
            | Action::Release(id)
            | Action::Message(id),
            _,
        ) => Some(id),
        (Action::Skip, Mode::Await(Prompt::RefuseReason { proposal })) => Some(*proposal),
        (
            Action::Day(_)
            | Action::Page(_)
            | Action::Deal(_)
            | Action::Percent(_)
            | Action::SetMinutes(_)
            | Action::Skip
            | Action::Done
            | Action::Back
            | Action::Cancel
            | Action::Send,
            Mode::Propose(d),
        ) => d.counter_of,
        _ => None,
    }
}

/// After `/settings` in a place that can serve a team: the active profile's notifications can
/// be sent there too, or stopped.
pub(crate) async fn offer(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Some(place) = turn.ctx.place else { return Ok(()) };
    let Some(me) = turn.active_profile().await? else { return Ok(()) };
    let platform = turn.ctx.speaker.identity.platform;
    let name = me.details.name().to_string();
    let here = turn.store().team_outlet_at(platform, place).await?;
    let r = match here {
        Some(o) if o.profile == me.id => turn
            .msg("team-here", &[("name", name)])
            .row(vec![turn.button("btn-team-off", &Action::TeamPlace(false))]),
        // Serving another profile: only its owner changes that.
        Some(_) => turn.msg("team-other", &[]),
        None => turn
            .msg("team-offer", &[("name", name)])
            .row(vec![turn.button("btn-team-here", &Action::TeamPlace(true))]),
    };
    turn.push(r);
    Ok(())
}

/// Sends the active profile's notifications to this place too (`on`), or stops.
pub(crate) async fn set(turn: &mut Turn<'_>, on: bool) -> Result<(), StoreError> {
    let Some(place) = turn.ctx.place else {
        turn.say("team-no-place", &[]);
        return Ok(());
    };
    let Some(me) = turn.active_profile().await? else {
        turn.say("need-profile", &[]);
        return Ok(());
    };
    let name = me.details.name().to_string();
    if !on {
        let platform = turn.ctx.speaker.identity.platform;
        let mine = turn.store().team_outlet_at(platform, place).await?;
        if mine.is_some_and(|o| o.profile == me.id) {
            turn.store().clear_team_outlet(me.id).await?;
        }
        turn.say("team-off", &[("name", name)]);
        return Ok(());
    }
    let platform = turn.ctx.speaker.identity.platform;
    match turn.store().set_team_outlet(me.id, platform, place, turn.account()).await? {
        TeamOutletSet::Set => turn.say("team-set", &[("name", name)]),
        TeamOutletSet::TakenBy(_) => turn.say("team-other", &[]),
    }
    Ok(())
}
