//! Telegram as an outlet of the shared outbox deliverer: a notification goes to the person's
//! private chat, paced under Telegram's broadcast limit.

use std::sync::Arc;
use std::time::Duration;

use flowstage_core::conversation::Reply;
use flowstage_core::domain::account::Platform;
use tokio::sync::watch;

use super::Telegram;
use super::send::SendError;
use crate::frontend::deliver::{Deliverer, DeliveryError, Outlet, Recipient};

/// Notifications are a broadcast in Telegram's eyes: they take at most a third of the bot's ~30
/// messages a second (the pace every message keeps, `pace.rs`), so a burst of alerts leaves
/// room for the replies to people who are writing.
const PACE: Duration = Duration::from_millis(100);
const IDLE: Duration = Duration::from_millis(500);

impl Outlet for Telegram {
    fn platform(&self) -> Platform {
        Platform::Telegram
    }

    async fn send(&self, to: &Recipient, reply: &Reply) -> Result<(), DeliveryError> {
        let Ok(chat) = to.identity.external_id.parse::<i64>() else {
            tracing::error!("a Telegram identity that is not a number");
            return Err(DeliveryError::Unreachable);
        };
        match self.send_reply(chat, reply, super::Extra::None).await {
            Ok(()) => Ok(()),
            Err(SendError::Unreachable) => Err(DeliveryError::Unreachable),
            Err(e) => Err(DeliveryError::Failed(e.to_string())),
        }
    }
}

pub(super) async fn run(tg: Arc<Telegram>, shutdown: watch::Receiver<bool>) {
    let deliverer = Deliverer::new(tg.store.clone(), tg.rules.clone(), tg.clone()).pace(PACE);
    deliverer.run(IDLE, shutdown).await;
}
