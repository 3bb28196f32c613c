//! The wording of notifications (docs/product-rules.md §6): an outbox [`Event`] becomes a message
//! in the recipient's language only when it is delivered, on whatever platform reaches them.

use super::i18n::{spans, tr};
use super::payload::{self, Action};
use super::reply::{Button, Reply};
use super::show;
use crate::domain::Lang;
use crate::notify::{CloseReason, Event};

/// Buttons in notifications name what they act on, so they are never stale: nonce 0.
fn button(lang: Lang, key: &str, action: &Action) -> Button {
    Button { label: tr(lang, key, &[]), payload: payload::encode(0, action) }
}

/// "1 200 €", as every amount reads.
fn euros(n: u32) -> String {
    format!("{}\u{a0}€", crate::domain::values::group_thousands(u64::from(n)))
}

/// The message that tells the recipient of `event` what happened.
#[must_use]
pub fn render_event(event: &Event, lang: Lang) -> Reply {
    let day = |d: &chrono::NaiveDate| show::day(lang, *d);
    let time = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let msg = |key: &str, args: &[(&str, String)]| Reply::new().para(spans(lang, key, args));
    let open = |p: &crate::domain::ProposalId| vec![button(lang, "btn-open", &Action::Open(*p))];
    match event {
        Event::ProfileApproved { name, .. } => msg("ev-approved", &[("name", name.clone())])
            .row(vec![button(lang, "btn-match", &Action::Command("match"))]),
        Event::ProfileRejected { name, reason, .. } => {
            msg("ev-rejected", &[("name", name.clone()), ("reason", reason.clone())])
                .row(vec![button(lang, "btn-profile", &Action::Command("profile"))])
        }
        Event::ProfileSuspended { name, reason, .. } => {
            msg("ev-suspended", &[("name", name.clone()), ("reason", reason.clone())])
        }
        Event::ProfileReinstated { name, reason, .. } => {
            msg("ev-reinstated", &[("name", name.clone()), ("reason", reason.clone())])
        }
        Event::ProposalReceived { proposal, from_name, day: d, fee_euros } => msg(
            "ev-received",
            &[
                ("id", proposal.to_string()),
                ("name", from_name.clone()),
                ("day", day(d)),
                ("fee", euros(*fee_euros)),
            ],
        )
        .row(open(proposal)),
        Event::ProposalAccepted { proposal, booking, by_name, day: d } => msg(
            "ev-accepted",
            &[
                ("id", proposal.to_string()),
                ("booking", booking.to_string()),
                ("name", by_name.clone()),
                ("day", day(d)),
            ],
        ),
        Event::ProposalRefused { proposal, by_name, day: d, reason } => {
            let mut r = msg(
                "ev-refused",
                &[("id", proposal.to_string()), ("name", by_name.clone()), ("day", day(d))],
            );
            if let Some(reason) = reason {
                r = r.para(spans(lang, "proposal-reason", &[("reason", reason.clone())]));
            }
            r
        }
        Event::ProposalCountered { proposal, previous, by_name, day: d, fee_euros } => msg(
            "ev-countered",
            &[
                ("id", proposal.to_string()),
                ("previous", previous.to_string()),
                ("name", by_name.clone()),
                ("day", day(d)),
                ("fee", euros(*fee_euros)),
            ],
        )
        .row(open(proposal)),
        Event::ProposalWithdrawn { proposal, by_name, day: d } => msg(
            "ev-withdrawn",
            &[("id", proposal.to_string()), ("name", by_name.clone()), ("day", day(d))],
        ),
        Event::ProposalExpired { proposal, other_name, day: d } => msg(
            "ev-expired",
            &[("id", proposal.to_string()), ("name", other_name.clone()), ("day", day(d))],
        ),
        Event::ProposalClosed { proposal, day: d, reason } => {
            let why = match reason {
                CloseReason::ArtistBooked => "close-artist-booked",
                CloseReason::DateFull => "close-date-full",
                CloseReason::ProfileGone => "close-profile-gone",
            };
            msg(
                "ev-closed",
                &[("id", proposal.to_string()), ("day", day(d)), ("why", tr(lang, why, &[]))],
            )
        }
        Event::ThreadMessage { proposal, from_name, body } => msg(
            "ev-thread",
            &[("id", proposal.to_string()), ("name", from_name.clone()), ("body", body.clone())],
        )
        .row(vec![
            button(lang, "btn-open", &Action::Open(*proposal)),
            button(lang, "btn-reply", &Action::Message(*proposal)),
        ]),
        Event::HoldPlaced { proposal, venue_name, day: d, rank, expires_at, .. } => msg(
            "ev-hold-placed",
            &[
                ("id", proposal.to_string()),
                ("name", venue_name.clone()),
                ("day", day(d)),
                ("rank", rank.to_string()),
                ("until", time(expires_at)),
            ],
        ),
        Event::HoldRequested { proposal, artist_name, day: d } => msg(
            "ev-hold-requested",
            &[("id", proposal.to_string()), ("name", artist_name.clone()), ("day", day(d))],
        )
        .row(open(proposal)),
        Event::HoldPromoted { proposal, venue_name, day: d, rank, .. } => msg(
            "ev-hold-promoted",
            &[
                ("id", proposal.to_string()),
                ("name", venue_name.clone()),
                ("day", day(d)),
                ("rank", rank.to_string()),
            ],
        ),
        Event::HoldReleased { proposal, venue_name, day: d, .. } => msg(
            "ev-hold-released",
            &[("id", proposal.to_string()), ("name", venue_name.clone()), ("day", day(d))],
        ),
        Event::HoldExpired { proposal, venue_name, day: d, .. } => msg(
            "ev-hold-expired",
            &[("id", proposal.to_string()), ("name", venue_name.clone()), ("day", day(d))],
        ),
        Event::HoldChallenged { proposal, venue_name, day: d, deadline, .. } => msg(
            "ev-hold-challenged",
            &[
                ("id", proposal.to_string()),
                ("name", venue_name.clone()),
                ("day", day(d)),
                ("until", time(deadline)),
            ],
        )
        .row(open(proposal)),
        Event::BookingCancelled { booking, by_name, day: d, reason } => msg(
            "ev-booking-cancelled",
            &[
                ("booking", booking.to_string()),
                ("name", by_name.clone()),
                ("day", day(d)),
                ("reason", reason.clone()),
            ],
        ),
        Event::ContractReady { booking, .. } => {
            msg("ev-contract", &[("booking", booking.to_string())])
        }
        Event::ContractDetailsNeeded { booking, day: d } => {
            msg("ev-contract-details", &[("booking", booking.to_string()), ("day", day(d))])
                .row(vec![button(lang, "btn-contract-fill", &Action::FillContract(*booking))])
        }
        Event::SearchAlert { name, score, .. } => {
            msg("ev-alert", &[("name", name.clone()), ("score", score.to_string())])
        }
    }
}

/// [`render_event`] with what delivery adds from the store: the contract PDF of a booking (the
/// contract of record, regenerated byte for byte, so its hash is the one the event names).
pub async fn render_delivery(
    store: &crate::store::Store,
    rules: &crate::config::Rules,
    event: &Event,
    lang: Lang,
) -> Reply {
    let reply = render_event(event, lang);
    if let Event::ContractReady { booking, .. } = event {
        let service = crate::booking::BookingService::new(store.clone(), rules.clone());
        match service.contract(*booking, None).await {
            Ok((input, contract)) => {
                return reply.attach(super::reply::Attachment {
                    file_name: crate::contract::Contract::file_name(&input),
                    mime_type: "application/pdf".to_owned(),
                    bytes: contract.bytes,
                });
            }
            Err(e) => tracing::warn!(error = %e, %booking, "contract not attached"),
        }
    }
    reply
}
