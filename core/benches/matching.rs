//! Matching at market scale: generates N realistic profiles, builds the index, times top-10
//! queries with and without named dates and with the filters a person sets (distance, genres,
//! fee ceiling, capacity), and runs the same query as plain SQL in PostgreSQL.
//!
//! `BENCH_SIZES` (default "10000,100000,1000000") lists the N; `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) is where the SQL baseline runs, in its own schema
//! `bench_matching`, reloaded only when N or the generator changes. Everything runs on one core:
//! the index is single-threaded, and PostgreSQL is told not to use parallel workers.

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use flowstage_core::domain::ProfileId;
use flowstage_core::domain::audience::Audience;
use flowstage_core::domain::genre::{GenreId, GenreRelation, GenreSet};
use flowstage_core::domain::places;
use flowstage_core::domain::values::{
    AudienceRange, BudgetRange, Capacity, DateSet, Fee, TravelRadius,
};
use flowstage_core::matching::{
    Candidate, DateBasis, GenreFilter, MatchIndex, Query, Side, Weights, brute_force,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Connection, PgConnection, Row};

type Res<T> = Result<T, Box<dyn Error>>;

/// The kinds of query timed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Plain,
    /// One to three named dates.
    Dates,
    /// Distance, genres, fee ceiling and capacity range set.
    Filters,
}

/// Bump when the generator changes, so the stored SQL copy is reloaded.
const GENERATOR: i64 = 4;
const SEED: u64 = 20_261_124;
const QUERIES: usize = 1_000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or(NaiveDate::MIN)
}

fn main() -> Res<()> {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect();
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut pg = rt.block_on(async {
        match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&url)).await {
            Ok(Ok(c)) => Some(c),
            Ok(Err(e)) => {
                println!("PostgreSQL unreachable at {url} ({e}): no SQL column");
                None
            }
            Err(_) => {
                println!("PostgreSQL did not answer at {url} within 5 s: no SQL column");
                None
            }
        }
    });

    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:>9} | {:>8} | {:>9} | {:>7} | {:<10} | {:>8} | {:>8} | {:>9} | {:>9} | {:>8} | {:>7} | SQL = index",
        "N",
        "build",
        "index B/p",
        "RSS B/p",
        "query",
        "p50",
        "p99",
        "SQL p50",
        "SQL p99",
        "x (p50)",
        "x (p99)",
    );
    for &n in &sizes {
        let mut rng = StdRng::seed_from_u64(SEED ^ n as u64);
        let gen_start = Instant::now();
        let world = World::new();
        let candidates: Vec<Candidate> = (0..n).map(|i| world.candidate(&mut rng, i)).collect();
        eprintln!("N={n}: generated in {:.1?}", gen_start.elapsed());

        let rss_before = rss_bytes();
        let start = Instant::now();
        let mut index = MatchIndex::new(Weights::default());
        for c in &candidates {
            index.upsert(c);
        }
        index.compact();
        let build = start.elapsed();
        let rss_after = rss_bytes();
        let per_profile = index.heap_bytes() as f64 / n as f64;
        let rss_per = rss_after.saturating_sub(rss_before) as f64 / n as f64;
        eprintln!("N={n}: index of {} built in {build:.1?}", index.len());

        let approved: Vec<&Candidate> = candidates.iter().filter(|c| c.approved).collect();
        let queries_for = |case: Case, rng: &mut StdRng, count: usize| -> Vec<Query> {
            let named = case == Case::Dates;
            (0..count)
                .map(|_| {
                    let seeker = approved[rng.random_range(0..approved.len())].clone();
                    let mut q = Query::new(seeker, today());
                    if case == Case::Filters {
                        // What a person sets in /match: a distance, their genres and the
                        // related ones, a ceiling and a size around their own.
                        let f = &mut q.filters;
                        f.radius_km = Some([100, 200, 300, 500][rng.random_range(0..4)]);
                        f.genres = Some(GenreFilter {
                            genres: q.seeker.genres.ids().to_vec(),
                            related: rng.random_bool(0.5),
                        });
                        match q.seeker.side {
                            Side::Venue { capacity, budget } => {
                                f.max_fee = Some(budget.max().euros());
                                let c = capacity.people();
                                f.capacity = Some((c / 2, c.saturating_mul(2)));
                            }
                            Side::Artist { draw, .. } => {
                                f.capacity = Some((draw.min().people(), draw.max().people()));
                            }
                        }
                    }
                    if named {
                        let own: Vec<NaiveDate> = q.seeker.dates.dates().iter().copied().collect();
                        let k = rng.random_range(1..=3);
                        q.dates = Some(
                            (0..k)
                                .map(|_| match own.get(rng.random_range(0..own.len().max(1))) {
                                    Some(d) if rng.random_bool(0.8) => *d,
                                    _ => day(rng.random_range(0..120)),
                                })
                                .collect(),
                        );
                    }
                    q
                })
                .collect()
        };

        if let Some(conn) = pg.as_mut() {
            rt.block_on(load(conn, n, &candidates))?;
        }

        for (label, case) in
            [("no dates", Case::Plain), ("1-3 dates", Case::Dates), ("filters", Case::Filters)]
        {
            let queries = queries_for(case, &mut rng, QUERIES);
            // A warm-up pass, as a long-running process would be.
            for q in queries.iter().take(50) {
                std::hint::black_box(index.search(q));
            }
            let mut times = Vec::with_capacity(queries.len());
            for q in &queries {
                let t = Instant::now();
                std::hint::black_box(index.search(q));
                times.push(t.elapsed());
            }
            // The index must equal brute force at scale too, on a sample.
            for q in queries.iter().take(if n > 200_000 { 3 } else { 10 }) {
                let expected = brute_force(q, &candidates, &index.weights());
                if index.search(q) != expected {
                    return Err(format!("index differs from brute force at N={n}").into());
                }
            }
            let (p50, p99) = percentiles(&mut times);

            let mut sql = None;
            if let Some(conn) = pg.as_mut() {
                let sample = if n >= 1_000_000 { 10 } else { 30 };
                let mut sql_times = Vec::new();
                let mut agree = 0;
                for q in queries.iter().take(sample) {
                    let t = Instant::now();
                    let rows = rt.block_on(sql_top10(conn, q))?;
                    sql_times.push(t.elapsed());
                    let ours: Vec<(i64, i64)> = index
                        .search(q)
                        .iter()
                        .map(|m| {
                            let rank = i64::from(5 - m.weak) * 2_000_000 + i64::from(m.fine);
                            (m.profile.0, rank)
                        })
                        .collect();
                    agree += usize::from(rows == ours);
                }
                let (s50, s99) = percentiles(&mut sql_times);
                sql = Some((s50, s99, format!("{agree}/{sample}")));
            }
            let cells = match &sql {
                Some((s50, s99, agree)) => format!(
                    "{:>9} | {:>9} | {:>7.0}× | {:>6.0}× | {agree}",
                    ms(*s50),
                    ms(*s99),
                    s50.as_secs_f64() / p50.as_secs_f64(),
                    s99.as_secs_f64() / p99.as_secs_f64(),
                ),
                None => format!("{:>9} | {:>9} | {:>8} | {:>7} | -", "-", "-", "-", "-"),
            };
            let _ = writeln!(
                table,
                "{n:>9} | {:>8} | {per_profile:>9.0} | {rss_per:>7.0} | {label:<10} | {:>8} | {:>8} | {cells}",
                ms(build),
                ms(p50),
                ms(p99),
            );
            eprintln!("N={n} {label}: done");
        }
    }
    println!("\nMatching benchmark: top-10 queries, {QUERIES} per row (SQL: a sample), one core.");
    println!(
        "index B/p: heap bytes of the index per profile; RSS B/p: resident growth while building."
    );
    print!("{table}");
    Ok(())
}

fn day(offset: u64) -> NaiveDate {
    today().checked_add_days(Days::new(offset)).unwrap_or(NaiveDate::MAX)
}

fn percentiles(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort_unstable();
    let at = |p: f64| {
        let i = ((times.len() as f64 - 1.0) * p).round() as usize;
        times.get(i).copied().unwrap_or_default()
    };
    (at(0.50), at(0.99))
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 100.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()))
        .map_or(0, |pages| pages * 4096)
}

/// The shape of the market the generator draws from.
struct World {
    /// Places and their cumulative population, to draw a town in proportion to its people.
    places: Vec<(f32, f32)>,
    cumulative: Vec<u64>,
    /// Genre families with how common they are on French stages, and their sub-genres.
    families: Vec<(GenreId, u32, Vec<GenreId>)>,
    family_total: u32,
}

impl World {
    fn new() -> Self {
        let mut places = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for p in places::all() {
            total += u64::from(p.population().max(1));
            places.push((p.lat() as f32, p.lon() as f32));
            cumulative.push(total);
        }
        let share = |slug: &str| match slug {
            "rock" => 22,
            "pop" | "electro" => 14,
            "hip-hop" => 12,
            "jazz" | "chanson" => 9,
            "world" | "folk" => 6,
            "blues" => 5,
            "classical" => 4,
            "experimental" | "kids" => 2,
            _ => 1,
        };
        let families: Vec<(GenreId, u32, Vec<GenreId>)> =
            GenreId::families().map(|f| (f, share(f.slug()), f.children().collect())).collect();
        let family_total = families.iter().map(|f| f.1).sum();
        Self { places, cumulative, families, family_total }
    }

    fn town(&self, rng: &mut StdRng) -> (f32, f32) {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.random_range(0..total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        let (lat, lon) = self.places.get(i).copied().unwrap_or((48.85, 2.35));
        // Spread within the commune, so that two profiles of one town are not at one point.
        (lat + rng.random_range(-0.02..0.02), lon + rng.random_range(-0.03..0.03))
    }

    fn family(&self, rng: &mut StdRng) -> &(GenreId, u32, Vec<GenreId>) {
        let mut x = rng.random_range(0..self.family_total);
        for f in &self.families {
            if x < f.1 {
                return f;
            }
            x -= f.1;
        }
        &self.families[0]
    }

    fn genres(&self, rng: &mut StdRng, venue: bool) -> GenreSet {
        let count = if venue { rng.random_range(1..=4) } else { rng.random_range(1..=3) };
        let mut picked = Vec::new();
        let home = self.family(rng);
        for i in 0..count {
            let fam = if i == 0 || rng.random_bool(0.7) { home } else { self.family(rng) };
            let g = if fam.2.is_empty() || rng.random_bool(0.25) {
                fam.0
            } else {
                fam.2[rng.random_range(0..fam.2.len())]
            };
            picked.push(g);
        }
        GenreSet::new(picked)
            .unwrap_or_else(|_| GenreSet::new([home.0]).unwrap_or_else(|_| unreachable!()))
    }

    fn candidate(&self, rng: &mut StdRng, i: usize) -> Candidate {
        let venue = rng.random_bool(0.15);
        let log_uniform =
            |rng: &mut StdRng, lo: f64, hi: f64| rng.random_range(lo.ln()..hi.ln()).exp();
        let (side, free) = if venue {
            let capacity = log_uniform(rng, 30.0, 8000.0).round() as i64;
            let max = (capacity as f64 * rng.random_range(2.0..8.0)).round() as i64;
            let min = max / 2;
            (
                Side::Venue {
                    capacity: Capacity::try_from(capacity).unwrap_or_else(|_| unreachable!()),
                    budget: BudgetRange::try_from((min, max)).unwrap_or_else(|_| unreachable!()),
                },
                rng.random_range(5..40),
            )
        } else {
            let lo = log_uniform(rng, 20.0, 3000.0).round() as i64;
            let hi = ((lo as f64) * rng.random_range(1.5..4.0)).round() as i64;
            let fee = (log_uniform(rng, 150.0, 15_000.0) / 50.0).round() as i64 * 50;
            let radius = [30, 50, 100, 150, 200, 300, 500, 800][rng.random_range(0..8)];
            (
                Side::Artist {
                    fee: Fee::try_from(fee).unwrap_or_else(|_| unreachable!()),
                    negotiable: rng.random_bool(0.5),
                    draw: AudienceRange::try_from((lo, hi.min(100_000)))
                        .unwrap_or_else(|_| unreachable!()),
                    radius: TravelRadius::try_from(radius).unwrap_or_else(|_| unreachable!()),
                    performers: rng.random_bool(0.8).then(|| rng.random_range(1..=14)),
                },
                rng.random_range(10..60),
            )
        };
        let (lat, lon) = self.town(rng);
        let dates: Vec<NaiveDate> = (0..free).map(|_| day(rng.random_range(0..365))).collect();
        Candidate {
            id: ProfileId(i as i64 + 1),
            approved: rng.random_bool(0.95),
            genres: self.genres(rng, venue),
            lat,
            lon,
            side,
            dates: DateSet::from_stored(dates),
            audience: rng
                .random_bool(0.8)
                .then(|| Audience::ALL[rng.random_range(0..Audience::ALL.len())]),
            // Not drawn, so the generated world (and the stored SQL copy) stays as it was.
            deals: None,
        }
    }
}

/// Loads the profiles into `bench_matching.profiles` unless that copy is already current.
async fn load(conn: &mut PgConnection, n: usize, candidates: &[Candidate]) -> Res<()> {
    sqlx::query("CREATE SCHEMA IF NOT EXISTS bench_matching").execute(&mut *conn).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_matching.meta (n bigint, generator bigint, seed bigint)",
    )
    .execute(&mut *conn)
    .await?;
    let current: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT n, generator, seed FROM bench_matching.meta LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    if current == Some((n as i64, GENERATOR, SEED as i64)) {
        eprintln!("N={n}: SQL copy is current");
    } else {
        let t = Instant::now();
        for stmt in [
            "DROP TABLE IF EXISTS bench_matching.profiles",
            "DELETE FROM bench_matching.meta",
            // What a team would write: one row per profile, genres and free dates as arrays.
            "CREATE TABLE bench_matching.profiles (
                id bigint PRIMARY KEY,
                kind text NOT NULL,
                approved boolean NOT NULL,
                genres smallint[] NOT NULL,
                lat real NOT NULL,
                lon real NOT NULL,
                fee integer, negotiable boolean, draw_min integer, draw_max integer, radius integer,
                capacity integer, budget_min integer, budget_max integer,
                dates date[] NOT NULL,
                audience smallint NOT NULL,
                performers smallint NOT NULL
            )",
        ] {
            sqlx::query(stmt).execute(&mut *conn).await?;
        }
        let mut copy =
            conn.copy_in_raw("COPY bench_matching.profiles FROM STDIN (FORMAT text)").await?;
        let mut buf = String::new();
        for c in candidates {
            let genres: Vec<String> =
                c.genres.ids().iter().map(|g| g.index().to_string()).collect();
            let dates: Vec<String> = c.dates.dates().iter().map(ToString::to_string).collect();
            let (kind, cols) = match c.side {
                Side::Artist { fee, negotiable, draw, radius, .. } => (
                    "artist",
                    format!(
                        "{}\t{}\t{}\t{}\t{}\t\\N\t\\N\t\\N",
                        fee.euros(),
                        negotiable,
                        draw.min().people(),
                        draw.max().people(),
                        radius.km()
                    ),
                ),
                Side::Venue { capacity, budget } => (
                    "venue",
                    format!(
                        "\\N\t\\N\t\\N\t\\N\t\\N\t{}\t{}\t{}",
                        capacity.people(),
                        budget.min().euros(),
                        budget.max().euros()
                    ),
                ),
            };
            let performers = match c.side {
                Side::Artist { performers, .. } => performers.unwrap_or(0),
                Side::Venue { .. } => 0,
            };
            let _ = writeln!(
                buf,
                "{}\t{kind}\t{}\t{{{}}}\t{}\t{}\t{cols}\t{{{}}}\t{}\t{performers}",
                c.id.0,
                c.approved,
                genres.join(","),
                c.lat,
                c.lon,
                dates.join(","),
                audience_code(c.audience)
            );
            if buf.len() > 1 << 20 {
                copy.send(buf.as_bytes()).await?;
                buf.clear();
            }
        }
        copy.send(buf.as_bytes()).await?;
        copy.finish().await?;
        for stmt in [
            "SET maintenance_work_mem = '1GB'",
            "CREATE INDEX ON bench_matching.profiles (kind) WHERE approved",
            "CREATE INDEX ON bench_matching.profiles USING gin (genres)",
            "CREATE INDEX ON bench_matching.profiles USING gin (dates)",
            "ANALYZE bench_matching.profiles",
        ] {
            sqlx::query(stmt).execute(&mut *conn).await?;
        }
        sqlx::query("INSERT INTO bench_matching.meta VALUES ($1, $2, $3)")
            .bind(n as i64)
            .bind(GENERATOR)
            .bind(SEED as i64)
            .execute(&mut *conn)
            .await?;
        eprintln!("N={n}: SQL copy loaded and indexed in {:.1?}", t.elapsed());
    }
    sqlx::query("SET max_parallel_workers_per_gather = 0").execute(&mut *conn).await?;
    Ok(())
}

/// The same ranking, in SQL: integer arithmetic written out as the score module documents it —
/// filters, the genre rule, audience and line-up, weak criteria first.
const SQL: &str = "
WITH c AS (
  SELECT p.id,
    CASE WHEN p.genres && $1 THEN 1000 WHEN p.genres && $2 THEN 900
         WHEN p.genres && $3 THEN 500 ELSE 0 END AS relation,
    ($20::int[])[p.audience + 1]::bigint AS fit,
    (SELECT count(*) FROM unnest(p.dates) d WHERE d = ANY($4)) AS shared,
    CASE WHEN $7 = 'artist' THEN p.fee ELSE $9 END::bigint AS fee,
    CASE WHEN $7 = 'artist' THEN p.negotiable ELSE $10 END AS negotiable,
    CASE WHEN $7 = 'artist' THEN $13 ELSE p.budget_max END::bigint AS budget_max,
    CASE WHEN $7 = 'artist' THEN $14 ELSE p.capacity END::bigint AS capacity,
    CASE WHEN $7 = 'artist' THEN p.draw_min ELSE $11 END::bigint AS draw_min,
    CASE WHEN $7 = 'artist' THEN p.draw_max ELSE $12 END::bigint AS draw_max,
    CASE WHEN $7 = 'artist' THEN p.performers ELSE $21 END::bigint AS performers,
    COALESCE($15, CASE WHEN $7 = 'artist' THEN p.radius ELSE $16 END)::bigint AS radius,
    sin((radians(p.lat::float8) - radians($17::float8)) / 2) AS sdp,
    sin(radians(p.lon::float8 - $18::float8) / 2) AS sdl,
    cos(radians($17::float8)) * cos(radians(p.lat::float8)) AS cc
  FROM bench_matching.profiles p
  WHERE p.kind = $7 AND p.approved AND p.id <> $8 AND (NOT $6 OR p.dates && $4)
    AND ($19 OR p.genres && ($1 || $2 || $3))
    AND ($23::smallint[] IS NULL OR p.genres && $23)
    AND ($24::int IS NULL OR CASE WHEN $7 = 'artist' THEN p.fee ELSE p.budget_max END <= $24)
    AND ($25::int IS NULL OR CASE WHEN $7 = 'artist' THEN p.draw_min <= $26 AND p.draw_max >= $25
                                  ELSE p.capacity BETWEEN $25 AND $26 END)
), g AS (
  SELECT id, relation * fit / 1000 AS genre, fit, shared, fee, negotiable, budget_max, capacity,
    draw_min, draw_max, performers, radius,
    floor(2 * 6371.0::float8 * asin(least(sqrt(sdp * sdp + cc * (sdl * sdl)), 1)))::bigint AS km
  FROM c
), x AS (
  SELECT id, genre, fit, shared, fee, budget_max, capacity, draw_min, draw_max, radius, km,
    CASE WHEN negotiable THEN 500 ELSE 250 END::bigint AS t,
    least(greatest(fee - budget_max, 0) * 1000 / greatest(budget_max, 1), 1000000000) AS o,
    25 + radius / 2 AS s,
    least(greatest(km - radius, 0), 1000000000) AS e,
    least(CASE WHEN capacity > draw_max THEN (capacity - draw_max) * 1000 / greatest(draw_max, 1)
               WHEN capacity < draw_min THEN (draw_min - capacity) * 1000 / greatest(capacity, 1)
               ELSE 0 END, 1000000000) AS gap,
    least(CASE WHEN capacity >= performers * 15 THEN 0
               ELSE (performers * 15 - capacity) * 1000 / greatest(capacity, 1) END,
          1000000000) AS short
  FROM g
  WHERE $22::int IS NULL OR km <= $22
), v AS (
  SELECT id, genre, fit,
    CASE WHEN $5 = 0 THEN 0 ELSE least(shared, $5) * 1000 / $5 END AS date,
    CASE WHEN fee <= budget_max THEN 1000 ELSE 1000 * t * t / greatest(t * t + o * o, 1) END AS budget,
    CASE WHEN km <= radius THEN 1000 ELSE 1000 * s * s / greatest(s * s + e * e, 1) END AS location,
    least(CASE WHEN capacity BETWEEN draw_min AND draw_max THEN 1000
               ELSE 1000000000 / (1000000 + gap * gap) END,
          CASE WHEN short = 0 THEN 1000 ELSE 250000000 / (250000 + short * short) END) AS capacity
  FROM x
), w AS (
  SELECT id, (30 * genre + 25 * date + 20 * budget + 15 * location + 10 * capacity)::bigint AS fine,
    ((CASE WHEN $27 THEN fit ELSE genre END) < 250)::int + (date = 0)::int + (budget < 250)::int
      + (location < 250)::int + (capacity < 250)::int AS weak
  FROM v
)
SELECT id, (5 - weak) * 2000000 + fine AS rank
FROM w
ORDER BY rank DESC, id
LIMIT 10";

/// Runs the SQL version of a query; the seeker's genre neighbourhoods and asked dates are
/// worked out in the application, as a team would.
async fn sql_top10(conn: &mut PgConnection, q: &Query) -> Res<Vec<(i64, i64)>> {
    let s = &q.seeker;
    let mine: Vec<GenreId> = q.asked_genres();
    let related = |rel: GenreRelation| -> Vec<i16> {
        GenreId::all()
            .filter(|g| mine.iter().any(|m| m.relation(*g) == rel))
            .filter_map(|g| i16::try_from(g.index()).ok())
            .collect()
    };
    let asked = q.asked_days();
    let named = asked.basis == DateBasis::Named;
    let (kind, fee, negotiable, draw_min, draw_max, radius, budget_max, capacity, performers) =
        match s.side {
            Side::Venue { capacity, budget } => {
                ("artist", 0, false, 0, 0, 0, budget.max().euros(), capacity.people(), 0)
            }
            Side::Artist { fee, negotiable, draw, radius, performers } => (
                "venue",
                fee.euros(),
                negotiable,
                draw.min().people(),
                draw.max().people(),
                radius.km(),
                0,
                0,
                performers.unwrap_or(0),
            ),
        };
    // The audience fit for each stored code, 1-based in SQL.
    let fit: Vec<i32> = (0..10u8)
        .map(|code| {
            let other = audience_of(code);
            let v = if kind == "venue" {
                flowstage_core::matching::score::audience_value(s.audience, other)
            } else {
                flowstage_core::matching::score::audience_value(other, s.audience)
            };
            i32::try_from(v).unwrap_or(0)
        })
        .collect();
    let f = &q.filters;
    let allowed: Option<Vec<i16>> = f.genres.as_ref().map(|g| {
        let loosest = g.loosest();
        GenreId::all()
            .filter(|x| g.genres.iter().any(|a| a.relation(*x) <= loosest))
            .filter_map(|x| i16::try_from(x.index()).ok())
            .collect()
    });
    let as_i32 = |x: u32| i32::try_from(x).unwrap_or(i32::MAX);
    let rows = sqlx::query(SQL)
        .bind(related(GenreRelation::Same))
        .bind(related(GenreRelation::ParentOrChild))
        .bind(related(GenreRelation::Sibling))
        .bind(&asked.days)
        .bind(i64::try_from(asked.days.len()).unwrap_or(i64::MAX))
        .bind(named)
        .bind(kind)
        .bind(s.id.0)
        .bind(as_i32(fee))
        .bind(negotiable)
        .bind(as_i32(draw_min))
        .bind(as_i32(draw_max))
        .bind(as_i32(budget_max))
        .bind(as_i32(capacity))
        .bind(q.radius_override.map(i32::from))
        .bind(i32::from(radius))
        .bind(s.lat)
        .bind(s.lon)
        .bind(!q.needs_a_common_genre())
        .bind(fit)
        .bind(as_i32(u32::from(performers)))
        .bind(f.radius_km.map(i32::from))
        .bind(allowed)
        .bind(f.max_fee.map(as_i32))
        .bind(f.capacity.map(|c| as_i32(c.0)))
        .bind(f.capacity.map(|c| as_i32(c.1)))
        .bind(f.any_genre)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1))).collect())
}

/// The audience as the SQL copy stores it: 0 when not said, else 1 + its place in
/// `Audience::ALL` (the index's own code).
fn audience_code(a: Option<Audience>) -> u8 {
    a.and_then(|a| Audience::ALL.iter().position(|x| *x == a))
        .map_or(0, |i| u8::try_from(i + 1).unwrap_or(0))
}

fn audience_of(code: u8) -> Option<Audience> {
    Audience::ALL.get(usize::from(code.checked_sub(1)?)).copied()
}
