//! The deployment files in `deploy/` hold together: the compose file parses and sets only
//! variables the README documents, its build points at the Dockerfile, the Dockerfile builds the
//! workspace's binary and runs it as a non-root user, and systemd accepts the unit. Docker itself
//! is not needed: when `docker compose` is installed, its own `config` check runs too.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_compose_file_parses_and_sets_only_documented_variables() {
    // PyYAML reads it (installed by scripts/test-deps) and prints what the test checks.
    let script = r#"
import json, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
app = c["services"]["flowstage"]
print(json.dumps({
    "services": sorted(c["services"]),
    "dockerfile": app["build"]["dockerfile"],
    "context": app["build"]["context"],
    "env": sorted(app["environment"]),
    "db": c["services"]["postgres"]["image"],
}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(repo().join("deploy/compose.yaml"))
        .output()
        .expect("python3 (scripts/test-deps installs it with PyYAML)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["services"], serde_json::json!(["flowstage", "postgres"]));
    assert_eq!(got["context"], "..");
    assert_eq!(got["dockerfile"], "deploy/Dockerfile");
    assert!(got["db"].as_str().unwrap().starts_with("postgres:"));
    let readme = read("README.md");
    for var in got["env"].as_array().unwrap() {
        let var = var.as_str().unwrap();
        assert!(
            readme.contains(&format!("`{var}`")),
            "{var} is set by compose but not in the README"
        );
    }
    if Command::new("docker")
        .args(["compose", "version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let check = Command::new("docker")
            .args(["compose", "-f", "deploy/compose.yaml", "config", "-q"])
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    } else {
        eprintln!("docker compose is not installed here: its own check did not run");
    }
}

#[test]
fn the_image_builds_the_binary_and_runs_it_unprivileged() {
    let dockerfile = read("deploy/Dockerfile");
    assert!(dockerfile.contains("cargo build --release --locked -p flowstage"));
    assert!(
        dockerfile
            .contains("COPY --from=build /src/target/release/flowstage /usr/local/bin/flowstage")
    );
    assert!(dockerfile.contains("USER flowstage"), "runs as a non-root user");
    assert!(dockerfile.contains("/readyz"), "its health check asks readiness");
    let toolchain = read("Cargo.toml");
    let rust = toolchain
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    assert!(dockerfile.contains(&format!("FROM rust:{rust}-")), "builds with rust {rust}");
    assert!(read("deploy/Dockerfile.dockerignore").contains("target/"));
}

#[test]
fn systemd_accepts_the_unit() {
    let unit = read("deploy/flowstage.service");
    assert!(unit.contains("ExecStart=/usr/local/bin/flowstage serve"));
    assert!(unit.contains("User=flowstage"));
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed here: the unit was read, not verified");
        return;
    };
    assert!(version.status.success());
    // Pointed at the binary these tests built, the unit must verify cleanly.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("flowstage.service");
    let binary = flowstage_tests::binary();
    std::fs::write(&local, unit.replace("/usr/local/bin/flowstage", binary.to_str().unwrap()))
        .unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&local).output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
