//! The stored inbox (docs/product-rules.md §6): each update a platform sends is recorded under
//! its platform id before the platform is told it arrived; the step that handles it saves the
//! conversation, marks the update handled and stores the step's replies in one transaction; the
//! replies are then sent from here. A crash at any moment leaves either an update to handle or
//! replies to send, never both done twice: a second delivery of the same update is not recorded.
//!
//! Each recorded update is claimed by the instance that works on it (`owner`, stable across a
//! restart of the same instance) for a short lease that instance renews; a restarted instance
//! takes its own back at once, another takes them when the lease lapses.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::batch::{Batch, Batcher};
use super::{Conn, Pool, Result, Store, on_conn, on_pool};
use crate::domain::account::Platform;
use crate::domain::{AccountId, InboxId};

/// An update as a platform sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The platform's own id of the update (Telegram's `update_id`): the same id is recorded once.
    pub external_id: String,
    /// The conversation it belongs to on the platform (a chat): one chat's updates are handled
    /// in the order they were recorded.
    pub chat: String,
    /// The update as the platform sent it, read again by its front-end.
    pub payload: String,
    /// The platform is told by recording it (Telegram). `false`: it is told after, by a call
    /// that can fail (a Discord interaction), and [`Store::arrival_acknowledged`] says it was.
    pub acknowledged: bool,
}

/// A recorded update claimed by this instance: to handle, or (`handled`) whose replies are still
/// to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub id: InboxId,
    /// The platform's id of the update ([`Arrival::external_id`]).
    pub external_id: String,
    pub chat: String,
    pub payload: String,
    /// The platform was told it arrived ([`Arrival::acknowledged`]).
    pub acknowledged: bool,
    pub handled: bool,
    /// The step's replies, in order, as [`Store::commit_step`] stored them (when `handled`).
    pub replies: Vec<String>,
    /// How many of the platform's messages were sent for them already ([`Store::arrival_sent`]).
    pub sent: i64,
}

/// The update a step handled and the replies it produced (serialised), stored with the step.
#[derive(Debug, Clone, Copy)]
pub struct Handled<'a> {
    pub arrival: InboxId,
    pub replies: &'a [String],
}

/// The conversation a step saves, if it saves one: written only if still at `read_version`.
#[derive(Debug, Clone, Copy)]
pub struct StepSave<'a> {
    pub account: AccountId,
    pub channel: &'a str,
    pub state: &'a str,
    pub read_version: i64,
    /// A day to record as one the account acted on (the engine's first step of a day), written
    /// with the save and only if the save is.
    pub active_day: Option<NaiveDate>,
}

/// A count of messages sent for an update, and whether that was the last (see
/// [`Store::arrival_sent`]).
type Count = (InboxId, i64, bool);

/// A count written alone: (sent, done at, update).
const WRITE_COUNT: &str = "UPDATE inbox SET sent = $1, done_at = $2 WHERE id = $3";

/// [`WRITE_COUNT`] for rows `{id, sent, done}` as one JSON array ($1), at the time $2, on each
/// backend (as the steps' batches on SQLite, `group_commit.rs`).
const POSTGRES_WRITE_COUNTS: &str = "UPDATE inbox SET sent = t.sent, done_at = CASE WHEN t.done THEN $2 END \
     FROM json_to_recordset($1::json) AS t (id BIGINT, sent BIGINT, done BOOLEAN) WHERE inbox.id = t.id";
const SQLITE_WRITE_COUNTS: &str = "UPDATE inbox SET sent = json_extract(t.value, '$.sent'), \
     done_at = CASE WHEN json_extract(t.value, '$.done') THEN $2 END \
     FROM json_each($1) AS t WHERE inbox.id = json_extract(t.value, '$.id')";

/// The counts of messages sent, written in batches (`batch.rs`): a front-end writes one after
/// every message it sends, its most frequent write.
#[derive(Debug)]
pub(crate) struct Counts;

impl Batch for Counts {
    type Request = Count;
    type Answer = ();
    /// One update's counts stay in order.
    type Key = InboxId;
    const MAX: usize = 256;
    const METRIC: &'static str = "flowstage_count_batch_steps";

    fn key(count: &Count) -> Option<InboxId> {
        Some(count.0)
    }

    fn batcher(store: &Store) -> &Batcher<Self> {
        &store.counts
    }

    async fn serve_one(
        store: &Store,
        conn: &mut Conn,
        &(arrival, sent, done): &Count,
    ) -> Result<()> {
        let done_at = done.then(|| store.clock.now());
        on_conn!(conn, |c| {
            let query = sqlx::query(WRITE_COUNT).bind(sent).bind(done_at).bind(arrival.0);
            query.execute(&mut **c).await.map(|_| ())
        })?;
        Ok(())
    }

    async fn serve_together(
        store: &Store,
        conn: &mut Conn,
        counts: &[Count],
    ) -> Result<Vec<Result<()>>> {
        let sql = match &store.pool {
            Pool::Sqlite(_) => SQLITE_WRITE_COUNTS,
            Pool::Postgres(_) => POSTGRES_WRITE_COUNTS,
        };
        let rows: Vec<serde_json::Value> = counts
            .iter()
            .map(|(id, sent, done)| serde_json::json!({"id": id.0, "sent": sent, "done": done}))
            .collect();
        let rows = serde_json::Value::from(rows).to_string();
        let now = store.clock.now();
        on_conn!(conn, |c| {
            sqlx::query(sql).bind(&rows).bind(now).execute(&mut **c).await.map(|_| ())
        })?;
        Ok(counts.iter().map(|_| Ok(())).collect())
    }
}

impl Store {
    /// Records the updates not seen before, claimed by `owner` for `lease`, in one transaction;
    /// returns those recorded now, in the order given (a second delivery returns nothing).
    pub async fn record_arrivals(
        &self,
        platform: Platform,
        arrivals: &[Arrival],
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<InboxItem>> {
        let now = self.clock.now();
        let until = now + lease;
        let ids = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let mut ids = Vec::with_capacity(arrivals.len());
            for a in arrivals {
                let id: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO inbox (platform, external_id, chat, payload, received_at, claimed_by, claimed_until, acknowledged) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (platform, external_id) DO NOTHING RETURNING id",
                )
                .bind(platform.as_str())
                .bind(&a.external_id)
                .bind(&a.chat)
                .bind(&a.payload)
                .bind(now)
                .bind(owner)
                .bind(until)
                .bind(a.acknowledged)
                .fetch_optional(&mut *tx)
                .await?;
                ids.push(id.map(|(id,)| id));
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        })?;
        Ok(arrivals
            .iter()
            .zip(ids)
            .filter_map(|(a, id)| {
                Some(InboxItem {
                    id: InboxId(id?),
                    external_id: a.external_id.clone(),
                    chat: a.chat.clone(),
                    payload: a.payload.clone(),
                    acknowledged: a.acknowledged,
                    handled: false,
                    replies: Vec::new(),
                    sent: 0,
                })
            })
            .collect())
    }

    /// Claims for `owner` the recorded updates not done whose claim lapsed, and also, when
    /// `restarted`, those `owner` held before (a restarted instance takes its own back at once).
    /// Oldest first; each with its unsent replies.
    pub async fn claim_arrivals(
        &self,
        platform: Platform,
        owner: &str,
        restarted: bool,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<InboxItem>> {
        let now = self.clock.now();
        let mine = if restarted { owner } else { "" };
        let rows: Vec<(i64, String, String, String, bool, i64, bool)> = on_pool!(self, |p| {
            sqlx::query_as(
                "UPDATE inbox SET claimed_by = $1, claimed_until = $2 WHERE id IN \
                 (SELECT id FROM inbox WHERE platform = $3 AND done_at IS NULL \
                  AND (claimed_until < $4 OR claimed_by = $5) ORDER BY id LIMIT $6) \
                 AND done_at IS NULL AND (claimed_until < $4 OR claimed_by = $5) \
                 RETURNING id, external_id, chat, payload, handled_at IS NOT NULL, sent, acknowledged",
            )
            .bind(owner)
            .bind(now + lease)
            .bind(platform.as_str())
            .bind(now)
            .bind(mine)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        let mut items = Vec::with_capacity(rows.len());
        for (id, external_id, chat, payload, handled, sent, acknowledged) in rows {
            let replies: Vec<(String,)> = if handled {
                on_pool!(self, |p| {
                    sqlx::query_as(
                        "SELECT reply FROM inbox_replies WHERE inbox_id = $1 ORDER BY position",
                    )
                    .bind(id)
                    .fetch_all(p)
                    .await
                })?
            } else {
                Vec::new()
            };
            let replies = replies.into_iter().map(|(r,)| r).collect();
            items.push(InboxItem {
                id: InboxId(id),
                external_id,
                chat,
                payload,
                acknowledged,
                handled,
                replies,
                sent,
            });
        }
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    /// Extends `owner`'s claims on updates not done yet: it is alive and working on them.
    pub async fn renew_arrivals(
        &self,
        platform: Platform,
        owner: &str,
        lease: Duration,
    ) -> Result<u64> {
        self.claims_until(platform, owner, self.clock.now() + lease).await
    }

    /// Lets go of `owner`'s claims on updates not done (a clean stop): another instance takes
    /// them at its next look instead of waiting for the lease to lapse.
    pub async fn release_arrivals(&self, platform: Platform, owner: &str) -> Result<u64> {
        self.claims_until(platform, owner, self.clock.now() - Duration::seconds(1)).await
    }

    /// Sets until when `owner`'s claims on updates not done hold; returns how many there are.
    async fn claims_until(
        &self,
        platform: Platform,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(on_pool!(self, |p| {
            sqlx::query(
                "UPDATE inbox SET claimed_until = $1 WHERE platform = $2 AND claimed_by = $3 \
                 AND done_at IS NULL",
            )
            .bind(until)
            .bind(platform.as_str())
            .bind(owner)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?)
    }

    /// Records that `sent` of the platform's messages for `arrival`'s replies are sent (written
    /// right after each message, so a crash repeats at most the message in flight); `done` also
    /// marks the update done. The counts of messages sent at the same moment are written together
    /// (`Counts`).
    pub async fn arrival_sent(&self, arrival: InboxId, sent: i64, done: bool) -> Result<()> {
        self.counts.submit(self, (arrival, sent, done)).await
    }

    /// Forgets a recorded update whose handling failed before anything was done, so the
    /// platform's next delivery of it is recorded and handled.
    pub async fn forget_arrival(&self, arrival: InboxId) -> Result<()> {
        self.on_arrival("DELETE FROM inbox WHERE id = $1 AND handled_at IS NULL", arrival).await
    }

    /// The platform was told `arrival` arrived (see [`Arrival::acknowledged`]).
    pub async fn arrival_acknowledged(&self, arrival: InboxId) -> Result<()> {
        self.on_arrival("UPDATE inbox SET acknowledged = TRUE WHERE id = $1", arrival).await
    }

    /// One statement about one record (`sql` is fixed text whose one parameter is its id).
    async fn on_arrival(&self, sql: &'static str, arrival: InboxId) -> Result<()> {
        on_pool!(self, |p| sqlx::query(sql).bind(arrival.0).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Marks an update done with nothing to send (not for the conversation: a group's message,
    /// a bot's, one that could not be read).
    pub async fn skip_arrival(&self, arrival: InboxId) -> Result<()> {
        self.commit_step(None, Some(Handled { arrival, replies: &[] })).await.map(|_| ())
    }

    /// Forgets the updates done before `before` (their replies with them); returns how many.
    pub async fn purge_inbox(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "DELETE FROM inbox_replies WHERE inbox_id IN (SELECT id FROM inbox WHERE done_at < $1)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?;
            let n = sqlx::query("DELETE FROM inbox WHERE done_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        })?)
    }

    /// How many recorded updates are not done, and the age in seconds of the oldest (metrics).
    pub async fn inbox_depth(&self) -> Result<(i64, i64)> {
        let now = self.clock.now();
        let row: (i64, Option<DateTime<Utc>>) = on_pool!(self, |p| {
            sqlx::query_as("SELECT COUNT(*), MIN(received_at) FROM inbox WHERE done_at IS NULL")
                .fetch_one(p)
                .await
        })?;
        Ok((row.0, row.1.map_or(0, |t| (now - t).num_seconds().max(0))))
    }
}
