//! Flow Stage's HTTP surface (docs/product-rules.md §7): health, readiness, calendar feeds, the
//! page Stripe's Checkout returns to; Stripe's webhook ([`stripe`]) and Telegram's are merged in
//! by `serve` when configured; `/metrics` and request ids ([`telemetry`]); email webhooks join
//! as their issue lands.

mod calendar;
pub mod email;
pub mod stripe;
pub mod telemetry;

use std::future::Future;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use flowstage_core::store::{Readiness, Store};

pub use axum::Router;

/// What every handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// The process's metrics recorder; `/metrics` answers 404 without one.
    pub telemetry: Option<telemetry::Telemetry>,
}

impl AppState {
    /// The state of an application without metrics (tests, tools).
    pub fn new(store: Store) -> Self {
        Self { store, telemetry: None }
    }

    /// With the process's metrics recorder, served at `/metrics`.
    #[must_use]
    pub fn with_telemetry(mut self, telemetry: telemetry::Telemetry) -> Self {
        self.telemetry = Some(telemetry);
        self
    }
}

/// The whole HTTP application, ready to serve or to test with `oneshot`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // One segment `{token}.ics`: axum captures whole segments, the handler strips `.ics`.
        .route("/calendar/{file}", get(calendar::feed))
        .route("/payments/done/{lang}", get(payment_done))
        .route("/metrics", get(telemetry::metrics))
        .with_state(state)
}

/// `app` with every route counted and its requests given an id ([`telemetry`]); applied last,
/// once every route is merged in.
pub fn tracked(app: Router) -> Router {
    app.route_layer(axum::middleware::from_fn(telemetry::track))
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Where Stripe's Checkout sends the payer back: a thank-you in their language.
async fn payment_done(axum::extract::Path(lang): axum::extract::Path<String>) -> String {
    let lang = flowstage_core::domain::Lang::parse(&lang).unwrap_or_default();
    flowstage_core::conversation::i18n::tr(lang, "pay-done-page", &[])
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers with the schema this binary expects (the match
/// index is built before the HTTP server starts listening).
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    match state.store.readiness().await {
        Readiness::Ready => (StatusCode::OK, "ready".to_owned()),
        Readiness::Unreadable(e) => {
            tracing::warn!(error = %e, "readiness check failed: the database cannot be read");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreadable".to_owned())
        }
        Readiness::SchemaBehind { found, expected } => {
            tracing::warn!(found, expected, "readiness check failed: migrations missing");
            // For operators: what a load balancer's probe and the people running it read.
            (StatusCode::SERVICE_UNAVAILABLE, format!("schema at {found}, expected {expected}"))
        }
    }
}
