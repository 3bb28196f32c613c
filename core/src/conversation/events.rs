//! The wording of notifications (docs/product-rules.md §6): an outbox [`Event`] becomes a message
//! in the recipient's language and time zone only when it is delivered, on whatever platform
//! reaches them. Events about a proposal name the recipient's side (`recipient`), so each side
//! reads its own voice: the venue is never told "your hold moves up" as if it were the artist.

use chrono::{DateTime, Utc};

use super::i18n::{spans, tr};
use super::payload::{self, Action};
use super::reply::{Button, Reply};
use super::show;
use crate::domain::Lang;
use crate::domain::account::Account;
use crate::domain::proposal::Party;
use crate::domain::when::{self, Zone};
use crate::notify::{CloseReason, Event, ReleaseReason};

/// Buttons in notifications name what they act on, so they are never stale: nonce 0.
fn button(lang: Lang, key: &str, action: &Action) -> Button {
    Button { label: tr(lang, key, &[]), payload: payload::encode(0, action) }
}

/// "1 200 €", as every amount reads.
fn euros(n: u32) -> String {
    format!("{}\u{a0}€", crate::domain::values::group_thousands(u64::from(n)))
}

/// The message that tells the recipient of `event` what happened, in their language, with every
/// moment in their time zone, and worded for their side of the proposal.
#[must_use]
pub fn render_event(event: &Event, lang: Lang, zone: Zone) -> Reply {
    let day = |d: &chrono::NaiveDate| when::date(lang, *d);
    let moment = |t: &DateTime<Utc>| when::moment(lang, zone, *t);
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
        Event::EmailUndeliverable { address } => {
            msg("ev-email-undeliverable", &[("address", address.clone())])
        }
        Event::ProfileReinstated { name, reason, .. } => {
            msg("ev-reinstated", &[("name", name.clone()), ("reason", reason.clone())])
        }
        Event::ProfileEditApproved { name, .. } => {
            msg("ev-edit-approved", &[("name", name.clone())])
        }
        Event::ProfileEditRefused { name, reason, .. } => {
            msg("ev-edit-refused", &[("name", name.clone()), ("reason", reason.clone())])
                .row(vec![button(lang, "btn-profile", &Action::Command("profile"))])
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
        )
        .row(open(proposal)),
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
        Event::HoldPlaced { proposal, venue_name, day: d, rank, expires_at, recipient } => {
            let key = match recipient {
                Party::Artist => "ev-hold-placed",
                Party::Venue => "ev-hold-placed-venue",
            };
            msg(
                key,
                &[
                    ("id", proposal.to_string()),
                    ("name", venue_name.clone()),
                    ("day", day(d)),
                    ("label", show::hold_label(lang, u32::from(*rank))),
                    ("until", moment(expires_at)),
                ],
            )
            .row(open(proposal))
        }
        Event::HoldRequested { proposal, artist_name, day: d } => msg(
            "ev-hold-requested",
            &[("id", proposal.to_string()), ("name", artist_name.clone()), ("day", day(d))],
        )
        .row(vec![
            button(lang, "btn-hold", &Action::Hold(*proposal)),
            button(lang, "btn-open", &Action::Open(*proposal)),
        ]),
        Event::HoldPromoted {
            proposal,
            venue_name,
            day: d,
            rank,
            expires_at,
            recipient,
            decides,
        } => {
            let first = *rank == 1;
            let key = match (recipient, first) {
                (Party::Artist, true) => "ev-hold-first-artist",
                (Party::Artist, false) => "ev-hold-promoted-artist",
                (Party::Venue, true) => "ev-hold-first-venue",
                (Party::Venue, false) => "ev-hold-promoted-venue",
            };
            let args = [
                ("id", proposal.to_string()),
                ("name", venue_name.clone()),
                ("day", day(d)),
                ("label", show::hold_label(lang, u32::from(*rank))),
            ];
            let mut r = msg(key, &args);
            // Notices queued before promotions carried the new expiry say no deadline.
            if let Some(until) = expires_at {
                // The one who confirms a new 1st hold is told it is theirs to decide, and by when.
                let key = match (first && *decides, recipient) {
                    (true, Party::Venue) => "ev-hold-decide-by",
                    (true, Party::Artist) => "ev-hold-confirm-by",
                    (false, _) => "ev-hold-until",
                };
                r = r.para(spans(lang, key, &[("until", moment(until))]));
            }
            r.row(open(proposal))
        }
        Event::HoldReleased { proposal, venue_name, day: d, reason, recipient } => {
            let key = match (recipient, reason) {
                (Party::Artist, ReleaseReason::Released) => "ev-hold-released-artist",
                (Party::Artist, ReleaseReason::ChallengeLapsed) => "ev-hold-lapsed-artist",
                (Party::Venue, ReleaseReason::Released) => "ev-hold-released-venue",
                (Party::Venue, ReleaseReason::ChallengeLapsed) => "ev-hold-lapsed-venue",
            };
            msg(key, &[("id", proposal.to_string()), ("name", venue_name.clone()), ("day", day(d))])
                .row(open(proposal))
        }
        Event::HoldExpired { proposal, venue_name, day: d, recipient } => {
            let key = match recipient {
                Party::Artist => "ev-hold-expired-artist",
                Party::Venue => "ev-hold-expired-venue",
            };
            msg(key, &[("id", proposal.to_string()), ("name", venue_name.clone()), ("day", day(d))])
        }
        Event::HoldChallenged {
            proposal,
            venue_name,
            day: d,
            deadline,
            recipient,
            decides,
            challenger,
            challenger_rank,
            ..
        } => {
            let key = match (decides, recipient) {
                (true, _) => "ev-challenged-decide",
                (false, Party::Artist) => "ev-challenged-artist-waits",
                (false, Party::Venue) => "ev-challenged-venue-waits",
            };
            let by = challenger.map_or_else(|| "—".to_owned(), |c| format!("#{c}"));
            let mut r = msg(
                key,
                &[
                    ("id", proposal.to_string()),
                    ("name", venue_name.clone()),
                    ("day", day(d)),
                    ("challenger", by),
                    ("label", show::hold_label(lang, u32::from((*challenger_rank).max(2)))),
                    ("by", when::deadline(lang, zone, *deadline)),
                ],
            );
            if *decides {
                r = r.row(vec![
                    button(lang, "btn-confirm", &Action::Confirm(*proposal)),
                    button(lang, "btn-release", &Action::Release(*proposal)),
                ]);
            }
            r.row(open(proposal))
        }
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
        Event::Payment(notice) => super::payments::render(notice, lang),
        Event::SupportAsked { ticket, from_name, body, again } => msg(
            if *again { "ev-support-again" } else { "ev-support-new" },
            &[("id", ticket.to_string()), ("name", from_name.clone()), ("body", body.clone())],
        )
        .row(vec![
            button(lang, "btn-reply-ticket", &Action::ReplyTicket(*ticket)),
            Button {
                label: tr(lang, "btn-close-ticket", &[("id", ticket.to_string())]),
                payload: payload::encode(0, &Action::CloseTicket(*ticket)),
            },
        ]),
        Event::SupportAnswered { ticket, body } => {
            msg("ev-support-answered", &[("id", ticket.to_string()), ("body", body.clone())])
                .row(vec![button(lang, "btn-answer-ticket", &Action::AnswerTicket(*ticket))])
        }
    }
}

/// [`render_event`] for `to`, with what delivery adds from the store: the contract PDF of a
/// booking (the contract of record, regenerated byte for byte, so its hash is the one the event
/// names), and the recipient's calendar link with a booking's confirmation.
pub async fn render_delivery(
    store: &crate::store::Store,
    rules: &crate::config::Rules,
    event: &Event,
    to: &Account,
) -> Reply {
    let lang = to.lang;
    let mut reply = render_event(event, lang, to.time_zone);
    if let Event::ProposalAccepted { booking, .. } = event {
        match booked_profile(store, *booking, to.id).await {
            Ok(Some(profile)) => match super::calendar::lines(store, rules, lang, profile).await {
                Ok(lines) => reply = reply.list(lines),
                Err(e) => tracing::warn!(error = %e, %booking, "calendar link not added"),
            },
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, %booking, "calendar link not added"),
        }
    }
    if let Event::ContractReady { booking, .. } = event {
        let service = crate::booking::BookingService::new(store.clone(), rules.clone());
        match service.contract(*booking, None).await {
            Ok((input, contract)) => {
                let record = input.lang;
                reply = reply.attach(super::reply::Attachment {
                    file_name: crate::contract::Contract::file_name(&input),
                    mime_type: "application/pdf".to_owned(),
                    bytes: contract.bytes,
                });
                // The sides read different languages: each gets the other language's copy too,
                // for reading; the contract of record is the one to sign.
                let other = sides_languages(store, *booking).await;
                for copy in [Lang::Fr, Lang::En] {
                    if copy == record || !(copy == lang || other.contains(&copy)) {
                        continue;
                    }
                    match service.contract(*booking, Some(copy)).await {
                        Ok((input, contract)) => {
                            let names = |l: Lang| tr(lang, &format!("lang-{}", l.code()), &[]);
                            reply = reply
                                .para(spans(
                                    lang,
                                    "ev-contract-copy",
                                    &[("copy", names(copy)), ("record", names(record))],
                                ))
                                .attach(super::reply::Attachment {
                                    file_name: crate::contract::Contract::file_name(&input),
                                    mime_type: "application/pdf".to_owned(),
                                    bytes: contract.bytes,
                                });
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, %booking, "contract copy not attached");
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, %booking, "contract not attached"),
        }
    }
    reply
}

/// The languages the two sides of `booking` read (either one unknown: none).
async fn sides_languages(
    store: &crate::store::Store,
    booking: crate::domain::BookingId,
) -> Vec<Lang> {
    let mut out = Vec::new();
    let Ok(b) = store.booking(booking).await else { return out };
    for profile in [b.artist, b.venue] {
        if let Ok(p) = store.profile(profile).await
            && let Ok(a) = store.account(p.owner).await
        {
            out.push(a.lang);
        }
    }
    out
}

/// The profile of `booking` that `account` owns (the venue's if it owns both).
async fn booked_profile(
    store: &crate::store::Store,
    booking: crate::domain::BookingId,
    account: crate::domain::AccountId,
) -> Result<Option<crate::domain::ProfileId>, crate::store::StoreError> {
    let b = store.booking(booking).await?;
    for id in [b.venue, b.artist] {
        if store.profile(id).await?.owner == account {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
