//! Stored conversation state, per account and channel, so a restart or another instance continues
//! each conversation at the same question. Writes are optimistic: a stale version loses.

use chrono::{DateTime, Utc};

use super::{Result, Store, StoreError, on_pool};
use crate::domain::AccountId;

/// A conversation's serialized state and the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRecord {
    pub state: String,
    pub version: i64,
    /// When it was last saved: the first step of a day records the day as active.
    pub updated_at: DateTime<Utc>,
}

impl Store {
    pub async fn load_conversation(
        &self,
        account: AccountId,
        channel: &str,
    ) -> Result<Option<ConversationRecord>> {
        let row: Option<(String, i64, DateTime<Utc>)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT state, version, updated_at FROM conversations WHERE account_id = $1 AND channel = $2",
            )
            .bind(account.0)
            .bind(channel)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(|(state, version, updated_at)| ConversationRecord {
            state,
            version,
            updated_at,
        }))
    }

    /// Saves `state` if the stored version is still `read_version` (0 when there was none);
    /// returns the new version, or [`StoreError::Conflict`] if someone saved in between.
    pub async fn save_conversation(
        &self,
        account: AccountId,
        channel: &str,
        state: &str,
        read_version: i64,
    ) -> Result<i64> {
        let now = self.clock.now();
        let done = on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO conversations (account_id, channel, state, version, updated_at) VALUES ($1, $2, $3, 1, $4) \
                 ON CONFLICT (account_id, channel) DO UPDATE SET state = excluded.state, \
                 version = conversations.version + 1, updated_at = excluded.updated_at \
                 WHERE conversations.version = $5",
            )
            .bind(account.0)
            .bind(channel)
            .bind(state)
            .bind(now)
            .bind(read_version)
            .execute(p)
            .await.map(|r| r.rows_affected())
        })?;
        if done == 1 { Ok(read_version + 1) } else { Err(StoreError::Conflict) }
    }
}
