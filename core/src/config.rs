//! Configuration from the environment (docs/product-rules.md §7), parsed once at start-up into
//! typed values.
//! A variable that is set but malformed stops start-up with a message naming it; a missing
//! front-end token only means that front-end is not started.

use std::fmt;
use std::net::SocketAddr;

/// A secret that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A malformed variable, by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// Who the admins are (docs/product-rules.md §1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admins {
    pub telegram_ids: Vec<i64>,
    pub discord_ids: Vec<u64>,
    pub discord_role: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TelegramConfig {
    pub token: Secret,
    pub api_url: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiscordConfig {
    pub token: Secret,
    pub api_url: String,
    pub guild_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailConfig {
    pub smtp_url: Secret,
    pub from: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StripeConfig {
    pub api_key: Secret,
    pub api_url: String,
    /// `STRIPE_WEBHOOK_SECRET`: the endpoint's signing secret, or several separated by commas
    /// while Stripe rolls one over (each event is then signed with every active secret).
    pub webhook_secrets: Vec<Secret>,
}

/// Which side of a booking owes the platform's commission (`COMMISSION_PAYER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommissionPayer {
    #[default]
    Venue,
    Artist,
}

/// How `flowstage` writes its log lines (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Business rules that are configuration (docs/product-rules.md §4, and §8 for the commission,
/// recorded on each booking as it is confirmed).
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Commission in basis points (800 = 8 %).
    pub commission_bp: u16,
    pub commission_free_months: u16,
    pub commission_payer: CommissionPayer,
    pub proposal_expiry_days: u16,
    pub daily_proposal_quota: u16,
    pub first_hold_days: u16,
    pub other_hold_days: u16,
    pub challenge_hours: u16,
    /// Where people reach this instance (`PUBLIC_BASE_URL`): calendar feed links are built on
    /// it. Without it the conversation says the calendar link is not available here.
    pub public_base_url: Option<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            commission_bp: 800,
            commission_free_months: 3,
            commission_payer: CommissionPayer::Venue,
            proposal_expiry_days: 7,
            daily_proposal_quota: 10,
            first_hold_days: 7,
            other_hold_days: 5,
            challenge_hours: 48,
            public_base_url: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub database_url: String,
    pub http_addr: SocketAddr,
    pub public_base_url: Option<String>,
    pub telegram: Option<TelegramConfig>,
    pub discord: Option<DiscordConfig>,
    pub admins: Admins,
    pub mail: Option<MailConfig>,
    pub stripe: Option<StripeConfig>,
    pub email_webhook_key: Option<Secret>,
    pub rules: Rules,
    pub log_format: LogFormat,
    /// Matching weights (`MATCH_WEIGHTS=genre=30,date=25,…`).
    pub match_weights: crate::matching::Weights,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://flowstage.db";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
pub const DEFAULT_STRIPE_API_URL: &str = "https://api.stripe.com";
pub const DEFAULT_DISCORD_API_URL: &str = "https://discord.com/api";

/// Reads variables through `get`, so tests need no process environment.
struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// A set, non-blank value.
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn url(&self, name: &'static str, schemes: &[&str]) -> Result<Option<String>, ConfigError> {
        let Some(v) = self.get(name) else { return Ok(None) };
        if schemes.iter().any(|s| v.starts_with(&format!("{s}:"))) {
            Ok(Some(v.trim_end_matches('/').to_owned()))
        } else {
            Err(ConfigError {
                variable: name,
                problem: format!("must be a URL starting with {}", schemes.join(" or ")),
            })
        }
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| ConfigError {
                variable: name,
                problem: format!("must be {what}, got {v:?}"),
            }),
        }
    }

    /// One of a few words, case-insensitive; the default when unset.
    fn choice<T: Copy>(
        &self,
        name: &'static str,
        default: T,
        words: &[(&str, T)],
    ) -> Result<T, ConfigError> {
        let Some(v) = self.get(name) else { return Ok(default) };
        words.iter().find(|(w, _)| w.eq_ignore_ascii_case(&v)).map(|(_, t)| *t).ok_or_else(|| {
            let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
            ConfigError {
                variable: name,
                problem: format!("must be {}, got {v:?}", names.join(" or ")),
            }
        })
    }

    fn id_list<T: std::str::FromStr>(&self, name: &'static str) -> Result<Vec<T>, ConfigError> {
        let Some(v) = self.get(name) else { return Ok(Vec::new()) };
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse().map_err(|_| ConfigError {
                    variable: name,
                    problem: format!("must be numeric ids separated by commas; {s:?} is not one"),
                })
            })
            .collect()
    }
}

impl Config {
    /// Reads the process environment (after `.env`, which the binary loads).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        let database_url = env
            .url("DATABASE_URL", &["sqlite", "postgres", "postgresql"])?
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let http_addr = env.number(
            "FLOWSTAGE_HTTP_ADDR",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            "an address like 127.0.0.1:8080",
        )?;
        let telegram = match env.get("TELEGRAM_BOT_TOKEN") {
            None => None,
            Some(token) => {
                if !token.contains(':') || token.chars().any(char::is_whitespace) {
                    return Err(ConfigError {
                        variable: "TELEGRAM_BOT_TOKEN",
                        problem: "does not look like a bot token (123456:ABC…)".into(),
                    });
                }
                let webhook_url = env.url("TELEGRAM_WEBHOOK_URL", &["https", "http"])?;
                let webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET").map(Secret::new);
                if let Some(s) = &webhook_secret {
                    let ok = (1..=256).contains(&s.0.len())
                        && s.0.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if !ok {
                        return Err(ConfigError {
                            variable: "TELEGRAM_WEBHOOK_SECRET",
                            problem: "must be 1–256 characters of A-Z, a-z, 0-9, _ and -".into(),
                        });
                    }
                }
                if webhook_url.is_some() && webhook_secret.is_none() {
                    return Err(ConfigError {
                        variable: "TELEGRAM_WEBHOOK_SECRET",
                        problem: "is required when TELEGRAM_WEBHOOK_URL is set".into(),
                    });
                }
                Some(TelegramConfig {
                    token: Secret::new(token),
                    api_url: env
                        .url("TELEGRAM_API_URL", &["https", "http"])?
                        .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.to_owned()),
                    webhook_url,
                    webhook_secret,
                })
            }
        };
        let discord = match env.get("DISCORD_TOKEN") {
            None => None,
            Some(token) => Some(DiscordConfig {
                token: Secret::new(token),
                api_url: env
                    .url("DISCORD_API_URL", &["https", "http"])?
                    .unwrap_or_else(|| DEFAULT_DISCORD_API_URL.to_owned()),
                guild_id: env
                    .get("DISCORD_GUILD_ID")
                    .map(|_| env.number("DISCORD_GUILD_ID", 0u64, "a numeric guild id"))
                    .transpose()?,
            }),
        };
        let admins = Admins {
            telegram_ids: env.id_list("ADMIN_TELEGRAM_IDS")?,
            discord_ids: env.id_list("ADMIN_DISCORD_IDS")?,
            discord_role: env
                .get("ADMIN_DISCORD_ROLE")
                .map(|_| env.number("ADMIN_DISCORD_ROLE", 0u64, "a numeric role id"))
                .transpose()?,
        };
        let mail = match env.url("SMTP_URL", &["smtp", "smtps"])? {
            None => None,
            Some(url) => {
                let from = env.get("MAIL_FROM").ok_or(ConfigError {
                    variable: "MAIL_FROM",
                    problem: "is required when SMTP_URL is set".into(),
                })?;
                crate::domain::values::Email::parse(
                    from.rsplit('<').next().unwrap_or(&from).trim_end_matches('>'),
                )
                .map_err(|e| ConfigError { variable: "MAIL_FROM", problem: e.to_string() })?;
                Some(MailConfig { smtp_url: Secret::new(url), from })
            }
        };
        let webhook_secrets: Vec<Secret> = env
            .get("STRIPE_WEBHOOK_SECRET")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        if s.starts_with("whsec_") && !s.contains(char::is_whitespace) {
                            Ok(Secret::new(s))
                        } else {
                            Err(ConfigError {
                                variable: "STRIPE_WEBHOOK_SECRET",
                                problem: "must be Stripe signing secrets (whsec_…), separated \
                                          by commas during a rotation"
                                    .into(),
                            })
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let stripe = match env.get("STRIPE_API_KEY") {
            None if !webhook_secrets.is_empty() => {
                return Err(ConfigError {
                    variable: "STRIPE_API_KEY",
                    problem: "is required when STRIPE_WEBHOOK_SECRET is set".into(),
                });
            }
            None => None,
            Some(_) if webhook_secrets.is_empty() => {
                // Without the webhook, a paid link would never be known as paid.
                return Err(ConfigError {
                    variable: "STRIPE_WEBHOOK_SECRET",
                    problem: "is required when STRIPE_API_KEY is set".into(),
                });
            }
            Some(key) => Some(StripeConfig {
                api_key: Secret::new(key),
                api_url: env
                    .url("STRIPE_API_URL", &["https", "http"])?
                    .unwrap_or_else(|| DEFAULT_STRIPE_API_URL.to_owned()),
                webhook_secrets,
            }),
        };
        let defaults = Rules::default();
        let rate: f64 = env.number("COMMISSION_RATE", 0.08, "a rate between 0 and 1, e.g. 0.08")?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(ConfigError {
                variable: "COMMISSION_RATE",
                problem: format!("must be between 0 and 1 (0.08 is 8 %), got {rate}"),
            });
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0 ≤ rate ≤ 1, checked above"
        )]
        let commission_bp = (rate * 10_000.0).round() as u16;
        let rules = Rules {
            commission_bp,
            commission_free_months: env.number(
                "COMMISSION_FREE_MONTHS",
                defaults.commission_free_months,
                "a whole number of months",
            )?,
            commission_payer: env.choice(
                "COMMISSION_PAYER",
                defaults.commission_payer,
                &[("venue", CommissionPayer::Venue), ("artist", CommissionPayer::Artist)],
            )?,
            proposal_expiry_days: env.number(
                "PROPOSAL_EXPIRY_DAYS",
                defaults.proposal_expiry_days,
                "a whole number of days",
            )?,
            daily_proposal_quota: env.number(
                "PROPOSAL_DAILY_QUOTA",
                defaults.daily_proposal_quota,
                "a whole number",
            )?,
            first_hold_days: env.number(
                "HOLD_FIRST_DAYS",
                defaults.first_hold_days,
                "a whole number of days",
            )?,
            other_hold_days: env.number(
                "HOLD_OTHER_DAYS",
                defaults.other_hold_days,
                "a whole number of days",
            )?,
            challenge_hours: env.number(
                "HOLD_CHALLENGE_HOURS",
                defaults.challenge_hours,
                "a whole number of hours",
            )?,
            public_base_url: env.url("PUBLIC_BASE_URL", &["https", "http"])?,
        };
        Ok(Self {
            database_url,
            http_addr,
            public_base_url: rules.public_base_url.clone(),
            telegram,
            discord,
            admins,
            mail,
            stripe,
            email_webhook_key: env.get("EMAIL_WEBHOOK_KEY").map(Secret::new),
            rules,
            log_format: env.choice(
                "LOG_FORMAT",
                LogFormat::Text,
                &[("text", LogFormat::Text), ("json", LogFormat::Json)],
            )?,
            match_weights: match env.get("MATCH_WEIGHTS") {
                None => crate::matching::Weights::default(),
                Some(w) => crate::matching::Weights::parse(&w).map_err(|e| ConfigError {
                    variable: "MATCH_WEIGHTS",
                    problem: e.to_string(),
                })?,
            },
        })
    }
}

/// What a configured variable asks for that this build does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbuilt {
    /// The variables set, as the operator wrote them.
    pub variables: &'static str,
    /// What they would configure.
    pub part: &'static str,
}

impl std::fmt::Display for Unbuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} set, but {} is not built yet: ignored", self.variables, self.part)
    }
}

impl Config {
    /// The configured parts whose front-end or worker does not exist yet, so that `serve` says
    /// so at start-up rather than ignoring them in silence. Unset variables are not listed.
    #[must_use]
    pub fn unbuilt(&self, is_set: impl Fn(&str) -> bool) -> Vec<Unbuilt> {
        let any = |names: &[&str]| names.iter().any(|n| is_set(n));
        let mut out = Vec::new();
        if self.stripe.is_none() && any(&["STRIPE_API_URL"]) {
            out.push(Unbuilt {
                variables: "STRIPE_API_URL",
                part: "Stripe without STRIPE_API_KEY",
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_need_nothing() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://flowstage.db");
        assert_eq!(c.http_addr.to_string(), "127.0.0.1:8080");
        assert!(
            c.telegram.is_none() && c.discord.is_none() && c.mail.is_none() && c.stripe.is_none()
        );
        assert_eq!(c.rules, Rules::default());
        assert_eq!(
            (c.rules.commission_payer, c.log_format),
            (CommissionPayer::Venue, LogFormat::Text)
        );
    }

    #[test]
    fn payer_log_format_and_discord_url_are_read() {
        let c = config(&[
            ("COMMISSION_PAYER", "Artist"),
            ("LOG_FORMAT", "json"),
            ("DISCORD_TOKEN", "abc"),
            ("DISCORD_API_URL", "http://127.0.0.1:9001/api/"),
        ])
        .unwrap();
        assert_eq!(
            (c.rules.commission_payer, c.log_format),
            (CommissionPayer::Artist, LogFormat::Json)
        );
        assert_eq!(c.discord.unwrap().api_url, "http://127.0.0.1:9001/api");
        let d = config(&[("DISCORD_TOKEN", "abc")]).unwrap().discord.unwrap();
        assert_eq!(d.api_url, DEFAULT_DISCORD_API_URL);
    }

    #[test]
    fn what_is_set_but_not_built_is_named() {
        let vars = [
            ("DISCORD_TOKEN", "abc"),
            ("SMTP_URL", "smtp://localhost:25"),
            ("MAIL_FROM", "Flow Stage <bot@example.fr>"),
            ("STRIPE_API_URL", "http://127.0.0.1:1"),
            ("EMAIL_WEBHOOK_KEY", "k"),
            ("COMMISSION_RATE", "0.05"),
        ];
        let c = config(&vars).unwrap();
        let unbuilt = c.unbuilt(|name| vars.iter().any(|(k, _)| *k == name));
        let parts: Vec<&str> = unbuilt.iter().map(|u| u.part).collect();
        assert_eq!(parts, ["Stripe without STRIPE_API_KEY"]);
        assert_eq!(
            unbuilt[0].to_string(),
            "STRIPE_API_URL set, but Stripe without STRIPE_API_KEY is not built yet: ignored"
        );
        let telegram_only = [("TELEGRAM_BOT_TOKEN", "1:x"), ("LOG_FORMAT", "json")];
        let c = config(&telegram_only).unwrap();
        assert!(c.unbuilt(|name| telegram_only.iter().any(|(k, _)| *k == name)).is_empty());
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (name, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("FLOWSTAGE_HTTP_ADDR", "localhost"),
            ("COMMISSION_RATE", "8%"),
            ("COMMISSION_RATE", "1.5"),
            ("COMMISSION_FREE_MONTHS", "-1"),
            ("ADMIN_TELEGRAM_IDS", "12,abc"),
            ("TELEGRAM_BOT_TOKEN", "nocolon"),
            ("SMTP_URL", "http://mail"),
            ("MATCH_WEIGHTS", "genre=90,date=25"),
            ("COMMISSION_PAYER", "promoter"),
            ("LOG_FORMAT", "xml"),
            ("DISCORD_API_URL", "discord.com/api"),
            ("STRIPE_WEBHOOK_SECRET", "not-a-secret"),
        ] {
            // DISCORD_API_URL is read only beside a token, as the other front-end URLs.
            let with_token = [(name, value), ("DISCORD_TOKEN", "abc")];
            let err = config(&with_token).unwrap_err();
            assert_eq!(err.variable, name, "{value}");
            assert!(err.to_string().contains(name));
        }
        assert_eq!(
            config(&[("SMTP_URL", "smtp://localhost:25")]).unwrap_err().variable,
            "MAIL_FROM"
        );
        let err =
            config(&[("TELEGRAM_BOT_TOKEN", "1:x"), ("TELEGRAM_WEBHOOK_URL", "https://x.fr/hook")])
                .unwrap_err();
        assert_eq!(err.variable, "TELEGRAM_WEBHOOK_SECRET");
    }

    #[test]
    fn stripe_needs_its_key_and_its_webhook_secrets() {
        let c = config(&[
            ("STRIPE_API_KEY", "sk_test_1"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_new, whsec_old"),
            ("STRIPE_API_URL", "http://127.0.0.1:9100/"),
        ])
        .unwrap();
        let s = c.stripe.unwrap();
        assert_eq!(s.api_url, "http://127.0.0.1:9100");
        let secrets: Vec<&str> = s.webhook_secrets.iter().map(Secret::expose).collect();
        assert_eq!(secrets, ["whsec_new", "whsec_old"]);
        let only_key = config(&[("STRIPE_API_KEY", "sk_test_1")]).unwrap_err();
        assert_eq!(only_key.variable, "STRIPE_WEBHOOK_SECRET");
        let only_secret = config(&[("STRIPE_WEBHOOK_SECRET", "whsec_a")]).unwrap_err();
        assert_eq!(only_secret.variable, "STRIPE_API_KEY");
    }

    #[test]
    fn front_ends_start_only_with_tokens() {
        let c = config(&[
            ("TELEGRAM_BOT_TOKEN", "123:abc"),
            ("TELEGRAM_API_URL", "http://127.0.0.1:9000/"),
            ("ADMIN_TELEGRAM_IDS", " 1, 2 "),
            ("COMMISSION_RATE", "0.08"),
        ])
        .unwrap();
        let t = c.telegram.unwrap();
        assert_eq!(t.api_url, "http://127.0.0.1:9000");
        assert_eq!(c.admins.telegram_ids, vec![1, 2]);
        assert_eq!(c.rules.commission_bp, 800);
        assert!(!format!("{:?}", t.token).contains("abc"), "secrets are redacted");
    }
}
