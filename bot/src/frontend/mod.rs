//! What every chat front-end shares, written once behind small platform traits: the outbox
//! deliverer ([`deliver`]), the per-person ordered dispatcher ([`dispatch`]), the stored inbox's
//! claims ([`inbox`]) and reachability ([`reach`]). Telegram, the terminal and the demo stand on it; a new platform implements
//! [`deliver::Outlet`] and [`dispatch::Handler`] and gets the rest.

pub mod deliver;
pub mod dispatch;
pub mod inbox;
pub mod reach;

use flowstage_core::conversation::i18n::tr;
use flowstage_core::domain::Lang;

/// A front-end's own words (the apology, the toasts), from the core's translation files.
#[must_use]
pub fn words(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    tr(lang, key, args)
}
