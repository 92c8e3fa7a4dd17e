//! Reading the catalog: snapshots, models, lookups by id or code, facets, and
//! one model's sightings over time. Rows are decoded by column name, found once
//! per statement, never by a counted offset.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::Serialize;

use super::error::StoreError;
use super::open::Store;
use super::row::{
    MODEL_SELECT, ModelColumns, ModelRow, PRICES_SELECT, PriceColumns, ROW_SELECT, RowColumns, StoredModel,
    load_versions, models,
};
use crate::catalog::Model;
use crate::query::{self, Facet, Filters, Sort};
use crate::time::format_time;

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

impl Snapshot {
    /// A `SELECT * FROM snapshots` row, by column name.
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Snapshot> {
        Ok(Snapshot {
            id: r.get("id")?,
            started_at: r.get("started_at")?,
            finished_at: r.get("finished_at")?,
            fetched_at: r.get("fetched_at")?,
            // Catalogs written before credentials were stripped may hold them.
            source: crate::api::redact(&r.get::<_, String>("source")?),
            source_kind: r.get("source_kind")?,
            pages: r.get("pages")?,
            total: r.get("total")?,
            models: r.get("models")?,
            warnings: r.get("warnings")?,
            quarantined: r.get("quarantined")?,
            retries: r.get("retries")?,
            content_hash: r.get("content_hash")?,
            added: r.get("added")?,
            removed: r.get("removed")?,
            changed: r.get("changed")?,
        })
    }
}

pub(super) fn snapshot(conn: &Connection, id: i64) -> Result<Option<Snapshot>, StoreError> {
    Ok(conn.query_row("SELECT * FROM snapshots WHERE id = ?1", [id], Snapshot::from_row).optional()?)
}

/// One value of a facet and the number of models that have it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetCount {
    /// The value (for providers, the provider_code); `None` for models without one.
    pub value: Option<String>,
    /// The display name, for providers.
    pub name: Option<String>,
    pub count: i64,
}

impl Store {
    pub fn current_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT * FROM snapshots ORDER BY id DESC LIMIT 1", [], Snapshot::from_row)
            .optional()?)
    }

    /// Every snapshot, newest first.
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT * FROM snapshots ORDER BY id DESC")?;
        let rows = stmt.query_map([], Snapshot::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn snapshot(&self, id: i64) -> Result<Option<Snapshot>, StoreError> {
        snapshot(&self.conn, id)
    }

    /// The snapshot taken before `id`.
    pub fn previous(&self, id: i64) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT * FROM snapshots WHERE id < ?1 ORDER BY id DESC LIMIT 1", [id], Snapshot::from_row)
            .optional()?)
    }

    /// The newest snapshot whose data was fetched at or before `at`.
    pub fn snapshot_at(&self, at: Timestamp) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT * FROM snapshots WHERE fetched_at <= ?1 ORDER BY fetched_at DESC, id DESC LIMIT 1",
                [format_time(at)],
                Snapshot::from_row,
            )
            .optional()?)
    }

    /// Calls `each` with every current model matching `filters`, in `sort`
    /// order, one at a time (the listing is never held in memory).
    pub fn each_model<E: From<StoreError>>(
        &self,
        filters: &Filters,
        sort: Sort,
        limit: Option<u64>,
        mut each: impl FnMut(StoredModel) -> Result<(), E>,
    ) -> Result<(), E> {
        let query = query::current_models(&MODEL_SELECT, filters, sort, limit);
        self.each_row(filters, query, ModelColumns::of, |columns, row| {
            each(columns.read(row).map_err(StoreError::from)?)
        })
    }

    /// [`Store::each_model`] for a CSV listing: each model as a [`ModelRow`],
    /// borrowed from SQLite's row, with only what its CSV row shows.
    pub fn each_model_row<E: From<StoreError>>(
        &self,
        filters: &Filters,
        sort: Sort,
        limit: Option<u64>,
        mut each: impl FnMut(&ModelRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let query = query::current_models(&ROW_SELECT, filters, sort, limit);
        self.each_row(filters, query, RowColumns::of, |columns, row| {
            each(&columns.read(row).map_err(StoreError::from)?)
        })
    }

    /// Runs `query` (over models matching `filters`) and calls `each` with
    /// every row, and with the columns `find` located once in its statement.
    fn each_row<C, E: From<StoreError>>(
        &self,
        filters: &Filters,
        query: query::Query,
        find: impl FnOnce(&rusqlite::Statement<'_>) -> rusqlite::Result<C>,
        mut each: impl FnMut(&C, &Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.cannot_match(filters)? {
            return Ok(());
        }
        let mut stmt = self.conn.prepare(&query.sql).map_err(StoreError::from)?;
        let columns = find(&stmt).map_err(StoreError::from)?;
        let mut rows = stmt.query(params_from_iter(&query.params)).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            each(&columns, row)?;
        }
        Ok(())
    }

    /// Every model of snapshot `id` (upcoming ones included), as it was then,
    /// by id (so that a code two models share names the first, every time).
    pub fn models_at(&self, id: i64) -> Result<Vec<Model>, StoreError> {
        let sql = format!(
            "SELECT {} FROM spans AS s JOIN model_versions AS v ON v.version_id = s.version_id
             WHERE s.first_snapshot <= ?1 AND (s.last_snapshot IS NULL OR s.last_snapshot >= ?1)
             ORDER BY s.model_id",
            *MODEL_SELECT
        );
        Ok(models(&self.conn, &sql, [id])?.into_iter().map(|m| m.model).collect())
    }

    /// SQLite's plan for the listing [`Store::each_model`] would run, one line
    /// a step (for benchmarks and for looking into a slow query).
    pub fn query_plan(&self, filters: &Filters, sort: Sort) -> Result<Vec<String>, StoreError> {
        let q = query::current_models(&MODEL_SELECT, filters, sort, None);
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {}", q.sql))?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| {
            let (parent, detail): (i64, String) = (r.get("parent")?, r.get("detail")?);
            Ok(format!("{}{detail}", if parent == 0 { "" } else { "  " }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether `filters` ask for a value that no stored version has ever had
    /// (`filter_values`): then no model can match, and no scan is needed.
    /// Every feature must be there; of the providers, types or endpoints
    /// given, at least one.
    fn cannot_match(&self, filters: &Filters) -> Result<bool, StoreError> {
        if self.schema < 3 {
            return Ok(false);
        }
        let mut held =
            self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM filter_values WHERE facet = ?1 AND value = ?2)")?;
        let mut held = |facet: &str, value: &String| held.query_row(params![facet, value], |r| r.get::<_, bool>(0));
        for feature in &filters.features {
            if !held("feature", feature)? {
                return Ok(true);
            }
        }
        for (facet, given) in
            [("provider", &filters.providers), ("type", &filters.types), ("endpoint", &filters.endpoints)]
        {
            let mut any = given.is_empty();
            for value in given {
                if held(facet, value)? {
                    any = true;
                    break;
                }
            }
            if !any {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// How many current models match `filters`.
    pub fn count(&self, filters: &Filters) -> Result<u64, StoreError> {
        if self.cannot_match(filters)? {
            return Ok(0);
        }
        let q = query::current_unordered("count(*)", filters);
        let n: i64 = self.conn.query_row(&q.sql, params_from_iter(&q.params), |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// The current models matching `filters`, in no set order, read for
    /// pricing only: id, provider, prices and `upcoming`, nothing else (what
    /// `rank` and the price map need, fast).
    pub fn current_prices(&self, filters: &Filters) -> Result<Vec<Model>, StoreError> {
        if self.cannot_match(filters)? {
            return Ok(Vec::new());
        }
        let q = query::current_unordered(&PRICES_SELECT, filters);
        let mut stmt = self.conn.prepare(&q.sql)?;
        let (id, upcoming) = (stmt.column_index("id")?, stmt.column_index("upcoming")?);
        let (provider, provider_code) = (stmt.column_index("provider")?, stmt.column_index("provider_code")?);
        let prices = PriceColumns::of(&stmt)?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| {
            Ok(Model {
                id: r.get(id)?,
                provider: r.get(provider)?,
                provider_code: r.get(provider_code)?,
                pricing: prices.read(r)?,
                upcoming: r.get(upcoming)?,
                ..Model::default()
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A current model (upcoming ones included) by exact id, else exact code,
    /// else id or code ignoring ASCII case. Two models matching only when case
    /// is ignored is an error that lists them.
    pub fn find(&self, name: &str) -> Result<Option<StoredModel>, StoreError> {
        for column in ["id", "code"] {
            // From the id (or code) index, then one probe of spans_last: the planner,
            // left alone, would walk every current span instead.
            let sql = format!(
                "SELECT {} FROM model_versions AS v
                 WHERE v.{column} = ?1
                   AND EXISTS (SELECT 1 FROM spans AS s WHERE s.last_snapshot IS NULL AND s.version_id = v.version_id)
                 ORDER BY v.id LIMIT 1",
                *MODEL_SELECT
            );
            if let Some(found) = models(&self.conn, &sql, [name])?.pop() {
                return Ok(Some(found));
            }
        }
        for column in ["id", "code"] {
            let sql = format!(
                "SELECT {} FROM {} WHERE {} AND v.{column} = ?1 COLLATE NOCASE ORDER BY v.id",
                *MODEL_SELECT,
                query::CURRENT_FROM,
                query::CURRENT
            );
            let mut found = models(&self.conn, &sql, [name])?;
            match found.len() {
                0 => continue,
                1 => return Ok(found.pop()),
                _ => {
                    let ids = found.into_iter().map(|m| m.model.id).collect();
                    return Err(StoreError::Ambiguous { name: name.to_owned(), ids });
                }
            }
        }
        Ok(None)
    }

    /// The id of a model seen in any snapshot: by exact id, else exact code,
    /// else ignoring ASCII case (the newest version's model).
    pub fn find_any(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM model_versions WHERE id = ?1
                 UNION ALL
                 SELECT * FROM (SELECT id FROM model_versions WHERE code = ?1 ORDER BY version_id DESC)
                 UNION ALL
                 SELECT * FROM (SELECT id FROM model_versions WHERE id = ?1 COLLATE NOCASE ORDER BY version_id DESC)
                 UNION ALL
                 SELECT * FROM (SELECT id FROM model_versions WHERE code = ?1 COLLATE NOCASE ORDER BY version_id DESC)
                 LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every (id or code, id) pair a lookup could match, for "did you mean"
    /// hints: of the current models, or of every model ever seen.
    pub fn names(&self, current_only: bool) -> Result<Vec<(String, String)>, StoreError> {
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
        Ok(names)
    }

    /// One version's record exactly as received.
    pub fn record(&self, version_id: i64) -> Result<String, StoreError> {
        Ok(self.conn.query_row("SELECT record FROM model_records WHERE version_id = ?1", [version_id], |r| r.get(0))?)
    }

    /// The records as received of the current models matching `filters`, by id.
    pub fn records(&self, filters: &Filters) -> Result<Vec<String>, StoreError> {
        if self.cannot_match(filters)? {
            return Ok(Vec::new());
        }
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

    /// The values of one facet among the current models matching `filters`,
    /// most common first.
    pub fn facet(&self, facet: Facet, filters: &Filters) -> Result<Vec<FacetCount>, StoreError> {
        if self.cannot_match(filters)? {
            return Ok(Vec::new());
        }
        let q = self.stored_facet(facet, filters)?.unwrap_or_else(|| query::facet(facet, filters));
        self.facet_rows(&q)
    }

    /// The rows of a facet query ([`query::facet`] or [`query::stored_facet`]).
    pub(super) fn facet_rows(&self, q: &query::Query) -> Result<Vec<FacetCount>, StoreError> {
        let mut stmt = self.conn.prepare(&q.sql)?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| {
            Ok(FacetCount { value: r.get("value")?, name: r.get("name")?, count: r.get("count")? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A facet of the whole current catalog (no filter, upcoming models
    /// included), from the groups its sync kept; `None` when it is asked of
    /// fewer models, when the catalog is read as it is at schema 2 or 3, or
    /// when its sync kept none (it ran before schema 4).
    pub(super) fn stored_facet(&self, facet: Facet, filters: &Filters) -> Result<Option<query::Query>, StoreError> {
        if self.schema < 4 || *filters != Filters::everything() {
            return Ok(None);
        }
        let kept: Option<i64> = self
            .conn
            .query_row(
                "SELECT g.snapshot FROM facet_groups AS g
                 WHERE g.snapshot = (SELECT max(id) FROM snapshots) AND g.facet = ?1 LIMIT 1",
                [query::group_name(facet)],
                |r| r.get(0),
            )
            .optional()?;
        Ok(kept.map(|snapshot| query::stored_facet(facet, snapshot)))
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
            "SELECT sn.id AS snapshot_id, p.version_id FROM spans AS p {snapshots}
             WHERE p.model_id = ?1 ORDER BY sn.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let pairs: Vec<(i64, i64)> = stmt
            .query_map([model_id], |r| Ok((r.get("snapshot_id")?, r.get("version_id")?)))?
            .collect::<Result<_, _>>()?;
        let versions: Vec<i64> = pairs.iter().map(|&(_, v)| v).collect();
        let mut versions = load_versions(&self.conn, &versions)?;
        let mut out = Vec::with_capacity(pairs.len());
        for (snapshot_id, version_id) in pairs {
            let snapshot = self.snapshot(snapshot_id)?.expect("a span's snapshot exists");
            let model = versions.get(&version_id).cloned().expect("a span's version exists");
            out.push((snapshot, model));
        }
        versions.clear();
        Ok(out)
    }
}
