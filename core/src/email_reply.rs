//! Replies by email (issue 15, docs/product-rules.md §6). An email about a proposal carries a
//! `Reply-To` address naming the proposal and the account it went to, signed with a key only the
//! platform holds (`Store::secret`): "bookings+r42-7-3f…@flowstage.example" for `MAIL_FROM`'s
//! "bookings@flowstage.example". A reply to it, which the email provider posts to
//! `POST /webhooks/email/inbound` (SendGrid's Inbound Parse), lands in that proposal's thread
//! only if the signature holds and the sender is that account's verified address; the message
//! quoted below the reply is left out; a PDF attached to a booked proposal's thread is that side's
//! signed copy of the contract.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::booking::{BookingFlowError, BookingService};
use crate::domain::account::Platform;
use crate::domain::profile::ProfileKind;
use crate::domain::{AccountId, BookingId, ProposalId};
use crate::store::{Arrival, StoreError};

/// The name of the platform's key that signs reply addresses (`Store::secret`).
pub const KEY_NAME: &str = "email-reply";

/// The largest attachment taken, as in chat: a scanned contract is a few megabytes.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;
/// Hex digits of the signature: 80 bits, and the local part stays under 64 characters.
const SIGNATURE_HEX: usize = 20;

/// The thread and the person a reply address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTo {
    pub proposal: ProposalId,
    pub account: AccountId,
}

/// Why a reply address was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("no reply address of ours among the recipients")]
    NoToken,
    #[error("the reply address's signature does not hold")]
    Forged,
}

fn signature(to: ReplyTo, key: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(format!("reply:{}:{}", to.proposal.0, to.account.0).as_bytes());
    Some(mac)
}

/// The reply address for `to`, on the domain of `from` (the address of `MAIL_FROM`).
#[must_use]
pub fn address(from: &str, to: ReplyTo, key: &[u8]) -> Option<String> {
    let (local, domain) = from.rsplit_once('@')?;
    let local = local.split('+').next().unwrap_or(local);
    let sig = hex::encode(signature(to, key)?.finalize().into_bytes());
    Some(format!(
        "{local}+r{}-{}-{}@{domain}",
        to.proposal.0,
        to.account.0,
        sig.get(..SIGNATURE_HEX)?
    ))
}

/// The signed reply address among `recipients` (a `To` header, or several addresses), checked.
pub fn read(recipients: &str, key: &[u8]) -> Result<ReplyTo, ReplyError> {
    let mut found = None;
    for addr in addresses(recipients) {
        let Some((local, _)) = addr.rsplit_once('@') else { continue };
        let Some((_, token)) = local.split_once("+r") else { continue };
        let mut parts = token.splitn(3, '-');
        let (Some(p), Some(a), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            found = Some(Err(ReplyError::Forged));
            continue;
        };
        let (Ok(p), Ok(a)) = (p.parse::<i64>(), a.parse::<i64>()) else {
            found = Some(Err(ReplyError::Forged));
            continue;
        };
        let to = ReplyTo { proposal: ProposalId(p), account: AccountId(a) };
        let good = sig.len() == SIGNATURE_HEX
            && hex::decode(sig).is_ok_and(|bytes| {
                signature(to, key).is_some_and(|mac| mac.verify_truncated_left(&bytes).is_ok())
            });
        if good {
            return Ok(to);
        }
        found = Some(Err(ReplyError::Forged));
    }
    found.unwrap_or(Err(ReplyError::NoToken))
}

/// The addresses of a header value: "Léa <lea@example.fr>, b@c.d" → ["lea@example.fr", "b@c.d"],
/// lower case.
#[must_use]
pub fn addresses(header: &str) -> Vec<String> {
    header
        .split(',')
        .filter_map(|part| {
            let part = part.trim();
            let inner = match (part.rfind('<'), part.rfind('>')) {
                (Some(a), Some(b)) if a < b => &part[a + 1..b],
                _ => part,
            };
            let inner = inner.trim().trim_matches('"');
            (inner.contains('@') && !inner.contains(char::is_whitespace))
                .then(|| inner.to_lowercase())
        })
        .collect()
}

/// What the person wrote, without the message they answer: the text stops at the first quoted
/// line ("> …") or the line that introduces it ("On … wrote:", "Le … a écrit :", a line of
/// dashes as Outlook writes "-----Original Message-----", "De : …"), and the signature
/// separator "-- ".
#[must_use]
pub fn reply_text(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let lower = t.to_lowercase();
        let introduces = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.starts_with("le ")
                && (lower.ends_with("a écrit :") || lower.ends_with("a écrit:")))
            || lower.starts_with("-----original message")
            || lower.starts_with("-----message d'origine")
            || lower.starts_with("de : ")
            || lower.starts_with("from: ");
        if t.starts_with('>') || introduces || line == "-- " {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_owned()
}

/// One file the reply brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundFile {
    pub name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

/// A reply as the provider posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inbound {
    /// The `To` header (and the envelope's recipients, joined by commas).
    pub to: String,
    /// The `From` header.
    pub from: String,
    /// The plain text part.
    pub text: String,
    pub files: Vec<InboundFile>,
}

impl Inbound {
    /// A fingerprint of the message: the same post sent again by the provider is recognised.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.to, &self.from, &self.text] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for f in &self.files {
            h.update(f.name.as_bytes());
            h.update(Sha256::digest(&f.bytes));
        }
        hex::encode(h.finalize())
    }
}

/// What a reply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Its text was posted in the thread (and the other side told).
    pub posted: bool,
    /// Its PDF was recorded as the sender's signed copy of this booking's contract.
    pub signed: Option<BookingId>,
    /// The provider posted the same message before: nothing was done again.
    pub again: bool,
}

/// Why a reply was refused; nothing was posted.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Address(#[from] ReplyError),
    #[error("the sender is not the verified address of the person the reply address names")]
    NotTheParticipant,
    #[error("an attachment is larger than {MAX_ATTACHMENT} bytes")]
    TooLarge,
    #[error("nothing to post: no text above the quoted message, and no signed contract")]
    Empty,
    #[error("the thread refused it: {0}")]
    Thread(BookingFlowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Takes a reply: checks its address and sender, then posts its text in the thread and records
/// a PDF as the sender's signed copy of the thread's booking. Each message once: a post the
/// provider sends again does nothing.
pub async fn receive(
    service: &BookingService,
    inbound: &Inbound,
    key: &[u8],
) -> Result<Received, Refusal> {
    let to = read(&inbound.to, key)?;
    let store = service.store();
    let account = match store.account(to.account).await {
        Ok(a) => a,
        Err(StoreError::NotFound(_)) => return Err(ReplyError::Forged.into()),
        Err(e) => return Err(e.into()),
    };
    let sender = addresses(&inbound.from).into_iter().next();
    let verified = account.contact_email.as_ref().filter(|_| account.email_verified);
    match (verified, sender) {
        (Some(v), Some(s)) if v.to_string().to_lowercase() == s => {}
        _ => return Err(Refusal::NotTheParticipant),
    }
    if inbound.files.iter().any(|f| f.bytes.len() > MAX_ATTACHMENT) {
        return Err(Refusal::TooLarge);
    }
    let text = reply_text(&inbound.text);
    let pdf = inbound.files.iter().find(|f| f.bytes.starts_with(b"%PDF"));
    let booking = match pdf {
        Some(_) => {
            store.booking_of_proposal(to.proposal).await?.filter(|b| b.contract_sha256.is_some())
        }
        None => None,
    };
    if text.is_empty() && booking.is_none() {
        return Err(Refusal::Empty);
    }
    let arrival = Arrival {
        external_id: format!("inbound:{}", inbound.fingerprint()),
        chat: to.account.0.to_string(),
        payload: String::new(),
        acknowledged: true,
    };
    let lease = chrono::Duration::minutes(1);
    let Some(item) =
        store.record_arrivals(Platform::Email, &[arrival], "email-inbound", lease).await?.pop()
    else {
        return Ok(Received { posted: false, signed: None, again: true });
    };
    let done = async {
        let mut received = Received { posted: false, signed: None, again: false };
        if let (Some(b), Some(file)) = (&booking, pdf) {
            let proposal = store.proposal(to.proposal).await?;
            let artist = store.profile(proposal.artist).await?;
            let side =
                if artist.owner == to.account { ProfileKind::Artist } else { ProfileKind::Venue };
            let sha256 = hex::encode(Sha256::digest(&file.bytes));
            let now = store.clock().now();
            service.record_signed_copy(b.id, side, &sha256, now).await.map_err(Refusal::Thread)?;
            received.signed = Some(b.id);
        }
        if !text.is_empty() {
            service.message(to.proposal, to.account, &text).await.map_err(Refusal::Thread)?;
            received.posted = true;
        }
        Ok::<_, Refusal>(received)
    }
    .await;
    match done {
        // A store failure: forgotten, so the provider's next try is taken.
        Err(Refusal::Store(e)) | Err(Refusal::Thread(BookingFlowError::Store(e))) => {
            store.forget_arrival(item.id).await?;
            Err(Refusal::Store(e))
        }
        other => {
            store.skip_arrival(item.id).await?;
            other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn an_address_reads_back_and_a_changed_one_does_not() {
        let to = ReplyTo { proposal: ProposalId(42), account: AccountId(7) };
        let a = address("bookings@flowstage.example", to, KEY).unwrap();
        assert!(a.starts_with("bookings+r42-7-") && a.ends_with("@flowstage.example"), "{a}");
        assert!(a.split('@').next().unwrap().len() < 64);
        assert_eq!(read(&format!("Flow Stage <{a}>"), KEY), Ok(to));
        assert_eq!(read(&format!("x@y.z, {}", a.to_uppercase()), KEY), Ok(to));
        let other = a.replacen("r42-7", "r43-7", 1);
        assert_eq!(read(&other, KEY), Err(ReplyError::Forged));
        assert_eq!(read(&a, b"another key"), Err(ReplyError::Forged));
        assert_eq!(read("bookings@flowstage.example", KEY), Err(ReplyError::NoToken));
        assert_eq!(read("bookings+rzz@flowstage.example", KEY), Err(ReplyError::Forged));
    }

    #[test]
    fn the_quoted_message_is_left_out() {
        let text = "Oui pour le 12 mars.\nÀ bientôt\n\nLe jeu. 4 déc. 2026 à 10:00, Flow Stage a écrit :\n> Nouvelle proposition";
        assert_eq!(reply_text(text), "Oui pour le 12 mars.\nÀ bientôt");
        assert_eq!(reply_text("Fine by us.\n-- \nVera"), "Fine by us.");
        assert_eq!(reply_text("Yes!\nOn Thu, Dec 4, 2026 Flow Stage wrote:\n> hi"), "Yes!");
        assert_eq!(reply_text("> only a quote"), "");
    }
}
