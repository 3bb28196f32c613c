//! `/match` and `/favorites`: results in score order with a one-line reason, pages of five,
//! details with the score explained criterion by criterion, ⭐, propose, and refine (dates,
//! radius). Scoring is `crate::matching`'s; this module only asks and shows.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use super::errors::{Problem, message};
use super::i18n::tr;
use super::payload::Action;
use super::reply::{Reply, Span};
use super::state::{Mode, Prompt, Results};
use super::turn::{Turn, idle_help};
use super::{prompts, show};
use crate::domain::genre::GenreRelation;
use crate::domain::profile::Profile;
use crate::domain::values::{DateSet, TravelRadius};
use crate::domain::{Lang, ProfileId};
use crate::matching::{
    Candidate, Criterion, CriterionScore, DateBasis, LiveIndex, Match, Query, Reason, Weights,
    score,
};
use crate::store::{Store, StoreError};

pub const PAGE: usize = 5;
/// Results kept in the state for paging.
const KEEP: usize = 50;

/// The match index behind `/match`: the instance's [`LiveIndex`] (shared with `serve`'s
/// background refresher when given), or one built on first use that refreshes from the change
/// feed before each search, so a profile approved on another instance is found at once.
#[derive(Debug, Default)]
pub struct Matcher {
    live: tokio::sync::OnceCell<Arc<LiveIndex>>,
}

impl Matcher {
    /// A matcher over an index the caller keeps fresh.
    #[must_use]
    pub fn shared(live: Arc<LiveIndex>) -> Self {
        Self { live: tokio::sync::OnceCell::new_with(Some(live)) }
    }

    /// The results of `query`.
    pub async fn search(
        &self,
        store: &Store,
        weights: Weights,
        query: &Query,
    ) -> Result<Vec<Match>, StoreError> {
        let live = self
            .live
            .get_or_try_init(|| LiveIndex::load(store.clone(), weights, Duration::ZERO))
            .await?;
        live.search(query).await
    }
}

fn weights(turn: &Turn<'_>) -> Weights {
    turn.ctx.weights
}

fn query(
    seeker: &Profile,
    today: NaiveDate,
    dates: Option<&DateSet>,
    radius: Option<u16>,
) -> Query {
    let mut q = Query::new(Candidate::from(seeker), today).page(0, KEEP);
    if let Some(d) = dates {
        q = q.on_dates(d.dates().iter().copied());
    }
    q.radius_override = radius;
    q
}

/// The person's profile to search for; tells them what to do when there is none.
async fn seeker(turn: &mut Turn<'_>) -> Result<Option<Profile>, StoreError> {
    let p = turn.active_profile().await?;
    if p.is_none() {
        let r = turn.msg("need-profile", &[]).row(vec![
            turn.button(
                "btn-role-artist",
                &Action::Add(crate::domain::profile::ProfileKind::Artist),
            ),
            turn.button("btn-role-venue", &Action::Add(crate::domain::profile::ProfileKind::Venue)),
        ]);
        turn.push(r);
    }
    Ok(p)
}

/// `/match [dates]`.
pub(crate) async fn start(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    let dates = if args.trim().is_empty() {
        None
    } else {
        match DateSet::parse(args, turn.ctx.today()) {
            Ok(d) => Some(d),
            Err(e) => {
                let text = message(turn.lang, &Problem::Dates(e));
                turn.warn(text);
                return Ok(());
            }
        }
    };
    run(turn, dates, None).await
}

/// Runs a search and shows its first page.
pub(crate) async fn run(
    turn: &mut Turn<'_>,
    dates: Option<DateSet>,
    radius: Option<u16>,
) -> Result<(), StoreError> {
    let Some(me) = seeker(turn).await? else { return Ok(()) };
    let q = query(&me, turn.ctx.today(), dates.as_ref(), radius);
    let hits = turn.ctx.matcher.search(turn.store(), weights(turn), &q).await?;
    let saved = serde_json::json!({
        "dates": dates.as_ref().map(|d| d.dates().iter().map(ToString::to_string).collect::<Vec<_>>()),
        "radius_km": radius,
    });
    turn.store().save_search(turn.account(), me.id, &saved.to_string()).await?;
    turn.state.mode = Mode::Results(Results {
        seeker: me.id,
        dates,
        radius_km: radius,
        hits: hits.iter().map(|m| (m.profile, m.score)).collect(),
        page: 0,
    });
    show_page(turn).await
}

fn criterion_name(lang: Lang, c: Criterion) -> String {
    tr(lang, &format!("crit-{}", c.key()), &[])
}

/// A reason in words, in the person's language.
#[must_use]
pub fn reason(lang: Lang, r: &Reason) -> String {
    let t = |k: &str, args: &[(&str, String)]| tr(lang, k, args);
    match *r {
        Reason::Genre { relation, seeker, other } => {
            let (a, b) = (seeker.name(lang).to_lowercase(), other.name(lang).to_lowercase());
            match relation {
                GenreRelation::Same => a,
                GenreRelation::ParentOrChild if seeker.family() == other => format!("{a} ⊂ {b}"),
                GenreRelation::ParentOrChild => format!("{b} ⊂ {a}"),
                GenreRelation::Sibling => format!("{a} ~ {b}"),
                GenreRelation::Unrelated => t("reason-genre-none", &[]),
            }
        }
        Reason::Date { shared, asked, basis, first_shared } => {
            let key = match basis {
                DateBasis::Named => "reason-date-named",
                DateBasis::SeekerDates => "reason-date-own",
                DateBasis::Window => "reason-date-window",
            };
            let mut s = t(key, &[("shared", shared.to_string()), ("asked", asked.to_string())]);
            if let Some(d) = first_shared {
                s.push_str(&t("reason-date-first", &[("date", show::day(lang, d))]));
            }
            s
        }
        Reason::Budget { fee, negotiable, budget } => {
            let key = if fee > budget.max() {
                "reason-budget-above"
            } else if fee < budget.min() {
                "reason-budget-below"
            } else {
                "reason-budget-in"
            };
            let mut s = t(key, &[("fee", fee.to_string()), ("budget", budget.to_string())]);
            if negotiable {
                s.push(' ');
                s.push_str(&t("reason-negotiable", &[]));
            }
            s
        }
        Reason::Location { km, radius_km } => {
            let key = if km <= radius_km { "reason-location-in" } else { "reason-location-out" };
            t(key, &[("km", km.to_string()), ("radius", radius_km.to_string())])
        }
        Reason::Capacity { capacity, draw } => {
            let key = if capacity > draw.max() {
                "reason-capacity-above"
            } else if capacity < draw.min() {
                "reason-capacity-below"
            } else {
                "reason-capacity-in"
            };
            t(key, &[("capacity", capacity.to_string()), ("draw", draw.to_string())])
        }
    }
}

fn criterion_line(lang: Lang, c: &CriterionScore) -> String {
    format!(
        "{} {}/{} — {}",
        criterion_name(lang, c.criterion),
        c.points,
        c.max,
        reason(lang, &c.reason)
    )
}

/// The strongest criterion of a match, for the one-line reason of a result.
fn one_line(lang: Lang, m: &Match) -> String {
    let best = m
        .breakdown
        .iter()
        .max_by_key(|c| (u32::from(c.points) * 1000) / u32::from(c.max.max(1)))
        .unwrap_or(&m.breakdown[0]);
    criterion_line(lang, best)
}

async fn rescore(
    turn: &Turn<'_>,
    seeker: &Profile,
    other: &Profile,
    dates: Option<&DateSet>,
    radius: Option<u16>,
) -> Option<Match> {
    let q = query(seeker, turn.ctx.today(), dates, radius);
    score(&q, &Candidate::from(other), &weights(turn))
}

pub(crate) async fn show_page(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Mode::Results(res) = turn.state.mode.clone() else { return Ok(()) };
    let lang = turn.lang;
    let seeker = match turn.store().profile(res.seeker).await {
        Ok(p) => p,
        Err(StoreError::NotFound(_)) => {
            turn.state.mode = Mode::Idle;
            idle_help(turn);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if res.hits.is_empty() {
        let r = turn.msg("match-none", &[]).row(refine_buttons(turn));
        turn.push(r);
        return Ok(());
    }
    let pages = res.hits.len().div_ceil(PAGE);
    let page = usize::from(res.page).min(pages - 1);
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for (i, (id, points)) in res.hits.iter().enumerate().skip(page * PAGE).take(PAGE) {
        let Ok(other) = turn.store().profile(*id).await else { continue };
        let line = match rescore(turn, &seeker, &other, res.dates.as_ref(), res.radius_km).await {
            Some(m) => one_line(lang, &m),
            None => String::new(),
        };
        let n = i + 1;
        items.push(vec![
            Span::Bold(format!("{n}. {}", other.details.name())),
            Span::Plain(format!(" — {} — {points}/100", other.details.city().name())),
            Span::Italic(if line.is_empty() { String::new() } else { format!(" ({line})") }),
        ]);
        rows.push(vec![
            turn.button_text(format!("ℹ️ {n}"), &Action::Details(*id)),
            turn.button_text(format!("⭐ {n}"), &Action::Star(*id)),
            turn.button_text(format!("✉️ {n}"), &Action::Propose(*id)),
        ]);
    }
    let mut r = turn
        .msg_n(
            "match-title",
            res.hits.len(),
            &[("page", (page + 1).to_string()), ("pages", pages.to_string())],
        )
        .list(items);
    for row in rows {
        r = r.row(row);
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(turn.button("btn-prev", &Action::Page(u16::try_from(page - 1).unwrap_or(0))));
    }
    if page + 1 < pages {
        nav.push(turn.button("btn-next", &Action::Page(u16::try_from(page + 1).unwrap_or(0))));
    }
    r = r.row(nav).row(refine_buttons(turn));
    turn.push(r);
    Ok(())
}

fn refine_buttons(turn: &Turn<'_>) -> Vec<super::Button> {
    vec![
        turn.button("btn-refine-dates", &Action::RefineDates),
        turn.button("btn-refine-radius", &Action::RefineRadius),
    ]
}

pub(crate) async fn action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    turn.pure = true;
    let Mode::Results(res) = &mut turn.state.mode else { return Ok(()) };
    match action {
        Action::Page(n) => {
            res.page = n;
            show_page(turn).await
        }
        Action::RefineDates => {
            let prompt = Prompt::MatchDates { radius_km: res.radius_km };
            turn.state.mode = Mode::Await(prompt.clone());
            prompts::ask(turn, &prompt);
            Ok(())
        }
        Action::RefineRadius => {
            let prompt = Prompt::MatchRadius { dates: res.dates.clone() };
            turn.state.mode = Mode::Await(prompt.clone());
            prompts::ask(turn, &prompt);
            Ok(())
        }
        _ => show_page(turn).await,
    }
}

/// A profile in full, with its score for the person's active profile.
pub(crate) async fn details(turn: &mut Turn<'_>, id: ProfileId) -> Result<(), StoreError> {
    let lang = turn.lang;
    let other = match turn.store().profile(id).await {
        Ok(p) if p.status.is_public() => p,
        Ok(_) | Err(StoreError::NotFound(_)) => {
            turn.say("profile-gone", &[]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let responsive = show::responsiveness(lang, turn.store(), other.id).await?;
    let mut r = Reply::new()
        .para(vec![Span::Bold(other.details.name().to_string())])
        .list(show::detail_lines(lang, &other.details, &other.dates))
        .para(vec![Span::Italic(responsive)]);
    if let Some(me) = turn.active_profile().await? {
        let (dates, radius) = match &turn.state.mode {
            Mode::Results(res) => (res.dates.clone(), res.radius_km),
            _ => (None, None),
        };
        if let Some(m) = rescore(turn, &me, &other, dates.as_ref(), radius).await {
            r = r
                .para(vec![Span::Bold(turn.ta("match-score", &[("score", m.score.to_string())]))])
                .list(
                    m.breakdown
                        .iter()
                        .map(|c| vec![Span::Plain(criterion_line(lang, c))])
                        .collect(),
                );
        }
    }
    let mut row = vec![
        turn.button("btn-star", &Action::Star(id)),
        turn.button("btn-propose", &Action::Propose(id)),
    ];
    if let Mode::Results(res) = &turn.state.mode {
        row.push(turn.button("btn-back-results", &Action::Page(res.page)));
    }
    r = r.row(row);
    turn.push(r);
    Ok(())
}

pub(crate) async fn star(turn: &mut Turn<'_>, id: ProfileId, on: bool) -> Result<(), StoreError> {
    let name = match turn.store().profile(id).await {
        Ok(p) => p.details.name().to_string(),
        Err(StoreError::NotFound(_)) => {
            turn.say("profile-gone", &[]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let mut r = if on {
        turn.store().add_favourite(turn.account(), id).await?;
        turn.msg("starred", &[("name", name)])
    } else {
        turn.store().remove_favourite(turn.account(), id).await?;
        turn.msg("unstarred", &[("name", name)])
    };
    if let Mode::Results(res) = &turn.state.mode {
        r = r.row(vec![turn.button("btn-back-results", &Action::Page(res.page))]);
    }
    turn.push(r);
    Ok(())
}

/// `/favorites`: the starred profiles, with details, propose and remove.
pub(crate) async fn favourites(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    turn.state.mode = Mode::Idle;
    let ids = turn.store().favourites(turn.account()).await?;
    if ids.is_empty() {
        let r = turn
            .msg("favourites-none", &[])
            .row(vec![turn.button("btn-match", &Action::Command("match"))]);
        turn.push(r);
        return Ok(());
    }
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let Ok(p) = turn.store().profile(*id).await else { continue };
        let n = i + 1;
        items.push(vec![
            Span::Bold(format!("{n}. {}", p.details.name())),
            Span::Plain(format!(" — {}", p.details.city().name())),
        ]);
        rows.push(vec![
            turn.button_text(format!("ℹ️ {n}"), &Action::Details(*id)),
            turn.button_text(format!("✉️ {n}"), &Action::Propose(*id)),
            turn.button_text(format!("🗑 {n}"), &Action::Unstar(*id)),
        ]);
    }
    let mut r = turn.msg("favourites-title", &[]).list(items);
    for row in rows {
        r = r.row(row);
    }
    turn.push(r);
    Ok(())
}

/// The dates typed for `/match` (refining the results).
pub(crate) async fn dates_answer(
    turn: &mut Turn<'_>,
    prompt: &Prompt,
    text: &str,
    radius_km: Option<u16>,
) -> Result<(), StoreError> {
    match DateSet::parse(text, turn.ctx.today()) {
        Ok(d) => run(turn, Some(d), radius_km).await,
        Err(e) => {
            prompts::problem(turn, prompt, &Problem::Dates(e));
            Ok(())
        }
    }
}

/// The radius typed for `/match` (refining the results).
pub(crate) async fn radius_answer(
    turn: &mut Turn<'_>,
    prompt: &Prompt,
    text: &str,
    dates: Option<DateSet>,
) -> Result<(), StoreError> {
    match TravelRadius::parse(text) {
        Ok(r) => run(turn, dates, Some(r.km())).await,
        Err(e) => {
            prompts::problem(turn, prompt, &Problem::Radius(e));
            Ok(())
        }
    }
}
