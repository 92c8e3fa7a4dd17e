//! Writing one sync as one snapshot.
//!
//! An [`Ingest`] is one IMMEDIATE transaction. Records are parsed and hashed as
//! they arrive (large pages on a helper thread); a record never seen before
//! becomes a new row of `model_versions` with its features and endpoints, and
//! the snapshot's membership (id → version, first received wins) is kept in
//! memory. [`Ingest::commit`] writes the snapshot row and moves the spans, then
//! commits. Dropping an `Ingest` without committing rolls everything back, so a
//! failed sync leaves the catalog exactly as it was. Readers are never blocked
//! (WAL); another writer waits for the busy timeout.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use jiff::Timestamp;
use rusqlite::types::{ToSqlOutput, Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::read::{self, Snapshot};
use super::{Store, StoreError};
use crate::catalog::{Model, Record, hex, parse_record, record_hash};

/// The columns of `model_versions` a sync writes, in the order [`version_row`] gives them.
const COLUMNS: &str = "hash, id, code, name, provider, provider_code, description, model_type, \
    features, endpoints, currency, input_price, output_price, per_request, per_second, ratio, \
    effective_input_price, effective_output_price, effective_per_request, effective_per_second, \
    input_sort, output_sort, context_length, max_completion_tokens, upcoming, created, api_doc_url, \
    warnings";
const COLUMN_COUNT: usize = 28;

/// Page cache while a sync writes (KiB): enough to keep the indexes of a
/// 100,000-model catalog in memory without holding the catalog itself.
const INGEST_CACHE_KIB: i64 = 32 * 1024;

/// Records prepared per batch on the helper thread.
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
    conn: &'s mut Connection,
    /// The record kept for each id: the first received, by page then position.
    kept: HashMap<String, Staged>,
    quarantined: HashMap<String, Quarantined>,
    /// Ids received more than once: how many times, and whether the copies differ.
    duplicates: HashMap<String, (u32, bool)>,
    /// Records received in this walk, duplicates included.
    received: u64,
    /// Versions this sync wrote, by record hash; those no kept record uses are
    /// deleted at commit.
    written: HashMap<[u8; 32], i64>,
    /// Whether the catalog held any version before: if not, only a record this
    /// sync wrote can be known, and the lookup is skipped for the rest.
    had_versions: bool,
    committed: bool,
}

struct Staged {
    ord: i64,
    version_id: i64,
    hash: [u8; 32],
    /// What parsing the record had to say (kept with the version, shown on every sync).
    warnings: Vec<String>,
}

struct Quarantined {
    ord: i64,
    reason: String,
    record: String,
}

/// A record made ready away from the writing thread: parsed, hashed, validated.
struct Prepared<'r> {
    raw: &'r RawValue,
    hash: [u8; 32],
    record: Record,
}

fn prepare(raw: &RawValue) -> Prepared<'_> {
    // A RawValue is valid JSON by construction, so this cannot fail.
    let value: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or_default();
    Prepared { raw, hash: record_hash(&value), record: parse_record(&value) }
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
    /// Starts a new snapshot: takes the write lock, which is held until the
    /// commit or the rollback.
    pub fn ingest(&mut self, feed: Feed) -> Result<Ingest<'_>, StoreError> {
        self.conn.pragma_update(None, "cache_size", -INGEST_CACHE_KIB)?;
        // The first snapshot writes every page of the catalog. In WAL mode each
        // would be written twice (to the log, then by the checkpoint); a rollback
        // journal has nothing to save for pages that did not exist. So the first
        // import of a file runs in rollback mode (readers wait for it: it is
        // short), when no other connection is open (else the switch does not
        // happen), and WAL comes back when it ends. A walk over the network,
        // which may take minutes, keeps WAL so readers never wait on it.
        let first: bool = self.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM snapshots)", [], |r| r.get(0))?;
        if first && feed == Feed::File {
            let _ = self.conn.pragma_update(None, "journal_mode", "DELETE");
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy(self.path.clone())
            }
            _ => e.into(),
        })?;
        let had_versions = self.conn.query_row("SELECT EXISTS (SELECT 1 FROM model_versions)", [], |r| r.get(0));
        let had_versions = match had_versions {
            Ok(had) => had,
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        };
        Ok(Ingest {
            conn: &mut self.conn,
            kept: HashMap::new(),
            quarantined: HashMap::new(),
            duplicates: HashMap::new(),
            received: 0,
            written: HashMap::new(),
            had_versions,
            committed: false,
        })
    }
}

impl Drop for Ingest<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing of a failed sync may remain. If the rollback itself fails,
            // SQLite rolls back when the connection closes.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let _ = self.conn.pragma_update(None, "cache_size", -2000);
        // Every connection asks for WAL when it opens, so a failure here heals itself.
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
    }
}

impl Ingest<'_> {
    /// Forgets everything staged (the walk starts again). Versions already
    /// written stay until the commit, which drops the ones nothing uses.
    pub fn reset(&mut self) {
        self.kept.clear();
        self.quarantined.clear();
        self.duplicates.clear();
        self.received = 0;
    }

    /// Stages the records of one page (or of a whole file, as page 0). Large
    /// pages are parsed and hashed on a second thread while this one writes.
    pub fn add<R: Borrow<RawValue> + Sync>(&mut self, page: u64, records: &[R]) -> Result<(), StoreError> {
        if records.len() < 2 * BATCH {
            for (i, raw) in records.iter().enumerate() {
                self.stage(ord(page, i), prepare(raw.borrow()))?;
            }
        } else {
            std::thread::scope(|scope| -> Result<(), StoreError> {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared<'_>>>(4);
                scope.spawn(move || {
                    for chunk in records.chunks(BATCH) {
                        // A closed channel means the writer failed: stop.
                        if tx.send(chunk.iter().map(|r| prepare(r.borrow())).collect()).is_err() {
                            return;
                        }
                    }
                });
                for (i, prepared) in rx.into_iter().flatten().enumerate() {
                    self.stage(ord(page, i), prepared)?;
                }
                Ok(())
            })?;
        }
        self.received += records.len() as u64;
        Ok(())
    }

    fn stage(&mut self, ord: i64, p: Prepared<'_>) -> Result<(), StoreError> {
        let hex_hash = hex(&p.hash);
        // Seen before (the usual case on a re-sync): nothing new to write.
        let known = match self.had_versions || self.written.contains_key(&p.hash) {
            true => self
                .conn
                .prepare_cached("SELECT version_id, id, warnings FROM model_versions WHERE hash = ?1")?
                .query_row([&hex_hash], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
                })
                .optional()?,
            false => None,
        };
        let (id, version_id, warnings) = match (known, p.record) {
            (Some((version_id, id, warnings)), _) => {
                let warnings = warnings.map(|w| serde_json::from_str(&w).unwrap_or_default()).unwrap_or_default();
                (id, version_id, warnings)
            }
            (None, Record::Model { model, warnings }) => {
                let version_id = insert_version(self.conn, &model, hex_hash, &warnings, p.raw.get())?;
                self.written.insert(p.hash, version_id);
                (model.id, version_id, warnings)
            }
            (None, Record::Quarantined { reason }) => {
                let q = Quarantined { ord, reason, record: p.raw.get().to_owned() };
                self.quarantined.entry(hex_hash).and_modify(|old| old.ord = old.ord.min(ord)).or_insert(q);
                return Ok(());
            }
        };
        let staged = Staged { ord, version_id, hash: p.hash, warnings };
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

    /// Records received in this walk, duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Distinct ids staged plus quarantined records: what must match `total`.
    pub fn collected(&self) -> u64 {
        (self.kept.len() + self.quarantined.len()) as u64
    }

    /// sha256 over the sorted (id, record hash) pairs, then the quarantined
    /// records' hashes: the same catalog hashes the same, however it arrived.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        for (id, staged) in self.sorted() {
            hasher.update(id.as_bytes());
            hasher.update([0]);
            hasher.update(staged.hash);
        }
        let mut quarantined: Vec<&String> = self.quarantined.keys().collect();
        quarantined.sort_unstable();
        for hash in quarantined {
            hasher.update([1]);
            hasher.update(hash.as_bytes());
        }
        hex(&hasher.finalize())
    }

    /// The kept records, by id.
    fn sorted(&self) -> Vec<(&String, &Staged)> {
        let mut ids: Vec<(&String, &Staged)> = self.kept.iter().collect();
        ids.sort_unstable_by_key(|(id, _)| *id);
        ids
    }

    /// Makes the staged catalog the current snapshot, all or nothing. A catalog
    /// without a single model is refused: the real one is never empty, and an
    /// empty snapshot would make every model look unknown.
    pub fn commit(mut self, meta: &SnapshotMeta) -> Result<Committed, StoreError> {
        if self.kept.is_empty() {
            return Err(StoreError::NoModels);
        }
        let finished_at = Timestamp::now();
        let hash = self.fingerprint();
        let warnings = self.warnings();
        let duplicates: u32 = self.duplicates.values().map(|(n, _)| n - 1).sum();
        let quarantined = self.quarantined.len() as i64;
        let kept = self.sorted();
        let conn = &*self.conn;
        let (prev, prev_hash): (Option<i64>, Option<String>) = conn
            .query_row("SELECT id, content_hash FROM snapshots ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unzip();
        conn.execute(
            "INSERT INTO snapshots (started_at, finished_at, fetched_at, source, source_kind, pages, total,
                 models, warnings, quarantined, retries, content_hash, added, removed, changed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 0, 0)",
            params![
                read::format_time(meta.started_at),
                read::format_time(finished_at),
                read::format_time(meta.fetched_at),
                meta.source,
                if meta.from_file { "file" } else { "api" },
                meta.pages as i64,
                meta.total.map(|t| t as i64),
                kept.len() as i64,
                // Quarantined records are counted on their own, not as warnings.
                warnings.len() as i64 - quarantined,
                quarantined,
                meta.retries as i64,
                hash,
            ],
        )?;
        let id = conn.last_insert_rowid();
        // Versions written by an abandoned walk, or by a duplicate that lost, are part of nothing.
        let used: HashSet<i64> = kept.iter().map(|(_, s)| s.version_id).collect();
        let orphans: Vec<i64> = self.written.values().copied().filter(|v| !used.contains(v)).collect();
        if !orphans.is_empty() {
            let list = serde_json::to_string(&orphans).expect("integers serialize");
            for table in ["model_records", "model_versions"] {
                conn.execute(
                    &format!("DELETE FROM {table} WHERE version_id IN (SELECT value FROM json_each(?1))"),
                    [&list],
                )?;
            }
        }
        if prev.is_some() {
            // Close the spans of models that left or changed; open spans for the new versions.
            conn.execute_batch(
                "DROP TABLE IF EXISTS temp.kept;
                 CREATE TEMP TABLE kept (id TEXT PRIMARY KEY, version_id INTEGER NOT NULL) WITHOUT ROWID;",
            )?;
            let mut insert = conn.prepare("INSERT INTO kept (id, version_id) VALUES (?1, ?2)")?;
            for (model, s) in &kept {
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
        } else {
            // The first snapshot: every model opens a span. In version order, so the
            // foreign-key checks read `model_versions` front to back, not at random.
            let mut by_version = kept.clone();
            by_version.sort_unstable_by_key(|(_, s)| s.version_id);
            let mut insert =
                conn.prepare("INSERT INTO spans (model_id, version_id, first_snapshot) VALUES (?1, ?2, ?3)")?;
            for (model, s) in by_version {
                insert.execute(params![model, s.version_id, id])?;
            }
        }
        let mut insert = conn.prepare(
            "INSERT INTO quarantine (hash, reason, record, first_snapshot, last_snapshot) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (hash) DO UPDATE SET last_snapshot = excluded.last_snapshot",
        )?;
        for (hash, q) in &self.quarantined {
            insert.execute(params![hash, q.reason, q.record, id])?;
        }
        let (added, removed, changed) = match prev {
            Some(prev) => {
                let mut counts = (0, 0, 0);
                read::each_difference(conn, prev, id, None, |d| match d {
                    read::Difference::Added(_) => counts.0 += 1,
                    read::Difference::Removed(_) => counts.1 += 1,
                    read::Difference::Changed(_) => counts.2 += 1,
                })?;
                counts
            }
            None => (kept.len(), 0, 0),
        };
        conn.execute(
            "UPDATE snapshots SET added = ?2, removed = ?3, changed = ?4 WHERE id = ?1",
            params![id, added as i64, removed as i64, changed as i64],
        )?;
        let snapshot = read::snapshot(conn, id)?.expect("the snapshot was just written");
        conn.execute_batch("COMMIT")?;
        self.committed = true;
        let unchanged = prev_hash.as_deref() == Some(snapshot.content_hash.as_str());
        Ok(Committed { snapshot, warnings, duplicates: u64::from(duplicates), unchanged })
    }

    /// Every message the sync has for the user, in the order the records came:
    /// field warnings, quarantined records, then ids sent twice with different content.
    fn warnings(&self) -> Vec<String> {
        let mut by_place: Vec<(i64, String)> =
            self.kept.values().flat_map(|s| s.warnings.iter().map(|w| (s.ord, w.clone()))).collect();
        for q in self.quarantined.values() {
            let (page, position) = (q.ord >> 32, (q.ord & 0xffff_ffff) + 1);
            let place =
                if page == 0 { format!("record {position}") } else { format!("page {page}, record {position}") };
            by_place.push((q.ord, format!("{place}: {}; quarantined", q.reason)));
        }
        // Stable: a record's own warnings keep their order.
        by_place.sort_by_key(|(ord, _)| *ord);
        let mut conflicting: Vec<(&String, u32)> =
            self.duplicates.iter().filter(|(_, (_, differs))| *differs).map(|(id, (n, _))| (id, *n)).collect();
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

/// Writes a new version and its record; returns its id.
fn insert_version(
    conn: &Connection,
    m: &Model,
    hash: String,
    warnings: &[String],
    record: &str,
) -> Result<i64, StoreError> {
    static INSERT: LazyLock<String> = LazyLock::new(|| {
        let params = (1..=COLUMN_COUNT).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        format!("INSERT INTO model_versions ({COLUMNS}) VALUES ({params})")
    });
    conn.prepare_cached(&INSERT)?.execute(params_from_iter(version_row(m, hash, warnings)))?;
    let version_id = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO model_records (version_id, record) VALUES (?1, ?2)")?
        .execute(params![version_id, record])?;
    Ok(version_id)
}

/// A model as the row `model_versions` stores, in [`COLUMNS`] order; text is
/// borrowed from the model, not copied.
fn version_row<'m>(m: &'m Model, hash: String, warnings: &[String]) -> [ToSqlOutput<'m>; COLUMN_COUNT] {
    let owned = |v: Sql| ToSqlOutput::Owned(v);
    let null = || ToSqlOutput::Owned(Sql::Null);
    fn text(s: &Option<String>) -> ToSqlOutput<'_> {
        s.as_deref().map_or(ToSqlOutput::Owned(Sql::Null), |s| ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())))
    }
    let money = |p: Option<crate::pricing::Money>| p.map_or_else(null, |p| owned(Sql::Text(p.to_string())));
    let sort = |p: Option<crate::pricing::Money>| p.map_or_else(null, |p| owned(Sql::Text(p.sort_key())));
    let int = |n: Option<u64>| n.map_or_else(null, |n| owned(Sql::Integer(n.min(i64::MAX as u64) as i64)));
    let listed = &m.pricing.listed;
    let effective = m.pricing.effective().unwrap_or_default();
    [
        owned(Sql::Text(hash)),
        ToSqlOutput::Borrowed(ValueRef::Text(m.id.as_bytes())),
        text(&m.code),
        text(&m.name),
        text(&m.provider),
        text(&m.provider_code),
        text(&m.description),
        text(&m.model_type),
        owned(Sql::Text(serde_json::to_string(&m.features).expect("strings serialize"))),
        owned(Sql::Text(serde_json::to_string(&m.endpoints).expect("endpoints serialize"))),
        text(&m.pricing.currency),
        money(listed.input),
        money(listed.output),
        money(listed.per_request),
        money(listed.per_second),
        money(m.pricing.ratio),
        money(effective.input),
        money(effective.output),
        money(effective.per_request),
        money(effective.per_second),
        sort(effective.input),
        sort(effective.output),
        int(m.context_length),
        int(m.max_completion_tokens),
        owned(Sql::Integer(m.upcoming.into())),
        owned(m.created.map_or(Sql::Null, Sql::Integer)),
        text(&m.api_doc_url),
        if warnings.is_empty() {
            null()
        } else {
            owned(Sql::Text(serde_json::to_string(warnings).expect("strings serialize")))
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_told_another_sync_is_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let mut store = Store::create(&path).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        store.conn.busy_timeout(std::time::Duration::from_millis(20)).unwrap();
        let err = store.ingest(Feed::Network).err().expect("the catalog is locked");
        assert!(matches!(err, StoreError::Busy(_)), "{err:?}");
        assert_eq!(err.hint(), Some("wait for the other sync to finish, then try again"));
    }

    #[test]
    fn only_a_first_import_from_a_file_runs_without_the_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("catalog.db")).unwrap();
        let mode = |conn: &Connection| conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).unwrap();
        let record: Box<RawValue> = serde_json::from_str(r#"{"id": "a"}"#).unwrap();
        for (sync, during) in [(1, "delete"), (2, "wal")] {
            let mut ingest = store.ingest(Feed::File).unwrap();
            assert_eq!(mode(ingest.conn), during, "sync {sync}");
            ingest.add(0, std::slice::from_ref(&record)).unwrap();
            ingest.commit(&meta()).unwrap();
            assert_eq!(mode(&store.conn), "wal", "after sync {sync}");
        }
        // A first sync that fails also leaves WAL on; one over the network never leaves it.
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("catalog.db")).unwrap();
        drop(store.ingest(Feed::File).unwrap());
        assert_eq!(mode(&store.conn), "wal");
        let ingest = store.ingest(Feed::Network).unwrap();
        assert_eq!(mode(ingest.conn), "wal");
    }

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

    #[test]
    fn a_catalog_without_models_is_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("catalog.db")).unwrap();
        let mut ingest = store.ingest(Feed::File).unwrap();
        let quarantined: Box<RawValue> = serde_json::from_str(r#"{"code": "no-id"}"#).unwrap();
        ingest.add(0, &[quarantined]).unwrap();
        assert!(matches!(ingest.commit(&meta()), Err(StoreError::NoModels)));
        assert_eq!(store.current_snapshot().unwrap().map(|s| s.id), None);
    }
}
