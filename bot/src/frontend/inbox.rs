//! The stored inbox, as every front-end uses it (docs/product-rules.md §6): an update is recorded
//! (`Store::record_arrivals`) before the platform is told it arrived, handled from the record,
//! and its replies sent from the rows the step stored. This module keeps an instance's claims
//! alive, takes back what a previous run of the same instance left, takes over what a dead
//! instance left once its lease lapses, and forgets what is long done.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use flowstage_core::domain::InboxId;
use flowstage_core::domain::account::Platform;
use flowstage_core::store::{InboxItem, Store};
use tokio::sync::watch;

/// How long a claim holds without renewal: a dead instance's updates wait at most this long.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(10);
/// How often a live instance renews its claims and looks for lapsed ones.
const RENEW_EVERY: Duration = Duration::from_secs(3);
/// Updates done this long ago are forgotten (a platform redelivers within a day at most).
const KEEP_DONE: chrono::Duration = chrono::Duration::days(2);
/// Claimed at a time when taking over.
const CLAIM_BATCH: i64 = 500;

/// The name an instance claims under: the same across a restart of the same instance (host and
/// HTTP port), different for two instances, even on one host.
#[must_use]
pub fn owner(http: SocketAddr) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", http.port())
}

/// A front-end that takes recorded updates back into its queues.
pub trait Intake: Send + Sync + 'static {
    /// Queues a recorded update (or its unsent replies) behind the others of its chat.
    fn resume(self: &Arc<Self>, item: InboxItem);
}

/// The records this instance has queued and not finished: never claimed twice by it.
#[derive(Debug, Default)]
pub struct Pending(Mutex<HashSet<InboxId>>);

impl Pending {
    /// Notes `id` as queued; false if it already is.
    pub fn start(&self, id: InboxId) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(id)
    }

    pub fn finish(&self, id: InboxId) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }
}

/// One platform's claims of one instance.
#[derive(Debug, Clone)]
pub struct Keeper {
    pub store: Store,
    pub platform: Platform,
    pub owner: String,
}

impl Keeper {
    /// Takes back what this instance left when it stopped or died, oldest first; called before
    /// new updates are taken, so each chat's order holds.
    pub async fn take_back<I: Intake>(&self, intake: &Arc<I>) {
        self.claim(intake, true).await;
    }

    /// A clean stop: what this instance still holds goes to the others at once.
    pub async fn release(&self) {
        match self.store.release_arrivals(self.platform, &self.owner).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "inbox claims released for the others"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "inbox claims not released"),
        }
    }

    /// Claims up to a batch; returns how many.
    async fn claim<I: Intake>(&self, intake: &Arc<I>, restarted: bool) -> usize {
        let mut total = 0;
        loop {
            match self
                .store
                .claim_arrivals(self.platform, &self.owner, restarted, LEASE, CLAIM_BATCH)
                .await
            {
                Ok(items) => {
                    let n = items.len();
                    if n > 0 {
                        tracing::info!(count = n, restarted, "updates taken over from the inbox");
                    }
                    for item in items {
                        intake.resume(item);
                    }
                    total += n;
                    if n < usize::try_from(CLAIM_BATCH).unwrap_or(usize::MAX) {
                        return total;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the inbox could not be read");
                    return total;
                }
            }
        }
    }

    /// Until told to stop: renews this instance's claims, takes over lapsed ones, and purges
    /// what is long done.
    pub async fn run<I: Intake>(self, intake: Arc<I>, mut shutdown: watch::Receiver<bool>) {
        let mut ticks: u32 = 0;
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                () = tokio::time::sleep(RENEW_EVERY) => {}
            }
            if let Err(e) = self.store.renew_arrivals(self.platform, &self.owner, LEASE).await {
                tracing::warn!(error = %e, "inbox claims not renewed");
            }
            self.claim(&intake, false).await;
            ticks = ticks.wrapping_add(1);
            // About once an hour.
            if ticks % 1200 == 1 {
                let before = self.store.clock().now() - KEEP_DONE;
                match self.store.purge_inbox(before).await {
                    Ok(n) if n > 0 => tracing::info!(count = n, "old inbox records forgotten"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "the inbox could not be purged"),
                }
            }
        }
    }
}

/// Where the sending of a step's stored replies stands, in the platform's messages: after a
/// restart, those sent before are passed over, and each one sent is counted durably.
#[derive(Debug)]
pub struct Progress {
    pub arrival: InboxId,
    /// Messages still to pass over: sent before a restart.
    skip: i64,
    /// Messages sent in all.
    pub sent: i64,
}

impl Progress {
    /// For a record of which `sent` messages went already.
    #[must_use]
    pub fn new(arrival: InboxId, sent: i64) -> Self {
        Self { arrival, skip: sent, sent }
    }

    /// Whether the next message was sent already (and is passed over now).
    pub fn skips(progress: &mut Option<&mut Progress>) -> bool {
        match progress {
            Some(p) if p.skip > 0 => {
                p.skip -= 1;
                true
            }
            _ => false,
        }
    }

    /// After a message of a stored reply was sent: counts it, durably.
    pub async fn sent_one(progress: &mut Option<&mut Progress>, store: &Store) {
        if let Some(p) = progress {
            p.sent += 1;
            if let Err(e) = store.arrival_sent(p.arrival, p.sent, false).await {
                tracing::warn!(error = %e, "a sent message could not be recorded");
            }
        }
    }
}

/// The replies a step stored for a record, read back; one this version cannot read is skipped
/// (logged), the others kept in order.
#[must_use]
pub fn stored_replies(item: &InboxItem) -> Vec<flowstage_core::conversation::Reply> {
    item.replies
        .iter()
        .filter_map(|text| match serde_json::from_str(text) {
            Ok(reply) => Some(reply),
            Err(e) => {
                tracing::error!(error = %e, "a stored reply could not be read; skipped");
                None
            }
        })
        .collect()
}
