//! Helpers for the end-to-end tests: the real `flowstage` binary, run in a temporary directory
//! with a clean environment, against real databases and fakes of the internet peers on loopback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: a failure is a failed test"
)]

pub mod discord_load;
pub mod fake_discord;
pub mod fake_stripe;
pub mod fake_telegram;
pub mod smtp;
pub mod step_load;
pub mod stripe_load;
pub mod telegram_load;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `flowstage` binary that `cargo test --workspace` built beside this test.
#[must_use]
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/flowstage
    let profile_dir = exe.parent().and_then(Path::parent).expect("target profile directory");
    let bin = profile_dir.join(format!("flowstage{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        bin.display()
    );
    bin
}

/// The `flowstage` binary beside the running program (a load run's binary in
/// `target/<profile>/`), or why it is not there.
pub fn binary_beside_this_program() -> Result<PathBuf, String> {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| {
            p.parent().map(|d| d.join(format!("flowstage{}", std::env::consts::EXE_SUFFIX)))
        })
        .unwrap_or_else(|| PathBuf::from("flowstage"));
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("{} is missing: run `cargo build -p flowstage` first", binary.display()))
    }
}

/// A working directory and environment for one run of the binary.
pub struct TestDir {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Default for TestDir {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDir {
    #[must_use]
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), env: Vec::new() }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite URL of a database file in this directory.
    #[must_use]
    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.path().join(name).display())
    }

    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A `flowstage` command in this directory with only the environment given here (plus PATH
    /// and HOME), so a developer's own variables or `.env` never leak into a test.
    #[must_use]
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.args(args).current_dir(self.path()).env_clear();
        for key in ["PATH", "HOME"] {
            if let Ok(v) = std::env::var(key) {
                cmd.env(key, v);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs to completion with `stdin` as standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write as _;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn flowstage");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("wait for flowstage")
    }
}

/// Standard output and error of a run, for assertion messages.
#[must_use]
pub fn transcript(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Gives a profile every contract detail its side owes (legal identity; line-up and technical
/// needs for an artist, stage notes for a venue), as the conversation would have stored them:
/// for end-to-end stories about something else than answering those questions.
pub async fn give_contract_details(
    store: &flowstage_core::store::Store,
    profile: flowstage_core::domain::ProfileId,
) {
    use flowstage_core::domain::legal::{
        ApeCode, LegalForm, LegalIdentity, Licence, LicenceCategory, Licensing, Signatory, Siret,
        VatNumber, VatStatus,
    };
    use flowstage_core::domain::profile::ProfileDetails;
    use flowstage_core::domain::terms::Lineup;
    use flowstage_core::domain::values::{LicenceNumber, LongText, Name, Text};
    let p = store.profile(profile).await.unwrap();
    let mut id = LegalIdentity::default();
    id.set_legal_name(Text::parse(&format!("{} SARL", p.details.name())).unwrap());
    id.set_form(LegalForm::Sarl);
    id.set_head_office(Text::parse("4 quai de la Tête d'Or, 69006 Lyon").unwrap());
    id.set_siret(Siret::parse("73282932000074").unwrap()).unwrap();
    id.set_ape(ApeCode::parse("90.01Z").unwrap());
    id.set_vat(VatStatus::Registered(VatNumber::parse("FR44732829320").unwrap())).unwrap();
    let number = LicenceNumber::parse("PLATESV-D-2024-000871").unwrap();
    id.set_licensing(
        Licensing::licensed(vec![Licence::new(LicenceCategory::Two, number).unwrap()]).unwrap(),
    );
    id.set_signatory(Signatory {
        name: Name::parse("Gaëlle Garçon").unwrap(),
        role: Text::parse("gérante").unwrap(),
    });
    store.save_legal_identity(profile, &id).await.unwrap();
    match &p.details {
        ProfileDetails::Artist(_) => {
            store.save_lineup(profile, Lineup::new(3, 1).unwrap()).await.unwrap();
            let needs = LongText::parse("Façade 2 × 1 kW, 4 retours, 12 entrées").unwrap();
            store.save_technical_needs(profile, Some(&needs)).await.unwrap();
        }
        ProfileDetails::Venue(v) => {
            let mut v = v.clone();
            v.stage_notes = Some(LongText::parse("Scène 6 × 4 m, console Yamaha QL1").unwrap());
            store.update_profile(profile, &ProfileDetails::Venue(v), &p.dates).await.unwrap();
        }
    }
}

/// Gives a proposal every term only the contract prints (meal, curfew, costs, payment,
/// tickets, drinks).
pub async fn give_contract_terms(
    store: &flowstage_core::store::Store,
    proposal: flowstage_core::domain::ProposalId,
) {
    use flowstage_core::domain::terms::{
        Cents, ContractTerms, Cost, Costs, Payment, PaymentMethod, TicketTerms,
    };
    let day = store.proposal(proposal).await.unwrap().terms.day;
    let terms = ContractTerms {
        meal: chrono::NaiveTime::from_hms_opt(19, 0, 0),
        curfew: chrono::NaiveTime::from_hms_opt(1, 0, 0),
        costs: Some(Costs {
            travel: Cost::Included,
            lodging: Cost::Provided { people: 4 },
            meals: Cost::Provided { people: 4 },
        }),
        payment: Some(Payment {
            deposit: None,
            balance_due: day,
            balance_method: PaymentMethod::BankTransfer,
        }),
        tickets: Some(TicketTerms {
            full_price: Cents::new(1_500).unwrap(),
            reduced_price: None,
            guest_list: 6,
        }),
        drinks_served: Some(false),
    };
    store.set_contract_terms(proposal, &terms).await.unwrap();
}

/// A proposal's terms for `day`: a flat fee of `fee` euros, a one-hour set, no message.
#[must_use]
pub fn flat_fee(day: chrono::NaiveDate, fee: &str) -> flowstage_core::domain::proposal::Terms {
    use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
    Terms {
        day,
        fee: flowstage_core::domain::values::Fee::parse(fee).unwrap(),
        deal: Deal::FlatFee,
        set_minutes: 60,
        times: ShowTimes::default(),
        message: None,
    }
}

/// An approved profile for the Telegram person `user`, made directly in the store: a rock artist
/// or a one-slot rock venue in Lyon, free on `day`.
pub async fn approved_profile(
    store: &flowstage_core::store::Store,
    user: i64,
    venue: bool,
    day: chrono::NaiveDate,
) -> (flowstage_core::domain::AccountId, flowstage_core::domain::ProfileId) {
    use flowstage_core::domain::Lang;
    use flowstage_core::domain::account::{Identity, Platform};
    use flowstage_core::domain::genre::GenreSet;
    use flowstage_core::domain::places::{City, Country};
    use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
    use flowstage_core::domain::values::{
        AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
    };
    let identity = Identity { platform: Platform::Telegram, external_id: user.to_string() };
    let owner = store.account_for_identity(&identity, "Kay", Lang::En).await.unwrap().0.id;
    let lyon = City::from_parts("Lyon", Country::France, 45.75, 4.85);
    let details = if venue {
        ProfileDetails::Venue(Venue {
            name: Name::parse(&format!("Venue {user}")).unwrap(),
            city: lyon,
            address: None,
            capacity: Capacity::parse("350").unwrap(),
            genres: GenreSet::parse("rock").unwrap(),
            budget: BudgetRange::parse("800-1500").unwrap(),
            licence: None,
            stage_notes: None,
            email: None,
            slots_per_date: 1,
        })
    } else {
        ProfileDetails::Artist(Artist {
            name: Name::parse(&format!("Band {user}")).unwrap(),
            genres: GenreSet::parse("rock").unwrap(),
            fee: Fee::parse("1000").unwrap(),
            negotiable: true,
            draw: AudienceRange::parse("100-400").unwrap(),
            city: lyon,
            radius: TravelRadius::parse("300").unwrap(),
            bio: None,
            links: Links::default(),
            email: None,
        })
    };
    let today = flowstage_core::clock::Clock::today(&flowstage_core::clock::SystemClock);
    let dates = DateSet::new(vec![day], today).unwrap();
    let p = store.create_profile(owner, &details, &dates, &ProfileStatus::Approved).await.unwrap();
    (owner, p.id)
}
