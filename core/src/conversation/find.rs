//! `/match` and `/favorites`: results in score order with a one-line reason, pages of five,
//! details with the score explained criterion by criterion, ⭐, propose, and refine (dates,
//! radius). Scoring is `crate::matching`'s; this module only asks and shows.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use super::errors::{Problem, message};
use super::i18n::{self, tr};
use super::payload::Action;
use super::reply::{Reply, Span};
use super::state::{Mode, Prompt, Results};
use super::turn::{Turn, idle_help};
use super::{prompts, show};
use crate::domain::genre::GenreRelation;
use crate::domain::profile::Profile;
use crate::domain::search::{FilterKind, FilterProblem, FiltersRead, SearchFilters};
use crate::domain::values::{Capacity, DateError, DateSet, RadiusError, TravelRadius};
use crate::domain::{Lang, ProfileId, SavedSearchId};
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

/// The query of a search: its dates, and its hard filters apart from the score.
fn query(seeker: &Profile, today: NaiveDate, filters: &SearchFilters) -> Query {
    Query::new(Candidate::from(seeker), today).page(0, KEEP).with_search(filters)
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

/// `/match [filters]`: "/match 2026-12-19 200km jazz", "/match samedi prochain".
pub(crate) async fn start(turn: &mut Turn<'_>, args: &str) -> Result<(), StoreError> {
    let read = FiltersRead::parse(args, turn.ctx.today());
    say_refused(turn, &read.refused);
    run(turn, read.filters).await
}

/// Each part of a filter answer that was not taken, with its reason.
fn say_refused(turn: &mut Turn<'_>, refused: &[(String, FilterProblem)]) {
    for (item, problem) in refused {
        let reason = match problem {
            FilterProblem::Dates(e) => message(turn.lang, &Problem::Dates(e.clone())),
            FilterProblem::Radius(e) => message(turn.lang, &Problem::Radius(e.clone())),
            FilterProblem::Unknown => turn.t("filter-unknown"),
        };
        let text = turn.ta("filter-refused", &[("item", item.clone()), ("reason", reason)]);
        turn.warn(text);
    }
}

/// Filters typed for the search: what they set replaces the same filter, the rest is kept. An
/// answer with nothing understood is asked again.
pub(crate) async fn filters_answer(
    turn: &mut Turn<'_>,
    base: &SearchFilters,
    asked: Option<FilterKind>,
    text: &str,
) -> Result<(), StoreError> {
    let today = turn.ctx.today();
    // Asked for dates or a radius, the answer is read as such first ("50" is 50 km there).
    let direct = match asked {
        Some(FilterKind::Dates) => {
            let read = DateSet::read(text, today);
            DateSet::new(read.kept, today)
                .ok()
                .filter(|d| read.refused.is_empty() && !d.is_empty())
                .map(|d| SearchFilters { dates: Some(d), ..SearchFilters::default() })
        }
        Some(FilterKind::Radius) => TravelRadius::parse(text.trim().trim_end_matches("km"))
            .ok()
            .map(|r| SearchFilters { radius_km: Some(r.km()), ..SearchFilters::default() }),
        _ => None,
    };
    if let Some(newer) = direct {
        return run(turn, base.merged(&newer)).await;
    }
    let mut read = FiltersRead::parse(text, today);
    // What was not understood is told as a problem with the answer asked for.
    for (_, problem) in &mut read.refused {
        match (asked, &problem) {
            (Some(FilterKind::Dates), FilterProblem::Unknown) => {
                *problem = FilterProblem::Dates(DateError::Format);
            }
            (Some(FilterKind::Radius), FilterProblem::Unknown) => {
                *problem = FilterProblem::Radius(RadiusError::NotANumber);
            }
            _ => {}
        }
    }
    say_refused(turn, &read.refused);
    if read.filters.active().is_empty() {
        if read.refused.is_empty() {
            let text = turn.t("filter-nothing");
            turn.warn(text);
        }
        prompts::ask(turn, &Prompt::MatchFilters { filters: base.clone(), asked });
        return Ok(());
    }
    run(turn, base.merged(&read.filters)).await
}

/// Runs a search and shows its first page. The search joins the person's history; it alerts
/// only if they follow it (🔔).
pub(crate) async fn run(turn: &mut Turn<'_>, filters: SearchFilters) -> Result<(), StoreError> {
    let Some(me) = seeker(turn).await? else { return Ok(()) };
    let q = query(&me, turn.ctx.today(), &filters);
    let hits = turn.ctx.matcher.search(turn.store(), weights(turn), &q).await?;
    turn.store().save_search(turn.account(), me.id, &stored(&filters)).await?;
    turn.state.mode = Mode::Results(Results {
        seeker: me.id,
        filters,
        hits: hits.iter().map(|m| (m.profile, m.score)).collect(),
        page: 0,
    });
    show_page_of(turn, &me).await
}

/// A search as stored: the filters' JSON, the same text for the same filters.
fn stored(filters: &SearchFilters) -> String {
    serde_json::to_string(filters).unwrap_or_default()
}

/// Each active filter in words: "📍 ≤ 200 km", "🎵 jazz, blues".
#[must_use]
pub fn describe(lang: Lang, f: &SearchFilters) -> Vec<(FilterKind, String)> {
    let t = |k: &str, args: &[(&str, String)]| tr(lang, k, args);
    f.active()
        .into_iter()
        .map(|kind| {
            let text = match kind {
                FilterKind::Dates => {
                    let dates = f
                        .dates
                        .as_ref()
                        .map(|d| d.dates().iter().copied().collect::<Vec<_>>())
                        .unwrap_or_default();
                    match dates.as_slice() {
                        [] => String::new(),
                        [one] => t("filter-date", &[("date", show::day(lang, *one))]),
                        [first, .., last] => t(
                            "filter-dates",
                            &[
                                ("count", dates.len().to_string()),
                                ("from", show::day(lang, *first)),
                                ("to", show::day(lang, *last)),
                            ],
                        ),
                    }
                }
                FilterKind::Radius => {
                    t("filter-radius", &[("km", f.radius_km.unwrap_or_default().to_string())])
                }
                FilterKind::Genres if f.genres.is_empty() => t("filter-any-genre", &[]),
                FilterKind::Genres => {
                    let names: Vec<&str> = f.genres.iter().map(|g| g.name(lang)).collect();
                    let key = if f.related { "filter-genres-related" } else { "filter-genres" };
                    t(key, &[("genres", names.join(", "))])
                }
                FilterKind::MaxFee => t(
                    "filter-max-fee",
                    &[("fee", f.max_fee.map(|x| x.to_string()).unwrap_or_default())],
                ),
                FilterKind::Capacity => match f.capacity {
                    Some(c) if c.max().people() >= Capacity::MAX => {
                        t("filter-capacity-min", &[("min", c.min().to_string())])
                    }
                    Some(c) if c.min().people() <= 1 => {
                        t("filter-capacity-max", &[("max", c.max().to_string())])
                    }
                    Some(c) => t(
                        "filter-capacity",
                        &[("min", c.min().to_string()), ("max", c.max().to_string())],
                    ),
                    None => String::new(),
                },
                FilterKind::Deals => match f.deals {
                    Some(d) => t("filter-deals", &[("deals", show::deals(lang, d))]),
                    None => String::new(),
                },
                FilterKind::Near => match &f.near {
                    Some(n) => t("filter-near", &[("city", n.name.clone())]),
                    None => String::new(),
                },
            };
            (kind, text)
        })
        .collect()
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

/// The list line's reason: the criterion that fits best and, when one falls short, the main
/// caveat ("genre jazz 30/30; but 450 km, beyond the 150 km radius"), as `Match::headline`
/// picks them.
fn one_line(lang: Lang, m: &Match) -> String {
    match m.headline() {
        (best, Some(caveat)) => tr(
            lang,
            "match-reason-caveat",
            &[("best", criterion_line(lang, best)), ("caveat", criterion_line(lang, caveat))],
        ),
        (best, None) => criterion_line(lang, best),
    }
}

async fn rescore(
    turn: &Turn<'_>,
    seeker: &Profile,
    other: &Profile,
    filters: &SearchFilters,
) -> Option<Match> {
    let q = query(seeker, turn.ctx.today(), filters);
    score(&q, &Candidate::from(other), &weights(turn))
}

pub(crate) async fn show_page(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let Mode::Results(res) = &turn.state.mode else { return Ok(()) };
    let seeker = match turn.store().profile(res.seeker).await {
        Ok(p) => p,
        Err(StoreError::NotFound(_)) => {
            turn.state.mode = Mode::Idle;
            idle_help(turn);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    show_page_of(turn, &seeker).await
}

/// The results' page for `seeker`, the profile they were searched for (read by the caller:
/// a new search has it already).
async fn show_page_of(turn: &mut Turn<'_>, seeker: &Profile) -> Result<(), StoreError> {
    let Mode::Results(res) = turn.state.mode.clone() else { return Ok(()) };
    let lang = turn.lang;
    let active = describe(lang, &res.filters);
    if res.hits.is_empty() {
        let mut r = if active.is_empty() {
            turn.msg("match-none", &[])
        } else {
            turn.msg("match-none-filtered", &[]).para(filters_line(turn, &active))
        };
        // Offer to loosen each filter that, alone, empties the list.
        let mut loosen = Vec::new();
        for (kind, text) in &active {
            let mut wider = res.filters.clone();
            wider.clear(*kind);
            let q = query(seeker, turn.ctx.today(), &wider);
            let n = turn.ctx.matcher.search(turn.store(), weights(turn), &q).await?.len();
            if n > 0 {
                let key = i18n::counted(lang, "btn-loosen", n);
                let label = turn.ta(&key, &[("filter", text.clone()), ("count", n.to_string())]);
                loosen.push(vec![turn.button_text(label, &Action::ClearFilter(*kind))]);
            }
        }
        for row in loosen {
            r = r.row(row);
        }
        r = r.row(refine_buttons(turn));
        turn.push(r);
        return Ok(());
    }
    let favourites = turn.store().favourites(turn.account()).await?;
    let pages = res.hits.len().div_ceil(PAGE);
    let page = usize::from(res.page).min(pages - 1);
    let mut items = Vec::new();
    let mut rows = Vec::new();
    let shown: Vec<ProfileId> =
        res.hits.iter().skip(page * PAGE).take(PAGE).map(|(id, _)| *id).collect();
    // The page's profiles in one listing; one gone since the search is left out.
    let profiles = turn.store().profiles(&shown).await?;
    for (i, (id, points)) in res.hits.iter().enumerate().skip(page * PAGE).take(PAGE) {
        let Some(other) = profiles.iter().find(|p| p.id == *id) else { continue };
        let line = match rescore(turn, seeker, other, &res.filters).await {
            Some(m) => one_line(lang, &m),
            None => String::new(),
        };
        let n = i + 1;
        let star = if favourites.contains(id) { " ⭐" } else { "" };
        items.push(vec![
            Span::Bold(format!("{n}. {}{star}", other.details.name())),
            Span::Plain(format!(" — {} — {points}/100", other.details.city().name())),
            Span::Italic(if line.is_empty() { String::new() } else { format!(" ({line})") }),
        ]);
        let name = other.details.name().to_string();
        rows.push(vec![
            turn.button_text(
                turn.ta("btn-result-open", &[("n", n.to_string()), ("name", name)]),
                &Action::Details(*id),
            ),
            turn.button_text(
                turn.ta("btn-result-propose", &[("n", n.to_string())]),
                &Action::Propose(*id),
            ),
        ]);
    }
    let mut r = turn.msg_n(
        "match-title",
        res.hits.len(),
        &[("page", (page + 1).to_string()), ("pages", pages.to_string())],
    );
    r = if active.is_empty() {
        r.para(turn.s("match-filters-none", &[]))
    } else {
        r.para(filters_line(turn, &active))
    };
    r = r.list(items);
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
    r = r.row(nav).row(clear_buttons(turn, &active)).row(refine_buttons(turn));
    turn.push(r);
    Ok(())
}

/// "Filters: 📅 … · 📍 ≤ 200 km".
fn filters_line(turn: &Turn<'_>, active: &[(FilterKind, String)]) -> Vec<Span> {
    let list: Vec<&str> = active.iter().map(|(_, t)| t.as_str()).collect();
    turn.s("match-filters", &[("filters", list.join(" · "))])
}

/// One "✖ filter" button per active filter.
fn clear_buttons(turn: &Turn<'_>, active: &[(FilterKind, String)]) -> Vec<super::Button> {
    active
        .iter()
        .map(|(kind, text)| {
            turn.button_text(
                turn.ta("btn-clear-filter", &[("filter", text.clone())]),
                &Action::ClearFilter(*kind),
            )
        })
        .collect()
}

fn refine_buttons(turn: &Turn<'_>) -> Vec<super::Button> {
    vec![
        turn.button("btn-refine-filters", &Action::RefineFilters),
        turn.button("btn-refine-dates", &Action::RefineDates),
        turn.button("btn-refine-radius", &Action::RefineRadius),
        turn.button("btn-follow", &Action::Follow),
    ]
}

pub(crate) async fn action(turn: &mut Turn<'_>, action: Action) -> Result<(), StoreError> {
    turn.pure = true;
    let Mode::Results(res) = &mut turn.state.mode else { return Ok(()) };
    let asked = match action {
        Action::Page(n) => {
            res.page = n;
            return show_page(turn).await;
        }
        Action::ClearFilter(kind) => {
            let mut filters = res.filters.clone();
            filters.clear(kind);
            turn.pure = false;
            return run(turn, filters).await;
        }
        Action::Follow => {
            let (seeker, filters) = (res.seeker, res.filters.clone());
            turn.pure = false;
            return follow(turn, seeker, &filters).await;
        }
        Action::RefineDates => Some(FilterKind::Dates),
        Action::RefineRadius => Some(FilterKind::Radius),
        Action::RefineFilters => None,
        _ => return show_page(turn).await,
    };
    let prompt = Prompt::MatchFilters { filters: res.filters.clone(), asked };
    turn.state.mode = Mode::Await(prompt.clone());
    prompts::ask(turn, &prompt);
    Ok(())
}

/// 🔔: alerts about new profiles this search finds, once per search however often pressed.
async fn follow(
    turn: &mut Turn<'_>,
    seeker: ProfileId,
    filters: &SearchFilters,
) -> Result<(), StoreError> {
    let (_, new) = turn.store().follow_search(turn.account(), seeker, &stored(filters)).await?;
    turn.say(if new { "followed" } else { "followed-already" }, &[]);
    Ok(())
}

/// 🔕 from `/settings`: the search stays in the history and alerts no more.
pub(crate) async fn unfollow(turn: &mut Turn<'_>, id: SavedSearchId) -> Result<(), StoreError> {
    let done = turn.store().unfollow_search(turn.account(), id).await?;
    turn.say(if done { "unfollowed" } else { "unfollowed-already" }, &[]);
    Ok(())
}

/// The searches the person follows, under `/settings`: a line and a 🔕 button each.
pub(crate) async fn show_followed(turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let mut lines = Vec::new();
    let mut buttons = Vec::new();
    for (i, search) in turn.store().followed_searches(turn.account()).await?.iter().enumerate() {
        let filters: SearchFilters = serde_json::from_str(&search.query).unwrap_or_default();
        let name = match turn.store().profile(search.profile).await {
            Ok(p) => p.details.name().to_string(),
            Err(StoreError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        let words: Vec<String> =
            describe(turn.lang, &filters).into_iter().map(|(_, t)| t).collect();
        let what = if words.is_empty() { turn.t("filter-all") } else { words.join(" · ") };
        let n = i + 1;
        lines.push(vec![Span::Plain(
            turn.ta("followed-line", &[("n", n.to_string()), ("profile", name), ("filters", what)]),
        )]);
        buttons.push(turn.button_text(
            turn.ta("btn-unfollow", &[("n", n.to_string())]),
            &Action::Unfollow(search.id),
        ));
    }
    if lines.is_empty() {
        return Ok(());
    }
    let mut r = turn.msg("followed-title", &[]).list(lines);
    for row in buttons.chunks(5) {
        r = r.row(row.to_vec());
    }
    turn.push(r);
    Ok(())
}

/// A profile in full, with its score for the person's active profile.
pub(crate) async fn details(turn: &mut Turn<'_>, id: ProfileId) -> Result<(), StoreError> {
    let lang = turn.lang;
    let other = match turn.store().profile(id).await {
        Ok(p) if p.status.is_public() => p,
        Ok(p) if p.status.is_erased() => {
            turn.say("profile-erased", &[]);
            return Ok(());
        }
        Ok(_) | Err(StoreError::NotFound(_)) => {
            turn.say("profile-gone", &[]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let responsive = show::responsiveness(lang, turn.store(), other.id).await?;
    let mut r = Reply::new()
        .para(vec![Span::Bold(other.details.name().to_string())])
        .list(show::profile_lines(lang, &other, turn.ctx.today()))
        .para(vec![Span::Italic(responsive)]);
    if let Some(me) = turn.active_profile().await? {
        let filters = match &turn.state.mode {
            Mode::Results(res) => res.filters.clone(),
            _ => SearchFilters::default(),
        };
        if let Some(m) = rescore(turn, &me, &other, &filters).await {
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
    let starred = turn.store().favourites(turn.account()).await?.contains(&id);
    let mut row = vec![
        turn.button("btn-propose", &Action::Propose(id)),
        if starred {
            turn.button("btn-unstar", &Action::Unstar(id))
        } else {
            turn.button("btn-star", &Action::Star(id))
        },
    ];
    if let Mode::Results(res) = &turn.state.mode {
        row.push(turn.button("btn-back-results", &Action::Page(res.page)));
    }
    r = r.row(row);
    turn.push(r);
    Ok(())
}

/// ⭐ or its removal, then the profile again: "Propose a date" stays one tap away.
pub(crate) async fn star(turn: &mut Turn<'_>, id: ProfileId, on: bool) -> Result<(), StoreError> {
    let name = match turn.store().profile(id).await {
        Ok(p) => p.details.name().to_string(),
        Err(StoreError::NotFound(_)) => {
            turn.say("profile-gone", &[]);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if on {
        turn.store().add_favourite(turn.account(), id).await?;
        turn.say("starred", &[("name", name)]);
    } else {
        turn.store().remove_favourite(turn.account(), id).await?;
        turn.say("unstarred", &[("name", name)]);
    }
    details(turn, id).await
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
