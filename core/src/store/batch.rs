//! Requests served together (issue 18): what many steps ask of the database at the same moment
//! goes in one statement or one transaction instead of one each.
//!
//! A request joins a queue and waits for its own answer. Whoever finds a server free takes every
//! request queued at that moment and serves them together, in a task of its own (a caller's
//! future can be dropped without losing the others' batch); the requests that joined meanwhile
//! wait for the next batch. A request that finds a server free is served at once (alone, by its
//! own caller, when it is alone): nothing waits for a batch to fill. Under load, batches grow by
//! themselves: a server that finds requests queued after its batch waits a moment
//! ([`GATHER`]) for those arriving, then serves them all together, and so on while requests
//! are queued, on the same connection: sqlx checks a connection (a round trip) each time it goes
//! back to the pool, and a server under load gives it back only once the queue is empty. On
//! PostgreSQL, the last connection a server is done with is kept a moment for the next request
//! of its kind ([`SPARE_FOR`]), so that at a light load a request is not two round trips.
//!
//! A lone request is served in its single form; a batch the database refuses as a whole is
//! served again one request at a time, so each request gets its own answer.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, oneshot};

use super::{Conn, Result, Store, StoreError};

/// A kind of request that can be served in batches.
pub(crate) trait Batch: Sized + Send + Sync + 'static {
    type Request: Send + Sync + 'static;
    type Answer: Send + 'static;
    /// Requests with the same key never share a batch: the later waits for the next one.
    type Key: Hash + Eq;
    /// The most requests one batch serves.
    const MAX: usize;
    /// The histogram of the batches' sizes.
    const METRIC: &'static str;

    fn key(request: &Self::Request) -> Option<Self::Key>;

    /// This kind's queue in `store`.
    fn batcher(store: &Store) -> &Batcher<Self>;

    /// One request alone, in its single form, on `conn`.
    fn serve_one(
        store: &Store,
        conn: &mut Conn,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self::Answer>> + Send;

    /// Several requests together on `conn`: one answer per request, in order. An error is the
    /// database refusing the whole batch, whose requests are then served one by one.
    fn serve_together(
        store: &Store,
        conn: &mut Conn,
        batch: &[Self::Request],
    ) -> impl Future<Output = Result<Vec<Result<Self::Answer>>>> + Send;
}

/// Serves `requests` on the connection in `conn`, taken from the pool if there is none: alone
/// in the single form, together otherwise, and one by one when the database refuses them
/// together, so each request gets its own answer. A connection on which the database failed is
/// given back (the pool checks it), the next batch takes another.
async fn serve<B: Batch>(
    store: &Store,
    conn: &mut Option<Conn>,
    requests: &[B::Request],
) -> Vec<Result<B::Answer>> {
    #[allow(clippy::cast_precision_loss, reason = "a batch holds at most a few hundred requests")]
    metrics::histogram!(B::METRIC).record(requests.len() as f64);
    let c = match conn {
        Some(c) => c,
        None => match store.pool.acquire().await {
            Ok(c) => conn.insert(c),
            Err(e) => {
                let e = e.to_string();
                return requests.iter().map(|_| Err(connection_lost(&e))).collect();
            }
        },
    };
    let answers = if let [one] = requests {
        vec![B::serve_one(store, c, one).await]
    } else {
        match B::serve_together(store, c, requests).await {
            Ok(answers) => answers,
            Err(e) => {
                tracing::warn!(error = %e, batch = B::METRIC, size = requests.len(), "a batch was refused; serving it one by one");
                let mut answers = Vec::with_capacity(requests.len());
                for request in requests {
                    answers.push(B::serve_one(store, c, request).await);
                }
                answers
            }
        }
    };
    if answers.iter().any(|a| matches!(a, Err(StoreError::Database(_)))) {
        *conn = None;
    }
    answers
}

/// How long a server that finds requests queued after its batch waits before taking them, so
/// that the next batch also holds those arriving meanwhile. Under a steady load, batches served
/// back to back without it were half the size they are in a burst, and each step cost the
/// machine a quarter more (the database's work and this process's per batch, spread over fewer
/// steps). A millisecond is the timer's grain; at two, the one burst measured was slower
/// (docs/decisions.md §24). A lone request is never kept waiting: it is served at once.
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

/// How long a PostgreSQL connection a server is done with is kept for the next request of its
/// kind ([`Batcher::keep_spare`]). Given back to the pool, sqlx 0.8 checks a connection with a
/// round trip (`PoolConnection::return_to_pool`), however recently it served: at a light load,
/// where every request is a batch of one, each request paid that round trip on top of its own
/// statement, and the database the work of answering it. Past a second the database may have
/// restarted unseen: the connection goes back to the pool, which checks it, as it checks one
/// that sat idle a second (`store::pool_options`).
const SPARE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

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
    /// A connection the last server gave back, and when (see [`SPARE_FOR`]).
    spare: Mutex<Option<(Conn, std::time::Instant)>>,
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
            spare: Mutex::new(None),
        }
    }

    /// The connection kept by the last server done, if it served less than [`SPARE_FOR`] ago.
    fn take_spare(&self) -> Option<Conn> {
        let (conn, since) = self.spare.lock().unwrap_or_else(PoisonError::into_inner).take()?;
        // An older one goes back to the pool (dropped here), which checks it.
        (since.elapsed() < SPARE_FOR).then_some(conn)
    }

    /// Keeps `conn`, a server's connection, for the next request of this kind. On SQLite the
    /// connection goes back to the pool at once: an in-memory database is a single connection,
    /// which every other statement needs.
    fn keep_spare(&self, conn: Option<Conn>) {
        let Some(conn @ Conn::Postgres(_)) = conn else { return };
        let before = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace((conn, std::time::Instant::now()));
        // Another server's, kept before: back to the pool.
        drop(before);
    }

    /// Gives the kept connection back to the pool: a pool being closed waits for every
    /// connection taken out of it.
    pub(crate) fn give_back_spare(&self) {
        drop(self.take_spare());
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
                        let request = std::slice::from_ref(&own.request);
                        let mut conn = self.take_spare();
                        let mut results = serve::<B>(store, &mut conn, request).await;
                        self.keep_spare(conn);
                        drop(permit);
                        return results.pop().unwrap_or_else(|| Err(interrupted()));
                    }
                    let store = store.clone();
                    tokio::spawn(async move {
                        let mut conn = B::batcher(&store).take_spare();
                        // Batch after batch while requests are queued, on one connection.
                        while !batch.is_empty() {
                            let (requests, answers): (Vec<_>, Vec<_>) =
                                batch.into_iter().map(|w| (w.request, w.answer)).unzip();
                            let results = serve::<B>(&store, &mut conn, &requests).await;
                            for (result, answer) in results.into_iter().zip(answers) {
                                // A caller that stopped waiting has nothing to be told.
                                let _ = answer.send(result);
                            }
                            let batcher = B::batcher(&store);
                            if batcher.is_empty() {
                                break;
                            }
                            // Requests came while this batch was served: more are coming.
                            tokio::time::sleep(GATHER).await;
                            batch = batcher.take();
                        }
                        B::batcher(&store).keep_spare(conn);
                        drop(permit);
                    });
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
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

/// The error each request of a batch gets when no connection could be had for it.
fn connection_lost(e: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("no connection for a batch: {e}")))
}
