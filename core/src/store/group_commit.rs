//! Group commit (issue 18): the steps that finish at the same moment share one transaction.
//!
//! A step's end ([`Store::commit_step`]) is a request of a [`Batcher`] (`batch.rs`): the steps
//! ready at the same moment are committed together, alone when a step is alone, so SQLite's
//! single writer and PostgreSQL's commit flush are shared by as many steps as are ready.
//!
//! Each step keeps its own result: a conversation saved at another version than the step read
//! is that step's [`StoreError::Conflict`], and nothing of that step is written, while the rest
//! of the batch commits. A batch the database refuses as a whole (a conversation whose account
//! was erased meanwhile, a lost connection) is committed again one step at a time, so each step
//! gets its own answer. Two saves of the same conversation never share a batch: the later one
//! waits for the next, so a conversation's saves stay in order (the engine's per-account lock
//! already makes them one at a time in an instance).
//!
//! A batch is one statement per kind of write whatever its size (the conversations, the updates
//! marked handled, their replies), on both backends: each statement is a round trip to
//! PostgreSQL, and a hop to its own thread for SQLite's driver. The rows travel as one JSON array,
//! which each database unpacks with its own function (`BatchSql`); a lone step uses the single
//! statements.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::batch::Batch;
use super::{Handled, Pool, Result, StepSave, Store, StoreError};
use crate::domain::{AccountId, InboxId};

/// Saves a conversation if still at its read version ($5): (account, channel, state, now, read).
/// The version written is always the read one plus one (a first save reads version 0).
const SAVE_CONVERSATION: &str = "INSERT INTO conversations (account_id, channel, state, version, updated_at) \
     VALUES ($1, $2, $3, $5 + 1, $4) ON CONFLICT (account_id, channel) DO UPDATE SET state = excluded.state, \
     version = conversations.version + 1, updated_at = excluded.updated_at WHERE conversations.version = $5";

/// Marks an update handled ($1 the time, $2 done when nothing is left to send, $3 its id).
const MARK_HANDLED: &str = "UPDATE inbox SET handled_at = $1, done_at = $2 WHERE id = $3";

/// Stores one of a step's replies to send: (update, position, reply).
const STORE_REPLY: &str = "INSERT INTO inbox_replies (inbox_id, position, reply) VALUES ($1, $2, $3) \
     ON CONFLICT (inbox_id, position) DO NOTHING";

/// A batch's statements on one backend. Each takes its rows as one JSON array of objects ($1),
/// which the database unpacks (`json_to_recordset` on PostgreSQL, `json_each` on SQLite), and
/// the time ($2): one statement per kind of write whatever the batch's size.
struct BatchSql {
    /// [`SAVE_CONVERSATION`] for rows `{a, c, s, v}` (account, channel, state, read version).
    /// The version written is the read one plus one, so the update's condition can read it back
    /// from `excluded`; returns the conversations saved.
    save: &'static str,
    /// [`MARK_HANDLED`] for rows `{id, done}`.
    mark: &'static str,
    /// [`STORE_REPLY`] for rows `{id, position, reply}`.
    reply: &'static str,
}

const POSTGRES_BATCH: BatchSql = BatchSql {
    save: "INSERT INTO conversations (account_id, channel, state, version, updated_at) \
         SELECT a, c, s, v + 1, $2 FROM json_to_recordset($1::json) AS t (a BIGINT, c TEXT, s TEXT, v BIGINT) \
         ON CONFLICT (account_id, channel) DO UPDATE SET state = excluded.state, \
         version = conversations.version + 1, updated_at = excluded.updated_at \
         WHERE conversations.version = excluded.version - 1 RETURNING account_id, channel",
    mark: "UPDATE inbox SET handled_at = $2, done_at = CASE WHEN t.done THEN $2 END \
           FROM json_to_recordset($1::json) AS t (id BIGINT, done BOOLEAN) WHERE inbox.id = t.id",
    reply: "INSERT INTO inbox_replies (inbox_id, position, reply) \
            SELECT id, position, reply FROM json_to_recordset($1::json) AS t (id BIGINT, position BIGINT, reply TEXT) \
            ON CONFLICT (inbox_id, position) DO NOTHING",
};

/// SQLite's `WHERE true` tells its parser the `ON CONFLICT` is the upsert's, not the join's.
const SQLITE_BATCH: BatchSql = BatchSql {
    save: "INSERT INTO conversations (account_id, channel, state, version, updated_at) \
         SELECT json_extract(value, '$.a'), json_extract(value, '$.c'), json_extract(value, '$.s'), \
         json_extract(value, '$.v') + 1, $2 FROM json_each($1) WHERE true \
         ON CONFLICT (account_id, channel) DO UPDATE SET state = excluded.state, \
         version = conversations.version + 1, updated_at = excluded.updated_at \
         WHERE conversations.version = excluded.version - 1 RETURNING account_id, channel",
    mark: "UPDATE inbox SET handled_at = $2, done_at = CASE WHEN json_extract(t.value, '$.done') THEN $2 END \
           FROM json_each($1) AS t WHERE inbox.id = json_extract(t.value, '$.id')",
    reply: "INSERT INTO inbox_replies (inbox_id, position, reply) \
            SELECT json_extract(value, '$.id'), json_extract(value, '$.position'), json_extract(value, '$.reply') \
            FROM json_each($1) WHERE true ON CONFLICT (inbox_id, position) DO NOTHING",
};

/// A step's statements inside the transaction `$tx` (either backend's): `false`, and nothing
/// written, when its conversation moved on.
macro_rules! write_entry {
    ($tx:expr, $entry:expr, $now:expr) => {
        async {
            let (entry, now): (&Entry, DateTime<Utc>) = ($entry, $now);
            if let Some(s) = &entry.save {
                let done = sqlx::query(SAVE_CONVERSATION)
                    .bind(s.account.0)
                    .bind(s.channel.as_str())
                    .bind(s.state.as_str())
                    .bind(now)
                    .bind(s.read_version)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
                if done != 1 {
                    return Ok::<_, sqlx::Error>(false);
                }
            }
            if let Some((arrival, replies)) = &entry.handled {
                let done_at = replies.is_empty().then_some(now);
                sqlx::query(MARK_HANDLED)
                    .bind(now)
                    .bind(done_at)
                    .bind(arrival.0)
                    .execute(&mut *$tx)
                    .await?;
                for (position, reply) in replies.iter().enumerate() {
                    sqlx::query(STORE_REPLY)
                        .bind(arrival.0)
                        .bind(i64::try_from(position).unwrap_or(i64::MAX))
                        .bind(reply.as_str())
                        .execute(&mut *$tx)
                        .await?;
                }
            }
            Ok(true)
        }
        .await
    };
}

/// A step's writes, owned while they wait in the queue.
#[derive(Debug)]
pub(crate) struct Entry {
    save: Option<Save>,
    handled: Option<(InboxId, Vec<String>)>,
}

#[derive(Debug)]
struct Save {
    account: AccountId,
    channel: String,
    state: String,
    read_version: i64,
}

/// Steps' writes, committed in batches.
#[derive(Debug)]
pub(crate) struct Commits;

/// How many batches of writes go at once: SQLite has one writer; PostgreSQL commits two (while
/// one flushes its commit, the next is written).
pub(crate) fn writers(pool: &Pool) -> usize {
    match pool {
        Pool::Sqlite(_) => 1,
        Pool::Postgres(_) => 2,
    }
}

impl Batch for Commits {
    type Request = Entry;
    type Answer = i64;
    type Key = (AccountId, String);
    const MAX: usize = 256;
    const METRIC: &'static str = "flowstage_commit_batch_steps";

    /// Two saves of one conversation never share a batch.
    fn key(entry: &Entry) -> Option<(AccountId, String)> {
        entry.save.as_ref().map(|s| (s.account, s.channel.clone()))
    }

    /// A save alone is one statement; with an update to mark, one transaction.
    async fn serve_one(store: &Store, entry: &Entry) -> Result<i64> {
        let saved = on_each(store, entry, store.clock.now()).await?;
        if saved { Ok(new_version(entry)) } else { Err(StoreError::Conflict) }
    }

    async fn serve_together(store: &Store, entries: &[Entry]) -> Result<Vec<Result<i64>>> {
        let written = store.commit_together(entries, store.clock.now()).await?;
        Ok(written
            .into_iter()
            .zip(entries)
            .map(|(ok, e)| if ok { Ok(new_version(e)) } else { Err(StoreError::Conflict) })
            .collect())
    }
}

/// The version a written step leaves its conversation at (0 when it saves none).
fn new_version(entry: &Entry) -> i64 {
    entry.save.as_ref().map_or(0, |s| s.read_version + 1)
}

impl Store {
    /// Saves a step in one transaction, shared with the steps ending at the same moment (see
    /// the module): the conversation (if `save`, only if still at its read version, else
    /// [`StoreError::Conflict`] and nothing of this step is written), and the update it handled
    /// (if `handled`) marked so, with its replies stored to send. Returns the conversation's new
    /// version (0 when none was saved).
    pub async fn commit_step(
        &self,
        save: Option<StepSave<'_>>,
        handled: Option<Handled<'_>>,
    ) -> Result<i64> {
        let entry = Entry {
            save: save.map(|s| Save {
                account: s.account,
                channel: s.channel.to_owned(),
                state: s.state.to_owned(),
                read_version: s.read_version,
            }),
            handled: handled.map(|h| (h.arrival, h.replies.to_vec())),
        };
        self.group.submit(self, entry).await
    }

    /// The whole batch in one transaction; for each step, whether it was written (`false`: its
    /// conversation had moved on, and nothing of it was).
    async fn commit_together(&self, entries: &[Entry], now: DateTime<Utc>) -> Result<Vec<bool>> {
        let sql = match &self.pool {
            Pool::Sqlite(_) => &SQLITE_BATCH,
            Pool::Postgres(_) => &POSTGRES_BATCH,
        };
        let saves: Vec<serde_json::Value> = entries
            .iter()
            .filter_map(|e| e.save.as_ref())
            .map(|s| json!({"a": s.account.0, "c": s.channel, "s": s.state, "v": s.read_version}))
            .collect();
        let saves = (!saves.is_empty()).then(|| serde_json::Value::from(saves).to_string());
        let marks = entries.iter().any(|e| e.handled.is_some());
        Ok(super::on_pool!(self, |p| {
            // A batch that only saves conversations is one statement, committed by itself.
            let mut tx = if marks { Some(p.begin().await?) } else { None };
            let mut saved: HashSet<(i64, String)> = HashSet::new();
            if let Some(saves) = &saves {
                let query = sqlx::query_as::<_, (i64, String)>(sql.save).bind(saves).bind(now);
                saved.extend(match &mut tx {
                    Some(tx) => query.fetch_all(&mut **tx).await?,
                    None => query.fetch_all(p).await?,
                });
            }
            let written: Vec<bool> = entries
                .iter()
                .map(|e| {
                    e.save
                        .as_ref()
                        .is_none_or(|s| saved.contains(&(s.account.0, s.channel.clone())))
                })
                .collect();
            if let Some(mut tx) = tx {
                let (marks, replies) = handled_rows(entries, &written);
                sqlx::query(sql.mark).bind(marks).bind(now).execute(&mut *tx).await?;
                if let Some(replies) = replies {
                    sqlx::query(sql.reply).bind(replies).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(written)
        })?)
    }
}

/// The rows of the updates marked handled, and of their replies if any, for the steps written.
fn handled_rows(entries: &[Entry], written: &[bool]) -> (String, Option<String>) {
    let (mut marks, mut replies) = (Vec::new(), Vec::new());
    for ((id, rs), _) in entries
        .iter()
        .zip(written)
        .filter(|(_, w)| **w)
        .filter_map(|(e, w)| e.handled.as_ref().map(|h| (h, w)))
    {
        marks.push(json!({"id": id.0, "done": rs.is_empty()}));
        for (position, reply) in rs.iter().enumerate() {
            replies.push(json!({"id": id.0, "position": position, "reply": reply}));
        }
    }
    let replies = (!replies.is_empty()).then(|| serde_json::Value::from(replies).to_string());
    (serde_json::Value::from(marks).to_string(), replies)
}

/// One step's writes on their own: one statement for a save alone, a transaction otherwise.
async fn on_each(store: &Store, entry: &Entry, now: DateTime<Utc>) -> Result<bool> {
    if let (Some(s), None) = (&entry.save, &entry.handled) {
        return Ok(super::on_pool!(store, |p| {
            sqlx::query(SAVE_CONVERSATION)
                .bind(s.account.0)
                .bind(&s.channel)
                .bind(&s.state)
                .bind(now)
                .bind(s.read_version)
                .execute(p)
                .await
                .map(|r| r.rows_affected() == 1)
        })?);
    }
    Ok(super::on_pool!(store, |p| {
        let mut tx = p.begin().await?;
        let written = write_entry!(tx, entry, now)?;
        if written {
            tx.commit().await?;
        }
        Ok::<_, sqlx::Error>(written)
    })?)
}
