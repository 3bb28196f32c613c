//! `flowstage chat`: the terminal front-end. It opens the embedded database (migrated, with the
//! demo data on first run), talks to the conversation engine line by line, renders its replies
//! as plain text with numbered buttons, writes attachments to a folder, and prints the messages
//! other accounts send to this user as they arrive (two terminals can negotiate a booking).

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use flowstage_core::config::Config;
use flowstage_core::conversation::{Button, Engine, Incoming, Reply, Speaker};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::{AccountId, Lang};
use flowstage_core::store::Recipients;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::frontend::deliver::{Deliverer, DeliveryError, Outlet, Recipient};
use crate::frontend::words;
use crate::{LangArg, Role};

/// Where attachments (`/mydata`, contracts) are written.
const FILES_DIR: &str = "flowstage-files";

pub async fn run(
    config: &Config,
    role: Role,
    user: &str,
    lang: Option<LangArg>,
) -> anyhow::Result<()> {
    let lang = match lang {
        Some(LangArg::En) => Lang::En,
        _ => Lang::Fr,
    };
    let store = crate::open(&config.database_url).await?;
    let created = flowstage_core::demo::seed(&store).await.context("loading the demo data")?;
    if created > 0 {
        println!("{}", words(lang, "frontend-demo-loaded", &[("count", created.to_string())]));
    }
    // "demo" or a listed demo name plays a demo profile; any other name is its own account.
    let kind = match role {
        Role::Artist => "artist",
        Role::Venue => "venue",
        Role::Admin => "admin",
    };
    let user = flowstage_core::demo::demo_user(kind, user).unwrap_or_else(|| user.to_owned());
    let user = user.as_str();
    let speaker = Speaker {
        identity: Identity::new(Platform::Local, user),
        display_name: user.to_owned(),
        lang,
        is_admin: role == Role::Admin,
    };
    let engine = Engine::new(store.clone(), config.rules.clone())
        .with_weights(config.match_weights)
        .with_admins(config.admins.clone());
    let mut term = Terminal { buttons: Vec::new(), account: None, lang, inbox: None };
    let title = words(
        lang,
        "frontend-terminal-title",
        &[("user", user.to_owned()), ("role", format!("{role:?}"))],
    );
    println!("{title} {}", words(lang, "frontend-terminal-hint", &[]));
    term.send(&engine, &speaker, Incoming::Open).await?;
    if let Some(me) = term.account {
        let inbox = Arc::new(Inbox { me, got: Mutex::new(Vec::new()) });
        term.inbox = Some(Deliverer::new(store.clone(), config.rules.clone(), inbox).batch(100));
    }
    term.deliver().await?;
    if std::io::stdin().is_terminal() {
        interactive(&engine, &speaker, &mut term).await?;
    } else {
        scripted(&engine, &speaker, &mut term).await?;
    }
    store.close().await;
    Ok(())
}

struct Terminal {
    /// The buttons on screen, numbered from 1.
    buttons: Vec<Button>,
    account: Option<AccountId>,
    lang: Lang,
    /// What other accounts send this user, through the shared outbox deliverer.
    inbox: Option<Deliverer<Inbox>>,
}

/// The terminal as an outlet: it reaches only its own user, and collects what arrives so that
/// it is printed between two prompts.
struct Inbox {
    me: AccountId,
    got: Mutex<Vec<Reply>>,
}

impl Outlet for Inbox {
    fn platform(&self) -> Platform {
        Platform::Local
    }

    fn claims(&self) -> Recipients {
        Recipients::Account(self.me)
    }

    async fn send(&self, _to: &Recipient, reply: &Reply) -> Result<(), DeliveryError> {
        self.got.lock().unwrap_or_else(PoisonError::into_inner).push(reply.clone());
        Ok(())
    }
}

impl Terminal {
    /// A typed line: a button's number or label presses it; anything else is text or a command.
    fn incoming(&self, line: &str) -> Incoming {
        let line = line.trim();
        if let Some(b) = self.buttons.iter().find(|b| b.label == line) {
            return Incoming::Button(b.payload.clone());
        }
        if let Ok(n) = line.parse::<usize>()
            && (1..=self.buttons.len()).contains(&n)
        {
            return Incoming::Button(self.buttons[n - 1].payload.clone());
        }
        // Without emoji and case, a label must still name one button: "⭐ 1" and "✉️ 1" both
        // read "1".
        let wanted = normalise(line);
        let mut same = self.buttons.iter().filter(|b| normalise(&b.label) == wanted);
        if !wanted.is_empty()
            && let (Some(b), None) = (same.next(), same.next())
        {
            return Incoming::Button(b.payload.clone());
        }
        Incoming::from_line(line)
    }

    async fn send(
        &mut self,
        engine: &Engine,
        speaker: &Speaker,
        input: Incoming,
    ) -> anyhow::Result<()> {
        let out = engine.handle(speaker, input).await.context("talking to the engine")?;
        self.account = Some(out.account);
        self.lang = out.lang;
        self.buttons.clear();
        for reply in &out.replies {
            self.print(reply)?;
        }
        Ok(())
    }

    fn print(&mut self, reply: &Reply) -> anyhow::Result<()> {
        let text = reply.plain_text();
        if !text.is_empty() {
            println!("{text}");
        }
        for row in &reply.buttons {
            let cells: Vec<String> = row
                .iter()
                .map(|b| {
                    self.buttons.push(b.clone());
                    format!("[{}] {}", self.buttons.len(), b.label)
                })
                .collect();
            println!("  {}", cells.join("   "));
        }
        for a in &reply.attachments {
            let dir = PathBuf::from(FILES_DIR);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let path = dir.join(sanitise(&a.file_name));
            std::fs::write(&path, &a.bytes)
                .with_context(|| format!("writing {}", path.display()))?;
            let abs = std::fs::canonicalize(&path).unwrap_or(path);
            let args = [
                ("name", a.file_name.clone()),
                ("mime", a.mime_type.clone()),
                ("path", abs.display().to_string()),
            ];
            println!("{}", words(self.lang, "frontend-attachment", &args));
        }
        println!();
        Ok(())
    }

    /// Prints what other accounts sent this user.
    async fn deliver(&mut self) -> anyhow::Result<()> {
        let Some(inbox) = &self.inbox else { return Ok(()) };
        inbox.until_empty().await?;
        let got =
            std::mem::take(&mut *inbox.outlet().got.lock().unwrap_or_else(PoisonError::into_inner));
        for reply in got {
            println!("{}", words(self.lang, "frontend-new-message", &[]));
            self.print(&reply)?;
        }
        Ok(())
    }
}

/// Lower case, letters and digits only: "✅ Envoyer pour validation" and "envoyer pour
/// validation" are the same label.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn sanitise(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect();
    if clean.trim_matches('.').is_empty() { "attachment".to_owned() } else { clean }
}

fn is_quit(line: &str) -> bool {
    matches!(line.trim(), "/quit" | "/exit")
}

/// Piped standard input: a script, one line per message; the end of the script ends the chat.
async fn scripted(engine: &Engine, speaker: &Speaker, term: &mut Terminal) -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await.context("reading standard input")? {
        if is_quit(&line) {
            break;
        }
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        println!("> {}", line.trim());
        let input = term.incoming(&line);
        term.send(engine, speaker, input).await?;
        term.deliver().await?;
    }
    Ok(())
}

/// A terminal: line editing and history, and messages from others printed as they arrive.
async fn interactive(
    engine: &Engine,
    speaker: &Speaker,
    term: &mut Terminal,
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Option<String>>(1);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    // rustyline blocks: it reads on its own thread, one line each time the loop below is ready.
    std::thread::spawn(move || {
        let Ok(mut editor) = rustyline::DefaultEditor::new() else {
            let _ = tx.blocking_send(None);
            return;
        };
        while ready_rx.recv().is_ok() {
            match editor.readline("> ") {
                Ok(line) => {
                    let _ = editor.add_history_entry(line.as_str());
                    if tx.blocking_send(Some(line)).is_err() {
                        return;
                    }
                }
                Err(_) => {
                    let _ = tx.blocking_send(None);
                    return;
                }
            }
        }
    });
    let _ = ready_tx.send(());
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            line = rx.recv() => {
                let Some(Some(line)) = line else { break };
                if is_quit(&line) {
                    break;
                }
                if !line.trim().is_empty() {
                    let input = term.incoming(&line);
                    term.send(engine, speaker, input).await?;
                    term.deliver().await?;
                }
                let _ = std::io::stdout().flush();
                let _ = ready_tx.send(());
            }
            _ = tick.tick() => term.deliver().await?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_without_emoji_or_case() {
        assert_eq!(normalise("✅ Envoyer pour validation"), "envoyer pour validation");
        assert_eq!(normalise("  J'accepte "), "jaccepte");
        assert_eq!(sanitise("../../etc/passwd"), ".._.._etc_passwd");
    }
}
