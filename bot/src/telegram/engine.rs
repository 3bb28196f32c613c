//! The conversation engine on threads of its own. Its futures borrow in ways the compiler
//! cannot prove `Send` for every lifetime (so `tokio::spawn` refuses them); on a thread with a
//! `LocalSet` they need not be. A few such threads share the work, each person always on the same
//! one, and many conversations run concurrently on each while they wait on the database.

use std::sync::Arc;

use flowstage_core::conversation::{Engine, Incoming, Outcome, Speaker};
use flowstage_core::store::StoreError;
use tokio::sync::{mpsc, oneshot};

type Job = (Speaker, Incoming, oneshot::Sender<Result<Outcome, StoreError>>);

/// A handle to the engine's threads; they end when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct EngineThread {
    shards: Vec<mpsc::UnboundedSender<Job>>,
}

/// The engine's thread stopped (it only does when the process is stopping).
#[derive(Debug, thiserror::Error)]
#[error("the conversation engine has stopped")]
pub struct Stopped;

impl EngineThread {
    pub fn spawn(engine: Arc<Engine>) -> anyhow::Result<Self> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
        let mut shards = Vec::with_capacity(threads);
        for n in 0..threads {
            shards.push(Self::spawn_one(engine.clone(), n)?);
        }
        Ok(Self { shards })
    }

    fn spawn_one(engine: Arc<Engine>, n: usize) -> anyhow::Result<mpsc::UnboundedSender<Job>> {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name(format!("conversation-{n}")).spawn(move || {
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                while let Some((speaker, incoming, reply)) = rx.recv().await {
                    let engine = engine.clone();
                    tokio::task::spawn_local(async move {
                        let outcome = engine.handle(&speaker, incoming).await;
                        let _ = reply.send(outcome);
                    });
                }
            });
        })?;
        Ok(jobs)
    }

    /// Applies one event of `speaker`, as [`Engine::handle`] does.
    pub async fn handle(
        &self,
        speaker: Speaker,
        incoming: Incoming,
    ) -> Result<Outcome, EngineError> {
        let (tx, rx) = oneshot::channel();
        // One person's events always go to the same thread, in order.
        let shard = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            speaker.identity.external_id.hash(&mut h);
            usize::try_from(h.finish() % self.shards.len() as u64).unwrap_or(0)
        };
        let jobs = self.shards.get(shard).ok_or(EngineError::Stopped(Stopped))?;
        jobs.send((speaker, incoming, tx)).map_err(|_| EngineError::Stopped(Stopped))?;
        rx.await.map_err(|_| EngineError::Stopped(Stopped))?.map_err(EngineError::Store)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Stopped(Stopped),
    #[error(transparent)]
    Store(StoreError),
}
