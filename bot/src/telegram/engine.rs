//! The conversation engine on a thread of its own. Its futures borrow in ways the compiler
//! cannot prove `Send` for every lifetime (so `tokio::spawn` refuses them); on one thread with a
//! `LocalSet` they need not be, and many conversations still run concurrently while they wait on
//! the database.

use std::sync::Arc;

use flowstage_core::conversation::{Engine, Incoming, Outcome, Speaker};
use flowstage_core::store::StoreError;
use tokio::sync::{mpsc, oneshot};

type Job = (Speaker, Incoming, oneshot::Sender<Result<Outcome, StoreError>>);

/// A handle to the engine's thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct EngineThread {
    jobs: mpsc::UnboundedSender<Job>,
}

/// The engine's thread stopped (it only does when the process is stopping).
#[derive(Debug, thiserror::Error)]
#[error("the conversation engine has stopped")]
pub struct Stopped;

impl EngineThread {
    pub fn spawn(engine: Arc<Engine>) -> anyhow::Result<Self> {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name("conversation-engine".into()).spawn(move || {
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
        Ok(Self { jobs })
    }

    /// Applies one event of `speaker`, as [`Engine::handle`] does.
    pub async fn handle(
        &self,
        speaker: Speaker,
        incoming: Incoming,
    ) -> Result<Outcome, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.jobs.send((speaker, incoming, tx)).map_err(|_| EngineError::Stopped(Stopped))?;
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
