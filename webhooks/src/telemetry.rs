//! What operators watch (docs/product-rules.md §7): `GET /metrics` in Prometheus' text format,
//! and an id on every HTTP request, carried by its log lines and answered in `x-request-id`.
//!
//! The counters and histograms are recorded where things happen, through the `metrics` facade
//! (the engine's steps and matches in the core, requests here); the gauges that describe the
//! database — the outbox's and the inbox's depth and age, the pool's use — are read from the store at each scrape.
//! Names are listed in [`NAMES`] so that a test and the README can hold them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Instrument as _;

use crate::AppState;

/// What a metric is, for its `# TYPE` line.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Every metric Flow Stage exports: its name, kind and what it measures.
pub const NAMES: &[(&str, Kind, &str)] = &[
    // Prometheus' HELP lines, English for operators like the logs.
    (
        "flowstage_updates_total",
        Kind::Counter,
        "conversation steps handled, by platform and outcome",
    ),
    ("flowstage_reply_seconds", Kind::Histogram, "time from an update to its replies, by platform"),
    ("flowstage_matches_total", Kind::Counter, "match searches served"),
    ("flowstage_match_seconds", Kind::Histogram, "time to serve a match search"),
    ("flowstage_http_requests_total", Kind::Counter, "HTTP requests answered, by route and status"),
    ("flowstage_http_request_seconds", Kind::Histogram, "time to answer an HTTP request, by route"),
    ("flowstage_outbox_pending", Kind::Gauge, "notifications waiting to be delivered"),
    ("flowstage_outbox_oldest_seconds", Kind::Gauge, "age of the oldest notification waiting"),
    ("flowstage_inbox_pending", Kind::Gauge, "updates recorded and not yet answered"),
    ("flowstage_inbox_oldest_seconds", Kind::Gauge, "age of the oldest update not yet answered"),
    ("flowstage_db_pool_connections", Kind::Gauge, "database connections open, by state"),
];

/// Latency buckets in seconds, from a fast reply to a slow PDF.
const BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder, installed once by `serve`.
#[derive(Clone)]
pub struct Telemetry {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Telemetry")
    }
}

/// How often the recorded samples are folded into their histograms ([`upkeep`]): the interval
/// the exporter's own HTTP listener uses.
pub const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the samples `handle`'s recorder holds into their histograms every `every`, for ever.
/// The recorder keeps every sample (a step's time, a batch's size) until it is folded, which only
/// this or a scrape does: an instance nobody scraped grew by each sample, 24 bytes for each of
/// three or four a step at a light load, without end (docs/decisions.md §24).
pub async fn upkeep(handle: PrometheusHandle, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        handle.run_upkeep();
    }
}

impl Telemetry {
    /// Folds the recorded samples into their histograms every [`UPKEEP_EVERY`], for ever: `serve`
    /// runs it beside the HTTP server.
    pub fn keep_up(&self) -> impl Future<Output = ()> + Send + 'static {
        upkeep(self.handle.clone(), UPKEEP_EVERY)
    }

    /// Installs the process-wide recorder. Fails if one is already installed.
    pub fn install() -> Result<Self, metrics_exporter_prometheus::BuildError> {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)?
            .install_recorder()?;
        for (name, kind, help) in NAMES {
            match kind {
                Kind::Counter => metrics::describe_counter!(*name, *help),
                Kind::Gauge => metrics::describe_gauge!(*name, *help),
                Kind::Histogram => metrics::describe_histogram!(*name, *help),
            }
        }
        Ok(Self { handle })
    }
}

/// `GET /metrics`: the recorded metrics, with the database's gauges read now.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let Some(telemetry) = &state.telemetry else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.store.outbox_backlog().await {
        Ok((pending, oldest)) => {
            #[allow(clippy::cast_precision_loss)] // a count of rows, far below 2^52
            metrics::gauge!("flowstage_outbox_pending").set(pending as f64);
            let now = state.store.clock().now();
            let age = oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
            metrics::gauge!("flowstage_outbox_oldest_seconds").set(age);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the outbox could not be read"),
    }
    match state.store.inbox_depth().await {
        Ok((pending, age)) => {
            #[allow(clippy::cast_precision_loss)] // counts and seconds, far below 2^52
            {
                metrics::gauge!("flowstage_inbox_pending").set(pending as f64);
                metrics::gauge!("flowstage_inbox_oldest_seconds").set(age as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the inbox could not be read"),
    }
    let (open, idle) = state.store.pool_use();
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(open);
    metrics::gauge!("flowstage_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("flowstage_db_pool_connections", "state" => "in_use")
        .set(f64::from(open - idle));
    telemetry.handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"))],
        telemetry.handle.render(),
    )
        .into_response()
}

/// Gives each request an id (the caller's `x-request-id` if it sent a sane one), logs under it,
/// answers it back, and counts the request by route and status.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let given = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| format!("r{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    // The route's pattern, never the path itself: a calendar token must not become a label.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("flowstage_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("flowstage_http_request_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
