//! House rules that a reviewer should not have to police: every Rust module says why it exists
//! (a `//!` first line), and no test is silently switched off with an ignore attribute.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_files() -> Vec<PathBuf> {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let mut files = Vec::new();
    for crate_dir in ["core", "bot", "webhooks", "tests"] {
        for sub in ["src", "tests", "benches"] {
            rust_files(&root.join(crate_dir).join(sub), &mut files);
        }
    }
    assert!(files.len() > 10, "found the sources");
    files
}

#[test]
fn every_module_says_why_it_exists() {
    let mut missing = Vec::new();
    for file in workspace_files() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            missing.push(file.display().to_string());
        }
    }
    assert!(missing.is_empty(), "modules without a `//!` first line:\n{}", missing.join("\n"));
}

#[test]
fn no_test_is_ignored() {
    let marker = ["#[", "ignore"].concat();
    let offenders: Vec<String> = workspace_files()
        .into_iter()
        .filter(|f| std::fs::read_to_string(f).unwrap_or_default().contains(&marker))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "ignored tests prove nothing:\n{}", offenders.join("\n"));
}
