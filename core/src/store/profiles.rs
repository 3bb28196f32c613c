//! Artist and venue profiles, their free dates, review decisions and the change feed that keeps
//! every instance's caches (the match index) fresh.

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use serde_json::json;

use super::batch::{Batch, Batcher};
use super::{Conn, Pool, Result, Store, StoreError, ids_in_json, json_ids, on_conn, on_pool};
use crate::domain::audience::Audience;
use crate::domain::profile::{Profile, ProfileDetails, ProfileKind, ProfileStatus};
use crate::domain::proposal::BookingStatus;
use crate::domain::proposal::DealsTaken;
use crate::domain::terms::Lineup;
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
    audience: Option<String>,
    deals: Option<String>,
    performers: Option<i64>,
    crew: Option<i64>,
}

/// A profile's columns, its audience and its line-up (kept in `artist_sheets` with the contract
/// facts, so there is one line-up per artist).
const PROFILE_COLUMNS: &str = "p.id, p.owner_id, p.status, p.status_reason, p.details, \
     p.created_at, p.updated_at, p.audience, p.deals, s.performers, s.crew";

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

/// How an admin decides an approved profile's pending edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditDecision<'a> {
    Approve,
    /// With the reason the owner is told.
    Reject(&'a str),
}

/// What deciding an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditReviewed {
    /// The edit is the published profile now.
    Published,
    /// The edit is dropped; the approved version stays.
    Dropped,
    /// No edit waited (already decided, or replaced by a newer one).
    NothingPending,
}

/// What reinstating a suspended profile did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reinstated {
    Done,
    ReasonNeeded,
    /// It was not suspended (any more): its status now.
    NotSuspended(ProfileStatus),
    /// Its owner erased their account: it stays suspended for good.
    OwnerErased,
}

/// The profiles of the accounts whose steps ask for them at the same moment (a step's active
/// profile, `/help`, a search), in one listing (see `batch.rs`).
#[derive(Debug)]
pub(crate) struct OwnerProfiles;

impl Batch for OwnerProfiles {
    type Request = AccountId;
    type Answer = Vec<Profile>;
    type Key = ();
    const MAX: usize = 256;
    const METRIC: &'static str = "flowstage_profile_batch_steps";

    fn key(_: &AccountId) -> Option<()> {
        None
    }

    fn batcher(store: &Store) -> &Batcher<Self> {
        &store.profiles
    }

    async fn serve_one(store: &Store, conn: &mut Conn, owner: &AccountId) -> Result<Vec<Profile>> {
        store.profiles_of_owners_on(conn, &[owner.0]).await
    }

    async fn serve_together(
        store: &Store,
        conn: &mut Conn,
        owners: &[AccountId],
    ) -> Result<Vec<Result<Vec<Profile>>>> {
        let ids: Vec<i64> = owners.iter().map(|o| o.0).collect();
        let mut by_owner: std::collections::HashMap<AccountId, Vec<Profile>> =
            std::collections::HashMap::new();
        for profile in store.profiles_of_owners_on(conn, &ids).await? {
            by_owner.entry(profile.owner).or_default().push(profile);
        }
        Ok(owners.iter().map(|o| Ok(by_owner.get(o).cloned().unwrap_or_default())).collect())
    }
}

/// Which profiles a listing returns. The SQL is fixed text, never built from input.
#[derive(Clone, Copy)]
enum Filter {
    Id,
    Owner,
    /// The profiles of several owners: their ids as one JSON array ([`ids_in_json`]).
    Owners,
    /// Several profiles by their ids, as one JSON array ([`ids_in_json`]).
    Ids,
    Status,
    Approved,
    /// Approved profiles with an edit waiting for review (the argument is "approved").
    Edited,
}

impl Filter {
    fn clause(self, pool: &Pool) -> String {
        match self {
            Filter::Id => "p.id = $1".to_owned(),
            Filter::Owner => "p.owner_id = $1".to_owned(),
            Filter::Owners => format!("p.owner_id IN ({})", ids_in_json(pool)),
            Filter::Ids => format!("p.id IN ({})", ids_in_json(pool)),
            Filter::Status => "p.status = $1".to_owned(),
            Filter::Approved => {
                format!("p.status = '{}' AND p.id > $1", ProfileStatus::Approved.as_str())
            }
            Filter::Edited => "p.status = $1 AND p.review_details IS NOT NULL".to_owned(),
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

    /// Replaces a profile's details and free dates. An approved profile stays approved and
    /// published, but an edit of a public field (see [`ProfileDetails::public_fields_differ`])
    /// waits for review ([`Store::profile_edit`]): until an admin approves it, the published
    /// details keep their approved public fields and take the other changes at once.
    pub async fn update_profile(
        &self,
        id: ProfileId,
        details: &ProfileDetails,
        dates: &DateSet,
    ) -> Result<Profile> {
        let now = self.clock.now();
        let current = self.profile(id).await?;
        let (published, review) = if current.status == ProfileStatus::Approved
            && details.public_fields_differ(&current.details)
        {
            (details.with_public_fields_of(&current.details), Some(details))
        } else {
            (details.clone(), None)
        };
        let json =
            serde_json::to_string(&published).map_err(|e| StoreError::corrupt("profile", e))?;
        let review = review
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt("profile", e))?;
        let city = published.city();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE profiles SET name = $1, lat = $2, lon = $3, details = $4, updated_at = $5, \
                 review_details = $6 WHERE id = $7 AND kind = $8",
            )
            .bind(published.name().as_str())
            .bind(city.lat())
            .bind(city.lon())
            .bind(&json)
            .bind(now)
            .bind(review.as_deref())
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
        let action = if review.is_some() { "profile.edit_submitted" } else { "profile.updated" };
        self.audit(None, action, &format!("profile:{}", id.0), &json!({})).await?;
        self.profile(id).await
    }

    /// The edit of an approved profile that waits for review, if any.
    pub async fn profile_edit(&self, id: ProfileId) -> Result<Option<ProfileDetails>> {
        Ok(self.stored_edit(id).await?.map(|(edit, _)| edit))
    }

    /// The pending edit and its stored text (which a decision compares-and-sets on).
    async fn stored_edit(&self, id: ProfileId) -> Result<Option<(ProfileDetails, String)>> {
        let row: Option<(Option<String>,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT review_details FROM profiles WHERE id = $1")
                .bind(id.0)
                .fetch_optional(p)
                .await
        })?;
        let Some((review,)) = row else { return Err(StoreError::NotFound("profile")) };
        review
            .map(|raw| {
                serde_json::from_str(&raw)
                    .map(|edit| (edit, raw))
                    .map_err(|e| StoreError::corrupt("profile edit", e))
            })
            .transpose()
    }

    /// Approved profiles with an edit waiting for review, oldest first: with the pending
    /// profiles, the review queue.
    pub async fn profiles_with_edits(&self) -> Result<Vec<(Profile, ProfileDetails)>> {
        let mut out = Vec::new();
        for profile in self.list_profiles(Filter::Edited, "approved".to_owned()).await? {
            if let Some(edit) = self.profile_edit(profile.id).await? {
                out.push((profile, edit));
            }
        }
        Ok(out)
    }

    /// An admin decides an approved profile's pending edit: approved, it is published (the
    /// profile stays approved); rejected, it is dropped and the approved version stays. The
    /// decision and its reason go to the audit trail.
    pub async fn review_profile_edit(
        &self,
        id: ProfileId,
        actor: AccountId,
        decision: EditDecision<'_>,
    ) -> Result<EditReviewed> {
        let Some((edit, json)) = self.stored_edit(id).await? else {
            return Ok(EditReviewed::NothingPending);
        };
        let now = self.clock.now();
        let applied = matches!(decision, EditDecision::Approve);
        let city = edit.city();
        let done = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // Compare-and-set on the edit: a second admin, or a newer edit, finds it changed.
            let n = if applied {
                sqlx::query(
                    "UPDATE profiles SET name = $1, lat = $2, lon = $3, details = $4, updated_at = $5, \
                     review_details = NULL WHERE id = $6 AND review_details = $4 AND status = 'approved'",
                )
                .bind(edit.name().as_str())
                .bind(city.lat())
                .bind(city.lon())
                .bind(&json)
                .bind(now)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query(
                    "UPDATE profiles SET review_details = NULL WHERE id = $1 AND review_details = $2",
                )
                .bind(id.0)
                .bind(&json)
                .execute(&mut *tx)
                .await?
            }
            .rows_affected();
            if n == 1 && applied {
                sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                    .bind(id.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(n == 1)
        })?;
        if !done {
            return Ok(EditReviewed::NothingPending);
        }
        let (action, reason) = match decision {
            EditDecision::Approve => ("profile.edit_approved", None),
            EditDecision::Reject(reason) => ("profile.edit_rejected", Some(reason)),
        };
        self.audit(Some(actor), action, &format!("profile:{}", id.0), &json!({"reason": reason}))
            .await?;
        Ok(if applied { EditReviewed::Published } else { EditReviewed::Dropped })
    }

    /// An admin makes a suspended profile public again, with a reason kept in the audit trail.
    /// A profile whose owner erased their account stays suspended.
    pub async fn reinstate_profile(
        &self,
        id: ProfileId,
        actor: AccountId,
        reason: &str,
    ) -> Result<Reinstated> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Ok(Reinstated::ReasonNeeded);
        }
        let profile = self.profile(id).await?;
        if !matches!(profile.status, ProfileStatus::Suspended(_)) {
            return Ok(Reinstated::NotSuspended(profile.status));
        }
        let (erased,): (Option<DateTime<Utc>>,) = on_pool!(self, |p| {
            sqlx::query_as("SELECT erased_at FROM accounts WHERE id = $1")
                .bind(profile.owner.0)
                .fetch_one(p)
                .await
        })?;
        if erased.is_some() {
            return Ok(Reinstated::OwnerErased);
        }
        let now = self.clock.now();
        let done = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE profiles SET status = 'approved', status_reason = NULL, updated_at = $1 \
                 WHERE id = $2 AND status = 'suspended'",
            )
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                    .bind(id.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(n == 1)
        })?;
        if !done {
            return Ok(Reinstated::NotSuspended(self.profile(id).await?.status));
        }
        self.audit(
            Some(actor),
            "profile.reinstated",
            &format!("profile:{}", id.0),
            &json!({"reason": reason}),
        )
        .await?;
        Ok(Reinstated::Done)
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

    /// The profiles `ids` that exist, by id, in one listing: a page of search results.
    pub async fn profiles(&self, ids: &[ProfileId]) -> Result<Vec<Profile>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.list_profiles(Filter::Ids, json_ids(ids.iter().map(|p| p.0))).await
    }

    /// The public names of the profiles `ids` that exist, in one statement: what a list of
    /// proposals shows of the other side, without reading each profile with its dates.
    pub async fn profile_names(
        &self,
        ids: &[ProfileId],
    ) -> Result<std::collections::HashMap<ProfileId, String>> {
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let json = json_ids(ids.iter().map(|p| p.0));
        let sql =
            format!("SELECT id, name FROM profiles WHERE id IN ({})", ids_in_json(&self.pool));
        let rows: Vec<(i64, String)> =
            on_pool!(self, |p| sqlx::query_as(&sql).bind(&json).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(id, name)| (ProfileId(id), name)).collect())
    }

    /// An account's profiles, oldest first. The reads of the steps asking at the same moment
    /// are one listing ([`OwnerProfiles`]).
    pub async fn profiles_of(&self, owner: AccountId) -> Result<Vec<Profile>> {
        self.profiles.submit(self, owner).await
    }

    /// Profiles awaiting review, oldest first.
    pub async fn pending_profiles(&self) -> Result<Vec<Profile>> {
        self.list_profiles(Filter::Status, ProfileStatus::Pending.as_str().to_owned()).await
    }

    /// Every approved profile with an id above `after`, in id order: pages for building caches.
    pub async fn approved_profiles(&self, after: ProfileId) -> Result<Vec<Profile>> {
        self.list_profiles(Filter::Approved, after.0).await
    }

    /// Replaces a profile's calendar token, so an old feed link stops working (the feed's
    /// renewal; `/settings` is to offer it, issue 19).
    pub async fn renew_calendar_token(&self, id: ProfileId) -> Result<String> {
        let token = new_calendar_token();
        on_pool!(self, |p| {
            sqlx::query("UPDATE profiles SET calendar_token = $1 WHERE id = $2")
                .bind(&token)
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(token)
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

    /// Sets (or clears) who a profile's show or room is for; the match indexes follow.
    pub async fn set_audience(&self, id: ProfileId, audience: Option<Audience>) -> Result<()> {
        let json = audience
            .map(|a| serde_json::to_string(&a))
            .transpose()
            .map_err(|e| StoreError::corrupt("profile audience", e))?;
        self.set_fact(id, "UPDATE profiles SET audience = $1 WHERE id = $2", json).await
    }

    /// Sets (or clears) the deals a profile takes; the match indexes follow.
    pub async fn set_deals(&self, id: ProfileId, deals: Option<DealsTaken>) -> Result<()> {
        let code = deals.map(|d| d.code().to_owned());
        self.set_fact(id, "UPDATE profiles SET deals = $1 WHERE id = $2", code).await
    }

    /// One of the facts matching reads beside the details, written with its entry in the change
    /// feed (so every instance's index follows). `sql` is fixed text: (value, profile).
    async fn set_fact(
        &self,
        id: ProfileId,
        sql: &'static str,
        value: Option<String>,
    ) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(sql).bind(&value).bind(id.0).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
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
        self.set_profile_status(profile.id, &ProfileStatus::erased(), Some(profile.owner)).await
    }

    async fn list_profiles<T>(&self, filter: Filter, arg: T) -> Result<Vec<Profile>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: Clone + Send + Sync + 'static,
    {
        let mut conn = self.pool.acquire().await?;
        self.list_profiles_on(&mut conn, filter, arg).await
    }

    /// The profiles of `owners`, oldest first, on `conn`: one listing however many they are.
    pub(super) async fn profiles_of_owners_on(
        &self,
        conn: &mut Conn,
        owners: &[i64],
    ) -> Result<Vec<Profile>> {
        match owners {
            [one] => self.list_profiles_on(conn, Filter::Owner, *one).await,
            _ => {
                let ids = json_ids(owners.iter().copied());
                self.list_profiles_on(conn, Filter::Owners, ids).await
            }
        }
    }

    /// [`Store::list_profiles`] on `conn`: the three reads on one connection, none after the
    /// first when there is no profile (a newcomer's every `/help`).
    async fn list_profiles_on<T>(
        &self,
        conn: &mut Conn,
        filter: Filter,
        arg: T,
    ) -> Result<Vec<Profile>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: Clone + Send + Sync + 'static,
    {
        let clause = filter.clause(&self.pool);
        let sql = format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles p LEFT JOIN artist_sheets s ON s.profile_id = p.id \
             WHERE {clause} ORDER BY p.id"
        );
        let dates_sql = format!(
            "SELECT d.profile_id, d.day FROM profile_dates d JOIN profiles p ON p.id = d.profile_id WHERE {clause}"
        );
        // Confirmed bookings per (profile, day), as artist and as venue: what makes a date taken.
        let confirmed = BookingStatus::Confirmed.as_str();
        let booked_sql = format!(
            "SELECT b.artist_id, b.day, COUNT(*) FROM bookings b JOIN profiles p ON p.id = b.artist_id \
             WHERE {clause} AND b.status = '{confirmed}' GROUP BY b.artist_id, b.day \
             UNION ALL \
             SELECT b.venue_id, b.day, COUNT(*) FROM bookings b JOIN profiles p ON p.id = b.venue_id \
             WHERE {clause} AND b.status = '{confirmed}' GROUP BY b.venue_id, b.day"
        );
        let (rows, dates, booked) = on_conn!(conn, |c| {
            let rows =
                sqlx::query_as::<_, ProfileRow>(&sql).bind(arg.clone()).fetch_all(&mut **c).await?;
            if rows.is_empty() {
                return Ok((rows, Vec::new(), Vec::new()));
            }
            let dates = sqlx::query_as::<_, (i64, NaiveDate)>(&dates_sql)
                .bind(arg.clone())
                .fetch_all(&mut **c)
                .await?;
            let booked = sqlx::query_as::<_, (i64, NaiveDate, i64)>(&booked_sql)
                .bind(arg)
                .fetch_all(&mut **c)
                .await?;
            Ok::<_, sqlx::Error>((rows, dates, booked))
        })?;
        assemble(rows, dates, booked)
    }
}

fn assemble(
    rows: Vec<ProfileRow>,
    dates: Vec<(i64, NaiveDate)>,
    booked: Vec<(i64, NaiveDate, i64)>,
) -> Result<Vec<Profile>> {
    let mut by_profile: std::collections::HashMap<i64, Vec<NaiveDate>> =
        std::collections::HashMap::new();
    for (id, day) in dates {
        by_profile.entry(id).or_default().push(day);
    }
    let mut bookings: std::collections::HashMap<i64, Vec<(NaiveDate, i64)>> =
        std::collections::HashMap::new();
    for (id, day, n) in booked {
        bookings.entry(id).or_default().push((day, n));
    }
    rows.into_iter()
        .map(|r| {
            let details: ProfileDetails =
                serde_json::from_str(&r.details).map_err(|e| StoreError::corrupt("profile", e))?;
            let status = ProfileStatus::from_stored(&r.status, r.status_reason)
                .ok_or_else(|| StoreError::corrupt("profile status", &r.status))?;
            // An artist is taken by one booking a day; a venue's date when its slots are full.
            let room = match &details {
                ProfileDetails::Artist(_) => 1,
                ProfileDetails::Venue(v) => i64::from(v.slots_per_date.max(1)),
            };
            let taken = bookings
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, n)| *n >= room)
                .map(|(day, _)| day)
                .collect();
            let audience = r
                .audience
                .map(|a| serde_json::from_str(&a))
                .transpose()
                .map_err(|e| StoreError::corrupt("profile audience", e))?;
            let deals = match r.deals.as_deref() {
                None => None,
                Some(code) => Some(
                    DealsTaken::from_code(code)
                        .ok_or_else(|| StoreError::corrupt("profile deals", code))?,
                ),
            };
            let lineup = match (r.performers, r.crew) {
                (Some(p), Some(c)) => {
                    let count =
                        |n: i64| u16::try_from(n).map_err(|e| StoreError::corrupt("line-up", e));
                    Some(
                        Lineup::new(count(p)?, count(c)?)
                            .map_err(|e| StoreError::corrupt("line-up", e))?,
                    )
                }
                _ => None,
            };
            Ok(Profile {
                id: ProfileId(r.id),
                owner: AccountId(r.owner_id),
                status,
                details,
                dates: DateSet::from_stored(by_profile.remove(&r.id).unwrap_or_default()),
                taken,
                audience,
                lineup,
                deals,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}
