//! What only PostgreSQL needs: pool settings, per-schema isolation for tests, `pg_dump` backups.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{Result, StoreError};

pub(super) async fn connect(url: &str, schema: Option<&str>) -> Result<PgPool> {
    let mut options = PgConnectOptions::from_str(url)?;
    if let Some(schema) = schema {
        if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::UnsupportedUrl(format!("schema name {schema:?}")));
        }
        let admin = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).execute(&admin).await?;
        admin.close().await;
        options = options.options([("search_path", schema)]);
    }
    Ok(super::pool_options()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?)
}

/// `pg_dump` takes a consistent snapshot of a live database.
pub(super) async fn backup(url: &str, schema: Option<&str>, path: &Path) -> Result<()> {
    if path.exists() {
        return Err(StoreError::Backup(format!(
            "{} already exists; choose a new file",
            path.display()
        )));
    }
    let mut command = tokio::process::Command::new("pg_dump");
    if let Some(schema) = schema {
        command.arg(format!("--schema={schema}"));
    }
    let output =
        command.arg("--format=custom").arg("--file").arg(path).arg(url).output().await.map_err(
            |e| StoreError::Backup(format!("cannot run pg_dump (is it installed?): {e}")),
        )?;
    if output.status.success() {
        Ok(())
    } else {
        Err(StoreError::Backup(String::from_utf8_lossy(&output.stderr).trim().to_owned()))
    }
}
