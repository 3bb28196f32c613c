//! What one conversation step costs next to one commit of the same database (issue 18): the
//! core's `Engine` driven in this process by many people at once, on SQLite (a file, WAL,
//! `synchronous=NORMAL`, as `serve` opens it) or PostgreSQL, and in the same run the raw rate
//! of single-row transactions of that database from as many writers. Platforms are left out on
//! purpose: what is measured is the step (identity, state, flow, save), the part every
//! front-end shares; `telegram-load` measures the whole path through the fake Telegram.
//!
//! Three measures, each printed with its figures:
//! - **burst**: `people` people each take `steps` steps as fast as they can, all at once;
//!   steps per second against the raw commit rate (their ratio is what holds from machine to
//!   machine);
//! - **steady**: the same people each act every `period`, each person's steps one at a time
//!   as the front-ends take them; p50 / p99 of a step's latency. The burst is then run again:
//!   this machine's speed moves within minutes, and the second burst says what the capacity was
//!   once the steady load had run (the steady load's share of each burst is printed);
//! - **memory**: the process's resident set once every conversation is open;
//! - **batches**: the mean number of steps in each kind of batch the store served (reads,
//!   profiles, commits), in the burst and in the steady load;
//! - **CPU per step**: in the burst and in the steady load, the CPU time this process spent per
//!   step (the engine, the store's side of the database) and the whole machine's (with the
//!   database server; on a machine doing nothing else, the rest is the database's).
//!
//! With `instances` above one, as many engines, each on its own store (its own connections, its
//! own batches), share the database, and each person's steps go to them in turn, as when
//! several `serve` processes share one PostgreSQL. After each burst the run reads every
//! conversation back: each must be exactly as many versions further as its person took steps
//! (no step lost or saved twice), or the run fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a measurement harness: a failure is a failed run, figures are approximate"
)]

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use flowstage_core::clock::SystemClock;
use flowstage_core::config::Rules;
use flowstage_core::conversation::payload::{Action, decode};
use flowstage_core::conversation::{Engine, Incoming, Reply, Speaker};
use flowstage_core::demo::catalogue;
use flowstage_core::domain::Lang;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::profile::{ProfileKind, ProfileStatus};
use flowstage_core::matching::live::REFRESH_EVERY;
use flowstage_core::matching::{LiveIndex, Weights};
use flowstage_core::store::Store;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// How a run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub people: usize,
    /// Steps each person takes in the burst after opening the conversation.
    pub steps: usize,
    /// Concurrent writers of the raw commit loop.
    pub writers: usize,
    pub postgres: bool,
    /// Engines sharing the database, each with its own store.
    pub instances: usize,
    /// The steady load: each person acts once per period, for `steady_for`.
    pub period: Option<Duration>,
    /// The steady load as a share (percent) of the rate this run's burst measured, when no
    /// `period` is given: the "80 % of the measured capacity".
    pub steady_at: Option<u32>,
    pub steady_for: Duration,
    /// Each person also has an artist profile (the demo's first, with its dates) and is idle
    /// with it, as someone who finished the wizard is: their `/help` then speaks to an artist.
    pub profiles: bool,
    /// The command every other step sends (the others open the conversation): `help` unless
    /// told, one of [`COMMANDS`].
    pub command: &'static str,
}

/// The commands `--command` may repeat.
pub const COMMANDS: [&str; 4] = ["help", "proposals", "profile", "match"];

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    pub plan: Plan,
    pub release: bool,
    pub opened: Duration,
    pub burst_steps: usize,
    pub burst: Duration,
    pub burst_p50: Duration,
    pub burst_p99: Duration,
    /// The same burst run again after the steady load: its steps and how long they took.
    pub burst_after: Option<(usize, Duration)>,
    pub commits: usize,
    pub commit_elapsed: Duration,
    pub steady: Option<Steady>,
    pub rss_kib: Option<u64>,
    /// The most resident memory the process held up to the end of the burst (`VmHWM`).
    pub burst_peak_kib: Option<u64>,
    /// Each kind of batch the store served (`flowstage_*_batch_steps`): its mean size in the
    /// burst and in the steady load. Smaller batches cost the database more per step.
    pub batches: Vec<(String, f64, Option<f64>)>,
    /// CPU time per step in the burst, then in the steady load, where `/proc` tells.
    pub cpu: Vec<(&'static str, Cpu)>,
}

/// CPU time a phase took per step: this process's and the whole machine's (every core).
#[derive(Debug, Clone, Copy)]
pub struct Cpu {
    pub process: Duration,
    pub machine: Duration,
    /// The share of the machine's time that was busy during the phase.
    pub busy: f64,
}

/// The steady part's figures.
#[derive(Debug, Clone)]
pub struct Steady {
    pub period: Duration,
    pub steps: usize,
    pub rate: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// A step's two parts: waiting to start (for the same person's step before it, or for the
    /// driver), then the step itself; each p50 and p99.
    pub waited: (Duration, Duration),
    pub own: (Duration, Duration),
    pub late: usize,
    /// Each second of the run (by the steps' planned instants): its p99 and its slowest step.
    pub seconds: Vec<(Duration, Duration)>,
    /// CPU time per step while the steps ran (not while the plan was made or the figures read).
    pub cpu: Option<Cpu>,
}

impl Figures {
    #[must_use]
    pub fn steps_per_s(&self) -> f64 {
        self.burst_steps as f64 / self.burst.as_secs_f64()
    }

    #[must_use]
    pub fn commits_per_s(&self) -> f64 {
        self.commits as f64 / self.commit_elapsed.as_secs_f64()
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let db = if self.plan.postgres { "PostgreSQL" } else { "SQLite" };
        let build = if self.release { "release" } else { "debug" };
        writeln!(
            f,
            "step-load on {db} ({build}), {} people{}, {} instance{}, every other step /{}: \
             opened in {:.2} s",
            self.plan.people,
            if self.plan.profiles { " with a profile" } else { "" },
            self.plan.instances,
            if self.plan.instances == 1 { "" } else { "s sharing the database" },
            self.plan.command,
            self.opened.as_secs_f64()
        )?;
        writeln!(
            f,
            "  burst: {} steps in {:.2} s: {:.0} steps/s; step p50 {:.1} ms, p99 {:.1} ms",
            self.burst_steps,
            self.burst.as_secs_f64(),
            self.steps_per_s(),
            ms(self.burst_p50),
            ms(self.burst_p99)
        )?;
        writeln!(
            f,
            "  raw single-row commits of the same database, {} writers: {} in {:.2} s: {:.0} commits/s",
            self.plan.writers,
            self.commits,
            self.commit_elapsed.as_secs_f64(),
            self.commits_per_s()
        )?;
        writeln!(
            f,
            "  ratio: steps/s are {:.1} % of the raw commit rate",
            100.0 * self.steps_per_s() / self.commits_per_s()
        )?;
        if let Some(s) = &self.steady {
            writeln!(
                f,
                "  steady: each person every {:.1} ms ({:.0} steps/s offered, {:.0} % of the burst rate): \
                 {} steps, p50 {:.1} ms, p99 {:.1} ms, {} later than their period",
                ms(s.period),
                s.rate,
                100.0 * s.rate / self.steps_per_s(),
                s.steps,
                ms(s.p50),
                ms(s.p99),
                s.late
            )?;
            writeln!(
                f,
                "  steady, a step's parts: waiting to start (the person's step before it, the driver's timer) p50 {:.1} ms, p99 {:.1} ms; \
                 the step itself p50 {:.1} ms, p99 {:.1} ms",
                ms(s.waited.0),
                ms(s.waited.1),
                ms(s.own.0),
                ms(s.own.1)
            )?;
            if let Some((steps, elapsed)) = self.burst_after {
                let rate = steps as f64 / elapsed.as_secs_f64();
                writeln!(
                    f,
                    "  the burst again after the steady load: {steps} steps in {:.2} s: {rate:.0} steps/s \
                     (the steady load offered {:.0} % of it)",
                    elapsed.as_secs_f64(),
                    100.0 * s.rate / rate
                )?;
            }
            let over: Vec<_> = (0..s.seconds.len()).filter(|&i| s.seconds[i].0 > SLOW).collect();
            let worst = (0..s.seconds.len()).max_by_key(|&i| s.seconds[i].0);
            if let Some(w) = worst {
                writeln!(
                    f,
                    "  steady, second by second: p99 over {} ms in {} of {} s {:?}; worst second {}: p99 {:.1} ms, slowest {:.1} ms",
                    SLOW.as_millis(),
                    over.len(),
                    s.seconds.len(),
                    over,
                    w,
                    ms(s.seconds[w].0),
                    ms(s.seconds[w].1)
                )?;
            }
        }
        if !self.batches.is_empty() {
            let sizes: Vec<String> = self
                .batches
                .iter()
                .map(|(kind, burst, steady)| match steady {
                    Some(steady) => format!("{kind} {burst:.0} → {steady:.0}"),
                    None => format!("{kind} {burst:.0}"),
                })
                .collect();
            let phases = if self.steady.is_some() { "burst → steady" } else { "burst" };
            writeln!(f, "  steps per batch ({phases}): {}", sizes.join(", "))?;
        }
        for (phase, cpu) in &self.cpu {
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            writeln!(
                f,
                "  CPU per step ({phase}): this process {:.1} µs, the whole machine {:.1} µs \
                 (the rest, the database's on a quiet machine: {:.1} µs); the machine {:.0} % busy",
                us(cpu.process),
                us(cpu.machine),
                us(cpu.machine.saturating_sub(cpu.process)),
                100.0 * cpu.busy
            )?;
        }
        match self.rss_kib {
            Some(kib) => write!(
                f,
                "  resident memory with {} conversations open: {:.1} MiB",
                self.plan.people,
                kib as f64 / 1024.0
            )?,
            None => write!(f, "  resident memory: not readable here")?,
        }
        match self.burst_peak_kib {
            Some(kib) => {
                write!(f, "; the most held up to the burst's end: {:.1} MiB", kib as f64 / 1024.0)
            }
            None => Ok(()),
        }
    }
}

/// The latency target of the steady load (issue 18): a second whose p99 is above it is named.
const SLOW: Duration = Duration::from_millis(50);

/// The instances sharing the database; person `n`'s `i`-th step goes to one, in turn.
#[derive(Clone)]
struct Engines(Arc<Vec<Engine>>);

impl Engines {
    fn of(&self, n: usize, i: usize) -> &Engine {
        &self.0[(n + i) % self.0.len()]
    }

    /// The version each person's conversation is at, read through the first instance.
    async fn versions(&self, people: usize) -> Vec<i64> {
        let store = self.0[0].store();
        let mut versions = Vec::with_capacity(people);
        for n in 0..people {
            let found = store.first_read(&speaker(n).identity, "telegram", false).await;
            versions.push(found.unwrap().and_then(|f| f.conversation).map_or(0, |c| c.version));
        }
        versions
    }

    /// Fails the run unless every conversation is exactly `plan.steps` versions further than
    /// `before`: no step of a burst lost or saved twice.
    async fn check(&self, plan: Plan, before: &[i64]) {
        let after = self.versions(plan.people).await;
        let lost =
            before.iter().zip(&after).filter(|(b, a)| **a != **b + plan.steps as i64).count();
        assert_eq!(lost, 0, "{lost} conversations are not exactly {} steps further", plan.steps);
    }
}

/// Each person takes `plan.steps` steps as fast as they can, all at once: every step's latency
/// and how long the whole burst took.
async fn take_burst(engine: &Engines, plan: Plan) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..plan.people {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let who = speaker(n);
            let mut times = Vec::with_capacity(plan.steps);
            for i in 0..plan.steps {
                let t = Instant::now();
                engine.of(n, i).handle(&who, repeated(plan.command, i)).await.unwrap();
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.unwrap());
    }
    (times, started.elapsed())
}

fn speaker(n: usize) -> Speaker {
    Speaker {
        identity: Identity {
            platform: Platform::Telegram,
            external_id: format!("{}", 900_000 + n),
        },
        display_name: format!("Person {n}"),
        lang: if n.is_multiple_of(2) { Lang::Fr } else { Lang::En },
        is_admin: false,
    }
}

/// The payload of the first button whose action `wanted` accepts.
fn press(replies: &[Reply], wanted: impl Fn(&Action) -> bool) -> Option<String> {
    replies
        .iter()
        .flat_map(|r| r.buttons.iter().flatten())
        .find(|b| decode(&b.payload).is_some_and(|(_, a)| wanted(&a)))
        .map(|b| b.payload.clone())
}

/// Opens one person's conversation as a newcomer does: /start, agree, choose a role (they
/// are then in the wizard). With `profile`, the person has the demo's first artist profile
/// (made in the store before they agree, as a profile linked from another platform is) and,
/// once they agree, is idle with it, as someone who finished the wizard is.
async fn open(engine: &Engine, who: &Speaker, n: usize, profile: bool) {
    let start = Incoming::Command { name: "start".into(), args: String::new() };
    let out = engine.handle(who, start).await.unwrap();
    if profile {
        give_profile(engine.store(), n).await;
    }
    let agree = press(&out.replies, |a| *a == Action::Consent(true)).expect("consent button");
    let out = engine.handle(who, Incoming::Button(agree)).await.unwrap();
    if profile {
        let idle = press(&out.replies, |a| *a == Action::Command("match"));
        assert!(idle.is_some(), "someone with a profile is idle once they agree");
    } else {
        let role = press(&out.replies, |a| *a == Action::Role(ProfileKind::Artist)).expect("role");
        engine.handle(who, Incoming::Button(role)).await.unwrap();
    }
}

/// Gives person `n` the demo's first artist profile (with its free dates), pending review.
async fn give_profile(store: &Store, n: usize) {
    let today = store.clock().now().date_naive();
    let artist = catalogue(today).unwrap().remove(0);
    assert_eq!(artist.details.kind(), ProfileKind::Artist);
    let account = store.account_by_identity(&speaker(n).identity).await.unwrap().unwrap();
    let pending = &ProfileStatus::Pending;
    store.create_profile(account.id, &artist.details, &artist.dates, pending).await.unwrap();
}

/// The step people repeat: a command (`/help`, asking where they are, unless told), and
/// opening the conversation, each of which reads the account and the state and saves the
/// state, as every step does.
fn repeated(command: &str, i: usize) -> Incoming {
    if i.is_multiple_of(2) {
        Incoming::Command { name: command.into(), args: String::new() }
    } else {
        Incoming::Open
    }
}

fn quantile(times: &mut [Duration], q: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    times[((times.len() as f64 - 1.0) * q) as usize]
}

/// CPU time used so far, in `/proc`'s clock ticks (a hundredth of a second: `USER_HZ`, fixed
/// at 100 for `/proc` on Linux): this process's, the machine's busy time and its total time,
/// every core counted.
fn cpu_ticks() -> Option<(u64, u64, u64)> {
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's name, which is in parentheses and may hold spaces.
    let fields: Vec<u64> = own
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let machine: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .take(8)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = machine.iter().sum();
    // idle and iowait
    let idle = machine.get(3)? + machine.get(4)?;
    Some((fields.iter().sum(), total - idle, total))
}

/// What a phase between two readings of [`cpu_ticks`] cost per step.
fn cpu_per_step(
    before: Option<(u64, u64, u64)>,
    after: Option<(u64, u64, u64)>,
    steps: usize,
) -> Option<Cpu> {
    let ((p0, b0, t0), (p1, b1, t1)) = (before?, after?);
    let per_step = |ticks: u64| Duration::from_secs_f64(ticks as f64 / 100.0 / steps.max(1) as f64);
    Some(Cpu {
        process: per_step(p1.saturating_sub(p0)),
        machine: per_step(b1.saturating_sub(b0)),
        busy: b1.saturating_sub(b0) as f64 / t1.saturating_sub(t0).max(1) as f64,
    })
}

fn resident_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// A figure of `/proc/self/status` in KiB (`VmRSS:`, `VmHWM:`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The store's batch histograms as (kind, steps in all, batches): `flowstage_read_batch_steps`
/// is the kind `read`.
fn batch_totals(metrics: &PrometheusHandle) -> Vec<(String, f64, f64)> {
    let text = metrics.render();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
    };
    let mut kinds: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("flowstage_")?.split_once("_batch_steps_count"))
        .map(|(kind, _)| kind.to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let name = format!("flowstage_{kind}_batch_steps");
            Some((kind, value(&format!("{name}_sum"))?, value(&format!("{name}_count"))?))
        })
        .collect()
}

/// The mean batch size of each kind between two readings of [`batch_totals`].
fn batch_means(before: &[(String, f64, f64)], after: &[(String, f64, f64)]) -> Vec<(String, f64)> {
    after
        .iter()
        .filter_map(|(kind, sum, count)| {
            let (_, sum0, count0) =
                before.iter().find(|(k, ..)| k == kind).cloned().unwrap_or_default();
            (count - count0 > 0.0).then(|| (kind.clone(), (sum - sum0) / (count - count0)))
        })
        .collect()
}

/// The process's metrics recorder, installed by the first run (runs in one process, as tests
/// are, share it: their batch sizes then mix). Histograms with cumulative sums and counts, not
/// the exporter's default rolling summaries.
fn recorder() -> &'static PrometheusHandle {
    static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();
    RECORDER.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_batch_steps".to_owned()),
                &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
            )
            .unwrap()
            .install_recorder()
            .unwrap()
    })
}

/// The run.
pub async fn run(plan: Plan) -> Figures {
    let metrics = recorder();
    // As `serve` does: the recorder keeps each sample until it is folded in.
    let upkeep = tokio::spawn(flowstage_webhooks::telemetry::upkeep(
        metrics.clone(),
        flowstage_webhooks::telemetry::UPKEEP_EVERY,
    ));
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SystemClock);
    let base = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("step_load_{}", std::process::id());
    let mut stores = Vec::new();
    for _ in 0..plan.instances.max(1) {
        stores.push(if plan.postgres {
            Store::connect_postgres_schema(&base, &schema, clock.clone()).await.unwrap()
        } else {
            let url = format!("sqlite://{}", dir.path().join("load.db").display());
            Store::connect(&url, clock.clone()).await.unwrap()
        });
    }
    let store = stores[0].clone();
    store.migrate().await.unwrap();
    // Each engine searches its own match index, refreshed from the change feed as `serve`'s
    // is: an engine without one read the feed on every `/match`.
    let mut engines = Vec::new();
    let mut refreshers = Vec::new();
    for s in &stores {
        let live = LiveIndex::load(s.clone(), Weights::default(), REFRESH_EVERY).await.unwrap();
        refreshers.push(live.spawn_refresher(REFRESH_EVERY));
        engines.push(Engine::new(s.clone(), Rules::default()).with_live_index(live));
    }
    let engines: Arc<Vec<Engine>> = Arc::new(engines);
    let engine = Engines(engines);

    eprintln!("step-load: opening {} conversations…", plan.people);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let next = Arc::new(AtomicUsize::new(0));
    for _ in 0..plan.writers.max(1) {
        let (engine, next, people, profiles) =
            (engine.clone(), next.clone(), plan.people, plan.profiles);
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= people {
                    break;
                }
                open(engine.of(n, 0), &speaker(n), n, profiles).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let opened = started.elapsed();
    let rss_kib = resident_kib();
    let before = engine.versions(plan.people).await;

    let batches_before = batch_totals(metrics);
    let cpu_before = cpu_ticks();
    eprintln!("step-load: burst of {} × {} steps…", plan.people, plan.steps);
    let (mut times, burst) = take_burst(&engine, plan).await;
    let burst_steps = times.len();
    let mut cpu = Vec::new();
    cpu.extend(cpu_per_step(cpu_before, cpu_ticks(), burst_steps).map(|c| ("burst", c)));
    // Before the check's reads below, which are batches of one.
    let burst_batches = batch_means(&batches_before, &batch_totals(metrics));
    let burst_p50 = quantile(&mut times, 0.5);
    let burst_p99 = quantile(&mut times, 0.99);
    let burst_peak_kib = status_kib("VmHWM:");
    engine.check(plan, &before).await;

    let period = plan.period.or_else(|| {
        let rate = burst_steps as f64 / burst.as_secs_f64() * f64::from(plan.steady_at?) / 100.0;
        Some(Duration::from_secs_f64(plan.people as f64 / rate))
    });
    let before_steady = batch_totals(metrics);
    let steady = match period {
        Some(period) => Some(steady(&engine, plan, period).await),
        None => None,
    };
    cpu.extend(steady.as_ref().and_then(|s| s.cpu).map(|c| ("steady", c)));
    let steady_batches = batch_means(&before_steady, &batch_totals(metrics));
    // The same burst again right after the steady load (once the steady load's batch sizes are
    // read, so they are its own): the machine's speed moves within minutes, and this says what
    // the capacity was once the steady load had run.
    let burst_after = if steady.is_some() {
        eprintln!("step-load: the burst again…");
        let before = engine.versions(plan.people).await;
        let (times, elapsed) = take_burst(&engine, plan).await;
        engine.check(plan, &before).await;
        Some((times.len(), elapsed))
    } else {
        None
    };
    let batches = burst_batches
        .into_iter()
        .map(|(kind, burst)| {
            let steady = steady_batches.iter().find(|(k, _)| *k == kind).map(|(_, m)| *m);
            (kind, burst, steady)
        })
        .collect();

    eprintln!("step-load: raw commits of the same database, {} writers…", plan.writers);
    let commits = burst_steps.max(1000);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..plan.writers.max(1) {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let details = serde_json::json!({});
            while next.fetch_add(1, Ordering::Relaxed) < commits {
                store.audit(None, "load.commit", "load", &details).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let commit_elapsed = started.elapsed();

    drop(engine);
    for refresher in refreshers {
        refresher.abort();
    }
    for other in &stores[1..] {
        other.close().await;
    }
    if plan.postgres {
        store.drop_schema(&schema).await.unwrap();
    }
    store.close().await;
    upkeep.abort();
    Figures {
        plan,
        release: !cfg!(debug_assertions),
        opened,
        burst_steps,
        burst,
        burst_p50,
        burst_p99,
        burst_after,
        commits,
        commit_elapsed,
        steady,
        rss_kib,
        burst_peak_kib,
        batches,
        cpu,
    }
}

/// Each person acts once per `period`, starting at a random-looking offset so the load is
/// even. As the front-ends' dispatcher does (`bot/src/frontend/dispatch.rs`), each person has a
/// worker that takes their steps one at a time, in order, from a queue: one driver puts each
/// step in its person's queue at its planned instant (an open loop: a slow step does not hold
/// back the others' steps, nor the driver). A step's latency is from its planned instant, so
/// any wait counts (for the driver, for the person's step before it). A step waiting is a few
/// bytes in a queue, as with the dispatcher, not a task of its own reading the database before
/// it waits for the person's lock (which a load above capacity made a backlog of hundreds of
/// thousands of tasks, each with its step's future, growing the cost of every step).
async fn steady(engine: &Engines, plan: Plan, period: Duration) -> Steady {
    eprintln!(
        "step-load: steady load, each of {} people every {:.1} ms for {} s…",
        plan.people,
        period.as_secs_f64() * 1000.0,
        plan.steady_for.as_secs()
    );
    let mut planned = Vec::new();
    for n in 0..plan.people {
        let offset = period.mul_f64(((n * 7919) % plan.people.max(1)) as f64 / plan.people as f64);
        let mut i = 0;
        while offset + period * i < plan.steady_for {
            planned.push((offset + period * i, n, i as usize));
            i += 1;
        }
    }
    planned.sort_unstable();
    let planned_steps = planned.len();
    let (took, mut times_rx) = tokio::sync::mpsc::unbounded_channel();
    let (queues, workers): (Vec<_>, Vec<_>) = (0..plan.people)
        .map(|n| {
            let (queue, mut steps) =
                tokio::sync::mpsc::unbounded_channel::<(Duration, tokio::time::Instant, usize)>();
            let (engine, took) = (engine.clone(), took.clone());
            let worker = tokio::spawn(async move {
                let who = speaker(n);
                while let Some((after, at, i)) = steps.recv().await {
                    let begun = tokio::time::Instant::now();
                    engine.of(n, i).handle(&who, repeated(plan.command, i)).await.unwrap();
                    let _ = took.send((after, at.elapsed(), begun.saturating_duration_since(at)));
                }
            });
            (queue, worker)
        })
        .unzip();
    // The clock starts once the plan is made: making it is no step's wait.
    let started = tokio::time::Instant::now();
    let cpu_before = cpu_ticks();
    for (after, n, i) in planned {
        let at = started + after;
        // A step already due is queued at once, without a trip through the timer.
        if at > tokio::time::Instant::now() {
            tokio::time::sleep_until(at).await;
        }
        queues[n].send((after, at, i)).unwrap();
    }
    drop(queues);
    // Every step is taken before the figures are read and sorted: sorting them while the last
    // steps run would slow those steps down on this same machine.
    for worker in workers {
        worker.await.unwrap();
    }
    let cpu = cpu_per_step(cpu_before, cpu_ticks(), planned_steps);
    drop(took);
    let (mut times, mut late) = (Vec::new(), 0);
    let (mut waited, mut own) = (Vec::new(), Vec::new());
    let mut by_second = vec![Vec::new(); plan.steady_for.as_secs().max(1) as usize];
    while let Some((after, t, wait)) = times_rx.recv().await {
        if t > period {
            late += 1;
        }
        times.push(t);
        waited.push(wait);
        own.push(t.saturating_sub(wait));
        if let Some(second) = by_second.get_mut(after.as_secs() as usize) {
            second.push(t);
        }
    }
    let seconds = by_second
        .iter_mut()
        .map(|s| (quantile(s, 0.99), s.iter().max().copied().unwrap_or_default()))
        .collect();
    let steps = times.len();
    Steady {
        period,
        steps,
        rate: plan.people as f64 / period.as_secs_f64(),
        p50: quantile(&mut times, 0.5),
        p99: quantile(&mut times, 0.99),
        waited: (quantile(&mut waited, 0.5), quantile(&mut waited, 0.99)),
        own: (quantile(&mut own, 0.5), quantile(&mut own, 0.99)),
        late,
        seconds,
        cpu,
    }
}
