//! The stored outbox (docs/product-rules.md §6): a notification is written in the same breath as
//! the change that causes it, then delivered by a worker; a crash loses none, a retry sends none
//! twice.

use chrono::{DateTime, Duration, Utc};

use super::{Result, Store, on_pool};
use crate::domain::account::Platform;
use crate::domain::{AccountId, OutboxId};

/// Queues one notification unless its dedupe key was ever queued: (account, payload, key, now).
/// Also run inside other transactions, so a change and its notices commit together.
pub(super) const INSERT_OUTBOX: &str = "INSERT INTO outbox (account_id, payload, dedupe_key, \
     created_at, available_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (dedupe_key) DO NOTHING";

/// Copies a notification just queued (same binds as [`INSERT_OUTBOX`], and $5: how it goes by
/// email, `notify::email_kind`) to the emails to send, if the account has a verified address
/// (and, for an alert, alerts on).
pub(super) const COPY_TO_EMAIL: &str = "INSERT INTO emails (account_id, to_address, kind, payload, \
     dedupe_key, created_at, available_at) SELECT id, contact_email, $5, $2, 'email:' || $3, $4, $4 \
     FROM accounts WHERE id = $1 AND $5 <> '' AND email_verified AND contact_email IS NOT NULL \
     AND erased_at IS NULL AND ($5 <> 'alert' OR email_alerts) ON CONFLICT (dedupe_key) DO NOTHING";

/// Whose notifications a worker claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipients {
    All,
    /// Accounts with an identity on this platform (its front-end's worker, which also decides
    /// what to do for one that blocked the bot).
    OnPlatform(Platform),
    /// One account (the terminal of `flowstage chat`).
    Account(AccountId),
}

/// A notification claimed for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: OutboxId,
    pub account: AccountId,
    /// The message, as the notifying layer serialised it.
    pub payload: String,
    pub attempts: i64,
}

impl Store {
    /// Queues a notification unless one with the same `dedupe_key` was ever queued.
    /// Returns whether it was queued now.
    pub async fn enqueue(
        &self,
        account: AccountId,
        payload: &str,
        dedupe_key: &str,
    ) -> Result<bool> {
        let now = self.clock.now();
        let email = crate::notify::email_kind(payload);
        let done = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(INSERT_OUTBOX)
                .bind(account.0)
                .bind(payload)
                .bind(dedupe_key)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if !email.is_empty() {
                sqlx::query(COPY_TO_EMAIL)
                    .bind(account.0)
                    .bind(payload)
                    .bind(dedupe_key)
                    .bind(now)
                    .bind(email)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(done)
        })?;
        Ok(done == 1)
    }

    /// Claims up to `limit` due notifications for `lease`; another worker (or instance) cannot
    /// claim them until the lease runs out. The outer conditions are re-checked by PostgreSQL on
    /// a row another transaction just claimed, so two claimers never get the same row.
    pub async fn claim_outbox(&self, limit: i64, lease: Duration) -> Result<Vec<OutboxItem>> {
        self.claim_outbox_for(Recipients::All, limit, lease).await
    }

    /// [`Store::claim_outbox`] for some recipients only: a front-end claims what it can deliver
    /// and leaves the rest to the others, untouched.
    pub async fn claim_outbox_for(
        &self,
        who: Recipients,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxItem>> {
        let now = self.clock.now();
        let until = now + lease;
        let filter = match who {
            Recipients::All => "TRUE",
            Recipients::OnPlatform(_) => {
                "EXISTS (SELECT 1 FROM identities i WHERE i.account_id = o.account_id \
                 AND i.platform = $4)"
            }
            Recipients::Account(_) => "o.account_id = $4",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT o.id FROM outbox o WHERE o.sent_at IS NULL AND o.available_at <= $2 \
                          AND (o.claimed_until IS NULL OR o.claimed_until < $2) AND {filter} \
                          ORDER BY o.id LIMIT $3) \
             AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
             RETURNING id, account_id, payload, attempts"
        );
        let rows = on_pool!(self, |p| {
            let q = sqlx::query_as::<_, (i64, i64, String, i64)>(&sql)
                .bind(until)
                .bind(now)
                .bind(limit);
            match who {
                Recipients::All => q.fetch_all(p).await,
                Recipients::OnPlatform(platform) => q.bind(platform.as_str()).fetch_all(p).await,
                Recipients::Account(account) => q.bind(account.0).fetch_all(p).await,
            }
        })?;
        let mut items: Vec<OutboxItem> = rows
            .into_iter()
            .map(|(id, account, payload, attempts)| OutboxItem {
                id: OutboxId(id),
                account: AccountId(account),
                payload,
                attempts,
            })
            .collect();
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    /// Extends the lease of claimed, undelivered items while their delivery is under way, so a
    /// short lease (taken over quickly when a process dies) does not expire under a slow send.
    pub async fn renew_claims(&self, ids: &[OutboxId], lease: Duration) -> Result<()> {
        let until = self.clock.now() + lease;
        for id in ids {
            on_pool!(self, |p| {
                sqlx::query(
                    "UPDATE outbox SET claimed_until = $1 \
                     WHERE id = $2 AND sent_at IS NULL AND claimed_until IS NOT NULL",
                )
                .bind(until)
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        Ok(())
    }

    pub async fn mark_sent(&self, id: OutboxId) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL WHERE id = $2")
                .bind(now)
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Puts a notification back for a later attempt, keeping why it failed.
    pub async fn retry_later(&self, id: OutboxId, at: DateTime<Utc>, error: &str) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE outbox SET available_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3")
                .bind(at)
                .bind(error.chars().take(500).collect::<String>())
                .bind(id.0)
                .execute(p)
                .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// How many notifications wait to be delivered, and when the oldest of them was queued
    /// (what `/metrics` reports as the outbox's depth and age).
    pub async fn outbox_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>)> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL"
        )
        .fetch_one(p)
        .await)?)
    }

    /// Notifications not yet delivered to an account, oldest first (what a terminal shows).
    pub async fn pending_outbox_count(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
        )
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}
