//! The binary answers `--help`. (Its presence also makes `cargo test --workspace` build the
//! `flowstage` binary that the end-to-end tests in `tests/` run.)

#[test]
fn help_lists_every_subcommand() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowstage"))
        .arg("--help")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["chat", "serve", "migrate", "seed", "backup"] {
        assert!(text.contains(sub), "--help mentions {sub}: {text}");
    }
}
