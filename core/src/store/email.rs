//! Email (docs/product-rules.md §6): the code that verifies an address, and the emails to send,
//! claimed under a lease like the outbox so several instances never send one twice. What the
//! outbox queues for an account with a verified address is copied here in the same transaction
//! when it goes by email (`outbox::COPY_TO_EMAIL`); a code is queued here directly.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{Result, Store, on_pool};
use crate::domain::values::Email;
use crate::domain::{AccountId, Lang};

/// How long a code can be typed, how many wrong tries it takes, how many codes an hour.
pub const CODE_LIFETIME: Duration = Duration::minutes(15);
pub const CODE_TRIES: i64 = 5;
pub const CODES_PER_HOUR: i64 = 3;

/// Whether a code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSent {
    Sent,
    /// [`CODES_PER_HOUR`] were sent in the last hour: none now.
    TooMany,
}

/// What a typed code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the address is verified.
    Verified(String),
    Wrong {
        tries_left: i64,
    },
    Expired,
    /// Wrong [`CODE_TRIES`] times: the code is void.
    TooManyTries,
    /// No code waits (none was sent, or it was used).
    NoneWaiting,
}

/// An email claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailItem {
    pub id: i64,
    pub account: AccountId,
    pub to: String,
    /// `code` (payload: [`CodePayload`] as JSON) or `notice` (payload: a `notify::Event`).
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// What a code email carries until it is sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodePayload {
    pub code: String,
    pub lang: Lang,
}

/// An `emails` row as claims return it: id, account, address, kind, payload, attempts.
type EmailRow = (i64, i64, String, String, String, i64);

fn email_item((id, account, to, kind, payload, attempts): EmailRow) -> EmailItem {
    EmailItem { id, account: AccountId(account), to, kind, payload, attempts }
}

fn code_hash(account: AccountId, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{}:{}", account.0, code.trim()).as_bytes()))
}

impl Store {
    /// Queues an email with `code` to `email` for `account`, replacing any code waiting, unless
    /// [`CODES_PER_HOUR`] went in the last hour.
    pub async fn send_email_code(
        &self,
        account: AccountId,
        email: &Email,
        code: &str,
        lang: Lang,
    ) -> Result<CodeSent> {
        let now = self.clock.now();
        let payload = serde_json::to_string(&CodePayload { code: code.to_owned(), lang })
            .map_err(|e| super::StoreError::corrupt("email code", e))?;
        let hash = code_hash(account, code);
        let sent = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let window: Option<(DateTime<Utc>, i64)> = sqlx::query_as(
                "SELECT window_start, sent_in_window FROM email_codes WHERE account_id = $1",
            )
            .bind(account.0)
            .fetch_optional(&mut *tx)
            .await?;
            let (start, count) = match window {
                Some((start, n)) if now - start < Duration::hours(1) => (start, n),
                _ => (now, 0),
            };
            if count >= CODES_PER_HOUR {
                return Ok::<_, sqlx::Error>(CodeSent::TooMany);
            }
            sqlx::query(
                "INSERT INTO email_codes (account_id, email, code_hash, expires_at, tries, window_start, sent_in_window) \
                 VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (account_id) DO UPDATE SET \
                 email = excluded.email, code_hash = excluded.code_hash, expires_at = excluded.expires_at, \
                 tries = 0, window_start = excluded.window_start, sent_in_window = excluded.sent_in_window",
            )
            .bind(account.0)
            .bind(email.as_str())
            .bind(&hash)
            .bind(now + CODE_LIFETIME)
            .bind(start)
            .bind(count + 1)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO emails (account_id, to_address, kind, payload, dedupe_key, created_at, available_at) \
                 VALUES ($1, $2, 'code', $3, $4, $5, $5)",
            )
            .bind(account.0)
            .bind(email.as_str())
            .bind(&payload)
            .bind(format!("code:{}:{}:{}", account.0, hash, now.timestamp_micros()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(CodeSent::Sent)
        })?;
        Ok(sent)
    }

    /// Checks a typed code: right, the address it was sent to is verified (if it is still the
    /// account's); wrong, one try fewer.
    pub async fn check_email_code(&self, account: AccountId, code: &str) -> Result<CodeCheck> {
        let now = self.clock.now();
        let hash = code_hash(account, code);
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let row: Option<(String, String, DateTime<Utc>, i64)> = sqlx::query_as(
                "SELECT email, code_hash, expires_at, tries FROM email_codes WHERE account_id = $1 \
                 AND code_hash <> ''",
            )
            .bind(account.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((email, expected, expires, tries)) = row else {
                return Ok::<_, sqlx::Error>(CodeCheck::NoneWaiting);
            };
            // A used or void code keeps its row (the hour's count) with no hash.
            let void = "UPDATE email_codes SET code_hash = '' WHERE account_id = $1";
            let outcome = if expires <= now {
                sqlx::query(void).bind(account.0).execute(&mut *tx).await?;
                CodeCheck::Expired
            } else if tries >= CODE_TRIES {
                sqlx::query(void).bind(account.0).execute(&mut *tx).await?;
                CodeCheck::TooManyTries
            } else if expected == hash {
                sqlx::query(void).bind(account.0).execute(&mut *tx).await?;
                sqlx::query(
                    "UPDATE accounts SET email_verified = TRUE WHERE id = $1 AND contact_email = $2",
                )
                .bind(account.0)
                .bind(&email)
                .execute(&mut *tx)
                .await?;
                CodeCheck::Verified(email)
            } else {
                sqlx::query("UPDATE email_codes SET tries = tries + 1 WHERE account_id = $1")
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await?;
                if tries + 1 >= CODE_TRIES {
                    sqlx::query(void).bind(account.0).execute(&mut *tx).await?;
                    CodeCheck::TooManyTries
                } else {
                    CodeCheck::Wrong { tries_left: CODE_TRIES - tries - 1 }
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })?)
    }

    /// Claims up to `limit` emails due, for `lease` (alerts wait for [`Store::claim_digests`]).
    pub async fn claim_emails(&self, limit: i64, lease: Duration) -> Result<Vec<EmailItem>> {
        let now = self.clock.now();
        let rows: Vec<EmailRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "UPDATE emails SET claimed_until = $1, attempts = attempts + 1 WHERE id IN \
                 (SELECT id FROM emails WHERE kind <> 'alert' AND sent_at IS NULL AND failed_at IS NULL AND available_at <= $2 \
                  AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3) \
                 AND sent_at IS NULL AND failed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
                 RETURNING id, account_id, to_address, kind, payload, attempts",
            )
            .bind(now + lease)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        let mut items: Vec<EmailItem> = rows.into_iter().map(email_item).collect();
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    /// The email went: a code's payload is forgotten.
    pub async fn email_sent(&self, id: i64) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE emails SET sent_at = $1, payload = CASE WHEN kind = 'code' THEN '' ELSE payload END \
                 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// A temporary failure: tried again at `at`.
    pub async fn email_retry(&self, id: i64, at: DateTime<Utc>, error: &str) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE emails SET available_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(error)
            .bind(id)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// A permanent failure: the email is given up, and the address is no longer used for the
    /// account (verified no more) if it is still its own; returns whether it was, so the person
    /// is told (once, by the caller, through the outbox).
    pub async fn email_failed(&self, item: &EmailItem, error: &str) -> Result<bool> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE emails SET failed_at = $1, last_error = $2 WHERE id = $3")
                .bind(now)
                .bind(error)
                .bind(item.id)
                .execute(&mut *tx)
                .await?;
            let suppressed = sqlx::query(
                "UPDATE accounts SET email_verified = FALSE WHERE id = $1 AND contact_email = $2 \
                 AND email_verified",
            )
            .bind(item.account.0)
            .bind(&item.to)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<_, sqlx::Error>(suppressed > 0)
        })?)
    }

    /// Applies the provider's event `id` about `address` once (recorded in the inbox under the
    /// `email` platform): if it `stops` the address, every account using it verified stops
    /// (verified no more) and is told in chat, in the same transaction. Returns whether the
    /// event was new.
    pub async fn apply_email_event(&self, id: &str, address: &str, stops: bool) -> Result<bool> {
        let now = self.clock.now();
        let event = |address: &str| {
            serde_json::to_string(&crate::notify::Event::EmailUndeliverable {
                address: address.to_owned(),
            })
            .map_err(|e| super::StoreError::corrupt("notification", e))
        };
        let payload = event(address)?;
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let new: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO inbox (platform, external_id, chat, payload, received_at, claimed_by, \
                 claimed_until, handled_at, done_at) VALUES ('email', $1, $2, '', $3, 'webhook', $3, $3, $3) \
                 ON CONFLICT (platform, external_id) DO NOTHING RETURNING id",
            )
            .bind(id)
            .bind(address)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if new.is_none() {
                return Ok::<_, sqlx::Error>(false);
            }
            if stops {
                let stopped: Vec<(i64,)> = sqlx::query_as(
                    "UPDATE accounts SET email_verified = FALSE WHERE contact_email = $1 \
                     AND email_verified RETURNING id",
                )
                .bind(address)
                .fetch_all(&mut *tx)
                .await?;
                let notices: Vec<super::Notice> = stopped
                    .into_iter()
                    .map(|(account,)| {
                        (AccountId(account), payload.clone(), format!("email-event:{id}:{account}"))
                    })
                    .collect();
                super::proposals::enqueue_in!(tx, &notices, now);
            }
            tx.commit().await?;
            Ok(true)
        })?)
    }

    /// Claims the search alerts waiting for their digest, for the accounts whose last digest
    /// went a day ago or more (or never): every waiting alert of such an account, so one email
    /// carries them all. Grouped by account, oldest first.
    pub async fn claim_digests(&self, lease: Duration) -> Result<Vec<Vec<EmailItem>>> {
        let now = self.clock.now();
        let rows: Vec<EmailRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "UPDATE emails SET claimed_until = $1, attempts = attempts + 1 WHERE kind = 'alert' \
                 AND sent_at IS NULL AND failed_at IS NULL AND available_at <= $2 \
                 AND (claimed_until IS NULL OR claimed_until < $2) AND account_id NOT IN \
                 (SELECT account_id FROM emails WHERE kind = 'alert' AND sent_at > $3) \
                 RETURNING id, account_id, to_address, kind, payload, attempts",
            )
            .bind(now + lease)
            .bind(now)
            .bind(now - Duration::days(1))
            .fetch_all(p)
            .await
        })?;
        let mut items: Vec<EmailItem> = rows.into_iter().map(email_item).collect();
        items.sort_by_key(|i| (i.account, i.id));
        let mut groups: Vec<Vec<EmailItem>> = Vec::new();
        for item in items {
            match groups.last_mut() {
                Some(g) if g[0].account == item.account && g[0].to == item.to => g.push(item),
                _ => groups.push(vec![item]),
            }
        }
        Ok(groups)
    }

    /// The account's token for the one-click unsubscribe link of its digests (made once).
    pub async fn unsubscribe_token(&self, account: AccountId) -> Result<String> {
        let fresh = hex::encode(rand::random::<[u8; 16]>());
        let (token,): (String,) = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO email_unsubscribe (token, account_id) VALUES ($1, $2) \
                 ON CONFLICT (account_id) DO NOTHING",
            )
            .bind(&fresh)
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query_as("SELECT token FROM email_unsubscribe WHERE account_id = $1")
                .bind(account.0)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(row)
        })?;
        Ok(token)
    }

    /// The one-click unsubscribe: the token's account gets no more alert digests (alerts off,
    /// as `/settings` turns them off). Returns whether the token named an account.
    pub async fn unsubscribe(&self, token: &str) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(
                "UPDATE accounts SET email_alerts = FALSE WHERE id = \
                 (SELECT account_id FROM email_unsubscribe WHERE token = $1)",
            )
            .bind(token)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Emails not sent nor given up.
    pub async fn pending_email_count(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM emails WHERE sent_at IS NULL AND failed_at IS NULL",
            )
            .fetch_one(p)
            .await
        })?;
        Ok(n)
    }
}
