//! The fake Stripe API answers as Stripe does, checked with the client `flowstage serve` uses
//! (`flowstage_webhooks::stripe::api::StripeApi`) and with raw requests for what that client
//! never sends: a session created and replayed by its idempotency key, the key replayed with
//! other parameters, a bad key, bad parameters, expiring an open and a closed session.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use flowstage_core::config::{Secret, StripeConfig};
use flowstage_core::domain::{BookingId, Lang};
use flowstage_core::payments::{CheckoutApi, CheckoutError, CheckoutRequest};
use flowstage_tests::fake_stripe::FakeStripe;
use flowstage_webhooks::stripe::api::StripeApi;
use serde_json::Value;

fn api(fake: &FakeStripe, key: &str) -> StripeApi {
    let config = StripeConfig {
        api_key: Secret::new(key),
        api_url: fake.url().to_owned(),
        webhook_secrets: vec![Secret::new("whsec_x")],
    };
    StripeApi::new(&config, Some("https://flowstage.example".into())).unwrap()
}

fn request(amount: i64) -> CheckoutRequest {
    CheckoutRequest {
        booking: BookingId(7),
        idempotency_key: "flowstage-commission-7-1".into(),
        amount_cents: amount,
        product_name: "Commission Flow Stage — réservation FS-2026-000007".into(),
        locale: Lang::Fr,
    }
}

#[tokio::test]
async fn sessions_are_created_once_per_idempotency_key() {
    let fake = FakeStripe::start("sk_test_ok").await;
    let client = api(&fake, "sk_test_ok");
    let first = client.create_session(&request(11_520)).await.unwrap();
    assert!(first.session_id.starts_with("cs_test_"));
    assert!(first.url.ends_with(&first.session_id));
    // A retry after a lost answer gets the same session, not a second one.
    let again = client.create_session(&request(11_520)).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(fake.sessions().len(), 1);
    let s = &fake.sessions()[0];
    assert_eq!((s.amount_total, s.booking.as_deref()), (11_520, Some("7")));
    let form = |k: &str| s.form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(form("payment_intent_data[metadata][booking_id]").as_deref(), Some("7"));
    assert_eq!(form("success_url").as_deref(), Some("https://flowstage.example/payments/done/fr"));
    assert_eq!(form("line_items[0][price_data][currency]").as_deref(), Some("eur"));
    // The same key with other parameters is Stripe's idempotency error.
    match client.create_session(&request(9_999)).await {
        Err(CheckoutError::Refused { status: 400, kind, message }) => {
            assert_eq!(kind, "idempotency_error");
            assert!(message.contains("same parameters"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_key_and_bad_parameters_are_refused_as_stripe_refuses_them() {
    let fake = FakeStripe::start("sk_test_ok").await;
    match api(&fake, "sk_test_wrong").create_session(&request(100)).await {
        Err(CheckoutError::Refused { status: 401, kind, message }) => {
            assert_eq!(kind, "invalid_request_error");
            assert!(message.starts_with("Invalid API Key provided"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let http = reqwest::Client::new();
    let post = |form: Vec<(&'static str, &'static str)>| {
        http.post(format!("{}/v1/checkout/sessions", fake.url()))
            .bearer_auth("sk_test_ok")
            .form(&form)
            .send()
    };
    let missing = post(vec![("mode", "payment")]).await.unwrap();
    assert_eq!(missing.status().as_u16(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "parameter_missing");
    assert_eq!(body["error"]["param"], "line_items[0][price_data][currency]");
    let invalid = post(vec![
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][unit_amount]", "douze"),
    ])
    .await
    .unwrap();
    assert_eq!(invalid.status().as_u16(), 400);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["error"]["code"], "parameter_invalid_integer");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn only_an_open_session_can_be_expired() {
    let fake = FakeStripe::start("sk_test_ok").await;
    let client = api(&fake, "sk_test_ok");
    let s = client.create_session(&request(100)).await.unwrap();
    client.expire_session(&s.session_id).await.unwrap();
    assert_eq!(fake.sessions()[0].status, "expired");
    assert!(matches!(
        client.expire_session(&s.session_id).await,
        Err(CheckoutError::Refused { status: 400, .. })
    ));
    assert!(matches!(
        client.expire_session("cs_test_nope").await,
        Err(CheckoutError::Refused { status: 404, .. })
    ));
}
