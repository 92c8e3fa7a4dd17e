//! Reading the catalog: snapshots, models, lookups by id or code, and the
//! differences between two snapshots.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::Serialize;

use super::{Store, StoreError};
use crate::catalog::{Endpoint, Model, Pricing};
use crate::history::{self, Change};
use crate::pricing::{Money, Prices};
use crate::query::{self, Filters, Query, Sort};

/// Times are stored and shown as RFC 3339 in UTC, to the second.
pub fn format_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One successful sync.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub fetched_at: String,
    pub source: String,
    pub source_kind: String,
    pub pages: i64,
    pub total: Option<i64>,
    pub models: i64,
    pub warnings: i64,
    pub quarantined: i64,
    pub retries: i64,
    pub content_hash: String,
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
}

const SNAPSHOT_COLUMNS: &str = "id, started_at, finished_at, fetched_at, source, source_kind, pages, total, \
     models, warnings, quarantined, retries, content_hash, added, removed, changed";

fn snapshot_from_row(r: &Row<'_>) -> rusqlite::Result<Snapshot> {
    snapshot_at(r, 0)
}

/// Reads [`SNAPSHOT_COLUMNS`] starting at column `o`.
fn snapshot_at(r: &Row<'_>, o: usize) -> rusqlite::Result<Snapshot> {
    Ok(Snapshot {
        id: r.get(o)?,
        started_at: r.get(o + 1)?,
        finished_at: r.get(o + 2)?,
        fetched_at: r.get(o + 3)?,
        source: r.get(o + 4)?,
        source_kind: r.get(o + 5)?,
        pages: r.get(o + 6)?,
        total: r.get(o + 7)?,
        models: r.get(o + 8)?,
        warnings: r.get(o + 9)?,
        quarantined: r.get(o + 10)?,
        retries: r.get(o + 11)?,
        content_hash: r.get(o + 12)?,
        added: r.get(o + 13)?,
        removed: r.get(o + 14)?,
        changed: r.get(o + 15)?,
    })
}

pub fn snapshot(conn: &Connection, id: i64) -> Result<Option<Snapshot>, StoreError> {
    Ok(conn
        .query_row(&format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?1"), [id], snapshot_from_row)
        .optional()?)
}

/// A model as stored, with what the sync had to say about its record.
#[derive(Clone, Debug)]
pub struct StoredModel {
    pub model: Model,
    pub version_id: i64,
    pub warnings: Vec<String>,
}

/// The columns [`model_from_row`] reads, from `model_versions AS v`.
pub const MODEL_COLUMNS: &str = "v.version_id, v.id, v.code, v.name, v.provider, v.provider_code, \
    v.description, v.model_type, v.features, v.endpoints, v.currency, v.input_price, v.output_price, \
    v.per_request, v.per_second, v.ratio, v.context_length, v.max_completion_tokens, v.upcoming, \
    v.created, v.api_doc_url, v.warnings";

/// A money column (canonical decimal TEXT, or NULL).
fn money(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Money>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(t) => Money::parse(std::str::from_utf8(t).unwrap_or_default())
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))),
        _ => Ok(None),
    }
}

/// currency, input_price, output_price, per_request, per_second, ratio, from column `o`.
fn pricing_at(r: &Row<'_>, o: usize) -> rusqlite::Result<Pricing> {
    Ok(Pricing {
        currency: r.get(o)?,
        listed: Prices {
            input: money(r, o + 1)?,
            output: money(r, o + 2)?,
            per_request: money(r, o + 3)?,
            per_second: money(r, o + 4)?,
        },
        ratio: money(r, o + 5)?,
    })
}

fn model_from_row(r: &Row<'_>) -> rusqlite::Result<StoredModel> {
    fn json<T: serde::de::DeserializeOwned + Default>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
        let text: Option<String> = r.get(i)?;
        text.map_or(Ok(T::default()), |t| {
            serde_json::from_str(&t)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
        })
    }
    let count = |i: usize| -> rusqlite::Result<Option<u64>> { Ok(r.get::<_, Option<i64>>(i)?.map(|n| n as u64)) };
    let model = Model {
        id: r.get(1)?,
        code: r.get(2)?,
        name: r.get(3)?,
        provider: r.get(4)?,
        provider_code: r.get(5)?,
        description: r.get(6)?,
        model_type: r.get(7)?,
        features: json(r, 8)?,
        endpoints: json::<Vec<Endpoint>>(r, 9)?,
        pricing: pricing_at(r, 10)?,
        context_length: count(16)?,
        max_completion_tokens: count(17)?,
        upcoming: r.get(18)?,
        created: r.get(19)?,
        api_doc_url: r.get(20)?,
    };
    Ok(StoredModel { model, version_id: r.get(0)?, warnings: json(r, 21)? })
}

impl Store {
    pub fn current_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id DESC LIMIT 1"),
                [],
                snapshot_from_row,
            )
            .optional()?)
    }

    /// Every snapshot, newest first.
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id DESC"))?;
        let rows = stmt.query_map([], snapshot_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn snapshot(&self, id: i64) -> Result<Option<Snapshot>, StoreError> {
        snapshot(&self.conn, id)
    }

    /// The snapshot taken before `id`.
    pub fn previous(&self, id: i64) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE id < ?1 ORDER BY id DESC LIMIT 1"),
                [id],
                snapshot_from_row,
            )
            .optional()?)
    }

    /// The newest snapshot whose data was fetched at or before `at`.
    pub fn snapshot_at(&self, at: Timestamp) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE fetched_at <= ?1 ORDER BY fetched_at DESC, id DESC LIMIT 1"
                ),
                [format_time(at)],
                snapshot_from_row,
            )
            .optional()?)
    }

    /// Calls `each` with every model a query built by `crate::query` selects,
    /// one at a time (the listing is never held in memory).
    pub fn each_model<E: From<StoreError>>(
        &self,
        query: &Query,
        mut each: impl FnMut(StoredModel) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stmt = self.conn.prepare(&query.sql).map_err(StoreError::from)?;
        let mut rows = stmt.query(params_from_iter(&query.params)).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            each(model_from_row(row).map_err(StoreError::from)?)?;
        }
        Ok(())
    }

    /// The current models matching `filters`, in no set order, read for
    /// pricing only: id and prices, nothing else (what `rank` needs, fast).
    pub fn current_prices(&self, filters: &Filters) -> Result<Vec<Model>, StoreError> {
        let columns = "v.id, v.currency, v.input_price, v.output_price, v.per_request, v.per_second, v.ratio";
        let q = query::current_unordered(columns, filters);
        let mut stmt = self.conn.prepare(&q.sql)?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| {
            Ok(Model { id: r.get(0)?, pricing: pricing_at(r, 1)?, ..Model::default() })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A current model by exact id, else by code (upcoming ones included).
    pub fn find(&self, name: &str) -> Result<Option<StoredModel>, StoreError> {
        for column in ["id", "code"] {
            // From the id (or code) index, then one probe of spans_last: the planner,
            // left alone, would walk every current span instead.
            let found = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {MODEL_COLUMNS} FROM model_versions AS v
                     WHERE v.{column} = ?1
                       AND EXISTS (SELECT 1 FROM spans AS s WHERE s.last_snapshot IS NULL AND s.version_id = v.version_id)
                     ORDER BY v.id LIMIT 1"
                ))?
                .query_row([name], model_from_row)
                .optional()?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The id of a model seen in any snapshot, by exact id, else by code.
    pub fn find_any(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM model_versions WHERE id = ?1
                 UNION ALL
                 SELECT * FROM (SELECT id FROM model_versions WHERE code = ?1 ORDER BY version_id DESC)
                 LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Ids (and codes) close to `name`, best first: for "did you mean" hints.
    pub fn suggestions(&self, name: &str, current_only: bool) -> Result<Vec<String>, StoreError> {
        let sql = if current_only {
            format!("SELECT v.id, v.code FROM {} WHERE {}", query::CURRENT_FROM, query::CURRENT)
        } else {
            "SELECT DISTINCT id, code FROM model_versions".to_owned()
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        let mut names = Vec::new();
        for row in rows {
            let (id, code) = row?;
            if let Some(code) = code.filter(|c| *c != id) {
                names.push((code, id.clone()));
            }
            names.push((id.clone(), id));
        }
        Ok(closest(name, names))
    }

    /// One version's record exactly as received.
    pub fn record(&self, version_id: i64) -> Result<String, StoreError> {
        Ok(self.conn.query_row("SELECT record FROM model_records WHERE version_id = ?1", [version_id], |r| r.get(0))?)
    }

    /// The records as received of the current models matching `filters`, by id.
    pub fn records(&self, filters: &Filters) -> Result<Vec<String>, StoreError> {
        let record = "(SELECT r.record FROM model_records AS r WHERE r.version_id = v.version_id)";
        let q = query::current_models(record, filters, Sort::default(), None);
        let mut stmt = self.conn.prepare(&q.sql)?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The records the current snapshot quarantined, as received.
    pub fn current_quarantined(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT record FROM quarantine WHERE last_snapshot = (SELECT max(id) FROM snapshots) ORDER BY hash",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every snapshot a model was in, each with the version it had there.
    /// With `every` false, only the first snapshot of each span (where a new
    /// version, or a return after an absence, began).
    pub fn sightings(&self, model_id: &str, every: bool) -> Result<Vec<(Snapshot, StoredModel)>, StoreError> {
        let snapshots = if every {
            "JOIN snapshots AS sn ON sn.id BETWEEN p.first_snapshot
                 AND coalesce(p.last_snapshot, (SELECT max(id) FROM snapshots))"
        } else {
            "JOIN snapshots AS sn ON sn.id = p.first_snapshot"
        };
        let sql = format!(
            "SELECT {MODEL_COLUMNS}, {} FROM spans AS p
             JOIN model_versions AS v ON v.version_id = p.version_id
             {snapshots}
             WHERE p.model_id = ?1 ORDER BY sn.id",
            SNAPSHOT_COLUMNS.split(", ").map(|c| format!("sn.{c}")).collect::<Vec<_>>().join(", ")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([model_id], |r| {
            let model = model_from_row(r)?;
            // The snapshot columns follow the 22 model columns.
            let snapshot = snapshot_at(r, 22)?;
            Ok((snapshot, model))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn diff(&self, from: i64, to: i64, filters: Option<&Filters>) -> Result<Diff, StoreError> {
        diff(&self.conn, from, to, filters)
    }
}

/// What changed between two snapshots.
#[derive(Debug)]
pub struct Diff {
    pub from: Snapshot,
    pub to: Snapshot,
    pub added: Vec<StoredModel>,
    pub removed: Vec<StoredModel>,
    pub changed: Vec<Changed>,
}

/// A model in both snapshots whose tracked fields differ.
#[derive(Debug)]
pub struct Changed {
    pub old: StoredModel,
    pub new: StoredModel,
    pub changes: Vec<Change>,
}

/// Compares two snapshots, sorted by id.
pub fn diff(conn: &Connection, from: i64, to: i64, filters: Option<&Filters>) -> Result<Diff, StoreError> {
    let from_snapshot = snapshot(conn, from)?.ok_or(StoreError::NoSnapshot(from))?;
    let to_snapshot = snapshot(conn, to)?.ok_or(StoreError::NoSnapshot(to))?;
    let mut diff = Diff { from: from_snapshot, to: to_snapshot, added: vec![], removed: vec![], changed: vec![] };
    each_difference(conn, from, to, filters, |d| match d {
        Difference::Added(m) => diff.added.push(m),
        Difference::Removed(m) => diff.removed.push(m),
        Difference::Changed(c) => diff.changed.push(*c),
    })?;
    diff.added.sort_by(|a, b| a.model.id.cmp(&b.model.id));
    diff.removed.sort_by(|a, b| a.model.id.cmp(&b.model.id));
    diff.changed.sort_by(|a, b| a.new.model.id.cmp(&b.new.model.id));
    Ok(diff)
}

/// One model that differs between two snapshots.
pub enum Difference {
    Added(StoredModel),
    Removed(StoredModel),
    Changed(Box<Changed>),
}

/// Versions loaded at a time while comparing: memory stays flat however much changed.
const DIFF_CHUNK: usize = 1024;

/// Calls `each` with every model that differs between two snapshots, in no
/// particular order. Only models with a span boundary between them can differ,
/// so the work grows with the amount of change, not with the catalog. With
/// `filters`, a model is kept when either of its versions matches them.
pub fn each_difference(
    conn: &Connection,
    from: i64,
    to: i64,
    filters: Option<&Filters>,
    mut each: impl FnMut(Difference),
) -> Result<(), StoreError> {
    let (lo, hi) = (from.min(to), from.max(to));
    let mut stmt = conn.prepare(
        "WITH candidates AS (
             SELECT model_id FROM spans WHERE first_snapshot > ?1 AND first_snapshot <= ?2
             UNION
             SELECT model_id FROM spans WHERE last_snapshot >= ?1 AND last_snapshot < ?2
         )
         SELECT c.model_id,
             (SELECT version_id FROM spans AS s WHERE s.model_id = c.model_id AND s.first_snapshot <= ?3
                  AND (s.last_snapshot IS NULL OR s.last_snapshot >= ?3)),
             (SELECT version_id FROM spans AS s WHERE s.model_id = c.model_id AND s.first_snapshot <= ?4
                  AND (s.last_snapshot IS NULL OR s.last_snapshot >= ?4))
         FROM candidates AS c",
    )?;
    let pairs: Vec<(Option<i64>, Option<i64>)> = stmt
        .query_map(params![lo, hi, from, to], |r| Ok((r.get(1)?, r.get(2)?)))?
        .filter(|p| p.as_ref().map_or(true, |(a, b)| a != b))
        .collect::<Result<_, _>>()?;
    for chunk in pairs.chunks(DIFF_CHUNK) {
        let ids: Vec<i64> = chunk.iter().flat_map(|(a, b)| [*a, *b]).flatten().collect();
        // A version belongs to one model, so each is taken out once.
        let mut versions = load_versions(conn, &ids)?;
        let wanted = filters.map(|f| matching(conn, &ids, f)).transpose()?;
        for &(a, b) in chunk {
            let matches = |v: Option<i64>| v.is_some_and(|v| wanted.as_ref().is_none_or(|w| w.contains(&v)));
            if !matches(a) && !matches(b) {
                continue;
            }
            let mut take = |v: Option<i64>| v.map(|v| versions.remove(&v).expect("a span's version exists"));
            match (take(a), take(b)) {
                (None, Some(new)) => each(Difference::Added(new)),
                (Some(old), None) => each(Difference::Removed(old)),
                (Some(old), Some(new)) => {
                    let changes = history::changes(&old.model, &new.model);
                    if !changes.is_empty() {
                        each(Difference::Changed(Box::new(Changed { old, new, changes })));
                    }
                }
                (None, None) => {}
            }
        }
    }
    Ok(())
}

/// Loads model versions by id.
fn load_versions(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, StoredModel>, StoreError> {
    let sql = format!(
        "SELECT {MODEL_COLUMNS} FROM model_versions AS v WHERE v.version_id IN (SELECT value FROM json_each(?1))"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([serde_json::to_string(ids).expect("integers serialize")], model_from_row)?;
    rows.map(|r| r.map(|m| (m.version_id, m))).collect::<Result<_, _>>().map_err(Into::into)
}

/// Which of these versions match `filters` (ids only: the models are loaded once, above).
fn matching(conn: &Connection, ids: &[i64], filters: &Filters) -> Result<HashSet<i64>, StoreError> {
    let mut params = vec![Sql::Text(serde_json::to_string(ids).expect("integers serialize"))];
    let condition = filters.condition(&mut params);
    let sql = format!(
        "SELECT v.version_id FROM model_versions AS v
         WHERE v.version_id IN (SELECT value FROM json_each(?1)) AND {condition}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(&params), |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Up to five models whose id or code looks like `wanted` (containing it, or
/// within a small edit distance), best first, each named by its id once.
/// `names` holds (id or code, id) pairs.
pub fn closest(wanted: &str, names: Vec<(String, String)>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, String)> = names
        .into_iter()
        .filter_map(|(name, id)| {
            let n = name.to_lowercase();
            let distance = edit_distance(&w, &n);
            let close = distance <= (w.chars().count() / 3).max(2);
            // Containment ignores punctuation: "gpt5" finds "gpt-5-mini".
            let (wa, na) = (alphanumeric(&w), alphanumeric(&n));
            let contains = wa.len() >= 3 && (na.contains(&wa) || wa.contains(&na));
            (close || contains).then_some((if close { distance } else { 100 + n.len().abs_diff(w.len()) }, id))
        })
        .collect();
    scored.sort();
    let mut seen = HashSet::new();
    scored.retain(|(_, id)| seen.insert(id.clone()));
    scored.into_iter().take(5).map(|(_, id)| id).collect()
}

fn alphanumeric(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_prefer_close_spellings() {
        let mut names: Vec<(String, String)> =
            ["gpt-5", "gpt-5-mini", "gpt-5.4-pro", "claude-sonnet-4-6", "qwen3-coder"]
                .map(|id| (id.to_owned(), id.to_owned()))
                .to_vec();
        names.push(("gpt-5-4-pro".into(), "gpt-5.4-pro".into()));
        assert_eq!(closest("gpt5", names.clone()), ["gpt-5", "gpt-5-mini", "gpt-5.4-pro"], "each model once, by id");
        assert_eq!(closest("claude-sonet-4-6", names.clone()), ["claude-sonnet-4-6"]);
        assert!(closest("zzzzzz", names).is_empty());
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
