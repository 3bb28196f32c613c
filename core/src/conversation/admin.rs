//! Moderation for the admins of the configuration: the review queue with Approve / Reject
//! buttons, `/approve ID`, `/reject ID reason`, `/suspend ID reason`, `/stats`, `/tickets`; the
//! edits of approved profiles waiting for review (`/edits`: the published version beside the
//! edit, approve or refuse with a reason) and `/reinstate ID reason` for a suspended profile.
//! The owner of a profile is told of each decision, with the reason, through the outbox; the
//! store keeps each decision and its reason in the audit trail.

use super::errors::flow_to_store;
use super::payload::Action;
use super::prompts;
use chrono::Datelike as _;

use super::reply::{Attachment, Reply, Span};
use super::show;
use super::state::{Mode, Prompt};
use super::turn::Turn;
use crate::domain::ProfileId;
use crate::domain::profile::ProfileStatus;
use crate::notify::Event;
use crate::stats::{Stage, chart, percent};
use crate::store::{EditDecision, EditReviewed, Reinstated, StoreError};

pub(crate) async fn pending(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let lang = turn.lang;
    let list = turn.store().pending_profiles().await?;
    // Changes to approved profiles wait in their own queue: say so here, where admins look.
    let edits = turn.store().profiles_with_edits().await?.len();
    if edits > 0 {
        let r = turn
            .msg_n("pending-edits", edits, &[])
            .row(vec![turn.button("btn-edits", &Action::Command("edits"))]);
        turn.push(r);
    }
    if list.is_empty() {
        turn.say("pending-none", &[]);
        return Ok(());
    }
    let title = turn.msg_n("pending-title", list.len(), &[]);
    turn.push(title);
    for p in list.iter().take(10) {
        let kind = turn.t(&format!("kind-{}", p.kind().as_str()));
        let r = Reply::new()
            .para(vec![
                Span::Bold(format!("#{} {}", p.id, p.details.name())),
                Span::Italic(format!(" ({kind})")),
            ])
            .list(show::profile_lines(lang, p, turn.ctx.today()))
            .row(vec![
                turn.button("btn-approve", &Action::Approve(p.id)),
                turn.button("btn-reject", &Action::Reject(p.id)),
            ]);
        turn.push(r);
    }
    Ok(())
}

fn parse_id(args: &str) -> Option<(ProfileId, String)> {
    let args = args.trim();
    let (id, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let id = id.trim_start_matches('#').parse::<i64>().ok()?;
    Some((ProfileId(id), rest.trim().to_owned()))
}

pub(crate) async fn approve_cmd(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    match parse_id(args) {
        Some((id, _)) => decide(turn, id, None).await,
        None => {
            turn.say("usage-approve", &[]);
            Ok(())
        }
    }
}

pub(crate) async fn reject_cmd(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    match parse_id(args) {
        Some((id, reason)) if !reason.is_empty() => decide(turn, id, Some(reason)).await,
        _ => {
            turn.say("usage-reject", &[]);
            Ok(())
        }
    }
}

/// Approves (`reason: None`) or rejects a profile under review, and tells its owner.
pub(crate) async fn decide(
    turn: &mut Turn<'_>,
    id: ProfileId,
    reason: Option<String>,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    let decision = match reason {
        None => Decision::Approve,
        Some(r) => Decision::Reject(r),
    };
    moderate(turn, id, decision).await
}

pub(crate) async fn suspend_cmd(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    let Some((id, reason)) = parse_id(args).filter(|(_, r)| !r.is_empty()) else {
        turn.say("usage-suspend", &[]);
        return Ok(());
    };
    moderate(turn, id, Decision::Suspend(reason)).await
}

/// A Suspend or Reinstate button (from `/users`): asks an admin for the reason.
pub(crate) fn ask_reason(turn: &mut Turn<'_>, prompt: Prompt) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if turn.is_admin() {
        turn.state.mode = Mode::Await(prompt.clone());
        prompts::ask(turn, &prompt);
    } else {
        turn.say("admin-only", &[]);
    }
    Ok(())
}

/// The reason typed after Suspend: the profile is suspended as `/suspend ID reason` does.
pub(crate) async fn suspend(
    turn: &mut Turn<'_>,
    id: ProfileId,
    reason: &str,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    moderate(turn, id, Decision::Suspend(reason.to_owned())).await
}

/// What an admin decides about a profile.
enum Decision {
    Approve,
    Reject(String),
    Suspend(String),
}

/// Applies a decision to a profile in the state it applies to (pending for a review, approved for
/// a suspension), tells the owner with the reason, and closes the open proposals of a suspended
/// profile. A second press, or another admin first, finds the decision already made.
async fn moderate(
    turn: &mut Turn<'_>,
    id: ProfileId,
    decision: Decision,
) -> Result<(), StoreError> {
    let p = match turn.store().profile(id).await {
        Ok(p) => p,
        Err(StoreError::NotFound(_)) => {
            turn.say("profile-unknown", &[("id", id.to_string())]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let expected = match decision {
        Decision::Suspend(_) => ProfileStatus::Approved,
        Decision::Approve | Decision::Reject(_) => ProfileStatus::Pending,
    };
    if p.status != expected {
        turn.say(
            "already-decided",
            &[("id", id.to_string()), ("status", show::status(turn.lang, &p.status))],
        );
        return Ok(());
    }
    let name = p.details.name().to_string();
    let (status, event, key) = match decision {
        Decision::Approve => (
            ProfileStatus::Approved,
            Event::ProfileApproved { profile: id, name: name.clone() },
            "approved-done",
        ),
        Decision::Reject(r) => (
            ProfileStatus::Rejected(r.clone()),
            Event::ProfileRejected { profile: id, name: name.clone(), reason: r },
            "rejected-done",
        ),
        Decision::Suspend(r) => (
            ProfileStatus::Suspended(r.clone()),
            Event::ProfileSuspended { profile: id, name: name.clone(), reason: r },
            "suspended-done",
        ),
    };
    let stamp = turn.ctx.now.timestamp_micros();
    turn.store().set_profile_status(id, &status, Some(turn.account())).await?;
    turn.store()
        .notify(p.owner, &event, &format!("profile:{id}:{}:{stamp}", status.as_str()))
        .await?;
    if matches!(status, ProfileStatus::Suspended(_)) {
        turn.bookings().close_for_profile(id).await.map_err(flow_to_store)?;
    }
    turn.say(key, &[("id", id.to_string()), ("name", name)]);
    Ok(())
}

/// How many weeks of sign-ups `/stats` shows.
const STATS_WEEKS: u32 = 8;

/// `/stats`: the beta's funnel by week of sign-up as a picture, with the figures in text beside
/// it — the funnel of those weeks with each step's share of the one before, activation,
/// conversion, this week's engagement, the response rate — then the state of the platform.
pub(crate) async fn stats(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let lang = turn.lang;
    let today = turn.ctx.today();
    let beta = turn.store().beta(today, STATS_WEEKS).await?;
    let total = beta.total();
    let pct = |p: Option<u32>| {
        p.map_or_else(
            || "—".to_owned(),
            |p| match lang {
                crate::domain::Lang::Fr => format!("{p}\u{a0}%"),
                crate::domain::Lang::En => format!("{p}%"),
            },
        )
    };
    let mut funnel: Vec<Vec<Span>> = Vec::new();
    for (i, stage) in Stage::ALL.iter().enumerate() {
        let mut args = vec![("stage", turn.t(stage.key())), ("count", total[i].to_string())];
        let key = if i == 0 {
            "stats-funnel-first"
        } else {
            args.push(("share", pct(percent(total[i], total[i - 1]))));
            "stats-funnel-step"
        };
        funnel.push(turn.s(key, &args));
    }
    let r = turn
        .msg("stats-title", &[])
        .para(turn.s("stats-funnel-title", &[("weeks", STATS_WEEKS.to_string())]))
        .list(funnel);
    let this_week = beta.weeks.last().cloned().unwrap_or_default();
    let per_person = if this_week.active_people == 0 {
        "—".to_owned()
    } else {
        let days =
            format!("{:.1}", f64::from(this_week.active_days) / f64::from(this_week.active_people));
        if lang == crate::domain::Lang::Fr { days.replace('.', ",") } else { days }
    };
    let people = usize::try_from(this_week.active_people).unwrap_or(usize::MAX);
    let rates = vec![
        turn.s("stats-activation", &[("share", pct(percent(total[2], total[0])))]),
        turn.s("stats-conversion", &[("share", pct(percent(total[4], total[3])))]),
        turn.s(
            &super::i18n::counted(lang, "stats-engagement", people),
            &[("people", this_week.active_people.to_string()), ("days", per_person)],
        ),
        turn.s(
            "stats-response",
            &[
                ("share", pct(percent(beta.answered, beta.answered + beta.unanswered))),
                ("answered", beta.answered.to_string()),
                ("expired", beta.unanswered.to_string()),
            ],
        ),
    ];
    let mut r = r.list(rates);
    let counts = turn.store().profile_counts().await?;
    let mut items: Vec<Vec<Span>> = counts
        .iter()
        .map(|(kind, status, n)| {
            let k = turn.t(&format!("kind-{}", kind.as_str()));
            let s = super::i18n::tr(lang, &format!("status-{status}"), &[]);
            vec![Span::Plain(format!("{k} · {s} : {n}"))]
        })
        .collect();
    let bookings = turn.store().all_bookings().await?;
    let confirmed = bookings
        .iter()
        .filter(|b| b.status == crate::domain::proposal::BookingStatus::Confirmed)
        .count();
    items.push(vec![Span::Plain(turn.ta("stats-bookings", &[("count", confirmed.to_string())]))]);
    let tickets = turn.store().open_tickets().await?.len();
    items.push(vec![Span::Plain(turn.ta("stats-tickets", &[("count", tickets.to_string())]))]);
    let outbox = turn.store().pending_outbox_count().await?;
    items.push(vec![Span::Plain(turn.ta("stats-outbox", &[("count", outbox.to_string())]))]);
    let commission = turn.store().commission_totals().await?;
    items.extend(super::payments::stats_lines(lang, &commission));
    r = r.para(turn.s("stats-state-title", &[])).list(items);
    let labels = chart::Labels {
        title: turn.ta("stats-chart-title", &[]),
        stages: Stage::ALL.map(|s| turn.t(s.key())),
        weeks: beta
            .weeks
            .iter()
            .map(|w| turn.ta("stats-week", &[("week", w.monday.iso_week().week().to_string())]))
            .collect(),
    };
    // Without the picture the figures still stand: said in the logs, not to the admin.
    match chart::funnel_png(&beta, &labels) {
        Ok(bytes) => {
            r = r.attach(Attachment {
                file_name: format!("flowstage-stats-{today}.png"),
                mime_type: "image/png".to_owned(),
                bytes,
            });
        }
        Err(e) => tracing::warn!(error = %e, "the statistics chart could not be drawn"),
    }
    turn.push(r);
    Ok(())
}

/// `/edits`: approved profiles whose public fields were changed, the published version (still
/// shown and matched) beside the edit waiting, with Approve and Refuse.
pub(crate) async fn edits(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let lang = turn.lang;
    let list = turn.store().profiles_with_edits().await?;
    if list.is_empty() {
        turn.say("edits-none", &[]);
        return Ok(());
    }
    let title = turn.msg_n("edits-title", list.len(), &[]);
    turn.push(title);
    for (p, edit) in list.iter().take(10) {
        let kind = turn.t(&format!("kind-{}", p.kind().as_str()));
        let r = Reply::new()
            .para(vec![
                Span::Bold(format!("#{} {}", p.id, p.details.name())),
                Span::Italic(format!(" ({kind})")),
            ])
            .para(turn.s("edits-published", &[]))
            .list(show::profile_lines(lang, p, turn.ctx.today()))
            .para(turn.s("edits-proposed", &[]))
            .list(show::detail_lines(lang, edit, &p.dates))
            .row(vec![
                turn.button("btn-approve-edit", &Action::ApproveEdit(p.id)),
                turn.button("btn-refuse-edit", &Action::RefuseEdit(p.id)),
            ]);
        turn.push(r);
    }
    Ok(())
}

/// Publishes (`reason: None`) or refuses an approved profile's pending edit, and tells its owner.
pub(crate) async fn review_edit(
    turn: &mut Turn<'_>,
    id: ProfileId,
    reason: Option<String>,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    let decision = match &reason {
        None => EditDecision::Approve,
        Some(r) => EditDecision::Reject(r),
    };
    let outcome = match turn.store().review_profile_edit(id, turn.account(), decision).await {
        Ok(o) => o,
        Err(StoreError::NotFound(_)) => {
            turn.say("profile-unknown", &[("id", id.to_string())]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let p = turn.store().profile(id).await?;
    let name = p.details.name().to_string();
    let stamp = turn.ctx.now.timestamp_micros();
    let (event, key) = match (outcome, reason) {
        (EditReviewed::NothingPending, _) => {
            turn.say("edit-nothing-pending", &[("id", id.to_string())]);
            return Ok(());
        }
        (EditReviewed::Published, _) => {
            (Event::ProfileEditApproved { profile: id, name: name.clone() }, "edit-approved-done")
        }
        (EditReviewed::Dropped, reason) => (
            Event::ProfileEditRefused {
                profile: id,
                name: name.clone(),
                reason: reason.unwrap_or_default(),
            },
            "edit-refused-done",
        ),
    };
    let decided = if matches!(outcome, EditReviewed::Published) { "published" } else { "refused" };
    turn.store().notify(p.owner, &event, &format!("profile:{id}:edit-{decided}:{stamp}")).await?;
    turn.say(key, &[("id", id.to_string()), ("name", name)]);
    Ok(())
}

/// `/reinstate ID reason`: a suspended profile is public again; the reason goes to the audit
/// trail and to its owner.
pub(crate) async fn reinstate_cmd(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    let Some((id, reason)) = parse_id(args).filter(|(_, r)| !r.is_empty()) else {
        turn.say("usage-reinstate", &[]);
        return Ok(());
    };
    reinstate(turn, id, &reason).await
}

/// Reinstates a suspended profile with `reason` (`/reinstate`, or the button of `/users`).
pub(crate) async fn reinstate(
    turn: &mut Turn<'_>,
    id: ProfileId,
    reason: &str,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    let reason = reason.to_owned();
    let outcome = match turn.store().reinstate_profile(id, turn.account(), &reason).await {
        Ok(o) => o,
        Err(StoreError::NotFound(_)) => {
            turn.say("profile-unknown", &[("id", id.to_string())]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    match outcome {
        Reinstated::Done => {
            let p = turn.store().profile(id).await?;
            let name = p.details.name().to_string();
            let event = Event::ProfileReinstated { profile: id, name: name.clone(), reason };
            let stamp = turn.ctx.now.timestamp_micros();
            turn.store()
                .notify(p.owner, &event, &format!("profile:{id}:reinstated:{stamp}"))
                .await?;
            turn.say("reinstated-done", &[("id", id.to_string()), ("name", name)]);
        }
        Reinstated::ReasonNeeded => turn.say("usage-reinstate", &[]),
        Reinstated::NotSuspended(status) => turn.say(
            "reinstate-not-suspended",
            &[("id", id.to_string()), ("status", show::status(turn.lang, &status))],
        ),
        Reinstated::OwnerErased => turn.say("reinstate-erased", &[("id", id.to_string())]),
    }
    Ok(())
}
