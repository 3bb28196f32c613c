//! One person's updates are handled one at a time, in the order they came; different people's
//! concurrently. Each person with updates waiting has a worker task with its queue; a worker
//! with nothing to do for a while stops and starts again on the next update.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

/// What a platform does with one person's update.
pub trait Handler<K, U>: Send + Sync + 'static {
    /// What a person's worker keeps between their updates (e.g. messages already edited).
    type Local: Default + Send;

    fn handle(&self, key: K, update: U, local: &mut Self::Local)
    -> impl Future<Output = ()> + Send;
}

/// The queues of everyone with updates waiting, keyed by person (or chat).
#[derive(Debug)]
pub struct Dispatcher<K, U> {
    queues: Mutex<HashMap<K, mpsc::UnboundedSender<U>>>,
    /// Updates dispatched and not yet handled, waited for when stopping.
    in_flight: AtomicUsize,
    idle: Duration,
}

impl<K, U> Dispatcher<K, U>
where
    K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
    U: Send + 'static,
{
    /// A worker stops after `idle` without updates.
    #[must_use]
    pub fn new(idle: Duration) -> Self {
        Self { queues: Mutex::new(HashMap::new()), in_flight: AtomicUsize::new(0), idle }
    }

    /// Queues `update` behind the others of `key`.
    pub fn dispatch<H: Handler<K, U>>(self: &Arc<Self>, handler: &Arc<H>, key: K, update: U) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = queues.get(&key) {
            // A worker removes its entry under this lock before it stops, so it is alive.
            if tx.send(update).is_err() {
                tracing::error!(?key, "a queue closed unexpectedly");
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
            }
            return;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(update);
        queues.insert(key.clone(), tx);
        tokio::spawn(self.clone().worker(handler.clone(), key, rx));
    }

    async fn worker<H: Handler<K, U>>(
        self: Arc<Self>,
        handler: Arc<H>,
        key: K,
        mut rx: mpsc::UnboundedReceiver<U>,
    ) {
        let mut local = H::Local::default();
        loop {
            match tokio::time::timeout(self.idle, rx.recv()).await {
                Ok(Some(update)) => {
                    handler.handle(key.clone(), update, &mut local).await;
                    self.in_flight.fetch_sub(1, Ordering::AcqRel);
                }
                Ok(None) => return,
                Err(_) => {
                    let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
                    if rx.is_empty() {
                        queues.remove(&key);
                        return;
                    }
                }
            }
        }
    }

    /// Waits (`max` at most) until every update dispatched has been handled.
    pub async fn drain(&self, max: Duration) {
        let deadline = tokio::time::Instant::now() + max;
        while self.in_flight.load(Ordering::Acquire) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Record(Mutex<Vec<(u8, u32)>>);

    impl Handler<u8, u32> for Record {
        type Local = u32;

        async fn handle(&self, key: u8, update: u32, seen: &mut u32) {
            // Later updates of a person wait for earlier ones, even when these are slow.
            tokio::time::sleep(Duration::from_millis(u64::from(5 - update % 5))).await;
            *seen += 1;
            self.0.lock().unwrap().push((key, update));
        }
    }

    #[tokio::test]
    async fn each_persons_updates_are_handled_in_order() {
        let handler = Arc::new(Record(Mutex::new(Vec::new())));
        let d = Arc::new(Dispatcher::new(Duration::from_millis(50)));
        for n in 0..20 {
            d.dispatch(&handler, (n % 3) as u8, n);
        }
        d.drain(Duration::from_secs(5)).await;
        let seen = handler.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 20);
        for key in 0..3u8 {
            let mine: Vec<u32> = seen.iter().filter(|(k, _)| *k == key).map(|(_, u)| *u).collect();
            let mut sorted = mine.clone();
            sorted.sort_unstable();
            assert_eq!(mine, sorted, "person {key}");
        }
        // Idle workers stop and leave no queue behind.
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(d.queues.lock().unwrap().is_empty());
    }
}
