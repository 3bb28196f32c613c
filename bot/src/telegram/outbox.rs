//! Delivers what the stored outbox holds for people on Telegram (a venue's answer, an alert, a
//! contract). An item is claimed under a lease, sent, and marked sent at once: a crash or a restart
//! leaves it claimed until the lease ends and another run delivers it; a delivered one is never
//! claimed again.

use std::sync::Arc;
use std::time::Duration;

use flowstage_core::conversation::render_delivery;
use flowstage_core::domain::account::Platform;
use flowstage_core::notify::decode;
use flowstage_core::store::{OutboxItem, Recipients};
use tokio::sync::watch;

use super::Telegram;
use super::send::SendError;

/// How long a claimed item is ours; delivery takes well under a second.
const LEASE_SECS: i64 = 120;
const BATCH: i64 = 20;
const IDLE: Duration = Duration::from_millis(500);
const PACE: Duration = Duration::from_millis(40);

pub(super) async fn run(tg: Arc<Telegram>, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let telegram = Recipients::OnPlatform(Platform::Telegram);
        let lease = chrono::Duration::seconds(LEASE_SECS);
        let items = match tg.store.claim_outbox_for(telegram, BATCH, lease).await {
            Ok(items) => items,
            Err(e) => {
                tracing::warn!(error = %e, "claiming notifications failed");
                Vec::new()
            }
        };
        let idle = items.is_empty();
        // A started item is finished before stopping: stopping between send and mark would send
        // it again after the restart.
        for item in items {
            deliver(&tg, item).await;
            // Notifications are a broadcast in Telegram's eyes: kept under its ~30 messages a
            // second, so a burst of alerts does not trip flood limits for everyone's replies.
            tokio::time::sleep(PACE).await;
        }
        if idle {
            tokio::select! {
                _ = shutdown.changed() => return,
                () = tokio::time::sleep(IDLE) => {}
            }
        }
    }
}

#[tracing::instrument(skip_all, fields(platform = "telegram", account = %item.account))]
async fn deliver(tg: &Telegram, item: OutboxItem) {
    let store = &tg.store;
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
    let telegram: Vec<_> =
        identities.iter().filter(|(id, _)| id.platform == Platform::Telegram).collect();
    let Some((identity, _)) = telegram.iter().find(|(_, reachable)| *reachable) else {
        if telegram.is_empty() {
            // Not a Telegram person: leave it to the front-end that reaches them.
            let _ = store.retry_later(item.id, later(5), "no Telegram identity").await;
        } else {
            tracing::info!("the recipient blocked the bot: notification dropped");
            let _ = store.mark_sent(item.id).await;
        }
        return;
    };
    let Ok(chat) = identity.external_id.parse::<i64>() else {
        tracing::error!("a Telegram identity that is not a number");
        let _ = store.mark_sent(item.id).await;
        return;
    };
    let lang = match store.account(item.account).await {
        Ok(a) => a.lang,
        Err(e) => {
            let _ = store.retry_later(item.id, later(1), &e.to_string()).await;
            return;
        }
    };
    let reply = render_delivery(store, &tg.rules, &event, lang).await;
    match tg.send_reply(chat, &reply, super::Extra::None).await {
        Ok(()) | Err(SendError::Unreachable) => {
            if let Err(e) = store.mark_sent(item.id).await {
                tracing::error!(error = %e, "a delivered notification could not be marked sent");
            }
        }
        Err(e) => {
            let minutes = (item.attempts * item.attempts).clamp(1, 60);
            tracing::warn!(error = %e, attempts = item.attempts, "delivery failed; retrying later");
            let _ = store.retry_later(item.id, later(minutes), &e.to_string()).await;
        }
    }
}
