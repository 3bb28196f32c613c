//! The words of the platform's commission (docs/product-rules.md §8): payment notices (a link to
//! pay, a reminder, a receipt; refunds and disputes for the admins), a booking's payment state as
//! both sides and the admins read it, and the commission lines of `/stats`.

use super::i18n::{spans, tr};
use super::reply::{Reply, Span};
use super::show;
use crate::domain::Lang;
use crate::payments::{Commission, CommissionStatus, CommissionTotals, PaymentNews, PaymentNotice};

/// "115,20 €" in French, "€115.20" in English.
#[must_use]
pub fn money(lang: Lang, cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (units, rest) = (crate::domain::values::group_thousands(abs / 100), abs % 100);
    match lang {
        Lang::Fr => format!("{sign}{units},{rest:02}\u{a0}€"),
        Lang::En => format!("{sign}€{}.{rest:02}", units.replace('\u{a0}', ",")),
    }
}

/// The message a payment notice becomes.
#[must_use]
pub fn render(n: &PaymentNotice, lang: Lang) -> Reply {
    let base = [
        ("booking", n.reference.clone()),
        ("day", show::day(lang, n.day)),
        ("amount", money(lang, n.total_cents)),
    ];
    let with = |extra: &[(&'static str, String)]| {
        let mut args: Vec<(&'static str, String)> = base.to_vec();
        args.extend(extra.iter().cloned());
        args
    };
    let link =
        |url: &str| vec![Span::Link { text: tr(lang, "pay-link-text", &[]), url: url.to_owned() }];
    match &n.news {
        PaymentNews::Link { url, renewed } => {
            let key = if *renewed { "ev-pay-link-renewed" } else { "ev-pay-link" };
            Reply::new().para(spans(lang, key, &with(&[]))).para(link(url))
        }
        PaymentNews::Reminder { url } => {
            Reply::new().para(spans(lang, "ev-pay-reminder", &with(&[]))).para(link(url))
        }
        PaymentNews::Paid => Reply::new().para(spans(lang, "ev-pay-paid", &with(&[]))),
        PaymentNews::RefundToDecide { paid_twice } => {
            let key = if *paid_twice { "ev-pay-paid-twice" } else { "ev-pay-refund-to-decide" };
            Reply::new().para(spans(lang, key, &with(&[])))
        }
        PaymentNews::Refunded { cents, fully } => {
            let key = if *fully { "ev-pay-refunded" } else { "ev-pay-refunded-part" };
            Reply::new().para(spans(lang, key, &with(&[("refunded", money(lang, *cents))])))
        }
        PaymentNews::Disputed { cents, reason } => Reply::new().para(spans(
            lang,
            "ev-pay-disputed",
            &with(&[("disputed", money(lang, *cents)), ("reason", reason.clone())]),
        )),
    }
}

/// A booking's payment state in one line, the same for both sides and the admins.
#[must_use]
pub fn state_line(lang: Lang, c: &Commission) -> Vec<Span> {
    let amount = money(lang, c.owed.total_cents);
    let payer = tr(lang, &format!("pay-payer-{}", c.owed.payer.as_str()), &[]);
    let args = [
        ("amount", amount),
        ("payer", payer),
        ("until", show::day(lang, c.owed.free_until.date_naive())),
        ("refunded", money(lang, c.refunded_cents)),
    ];
    let key = match c.status {
        CommissionStatus::Waived => "pay-state-waived",
        CommissionStatus::Owed => "pay-state-owed",
        CommissionStatus::Paid => "pay-state-paid",
        CommissionStatus::Cancelled => "pay-state-cancelled",
        CommissionStatus::RefundDue => "pay-state-refund-due",
        CommissionStatus::Refunded => "pay-state-refunded",
    };
    let mut line = spans(lang, key, &args);
    if c.status == CommissionStatus::Owed
        && let Some(link) = &c.checkout
    {
        line.push(Span::Plain(" ".into()));
        line.push(Span::Link { text: tr(lang, "pay-link-text", &[]), url: link.url.clone() });
    }
    if c.dispute.is_some() {
        line.push(Span::Plain(format!(" {}", tr(lang, "pay-state-disputed", &[]))));
    }
    line
}

/// `card` with the payment state of the booking proposal `id` became, if it owes a commission:
/// the proposal card both sides open (`/proposals`).
pub(crate) async fn with_booking_state(
    turn: &super::turn::Turn<'_>,
    card: Reply,
    id: crate::domain::ProposalId,
) -> Result<Reply, crate::store::StoreError> {
    Ok(match turn.store().commission_of_proposal(id).await? {
        Some(c) => card.para(state_line(turn.lang, &c)),
        None => card,
    })
}

/// The commission lines of `/stats`.
#[must_use]
pub fn stats_lines(lang: Lang, t: &CommissionTotals) -> Vec<Vec<Span>> {
    vec![
        vec![Span::Plain(tr(
            lang,
            "stats-commission-owed",
            &[("amount", money(lang, t.owed_cents)), ("count", t.owed_count.to_string())],
        ))],
        vec![Span::Plain(tr(
            lang,
            "stats-commission-paid",
            &[("amount", money(lang, t.paid_cents)), ("count", t.paid_count.to_string())],
        ))],
        vec![Span::Plain(tr(
            lang,
            "stats-commission-refunded",
            &[
                ("amount", money(lang, t.refunded_cents)),
                ("decide", t.refunds_to_decide.to_string()),
            ],
        ))],
        vec![Span::Plain(tr(
            lang,
            "stats-commission-waived",
            &[("count", t.waived_count.to_string())],
        ))],
    ]
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::BookingId;

    #[test]
    fn amounts_read_as_each_language_writes_them() {
        assert_eq!(money(Lang::Fr, 11_520), "115,20\u{a0}€");
        assert_eq!(money(Lang::En, 11_520), "€115.20");
        assert_eq!(money(Lang::Fr, 123_456_789), "1\u{a0}234\u{a0}567,89\u{a0}€");
        assert_eq!(money(Lang::En, 123_456_789), "€1,234,567.89");
        assert_eq!(money(Lang::En, 5), "€0.05");
    }

    #[test]
    fn every_notice_has_words_in_both_languages() {
        let news = [
            PaymentNews::Link { url: "https://pay.example/1".into(), renewed: false },
            PaymentNews::Link { url: "https://pay.example/1".into(), renewed: true },
            PaymentNews::Reminder { url: "https://pay.example/1".into() },
            PaymentNews::Paid,
            PaymentNews::RefundToDecide { paid_twice: false },
            PaymentNews::RefundToDecide { paid_twice: true },
            PaymentNews::Refunded { cents: 100, fully: false },
            PaymentNews::Refunded { cents: 11_520, fully: true },
            PaymentNews::Disputed { cents: 11_520, reason: "fraudulent".into() },
        ];
        for lang in [Lang::Fr, Lang::En] {
            for news in &news {
                let n = PaymentNotice {
                    booking: BookingId(3),
                    reference: "FS-2026-000003".into(),
                    day: NaiveDate::from_ymd_opt(2026, 12, 19).unwrap(),
                    total_cents: 11_520,
                    news: news.clone(),
                };
                let text = render(&n, lang).plain_text();
                assert!(text.contains("FS-2026-000003"), "{text}");
                // An untranslated key would show as itself, an unfilled argument as `{ $x }`.
                assert!(!text.contains('{') && text.chars().any(char::is_whitespace), "{text}");
                if let PaymentNews::Link { url, .. } | PaymentNews::Reminder { url } = news {
                    assert!(text.contains(url.as_str()), "{text}");
                }
            }
        }
    }
}
