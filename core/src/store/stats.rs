//! What `/stats` reads (see `crate::stats`): the funnel of the accounts that signed up in the
//! last weeks, the days people acted on, and how proposals ended. Weeks are cut in Rust, so the
//! SQL is the same on both databases.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{Result, Store, on_pool};
use crate::stats::{Beta, Week, monday};

type FunnelRow = (DateTime<Utc>, bool, bool, bool, bool, bool);

impl Store {
    /// The beta's figures for the `weeks` weeks up to `today`'s (at least one).
    pub async fn beta(&self, today: NaiveDate, weeks: u32) -> Result<Beta> {
        let first = monday(today) - Duration::weeks(i64::from(weeks.max(1)) - 1);
        let since = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let mut out: Vec<Week> = (0..weeks.max(1))
            .map(|i| Week { monday: first + Duration::weeks(i64::from(i)), ..Week::default() })
            .collect();
        let index = |day: NaiveDate| {
            let i = (monday(day) - first).num_weeks();
            usize::try_from(i).ok().filter(|i| *i < out.len())
        };
        let rows: Vec<FunnelRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT a.created_at, \
                 EXISTS (SELECT 1 FROM profiles p WHERE p.owner_id = a.id AND p.status <> 'draft'), \
                 EXISTS (SELECT 1 FROM profiles p WHERE p.owner_id = a.id \
                         AND p.status IN ('approved', 'suspended')), \
                 EXISTS (SELECT 1 FROM saved_searches s WHERE s.account_id = a.id), \
                 EXISTS (SELECT 1 FROM proposals r WHERE r.sender_id = a.id), \
                 EXISTS (SELECT 1 FROM bookings b JOIN profiles p ON p.id IN (b.artist_id, b.venue_id) \
                         WHERE p.owner_id = a.id AND b.status = 'confirmed') \
                 FROM accounts a WHERE a.created_at >= $1",
            )
            .bind(since)
            .fetch_all(p)
            .await
        })?;
        let mut funnel: Vec<[u32; 6]> = vec![[0; 6]; out.len()];
        for (created, profile, approved, searched, proposed, booked) in rows {
            let Some(i) = index(created.date_naive()) else { continue };
            let reached = [true, profile, approved, searched, proposed, booked];
            for (n, r) in funnel[i].iter_mut().zip(reached) {
                *n += u32::from(r);
            }
        }
        let days: Vec<(i64, NaiveDate)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT account_id, day FROM active_days WHERE day >= $1")
                .bind(first)
                .fetch_all(p)
                .await
        })?;
        let mut people: Vec<std::collections::HashSet<i64>> = vec![Default::default(); out.len()];
        let mut active_days = vec![0u32; out.len()];
        for (account, day) in days {
            let Some(i) = index(day) else { continue };
            people[i].insert(account);
            active_days[i] += 1;
        }
        for (i, w) in out.iter_mut().enumerate() {
            w.funnel = funnel[i];
            w.active_people = u32::try_from(people[i].len()).unwrap_or(u32::MAX);
            w.active_days = active_days[i];
        }
        let ends: Vec<(String, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT status, COUNT(*) FROM proposals WHERE created_at >= $1 GROUP BY status",
            )
            .bind(since)
            .fetch_all(p)
            .await
        })?;
        let (mut answered, mut unanswered) = (0u32, 0u32);
        for (status, n) in ends {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            match status.as_str() {
                "accepted" | "refused" | "countered" | "held" => answered += n,
                "expired" => unanswered += n,
                _ => {}
            }
        }
        Ok(Beta { weeks: out, answered, unanswered })
    }
}
