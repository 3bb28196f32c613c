//! Measures contract generation against its budget (under 20 ms and 200 KB a contract), with a
//! plain `main` so it runs on stable without a benchmark framework.

use std::time::{Duration, Instant};

use flowstage_core::contract::{ContractInput, render};

const BUDGET: Duration = Duration::from_millis(20);
const SIZE_BUDGET: usize = 200 * 1024;

fn main() {
    // `cargo bench` passes `--bench`; an optional number overrides the run count.
    let runs: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(500);
    let input = ContractInput::sample();

    let first = match render(&input) {
        Ok(contract) => contract,
        Err(e) => {
            eprintln!("the sample contract does not render: {e}");
            std::process::exit(1);
        }
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let contract = render(std::hint::black_box(&input));
        times.push(start.elapsed());
        if contract.as_ref().map(|c| &c.sha256) != Ok(&first.sha256) {
            eprintln!("rendering the same input gave different bytes");
            std::process::exit(1);
        }
    }
    times.sort_unstable();
    let total: Duration = times.iter().sum();
    let mean = total / u32::try_from(runs.max(1)).unwrap_or(u32::MAX);
    let at = |q: usize| {
        times.get((runs * q / 100).min(runs.saturating_sub(1))).copied().unwrap_or_default()
    };
    let (p50, p99) = (at(50), at(99));
    let size = first.bytes.len();

    println!("contract: {runs} renders of the sample");
    println!("  mean {mean:.2?}  p50 {p50:.2?}  p99 {p99:.2?}  (budget {BUDGET:?})");
    println!(
        "  size {size} bytes ({:.1} KB, budget {} KB)",
        size as f64 / 1024.0,
        SIZE_BUDGET / 1024
    );
    println!("  sha256 {}", first.sha256);
    if p99 > BUDGET || size > SIZE_BUDGET {
        eprintln!("over budget");
        std::process::exit(1);
    }
}
