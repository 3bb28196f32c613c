//! The email provider's event webhook (issue 15), in SendGrid's Event Webhook format: a JSON
//! array of events, signed with ECDSA P-256 over the timestamp header followed by the raw body.
//! The public key is `EMAIL_WEBHOOK_KEY` (base64 DER, as the provider shows it). A bounce, a
//! drop, a spam report or an unsubscribe stops the address (`Store::apply_email_event`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

/// How far the signed timestamp may be from now, either way: an older post is a replay.
pub const REPLAY_WINDOW_SECS: i64 = 600;

/// Why a post was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventsError {
    #[error("the signature or timestamp header is missing")]
    Missing,
    #[error("EMAIL_WEBHOOK_KEY is not a base64 DER P-256 public key")]
    BadKey,
    #[error("the signature does not match")]
    Forged,
    #[error("the timestamp is outside the replay window")]
    Stale,
    #[error("the body is not a list of events: {0}")]
    Body(String),
}

/// Reads the configured key once; `None` if it is not a P-256 public key.
#[must_use]
pub fn key(base64_der: &str) -> Option<VerifyingKey> {
    let der = STANDARD.decode(base64_der.trim()).ok()?;
    VerifyingKey::from_public_key_der(&der).ok()
}

/// Checks the signature of `body` sent with `timestamp` (the header's text), at `now`.
pub fn verify(
    key: &VerifyingKey,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), EventsError> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(EventsError::Missing);
    };
    let der = STANDARD.decode(signature.trim()).map_err(|_| EventsError::Forged)?;
    let signature = Signature::from_der(&der).map_err(|_| EventsError::Forged)?;
    let mut signed = timestamp.as_bytes().to_vec();
    signed.extend_from_slice(body);
    key.verify(&signed, &signature).map_err(|_| EventsError::Forged)?;
    let at: i64 = timestamp.trim().parse().map_err(|_| EventsError::Stale)?;
    if now.timestamp().abs_diff(at) > REPLAY_WINDOW_SECS.unsigned_abs() {
        return Err(EventsError::Stale);
    }
    Ok(())
}

/// One event the provider reports about an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's id of the event (`sg_event_id`): each is applied once.
    pub id: String,
    pub email: String,
    /// Whether it means the address must not be used again.
    pub stops_address: bool,
}

#[derive(serde::Deserialize)]
struct Raw {
    email: Option<String>,
    event: Option<String>,
    sg_event_id: Option<String>,
}

/// Reads the body; events without an id or an address are skipped.
pub fn parse(body: &[u8]) -> Result<Vec<ProviderEvent>, EventsError> {
    let raw: Vec<Raw> =
        serde_json::from_slice(body).map_err(|e| EventsError::Body(e.to_string()))?;
    Ok(raw
        .into_iter()
        .filter_map(|r| {
            let stops = matches!(
                r.event.as_deref(),
                Some("bounce" | "dropped" | "spamreport" | "unsubscribe" | "group_unsubscribe")
            );
            Some(ProviderEvent { id: r.sg_event_id?, email: r.email?, stops_address: stops })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stopping_kinds_stop_an_address() {
        let body = br#"[
            {"email": "a@x.fr", "event": "bounce", "sg_event_id": "e1"},
            {"email": "a@x.fr", "event": "delivered", "sg_event_id": "e2"},
            {"email": "b@x.fr", "event": "spamreport", "sg_event_id": "e3"},
            {"event": "open", "sg_event_id": "e4"}
        ]"#;
        let events = parse(body).unwrap();
        let stops: Vec<(&str, bool)> =
            events.iter().map(|e| (e.id.as_str(), e.stops_address)).collect();
        assert_eq!(stops, [("e1", true), ("e2", false), ("e3", true)]);
        assert!(matches!(parse(b"{}"), Err(EventsError::Body(_))));
    }

    #[test]
    fn a_key_that_is_not_one_is_refused() {
        assert!(key("not base64!").is_none());
        assert!(key("aGVsbG8=").is_none());
    }
}
