//! What contracts need beyond proposals and bookings: each profile's legal identity, an
//! artist's line-up and technical needs, the terms only the contract prints, the hashes of both
//! language copies and the signed copies each side returns.

use chrono::{DateTime, Utc};

use super::{Result, Store, StoreError, on_pool};
use crate::domain::legal::LegalIdentity;
use crate::domain::profile::ProfileKind;
use crate::domain::proposal::Booking;
use crate::domain::terms::{ArtistSheet, ContractTerms, Lineup};
use crate::domain::values::LongText;
use crate::domain::{BookingId, ProfileId, ProposalId};

impl Store {
    /// The legal identity of `profile`, empty when nothing was given yet.
    pub async fn legal_identity(&self, profile: ProfileId) -> Result<LegalIdentity> {
        let row: Option<(String,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT identity FROM legal_identities WHERE profile_id = $1")
                .bind(profile.0)
                .fetch_optional(p)
                .await
        })?;
        match row {
            Some((json,)) => {
                serde_json::from_str(&json).map_err(|e| StoreError::corrupt("legal identity", e))
            }
            None => Ok(LegalIdentity::default()),
        }
    }

    /// Replaces the legal identity of `profile`.
    pub async fn save_legal_identity(
        &self,
        profile: ProfileId,
        identity: &LegalIdentity,
    ) -> Result<()> {
        let json = serde_json::to_string(identity)
            .map_err(|e| StoreError::corrupt("legal identity", e))?;
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO legal_identities (profile_id, identity, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (profile_id) DO UPDATE SET identity = excluded.identity, \
                 updated_at = excluded.updated_at",
            )
            .bind(profile.0)
            .bind(&json)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// An artist's line-up and technical needs, empty when nothing was given yet.
    pub async fn artist_sheet(&self, profile: ProfileId) -> Result<ArtistSheet> {
        type Row = (Option<i64>, Option<i64>, Option<String>);
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT performers, crew, technical_needs FROM artist_sheets WHERE profile_id = $1",
            )
            .bind(profile.0)
            .fetch_optional(p)
            .await
        })?;
        let Some((performers, crew, needs)) = row else { return Ok(ArtistSheet::default()) };
        let lineup = match (performers, crew) {
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
        let technical_needs = needs
            .map(|n| LongText::parse(&n))
            .transpose()
            .map_err(|e| StoreError::corrupt("technical needs", e))?;
        Ok(ArtistSheet { lineup, technical_needs })
    }

    /// Sets an artist's line-up, keeping its technical needs. Matching reads it too, so the
    /// change feed tells every instance's index.
    pub async fn save_lineup(&self, profile: ProfileId, lineup: Lineup) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO artist_sheets (profile_id, performers, crew, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (profile_id) DO UPDATE SET \
                 performers = excluded.performers, crew = excluded.crew, \
                 updated_at = excluded.updated_at",
            )
            .bind(profile.0)
            .bind(i64::from(lineup.performers()))
            .bind(i64::from(lineup.crew()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO profile_changes (profile_id, changed_at) VALUES ($1, $2)")
                .bind(profile.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Sets (or clears) an artist's technical needs, keeping its line-up.
    pub async fn save_technical_needs(
        &self,
        profile: ProfileId,
        needs: Option<&LongText>,
    ) -> Result<()> {
        let now = self.clock.now();
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO artist_sheets (profile_id, technical_needs, updated_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (profile_id) DO UPDATE SET \
                 technical_needs = excluded.technical_needs, updated_at = excluded.updated_at",
            )
            .bind(profile.0)
            .bind(needs.map(LongText::as_str))
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Replaces the terms only the contract prints, on the proposal (or the accepted proposal
    /// behind a booking).
    pub async fn set_contract_terms(&self, id: ProposalId, terms: &ContractTerms) -> Result<()> {
        let json =
            serde_json::to_string(terms).map_err(|e| StoreError::corrupt("contract terms", e))?;
        let n = on_pool!(self, |p| {
            sqlx::query("UPDATE proposals SET contract_terms = $1 WHERE id = $2")
                .bind(&json)
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::NotFound("proposal"));
        }
        Ok(())
    }

    /// Stores the hashes of the contract of record and of both language copies.
    pub async fn set_contract_copies(
        &self,
        id: BookingId,
        record: &str,
        fr: &str,
        en: &str,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE bookings SET contract_sha256 = $1, contract_fr_sha256 = $2, \
                 contract_en_sha256 = $3 WHERE id = $4",
            )
            .bind(record)
            .bind(fr)
            .bind(en)
            .bind(id.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Records that `side` returned a signed copy whose file hashes to `sha256`, received `at`.
    /// A later copy from the same side replaces the earlier one (a better scan).
    pub async fn record_signed_copy(
        &self,
        id: BookingId,
        side: ProfileKind,
        sha256: &str,
        at: DateTime<Utc>,
    ) -> Result<Booking> {
        // Fixed SQL texts, one per side: never built from input.
        let sql = match side {
            ProfileKind::Artist => {
                "UPDATE bookings SET artist_signed_sha256 = $1, artist_signed_at = $2 WHERE id = $3"
            }
            ProfileKind::Venue => {
                "UPDATE bookings SET venue_signed_sha256 = $1, venue_signed_at = $2 WHERE id = $3"
            }
        };
        let n = on_pool!(self, |p| {
            sqlx::query(sql)
                .bind(sha256)
                .bind(at)
                .bind(id.0)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            return Err(StoreError::NotFound("booking"));
        }
        self.booking(id).await
    }
}
