//! What only SQLite needs: WAL mode, a busy timeout, foreign keys on, and `VACUUM INTO` backups.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Result, StoreError};

pub(super) async fn connect(url: &str) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    // An in-memory database lives in one connection; a file takes a few readers beside the writer.
    let max = if url.contains(":memory:") { 1 } else { 8 };
    Ok(SqlitePoolOptions::new().max_connections(max).connect_with(options).await?)
}

/// `VACUUM INTO` copies a consistent snapshot while other connections keep writing.
pub(super) async fn backup(pool: &SqlitePool, path: &Path) -> Result<()> {
    if path.exists() {
        return Err(StoreError::Backup(format!(
            "{} already exists; choose a new file",
            path.display()
        )));
    }
    let target = path
        .to_str()
        .ok_or_else(|| StoreError::Backup("the backup path is not valid UTF-8".into()))?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await?;
    Ok(())
}
