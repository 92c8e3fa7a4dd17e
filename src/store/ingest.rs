//! Writing one sync as one snapshot.
//!
//! [`Store::write_snapshot`] opens one IMMEDIATE transaction (rusqlite's
//! [`Transaction`], which rolls back when dropped) and hands an [`Ingest`] to
//! the caller, who adds the records received. Records are parsed and hashed as
//! they arrive (a large page in batches, by a helper thread and by the writer
//! when it would otherwise wait); a record never seen before becomes a new
//! row of `model_versions`, and the snapshot's membership (id → version, first
//! received wins) is kept in memory. The commit writes the snapshot row, moves
//! the spans and counts the snapshot's facet groups. A failed sync leaves the
//! catalog exactly as it was. Readers are never blocked (WAL); another writer
//! waits for the busy timeout.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;

use jiff::Timestamp;

use rusqlite::{CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::diff::{Difference, each_difference};
use super::error::StoreError;
use super::open::Store;
use super::read::{Snapshot, snapshot};
use super::row::{FacetColumns, VersionRow, VersionWriter, version_row};
use crate::catalog::{Model, Parsed, hex, parse_record, record_hash, unhex};
use crate::json::read_record;
use crate::query::{Facet, group_name};
use crate::time::format_time;

/// Page cache while a sync writes (KiB): enough to keep the indexes of a
/// 100,000-model catalog in memory without holding the catalog itself.
const INGEST_CACHE_KIB: i64 = 32 * 1024;
/// SQLite's default page cache (KiB), restored after a sync.
const DEFAULT_CACHE_KIB: i64 = 2000;

/// Records prepared per batch of a large page.
const BATCH: usize = 256;

/// Where a snapshot came from, recorded with it.
#[derive(Clone, Debug)]
pub struct SnapshotMeta {
    pub started_at: Timestamp,
    /// When the data left the API: the sync's time, or an export's `fetched_at`.
    pub fetched_at: Timestamp,
    pub source: String,
    pub from_file: bool,
    pub pages: u64,
    pub total: Option<u64>,
    pub retries: u64,
}

/// A committed snapshot and what the sync noticed on the way.
#[derive(Debug)]
pub struct Committed {
    pub snapshot: Snapshot,
    pub warnings: Vec<String>,
    /// Records dropped because an earlier record had the same id.
    pub duplicates: u64,
    /// The catalog is the same as in the previous snapshot.
    pub unchanged: bool,
}

/// A sync in progress: an open transaction holding the records received so far.
pub struct Ingest<'s> {
    tx: Transaction<'s>,
    staged: Staging,
    /// Records received in this walk, duplicates included.
    received: u64,
    /// The versions the catalog held before: a record among them is not parsed again.
    known: Known,
    /// The filter values of the versions this sync wrote, added to `filter_values` at commit.
    values: FilterValues,
    /// Hashes a record's [`Facets`] on the thread that prepares it.
    hasher: RandomState,
}

/// What a sync has staged, and the versions it wrote.
#[derive(Default)]
struct Staging {
    /// The record kept for each id: the first received, by page then position.
    kept: HashMap<String, Staged>,
    quarantined: HashMap<String, Quarantined>,
    /// Ids received more than once: how many times, and whether the copies differ.
    duplicates: HashMap<String, (u32, bool)>,
    /// Versions this sync wrote, by record hash; those no kept record uses are
    /// deleted at commit.
    written: HashMap<[u8; 32], i64>,
    /// The facet columns of the versions staged, each distinct one numbered
    /// once ([`Staged::facets`]): counted into `facet_groups` at commit.
    facets: HashMap<Facets, u32>,
}

/// A version's facet columns with their hash, worked out on the thread that
/// prepared the record: the writer, which numbers them, hashes only the hash.
#[derive(PartialEq, Eq)]
struct Facets {
    hash: u64,
    columns: FacetColumns,
}

impl Facets {
    fn new(columns: FacetColumns, hasher: &RandomState) -> Facets {
        Facets { hash: hasher.hash_one(&columns), columns }
    }
}

impl Hash for Facets {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The statements staging runs for each record, prepared once a page.
struct Statements<'c> {
    versions: VersionWriter<'c>,
    /// A version held already: its id, warnings and facet columns.
    held: CachedStatement<'c>,
}

impl<'c> Statements<'c> {
    fn new(conn: &'c Connection) -> Result<Statements<'c>, StoreError> {
        Ok(Statements {
            versions: VersionWriter::new(conn)?,
            held: conn.prepare_cached(
                "SELECT id, warnings, features, endpoints, provider_code, provider, model_type
                 FROM model_versions WHERE version_id = ?1",
            )?,
        })
    }
}

/// The values a filter can ask for (see `filter_values` in the schema), by
/// facet: feature, type, provider (name or code), endpoint (key or path).
#[derive(Default)]
struct FilterValues([HashSet<String>; 4]);

impl FilterValues {
    const FACETS: [&str; 4] = ["feature", "type", "provider", "endpoint"];

    fn add(&mut self, m: &Model) {
        let [features, types, providers, endpoints] = &mut self.0;
        // Looked up before they are copied: most models repeat values already seen.
        let put = |set: &mut HashSet<String>, value: &str| {
            if !set.contains(value) {
                set.insert(value.to_owned());
            }
        };
        m.features.iter().for_each(|f| put(features, f));
        m.model_type.iter().for_each(|t| put(types, t));
        m.provider.iter().chain(&m.provider_code).for_each(|p| put(providers, p));
        for e in &m.endpoints {
            put(endpoints, &e.key);
            e.path.iter().for_each(|p| put(endpoints, p));
        }
    }

    fn extend(&mut self, other: FilterValues) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            mine.extend(theirs);
        }
    }

    fn store(&self, conn: &Connection) -> Result<(), StoreError> {
        let mut insert = conn.prepare("INSERT OR IGNORE INTO filter_values (facet, value) VALUES (?1, ?2)")?;
        for (facet, values) in Self::FACETS.iter().zip(&self.0) {
            // In order: of spellings that differ only in ASCII case, the one
            // kept is the same on every run (the least), not the set's first.
            let mut values: Vec<&String> = values.iter().collect();
            values.sort_unstable();
            for value in values {
                insert.execute(params![facet, value])?;
            }
        }
        Ok(())
    }
}

struct Staged {
    ord: i64,
    version_id: i64,
    /// Its version's facet columns, as numbered in [`Ingest::facets`].
    facets: u32,
    hash: [u8; 32],
    /// What parsing the record had to say (kept with the version, shown on every sync).
    warnings: Vec<String>,
}

struct Quarantined {
    ord: i64,
    reason: String,
    record: String,
}

impl Staging {
    /// Keeps a prepared record: writes its version unless one is held or
    /// written already, numbers its facet columns, and keeps it under its id
    /// unless an earlier record has that id (then it counts as a copy).
    fn stage(
        &mut self,
        sql: &mut Statements<'_>,
        hasher: &RandomState,
        ord: i64,
        p: Prepared<'_>,
    ) -> Result<(), StoreError> {
        // Held before, or written by this sync already (a copy under another id): nothing new to write.
        let written = self.written.get(&p.hash).copied();
        let (id, version_id, facets, warnings) = match (p.ready, written) {
            (Ready::Known(version_id), _) | (Ready::Fresh { .. }, Some(version_id)) => {
                let (id, facets, warnings) = sql.held.query_row([version_id], |r| {
                    let facets = FacetColumns {
                        features: r.get(2)?,
                        endpoints: r.get(3)?,
                        provider_code: r.get(4)?,
                        provider: r.get(5)?,
                        model_type: r.get(6)?,
                    };
                    Ok((r.get::<_, String>(0)?, facets, r.get::<_, Option<String>>(1)?))
                })?;
                let warnings = warnings.map(|w| serde_json::from_str(&w).unwrap_or_default()).unwrap_or_default();
                (id, version_id, Facets::new(facets, hasher), warnings)
            }
            (Ready::Fresh { id, row, facets, warnings }, None) => {
                let version_id = sql.versions.insert(row, p.raw.get())?;
                self.written.insert(p.hash, version_id);
                (id, version_id, facets, warnings)
            }
            (Ready::Quarantined { reason }, _) => {
                let q = Quarantined { ord, reason, record: p.raw.get().to_owned() };
                self.quarantined.entry(hex(&p.hash)).and_modify(|old| old.ord = old.ord.min(ord)).or_insert(q);
                return Ok(());
            }
        };
        let next = self.facets.len() as u32;
        let facets = *self.facets.entry(facets).or_insert(next);
        let staged = Staged { ord, version_id, facets, hash: p.hash, warnings };
        match self.kept.entry(id) {
            Entry::Vacant(slot) => {
                slot.insert(staged);
            }
            Entry::Occupied(mut slot) => {
                let differs = slot.get().version_id != version_id;
                let dup = self.duplicates.entry(slot.key().clone()).or_insert((1, false));
                *dup = (dup.0 + 1, dup.1 || differs);
                if ord < slot.get().ord {
                    slot.insert(staged);
                }
            }
        }
        Ok(())
    }
}

/// A record made ready away from the writing thread: hashed, and unless the
/// catalog already holds it, parsed, checked and encoded as its row.
struct Prepared<'r> {
    raw: &'r RawValue,
    hash: [u8; 32],
    ready: Ready,
}

enum Ready {
    /// A version the catalog held before this sync: nothing to parse or write.
    Known(i64),
    /// A model to write as a new version, unless this sync wrote it already.
    Fresh {
        id: String,
        row: VersionRow,
        facets: Facets,
        warnings: Vec<String>,
    },
    Quarantined {
        reason: String,
    },
}

/// The versions the catalog held when the sync began, by record hash.
type Known = HashMap<[u8; 32], i64>;

fn prepare<'r>(raw: &'r RawValue, known: &Known, hasher: &RandomState, values: &mut FilterValues) -> Prepared<'r> {
    let text = raw.get();
    let (value, repeated) = match read_record(text) {
        Ok(read) => read,
        // Well-formed as a whole answer, but not as a value of its own: nested
        // deeper than serde_json reads (128 levels), or a lone surrogate in a string.
        Err(e) => {
            let hash = Sha256::digest(text.as_bytes()).into();
            let reason = format!("the record cannot be read: {e}");
            return Prepared { raw, hash, ready: Ready::Quarantined { reason } };
        }
    };
    let hash = record_hash(&value);
    if let Some(&version_id) = known.get(&hash) {
        return Prepared { raw, hash, ready: Ready::Known(version_id) };
    }
    let ready = match parse_record(&value) {
        Parsed::Quarantined { reason } => Ready::Quarantined { reason },
        Parsed::Model { model, mut warnings } => {
            // The warnings are kept with the version, so they are found once, when it is written.
            warnings.extend(repeated.into_iter().map(|key| {
                format!("{}: the record holds the key {key:?} more than once; the last one is used", model.id)
            }));
            let id = model.id.clone();
            values.add(&model);
            let row = version_row(*model, hex(&hash), &warnings);
            Ready::Fresh { facets: Facets::new(FacetColumns::of(&row), hasher), row, id, warnings }
        }
    };
    Prepared { raw, hash, ready }
}

/// Batches kept waiting, at most, while the writer has not got the one it
/// needs next: with that many, it waits for the helper rather than prepare more.
const AHEAD: usize = 8;

/// The next batch of `count` nobody has claimed yet, claimed.
fn claim(next: &AtomicUsize, count: usize) -> Option<usize> {
    Some(next.fetch_add(1, Ordering::Relaxed)).filter(|&b| b < count)
}

/// Hands batches `0..count` to `each` in index order. They are claimed from
/// `next` both by a helper thread, which sends what it prepares on `rx`, and
/// by this one: when the batch it needs is not there yet, it prepares the
/// next unclaimed one itself, unless [`AHEAD`] are already waiting. Every
/// batch claimed elsewhere must come on `rx`, in the order it was claimed.
fn in_order<T, E>(
    count: usize,
    next: &AtomicUsize,
    rx: &Receiver<(usize, T)>,
    mut prepare: impl FnMut(usize) -> T,
    mut each: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    let mut ready: HashMap<usize, T> = HashMap::new();
    for b in 0..count {
        let batch = loop {
            if let Some(batch) = ready.remove(&b) {
                break batch;
            }
            let (i, batch) = match rx.try_recv() {
                Ok(done) => done,
                // Claimed only with room to keep it: a batch claimed is a batch prepared.
                Err(_) => match if ready.len() < AHEAD { claim(next, count) } else { None } {
                    Some(i) => (i, prepare(i)),
                    // Batch `b` was claimed (had it not been, it would be the
                    // one claimed just now, and nothing after it could be
                    // waiting), and not here: the helper has it, and sends it.
                    None => rx.recv().expect("the helper thread does not panic"),
                },
            };
            ready.insert(i, batch);
        };
        each(b, batch)?;
    }
    Ok(())
}

/// Where a record came from: page in the high half, position in the low half.
fn ord(page: u64, position: usize) -> i64 {
    ((page as i64) << 32) | position as i64
}

/// Where a sync's records come from, which decides how it may write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// A local file: read at disk speed, so the write lock is held briefly.
    File,
    /// The network: the lock is held for as long as the walk takes.
    Network,
}

impl Store {
    /// Writes a new snapshot: `fill` adds the records received and says where
    /// they came from; then the snapshot is committed, all or nothing. The
    /// write lock is held from start to end.
    pub fn write_snapshot<E: From<StoreError>>(
        &mut self,
        feed: Feed,
        fill: impl FnOnce(&mut Ingest<'_>) -> Result<SnapshotMeta, E>,
    ) -> Result<Committed, E> {
        self.conn.pragma_update(None, "cache_size", -INGEST_CACHE_KIB).map_err(StoreError::from)?;
        // The first snapshot writes every page of the catalog. In WAL mode each
        // would be written twice (to the log, then by the checkpoint); a rollback
        // journal has nothing to save for pages that did not exist. So the first
        // import of a file runs in rollback mode (readers wait for it: it is
        // short), when no other connection is open (else the switch does not
        // happen), and WAL comes back when it ends. A walk over the network,
        // which may take minutes, keeps WAL so readers never wait on it.
        if feed == Feed::File && self.current_snapshot()?.is_none() {
            let _ = self.conn.pragma_update(None, "journal_mode", "DELETE");
        }
        let result = self.begin().map_err(E::from).and_then(|mut ingest| {
            let meta = fill(&mut ingest)?;
            Ok(ingest.commit(&meta)?)
        });
        // Every connection asks for WAL when it opens, so a failure here heals itself.
        let _ = self.conn.pragma_update(None, "cache_size", -DEFAULT_CACHE_KIB);
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
        result
    }

    fn begin(&mut self) -> Result<Ingest<'_>, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| {
            match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => StoreError::Busy(path),
                _ => e.into(),
            }
        })?;
        // The hash index alone answers this (the version id is its row id).
        let known = tx
            .prepare("SELECT hash, version_id FROM model_versions")?
            .query_map([], |r| Ok((unhex(r.get_ref(0)?.as_bytes()?), r.get(1)?)))?
            .filter_map(|row| row.map(|(hash, id)| Some((hash?, id))).transpose())
            .collect::<Result<Known, _>>()?;
        Ok(Ingest {
            tx,
            staged: Staging::default(),
            received: 0,
            known,
            values: FilterValues::default(),
            hasher: RandomState::new(),
        })
    }
}

impl Ingest<'_> {
    /// Forgets everything staged (the walk starts again). Versions already
    /// written stay until the commit, which drops the ones nothing uses.
    pub fn reset(&mut self) {
        self.staged.kept.clear();
        self.staged.quarantined.clear();
        self.staged.duplicates.clear();
        self.received = 0;
    }

    /// Whether a record with this id is staged (kept or quarantined).
    pub fn holds(&self, id: &str) -> bool {
        self.staged.kept.contains_key(id) || self.staged.quarantined.contains_key(id)
    }

    /// Stages the records of one page (or of a whole file, as page 0). A large
    /// page is parsed and hashed in batches by a second thread while this one
    /// writes; when the batch it needs is not ready, this one prepares the
    /// next batch nobody has taken, unless [`AHEAD`] are already waiting.
    pub fn add<R: Borrow<RawValue> + Sync>(&mut self, page: u64, records: &[R]) -> Result<(), StoreError> {
        let mut sql = Statements::new(&self.tx)?;
        let (staged, known, hasher, values) = (&mut self.staged, &self.known, &self.hasher, &mut self.values);
        // Room for every record at once: the writer, the busier thread, never grows the map.
        staged.kept.reserve(records.len());
        if records.len() < 2 * BATCH {
            records.iter().enumerate().try_for_each(|(i, raw)| {
                staged.stage(&mut sql, hasher, ord(page, i), prepare(raw.borrow(), known, hasher, values))
            })?;
        } else {
            let count = records.len().div_ceil(BATCH);
            let next = AtomicUsize::new(0);
            let prepared = |b: usize, values: &mut FilterValues| -> Vec<Prepared<'_>> {
                let batch = &records[b * BATCH..records.len().min((b + 1) * BATCH)];
                batch.iter().map(|r| prepare(r.borrow(), known, hasher, values)).collect()
            };
            std::thread::scope(|scope| -> Result<(), StoreError> {
                let (next, prepared) = (&next, &prepared);
                let (tx, rx) = std::sync::mpsc::sync_channel(4);
                let helper = scope.spawn(move || {
                    let mut values = FilterValues::default();
                    while let Some(b) = claim(next, count) {
                        // A closed channel means the writer failed: stop.
                        if tx.send((b, prepared(b, &mut values))).is_err() {
                            break;
                        }
                    }
                    values
                });
                in_order(
                    count,
                    next,
                    &rx,
                    |b| prepared(b, values),
                    |b, batch| {
                        batch
                            .into_iter()
                            .enumerate()
                            .try_for_each(|(j, p)| staged.stage(&mut sql, hasher, ord(page, b * BATCH + j), p))
                    },
                )?;
                drop(rx);
                values.extend(helper.join().expect("the helper thread does not panic"));
                Ok(())
            })?;
        }
        self.received += records.len() as u64;
        Ok(())
    }

    /// Records received in this walk, duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Distinct ids staged plus quarantined records: what must match `total`.
    pub fn collected(&self) -> u64 {
        (self.staged.kept.len() + self.staged.quarantined.len()) as u64
    }

    /// sha256 over the sorted (id, record hash) pairs, then the quarantined
    /// records' hashes: the same catalog hashes the same, however it arrived.
    pub fn fingerprint(&self) -> String {
        self.fingerprint_of(&self.sorted())
    }

    /// [`Ingest::fingerprint`], given the kept records sorted by id.
    fn fingerprint_of(&self, sorted: &[(&String, &Staged)]) -> String {
        let mut hasher = Sha256::new();
        for (id, staged) in sorted {
            hasher.update(id.as_bytes());
            hasher.update([0]);
            hasher.update(staged.hash);
        }
        let mut quarantined: Vec<&String> = self.staged.quarantined.keys().collect();
        quarantined.sort_unstable();
        for hash in quarantined {
            hasher.update([1]);
            hasher.update(hash.as_bytes());
        }
        hex(&hasher.finalize())
    }

    /// The kept records, by id.
    fn sorted(&self) -> Vec<(&String, &Staged)> {
        let mut ids: Vec<(&String, &Staged)> = self.staged.kept.iter().collect();
        ids.sort_unstable_by_key(|(id, _)| *id);
        ids
    }

    /// Makes the staged catalog the current snapshot, all or nothing. A catalog
    /// without a single model is refused: the real one is never empty, and an
    /// empty snapshot would make every model look unknown.
    fn commit(self, meta: &SnapshotMeta) -> Result<Committed, StoreError> {
        if self.staged.kept.is_empty() {
            let previous = self.tx.query_row("SELECT EXISTS (SELECT 1 FROM snapshots)", [], |r| r.get(0))?;
            return Err(StoreError::NoModels { previous });
        }
        let warnings = self.warnings();
        let duplicates: u32 = self.staged.duplicates.values().map(|(n, _)| n - 1).sum();
        let kept = self.sorted();
        let previous: Option<(i64, String)> = self
            .tx
            .query_row("SELECT id, content_hash FROM snapshots ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get("id")?, r.get("content_hash")?))
            })
            .optional()?;
        let id = self.insert_snapshot(meta, &kept, &warnings)?;
        self.drop_orphans(&kept)?;
        match &previous {
            Some((prev, _)) => move_spans(&self.tx, &kept, *prev, id)?,
            None => open_spans(&self.tx, &kept, id)?,
        }
        self.store_quarantined(id)?;
        self.store_facet_groups(id, &kept)?;
        self.values.store(&self.tx)?;
        let (added, removed, changed) = match &previous {
            Some((prev, _)) => count_changes(&self.tx, *prev, id)?,
            None => (kept.len(), 0, 0),
        };
        self.tx.execute(
            "UPDATE snapshots SET added = ?2, removed = ?3, changed = ?4 WHERE id = ?1",
            params![id, added as i64, removed as i64, changed as i64],
        )?;
        let snapshot = snapshot(&self.tx, id)?.expect("the snapshot was just written");
        drop(kept);
        self.tx.commit()?;
        let unchanged = previous.is_some_and(|(_, hash)| hash == snapshot.content_hash);
        Ok(Committed { snapshot, warnings, duplicates: u64::from(duplicates), unchanged })
    }

    /// The snapshot row (its change counts are filled in last); returns its id.
    fn insert_snapshot(
        &self,
        meta: &SnapshotMeta,
        kept: &[(&String, &Staged)],
        warnings: &[String],
    ) -> Result<i64, StoreError> {
        let quarantined = self.staged.quarantined.len() as i64;
        self.tx.execute(
            "INSERT INTO snapshots (started_at, finished_at, fetched_at, source, source_kind, pages, total,
                 models, warnings, quarantined, retries, content_hash, added, removed, changed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 0, 0)",
            params![
                format_time(meta.started_at),
                format_time(Timestamp::now()),
                format_time(meta.fetched_at),
                meta.source,
                if meta.from_file { "file" } else { "api" },
                meta.pages as i64,
                meta.total.map(|t| t as i64),
                kept.len() as i64,
                // Quarantined records are counted on their own, not as warnings.
                warnings.len() as i64 - quarantined,
                quarantined,
                meta.retries as i64,
                self.fingerprint_of(kept),
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Deletes the versions this sync wrote that no kept record uses (an
    /// abandoned walk's, or a duplicate's that lost).
    fn drop_orphans(&self, kept: &[(&String, &Staged)]) -> Result<(), StoreError> {
        let used: HashSet<i64> = kept.iter().map(|(_, s)| s.version_id).collect();
        let orphans: Vec<i64> = self.staged.written.values().copied().filter(|v| !used.contains(v)).collect();
        if orphans.is_empty() {
            return Ok(());
        }
        let list = serde_json::to_string(&orphans).expect("integers serialize");
        for table in ["model_records", "model_versions"] {
            self.tx.execute(
                &format!("DELETE FROM {table} WHERE version_id IN (SELECT value FROM json_each(?1))"),
                [&list],
            )?;
        }
        Ok(())
    }

    /// The snapshot's facet groups: its models counted by each facet's
    /// column(s), one row per distinct value (see `facet_groups`).
    fn store_facet_groups(&self, id: i64, kept: &[(&String, &Staged)]) -> Result<(), StoreError> {
        let mut models = vec![0i64; self.staged.facets.len()];
        for (_, staged) in kept {
            models[staged.facets as usize] += 1;
        }
        type Groups<'a> = HashMap<(&'static str, Option<&'a str>, Option<&'a str>), i64>;
        let mut groups: Groups<'_> = HashMap::new();
        for (Facets { columns: c, .. }, &i) in &self.staged.facets {
            let n = models[i as usize];
            if n == 0 {
                continue;
            }
            for key in [
                (group_name(Facet::Features), c.features.as_deref(), None),
                (group_name(Facet::Endpoints), c.endpoints.as_deref(), None),
                (group_name(Facet::Providers), c.provider_code.as_deref(), c.provider.as_deref()),
                (group_name(Facet::Types), c.model_type.as_deref(), None),
            ] {
                *groups.entry(key).or_default() += n;
            }
        }
        let mut insert = self
            .tx
            .prepare("INSERT INTO facet_groups (snapshot, facet, value, name, models) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for ((facet, value, name), n) in groups {
            insert.execute(params![id, facet, value, name, n])?;
        }
        Ok(())
    }

    fn store_quarantined(&self, id: i64) -> Result<(), StoreError> {
        let mut insert = self.tx.prepare(
            "INSERT INTO quarantine (hash, reason, record, first_snapshot, last_snapshot) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (hash) DO UPDATE SET last_snapshot = excluded.last_snapshot",
        )?;
        for (hash, q) in &self.staged.quarantined {
            insert.execute(params![hash, q.reason, q.record, id])?;
        }
        Ok(())
    }

    /// Every message the sync has for the user, in the order the records came:
    /// field warnings, quarantined records, then ids sent twice with different content.
    fn warnings(&self) -> Vec<String> {
        let mut by_place: Vec<(i64, String)> =
            self.staged.kept.values().flat_map(|s| s.warnings.iter().map(|w| (s.ord, w.clone()))).collect();
        for q in self.staged.quarantined.values() {
            let (page, position) = (q.ord >> 32, (q.ord & 0xffff_ffff) + 1);
            let place =
                if page == 0 { format!("record {position}") } else { format!("page {page}, record {position}") };
            by_place.push((q.ord, format!("{place}: {}; quarantined", q.reason)));
        }
        // Stable: a record's own warnings keep their order.
        by_place.sort_by_key(|(ord, _)| *ord);
        let mut conflicting: Vec<(&String, u32)> =
            self.staged.duplicates.iter().filter(|(_, (_, differs))| *differs).map(|(id, (n, _))| (id, *n)).collect();
        conflicting.sort();
        let mut warnings: Vec<String> = by_place.into_iter().map(|(_, w)| w).collect();
        warnings.extend(
            conflicting
                .into_iter()
                .map(|(id, n)| format!("{id}: sent {n} times with different content; kept the first")),
        );
        warnings
    }
}

/// The first snapshot: every model opens a span. In version order, so the
/// foreign-key checks read `model_versions` front to back, not at random.
fn open_spans(conn: &Connection, kept: &[(&String, &Staged)], id: i64) -> Result<(), StoreError> {
    let mut by_version = kept.to_vec();
    by_version.sort_unstable_by_key(|(_, s)| s.version_id);
    let mut insert = conn.prepare("INSERT INTO spans (model_id, version_id, first_snapshot) VALUES (?1, ?2, ?3)")?;
    for (model, s) in by_version {
        insert.execute(params![model, s.version_id, id])?;
    }
    Ok(())
}

/// A later snapshot: closes the spans of models that left or changed, and
/// opens spans for the new versions. Unchanged models are not touched.
fn move_spans(conn: &Connection, kept: &[(&String, &Staged)], prev: i64, id: i64) -> Result<(), StoreError> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.kept;
         CREATE TEMP TABLE kept (id TEXT PRIMARY KEY, version_id INTEGER NOT NULL) WITHOUT ROWID;",
    )?;
    let mut insert = conn.prepare("INSERT INTO kept (id, version_id) VALUES (?1, ?2)")?;
    for (model, s) in kept {
        insert.execute(params![model, s.version_id])?;
    }
    conn.execute(
        "UPDATE spans SET last_snapshot = ?1
         WHERE last_snapshot IS NULL
           AND NOT EXISTS (SELECT 1 FROM kept AS k WHERE k.id = spans.model_id AND k.version_id = spans.version_id)",
        [prev],
    )?;
    conn.execute(
        "INSERT INTO spans (model_id, version_id, first_snapshot)
         SELECT k.id, k.version_id, ?1 FROM kept AS k
         WHERE NOT EXISTS (SELECT 1 FROM spans AS s WHERE s.model_id = k.id AND s.last_snapshot IS NULL)
         ORDER BY k.version_id",
        [id],
    )?;
    conn.execute_batch("DROP TABLE temp.kept")?;
    Ok(())
}

/// Models added, removed and changed between two snapshots, counted (not kept).
fn count_changes(conn: &Connection, from: i64, to: i64) -> Result<(usize, usize, usize), StoreError> {
    let mut counts = (0, 0, 0);
    each_difference(conn, from, to, None, |d| match d {
        Difference::Added(_) => counts.0 += 1,
        Difference::Removed(_) => counts.1 += 1,
        Difference::Changed(_) => counts.2 += 1,
    })?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> SnapshotMeta {
        SnapshotMeta {
            started_at: Timestamp::now(),
            fetched_at: Timestamp::now(),
            source: "test".into(),
            from_file: true,
            pages: 1,
            total: None,
            retries: 0,
        }
    }

    fn record(text: &str) -> Box<RawValue> {
        serde_json::from_str(text).unwrap()
    }

    /// Imports `records` as one snapshot.
    fn import(store: &mut Store, feed: Feed, records: &[Box<RawValue>]) -> Result<Committed, StoreError> {
        store.write_snapshot(feed, |ingest| {
            ingest.add(0, records)?;
            Ok(meta())
        })
    }

    /// The ids of the current models matching `filters`, in id order.
    fn listed(store: &Store, filters: &crate::query::Filters) -> Vec<String> {
        let mut ids = Vec::new();
        store
            .each_model(filters, crate::query::Sort::default(), None, |m| -> Result<(), StoreError> {
                ids.push(m.model.id);
                Ok(())
            })
            .unwrap();
        ids
    }

    #[test]
    fn features_match_and_count_ignoring_case_once_per_model_whatever_their_text() {
        use crate::query::{Facet, Filters};
        let mut store = Store::in_memory().unwrap();
        let records = [
            record(r#"{"id": "a", "features": ["Vision", "vision", "x_y"]}"#),
            record(r#"{"id": "b", "features": ["VISION"]}"#),
            record(r#"{"id": "c", "features": ["tab\there", "caf\u00e9", "q\"uote"]}"#),
            record(r#"{"id": "d", "features": ["xay"]}"#),
        ];
        import(&mut store, Feed::File, &records).unwrap();
        let ids = |feature: &str| listed(&store, &Filters { features: vec![feature.into()], ..Filters::default() });
        assert_eq!(ids("vision"), ["a", "b"]);
        assert_eq!(ids("x_y"), ["a"], "a LIKE wildcard in the value matches only itself");
        assert_eq!(ids("tab\there"), ["c"], "a control character, escaped in the JSON text");
        assert_eq!(ids("CAFÉ"), Vec::<String>::new(), "case is ignored for ASCII only");
        assert_eq!(ids("café"), ["c"]);
        assert_eq!(ids("q\"uote"), ["c"]);
        let all = Filters::everything();
        let counts: Vec<(Option<String>, i64)> =
            store.facet(Facet::Features, &all).unwrap().into_iter().map(|c| (c.value, c.count)).collect();
        assert_eq!(counts[0], (Some("VISION".into()), 2), "a model once, under the least spelling");
        assert_eq!(counts.len(), 6);
    }

    #[test]
    fn every_sync_keeps_the_values_its_filters_can_ask_for() {
        use crate::query::Filters;
        let mut store = Store::in_memory().unwrap();
        let ids = |store: &Store, filters: Filters| (listed(store, &filters), store.count(&filters).unwrap());
        // A page large enough to be read on the helper thread, its last record alone in its values.
        let mut records: Vec<_> =
            (0..600).map(|i| record(&format!(r#"{{"id": "m{i:03}", "features": ["text"]}}"#))).collect();
        records.push(record(
            r#"{"id": "z", "provider": "Zeta", "provider_code": "zeta", "model_type": "video", "features": ["Rare"],
                "endpoints": "{\"zeta-gen\": {\"path\": \"/v1/zeta\", \"method\": \"POST\"}}"}"#,
        ));
        import(&mut store, Feed::File, &records).unwrap();
        let only_z = (vec!["z".to_owned()], 1);
        assert_eq!(ids(&store, Filters { features: vec!["rare".into()], ..Filters::default() }), only_z);
        assert_eq!(ids(&store, Filters { types: vec!["nope".into(), "VIDEO".into()], ..Filters::default() }), only_z);
        assert_eq!(
            ids(&store, Filters { providers: vec!["nope".into(), "zeta".into()], ..Filters::default() }),
            only_z
        );
        assert_eq!(ids(&store, Filters { providers: vec!["ZETA".into()], ..Filters::default() }), only_z);
        assert_eq!(ids(&store, Filters { endpoints: vec!["/v1/ZETA".into()], ..Filters::default() }), only_z);
        assert_eq!(ids(&store, Filters { endpoints: vec!["zeta-gen".into()], ..Filters::default() }), only_z);
        let none = (Vec::<String>::new(), 0);
        assert_eq!(ids(&store, Filters { features: vec!["rare".into(), "nope".into()], ..Filters::default() }), none);
        assert_eq!(ids(&store, Filters { providers: vec!["nope".into()], ..Filters::default() }), none);

        // A later sync's new values are kept too; the old ones stay (a superset is enough).
        import(&mut store, Feed::Network, &[record(r#"{"id": "n", "features": ["Newer"]}"#)]).unwrap();
        assert_eq!(
            ids(&store, Filters { features: vec!["newer".into()], ..Filters::default() }),
            (vec!["n".into()], 1)
        );
        assert_eq!(ids(&store, Filters { features: vec!["rare".into()], ..Filters::default() }), none);

        // Of two spellings, the least is kept, whatever order the sets held them in.
        let spellings: Vec<_> = ["vision", "Vision", "vIsion", "viSion", "VISION", "visIon", "visiOn", "visioN"]
            .iter()
            .enumerate()
            .map(|(i, f)| record(&format!(r#"{{"id": "c{i}", "features": ["{f}"]}}"#)))
            .collect();
        import(&mut store, Feed::Network, &spellings).unwrap();
        let kept: Vec<String> = store
            .conn
            .prepare("SELECT value FROM filter_values WHERE facet = 'feature' AND value = 'VISION'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kept, ["VISION"]);

        // The list is what decides: a value taken out of it is not looked for.
        store.conn.execute("DELETE FROM filter_values WHERE value = 'Newer'", []).unwrap();
        assert_eq!(ids(&store, Filters { features: vec!["newer".into()], ..Filters::default() }), none);
    }

    #[test]
    fn a_large_page_is_staged_in_the_order_received_whichever_thread_reads_it() {
        use crate::query::Filters;
        let mut store = Store::in_memory().unwrap();
        // Twenty batches: ids sent again later with other content, and records
        // without an id, scattered over all of them.
        let records: Vec<_> = (0..5000)
            .map(|i| match i {
                _ if i % 997 == 0 => record(&format!(r#"{{"code": "no-id-{i}"}}"#)),
                _ if i % 101 == 7 => record(&format!(r#"{{"id": "twice{}", "name": "copy {i}"}}"#, i % 3)),
                _ => record(&format!(r#"{{"id": "m{i:04}", "name": "model {i}"}}"#)),
            })
            .collect();
        let committed = import(&mut store, Feed::File, &records).unwrap();
        let mut names = std::collections::BTreeMap::new();
        store
            .each_model(&Filters::default(), crate::query::Sort::default(), None, |m| -> Result<(), StoreError> {
                names.insert(m.model.id, m.model.name.unwrap_or_default());
                Ok(())
            })
            .unwrap();
        // The first copy of each id is kept: i = 7, 108 and 209 are the first with i % 101 == 7 for each i % 3.
        assert_eq!(names["twice1"], "copy 7");
        assert_eq!(names["twice0"], "copy 108");
        assert_eq!(names["twice2"], "copy 209");
        assert_eq!(names["m4999"], "model 4999");
        assert_eq!(names.len(), 5000 - 6 - 50 + 3);
        let places: Vec<&str> = committed.warnings.iter().filter_map(|w| w.split(':').next()).collect();
        assert_eq!(
            places,
            [
                "record 1",
                "record 998",
                "record 1995",
                "record 2992",
                "record 3989",
                "record 4986",
                "twice0",
                "twice1",
                "twice2"
            ],
            "{:#?}",
            committed.warnings
        );
        assert_eq!(committed.duplicates, 50 - 3);
    }

    #[test]
    fn a_batch_claimed_is_a_batch_handed_on_however_late_the_helper_is() {
        // The helper claims batch 0 and sends it only once the writer has
        // prepared as many batches ahead as it may, and then some time after.
        let count = 20;
        let next = AtomicUsize::new(0);
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        let mut handed = Vec::new();
        let first = claim(&next, count).unwrap();
        std::thread::scope(|scope| {
            let next = &next;
            scope.spawn(move || {
                while next.load(Ordering::Relaxed) <= AHEAD {
                    std::thread::yield_now();
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
                tx.send((first, first)).unwrap();
                while let Some(b) = claim(next, count) {
                    tx.send((b, b)).unwrap();
                }
            });
            let each = |b, batch| {
                handed.push((b, batch));
                Ok::<_, ()>(())
            };
            in_order(count, next, &rx, |b| b, each).unwrap();
        });
        assert_eq!(handed, (0..count).map(|b| (b, b)).collect::<Vec<_>>());
    }

    #[test]
    fn the_facet_groups_a_sync_keeps_count_as_the_models_do() {
        use crate::query::{Facet, Filters};
        let everything = Filters::everything();
        let facets = [Facet::Features, Facet::Types, Facet::Providers, Facet::Endpoints];
        // Every facet as the models count it, and as the groups do (None when none were kept).
        let both = |store: &Store, facet| {
            let scanned = store.facet_rows(&crate::query::facet(facet, &everything)).unwrap();
            let stored = store.stored_facet(facet, &everything).unwrap().map(|q| store.facet_rows(&q).unwrap());
            (scanned, stored)
        };
        let model = |i: usize, sync: usize| {
            let feature = ["Vision", "vision", "VISION", "tools"][i % 4];
            let provider = match i % 5 {
                0 => r#""provider": "OpenAI", "provider_code": "openai","#,
                1 => r#""provider": "openai","#,
                2 => r#""provider_code": "OPENAI","#,
                3 => r#""provider": "Zeta","#,
                _ => "",
            };
            let kind = ["", r#""model_type": "Text","#, r#""model_type": "text","#][i % 3];
            let endpoints = [
                r#""{\"chat\": {\"path\": \"/v1/chat\"}}""#,
                r#""{\"Chat\": {\"path\": \"/v1/chat\"}, \"embed\": {\"path\": \"/v1/e\"}}""#,
                "[]",
            ][i % 3];
            let upcoming = if i.is_multiple_of(7) { r#""upcoming": true,"# } else { "" };
            record(&format!(
                r#"{{"id": "m{i}", {provider} {kind} {upcoming} "features": ["{feature}", "x{}"], "endpoints": {endpoints}, "name": "v{sync}"}}"#,
                i % 3
            ))
        };
        let mut store = Store::in_memory().unwrap();
        for (sync, range) in [(1, 0..700), (2, 100..800), (3, 100..760)] {
            let mut records: Vec<_> =
                range.clone().map(|i| model(i, if i.is_multiple_of(11) { sync } else { 0 })).collect();
            // A copy sent twice, and a record without an id.
            records.push(model(range.start + 3, 9));
            records.push(record(r#"{"code": "no-id"}"#));
            import(&mut store, if sync == 1 { Feed::File } else { Feed::Network }, &records).unwrap();
            for facet in facets {
                let (scanned, stored) = both(&store, facet);
                assert!(scanned.len() > 1, "{facet:?}: {scanned:?}");
                assert_eq!(stored.as_ref(), Some(&scanned), "{facet:?} after sync over {range:?}");
                assert_eq!(store.facet(facet, &everything).unwrap(), scanned);
            }
        }
        // A snapshot synced before the groups were kept: its facets are counted from the models.
        let before = store.facet(Facet::Features, &everything).unwrap();
        store.conn.execute("DELETE FROM facet_groups", []).unwrap();
        assert_eq!(both(&store, Facet::Features).1, None);
        assert_eq!(store.facet(Facet::Features, &everything).unwrap(), before);
    }

    #[test]
    fn a_second_writer_is_told_another_sync_is_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let mut store = Store::create(&path).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        store.conn.busy_timeout(std::time::Duration::from_millis(20)).unwrap();
        let err = import(&mut store, Feed::Network, &[record(r#"{"id": "a"}"#)]).unwrap_err();
        assert!(matches!(err, StoreError::Busy(_)), "{err:?}");
    }

    #[test]
    fn only_a_first_import_from_a_file_runs_without_the_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("catalog.db")).unwrap();
        let mode = |conn: &Connection| conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).unwrap();
        let records = [record(r#"{"id": "a"}"#)];
        for (sync, during) in [(1, "delete"), (2, "wal")] {
            store
                .write_snapshot(Feed::File, |ingest| {
                    assert_eq!(mode(&ingest.tx), during, "sync {sync}");
                    ingest.add(0, &records)?;
                    Ok::<_, StoreError>(meta())
                })
                .unwrap();
            assert_eq!(mode(&store.conn), "wal", "after sync {sync}");
        }
        // A first sync that fails also leaves WAL on; one over the network never leaves it.
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("catalog.db")).unwrap();
        assert!(import(&mut store, Feed::File, &[]).is_err());
        assert_eq!(mode(&store.conn), "wal");
        let _ = store.write_snapshot(Feed::Network, |ingest| {
            assert_eq!(mode(&ingest.tx), "wal");
            Err::<SnapshotMeta, _>(StoreError::NoModels { previous: false })
        });
    }

    #[test]
    fn a_catalog_without_models_is_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("catalog.db")).unwrap();
        let err = import(&mut store, Feed::File, &[record(r#"{"code": "no-id"}"#)]).unwrap_err();
        assert!(matches!(err, StoreError::NoModels { previous: false }));
        assert_eq!(err.to_string(), "the catalog received holds no models; nothing was stored");
        assert_eq!(store.current_snapshot().unwrap().map(|s| s.id), None);
    }
}
