//! `POST /webhooks/email/events` (issue 15, docs/product-rules.md §6): the email provider's
//! delivery events, in SendGrid's Event Webhook format. The ECDSA P-256 signature
//! (`X-Twilio-Email-Event-Webhook-Signature`, over the `X-Twilio-Email-Event-Webhook-Timestamp`
//! header followed by the raw body) is checked against `EMAIL_WEBHOOK_KEY` first, and the
//! timestamp must be within the replay window: 403 otherwise, nothing applied. Each event is
//! applied once by its id (recorded in the stored inbox in the transaction of its effect); the
//! answer is 200 only once all are committed, so the provider's retries change nothing twice.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use flowstage_core::email_events;
use flowstage_core::store::Store;
use p256::ecdsa::VerifyingKey;

/// The largest body read: the provider batches events, a few hundred kilobytes at most.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the endpoint needs.
#[derive(Debug)]
pub struct EmailHook {
    pub store: Store,
    pub key: VerifyingKey,
}

/// The route, to merge into the application's router; `None` if `key` (`EMAIL_WEBHOOK_KEY`) is
/// not a base64 DER P-256 public key.
pub fn router(store: Store, key: &str) -> Option<axum::Router> {
    let key = email_events::key(key)?;
    Some(
        axum::Router::new()
            .route("/webhooks/email/events", post(events))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(Arc::new(EmailHook { store, key })),
    )
}

/// `POST /email/unsubscribe/{token}`: the one-click unsubscribe of an alert digest (RFC 8058:
/// mail clients post `List-Unsubscribe=One-Click` to the `List-Unsubscribe` link). The token's
/// account gets no more digests; 200, or 404 for a token that names no one.
pub fn unsubscribe_router(store: Store) -> axum::Router {
    axum::Router::new()
        .route("/email/unsubscribe/{token}", post(unsubscribe))
        .layer(DefaultBodyLimit::max(4096))
        .with_state(store)
}

async fn unsubscribe(
    State(store): State<Store>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> StatusCode {
    match store.unsubscribe(&token).await {
        Ok(true) => StatusCode::OK,
        Ok(false) => StatusCode::NOT_FOUND,
        Err(e) => {
            tracing::error!(error = %e, "an unsubscribe could not be recorded");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn events(State(hook): State<Arc<EmailHook>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signature = header("x-twilio-email-event-webhook-signature");
    let timestamp = header("x-twilio-email-event-webhook-timestamp");
    let now = hook.store.clock().now();
    if let Err(e) = email_events::verify(&hook.key, signature, timestamp, &body, now) {
        tracing::warn!(error = %e, "email events refused");
        return StatusCode::FORBIDDEN;
    }
    let events = match email_events::parse(&body) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "signed email events could not be read");
            return StatusCode::BAD_REQUEST;
        }
    };
    for e in &events {
        match hook.store.apply_email_event(&e.id, &e.email, e.stops_address).await {
            Ok(true) if e.stops_address => {
                tracing::info!(event = e.id, "an address was stopped by the email provider");
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %err, "an email event could not be applied");
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
    }
    StatusCode::OK
}

/// The largest reply taken: SendGrid's Inbound Parse posts up to 30 MB, attachments included.
pub const MAX_INBOUND_BYTES: usize = 32 * 1024 * 1024;

/// What `POST /webhooks/email/inbound` needs.
#[derive(Debug)]
pub struct InboundHook {
    pub service: flowstage_core::booking::BookingService,
    /// The key signing reply addresses, read once from the database.
    key: tokio::sync::OnceCell<Vec<u8>>,
}

/// `POST /webhooks/email/inbound` (issue 15): a reply by email to a proposal email, as the
/// provider's Inbound Parse posts it (`multipart/form-data`: `to`, `from`, `text`, `envelope`,
/// files `attachment1`…). Posted in the proposal's thread when its reply address's signature
/// holds and the sender is the verified address of the person it names (see
/// `flowstage_core::email_reply`): 200. Refused with nothing posted: 403 for an address unsigned
/// or forged or a sender who is not that person, 413 for an attachment over the limit, 422 for a
/// reply with nothing to post (or one the thread refuses), 400 for a body that is not a form.
pub fn inbound_router(service: flowstage_core::booking::BookingService) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/email/inbound", post(inbound))
        .layer(DefaultBodyLimit::max(MAX_INBOUND_BYTES))
        .with_state(Arc::new(InboundHook { service, key: tokio::sync::OnceCell::new() }))
}

async fn inbound(
    State(hook): State<Arc<InboundHook>>,
    mut form: axum::extract::Multipart,
) -> StatusCode {
    use flowstage_core::email_reply::{self, Inbound, InboundFile, Refusal};
    let mut mail = Inbound::default();
    let mut envelope_to = String::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "an inbound email could not be read");
                return e.status();
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(ToOwned::to_owned);
        let mime = field.content_type().unwrap_or("application/octet-stream").to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "an inbound email's part could not be read");
                return e.status();
            }
        };
        match (name.as_str(), file_name) {
            (_, Some(file)) => {
                mail.files.push(InboundFile { name: file, mime_type: mime, bytes: bytes.to_vec() });
            }
            ("to", None) => mail.to = String::from_utf8_lossy(&bytes).into_owned(),
            ("from", None) => mail.from = String::from_utf8_lossy(&bytes).into_owned(),
            ("text", None) => mail.text = String::from_utf8_lossy(&bytes).into_owned(),
            ("envelope", None) => {
                // {"to": ["…"], "from": "…"}: the addresses the message was delivered to.
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
                    && let Some(list) = v.get("to").and_then(serde_json::Value::as_array)
                {
                    let all: Vec<&str> =
                        list.iter().filter_map(serde_json::Value::as_str).collect();
                    envelope_to = all.join(", ");
                }
            }
            _ => {}
        }
    }
    if !envelope_to.is_empty() {
        mail.to = format!("{}, {envelope_to}", mail.to);
    }
    let store = hook.service.store();
    let key = match hook.key.get_or_try_init(|| store.secret(email_reply::KEY_NAME)).await {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "the reply key could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    match email_reply::receive(&hook.service, &mail, key).await {
        Ok(r) => {
            tracing::info!(posted = r.posted, signed = ?r.signed, again = r.again, "a reply by email was taken");
            StatusCode::OK
        }
        Err(e) => {
            tracing::warn!(error = %e, "a reply by email was refused");
            match e {
                Refusal::Address(_) | Refusal::NotTheParticipant => StatusCode::FORBIDDEN,
                Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::Empty | Refusal::Thread(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Refusal::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
    }
}
