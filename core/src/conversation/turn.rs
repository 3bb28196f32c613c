//! The turn: one step in progress (the state being changed, the replies being written) and the
//! helpers every flow stands on — words, buttons, the booking service, warnings, the short help.
//! Flows import this base, never each other's internals for it.

use std::sync::atomic::{AtomicBool, Ordering};

use super::i18n::{self, Args, spans, tr};
use super::payload::{self, Action};
use super::reply::{Button, Reply, Span};
use super::state::State;
use super::{Ctx, Effect};
use crate::booking::BookingService;
use crate::domain::profile::{Profile, ProfileKind};
use crate::domain::when::Zone;
use crate::domain::{AccountId, Lang, ProfileId};
use crate::store::{OwnedProfile, Store, StoreError};

/// One step in progress: the state being changed and the replies being written.
pub(crate) struct Turn<'a> {
    pub ctx: &'a Ctx<'a>,
    pub state: State,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
    /// Set when the language changes mid-step, so the rest is said in the new one.
    pub lang: Lang,
    /// The person's time zone: every moment shown to them is in its time.
    pub zone: Zone,
    /// Set by flows that only read the store (see [`Step::pure`]).
    pub pure: bool,
    /// The person's profiles as read before the step ([`Ctx::profiles`]), until used once.
    pub known: Option<&'a [Profile]>,
    /// Which profiles the person owned before the step ([`Ctx::owned`]), until used once.
    pub owned: Option<&'a [OwnedProfile]>,
    /// Set once the step asks the store anything: from then on, what was read before the step
    /// may be out of date (the step may have changed it), so profiles are read anew.
    pub touched: AtomicBool,
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

    /// "Did you mean …?" buttons: each answers the current question as if typed; a suggestion
    /// whose payload would not fit in a button is left out.
    pub fn suggestions(&self, texts: &[String]) -> Vec<Button> {
        texts
            .iter()
            .map(|t| Action::Suggest(t.clone()))
            .filter(payload::fits)
            .map(|a| {
                let label = match &a {
                    Action::Suggest(t) => t.clone(),
                    _ => String::new(),
                };
                self.button_text(label, &a)
            })
            .collect()
    }

    pub fn back_cancel(&self) -> Vec<Button> {
        vec![self.button("btn-back", &Action::Back), self.button("btn-cancel", &Action::Cancel)]
    }

    pub fn store(&self) -> &Store {
        self.touched.store(true, Ordering::Relaxed);
        self.ctx.store
    }

    pub fn account(&self) -> AccountId {
        self.ctx.account.id
    }

    pub fn is_admin(&self) -> bool {
        self.ctx.speaker.is_admin
    }

    /// The profile the person speaks as: the chosen one if still theirs, else their first.
    /// Before the step has asked the store anything, the profiles read with the account serve.
    pub async fn active_profile(&mut self) -> Result<Option<Profile>, StoreError> {
        let known = self.known.take().filter(|_| !*self.touched.get_mut());
        let read;
        let mine = match known {
            Some(mine) => mine,
            None => {
                read = self.store().profiles_of(self.account()).await?;
                read.as_slice()
            }
        };
        Ok(self.choose(mine, |p| p.id).cloned())
    }

    /// Among the person's profiles `mine`, the chosen one if still theirs, else their first;
    /// it is then the chosen one.
    fn choose<'m, P>(&mut self, mine: &'m [P], id: impl Fn(&P) -> ProfileId) -> Option<&'m P> {
        let chosen = self.state.active.and_then(|active| mine.iter().find(|p| id(p) == active));
        let profile = chosen.or_else(|| mine.first());
        self.state.active = profile.map(&id);
        profile
    }

    /// The kind of the profile the person speaks as ([`Turn::active_profile`]'s), `None`
    /// without one. Before the step has asked the store anything, which profiles the person
    /// owns is known from the first read, and the profile itself is not listed.
    pub async fn active_kind(&mut self) -> Result<Option<ProfileKind>, StoreError> {
        let Some(owned) = self.owned_before() else {
            return Ok(self.active_profile().await?.map(|p| p.kind()));
        };
        Ok(self.choose(owned, |p| p.id).map(|p| p.kind))
    }

    /// The person's profiles by id and kind, oldest first: from the first read before the step
    /// has asked the store anything (no listing of the profiles), listed otherwise.
    pub async fn owned_profiles(&mut self) -> Result<Vec<OwnedProfile>, StoreError> {
        if let Some(owned) = self.owned_before() {
            return Ok(owned.to_vec());
        }
        let mine = self.store().profiles_of(self.account()).await?;
        Ok(mine.iter().map(|p| OwnedProfile { id: p.id, kind: p.kind() }).collect())
    }
}

impl<'a> Turn<'a> {
    /// Which profiles the person owned as the first read found them ([`Ctx::owned`]), once,
    /// and only while the step has not asked the store anything.
    fn owned_before(&mut self) -> Option<&'a [OwnedProfile]> {
        self.owned.take().filter(|_| !*self.touched.get_mut())
    }
}

impl Turn<'_> {
    /// The booking rules, for flows that act on proposals and bookings.
    pub fn bookings(&self) -> BookingService {
        BookingService::new(self.store().clone(), self.ctx.rules.clone())
    }

    /// A warning: what went wrong, in one paragraph the person cannot miss.
    pub fn warn(&mut self, text: String) {
        self.push(Reply::new().para(vec![Span::Bold("⚠️ ".into()), Span::Plain(text)]));
    }
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
