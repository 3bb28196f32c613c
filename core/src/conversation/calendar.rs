//! The calendar feed's address as people are given it (docs/product-rules.md §7): the `https`
//! link that Google Calendar subscribes to "from URL", and its `webcal://` twin that Apple
//! Calendar and Outlook open as a subscription. Platforms that cannot link a `webcal://` address
//! show it as text. Without `PUBLIC_BASE_URL` no link can be right, so none is given.

use super::i18n::tr;
use super::reply::Span;
use crate::config::Rules;
use crate::domain::{Lang, ProfileId};
use crate::store::{Store, StoreError};

/// `{base}/calendar/{token}.ics`, the route `webhooks` serves.
#[must_use]
pub fn feed_url(base: &str, token: &str) -> String {
    format!("{}/calendar/{token}.ics", base.trim_end_matches('/'))
}

/// The same address for calendar apps that subscribe on a click.
#[must_use]
pub fn webcal(url: &str) -> String {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    format!("webcal://{rest}")
}

/// The lines that give `profile`'s feed: the web link and the `webcal://` one, or why there is
/// none here.
pub async fn lines(
    store: &Store,
    rules: &Rules,
    lang: Lang,
    profile: ProfileId,
) -> Result<Vec<Vec<Span>>, StoreError> {
    let Some(base) = rules.public_base_url.as_deref() else {
        return Ok(vec![vec![Span::Plain(tr(lang, "cal-link-unavailable", &[]))]]);
    };
    let url = feed_url(base, &store.calendar_token(profile).await?);
    let webcal = webcal(&url);
    Ok(vec![
        vec![
            Span::Plain(format!("{} ", tr(lang, "cal-link-web", &[]))),
            Span::Link { text: url.clone(), url },
        ],
        vec![
            Span::Plain(format!("{} ", tr(lang, "cal-link-webcal", &[]))),
            Span::Link { text: webcal.clone(), url: webcal },
        ],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_built_on_the_public_address() {
        assert_eq!(
            feed_url("https://flowstage.example/", "ab12"),
            "https://flowstage.example/calendar/ab12.ics"
        );
        assert_eq!(
            webcal("https://flowstage.example/calendar/ab12.ics"),
            "webcal://flowstage.example/calendar/ab12.ics"
        );
        assert_eq!(
            webcal("http://127.0.0.1:8080/calendar/x.ics"),
            "webcal://127.0.0.1:8080/calendar/x.ics"
        );
    }
}
