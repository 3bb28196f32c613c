//! The conversations of Flow Stage, once for every platform: a state machine from (stored state,
//! incoming event) to (new state, replies). Adapters (Telegram, Discord, the terminal) translate
//! their world into [`Incoming`] events and render the neutral [`Reply`] model; messages for other
//! accounts go through the stored outbox as [`crate::notify::Event`]s, rendered by [`render_event`].
//!
//! Map: [`Engine`] is the runner (load, step, save, per-account ordering); `step` dispatches to
//! the flows (`wizard`, `find`, `propose`, `deals`, `account`, `admin`, `contract`); `state` is the stored
//! shape; `payload` the button codes; `i18n` the words; `errors` the domain errors in words.

pub mod commands;
pub mod errors;
pub mod i18n;
pub mod payload;
pub mod reply;
pub mod state;

mod account;
mod admin;
mod calendar;
mod contract;
mod deals;
mod engine;
mod events;
mod find;
mod oversight;
pub mod payments;
mod prompts;
mod propose;
mod show;
mod support;
mod team;
mod turn;
mod wizard;

use chrono::{DateTime, NaiveDate, Utc};

pub use engine::{Engine, Origin, Outcome, STEPS_AT_ONCE};
use errors::Problem;
pub use events::{render_delivery, render_event};
pub use find::Matcher;
use i18n::spans;
use payload::Action;
pub use reply::{Attachment, Block, Button, Placement, Reply, Span};
use state::Prompt;
pub use state::{Mode, State};
use turn::{Turn, idle_help};

use crate::config::Rules;
use crate::domain::Lang;
use crate::domain::account::{Account, Identity};
use crate::domain::profile::ProfileKind;
use crate::domain::search::{FilterKind, SearchFilters};
use crate::matching::Weights;
use crate::store::{Store, StoreError};

/// Who is speaking, as the adapter knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    pub identity: Identity,
    pub display_name: String,
    /// The platform's language, used when the account is created.
    pub lang: Lang,
    /// Listed as an admin in the configuration (or `--as admin` in the terminal).
    pub is_admin: bool,
}

/// What a person did.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `/name args`.
    Command {
        name: String,
        args: String,
    },
    Text(String),
    /// A button press: its payload.
    Button(String),
    /// A shared location.
    Location {
        lat: f64,
        lon: f64,
    },
    /// The person (re)opened the conversation: greet a newcomer, or repeat where we were.
    Open,
    /// A file sent in chat (a signed contract), already downloaded by the adapter.
    Document {
        file_name: String,
        bytes: Vec<u8>,
    },
}

impl Incoming {
    /// A typed line: a command if it starts with `/`, text otherwise.
    #[must_use]
    pub fn from_line(line: &str) -> Self {
        let line = line.trim();
        match line.strip_prefix('/') {
            Some(rest) if rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) => {
                let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                // "/start@FlowStageBot" on Telegram groups.
                let name = name.split('@').next().unwrap_or(name).to_ascii_lowercase();
                Incoming::Command { name, args: args.trim().to_owned() }
            }
            _ => Incoming::Text(line.to_owned()),
        }
    }
}

/// Something the adapter must do beyond sending the replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The account was erased: forget the person (no state is saved).
    AccountErased,
}

/// The outcome of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub state: State,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
    /// The step changed nothing but the conversation (a wizard answer, a page turned): it may be
    /// replayed on a fresher state if another instance saved meanwhile.
    pub pure: bool,
    /// The account's language after the step (`/settings` may have changed it).
    pub lang: Lang,
}

/// What a step may read: the store, the speaker's account, the rules and the time.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub account: &'a Account,
    pub speaker: &'a Speaker,
    pub rules: &'a Rules,
    pub weights: Weights,
    pub matcher: &'a Matcher,
    pub now: DateTime<Utc>,
    /// The admins of the configuration: support requests reach them.
    pub admins: &'a crate::config::Admins,
    /// The platform's address of the place the event came from, when that place can serve a
    /// team (a Discord server channel): see `team.rs`.
    pub place: Option<&'a str>,
    /// This instance sends email (`SMTP_URL` is set): addresses are verified by a code.
    pub email: bool,
    /// Which profiles the account owns (ids and kinds), read with it before the step began,
    /// when no step of the account ended since (see [`Turn::active_kind`]).
    pub(crate) owned: Option<&'a [crate::store::OwnedProfile]>,
    /// The account's profiles, read with it before the step began when the step looks at them
    /// ([`looks_at_profiles`]) and no step of the account ended since: the step's first look
    /// at its own profiles, before it touches the store, need not read them again (see
    /// [`Turn::active_profile`]).
    pub(crate) profiles: Option<&'a [crate::domain::profile::Profile]>,
}

impl Ctx<'_> {
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// Whether a step on `input` is likely to look at the person's own profiles in full: the
/// commands whose flows start from the profile the person speaks as, its details and dates.
/// The engine's first read then brings them ([`Ctx::profiles`]); listing them for every step
/// cost a step of someone with profiles more than it saved (docs/decisions.md §24). `/help`
/// and `/start` only ask which kind of profile the person speaks as, which every first read
/// says ([`Ctx::owned`]). The same commands pressed as buttons (the short help's) count too.
/// A hint only: a step not given them reads them when it needs them.
pub(crate) fn looks_at_profiles(input: &Incoming) -> bool {
    let full = |name: &str| matches!(name, "profile" | "match" | "favorites");
    match input {
        Incoming::Command { name, .. } => full(name),
        Incoming::Button(p) => {
            matches!(payload::decode(p), Some((_, Action::Command(name))) if full(name))
        }
        _ => false,
    }
}

/// Applies one event to a conversation. Never fails: a store error is logged and answered with
/// an apology, and the state before the event is kept.
pub async fn step(ctx: &Ctx<'_>, state: State, input: Incoming) -> Step {
    let before = state.clone();
    let pressed = match &input {
        Incoming::Button(p) => payload::decode(p).map(|(_, a)| a),
        _ => None,
    };
    let global = pressed.as_ref().is_some_and(Action::is_global);
    let redraw = pressed.as_ref().is_some_and(Action::redraws_screen);
    let mut turn = Turn {
        ctx,
        state,
        replies: Vec::new(),
        effects: Vec::new(),
        lang: ctx.account.lang,
        zone: ctx.account.time_zone,
        pure: false,
        known: ctx.profiles,
        owned: ctx.owned,
        touched: std::sync::atomic::AtomicBool::new(false),
    };
    let pressed_nonce = turn.state.nonce;
    if !global {
        turn.state.nonce = turn.state.nonce.wrapping_add(1);
    }
    let outcome = dispatch(&mut turn, input, pressed_nonce).await;
    match outcome {
        Ok(()) => {
            if turn.replies.is_empty() {
                // Never silence: whatever happened, say what can be done now.
                idle_help(&mut turn);
            }
            if let [only] = turn.replies.as_mut_slice()
                && redraw
            {
                only.placement = reply::Placement::ReplacePressed;
            }
            Step {
                state: turn.state,
                replies: turn.replies,
                effects: turn.effects,
                pure: turn.pure,
                lang: turn.lang,
            }
        }
        Err(e) => {
            tracing::error!(error = %e, account = %ctx.account.id, "conversation step failed");
            let reply = Reply::new().para(spans(ctx.account.lang, "err-internal", &[]));
            Step {
                state: before,
                replies: vec![reply],
                effects: Vec::new(),
                pure: true,
                lang: ctx.account.lang,
            }
        }
    }
}

async fn dispatch(
    turn: &mut Turn<'_>,
    input: Incoming,
    current_nonce: u32,
) -> Result<(), StoreError> {
    // Consent is checked here, once for every door: commands, text, buttons of any screen or
    // notification, forged payloads.
    if !turn.state.consented && !allowed_without_consent(&input, &turn.state.mode, turn.is_admin())
    {
        if let Incoming::Button(p) = &input
            && payload::decode(p).is_some_and(|(_, a)| a.is_global())
        {
            turn.state.resume = Some(p.clone());
        }
        turn.say("consent-first", &[]);
        turn.state.mode = Mode::Consent;
        consent_screen(turn);
        return Ok(());
    }
    match input {
        Incoming::Open => open(turn).await,
        Incoming::Command { name, args } => command(turn, &name, &args).await,
        Incoming::Button(p) => match payload::decode(&p) {
            None => {
                turn.say("stale-unknown", &[]);
                reprompt(turn).await
            }
            Some((nonce, action)) if !action.is_global() && nonce != current_nonce => {
                turn.say("stale-button", &[]);
                reprompt(turn).await
            }
            Some((_, action)) => act(turn, action).await,
        },
        Incoming::Text(text) => text_in(turn, &text).await,
        Incoming::Document { file_name, bytes } => {
            contract::document(turn, &file_name, &bytes).await?;
            reprompt_unless_idle(turn).await
        }
        Incoming::Location { lat, lon } => match &turn.state.mode {
            Mode::Wizard(_) => wizard::location(turn, lat, lon).await,
            _ => {
                turn.say("location-unexpected", &[]);
                Ok(())
            }
        },
    }
}

/// Greets a newcomer, or says where the conversation stands.
async fn open(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    if !turn.state.consented && turn.state.mode == Mode::Idle {
        return start(turn).await;
    }
    let name = turn.ctx.account.display_name.clone();
    turn.say("welcome-back", &[("name", name)]);
    reprompt(turn).await
}

/// After an aside (a document received), says again what was asked, if anything.
async fn reprompt_unless_idle(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    if matches!(turn.state.mode, Mode::Idle) { Ok(()) } else { reprompt(turn).await }
}

/// Says again what the current step asks, with its buttons.
pub(crate) async fn reprompt(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    match turn.state.mode.clone() {
        Mode::Idle => {
            idle_help(turn);
            Ok(())
        }
        Mode::Consent => {
            consent_screen(turn);
            Ok(())
        }
        Mode::ChooseRole => {
            role_screen(turn);
            Ok(())
        }
        Mode::Wizard(_) => wizard::ask(turn),
        Mode::Results(_) => find::show_page(turn).await,
        Mode::Propose(_) => propose::ask(turn).await,
        Mode::Await(prompt) => {
            prompts::ask(turn, &prompt);
            Ok(())
        }
        Mode::ConfirmErase => account::confirm_erase(turn).await,
        Mode::Contract(_) => contract::ask(turn).await,
    }
}

/// What a person who has not agreed to the privacy notice may do: open the conversation, answer
/// the notice, read the rules, leave, reach their own data; admins run their commands.
fn allowed_without_consent(input: &Incoming, mode: &Mode, admin: bool) -> bool {
    let command = |name: &str| commands::find(name).is_none_or(|c| c.without_consent || c.admin);
    match input {
        Incoming::Open => true,
        Incoming::Command { name, .. } => command(name),
        Incoming::Button(p) => match payload::decode(p) {
            // Unreadable: answered as such, nothing is done.
            None => true,
            Some((_, Action::Consent(_))) => true,
            Some((_, Action::Command(c))) => command(c),
            Some((
                _,
                Action::Approve(_)
                | Action::Reject(_)
                | Action::CloseTicket(_)
                | Action::ReplyTicket(_)
                | Action::AskSuspend(_)
                | Action::AskReinstate(_)
                | Action::ApproveEdit(_)
                | Action::RefuseEdit(_),
            )) => admin,
            Some(_) => false,
        },
        Incoming::Text(_) => {
            matches!(mode, Mode::Idle | Mode::Consent)
                || admin
                    && matches!(
                        mode,
                        Mode::Await(
                            Prompt::RejectReason { .. }
                                | Prompt::EditRefuseReason { .. }
                                | Prompt::TicketReply { .. }
                                | Prompt::SuspendReason { .. }
                                | Prompt::ReinstateReason { .. }
                        )
                    )
        }
        Incoming::Location { .. } | Incoming::Document { .. } => false,
    }
}

async fn command(turn: &mut Turn<'_>, name: &str, args: &str) -> Result<(), StoreError> {
    let Some(known) = commands::find(name) else {
        turn.say("unknown-command", &[("command", format!("/{name}"))]);
        idle_help(turn);
        return Ok(());
    };
    let name = known.name;
    if known.admin && !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    if name == "help" {
        help(turn).await?;
        if !matches!(turn.state.mode, Mode::Idle) {
            reprompt(turn).await?;
        }
        return Ok(());
    }
    if name == "cancel" {
        // /cancel in a wizard is its Cancel button: a started profile is asked about, not lost.
        if let Mode::Wizard(_) = turn.state.mode {
            return wizard::action(turn, Action::Cancel).await;
        }
        return cancel(turn);
    }
    // Commands about the person, not the question, work from anywhere and come back to it.
    if matches!(name, "mydata" | "settings") && !matches!(turn.state.mode, Mode::Idle) {
        let here = turn.state.mode.clone();
        if name == "mydata" {
            account::mydata(turn).await?;
        } else {
            account::settings(turn).await?;
            find::show_followed(turn).await?;
        }
        turn.state.mode = here;
        return reprompt(turn).await;
    }
    if name == "deleteme" && !matches!(turn.state.mode, Mode::Idle | Mode::ConfirmErase) {
        turn.state.parked = Some(Box::new(turn.state.mode.clone()));
    }
    if let Mode::Wizard(_) = turn.state.mode
        && !matches!(name, "start" | "deleteme")
    {
        turn.say("wizard-busy", &[]);
        return wizard::ask(turn);
    }
    match name {
        "start" => start(turn).await,
        "profile" => match turn.state.parked.take().map(|m| *m) {
            // A first profile set aside by Cancel is resumed where it was (with a profile
            // already, "Add" on the profile page resumes it).
            Some(Mode::Wizard(w))
                if turn.state.mode == Mode::Idle && turn.active_kind().await?.is_none() =>
            {
                turn.state.mode = Mode::Wizard(w);
                turn.say("wizard-resumed", &[]);
                reprompt(turn).await
            }
            other => {
                turn.state.parked = other.map(Box::new);
                account::profile(turn).await
            }
        },
        "match" => find::start(turn, args).await,
        "favorites" => find::favourites(turn).await,
        "proposals" => deals::list(turn).await,
        "settings" => {
            account::settings(turn).await?;
            find::show_followed(turn).await?;
            team::offer(turn).await
        }
        "link" => account::link(turn, args).await,
        "support" => support::support(turn, args).await,
        "mydata" => account::mydata(turn).await,
        "deleteme" => {
            turn.state.mode = Mode::ConfirmErase;
            account::confirm_erase(turn).await
        }
        "pending" => admin::pending(turn).await,
        "approve" => admin::approve_cmd(turn, args).await,
        "reject" => admin::reject_cmd(turn, args).await,
        "suspend" => admin::suspend_cmd(turn, args).await,
        "stats" => admin::stats(turn).await,
        "tickets" => support::tickets(turn).await,
        "bookings" => oversight::bookings(turn).await,
        "users" => oversight::users(turn, args).await,
        "audit" => oversight::audit(turn, args).await,
        "edits" => admin::edits(turn).await,
        "reinstate" => admin::reinstate_cmd(turn, args).await,
        _ => {
            turn.say("unknown-command", &[("command", format!("/{name}"))]);
            idle_help(turn);
            Ok(())
        }
    }
}

fn cancel(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let was_idle = turn.state.mode == Mode::Idle;
    turn.state.mode = Mode::Idle;
    turn.say(if was_idle { "nothing-to-cancel" } else { "cancelled" }, &[]);
    idle_help(turn);
    Ok(())
}

async fn act(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    if let Action::Command(c) = action {
        return command(turn, c, "").await;
    }
    if let Action::Suggest(text) = &action {
        // A suggestion button is the answer it shows, as if typed.
        let text = text.clone();
        return text_in(turn, &text).await;
    }
    match action {
        Action::Cancel if !matches!(turn.state.mode, Mode::Wizard(_) | Mode::Propose(_)) => {
            return cancel(turn);
        }
        Action::Consent(yes) if turn.state.mode == Mode::Consent => {
            if yes {
                turn.state.consented = true;
                turn.store().record_consent(turn.account()).await?;
                // What the person was doing when asked goes on.
                if let Some((_, action)) =
                    turn.state.resume.take().and_then(|p| payload::decode(&p))
                {
                    turn.state.mode = Mode::Idle;
                    return Box::pin(act(turn, action)).await;
                }
                // Someone who already has profiles (linked, or created elsewhere) goes on with them.
                if turn.active_kind().await?.is_some() {
                    turn.state.mode = Mode::Idle;
                    idle_help(turn);
                } else {
                    turn.state.mode = Mode::ChooseRole;
                    role_screen(turn);
                }
            } else {
                turn.state.mode = Mode::Idle;
                turn.state.resume = None;
                turn.say("consent-declined", &[]);
            }
            return Ok(());
        }
        Action::Role(kind) if turn.state.mode == Mode::ChooseRole => {
            return wizard::begin(turn, kind, None);
        }
        Action::Back if turn.state.mode == Mode::ChooseRole => {
            turn.state.mode = Mode::Consent;
            consent_screen(turn);
            return Ok(());
        }
        _ => {}
    }
    match turn.state.mode.clone() {
        Mode::Wizard(_) if !action.is_global() => wizard::action(turn, action).await,
        Mode::Propose(_) if !action.is_global() => propose::action(turn, action).await,
        Mode::Results(_)
            if matches!(
                action,
                Action::Page(_)
                    | Action::RefineDates
                    | Action::RefineRadius
                    | Action::RefineFilters
                    | Action::ClearFilter(_)
                    | Action::Follow
            ) =>
        {
            find::action(turn, action).await
        }
        Mode::ConfirmErase if matches!(action, Action::Yes | Action::No) => {
            account::erase(turn, action == Action::Yes).await?;
            // "No": back to where the person was when they asked.
            if action == Action::No
                && let Some(here) = turn.state.parked.take()
            {
                turn.state.mode = *here;
                reprompt(turn).await?;
            }
            Ok(())
        }
        Mode::Await(_) if action == Action::Skip => answer_prompt(turn, None).await,
        Mode::Contract(_) if !action.is_global() => contract::action(turn, action).await,
        Mode::Wizard(_) => {
            turn.say("wizard-busy", &[]);
            wizard::ask(turn)
        }
        _ => global_action(turn, action).await,
    }
}

async fn global_action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    match action {
        Action::Details(id) => find::details(turn, id).await,
        Action::Star(id) => find::star(turn, id, true).await,
        Action::Unstar(id) => find::star(turn, id, false).await,
        Action::Propose(id) => propose::begin(turn, id, None).await,
        Action::Open(id) => deals::open(turn, id).await,
        Action::Accept(id) => deals::accept(turn, id).await,
        Action::Refuse(id) => deals::refuse(turn, id).await,
        Action::Counter(id) => deals::counter(turn, id).await,
        Action::Withdraw(id) => deals::withdraw(turn, id).await,
        Action::Message(id) => deals::message(turn, id).await,
        Action::Hold(id) => deals::hold(turn, id).await,
        Action::Release(id) => deals::release(turn, id).await,
        Action::Challenge(id) => deals::challenge(turn, id).await,
        Action::CancelBooking(id) => deals::ask_cancel(turn, id).await,
        Action::AskHold(id) => deals::ask_hold(turn, id).await,
        Action::Confirm(id) => deals::confirm(turn, id).await,
        Action::Board(venue, day) => deals::board(turn, venue, day).await,
        // A contract with a blank left is not handed out: its details are asked first.
        Action::Contract(id) => match turn.bookings().contract_readiness(id).await {
            Ok(r) if !r.is_ready() => contract::fill(turn, id).await,
            _ => deals::contract(turn, id).await,
        },
        Action::RenewCalendar(id) => account::renew_calendar(turn, id, false).await,
        Action::RenewCalendarNow(id) => account::renew_calendar(turn, id, true).await,
        Action::AskZone => {
            turn.state.mode = Mode::Await(Prompt::TimeZone);
            prompts::ask(turn, &Prompt::TimeZone);
            Ok(())
        }
        Action::ApproveEdit(id) => admin::review_edit(turn, id, None).await,
        Action::RefuseEdit(id) => {
            if turn.is_admin() {
                let prompt = state::Prompt::EditRefuseReason { profile: id };
                turn.state.mode = Mode::Await(prompt.clone());
                prompts::ask(turn, &prompt);
            } else {
                turn.say("admin-only", &[]);
            }
            Ok(())
        }
        Action::EditProfile(id) => account::edit_profile(turn, id).await,
        Action::Switch(id) => account::switch(turn, id).await,
        Action::Add(kind) => match turn.state.parked.take().map(|m| *m) {
            // The draft of this kind set aside by Cancel is resumed, not started again.
            Some(Mode::Wizard(w)) if w.kind == kind && w.editing.is_none() => {
                turn.state.mode = Mode::Wizard(w);
                turn.say("wizard-resumed", &[]);
                reprompt(turn).await
            }
            other => {
                turn.state.parked = other.map(Box::new);
                wizard::begin(turn, kind, None)
            }
        },
        Action::Lang(_) | Action::ToggleAlerts | Action::AskThreshold | Action::AskEmail => {
            account::settings_action(turn, action).await
        }
        Action::TeamPlace(on) => team::set(turn, on).await,
        Action::Approve(id) => admin::decide(turn, id, None).await,
        Action::Reject(id) => {
            if turn.is_admin() {
                let prompt = state::Prompt::RejectReason { profile: id };
                turn.state.mode = Mode::Await(prompt.clone());
                prompts::ask(turn, &prompt);
            } else {
                turn.say("admin-only", &[]);
            }
            Ok(())
        }
        Action::CloseTicket(id) => support::close_ticket(turn, id).await,
        Action::ReplyTicket(id) => support::ask_reply(turn, id).await,
        Action::AnswerTicket(id) => support::ask_answer(turn, id).await,
        Action::AskSuspend(id) => {
            admin::ask_reason(turn, state::Prompt::SuspendReason { profile: id })
        }
        Action::AskReinstate(id) => {
            admin::ask_reason(turn, state::Prompt::ReinstateReason { profile: id })
        }
        Action::Unfollow(id) => find::unfollow(turn, id).await,
        Action::FillContract(id) => contract::fill(turn, id).await,
        Action::ContractDetails(id) => contract::details(turn, id).await,
        // A button of a screen that is gone (a wizard, a proposal) reaching here is stale.
        _ => {
            turn.say("stale-button", &[]);
            reprompt(turn).await
        }
    }
}

async fn text_in(turn: &mut Turn<'_>, text: &str) -> Result<(), StoreError> {
    match turn.state.mode.clone() {
        Mode::Wizard(_) => wizard::text(turn, text).await,
        Mode::Propose(_) => propose::text(turn, text).await,
        Mode::Await(_) => answer_prompt(turn, Some(text)).await,
        Mode::Contract(_) => contract::text(turn, text).await,
        Mode::Consent => {
            turn.say("consent-buttons", &[]);
            consent_screen(turn);
            Ok(())
        }
        Mode::ChooseRole => {
            let t = text.to_lowercase();
            if ["artist", "artiste", "booker", "tourneur"].iter().any(|w| t.contains(w)) {
                wizard::begin(turn, ProfileKind::Artist, None)
            } else if ["venue", "lieu", "salle", "club"].iter().any(|w| t.contains(w)) {
                wizard::begin(turn, ProfileKind::Venue, None)
            } else {
                turn.say("err-choose", &[]);
                role_screen(turn);
                Ok(())
            }
        }
        Mode::ConfirmErase => {
            turn.say("err-choose", &[]);
            account::confirm_erase(turn).await
        }
        Mode::Idle | Mode::Results(_) => {
            turn.say("not-understood", &[]);
            idle_help(turn);
            Ok(())
        }
    }
}

/// A typed answer (or Skip, `None`) to the prompt waiting, sent to the flow that asked.
async fn answer_prompt(turn: &mut Turn<'_>, text: Option<&str>) -> Result<(), StoreError> {
    let Mode::Await(prompt) = turn.state.mode.clone() else { return Ok(()) };
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    match (&prompt, text) {
        (Prompt::RefuseReason { proposal }, reason) => {
            deals::refuse_with(turn, *proposal, reason).await
        }
        (Prompt::ThreadMessage { proposal }, Some(body)) => {
            deals::message_with(turn, *proposal, body).await
        }
        (Prompt::RejectReason { profile }, Some(reason)) => {
            admin::decide(turn, *profile, Some(reason.to_owned())).await
        }
        (Prompt::CancelReason { booking }, Some(reason)) => {
            deals::cancel_booking(turn, *booking, reason).await
        }
        (Prompt::Support, Some(body)) => support::open_ticket(turn, body).await,
        (Prompt::TicketReply { ticket }, Some(body)) => support::reply(turn, *ticket, body).await,
        (Prompt::TicketAnswer { ticket }, Some(body)) => support::answer(turn, *ticket, body).await,
        (Prompt::SuspendReason { profile }, Some(reason)) => {
            admin::suspend(turn, *profile, reason).await
        }
        (Prompt::ReinstateReason { profile }, Some(reason)) => {
            admin::reinstate(turn, *profile, reason).await
        }
        (Prompt::TimeZone, Some(t)) => account::set_zone(turn, &prompt, t).await,
        (Prompt::EditRefuseReason { profile }, Some(reason)) => {
            admin::review_edit(turn, *profile, Some(reason.to_owned())).await
        }
        (Prompt::Threshold, Some(t)) => account::set_threshold(turn, &prompt, t).await,
        (Prompt::Email, t) => account::set_email(turn, &prompt, t).await,
        (Prompt::EmailCode, Some(t)) => account::check_email_code(turn, t).await,
        (Prompt::MatchDates { radius_km }, Some(t)) => {
            let filters = SearchFilters { radius_km: *radius_km, ..SearchFilters::default() };
            find::filters_answer(turn, &filters, Some(FilterKind::Dates), t).await
        }
        (Prompt::MatchRadius { dates }, Some(t)) => {
            let filters = SearchFilters { dates: dates.clone(), ..SearchFilters::default() };
            find::filters_answer(turn, &filters, Some(FilterKind::Radius), t).await
        }
        (Prompt::MatchFilters { filters, asked }, Some(t)) => {
            find::filters_answer(turn, filters, *asked, t).await
        }
        (_, None) => {
            prompts::problem(
                turn,
                &prompt,
                &Problem::Text(crate::domain::values::TextError::Empty),
            );
            Ok(())
        }
    }
    .map(|()| {
        if turn.replies.is_empty() {
            idle_help(turn);
        }
    })
}

/// `/start`: welcome, privacy notice and consent, then the role and the wizard.
async fn start(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    if let Mode::Wizard(_) = turn.state.mode {
        return wizard::ask(turn);
    }
    // Pressing /start again mid-flow (a habit on Telegram) resumes it.
    if turn.state.consented && matches!(turn.state.mode, Mode::Propose(_) | Mode::Await(_)) {
        let name = turn.ctx.account.display_name.clone();
        turn.say("welcome-back", &[("name", name)]);
        return reprompt(turn).await;
    }
    if !turn.state.consented {
        turn.say("welcome", &[]);
        turn.state.mode = Mode::Consent;
        consent_screen(turn);
        return Ok(());
    }
    if turn.active_kind().await?.is_some() {
        let name = turn.ctx.account.display_name.clone();
        turn.say("welcome-back", &[("name", name)]);
        turn.state.mode = Mode::Idle;
        idle_help(turn);
    } else {
        turn.state.mode = Mode::ChooseRole;
        role_screen(turn);
    }
    Ok(())
}

fn consent_screen(turn: &mut Turn<'_>) {
    let r = turn.msg("privacy", &[]).row(vec![
        turn.button("btn-consent-yes", &Action::Consent(true)),
        turn.button("btn-consent-no", &Action::Consent(false)),
    ]);
    turn.push(r);
}

fn role_screen(turn: &mut Turn<'_>) {
    let r = turn
        .msg("choose-role", &[])
        .row(vec![
            turn.button("btn-role-artist", &Action::Role(ProfileKind::Artist)),
            turn.button("btn-role-venue", &Action::Role(ProfileKind::Venue)),
        ])
        .row(vec![turn.button("btn-back", &Action::Back)]);
    turn.push(r);
}

/// `/help`'s lines for everyone's commands, or for the admins' own: one per command of the
/// catalogue, as every platform's menu lists them. They depend only on the language, so each
/// list is rendered once per process (a step of `/help` rendered some twenty translations).
fn command_lines(lang: Lang, admin: bool) -> &'static [Vec<Span>] {
    static LINES: std::sync::OnceLock<[[Vec<Vec<Span>>; 2]; 2]> = std::sync::OnceLock::new();
    let lines = LINES.get_or_init(|| {
        let of = |lang: Lang, admin: bool| {
            commands::menu(admin)
                .filter(|c| c.admin == admin)
                .map(|c| {
                    spans(
                        lang,
                        "help-command-line",
                        &[("command", c.name.to_owned()), ("description", c.long(lang))],
                    )
                })
                .collect()
        };
        [[of(Lang::Fr, false), of(Lang::Fr, true)], [of(Lang::En, false), of(Lang::En, true)]]
    });
    let by_lang = match lang {
        Lang::Fr => &lines[0],
        Lang::En => &lines[1],
    };
    &by_lang[usize::from(admin)]
}

/// `/help`: what this person can do, by role.
async fn help(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let kind = turn.active_kind().await?;
    let key = match kind {
        Some(ProfileKind::Artist) => "help-artist",
        Some(ProfileKind::Venue) => "help-venue",
        None => "help-newcomer",
    };
    let mut r = turn.msg(key, &[]);
    if kind.is_some() {
        r = r.para(turn.s("help-holds", &[])).para(turn.s("help-calendar", &[]));
    }
    r = r.para(turn.s("help-commands", &[]));
    r = r.list(command_lines(turn.lang, false).to_vec());
    if turn.is_admin() {
        r = r.para(turn.s("help-admin-commands", &[]));
        r = r.list(command_lines(turn.lang, true).to_vec());
    }
    turn.push(r);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send<T: Send>(_: &T) {}

    /// Adapters run the engine inside ordinary spawned tasks (serenity requires it): its future
    /// must be `Send`. A lazy iterator or a closure over references held across an `.await` is
    /// what usually breaks this.
    #[allow(dead_code, reason = "compiled, never run: the check is the type system's")]
    fn the_engine_runs_in_a_spawned_task(engine: &Engine, speaker: &Speaker, ctx: &Ctx<'_>) {
        is_send(&engine.handle(speaker, Incoming::Open));
        is_send(&step(ctx, State::default(), Incoming::Open));
    }

    /// The steps whose first read brings the profiles in full: the commands that show or match
    /// the profile, typed or pressed; `/help` (which asks only the profile's kind), other
    /// buttons and text do not.
    #[test]
    fn the_commands_that_look_at_the_profile_in_full_get_it_with_the_first_read() {
        let typed = |name: &str| Incoming::Command { name: name.into(), args: String::new() };
        let pressed = |action: &Action| Incoming::Button(payload::encode(7, action));
        for name in ["profile", "match", "favorites"] {
            assert!(looks_at_profiles(&typed(name)), "/{name}");
        }
        assert!(looks_at_profiles(&pressed(&Action::Command("match"))));
        assert!(looks_at_profiles(&pressed(&Action::Command("profile"))));
        assert!(!looks_at_profiles(&pressed(&Action::Command("help"))));
        assert!(!looks_at_profiles(&pressed(&Action::Consent(true))));
        for name in ["help", "start", "proposals", "settings"] {
            assert!(!looks_at_profiles(&typed(name)), "/{name}");
        }
        assert!(!looks_at_profiles(&Incoming::Text("Lyon".into())));
        assert!(!looks_at_profiles(&Incoming::Button("not a payload".into())));
    }
}
