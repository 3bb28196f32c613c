//! Stripe's webhook events, read into what Flow Stage acts on. Only the fields used are read;
//! everything else in Stripe's (large, growing) objects is ignored, so a new API version does not
//! break the endpoint. An event of a type we do not act on is [`Change::Other`]: acknowledged,
//! recorded, ignored.

use serde_json::Value;

use crate::domain::BookingId;

/// The metadata key carrying the booking on every object we create at Stripe.
pub const BOOKING_METADATA_KEY: &str = "booking_id";

/// One event as Stripe sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    /// `evt_…`: the key that makes each event apply once.
    pub id: String,
    /// Stripe's type name, e.g. `checkout.session.completed`.
    pub kind: String,
    /// When Stripe created it (Unix seconds).
    pub created: i64,
    pub change: Change,
}

/// What an event means for a commission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A Checkout Session finished (`checkout.session.completed`, or
    /// `checkout.session.async_payment_succeeded` for a payment settled later).
    CheckoutCompleted {
        session: String,
        booking: Option<BookingId>,
        payment_intent: Option<String>,
        /// Whether the money is in (`payment_status` `paid`); a delayed method says `unpaid`
        /// here and sends `async_payment_succeeded` later.
        paid: bool,
        amount_total: Option<i64>,
    },
    /// A Checkout Session's link ran out (`checkout.session.expired`).
    CheckoutExpired { session: String, booking: Option<BookingId> },
    /// Money went back (`charge.refunded`).
    ChargeRefunded {
        charge: String,
        payment_intent: Option<String>,
        booking: Option<BookingId>,
        amount_refunded: i64,
        /// Refunded in full.
        fully: bool,
    },
    /// The payer's bank disputes the charge (`charge.dispute.created`).
    DisputeCreated {
        dispute: String,
        charge: Option<String>,
        payment_intent: Option<String>,
        booking: Option<BookingId>,
        amount: i64,
        reason: String,
    },
    /// A type we do not act on.
    Other,
}

/// Why a body is not a Stripe event we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the event has no {0}")]
    Missing(&'static str),
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A field that Stripe sends as an id, or as the expanded object carrying one.
fn id_or_object(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn booking_of(object: &Value) -> Option<BookingId> {
    let from_metadata = object
        .get("metadata")
        .and_then(|m| m.get(BOOKING_METADATA_KEY))
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<i64>().ok());
    let from_reference = object
        .get("client_reference_id")
        .and_then(Value::as_str)
        .and_then(|s| s.strip_prefix("booking-"))
        .and_then(|s| s.parse::<i64>().ok());
    from_metadata.or(from_reference).map(BookingId)
}

impl StripeEvent {
    /// Reads a webhook body.
    pub fn parse(body: &[u8]) -> Result<Self, EventError> {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| EventError::NotJson(e.to_string()))?;
        let id = text(&v, "id").ok_or(EventError::Missing("id"))?;
        let kind = text(&v, "type").ok_or(EventError::Missing("type"))?;
        let created = v.get("created").and_then(Value::as_i64).unwrap_or(0);
        let object = v
            .get("data")
            .and_then(|d| d.get("object"))
            .ok_or(EventError::Missing("data.object"))?;
        let object_id = || text(object, "id").ok_or(EventError::Missing("data.object.id"));
        let change = match kind.as_str() {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                let status = text(object, "payment_status");
                Change::CheckoutCompleted {
                    session: object_id()?,
                    booking: booking_of(object),
                    payment_intent: id_or_object(object, "payment_intent"),
                    paid: matches!(status.as_deref(), Some("paid" | "no_payment_required")),
                    amount_total: object.get("amount_total").and_then(Value::as_i64),
                }
            }
            "checkout.session.expired" => {
                Change::CheckoutExpired { session: object_id()?, booking: booking_of(object) }
            }
            "charge.refunded" => Change::ChargeRefunded {
                charge: object_id()?,
                payment_intent: id_or_object(object, "payment_intent"),
                booking: booking_of(object),
                amount_refunded: object.get("amount_refunded").and_then(Value::as_i64).unwrap_or(0),
                fully: object.get("refunded").and_then(Value::as_bool).unwrap_or(false),
            },
            "charge.dispute.created" => Change::DisputeCreated {
                dispute: object_id()?,
                charge: id_or_object(object, "charge"),
                payment_intent: id_or_object(object, "payment_intent"),
                booking: booking_of(object),
                amount: object.get("amount").and_then(Value::as_i64).unwrap_or(0),
                reason: text(object, "reason").unwrap_or_default(),
            },
            _ => Change::Other,
        };
        Ok(Self { id, kind, created, change })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_session_names_its_booking_and_payment() {
        let body = br#"{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1800000000,
            "data":{"object":{"id":"cs_test_1","object":"checkout.session","payment_status":"paid",
            "payment_intent":"pi_1","amount_total":11520,"metadata":{"booking_id":"12"}}}}"#;
        let e = StripeEvent::parse(body).unwrap();
        assert_eq!((e.id.as_str(), e.created), ("evt_1", 1_800_000_000));
        assert_eq!(
            e.change,
            Change::CheckoutCompleted {
                session: "cs_test_1".into(),
                booking: Some(BookingId(12)),
                payment_intent: Some("pi_1".into()),
                paid: true,
                amount_total: Some(11_520),
            }
        );
    }

    #[test]
    fn unknown_types_and_bad_bodies() {
        let other = br#"{"id":"evt_2","type":"customer.created","data":{"object":{"id":"cus_1"}}}"#;
        assert_eq!(StripeEvent::parse(other).unwrap().change, Change::Other);
        assert!(matches!(StripeEvent::parse(b"{not json"), Err(EventError::NotJson(_))));
        assert_eq!(StripeEvent::parse(br#"{"type":"x"}"#), Err(EventError::Missing("id")));
        assert_eq!(
            StripeEvent::parse(
                br#"{"id":"evt_3","type":"checkout.session.expired","data":{"object":{}}}"#
            ),
            Err(EventError::Missing("data.object.id"))
        );
    }

    #[test]
    fn refunds_and_disputes_read_expanded_or_plain_ids() {
        let refund = br#"{"id":"evt_4","type":"charge.refunded","data":{"object":{"id":"ch_1",
            "payment_intent":{"id":"pi_9"},"amount_refunded":11520,"refunded":true,"metadata":{}}}}"#;
        assert_eq!(
            StripeEvent::parse(refund).unwrap().change,
            Change::ChargeRefunded {
                charge: "ch_1".into(),
                payment_intent: Some("pi_9".into()),
                booking: None,
                amount_refunded: 11_520,
                fully: true,
            }
        );
        let dispute =
            br#"{"id":"evt_5","type":"charge.dispute.created","data":{"object":{"id":"dp_1",
            "charge":"ch_1","payment_intent":"pi_9","amount":11520,"reason":"fraudulent"}}}"#;
        assert!(matches!(
            StripeEvent::parse(dispute).unwrap().change,
            Change::DisputeCreated { amount: 11_520, ref reason, .. } if reason == "fraudulent"
        ));
    }
}
