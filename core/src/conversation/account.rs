//! What a person does with their own account: `/profile` (show, edit, switch, add), `/settings`,
//! `/link`, `/support`, `/mydata` (GDPR export) and `/deleteme` (erasure), and the one-line typed
//! answers several flows wait for.

use chrono::Duration;
use rand::Rng;

use super::errors::Problem;
use super::errors::flow_to_store;
use super::payload::Action;
use super::reply::{Attachment, Reply, Span};
use super::state::{Mode, Prompt};
use super::turn::Turn;
use super::{Effect, calendar, prompts, show, wizard};
use crate::domain::profile::ProfileKind;
use crate::domain::values::Email;
use crate::domain::when::Zone;
use crate::domain::{Lang, ProfileId};
use crate::store::{CODES_PER_HOUR, CodeCheck, CodeSent, LinkError, Settings, StoreError};

/// `/profile`: the active profile, its status, and what can be done with it.
pub(crate) async fn profile(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let lang = turn.lang;
    let Some(p) = turn.active_profile().await? else {
        let r = turn.msg("need-profile", &[]).row(vec![
            turn.button("btn-role-artist", &Action::Add(ProfileKind::Artist)),
            turn.button("btn-role-venue", &Action::Add(ProfileKind::Venue)),
        ]);
        turn.push(r);
        return Ok(());
    };
    let mine = turn.store().profiles_of(turn.account()).await?;
    let mut r = Reply::new()
        .para(vec![Span::Bold(format!("{} (#{})", p.details.name(), p.id))])
        .para(vec![Span::Italic(show::status(lang, &p.status))])
        .list(show::profile_lines(lang, &p, turn.ctx.today()))
        .para(vec![Span::Italic(show::responsiveness(lang, turn.store(), p.id).await?)]);
    if let Some(edit) = turn.store().profile_edit(p.id).await? {
        // The approved version stays published until an admin reviews the edit.
        r = r
            .para(turn.s("profile-edit-waiting", &[]))
            .list(show::detail_lines(lang, &edit, &p.dates));
    }
    r = r
        .para(turn.s("profile-calendar", &[]))
        .list(calendar::lines(turn.store(), turn.ctx.rules, lang, p.id).await?)
        .row(vec![
            turn.button("btn-edit-profile", &Action::EditProfile(p.id)),
            turn.button("btn-contract-details", &Action::ContractDetails(p.id)),
        ]);
    let others: Vec<_> = mine
        .iter()
        .filter(|o| o.id != p.id)
        .map(|o| {
            turn.button_text(
                turn.ta("btn-switch", &[("name", o.details.name().to_string())]),
                &Action::Switch(o.id),
            )
        })
        .collect();
    r = r.grid(others, 2);
    let add = if p.kind() == ProfileKind::Artist { "btn-add-artist" } else { "btn-add-venue" };
    r = r.row(vec![turn.button(add, &Action::Add(p.kind()))]);
    turn.push(r);
    Ok(())
}

pub(crate) async fn edit_profile(turn: &mut Turn<'_>, id: ProfileId) -> Result<(), StoreError> {
    let mine = turn.store().profiles_of(turn.account()).await?;
    match mine.iter().find(|p| p.id == id) {
        Some(p) => {
            turn.state.active = Some(p.id);
            wizard::begin(turn, p.kind(), Some(p))
        }
        None => {
            turn.say("profile-not-yours", &[]);
            Ok(())
        }
    }
}

pub(crate) async fn switch(turn: &mut Turn<'_>, id: ProfileId) -> Result<(), StoreError> {
    let mine = turn.store().profiles_of(turn.account()).await?;
    if mine.iter().any(|p| p.id == id) {
        turn.state.active = Some(id);
        profile(turn).await
    } else {
        turn.say("profile-not-yours", &[]);
        Ok(())
    }
}

fn settings_of(turn: &Turn<'_>) -> Settings {
    let a = turn.ctx.account;
    Settings {
        lang: turn.lang,
        email_alerts: a.email_alerts,
        alert_threshold: a.alert_threshold,
        contact_email: a.contact_email.clone(),
    }
}

/// `/settings`.
pub(crate) async fn settings(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let s = settings_of(turn);
    show_settings(turn, &s).await
}

async fn show_settings(turn: &mut Turn<'_>, s: &Settings) -> Result<(), StoreError> {
    let on_off = |b: bool| turn.t(if b { "on" } else { "off" });
    let verified = turn.store().account(turn.account()).await?.email_verified;
    let email = match &s.contact_email {
        None => "—".to_owned(),
        Some(e) if verified || !turn.ctx.email => e.to_string(),
        Some(e) => turn.ta("email-unverified", &[("address", e.to_string())]),
    };
    let r = turn
        .msg(
            "settings",
            &[
                ("lang", turn.t(&format!("lang-{}", s.lang.code()))),
                ("alerts", on_off(s.email_alerts)),
                ("threshold", s.alert_threshold.to_string()),
                ("email", email),
            ],
        )
        .row(vec![
            turn.button_text("Français", &Action::Lang(Lang::Fr)),
            turn.button_text("English", &Action::Lang(Lang::En)),
        ])
        .row(vec![
            turn.button("btn-alerts", &Action::ToggleAlerts),
            turn.button("btn-threshold", &Action::AskThreshold),
            turn.button("btn-email", &Action::AskEmail),
        ]);
    let mut r = r
        .para(turn.s("settings-zone", &[("zone", turn.zone.to_string())]))
        .row(vec![turn.button("btn-zone", &Action::AskZone)]);
    // Each profile's calendar feed, with a way to replace a link that leaked.
    for p in turn.store().profiles_of(turn.account()).await? {
        let name = p.details.name().to_string();
        r = r
            .para(turn.s("settings-calendar", &[("name", name.clone())]))
            .list(calendar::lines(turn.store(), turn.ctx.rules, turn.lang, p.id).await?);
        if turn.ctx.rules.public_base_url.is_some() {
            r = r.row(vec![turn.button_text(
                turn.ta("btn-renew-calendar", &[("name", name)]),
                &Action::RenewCalendar(p.id),
            )]);
        }
    }
    turn.push(r);
    Ok(())
}

async fn save_settings(turn: &mut Turn<'_>, s: &Settings) -> Result<(), StoreError> {
    turn.store().update_settings(turn.account(), s).await?;
    turn.lang = s.lang;
    turn.say("settings-saved", &[]);
    show_settings(turn, s).await
}

/// Settings buttons act at once, whatever screen they were on.
pub(crate) async fn settings_action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    // The account may have changed since the step began (another button): read it fresh.
    let a = turn.store().account(turn.account()).await?;
    let mut s = Settings {
        lang: a.lang,
        email_alerts: a.email_alerts,
        alert_threshold: a.alert_threshold,
        contact_email: a.contact_email,
    };
    match action {
        Action::Lang(l) => s.lang = l,
        Action::ToggleAlerts => s.email_alerts = !s.email_alerts,
        Action::AskThreshold => {
            turn.state.mode = Mode::Await(Prompt::Threshold);
            prompts::ask(turn, &Prompt::Threshold);
            return Ok(());
        }
        Action::AskEmail => {
            turn.state.mode = Mode::Await(Prompt::Email);
            prompts::ask(turn, &Prompt::Email);
            return Ok(());
        }
        _ => return Ok(()),
    }
    save_settings(turn, &s).await
}

/// `/link` makes a code; `/link CODE` joins this identity to the account that made it.
pub(crate) async fn link(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let code = args.trim().to_uppercase();
    if code.is_empty() {
        let code = new_code();
        let expires = turn.ctx.now + Duration::minutes(15);
        turn.store().create_link_code(turn.account(), &code, expires).await?;
        turn.say("link-code", &[("code", code)]);
        return Ok(());
    }
    match turn.store().redeem_link_code(&code, &turn.ctx.speaker.identity).await {
        Ok(_) => {
            // The account consented where the code was made.
            turn.state.consented = true;
            turn.say("link-done", &[]);
        }
        Err(LinkError::UnknownOrExpired) => turn.say("link-unknown", &[]),
        Err(LinkError::AlreadyLinked) => turn.say("link-already", &[]),
        Err(LinkError::Store(e)) => return Err(e),
    }
    Ok(())
}

/// Eight characters without look-alikes (no 0/O, 1/I).
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..8).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

/// `/mydata`: everything personal, as a JSON file.
pub(crate) async fn mydata(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let data = turn.store().export_account(turn.account()).await?;
    let bytes = serde_json::to_vec_pretty(&data)
        .map_err(|e| StoreError::Corrupt { what: "export", detail: e.to_string() })?;
    let r = turn.msg("mydata", &[]).attach(Attachment {
        file_name: format!("flowstage-data-{}.json", turn.account()),
        mime_type: "application/json".to_owned(),
        bytes,
    });
    turn.push(r);
    Ok(())
}

/// `/deleteme`: asks first, naming the confirmed bookings still to come, which erasure cancels.
pub(crate) async fn confirm_erase(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let upcoming = upcoming_bookings(turn).await?;
    let mut r = turn.msg("erase-confirm", &[]);
    if !upcoming.is_empty() {
        let key = crate::conversation::i18n::counted(turn.lang, "erase-bookings", upcoming.len());
        r = r.para(turn.s(&key, &[("count", upcoming.len().to_string())]));
        let mut lines = Vec::with_capacity(upcoming.len());
        for b in &upcoming {
            lines.push(show::booking_line(turn, b).await?);
        }
        r = r.list(lines);
        r = r.para(turn.s("erase-bookings-cancelled", &[]));
    }
    let r = r.row(vec![
        turn.button("btn-erase-yes", &Action::Yes),
        turn.button("btn-erase-no", &Action::No),
    ]);
    turn.push(r);
    Ok(())
}

/// The confirmed bookings of the person's profiles from today on, by date.
async fn upcoming_bookings(
    turn: &Turn<'_>,
) -> Result<Vec<crate::domain::proposal::Booking>, StoreError> {
    let today = turn.ctx.today();
    let mut all = Vec::new();
    for p in turn.store().profiles_of(turn.account()).await? {
        for b in turn.store().bookings_of_profile(p.id).await? {
            if b.day >= today
                && !all.iter().any(|x: &crate::domain::proposal::Booking| x.id == b.id)
            {
                all.push(b);
            }
        }
    }
    all.sort_by_key(|b| (b.day, b.id));
    Ok(all)
}

pub(crate) async fn erase(turn: &mut Turn<'_>, yes: bool) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    if !yes {
        turn.say("erase-kept", &[]);
        return Ok(());
    }
    // Bookings to come are cancelled, and open proposals closed, first: the other side is told
    // while the names still stand (docs/product-rules.md §6).
    let service = turn.bookings();
    let reason = crate::conversation::i18n::tr(turn.lang, "erase-cancel-reason", &[]);
    let mut cancelled = 0;
    for b in upcoming_bookings(turn).await? {
        match service.cancel_booking(turn.account(), b.id, &reason).await {
            Ok(_) => cancelled += 1,
            Err(crate::booking::BookingFlowError::BookingCancelled) => {}
            Err(e) => return Err(flow_to_store(e)),
        }
    }
    for p in turn.store().profiles_of(turn.account()).await? {
        service.close_for_profile(p.id).await.map_err(flow_to_store)?;
    }
    turn.store().erase_account(turn.account()).await?;
    turn.state = super::State::default();
    turn.effects.push(Effect::AccountErased);
    if cancelled > 0 {
        let key = crate::conversation::i18n::counted(turn.lang, "erased-bookings", cancelled);
        turn.say(&key, &[("count", cancelled.to_string())]);
    }
    turn.say("erased", &[]);
    Ok(())
}

/// `/settings` → alert threshold: a percentage.
pub(crate) async fn set_threshold(
    turn: &mut Turn<'_>,
    prompt: &Prompt,
    t: &str,
) -> Result<(), StoreError> {
    match t.trim_end_matches('%').trim().parse::<u8>() {
        Ok(n) if n <= 100 => {
            turn.state.mode = Mode::Idle;
            let s = Settings { alert_threshold: n, ..settings_of(turn) };
            save_settings(turn, &s).await
        }
        _ => {
            prompts::problem(turn, prompt, &Problem::Threshold);
            Ok(())
        }
    }
}

/// `/settings` → email: an address, or none (Skip).
pub(crate) async fn set_email(
    turn: &mut Turn<'_>,
    prompt: &Prompt,
    t: Option<&str>,
) -> Result<(), StoreError> {
    let email = match t.map(Email::parse).transpose() {
        Ok(e) => e,
        Err(e) => {
            prompts::problem(turn, prompt, &Problem::Email(e));
            return Ok(());
        }
    };
    turn.state.mode = Mode::Idle;
    let before = turn.ctx.account;
    let unchanged = before.contact_email == email && before.email_verified;
    let s = Settings { contact_email: email.clone(), ..settings_of(turn) };
    let Some(email) = email.filter(|_| turn.ctx.email && !unchanged) else {
        return save_settings(turn, &s).await;
    };
    // A new address is used only once the code sent to it comes back.
    turn.store().update_settings(turn.account(), &s).await?;
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    match turn.store().send_email_code(turn.account(), &email, &code, turn.lang).await? {
        CodeSent::Sent => {
            turn.say("email-code-sent", &[("address", email.to_string())]);
            turn.state.mode = Mode::Await(Prompt::EmailCode);
        }
        CodeSent::TooMany => {
            turn.say("email-code-too-many", &[("count", CODES_PER_HOUR.to_string())]);
        }
    }
    Ok(())
}

/// The code emailed to verify an address, typed back.
pub(crate) async fn check_email_code(turn: &mut Turn<'_>, t: &str) -> Result<(), StoreError> {
    match turn.store().check_email_code(turn.account(), t).await? {
        CodeCheck::Verified(address) => {
            turn.state.mode = Mode::Idle;
            turn.say("email-verified", &[("address", address)]);
        }
        CodeCheck::Wrong { tries_left } => {
            turn.say("email-code-wrong", &[("left", tries_left.to_string())]);
        }
        CodeCheck::Expired => {
            turn.state.mode = Mode::Idle;
            turn.say("email-code-expired", &[]);
        }
        CodeCheck::TooManyTries => {
            turn.state.mode = Mode::Idle;
            turn.say("email-code-void", &[]);
        }
        CodeCheck::NoneWaiting => {
            turn.state.mode = Mode::Idle;
            turn.say("email-code-none", &[]);
        }
    }
    Ok(())
}

/// `/settings` → time zone: an IANA name; every moment is then written in its time.
pub(crate) async fn set_zone(
    turn: &mut Turn<'_>,
    prompt: &Prompt,
    t: &str,
) -> Result<(), StoreError> {
    let Ok(zone) = Zone::parse(t) else {
        prompts::problem(turn, prompt, &Problem::Zone);
        return Ok(());
    };
    turn.state.mode = Mode::Idle;
    turn.store().set_time_zone(turn.account(), zone).await?;
    turn.zone = zone;
    let s = settings_of(turn);
    turn.say("settings-saved", &[]);
    show_settings(turn, &s).await
}

/// `/settings` → a new calendar link for one profile: asked first (`now` false), since every
/// calendar subscribed to the old link stops updating.
pub(crate) async fn renew_calendar(
    turn: &mut Turn<'_>,
    id: ProfileId,
    now: bool,
) -> Result<(), StoreError> {
    let mine = turn.store().profiles_of(turn.account()).await?;
    let Some(p) = mine.iter().find(|p| p.id == id) else {
        turn.say("profile-not-yours", &[]);
        return Ok(());
    };
    let name = p.details.name().to_string();
    if !now {
        let r = turn.msg("calendar-renew-confirm", &[("name", name)]).row(vec![
            turn.button("btn-renew-yes", &Action::RenewCalendarNow(id)),
            turn.button("btn-cancel", &Action::Command("settings")),
        ]);
        turn.push(r);
        return Ok(());
    }
    turn.store().renew_calendar_token(id).await?;
    turn.store()
        .audit(
            Some(turn.account()),
            "calendar.renewed",
            &format!("profile:{id}"),
            &serde_json::json!({}),
        )
        .await?;
    let lines = calendar::lines(turn.store(), turn.ctx.rules, turn.lang, id).await?;
    let r = turn.msg("calendar-renewed", &[("name", name)]).list(lines);
    turn.push(r);
    Ok(())
}
