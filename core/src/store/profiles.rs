//! Artist and venue profiles, their free dates, review decisions and the change feed that keeps
//! every instance's caches (the match index) fresh.

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use serde_json::json;

use super::{Result, Store, StoreError, on_pool};
use crate::domain::profile::{Profile, ProfileDetails, ProfileKind, ProfileStatus};
use crate::domain::values::DateSet;
use crate::domain::{AccountId, ProfileId};

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: i64,
    owner_id: i64,
    status: String,
    status_reason: Option<String>,
    details: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const PROFILE_COLUMNS: &str =
    "id, owner_id, status, status_reason, details, created_at, updated_at";

/// One entry of the change feed: profile `profile` changed; `seq` orders the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileChange {
    pub seq: i64,
    pub profile: ProfileId,
}

fn new_calendar_token() -> String {
    let bytes: [u8; 20] = rand::rng().random();
    hex::encode(bytes)
}

/// Which profiles a listing returns. The SQL is fixed text, never built from input.
#[derive(Clone, Copy)]
enum Filter {
    Id,
    Owner,
    Status,
    Approved,
}

impl Filter {
    fn clause(self) -> String {
        match self {
            Filter::Id => "p.id = $1".to_owned(),
            Filter::Owner => "p.owner_id = $1".to_owned(),
            Filter::Status => "p.status = $1".to_owned(),
            Filter::Approved => {
                format!("p.status = '{}' AND p.id > $1", ProfileStatus::Approved.as_str())
            }
        }
    }
}

impl Store {
    /// Creates a profile in `status` (draft or pending) with its free dates.
    pub async fn create_profile(
        &self,
        owner: AccountId,
        details: &ProfileDetails,
        dates: &DateSet,
        status: &ProfileStatus,
    ) -> Result<Profile> {
        let now = self.clock.now();
        let json = serde_json::to_string(details).map_err(|e| StoreError::corrupt("profile", e))?;
        let city = details.city();
        let id = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO profiles (owner_id, kind, status, status_reason, name, lat, lon, details, calendar_token, \
                 created_at, updated_at) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(owner.0)
            .bind(details.kind().as_str())
            .bind(status.as_str())
            .bind(details.name().as_str())
            .bind(city.lat())
            .bind(city.lon())
            .bind(&json)
            .bind(new_calendar_token())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for day in dates.dates() {
                sqlx::query("INSERT INTO profile_dates (profile_id, day) VALUES ($1, $2)")
                    .bind(id)
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        })?;
        self.audit(
            Some(owner),
            "profile.created",
            &format!("profile:{id}"),
            &json!({"kind": details.kind()}),
        )
        .await?;
        self.profile(ProfileId(id)).await
    }

    /// Replaces a profile's details and free dates. An approved profile stays approved: edits are
    /// audited, and an admin can suspend.
    pub async fn update_profile(
        &self,
        id: ProfileId,
        details: &ProfileDetails,
        dates: &DateSet,
    ) -> Result<Profile> {
        let now = self.clock.now();
        let json = serde_json::to_string(details).map_err(|e| StoreError::corrupt("profile", e))?;
        let city = details.city();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE profiles SET name = $1, lat = $2, lon = $3, details = $4, updated_at = $5 WHERE id = $6 AND kind = $7",
            )
            .bind(details.name().as_str())
            .bind(city.lat())
            .bind(city.lon())
            .bind(&json)
            .bind(now)
            .bind(id.0)
            .bind(details.kind().as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("profile"));
            }
            sqlx::query("DELETE FROM profile_dates WHERE profile_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            for day in dates.dates() {
                sqlx::query("INSERT INTO profile_dates (profile_id, day) VALUES ($1, $2)")
                    .bind(id.0)
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.audit(None, "profile.updated", &format!("profile:{}", id.0), &json!({})).await?;
        self.profile(id).await
    }

    /// Records a review decision (submit, approve, reject, suspend) by `actor`.
    pub async fn set_profile_status(
        &self,
        id: ProfileId,
        status: &ProfileStatus,
        actor: Option<AccountId>,
    ) -> Result<()> {
        let now = self.clock.now();
        let reason = match status {
            ProfileStatus::Rejected(r) | ProfileStatus::Suspended(r) => Some(r.as_str()),
            _ => None,
        };
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query("UPDATE profiles SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4")
                .bind(status.as_str())
                .bind(reason)
                .bind(now)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("profile"));
            }
            sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.audit(
            actor,
            &format!("profile.{}", status.as_str()),
            &format!("profile:{}", id.0),
            &json!({"reason": reason}),
        )
        .await
    }

    pub async fn profile(&self, id: ProfileId) -> Result<Profile> {
        self.list_profiles(Filter::Id, id.0).await?.pop().ok_or(StoreError::NotFound("profile"))
    }

    /// The profiles an account owns, oldest first.
    pub async fn profiles_of(&self, owner: AccountId) -> Result<Vec<Profile>> {
        self.list_profiles(Filter::Owner, owner.0).await
    }

    /// Profiles awaiting review, oldest first.
    pub async fn pending_profiles(&self) -> Result<Vec<Profile>> {
        self.list_profiles(Filter::Status, ProfileStatus::Pending.as_str().to_owned()).await
    }

    /// Every approved profile with an id above `after`, in id order: pages for building caches.
    pub async fn approved_profiles(&self, after: ProfileId) -> Result<Vec<Profile>> {
        self.list_profiles(Filter::Approved, after.0).await
    }

    /// The secret token in a profile's calendar feed address (`/calendar/{token}.ics`).
    /// Public with no caller in `bot/` yet: the feed is served, but no command shows its address
    /// (see docs/product-rules.md §7); the feed's end-to-end test reads it here.
    pub async fn calendar_token(&self, id: ProfileId) -> Result<String> {
        let row: Option<(String,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT calendar_token FROM profiles WHERE id = $1")
                .bind(id.0)
                .fetch_optional(p)
                .await
        })?;
        row.map(|r| r.0).ok_or(StoreError::NotFound("profile"))
    }

    /// The profile a calendar feed's token names.
    pub async fn profile_by_calendar_token(&self, token: &str) -> Result<Option<Profile>> {
        let row: Option<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id FROM profiles WHERE calendar_token = $1")
                .bind(token)
                .fetch_optional(p)
                .await
        })?;
        match row {
            Some((id,)) => Ok(Some(self.profile(ProfileId(id)).await?)),
            None => Ok(None),
        }
    }

    /// Changes after `seq`, in order. Followers re-read from a little before their cursor, since
    /// a PostgreSQL sequence can commit out of order.
    pub async fn profile_changes_since(&self, seq: i64, limit: i64) -> Result<Vec<ProfileChange>> {
        let rows = on_pool!(self, |p| {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT id, profile_id FROM profile_changes WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(seq)
            .bind(limit)
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(seq, profile)| ProfileChange { seq, profile: ProfileId(profile) })
            .collect())
    }

    /// The newest entry of the change feed (0 when empty): where a fresh follower starts.
    pub async fn profile_change_head(&self) -> Result<i64> {
        let (head,): (Option<i64>,) =
            on_pool!(self, |p| sqlx::query_as("SELECT MAX(id) FROM profile_changes")
                .fetch_one(p)
                .await)?;
        Ok(head.unwrap_or(0))
    }

    /// Counts profiles by kind and status, for `/stats`.
    pub async fn profile_counts(&self) -> Result<Vec<(ProfileKind, String, i64)>> {
        let rows = on_pool!(self, |p| {
            sqlx::query_as::<_, (String, String, i64)>(
                "SELECT kind, status, COUNT(*) FROM profiles GROUP BY kind, status ORDER BY kind, status",
            )
            .fetch_all(p)
            .await
        })?;
        rows.into_iter()
            .map(|(k, s, n)| {
                Ok((
                    ProfileKind::parse(&k)
                        .ok_or_else(|| StoreError::corrupt("profile kind", &k))?,
                    s,
                    n,
                ))
            })
            .collect()
    }

    /// Erasure of an owner: contact details, bio and links go; the name stays for signed contracts.
    pub(super) async fn anonymise_profile(&self, mut profile: Profile) -> Result<()> {
        match &mut profile.details {
            ProfileDetails::Artist(a) => {
                a.email = None;
                a.bio = None;
                a.links = crate::domain::values::Links::default();
            }
            ProfileDetails::Venue(v) => {
                v.email = None;
            }
        }
        self.update_profile(profile.id, &profile.details, &DateSet::default()).await?;
        self.set_profile_status(
            profile.id,
            &ProfileStatus::Suspended("account erased".into()),
            Some(profile.owner),
        )
        .await
    }

    async fn list_profiles<T>(&self, filter: Filter, arg: T) -> Result<Vec<Profile>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: Clone + Send + Sync + 'static,
    {
        let clause = filter.clause();
        let sql = format!("SELECT {PROFILE_COLUMNS} FROM profiles p WHERE {clause} ORDER BY p.id");
        let dates_sql = format!(
            "SELECT d.profile_id, d.day FROM profile_dates d JOIN profiles p ON p.id = d.profile_id WHERE {clause}"
        );
        let (rows, dates) = on_pool!(self, |p| {
            let rows = sqlx::query_as::<_, ProfileRow>(&sql).bind(arg.clone()).fetch_all(p).await?;
            let dates =
                sqlx::query_as::<_, (i64, NaiveDate)>(&dates_sql).bind(arg).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((rows, dates))
        })?;
        assemble(rows, dates)
    }
}

fn assemble(rows: Vec<ProfileRow>, dates: Vec<(i64, NaiveDate)>) -> Result<Vec<Profile>> {
    let mut by_profile: std::collections::HashMap<i64, Vec<NaiveDate>> =
        std::collections::HashMap::new();
    for (id, day) in dates {
        by_profile.entry(id).or_default().push(day);
    }
    rows.into_iter()
        .map(|r| {
            let details: ProfileDetails =
                serde_json::from_str(&r.details).map_err(|e| StoreError::corrupt("profile", e))?;
            let status = ProfileStatus::from_stored(&r.status, r.status_reason)
                .ok_or_else(|| StoreError::corrupt("profile status", &r.status))?;
            Ok(Profile {
                id: ProfileId(r.id),
                owner: AccountId(r.owner_id),
                status,
                details,
                dates: DateSet::from_stored(by_profile.remove(&r.id).unwrap_or_default()),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}
