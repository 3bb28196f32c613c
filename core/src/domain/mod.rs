//! The domain model: who uses Flow Stage, what they publish, and what they agree on.
//!
//! Values are parsed once at the edge ([`values`], [`genre`], [`places`]) into types that cannot
//! be invalid; the entities here are built only from those.

pub mod account;
pub mod audience;
pub mod genre;
pub mod legal;
pub mod places;
pub mod profile;
pub mod proposal;
pub mod search;
pub mod terms;
pub mod values;
pub mod when;

use serde::{Deserialize, Serialize};

/// The language an account is spoken to in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French is the default: the product starts in France.
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Picks the language from a platform's locale code ("en-GB", "fr"), falling back to French.
    #[must_use]
    pub fn from_locale(code: Option<&str>) -> Self {
        match code.map(|c| c.get(..2).unwrap_or(c).to_ascii_lowercase()) {
            Some(c) if c == "en" => Lang::En,
            _ => Lang::Fr,
        }
    }

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" | "français" | "francais" | "french" => Some(Lang::Fr),
            "en" | "english" | "anglais" => Some(Lang::En),
            _ => None,
        }
    }
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type! {
    /// One person.
    AccountId,
    /// An artist or venue profile.
    ProfileId,
    ProposalId,
    BookingId,
    TicketId,
    SavedSearchId,
    OutboxId,
    /// An update from a platform, recorded before it is acknowledged (the stored inbox).
    InboxId,
}
