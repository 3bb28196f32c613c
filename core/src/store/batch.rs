//! Requests served together (issue 18): what many steps ask of the database at the same moment
//! goes in one statement or one transaction instead of one each.
//!
//! A request joins a queue and waits for its own answer. Whoever finds a server free takes every
//! request queued at that moment and serves them together, in a task of its own (a caller's
//! future can be dropped without losing the others' batch); the requests that joined meanwhile
//! wait for the next batch. Nothing waits for a batch to fill: a lone request is served at once,
//! alone, by its own caller, and under load batches grow by themselves.
//!
//! A lone request is served in its single form; a batch the database refuses as a whole is
//! served again one request at a time, so each request gets its own answer.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, oneshot};

use super::{Result, Store, StoreError};

/// A kind of request that can be served in batches.
pub(crate) trait Batch: Send + Sync + 'static {
    type Request: Send + Sync + 'static;
    type Answer: Send + 'static;
    /// Requests with the same key never share a batch: the later waits for the next one.
    type Key: Hash + Eq;
    /// The most requests one batch serves.
    const MAX: usize;
    /// The histogram of the batches' sizes.
    const METRIC: &'static str;

    fn key(request: &Self::Request) -> Option<Self::Key>;

    /// One request alone, in its single form.
    fn serve_one(
        store: &Store,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self::Answer>> + Send;

    /// Several requests together: one answer per request, in order. An error is the database
    /// refusing the whole batch, whose requests are then served one by one.
    fn serve_together(
        store: &Store,
        batch: &[Self::Request],
    ) -> impl Future<Output = Result<Vec<Result<Self::Answer>>>> + Send;
}

/// Serves `requests`: alone in the single form, together otherwise, and one by one when the
/// database refuses them together, so each request gets its own answer.
async fn serve<B: Batch>(store: &Store, requests: &[B::Request]) -> Vec<Result<B::Answer>> {
    #[allow(clippy::cast_precision_loss, reason = "a batch holds at most a few hundred requests")]
    metrics::histogram!(B::METRIC).record(requests.len() as f64);
    if let [one] = requests {
        return vec![B::serve_one(store, one).await];
    }
    match B::serve_together(store, requests).await {
        Ok(answers) => answers,
        Err(e) => {
            tracing::warn!(error = %e, batch = B::METRIC, size = requests.len(), "a batch was refused; serving it one by one");
            let mut answers = Vec::with_capacity(requests.len());
            for request in requests {
                answers.push(B::serve_one(store, request).await);
            }
            answers
        }
    }
}

/// A request waiting, and where its answer goes.
struct Waiting<B: Batch> {
    /// Its place in the queue's order, to know one's own.
    number: u64,
    request: B::Request,
    answer: oneshot::Sender<Result<B::Answer>>,
}

/// The queue of one kind of request, and how many batches may be served at once.
pub(crate) struct Batcher<B: Batch> {
    queue: Mutex<VecDeque<Waiting<B>>>,
    servers: Arc<Semaphore>,
    numbers: AtomicU64,
}

impl<B: Batch> std::fmt::Debug for Batcher<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let queued = self.queue.lock().map_or(0, |q| q.len());
        f.debug_struct("Batcher").field("queued", &queued).finish_non_exhaustive()
    }
}

impl<B: Batch> Batcher<B> {
    pub(crate) fn new(servers: usize) -> Self {
        Self {
            queue: Mutex::new(VecDeque::new()),
            servers: Arc::new(Semaphore::new(servers)),
            numbers: AtomicU64::new(0),
        }
    }

    /// Queues `request` and returns its answer once a batch holding it is served.
    pub(crate) async fn submit(&self, store: &Store, request: B::Request) -> Result<B::Answer> {
        let (answer, mut answered) = oneshot::channel();
        let number = self.numbers.fetch_add(1, Ordering::Relaxed);
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).push_back(Waiting {
            number,
            request,
            answer,
        });
        loop {
            tokio::select! {
                biased;
                a = &mut answered => return a.unwrap_or_else(|_| Err(interrupted())),
                permit = self.servers.clone().acquire_owned() => {
                    let Ok(permit) = permit else { return Err(interrupted()) };
                    let mut batch = self.take();
                    if batch.is_empty() {
                        // This request is in a batch being served: its answer comes.
                        drop(permit);
                        return answered.await.unwrap_or_else(|_| Err(interrupted()));
                    }
                    if let [own] = batch.as_slice()
                        && own.number == number
                    {
                        // Alone: served here, with nobody else's answer at stake.
                        let own = batch.remove(0);
                        let mut results = serve::<B>(store, std::slice::from_ref(&own.request)).await;
                        drop(permit);
                        return results.pop().unwrap_or_else(|| Err(interrupted()));
                    }
                    let store = store.clone();
                    tokio::spawn(async move {
                        let (requests, answers): (Vec<_>, Vec<_>) =
                            batch.into_iter().map(|w| (w.request, w.answer)).unzip();
                        let results = serve::<B>(&store, &requests).await;
                        drop(permit);
                        for (result, answer) in results.into_iter().zip(answers) {
                            // A caller that stopped waiting has nothing to be told.
                            let _ = answer.send(result);
                        }
                    });
                }
            }
        }
    }

    /// The requests queued now, oldest first, at most one per key and [`Batch::MAX`] in all.
    /// The queue is scanned only as far as the batch fills: a long queue (a load above what the
    /// database takes) costs a batch no more than a short one.
    fn take(&self) -> Vec<Waiting<B>> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let mut taken = Vec::new();
        let mut keys = HashSet::new();
        let mut i = 0;
        while i < queue.len() && taken.len() < B::MAX {
            if B::key(&queue[i].request).is_none_or(|k| keys.insert(k)) {
                // Only the requests skipped for their key are before `i`: few, so the removal
                // moves few.
                taken.extend(queue.remove(i));
            } else {
                i += 1;
            }
        }
        taken
    }
}

/// The database error a request gets when the batch it waited for was lost (the runtime
/// stopping).
fn interrupted() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}
