//! Response rate and median response time (docs/product-rules.md §4, against silence): computed
//! from the proposals a profile received, and shown beside it in match results.

use chrono::{DateTime, Duration, Utc};

use crate::domain::ProfileId;
use crate::domain::proposal::{ExpiryReason, ProposalStatus};
use crate::store::{Result, Store};

/// A received proposal's answer, as the statistics need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedProposal {
    pub status: ProposalStatus,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// How a profile answers the proposals it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseStats {
    /// Proposals that were answered or left to expire (pending ones are not counted yet).
    pub decided: u32,
    pub answered: u32,
    /// `None` until the profile has received a proposal that counts.
    pub rate_percent: Option<u8>,
    /// Median time from receiving to answering, over the answered ones.
    pub median_response: Option<Duration>,
}

impl ResponseStats {
    /// Answered: accepted, refused, countered or held (a hold is an answer, even if it later ran
    /// out). Unanswered: expired with no reason. Withdrawn ones, pending ones and those closed
    /// because the date got booked elsewhere say nothing about the receiver and are left out.
    #[must_use]
    pub fn from_received(received: &[ReceivedProposal]) -> Self {
        let mut answered_after = Vec::new();
        let mut unanswered = 0u32;
        for r in received {
            let answered = match r.status {
                ProposalStatus::Accepted
                | ProposalStatus::Refused
                | ProposalStatus::Countered
                | ProposalStatus::Held => true,
                ProposalStatus::Expired => {
                    r.reason.as_deref().and_then(ExpiryReason::parse)
                        == Some(ExpiryReason::HoldExpired)
                }
                ProposalStatus::Sent | ProposalStatus::Withdrawn => continue,
            };
            if answered {
                let took = r.answered_at.map_or(Duration::zero(), |at| at - r.created_at);
                answered_after.push(took.max(Duration::zero()));
            } else if r.reason.is_none() {
                unanswered += 1;
            }
        }
        let answered = u32::try_from(answered_after.len()).unwrap_or(u32::MAX);
        let decided = answered.saturating_add(unanswered);
        let rate_percent = (decided > 0).then(|| {
            u8::try_from((u64::from(answered) * 100 + u64::from(decided) / 2) / u64::from(decided))
                .unwrap_or(100)
        });
        answered_after.sort();
        let median_response = match answered_after.len() {
            0 => None,
            n if n % 2 == 1 => Some(answered_after[n / 2]),
            n => Some((answered_after[n / 2 - 1] + answered_after[n / 2]) / 2),
        };
        Self { decided, answered, rate_percent, median_response }
    }
}

/// The response statistics of `profile`, for match results and profile cards.
pub async fn response_stats(store: &Store, profile: ProfileId) -> Result<ResponseStats> {
    Ok(ResponseStats::from_received(&store.proposals_received(profile).await?))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn received(
        status: ProposalStatus,
        reason: Option<&str>,
        hours: Option<i64>,
    ) -> ReceivedProposal {
        let created_at = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        ReceivedProposal {
            status,
            reason: reason.map(str::to_owned),
            created_at,
            answered_at: hours.map(|h| created_at + Duration::hours(h)),
        }
    }

    #[test]
    fn nothing_received_says_nothing() {
        assert_eq!(ResponseStats::from_received(&[]), ResponseStats::default());
    }

    #[test]
    fn rate_and_median_count_only_what_the_receiver_decided() {
        use ProposalStatus::*;
        let stats = ResponseStats::from_received(&[
            received(Accepted, None, Some(2)),
            received(Refused, Some("complet"), Some(10)),
            received(Countered, None, Some(4)),
            received(Expired, None, Some(168)),
            received(Expired, Some("artist_booked"), Some(1)),
            received(Withdrawn, None, Some(1)),
            received(Sent, None, None),
        ]);
        assert_eq!(stats.answered, 3);
        assert_eq!(stats.decided, 4);
        assert_eq!(stats.rate_percent, Some(75));
        assert_eq!(stats.median_response, Some(Duration::hours(4)));
    }

    #[test]
    fn an_even_count_takes_the_middle_two() {
        use ProposalStatus::*;
        let stats = ResponseStats::from_received(&[
            received(Accepted, None, Some(1)),
            received(Held, None, Some(3)),
        ]);
        assert_eq!(stats.rate_percent, Some(100));
        assert_eq!(stats.median_response, Some(Duration::hours(2)));
    }
}
