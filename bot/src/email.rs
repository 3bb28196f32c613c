//! The email worker (issue 15, docs/product-rules.md §6): sends what the store's `emails` table
//! holds — verification codes, and the notifications that go by email to a verified address —
//! through `SMTP_URL` (`smtp://` plain or with `?tls=required` for STARTTLS, `smtps://`, with
//! credentials in the URL). Each email is claimed under a lease, so several instances never send
//! one twice; a temporary refusal (4xx, or no server) is tried again later with a growing wait;
//! a permanent one (5xx) gives the email up, stops using the address and tells the person in
//! chat. Every email is multipart: text and HTML from the same reply the chat shows, in the
//! account's language, with the contract PDF attached where the notification carries it.

use std::time::Duration;

use flowstage_core::config::{MailConfig, Rules};
use flowstage_core::conversation::i18n::tr;
use flowstage_core::conversation::{Block, Reply, Span, render_delivery};
use flowstage_core::email_reply::{self, ReplyTo};
use flowstage_core::notify::{Event, decode};
use flowstage_core::store::{CodePayload, EmailItem, Store, StoreError};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

/// A claim lasts this long: an SMTP exchange takes well under it.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
const BATCH: i64 = 10;
const IDLE: Duration = Duration::from_secs(1);
/// The wait before the next try after the `n`th temporary failure: 10 s doubling, an hour at most.
fn retry_wait(n: i64) -> chrono::Duration {
    let exp = u32::try_from(n.clamp(1, 10) - 1).unwrap_or(0);
    chrono::Duration::seconds((10_i64 << exp).min(3600))
}

/// The worker, ready to run.
pub struct Mailer {
    store: Store,
    rules: Rules,
    from: Mailbox,
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    /// The key signing reply addresses, read once from the database.
    reply_key: tokio::sync::OnceCell<Vec<u8>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish_non_exhaustive()
    }
}

/// What became of one email.
enum Sent {
    Done,
    Later(String),
    Never(String),
}

impl Mailer {
    /// Reads the configuration: an `SMTP_URL` lettre cannot use or a `MAIL_FROM` that is not an
    /// address stops start-up with the variable named.
    pub fn new(config: &MailConfig, store: Store, rules: Rules) -> anyhow::Result<Self> {
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(config.smtp_url.expose())
            .map_err(|e| anyhow::anyhow!("SMTP_URL cannot be used: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is not an email address: {e}"))?;
        Ok(Self { store, rules, from, smtp, reply_key: tokio::sync::OnceCell::new() })
    }

    /// Sends until told to stop.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let sent = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "emails could not be claimed");
                    0
                }
            };
            if sent == 0 {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    () = tokio::time::sleep(IDLE) => {}
                }
            } else if *shutdown.borrow() {
                return;
            }
        }
    }

    /// Claims a batch and sends it; returns how many were claimed.
    pub async fn round(&self) -> Result<usize, StoreError> {
        let mut claimed = 0;
        for digest in self.store.claim_digests(LEASE).await? {
            claimed += digest.len();
            self.send_digest(&digest).await?;
        }
        let items = self.store.claim_emails(BATCH, LEASE).await?;
        for item in &items {
            let outcome = self.send(item).await;
            self.settle(item, &outcome).await?;
        }
        Ok(claimed + items.len())
    }

    /// Records what became of an item: sent, tried again later, or given up (the person is
    /// told when an address they use, or the one they asked to verify, is refused).
    async fn settle(&self, item: &EmailItem, outcome: &Sent) -> Result<(), StoreError> {
        match outcome {
            Sent::Done => self.store.email_sent(item.id).await,
            Sent::Later(why) => {
                tracing::info!(email = item.id, error = why, "email refused for now; trying later");
                let at = self.store.clock().now() + retry_wait(item.attempts);
                self.store.email_retry(item.id, at, why).await
            }
            Sent::Never(why) => {
                tracing::warn!(email = item.id, error = why, "email refused for good");
                let suppressed = self.store.email_failed(item, why).await?;
                if suppressed || item.kind == "code" {
                    let event = Event::EmailUndeliverable { address: item.to.clone() };
                    let key = format!("email-undeliverable:{}", item.id);
                    self.store.notify(item.account, &event, &key).await?;
                }
                Ok(())
            }
        }
    }

    /// One account's waiting search alerts, in one email with a one-click unsubscribe link
    /// (`List-Unsubscribe`, RFC 8058) when `PUBLIC_BASE_URL` is set.
    async fn send_digest(&self, items: &[EmailItem]) -> Result<(), StoreError> {
        let Some(first) = items.first() else { return Ok(()) };
        let account = self.store.account(first.account).await?;
        let lang = account.lang;
        let alerts: Vec<Event> = items.iter().filter_map(|i| decode(&i.payload)).collect();
        let count = alerts.len().to_string();
        let mut reply = Reply::new().para(vec![Span::Bold(tr(
            lang,
            "email-digest-intro",
            &[("count", count.clone())],
        ))]);
        for event in &alerts {
            let one = render_delivery(&self.store, &self.rules, event, &account).await;
            reply.blocks.extend(one.blocks);
        }
        let unsubscribe = match &self.rules.public_base_url {
            Some(base) => {
                let token = self.store.unsubscribe_token(account.id).await?;
                Some(format!("{}/email/unsubscribe/{token}", base.trim_end_matches('/')))
            }
            None => None,
        };
        let stop = match &unsubscribe {
            Some(url) => tr(lang, "email-digest-stop-link", &[("url", url.clone())]),
            None => tr(lang, "email-digest-stop", &[]),
        };
        reply = reply.text(stop);
        let subject = tr(lang, "email-digest-subject", &[("count", count)]);
        let outcome = match recipient(&first.to) {
            Err(never) => never,
            Ok(to) => match self.message(to, lang, subject, &reply, unsubscribe.as_deref(), None) {
                Err(e) => Sent::Later(e),
                Ok(m) => self.transmit(m).await,
            },
        };
        for item in items {
            self.settle(item, &outcome).await?;
        }
        Ok(())
    }

    async fn send(&self, item: &EmailItem) -> Sent {
        let to = match recipient(&item.to) {
            Ok(to) => to,
            Err(never) => return never,
        };
        match self.compose(item, to).await {
            Ok(Some(m)) => self.transmit(m).await,
            Ok(None) => Sent::Done,
            Err(e) => Sent::Later(e),
        }
    }

    /// Hands a message to the SMTP server: 5xx is for good, anything else may pass later.
    async fn transmit(&self, message: Message) -> Sent {
        match self.smtp.send(message).await {
            Ok(_) => Sent::Done,
            Err(e) if e.is_permanent() => Sent::Never(e.to_string()),
            Err(e) => Sent::Later(e.to_string()),
        }
    }

    /// The message for an item, `None` for one with nothing to say (a notification this
    /// version cannot read, a code already forgotten).
    async fn compose(&self, item: &EmailItem, to: Mailbox) -> Result<Option<Message>, String> {
        let account = self.store.account(item.account).await.map_err(|e| e.to_string())?;
        let lang = account.lang;
        let mut reply_to = None;
        let (subject, reply) = if item.kind == "code" {
            let Ok(code) = serde_json::from_str::<CodePayload>(&item.payload) else {
                return Ok(None);
            };
            let lang = code.lang;
            let subject = tr(lang, "email-code-subject", &[("code", code.code.clone())]);
            let body = tr(lang, "email-code-body", &[("code", code.code)]);
            (subject, Reply::new().text(body))
        } else {
            let Some(event) = decode(&item.payload) else { return Ok(None) };
            let reply = render_delivery(&self.store, &self.rules, &event, &account).await;
            let what = reply.plain_text().lines().next().unwrap_or_default().to_owned();
            let what: String = what.chars().take(90).collect();
            // About a proposal: a reply by email goes into its thread (`email_reply`).
            if let Some(proposal) = event.proposal() {
                let key = self
                    .reply_key
                    .get_or_try_init(|| self.store.secret(email_reply::KEY_NAME))
                    .await
                    .map_err(|e| e.to_string())?;
                let to_thread = ReplyTo { proposal, account: item.account };
                reply_to = email_reply::address(self.from.email.as_ref(), to_thread, key);
            }
            (tr(lang, "email-subject", &[("what", what)]), reply)
        };
        let reply_to = reply_to.and_then(|a| a.parse::<Mailbox>().ok());
        self.message(to, lang, subject, &reply, None, reply_to).map(Some)
    }

    /// A message: text and HTML from `reply` with the footer, its attachments, and the
    /// one-click unsubscribe headers when `unsubscribe` is given, and `Reply-To` when a reply
    /// goes into a proposal's thread.
    fn message(
        &self,
        to: Mailbox,
        lang: flowstage_core::domain::Lang,
        subject: String,
        reply: &Reply,
        unsubscribe: Option<&str>,
        reply_to: Option<Mailbox>,
    ) -> Result<Message, String> {
        let footer = tr(lang, "email-footer", &[]);
        let text = format!("{}\n\n-- \n{footer}\n", reply.plain_text());
        let html = format!(
            "<!DOCTYPE html><html><body>{}<hr><p style=\"color:#666;font-size:small\">{}</p></body></html>",
            html_of(reply),
            escape(&footer)
        );
        let body = MultiPart::alternative_plain_html(text, html);
        let body = if reply.attachments.is_empty() {
            body
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for a in &reply.attachments {
                let kind = ContentType::parse(&a.mime_type).unwrap_or(
                    ContentType::parse("application/octet-stream").map_err(|e| e.to_string())?,
                );
                let part: SinglePart =
                    Attachment::new(a.file_name.clone()).body(a.bytes.clone(), kind);
                mixed = mixed.singlepart(part);
            }
            mixed
        };
        let mut builder =
            Message::builder().from(self.from.clone()).to(to).subject(subject).message_id(None);
        if let Some(mailbox) = reply_to {
            builder = builder.reply_to(mailbox);
        }
        if let Some(url) = unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder.multipart(body).map_err(|e| e.to_string())
    }
}

/// The address an email goes to, or the email given up if it is not one.
fn recipient(to: &str) -> Result<Mailbox, Sent> {
    // For operators (the email's last error).
    to.parse().map_err(|_| Sent::Never(format!("not an address: {to}")))
}

/// The reply as HTML: paragraphs, lists, bold, italics, links; buttons stay in the chat.
fn html_of(reply: &Reply) -> String {
    let spans = |spans: &[Span]| -> String {
        spans
            .iter()
            .map(|s| match s {
                Span::Plain(t) => escape(t).replace('\n', "<br>"),
                Span::Bold(t) => format!("<strong>{}</strong>", escape(t)),
                Span::Italic(t) => format!("<em>{}</em>", escape(t)),
                Span::Link { text, url } => {
                    format!("<a href=\"{}\">{}</a>", escape(url), escape(text))
                }
            })
            .collect()
    };
    reply
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(s) => format!("<p>{}</p>", spans(s)),
            Block::List(items) => format!(
                "<ul>{}</ul>",
                items.iter().map(|i| format!("<li>{}</li>", spans(i))).collect::<String>()
            ),
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_keeps_the_structure() {
        let reply = Reply::new()
            .para(vec![Span::Bold("A & B".into()), Span::Plain(" <x>".into())])
            .list(vec![vec![Span::Link { text: "cal".into(), url: "https://e/?a=1&b=2".into() }]]);
        assert_eq!(
            html_of(&reply),
            "<p><strong>A &amp; B</strong> &lt;x&gt;</p><ul><li><a href=\"https://e/?a=1&amp;b=2\">cal</a></li></ul>"
        );
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|n| retry_wait(n).num_seconds()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
    }
}
