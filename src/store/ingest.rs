//! Writing one sync as one snapshot.
//!
//! Records are parsed as they arrive and staged in connection-private TEMP
//! tables, so nothing in the catalog changes (and no write lock is held) while
//! the network walk runs. [`Ingest::commit`] then moves the staged catalog into
//! the schema in one IMMEDIATE transaction: new record versions, span updates,
//! the snapshot row. Dropping an `Ingest` without committing leaves the catalog
//! exactly as it was.

use std::borrow::Borrow;

use jiff::Timestamp;
use rusqlite::types::Value as Sql;
use rusqlite::{OptionalExtension, TransactionBehavior, params, params_from_iter};
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
    warnings, record";
const COLUMN_COUNT: usize = 29;

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

/// A sync in progress: staged records, not yet part of the catalog.
pub struct Ingest<'s> {
    store: &'s mut Store,
    received: u64,
}

impl Store {
    /// Starts staging a new snapshot.
    pub fn ingest(&mut self) -> Result<Ingest<'_>, StoreError> {
        self.conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.staging;
             DROP TABLE IF EXISTS temp.staging_quarantine;
             CREATE TEMP TABLE staging AS SELECT 0 AS ord, {COLUMNS} FROM main.model_versions WHERE 0;
             CREATE INDEX temp.staging_id ON staging (id, ord);
             CREATE TEMP TABLE staging_quarantine (
                 hash TEXT PRIMARY KEY, ord INTEGER NOT NULL, reason TEXT NOT NULL, record TEXT NOT NULL);"
        ))?;
        Ok(Ingest { store: self, received: 0 })
    }
}

impl Ingest<'_> {
    /// Forgets everything staged (the walk starts again).
    pub fn reset(&mut self) -> Result<(), StoreError> {
        self.store.conn.execute_batch("DELETE FROM staging; DELETE FROM staging_quarantine;")?;
        self.received = 0;
        Ok(())
    }

    /// Stages the records of one page (or of a whole file, as page 0).
    pub fn add<R: Borrow<RawValue>>(&mut self, page: u64, records: &[R]) -> Result<(), StoreError> {
        let tx = self.store.conn.unchecked_transaction()?;
        {
            let mut model = tx.prepare_cached(&format!(
                "INSERT INTO staging (ord, {COLUMNS}) VALUES (?1{})",
                (2..=COLUMN_COUNT + 1).map(|i| format!(", ?{i}")).collect::<String>()
            ))?;
            let mut quarantine = tx.prepare_cached(
                "INSERT OR IGNORE INTO staging_quarantine (hash, ord, reason, record) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, raw) in records.iter().enumerate() {
                let raw: &RawValue = raw.borrow();
                let ord = ((page as i64) << 32) | i as i64;
                // A RawValue is valid JSON by construction, so this cannot fail.
                let value: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or_default();
                let hash = record_hash(&value);
                match parse_record(&value) {
                    Record::Model { model: m, warnings } => {
                        let row = version_row(&m, hash, &warnings, raw.get());
                        model.execute(params_from_iter(std::iter::once(Sql::Integer(ord)).chain(row)))?;
                    }
                    Record::Quarantined { reason } => {
                        quarantine.execute(params![hash, ord, reason, raw.get()])?;
                    }
                }
            }
        }
        tx.commit()?;
        self.received += records.len() as u64;
        Ok(())
    }

    /// Records received in this walk, duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Distinct ids staged plus quarantined records: what must match `total`.
    pub fn collected(&self) -> Result<u64, StoreError> {
        let n: i64 = self.store.conn.query_row(
            "SELECT (SELECT count(DISTINCT id) FROM staging) + (SELECT count(*) FROM staging_quarantine)",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// A hash of what is staged: the same catalog walked twice hashes the same.
    pub fn fingerprint(&self) -> Result<String, StoreError> {
        content_hash(&self.store.conn, KEPT)
    }

    /// Makes the staged catalog the current snapshot, all or nothing.
    pub fn commit(self, meta: &SnapshotMeta) -> Result<Committed, StoreError> {
        let finished_at = Timestamp::now();
        let conn = &mut self.store.conn;
        let hash = content_hash(conn, KEPT)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (prev, prev_hash): (Option<i64>, Option<String>) = tx
            .query_row("SELECT id, content_hash FROM snapshots ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unzip();
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.kept;
             CREATE TEMP TABLE kept AS {KEPT};"
        ))?;
        let (models, duplicates, quarantined): (i64, i64, i64) = tx.query_row(
            "SELECT (SELECT count(*) FROM kept),
                    (SELECT count(*) FROM staging) - (SELECT count(*) FROM kept),
                    (SELECT count(*) FROM staging_quarantine)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // Quarantined records are counted on their own, not as warnings.
        let warnings = collect_warnings(&tx)?;
        tx.execute(
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
                models,
                warnings.len() as i64 - quarantined,
                quarantined,
                meta.retries as i64,
                hash,
            ],
        )?;
        let id = tx.last_insert_rowid();
        let max_before: i64 =
            tx.query_row("SELECT coalesce(max(version_id), 0) FROM model_versions", [], |r| r.get(0))?;
        tx.execute(&format!("INSERT OR IGNORE INTO model_versions ({COLUMNS}) SELECT {COLUMNS} FROM kept"), [])?;
        tx.execute(
            "INSERT INTO model_features (version_id, feature)
             SELECT v.version_id, j.value FROM model_versions AS v, json_each(v.features) AS j
             WHERE v.version_id > ?1",
            [max_before],
        )?;
        tx.execute(
            "INSERT INTO model_endpoints (version_id, position, key, path, method)
             SELECT v.version_id, j.key, j.value ->> '$.key', j.value ->> '$.path', j.value ->> '$.method'
             FROM model_versions AS v, json_each(v.endpoints) AS j
             WHERE v.version_id > ?1",
            [max_before],
        )?;
        tx.execute_batch(
            "DROP TABLE IF EXISTS temp.incoming;
             CREATE TEMP TABLE incoming AS
                 SELECT k.id AS model_id, v.version_id FROM kept AS k JOIN main.model_versions AS v ON v.hash = k.hash;
             CREATE UNIQUE INDEX temp.incoming_id ON incoming (model_id);",
        )?;
        // Close the spans of models that left or changed; open spans for the new versions.
        tx.execute(
            "UPDATE spans SET last_snapshot = ?1
             WHERE last_snapshot IS NULL
               AND NOT EXISTS (SELECT 1 FROM incoming AS i
                               WHERE i.model_id = spans.model_id AND i.version_id = spans.version_id)",
            [prev],
        )?;
        tx.execute(
            "INSERT INTO spans (model_id, version_id, first_snapshot)
             SELECT i.model_id, i.version_id, ?1 FROM incoming AS i
             WHERE NOT EXISTS (SELECT 1 FROM spans AS s WHERE s.model_id = i.model_id AND s.last_snapshot IS NULL)",
            [id],
        )?;
        tx.execute(
            "INSERT INTO quarantine (hash, reason, record, first_snapshot, last_snapshot)
             SELECT hash, reason, record, ?1, ?1 FROM staging_quarantine WHERE true
             ON CONFLICT (hash) DO UPDATE SET last_snapshot = excluded.last_snapshot",
            [id],
        )?;
        let (added, removed, changed) = match prev {
            Some(prev) => {
                let diff = read::diff(&tx, prev, id, None)?;
                (diff.added.len(), diff.removed.len(), diff.changed.len())
            }
            None => (models as usize, 0, 0),
        };
        tx.execute(
            "UPDATE snapshots SET added = ?2, removed = ?3, changed = ?4 WHERE id = ?1",
            params![id, added as i64, removed as i64, changed as i64],
        )?;
        let snapshot = read::snapshot(&tx, id)?.expect("the snapshot was just written");
        tx.commit()?;
        self.store.conn.execute_batch(
            "DROP TABLE IF EXISTS temp.kept; DROP TABLE IF EXISTS temp.incoming;
             DROP TABLE IF EXISTS temp.staging; DROP TABLE IF EXISTS temp.staging_quarantine;",
        )?;
        let unchanged = prev_hash.as_deref() == Some(snapshot.content_hash.as_str());
        Ok(Committed { snapshot, warnings, duplicates: duplicates as u64, unchanged })
    }
}

/// The staged records that survive de-duplication: for each id, the first one
/// received (lowest page, then position), whatever order the pages arrived in.
const KEPT: &str = "SELECT * FROM staging AS s
     WHERE NOT EXISTS (SELECT 1 FROM staging AS t WHERE t.id = s.id AND t.ord < s.ord)";

/// sha256 over the sorted (id, record hash) pairs and the quarantined hashes.
fn content_hash(conn: &rusqlite::Connection, kept: &str) -> Result<String, StoreError> {
    let mut hasher = Sha256::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT id, hash FROM ({kept}) UNION ALL SELECT '', hash FROM staging_quarantine ORDER BY 1, 2"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        hasher.update(row.get_ref(0)?.as_str().unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(row.get_ref(1)?.as_str().unwrap_or_default().as_bytes());
        hasher.update([b'\n']);
    }
    Ok(hex(&hasher.finalize()))
}

/// Every message the sync has for the user, in the order the records came:
/// field warnings, quarantined records, and ids sent twice with different content.
fn collect_warnings(tx: &rusqlite::Transaction<'_>) -> Result<Vec<String>, StoreError> {
    let mut warnings = Vec::new();
    let mut stmt = tx.prepare(
        "SELECT 0, ord, warnings FROM kept WHERE warnings IS NOT NULL
         UNION ALL
         SELECT 1, ord, reason FROM staging_quarantine
         ORDER BY 2",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let kind: i64 = row.get(0)?;
        let ord: i64 = row.get(1)?;
        let text: String = row.get(2)?;
        if kind == 0 {
            warnings.extend(serde_json::from_str::<Vec<String>>(&text).unwrap_or_default());
        } else {
            let (page, position) = (ord >> 32, (ord & 0xffff_ffff) + 1);
            let place =
                if page == 0 { format!("record {position}") } else { format!("page {page}, record {position}") };
            warnings.push(format!("{place}: {text}; quarantined"));
        }
    }
    let mut stmt =
        tx.prepare("SELECT id, count(*) FROM staging GROUP BY id HAVING count(DISTINCT hash) > 1 ORDER BY id")?;
    let conflicting = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in conflicting {
        let (id, n) = row?;
        warnings.push(format!("{id}: sent {n} times with different content; kept the first"));
    }
    Ok(warnings)
}

/// A model as the row `model_versions` stores, in [`COLUMNS`] order.
fn version_row(m: &Model, hash: String, warnings: &[String], record: &str) -> [Sql; COLUMN_COUNT] {
    let text = |s: &Option<String>| s.clone().map_or(Sql::Null, Sql::Text);
    let money = |p: Option<crate::pricing::Money>| p.map_or(Sql::Null, |p| Sql::Text(p.to_string()));
    let sort = |p: Option<crate::pricing::Money>| p.map_or(Sql::Null, |p| Sql::Text(p.sort_key()));
    let int = |n: Option<u64>| n.map_or(Sql::Null, |n| Sql::Integer(n.min(i64::MAX as u64) as i64));
    let listed = &m.pricing.listed;
    let effective = m.pricing.effective().unwrap_or_default();
    [
        Sql::Text(hash),
        Sql::Text(m.id.clone()),
        text(&m.code),
        text(&m.name),
        text(&m.provider),
        text(&m.provider_code),
        text(&m.description),
        text(&m.model_type),
        Sql::Text(serde_json::to_string(&m.features).expect("strings serialize")),
        Sql::Text(serde_json::to_string(&m.endpoints).expect("endpoints serialize")),
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
        Sql::Integer(m.upcoming.into()),
        m.created.map_or(Sql::Null, Sql::Integer),
        text(&m.api_doc_url),
        if warnings.is_empty() {
            Sql::Null
        } else {
            Sql::Text(serde_json::to_string(warnings).expect("strings serialize"))
        },
        Sql::Text(record.to_owned()),
    ]
}
