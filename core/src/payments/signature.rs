//! Stripe's webhook signatures: the `Stripe-Signature` header carries a timestamp `t` and one or
//! more `v1` signatures, each an HMAC-SHA256 of `"{t}.{raw body}"` keyed by an endpoint secret.
//! The body must be the bytes as received (a re-serialised JSON would not match). During a
//! secret's rotation Stripe signs with both secrets, and we accept either.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

/// How far the signed timestamp may be from now, either way: Stripe's default of five minutes.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a request was not proved to come from Stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signed timestamp is more than {TOLERANCE_SECS} s away from now")]
    OutsideTolerance,
    #[error("no v1 signature matches a configured secret")]
    NoMatch,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &Secret, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret.expose().as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable_key(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cold]
fn unreachable_key() -> HmacSha256 {
    // `Hmac::new_from_slice` accepts every length; this only keeps the code free of `expect`.
    #[allow(clippy::unwrap_used, reason = "an empty key is accepted by HMAC")]
    HmacSha256::new_from_slice(&[]).unwrap()
}

/// The header value Stripe would send for `body` signed with `secret` at `timestamp`: for the
/// load generator and unit tests (the end-to-end tests sign with Stripe's own Python package).
#[must_use]
pub fn header(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    let sig = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
    format!("t={timestamp},v1={sig}")
}

/// Checks `header` for `body` against each of `secrets`, at `now`. Every `v1` is tried against
/// every secret; the comparison is constant-time (`Mac::verify_slice`).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else { continue };
        match key {
            "t" => timestamp = value.parse::<i64>().ok(),
            "v1" => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::OutsideTolerance);
    }
    let matched = secrets.iter().any(|secret| {
        let mac = mac(secret, timestamp, body);
        signatures.iter().any(|sig| mac.clone().verify_slice(sig).is_ok())
    });
    if matched { Ok(()) } else { Err(SignatureError::NoMatch) }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn matches_stripes_own_library() {
        // What `stripe.WebhookSignature.generate_signature_header("{}", "whsec_test",
        // timestamp=1800000000)` gives (stripe-python 16.1.0).
        let h = header(&Secret::new("whsec_test"), 1_800_000_000, b"{}");
        assert_eq!(
            h,
            "t=1800000000,v1=482e6337ac5272392d375c6fdc4d52a7e615dc2facedab0ffe155ddfd6a56e66"
        );
        assert!(verify(Some(&h), b"{}", &[Secret::new("whsec_test")], now()).is_ok());
    }

    #[test]
    fn every_way_to_fail() {
        let s = Secret::new("whsec_a");
        let body = br#"{"id":"evt_1"}"#;
        let good = header(&s, now().timestamp(), body);
        assert_eq!(
            verify(None, body, std::slice::from_ref(&s), now()),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(Some("v1=00"), body, std::slice::from_ref(&s), now()),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some("t=1"), body, std::slice::from_ref(&s), now()),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some(&good), br#"{"id":"evt_2"}"#, std::slice::from_ref(&s), now()),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(Some(&good), body, &[Secret::new("whsec_b")], now()),
            Err(SignatureError::NoMatch)
        );
        let old = header(&s, now().timestamp() - TOLERANCE_SECS - 1, body);
        assert_eq!(
            verify(Some(&old), body, std::slice::from_ref(&s), now()),
            Err(SignatureError::OutsideTolerance)
        );
        let edge = header(&s, now().timestamp() - TOLERANCE_SECS, body);
        assert!(verify(Some(&edge), body, std::slice::from_ref(&s), now()).is_ok());
        let future = header(&s, now().timestamp() + TOLERANCE_SECS + 1, body);
        assert_eq!(verify(Some(&future), body, &[s], now()), Err(SignatureError::OutsideTolerance));
    }

    #[test]
    fn any_v1_and_any_secret_during_a_rotation() {
        let (old, new) = (Secret::new("whsec_old"), Secret::new("whsec_new"));
        let body = b"payload";
        let t = now().timestamp();
        let by_old = header(&old, t, body);
        let by_new = header(&new, t, body);
        // Stripe sends one v1 per active secret, and may add v0 (test mode) we ignore.
        let both = format!("{by_old},v1={},v0=abcd", &by_new[by_new.find("v1=").unwrap() + 3..]);
        assert!(verify(Some(&both), body, std::slice::from_ref(&new), now()).is_ok());
        assert!(verify(Some(&both), body, std::slice::from_ref(&old), now()).is_ok());
        assert!(verify(Some(&by_old), body, &[new.clone(), old.clone()], now()).is_ok());
        assert_eq!(verify(Some(&by_old), body, &[new], now()), Err(SignatureError::NoMatch));
    }
}
