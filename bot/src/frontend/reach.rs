//! Who can be reached on a platform. A person who blocked the bot (or closed their direct
//! messages) is marked unreachable in the store and not messaged again, until they write again.
//! The stored mark is read once a run per person and written only when it changes, so a busy bot
//! does not write on every message.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use flowstage_core::domain::AccountId;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::store::Store;

#[derive(Debug)]
pub struct Reachability {
    store: Store,
    platform: Platform,
    /// People who refused us during this run.
    unreachable: Mutex<HashSet<String>>,
    /// People heard from during this run, so a mark from an earlier run is cleared once.
    heard: Mutex<HashSet<String>>,
}

impl Reachability {
    #[must_use]
    pub fn new(store: Store, platform: Platform) -> Self {
        Self {
            store,
            platform,
            unreachable: Mutex::new(HashSet::new()),
            heard: Mutex::new(HashSet::new()),
        }
    }

    fn identity(&self, external_id: &str) -> Identity {
        Identity { platform: self.platform, external_id: external_id.to_owned() }
    }

    /// The person wrote to us: whatever they did before, they can be reached again.
    pub async fn heard_from(&self, external_id: &str, account: AccountId) {
        let was =
            self.unreachable.lock().unwrap_or_else(PoisonError::into_inner).remove(external_id);
        let first = self
            .heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(external_id.to_owned());
        if !(was || first) {
            return;
        }
        let me = self.identity(external_id);
        let marked = match self.store.identities(account).await {
            Ok(ids) => ids.iter().any(|(id, reachable)| *id == me && !reachable),
            Err(e) => {
                tracing::warn!(error = %e, "could not read whether a person is reachable");
                false
            }
        };
        if marked && let Err(e) = self.store.set_unreachable(&me, false).await {
            tracing::warn!(error = %e, "could not mark a person reachable again");
        }
    }

    #[must_use]
    pub fn is_unreachable(&self, external_id: &str) -> bool {
        self.unreachable.lock().unwrap_or_else(PoisonError::into_inner).contains(external_id)
    }

    /// The platform refused to reach this person: remembered here and in the store.
    pub async fn refused(&self, external_id: &str) {
        self.unreachable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(external_id.to_owned());
        tracing::info!(platform = self.platform.as_str(), "a person cannot be reached: marked");
        if let Err(e) = self.store.set_unreachable(&self.identity(external_id), true).await {
            tracing::warn!(error = %e, "could not mark a person unreachable");
        }
    }
}
