//! Discord's REST API, paced by us: serenity's own rate limiter cannot be used with a proxied
//! API URL, so every call goes through here. One call at a time per route bucket (method, route
//! and major parameter), the `X-RateLimit-Remaining` / `X-RateLimit-Reset-After` headers of each
//! answer honoured before the next call of the bucket, and a 429 waited out and retried, so a
//! refusal storm (401/403/429) never starts from our side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use serenity::http::{Http, HttpError, LightMethod, Request, Route};
use tokio::time::Instant;

/// Discord's JSON code for "cannot send messages to this user" (DMs closed, or no shared server).
pub const CANNOT_MESSAGE_USER: isize = 50007;
/// How many 429s one call waits out before giving up.
const MAX_RETRIES: u32 = 3;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// Discord answered with an error status and its JSON code.
    #[error("Discord refused the call: {status} (code {code}): {message}")]
    Refused { status: u16, code: isize, message: String },
    /// Discord could not be reached, or its answer could not be read.
    #[error("Discord unreachable: {0}")]
    Unreachable(String),
}

impl RestError {
    #[must_use]
    pub fn code(&self) -> Option<isize> {
        match self {
            RestError::Refused { code, .. } => Some(*code),
            RestError::Unreachable(_) => None,
        }
    }
}

/// What the last answer of a bucket said about the next call.
#[derive(Debug, Default)]
struct Bucket {
    /// No call before this instant (the bucket is empty until its reset).
    not_before: Option<Instant>,
}

/// The paced client.
#[derive(Debug)]
pub struct Rest {
    http: Arc<Http>,
    buckets: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Bucket>>>>,
}

impl Rest {
    #[must_use]
    pub fn new(http: Arc<Http>) -> Self {
        Self { http, buckets: Mutex::new(HashMap::new()) }
    }

    fn bucket(&self, key: &str) -> Arc<tokio::sync::Mutex<Bucket>> {
        let mut map = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > 10_000 {
            // Buckets of finished interactions: nobody else holds them.
            map.retain(|_, b| Arc::strong_count(b) > 1);
        }
        map.entry(key.to_owned()).or_default().clone()
    }

    /// Makes one call in bucket `key` and returns its JSON answer (`Null` for 204).
    pub async fn call<'r>(
        &self,
        key: &str,
        build: impl Fn() -> Request<'r>,
    ) -> Result<Value, RestError> {
        let bucket = self.bucket(key);
        // Held for the whole call: one call in flight per bucket.
        let mut state = bucket.lock().await;
        let mut attempts = 0;
        loop {
            if let Some(t) = state.not_before.take() {
                tokio::time::sleep_until(t).await;
            }
            let result = self.http.request(build()).await;
            match result {
                Ok(response) => {
                    let headers = response.headers();
                    state.not_before = pause_of(|name| {
                        headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
                    });
                    let status = response.status().as_u16();
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|e| RestError::Unreachable(e.to_string()))?;
                    if status == 204 || bytes.is_empty() {
                        return Ok(Value::Null);
                    }
                    return serde_json::from_slice(&bytes)
                        .map_err(|e| RestError::Unreachable(e.to_string()));
                }
                Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e)))
                    if e.status_code.as_u16() == 429 && attempts < MAX_RETRIES =>
                {
                    attempts += 1;
                    // The headers are gone with serenity's error: wait out a whole window.
                    tracing::warn!(bucket = key, "Discord rate-limited a call; waiting");
                    state.not_before = Some(Instant::now() + Duration::from_secs(5));
                }
                Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
                    return Err(RestError::Refused {
                        status: e.status_code.as_u16(),
                        code: e.error.code,
                        message: e.error.message,
                    });
                }
                Err(e) => return Err(RestError::Unreachable(e.to_string())),
            }
        }
    }
}

/// The wait before the bucket's next call: none while calls remain, the reset when none does.
fn pause_of(read: impl Fn(&str) -> Option<String>) -> Option<Instant> {
    let remaining = read("x-ratelimit-remaining")?.parse::<u32>().ok()?;
    if remaining > 0 {
        return None;
    }
    let after = read("x-ratelimit-reset-after")?.parse::<f64>().ok()?;
    let after = Duration::try_from_secs_f64(after.clamp(0.0, 60.0)).ok()?;
    Some(Instant::now() + after)
}

/// A JSON request on `route`.
pub fn json<'a>(route: Route<'a>, method: LightMethod, body: &Value) -> Request<'a> {
    Request::new(route, method).body(Some(body.to_string().into_bytes()))
}
