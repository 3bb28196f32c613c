//! The client of Stripe's API (`STRIPE_API_URL`): Checkout Sessions created and expired with
//! form-encoded requests, as Stripe's API takes them. A creation carries an `Idempotency-Key`
//! derived from the booking and the attempt, so a retry after a lost answer gets the same session
//! back instead of a second link; the booking rides in the session's and the payment's metadata,
//! so every event about them names it.

use std::time::Duration;

use flowstage_core::config::{Secret, StripeConfig};
use flowstage_core::domain::Lang;
use flowstage_core::payments::event::BOOKING_METADATA_KEY;
use flowstage_core::payments::{CheckoutApi, CheckoutError, CheckoutLink, CheckoutRequest};
use serde_json::Value;

/// Stripe's API, as the payments worker uses it.
#[derive(Debug, Clone)]
pub struct StripeApi {
    http: reqwest::Client,
    base: String,
    key: Secret,
    /// Where Stripe sends the payer after paying (`PUBLIC_BASE_URL/payments/done/{lang}`).
    public_base_url: Option<String>,
}

impl StripeApi {
    pub fn new(config: &StripeConfig, public_base_url: Option<String>) -> reqwest::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .build()?,
            base: config.api_url.clone(),
            key: config.api_key.clone(),
            public_base_url,
        })
    }

    /// The form of a session for `r`, in Stripe's bracket notation.
    #[must_use]
    pub fn session_form(&self, r: &CheckoutRequest) -> Vec<(String, String)> {
        let booking = r.booking.to_string();
        let mut form: Vec<(String, String)> = [
            ("mode", "payment".to_owned()),
            ("client_reference_id", format!("booking-{booking}")),
            ("locale", r.locale.code().to_owned()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("line_items[0][price_data][currency]", "eur".to_owned()),
            ("line_items[0][price_data][unit_amount]", r.amount_cents.to_string()),
            ("line_items[0][price_data][product_data][name]", r.product_name.clone()),
            (&format!("metadata[{BOOKING_METADATA_KEY}]"), booking.clone()),
            (&format!("payment_intent_data[metadata][{BOOKING_METADATA_KEY}]"), booking),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(base) = &self.public_base_url {
            let lang = match r.locale {
                Lang::Fr => "fr",
                Lang::En => "en",
            };
            form.push(("success_url".to_owned(), format!("{base}/payments/done/{lang}")));
        }
        form
    }

    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, CheckoutError> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.key.expose())
            .form(form);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response =
            request.send().await.map_err(|e| CheckoutError::Unavailable(e.to_string()))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let error = body.get("error");
        let field = |k: &str| {
            error.and_then(|e| e.get(k)).and_then(Value::as_str).unwrap_or_default().to_owned()
        };
        // 429 and 5xx are Stripe's to recover from: the next pass retries with the same key.
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(CheckoutError::Unavailable(format!("{status}: {}", field("message"))));
        }
        Err(CheckoutError::Refused {
            status: status.as_u16(),
            kind: field("type"),
            message: field("message"),
        })
    }
}

impl CheckoutApi for StripeApi {
    async fn create_session(&self, r: &CheckoutRequest) -> Result<CheckoutLink, CheckoutError> {
        let form = self.session_form(r);
        let v = self.post("/v1/checkout/sessions", &form, Some(&r.idempotency_key)).await?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        match (text("id"), text("url")) {
            (Some(session_id), Some(url)) => Ok(CheckoutLink {
                session_id,
                url,
                expires_at: v
                    .get("expires_at")
                    .and_then(Value::as_i64)
                    .and_then(flowstage_core::payments::from_unix),
            }),
            // For operators: a log line of the worker, never shown to a person.
            _ => Err(CheckoutError::Unavailable("a session without id or url".to_owned())),
        }
    }

    async fn expire_session(&self, session: &str) -> Result<(), CheckoutError> {
        self.post(&format!("/v1/checkout/sessions/{session}/expire"), &[], None).await.map(|_| ())
    }
}
