//! `stripe-load [EVENTS] [--postgres] [--concurrency N]`: measures `POST /webhooks/stripe` of the
//! real `flowstage serve` with EVENTS (default 1,000) signed `checkout.session.completed` events
//! posted N at once (default 16) on loopback, checks each was applied exactly once (and that
//! delivering them again changes nothing), and prints events per second against the raw commit
//! rate of the same database (SQLite by default, PostgreSQL at `TEST_DATABASE_URL`) in the same
//! run. Build the binary beside it first: `cargo build -p flowstage -p flowstage-tests`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let usage = || {
        eprintln!("usage: stripe-load [EVENTS] [--postgres] [--concurrency N]");
        std::process::ExitCode::from(2)
    };
    let (mut events, mut postgres, mut concurrency) = (1000, false, 16);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--postgres" => postgres = true,
            "--concurrency" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if n > 0 => concurrency = n,
                _ => return usage(),
            },
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => events = n,
                _ => return usage(),
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
    let figures = flowstage_tests::stripe_load::run(&binary, events, concurrency, postgres).await;
    println!("{figures}");
    std::process::ExitCode::SUCCESS
}
