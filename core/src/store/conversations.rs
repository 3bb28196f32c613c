//! Stored conversation state, per account and channel, so a restart or another instance continues
//! each conversation at the same question. Writes are optimistic: a stale version loses.

use chrono::{DateTime, Utc};

use super::{Result, Store, on_pool};
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
        let save = super::StepSave { account, channel, state, read_version, active_day: None };
        self.commit_step(Some(save), None).await
    }
}
