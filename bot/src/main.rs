//! `flowstage`: the one binary. It parses the command line and the configuration, then hands
//! over to the core (chat, seed, backup) or wires the front-ends and workers (`serve`).

mod chat;
mod demo;
mod discord;
mod email;
mod frontend;
mod serve;
mod telegram;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use flowstage_core::clock::SystemClock;
use flowstage_core::config::{Config, LogFormat};
use flowstage_core::store::Store;

/// Flow Stage: book live music by conversation.
#[derive(Debug, Parser)]
#[command(name = "flowstage", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Talk to the assistant in this terminal, as a chat user would (SQLite with demo data by default).
    Chat {
        /// Who you are in the conversation.
        #[arg(long = "as", value_enum, default_value_t = Role::Artist)]
        role: Role,
        /// Your user name: each name is its own account, so two terminals can negotiate
        /// [default: the role, so `--as artist` and `--as venue` are two people].
        #[arg(long)]
        user: Option<String>,
        /// The language the assistant speaks.
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Run the Telegram front-end (when TELEGRAM_BOT_TOKEN is set), the HTTP server, the booking
    /// timers and the live match index.
    Serve,
    /// Apply the database migrations.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo set: 20 artists and 20 venues across France, approved, with open dates.
        #[arg(long)]
        demo: bool,
    },
    /// Play the scripted demo journey on a fresh SQLite database and print the contract's path.
    Demo {
        /// The language the demo speaks.
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Write a consistent copy of the database to FILE while it stays in use.
    Backup {
        /// Where to write the copy (must not exist yet).
        file: PathBuf,
    },
    /// Put a backup made by `flowstage backup` in place of the SQLite database, which no process
    /// may have open; the database it replaces is kept beside it.
    Restore {
        /// The backup to restore.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Artist,
    Venue,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Fr,
    En,
}

/// mimalloc rather than glibc's malloc (issue 18): a step allocates and frees much, and under
/// the steady load glibc's malloc took a fifth of the CPU; with mimalloc the same load costs a
/// sixth less CPU and PostgreSQL keeps its latency at a rate where it fell behind before
/// (decisions §25).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A `.env` file is optional; a malformed one is reported like a malformed variable.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: reading .env: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,flowstage=info")),
        )
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("opening {}", redact(url)))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// Hides a password in a database URL before it reaches a terminal or a log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate => {
            let store = open(&config.database_url).await?;
            store.close().await;
            // For operators: the CLI's reports are in English, like its logs.
            println!("migrations applied to {}", redact(&config.database_url));
        }
        Command::Seed { demo } => {
            if !demo {
                anyhow::bail!("nothing to seed: use `flowstage seed --demo`");
            }
            let store = open(&config.database_url).await?;
            let created =
                flowstage_core::demo::seed(&store).await.context("loading the demo data")?;
            store.close().await;
            let (artists, venues) = flowstage_core::demo::sizes();
            // For operators.
            println!(
                "demo data: {created} profiles created ({artists} artists and {venues} venues in the set)"
            );
        }
        Command::Backup { file } => {
            let store = open(&config.database_url).await?;
            store.backup(&file, &config.database_url).await.context("backing up")?;
            store.close().await;
            // For operators.
            println!("backup written to {}", file.display());
        }
        Command::Restore { file } => {
            let restored =
                Store::restore(&file, &config.database_url).await.context("restoring")?;
            // Bring an older backup's schema up to this binary's.
            let store = open(&config.database_url).await?;
            store.close().await;
            // For operators.
            println!("restored {} into {}", file.display(), restored.database.display());
            if let Some(previous) = restored.previous {
                // For operators.
                println!("the database it replaced is kept as {}", previous.display());
            }
        }
        Command::Chat { role, user, lang } => {
            let user = user.unwrap_or_else(|| format!("{role:?}").to_lowercase());
            chat::run(&config, role, &user, lang).await?;
        }
        Command::Serve => serve::run(config).await?,
        Command::Demo { lang } => drop(demo::run(lang).await?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/flow"), "postgres://app:***@db:5432/flow");
        assert_eq!(redact("postgres://app@db/flow"), "postgres://app@db/flow");
        assert_eq!(redact("sqlite://flowstage.db"), "sqlite://flowstage.db");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
