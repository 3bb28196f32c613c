//! `telegram-load [USERS] [--webhook] [--think MS] [--wizard] [--limits]`: measures the Telegram
//! front-end with USERS (default 1,000) people chatting at once against the fake Bot API, by long
//! polling or by webhook, all at once (a burst) or each reading an answer MS milliseconds before
//! the next action (a steady load), a few commands each or (`--wizard`) each creating a venue
//! profile through the whole wizard, with the fake refusing what goes beyond Telegram's sending
//! limits (`--limits`, counted), and prints replies per second and p50/p99 times from a message
//! to its answer. Build the binary
//! beside it first: `cargo build --release -p flowstage -p flowstage-tests`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut load = flowstage_tests::telegram_load::Load::burst(1000);
    let usage = "usage: telegram-load [USERS] [--webhook] [--think MS] [--wizard] [--limits]";
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--webhook" => load.webhook = true,
            "--wizard" => load.wizard = true,
            "--limits" => load.limits = true,
            "--think" => match args.next().and_then(|ms| ms.parse::<u64>().ok()) {
                Some(ms) => load.think = std::time::Duration::from_millis(ms),
                None => {
                    eprintln!("{usage}");
                    return std::process::ExitCode::from(2);
                }
            },
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => load.users = n,
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
    let figures = flowstage_tests::telegram_load::run(&binary, load).await;
    println!("{figures}");
    std::process::ExitCode::SUCCESS
}
