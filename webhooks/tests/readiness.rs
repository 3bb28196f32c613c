//! `/readyz` reads the database as the binary needs it: ready on a migrated database; not ready
//! when the file is no database any more (SQLite), when the schema is gone (PostgreSQL), or when
//! a migration is missing — though the database may still answer `SELECT 1`.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::sync::Arc;

use flowstage_core::clock::SystemClock;
use flowstage_core::store::{Readiness, Store};
use flowstage_webhooks::{AppState, router, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` over a plain socket: the status code.
async fn status(addr: std::net::SocketAddr, path: &str) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split_whitespace().nth(1).unwrap().parse().unwrap()
}

async fn spawn(store: Store) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(store));
    tokio::spawn(serve(listener, app, std::future::pending()));
    addr
}

#[tokio::test]
async fn sqlite_overwritten_by_something_else_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.sqlite");
    let store = Store::connect(&format!("sqlite://{}", file.display()), Arc::new(SystemClock))
        .await
        .unwrap();
    assert_ne!(store.readiness().await, Readiness::Ready, "not migrated yet");
    store.migrate().await.unwrap();
    let addr = spawn(store.clone()).await;
    assert_eq!(status(addr, "/readyz").await, 200);

    // Something else writes over the file while the server runs.
    std::fs::write(&file, vec![b'x'; 65536]).unwrap();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("db.sqlite{ext}")));
    }
    assert!(matches!(store.readiness().await, Readiness::Unreadable(_)));
    assert_eq!(status(addr, "/readyz").await, 503);
    assert_eq!(status(addr, "/healthz").await, 200, "alive, only not ready");
    store.close().await;
}

#[tokio::test]
async fn postgres_without_its_schema_is_not_ready() {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let schema = format!("t_ready_{}_{nanos}", std::process::id());
    let store = Store::connect_postgres_schema(&url, &schema, Arc::new(SystemClock)).await.unwrap();
    store.migrate().await.unwrap();
    let addr = spawn(store.clone()).await;
    assert_eq!(status(addr, "/readyz").await, 200);
    let admin = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
    admin.drop_schema(&schema).await.unwrap();
    assert_eq!(status(addr, "/readyz").await, 503);
    admin.close().await;
    store.close().await;
}
