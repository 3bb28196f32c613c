//! Every call to the Bot API goes through here, so Telegram's limits are respected in one place:
//! messages go at one pace for the whole bot ([`Pace`]); a 429 slows it, pauses all sending for
//! its `retry_after` (each sender then starts again at a random moment of the following second)
//! and retries, so nothing is lost under load; a
//! user who blocked the bot is marked unreachable and not messaged again; network errors back off
//! and retry until the peer is back.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use flowstage_core::domain::AccountId;
use flowstage_core::domain::account::Platform;
use flowstage_core::store::Store;
use teloxide::{ApiError, RequestError};
use tokio::time::Instant;

use super::pace::{Pace, jitter};
use crate::frontend::reach::Reachability;

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
    /// Sending is paused until then (Telegram's `retry_after` applies to the bot, not a call).
    pause_until: Mutex<Option<Instant>>,
    pace: Pace,
    reach: Reachability,
}

/// The calls that put a message in a chat, which Telegram counts against its limits.
const MESSAGES: &[&str] = &["sendMessage", "sendDocument", "sendPhoto"];

impl Sender {
    #[must_use]
    pub fn new(store: Store) -> Self {
        Self {
            pause_until: Mutex::new(None),
            pace: Pace::default(),
            reach: Reachability::new(store, Platform::Telegram),
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

    /// The person wrote to us: they can be reached again (see [`Reachability::heard_from`]).
    pub async fn heard_from(&self, chat: i64, account: AccountId) {
        self.reach.heard_from(&chat.to_string(), account).await;
    }

    #[must_use]
    pub fn is_unreachable(&self, chat: i64) -> bool {
        self.reach.is_unreachable(&chat.to_string())
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
        let message = MESSAGES.contains(&what);
        loop {
            if let Some(until) = self.paused_until()
                && until > Instant::now()
            {
                tokio::time::sleep_until(until + jitter(Duration::from_secs(1))).await;
            }
            if message {
                self.pace.message(chat).await;
            }
            match call().await {
                Ok(v) => return Ok(v),
                Err(RequestError::RetryAfter(s)) if floods < FLOOD_ATTEMPTS => {
                    floods += 1;
                    tracing::info!(retry_after = s.seconds(), what, "Telegram asks to slow down");
                    self.pause(s.duration());
                    self.pace.flooded(chat.filter(|_| message));
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
                    tracing::info!(chat, what, "the user blocked the bot");
                    self.reach.refused(&chat.to_string()).await;
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
