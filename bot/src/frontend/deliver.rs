//! Delivers what the stored outbox holds (a venue's answer, an alert, a contract) to the people a
//! front-end reaches. An item is claimed under a lease, rendered in its recipient's language,
//! sent, and marked sent at once: a crash leaves it claimed until the lease ends and another run
//! delivers it; a delivered one is never claimed again. A failure is retried later, backing off.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use flowstage_core::config::Rules;
use flowstage_core::conversation::{Reply, render_delivery};
use flowstage_core::domain::AccountId;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::notify::{Event, decode};
use flowstage_core::store::{OutboxItem, Recipients, Store, StoreError};
use tokio::sync::watch;

/// A claim lasts this long unless renewed: work claimed by a process that died is taken over by
/// another within this time.
const LEASE_SECS: i64 = 10;
/// While a round delivers, its claims are renewed this often.
const RENEW_EVERY: Duration = Duration::from_secs(3);

/// Whom a delivery is for.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub account: AccountId,
    /// Their identity on the outlet's platform.
    pub identity: Identity,
}

/// Why a delivery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The person cannot be reached there (blocked the bot): the item is dropped.
    #[error("the person cannot be reached")]
    Unreachable,
    /// Anything else: retried later.
    #[error("{0}")]
    Failed(String),
}

/// A platform's way to put a reply in front of a person.
pub trait Outlet: Send + Sync + 'static {
    /// Whose identities this outlet reaches.
    fn platform(&self) -> Platform;

    /// Which outbox items it claims: by default those of the people on its platform.
    fn claims(&self) -> Recipients {
        Recipients::OnPlatform(self.platform())
    }

    fn send(
        &self,
        to: &Recipient,
        reply: &Reply,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;

    /// After `reply` reached `to`: a platform that reaches teams' places (a Discord server's
    /// booking channel) also shows it where the team of the profile it concerns reads, if `to`
    /// owns that profile (`Store::team_outlet`). Best effort: the person has it already.
    fn to_team(
        &self,
        _event: &Event,
        _to: &Recipient,
        _reply: &Reply,
    ) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
}

/// The outbox worker of one outlet.
#[derive(Debug)]
pub struct Deliverer<O> {
    store: Store,
    rules: Rules,
    outlet: Arc<O>,
    /// How long a claimed item is ours; delivery takes well under a second.
    lease: chrono::Duration,
    batch: i64,
    /// The wait between two deliveries (a platform's broadcast limit).
    pace: Duration,
}

impl<O: Outlet> Deliverer<O> {
    #[must_use]
    pub fn new(store: Store, rules: Rules, outlet: Arc<O>) -> Self {
        Self {
            store,
            rules,
            outlet,
            lease: chrono::Duration::seconds(LEASE_SECS),
            batch: 20,
            pace: Duration::ZERO,
        }
    }

    #[must_use]
    pub fn pace(mut self, pace: Duration) -> Self {
        self.pace = pace;
        self
    }

    #[must_use]
    pub fn batch(mut self, batch: i64) -> Self {
        self.batch = batch;
        self
    }

    #[must_use]
    pub fn outlet(&self) -> &O {
        &self.outlet
    }

    /// Claims one batch and delivers it; returns how many items were claimed.
    pub async fn round(&self) -> Result<usize, StoreError> {
        let items =
            self.store.claim_outbox_for(self.outlet.claims(), self.batch, self.lease).await?;
        let count = items.len();
        if count == 0 {
            return Ok(0);
        }
        let renewal = {
            let store = self.store.clone();
            let ids: Vec<_> = items.iter().map(|i| i.id).collect();
            let lease = self.lease;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RENEW_EVERY).await;
                    if let Err(e) = store.renew_claims(&ids, lease).await {
                        tracing::warn!(error = %e, "renewing notification claims failed");
                    }
                }
            })
        };
        // A started item is finished before stopping: stopping between send and mark would
        // send it again after the restart.
        for item in items {
            self.deliver(item).await;
            if !self.pace.is_zero() {
                tokio::time::sleep(self.pace).await;
            }
        }
        renewal.abort();
        Ok(count)
    }

    /// Delivers until every item waiting is done (a full batch means more may wait).
    pub async fn until_empty(&self) -> Result<(), StoreError> {
        for _ in 0..100 {
            if self.round().await? < usize::try_from(self.batch).unwrap_or(usize::MAX) {
                break;
            }
        }
        Ok(())
    }

    /// Delivers until `shutdown` turns true, looking again every `idle` when nothing waits.
    pub async fn run(self, idle: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let claimed = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming notifications failed");
                    0
                }
            };
            if claimed == 0 {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    () = tokio::time::sleep(idle) => {}
                }
            }
        }
    }

    #[tracing::instrument(skip_all, fields(platform = self.outlet.platform().as_str(), account = %item.account))]
    async fn deliver(&self, item: OutboxItem) {
        let store = &self.store;
        let now = store.clock().now();
        let later = |minutes: i64| now + chrono::Duration::minutes(minutes);
        let Some(event) = decode(&item.payload) else {
            tracing::error!(id = ?item.id, "a notification this version cannot read; kept for a newer one");
            let _ = store.retry_later(item.id, later(60), "unreadable payload").await;
            return;
        };
        let identities = match store.identities(item.account).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "reading identities failed");
                let _ = store.retry_later(item.id, later(1), &e.to_string()).await;
                return;
            }
        };
        let platform = self.outlet.platform();
        let here: Vec<_> = identities.iter().filter(|(id, _)| id.platform == platform).collect();
        let Some((identity, _)) = here.iter().find(|(_, reachable)| *reachable) else {
            if here.is_empty() {
                // Not someone this outlet reaches: left to the front-end that does.
                let _ = store.retry_later(item.id, later(5), "no identity on this platform").await;
            } else {
                tracing::info!("the recipient cannot be reached: notification dropped");
                let _ = store.mark_sent(item.id).await;
            }
            return;
        };
        let account = match store.account(item.account).await {
            Ok(a) => a,
            Err(e) => {
                let _ = store.retry_later(item.id, later(1), &e.to_string()).await;
                return;
            }
        };
        let reply = render_delivery(store, &self.rules, &event, &account).await;
        let to = Recipient { account: item.account, identity: identity.clone() };
        match self.outlet.send(&to, &reply).await {
            Ok(()) | Err(DeliveryError::Unreachable) => {
                if let Err(e) = store.mark_sent(item.id).await {
                    tracing::error!(error = %e, "a delivered notification could not be marked sent");
                }
                // The team's place is another way in: reached even when the person is not.
                self.outlet.to_team(&event, &to, &reply).await;
            }
            Err(e) => {
                let minutes = (item.attempts * item.attempts).clamp(1, 60);
                tracing::warn!(error = %e, attempts = item.attempts, "delivery failed; retrying later");
                let _ = store.retry_later(item.id, later(minutes), &e.to_string()).await;
            }
        }
    }
}
