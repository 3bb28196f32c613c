//! `flowstage demo`: the seed's scripted demo journey ("scénario de démo : parcours utilisateur
//! scripté") on a fresh SQLite database — an artist creates a profile, an admin approves it, the
//! artist finds venues and proposes, the venue counters, the artist accepts, the contract is
//! generated — printed as the two people would see it, ending with the contract PDF's path.
//!
//! It drives the booking service and the matching index directly (the same calls the chat
//! conversations make), and prints every notification the outbox would deliver to each person.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{Datelike, Duration, NaiveTime, Timelike, Weekday};
use flowstage_core::booking::{BookingService, response_stats};
use flowstage_core::clock::{Clock, ManualClock, SystemClock};
use flowstage_core::config::Rules;
use flowstage_core::contract::Contract;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus};
use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
use flowstage_core::domain::values::{
    AudienceRange, DateSet, Fee, Links, LongText, Name, TravelRadius,
};
use flowstage_core::domain::{Lang, ProfileId};
use flowstage_core::matching::{Candidate, MatchIndex, Query, Reason, Weights};
use flowstage_core::notify::{Event, decode};
use flowstage_core::store::Store;

use crate::LangArg;

/// Picks the French or the English wording.
fn t(lang: Lang, fr: &str, en: &str) -> String {
    match lang {
        Lang::Fr => fr.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn time(h: u32, m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, 0)
}

/// Prints who says what, and delivers the outbox as the front-ends would.
struct Transcript {
    store: Store,
    lang: Lang,
}

impl Transcript {
    fn says(&self, who: &str, text: &str) {
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                println!("  {who:<28} │ {line}");
            } else {
                println!("  {:<28} │ {line}", "");
            }
        }
    }

    fn scene(&self, title: &str) {
        println!("\n── {title} {}", "─".repeat(70usize.saturating_sub(title.chars().count())));
    }

    /// Delivers every queued notification, each to its person, in their words.
    async fn deliver(&self) -> anyhow::Result<()> {
        let items = self.store.claim_outbox(100, Duration::minutes(5)).await?;
        for item in items {
            let to = self.store.account(item.account).await?;
            let text = match decode(&item.payload) {
                Some(event) => self.describe(&event),
                None => item.payload.clone(),
            };
            self.says(&format!("  ↳ {}", to.display_name), &text);
            self.store.mark_sent(item.id).await?;
        }
        Ok(())
    }

    fn describe(&self, event: &Event) -> String {
        let l = self.lang;
        match event {
            Event::ProfileApproved { name, .. } => match l {
                Lang::Fr => {
                    format!("Votre profil « {name} » est validé : il est visible des lieux.")
                }
                Lang::En => format!("Your profile “{name}” is approved: venues can see it."),
            },
            Event::ProposalReceived { from_name, day, fee_euros, .. } => match l {
                Lang::Fr => format!(
                    "Nouvelle proposition de {from_name} pour le {} : {fee_euros} € HT.\n[Accepter] [Refuser] [Contre-proposer] [Poser une option]",
                    day.format("%d/%m/%Y")
                ),
                Lang::En => format!(
                    "New proposal from {from_name} for {}: €{fee_euros} excl. VAT.\n[Accept] [Refuse] [Counter] [Hold]",
                    day.format("%Y-%m-%d")
                ),
            },
            Event::ProposalCountered { by_name, day, fee_euros, .. } => match l {
                Lang::Fr => format!(
                    "{by_name} contre-propose pour le {} : {fee_euros} € HT.\n[Accepter] [Refuser] [Contre-proposer]",
                    day.format("%d/%m/%Y")
                ),
                Lang::En => format!(
                    "{by_name} counters for {}: €{fee_euros} excl. VAT.\n[Accept] [Refuse] [Counter]",
                    day.format("%Y-%m-%d")
                ),
            },
            Event::ThreadMessage { from_name, body, .. } => format!("💬 {from_name} : « {body} »"),
            Event::ProposalAccepted { by_name, day, .. } => match l {
                Lang::Fr => format!(
                    "{by_name} accepte : c'est signé pour le {} ! Réservation confirmée.",
                    day.format("%d/%m/%Y")
                ),
                Lang::En => format!(
                    "{by_name} accepts: you're booked on {}! Booking confirmed.",
                    day.format("%Y-%m-%d")
                ),
            },
            Event::ContractReady { sha256, .. } => match l {
                Lang::Fr => format!(
                    "📄 Votre contrat est prêt (PDF joint, à imprimer et signer).\nEmpreinte SHA-256 : {}…",
                    &sha256[..16.min(sha256.len())]
                ),
                Lang::En => format!(
                    "📄 Your contract is ready (PDF attached, to print and sign).\nSHA-256: {}…",
                    &sha256[..16.min(sha256.len())]
                ),
            },
            Event::ProposalClosed { day, .. } => match l {
                Lang::Fr => format!(
                    "Une proposition pour le {} est close : la date est prise.",
                    day.format("%d/%m/%Y")
                ),
                Lang::En => format!("A proposal for {day} is closed: the date is taken."),
            },
            other => format!("{other:?}"),
        }
    }
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
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let store =
        Store::connect(&url, Arc::new(clock.clone())).await.context("opening the demo database")?;
    store.migrate().await.context("applying migrations")?;
    flowstage_core::demo::seed(&store).await.context("loading the demo data")?;
    let booking = BookingService::new(store.clone(), Rules::default());
    let tr = Transcript { store: store.clone(), lang };
    let today = clock.today();

    println!("Flow Stage — {}", t(lang, "démo du parcours de réservation", "booking journey demo"));
    println!("{} {}", t(lang, "Base de données :", "Database:"), dir.join("demo.db").display());

    // 1. The artist creates a profile.
    let lea = "Léa (artiste)";
    tr.scene(&t(lang, "1. Léa crée son profil d'artiste", "1. Léa creates her artist profile"));
    let (account, _) = store
        .account_for_identity(&Identity::new(Platform::Local, "demo-lea"), "Léa", lang)
        .await?;
    let fridays_saturdays = today
        .iter_days()
        .skip(14)
        .take(90)
        .filter(|d| matches!(d.weekday(), Weekday::Fri | Weekday::Sat));
    let details = ProfileDetails::Artist(Artist {
        name: Name::parse("Léa & les Ondes")?,
        genres: GenreSet::parse("chanson, french-pop")?,
        fee: Fee::parse("900")?,
        negotiable: true,
        draw: AudienceRange::parse("100-400")?,
        city: City::from_parts("Lyon", Country::France, 45.764, 4.8357),
        radius: TravelRadius::parse("300")?,
        bio: Some(LongText::parse("Chanson pop à trois voix, guitare, claviers et batterie.")?),
        links: Links::parse("https://lea-les-ondes.example.fr")?,
        email: None,
    });
    tr.says(lea, "/profile");
    tr.says(
        lea,
        &t(
            lang,
            "Léa & les Ondes — chanson, pop française — 900 € (négociable) — 100 à 400 personnes — Lyon, 300 km — libres les vendredis et samedis",
            "Léa & les Ondes — chanson, French pop — €900 (negotiable) — 100 to 400 people — Lyon, 300 km — free on Fridays and Saturdays",
        ),
    );
    let dates = DateSet::new(fridays_saturdays, today)?;
    let profile =
        store.create_profile(account.id, &details, &dates, &ProfileStatus::Pending).await?;
    tr.says(
        "Flow Stage",
        &t(
            lang,
            "Profil enregistré, en attente de validation par l'équipe.",
            "Profile saved, waiting for the team's review.",
        ),
    );

    // 2. An admin approves it.
    tr.scene(&t(lang, "2. Un administrateur valide le profil", "2. An admin approves the profile"));
    tr.says("Admin", "/pending");
    tr.says(
        "Flow Stage",
        &format!("1. Léa & les Ondes ({}) [✓] [✗]", t(lang, "artiste", "artist")),
    );
    tr.says("Admin", "/approve 1");
    store.set_profile_status(profile.id, &ProfileStatus::Approved, None).await?;
    store
        .notify(
            account.id,
            &Event::ProfileApproved { profile: profile.id, name: "Léa & les Ondes".into() },
            &format!("profile:{}:approved", profile.id),
        )
        .await?;
    tr.deliver().await?;

    // 3. The artist finds venues.
    tr.scene(&t(lang, "3. Léa cherche des lieux", "3. Léa looks for venues"));
    tr.says(lea, "/match");
    let profile = store.profile(profile.id).await?;
    let mut index = MatchIndex::new(Weights::default());
    for p in store.approved_profiles(ProfileId(0)).await? {
        index.upsert(&Candidate::from(&p));
    }
    let results = index.search(&Query::new(Candidate::from(&profile), today).page(0, 3));
    let mut chosen = None;
    for (i, m) in results.iter().enumerate() {
        let venue = store.profile(m.profile).await?;
        let stats = response_stats(&store, venue.id).await?;
        let reasons: Vec<String> = m
            .breakdown
            .iter()
            .map(|c| format!("{} {}/{}", c.criterion.key(), c.points, c.max))
            .collect();
        let rate = stats.rate_percent.map_or_else(
            || t(lang, "pas encore de réponses", "no answers yet"),
            |r| format!("{r} %"),
        );
        tr.says(
            "Flow Stage",
            &format!(
                "{}. {} ({}) — {}/100\n   {}\n   {} {rate}",
                i + 1,
                venue.details.name().as_str(),
                venue.details.city().name(),
                m.score,
                reasons.join(" · "),
                t(lang, "taux de réponse :", "response rate:"),
            ),
        );
        let first_shared = m.breakdown.iter().find_map(|c| match c.reason {
            Reason::Date { first_shared, .. } => first_shared,
            _ => None,
        });
        if chosen.is_none()
            && let Some(day) = first_shared
        {
            chosen = Some((venue, day));
        }
    }
    let (venue, day) =
        chosen.context("the demo data should offer a venue free on one of Léa's dates")?;
    let venue_name = venue.details.name().as_str().to_owned();
    let venue_who = format!("{venue_name} ({})", t(lang, "lieu", "venue"));

    // 4. The artist proposes.
    tr.scene(&t(lang, "4. Léa propose une date", "4. Léa proposes a date"));
    let terms = Terms {
        day,
        fee: Fee::parse("900")?,
        deal: Deal::FlatFee,
        set_minutes: 75,
        times: ShowTimes {
            load_in: time(17, 0),
            soundcheck: time(18, 0),
            doors: time(20, 0),
            set_start: time(21, 0),
            curfew: time(23, 30),
        },
        message: Some(t(
            lang,
            "Bonjour ! Nous serions ravis de jouer chez vous.",
            "Hello! We would love to play at your place.",
        )),
    };
    tr.says(
        lea,
        &format!(
            "[{}] {venue_name}, {} — 900 € HT, {} 75 min",
            t(lang, "Proposer", "Propose"),
            day.format("%d/%m/%Y"),
            t(lang, "cession, set de", "flat fee, set of"),
        ),
    );
    let proposal = booking.propose(account.id, profile.id, venue.id, terms.clone()).await?;
    tr.says("Flow Stage", &t(lang, "Proposition envoyée.", "Proposal sent."));
    tr.deliver().await?;

    // 5. The venue counters, three hours later.
    clock.advance(Duration::hours(3));
    tr.scene(&t(lang, "5. Le lieu contre-propose", "5. The venue counters"));
    let note = t(
        lang,
        "Notre budget est de 750 € pour ce créneau ; le repas est offert.",
        "Our budget is €750 for this slot; dinner is on us.",
    );
    tr.says(&venue_who, &note);
    booking.message(proposal.id, venue.owner, &note).await?;
    tr.says(&venue_who, &format!("[{}] 750 € HT", t(lang, "Contre-proposer", "Counter")));
    let counter = booking
        .counter(venue.owner, proposal.id, Terms { fee: Fee::parse("750")?, ..terms })
        .await?;
    tr.deliver().await?;

    // 6. The artist accepts, an hour later: the booking is confirmed and the contract generated.
    clock.advance(Duration::hours(1));
    tr.scene(&t(
        lang,
        "6. Léa accepte : réservation et contrat",
        "6. Léa accepts: booking and contract",
    ));
    tr.says(lea, &format!("[{}]", t(lang, "Accepter", "Accept")));
    let accepted = booking.accept(account.id, counter.id).await?;
    tr.deliver().await?;

    let (input, contract) = booking.contract(accepted.booking.id, None).await?;
    let path = dir.join(Contract::file_name(&input));
    std::fs::write(&path, &contract.bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    store.close().await;

    tr.scene(&t(lang, "Fin", "The end"));
    println!(
        "{} {} ({} {}, {} octets)",
        t(lang, "Réservation n°", "Booking #"),
        accepted.booking.id,
        t(lang, "contrat", "contract"),
        input.reference,
        contract.bytes.len()
    );
    println!("{} {}", t(lang, "Contrat PDF :", "Contract PDF:"), path.display());
    Ok(path)
}
