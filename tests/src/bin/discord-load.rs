//! `discord-load [USERS] [--think MS]`: measures the Discord front-end with USERS (default
//! 1,000) people using slash commands and buttons at once in one server of the fake Discord,
//! all at once (a burst) or each reading an answer MS milliseconds before the next action, and
//! prints how many interactions were acknowledged within Discord's 3 s (all must be) and p50/p99
//! times from an interaction to the message answering it. Exits non-zero if any interaction was
//! late, unanswered or refused. Build the binary beside it first:
//! `cargo build --release -p flowstage -p flowstage-tests`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let usage = "usage: discord-load [USERS] [--think MS]";
    let mut users = 1000;
    let mut think = std::time::Duration::ZERO;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--think" => match args.next().and_then(|ms| ms.parse::<u64>().ok()) {
                Some(ms) => think = std::time::Duration::from_millis(ms),
                None => {
                    eprintln!("{usage}");
                    return std::process::ExitCode::from(2);
                }
            },
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => users = n,
                _ => {
                    eprintln!("{usage}");
                    return std::process::ExitCode::from(2);
                }
            },
        }
    }
    let binary = match flowstage_tests::binary_beside_this_program() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("{why}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let figures = flowstage_tests::discord_load::run(&binary, users, think).await;
    println!("{figures}");
    if figures.all_good() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
