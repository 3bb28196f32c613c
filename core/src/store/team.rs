//! A profile's team (issue 10): the outlet where the people running a venue together read its
//! notifications and answer for it (a Discord server's booking channel), and who answered each
//! proposal. The core knows an outlet only as a platform and that platform's address for it.

use chrono::{DateTime, Utc};

use super::{Result, Store, StoreError, is_unique_violation, on_pool};
use crate::domain::account::Platform;
use crate::domain::{AccountId, ProfileId, ProposalId};

/// Where a profile's team reads its notifications and answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamOutlet {
    pub profile: ProfileId,
    pub platform: Platform,
    /// The platform's own id for the place (a channel id).
    pub address: String,
    pub set_by: AccountId,
    pub set_at: DateTime<Utc>,
}

/// What setting a team outlet did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamOutletSet {
    /// The profile's notifications now also go there (replacing its former outlet).
    Set,
    /// The place already serves this other profile: one profile per outlet.
    TakenBy(ProfileId),
}

type OutletRow = (i64, String, String, i64, DateTime<Utc>);

fn outlet((profile, platform, address, set_by, set_at): OutletRow) -> Result<TeamOutlet> {
    let platform = Platform::parse(&platform)
        .ok_or_else(|| StoreError::corrupt("team outlet platform", &platform))?;
    Ok(TeamOutlet {
        profile: ProfileId(profile),
        platform,
        address,
        set_by: AccountId(set_by),
        set_at,
    })
}

const OUTLET_COLUMNS: &str = "profile_id, platform, address, set_by, set_at";

impl Store {
    /// Sends `profile`'s notifications to `address` on `platform` too, replacing its former team
    /// outlet; `by` is who set it.
    pub async fn set_team_outlet(
        &self,
        profile: ProfileId,
        platform: Platform,
        address: &str,
        by: AccountId,
    ) -> Result<TeamOutletSet> {
        let now = self.clock.now();
        let written = on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO team_outlets (profile_id, platform, address, set_by, set_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (profile_id) DO UPDATE SET platform = $2, address = $3, set_by = $4, set_at = $5",
            )
            .bind(profile.0)
            .bind(platform.as_str())
            .bind(address)
            .bind(by.0)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ())
        });
        match written {
            Ok(_) => Ok(TeamOutletSet::Set),
            Err(e) if is_unique_violation(&e) => {
                match self.team_outlet_at(platform, address).await? {
                    Some(o) => Ok(TeamOutletSet::TakenBy(o.profile)),
                    // Cleared meanwhile: the place is free again.
                    None => Box::pin(self.set_team_outlet(profile, platform, address, by)).await,
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The team outlet of `profile`, if it has one.
    pub async fn team_outlet(&self, profile: ProfileId) -> Result<Option<TeamOutlet>> {
        let sql = format!("SELECT {OUTLET_COLUMNS} FROM team_outlets WHERE profile_id = $1");
        let row: Option<OutletRow> =
            on_pool!(self, |p| sqlx::query_as(&sql).bind(profile.0).fetch_optional(p).await)?;
        row.map(outlet).transpose()
    }

    /// The team outlet at `address` on `platform`: which profile that place serves.
    pub async fn team_outlet_at(
        &self,
        platform: Platform,
        address: &str,
    ) -> Result<Option<TeamOutlet>> {
        let sql = format!(
            "SELECT {OUTLET_COLUMNS} FROM team_outlets WHERE platform = $1 AND address = $2"
        );
        let row: Option<OutletRow> = on_pool!(self, |p| {
            sqlx::query_as(&sql).bind(platform.as_str()).bind(address).fetch_optional(p).await
        })?;
        row.map(outlet).transpose()
    }

    /// Stops sending `profile`'s notifications to its team outlet; false if it had none.
    pub async fn clear_team_outlet(&self, profile: ProfileId) -> Result<bool> {
        let done = on_pool!(self, |p| {
            sqlx::query("DELETE FROM team_outlets WHERE profile_id = $1")
                .bind(profile.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Records that `by` answered `proposal` (accepted, refused, countered or held it). The
    /// answer that stands is the one kept: a hold later accepted is answered by who accepted.
    pub async fn record_answer(&self, proposal: ProposalId, by: AccountId) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE proposals SET answered_by = $1 WHERE id = $2")
                .bind(by.0)
                .bind(proposal.0)
                .execute(p)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Who answered `proposal`, once someone has.
    pub async fn answered_by(&self, proposal: ProposalId) -> Result<Option<AccountId>> {
        let row: Option<(Option<i64>,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT answered_by FROM proposals WHERE id = $1")
                .bind(proposal.0)
                .fetch_optional(p)
                .await
        })?;
        match row {
            Some((by,)) => Ok(by.map(AccountId)),
            None => Err(StoreError::NotFound("proposal")),
        }
    }
}
