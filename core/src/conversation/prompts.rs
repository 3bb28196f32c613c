//! Questions that wait for one typed answer (a reason, a message, an email, dates): how each is
//! asked, and how a problem with the answer is said before asking again. The router sends the
//! answer to the flow that asked.

use super::errors::{Problem, message};
use super::payload::Action;
use super::state::Prompt;
use super::turn::Turn;
use crate::domain::search::FilterKind;
use crate::domain::values::example_date;

/// Time zones offered as buttons; any other IANA name can be typed.
const COMMON_ZONES: [&str; 6] = [
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/London",
    "America/Montreal",
    "Indian/Reunion",
];

/// Asks for the typed answer a prompt waits for.
pub(crate) fn ask(turn: &mut Turn<'_>, prompt: &Prompt) {
    let (key, skip) = match prompt {
        Prompt::RefuseReason { .. } => ("prompt-refuse-reason", true),
        Prompt::ThreadMessage { .. } => ("prompt-thread", false),
        Prompt::RejectReason { .. } => ("prompt-reject-reason", false),
        Prompt::CancelReason { .. } => ("prompt-cancel-reason", false),
        Prompt::Support => ("prompt-support", false),
        Prompt::Threshold => ("prompt-threshold", false),
        Prompt::Email => ("prompt-email", true),
        Prompt::EmailCode => ("prompt-email-code", false),
        Prompt::MatchDates { .. } | Prompt::MatchFilters { asked: Some(FilterKind::Dates), .. } => {
            ("prompt-match-dates", false)
        }
        Prompt::MatchRadius { .. }
        | Prompt::MatchFilters { asked: Some(FilterKind::Radius), .. } => {
            ("prompt-match-radius", false)
        }
        Prompt::MatchFilters { .. } => ("prompt-match-filters", false),
        Prompt::TimeZone => ("prompt-zone", false),
        Prompt::EditRefuseReason { .. } => ("prompt-edit-refuse-reason", false),
        Prompt::TicketReply { .. } => ("prompt-ticket-reply", false),
        Prompt::TicketAnswer { .. } => ("prompt-ticket-answer", false),
        Prompt::SuspendReason { .. } => ("prompt-suspend-reason", false),
        Prompt::ReinstateReason { .. } => ("prompt-reinstate-reason", false),
    };
    let mut examples = examples(turn).to_vec();
    match prompt {
        Prompt::TicketReply { ticket } | Prompt::TicketAnswer { ticket } => {
            examples.push(("id", ticket.to_string()));
        }
        Prompt::SuspendReason { profile } | Prompt::ReinstateReason { profile } => {
            examples.push(("id", profile.to_string()));
        }
        _ => {}
    }
    let mut buttons = Vec::new();
    if *prompt == Prompt::TimeZone {
        let zones: Vec<String> = COMMON_ZONES.iter().map(|z| (*z).to_owned()).collect();
        let suggestions = turn.suggestions(&zones);
        let r = turn
            .msg(key, &[])
            .grid(suggestions, 3)
            .row(vec![turn.button("btn-cancel", &Action::Cancel)])
            .asking_text();
        turn.push(r);
        return;
    }
    if skip {
        buttons.push(turn.button("btn-skip", &Action::Skip));
    }
    buttons.push(turn.button("btn-cancel", &Action::Cancel));
    let r = turn.msg(key, &examples).row(buttons).asking_text();
    turn.push(r);
}

/// Says what is wrong with the answer, and asks again.
pub(crate) fn problem(turn: &mut Turn<'_>, prompt: &Prompt, p: &Problem) {
    turn.warn(message(turn.lang, p));
    ask(turn, prompt);
}

/// Dates to show in an example, computed from today so that none goes stale, written the way the
/// person's language types them: `day` a week ahead, `from`–`to` a fortnight from then.
pub(crate) fn examples(turn: &Turn<'_>) -> [(&'static str, String); 3] {
    let today = turn.ctx.today();
    let typed = |d: chrono::NaiveDate| super::errors::d(d, turn.lang);
    let from = today + chrono::Duration::days(14);
    [
        ("day", typed(example_date(today))),
        ("from", typed(from)),
        ("to", typed(from + chrono::Duration::days(14))),
    ]
}
