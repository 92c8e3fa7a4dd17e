//! What changed between two snapshots: the models added, removed and changed,
//! compared a chunk of versions at a time so memory stays flat however much
//! changed.

use std::collections::HashSet;

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, params, params_from_iter};

use super::error::StoreError;
use super::open::Store;
use super::read::{Snapshot, snapshot};
use super::row::{StoredModel, load_versions};
use crate::history::{self, Change};
use crate::query::Filters;

impl Store {
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
fn diff(conn: &Connection, from: i64, to: i64, filters: Option<&Filters>) -> Result<Diff, StoreError> {
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
pub(super) enum Difference {
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
pub(super) fn each_difference(
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
