//! Work only one instance may do at a time (the Discord gateway: two sessions would handle each
//! interaction twice). On PostgreSQL it is a session advisory lock held on a connection of its
//! own, taken from the pool and detached from it: the lock goes when the holder drops it, or when
//! the holder dies and its connection closes, and another instance takes it at its next try. On
//! SQLite, one process uses a file: it always owns.

use sqlx::Connection as _;

use super::{Pool, Result, Store};

/// What is owned, by name: each is one advisory lock key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Singleton {
    DiscordGateway,
}

impl Singleton {
    /// The advisory lock's key: fixed, so every instance of every version agrees.
    fn key(self) -> i64 {
        match self {
            // "FSDISCGW" in ASCII.
            Singleton::DiscordGateway => 0x4653_4449_5343_4757,
        }
    }
}

/// Held while this process owns a [`Singleton`].
#[derive(Debug)]
pub struct Ownership {
    conn: Option<sqlx::PgConnection>,
}

impl Store {
    /// Takes `what` if no other instance holds it.
    pub async fn try_own(&self, what: Singleton) -> Result<Option<Ownership>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(Some(Ownership { conn: None }));
        };
        let mut conn = pool.acquire().await?.detach();
        let (got,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(what.key())
            .fetch_one(&mut conn)
            .await?;
        if got {
            Ok(Some(Ownership { conn: Some(conn) }))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }
}

impl Ownership {
    /// Whether it is still held: false once the database connection that holds it is lost (the
    /// lock went with it, and another instance may hold it now).
    pub async fn still_held(&mut self) -> bool {
        match &mut self.conn {
            None => true,
            Some(conn) => conn.ping().await.is_ok(),
        }
    }
}
