//! The runner: loads each account's conversation, applies its events one at a time in order
//! through [`step`], and saves; different accounts run concurrently, and a conflict with another
//! instance is settled here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::find::Matcher;
use super::i18n::spans;
use super::reply::Reply;
use super::state::State;
use super::{Ctx, Effect, Incoming, Speaker, step};
use crate::config::Rules;
use crate::domain::account::Account;
use crate::domain::proposal::ProposalStatus;
use crate::domain::{AccountId, InboxId, Lang, ProposalId};
use crate::matching::Weights;
use crate::store::{ConversationRecord, FirstRead, Handled, StepSave, Store, StoreError};

/// What a step of this process last saved of an account's conversation, kept with the account's
/// lock: the next step, if it read the conversation before that save, starts from this instead
/// of reading it again.
#[derive(Debug)]
struct Saved {
    channel: String,
    record: ConversationRecord,
}

/// What the steps of this process left of an account, kept with its lock.
#[derive(Debug)]
struct Held {
    /// What the last one saved.
    saved: Option<Saved>,
    /// When the last one ended, counted in [`Engine::ended`]: a step whose first read began
    /// before may have read profiles that step changed since.
    ended: u64,
}

/// An account's lock: its steps run one at a time in this process.
type Lock = Arc<tokio::sync::Mutex<Held>>;

/// The accounts' locks, and when the locks nobody held were last forgotten.
#[derive(Debug, Default)]
struct Locks {
    by_account: HashMap<AccountId, Lock>,
    /// [`Engine::ended`] when they were: a forgotten lock's last step ended before, so a lock
    /// made again starts from there.
    forgotten_at: u64,
}

/// A step's hold on its account's lock: however the step ends (done, failed, or dropped
/// mid-way), it counts as ended there when the hold goes.
struct Hold<'a> {
    guard: tokio::sync::MutexGuard<'a, Held>,
    ended: &'a AtomicU64,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.guard.ended = self.ended.fetch_add(1, Ordering::SeqCst) + 1;
    }
}

/// A member of a profile's team answering one of its proposals in the team's place.
#[derive(Debug)]
struct Seat {
    /// The profile's owner, in whose name the answer is given.
    owner: Account,
    proposal: ProposalId,
    /// The proposal's status before the step: a change means the member answered.
    status: ProposalStatus,
}

/// Runs conversations against the store: loads each account's state, applies its events one at
/// a time in order, saves. Different accounts run concurrently.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    rules: Rules,
    weights: Weights,
    matcher: Matcher,
    admins: crate::config::Admins,
    email: bool,
    locks: Mutex<Locks>,
    /// How many steps have ended in this engine: the clock of [`Held::ended`].
    ended: AtomicU64,
    /// Admits [`STEPS_AT_ONCE`] steps at a time; the others wait their turn, in order.
    admitted: tokio::sync::Semaphore,
}

/// How many steps run at once in one engine. A step in flight holds its future (some 14 KB:
/// its flows' states) and its place in the database's queues, which serve at most 256 requests
/// a batch: with 10,000 people acting at the same moment, the process held up to 250 MiB and
/// each step cost twice the CPU of a step among 1,000 (docs/decisions.md §24). More than a few full
/// batches in flight only makes the queues longer.
pub const STEPS_AT_ONCE: usize = 1024;

/// Where and how an event came, beyond who sent it, for platforms that say so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The language the person's client shows for this one event (Discord's interaction
    /// locale): replies to it are in it, whatever the account's stored language, which still
    /// rules what reaches them later (the outbox) and is not changed.
    pub lang: Option<Lang>,
    /// The platform's address of the place the event came from, when that place can serve a
    /// team (a Discord server channel, not a direct message): a profile's team may answer its
    /// proposals there (see `team.rs`).
    pub place: Option<String>,
    /// The stored inbox's record of the update this event comes from: the step marks it handled
    /// and stores its replies in the transaction that saves the conversation, for the front-end
    /// to send from there (see `store/inbox.rs`).
    pub arrival: Option<InboxId>,
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
            admins: crate::config::Admins::default(),
            email: false,
            locks: Mutex::new(Locks::default()),
            ended: AtomicU64::new(0),
            admitted: tokio::sync::Semaphore::new(STEPS_AT_ONCE),
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

    /// The admins of the configuration: support requests are sent to them.
    #[must_use]
    pub fn with_admins(mut self, admins: crate::config::Admins) -> Self {
        self.admins = admins;
        self
    }

    /// This instance sends email (`SMTP_URL` is set): an address given in `/settings` is
    /// verified by a code sent to it.
    #[must_use]
    pub fn with_email(mut self, email: bool) -> Self {
        self.email = email;
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

    fn lock_for(&self, account: AccountId) -> Lock {
        let mut locks = self.locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget the locks nobody holds, so the map does not grow with every account ever seen.
        if locks.by_account.len() > 4096 {
            locks.by_account.retain(|_, l| Arc::strong_count(l) > 1);
            locks.forgotten_at = self.ended.load(Ordering::SeqCst);
        }
        let ended = locks.forgotten_at;
        let made = || Arc::new(tokio::sync::Mutex::new(Held { saved: None, ended }));
        locks.by_account.entry(account).or_insert_with(made).clone()
    }

    /// Applies one event of `speaker` and returns the replies for them.
    pub async fn handle(&self, speaker: &Speaker, input: Incoming) -> Result<Outcome, StoreError> {
        self.handle_in(speaker, input, &Origin::default()).await
    }

    /// As [`Engine::handle`], for an event whose [`Origin`] the platform tells. Counted in
    /// `flowstage_updates_total` and timed in `flowstage_reply_seconds`, by platform.
    #[tracing::instrument(skip_all, fields(platform = speaker.identity.platform.as_str()))]
    pub async fn handle_in(
        &self,
        speaker: &Speaker,
        input: Incoming,
        origin: &Origin,
    ) -> Result<Outcome, StoreError> {
        let started = std::time::Instant::now();
        let platform = speaker.identity.platform.as_str();
        // Never closed: a step is only ever refused its turn by the runtime stopping.
        let _turn = self.admitted.acquire().await.ok();
        // The step's future is large (its flows' states, some 14 KB), and each front-end runs
        // a step in a task of its own: on the heap, the task holding it stays small, instead of
        // copying it whole as the task is made and again as it ends.
        let result = Box::pin(self.step_in(speaker, input, origin)).await;
        let outcome = if result.is_ok() { "ok" } else { "error" };
        metrics::counter!("flowstage_updates_total", "platform" => platform, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("flowstage_reply_seconds", "platform" => platform)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn step_in(
        &self,
        speaker: &Speaker,
        input: Incoming,
        origin: &Origin,
    ) -> Result<Outcome, StoreError> {
        let lang = origin.lang;
        let channel = speaker.identity.platform.as_str();
        let read_from = self.ended.load(Ordering::SeqCst);
        // The account, its conversation, which profiles it owns and, for a step that looks at
        // them, those profiles in full, in one read; a newcomer's account is made first.
        let with_profiles = super::looks_at_profiles(&input);
        let (mut account, mut prefetched, owned, profiles) = match self
            .store
            .first_read(&speaker.identity, channel, with_profiles)
            .await?
        {
            Some(FirstRead { account, conversation, owned, profiles }) => {
                (account, Some(conversation), Some(owned), profiles)
            }
            None => {
                let (account, _) = self
                    .store
                    .account_for_identity(&speaker.identity, &speaker.display_name, speaker.lang)
                    .await?;
                (account, None, None, None)
            }
        };
        if let Some(lang) = lang {
            account.lang = lang;
        }
        let lock = self.lock_for(account.id);
        let (guard, waited) = match lock.try_lock() {
            Ok(guard) => (guard, false),
            Err(_) => (lock.lock().await, true),
        };
        let mut last = Hold { guard, ended: &self.ended };
        // The profiles read with the account, unless a step of this account ended since the
        // read began (it may have changed them): then the step lists them when it needs them.
        let fresh = last.guard.ended <= read_from;
        let mut owned = owned.filter(|_| fresh);
        let mut profiles = profiles.filter(|_| fresh);
        // A step of this account saved in this process after the read (it ran meanwhile, or
        // this step waited for it): start from what it saved, no need to read again. The
        // versioned save still refuses it if another instance moved the conversation on.
        match last.guard.saved.as_ref().filter(|l| l.channel == channel) {
            Some(l)
                if prefetched
                    .as_ref()
                    .is_none_or(|r| r.as_ref().is_none_or(|r| r.version < l.record.version)) =>
            {
                prefetched = Some(Some(l.record.clone()));
            }
            Some(_) => {}
            // Waited for a step that left nothing to start from: read again.
            None if waited => prefetched = None,
            None => {}
        }
        let mut attempts = 0;
        let step = loop {
            attempts += 1;
            // Read with the account when the lock was free: the first try's state (the
            // versioned save still refuses it if another instance moved the conversation on).
            let record = match prefetched.take() {
                Some(record) => record,
                None => self.store.load_conversation(account.id, channel).await?,
            };
            // The first step of a day marks the day active (the beta's engagement, `/stats`),
            // with the step's save.
            let today = self.store.clock().now().date_naive();
            let active_day =
                record.as_ref().is_none_or(|r| r.updated_at.date_naive() != today).then_some(today);
            let (state, reset, version) = match &record {
                Some(r) => {
                    let (s, reset) = State::decode(&r.state);
                    (s, reset, r.version)
                }
                None => (State::default(), false, 0),
            };
            // In a team's place, a team answer acts for the profile's owner.
            let seat = match (&origin.place, super::team::answers(&state.mode, &input)) {
                (Some(place), Some(proposal)) => {
                    self.seat(speaker, place, proposal, &account).await?
                }
                _ => None,
            };
            // The profiles read are the person's, for the first try only (a try again reads
            // anew), and not in a team's place, where the step speaks as the profile's owner.
            let known = profiles.take().filter(|_| seat.is_none());
            let owned = owned.take().filter(|_| seat.is_none());
            let ctx = Ctx {
                store: &self.store,
                account: seat.as_ref().map_or(&account, |s| &s.owner),
                owned: owned.as_deref(),
                profiles: known.as_deref(),
                place: origin.place.as_deref(),
                speaker,
                rules: &self.rules,
                weights: self.weights,
                matcher: &self.matcher,
                now: self.store.clock().now(),
                admins: &self.admins,
                email: self.email,
            };
            let mut step = step(&ctx, state, input.clone()).await;
            if reset {
                step.replies.insert(0, Reply::new().para(spans(account.lang, "state-reset", &[])));
            }
            if let Some(s) = &seat {
                // Who answered for the team is the person who pressed, not the owner.
                let now = self.store.proposal(s.proposal).await?.status;
                if now != s.status {
                    self.store.record_answer(s.proposal, account.id).await?;
                }
            }
            let replies = if origin.arrival.is_some() { stored(&step.replies) } else { Vec::new() };
            let handled = origin.arrival.map(|arrival| Handled { arrival, replies: &replies });
            if step.effects.contains(&Effect::AccountErased) {
                last.guard.saved = None;
                if handled.is_some() {
                    self.store.commit_step(None, handled).await?;
                }
                break step;
            }
            let state = step.state.encode();
            let save = StepSave {
                account: account.id,
                channel,
                state: &state,
                read_version: version,
                active_day,
            };
            let saved_at = self.store.clock().now();
            let remember = |version| Saved {
                channel: channel.to_owned(),
                record: ConversationRecord { state: state.clone(), version, updated_at: saved_at },
            };
            match self.store.commit_step(Some(save), handled).await {
                Ok(version) => {
                    last.guard.saved = Some(remember(version));
                    break step;
                }
                // Another instance moved this conversation on: a pure step is replayed on its
                // state; one that already acted in the store keeps its state (see `save`).
                Err(StoreError::Conflict) if step.pure && attempts < 5 => {}
                Err(StoreError::Conflict) => {
                    let version = self.save(save, handled).await?;
                    last.guard.saved = Some(remember(version));
                    break step;
                }
                Err(e) => return Err(e),
            }
        };
        // The step says its language (no read again): the interaction's when the platform
        // gave one, the account's as it left it otherwise.
        let lang = if step.effects.contains(&Effect::AccountErased) || lang.is_some() {
            account.lang
        } else {
            step.lang
        };
        Ok(Outcome { account: account.id, lang, replies: step.replies, effects: step.effects })
    }

    /// The owner `member` acts for when answering `proposal` in the team place `place`: the
    /// owner of the profile that place serves, if the proposal is that profile's and the member
    /// is someone else. The owner's account speaks the member's language for the step.
    async fn seat(
        &self,
        speaker: &Speaker,
        place: &str,
        proposal: ProposalId,
        member: &Account,
    ) -> Result<Option<Seat>, StoreError> {
        let platform = speaker.identity.platform;
        let Some(outlet) = self.store.team_outlet_at(platform, place).await? else {
            return Ok(None);
        };
        let p = match self.store.proposal(proposal).await {
            Ok(p) => p,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if p.to_profile != outlet.profile && p.from_profile != outlet.profile {
            return Ok(None);
        }
        let owner = self.store.profile(outlet.profile).await?.owner;
        if owner == member.id {
            return Ok(None);
        }
        let mut owner = self.store.account(owner).await?;
        owner.lang = member.lang;
        Ok(Some(Seat { owner, proposal, status: p.status }))
    }

    /// Saves over whatever another instance saved in between (the per-account lock covers this
    /// process only): the step's effects are already in the store, so the newest state is the
    /// one that describes them: `save` is written over whatever version is stored now. Returns
    /// the version saved.
    async fn save(
        &self,
        save: StepSave<'_>,
        handled: Option<Handled<'_>>,
    ) -> Result<i64, StoreError> {
        for _ in 0..10 {
            let read_version = (self.store.load_conversation(save.account, save.channel).await?)
                .map_or(0, |r| r.version);
            let save = StepSave { read_version, ..save };
            match self.store.commit_step(Some(save), handled).await {
                Err(StoreError::Conflict) => {}
                other => return other,
            }
        }
        Err(StoreError::Conflict)
    }
}

/// A step's replies as the inbox stores them (JSON); one that cannot be written is logged and
/// left out, which cannot happen with the reply model's plain fields.
fn stored(replies: &[Reply]) -> Vec<String> {
    replies
        .iter()
        .filter_map(|r| match serde_json::to_string(r) {
            Ok(text) => Some(text),
            Err(e) => {
                tracing::error!(error = %e, "a reply could not be stored");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]
    use super::super::payload::{Action, decode};
    use super::*;
    use crate::clock::SystemClock;
    use crate::domain::account::{Identity, Platform};
    use crate::domain::profile::ProfileStatus;

    fn command(name: &str) -> Incoming {
        Incoming::Command { name: name.into(), args: String::new() }
    }

    fn text(outcome: &Outcome) -> String {
        outcome.replies.iter().map(Reply::plain_text).collect::<Vec<_>>().join("\n")
    }

    /// What the first read says of the person's profiles serves the step only if no step of
    /// the same person ended since the read began: here a step that made their first profile
    /// ended while the command waited for the person's lock, its read done, and the command
    /// still answers as it does once nothing runs at the same time. `/help` asks only which
    /// kind of profile the person has (`Ctx::owned`), `/profile` the profile in full
    /// (`Ctx::profiles`).
    #[test]
    fn profiles_read_before_a_step_of_the_same_person_ended_are_read_again() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("engine.db").display());
            let store = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
            store.migrate().await.unwrap();
            let engine = Engine::new(store.clone(), Rules::default());
            for name in ["help", "profile"] {
                let ana = Speaker {
                    identity: Identity::new(Platform::Local, format!("ana-{name}")),
                    display_name: "ana".into(),
                    lang: Lang::En,
                    is_admin: false,
                };
                let out = engine.handle(&ana, Incoming::Open).await.unwrap();
                let agree = out
                    .replies
                    .iter()
                    .flat_map(Reply::all_buttons)
                    .find(|b| decode(&b.payload).is_some_and(|(_, a)| a == Action::Consent(true)))
                    .unwrap()
                    .payload
                    .clone();
                engine.handle(&ana, Incoming::Button(agree)).await.unwrap();
                let newcomer = text(&engine.handle(&ana, command(name)).await.unwrap());

                let lock = engine.lock_for(out.account);
                let guard = lock.lock().await;
                let asked = engine.handle(&ana, command(name));
                tokio::pin!(asked);
                // The command reads the account and its profiles (none), then waits for the
                // lock.
                tokio::select! {
                    _ = &mut asked => panic!("/{name} ran while the person's lock was held"),
                    () = tokio::time::sleep(std::time::Duration::from_millis(300)) => {}
                }
                let today = engine.store.clock().now().date_naive();
                let artist = crate::demo::catalogue(today).unwrap().remove(0);
                assert_eq!(artist.details.kind(), crate::domain::profile::ProfileKind::Artist);
                let pending = &ProfileStatus::Pending;
                store
                    .create_profile(out.account, &artist.details, &artist.dates, pending)
                    .await
                    .unwrap();
                // A step of this person ends, as the one that made the profile would.
                drop(Hold { guard, ended: &engine.ended });
                let raced = text(&asked.await.unwrap());
                let alone = text(&engine.handle(&ana, command(name)).await.unwrap());
                assert_ne!(alone, newcomer, "an artist's /{name} is not a newcomer's");
                assert_eq!(raced, alone, "/{name} after the profile was made");
            }
        });
    }
}
