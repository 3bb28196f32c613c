//! What only SQLite needs: WAL mode, a busy timeout, foreign keys on, `VACUUM INTO` backups and
//! their restore.

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
    Ok(super::pool_options().max_connections(max).connect_with(options).await?)
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

/// Where a restore left things: the database now in place, and the one it replaced (kept, so a
/// restore loses nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub database: std::path::PathBuf,
    pub previous: Option<std::path::PathBuf>,
}

/// Puts the SQLite backup `from` in place of the database of `url`, which no process may have
/// open: the backup is checked first (a readable SQLite file that passes `integrity_check`, made
/// by this binary's migrations or older ones), copied beside the database, synced, then renamed
/// over it; the database it replaces is kept as `<name>.before-restore-<n>`. Nothing is changed
/// when a check fails.
pub async fn restore(from: &Path, url: &str, known_migrations: i64) -> Result<Restored> {
    let refuse = |why: String| Err(StoreError::Backup(why));
    let Some(target) = sqlite_file(url) else {
        return refuse(
            "restore works on a SQLite file; for PostgreSQL use pg_restore (see the README)".into(),
        );
    };
    if !from.is_file() {
        return refuse(format!("{} is not a file", from.display()));
    }
    // The backup: readable, whole, and not from a newer binary.
    let options = SqliteConnectOptions::new().filename(from).read_only(true).immutable(true);
    let check = async {
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        let (integrity,): (String,) =
            sqlx::query_as("PRAGMA integrity_check").fetch_one(&pool).await?;
        let version: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_optional(&pool)
                .await
                .ok()
                .flatten();
        pool.close().await;
        Ok::<_, sqlx::Error>((integrity, version.and_then(|(v,)| v)))
    };
    let (integrity, version) = match check.await {
        Ok(found) => found,
        Err(e) => {
            return refuse(format!("{} is not a readable SQLite database: {e}", from.display()));
        }
    };
    if integrity != "ok" {
        return refuse(format!("{} is damaged: {integrity}", from.display()));
    }
    match version {
        None => return refuse(format!("{} is not a Flow Stage database", from.display())),
        Some(v) if v > known_migrations => {
            return refuse(format!(
                "{} was made by a newer Flow Stage (migration {v}; this binary knows {known_migrations})",
                from.display()
            ));
        }
        Some(_) => {}
    }
    // The database in place: nobody may be using it.
    let wal = with_suffix(&target, "-wal");
    if wal.exists() {
        return refuse(format!(
            "{} is open, or was not closed cleanly ({} exists): stop every flowstage process using it, run `flowstage migrate` once if none is running, then restore",
            target.display(),
            wal.display()
        ));
    }
    let copying = with_suffix(&target, ".restoring");
    let copy = || -> std::io::Result<Option<std::path::PathBuf>> {
        std::fs::copy(from, &copying)?;
        std::fs::File::open(&copying)?.sync_all()?;
        let mut previous = None;
        if target.exists() {
            let kept = (1..)
                .map(|n| with_suffix(&target, &format!(".before-restore-{n}")))
                .find(|p| !p.exists())
                .unwrap_or_else(|| with_suffix(&target, ".before-restore"));
            std::fs::rename(&target, &kept)?;
            previous = Some(kept);
        }
        std::fs::rename(&copying, &target)?;
        let _ = std::fs::remove_file(with_suffix(&target, "-shm"));
        Ok(previous)
    };
    match copy() {
        Ok(previous) => Ok(Restored { database: target, previous }),
        Err(e) => {
            let _ = std::fs::remove_file(&copying);
            refuse(format!("copying {} into place: {e}", from.display()))
        }
    }
}

/// The file of a `sqlite://` URL (its query string dropped); `None` for other databases and
/// for an in-memory one.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| std::path::PathBuf::from(path))
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}
