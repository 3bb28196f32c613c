//! The command line as a newcomer and an operator meet it: help, migrate, seed, backup, and
//! configuration errors that name their variable.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::sync::Arc;

use flowstage_core::clock::SystemClock;
use flowstage_core::domain::Lang;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::store::Store;
use flowstage_tests::{TestDir, transcript};

#[test]
fn seed_demo_fills_a_fresh_sqlite_file_once() {
    let t = TestDir::new();
    let url = t.sqlite_url("fresh.db");
    let t = t.env("DATABASE_URL", &url);
    let out = t.run(&["seed", "--demo"], "");
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("40 profiles created"),
        "{}",
        transcript(&out)
    );
    let again = t.run(&["seed", "--demo"], "");
    assert!(again.status.success(), "{}", transcript(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 profiles created"),
        "seeding twice adds nothing"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
        let counts = store.profile_counts().await.unwrap();
        let approved: i64 =
            counts.iter().filter(|(_, s, _)| s == "approved").map(|(_, _, n)| n).sum();
        assert_eq!(approved, 40);
        store.close().await;
    });
}

#[test]
fn migrate_works_on_sqlite_and_postgres() {
    let t = TestDir::new();
    let url = t.sqlite_url("m.db");
    let out = t.env("DATABASE_URL", &url).run(&["migrate"], "");
    assert!(out.status.success(), "{}", transcript(&out));
    let pg = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schema = format!("cli_{}", std::process::id());
    // Create the schema and point the binary at it through libpq's `options`.
    rt.block_on(async {
        let s = Store::connect_postgres_schema(&pg, &schema, Arc::new(SystemClock)).await.unwrap();
        s.close().await;
    });
    let sep = if pg.contains('?') { '&' } else { '?' };
    let url = format!("{pg}{sep}options=-c%20search_path%3D{schema}");
    let out = TestDir::new().env("DATABASE_URL", &url).run(&["seed", "--demo"], "");
    let ok = out.status.success();
    rt.block_on(async {
        let s = Store::connect(&pg, Arc::new(SystemClock)).await.unwrap();
        s.drop_schema(&schema).await.unwrap();
        s.close().await;
    });
    assert!(ok, "{}", transcript(&out));
}

#[test]
fn malformed_configuration_stops_with_the_variable_named() {
    for (var, value) in [
        ("DATABASE_URL", "mysql://nope"),
        ("COMMISSION_RATE", "huit"),
        ("FLOWSTAGE_HTTP_ADDR", "here"),
    ] {
        let out = TestDir::new().env(var, value).run(&["migrate"], "");
        assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(var), "the error names {var}: {err}");
    }
}

#[test]
fn backup_is_consistent_while_another_process_writes() {
    let t = TestDir::new();
    let url = t.sqlite_url("live.db");
    let t = t.env("DATABASE_URL", &url);
    assert!(t.run(&["seed", "--demo"], "").status.success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    // This test process writes tickets while the binary copies the database.
    let writer = rt.block_on(async {
        let store = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
        let (account, _) = store
            .account_for_identity(&Identity::new(Platform::Local, "writer"), "writer", Lang::Fr)
            .await
            .unwrap();
        let handle = tokio::spawn({
            let store = store.clone();
            async move {
                for i in 0..300 {
                    store.open_ticket(account.id, &format!("ticket {i}")).await.unwrap();
                }
            }
        });
        (store, handle, account.id)
    });
    let backup = t.path().join("copy.db");
    let out = t.run(&["backup", backup.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", transcript(&out));
    let (store, handle, account) = writer;
    rt.block_on(async {
        handle.await.unwrap();
        store.close().await;
        let copy = Store::connect(&format!("sqlite://{}", backup.display()), Arc::new(SystemClock))
            .await
            .unwrap();
        let counts = copy.profile_counts().await.unwrap();
        assert_eq!(
            counts.iter().map(|(_, _, n)| n).sum::<i64>(),
            40,
            "the copy holds the same profiles"
        );
        let tickets = copy.tickets_of(account).await.unwrap();
        assert!(tickets.len() <= 300);
        // A snapshot: the tickets it holds are a prefix of what was written.
        for (i, t) in tickets.iter().enumerate() {
            assert_eq!(t.body, format!("ticket {i}"));
        }
        copy.close().await;
    });
    let again = t.run(&["backup", backup.to_str().unwrap()], "");
    assert!(!again.status.success(), "an existing file is never overwritten");
}

/// A backup taken while another process writes restores into place with what it held; the
/// database it replaces is kept; a file that is not a backup, a database in use and a PostgreSQL
/// URL are refused with nothing changed.
#[test]
fn restore_puts_a_backup_back_and_keeps_what_it_replaces() {
    let t = TestDir::new();
    let url = t.sqlite_url("live.db");
    let t = t.env("DATABASE_URL", &url);
    assert!(t.run(&["seed", "--demo"], "").status.success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tickets = |store: &Store, who: &str| {
        let id = Identity::new(Platform::Local, who);
        rt.block_on(async {
            let (account, _) = store.account_for_identity(&id, who, Lang::Fr).await.unwrap();
            store.tickets_of(account.id).await.unwrap().len()
        })
    };
    // Traffic during the backup: tickets written by this process.
    let store = rt.block_on(Store::connect(&url, Arc::new(SystemClock))).unwrap();
    let id = Identity::new(Platform::Local, "writer");
    let account = rt.block_on(store.account_for_identity(&id, "writer", Lang::Fr)).unwrap().0.id;
    let writer = rt.spawn({
        let store = store.clone();
        async move {
            for i in 0..200 {
                store.open_ticket(account, &format!("ticket {i}")).await.unwrap();
            }
        }
    });
    let backup = t.path().join("copy.db");
    let out = t.run(&["backup", backup.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", transcript(&out));
    rt.block_on(writer).unwrap();
    let in_backup = {
        let copy = rt
            .block_on(Store::connect(
                &format!("sqlite://{}", backup.display()),
                Arc::new(SystemClock),
            ))
            .unwrap();
        let n = tickets(&copy, "writer");
        rt.block_on(copy.close());
        n
    };
    // After the backup: more tickets, and someone new.
    rt.block_on(async {
        store.open_ticket(account, "after the backup").await.unwrap();
        let late = Identity::new(Platform::Local, "late");
        store.account_for_identity(&late, "late", Lang::Fr).await.unwrap();
    });
    // Still open here: the restore refuses and changes nothing.
    let busy = t.run(&["restore", backup.to_str().unwrap()], "");
    assert!(!busy.status.success(), "{}", transcript(&busy));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("stop every flowstage process"));
    assert_eq!(tickets(&store, "writer"), 201);
    rt.block_on(store.close());
    // sqlx closes SQLite connections on their own threads: the last one to close removes the
    // -wal file a moment after `close` returns, as it does when a process exits.
    let wal = t.path().join("live.db-wal");
    for _ in 0..50 {
        if !wal.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    let out = t.run(&["restore", backup.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", transcript(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("restored") && said.contains("before-restore-1"), "{said}");
    let restored = rt.block_on(Store::connect(&url, Arc::new(SystemClock))).unwrap();
    assert_eq!(tickets(&restored, "writer"), in_backup);
    let counts = rt.block_on(restored.profile_counts()).unwrap();
    assert_eq!(counts.iter().map(|(_, _, n)| n).sum::<i64>(), 40);
    rt.block_on(restored.close());
    let kept = format!("sqlite://{}", t.path().join("live.db.before-restore-1").display());
    let kept = rt.block_on(Store::connect(&kept, Arc::new(SystemClock))).unwrap();
    assert_eq!(tickets(&kept, "writer"), 201, "the replaced database is kept whole");
    rt.block_on(kept.close());

    // Refusals.
    let junk = t.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let out = t.run(&["restore", junk.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable SQLite database"));
    let out = t.run(&["restore", "nowhere.db"], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a file"));
    let pg = TestDir::new().env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test");
    let out = pg.run(&["restore", backup.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_restore"));
    let restored = rt.block_on(Store::connect(&url, Arc::new(SystemClock))).unwrap();
    assert_eq!(tickets(&restored, "writer"), in_backup, "nothing changed by a refusal");
    rt.block_on(restored.close());
}

/// On PostgreSQL, as the README says: `flowstage backup` (`pg_dump`) while another process
/// writes, more writes after it, then `pg_restore --clean` into the same database: it holds
/// exactly what the backup held (a prefix of what was written, nothing after), and
/// `flowstage migrate` finds the schema at this binary's migration. A database of its own, since
/// `--clean` replaces everything in the database it restores into.
#[test]
fn a_postgres_backup_taken_during_writes_restores_with_pg_restore() {
    let base = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("flowstage_backup_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let admin = |sql: String| {
        let out = std::process::Command::new("psql")
            .args([base.as_str(), "-v", "ON_ERROR_STOP=1", "-c", &sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", transcript(&out));
    };
    admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    admin(format!("CREATE DATABASE {name}"));
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    let t = TestDir::new().env("DATABASE_URL", &url);
    let out = t.run(&["seed", "--demo"], "");
    assert!(out.status.success(), "{}", transcript(&out));
    let tickets = |store: &Store| {
        let id = Identity::new(Platform::Local, "writer");
        rt.block_on(async {
            let (account, _) = store.account_for_identity(&id, "writer", Lang::Fr).await.unwrap();
            store.tickets_of(account.id).await.unwrap()
        })
    };
    let store = rt.block_on(Store::connect(&url, Arc::new(SystemClock))).unwrap();
    let id = Identity::new(Platform::Local, "writer");
    let account = rt.block_on(store.account_for_identity(&id, "writer", Lang::Fr)).unwrap().0.id;
    let writer = rt.spawn({
        let store = store.clone();
        async move {
            for i in 0..300 {
                store.open_ticket(account, &format!("ticket {i}")).await.unwrap();
            }
        }
    });
    let backup = t.path().join("copy.dump");
    let out = t.run(&["backup", backup.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", transcript(&out));
    rt.block_on(writer).unwrap();
    rt.block_on(async {
        store.open_ticket(account, "after the backup").await.unwrap();
        let late = Identity::new(Platform::Local, "late");
        store.account_for_identity(&late, "late", Lang::Fr).await.unwrap();
    });
    assert_eq!(tickets(&store).len(), 301);
    rt.block_on(store.close());

    let out = std::process::Command::new("pg_restore")
        .args(["--clean", "--if-exists", "--no-owner", "--dbname", &url])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    let out = t.run(&["migrate"], "");
    assert!(out.status.success(), "{}", transcript(&out));
    let restored = rt.block_on(Store::connect(&url, Arc::new(SystemClock))).unwrap();
    let held = tickets(&restored);
    assert!(held.len() <= 300, "nothing written after the backup: {}", held.len());
    for (i, t) in held.iter().enumerate() {
        assert_eq!(t.body, format!("ticket {i}"), "a snapshot: a prefix of what was written");
    }
    let counts = rt.block_on(restored.profile_counts()).unwrap();
    assert_eq!(counts.iter().map(|(_, _, n)| n).sum::<i64>(), 40);
    let late = rt.block_on(restored.find_accounts("late", 10)).unwrap();
    assert!(late.is_empty(), "the account made after the backup is not in it");
    rt.block_on(restored.close());
    admin(format!("DROP DATABASE {name} WITH (FORCE)"));
}

#[test]
fn serve_answers_health_and_readiness() {
    use std::io::{BufRead, BufReader, Read, Write};
    let t = TestDir::new();
    let url = t.sqlite_url("serve.db");
    let t = t.env("DATABASE_URL", &url).env("FLOWSTAGE_HTTP_ADDR", "127.0.0.1:0");
    let mut child = t
        .command(&["serve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected: {line}"))
        .to_owned();
    for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        assert!(resp.starts_with("HTTP/1.1 200"), "{path}: {resp}");
        assert!(resp.ends_with(expected), "{path}: {resp}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
