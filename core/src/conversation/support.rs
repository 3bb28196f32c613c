//! Support that answers (docs/product-rules.md §5): `/support` opens a ticket and the admins are
//! told; `/tickets` shows each open ticket with who wrote (name, profiles, platforms) and its
//! conversation; an admin replies in chat — the person receives it on their platform, in their
//! language, and may answer back into the same ticket (which opens it again if it was closed);
//! an admin closes it. Replies and closings are in the audit log.

use super::payload::Action;
use super::prompts;
use super::reply::{Reply, Span};
use super::state::{Mode, Prompt};
use super::turn::Turn;
use crate::booking::notice;
use crate::domain::account::Platform;
use crate::domain::{AccountId, TicketId};
use crate::notify::Event;
use crate::store::{StoreError, TicketPost};

/// The most a ticket message keeps: a long story, not a file.
const MAX_BODY: usize = 4000;

/// How many tickets `/tickets` shows at once, and how many of each one's last messages.
const SHOWN: usize = 10;
const LAST_MESSAGES: usize = 4;

/// `/support [text]`.
pub(crate) async fn support(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    if args.trim().is_empty() {
        turn.state.mode = Mode::Await(Prompt::Support);
        prompts::ask(turn, &Prompt::Support);
        return Ok(());
    }
    open_ticket(turn, args).await
}

/// What a person typed, as a ticket keeps it: trimmed, without control characters but line
/// breaks, at most [`MAX_BODY`] characters.
fn clean(body: &str) -> String {
    body.trim().chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_BODY).collect()
}

pub(crate) async fn open_ticket(turn: &mut Turn<'_>, body: &str) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let body = clean(body);
    let id = turn.store().open_ticket(turn.account(), &body).await?;
    let event = Event::SupportAsked {
        ticket: id,
        from_name: turn.ctx.account.display_name.clone(),
        body,
        again: false,
    };
    for admin in admins_but(turn, turn.account()).await? {
        turn.store().notify(admin, &event, &format!("ticket:{id}:opened:{admin}")).await?;
    }
    turn.say("ticket-opened", &[("id", id.to_string())]);
    Ok(())
}

/// The configured admins who can be reached, but `me`.
async fn admins_but(turn: &Turn<'_>, me: AccountId) -> Result<Vec<AccountId>, StoreError> {
    let mut admins = turn.store().admin_accounts(turn.ctx.admins).await?;
    admins.retain(|a| *a != me);
    Ok(admins)
}

/// "↩️ Answer" under a reply from support: asks for the answer, in the person's own ticket only.
pub(crate) async fn ask_answer(turn: &mut Turn<'_>, id: TicketId) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    match turn.store().ticket(id).await? {
        Some(t) if t.account == Some(turn.account()) => {
            let prompt = Prompt::TicketAnswer { ticket: id };
            turn.state.mode = Mode::Await(prompt.clone());
            prompts::ask(turn, &prompt);
        }
        _ => turn.say("ticket-not-yours", &[("id", id.to_string())]),
    }
    Ok(())
}

/// The person's answer in their ticket: stored in it and sent to the admins.
pub(crate) async fn answer(
    turn: &mut Turn<'_>,
    id: TicketId,
    body: &str,
) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let me = turn.account();
    if turn.store().ticket(id).await?.is_none_or(|t| t.account != Some(me)) {
        turn.say("ticket-not-yours", &[("id", id.to_string())]);
        return Ok(());
    }
    let body = clean(body);
    let event = Event::SupportAsked {
        ticket: id,
        from_name: turn.ctx.account.display_name.clone(),
        body: body.clone(),
        again: true,
    };
    let stamp = turn.ctx.now.timestamp_micros();
    let notices: Vec<_> = admins_but(turn, me)
        .await?
        .into_iter()
        .map(|a| notice(a, &event, &format!("ticket:{id}:answer:{stamp}")))
        .collect();
    match turn.store().post_on_ticket(id, me, false, &body, &notices).await? {
        TicketPost::Posted { reopened } => turn.say(
            if reopened { "ticket-answer-reopened" } else { "ticket-answer-sent" },
            &[("id", id.to_string())],
        ),
        TicketPost::Closed | TicketPost::Unknown => {
            turn.say("ticket-not-yours", &[("id", id.to_string())]);
        }
    }
    Ok(())
}

/// `/tickets`: the open tickets, oldest first, each with who wrote and its conversation, and
/// Reply and Close buttons.
pub(crate) async fn tickets(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let list = turn.store().open_tickets().await?;
    if list.is_empty() {
        turn.say("tickets-none", &[]);
        return Ok(());
    }
    let title = turn.msg_n("tickets-title", list.len(), &[]);
    turn.push(title);
    let lang = turn.lang;
    let zone = turn.ctx.account.time_zone;
    for t in list.iter().take(SHOWN) {
        let who = who(turn, t.account).await?;
        let when = crate::domain::when::moment(lang, zone, t.created_at);
        let mut r = Reply::new()
            .para(vec![Span::Bold(format!("#{} ", t.id)), Span::Plain(who)])
            .para(vec![Span::Italic(when), Span::Plain(format!(" — {}", t.body))]);
        let messages = turn.store().ticket_messages(t.id).await?;
        let skipped = messages.len().saturating_sub(LAST_MESSAGES);
        if skipped > 0 {
            r = r.para(vec![Span::Italic(
                turn.ta("ticket-earlier", &[("count", skipped.to_string())]),
            )]);
        }
        for m in messages.iter().skip(skipped) {
            let key = if m.from_admin { "ticket-line-admin" } else { "ticket-line-person" };
            let when = crate::domain::when::moment(lang, zone, m.at);
            r = r.para(turn.s(key, &[("when", when), ("body", m.body.clone())]));
        }
        r = r.row(vec![
            turn.button("btn-reply-ticket", &Action::ReplyTicket(t.id)),
            turn.button_text(
                turn.ta("btn-close-ticket", &[("id", t.id.to_string())]),
                &Action::CloseTicket(t.id),
            ),
        ]);
        turn.push(r);
    }
    if list.len() > SHOWN {
        turn.say("tickets-more", &[("count", (list.len() - SHOWN).to_string())]);
    }
    Ok(())
}

/// Who wrote a ticket, for the admins: their name, their profiles (name, number, kind) and the
/// platforms they use.
async fn who(turn: &Turn<'_>, account: Option<AccountId>) -> Result<String, StoreError> {
    let Some(id) = account else { return Ok(turn.t("ticket-who-erased")) };
    let person = turn.store().account(id).await?;
    let profiles = turn.store().profiles_of(id).await?;
    let role = if profiles.is_empty() {
        turn.t("ticket-who-no-profile")
    } else {
        let named: Vec<String> = profiles
            .iter()
            .map(|p| {
                let kind = turn.t(&format!("kind-{}", p.kind().as_str()));
                format!("{} #{} ({kind})", p.details.name(), p.id)
            })
            .collect();
        named.join(", ")
    };
    let platforms: Vec<String> = turn
        .store()
        .identities(id)
        .await?
        .iter()
        .map(|(i, _)| platform_name(turn, i.platform))
        .collect();
    Ok(format!("{} · {role} · {}", person.display_name, platforms.join(", ")))
}

fn platform_name(turn: &Turn<'_>, platform: Platform) -> String {
    turn.t(&format!("platform-{}", platform.as_str()))
}

/// "↩️ Reply" on a ticket: asks an admin for the reply.
pub(crate) async fn ask_reply(turn: &mut Turn<'_>, id: TicketId) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    match turn.store().ticket(id).await? {
        None => turn.say("ticket-unknown", &[("id", id.to_string())]),
        Some(t) if !t.open => turn.say("ticket-already-closed", &[("id", id.to_string())]),
        Some(_) => {
            let prompt = Prompt::TicketReply { ticket: id };
            turn.state.mode = Mode::Await(prompt.clone());
            prompts::ask(turn, &prompt);
        }
    }
    Ok(())
}

/// An admin's reply: stored in the ticket and sent to the person who opened it.
pub(crate) async fn reply(turn: &mut Turn<'_>, id: TicketId, body: &str) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    let Some(ticket) = turn.store().ticket(id).await? else {
        turn.say("ticket-unknown", &[("id", id.to_string())]);
        return Ok(());
    };
    let Some(owner) = ticket.account else {
        turn.say("ticket-who-erased-reply", &[("id", id.to_string())]);
        return Ok(());
    };
    let body = clean(body);
    let event = Event::SupportAnswered { ticket: id, body: body.clone() };
    let stamp = turn.ctx.now.timestamp_micros();
    let notices = [notice(owner, &event, &format!("ticket:{id}:reply:{stamp}"))];
    let key = match turn.store().post_on_ticket(id, turn.account(), true, &body, &notices).await? {
        TicketPost::Posted { .. } => "ticket-replied",
        TicketPost::Closed => "ticket-already-closed",
        TicketPost::Unknown => "ticket-unknown",
    };
    turn.say(key, &[("id", id.to_string())]);
    Ok(())
}

pub(crate) async fn close_ticket(turn: &mut Turn<'_>, id: TicketId) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    let closed = turn.store().close_ticket(id, turn.account()).await?;
    turn.say(
        if closed { "ticket-closed" } else { "ticket-already-closed" },
        &[("id", id.to_string())],
    );
    Ok(())
}
