//! The profile wizards (artist, venue): one question at a time, validation at each answer with
//! the answers kept, Back and Cancel everywhere, a summary with an Edit button per field, and
//! submission for review. Editing a stored profile reuses the same questions from its summary.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::errors::{Problem, message};
use super::payload::{Action, Field};
use super::reply::{Button, Reply, Span};
use super::state::{Draft, Mode, Wizard};
use super::turn::{Turn, idle_help};
use super::{prompts, show};
use crate::domain::account::Platform;
use crate::domain::audience::Audience;
use crate::domain::genre::{GenreError, GenreId, GenreSet};
use crate::domain::places::{City, CityError};
use crate::domain::profile::{Artist, Profile, ProfileDetails, ProfileKind, ProfileStatus, Venue};
use crate::domain::proposal::DealsTaken;
use crate::domain::terms::Lineup;
use crate::domain::values::{
    Address, AudienceRange, BudgetRange, Capacity, DateError, DateSet, Email, Fee, LicenceNumber,
    Links, LinksError, LongText, Name, TravelRadius,
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
    Field::Lineup,
    Field::Audience,
    Field::Deals,
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
    Field::Audience,
    Field::Deals,
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
            | Field::Lineup
            | Field::Audience
            | Field::Deals
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
        kept: Vec::new(),
        confirming_cancel: false,
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
    let mut d = Draft {
        dates: Some(p.dates.clone()),
        seen: Field::ALL.to_vec(),
        lineup: p.lineup,
        audience: p.audience,
        deals: p.deals,
        ..Draft::default()
    };
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
    ask_with(turn, Vec::new())
}

/// Asks the current question with suggestion buttons under Back and Cancel, which stay first on
/// every question (the same place on Telegram, [1] and [2] in the terminal).
fn ask_with(turn: &mut Turn<'_>, suggestions: Vec<Button>) -> Result<(), StoreError> {
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
    r = r.para(turn.s(&key, &prompts::examples(turn)));
    if let Some(current) = current_value(turn, &w, field) {
        r = r.para(vec![Span::Italic(turn.ta("wizard-current", &[("value", current)]))]);
    }
    if field == Field::Dates
        && let Some(dates) = w.draft.dates.as_ref().filter(|_| w.kept.is_empty())
    {
        r = r.list(items(show::dates_by_month(turn.lang, dates.dates().iter().copied())));
    }
    r = r.row(turn.back_cancel());
    if !suggestions.is_empty() {
        r = r.grid(suggestions, 2);
    }
    if !w.kept.is_empty() {
        let kept_dates: Vec<NaiveDate> = w.kept.iter().filter_map(|k| iso_day(k)).collect();
        let n = w.kept.len();
        if field == Field::Dates {
            r = r
                .para(vec![Span::Bold(turn.ta("list-kept", &[("count", n.to_string())]))])
                .list(items(show::dates_by_month(turn.lang, kept_dates.into_iter())));
        } else {
            r = r
                .para(vec![Span::Bold(turn.ta("list-kept", &[("count", n.to_string())]))])
                .list(items(w.kept.clone()));
        }
        r =
            r.row(vec![turn.button_text(
                turn.ta("btn-keep-going", &[("count", n.to_string())]),
                &Action::Done,
            )]);
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
        Field::Audience => {
            r = r.grid(audience_buttons(turn), 3);
            r = r.row(vec![turn.button("btn-skip", &Action::Skip)]);
        }
        Field::Deals => {
            let texts: Vec<String> =
                DealsTaken::ALL.iter().map(|d| show::deals(turn.lang, *d)).collect();
            r = r.grid(turn.suggestions(&texts), 1);
            r = r.row(vec![turn.button("btn-skip", &Action::Skip)]);
        }
        _ if optional(field) => {
            r = r.row(vec![turn.button("btn-skip", &Action::Skip)]);
        }
        _ => {}
    }
    if field == Field::City {
        r = r.accepting_location();
    }
    if field != Field::Negotiable {
        r = r.asking_text();
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
        Field::Lineup => lineup_words(turn, d.lineup?),
        Field::Audience => audience_words(turn, d.audience?),
        Field::Deals => show::deals(turn.lang, d.deals?),
    })
}

/// "4 on stage, 1 crew".
fn lineup_words(turn: &Turn<'_>, l: Lineup) -> String {
    show::lineup(turn.lang, l)
}

/// "All ages, seated", in the person's language; also the text an audience button answers.
#[must_use]
pub fn audience_words(turn: &Turn<'_>, a: Audience) -> String {
    show::audience(turn.lang, a)
}

/// "4", "4 + 1", "4 musiciens et 1 technicien", "5 performers, 2 crew": performers first,
/// then crew (none when not said).
fn read_lineup(input: &str) -> Option<Lineup> {
    if input.len() > 200 {
        return None;
    }
    let numbers: Vec<u16> = input
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers.as_slice() {
        [performers] => Lineup::new(*performers, 0).ok(),
        [performers, crew] => Lineup::new(*performers, *crew).ok(),
        _ => None,
    }
}

/// The audience buttons: each answers the question as if typed.
fn audience_buttons(turn: &Turn<'_>) -> Vec<Button> {
    let texts: Vec<String> = Audience::ALL.iter().map(|a| audience_words(turn, *a)).collect();
    turn.suggestions(&texts)
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
    let mut lines = show::detail_lines(turn.lang, &details, &dates);
    // The facts matching reads beyond the published details.
    let sep = if turn.lang == crate::domain::Lang::Fr { " : " } else { ": " };
    let fact = |key: &str, value: Option<String>| {
        vec![
            Span::Bold(format!("{}{sep}", turn.t(key))),
            Span::Plain(value.unwrap_or_else(|| "—".to_owned())),
        ]
    };
    if w.kind == ProfileKind::Artist {
        lines.push(fact("field-lineup", w.draft.lineup.map(|l| lineup_words(turn, l))));
    }
    lines.push(fact("field-audience", w.draft.audience.map(|a| audience_words(turn, a))));
    lines.push(fact("field-deals", w.draft.deals.map(|d| show::deals(turn.lang, d))));
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
    r = r.row(turn.back_cancel()).grid(edits, 2);
    let submit = if w.editing.is_some() { "btn-save" } else { "btn-submit" };
    r = r.row(vec![turn.button(submit, &Action::Submit)]);
    turn.push(r);
}

/// Moves to the next question (or the summary) after a valid answer.
fn advance(w: &mut Wizard) {
    let Some(current) = w.question else { return };
    if !w.draft.seen.contains(&current) {
        w.draft.seen.push(current);
    }
    w.family = None;
    w.kept.clear();
    if w.from_summary {
        w.question = None;
        w.from_summary = false;
        return;
    }
    let list = fields(w.kind);
    let i = list.iter().position(|f| *f == current).unwrap_or(0);
    w.question = list.get(i + 1).copied();
}

/// A line-up or audience answer not understood: how to write it, and the question again.
fn refuse(turn: &mut Turn<'_>, key: &str) -> Result<(), StoreError> {
    let text = turn.t(key);
    turn.warn(text);
    ask(turn)
}

fn problem(turn: &mut Turn<'_>, p: &Problem) -> Result<(), StoreError> {
    let text = message(turn.lang, p);
    turn.warn(text);
    ask(turn)
}

/// Plain lines as list items.
fn items(lines: Vec<String>) -> Vec<Vec<Span>> {
    lines.into_iter().map(|l| vec![Span::Plain(l)]).collect()
}

/// "skip", "passer": typing the Skip button's word does what the button does.
fn is_skip_word(input: &str) -> bool {
    matches!(
        input.trim().trim_end_matches(['.', '!']).to_lowercase().as_str(),
        "skip" | "passer" | "je passe" | "pass" | "next" | "suivant" | "-"
    )
}

pub(crate) async fn text(turn: &mut Turn<'_>, input: &str) -> Result<(), StoreError> {
    turn.pure = true;
    let today = turn.ctx.today();
    let lang = turn.lang;
    let Some(w) = wiz(turn) else { return Ok(()) };
    if w.confirming_cancel {
        let choice = match yes_no(input) {
            Some(true) => Action::Yes,
            Some(false) => Action::No,
            None => Action::Cancel,
        };
        return Box::pin(action(turn, choice)).await;
    }
    let Some(field) = w.question else {
        turn.say("summary-use-buttons", &[]);
        return ask(turn);
    };
    if optional(field) && is_skip_word(input) {
        return Box::pin(action(turn, Action::Skip)).await;
    }
    let d = &mut w.draft;
    let result: Result<(), Problem> = match field {
        Field::Name => Name::parse(input).map(|v| d.name = Some(v)).map_err(Problem::Text),
        Field::Fee => Fee::parse_in(input, lang).map(|v| d.fee = Some(v)).map_err(Problem::Fee),
        Field::Negotiable => match yes_no(input) {
            Some(b) => {
                d.negotiable = Some(b);
                Ok(())
            }
            None => Err(Problem::Choose),
        },
        Field::Draw => AudienceRange::parse_in(input, lang)
            .map(|v| d.draw = Some(v))
            .map_err(Problem::Audience),
        Field::City => match City::parse(input) {
            Ok(v) => {
                d.city = Some(v);
                Ok(())
            }
            Err(e) => return city_problem(turn, &e),
        },
        Field::Radius => {
            TravelRadius::parse(input).map(|v| d.radius = Some(v)).map_err(Problem::Radius)
        }
        Field::Dates => return dates_text(turn, input, today),
        Field::Bio => LongText::parse(input).map(|v| d.bio = Some(v)).map_err(Problem::Text),
        Field::Links => return links_text(turn, input),
        Field::Email => Email::parse(input).map(|v| d.email = Some(v)).map_err(Problem::Email),
        Field::Address => Address::parse(input).map(|v| d.address = Some(v)).map_err(Problem::Text),
        Field::Capacity => {
            Capacity::parse_in(input, lang).map(|v| d.capacity = Some(v)).map_err(Problem::Capacity)
        }
        Field::Budget => {
            BudgetRange::parse_in(input, lang).map(|v| d.budget = Some(v)).map_err(Problem::Budget)
        }
        Field::Licence => {
            LicenceNumber::parse(input).map(|v| d.licence = Some(v)).map_err(Problem::Licence)
        }
        Field::StageNotes => {
            LongText::parse(input).map(|v| d.stage_notes = Some(v)).map_err(Problem::Text)
        }
        Field::Genres => return genre_text(turn, input, lang),
        Field::Lineup => match read_lineup(input) {
            Some(l) => {
                d.lineup = Some(l);
                Ok(())
            }
            None => return refuse(turn, "err-lineup"),
        },
        Field::Audience => match Audience::parse(input) {
            Ok(a) => {
                d.audience = Some(a);
                Ok(())
            }
            Err(_) => return refuse(turn, "err-audience"),
        },
        Field::Deals => match DealsTaken::read(input) {
            Some(k) => {
                d.deals = Some(k);
                Ok(())
            }
            None => return refuse(turn, "err-deals"),
        },
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

/// A city not found: the reason, and its close names as buttons that answer as if typed.
fn city_problem(turn: &mut Turn<'_>, e: &CityError) -> Result<(), StoreError> {
    let text = message(turn.lang, &Problem::City(e.clone()));
    turn.warn(text);
    let buttons = match e {
        CityError::Unknown { suggestions, .. } => turn.suggestions(suggestions),
        _ => Vec::new(),
    };
    ask_with(turn, buttons)
}

fn iso_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Dates typed: every valid item is kept (with those kept from the last answer), each bad
/// one is named with its reason and asked again; with none bad, the answer is taken.
fn dates_text(turn: &mut Turn<'_>, input: &str, today: NaiveDate) -> Result<(), StoreError> {
    let read = DateSet::read(input, today);
    let lang = turn.lang;
    let Some(w) = wiz(turn) else { return Ok(()) };
    let mut all: BTreeSet<NaiveDate> = w.kept.iter().filter_map(|k| iso_day(k)).collect();
    all.extend(read.kept.iter().copied());
    if read.refused.is_empty() {
        if all.is_empty() {
            return problem(turn, &Problem::Dates(DateError::Format));
        }
        return match DateSet::new(all, today) {
            Ok(set) => {
                w.draft.dates = Some(set.clone());
                advance(w);
                let r = turn
                    .msg_n("dates-taken", set.len(), &[])
                    .list(items(show::dates_by_month(lang, set.dates().iter().copied())));
                turn.push(r);
                ask(turn)
            }
            Err(e) => problem(turn, &Problem::Dates(e)),
        };
    }
    if all.len() > DateSet::MAX {
        return problem(turn, &Problem::Dates(DateError::TooMany { max: DateSet::MAX }));
    }
    w.kept = all.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
    let lines: Vec<String> = read
        .refused
        .iter()
        .map(|(item, e)| refused_line(lang, item, &message(lang, &Problem::Dates(e.clone()))))
        .collect();
    refused(turn, lines);
    ask(turn)
}

/// "« 14/11/2026 » : Le 14/11/2026 est déjà passé …" (an item left empty is the whole answer).
fn refused_line(lang: crate::domain::Lang, item: &str, reason: &str) -> String {
    if item.is_empty() {
        reason.to_owned()
    } else {
        crate::conversation::i18n::tr(
            lang,
            "list-refused-item",
            &[("item", item.to_owned()), ("reason", reason.to_owned())],
        )
    }
}

fn refused(turn: &mut Turn<'_>, lines: Vec<String>) {
    let r = turn.msg_n("list-refused", lines.len(), &[]).list(items(lines));
    turn.push(r);
}

/// Links typed: the valid ones are kept, each bad one is named and asked again.
fn links_text(turn: &mut Turn<'_>, input: &str) -> Result<(), StoreError> {
    let lang = turn.lang;
    let (good, bad) = Links::read(input);
    let Some(w) = wiz(turn) else { return Ok(()) };
    let mut all = w.kept.clone();
    for l in good {
        if !all.contains(&l) {
            all.push(l);
        }
    }
    if bad.is_empty() {
        return match Links::new(all) {
            Ok(links) => {
                w.draft.links = Some(links);
                advance(w);
                ask(turn)
            }
            Err(e) => problem(turn, &Problem::Links(e)),
        };
    }
    if all.len() > Links::MAX {
        return problem(turn, &Problem::Links(LinksError::TooMany { max: Links::MAX }));
    }
    w.kept = all;
    let lines: Vec<String> = bad
        .iter()
        .map(|(item, e)| refused_line(lang, item, &message(lang, &Problem::Links(e.clone()))))
        .collect();
    refused(turn, lines);
    ask(turn)
}

/// Typing in the genre picker: every genre found is ticked; a list with nothing unknown is an
/// answer; an unknown item is named with close genres as buttons (typos, missing accents); a
/// single word that names no genre is a search whose results come back as buttons.
fn genre_text(
    turn: &mut Turn<'_>,
    input: &str,
    lang: crate::domain::Lang,
) -> Result<(), StoreError> {
    if input.len() > GenreSet::MAX_INPUT {
        let max = GenreSet::MAX_INPUT;
        return problem(turn, &Problem::Genres(GenreError::TooLong { max }));
    }
    let (found, unknown) = GenreSet::read(input);
    let Some(w) = wiz(turn) else { return Ok(()) };
    let mut all = w.picking.clone();
    all.extend(found.iter().copied());
    if unknown.is_empty() {
        return match GenreSet::new(all) {
            Ok(full) => {
                w.picking = full.ids().to_vec();
                w.draft.genres = Some(full);
                advance(w);
                ask(turn)
            }
            Err(e) => problem(turn, &Problem::Genres(e)),
        };
    }
    if found.is_empty() && unknown.len() == 1 {
        let hits = GenreId::search(input);
        if !hits.is_empty() {
            return genre_search(turn, input, &hits, lang);
        }
    }
    // Keep what was found (within the bound), then ask about each unknown item.
    let mut picking = w.picking.clone();
    for g in found {
        if !picking.contains(&g) && picking.len() < GenreSet::MAX {
            picking.push(g);
        }
    }
    picking.sort_unstable();
    w.picking = picking;
    let mut names: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for item in &unknown {
        let close = GenreId::suggest(item, 4);
        if close.is_empty() {
            lines.push(message(lang, &Problem::Genres(GenreError::Unknown(item.clone()))));
        } else {
            let list: Vec<&str> = close.iter().map(|g| g.name(lang)).collect();
            lines.push(turn.ta(
                "genres-did-you-mean",
                &[("genre", item.clone()), ("suggestions", list.join(", "))],
            ));
            for g in close {
                let n = g.name(lang).to_owned();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    refused(turn, lines);
    let buttons = turn.suggestions(&names);
    ask_with(turn, buttons)
}

/// Search results in the genre picker, as buttons that tick a genre.
fn genre_search(
    turn: &mut Turn<'_>,
    input: &str,
    found: &[GenreId],
    lang: crate::domain::Lang,
) -> Result<(), StoreError> {
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
        .row(turn.back_cancel())
        .grid(buttons, 2)
        .row(vec![
            turn.button("btn-families", &Action::GenreFamilies),
            turn.button("btn-done", &Action::Done),
        ]);
    turn.push(r);
    Ok(())
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
        Err(e) => city_problem(turn, &e),
    }
}

pub(crate) async fn action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    turn.pure = !matches!(action, Action::Submit);
    let Some(w) = wiz(turn) else { return Ok(()) };
    if w.confirming_cancel {
        w.confirming_cancel = false;
        match action {
            // Abandoning keeps the draft aside: /profile resumes it.
            Action::Yes => {
                let parked = Mode::Wizard(Box::new(w.clone()));
                turn.state.parked = Some(Box::new(parked));
                turn.state.mode = Mode::Idle;
                turn.say("wizard-set-aside", &[]);
                idle_help(turn);
                return Ok(());
            }
            Action::No | Action::Cancel => return ask(turn),
            _ => {}
        }
    }
    match action {
        Action::Cancel => {
            let editing = w.editing.is_some();
            if !editing && !w.draft.seen.is_empty() {
                // A started profile is not thrown away on one press.
                w.confirming_cancel = true;
                let r = turn.msg("wizard-cancel-confirm", &[]).row(vec![
                    turn.button("btn-cancel-confirm", &Action::Yes),
                    turn.button("btn-cancel-keep", &Action::No),
                ]);
                turn.push(r);
                return Ok(());
            }
            turn.state.mode = Mode::Idle;
            turn.say(if editing { "edit-cancelled" } else { "wizard-cancelled" }, &[]);
            idle_help(turn);
            return Ok(());
        }
        Action::Back => {
            let list = fields(w.kind);
            w.family = None;
            w.kept.clear();
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
        Action::Done if w.question == Some(Field::Dates) && !w.kept.is_empty() => {
            let today = turn.ctx.today();
            let Some(w) = wiz(turn) else { return Ok(()) };
            let days: Vec<NaiveDate> = w.kept.iter().filter_map(|k| iso_day(k)).collect();
            match DateSet::new(days, today) {
                Ok(set) => {
                    w.draft.dates = Some(set);
                    advance(w);
                }
                Err(e) => return problem(turn, &Problem::Dates(e)),
            }
        }
        Action::Done | Action::Skip if w.question == Some(Field::Links) && !w.kept.is_empty() => {
            match Links::new(w.kept.clone()) {
                Ok(links) => {
                    w.draft.links = Some(links);
                    advance(w);
                }
                Err(e) => return problem(turn, &Problem::Links(e)),
            }
        }
        // Skip moves on and keeps what the field holds: an answer saved earlier is not erased.
        Action::Skip if w.question.is_some_and(optional) => advance(w),
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

/// The line-up and the audience, stored beside the details (the line-up with the contract
/// facts), when they changed.
async fn save_facts(turn: &Turn<'_>, w: &Wizard, p: &Profile) -> Result<(), StoreError> {
    if let Some(l) =
        w.draft.lineup.filter(|l| p.lineup != Some(*l) && w.kind == ProfileKind::Artist)
    {
        turn.store().save_lineup(p.id, l).await?;
    }
    if w.draft.audience != p.audience {
        turn.store().set_audience(p.id, w.draft.audience).await?;
    }
    if w.draft.deals != p.deals {
        turn.store().set_deals(p.id, w.draft.deals).await?;
    }
    Ok(())
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
            save_facts(turn, &w, &p).await?;
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
            save_facts(turn, &w, &p).await?;
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
