//! The one store API, over SQLite (the embedded default) and PostgreSQL (production).
//!
//! Each operation is written once: its SQL text uses `$1` placeholders, which both databases
//! accept, and [`on_pool!`] type-checks the body against each backend. What really differs
//! (connecting, pragmas, backups) lives in `sqlite.rs` and `postgres.rs`, and a batch of requests
//! served together (`batch.rs`) is written per backend, one statement over many rows, since each
//! database unpacks rows with its own functions. Methods are grouped by
//! concern in the sibling modules; the logic that is not storage stays out of here.

mod accounts;
mod batch;
mod contracts;
mod conversations;
mod email;
mod group_commit;
mod inbox;
mod outbox;
mod ownership;
pub(crate) mod payments;
mod postgres;
mod profiles;
mod proposals;
mod social;
mod sqlite;
mod stats;
mod team;
pub use sqlite::Restored;

use std::sync::Arc;

use sqlx::{PgPool, SqlitePool};

use crate::clock::Clock;

pub use accounts::{FirstRead, LinkError, OwnedProfile, Settings};
pub use conversations::ConversationRecord;
pub use email::{
    CODE_LIFETIME, CODE_TRIES, CODES_PER_HOUR, CodeCheck, CodePayload, CodeSent, EmailItem,
};
pub use inbox::{Arrival, Handled, InboxItem, StepSave};
pub use outbox::{OutboxItem, Recipients};
pub use ownership::{Ownership, Singleton};
pub use profiles::{EditDecision, EditReviewed, ProfileChange, Reinstated};
pub use proposals::{
    AcceptOutcome, ChallengeOutcome, DayLoad, HoldTimersDue, Move, NewProposal, Notice,
    ThreadMessage,
};
pub use social::{SavedSearch, Ticket, TicketMessage, TicketPost};
pub use team::{TeamOutlet, TeamOutletSet};

/// A pool's settings shared by both databases. sqlx checks a connection (a ping: a round trip
/// to PostgreSQL, a hop to SQLite's driver thread) when it goes back to the pool, and by default
/// again when it is taken out, so every statement cost three. The check on taking it out is kept
/// only for a connection idle more than a second (one that may have broken unseen, the
/// database restarted); one used just before was checked as it came back.
fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new().test_before_acquire(false).before_acquire(|conn, meta| {
        Box::pin(async move {
            if meta.idle_for > std::time::Duration::from_secs(1) {
                sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    })
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per backend.
/// It runs inside an async block, so `return` and `?` leave the body, not the calling method.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => async { $body }.await,
            $crate::store::Pool::Postgres($pool) => async { $body }.await,
        }
    };
}
pub(crate) use on_pool;

/// One line of the audit log: who did what to what, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    /// `None` for what the system did (a timer, an erasure's aftermath).
    pub actor: Option<crate::domain::AccountId>,
    /// E.g. "profile.suspended", "ticket.replied".
    pub action: String,
    /// E.g. "profile:12", "ticket:3".
    pub subject: String,
    pub details: serde_json::Value,
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection taken from the pool, for what runs several statements on one (a batch server
/// serving batch after batch).
pub(crate) enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl Pool {
    pub(crate) async fn acquire(&self) -> Result<Conn> {
        Ok(match self {
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }
}

/// As [`on_pool!`], on a [`Conn`]: `$c` is the backend's `&mut PoolConnection` (run a query on
/// `&mut **$c`).
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($c) => async { $body }.await,
            $crate::store::Conn::Postgres($c) => async { $body }.await,
        }
    };
}
pub(crate) use on_conn;

/// The ids in `$1`, a JSON array of integers ([`json_ids`]), as a subquery on each database:
/// how one statement reads or writes several rows by id (`x IN (…)`). Fixed text, never built
/// from input.
const POSTGRES_JSON_IDS: &str = "SELECT value::BIGINT FROM json_array_elements_text($1::json)";
const SQLITE_JSON_IDS: &str = "SELECT value FROM json_each($1)";

/// [`POSTGRES_JSON_IDS`] or [`SQLITE_JSON_IDS`], for `pool`'s database.
pub(crate) fn ids_in_json(pool: &Pool) -> &'static str {
    match pool {
        Pool::Postgres(_) => POSTGRES_JSON_IDS,
        Pool::Sqlite(_) => SQLITE_JSON_IDS,
    }
}

/// `ids` as the JSON array [`ids_in_json`] unpacks.
pub(crate) fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    serde_json::Value::from(ids.into_iter().collect::<Vec<_>>()).to_string()
}

/// What can go wrong in the store, as callers need to tell it apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("this was changed meanwhile; try again")]
    Conflict,
    #[error("the stored {what} cannot be read: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("backup failed: {0}")]
    Backup(String),
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> Self {
        StoreError::Corrupt { what, detail: detail.to_string() }
    }
}

/// Whether a database error is the violation of a unique constraint (a lost race).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// What [`Store::readiness`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// The database does not answer, or what answers is not this schema.
    Unreadable(String),
    /// Migrations this binary needs are not applied.
    SchemaBehind {
        found: i64,
        expected: i64,
    },
}

/// The store: cheap to clone, shared by every task.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    pub(crate) clock: Arc<dyn Clock>,
    /// The PostgreSQL schema this store was confined to, if any (tests).
    schema: Option<String>,
    /// The steps waiting to commit together (`group_commit.rs`).
    group: Arc<batch::Batcher<group_commit::Commits>>,
    /// The steps' first reads, served together (`accounts.rs`).
    reads: Arc<batch::Batcher<accounts::Reads>>,
    /// The steps' reads of an account's profiles, served together (`profiles.rs`).
    profiles: Arc<batch::Batcher<profiles::OwnerProfiles>>,
    /// The searches kept in the accounts' history, inserted together (`social.rs`).
    searches: Arc<batch::Batcher<social::SavedSearches>>,
    /// The reads of a profile's proposals, served together (`proposals.rs`).
    proposals: Arc<batch::Batcher<proposals::ProfileProposals>>,
    /// The counts of messages sent, written together (`inbox.rs`).
    counts: Arc<batch::Batcher<inbox::Counts>>,
}

impl Store {
    /// Opens the database named by `url` (`sqlite://FILE`, `sqlite::memory:`, `postgres://…`).
    /// Migrations are not applied: call [`Store::migrate`].
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        let pool = if url.starts_with("sqlite:") {
            Pool::Sqlite(sqlite::connect(url).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(postgres::connect(url, None).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(url.chars().take(80).collect()));
        };
        Ok(Self::over(pool, clock, None))
    }

    fn over(pool: Pool, clock: Arc<dyn Clock>, schema: Option<String>) -> Self {
        let group = Arc::new(batch::Batcher::new(group_commit::writers(&pool)));
        let reads = Arc::new(batch::Batcher::new(2));
        let profiles = Arc::new(batch::Batcher::new(2));
        let proposals = Arc::new(batch::Batcher::new(2));
        let searches = Arc::new(batch::Batcher::new(group_commit::writers(&pool)));
        let counts = Arc::new(batch::Batcher::new(group_commit::writers(&pool)));
        Self { pool, clock, schema, group, reads, profiles, proposals, searches, counts }
    }

    /// Opens a PostgreSQL database inside one schema (created if missing): how tests isolate.
    pub async fn connect_postgres_schema(
        url: &str,
        schema: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let pool = Pool::Postgres(postgres::connect(url, Some(schema)).await?);
        Ok(Self::over(pool, clock, Some(schema.to_owned())))
    }

    #[must_use]
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Applies the migrations this binary carries.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Whether this database can serve this binary: it answers a read of the schema's own
    /// record, and every migration the binary knows is applied (a file overwritten by something
    /// else, or a dropped schema, is not ready, though it may still answer `SELECT 1`).
    pub async fn readiness(&self) -> Readiness {
        let expected = match &self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
        const APPLIED: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";
        let applied = match &self.pool {
            // A fresh connection: pooled ones keep pages of a file that may have been replaced.
            Pool::Sqlite(p) => match sqlx::ConnectOptions::connect(&*p.connect_options()).await {
                Ok(mut c) => sqlx::query_scalar::<_, Option<i64>>(APPLIED).fetch_one(&mut c).await,
                Err(e) => Err(e),
            },
            Pool::Postgres(p) => sqlx::query_scalar::<_, Option<i64>>(APPLIED).fetch_one(p).await,
        };
        match applied {
            Err(e) => Readiness::Unreadable(e.to_string()),
            Ok(found) if found.unwrap_or(0) < expected => {
                Readiness::SchemaBehind { found: found.unwrap_or(0), expected }
            }
            Ok(_) => Readiness::Ready,
        }
    }

    /// The audit entries about one subject, oldest first: (action, actor, details) — what the
    /// moderation decisions leave (`/audit` is to show them, issue 16).
    pub async fn audit_trail(&self, subject: &str) -> Result<Vec<(String, Option<i64>, String)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as::<_, (String, Option<i64>, String)>(
                "SELECT action, actor_id, details FROM audit_log WHERE subject = $1 ORDER BY id",
            )
            .bind(subject)
            .fetch_all(p)
            .await
        })?)
    }

    /// The latest audit entries, newest first, about subjects starting with `about` when given
    /// ("profile:12", "ticket:", "account:4"): `/audit`.
    pub async fn recent_audit(&self, about: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        // LIKE's own characters in what the admin typed are matched as themselves.
        let pattern = about.map_or_else(
            || "%".to_owned(),
            |a| format!("{}%", a.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")),
        );
        let rows = on_pool!(self, |p| {
            sqlx::query_as::<_, (chrono::DateTime<chrono::Utc>, Option<i64>, String, String, String)>(
                "SELECT at, actor_id, action, subject, details FROM audit_log \
                 WHERE subject LIKE $1 ESCAPE '\\' ORDER BY id DESC LIMIT $2",
            )
            .bind(&pattern)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, action, subject, details)| AuditEntry {
                at,
                actor: actor.map(crate::domain::AccountId),
                action,
                subject,
                details: serde_json::from_str(&details)
                    .unwrap_or(serde_json::Value::String(details)),
            })
            .collect())
    }

    /// Writes a consistent copy of the database to `path` while it stays in use.
    pub async fn backup(&self, path: &std::path::Path, database_url: &str) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlite::backup(p, path).await,
            Pool::Postgres(_) => postgres::backup(database_url, self.schema.as_deref(), path).await,
        }
    }

    /// Puts a SQLite backup made by [`Store::backup`] in place of the database of `url`, which no
    /// process may have open; the replaced database is kept beside it (checks in `sqlite.rs`).
    pub async fn restore(from: &std::path::Path, url: &str) -> Result<Restored> {
        let known = SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
        sqlite::restore(from, url, known).await
    }

    /// The connection pool's use: connections open, and how many of them are idle.
    pub fn pool_use(&self) -> (u32, usize) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
            Pool::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Whether the database answers: for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Drops a PostgreSQL schema and all it holds: how tests clean up after
    /// [`Store::connect_postgres_schema`]. Does nothing on SQLite.
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::UnsupportedUrl(format!("schema name {schema:?}")));
        }
        if let Pool::Postgres(p) = &self.pool {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(p).await?;
        }
        Ok(())
    }

    /// Closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        // The connections the batch servers kept, which the pool's closing would wait for.
        self.group.give_back_spare();
        self.reads.give_back_spare();
        self.profiles.give_back_spare();
        self.proposals.give_back_spare();
        self.searches.give_back_spare();
        self.counts.give_back_spare();
        on_pool!(self, |p| p.close().await);
    }

    /// The platform's own key named `name` (32 random bytes), made on first use and the same
    /// for every instance sharing the database.
    pub async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        // Read first: once made, no write (and no SQLite write lock) to learn it again.
        let known: Option<(String,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(p)
                .await
        })?;
        if let Some((value,)) = known {
            return hex::decode(&value).map_err(|e| StoreError::corrupt("secret", e));
        }
        let fresh: [u8; 32] = rand::random();
        let (value,): (String,) = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(hex::encode(fresh))
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query_as("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(row)
        })?;
        hex::decode(&value).map_err(|e| StoreError::corrupt("secret", e))
    }

    /// Appends to the audit log: who did what to what.
    pub async fn audit(
        &self,
        actor: Option<crate::domain::AccountId>,
        action: &str,
        subject: &str,
        details: &serde_json::Value,
    ) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query("INSERT INTO audit_log (at, actor_id, action, subject, details) VALUES ($1, $2, $3, $4, $5)")
                .bind(now)
                .bind(actor.map(|a| a.0))
                .bind(action)
                .bind(subject)
                .bind(details.to_string())
                .execute(p)
                .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
