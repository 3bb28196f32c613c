//! `flowstage demo` plays the whole journey through the conversation engine and ends with the
//! path of a real contract PDF, in both languages.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::process::Command;

#[test]
fn the_demo_ends_with_a_contract() {
    for (lang, last) in [("fr", "Contrat PDF : "), ("en", "Contract PDF: ")] {
        let out = Command::new(env!("CARGO_BIN_EXE_flowstage"))
            .args(["demo", "--lang", lang])
            .env("DATABASE_URL", "sqlite://unused-by-the-demo.db")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
        let path =
            text.lines().last().unwrap().strip_prefix(last).unwrap_or_else(|| panic!("{text}"));
        let pdf = std::fs::read(path).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "a PDF at {path}");
        for step in ["/pending", "/match", "/proposals", "750", ".pdf ("] {
            assert!(text.contains(step), "the transcript shows {step}: {text}");
        }
        let dir = std::path::Path::new(path).parent().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
