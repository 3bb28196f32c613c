//! Issue 18: the measurement harness of a conversation step runs, and two instances sharing one
//! database save every step exactly once (the harness fails otherwise). The full measurement is
//! `target/release/step-load 1000 [--postgres] [--instances 2]`.

use std::time::Duration;

use flowstage_core::conversation::STEPS_AT_ONCE;
use flowstage_tests::step_load::{Plan, run};

/// 60 people, each with an artist profile that their steps read, two instances, a burst of 4
/// steps each, a second of steady load (each person every 200 ms) and the burst again; the run
/// fails unless every step was saved exactly once.
async fn two_instances_save_every_step_once(postgres: bool) {
    let plan = Plan {
        people: 60,
        steps: 4,
        writers: 4,
        postgres,
        instances: 2,
        period: Some(Duration::from_millis(200)),
        steady_at: None,
        steady_for: Duration::from_secs(1),
        profiles: true,
        command: "help",
    };
    let figures = run(plan).await;
    println!("{figures}");
    assert_eq!(figures.burst_steps, 240);
    assert!(figures.steady.as_ref().is_some_and(|s| s.steps == 300), "{figures}");
    // The burst is taken again after the steady load, every step of it saved exactly once too.
    assert!(figures.burst_after.is_some_and(|(steps, _)| steps == 240), "{figures}");
    // The store's reads and commits were batched, and the run says how large the batches were.
    for kind in ["read", "commit"] {
        assert!(
            figures.batches.iter().any(|(k, burst, _)| k == kind && *burst >= 1.0),
            "{figures}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_sqlite_save_every_step_once() {
    two_instances_save_every_step_once(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgres_save_every_step_once() {
    two_instances_save_every_step_once(true).await;
}

/// More people acting at the same moment than an engine admits at once: the others wait their
/// turn, and every step is taken and saved exactly once (the run checks each conversation).
async fn more_people_at_once_than_an_engine_admits(postgres: bool) {
    let people = STEPS_AT_ONCE + 100;
    let plan = Plan {
        people,
        steps: 2,
        writers: 8,
        postgres,
        instances: 1,
        period: None,
        steady_at: None,
        steady_for: Duration::from_secs(1),
        profiles: false,
        command: "help",
    };
    let figures = run(plan).await;
    println!("{figures}");
    assert_eq!(figures.burst_steps, 2 * people, "{figures}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_people_at_once_than_an_engine_admits_on_sqlite() {
    more_people_at_once_than_an_engine_admits(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_people_at_once_than_an_engine_admits_on_postgres() {
    more_people_at_once_than_an_engine_admits(true).await;
}
