//! Stripe (docs/product-rules.md §8): `POST /webhooks/stripe`, where Stripe's events settle the
//! commission, and the client of Stripe's API that creates and closes Checkout Sessions
//! ([`api`]).
//!
//! The endpoint answers 2xx only once the event's effect is committed: the signature is checked
//! on the raw body first (400 if it fails), then the event is read (400 if it is not one), then
//! applied by the store in one transaction with its id, so that Stripe's retries — after a
//! timeout, a 5xx, or a crash between our commit and our answer — change nothing twice. A body
//! over [`MAX_BODY_BYTES`] is refused with 413 before it is read.

pub mod api;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use flowstage_core::config::{Admins, Secret};
use flowstage_core::payments::signature;
use flowstage_core::payments::{Applied, StripeEvent};
use flowstage_core::store::Store;

/// The largest event body read. Stripe's events are a few kilobytes; a megabyte is not one.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// What the endpoint needs.
#[derive(Debug)]
pub struct StripeHook {
    pub store: Store,
    /// Every active signing secret (several during a rotation).
    pub secrets: Vec<Secret>,
    /// Told of refunds, disputes and refunds to decide.
    pub admins: Admins,
}

/// The route, to merge into the application's router.
pub fn router(hook: StripeHook) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/stripe", post(webhook))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(hook))
}

#[tracing::instrument(skip_all, fields(event))]
async fn webhook(
    State(hook): State<Arc<StripeHook>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let now = hook.store.clock().now();
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify(header, &body, &hook.secrets, now) {
        tracing::warn!(error = %e, "Stripe webhook refused");
        return StatusCode::BAD_REQUEST;
    }
    let event = match StripeEvent::parse(&body) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = %e, "signed Stripe webhook is not an event");
            return StatusCode::BAD_REQUEST;
        }
    };
    tracing::Span::current().record("event", event.id.as_str());
    let admins = match hook.store.admin_accounts(&hook.admins).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "admins not read; Stripe will retry");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    match hook.store.apply_stripe_event(&event, &admins).await {
        Ok(Applied::Now(outcome)) => {
            tracing::info!(kind = %event.kind, outcome = outcome.as_str(), "Stripe event applied");
            StatusCode::OK
        }
        Ok(Applied::AlreadyApplied) => {
            tracing::info!(kind = %event.kind, "Stripe event already applied");
            StatusCode::OK
        }
        Err(e) => {
            // Nothing was committed: Stripe retries, and the retry applies it.
            tracing::error!(error = %e, "Stripe event not applied; Stripe will retry");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
