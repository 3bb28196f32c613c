//! `flowstage demo`: the seed's scripted demo journey ("scénario de démo : parcours utilisateur
//! scripté") on a fresh SQLite database — an artist creates a profile, an admin approves it, the
//! artist finds venues and proposes, the venue counters, the artist accepts, the contract is
//! generated — printed as the people see it, ending with the contract PDF's path.
//!
//! It drives the real conversation engine, as the terminal chat does, pressing buttons by their
//! translation keys (so rewording a button does not break the script), and delivers the outbox
//! the way the front-ends do, contract attachment included.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use chrono::{Duration, Timelike};
use flowstage_core::booking::{ContractReadiness, MissingField};
use flowstage_core::clock::{Clock, ManualClock, SystemClock};
use flowstage_core::config::Rules;
use flowstage_core::conversation::i18n::tr;
use flowstage_core::conversation::payload::{self, Action};
use flowstage_core::conversation::{Button, Engine, Incoming, Reply, Speaker};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::legal::LegalField;
use flowstage_core::domain::profile::ProfileKind;
use flowstage_core::domain::{Lang, ProposalId};
use flowstage_core::store::{Recipients, Store};

use crate::LangArg;
use crate::frontend::deliver::{Deliverer, DeliveryError, Outlet, Recipient};

/// One person of the story and the buttons last shown to them.
struct Person {
    speaker: Speaker,
    buttons: Vec<Button>,
}

impl Person {
    fn new(external_id: &str, name: &str, lang: Lang, is_admin: bool) -> Self {
        let identity = Identity::new(Platform::Local, external_id);
        Self {
            speaker: Speaker { identity, display_name: name.to_owned(), lang, is_admin },
            buttons: Vec::new(),
        }
    }

    fn lang(&self) -> Lang {
        self.speaker.lang
    }

    fn name(&self) -> &str {
        &self.speaker.display_name
    }
}

/// What a person does next.
enum Act<'a> {
    Open,
    Type(&'a str),
    /// Press the button whose label is this translation key's text.
    Press(&'a str),
    /// Press the first button whose label fits.
    PressWhere(&'a str, &'a dyn Fn(&str) -> bool),
    /// The button of a notification (its label's key and what it does).
    Notified(&'a str, Action),
}

struct Demo {
    engine: Engine,
    outbox: Deliverer<Printer>,
}

/// The demo as an outlet of the shared deliverer: it reaches every account of the story and
/// prints what they receive, keeping the contract PDF when one is attached.
struct Printer {
    store: Store,
    dir: PathBuf,
    contract: std::sync::Mutex<Option<PathBuf>>,
}

impl Outlet for Printer {
    fn platform(&self) -> Platform {
        Platform::Local
    }

    fn claims(&self) -> Recipients {
        Recipients::All
    }

    async fn send(&self, to: &Recipient, reply: &Reply) -> Result<(), DeliveryError> {
        let name = match self.store.account(to.account).await {
            Ok(a) => a.display_name,
            Err(e) => return Err(DeliveryError::Failed(e.to_string())),
        };
        print_reply(&format!("  ↳ {name}"), reply);
        for a in &reply.attachments {
            let path = self.dir.join(&a.file_name);
            std::fs::write(&path, &a.bytes).map_err(|e| DeliveryError::Failed(e.to_string()))?;
            *self.contract.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(path);
        }
        Ok(())
    }
}

/// Prints a message with its buttons under the speaker's name.
fn print_reply(who: &str, reply: &Reply) {
    let mut lines: Vec<String> = reply.plain_text().lines().map(str::to_owned).collect();
    for row in &reply.buttons {
        lines.push(row.iter().map(|b| format!("[{}]", b.label)).collect::<Vec<_>>().join(" "));
    }
    for a in &reply.attachments {
        lines.push(format!("📎 {} ({} kB)", a.file_name, a.bytes.len().div_ceil(1_000)));
    }
    for (i, line) in lines.iter().enumerate() {
        let who = if i == 0 { who } else { "" };
        println!("  {who:<26} │ {line}");
    }
}

fn scene(title: &str) {
    println!("\n── {title} {}", "─".repeat(72usize.saturating_sub(title.chars().count())));
}

impl Demo {
    /// One turn: the person acts, the assistant answers; then the outbox is delivered.
    async fn turn(&mut self, who: &mut Person, act: Act<'_>) -> anyhow::Result<Vec<Reply>> {
        let (shown, input): (Option<String>, Incoming) = match act {
            Act::Open => (Some(tr(who.lang(), "demo-opens", &[])), Incoming::Open),
            Act::Type(text) => (Some(text.to_owned()), Incoming::from_line(text)),
            Act::Press(key) => {
                let label = tr(who.lang(), key, &[]);
                let b = find(who, |l| l == label)?;
                (Some(format!("[{}]", b.label)), Incoming::Button(b.payload))
            }
            Act::Notified(key, action) => {
                let label = tr(who.lang(), key, &[]);
                (Some(format!("[{label}]")), Incoming::Button(payload::encode(0, &action)))
            }
            Act::PressWhere(what, fits) => {
                let b = find(who, |l| fits(l)).with_context(|| format!("looking for {what}"))?;
                (Some(format!("[{}]", b.label)), Incoming::Button(b.payload))
            }
        };
        if let Some(shown) = shown {
            println!("  {:<26} │ {shown}", format!("{} ▸", who.name()));
        }
        let out = self.engine.handle(&who.speaker, input).await?;
        who.buttons = out.replies.iter().flat_map(|r| r.all_buttons().cloned()).collect();
        for reply in &out.replies {
            print_reply("Flow Stage", reply);
        }
        self.outbox.until_empty().await?;
        Ok(out.replies)
    }
}

fn find(who: &Person, fits: impl Fn(&str) -> bool) -> anyhow::Result<Button> {
    let normal = |l: &str| l.replace('\u{a0}', " ");
    match who.buttons.iter().find(|b| fits(&b.label) || fits(&normal(&b.label))) {
        Some(b) => Ok(b.clone()),
        None => bail!(
            "the demo script expected a button that is not shown to {}: {:?}",
            who.name(),
            who.buttons.iter().map(|b| &b.label).collect::<Vec<_>>()
        ),
    }
}

/// A date button: "05/12/2026" or "Sat 5 Dec 2026" — whatever the language, it shows a year.
fn is_date(label: &str) -> bool {
    label.split(|c: char| !c.is_ascii_digit()).any(|w| w.len() == 4)
}

/// Plays the demo; returns the contract's path.
pub async fn run(lang: Option<LangArg>) -> anyhow::Result<PathBuf> {
    let lang = match lang {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Fr) | None => Lang::Fr,
    };
    // A hand-moved clock, started now: the story takes hours, the demo a second.
    let start = SystemClock.now();
    let start = start.with_minute(0).and_then(|s| s.with_second(0)).unwrap_or(start);
    let clock = ManualClock::new(start);
    let dir = std::env::temp_dir().join(format!(
        "flowstage-demo-{}-{}",
        std::process::id(),
        start.timestamp()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let db = dir.join("demo.db");
    let store = Store::connect(&format!("sqlite://{}", db.display()), Arc::new(clock.clone()))
        .await
        .context("opening the demo database")?;
    store.migrate().await.context("applying migrations")?;
    flowstage_core::demo::seed(&store).await.context("loading the demo data")?;
    let rules = Rules::default();
    let engine = Engine::new(store.clone(), rules.clone());
    let printer = Arc::new(Printer {
        store: store.clone(),
        dir: dir.clone(),
        contract: std::sync::Mutex::new(None),
    });
    let outbox = Deliverer::new(store.clone(), rules, printer.clone()).batch(100);
    let mut demo = Demo { engine, outbox };
    let t = |key: &str| tr(lang, key, &[]);

    println!("{}", t("demo-title"));
    println!("{}", tr(lang, "demo-database", &[("path", db.display().to_string())]));

    scene(&t("demo-scene-1"));
    let mut lea = Person::new("demo-lea", "Léa", lang, false);
    let today = clock.today();
    let dates = format!(
        "{}-{}",
        (today + Duration::days(14)).format("%d/%m/%Y"),
        (today + Duration::days(75)).format("%d/%m/%Y")
    );
    demo.turn(&mut lea, Act::Open).await?;
    demo.turn(&mut lea, Act::Press("btn-consent-yes")).await?;
    demo.turn(&mut lea, Act::Press("btn-role-artist")).await?;
    for answer in [t("demo-artist-name").as_str(), "chanson, french-pop", "900"] {
        demo.turn(&mut lea, Act::Type(answer)).await?;
    }
    demo.turn(&mut lea, Act::Press("btn-yes")).await?;
    for answer in [
        "100-400",
        "Lyon",
        "300",
        &dates,
        &t("demo-artist-bio"),
        "https://lea-les-ondes.example.fr",
    ] {
        demo.turn(&mut lea, Act::Type(answer)).await?;
    }
    demo.turn(&mut lea, Act::Press("btn-skip")).await?;
    // Who is on the road, for whom the trio plays and the deals it takes: the matching uses
    // all three, the contract the line-up.
    for answer in ["3 + 1".to_owned(), t("demo-artist-audience"), t("demo-artist-deals")] {
        demo.turn(&mut lea, Act::Type(&answer)).await?;
    }
    demo.turn(&mut lea, Act::Press("btn-submit")).await?;

    scene(&t("demo-scene-2"));
    let mut admin = Person::new("demo-admin", "Admin", lang, true);
    demo.turn(&mut admin, Act::Type("/pending")).await?;
    demo.turn(&mut admin, Act::Press("btn-approve")).await?;

    scene(&t("demo-scene-3"));
    clock.advance(Duration::hours(2));
    demo.turn(&mut lea, Act::Type("/match")).await?;
    demo.turn(&mut lea, Act::PressWhere("✉️ 1", &|l| l.starts_with('✉') && l.ends_with("(1)")))
        .await?;
    demo.turn(&mut lea, Act::PressWhere("a date", &is_date)).await?;
    demo.turn(
        &mut lea,
        Act::PressWhere("btn-keep", &|l| l.starts_with("Garder") || l.starts_with("Keep")),
    )
    .await?;
    demo.turn(&mut lea, Act::Press("deal-flat")).await?;
    demo.turn(&mut lea, Act::Type("75")).await?;
    demo.turn(&mut lea, Act::Type("17:00 18:00 20:00 21:00 23:30")).await?;
    demo.turn(&mut lea, Act::Type(&t("demo-artist-message"))).await?;
    demo.turn(&mut lea, Act::Press("btn-send")).await?;

    // The venue that received it answers from its own account, in its own language.
    let artist_profile = store.profiles_of(account_of(&store, &lea).await?).await?;
    let first = artist_profile.first().context("Léa's profile was created")?;
    let proposal =
        store.proposals_of_profile(first.id).await?.into_iter().next().context("a proposal")?;
    let venue = store.profile(proposal.venue).await?;
    let owner = store.account(venue.owner).await?;
    let (identity, _) =
        store.identities(owner.id).await?.into_iter().next().context("the venue's identity")?;
    let mut programmer = Person {
        speaker: Speaker {
            identity,
            display_name: owner.display_name.clone(),
            lang: owner.lang,
            is_admin: false,
        },
        buttons: Vec::new(),
    };

    scene(&t("demo-scene-4"));
    clock.advance(Duration::hours(3));
    demo.turn(&mut programmer, Act::Open).await?;
    demo.turn(&mut programmer, Act::Press("btn-consent-yes")).await?;
    open_proposal(&mut demo, &mut programmer, proposal.id).await?;
    demo.turn(&mut programmer, Act::Press("btn-counter")).await?;
    demo.turn(&mut programmer, Act::Type("750")).await?;
    demo.turn(&mut programmer, Act::Press("deal-flat")).await?;
    demo.turn(&mut programmer, Act::Type("75")).await?;
    demo.turn(&mut programmer, Act::Press("btn-skip")).await?;
    let note = tr(programmer.lang(), "demo-venue-message", &[]);
    demo.turn(&mut programmer, Act::Type(&note)).await?;
    demo.turn(&mut programmer, Act::Press("btn-send")).await?;

    scene(&t("demo-scene-5"));
    clock.advance(Duration::hours(1));
    let counter = store
        .proposals_of_profile(first.id)
        .await?
        .into_iter()
        .find(|p| p.counter_of == Some(proposal.id))
        .context("the venue's counter-proposal")?;
    open_proposal(&mut demo, &mut lea, counter.id).await?;
    demo.turn(&mut lea, Act::Press("btn-accept")).await?;

    // The contract waits for what each side still owes it, asked in the chat.
    scene(&t("demo-scene-6"));
    let booking = store.all_bookings().await?.into_iter().next().context("the booking")?;
    let balance_due = (clock.today() + Duration::days(40)).format("%Y-%m-%d").to_string();
    let rules = Rules::default();
    let service = flowstage_core::booking::BookingService::new(store.clone(), rules);
    for (who, side) in [(&mut lea, ProfileKind::Artist), (&mut programmer, ProfileKind::Venue)] {
        let lang = who.lang();
        let w = |key: &str| tr(lang, key, &[]);
        demo.turn(who, Act::Notified("btn-contract-fill", Action::FillContract(booking.id)))
            .await?;
        for _ in 0..MissingField::ALL.len() {
            let readiness = service.contract_readiness(booking.id).await?;
            let ContractReadiness::Missing(missing) = readiness.side(side) else { break };
            let Some(&field) = missing.first() else { break };
            let answers: Vec<String> = match (field, side) {
                (MissingField::Legal(LegalField::LegalName), ProfileKind::Artist) => {
                    vec![w("demo-artist-legal-name")]
                }
                (MissingField::Legal(LegalField::LegalName), ProfileKind::Venue) => {
                    vec![format!("{} SAS", venue.details.name())]
                }
                (MissingField::Legal(LegalField::LegalForm), _) => vec!["SAS".into()],
                (MissingField::Legal(LegalField::HeadOffice), ProfileKind::Artist) => {
                    vec![w("demo-artist-office")]
                }
                (MissingField::Legal(LegalField::HeadOffice), ProfileKind::Venue) => {
                    vec![w("demo-venue-office")]
                }
                (MissingField::Legal(LegalField::Siret), ProfileKind::Artist) => {
                    vec!["732 829 320 00074".into()]
                }
                (MissingField::Legal(LegalField::Siret), ProfileKind::Venue) => {
                    vec!["356 000 000 52135".into()]
                }
                (MissingField::Legal(LegalField::Ape), _) => vec!["90.01Z".into()],
                (MissingField::Legal(LegalField::Vat), ProfileKind::Artist) => {
                    vec!["FR44732829320".into()]
                }
                (MissingField::Legal(LegalField::Vat), ProfileKind::Venue) => {
                    vec![w("cc-vat-none")]
                }
                (MissingField::Legal(LegalField::Licence), ProfileKind::Artist) => {
                    vec!["2 PLATESV-D-2024-000871".into()]
                }
                (MissingField::Legal(LegalField::Licence), ProfileKind::Venue) => {
                    vec![w("cc-licence-exempt")]
                }
                (MissingField::Legal(LegalField::Signatory), ProfileKind::Artist) => {
                    vec![w("demo-artist-signatory")]
                }
                (MissingField::Legal(LegalField::Signatory), ProfileKind::Venue) => {
                    vec![w("demo-venue-signatory")]
                }
                (MissingField::Lineup, _) => vec!["3 + 1".into()],
                (MissingField::TechnicalNeeds, _) => vec![w("demo-artist-needs")],
                (MissingField::StageNotes, _) => vec![w("demo-venue-stage")],
                (MissingField::Meal, _) => vec!["19:00".into()],
                (MissingField::Curfew, _) => vec!["01:00".into()],
                (MissingField::Costs, _) => {
                    vec![w("cc-included"), w("cc-provided"), w("cc-provided")]
                }
                (MissingField::Payment, _) => {
                    vec![w("cc-no-deposit"), balance_due.clone(), w("cc-transfer")]
                }
                (MissingField::Tickets, _) => vec!["15".into(), "12".into(), "8".into()],
                (MissingField::Drinks, _) => vec![w("btn-no")],
            };
            for answer in &answers {
                demo.turn(who, Act::Type(answer)).await?;
            }
        }
    }
    store.close().await;

    let path = printer
        .contract
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .context("the contract should have been delivered")?;
    scene(&t("demo-end"));
    println!("{}", tr(lang, "demo-contract", &[("path", path.display().to_string())]));
    Ok(path)
}

/// Opens a proposal from `/proposals`, as a person would.
async fn open_proposal(demo: &mut Demo, who: &mut Person, id: ProposalId) -> anyhow::Result<()> {
    demo.turn(who, Act::Type("/proposals")).await?;
    let label = format!("#{id}");
    demo.turn(who, Act::PressWhere("the proposal", &|l| l.starts_with(&label))).await?;
    Ok(())
}

async fn account_of(
    store: &Store,
    who: &Person,
) -> anyhow::Result<flowstage_core::domain::AccountId> {
    Ok(store
        .account_by_identity(&who.speaker.identity)
        .await?
        .context("the person has an account")?
        .id)
}
