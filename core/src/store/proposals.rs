//! Proposals, their threads, and bookings. The rules of who may do what live in `crate::booking`;
//! this module makes each transition atomic (compare-and-set on the status) and lets unique
//! indexes, not a check-then-write, decide races for the last slot of a date.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::batch::{Batch, Batcher};
use super::{
    Conn, Pool, Result, Store, StoreError, ids_in_json, is_unique_violation, json_ids, on_conn,
    on_pool,
};
use crate::booking::{Hold, ReceivedProposal};
use crate::domain::proposal::{
    Booking, BookingNumber, BookingStatus, ContractCopies, Deal, ExpiryReason, Proposal,
    ProposalStatus, ShowTimes, SignedCopies, SignedCopy, Terms,
};
use crate::domain::terms::ContractTerms;
use crate::domain::values::Fee;
use crate::domain::{AccountId, BookingId, ProfileId, ProposalId};

/// A notification queued in the same transaction as the change it reports, so a crash loses
/// neither: (account, payload as `crate::notify` serialises it, dedupe key).
pub type Notice = (AccountId, String, String);

/// Queues `$notices` (an iterator of `&Notice`) inside the transaction `$tx`, once per key.
macro_rules! enqueue_in {
    ($tx:ident, $notices:expr, $now:expr) => {
        for (account, payload, key) in $notices {
            sqlx::query($crate::store::outbox::INSERT_OUTBOX)
                .bind(account.0)
                .bind(payload.as_str())
                .bind(key.as_str())
                .bind($now)
                .execute(&mut *$tx)
                .await?;
            // What goes by email too is copied for a verified address, in the same breath.
            let kind = $crate::notify::email_kind(payload);
            if !kind.is_empty() {
                sqlx::query($crate::store::outbox::COPY_TO_EMAIL)
                    .bind(account.0)
                    .bind(payload.as_str())
                    .bind(key.as_str())
                    .bind($now)
                    .bind(kind)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    };
}
pub(crate) use enqueue_in;

/// A proposal about to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    pub from_profile: ProfileId,
    pub to_profile: ProfileId,
    pub artist: ProfileId,
    pub venue: ProfileId,
    pub sender: AccountId,
    pub terms: Terms,
    /// What only the contract prints; a counter carries the countered proposal's.
    pub contract_terms: ContractTerms,
    pub counter_of: Option<ProposalId>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadMessage {
    pub author: AccountId,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// What a compare-and-set move of a proposal gave. The move starts from given statuses; a
/// proposal answered meanwhile (by the other side, a timer, another instance) is not moved.
#[derive(Debug, Clone, PartialEq)]
pub enum Move<T> {
    /// The move happened; what it made.
    Done(T),
    /// The proposal was no longer in a state the move starts from: its status now. Nothing was
    /// written.
    Stale(ProposalStatus),
}

/// What accepting an open proposal gave: the database's unique indexes decide the last slot.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "returned once per accept and matched at once, never stored in bulk"
)]
pub enum AcceptOutcome {
    /// Accepted, with its confirmed booking.
    Booked(Booking),
    /// Every slot of the venue's date is taken.
    SlotTaken,
    /// The artist already plays somewhere that day.
    ArtistBusy,
    /// The proposal was no longer open (sent or held): its status now.
    NotOpen(ProposalStatus),
}

/// What a challenge's deadline did when it came (see [`Store::resolve_challenge_if_due`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ChallengeOutcome {
    /// Not due, or already resolved by another worker: nothing written.
    NotDue,
    /// The challenged 1st hold was released (its proposal open again); the challenger moved to
    /// the front if it was still held.
    Resolved { released: Box<Proposal>, promoted: Option<ProposalId> },
}

/// The bookings already on one date, as a new set of terms must be checked against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayLoad {
    /// The artist has a confirmed booking that day (anywhere).
    pub artist_booked: bool,
    /// Confirmed bookings of the venue that day.
    pub venue_bookings: i64,
}

/// The hold timers whose time has come.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HoldTimersDue {
    /// Holds whose expiry has passed.
    pub expired: Vec<ProposalId>,
    /// 1st holds whose challenge deadline has passed.
    pub challenged: Vec<ProposalId>,
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    from_profile: i64,
    to_profile: i64,
    artist_id: i64,
    venue_id: i64,
    sender_id: i64,
    day: NaiveDate,
    fee: i64,
    deal: String,
    set_minutes: i64,
    times: String,
    message: Option<String>,
    status: String,
    reason: Option<String>,
    counter_of: Option<i64>,
    created_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    contract_terms: String,
}

const PROPOSAL_COLUMNS: &str = "id, from_profile, to_profile, artist_id, venue_id, sender_id, day, fee, deal, set_minutes, \
     times, message, status, reason, counter_of, created_at, answered_at, expires_at, contract_terms";

/// The proposals of the profiles whose reads ask at the same moment, each profile's sent or
/// received, newest first, in one statement (see `batch.rs`): `/proposals` read them with a
/// statement of its own, a connection taken from the pool and a round trip to check it as it
/// went back, which cost the machine about as much again as the rest of the step
/// (docs/decisions.md §24).
#[derive(Debug)]
pub(crate) struct ProfileProposals;

impl Batch for ProfileProposals {
    type Request = ProfileId;
    type Answer = Vec<Proposal>;
    type Key = ();
    const MAX: usize = 256;
    const METRIC: &'static str = "flowstage_proposal_batch_steps";

    fn key(_: &ProfileId) -> Option<()> {
        None
    }

    fn batcher(store: &Store) -> &Batcher<Self> {
        &store.proposals
    }

    async fn serve_one(_: &Store, conn: &mut Conn, profile: &ProfileId) -> Result<Vec<Proposal>> {
        let sql = format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE from_profile = $1 OR to_profile = $1 \
             ORDER BY id DESC"
        );
        let rows = on_conn!(conn, |c| sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(profile.0)
            .fetch_all(&mut **c)
            .await)?;
        rows.into_iter().map(Proposal::try_from).collect()
    }

    async fn serve_together(
        store: &Store,
        conn: &mut Conn,
        profiles: &[ProfileId],
    ) -> Result<Vec<Result<Vec<Proposal>>>> {
        let ids = json_ids(profiles.iter().map(|p| p.0));
        let sql = proposals_of_profiles_sql(&store.pool);
        let rows = on_conn!(conn, |c| sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(&ids)
            .fetch_all(&mut **c)
            .await)?;
        let mut by_profile: std::collections::HashMap<ProfileId, Vec<Proposal>> =
            std::collections::HashMap::new();
        for row in rows {
            let proposal = Proposal::try_from(row)?;
            if proposal.from_profile != proposal.to_profile {
                by_profile.entry(proposal.to_profile).or_default().push(proposal.clone());
            }
            by_profile.entry(proposal.from_profile).or_default().push(proposal);
        }
        Ok(profiles.iter().map(|p| Ok(by_profile.get(p).cloned().unwrap_or_default())).collect())
    }
}

/// [`ProfileProposals`]' statement: the profiles' ids as one JSON array ([`ids_in_json`]);
/// each side of a proposal through its own index, newest first.
fn proposals_of_profiles_sql(pool: &Pool) -> String {
    let ids = ids_in_json(pool);
    format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id IN \
         (SELECT id FROM proposals WHERE from_profile IN ({ids}) \
         UNION SELECT id FROM proposals WHERE to_profile IN ({ids})) ORDER BY id DESC"
    )
}

impl TryFrom<ProposalRow> for Proposal {
    type Error = StoreError;
    fn try_from(r: ProposalRow) -> Result<Self> {
        let deal: Deal =
            serde_json::from_str(&r.deal).map_err(|e| StoreError::corrupt("deal", e))?;
        let times: ShowTimes =
            serde_json::from_str(&r.times).map_err(|e| StoreError::corrupt("show times", e))?;
        let contract_terms: ContractTerms = serde_json::from_str(&r.contract_terms)
            .map_err(|e| StoreError::corrupt("contract terms", e))?;
        Ok(Proposal {
            id: ProposalId(r.id),
            from_profile: ProfileId(r.from_profile),
            to_profile: ProfileId(r.to_profile),
            artist: ProfileId(r.artist_id),
            venue: ProfileId(r.venue_id),
            sender: AccountId(r.sender_id),
            terms: Terms {
                day: r.day,
                fee: Fee::try_from(r.fee).map_err(|e| StoreError::corrupt("fee", e))?,
                deal,
                set_minutes: u16::try_from(r.set_minutes)
                    .map_err(|e| StoreError::corrupt("set length", e))?,
                times,
                message: r.message,
            },
            contract_terms,
            status: ProposalStatus::parse(&r.status)
                .ok_or_else(|| StoreError::corrupt("proposal status", &r.status))?,
            reason: r.reason,
            counter_of: r.counter_of.map(ProposalId),
            created_at: r.created_at,
            answered_at: r.answered_at,
            expires_at: r.expires_at,
        })
    }
}

type BookingRow = (
    i64,
    i64,
    i64,
    i64,
    NaiveDate,
    i64,
    String,
    Option<String>,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<i64>,
);

fn booking(r: BookingRow) -> Result<Booking> {
    let (
        id,
        proposal,
        artist,
        venue,
        day,
        slot,
        status,
        sha,
        created_at,
        fr,
        en,
        a_sha,
        a_at,
        v_sha,
        v_at,
        number,
    ) = r;
    let signed = |sha: Option<String>, at: Option<DateTime<Utc>>| match (sha, at) {
        (Some(sha256), Some(at)) => Some(SignedCopy { sha256, at }),
        _ => None,
    };
    Ok(Booking {
        id: BookingId(id),
        proposal: ProposalId(proposal),
        artist: ProfileId(artist),
        venue: ProfileId(venue),
        day,
        slot: u8::try_from(slot).map_err(|e| StoreError::corrupt("slot", e))?,
        status: BookingStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt("booking status", &status))?,
        contract_sha256: sha,
        contract_copies: match (fr, en) {
            (Some(fr), Some(en)) => Some(ContractCopies { fr, en }),
            _ => None,
        },
        signed: SignedCopies { artist: signed(a_sha, a_at), venue: signed(v_sha, v_at) },
        number: number.and_then(BookingNumber::from_stored),
        created_at,
    })
}

/// How an open proposal leaves its place in line.
#[derive(Clone, Copy)]
enum Leave<'a> {
    /// To a final state.
    End { to: ProposalStatus, reason: Option<&'a str> },
    /// Back to sent, unheld.
    Release,
}

const BOOKING_COLUMNS: &str = "id, proposal_id, artist_id, venue_id, day, slot, status, contract_sha256, created_at, \
     contract_fr_sha256, contract_en_sha256, artist_signed_sha256, artist_signed_at, \
     venue_signed_sha256, venue_signed_at, number";

/// `INSERT_PROPOSAL` with a [`NewProposal`]'s values bound in order, for either backend.
macro_rules! insert_proposal {
    ($new:expr, $deal:expr, $times:expr, $contract_terms:expr, $counter_of:expr, $now:expr) => {
        sqlx::query_as(INSERT_PROPOSAL)
            .bind($new.from_profile.0)
            .bind($new.to_profile.0)
            .bind($new.artist.0)
            .bind($new.venue.0)
            .bind($new.sender.0)
            .bind($new.terms.day)
            .bind(i64::from($new.terms.fee))
            .bind($deal)
            .bind(i64::from($new.terms.set_minutes))
            .bind($times)
            .bind($new.terms.message.as_deref())
            .bind($counter_of)
            .bind($now)
            .bind($new.expires_at)
            .bind(ProposalStatus::Sent.as_str())
            .bind($contract_terms)
    };
}

impl Store {
    /// Sends a proposal and queues `notices(its id)` in the same transaction.
    pub async fn create_proposal(
        &self,
        new: &NewProposal,
        notices: impl Fn(ProposalId) -> Vec<Notice>,
    ) -> Result<Proposal> {
        match self.insert_proposal(new, None, notices).await? {
            Some(p) => Ok(p),
            None => Err(StoreError::NotFound("proposal")),
        }
    }

    /// Creates a proposal if its sender's profile has a unit of today's quota left (`limit` new
    /// proposals per UTC day), taking the unit in the same transaction: `None` when the quota is
    /// reached, and then nothing is written. The database decides, so proposals sent at once
    /// cannot both take the last unit.
    pub async fn create_proposal_within_quota(
        &self,
        new: &NewProposal,
        limit: u16,
        notices: impl Fn(ProposalId) -> Vec<Notice>,
    ) -> Result<Option<Proposal>> {
        if limit == 0 {
            return Ok(None);
        }
        self.insert_proposal(new, Some(limit), notices).await
    }

    async fn insert_proposal(
        &self,
        new: &NewProposal,
        quota: Option<u16>,
        notices: impl Fn(ProposalId) -> Vec<Notice>,
    ) -> Result<Option<Proposal>> {
        let now = self.clock.now();
        let deal =
            serde_json::to_string(&new.terms.deal).map_err(|e| StoreError::corrupt("deal", e))?;
        let times = serde_json::to_string(&new.terms.times)
            .map_err(|e| StoreError::corrupt("show times", e))?;
        let terms = serde_json::to_string(&new.contract_terms)
            .map_err(|e| StoreError::corrupt("contract terms", e))?;
        let id = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            if let Some(limit) = quota {
                let unit: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO proposal_quota (profile_id, day, used) VALUES ($1, $2, 1) \
                     ON CONFLICT (profile_id, day) DO UPDATE SET used = proposal_quota.used + 1 \
                     WHERE proposal_quota.used < $3 RETURNING used",
                )
                .bind(new.from_profile.0)
                .bind(now.date_naive())
                .bind(i64::from(limit))
                .fetch_optional(&mut *tx)
                .await?;
                if unit.is_none() {
                    return Ok(None);
                }
            }
            let (id,): (i64,) =
                insert_proposal!(new, &deal, &times, &terms, new.counter_of.map(|c| c.0), now)
                    .fetch_one(&mut *tx)
                    .await?;
            enqueue_in!(tx, &notices(ProposalId(id)), now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(id))
        })?;
        match id {
            Some(id) => self.proposal(ProposalId(id)).await.map(Some),
            None => Ok(None),
        }
    }

    pub async fn proposal(&self, id: ProposalId) -> Result<Proposal> {
        let sql = format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = $1");
        let row = on_pool!(self, |p| sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(id.0)
            .fetch_optional(p)
            .await)?;
        row.map(Proposal::try_from).transpose()?.ok_or(StoreError::NotFound("proposal"))
    }

    /// Proposals a profile sent or received, newest first. The reads asking at the same moment
    /// (each person's `/proposals`) are one statement ([`ProfileProposals`]).
    pub async fn proposals_of_profile(&self, profile: ProfileId) -> Result<Vec<Proposal>> {
        self.proposals.submit(self, profile).await
    }

    pub(super) async fn proposals_sent_by(&self, account: AccountId) -> Result<Vec<Proposal>> {
        let sql =
            format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE sender_id = $1 ORDER BY id");
        let rows = on_pool!(self, |p| sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(account.0)
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(Proposal::try_from).collect()
    }

    /// Accepts an open proposal and confirms its booking in one transaction, queueing
    /// `notices(the booking's id)` with it: the proposal moves to accepted only if a slot of the
    /// venue's date (1..=`slots`) and the artist's day are free, as the unique indexes see them.
    /// Exactly one of racing accepts for the last slot wins; a refused accept writes nothing.
    pub async fn accept_and_book(
        &self,
        id: ProposalId,
        slots: u8,
        notices: impl Fn(BookingId) -> Vec<Notice>,
    ) -> Result<AcceptOutcome> {
        self.accept_and_book_owing(id, slots, None, notices).await
    }

    /// [`Store::accept_and_book`], recording in the booking's transaction what it owes the
    /// platform (docs/product-rules.md §8), so no booking is ever confirmed without it.
    pub async fn accept_and_book_owing(
        &self,
        id: ProposalId,
        slots: u8,
        owed: Option<&crate::payments::Owed>,
        notices: impl Fn(BookingId) -> Vec<Notice>,
    ) -> Result<AcceptOutcome> {
        /// What the transaction decided, before the booking is read back.
        enum Decided {
            Booked(i64),
            SlotTaken,
            ArtistBusy,
            NotOpen,
        }
        let now = self.clock.now();
        let [sent, held] = ProposalStatus::OPEN.map(ProposalStatus::as_str);
        let confirmed = BookingStatus::Confirmed.as_str();
        let artist_busy_sql =
            "SELECT id FROM bookings WHERE artist_id = $1 AND day = $2 AND status = $3";
        let decided = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // Writing first takes SQLite's write lock at once (no snapshot upgrade to fail) and
            // row-locks the proposal in PostgreSQL.
            let opened: Option<(i64, i64, NaiveDate)> = sqlx::query_as(
                "UPDATE proposals SET status = $1, answered_at = COALESCE(answered_at, $2) \
                 WHERE id = $3 AND status IN ($4, $5) RETURNING artist_id, venue_id, day",
            )
            .bind(ProposalStatus::Accepted.as_str())
            .bind(now)
            .bind(id.0)
            .bind(sent)
            .bind(held)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((artist, venue, day)) = opened else {
                return Ok(Decided::NotOpen);
            };
            let busy: Option<(i64,)> = sqlx::query_as(artist_busy_sql)
                .bind(artist)
                .bind(day)
                .bind(confirmed)
                .fetch_optional(&mut *tx)
                .await?;
            if busy.is_some() {
                return Ok(Decided::ArtistBusy);
            }
            for slot in 1..=i64::from(slots.max(1)) {
                let inserted: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO bookings (proposal_id, artist_id, venue_id, day, slot, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(id.0)
                .bind(artist)
                .bind(venue)
                .bind(day)
                .bind(slot)
                .bind(confirmed)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((booking,)) = inserted {
                    // The year's next number, in this transaction: a rolled-back accept takes none.
                    let year = i64::from(now.year());
                    let (seq,): (i64,) = sqlx::query_as(
                        "INSERT INTO booking_counters (year, last) VALUES ($1, 1) \
                         ON CONFLICT (year) DO UPDATE SET last = booking_counters.last + 1 RETURNING last",
                    )
                    .bind(year)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE bookings SET number = $1 WHERE id = $2")
                        .bind(year * BookingNumber::PER_YEAR + seq)
                        .bind(booking)
                        .execute(&mut *tx)
                        .await?;
                    // A held proposal that books leaves the ranking in the same breath.
                    sqlx::query("DELETE FROM holds WHERE proposal_id = $1")
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(owed) = owed {
                        super::payments::insert_commission_in!(tx, booking, owed, now);
                    }
                    // The day is no longer free for either side: every instance's match index
                    // follows (docs/product-rules.md §3).
                    for profile in [artist, venue] {
                        sqlx::query(
                            "INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)",
                        )
                        .bind(profile)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    enqueue_in!(tx, &notices(BookingId(booking)), now);
                    tx.commit().await?;
                    return Ok(Decided::Booked(booking));
                }
            }
            // Every slot taken, or the artist's day taken by a racing accept: nothing is kept.
            let busy: Option<(i64,)> = sqlx::query_as(artist_busy_sql)
                .bind(artist)
                .bind(day)
                .bind(confirmed)
                .fetch_optional(&mut *tx)
                .await?;
            Ok::<_, sqlx::Error>(if busy.is_some() {
                Decided::ArtistBusy
            } else {
                Decided::SlotTaken
            })
        });
        Ok(match decided {
            Ok(Decided::Booked(booking)) => {
                AcceptOutcome::Booked(self.booking(BookingId(booking)).await?)
            }
            Ok(Decided::SlotTaken) => AcceptOutcome::SlotTaken,
            Ok(Decided::ArtistBusy) => AcceptOutcome::ArtistBusy,
            Ok(Decided::NotOpen) => AcceptOutcome::NotOpen(self.proposal(id).await?.status),
            // A racing accept on PostgreSQL can meet the unique index on commit of the other.
            Err(e) if is_unique_violation(&e) => AcceptOutcome::SlotTaken,
            Err(e) => return Err(e.into()),
        })
    }

    pub async fn booking(&self, id: BookingId) -> Result<Booking> {
        let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1");
        let row = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql)
            .bind(id.0)
            .fetch_optional(p)
            .await)?;
        row.map(booking).transpose()?.ok_or(StoreError::NotFound("booking"))
    }

    /// The booking a proposal became, if it did (whatever its status now).
    pub async fn booking_of_proposal(&self, proposal: ProposalId) -> Result<Option<Booking>> {
        let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE proposal_id = $1");
        let row = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql)
            .bind(proposal.0)
            .fetch_optional(p)
            .await)?;
        row.map(booking).transpose()
    }

    /// Confirmed bookings of a profile (as artist or venue), by date.
    pub async fn bookings_of_profile(&self, profile: ProfileId) -> Result<Vec<Booking>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE (artist_id = $1 OR venue_id = $1) AND status = $2 \
             ORDER BY day, id"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql)
            .bind(profile.0)
            .bind(BookingStatus::Confirmed.as_str())
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(booking).collect()
    }

    /// Confirmed bookings from `from` on, by date then number, at most `limit` (`/bookings`).
    pub async fn upcoming_bookings(&self, from: NaiveDate, limit: i64) -> Result<Vec<Booking>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE status = $1 AND day >= $2 \
             ORDER BY day, id LIMIT $3"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql)
            .bind(BookingStatus::Confirmed.as_str())
            .bind(from)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(booking).collect()
    }

    /// Confirmed bookings whose contract was not generated yet, oldest first.
    pub async fn bookings_without_contract(&self, limit: i64) -> Result<Vec<Booking>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE status = $2 AND contract_sha256 IS NULL \
             ORDER BY id LIMIT $1"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql)
            .bind(limit)
            .bind(BookingStatus::Confirmed.as_str())
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(booking).collect()
    }

    /// Every booking, confirmed or not, in id order (checks, exports).
    pub async fn all_bookings(&self) -> Result<Vec<Booking>> {
        let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings ORDER BY id");
        let rows = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql).fetch_all(p).await)?;
        rows.into_iter().map(booking).collect()
    }

    /// Cancels a confirmed booking (the date frees up), queueing `notices` in the same
    /// transaction. Returns whether it was confirmed (false: nothing written).
    pub async fn cancel_booking(
        &self,
        id: BookingId,
        reason: &str,
        notices: &[Notice],
    ) -> Result<bool> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let parties: Option<(i64, i64)> = sqlx::query_as(
                "UPDATE bookings SET status = $1, cancel_reason = $2, cancelled_at = $3 \
                 WHERE id = $4 AND status = $5 RETURNING artist_id, venue_id",
            )
            .bind(BookingStatus::Cancelled.as_str())
            .bind(reason)
            .bind(now)
            .bind(id.0)
            .bind(BookingStatus::Confirmed.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((artist, venue)) = parties else {
                return Ok(false);
            };
            // The date is free again for both sides: the match indexes follow.
            for profile in [artist, venue] {
                sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                    .bind(profile)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            // Before payment nothing is owed any more; after it, an admin decides on a refund.
            super::payments::cancel_commission_in!(tx, id.0, now);
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?)
    }

    /// Stores the SHA-256 of the booking's contract.
    pub async fn set_contract_hash(&self, id: BookingId, sha256: &str) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE bookings SET contract_sha256 = $1 WHERE id = $2")
                .bind(sha256)
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Appends a message and queues `notices(its id)` (the relay) in the same transaction.
    pub async fn add_thread_message(
        &self,
        proposal: ProposalId,
        author: AccountId,
        body: &str,
        notices: impl Fn(i64) -> Vec<Notice>,
    ) -> Result<i64> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO thread_messages (proposal_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING id",
            )
            .bind(proposal.0)
            .bind(author.0)
            .bind(body)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            enqueue_in!(tx, &notices(id), now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?)
    }

    pub async fn thread(&self, proposal: ProposalId) -> Result<Vec<ThreadMessage>> {
        let rows: Vec<(i64, String, DateTime<Utc>)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT author_id, body, created_at FROM thread_messages WHERE proposal_id = $1 ORDER BY id")
                .bind(proposal.0)
                .fetch_all(p)
                .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(a, body, at)| ThreadMessage { author: AccountId(a), body, at })
            .collect())
    }

    /// Open proposals whose answer time has passed, oldest first.
    pub async fn proposals_due_to_expire(&self, limit: i64) -> Result<Vec<ProposalId>> {
        let now = self.clock.now();
        let rows: Vec<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id FROM proposals WHERE status = $3 AND expires_at <= $1 ORDER BY id LIMIT $2")
                .bind(now)
                .bind(limit)
                .bind(ProposalStatus::Sent.as_str())
                .fetch_all(p)
                .await
        })?;
        Ok(rows.into_iter().map(|(id,)| ProposalId(id)).collect())
    }
}

/// How a stored hold reads back: (proposal, venue, day, seq, expires, challenged by, deadline).
type HoldRow =
    (i64, i64, NaiveDate, i64, DateTime<Utc>, Option<i64>, Option<DateTime<Utc>>, Option<i64>);

const HOLD_COLUMNS: &str =
    "proposal_id, venue_id, day, seq, expires_at, challenged_by, challenge_deadline, told_rank";

/// The INSERT of a proposal: one text for a new proposal and for a counter's transaction.
const INSERT_PROPOSAL: &str = "INSERT INTO proposals (from_profile, to_profile, artist_id, venue_id, sender_id, day, fee, deal, \
     set_minutes, times, message, status, counter_of, created_at, expires_at, contract_terms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $15, $12, $13, $14, $16) RETURNING id";

/// Ranks are positions in `seq` order: the first row is the 1st hold.
fn ranked(rows: Vec<HoldRow>) -> Vec<Hold> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (proposal, venue, day, seq, expires_at, challenged_by, deadline, told))| Hold {
            proposal: ProposalId(proposal),
            venue: ProfileId(venue),
            day,
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
            seq,
            expires_at,
            challenged_by: challenged_by.map(ProposalId),
            challenge_deadline: deadline,
            told_rank: told.and_then(|t| u32::try_from(t).ok()),
        })
        .collect()
}

/// Holds, the checks a proposal needs before it is sent, and the moves of the state machine that
/// touch more than one row (each in one transaction).
impl Store {
    /// Moves an open (sent or held) proposal to the final state `to`; its hold, if any, goes and
    /// `notices` are queued, all in one transaction. [`Move::Stale`] with the current status if
    /// it was no longer open (and then nothing is written).
    pub async fn end_proposal(
        &self,
        id: ProposalId,
        to: ProposalStatus,
        reason: Option<&str>,
        notices: &[Notice],
    ) -> Result<Move<Proposal>> {
        self.leave_hold(id, Leave::End { to, reason }, notices).await
    }

    /// Answers an open proposal with a counter: the old one becomes countered (its hold goes),
    /// the new one, linked to it, is sent, and the notices `notices(new id)` are queued, all or
    /// nothing.
    pub async fn counter_proposal(
        &self,
        old: ProposalId,
        new: &NewProposal,
        notices: impl Fn(ProposalId) -> Vec<Notice>,
    ) -> Result<Move<Proposal>> {
        let now = self.clock.now();
        let deal =
            serde_json::to_string(&new.terms.deal).map_err(|e| StoreError::corrupt("deal", e))?;
        let times = serde_json::to_string(&new.terms.times)
            .map_err(|e| StoreError::corrupt("show times", e))?;
        let [sent, held] = ProposalStatus::OPEN.map(ProposalStatus::as_str);
        let terms = serde_json::to_string(&new.contract_terms)
            .map_err(|e| StoreError::corrupt("contract terms", e))?;
        let created = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE proposals SET status = $1, answered_at = COALESCE(answered_at, $2) \
                 WHERE id = $3 AND status IN ($4, $5)",
            )
            .bind(ProposalStatus::Countered.as_str())
            .bind(now)
            .bind(old.0)
            .bind(sent)
            .bind(held)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(None);
            }
            sqlx::query("DELETE FROM holds WHERE proposal_id = $1")
                .bind(old.0)
                .execute(&mut *tx)
                .await?;
            let (id,): (i64,) = insert_proposal!(new, &deal, &times, &terms, Some(old.0), now)
                .fetch_one(&mut *tx)
                .await?;
            enqueue_in!(tx, &notices(ProposalId(id)), now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(id))
        })
        .map_err(StoreError::from)?;
        Ok(match created {
            Some(id) => Move::Done(self.proposal(ProposalId(id)).await?),
            None => Move::Stale(self.proposal(old).await?.status),
        })
    }

    /// Holds the venue date for a sent proposal, behind the holds already there, and queues
    /// `notices(the hold)`. The expiry depends on the rank it gets: `first` for a 1st hold,
    /// `other` for the rest.
    pub async fn place_hold(
        &self,
        id: ProposalId,
        first: chrono::Duration,
        other: chrono::Duration,
        notices: impl Fn(&Hold) -> Vec<Notice>,
    ) -> Result<Move<Hold>> {
        let now = self.clock.now();
        // Two holds racing for the same rank on PostgreSQL: the unique index refuses one, which
        // simply tries again behind the winner.
        for _ in 0..10 {
            let placed = on_pool!(self, |p| {
                let mut tx = p.begin().await?;
                let opened: Option<(i64, NaiveDate)> = sqlx::query_as(
                    "UPDATE proposals SET status = $1, answered_at = COALESCE(answered_at, $2) \
                     WHERE id = $3 AND status = $4 RETURNING venue_id, day",
                )
                .bind(ProposalStatus::Held.as_str())
                .bind(now)
                .bind(id.0)
                .bind(ProposalStatus::Sent.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some((venue, day)) = opened else { return Ok(None) };
                let (count, last): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), MAX(seq) FROM holds WHERE venue_id = $1 AND day = $2",
                )
                .bind(venue)
                .bind(day)
                .fetch_one(&mut *tx)
                .await?;
                let hold = Hold {
                    proposal: id,
                    venue: ProfileId(venue),
                    day,
                    rank: u32::try_from(count + 1).unwrap_or(u32::MAX),
                    seq: last.unwrap_or(0) + 1,
                    expires_at: now + if count == 0 { first } else { other },
                    challenged_by: None,
                    challenge_deadline: None,
                    told_rank: u32::try_from(count + 1).ok(),
                };
                sqlx::query(
                    "INSERT INTO holds (proposal_id, venue_id, day, seq, expires_at, created_at, told_rank) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.0)
                .bind(venue)
                .bind(day)
                .bind(hold.seq)
                .bind(hold.expires_at)
                .bind(now)
                .bind(count + 1)
                .execute(&mut *tx)
                .await?;
                enqueue_in!(tx, &notices(&hold), now);
                tx.commit().await?;
                Ok::<_, sqlx::Error>(Some(hold))
            });
            match placed {
                Ok(Some(hold)) => return Ok(Move::Done(hold)),
                Ok(None) => return Ok(Move::Stale(self.proposal(id).await?.status)),
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Lets a held date go: the proposal is open (sent) again, everyone behind moves up, and
    /// `notices` are queued in the same transaction.
    pub async fn release_hold(&self, id: ProposalId, notices: &[Notice]) -> Result<Move<Proposal>> {
        self.leave_hold(id, Leave::Release, notices).await
    }

    /// The one transaction behind [`Store::end_proposal`] and [`Store::release_hold`]: a
    /// compare-and-set on the status, the hold removed, the notices queued.
    async fn leave_hold(
        &self,
        id: ProposalId,
        leave: Leave<'_>,
        notices: &[Notice],
    ) -> Result<Move<Proposal>> {
        let now = self.clock.now();
        let [sent, held] = ProposalStatus::OPEN.map(ProposalStatus::as_str);
        let done = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let update = match leave {
                Leave::End { to, reason } => sqlx::query(
                    "UPDATE proposals SET status = $1, reason = $2, \
                     answered_at = COALESCE(answered_at, $3) WHERE id = $4 AND status IN ($5, $6)",
                )
                .bind(to.as_str())
                .bind(reason)
                .bind(now)
                .bind(id.0)
                .bind(sent)
                .bind(held),
                Leave::Release => {
                    sqlx::query("UPDATE proposals SET status = $1 WHERE id = $2 AND status = $3")
                        .bind(sent)
                        .bind(id.0)
                        .bind(held)
                }
            };
            if update.execute(&mut *tx).await?.rows_affected() != 1 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM holds WHERE proposal_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })
        .map_err(StoreError::from)?;
        let proposal = self.proposal(id).await?;
        Ok(if done { Move::Done(proposal) } else { Move::Stale(proposal.status) })
    }

    /// The holds on one venue date, 1st first.
    pub async fn holds_on(&self, venue: ProfileId, day: NaiveDate) -> Result<Vec<Hold>> {
        let sql = format!(
            "SELECT {HOLD_COLUMNS} FROM holds WHERE venue_id = $1 AND day = $2 ORDER BY seq"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, HoldRow>(&sql)
            .bind(venue.0)
            .bind(day)
            .fetch_all(p)
            .await)?;
        Ok(ranked(rows))
    }

    /// The hold of a proposal, with its current rank, if it is held.
    pub async fn hold(&self, id: ProposalId) -> Result<Option<Hold>> {
        let key: Option<(i64, NaiveDate)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT venue_id, day FROM holds WHERE proposal_id = $1"
        )
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
        let Some((venue, day)) = key else { return Ok(None) };
        Ok(self.holds_on(ProfileId(venue), day).await?.into_iter().find(|h| h.proposal == id))
    }

    /// Tells a hold's parties it moved up from `told` to `rank`: sets `told_rank` by a
    /// compare-and-set and queues `notices` in the same transaction, and gives the hold at least
    /// `until` (a 1st hold's time). False, with nothing written, if another pass told it first.
    pub async fn tell_promotion(
        &self,
        id: ProposalId,
        told: u32,
        rank: u32,
        until: Option<DateTime<Utc>>,
        notices: &[Notice],
    ) -> Result<bool> {
        let now = self.clock.now();
        let told_now = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let changed = sqlx::query(
                "UPDATE holds SET told_rank = $1 WHERE proposal_id = $2 AND told_rank = $3",
            )
            .bind(i64::from(rank))
            .bind(id.0)
            .bind(i64::from(told))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed != 1 {
                return Ok(false);
            }
            if let Some(until) = until {
                sqlx::query(
                    "UPDATE holds SET expires_at = $1 WHERE proposal_id = $2 AND expires_at < $1",
                )
                .bind(until)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            }
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?;
        Ok(told_now)
    }

    /// Records a hold's rank as known to its parties without telling them (a hold that went
    /// down, or one whose told rank was never stored).
    pub async fn set_told_rank(&self, id: ProposalId, rank: u32) -> Result<()> {
        on_pool!(self, |p| sqlx::query("UPDATE holds SET told_rank = $1 WHERE proposal_id = $2")
            .bind(i64::from(rank))
            .bind(id.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The dates with a hold whose parties were told a worse rank than it has now: promotions
    /// a crash left untold, for the timers' pass.
    pub async fn dates_with_untold_promotions(&self) -> Result<Vec<(ProfileId, NaiveDate)>> {
        let rows: Vec<(i64, NaiveDate)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT h.venue_id, h.day FROM holds AS h WHERE h.told_rank > (\
               SELECT COUNT(*) FROM holds AS ahead \
               WHERE ahead.venue_id = h.venue_id AND ahead.day = h.day AND ahead.seq <= h.seq)"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|(v, d)| (ProfileId(v), d)).collect())
    }

    /// Records that `challenger` challenges the hold of `first` until `deadline`, and queues
    /// `notices`; false (nothing written) if that hold is gone or already challenged.
    pub async fn challenge_hold(
        &self,
        first: ProposalId,
        challenger: ProposalId,
        deadline: DateTime<Utc>,
        notices: &[Notice],
    ) -> Result<bool> {
        let now = self.clock.now();
        Ok(on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE holds SET challenged_by = $1, challenge_deadline = $2 \
                 WHERE proposal_id = $3 AND challenged_by IS NULL",
            )
            .bind(challenger.0)
            .bind(deadline)
            .bind(first.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?)
    }

    /// Holds whose expiry has passed, and holds whose challenge deadline has passed.
    pub async fn hold_timers_due(&self, limit: i64) -> Result<HoldTimersDue> {
        let now = self.clock.now();
        let (expired, challenged): (Vec<(i64,)>, Vec<(i64,)>) = on_pool!(self, |p| {
            let expired = sqlx::query_as(
                "SELECT proposal_id FROM holds WHERE expires_at <= $1 ORDER BY expires_at, proposal_id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await?;
            let challenged = sqlx::query_as(
                "SELECT proposal_id FROM holds WHERE challenge_deadline <= $1 \
                 ORDER BY challenge_deadline, proposal_id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await?;
            Ok::<_, sqlx::Error>((expired, challenged))
        })?;
        Ok(HoldTimersDue {
            expired: expired.into_iter().map(|(id,)| ProposalId(id)).collect(),
            challenged: challenged.into_iter().map(|(id,)| ProposalId(id)).collect(),
        })
    }

    /// Fires a hold's expiry if it is due and nobody fired it yet: deleting the row is the claim,
    /// so of several workers exactly one gets `Some`. The proposal expires with the hold, and
    /// `notices` are queued in the same transaction.
    pub async fn expire_hold_if_due(
        &self,
        id: ProposalId,
        notices: &[Notice],
    ) -> Result<Option<Proposal>> {
        let now = self.clock.now();
        let fired = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let claimed: Option<(i64,)> = sqlx::query_as(
                "DELETE FROM holds WHERE proposal_id = $1 AND expires_at <= $2 RETURNING proposal_id",
            )
            .bind(id.0)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if claimed.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE proposals SET status = $1, reason = $2 WHERE id = $3 AND status = $4",
            )
            .bind(ProposalStatus::Expired.as_str())
            .bind(ExpiryReason::HoldExpired.as_str())
            .bind(id.0)
            .bind(ProposalStatus::Held.as_str())
            .execute(&mut *tx)
            .await?;
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?;
        if fired { Ok(Some(self.proposal(id).await?)) } else { Ok(None) }
    }

    /// Fires a challenge whose deadline passed unanswered, once: the challenged 1st hold is
    /// released (its proposal open again), the challenger, if still held, moves to the front, and
    /// `notices` are queued, in one transaction.
    pub async fn resolve_challenge_if_due(
        &self,
        first: ProposalId,
        notices: &[Notice],
    ) -> Result<ChallengeOutcome> {
        let now = self.clock.now();
        let fired = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let claimed: Option<(Option<i64>, i64, NaiveDate)> = sqlx::query_as(
                "DELETE FROM holds WHERE proposal_id = $1 AND challenge_deadline <= $2 \
                 RETURNING challenged_by, venue_id, day",
            )
            .bind(first.0)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((challenger, venue, day)) = claimed else { return Ok(None) };
            sqlx::query("UPDATE proposals SET status = $1 WHERE id = $2 AND status = $3")
                .bind(ProposalStatus::Sent.as_str())
                .bind(first.0)
                .bind(ProposalStatus::Held.as_str())
                .execute(&mut *tx)
                .await?;
            let moved = match challenger {
                Some(c) => {
                    sqlx::query(
                        "UPDATE holds SET seq = (SELECT MIN(seq) - 1 FROM holds WHERE venue_id = $1 AND day = $2) \
                         WHERE proposal_id = $3",
                    )
                    .bind(venue)
                    .bind(day)
                    .bind(c)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                None => false,
            };
            enqueue_in!(tx, notices, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(moved.then_some(challenger).flatten()))
        })?;
        Ok(match fired {
            Some(promoted) => ChallengeOutcome::Resolved {
                released: Box::new(self.proposal(first).await?),
                promoted: promoted.map(ProposalId),
            },
            None => ChallengeOutcome::NotDue,
        })
    }

    /// Open (sent or held) proposals on `day` for the artist or at the venue: those a booking
    /// may leave unable to be honoured.
    pub async fn open_proposals_on(
        &self,
        day: NaiveDate,
        artist: ProfileId,
        venue: ProfileId,
    ) -> Result<Vec<Proposal>> {
        let sql = format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE status IN ($4, $5) AND day = $1 \
             AND (artist_id = $2 OR venue_id = $3) ORDER BY id"
        );
        let [sent, held] = ProposalStatus::OPEN.map(ProposalStatus::as_str);
        let rows = on_pool!(self, |p| sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(day)
            .bind(artist.0)
            .bind(venue.0)
            .bind(sent)
            .bind(held)
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(Proposal::try_from).collect()
    }

    /// The open (sent or held) proposals for one venue date, oldest first: the date board's.
    pub async fn open_proposals_at(
        &self,
        venue: ProfileId,
        day: NaiveDate,
    ) -> Result<Vec<Proposal>> {
        let sql = format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE status IN ('sent', 'held') AND venue_id = $1 \
             AND day = $2 ORDER BY id"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(venue.0)
            .bind(day)
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(Proposal::try_from).collect()
    }

    /// Every booking of a profile (as artist or venue), cancelled ones too, with when each was
    /// cancelled: what a calendar feed needs to withdraw an event it published.
    pub async fn bookings_for_calendar(
        &self,
        profile: ProfileId,
    ) -> Result<Vec<(Booking, Option<DateTime<Utc>>)>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE artist_id = $1 OR venue_id = $1 ORDER BY day, id"
        );
        let rows = on_pool!(self, |p| sqlx::query_as::<_, BookingRow>(&sql)
            .bind(profile.0)
            .fetch_all(p)
            .await)?;
        let cancelled: std::collections::HashMap<i64, Option<DateTime<Utc>>> =
            on_pool!(self, |p| sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
                "SELECT id, cancelled_at FROM bookings WHERE artist_id = $1 OR venue_id = $1"
            )
            .bind(profile.0)
            .fetch_all(p)
            .await)?
            .into_iter()
            .collect();
        rows.into_iter()
            .map(|r| {
                let at = cancelled.get(&r.0).copied().flatten();
                Ok((booking(r)?, at))
            })
            .collect()
    }

    /// On `day`: whether the artist is booked, and how many confirmed bookings the venue has.
    pub async fn day_load(
        &self,
        day: NaiveDate,
        artist: ProfileId,
        venue: ProfileId,
    ) -> Result<DayLoad> {
        let (artist_booked, venue_booked): (i64, i64) = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT \
               (SELECT COUNT(*) FROM bookings WHERE artist_id = $1 AND day = $2 AND status = $4), \
               (SELECT COUNT(*) FROM bookings WHERE venue_id = $3 AND day = $2 AND status = $4)",
            )
            .bind(artist.0)
            .bind(day)
            .bind(venue.0)
            .bind(BookingStatus::Confirmed.as_str())
            .fetch_one(p)
            .await
        })?;
        Ok(DayLoad { artist_booked: artist_booked > 0, venue_bookings: venue_booked })
    }

    /// Every proposal a profile received, for its response statistics.
    pub async fn proposals_received(&self, profile: ProfileId) -> Result<Vec<ReceivedProposal>> {
        type Row = (String, Option<String>, DateTime<Utc>, Option<DateTime<Utc>>);
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT status, reason, created_at, answered_at FROM proposals WHERE to_profile = $1 ORDER BY id"
            )
            .bind(profile.0)
            .fetch_all(p)
            .await
        })?;
        rows.into_iter()
            .map(|(status, reason, created_at, answered_at)| {
                Ok(ReceivedProposal {
                    status: ProposalStatus::parse(&status)
                        .ok_or_else(|| StoreError::corrupt("proposal status", &status))?,
                    reason,
                    created_at,
                    answered_at,
                })
            })
            .collect()
    }
}
