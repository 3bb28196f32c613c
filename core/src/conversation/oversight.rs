//! What admins look at to run Flow Stage (docs/product-rules.md §5): `/bookings` (the coming
//! bookings by date, with their payment and contract state), `/users` (people found by name or
//! number, with their profiles, and buttons to suspend or reinstate with a reason) and `/audit`
//! (the audit log, newest first, every admin action included).

use super::payload::Action;
use super::reply::{Reply, Span};
use super::show;
use super::state::Mode;
use super::turn::Turn;
use crate::domain::profile::ProfileStatus;
use crate::domain::proposal::Booking;
use crate::store::StoreError;

/// How many lines a view shows at once.
const SHOWN: i64 = 20;
/// How many people `/users` shows for one search.
const PEOPLE: i64 = 10;

/// `/bookings`: confirmed bookings from today on, by date.
pub(crate) async fn bookings(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let today = turn.ctx.today();
    let list = turn.store().upcoming_bookings(today, SHOWN + 1).await?;
    if list.is_empty() {
        turn.say("upcoming-none", &[]);
        return Ok(());
    }
    let shown = list.len().min(usize::try_from(SHOWN).unwrap_or(usize::MAX));
    let mut r = turn.msg("upcoming-title", &[("from", show::day(turn.lang, today))]);
    for b in &list[..shown] {
        r = r.para(show::booking_line(turn, b).await?);
        r = r.para(contract_state(turn, b));
        let pay = match turn.store().commission(b.id).await? {
            Some(c) => super::payments::state_line(turn.lang, &c),
            None => turn.s("upcoming-no-commission", &[]),
        };
        r = r.para(pay);
    }
    if list.len() > shown {
        r = r.para(turn.s("upcoming-more", &[]));
    }
    turn.push(r);
    Ok(())
}

/// Where the contract stands: waiting for details, generated, signed by whom.
fn contract_state(turn: &Turn<'_>, b: &Booking) -> Vec<Span> {
    if b.contract_sha256.is_none() {
        return turn.s("upcoming-contract-waiting", &[]);
    }
    let key = match (b.signed.artist.is_some(), b.signed.venue.is_some()) {
        (true, true) => "upcoming-contract-signed",
        (true, false) => "upcoming-contract-signed-artist",
        (false, true) => "upcoming-contract-signed-venue",
        (false, false) => "upcoming-contract-ready",
    };
    turn.s(key, &[])
}

/// `/users NAME` (or a number): the people found, each with their profiles and what an admin
/// can do about each.
pub(crate) async fn users(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let query = args.trim();
    if query.is_empty() {
        turn.say("usage-users", &[]);
        return Ok(());
    }
    let found = turn.store().find_accounts(query, PEOPLE).await?;
    if found.is_empty() {
        turn.say("users-none", &[("query", query.to_owned())]);
        return Ok(());
    }
    let lang = turn.lang;
    let title = turn.msg_n("users-title", found.len(), &[("query", query.to_owned())]);
    turn.push(title);
    for person in found {
        let platforms: Vec<String> = turn
            .store()
            .identities(person.id)
            .await?
            .iter()
            .map(|(i, reachable)| {
                let name = turn.t(&format!("platform-{}", i.platform.as_str()));
                if *reachable { name } else { turn.ta("users-unreachable", &[("platform", name)]) }
            })
            .collect();
        let mut r = Reply::new().para(vec![
            Span::Bold(format!("{} ", person.display_name)),
            Span::Plain(turn.ta(
                "users-account",
                &[
                    ("id", person.id.to_string()),
                    ("platforms", platforms.join(", ")),
                    ("since", show::day(lang, person.created_at.date_naive())),
                ],
            )),
        ]);
        let profiles = turn.store().profiles_of(person.id).await?;
        if profiles.is_empty() {
            r = r.para(turn.s("ticket-who-no-profile", &[]));
        }
        let mut buttons = Vec::new();
        for p in &profiles {
            let kind = turn.t(&format!("kind-{}", p.kind().as_str()));
            r = r.para(vec![Span::Plain(format!(
                "#{} {} ({kind}) — {}",
                p.id,
                p.details.name(),
                show::status(lang, &p.status)
            ))]);
            let id = [("id", p.id.to_string())];
            match p.status {
                ProfileStatus::Approved => {
                    let label = turn.ta("btn-suspend-profile", &id);
                    buttons.push(turn.button_text(label, &Action::AskSuspend(p.id)));
                }
                ProfileStatus::Suspended(_) => {
                    let label = turn.ta("btn-reinstate-profile", &id);
                    buttons.push(turn.button_text(label, &Action::AskReinstate(p.id)));
                }
                ProfileStatus::Pending => {
                    buttons.push(turn.button("btn-approve", &Action::Approve(p.id)));
                    buttons.push(turn.button("btn-reject", &Action::Reject(p.id)));
                }
                ProfileStatus::Draft | ProfileStatus::Rejected(_) => {}
            }
        }
        for row in buttons.chunks(3) {
            r = r.row(row.to_vec());
        }
        turn.push(r);
    }
    Ok(())
}

/// `/audit [subject]`: the latest entries of the audit log, newest first; a subject such as
/// `profile:12`, `ticket:` or `account:4` narrows it.
pub(crate) async fn audit(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let about = Some(args.trim()).filter(|a| !a.is_empty());
    let entries = turn.store().recent_audit(about, SHOWN).await?;
    if entries.is_empty() {
        turn.say("audit-none", &[]);
        return Ok(());
    }
    let lang = turn.lang;
    let zone = turn.ctx.account.time_zone;
    let mut items = Vec::new();
    for e in &entries {
        let actor = match e.actor {
            Some(a) => match turn.store().account(a).await {
                Ok(acc) => format!("{} #{a}", acc.display_name),
                Err(StoreError::NotFound(_)) => format!("#{a}"),
                Err(err) => return Err(err),
            },
            None => turn.t("audit-system"),
        };
        let mut line = vec![
            Span::Italic(crate::domain::when::moment(lang, zone, e.at)),
            Span::Plain(format!(" · {actor} · ")),
            Span::Bold(e.action.clone()),
            Span::Plain(format!(" {}", e.subject)),
        ];
        if let Some(detail) = detail(&e.details) {
            line.push(Span::Plain(format!(" — {detail}")));
        }
        items.push(line);
    }
    let title = match about {
        Some(a) => turn.msg("audit-title-about", &[("about", a.to_owned())]),
        None => turn.msg("audit-title", &[]),
    };
    turn.push(title.list(items));
    Ok(())
}

/// An entry's details in a few words: its reason or body when it has one, else its fields.
fn detail(details: &serde_json::Value) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    if let Some(t) =
        details.get("reason").and_then(text).or_else(|| details.get("body").and_then(text))
    {
        let short: String = t.chars().take(120).collect();
        return Some(if short.len() < t.len() { format!("{short}…") } else { short });
    }
    match details {
        serde_json::Value::Object(m) if m.is_empty() => None,
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}
