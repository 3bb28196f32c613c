//! A fake of Stripe's API on loopback, for what Flow Stage calls: Checkout Sessions created
//! (`POST /v1/checkout/sessions`, form-encoded) and expired (`POST /v1/checkout/sessions/{id}/expire`).
//! It answers as Stripe documents, including its error shapes (`{"error": {"type", "code",
//! "message", "param"}}`): 401 for a bad key, 400 `parameter_missing` / `parameter_invalid_integer`
//! for a bad parameter, 400 `idempotency_error` for a replayed `Idempotency-Key` with other
//! parameters (the same key with the same parameters replays the first answer, with
//! `Idempotent-Replayed: true`), 404 `resource_missing`, and 400 for expiring a session that is
//! not open. What it was asked is kept for the tests.

#![allow(clippy::unwrap_used, reason = "test support: a failure is a failed test")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// A session as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    /// `open`, `complete` or `expired`.
    pub status: String,
    pub amount_total: i64,
    pub booking: Option<String>,
    pub idempotency_key: Option<String>,
    /// The form as received.
    pub form: Vec<(String, String)>,
}

/// A form as received: (name, value) pairs in order.
type Form = Vec<(String, String)>;

/// What an idempotency key answered first: its parameters, status and body.
type Replay = (Form, StatusCode, Value);

#[derive(Default)]
struct St {
    sessions: Vec<Session>,
    /// Idempotency key → (the parameters first used, the first answer).
    replays: HashMap<String, Replay>,
    /// Every request: (path, status answered).
    calls: Vec<(String, u16)>,
}

struct Inner {
    key: String,
    st: Mutex<St>,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeStripe {
    inner: Arc<Inner>,
    url: String,
}

fn error(
    status: StatusCode,
    kind: &str,
    code: Option<&str>,
    message: &str,
    param: Option<&str>,
) -> (StatusCode, Value) {
    let mut e = json!({ "type": kind, "message": message });
    if let Some(code) = code {
        e["code"] = json!(code);
        e["doc_url"] =
            json!(format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")));
    }
    if let Some(param) = param {
        e["param"] = json!(param);
    }
    (status, json!({ "error": e }))
}

fn authorized(inner: &Inner, headers: &HeaderMap) -> Result<(), (StatusCode, Value)> {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if given == inner.key {
        return Ok(());
    }
    let shown: String = given.chars().take(8).collect();
    Err(error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        &format!("Invalid API Key provided: {shown}****"),
        None,
    ))
}

fn session_json(s: &Session, base: &str) -> Value {
    json!({
        "id": s.id,
        "object": "checkout.session",
        "amount_total": s.amount_total,
        "currency": "eur",
        "mode": "payment",
        "status": s.status,
        "payment_status": if s.status == "complete" { "paid" } else { "unpaid" },
        "metadata": { "booking_id": s.booking },
        "client_reference_id": s.booking.as_ref().map(|b| format!("booking-{b}")),
        "expires_at": 1_900_000_000,
        "url": if s.status == "open" { json!(format!("{base}/c/pay/{}", s.id)) } else { Value::Null },
    })
}

fn reply((status, body): (StatusCode, Value), replayed: bool) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert("request-id", HeaderValue::from_static("req_fake"));
    if replayed {
        r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}

async fn create(State(f): State<FakeStripe>, headers: HeaderMap, body: String) -> Response {
    let answered = create_answer(&f, &headers, &body);
    let (status, body, replayed) = answered;
    f.inner.st.lock().unwrap().calls.push(("/v1/checkout/sessions".into(), status.as_u16()));
    reply((status, body), replayed)
}

fn create_answer(f: &FakeStripe, headers: &HeaderMap, body: &str) -> (StatusCode, Value, bool) {
    if let Err((s, v)) = authorized(&f.inner, headers) {
        return (s, v, false);
    }
    let form: Vec<(String, String)> =
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut st = f.inner.st.lock().unwrap();
    if let Some(key) = &key
        && let Some((params, status, answer)) = st.replays.get(key)
    {
        if *params == form {
            return (*status, answer.clone(), true);
        }
        let (s, v) = error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            None,
            &format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
            None,
        );
        return (s, v, false);
    }
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (status, answer) = (|| {
        for required in ["mode", "line_items[0][price_data][currency]", "line_items[0][quantity]"] {
            if get(required).is_none() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    Some("parameter_missing"),
                    &format!("Missing required param: {required}."),
                    Some(required),
                );
            }
        }
        let param = "line_items[0][price_data][unit_amount]";
        let amount = match get(param).map(|v| v.parse::<i64>()) {
            Some(Ok(a)) if a >= 0 => a,
            Some(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    Some("parameter_invalid_integer"),
                    &format!("Invalid integer: {}", get(param).unwrap_or_default()),
                    Some(param),
                );
            }
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    Some("parameter_missing"),
                    &format!("Missing required param: {param}."),
                    Some(param),
                );
            }
        };
        let session = Session {
            id: format!("cs_test_{:04}", st.sessions.len() + 1),
            status: "open".into(),
            amount_total: amount,
            booking: get("metadata[booking_id]"),
            idempotency_key: key.clone(),
            form: form.clone(),
        };
        let v = session_json(&session, &f.url);
        st.sessions.push(session);
        (StatusCode::OK, v)
    })();
    // Stripe keeps the answer of a key, errors included, for 24 hours.
    if let Some(key) = key {
        st.replays.insert(key, (form, status, answer.clone()));
    }
    (status, answer, false)
}

async fn expire(
    State(f): State<FakeStripe>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (status, body) = (|| {
        authorized(&f.inner, &headers)?;
        let mut st = f.inner.st.lock().unwrap();
        let Some(s) = st.sessions.iter_mut().find(|s| s.id == id) else {
            return Err(error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                Some("resource_missing"),
                &format!("No such checkout.session: '{id}'"),
                Some("session"),
            ));
        };
        if s.status != "open" {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                None,
                &format!("Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{}\".", s.status),
                None,
            ));
        }
        s.status = "expired".into();
        Ok((StatusCode::OK, session_json(s, &f.url)))
    })()
    .unwrap_or_else(|e| e);
    f.inner
        .st
        .lock()
        .unwrap()
        .calls
        .push((format!("/v1/checkout/sessions/{id}/expire"), status.as_u16()));
    reply((status, body), false)
}

impl FakeStripe {
    /// Starts on a free loopback port, accepting `key` as the secret API key.
    pub async fn start(key: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeStripe {
            inner: Arc::new(Inner { key: key.to_owned(), st: Mutex::new(St::default()) }),
            url,
        };
        let app = axum::Router::new()
            .route("/v1/checkout/sessions", post(create))
            .route("/v1/checkout/sessions/{id}/expire", post(expire))
            .with_state(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        fake
    }

    /// `STRIPE_API_URL` for the binary.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    #[must_use]
    pub fn sessions(&self) -> Vec<Session> {
        self.inner.st.lock().unwrap().sessions.clone()
    }

    /// Every request answered: (path, status).
    #[must_use]
    pub fn calls(&self) -> Vec<(String, u16)> {
        self.inner.st.lock().unwrap().calls.clone()
    }

    /// The payer paid: the session is complete.
    pub fn complete(&self, id: &str) {
        let mut st = self.inner.st.lock().unwrap();
        if let Some(s) = st.sessions.iter_mut().find(|s| s.id == id) {
            s.status = "complete".into();
        }
    }

    /// Stripe let the session run out.
    pub fn run_out(&self, id: &str) {
        let mut st = self.inner.st.lock().unwrap();
        if let Some(s) = st.sessions.iter_mut().find(|s| s.id == id) {
            s.status = "expired".into();
        }
    }
}
