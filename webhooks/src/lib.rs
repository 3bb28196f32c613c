//! Flow Stage's HTTP surface (docs/product-rules.md §7): health, readiness and calendar feeds now;
//! Stripe, email, Telegram webhooks and metrics join this one router as their issues land.

mod calendar;

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
}

/// The whole HTTP application, ready to serve or to test with `oneshot`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // One segment `{token}.ics`: axum captures whole segments, the handler strips `.ics`.
        .route("/calendar/{file}", get(calendar::feed))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
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
