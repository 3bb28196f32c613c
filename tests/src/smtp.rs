//! A real SMTP server for the email tests: Python's `aiosmtpd` (`tests/smtp/server.py`) on a
//! loopback port, keeping each message it accepts as a file; each is read back with Python's
//! `email` package (`tests/smtp/read.py`) into JSON: headers, text and HTML parts, attachments
//! with their SHA-256.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

const WAIT: Duration = Duration::from_secs(30);

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp")
}

/// The running server; killed when dropped.
pub struct SmtpServer {
    _child: tokio::process::Child,
    pub port: u16,
    folder: PathBuf,
}

impl SmtpServer {
    /// Starts it, keeping messages in `folder` (created).
    pub async fn start(folder: &Path) -> Self {
        std::fs::create_dir_all(folder).unwrap();
        let mut child = tokio::process::Command::new("python3")
            .arg(scripts().join("server.py"))
            .arg(folder)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        tokio::time::timeout(WAIT, out.read_line(&mut line)).await.unwrap().unwrap();
        let port = line.trim().strip_prefix("ready ").unwrap_or_else(|| panic!("{line:?}"));
        Self { _child: child, port: port.parse().unwrap(), folder: folder.to_path_buf() }
    }

    /// `SMTP_URL` for it.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The `n`th message received (1-based), read back, waiting for it.
    pub async fn message(&self, n: usize) -> Value {
        let path = self.folder.join(format!("{n:04}.eml"));
        let deadline = tokio::time::Instant::now() + WAIT;
        while !path.exists() {
            assert!(tokio::time::Instant::now() < deadline, "message {n} never arrived");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let out = std::process::Command::new("python3")
            .arg(scripts().join("read.py"))
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// How many messages were received.
    #[must_use]
    pub fn count(&self) -> usize {
        std::fs::read_dir(&self.folder)
            .unwrap()
            .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml")))
            .count()
    }
}
