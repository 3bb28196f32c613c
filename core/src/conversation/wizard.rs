//! The profile wizards (artist, venue): one question at a time, validation at each answer with
//! the answers kept, Back and Cancel everywhere, a summary with an Edit button per field, and
//! submission for review. Editing a stored profile reuses the same questions from its summary.

use super::errors::{Problem, message};
use super::payload::{Action, Field};
use super::reply::{Reply, Span};
use super::show;
use super::state::{Draft, Mode, Wizard};
use super::turn::{Turn, idle_help};
use crate::domain::account::Platform;
use crate::domain::genre::{GenreId, GenreSet};
use crate::domain::places::City;
use crate::domain::profile::{Artist, Profile, ProfileDetails, ProfileKind, ProfileStatus, Venue};
use crate::domain::values::{
    Address, AudienceRange, BudgetRange, Capacity, DateSet, Email, Fee, LicenceNumber, Links,
    LongText, Name, TravelRadius,
};
use crate::store::StoreError;

const ARTIST: &[Field] = &[
    Field::Name,
    Field::Genres,
    Field::Fee,
    Field::Negotiable,
    Field::Draw,
    Field::City,
    Field::Radius,
    Field::Dates,
    Field::Bio,
    Field::Links,
    Field::Email,
];

const VENUE: &[Field] = &[
    Field::Name,
    Field::City,
    Field::Address,
    Field::Capacity,
    Field::Genres,
    Field::Budget,
    Field::Dates,
    Field::Licence,
    Field::StageNotes,
    Field::Email,
];

/// The questions of a wizard, in order.
#[must_use]
pub fn fields(kind: ProfileKind) -> &'static [Field] {
    match kind {
        ProfileKind::Artist => ARTIST,
        ProfileKind::Venue => VENUE,
    }
}

fn optional(f: Field) -> bool {
    matches!(
        f,
        Field::Bio
            | Field::Links
            | Field::Email
            | Field::Address
            | Field::Licence
            | Field::StageNotes
    )
}

fn wiz<'a>(turn: &'a mut Turn<'_>) -> Option<&'a mut Wizard> {
    match &mut turn.state.mode {
        Mode::Wizard(w) => Some(w),
        _ => None,
    }
}

/// Starts a wizard: empty for a new profile, filled (at its summary) to edit a stored one.
pub(crate) fn begin(
    turn: &mut Turn<'_>,
    kind: ProfileKind,
    editing: Option<&Profile>,
) -> Result<(), StoreError> {
    let (draft, question) = match editing {
        Some(p) => (draft_of(p), None),
        None => (Draft::default(), Some(fields(kind)[0])),
    };
    let picking = draft.genres.as_ref().map(|g| g.ids().to_vec()).unwrap_or_default();
    turn.state.mode = Mode::Wizard(Box::new(Wizard {
        kind,
        editing: editing.map(|p| p.id),
        question,
        from_summary: false,
        draft,
        picking,
        family: None,
    }));
    if editing.is_none() {
        let key = match kind {
            ProfileKind::Artist => "wizard-intro-artist",
            ProfileKind::Venue => "wizard-intro-venue",
        };
        turn.say(key, &[]);
    }
    ask(turn)
}

fn draft_of(p: &Profile) -> Draft {
    let mut d =
        Draft { dates: Some(p.dates.clone()), seen: Field::ALL.to_vec(), ..Draft::default() };
    match &p.details {
        ProfileDetails::Artist(a) => {
            d.name = Some(a.name.clone());
            d.genres = Some(a.genres.clone());
            d.fee = Some(a.fee);
            d.negotiable = Some(a.negotiable);
            d.draw = Some(a.draw);
            d.city = Some(a.city.clone());
            d.radius = Some(a.radius);
            d.bio = a.bio.clone();
            d.links = Some(a.links.clone());
            d.email = a.email.clone();
        }
        ProfileDetails::Venue(v) => {
            d.name = Some(v.name.clone());
            d.city = Some(v.city.clone());
            d.address = v.address.clone();
            d.capacity = Some(v.capacity);
            d.genres = Some(v.genres.clone());
            d.budget = Some(v.budget);
            d.licence = v.licence.clone();
            d.stage_notes = v.stage_notes.clone();
            d.email = v.email.clone();
            d.slots = Some(v.slots_per_date);
        }
    }
    d
}

/// The finished profile, if every required answer is there.
fn complete(kind: ProfileKind, d: &Draft) -> Option<(ProfileDetails, DateSet)> {
    let details = match kind {
        ProfileKind::Artist => ProfileDetails::Artist(Artist {
            name: d.name.clone()?,
            genres: d.genres.clone()?,
            fee: d.fee?,
            negotiable: d.negotiable?,
            draw: d.draw?,
            city: d.city.clone()?,
            radius: d.radius?,
            bio: d.bio.clone(),
            links: d.links.clone().unwrap_or_default(),
            email: d.email.clone(),
        }),
        ProfileKind::Venue => ProfileDetails::Venue(Venue {
            name: d.name.clone()?,
            city: d.city.clone()?,
            address: d.address.clone(),
            capacity: d.capacity?,
            genres: d.genres.clone()?,
            budget: d.budget?,
            licence: d.licence.clone(),
            stage_notes: d.stage_notes.clone(),
            email: d.email.clone(),
            slots_per_date: d.slots.unwrap_or(1),
        }),
    };
    Some((details, d.dates.clone()?))
}

/// Asks the current question (or shows the summary), with its buttons.
pub(crate) fn ask(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Some(w) = wiz(turn).map(|w| w.clone()) else { return Ok(()) };
    let Some(field) = w.question else {
        summary(turn, &w);
        return Ok(());
    };
    let position = fields(w.kind).iter().position(|f| *f == field).map_or(0, |i| i + 1);
    let total = fields(w.kind).len();
    let key = format!("q-{}-{}", w.kind.as_str(), field.code());
    let mut r = Reply::new().para(vec![Span::Italic(
        turn.ta("wizard-progress", &[("n", position.to_string()), ("total", total.to_string())]),
    )]);
    r = r.para(turn.s(&key, &[]));
    if let Some(current) = current_value(turn, &w, field) {
        r = r.para(vec![Span::Italic(turn.ta("wizard-current", &[("value", current)]))]);
    }
    match field {
        Field::Genres => {
            r = genre_picker(turn, &w, r);
        }
        Field::Negotiable => {
            r = r.row(vec![
                turn.button("btn-yes", &Action::Yes),
                turn.button("btn-no", &Action::No),
            ]);
        }
        _ if optional(field) => {
            r = r.row(vec![turn.button("btn-skip", &Action::Skip)]);
        }
        _ => {}
    }
    r = r.row(turn.back_cancel());
    if field == Field::City {
        r = r.accepting_location();
    }
    turn.push(r);
    Ok(())
}

fn current_value(turn: &Turn<'_>, w: &Wizard, field: Field) -> Option<String> {
    let d = &w.draft;
    let lang = turn.lang;
    Some(match field {
        Field::Name => d.name.as_ref()?.to_string(),
        Field::Genres => show::genres(lang, d.genres.as_ref()?),
        Field::Fee => d.fee?.to_string(),
        Field::Negotiable => turn.t(if d.negotiable? { "btn-yes" } else { "btn-no" }),
        Field::Draw => d.draw?.to_string(),
        Field::City => d.city.as_ref()?.name().to_owned(),
        Field::Radius => format!("{} km", d.radius?.km()),
        Field::Dates => show::dates(lang, d.dates.as_ref()?),
        Field::Bio => d.bio.as_ref()?.to_string(),
        Field::Links => {
            let l = d.links.as_ref()?;
            if l.as_slice().is_empty() {
                return None;
            }
            l.as_slice().join(" ")
        }
        Field::Email => d.email.as_ref()?.to_string(),
        Field::Address => d.address.as_ref()?.to_string(),
        Field::Capacity => d.capacity?.to_string(),
        Field::Budget => d.budget?.to_string(),
        Field::Licence => d.licence.as_ref()?.to_string(),
        Field::StageNotes => d.stage_notes.as_ref()?.to_string(),
    })
}

fn genre_picker(turn: &Turn<'_>, w: &Wizard, mut r: Reply) -> Reply {
    let lang = turn.lang;
    if !w.picking.is_empty() {
        let names: Vec<&str> = w.picking.iter().map(|g| g.name(lang)).collect();
        r = r.para(vec![Span::Bold(turn.ta("genres-picked", &[("genres", names.join(", "))]))]);
    }
    let tick = |g: GenreId| {
        let mark = if w.picking.contains(&g) { "✓ " } else { "" };
        turn.button_text(format!("{mark}{}", g.name(lang)), &Action::GenreToggle(g))
    };
    match w.family {
        None => {
            let families: Vec<_> = GenreId::families()
                .map(|g| turn.button_text(format!("{} ›", g.name(lang)), &Action::GenreFamily(g)))
                .collect();
            r = r.grid(families, 3);
        }
        Some(f) => {
            let mut list = vec![tick(f)];
            list.extend(f.children().map(tick));
            r = r.grid(list, 2).row(vec![turn.button("btn-families", &Action::GenreFamilies)]);
        }
    }
    r.row(vec![turn.button("btn-done", &Action::Done)])
}

fn summary(turn: &mut Turn<'_>, w: &Wizard) {
    let Some((details, dates)) = complete(w.kind, &w.draft) else {
        // Unreachable by the wizard's own moves; a damaged state goes back to the first question.
        if let Some(wm) = wiz(turn) {
            wm.question = Some(fields(wm.kind)[0]);
        }
        turn.say("err-choose", &[]);
        return;
    };
    let lines = show::detail_lines(turn.lang, &details, &dates);
    let mut r = turn.msg("summary-title", &[]).list(lines);
    let edits: Vec<_> = fields(w.kind)
        .iter()
        .map(|f| {
            turn.button_text(
                turn.ta("btn-edit", &[("field", turn.t(&format!("field-{}", f.code())))]),
                &Action::Edit(*f),
            )
        })
        .collect();
    r = r.grid(edits, 2);
    let submit = if w.editing.is_some() { "btn-save" } else { "btn-submit" };
    r = r.row(vec![
        turn.button(submit, &Action::Submit),
        turn.button("btn-cancel", &Action::Cancel),
    ]);
    turn.push(r);
}

/// Moves to the next question (or the summary) after a valid answer.
fn advance(w: &mut Wizard) {
    let Some(current) = w.question else { return };
    if !w.draft.seen.contains(&current) {
        w.draft.seen.push(current);
    }
    w.family = None;
    if w.from_summary {
        w.question = None;
        w.from_summary = false;
        return;
    }
    let list = fields(w.kind);
    let i = list.iter().position(|f| *f == current).unwrap_or(0);
    w.question = list.get(i + 1).copied();
}

fn problem(turn: &mut Turn<'_>, p: &Problem) -> Result<(), StoreError> {
    let text = message(turn.lang, p);
    turn.warn(text);
    ask(turn)
}

pub(crate) async fn text(turn: &mut Turn<'_>, input: &str) -> Result<(), StoreError> {
    turn.pure = true;
    let today = turn.ctx.today();
    let lang = turn.lang;
    let Some(w) = wiz(turn) else { return Ok(()) };
    let Some(field) = w.question else {
        turn.say("summary-use-buttons", &[]);
        return ask(turn);
    };
    let d = &mut w.draft;
    let result: Result<(), Problem> = match field {
        Field::Name => Name::parse(input).map(|v| d.name = Some(v)).map_err(Problem::Text),
        Field::Fee => Fee::parse(input).map(|v| d.fee = Some(v)).map_err(Problem::Fee),
        Field::Negotiable => match yes_no(input) {
            Some(b) => {
                d.negotiable = Some(b);
                Ok(())
            }
            None => Err(Problem::Choose),
        },
        Field::Draw => {
            AudienceRange::parse(input).map(|v| d.draw = Some(v)).map_err(Problem::Audience)
        }
        Field::City => City::parse(input).map(|v| d.city = Some(v)).map_err(Problem::City),
        Field::Radius => {
            TravelRadius::parse(input).map(|v| d.radius = Some(v)).map_err(Problem::Radius)
        }
        Field::Dates => {
            DateSet::parse(input, today).map(|v| d.dates = Some(v)).map_err(Problem::Dates)
        }
        Field::Bio => LongText::parse(input).map(|v| d.bio = Some(v)).map_err(Problem::Text),
        Field::Links => Links::parse(input).map(|v| d.links = Some(v)).map_err(Problem::Links),
        Field::Email => Email::parse(input).map(|v| d.email = Some(v)).map_err(Problem::Email),
        Field::Address => Address::parse(input).map(|v| d.address = Some(v)).map_err(Problem::Text),
        Field::Capacity => {
            Capacity::parse(input).map(|v| d.capacity = Some(v)).map_err(Problem::Capacity)
        }
        Field::Budget => {
            BudgetRange::parse(input).map(|v| d.budget = Some(v)).map_err(Problem::Budget)
        }
        Field::Licence => {
            LicenceNumber::parse(input).map(|v| d.licence = Some(v)).map_err(Problem::Licence)
        }
        Field::StageNotes => {
            LongText::parse(input).map(|v| d.stage_notes = Some(v)).map_err(Problem::Text)
        }
        Field::Genres => return genre_text(turn, input, lang),
    };
    match result {
        Ok(()) => {
            if let Some(w) = wiz(turn) {
                advance(w);
            }
            ask(turn)
        }
        Err(p) => problem(turn, &p),
    }
}

fn yes_no(input: &str) -> Option<bool> {
    match input.trim().to_lowercase().as_str() {
        "yes" | "y" | "oui" | "o" | "true" => Some(true),
        "no" | "n" | "non" | "false" => Some(false),
        _ => None,
    }
}

/// Typing in the genre picker: an exact list ("rock, jazz manouche") is an answer; anything else
/// is a search whose results come back as buttons.
fn genre_text(
    turn: &mut Turn<'_>,
    input: &str,
    lang: crate::domain::Lang,
) -> Result<(), StoreError> {
    match GenreSet::parse(input) {
        Ok(set) => {
            let Some(w) = wiz(turn) else { return Ok(()) };
            let mut all = w.picking.clone();
            all.extend(set.ids().iter().copied());
            match GenreSet::new(all) {
                Ok(full) => {
                    w.picking = full.ids().to_vec();
                    w.draft.genres = Some(full);
                    advance(w);
                    ask(turn)
                }
                Err(e) => problem(turn, &Problem::Genres(e)),
            }
        }
        Err(e) => {
            let found = GenreId::search(input);
            if found.is_empty() {
                return problem(turn, &Problem::Genres(e));
            }
            let Some(w) = wiz(turn).map(|w| w.clone()) else { return Ok(()) };
            let buttons: Vec<_> = found
                .iter()
                .take(12)
                .map(|g| {
                    let mark = if w.picking.contains(g) { "✓ " } else { "" };
                    turn.button_text(format!("{mark}{}", g.name(lang)), &Action::GenreToggle(*g))
                })
                .collect();
            let r = turn
                .msg("genres-found", &[("query", input.chars().take(40).collect())])
                .grid(buttons, 2)
                .row(vec![
                    turn.button("btn-families", &Action::GenreFamilies),
                    turn.button("btn-done", &Action::Done),
                ])
                .row(turn.back_cancel());
            turn.push(r);
            Ok(())
        }
    }
}

pub(crate) async fn location(turn: &mut Turn<'_>, lat: f64, lon: f64) -> Result<(), StoreError> {
    turn.pure = true;
    let Some(w) = wiz(turn) else { return Ok(()) };
    if w.question != Some(Field::City) {
        turn.say("location-unexpected", &[]);
        return ask(turn);
    }
    match City::from_coordinates(lat, lon) {
        Ok(city) => {
            w.draft.city = Some(city);
            advance(w);
            ask(turn)
        }
        Err(e) => problem(turn, &Problem::City(e)),
    }
}

pub(crate) async fn action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    turn.pure = !matches!(action, Action::Submit);
    let Some(w) = wiz(turn) else { return Ok(()) };
    match action {
        Action::Cancel => {
            let editing = w.editing.is_some();
            turn.state.mode = Mode::Idle;
            turn.say(if editing { "edit-cancelled" } else { "wizard-cancelled" }, &[]);
            idle_help(turn);
            return Ok(());
        }
        Action::Back => {
            let list = fields(w.kind);
            w.family = None;
            match w.question {
                None => {
                    // Back from the summary: the last question.
                    w.question = list.last().copied();
                }
                Some(_) if w.from_summary => {
                    w.question = None;
                    w.from_summary = false;
                }
                Some(q) => {
                    let i = list.iter().position(|f| *f == q).unwrap_or(0);
                    if i == 0 {
                        if w.editing.is_some() {
                            w.question = None;
                        } else {
                            turn.state.mode = Mode::ChooseRole;
                            super::role_screen(turn);
                            return Ok(());
                        }
                    } else {
                        w.question = Some(list[i - 1]);
                    }
                }
            }
        }
        Action::Skip if w.question.is_some_and(optional) => {
            if let Some(f) = w.question {
                clear(&mut w.draft, f);
            }
            advance(w);
        }
        Action::Yes | Action::No if w.question == Some(Field::Negotiable) => {
            w.draft.negotiable = Some(action == Action::Yes);
            advance(w);
        }
        Action::GenreFamilies if w.question == Some(Field::Genres) => w.family = None,
        Action::GenreFamily(g) if w.question == Some(Field::Genres) => w.family = Some(g),
        Action::GenreToggle(g) if w.question == Some(Field::Genres) => {
            if let Some(i) = w.picking.iter().position(|x| *x == g) {
                w.picking.remove(i);
            } else if w.picking.len() >= GenreSet::MAX {
                let max = GenreSet::MAX;
                return problem(
                    turn,
                    &Problem::Genres(crate::domain::genre::GenreError::TooMany { max }),
                );
            } else {
                w.picking.push(g);
                w.picking.sort_unstable();
            }
        }
        Action::Done if w.question == Some(Field::Genres) => match GenreSet::new(w.picking.clone())
        {
            Ok(set) => {
                w.draft.genres = Some(set);
                advance(w);
            }
            Err(e) => return problem(turn, &Problem::Genres(e)),
        },
        Action::Edit(f) if w.question.is_none() && fields(w.kind).contains(&f) => {
            w.question = Some(f);
            w.from_summary = true;
            if f == Field::Genres {
                w.picking = w.draft.genres.as_ref().map(|g| g.ids().to_vec()).unwrap_or_default();
            }
        }
        Action::Submit if w.question.is_none() => return submit(turn).await,
        _ => {
            turn.say("stale-button", &[]);
        }
    }
    ask(turn)
}

fn clear(d: &mut Draft, f: Field) {
    match f {
        Field::Bio => d.bio = None,
        Field::Links => d.links = None,
        Field::Email => d.email = None,
        Field::Address => d.address = None,
        Field::Licence => d.licence = None,
        Field::StageNotes => d.stage_notes = None,
        _ => {}
    }
}

async fn submit(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Some(w) = wiz(turn).map(|w| w.clone()) else { return Ok(()) };
    let Some((details, dates)) = complete(w.kind, &w.draft) else { return ask(turn) };
    let name = details.name().to_string();
    let profile = match w.editing {
        Some(id) => {
            let mine = turn.store().profiles_of(turn.account()).await?;
            if !mine.iter().any(|p| p.id == id) {
                turn.state.mode = Mode::Idle;
                turn.say("profile-not-yours", &[]);
                return Ok(());
            }
            let p = turn.store().update_profile(id, &details, &dates).await?;
            // A rejected profile goes back to review once corrected.
            if matches!(p.status, ProfileStatus::Rejected(_) | ProfileStatus::Draft) {
                turn.store()
                    .set_profile_status(id, &ProfileStatus::Pending, Some(turn.account()))
                    .await?;
            }
            turn.say("profile-saved", &[("name", name)]);
            p
        }
        None => {
            let p = turn
                .store()
                .create_profile(turn.account(), &details, &dates, &ProfileStatus::Pending)
                .await?;
            turn.say("profile-submitted", &[("name", name), ("id", p.id.to_string())]);
            // In the terminal there is no admin watching: say how to be one.
            if turn.ctx.speaker.identity.platform == Platform::Local && !turn.is_admin() {
                turn.say("review-hint-local", &[("id", p.id.to_string())]);
            }
            p
        }
    };
    turn.state.active = Some(profile.id);
    turn.state.mode = Mode::Idle;
    idle_help(turn);
    Ok(())
}
