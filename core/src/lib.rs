//! Flow Stage's core: everything the product does, with no knowledge of any chat platform.
//!
//! Adapters (Telegram, Discord, the terminal, HTTP) translate their world into calls on this
//! crate and render what it returns. See `ARCHITECTURE.md` for the map.

pub mod booking;
pub mod clock;
pub mod config;
pub mod contract;
pub mod conversation;
pub mod demo;
pub mod domain;
pub mod email_events;
pub mod email_reply;
pub mod matching;
pub mod notify;
pub mod payments;
pub mod stats;
pub mod store;
