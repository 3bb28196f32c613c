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

/// The string literals of a source file outside its tests, each with the code before it in the
/// same statement (to tell a log line from a message shown to people).
fn literals(text: &str) -> Vec<(String, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut statement_start = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ';' | '}' => statement_start = i + 1,
            '\'' => {
                // A char literal ('"' included) or a lifetime: skip a quoted char.
                if chars.get(i + 2) == Some(&'\'') {
                    i += 2;
                } else if chars.get(i + 1) == Some(&'\\') && chars.get(i + 3) == Some(&'\'') {
                    i += 3;
                }
            }
            '"' => {
                let raw = i > 0 && (chars[i - 1] == '#' || chars[i - 1] == 'r');
                let start = i + 1;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && !raw {
                        i += 1;
                    }
                    i += 1;
                }
                let literal: String = chars[start..i.min(chars.len())].iter().collect();
                let before: String =
                    chars[statement_start..start.saturating_sub(1)].iter().collect();
                out.push((literal, before));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Three words or more of letters: a sentence someone could read.
fn is_prose(literal: &str) -> bool {
    literal
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .filter(|w| !w.contains("{") && !w.contains("::") && !w.contains('/'))
        .count()
        >= 3
}

/// What operators read (logs, start-up errors, panics of the programme's own invariants) is
/// English by design; everything a person reads in a chat or the terminal comes from
/// `core/locales`, so that a platform never speaks with words of its own.
fn for_operators(before: &str) -> bool {
    [
        "tracing::",
        "info!(",
        "warn!(",
        "error!(",
        "debug!(",
        "trace!(",
        "anyhow!(",
        "bail!(",
        "context(",
        "with_context(",
        "#[error(",
        "eprintln!(",
        "panic!(",
        "expect(",
        "#[arg(",
        "#[command(",
        "retry_later(",
        // A statement whose comment says so: the CLI's reports and start-up errors.
        "for operators",
    ]
    .iter()
    .any(|m| before.to_lowercase().contains(m))
}

#[test]
fn front_ends_speak_only_with_the_cores_words() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let mut files = Vec::new();
    for dir in ["bot/src", "webhooks/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (literal, before) in literals(&text) {
            if is_prose(&literal) && !for_operators(&before) {
                found.push(format!("{}: {literal:?}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "words shown to people belong in core/locales/{{fr,en}}:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_literal_finder_tells_messages_from_logs() {
    let code = r#"
        fn f() {
            tracing::warn!(error = %e, "the conversation could not be saved");
            let s = "Désolé, un problème est survenu";
            let c = '"';
            anyhow::bail!("{variable} was refused by Telegram");
        }
    "#;
    let prose: Vec<String> = literals(code)
        .into_iter()
        .filter(|(l, before)| is_prose(l) && !for_operators(before))
        .map(|(l, _)| l)
        .collect();
    assert_eq!(prose, ["Désolé, un problème est survenu"]);
}

/// The conversation's flows stand on a base (`turn`, `prompts`, `show`, `errors`, …) and may
/// call one another in one direction only: the module graph of `core/src/conversation/` read from
/// its `super::` paths has no cycle, so each flow reads top-down.
#[test]
fn conversation_flows_import_one_way() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let dir = root.join("core/src/conversation");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let modules: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|m| m != "mod")
        .collect();
    let mut edges: Vec<(String, String)> = Vec::new();
    for file in &files {
        let Some(from) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if from == "mod" {
            continue; // the router: it calls every flow, and nothing calls it back
        }
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        for to in &modules {
            let named =
                [format!("super::{to}::"), format!("super::{to};"), format!("super::{to}}}")]
                    .iter()
                    .any(|p| code.contains(p.as_str()))
                    || code.lines().any(|l| {
                        l.trim_start().starts_with("use super::{")
                            && l.split(['{', '}', ',', ' ']).any(|w| w == to)
                    });
            if *to != from && named {
                edges.push((from.clone(), to.clone()));
            }
        }
    }
    assert!(edges.iter().any(|(f, t)| f == "deals" && t == "turn"), "read the imports: {edges:?}");
    // A depth-first search for a cycle.
    fn visit(
        node: &str,
        edges: &[(String, String)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.iter().any(|d| d == node) {
            return None;
        }
        path.push(node.to_owned());
        for (_, to) in edges.iter().filter(|(f, _)| f == node) {
            if let Some(c) = visit(to, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(node.to_owned());
        None
    }
    let mut done = Vec::new();
    for m in &modules {
        if let Some(cycle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            panic!("conversation modules import each other in a circle: {}", cycle.join(" → "));
        }
    }
}
