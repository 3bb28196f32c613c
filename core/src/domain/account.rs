//! Accounts (one per person) and the platform identities that reach them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::values::Email;
use super::when::Zone;
use super::{AccountId, Lang};

/// Where an identity lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Telegram,
    Discord,
    Email,
    /// The terminal of `flowstage chat`.
    Local,
}

impl Platform {
    /// The name stored in the database: the one place it is spelled.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Email => "email",
            Platform::Local => "local",
        }
    }

    pub const ALL: [Self; 4] =
        [Platform::Telegram, Platform::Discord, Platform::Email, Platform::Local];

    /// Reads a stored name back.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A platform user: (platform, the platform's id for them). Unique across accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub platform: Platform,
    pub external_id: String,
}

impl Identity {
    #[must_use]
    pub fn new(platform: Platform, external_id: impl Into<String>) -> Self {
        Self { platform, external_id: external_id.into() }
    }
}

/// One person and their settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub display_name: String,
    pub lang: Lang,
    pub contact_email: Option<Email>,
    pub email_verified: bool,
    pub email_alerts: bool,
    /// Saved searches alert above this score (0–100).
    pub alert_threshold: u8,
    /// Where the person lives: dates and deadlines are written in this zone's time.
    #[serde(default)]
    pub time_zone: Zone,
    pub created_at: DateTime<Utc>,
}

/// What an account may do beyond its own profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Member,
    Admin,
}
