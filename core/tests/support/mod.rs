//! What the store-backed test suites share: a fresh database on either backend (a temporary
//! SQLite file, or a new schema on `TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`), a second instance on the same database, cleanup,
//! and [`on_both_backends!`], which runs each story once per backend with the backend in the test
//! name (`sqlite::…`, `postgres::…`). PostgreSQL is never skipped: unreachable, its tests fail.

#![allow(dead_code, unused_macros, unused_imports, reason = "each suite uses part of the support")]

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use flowstage_core::clock::ManualClock;
use flowstage_core::store::{Backend, Store};

/// The moment every suite starts at.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A migrated database of its own, with a clock the test moves.
pub struct TestDb {
    pub store: Store,
    pub clock: ManualClock,
    url: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn open(backend: Backend) -> Self {
        let clock = ManualClock::new(start());
        let (url, schema, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                (format!("sqlite://{}", dir.path().join("test.db").display()), None, Some(dir))
            }
            Backend::Postgres => {
                let schema = format!("t_{}", hex::encode(rand::random::<[u8; 6]>()));
                (postgres_url(), Some(schema), None)
            }
        };
        let db = Self {
            store: connect(&url, schema.as_deref(), &clock).await,
            clock,
            url,
            schema,
            _dir: dir,
        };
        db.store.migrate().await.unwrap();
        db
    }

    /// Another store on the same database, as a second instance of `flowstage serve` would be.
    pub async fn another_instance(&self) -> Store {
        connect(&self.url, self.schema.as_deref(), &self.clock).await
    }

    pub fn backend(&self) -> Backend {
        if self.schema.is_some() { Backend::Postgres } else { Backend::Sqlite }
    }

    /// A connection past the store API, as an outside tool (or an auditor) would open: for what
    /// the product writes but never reads back (the audit log) and for schema introspection.
    pub async fn raw(&self) -> Raw {
        match &self.schema {
            None => Raw::Sqlite(sqlx::SqlitePool::connect(&self.url).await.unwrap()),
            Some(schema) => {
                let options = sqlx::postgres::PgConnectOptions::from_str(&self.url)
                    .unwrap()
                    .options([("search_path", schema.as_str())]);
                Raw::Postgres(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(1)
                        .connect_with(options)
                        .await
                        .unwrap(),
                )
            }
        }
    }

    /// The first column of `sql`'s rows, as text.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        let raw = self.raw().await;
        let rows: Vec<(String,)> = match &raw {
            Raw::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        };
        raw.close().await;
        rows.into_iter().map(|(t,)| t).collect()
    }

    /// The URL a backup or an outside tool would be given.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some(schema) = self.schema {
            let admin = Store::connect(&self.url, Arc::new(self.clock)).await.unwrap();
            admin.drop_schema(&schema).await.unwrap();
            admin.close().await;
        }
    }
}

/// A pool on the test's database, schema included, that does not go through the store.
pub enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    pub async fn close(&self) {
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Postgres(p) => p.close().await,
        }
    }
}

async fn connect(url: &str, schema: Option<&str>, clock: &ManualClock) -> Store {
    let clock = Arc::new(clock.clone());
    match schema {
        Some(schema) => {
            Store::connect_postgres_schema(url, schema, clock).await.unwrap_or_else(|e| {
                panic!("PostgreSQL at {url} is required for the postgres tests: {e}")
            })
        }
        None => Store::connect(url, clock).await.unwrap(),
    }
}

/// `on_both_backends!(Harness; story, …)` runs each `async fn story(&Harness)` on SQLite and on
/// PostgreSQL; `Harness` has `async fn open(Backend) -> Self` and `async fn finish(self)`.
macro_rules! on_both_backends {
    ($harness:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = super::$harness::open(flowstage_core::store::Backend::Sqlite).await;
                    super::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let h = super::$harness::open(flowstage_core::store::Backend::Postgres).await;
                    super::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;
