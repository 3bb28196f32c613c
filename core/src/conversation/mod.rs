//! The conversations of Flow Stage, once for every platform: a state machine from (stored state,
//! incoming event) to (new state, replies). Adapters (Telegram, Discord, the terminal) translate
//! their world into [`Incoming`] events and render the neutral [`Reply`] model; messages for other
//! accounts go through the stored outbox as [`crate::notify::Event`]s, rendered by [`render_event`].
//!
//! Map: [`Engine`] is the runner (load, step, save, per-account ordering); `step` dispatches to
//! the flows (`wizard`, `find`, `propose`, `deals`, `account`, `admin`); `state` is the stored
//! shape; `payload` the button codes; `i18n` the words; `errors` the domain errors in words.

pub mod errors;
pub mod i18n;
pub mod payload;
pub mod reply;
pub mod state;

mod account;
mod admin;
mod deals;
mod events;
mod find;
mod propose;
mod show;
mod wizard;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

pub use events::{render_delivery, render_event};
pub use find::Matcher;
use i18n::{Args, spans, tr};
use payload::Action;
pub use reply::{Attachment, Block, Button, Recipient, Reply, Span};
pub use state::{Mode, State};

use crate::config::Rules;
use crate::domain::account::{Account, Identity};
use crate::domain::profile::{Profile, ProfileKind};
use crate::domain::{AccountId, Lang};
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
}

impl Ctx<'_> {
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// One step in progress: the state being changed and the replies being written.
pub(crate) struct Turn<'a> {
    pub ctx: &'a Ctx<'a>,
    pub state: State,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
    /// Set when the language changes mid-step, so the rest is said in the new one.
    pub lang: Lang,
    /// Set by flows that only read the store (see [`Step::pure`]).
    pub pure: bool,
}

impl Turn<'_> {
    pub fn t(&self, key: &str) -> String {
        tr(self.lang, key, &[])
    }

    pub fn ta(&self, key: &str, args: Args<'_>) -> String {
        tr(self.lang, key, args)
    }

    pub fn s(&self, key: &str, args: Args<'_>) -> Vec<Span> {
        spans(self.lang, key, args)
    }

    /// A reply about `n` things (see [`i18n::counted`]); `n` is the `count` argument.
    pub fn msg_n(&self, key: &str, n: usize, args: Args<'_>) -> Reply {
        let mut all: Vec<(&str, String)> = args.to_vec();
        all.push(("count", n.to_string()));
        Reply::new().para(self.s(&i18n::counted(self.lang, key, n), &all))
    }

    /// A reply of one translated paragraph.
    pub fn msg(&self, key: &str, args: Args<'_>) -> Reply {
        Reply::new().para(self.s(key, args))
    }

    pub fn say(&mut self, key: &str, args: Args<'_>) {
        let r = self.msg(key, args);
        self.replies.push(r);
    }

    pub fn push(&mut self, reply: Reply) {
        self.replies.push(reply);
    }

    /// A button whose label is a translation key.
    pub fn button(&self, key: &str, action: &Action) -> Button {
        self.button_text(self.t(key), action)
    }

    pub fn button_text(&self, label: impl Into<String>, action: &Action) -> Button {
        Button { label: label.into(), payload: payload::encode(self.state.nonce, action) }
    }

    pub fn back_cancel(&self) -> Vec<Button> {
        vec![self.button("btn-back", &Action::Back), self.button("btn-cancel", &Action::Cancel)]
    }

    pub fn store(&self) -> &Store {
        self.ctx.store
    }

    pub fn account(&self) -> AccountId {
        self.ctx.account.id
    }

    pub fn is_admin(&self) -> bool {
        self.ctx.speaker.is_admin
    }

    /// The profile the person speaks as: the chosen one if still theirs, else their first.
    pub async fn active_profile(&mut self) -> Result<Option<Profile>, StoreError> {
        let mine = self.store().profiles_of(self.account()).await?;
        let chosen = self.state.active.and_then(|id| mine.iter().find(|p| p.id == id).cloned());
        let profile = chosen.or_else(|| mine.into_iter().next());
        self.state.active = profile.as_ref().map(|p| p.id);
        Ok(profile)
    }
}

/// Applies one event to a conversation. Never fails: a store error is logged and answered with
/// an apology, and the state before the event is kept.
pub async fn step(ctx: &Ctx<'_>, state: State, input: Incoming) -> Step {
    let before = state.clone();
    let global = matches!(&input, Incoming::Button(p) if payload::decode(p).is_some_and(|(_, a)| a.is_global()));
    let mut turn = Turn {
        ctx,
        state,
        replies: Vec::new(),
        effects: Vec::new(),
        lang: ctx.account.lang,
        pure: false,
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
            Step {
                state: turn.state,
                replies: turn.replies,
                effects: turn.effects,
                pure: turn.pure,
            }
        }
        Err(e) => {
            tracing::error!(error = %e, account = %ctx.account.id, "conversation step failed");
            let reply = Reply::new().para(spans(ctx.account.lang, "err-internal", &[]));
            Step { state: before, replies: vec![reply], effects: Vec::new(), pure: true }
        }
    }
}

async fn dispatch(
    turn: &mut Turn<'_>,
    input: Incoming,
    current_nonce: u32,
) -> Result<(), StoreError> {
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
            account::ask_prompt(turn, &prompt);
            Ok(())
        }
        Mode::ConfirmErase => {
            account::confirm_erase(turn);
            Ok(())
        }
    }
}

/// Commands that need no consent: reading the rules, leaving, and one's own data.
/// `/link` too: the account it joins already consented, on the other platform.
const WITHOUT_CONSENT: &[&str] =
    &["start", "help", "cancel", "deleteme", "mydata", "support", "link"];
const ADMIN_COMMANDS: &[&str] = &["pending", "approve", "reject", "suspend", "stats", "tickets"];

async fn command(turn: &mut Turn<'_>, name: &str, args: &str) -> Result<(), StoreError> {
    let admin_cmd = ADMIN_COMMANDS.contains(&name);
    if admin_cmd && !turn.is_admin() {
        turn.say("admin-only", &[]);
        return Ok(());
    }
    if !turn.state.consented && !WITHOUT_CONSENT.contains(&name) && !admin_cmd {
        turn.say("consent-first", &[]);
        turn.state.mode = Mode::Consent;
        consent_screen(turn);
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
        return cancel(turn);
    }
    if let Mode::Wizard(_) = turn.state.mode
        && name != "start"
    {
        turn.say("wizard-busy", &[]);
        return wizard::ask(turn);
    }
    match name {
        "start" => start(turn).await,
        "profile" => account::profile(turn).await,
        "match" => find::start(turn, args).await,
        "favorites" | "favourites" => find::favourites(turn).await,
        "proposals" => deals::list(turn).await,
        "settings" => account::settings(turn),
        "link" => account::link(turn, args).await,
        "support" => account::support(turn, args).await,
        "mydata" => account::mydata(turn).await,
        "deleteme" => {
            turn.state.mode = Mode::ConfirmErase;
            account::confirm_erase(turn);
            Ok(())
        }
        "pending" => admin::pending(turn).await,
        "approve" => admin::approve_cmd(turn, args).await,
        "reject" => admin::reject_cmd(turn, args).await,
        "suspend" => admin::suspend_cmd(turn, args).await,
        "stats" => admin::stats(turn).await,
        "tickets" => admin::tickets(turn).await,
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
    match action {
        Action::Cancel if !matches!(turn.state.mode, Mode::Wizard(_) | Mode::Propose(_)) => {
            return cancel(turn);
        }
        Action::Consent(yes) if turn.state.mode == Mode::Consent => {
            if yes {
                turn.state.consented = true;
                // Someone who already has profiles (linked, or created elsewhere) goes on with them.
                if turn.active_profile().await?.is_some() {
                    turn.state.mode = Mode::Idle;
                    idle_help(turn);
                } else {
                    turn.state.mode = Mode::ChooseRole;
                    role_screen(turn);
                }
            } else {
                turn.state.mode = Mode::Idle;
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
            if matches!(action, Action::Page(_) | Action::RefineDates | Action::RefineRadius) =>
        {
            find::action(turn, action).await
        }
        Mode::ConfirmErase if matches!(action, Action::Yes | Action::No) => {
            account::erase(turn, action == Action::Yes).await
        }
        Mode::Await(_) if action == Action::Skip => account::prompt_answer(turn, None).await,
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
        Action::CancelBooking(id) => {
            let prompt = state::Prompt::CancelReason { booking: id };
            turn.state.mode = Mode::Await(prompt.clone());
            account::ask_prompt(turn, &prompt);
            Ok(())
        }
        Action::EditProfile(id) => account::edit_profile(turn, id).await,
        Action::Switch(id) => account::switch(turn, id).await,
        Action::Add(kind) => wizard::begin(turn, kind, None),
        Action::Lang(_) | Action::ToggleAlerts | Action::AskThreshold | Action::AskEmail => {
            account::settings_action(turn, action).await
        }
        Action::Approve(id) => admin::decide(turn, id, None).await,
        Action::Reject(id) => {
            if turn.is_admin() {
                let prompt = state::Prompt::RejectReason { profile: id };
                turn.state.mode = Mode::Await(prompt.clone());
                account::ask_prompt(turn, &prompt);
            } else {
                turn.say("admin-only", &[]);
            }
            Ok(())
        }
        Action::CloseTicket(id) => admin::close_ticket(turn, id).await,
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
        Mode::Await(_) => account::prompt_answer(turn, Some(text)).await,
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
            account::confirm_erase(turn);
            Ok(())
        }
        Mode::Idle | Mode::Results(_) => {
            turn.say("not-understood", &[]);
            idle_help(turn);
            Ok(())
        }
    }
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
    if turn.active_profile().await?.is_some() {
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

/// The short help: buttons to the main actions.
pub(crate) fn idle_help(turn: &mut Turn<'_>) {
    let mut r = turn.msg("short-help", &[]).row(vec![
        turn.button("btn-match", &Action::Command("match")),
        turn.button("btn-profile", &Action::Command("profile")),
    ]);
    r = r.row(vec![
        turn.button("btn-proposals", &Action::Command("proposals")),
        turn.button("btn-help", &Action::Command("help")),
    ]);
    if turn.is_admin() {
        r = r.row(vec![turn.button("btn-pending", &Action::Command("pending"))]);
    }
    turn.push(r);
}

/// `/help`: what this person can do, by role.
async fn help(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let kind = turn.active_profile().await?.map(|p| p.kind());
    let key = match kind {
        Some(ProfileKind::Artist) => "help-artist",
        Some(ProfileKind::Venue) => "help-venue",
        None => "help-newcomer",
    };
    let mut r = turn.msg(key, &[]).para(turn.s("help-common", &[]));
    if turn.is_admin() {
        r = r.para(turn.s("help-admin", &[]));
    }
    turn.push(r);
    Ok(())
}

/// Runs conversations against the store: loads each account's state, applies its events one at
/// a time in order, saves. Different accounts run concurrently.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    rules: Rules,
    weights: Weights,
    matcher: Matcher,
    locks: Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<()>>>>,
}

/// What the adapter gets back from [`Engine::handle`].
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub account: AccountId,
    /// The account's language after the event (replies are already in it).
    pub lang: Lang,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
}

impl Engine {
    #[must_use]
    pub fn new(store: Store, rules: Rules) -> Self {
        Self {
            store,
            rules,
            weights: Weights::default(),
            matcher: Matcher::default(),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// Searches an index the caller keeps fresh (`serve` shares one with its refresher); its
    /// weights then rule.
    #[must_use]
    pub fn with_live_index(mut self, live: Arc<crate::matching::LiveIndex>) -> Self {
        self.weights = live.weights();
        self.matcher = Matcher::shared(live);
        self
    }

    /// Matching weights from the configuration (`MATCH_WEIGHTS`).
    #[must_use]
    pub fn with_weights(mut self, weights: Weights) -> Self {
        self.weights = weights;
        self
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn lock_for(&self, account: AccountId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget the locks nobody holds, so the map does not grow with every account ever seen.
        if locks.len() > 4096 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(account).or_default().clone()
    }

    /// Applies one event of `speaker` and returns the replies for them.
    #[tracing::instrument(skip_all, fields(platform = speaker.identity.platform.as_str()))]
    pub async fn handle(&self, speaker: &Speaker, input: Incoming) -> Result<Outcome, StoreError> {
        let (account, _) = self
            .store
            .account_for_identity(&speaker.identity, &speaker.display_name, speaker.lang)
            .await?;
        let lock = self.lock_for(account.id);
        let _guard = lock.lock().await;
        let channel = speaker.identity.platform.as_str();
        let mut attempts = 0;
        let step = loop {
            attempts += 1;
            let record = self.store.load_conversation(account.id, channel).await?;
            let (state, reset, version) = match &record {
                Some(r) => {
                    let (s, reset) = State::decode(&r.state);
                    (s, reset, r.version)
                }
                None => (State::default(), false, 0),
            };
            let ctx = Ctx {
                store: &self.store,
                account: &account,
                speaker,
                rules: &self.rules,
                weights: self.weights,
                matcher: &self.matcher,
                now: self.store.clock().now(),
            };
            let mut step = step(&ctx, state, input.clone()).await;
            if reset {
                step.replies.insert(0, Reply::new().para(spans(account.lang, "state-reset", &[])));
            }
            if step.effects.contains(&Effect::AccountErased) {
                break step;
            }
            match self
                .store
                .save_conversation(account.id, channel, &step.state.encode(), version)
                .await
            {
                Ok(_) => break step,
                // Another instance moved this conversation on: a pure step is replayed on its
                // state; one that already acted in the store keeps its state (see `save`).
                Err(StoreError::Conflict) if step.pure && attempts < 5 => {}
                Err(StoreError::Conflict) => {
                    self.save(account.id, channel, &step.state).await?;
                    break step;
                }
                Err(e) => return Err(e),
            }
        };
        let lang = if step.effects.contains(&Effect::AccountErased) {
            account.lang
        } else {
            self.store.account(account.id).await.map(|a| a.lang).unwrap_or(account.lang)
        };
        Ok(Outcome { account: account.id, lang, replies: step.replies, effects: step.effects })
    }

    /// Saves over whatever another instance saved in between (the per-account lock covers this
    /// process only): the step's effects are already in the store, so the newest state is the
    /// one that describes them.
    async fn save(
        &self,
        account: AccountId,
        channel: &str,
        state: &State,
    ) -> Result<(), StoreError> {
        let text = state.encode();
        for _ in 0..10 {
            let version =
                self.store.load_conversation(account, channel).await?.map_or(0, |r| r.version);
            match self.store.save_conversation(account, channel, &text, version).await {
                Err(StoreError::Conflict) => {}
                other => return other.map(|_| ()),
            }
        }
        Err(StoreError::Conflict)
    }
}
