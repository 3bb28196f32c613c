//! Every call to the Bot API goes through here, so Telegram's limits are respected in one place:
//! a 429 pauses all sending for its `retry_after` and retries, so nothing is lost under load; a
//! user who blocked the bot is marked unreachable and not messaged again; network errors back off
//! and retry until the peer is back.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use flowstage_core::domain::AccountId;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::store::Store;
use teloxide::{ApiError, RequestError};
use tokio::time::Instant;

/// Why a call was given up.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The person blocked the bot or deleted their account: they were marked unreachable.
    #[error("the user cannot be reached (blocked the bot or left Telegram)")]
    Unreachable,
    /// Telegram refused the call; retrying would not help.
    #[error("telegram refused the call: {0}")]
    Refused(RequestError),
    /// Telegram could not be reached for too long.
    #[error("telegram unreachable: {0}")]
    Network(RequestError),
}

/// Network retries per call before giving up (about half a minute of back-off in all).
const NETWORK_ATTEMPTS: u32 = 10;

/// Waits after the `n`th failure in a row: 0.5 s doubling up to 4 s, so an outage is noticed
/// over soon after it ends.
#[must_use]
pub fn backoff(n: u32) -> Duration {
    Duration::from_millis(250 << n.clamp(1, 4))
}
/// 429 answers per call before giving up: far more than any burst should need.
const FLOOD_ATTEMPTS: u32 = 30;

#[derive(Debug)]
pub struct Sender {
    store: Store,
    /// Sending is paused until then (Telegram's `retry_after` applies to the bot, not a call).
    pause_until: Mutex<Option<Instant>>,
    /// Chats that refused us during this run, so they are not tried again.
    unreachable: Mutex<HashSet<i64>>,
    /// Chats heard from during this run, so a mark from an earlier run is cleared once.
    heard: Mutex<HashSet<i64>>,
}

fn identity(chat: i64) -> Identity {
    Identity { platform: Platform::Telegram, external_id: chat.to_string() }
}

impl Sender {
    #[must_use]
    pub fn new(store: Store) -> Self {
        Self {
            store,
            pause_until: Mutex::new(None),
            unreachable: Mutex::new(HashSet::new()),
            heard: Mutex::new(HashSet::new()),
        }
    }

    fn paused_until(&self) -> Option<Instant> {
        *self.pause_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut p = self.pause_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if p.is_none_or(|old| old < until) {
            *p = Some(until);
        }
    }

    /// The person wrote to us: whatever they did before (blocked the bot, in this run or an
    /// earlier one), they can be reached again. The stored mark is read once a run per person
    /// and written only when set, so a busy bot does not write on every message.
    pub async fn heard_from(&self, chat: i64, account: AccountId) {
        let was = self
            .unreachable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&chat);
        let first =
            self.heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(chat);
        if !(was || first) {
            return;
        }
        let me = identity(chat);
        let marked = match self.store.identities(account).await {
            Ok(ids) => ids.iter().any(|(id, reachable)| *id == me && !reachable),
            Err(e) => {
                tracing::warn!(error = %e, "could not read whether a Telegram user is reachable");
                false
            }
        };
        if marked && let Err(e) = self.store.set_unreachable(&me, false).await {
            tracing::warn!(error = %e, "could not mark a Telegram user reachable again");
        }
    }

    #[must_use]
    pub fn is_unreachable(&self, chat: i64) -> bool {
        self.unreachable.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&chat)
    }

    /// Runs `call` (a request to `chat`, `None` for calls that reach no one) with the retries.
    pub async fn call<T, F, Fut>(
        &self,
        chat: Option<i64>,
        what: &str,
        call: F,
    ) -> Result<T, SendError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, RequestError>>,
    {
        let mut network = 0;
        let mut floods = 0;
        loop {
            if let Some(until) = self.paused_until()
                && until > Instant::now()
            {
                tokio::time::sleep_until(until).await;
            }
            match call().await {
                Ok(v) => return Ok(v),
                Err(RequestError::RetryAfter(s)) if floods < FLOOD_ATTEMPTS => {
                    floods += 1;
                    tracing::info!(retry_after = s.seconds(), what, "Telegram asks to slow down");
                    self.pause(s.duration());
                }
                // An HTML error page from a proxy in front of the Bot API is an outage too.
                Err(
                    e @ (RequestError::Network(_)
                    | RequestError::Io(_)
                    | RequestError::InvalidJson { .. }),
                ) => {
                    network += 1;
                    if network >= NETWORK_ATTEMPTS {
                        tracing::error!(error = %e, what, "Telegram unreachable, giving up this call");
                        return Err(SendError::Network(e));
                    }
                    let wait = backoff(network);
                    tracing::warn!(error = %e, ?wait, what, "Telegram unreachable, retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(RequestError::Api(
                    ApiError::BotBlocked
                    | ApiError::UserDeactivated
                    | ApiError::CantInitiateConversation
                    | ApiError::BotKicked
                    | ApiError::BotKickedFromSupergroup,
                )) if chat.is_some() => {
                    let chat = chat.unwrap_or_default();
                    self.unreachable
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(chat);
                    tracing::info!(chat, what, "the user blocked the bot: marked unreachable");
                    if let Err(e) = self.store.set_unreachable(&identity(chat), true).await {
                        tracing::warn!(error = %e, "could not mark a Telegram user unreachable");
                    }
                    return Err(SendError::Unreachable);
                }
                Err(e) => {
                    tracing::error!(error = %e, what, "Telegram refused a call");
                    return Err(SendError::Refused(e));
                }
            }
        }
    }
}
