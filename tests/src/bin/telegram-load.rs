//! `telegram-load [USERS]`: measures the Telegram front-end with USERS (default 1,000) people
//! chatting at once against the fake Bot API, and prints replies per second and p50/p99 times
//! from a message to its answer. Build the binary first: `cargo build -p flowstage`.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let users = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 1000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: telegram-load [USERS]");
            return std::process::ExitCode::from(2);
        }
    };
    // The `flowstage` binary beside this one, in the same target directory.
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| {
            p.parent().map(|d| d.join(format!("flowstage{}", std::env::consts::EXE_SUFFIX)))
        })
        .unwrap_or_else(|| PathBuf::from("flowstage"));
    if !binary.exists() {
        eprintln!("{} is missing: run `cargo build -p flowstage` first", binary.display());
        return std::process::ExitCode::FAILURE;
    }
    let figures = flowstage_tests::telegram_load::run(&binary, users).await;
    println!("{figures}");
    std::process::ExitCode::SUCCESS
}
