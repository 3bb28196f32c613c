//! `step-load [PEOPLE] [--steps N] [--postgres] [--instances N] [--writers N] [--steady MS]
//! [--steady-at PERCENT] [--for S] [--profiles] [--command NAME]`: what a conversation step
//! costs next to one commit of the same database. PEOPLE (default 1,000) open a conversation in the
//! core's engine, in this process, then each takes N steps (default 10) all at once; the run prints
//! steps per second, the raw single-row commit rate of the same database (SQLite by default,
//! PostgreSQL at `TEST_DATABASE_URL`) from N writers (default 16) and their ratio. With
//! `--steady MS` each person then acts every MS milliseconds for S seconds (default 20) and the run
//! prints p50 / p99 of a step; with `--steady-at PERCENT` instead, the period is the one that
//! offers PERCENT % of the rate the burst just measured (`--steady-at 80`: the steady load
//! at 80 % of the measured capacity), and names the seconds whose p99 passed 50 ms (a stall of the
//! machine shows there); a person's steps are taken one at a time, in order, as the front-ends take
//! them, and a step's time is split into its wait for the person's step before it and the step
//! itself. The burst is then taken again, and the run prints the steady load's share of it (the
//! machine's speed may have moved meanwhile). It prints the mean size of each kind of batch the
//! store served, the CPU time a step cost (this process's and the whole machine's) in the burst and
//! in the steady load, and the resident memory once every conversation is open. With
//! `--instances N`, N engines, each with its own store, share the database and take each person's
//! steps in turn; the run checks that every step was saved exactly once. With `--profiles` each
//! person also has an artist profile (the demo's first) and is idle with it, so their `/help`
//! speaks to an artist. Every other step is `/help`, or with `--command` `/proposals`, `/profile`
//! or `/match`. Build it in release: `cargo build --release -p flowstage-tests`.

use std::time::Duration;

use flowstage_tests::step_load::{COMMANDS, Plan, run};

/// The `flowstage` binary's allocator, so the steps measured here allocate as `serve`'s do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let usage = || {
        eprintln!(
            "usage: step-load [PEOPLE] [--steps N] [--postgres] [--instances N] [--writers N] \
             [--steady MS] [--steady-at PERCENT] [--for S] [--profiles] \
             [--command help|proposals|profile|match]"
        );
        std::process::ExitCode::from(2)
    };
    let mut plan = Plan {
        people: 1000,
        steps: 10,
        writers: 16,
        postgres: false,
        instances: 1,
        period: None,
        steady_at: None,
        steady_for: Duration::from_secs(20),
        profiles: false,
        command: "help",
    };
    let mut args = std::env::args().skip(1);
    let number = |v: Option<String>| v.and_then(|n| n.parse::<u64>().ok()).filter(|n| *n > 0);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--postgres" => plan.postgres = true,
            "--profiles" => plan.profiles = true,
            "--command" => match args.next().and_then(|c| COMMANDS.into_iter().find(|k| *k == c)) {
                Some(command) => plan.command = command,
                None => return usage(),
            },
            "--steps" => match number(args.next()) {
                Some(n) => plan.steps = usize::try_from(n).unwrap_or(usize::MAX),
                None => return usage(),
            },
            "--instances" => match number(args.next()) {
                Some(n) => plan.instances = usize::try_from(n).unwrap_or(usize::MAX),
                None => return usage(),
            },
            "--writers" => match number(args.next()) {
                Some(n) => plan.writers = usize::try_from(n).unwrap_or(usize::MAX),
                None => return usage(),
            },
            "--steady" => match number(args.next()) {
                Some(n) => plan.period = Some(Duration::from_millis(n)),
                None => return usage(),
            },
            "--steady-at" => match number(args.next()) {
                Some(n) => plan.steady_at = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                None => return usage(),
            },
            "--for" => match number(args.next()) {
                Some(n) => plan.steady_for = Duration::from_secs(n),
                None => return usage(),
            },
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => plan.people = n,
                _ => return usage(),
            },
        }
    }
    println!("{}", run(plan).await);
    std::process::ExitCode::SUCCESS
}
