//! `flowstage chat`: the terminal front-end. It opens the embedded database (migrated, with the
//! demo data on first run) and talks to the conversation engine line by line.

use anyhow::Context as _;
use flowstage_core::config::Config;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{LangArg, Role};

pub async fn run(
    config: &Config,
    role: Role,
    user: &str,
    lang: Option<LangArg>,
) -> anyhow::Result<()> {
    let store = crate::open(&config.database_url).await?;
    let created = flowstage_core::demo::seed(&store).await.context("loading the demo data")?;
    if created > 0 {
        println!("Demo data loaded: {created} profiles.");
    }
    let lang = match lang {
        Some(LangArg::En) => "en",
        _ => "fr",
    };
    println!("Flow Stage — {user} ({role:?}, {lang}). Type /quit to leave.");
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        print_prompt();
        let Some(line) = lines.next_line().await.context("reading standard input")? else { break };
        let line = line.trim();
        if line == "/quit" || line == "/exit" {
            break;
        }
        if !line.is_empty() {
            println!("(the conversation engine is not wired yet)");
        }
    }
    store.close().await;
    Ok(())
}

fn print_prompt() {
    use std::io::Write as _;
    print!("> ");
    let _ = std::io::stdout().flush();
}
