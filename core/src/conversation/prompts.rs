//! Questions that wait for one typed answer (a reason, a message, an email, dates): how each is
//! asked, and how a problem with the answer is said before asking again. The router sends the
//! answer to the flow that asked.

use super::errors::{Problem, message};
use super::payload::Action;
use super::state::Prompt;
use super::turn::Turn;

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
        Prompt::MatchDates { .. } => ("prompt-match-dates", false),
        Prompt::MatchRadius { .. } => ("prompt-match-radius", false),
    };
    let mut buttons = Vec::new();
    if skip {
        buttons.push(turn.button("btn-skip", &Action::Skip));
    }
    buttons.push(turn.button("btn-cancel", &Action::Cancel));
    let r = turn.msg(key, &[]).row(buttons);
    turn.push(r);
}

/// Says what is wrong with the answer, and asks again.
pub(crate) fn problem(turn: &mut Turn<'_>, prompt: &Prompt, p: &Problem) {
    turn.warn(message(turn.lang, p));
    ask(turn, prompt);
}
