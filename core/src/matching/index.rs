//! The in-memory matching index: a top-k query over a million profiles in milliseconds, returning
//! exactly what [`brute_force`](super::score::brute_force) returns.
//!
//! # Layout
//! Profiles live in buckets keyed by (kind, 1° × 1° grid cell, genre family of their first
//! genre, band of travel radius), cut into chunks of [`DEFAULT_CHUNK`] slots. A slot is a 48-byte
//! copy of what the score reads (genres as a 64-bit set, fee or budget, capacity or draw,
//! coordinates, radius, audience and performers in two bytes); free dates are a bitmap of 64-day
//! words, days counted from 2020-01-01, in one shared arena. Each chunk keeps a summary: the
//! union of its genres, dates (with the most days one member has in each date word) and
//! audiences, and the extremes of its numbers; distance is bounded by the bucket's grid cell.
//!
//! # Search
//! Every criterion is monotonic, so a chunk's summary gives an upper bound of the order key
//! ([`order_key`]: weak criteria, then score) any of its members can reach; a chunk that no
//! member of could pass the filters or the genre rule is skipped. Chunks are visited best bound
//! first; a chunk whose bound is below the k-th best key found so far is never opened, and
//! neither is any later one. Inside a chunk a
//! candidate's distance (the one costly criterion) is computed only when the other four leave it
//! a chance. Equal scores are kept in the race (the smaller id wins them), so pruning never changes
//! the result; the returned breakdowns are computed by the reference [`score`] itself.
//!
//! # Freshness
//! [`MatchIndex::upsert`] and [`MatchIndex::remove`] touch one slot and refresh one or two chunk
//! summaries, so a store refresher can apply changes one by one as they arrive. Summaries never
//! depend on the weights, which [`MatchIndex::set_weights`] may change at any time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;

use chrono::{Days, NaiveDate};

use super::score::{
    AskedDays, Candidate, Criterion, DateBasis, FULL, Match, Query, Side, Weights, audience_value,
    budget_value, capacity_value, date_value, distance_km, epoch, genre_value, is_weak,
    lineup_value, location_value, order_key, score_with,
};
use crate::domain::ProfileId;
use crate::domain::audience::{Ages, Audience, Seating};
use crate::domain::genre::{GenreId, GenreRelation, GenreSet};
use crate::domain::profile::ProfileKind;
use crate::domain::proposal::DealsTaken;
use crate::domain::search::FilterKind;
use crate::domain::values::{AudienceRange, BudgetRange, Capacity, DateSet, Fee, TravelRadius};

/// Slots per chunk: small enough that a chunk's summary stays tight, large enough that visiting
/// summaries costs little next to scanning slots.
pub const DEFAULT_CHUNK: usize = 128;

/// Mean Earth radius, km (the one [`distance_km`] uses).
const EARTH_KM: f64 = 6371.0;

fn day_number(d: NaiveDate) -> Option<u32> {
    u32::try_from((d - epoch()).num_days()).ok()
}

/// Sorted day numbers as (first word, words).
fn words_of(days: impl Iterator<Item = u32>) -> (u32, Vec<u64>) {
    let mut start = None;
    let mut words: Vec<u64> = Vec::new();
    for day in days {
        let w = day / 64;
        let s = *start.get_or_insert(w);
        let i = (w - s) as usize;
        if words.len() <= i {
            words.resize(i + 1, 0);
        }
        words[i] |= 1 << (day % 64);
    }
    (start.unwrap_or(0), words)
}

/// Shared days of a query bitmap and a chunk's union of dates, each word's count capped by the
/// most days any one member has in that word: a bound for every member, much tighter than the
/// union alone when members are free on different days.
fn overlap_capped(q_start: u32, q: &[u64], s: &Summary) -> u32 {
    let lo = q_start.max(s.dates_start);
    let hi = (q_start as usize + q.len()).min(s.dates_start as usize + s.dates.len());
    let lo = lo as usize;
    if lo >= hi {
        return 0;
    }
    let q = q.get(lo - q_start as usize..hi - q_start as usize).unwrap_or(&[]);
    let at = lo - s.dates_start as usize..hi - s.dates_start as usize;
    let union = s.dates.get(at.clone()).unwrap_or(&[]);
    let most = s.most_per_word.get(at).unwrap_or(&[]);
    q.iter().zip(union).zip(most).map(|((x, y), &m)| (x & y).count_ones().min(u32::from(m))).sum()
}

/// Shared days of two bitmaps.
fn overlap(a_start: u32, a: &[u64], b_start: u32, b: &[u64]) -> u32 {
    let lo = a_start.max(b_start);
    let hi = (a_start as usize + a.len()).min(b_start as usize + b.len());
    let lo = lo as usize;
    if lo >= hi {
        return 0;
    }
    let a = a.get(lo - a_start as usize..hi - a_start as usize).unwrap_or(&[]);
    let b = b.get(lo - b_start as usize..hi - b_start as usize).unwrap_or(&[]);
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

fn genre_bits(set: &GenreSet) -> u64 {
    ids_bits(set.ids())
}

fn ids_bits(ids: &[GenreId]) -> u64 {
    ids.iter().filter(|g| g.index() < 64).fold(0, |acc, g| acc | 1 << g.index())
}

/// An audience in four bits: 0 when not said, else 1 + 3 × ages + seating.
fn audience_code(a: Option<Audience>) -> u8 {
    let Some(a) = a else { return 0 };
    let ages = match a.ages {
        Ages::All => 0,
        Ages::Young => 1,
        Ages::Adult => 2,
    };
    let seating = match a.seating {
        Seating::Seated => 0,
        Seating::Standing => 1,
        Seating::Either => 2,
    };
    1 + 3 * ages + seating
}

fn audience_of(code: u8) -> Option<Audience> {
    Audience::ALL.get(usize::from(code.checked_sub(1)?)).copied()
}

/// The deals taken in two bits: 0 when not said, else 1 + the index in [`DealsTaken::ALL`].
fn deals_code(d: Option<DealsTaken>) -> u8 {
    d.and_then(|d| DealsTaken::ALL.iter().position(|x| *x == d))
        .and_then(|i| u8::try_from(i + 1).ok())
        .unwrap_or(0)
}

fn deals_of(code: u8) -> Option<DealsTaken> {
    DealsTaken::ALL.get(usize::from(code.checked_sub(1)?)).copied()
}

/// The deals codes (one bit each) that pass a filter asking for `wanted`: those that take it,
/// and "not said".
fn deals_passing(wanted: DealsTaken) -> u8 {
    (0..4u8).filter(|c| deals_of(*c).is_none_or(|d| d.takes(wanted))).fold(0, |m, c| m | 1 << c)
}

/// For each genre, the genres in a parent-or-child and in a sibling relation with it.
struct GenreTables {
    parent_or_child: [u64; 64],
    sibling: [u64; 64],
}

fn tables() -> &'static GenreTables {
    static TABLES: OnceLock<GenreTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = GenreTables { parent_or_child: [0; 64], sibling: [0; 64] };
        for a in GenreId::all().filter(|g| g.index() < 64) {
            for b in GenreId::all().filter(|g| g.index() < 64) {
                match a.relation(b) {
                    GenreRelation::ParentOrChild => t.parent_or_child[a.index()] |= 1 << b.index(),
                    GenreRelation::Sibling => t.sibling[a.index()] |= 1 << b.index(),
                    GenreRelation::Same | GenreRelation::Unrelated => {}
                }
            }
        }
        t
    })
}

/// The seeker's genres, ready to be compared with a set of genres in three AND operations.
#[derive(Clone, Copy)]
struct GenreProbe {
    same: u64,
    parent_or_child: u64,
    sibling: u64,
}

impl GenreProbe {
    fn new(bits: u64) -> Self {
        let t = tables();
        let mut p = GenreProbe { same: bits, parent_or_child: 0, sibling: 0 };
        for i in (0..64).filter(|i| bits >> i & 1 == 1) {
            p.parent_or_child |= t.parent_or_child[i];
            p.sibling |= t.sibling[i];
        }
        p
    }

    /// The best relation with any genre of `other`; on a union of sets, a bound for each member.
    fn relation(self, other: u64) -> GenreRelation {
        if self.same & other != 0 {
            GenreRelation::Same
        } else if self.parent_or_child & other != 0 {
            GenreRelation::ParentOrChild
        } else if self.sibling & other != 0 {
            GenreRelation::Sibling
        } else {
            GenreRelation::Unrelated
        }
    }
}

/// What the index keeps of one profile.
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: i64,
    genres: u64,
    lat: f32,
    lon: f32,
    /// Artist: fee. Venue: capacity.
    a: u32,
    /// Artist: draw minimum. Venue: budget minimum.
    b: u32,
    /// Artist: draw maximum. Venue: budget maximum.
    c: u32,
    dates_off: u32,
    dates_start: u16,
    dates_len: u16,
    radius: u16,
    /// Bit 0: the fee is negotiable; bits 1–4: the audience ([`audience_code`]); bits 5–6: the
    /// deals taken ([`deals_code`]).
    flags: u8,
    /// Performers on stage (0: not given; the line-up holds at most 200).
    performers: u8,
}

impl Slot {
    fn negotiable(&self) -> bool {
        self.flags & 1 == 1
    }

    fn audience(&self) -> u8 {
        self.flags >> 1 & 0b1111
    }

    fn deals(&self) -> u8 {
        self.flags >> 5 & 0b11
    }

    fn dates<'w>(&self, arena: &'w [u64]) -> &'w [u64] {
        let off = self.dates_off as usize;
        arena.get(off..off + usize::from(self.dates_len)).unwrap_or(&[])
    }
}

/// Bounds over the slots of one chunk.
#[derive(Debug, Clone)]
struct Summary {
    genres: u64,
    a_min: u32,
    a_max: u32,
    b_min: u32,
    c_min: u32,
    c_max: u32,
    radius_max: u16,
    any_negotiable: bool,
    /// The audience codes present, one bit each.
    audiences: u16,
    /// The deals codes present, one bit each.
    deals: u8,
    /// The fewest performers (0 when one is not given).
    performers_min: u8,
    dates_start: u32,
    dates: Vec<u64>,
    /// Per word of `dates`, the most days one member has in it.
    most_per_word: Vec<u8>,
}

impl Summary {
    fn of(slots: &[Slot], arena: &[u64]) -> Self {
        let mut s = Summary {
            genres: 0,
            a_min: u32::MAX,
            a_max: 0,
            b_min: u32::MAX,
            c_min: u32::MAX,
            c_max: 0,
            radius_max: 0,
            any_negotiable: false,
            audiences: 0,
            deals: 0,
            performers_min: u8::MAX,
            dates_start: 0,
            dates: Vec::new(),
            most_per_word: Vec::new(),
        };
        let first = slots.iter().filter(|x| x.dates_len > 0).map(|x| x.dates_start).min();
        let last = slots
            .iter()
            .filter(|x| x.dates_len > 0)
            .map(|x| u32::from(x.dates_start) + u32::from(x.dates_len))
            .max();
        if let (Some(first), Some(last)) = (first, last) {
            s.dates_start = u32::from(first);
            s.dates = vec![0; (last - s.dates_start) as usize];
            s.most_per_word = vec![0; s.dates.len()];
        }
        for x in slots {
            s.genres |= x.genres;
            s.a_min = s.a_min.min(x.a);
            s.a_max = s.a_max.max(x.a);
            s.b_min = s.b_min.min(x.b);
            s.c_min = s.c_min.min(x.c);
            s.c_max = s.c_max.max(x.c);
            s.radius_max = s.radius_max.max(x.radius);
            s.any_negotiable |= x.negotiable();
            s.audiences |= 1 << x.audience();
            s.deals |= 1 << x.deals();
            s.performers_min = s.performers_min.min(x.performers);
            if x.dates_len > 0 {
                let at = u32::from(x.dates_start).saturating_sub(s.dates_start) as usize;
                let outs = s.dates.iter_mut().zip(s.most_per_word.iter_mut()).skip(at);
                for ((out, most), w) in outs.zip(x.dates(arena)) {
                    *out |= w;
                    *most = (*most).max(u8::try_from(w.count_ones()).unwrap_or(u8::MAX));
                }
            }
        }
        s
    }
}

/// A lower bound of the distance in whole km from a point to any point of a latitude-longitude
/// box: the latitude gap, or the distance to the nearest meridian of the box, whichever is
/// larger (both are exact lower bounds on a sphere), less a kilometre for rounding.
fn km_lower_bound(lat: f32, lon: f32, [lat_min, lat_max, lon_min, lon_max]: [f64; 4]) -> u32 {
    let (lat, lon) = (f64::from(lat), f64::from(lon));
    let dlat = if lat < lat_min {
        lat_min - lat
    } else if lat > lat_max {
        lat - lat_max
    } else {
        0.0
    };
    let dlon = if lon < lon_min {
        lon_min - lon
    } else if lon > lon_max {
        lon - lon_max
    } else {
        0.0
    };
    let by_meridian = if dlon < 90.0 {
        (lat.to_radians().cos() * dlon.to_radians().sin()).clamp(0.0, 1.0).asin()
    } else {
        0.0
    };
    let km = dlat.to_radians().max(by_meridian) * EARTH_KM - 1.0;
    if km.is_nan() || km <= 0.0 { 0 } else { km as u32 }
}

/// Kind, grid cell, genre family, travel-radius band: what makes a chunk's bounds tight.
type BucketKey = (ProfileKind, u16, u8, u8);

/// Artists who travel far and artists who stay home are kept apart, or every chunk's largest
/// radius would make its location bound useless.
fn radius_band(km: u16) -> u8 {
    match km {
        0..=50 => 0,
        51..=100 => 1,
        101..=200 => 2,
        201..=400 => 3,
        _ => 4,
    }
}

#[derive(Debug)]
struct Bucket {
    key: BucketKey,
    slots: Vec<Slot>,
    summaries: Vec<Summary>,
}

/// Where a profile's slot is.
#[derive(Debug, Clone, Copy)]
struct Loc {
    bucket: u32,
    pos: u32,
}

/// The cell of coordinates outside the map (never those of a geocoded city): no bound is drawn
/// from it.
const NOWHERE: u16 = u16::MAX;

/// The 1° × 1° square a point lies in (edges included).
fn grid_cell(lat: f32, lon: f32) -> u16 {
    let (lat, lon) = (f64::from(lat), f64::from(lon));
    if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
        return NOWHERE;
    }
    let row = (lat + 90.0).floor().min(179.0) as u16;
    let col = (lon + 180.0).floor().min(359.0) as u16;
    row * 360 + col
}

/// The square of a cell, as `[lat_min, lat_max, lon_min, lon_max]`.
fn cell_box(cell: u16) -> Option<[f64; 4]> {
    if cell == NOWHERE {
        return None;
    }
    let (row, col) = (f64::from(cell / 360), f64::from(cell % 360));
    Some([row - 90.0, row - 89.0, col - 180.0, col - 179.0])
}

fn family_of(bits: u64) -> u8 {
    let first = bits.trailing_zeros() as usize;
    GenreId::all()
        .find(|g| g.index() == first)
        .map_or(u8::MAX, |g| u8::try_from(g.family().index()).unwrap_or(u8::MAX))
}

fn kind_index(kind: ProfileKind) -> usize {
    match kind {
        ProfileKind::Artist => 0,
        ProfileKind::Venue => 1,
    }
}

/// Approved profiles, ready to be searched. See the module documentation.
#[derive(Debug)]
pub struct MatchIndex {
    weights: Weights,
    chunk: usize,
    buckets: Vec<Bucket>,
    by_key: HashMap<BucketKey, u32>,
    /// Bucket numbers by kind (artists, venues).
    kind_buckets: [Vec<u32>; 2],
    ids: HashMap<ProfileId, Loc>,
    /// Date words of every slot; slots own disjoint ranges.
    words: Vec<u64>,
    /// Arena words no slot owns any more, reclaimed by compaction.
    garbage: usize,
}

impl MatchIndex {
    #[must_use]
    pub fn new(weights: Weights) -> Self {
        Self::with_chunk(weights, DEFAULT_CHUNK)
    }

    /// An index with another chunk size (tests use tiny chunks to exercise pruning).
    #[must_use]
    pub fn with_chunk(weights: Weights, chunk: usize) -> Self {
        Self {
            weights,
            chunk: chunk.max(1),
            buckets: Vec::new(),
            by_key: HashMap::new(),
            kind_buckets: [Vec::new(), Vec::new()],
            ids: HashMap::new(),
            words: Vec::new(),
            garbage: 0,
        }
    }

    #[must_use]
    pub fn weights(&self) -> Weights {
        self.weights
    }

    /// Nothing stored depends on the weights: the next search uses these.
    pub fn set_weights(&mut self, weights: Weights) {
        self.weights = weights;
    }

    /// Profiles indexed (approved ones only).
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    #[must_use]
    pub fn contains(&self, id: ProfileId) -> bool {
        self.ids.contains_key(&id)
    }

    /// Adds or replaces a profile; one that is not approved is removed instead.
    pub fn upsert(&mut self, candidate: &Candidate) {
        if !candidate.approved {
            self.remove(candidate.id);
            return;
        }
        let genres = genre_bits(&candidate.genres);
        let band = match candidate.side {
            Side::Artist { radius, .. } => radius_band(radius.km()),
            Side::Venue { .. } => 0,
        };
        let key =
            (candidate.kind(), grid_cell(candidate.lat, candidate.lon), family_of(genres), band);
        let days = candidate.dates.dates().iter().filter_map(|d| day_number(*d));
        let (start, mut words) = words_of(days.filter(|d| d / 64 <= u32::from(u16::MAX)));
        words.truncate(usize::from(u16::MAX));
        let (a, b, c, radius, negotiable, performers) = match candidate.side {
            Side::Artist { fee, negotiable, draw, radius, performers } => (
                fee.euros(),
                draw.min().people(),
                draw.max().people(),
                radius.km(),
                negotiable,
                performers.map_or(0, |n| u8::try_from(n).unwrap_or(u8::MAX)),
            ),
            Side::Venue { capacity, budget } => {
                (capacity.people(), budget.min().euros(), budget.max().euros(), 0, false, 0)
            }
        };
        let mut slot = Slot {
            id: candidate.id.0,
            genres,
            lat: candidate.lat,
            lon: candidate.lon,
            a,
            b,
            c,
            dates_off: 0,
            dates_start: u16::try_from(start).unwrap_or(u16::MAX),
            dates_len: u16::try_from(words.len()).unwrap_or(u16::MAX),
            radius,
            flags: u8::from(negotiable)
                | audience_code(candidate.audience) << 1
                | deals_code(candidate.deals) << 5,
            performers,
        };

        if let Some(&loc) = self.ids.get(&candidate.id) {
            let bucket = &mut self.buckets[loc.bucket as usize];
            if bucket.key == key {
                let pos = loc.pos as usize;
                let old = bucket.slots[pos];
                if words.len() <= usize::from(old.dates_len) {
                    let off = old.dates_off as usize;
                    self.words[off..off + words.len()].copy_from_slice(&words);
                    slot.dates_off = old.dates_off;
                    self.garbage += usize::from(old.dates_len) - words.len();
                } else {
                    self.garbage += usize::from(old.dates_len);
                    slot.dates_off = self.append_words(&words);
                }
                self.buckets[loc.bucket as usize].slots[pos] = slot;
                self.refresh(loc.bucket as usize, pos / self.chunk);
                self.maybe_compact();
                return;
            }
            self.remove(candidate.id);
        }

        slot.dates_off = self.append_words(&words);
        let bucket_no = match self.by_key.get(&key) {
            Some(&n) => n,
            None => {
                let n = u32::try_from(self.buckets.len()).unwrap_or(u32::MAX);
                self.buckets.push(Bucket { key, slots: Vec::new(), summaries: Vec::new() });
                self.by_key.insert(key, n);
                self.kind_buckets[kind_index(key.0)].push(n);
                n
            }
        };
        let bucket = &mut self.buckets[bucket_no as usize];
        bucket.slots.push(slot);
        let pos = bucket.slots.len() - 1;
        self.ids.insert(
            candidate.id,
            Loc { bucket: bucket_no, pos: u32::try_from(pos).unwrap_or(u32::MAX) },
        );
        self.refresh(bucket_no as usize, pos / self.chunk);
    }

    /// Forgets a profile (deleted, suspended, back in review); unknown ids are ignored.
    pub fn remove(&mut self, id: ProfileId) {
        let Some(loc) = self.ids.remove(&id) else { return };
        let bucket = &mut self.buckets[loc.bucket as usize];
        let pos = loc.pos as usize;
        let last_old = bucket.slots.len() - 1;
        let removed = bucket.slots.swap_remove(pos);
        self.garbage += usize::from(removed.dates_len);
        if let Some(moved) = bucket.slots.get(pos)
            && let Some(l) = self.ids.get_mut(&ProfileId(moved.id))
        {
            l.pos = loc.pos;
        }
        self.refresh(loc.bucket as usize, pos / self.chunk);
        if last_old / self.chunk != pos / self.chunk {
            self.refresh(loc.bucket as usize, last_old / self.chunk);
        }
        self.maybe_compact();
    }

    fn append_words(&mut self, words: &[u64]) -> u32 {
        let off = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.words.extend_from_slice(words);
        off
    }

    /// Recomputes one chunk's summary, dropping summaries past the bucket's end.
    fn refresh(&mut self, bucket: usize, chunk: usize) {
        let size = self.chunk;
        let b = &mut self.buckets[bucket];
        b.summaries.truncate(b.slots.len().div_ceil(size));
        let start = chunk * size;
        if start >= b.slots.len() {
            return;
        }
        let end = (start + size).min(b.slots.len());
        let summary = Summary::of(&b.slots[start..end], &self.words);
        match b.summaries.get_mut(chunk) {
            Some(s) => *s = summary,
            None => b.summaries.push(summary),
        }
    }

    /// Rewrites the date arena once more than half of it is garbage.
    fn maybe_compact(&mut self) {
        if self.garbage >= 4096 && self.garbage * 2 >= self.words.len() {
            self.compact();
        }
    }

    /// Rewrites the date arena without garbage and in the order searches read it (bucket by
    /// bucket), so that a scan reads memory in sequence. Worth calling after a bulk load.
    pub fn compact(&mut self) {
        let mut fresh = Vec::with_capacity(self.words.len().saturating_sub(self.garbage));
        for b in &mut self.buckets {
            b.slots.shrink_to_fit();
            for s in &mut b.slots {
                let off = u32::try_from(fresh.len()).unwrap_or(u32::MAX);
                fresh.extend_from_slice(s.dates(&self.words));
                s.dates_off = off;
            }
        }
        self.words = fresh;
        self.garbage = 0;
    }

    /// Heap bytes the index holds, by capacity, with a hash map entry counted as its key, its
    /// value and one control byte.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let summaries: usize = self
            .buckets
            .iter()
            .map(|b| {
                b.slots.capacity() * size_of::<Slot>()
                    + b.summaries.capacity() * size_of::<Summary>()
                    + b.summaries
                        .iter()
                        .map(|s| s.dates.capacity() * 8 + s.most_per_word.capacity())
                        .sum::<usize>()
            })
            .sum();
        self.buckets.capacity() * size_of::<Bucket>()
            + summaries
            + self.words.capacity() * 8
            + self.ids.capacity() * (size_of::<(ProfileId, Loc)>() + 1)
            + self.by_key.capacity() * (size_of::<(BucketKey, u32)>() + 1)
            + self.kind_buckets.iter().map(|k| k.capacity() * 4).sum::<usize>()
    }

    /// The query's page of results, best first, exactly as [`brute_force`] over every indexed
    /// profile would return it.
    ///
    /// [`brute_force`]: super::score::brute_force
    #[must_use]
    pub fn search(&self, query: &Query) -> Vec<Match> {
        let depth = query.depth();
        if depth <= query.offset {
            return Vec::new();
        }
        let asked = query.asked_days();
        if asked.basis == DateBasis::Named && asked.days.is_empty() {
            return Vec::new();
        }
        let Some(probe) = Probe::new(query, &asked, &self.weights) else { return Vec::new() };
        let kind = query.seeker.kind().other();

        let mut order: Vec<(u32, u32, u32)> = Vec::new();
        // Distance bounds are drawn per grid cell, once per query: trigonometry per chunk would
        // cost more than the scan it saves.
        let mut cell_km: HashMap<u16, u32> = HashMap::new();
        for &b in &self.kind_buckets[kind_index(kind)] {
            let bucket = &self.buckets[b as usize];
            let cell = bucket.key.1;
            let km = *cell_km.entry(cell).or_insert_with(|| {
                cell_box(cell).map_or(0, |bx| km_lower_bound(probe.lat, probe.lon, bx))
            });
            for (c, s) in bucket.summaries.iter().enumerate() {
                if let Some(bound) = probe.bound(s, km) {
                    order.push((bound, b, u32::try_from(c).unwrap_or(u32::MAX)));
                }
            }
        }
        order.sort_unstable_by_key(|x| Reverse(x.0));

        // The kept results, worst on top: (fine, Reverse(id)) grows with quality.
        let mut heap: BinaryHeap<Reverse<(u32, Reverse<i64>)>> =
            BinaryHeap::with_capacity(depth + 1);
        let seeker_id = query.seeker.id.0;
        for (bound, b, c) in order {
            let floor = if heap.len() == depth { heap.peek().map(|w| w.0) } else { None };
            if floor.is_some_and(|(f, _)| bound < f) {
                break;
            }
            let slots = &self.buckets[b as usize].slots;
            let start = c as usize * self.chunk;
            let chunk = slots.get(start..(start + self.chunk).min(slots.len())).unwrap_or(&[]);
            for slot in chunk {
                if slot.id == seeker_id {
                    continue;
                }
                let floor = if heap.len() == depth { heap.peek().map(|w| w.0) } else { None };
                let Some(fine) = probe.fine(slot, &self.words, floor.map(|f| f.0)) else {
                    continue;
                };
                let key = (fine, Reverse(slot.id));
                // `fine` here is the order key: weak criteria first, then the fine score.
                match floor {
                    None => heap.push(Reverse(key)),
                    Some(worst) if key > worst => {
                        heap.pop();
                        heap.push(Reverse(key));
                    }
                    Some(_) => {}
                }
            }
        }

        let ranked = heap.into_sorted_vec();
        ranked
            .into_iter()
            .skip(query.offset)
            .filter_map(|Reverse((fine, Reverse(id)))| {
                let loc = self.ids.get(&ProfileId(id))?;
                let slot = self.buckets[loc.bucket as usize].slots.get(loc.pos as usize)?;
                let candidate = self.candidate_of(kind, slot)?;
                let m = score_with(query, &asked, &candidate, &self.weights)?;
                debug_assert_eq!(
                    order_key(u32::from(m.weak), m.fine),
                    fine,
                    "index and reference disagree on {id}"
                );
                Some(m)
            })
            .collect()
    }

    /// Rebuilds the matching view of an indexed profile, for the reference to explain.
    fn candidate_of(&self, kind: ProfileKind, slot: &Slot) -> Option<Candidate> {
        let genres = GenreSet::new(
            GenreId::all().filter(|g| g.index() < 64 && slot.genres >> g.index() & 1 == 1),
        )
        .ok()?;
        let start = u64::from(slot.dates_start) * 64;
        let mut dates = Vec::new();
        for (i, &w) in slot.dates(&self.words).iter().enumerate() {
            let mut w = w;
            while w != 0 {
                let bit = u64::from(w.trailing_zeros());
                w &= w - 1;
                dates.push(epoch().checked_add_days(Days::new(start + i as u64 * 64 + bit))?);
            }
        }
        let side = match kind {
            ProfileKind::Artist => Side::Artist {
                fee: Fee::try_from(i64::from(slot.a)).ok()?,
                negotiable: slot.negotiable(),
                draw: AudienceRange::try_from((i64::from(slot.b), i64::from(slot.c))).ok()?,
                radius: TravelRadius::try_from(i64::from(slot.radius)).ok()?,
                performers: (slot.performers > 0).then_some(u16::from(slot.performers)),
            },
            ProfileKind::Venue => Side::Venue {
                capacity: Capacity::try_from(i64::from(slot.a)).ok()?,
                budget: BudgetRange::try_from((i64::from(slot.b), i64::from(slot.c))).ok()?,
            },
        };
        Some(Candidate {
            id: ProfileId(slot.id),
            approved: true,
            genres,
            lat: slot.lat,
            lon: slot.lon,
            side,
            dates: DateSet::from_stored(dates),
            audience: audience_of(slot.audience()),
            deals: deals_of(slot.deals()),
        })
    }

    /// For each active filter, how many results the query gives with that filter alone turned
    /// off (up to [`Query::MAX_DEPTH`]): what loosening it would show. In
    /// [`Query::active_filters`] order.
    #[must_use]
    pub fn loosen_counts(&self, query: &Query) -> Vec<(FilterKind, usize)> {
        query
            .active_filters()
            .into_iter()
            .map(|kind| {
                let wider = query.without(kind).page(0, Query::MAX_DEPTH);
                (kind, self.search(&wider).len())
            })
            .collect()
    }

    /// When `query` gives nothing: the active filter whose removal alone gives the most
    /// results, if any does.
    #[must_use]
    pub fn loosen_hint(&self, query: &Query) -> Option<FilterKind> {
        // Reversed, so that of equal counts the first filter in order wins.
        self.loosen_counts(query)
            .into_iter()
            .rev()
            .filter(|(_, n)| *n > 0)
            .max_by_key(|(_, n)| *n)
            .map(|(kind, _)| kind)
    }
}

/// One query, prepared for the hot loop.
struct Probe {
    weights: [u32; 5],
    genres: GenreProbe,
    /// No genre in common leaves a candidate out.
    needs_common: bool,
    /// Any genre asked: the genre criterion is weak only by its audience.
    any_genre: bool,
    /// The genres the genre filter admits, when one is set.
    allowed: Option<u64>,
    named: bool,
    asked: u32,
    /// `weight × date value` by number of shared days, so the hot loop does not divide.
    date_points: Vec<u32>,
    dates_start: u32,
    dates: Vec<u64>,
    lat: f32,
    lon: f32,
    radius_override: Option<u16>,
    radius_filter: Option<u32>,
    max_fee: Option<u32>,
    capacity: Option<(u32, u32)>,
    /// The deals codes the deals filter lets through, one bit each, when one is set.
    deals: Option<u8>,
    /// The audience criterion's value (per mille) for each candidate audience code.
    audience: [u32; 10],
    seeker: SeekerSide,
}

#[derive(Clone, Copy)]
enum SeekerSide {
    /// An artist looks for venues.
    Artist {
        fee: u32,
        negotiable: bool,
        draw_min: u32,
        draw_max: u32,
        radius: u16,
        performers: u32,
    },
    /// A venue looks for artists.
    Venue { capacity: u32, budget_max: u32 },
}

impl Probe {
    fn new(query: &Query, asked: &AskedDays, weights: &Weights) -> Option<Self> {
        let s = &query.seeker;
        let (dates_start, dates) = words_of(asked.days.iter().filter_map(|d| day_number(*d)));
        let seeker = match s.side {
            Side::Artist { fee, negotiable, draw, radius, performers } => SeekerSide::Artist {
                fee: fee.euros(),
                negotiable,
                draw_min: draw.min().people(),
                draw_max: draw.max().people(),
                radius: radius.km(),
                performers: u32::from(performers.unwrap_or(0)),
            },
            Side::Venue { capacity, budget } => {
                SeekerSide::Venue { capacity: capacity.people(), budget_max: budget.max().euros() }
            }
        };
        let audience = std::array::from_fn(|code| {
            let other = audience_of(u8::try_from(code).unwrap_or(0));
            match seeker {
                SeekerSide::Artist { .. } => audience_value(s.audience, other),
                SeekerSide::Venue { .. } => audience_value(other, s.audience),
            }
        });
        let allowed = query.filters.genres.as_ref().map(|g| {
            let t = tables();
            g.genres.iter().filter(|x| x.index() < 64).fold(0u64, |acc, x| {
                let i = x.index();
                let related = if g.related { t.sibling[i] } else { 0 };
                acc | 1 << i | t.parent_or_child[i] | related
            })
        });
        Some(Probe {
            weights: [
                weights.genre,
                weights.date,
                weights.budget,
                weights.location,
                weights.capacity,
            ]
            .map(u32::from),
            genres: GenreProbe::new(ids_bits(&query.asked_genres())),
            needs_common: query.needs_a_common_genre(),
            any_genre: query.filters.any_genre,
            allowed,
            named: asked.basis == DateBasis::Named,
            asked: u32::try_from(asked.days.len()).ok()?,
            date_points: (0..=asked.days.len())
                .map(|n| {
                    let n = u32::try_from(n).unwrap_or(u32::MAX);
                    u32::from(weights.date)
                        * date_value(n, u32::try_from(asked.days.len()).unwrap_or(u32::MAX))
                })
                .collect(),
            dates_start,
            dates,
            lat: s.lat,
            lon: s.lon,
            radius_override: query.radius_override,
            radius_filter: query.filters.radius_km.map(u32::from),
            max_fee: query.filters.max_fee,
            capacity: query.filters.capacity,
            deals: query.filters.deals.map(deals_passing),
            audience,
            seeker,
        })
    }

    fn radius(&self, artist_radius: u16) -> u32 {
        u32::from(self.radius_override.unwrap_or(artist_radius))
    }

    /// The best order key any member of the chunk can reach; `None` when none can match.
    fn bound(&self, s: &Summary, km_lower_bound: u32) -> Option<u32> {
        if self.allowed.is_some_and(|mask| s.genres & mask == 0)
            || self.radius_filter.is_some_and(|r| km_lower_bound > r)
            || self.deals.is_some_and(|mask| s.deals & mask == 0)
        {
            return None;
        }
        // The filters on numbers, against the chunk's extremes.
        let passes = match self.seeker {
            // Venues: budget maximum at most the ceiling; capacity in the range.
            SeekerSide::Artist { .. } => {
                self.max_fee.is_none_or(|m| s.c_min <= m)
                    && self.capacity.is_none_or(|(lo, hi)| s.a_min <= hi && s.a_max >= lo)
            }
            // Artists: fee at most the ceiling; draw overlapping the range.
            SeekerSide::Venue { .. } => {
                self.max_fee.is_none_or(|m| s.a_min <= m)
                    && self.capacity.is_none_or(|(lo, hi)| s.b_min <= hi && s.c_max >= lo)
            }
        };
        if !passes {
            return None;
        }
        let relation = self.genres.relation(s.genres);
        if relation == GenreRelation::Unrelated && self.needs_common {
            return None;
        }
        let shared = overlap_capped(self.dates_start, &self.dates, s);
        if self.named && shared == 0 {
            return None;
        }
        let audience = (0..10)
            .filter(|code| s.audiences >> code & 1 == 1)
            .map(|code| self.audience[code])
            .max()
            .unwrap_or(FULL);
        let (budget, capacity, radius) = match self.seeker {
            SeekerSide::Artist { fee, negotiable, draw_min, draw_max, radius, performers } => {
                let draw = if s.a_max < draw_min {
                    capacity_value(s.a_max, draw_min, draw_max)
                } else if s.a_min > draw_max {
                    capacity_value(s.a_min, draw_min, draw_max)
                } else {
                    FULL
                };
                let crowd = lineup_value(performers, s.a_max);
                (budget_value(fee, negotiable, s.c_max), draw.min(crowd), self.radius(radius))
            }
            SeekerSide::Venue { capacity, budget_max } => (
                budget_value(s.a_min, s.any_negotiable, budget_max),
                capacity_value(capacity, s.b_min, s.c_max)
                    .min(lineup_value(u32::from(s.performers_min), capacity)),
                self.radius(s.radius_max),
            ),
        };
        let values = [
            genre_value(relation) * audience / FULL,
            date_value(shared, self.asked),
            budget,
            location_value(km_lower_bound, radius),
            capacity,
        ];
        let w = &self.weights;
        let fine: u32 = w.iter().zip(values).map(|(w, v)| w * v).sum();
        let weak = Criterion::ALL
            .into_iter()
            .zip(values)
            .filter(|(c, v)| match c {
                Criterion::Genre if self.any_genre => is_weak(*c, audience),
                _ => is_weak(*c, *v),
            })
            .count();
        Some(order_key(u32::try_from(weak).unwrap_or(5), fine))
    }

    /// The candidate's order key, or `None` when it cannot match or cannot reach `floor`.
    fn fine(&self, slot: &Slot, arena: &[u64], floor: Option<u32>) -> Option<u32> {
        if self.allowed.is_some_and(|mask| slot.genres & mask == 0)
            || self.deals.is_some_and(|mask| mask >> slot.deals() & 1 == 0)
        {
            return None;
        }
        let passes = match self.seeker {
            SeekerSide::Artist { .. } => {
                self.max_fee.is_none_or(|m| slot.c <= m)
                    && self.capacity.is_none_or(|(lo, hi)| (lo..=hi).contains(&slot.a))
            }
            SeekerSide::Venue { .. } => {
                self.max_fee.is_none_or(|m| slot.a <= m)
                    && self.capacity.is_none_or(|(lo, hi)| slot.b <= hi && slot.c >= lo)
            }
        };
        if !passes {
            return None;
        }
        let relation = self.genres.relation(slot.genres);
        if relation == GenreRelation::Unrelated && self.needs_common {
            return None;
        }
        let shared =
            overlap(self.dates_start, &self.dates, u32::from(slot.dates_start), slot.dates(arena));
        if self.named && shared == 0 {
            return None;
        }
        // Genre and dates are a few bit operations; most candidates end here, before the
        // divisions of budget and capacity and the trigonometry of distance.
        let w = &self.weights;
        let fit = self.audience.get(usize::from(slot.audience())).copied().unwrap_or(FULL);
        let genre = genre_value(relation) * fit / FULL;
        let genre_weak = is_weak(Criterion::Genre, if self.any_genre { fit } else { genre });
        let mut weak = u32::from(genre_weak) + u32::from(shared == 0);
        let cheap =
            w[0] * genre + self.date_points.get(shared as usize).copied().unwrap_or(w[1] * FULL);
        if floor.is_some_and(|f| order_key(weak, cheap + (w[2] + w[3] + w[4]) * FULL) < f) {
            return None;
        }
        let (budget, capacity, radius) = match self.seeker {
            SeekerSide::Artist { fee, negotiable, draw_min, draw_max, radius, performers } => (
                budget_value(fee, negotiable, slot.c),
                capacity_value(slot.a, draw_min, draw_max).min(lineup_value(performers, slot.a)),
                self.radius(radius),
            ),
            SeekerSide::Venue { capacity, budget_max } => (
                budget_value(slot.a, slot.negotiable(), budget_max),
                capacity_value(capacity, slot.b, slot.c)
                    .min(lineup_value(u32::from(slot.performers), capacity)),
                self.radius(slot.radius),
            ),
        };
        weak += u32::from(is_weak(Criterion::Budget, budget))
            + u32::from(is_weak(Criterion::Capacity, capacity));
        let partial = cheap + w[2] * budget + w[4] * capacity;
        if floor.is_some_and(|f| order_key(weak, partial + w[3] * FULL) < f) {
            return None;
        }
        let km = distance_km(self.lat, self.lon, slot.lat, slot.lon);
        if self.radius_filter.is_some_and(|r| km > r) {
            return None;
        }
        let location = location_value(km, radius);
        weak += u32::from(is_weak(Criterion::Location, location));
        Some(order_key(weak, partial + w[3] * location))
    }
}
