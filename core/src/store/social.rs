//! What an account keeps for itself: favourites, saved searches (and the alerts they gave), and
//! support tickets.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::batch::{Batch, Batcher};
use super::{Conn, Pool, Result, Store, StoreError, on_conn, on_pool};
use crate::domain::{AccountId, ProfileId, SavedSearchId, TicketId};

/// A search to keep in the account's history: who made it, for which of their profiles, and
/// its query.
pub(crate) type NewSearch = (AccountId, ProfileId, String);

/// The searches of the steps making one at the same moment (every `/match` keeps its search
/// in the history), inserted in one statement (see `batch.rs`): each was a transaction of its
/// own, a second commit in the step.
#[derive(Debug)]
pub(crate) struct SavedSearches;

const INSERT_SEARCH: &str = "INSERT INTO saved_searches (account_id, profile_id, query, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING id";
/// [`SavedSearches`]' rows as one JSON array of `{a, p, q}` (account, profile, query), unpacked
/// by each database. The inserted rows come back with what they hold, which says whose each is.
const POSTGRES_INSERT_SEARCHES: &str = "INSERT INTO saved_searches (account_id, profile_id, query, created_at) \
     SELECT t.a, t.p, t.q, $2 FROM json_to_recordset($1::json) AS t (a BIGINT, p BIGINT, q TEXT) \
     RETURNING id, account_id, profile_id, query";
const SQLITE_INSERT_SEARCHES: &str = "INSERT INTO saved_searches (account_id, profile_id, query, created_at) \
     SELECT json_extract(t.value, '$.a'), json_extract(t.value, '$.p'), json_extract(t.value, '$.q'), $2 \
     FROM json_each($1) AS t RETURNING id, account_id, profile_id, query";

impl Batch for SavedSearches {
    type Request = NewSearch;
    type Answer = SavedSearchId;
    type Key = ();
    const MAX: usize = 256;
    const METRIC: &'static str = "flowstage_search_batch_steps";

    fn key(_: &NewSearch) -> Option<()> {
        None
    }

    fn batcher(store: &Store) -> &Batcher<Self> {
        &store.searches
    }

    async fn serve_one(
        store: &Store,
        conn: &mut Conn,
        (account, profile, query): &NewSearch,
    ) -> Result<SavedSearchId> {
        let now = store.clock.now();
        let (id,): (i64,) = on_conn!(conn, |c| {
            sqlx::query_as(INSERT_SEARCH)
                .bind(account.0)
                .bind(profile.0)
                .bind(query)
                .bind(now)
                .fetch_one(&mut **c)
                .await
        })?;
        Ok(SavedSearchId(id))
    }

    async fn serve_together(
        store: &Store,
        conn: &mut Conn,
        searches: &[NewSearch],
    ) -> Result<Vec<Result<SavedSearchId>>> {
        let sql = match &store.pool {
            Pool::Sqlite(_) => SQLITE_INSERT_SEARCHES,
            Pool::Postgres(_) => POSTGRES_INSERT_SEARCHES,
        };
        let rows: Vec<serde_json::Value> = searches
            .iter()
            .map(|(a, p, q)| serde_json::json!({"a": a.0, "p": p.0, "q": q}))
            .collect();
        let rows = serde_json::Value::from(rows).to_string();
        let now = store.clock.now();
        let inserted: Vec<(i64, i64, i64, String)> = on_conn!(conn, |c| {
            sqlx::query_as(sql).bind(&rows).bind(now).fetch_all(&mut **c).await
        })?;
        // Two requests alike (one account, profile and query) are two rows alike: either id
        // answers either.
        let mut ids: std::collections::HashMap<(i64, i64, &str), Vec<i64>> =
            std::collections::HashMap::new();
        for (id, a, p, q) in &inserted {
            ids.entry((*a, *p, q.as_str())).or_default().push(*id);
        }
        Ok(searches
            .iter()
            .map(|(a, p, q)| {
                ids.get_mut(&(a.0, p.0, q.as_str()))
                    .and_then(Vec::pop)
                    .map(SavedSearchId)
                    .ok_or(StoreError::NotFound("saved search"))
            })
            .collect())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedSearch {
    pub id: SavedSearchId,
    pub account: AccountId,
    /// The profile the search was made for (the seeker).
    pub profile: ProfileId,
    /// The query, as the matching layer serialised it.
    pub query: String,
    /// The person chose to be alerted about new profiles it finds; otherwise it is history.
    pub followed: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    pub id: TicketId,
    pub account: Option<AccountId>,
    pub body: String,
    pub open: bool,
    pub created_at: DateTime<Utc>,
}

/// One message of a ticket's conversation after its first (`Ticket::body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketMessage {
    /// The admin who replied, or the person who answered; `None` once erased.
    pub author: Option<AccountId>,
    pub from_admin: bool,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// What posting on a ticket gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketPost {
    /// Posted; `reopened` when the person's answer opened a closed ticket again.
    Posted {
        reopened: bool,
    },
    /// An admin's reply to a ticket closed meanwhile: nothing was posted.
    Closed,
    Unknown,
}

/// A support ticket's stored status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TicketStatus {
    Open,
    Closed,
}

impl TicketStatus {
    /// The name stored in the database: the one place it is spelled.
    fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Closed => "closed",
        }
    }
}

type SearchRow = (i64, i64, i64, String, bool, DateTime<Utc>);

fn search((id, account, profile, query, followed, created_at): SearchRow) -> SavedSearch {
    SavedSearch {
        id: SavedSearchId(id),
        account: AccountId(account),
        profile: ProfileId(profile),
        query,
        followed,
        created_at,
    }
}

type TicketRow = (i64, Option<i64>, String, String, DateTime<Utc>);

fn ticket((id, account, body, status, created_at): TicketRow) -> Ticket {
    Ticket {
        id: TicketId(id),
        account: account.map(AccountId),
        body,
        open: status == TicketStatus::Open.as_str(),
        created_at,
    }
}

impl Store {
    /// Stars a profile; starring twice is harmless.
    pub async fn add_favourite(&self, account: AccountId, profile: ProfileId) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO favourites (account_id, profile_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(account.0)
            .bind(profile.0)
            .bind(now)
            .execute(p)
            .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Returns whether there was such a favourite.
    pub async fn remove_favourite(&self, account: AccountId, profile: ProfileId) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query("DELETE FROM favourites WHERE account_id = $1 AND profile_id = $2")
                .bind(account.0)
                .bind(profile.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Starred profiles, most recent first.
    pub async fn favourites(&self, account: AccountId) -> Result<Vec<ProfileId>> {
        let rows: Vec<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT profile_id FROM favourites WHERE account_id = $1 ORDER BY created_at DESC, profile_id")
                .bind(account.0)
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(|(id,)| ProfileId(id)).collect())
    }

    /// Keeps a search in the account's history. The searches made at the same moment are one
    /// statement ([`SavedSearches`]).
    pub async fn save_search(
        &self,
        account: AccountId,
        profile: ProfileId,
        query: &str,
    ) -> Result<SavedSearchId> {
        self.searches.submit(self, (account, profile, query.to_owned())).await
    }

    /// An account's search history, newest first.
    pub async fn saved_searches(&self, account: AccountId) -> Result<Vec<SavedSearch>> {
        let rows: Vec<SearchRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, account_id, profile_id, query, followed, created_at FROM saved_searches WHERE account_id = $1 ORDER BY id DESC",
            )
            .bind(account.0)
            .fetch_all(p)
            .await
        })?;
        Ok(rows.into_iter().map(search).collect())
    }

    /// Follows a search: its person is alerted about new profiles it finds. Following the same
    /// search twice changes nothing; `true` when it was not followed yet.
    pub async fn follow_search(
        &self,
        account: AccountId,
        profile: ProfileId,
        query: &str,
    ) -> Result<(SavedSearchId, bool)> {
        let now = self.clock.now();
        let inserted: Option<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as(
                "INSERT INTO saved_searches (account_id, profile_id, query, followed, created_at) VALUES ($1, $2, $3, TRUE, $4) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(account.0)
            .bind(profile.0)
            .bind(query)
            .bind(now)
            .fetch_optional(p)
            .await
        })?;
        if let Some((id,)) = inserted {
            return Ok((SavedSearchId(id), true));
        }
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id FROM saved_searches WHERE account_id = $1 AND profile_id = $2 AND query = $3 AND followed",
            )
            .bind(account.0)
            .bind(profile.0)
            .bind(query)
            .fetch_one(p)
            .await
        })?;
        Ok((SavedSearchId(id), false))
    }

    /// The searches an account follows, newest first.
    pub async fn followed_searches(&self, account: AccountId) -> Result<Vec<SavedSearch>> {
        Ok(self.saved_searches(account).await?.into_iter().filter(|s| s.followed).collect())
    }

    /// Stops the alerts of one of the account's searches (it stays in the history); `false`
    /// when the account follows no such search.
    pub async fn unfollow_search(&self, account: AccountId, id: SavedSearchId) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query(
                "UPDATE saved_searches SET followed = FALSE WHERE id = $1 AND account_id = $2 AND followed",
            )
            .bind(id.0)
            .bind(account.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// The followed searches `profile` may answer: made for an approved profile of the other
    /// kind, by someone else, and not yet alerted about it — decided by the database through
    /// `saved_searches_following`, so a change reads only those.
    pub async fn followed_searches_for(
        &self,
        profile: &crate::domain::profile::Profile,
    ) -> Result<Vec<SavedSearch>> {
        let rows: Vec<SearchRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT s.id, s.account_id, s.profile_id, s.query, s.followed, s.created_at \
                 FROM saved_searches s JOIN profiles p ON p.id = s.profile_id \
                 WHERE s.followed AND p.kind <> $1 AND p.status = $2 AND s.account_id <> $3 \
                 AND NOT EXISTS (SELECT 1 FROM search_alerts a WHERE a.saved_search_id = s.id \
                 AND a.profile_id = $4) ORDER BY s.id",
            )
            .bind(profile.kind().as_str())
            .bind(crate::domain::profile::ProfileStatus::Approved.as_str())
            .bind(profile.owner.0)
            .bind(profile.id.0)
            .fetch_all(p)
            .await
        })?;
        Ok(rows.into_iter().map(search).collect())
    }

    /// Records that `search` alerted about `profile`; false if it already had (never alert twice).
    pub async fn record_alert(&self, search: SavedSearchId, profile: ProfileId) -> Result<bool> {
        let now = self.clock.now();
        let done = on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO search_alerts (saved_search_id, profile_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(search.0)
            .bind(profile.0)
            .bind(now)
            .execute(p)
            .await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    pub async fn open_ticket(&self, account: AccountId, body: &str) -> Result<TicketId> {
        let now = self.clock.now();
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
                "INSERT INTO tickets (account_id, body, status, created_at) VALUES ($1, $2, $4, $3) RETURNING id",
            )
            .bind(account.0)
            .bind(body)
            .bind(now)
            .bind(TicketStatus::Open.as_str())
            .fetch_one(p)
            .await
        })?;
        Ok(TicketId(id))
    }

    pub async fn open_tickets(&self) -> Result<Vec<Ticket>> {
        let rows: Vec<TicketRow> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id, account_id, body, status, created_at FROM tickets WHERE status = $1 ORDER BY id")
                .bind(TicketStatus::Open.as_str())
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(ticket).collect())
    }

    pub async fn tickets_of(&self, account: AccountId) -> Result<Vec<Ticket>> {
        let rows: Vec<TicketRow> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id, account_id, body, status, created_at FROM tickets WHERE account_id = $1 ORDER BY id")
                .bind(account.0)
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(ticket).collect())
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>> {
        let row: Option<TicketRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, account_id, body, status, created_at FROM tickets WHERE id = $1",
            )
            .bind(id.0)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(ticket))
    }

    /// A ticket's conversation after its first message, oldest first.
    pub async fn ticket_messages(&self, id: TicketId) -> Result<Vec<TicketMessage>> {
        let rows: Vec<(Option<i64>, bool, String, DateTime<Utc>)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT author_id, from_admin, body, created_at FROM ticket_messages WHERE ticket_id = $1 ORDER BY id",
            )
            .bind(id.0)
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(author, from_admin, body, at)| TicketMessage {
                author: author.map(AccountId),
                from_admin,
                body,
                at,
            })
            .collect())
    }

    /// Adds `body` to ticket `id`'s conversation and queues `notices` (who must read it) in the
    /// same transaction. An admin's reply needs the ticket open; the person's answer opens a
    /// closed ticket again. An admin's reply is written in the audit log.
    pub async fn post_on_ticket(
        &self,
        id: TicketId,
        author: AccountId,
        from_admin: bool,
        body: &str,
        notices: &[super::Notice],
    ) -> Result<TicketPost> {
        let now = self.clock.now();
        let outcome = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let status: Option<(String,)> =
                sqlx::query_as("SELECT status FROM tickets WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((status,)) = status else {
                return Ok::<_, sqlx::Error>(TicketPost::Unknown);
            };
            let closed = status != TicketStatus::Open.as_str();
            if closed && from_admin {
                return Ok(TicketPost::Closed);
            }
            if closed {
                sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2")
                    .bind(TicketStatus::Open.as_str())
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO ticket_messages (ticket_id, author_id, from_admin, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(author.0)
            .bind(from_admin)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if from_admin {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_id, action, subject, details) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(now)
                .bind(author.0)
                .bind("ticket.replied")
                .bind(format!("ticket:{}", id.0))
                .bind(serde_json::json!({ "body": body }).to_string())
                .execute(&mut *tx)
                .await?;
            }
            super::proposals::enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok(TicketPost::Posted { reopened: closed })
        })?;
        Ok(outcome)
    }

    /// Closes an open ticket; `false` if it was closed already. Written in the audit log.
    pub async fn close_ticket(&self, id: TicketId, by: AccountId) -> Result<bool> {
        let done = on_pool!(self, |p| sqlx::query(
            "UPDATE tickets SET status = $1 WHERE id = $2 AND status = $3"
        )
        .bind(TicketStatus::Closed.as_str())
        .bind(id.0)
        .bind(TicketStatus::Open.as_str())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 1 {
            let subject = format!("ticket:{}", id.0);
            self.audit(Some(by), "ticket.closed", &subject, &serde_json::json!({})).await?;
        }
        Ok(done == 1)
    }
}
