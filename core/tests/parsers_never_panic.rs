//! Every parser of outside input, fed arbitrary text: typed answers (each domain value), button
//! payloads, command lines, stored conversation states and notifications, and configuration
//! values. Each returns a value or a typed error; none panics, whatever the bytes.

use chrono::NaiveDate;
use flowstage_core::config::Config;
use flowstage_core::conversation::Incoming;
use flowstage_core::conversation::payload;
use flowstage_core::conversation::state::State;
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::City;
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Email, Fee, LicenceNumber, Links, LongText,
    Name, TravelRadius,
};
use proptest::prelude::*;

/// Any text: arbitrary bytes read as (lossy) UTF-8, or arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ".{0,300}",
        // Near misses of what parsers accept.
        "[0-9 /.,:€%kmKM-]{0,40}",
        "[a-zA-Zéèà ,'-]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn typed_answers_never_panic(s in text()) {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        let _ = Fee::parse(&s);
        let _ = Capacity::parse(&s);
        let _ = BudgetRange::parse(&s);
        let _ = AudienceRange::parse(&s);
        let _ = TravelRadius::parse(&s);
        let _ = Email::parse(&s);
        let _ = LicenceNumber::parse(&s);
        let _ = Links::parse(&s);
        let _ = LongText::parse(&s);
        let _ = Name::parse(&s);
        let _ = DateSet::parse(&s, today);
        let _ = City::parse(&s);
        let _ = GenreSet::parse(&s);
    }

    #[test]
    fn payloads_commands_states_and_notifications_never_panic(s in text()) {
        let _ = payload::decode(&s);
        let _ = Incoming::from_line(&s);
        let _ = State::decode(&s);
        let _ = flowstage_core::notify::decode(&s);
    }

    /// What webhooks receive: Stripe's signature header and event body (signed for real, so
    /// the body parser is reached too), and a Telegram update's JSON as the front-end reads it.
    #[test]
    fn webhook_headers_and_bodies_never_panic(
        header in text(),
        body in prop::collection::vec(any::<u8>(), 0..600),
        stamp in any::<i64>(),
    ) {
        use flowstage_core::config::Secret;
        use flowstage_core::payments::{StripeEvent, signature};
        let secret = Secret::new("whsec_test".to_owned());
        let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let _ = signature::verify(Some(&header), &body, std::slice::from_ref(&secret), now);
        let signed = signature::header(&secret, stamp, &body);
        let _ = signature::verify(Some(&signed), &body, &[secret], now);
        let _ = StripeEvent::parse(&body);
        let _ = StripeEvent::parse(header.as_bytes());
        let _ = serde_json::from_slice::<serde_json::Value>(&body);
    }

    #[test]
    fn configuration_values_never_panic(s in text(), which in 0usize..24) {
        const VARS: [&str; 24] = [
            "DATABASE_URL", "FLOWSTAGE_HTTP_ADDR", "PUBLIC_BASE_URL", "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "DISCORD_TOKEN",
            "DISCORD_GUILD_ID", "ADMIN_TELEGRAM_IDS", "ADMIN_DISCORD_IDS", "ADMIN_DISCORD_ROLE",
            "SMTP_URL", "MAIL_FROM", "STRIPE_API_KEY", "STRIPE_API_URL", "COMMISSION_RATE",
            "COMMISSION_FREE_MONTHS", "PROPOSAL_EXPIRY_DAYS", "PROPOSAL_DAILY_QUOTA",
            "HOLD_FIRST_DAYS", "HOLD_CHALLENGE_HOURS", "MATCH_WEIGHTS", "EMAIL_WEBHOOK_KEY",
        ];
        let name = VARS[which];
        // With a token set, the Telegram variables are read too.
        let _ = Config::from_lookup(|v| {
            if v == name {
                Some(s.clone())
            } else if v == "TELEGRAM_BOT_TOKEN" {
                Some("123:abc".to_owned())
            } else {
                None
            }
        });
    }
}
