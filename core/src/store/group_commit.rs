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
//! A step's writes are its conversation, the update it handled marked so with its replies to
//! send, and the day it acted on when it is its account's first of the day. Whatever its size
//! (one step alone too), a batch is sent as one statement on PostgreSQL (each statement is a
//! round trip) and as two on SQLite (each is a hop to its driver's thread), its rows travelling
//! as arrays on PostgreSQL (unpacked by `unnest`) and as JSON on SQLite (by `json_each`).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::batch::{Batch, Batcher};
use super::{Conn, Handled, Pool, Result, StepSave, Store, StoreError};
use crate::domain::{AccountId, InboxId};

/// A batch on PostgreSQL, in one statement (one round trip, its own transaction). Its rows come
/// as arrays, one per column, zipped by `unnest`: they travel in PostgreSQL's binary format, so
/// a conversation's state and a reply reach the database as they are (as JSON they were escaped
/// here and unescaped there, character by character: a tenth of the machine under load).
/// $1–$5 the saves (account, channel, state, read version, active day or null), $6 the time,
/// $7–$10 the updates to mark handled (id, done, and the conversation its step saves: null when
/// it saves none), $11–$15 their replies (update, position, text, the same conversation): the
/// updates and replies of a step whose save was refused are left out, by the saves'
/// `RETURNING`. A conversation read at a version is updated only if still at it, and one read
/// as new (version 0) is inserted only if still missing; either way it is written at the read
/// version plus one. (Split in two, not one upsert: an upsert first probes the key for a
/// conflict, then updates what it found, two index lookups where an update needs one, and
/// almost every step saves a conversation that exists.) Returns the conversations saved.
const POSTGRES_BATCH: &str = "WITH updated AS (\
     UPDATE conversations SET state = t.s, version = t.v + 1, updated_at = $6 \
     FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[]) AS t (a, c, s, v) \
     WHERE t.v > 0 AND conversations.account_id = t.a AND conversations.channel = t.c \
       AND conversations.version = t.v RETURNING account_id, channel), \
   inserted AS (INSERT INTO conversations (account_id, channel, state, version, updated_at) \
     SELECT a, c, s, 1, $6 FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[]) AS t (a, c, s, v) \
     WHERE v = 0 ON CONFLICT (account_id, channel) DO NOTHING RETURNING account_id, channel), \
   saved AS (SELECT * FROM updated UNION ALL SELECT * FROM inserted), \
   days AS (INSERT INTO active_days (account_id, day) \
     SELECT t.a, t.day FROM unnest($1::BIGINT[], $2::TEXT[], $5::DATE[]) AS t (a, c, day) \
     JOIN saved ON saved.account_id = t.a AND saved.channel = t.c WHERE t.day IS NOT NULL \
     ON CONFLICT DO NOTHING), \
   marked AS (UPDATE inbox SET handled_at = $6, done_at = CASE WHEN t.done THEN $6 END \
     FROM unnest($7::BIGINT[], $8::BOOLEAN[], $9::BIGINT[], $10::TEXT[]) AS t (id, done, a, c) \
     WHERE inbox.id = t.id AND (t.a IS NULL \
       OR EXISTS (SELECT 1 FROM saved WHERE saved.account_id = t.a AND saved.channel = t.c))), \
   replied AS (INSERT INTO inbox_replies (inbox_id, position, reply) \
     SELECT id, position, reply FROM unnest($11::BIGINT[], $12::BIGINT[], $13::TEXT[], $14::BIGINT[], $15::TEXT[]) AS t (id, position, reply, a, c) \
     WHERE t.a IS NULL OR EXISTS (SELECT 1 FROM saved WHERE saved.account_id = t.a AND saved.channel = t.c) \
     ON CONFLICT (inbox_id, position) DO NOTHING) \
   SELECT account_id, channel FROM saved";

/// A batch on SQLite: its statements cannot share a `WITH`, so the saves are one statement
/// (which says, by `RETURNING`, which were written) and the rest of the written steps' writes
/// another, in one transaction. SQLite has no arrays: $1 is the saves as a JSON array of
/// objects `{a, c, s, v}` (as on PostgreSQL), unpacked by `json_each`, $2 the time. One upsert
/// with PostgreSQL's rule: a conversation read at a version is written only if still at it (the
/// update's condition), one read as new only if still missing; a conversation read at a version
/// and deleted since (its account erased) is not inserted again. SQLite keeps the upsert (its
/// lookups are cheap next to a statement's hop to its driver's thread). The `WHERE` also tells
/// SQLite's parser the `ON CONFLICT` is the upsert's, not the join's.
const SQLITE_SAVES: &str = "INSERT INTO conversations (account_id, channel, state, version, updated_at) \
     SELECT json_extract(value, '$.a'), json_extract(value, '$.c'), json_extract(value, '$.s'), \
     json_extract(value, '$.v') + 1, $2 FROM json_each($1) AS t WHERE json_extract(value, '$.v') = 0 \
       OR EXISTS (SELECT 1 FROM conversations WHERE account_id = json_extract(t.value, '$.a') \
         AND channel = json_extract(t.value, '$.c')) \
     ON CONFLICT (account_id, channel) DO UPDATE SET state = excluded.state, \
     version = conversations.version + 1, updated_at = excluded.updated_at \
     WHERE conversations.version = excluded.version - 1 RETURNING account_id, channel";

/// The written steps' other writes on SQLite, three statements sent at once (one hop to the
/// driver's thread): $1 the active days `{a, day}`, $2 the time, $3 the updates to mark
/// `{id, done}`, $4 their replies `{id, position, reply}`.
const SQLITE_REST: &str = "INSERT INTO active_days (account_id, day) \
     SELECT json_extract(value, '$.a'), json_extract(value, '$.day') FROM json_each($1) WHERE true \
     ON CONFLICT DO NOTHING; \
   UPDATE inbox SET handled_at = $2, done_at = CASE WHEN json_extract(t.value, '$.done') THEN $2 END \
     FROM json_each($3) AS t WHERE inbox.id = json_extract(t.value, '$.id'); \
   INSERT INTO inbox_replies (inbox_id, position, reply) \
     SELECT json_extract(value, '$.id'), json_extract(value, '$.position'), json_extract(value, '$.reply') \
     FROM json_each($4) WHERE true ON CONFLICT (inbox_id, position) DO NOTHING";

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
    active_day: Option<NaiveDate>,
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

    fn batcher(store: &Store) -> &Batcher<Self> {
        &store.group
    }

    /// A step alone is a batch of one.
    async fn serve_one(store: &Store, conn: &mut Conn, entry: &Entry) -> Result<i64> {
        let now = store.clock.now();
        let written = store.commit_together(conn, std::slice::from_ref(entry), now).await?;
        if written.first() == Some(&true) {
            Ok(new_version(entry))
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn serve_together(
        store: &Store,
        conn: &mut Conn,
        entries: &[Entry],
    ) -> Result<Vec<Result<i64>>> {
        let written = store.commit_together(conn, entries, store.clock.now()).await?;
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
                active_day: s.active_day,
            }),
            handled: handled.map(|h| (h.arrival, h.replies.to_vec())),
        };
        self.group.submit(self, entry).await
    }

    /// The whole batch in one transaction; for each step, whether it was written (`false`: its
    /// conversation had moved on, and nothing of it was).
    async fn commit_together(
        &self,
        conn: &mut Conn,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>> {
        match conn {
            Conn::Postgres(c) => {
                let rows = Columns::of(entries);
                let saved: Vec<(i64, String)> = sqlx::query_as(POSTGRES_BATCH)
                    .bind(&rows.accounts)
                    .bind(&rows.channels)
                    .bind(&rows.states)
                    .bind(&rows.versions)
                    .bind(&rows.days)
                    .bind(now)
                    .bind(&rows.marked)
                    .bind(&rows.done)
                    .bind(&rows.marked_accounts)
                    .bind(&rows.marked_channels)
                    .bind(&rows.replied)
                    .bind(&rows.positions)
                    .bind(&rows.replies)
                    .bind(&rows.replied_accounts)
                    .bind(&rows.replied_channels)
                    .fetch_all(&mut **c)
                    .await?;
                Ok(written(entries, &saved))
            }
            Conn::Sqlite(c) => commit_sqlite(c, entries, now).await,
        }
    }
}

/// A batch on SQLite (see [`SQLITE_SAVES`] and [`SQLITE_REST`]).
async fn commit_sqlite(
    c: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
    entries: &[Entry],
    now: DateTime<Utc>,
) -> Result<Vec<bool>> {
    let saves: Vec<serde_json::Value> = entries
        .iter()
        .filter_map(|e| e.save.as_ref())
        .map(|s| json!({"a": s.account.0, "c": s.channel, "s": s.state, "v": s.read_version}))
        .collect();
    let saves = serde_json::Value::from(saves).to_string();
    // Only saves (a step with no update to mark, not its day's first): one statement.
    if entries
        .iter()
        .all(|e| e.handled.is_none() && e.save.as_ref().is_none_or(|s| s.active_day.is_none()))
    {
        let saved: Vec<(i64, String)> =
            sqlx::query_as(SQLITE_SAVES).bind(saves).bind(now).fetch_all(&mut **c).await?;
        return Ok(written(entries, &saved));
    }
    let mut tx = sqlx::Connection::begin(&mut **c).await?;
    let saved: Vec<(i64, String)> =
        sqlx::query_as(SQLITE_SAVES).bind(saves).bind(now).fetch_all(&mut *tx).await?;
    let written = written(entries, &saved);
    let kept = entries.iter().zip(&written).filter(|(_, w)| **w).map(|(e, _)| e);
    let days: Vec<serde_json::Value> = kept
        .clone()
        .filter_map(|e| e.save.as_ref())
        .filter_map(|s| s.active_day.map(|day| json!({"a": s.account.0, "day": day})))
        .collect();
    let (marks, replies) = handled_rows(kept);
    sqlx::query(SQLITE_REST)
        .bind(serde_json::Value::from(days).to_string())
        .bind(now)
        .bind(marks)
        .bind(replies)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(written)
}

/// For each step of a batch, whether it was written, from the conversations the batch saved
/// (a step that saves none is written).
fn written(entries: &[Entry], saved: &[(i64, String)]) -> Vec<bool> {
    let saved: HashSet<(i64, &str)> = saved.iter().map(|(a, c)| (*a, c.as_str())).collect();
    entries
        .iter()
        .map(|e| e.save.as_ref().is_none_or(|s| saved.contains(&(s.account.0, s.channel.as_str()))))
        .collect()
}

/// A batch's rows on PostgreSQL, a vector per column (see [`POSTGRES_BATCH`]).
#[derive(Default)]
struct Columns<'a> {
    accounts: Vec<i64>,
    channels: Vec<&'a str>,
    states: Vec<&'a str>,
    versions: Vec<i64>,
    days: Vec<Option<NaiveDate>>,
    marked: Vec<i64>,
    done: Vec<bool>,
    marked_accounts: Vec<Option<i64>>,
    marked_channels: Vec<Option<&'a str>>,
    replied: Vec<i64>,
    positions: Vec<i64>,
    replies: Vec<&'a str>,
    replied_accounts: Vec<Option<i64>>,
    replied_channels: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn of(entries: &'a [Entry]) -> Self {
        let mut rows = Self::default();
        for entry in entries {
            let saves = entry.save.as_ref();
            if let Some(s) = saves {
                rows.accounts.push(s.account.0);
                rows.channels.push(&s.channel);
                rows.states.push(&s.state);
                rows.versions.push(s.read_version);
                rows.days.push(s.active_day);
            }
            let Some((id, replies)) = &entry.handled else { continue };
            let (account, channel) = saves.map(|s| (s.account.0, s.channel.as_str())).unzip();
            rows.marked.push(id.0);
            rows.done.push(replies.is_empty());
            rows.marked_accounts.push(account);
            rows.marked_channels.push(channel);
            for (position, reply) in (0_i64..).zip(replies) {
                rows.replied.push(id.0);
                rows.positions.push(position);
                rows.replies.push(reply);
                rows.replied_accounts.push(account);
                rows.replied_channels.push(channel);
            }
        }
        rows
    }
}

/// The rows of the updates marked handled and of their replies, as JSON arrays (SQLite).
fn handled_rows<'a>(entries: impl Iterator<Item = &'a Entry>) -> (String, String) {
    let (mut marks, mut replies) = (Vec::new(), Vec::new());
    for entry in entries {
        let Some((id, rs)) = &entry.handled else { continue };
        marks.push(json!({"id": id.0, "done": rs.is_empty()}));
        for (position, reply) in rs.iter().enumerate() {
            replies.push(json!({"id": id.0, "position": position, "reply": reply}));
        }
    }
    (serde_json::Value::from(marks).to_string(), serde_json::Value::from(replies).to_string())
}
