//! Helpers for the end-to-end tests: the real `flowstage` binary, run in a temporary directory
//! with a clean environment, against real databases and fakes of the internet peers on loopback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: a failure is a failed test"
)]

pub mod fake_discord;
pub mod fake_stripe;
pub mod fake_telegram;
pub mod stripe_load;
pub mod telegram_load;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `flowstage` binary that `cargo test --workspace` built beside this test.
#[must_use]
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/flowstage
    let profile_dir = exe.parent().and_then(Path::parent).expect("target profile directory");
    let bin = profile_dir.join(format!("flowstage{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        bin.display()
    );
    bin
}

/// A working directory and environment for one run of the binary.
pub struct TestDir {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Default for TestDir {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDir {
    #[must_use]
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), env: Vec::new() }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite URL of a database file in this directory.
    #[must_use]
    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.path().join(name).display())
    }

    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A `flowstage` command in this directory with only the environment given here (plus PATH
    /// and HOME), so a developer's own variables or `.env` never leak into a test.
    #[must_use]
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.args(args).current_dir(self.path()).env_clear();
        for key in ["PATH", "HOME"] {
            if let Ok(v) = std::env::var(key) {
                cmd.env(key, v);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs to completion with `stdin` as standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write as _;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn flowstage");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("wait for flowstage")
    }
}

/// Standard output and error of a run, for assertion messages.
#[must_use]
pub fn transcript(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
