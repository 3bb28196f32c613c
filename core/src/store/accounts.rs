//! Accounts, their platform identities, `/link` codes, settings and GDPR export/erasure.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::batch::{Batch, Batcher};
use super::{
    Conn, ConversationRecord, Pool, Result, Store, StoreError, is_unique_violation, on_conn,
    on_pool,
};
use crate::domain::ProfileId;
use crate::domain::account::{Account, Identity, Platform};
use crate::domain::profile::{Profile, ProfileKind};
use crate::domain::values::Email;
use crate::domain::when::Zone;
use crate::domain::{AccountId, Lang};

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    display_name: String,
    lang: String,
    contact_email: Option<String>,
    email_verified: bool,
    email_alerts: bool,
    alert_threshold: i64,
    time_zone: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<Self> {
        Ok(Account {
            id: AccountId(r.id),
            display_name: r.display_name,
            lang: Lang::parse(&r.lang)
                .ok_or_else(|| StoreError::corrupt("account language", &r.lang))?,
            contact_email: r
                .contact_email
                .map(|e| Email::parse(&e))
                .transpose()
                .map_err(|e| StoreError::corrupt("email", e))?,
            email_verified: r.email_verified,
            email_alerts: r.email_alerts,
            alert_threshold: u8::try_from(r.alert_threshold)
                .map_err(|e| StoreError::corrupt("alert threshold", e))?,
            time_zone: Zone::parse(&r.time_zone)
                .map_err(|e| StoreError::corrupt("time zone", e))?,
            created_at: r.created_at,
        })
    }
}

const ACCOUNT_COLUMNS: &str = "id, display_name, lang, contact_email, email_verified, email_alerts, alert_threshold, time_zone, created_at";

/// [`ACCOUNT_COLUMNS`] of the table named `alias` in a join.
fn account_columns_of(alias: &str) -> String {
    ACCOUNT_COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

/// What a conversation step reads first: the account, its conversation on the step's channel
/// (none yet on a first step there), which profiles it owns and, when asked for, those
/// profiles with their dates and bookings, oldest first, as [`Store::profiles_of`] lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstRead {
    pub account: Account,
    pub conversation: Option<ConversationRecord>,
    /// Each of the account's profiles, oldest first, by its id and kind: always read.
    pub owned: Vec<OwnedProfile>,
    /// `None` when not asked for.
    pub profiles: Option<Vec<Profile>>,
}

/// One of a person's profiles as the first read names it: which one, and an artist's or a
/// venue's. Enough to speak to an artist or a venue (`/help`, `/start`) without listing the
/// profile's details and free dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnedProfile {
    pub id: ProfileId,
    pub kind: ProfileKind,
}

/// An account and its conversation on one channel, if it has one there, and its profiles' ids
/// and kinds (a JSON array of `[id, kind]` pairs, empty or absent when it has none).
#[derive(sqlx::FromRow)]
struct WithConversation {
    #[sqlx(flatten)]
    account: AccountRow,
    state: Option<String>,
    version: Option<i64>,
    updated_at: Option<DateTime<Utc>>,
    owned: Option<String>,
}

impl WithConversation {
    fn read(self) -> Result<FirstRead> {
        let conversation = match (self.state, self.version, self.updated_at) {
            (Some(state), Some(version), Some(updated_at)) => {
                Some(ConversationRecord { state, version, updated_at })
            }
            _ => None,
        };
        let account = Account::try_from(self.account)?;
        let owned = match self.owned {
            Some(pairs) => read_owned(&pairs)?,
            None => Vec::new(),
        };
        Ok(FirstRead { account, conversation, owned, profiles: None })
    }
}

/// The first read's `owned` column: `[[id, kind], …]`, put oldest first as the listings are.
fn read_owned(pairs: &str) -> Result<Vec<OwnedProfile>> {
    let pairs: Vec<(i64, String)> =
        serde_json::from_str(pairs).map_err(|e| StoreError::corrupt("owned profiles", e))?;
    let mut owned = pairs
        .into_iter()
        .map(|(id, kind)| match ProfileKind::parse(&kind) {
            Some(kind) => Ok(OwnedProfile { id: ProfileId(id), kind }),
            None => Err(StoreError::corrupt("profile kind", kind)),
        })
        .collect::<Result<Vec<_>>>()?;
    owned.sort_by_key(|p| p.id.0);
    Ok(owned)
}

/// The first read's column of the account's profiles, each as `[id, kind]` in a JSON array
/// (one aggregate on the owner's index, no row per profile), on PostgreSQL and on SQLite.
const OWNED_POSTGRES: &str = "(SELECT json_agg(json_build_array(p.id, p.kind))::TEXT \
     FROM profiles p WHERE p.owner_id = a.id) AS owned";
const OWNED_SQLITE: &str = "(SELECT json_group_array(json_array(p.id, p.kind)) \
     FROM profiles p WHERE p.owner_id = a.id) AS owned";

fn owned_column(pool: &Pool) -> &'static str {
    match pool {
        Pool::Postgres(_) => OWNED_POSTGRES,
        Pool::Sqlite(_) => OWNED_SQLITE,
    }
}

/// The first read of the steps starting at the same moment: each account by its identity, with
/// its conversation on the step's channel, in one statement (see `batch.rs`); then, on the same
/// connection, the profiles of those asked for that have some, in one listing. A request is the
/// identity, the channel and whether the profiles are asked for.
#[derive(Debug)]
pub(crate) struct Reads;

impl Batch for Reads {
    type Request = (Identity, String, bool);
    type Answer = Option<FirstRead>;
    type Key = ();
    const MAX: usize = 256;
    const METRIC: &'static str = "flowstage_read_batch_steps";

    fn key(_: &Self::Request) -> Option<()> {
        None
    }

    fn batcher(store: &Store) -> &Batcher<Self> {
        &store.reads
    }

    async fn serve_one(
        store: &Store,
        conn: &mut Conn,
        (identity, channel, with_profiles): &Self::Request,
    ) -> Result<Self::Answer> {
        store.first_read_alone(conn, identity, channel, *with_profiles).await
    }

    async fn serve_together(
        store: &Store,
        conn: &mut Conn,
        batch: &[Self::Request],
    ) -> Result<Vec<Result<Self::Answer>>> {
        store.read_together(conn, batch).await
    }
}

/// [`Reads`] on each backend, each row numbered from 1 by its request (`n`). On PostgreSQL the
/// requests are three arrays (platform, external id, channel) zipped by `unnest`, as the write
/// batch's rows are (`group_commit.rs`); SQLite has no arrays: there they are one JSON array of
/// objects `{p, e, c}`. Each text is made once per process.
fn read_together_sql(pool: &Pool) -> &'static str {
    static POSTGRES: LazyLock<String> = LazyLock::new(|| {
        reads_joined(
            "unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]) WITH ORDINALITY AS t (p, e, c, n)",
            ["t.p", "t.e", "t.c"],
            OWNED_POSTGRES,
        )
    });
    static SQLITE: LazyLock<String> = LazyLock::new(|| {
        reads_joined(
            "(SELECT key + 1 AS n, value FROM json_each($1)) AS t",
            [
                "json_extract(t.value, '$.p')",
                "json_extract(t.value, '$.e')",
                "json_extract(t.value, '$.c')",
            ],
            OWNED_SQLITE,
        )
    });
    match pool {
        Pool::Postgres(_) => &POSTGRES,
        Pool::Sqlite(_) => &SQLITE,
    }
}

/// The reads' statement over `requests`, given the expressions of a request's platform,
/// external id and channel, and the database's [`owned_column`].
fn reads_joined(
    requests: &str,
    [platform, external_id, channel]: [&str; 3],
    owned: &str,
) -> String {
    format!(
        "SELECT t.n, {}, c.state, c.version, c.updated_at, {owned} FROM {requests} \
         JOIN identities i ON i.platform = {platform} AND i.external_id = {external_id} \
         JOIN accounts a ON a.id = i.account_id \
         LEFT JOIN conversations c ON c.account_id = a.id AND c.channel = {channel}",
        account_columns_of("a")
    )
}

/// What `/settings` changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub lang: Lang,
    pub email_alerts: bool,
    pub alert_threshold: u8,
    pub contact_email: Option<Email>,
}

/// Why a `/link` code was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("unknown or expired code")]
    UnknownOrExpired,
    #[error("this identity already belongs to that account")]
    AlreadyLinked,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LinkError {
    fn from(e: sqlx::Error) -> Self {
        LinkError::Store(e.into())
    }
}

impl Store {
    /// The account behind an identity, created on first contact. Returns whether it was created.
    pub async fn account_for_identity(
        &self,
        identity: &Identity,
        display_name: &str,
        lang: Lang,
    ) -> Result<(Account, bool)> {
        if let Some(account) = self.account_by_identity(identity).await? {
            return Ok((account, false));
        }
        let now = self.clock.now();
        let name: String = display_name.chars().filter(|c| !c.is_control()).take(100).collect();
        let created = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO accounts (display_name, lang, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(&name)
            .bind(lang.code())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let inserted = sqlx::query(
                "INSERT INTO identities (platform, external_id, account_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(identity.platform.as_str())
            .bind(&identity.external_id)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await?;
                    Ok::<bool, sqlx::Error>(true)
                }
                // Another message from the same person created the account first: use theirs.
                Err(e) if is_unique_violation(&e) => Ok(false),
                Err(e) => Err(e),
            }
        })?;
        let account =
            self.account_by_identity(identity).await?.ok_or(StoreError::NotFound("account"))?;
        Ok((account, created))
    }

    /// The account of `identity`, its conversation on `channel` and, `with_profiles`, its
    /// profiles, read together ([`FirstRead`]): `None` when the identity is new. The reads of
    /// steps starting at the same moment are one statement (`Reads`), and one listing of the
    /// profiles asked for.
    pub async fn first_read(
        &self,
        identity: &Identity,
        channel: &str,
        with_profiles: bool,
    ) -> Result<Option<FirstRead>> {
        self.reads.submit(self, (identity.clone(), channel.to_owned(), with_profiles)).await
    }

    /// [`Reads`]' batched form.
    async fn read_together(
        &self,
        conn: &mut Conn,
        batch: &[(Identity, String, bool)],
    ) -> Result<Vec<Result<Option<FirstRead>>>> {
        #[derive(sqlx::FromRow)]
        struct Numbered {
            n: i64,
            #[sqlx(flatten)]
            found: WithConversation,
        }
        let sql = read_together_sql(&self.pool);
        let rows = match conn {
            Conn::Postgres(c) => {
                let platforms: Vec<&str> =
                    batch.iter().map(|(i, _, _)| i.platform.as_str()).collect();
                let ids: Vec<&str> = batch.iter().map(|(i, _, _)| i.external_id.as_str()).collect();
                let channels: Vec<&str> = batch.iter().map(|(_, c, _)| c.as_str()).collect();
                sqlx::query_as::<_, Numbered>(sql)
                    .bind(platforms)
                    .bind(ids)
                    .bind(channels)
                    .fetch_all(&mut **c)
                    .await?
            }
            Conn::Sqlite(c) => {
                let requests: Vec<serde_json::Value> = batch
                    .iter()
                    .map(|(i, c, _)| json!({"p": i.platform.as_str(), "e": i.external_id, "c": c}))
                    .collect();
                let requests = serde_json::Value::from(requests).to_string();
                sqlx::query_as::<_, Numbered>(sql).bind(requests).fetch_all(&mut **c).await?
            }
        };
        let asked =
            |n: i64| usize::try_from(n - 1).ok().and_then(|i| batch.get(i)).is_some_and(|r| r.2);
        let rows: Vec<(i64, Result<FirstRead>)> =
            rows.into_iter().map(|row| (row.n, row.found.read())).collect();
        // Each owner's profiles, and how many requests of the batch still want them (an account
        // may be asked for on two channels at once): the last one takes them, the others a copy.
        let mut by_owner: std::collections::HashMap<AccountId, (Vec<Profile>, usize)> =
            std::collections::HashMap::new();
        for (_, found) in rows.iter().filter(|(n, _)| asked(*n)) {
            if let Ok(found) = found
                && !found.owned.is_empty()
            {
                by_owner.entry(found.account.id).or_default().1 += 1;
            }
        }
        let owners: Vec<i64> = by_owner.keys().map(|o| o.0).collect();
        if !owners.is_empty() {
            for profile in self.profiles_of_owners_on(conn, &owners).await? {
                by_owner.entry(profile.owner).or_default().0.push(profile);
            }
        }
        let mut answers: Vec<Result<Option<_>>> = batch.iter().map(|_| Ok(None)).collect();
        for (n, found) in rows {
            let slot = usize::try_from(n - 1).ok().and_then(|i| answers.get_mut(i));
            if let Some(slot) = slot {
                let with_profiles = asked(n);
                *slot = found.map(|mut found| {
                    if with_profiles {
                        let mine = match by_owner.get_mut(&found.account.id) {
                            Some((mine, wanted)) if *wanted > 1 => {
                                *wanted -= 1;
                                mine.clone()
                            }
                            Some((mine, _)) => std::mem::take(mine),
                            None => Vec::new(),
                        };
                        found.profiles = Some(mine);
                    }
                    Some(found)
                });
            }
        }
        Ok(answers)
    }

    async fn first_read_alone(
        &self,
        conn: &mut Conn,
        identity: &Identity,
        channel: &str,
        with_profiles: bool,
    ) -> Result<Option<FirstRead>> {
        let sql = format!(
            "SELECT {}, c.state, c.version, c.updated_at, {} FROM identities i \
             JOIN accounts a ON a.id = i.account_id \
             LEFT JOIN conversations c ON c.account_id = a.id AND c.channel = $3 \
             WHERE i.platform = $1 AND i.external_id = $2",
            account_columns_of("a"),
            owned_column(&self.pool)
        );
        let row = on_conn!(conn, |c| {
            sqlx::query_as::<_, WithConversation>(&sql)
                .bind(identity.platform.as_str())
                .bind(&identity.external_id)
                .bind(channel)
                .fetch_optional(&mut **c)
                .await
        })?;
        let Some(row) = row else { return Ok(None) };
        let mut found = row.read()?;
        if with_profiles {
            found.profiles = Some(if !found.owned.is_empty() {
                self.profiles_of_owners_on(conn, &[found.account.id.0]).await?
            } else {
                Vec::new()
            });
        }
        Ok(Some(found))
    }

    pub async fn account_by_identity(&self, identity: &Identity) -> Result<Option<Account>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = \
             (SELECT account_id FROM identities WHERE platform = $1 AND external_id = $2)"
        );
        let row = on_pool!(self, |p| {
            sqlx::query_as::<_, AccountRow>(&sql)
                .bind(identity.platform.as_str())
                .bind(&identity.external_id)
                .fetch_optional(p)
                .await
        })?;
        row.map(Account::try_from).transpose()
    }

    /// Accounts not erased whose name, or one of whose profiles' names, holds `query` (case
    /// aside), or whose number, or one of whose profiles' numbers, it is: `/users`. Newest first.
    pub async fn find_accounts(&self, query: &str, limit: i64) -> Result<Vec<Account>> {
        let query = query.trim().trim_start_matches('#');
        let number = query.parse::<i64>().unwrap_or(-1);
        let pattern = format!(
            "%{}%",
            query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE erased_at IS NULL AND (id = $1 \
             OR LOWER(display_name) LIKE $2 ESCAPE '\\' \
             OR id IN (SELECT owner_id FROM profiles WHERE id = $1 OR LOWER(name) LIKE $2 ESCAPE '\\')) \
             ORDER BY id DESC LIMIT $3"
        );
        let rows = on_pool!(self, |p| {
            sqlx::query_as::<_, AccountRow>(&sql)
                .bind(number)
                .bind(&pattern)
                .bind(limit)
                .fetch_all(p)
                .await
        })?;
        rows.into_iter().map(Account::try_from).collect()
    }

    pub async fn account(&self, id: AccountId) -> Result<Account> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        let row = on_pool!(self, |p| sqlx::query_as::<_, AccountRow>(&sql)
            .bind(id.0)
            .fetch_optional(p)
            .await)?;
        row.map(Account::try_from).transpose()?.ok_or(StoreError::NotFound("account"))
    }

    /// The identities of an account, with whether each can still be reached.
    pub async fn identities(&self, id: AccountId) -> Result<Vec<(Identity, bool)>> {
        let rows = on_pool!(self, |p| {
            sqlx::query_as::<_, (String, String, bool)>(
                "SELECT platform, external_id, unreachable FROM identities WHERE account_id = $1 ORDER BY platform",
            )
            .bind(id.0)
            .fetch_all(p)
            .await
        })?;
        rows.into_iter()
            .map(|(platform, external_id, unreachable)| {
                let platform = Platform::parse(&platform)
                    .ok_or_else(|| StoreError::corrupt("platform", &platform))?;
                Ok((Identity { platform, external_id }, !unreachable))
            })
            .collect()
    }

    /// Marks an identity that refuses our messages (a user who blocked the bot), or reachable again.
    pub async fn set_unreachable(&self, identity: &Identity, unreachable: bool) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE identities SET unreachable = $1 WHERE platform = $2 AND external_id = $3",
            )
            .bind(unreachable)
            .bind(identity.platform.as_str())
            .bind(&identity.external_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn update_settings(&self, id: AccountId, s: &Settings) -> Result<()> {
        let done = on_pool!(self, |p| {
            sqlx::query(
                "UPDATE accounts SET lang = $1, email_alerts = $2, alert_threshold = $3, \
                 email_verified = CASE WHEN contact_email IS NOT DISTINCT FROM $4 THEN email_verified ELSE FALSE END, \
                 contact_email = $4 WHERE id = $5 AND erased_at IS NULL",
            )
            .bind(s.lang.code())
            .bind(s.email_alerts)
            .bind(i64::from(s.alert_threshold.min(100)))
            .bind(s.contact_email.as_ref().map(Email::as_str))
            .bind(id.0)
            .execute(p)
            .await.map(|r| r.rows_affected())
        })?;
        if done == 0 {
            return Err(StoreError::NotFound("account"));
        }
        Ok(())
    }

    /// Records that the person agreed to the privacy notice, now: `/mydata` gives the time back.
    pub async fn record_consent(&self, id: AccountId) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query("UPDATE accounts SET consented_at = $1 WHERE id = $2 AND erased_at IS NULL")
                .bind(now)
                .bind(id.0)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// When the person agreed to the privacy notice (`None` if before it was recorded).
    pub async fn consented_at(&self, id: AccountId) -> Result<Option<DateTime<Utc>>> {
        let (at,): (Option<DateTime<Utc>>,) = on_pool!(self, |p| {
            sqlx::query_as("SELECT consented_at FROM accounts WHERE id = $1")
                .bind(id.0)
                .fetch_optional(p)
                .await
        })?
        .ok_or(StoreError::NotFound("account"))?;
        Ok(at)
    }

    /// Sets the zone an account's dates and deadlines are written in.
    pub async fn set_time_zone(&self, id: AccountId, zone: Zone) -> Result<()> {
        let done = on_pool!(self, |p| {
            sqlx::query("UPDATE accounts SET time_zone = $1 WHERE id = $2 AND erased_at IS NULL")
                .bind(zone.name())
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        if done == 0 {
            return Err(StoreError::NotFound("account"));
        }
        Ok(())
    }

    /// Stores a one-time `/link` code for an account.
    pub async fn create_link_code(
        &self,
        id: AccountId,
        code: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query("INSERT INTO link_codes (code, account_id, expires_at) VALUES ($1, $2, $3)")
                .bind(code)
                .bind(id.0)
                .bind(expires_at)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Joins `identity` to the account that issued `code`; the identity's former account, if it
    /// had one, hands over its profiles. The code is used up.
    pub async fn redeem_link_code(
        &self,
        code: &str,
        identity: &Identity,
    ) -> Result<AccountId, LinkError> {
        let now = self.clock.now();
        let target = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let found: Option<(i64,)> = sqlx::query_as(
                "DELETE FROM link_codes WHERE code = $1 AND expires_at > $2 RETURNING account_id",
            )
            .bind(code)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((target,)) = found else { return Err(LinkError::UnknownOrExpired) };
            let former: Option<(i64,)> = sqlx::query_as(
                "SELECT account_id FROM identities WHERE platform = $1 AND external_id = $2",
            )
            .bind(identity.platform.as_str())
            .bind(&identity.external_id)
            .fetch_optional(&mut *tx)
            .await?;
            match former {
                Some((f,)) if f == target => return Err(LinkError::AlreadyLinked),
                Some((f,)) => {
                    sqlx::query("UPDATE identities SET account_id = $1 WHERE account_id = $2")
                        .bind(target)
                        .bind(f)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE profiles SET owner_id = $1 WHERE owner_id = $2")
                        .bind(target)
                        .bind(f)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO identities (platform, external_id, account_id, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(identity.platform.as_str())
                    .bind(&identity.external_id)
                    .bind(target)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<i64, LinkError>(target)
        })?;
        self.audit(
            Some(AccountId(target)),
            "identity.linked",
            &format!("account:{target}"),
            &json!({"platform": identity.platform.as_str()}),
        )
        .await?;
        Ok(AccountId(target))
    }

    /// Everything personal the store holds about an account, for `/mydata`.
    pub async fn export_account(&self, id: AccountId) -> Result<serde_json::Value> {
        let account = self.account(id).await?;
        let identities: Vec<_> = self
            .identities(id)
            .await?
            .into_iter()
            .map(|(i, reachable)| json!({"platform": i.platform, "id": i.external_id, "reachable": reachable}))
            .collect();
        let profiles = self.profiles_of(id).await?;
        let favourites = self.favourites(id).await?;
        let searches = self.saved_searches(id).await?;
        let mut tickets = Vec::new();
        for t in self.tickets_of(id).await? {
            let conversation = self.ticket_messages(t.id).await?;
            tickets.push(json!({"ticket": t, "conversation": conversation}));
        }
        let messages = on_pool!(self, |p| {
            sqlx::query_as::<_, (i64, String, DateTime<Utc>)>(
                "SELECT proposal_id, body, created_at FROM thread_messages WHERE author_id = $1 ORDER BY id",
            )
            .bind(id.0)
            .fetch_all(p)
            .await
        })?;
        let proposals = self.proposals_sent_by(id).await?;
        let mut received = Vec::new();
        let mut bookings = Vec::new();
        for profile in &profiles {
            received.extend(
                self.proposals_of_profile(profile.id)
                    .await?
                    .into_iter()
                    .filter(|p| p.to_profile == profile.id),
            );
            bookings.extend(self.bookings_of_profile(profile.id).await?);
        }
        bookings.sort_by_key(|b| b.id);
        bookings.dedup_by_key(|b| b.id);
        let mut contracts = Vec::new();
        for b in &bookings {
            // The platform's commission, to the one who pays it.
            let commission =
                self.commission(b.id).await?.filter(|c| c.owed.payer_account == id).map(|c| {
                    json!({
                        "total_cents": c.owed.total_cents,
                        "vat_cents": c.owed.vat_cents,
                        "status": c.status.as_str(),
                        "paid_at": c.paid_at,
                        "refunded_cents": c.refunded_cents,
                    })
                });
            contracts.push(json!({
                "booking": b.reference(),
                "contract_sha256": b.contract_sha256,
                "copies": b.contract_copies,
                "signed": b.signed,
                "commission": commission,
            }));
        }
        let consent = json!({"privacy_notice_agreed_at": self.consented_at(id).await?});
        let mut legal = Vec::new();
        for profile in &profiles {
            let identity = self.legal_identity(profile.id).await?;
            let sheet = self.artist_sheet(profile.id).await?;
            legal.push(
                json!({"profile": profile.id, "legal_identity": identity, "artist_sheet": sheet}),
            );
        }
        Ok(json!({
            "account": account,
            "identities": identities,
            "profiles": profiles,
            "favourites": favourites,
            "saved_searches": searches,
            "tickets": tickets,
            "consent": consent,
            "proposals_sent": proposals,
            "proposals_received": received,
            "bookings": bookings,
            "contracts": contracts,
            "contract_details": legal,
            "messages": messages.into_iter().map(|(proposal, body, at)| json!({"proposal": proposal, "body": body, "at": at})).collect::<Vec<_>>(),
        }))
    }

    /// GDPR erasure: personal data goes; what contracts and accounting must keep (bookings, the
    /// names on signed contracts) stays, detached from any way to reach the person.
    pub async fn erase_account(&self, id: AccountId) -> Result<()> {
        let now = self.clock.now();
        let profiles = self.profiles_of(id).await?;
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for sql in [
                // What the person sent and was answered, kept by the inbox until done: what is
                // handled needs neither (on the platforms where a person's chat is their id).
                "DELETE FROM inbox_replies WHERE inbox_id IN (SELECT x.id FROM inbox x \
                 JOIN identities i ON i.platform = x.platform AND i.external_id = x.chat \
                 WHERE i.account_id = $1 AND x.done_at IS NOT NULL)",
                "UPDATE inbox SET payload = '' WHERE handled_at IS NOT NULL AND id IN \
                 (SELECT x.id FROM inbox x JOIN identities i ON i.platform = x.platform \
                 AND i.external_id = x.chat WHERE i.account_id = $1)",
                "DELETE FROM identities WHERE account_id = $1",
                "DELETE FROM email_codes WHERE account_id = $1",
                "DELETE FROM emails WHERE account_id = $1",
                "DELETE FROM email_unsubscribe WHERE account_id = $1",
                "DELETE FROM link_codes WHERE account_id = $1",
                "DELETE FROM favourites WHERE account_id = $1",
                "DELETE FROM saved_searches WHERE account_id = $1",
                "DELETE FROM conversations WHERE account_id = $1",
                "DELETE FROM active_days WHERE account_id = $1",
                "DELETE FROM outbox WHERE account_id = $1",
                // A ticket's conversation is about the person, the admins' replies included.
                "UPDATE ticket_messages SET body = '[erased]' WHERE ticket_id IN \
                 (SELECT id FROM tickets WHERE account_id = $1)",
                "UPDATE tickets SET account_id = NULL, body = '[erased]' WHERE account_id = $1",
                "UPDATE thread_messages SET body = '[erased]' WHERE author_id = $1",
                // The structure behind each profile and its signatory: contracts already signed
                // keep their own copy, the platform keeps none.
                "DELETE FROM legal_identities WHERE profile_id IN \
                 (SELECT id FROM profiles WHERE owner_id = $1)",
                "DELETE FROM artist_sheets WHERE profile_id IN \
                 (SELECT id FROM profiles WHERE owner_id = $1)",
            ] {
                sqlx::query(sql).bind(id.0).execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE accounts SET display_name = $1, contact_email = NULL, email_verified = FALSE, \
                 email_alerts = FALSE, consented_at = NULL, erased_at = $2 WHERE id = $3",
            )
            .bind(format!("erased account {}", id.0))
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        })?;
        for profile in profiles {
            self.anonymise_profile(profile).await?;
        }
        self.audit(Some(id), "account.erased", &format!("account:{}", id.0), &json!({})).await
    }
}
