//! Reading the catalog: snapshots, models, lookups by id or code, facets, and
//! one model's sightings over time. Rows are decoded by column name, found once
//! per statement, never by a counted offset.

use std::sync::LazyLock;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Statement, params_from_iter};
use serde::Serialize;

use super::{Store, StoreError};
use crate::catalog::{Endpoint, Model, PRICE_COLUMNS, PriceColumn, Pricing};
use crate::money::Money;
use crate::pricing::Prices;
use crate::query::{self, Facet, Filters, Sort};

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

/// A model as stored, with what the sync had to say about its record.
#[derive(Clone, Debug)]
pub struct StoredModel {
    pub model: Model,
    pub version_id: i64,
    pub warnings: Vec<String>,
}

/// The `model_versions` columns a model is read from (as `v`): the fields,
/// then the listed prices and the ratio, named by [`PRICE_COLUMNS`].
pub(super) static MODEL_SELECT: LazyLock<String> = LazyLock::new(|| {
    let fields = [
        "version_id",
        "id",
        "code",
        "name",
        "provider",
        "provider_code",
        "description",
        "model_type",
        "features",
        "endpoints",
        "currency",
        "context_length",
        "max_completion_tokens",
        "upcoming",
        "created",
        "api_doc_url",
        "warnings",
    ];
    let prices = PRICE_COLUMNS.iter().filter(|c| !matches!(c, PriceColumn::Effective(_))).map(|c| c.name());
    fields.into_iter().chain(prices).map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
});

/// Where each field of a model sits among a statement's columns, looked up by
/// name once per statement rather than once per row.
pub(super) struct ModelColumns {
    version_id: usize,
    id: usize,
    code: usize,
    name: usize,
    provider: usize,
    provider_code: usize,
    description: usize,
    model_type: usize,
    features: usize,
    endpoints: usize,
    currency: usize,
    /// The listed prices and the ratio, in [`PRICE_COLUMNS`] order.
    prices: Vec<(PriceColumn, usize)>,
    context_length: usize,
    max_completion_tokens: usize,
    upcoming: usize,
    created: usize,
    api_doc_url: usize,
    warnings: usize,
}

impl ModelColumns {
    pub(super) fn of(stmt: &Statement<'_>) -> rusqlite::Result<ModelColumns> {
        let at = |name: &str| stmt.column_index(name);
        let prices = PRICE_COLUMNS
            .iter()
            .filter(|c| !matches!(c, PriceColumn::Effective(_)))
            .map(|&c| Ok((c, at(c.name())?)))
            .collect::<rusqlite::Result<_>>()?;
        Ok(ModelColumns {
            version_id: at("version_id")?,
            id: at("id")?,
            code: at("code")?,
            name: at("name")?,
            provider: at("provider")?,
            provider_code: at("provider_code")?,
            description: at("description")?,
            model_type: at("model_type")?,
            features: at("features")?,
            endpoints: at("endpoints")?,
            currency: at("currency")?,
            prices,
            context_length: at("context_length")?,
            max_completion_tokens: at("max_completion_tokens")?,
            upcoming: at("upcoming")?,
            created: at("created")?,
            api_doc_url: at("api_doc_url")?,
            warnings: at("warnings")?,
        })
    }

    pub(super) fn read(&self, r: &Row<'_>) -> rusqlite::Result<StoredModel> {
        let count = |i: usize| -> rusqlite::Result<Option<u64>> { Ok(r.get::<_, Option<i64>>(i)?.map(|n| n as u64)) };
        let model = Model {
            id: r.get(self.id)?,
            code: r.get(self.code)?,
            name: r.get(self.name)?,
            provider: r.get(self.provider)?,
            provider_code: r.get(self.provider_code)?,
            description: r.get(self.description)?,
            model_type: r.get(self.model_type)?,
            features: json(r, self.features)?,
            endpoints: json::<Vec<Endpoint>>(r, self.endpoints)?,
            pricing: self.pricing(r)?,
            context_length: count(self.context_length)?,
            max_completion_tokens: count(self.max_completion_tokens)?,
            upcoming: r.get(self.upcoming)?,
            created: r.get(self.created)?,
            api_doc_url: r.get(self.api_doc_url)?,
        };
        Ok(StoredModel { model, version_id: r.get(self.version_id)?, warnings: json(r, self.warnings)? })
    }

    fn pricing(&self, r: &Row<'_>) -> rusqlite::Result<Pricing> {
        let mut pricing = Pricing { currency: r.get(self.currency)?, listed: Prices::default(), ratio: None };
        for &(column, i) in &self.prices {
            let value = money(r, i)?;
            match column {
                PriceColumn::Listed(c) => pricing.listed.set(c, value),
                PriceColumn::Ratio => pricing.ratio = value,
                PriceColumn::Effective(_) => {}
            }
        }
        Ok(pricing)
    }
}

/// A JSON column (NULL reads as the default).
fn json<T: serde::de::DeserializeOwned + Default>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: Option<String> = r.get(i)?;
    text.map_or(Ok(T::default()), |t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    })
}

/// A money column (canonical decimal TEXT, or NULL).
fn money(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Money>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(t) => Money::parse(std::str::from_utf8(t).unwrap_or_default())
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))),
        _ => Ok(None),
    }
}

/// Runs `sql` and decodes each row as a model.
pub(super) fn models(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredModel>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let columns = ModelColumns::of(&stmt)?;
    let rows = stmt.query_map(params, |r| columns.read(r))?;
    Ok(rows.collect::<Result<_, _>>()?)
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
        let mut stmt = self.conn.prepare(&query.sql).map_err(StoreError::from)?;
        let columns = ModelColumns::of(&stmt).map_err(StoreError::from)?;
        let mut rows = stmt.query(params_from_iter(&query.params)).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            each(columns.read(row).map_err(StoreError::from)?)?;
        }
        Ok(())
    }

    /// Every model of snapshot `id` (upcoming ones included), as it was then.
    pub fn models_at(&self, id: i64) -> Result<Vec<Model>, StoreError> {
        let sql = format!(
            "SELECT {} FROM spans AS s JOIN model_versions AS v ON v.version_id = s.version_id
             WHERE s.first_snapshot <= ?1 AND (s.last_snapshot IS NULL OR s.last_snapshot >= ?1)",
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

    /// How many current models match `filters`.
    pub fn count(&self, filters: &Filters) -> Result<u64, StoreError> {
        let q = query::current_unordered("count(*)", filters);
        let n: i64 = self.conn.query_row(&q.sql, params_from_iter(&q.params), |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// The current models matching `filters`, in no set order, read for
    /// pricing only: id, provider, prices and `upcoming`, nothing else (what
    /// `rank` and the price map need, fast).
    pub fn current_prices(&self, filters: &Filters) -> Result<Vec<Model>, StoreError> {
        let prices = PRICE_COLUMNS.iter().filter(|c| !matches!(c, PriceColumn::Effective(_)));
        let select = ["id", "provider", "provider_code", "currency", "upcoming"]
            .into_iter()
            .chain(prices.map(|c| c.name()))
            .map(|c| format!("v.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let q = query::current_unordered(&select, filters);
        let mut stmt = self.conn.prepare(&q.sql)?;
        let (id, currency, upcoming) =
            (stmt.column_index("id")?, stmt.column_index("currency")?, stmt.column_index("upcoming")?);
        let (provider, provider_code) = (stmt.column_index("provider")?, stmt.column_index("provider_code")?);
        let prices: Vec<(PriceColumn, usize)> = PRICE_COLUMNS
            .iter()
            .filter(|c| !matches!(c, PriceColumn::Effective(_)))
            .map(|&c| Ok((c, stmt.column_index(c.name())?)))
            .collect::<rusqlite::Result<_>>()?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| {
            let mut pricing = Pricing { currency: r.get(currency)?, ..Pricing::default() };
            for &(column, i) in &prices {
                match column {
                    PriceColumn::Listed(c) => pricing.listed.set(c, money(r, i)?),
                    PriceColumn::Ratio => pricing.ratio = money(r, i)?,
                    PriceColumn::Effective(_) => {}
                }
            }
            Ok(Model {
                id: r.get(id)?,
                provider: r.get(provider)?,
                provider_code: r.get(provider_code)?,
                pricing,
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
        let q = query::facet(facet, filters);
        let mut stmt = self.conn.prepare(&q.sql)?;
        let rows = stmt.query_map(params_from_iter(&q.params), |r| {
            Ok(FacetCount { value: r.get("value")?, name: r.get("name")?, count: r.get("count")? })
        })?;
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
            "SELECT sn.id AS snapshot_id, p.version_id FROM spans AS p {snapshots}
             WHERE p.model_id = ?1 ORDER BY sn.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let pairs: Vec<(i64, i64)> = stmt
            .query_map([model_id], |r| Ok((r.get("snapshot_id")?, r.get("version_id")?)))?
            .collect::<Result<_, _>>()?;
        let versions: Vec<i64> = pairs.iter().map(|&(_, v)| v).collect();
        let mut versions = super::diff::load_versions(&self.conn, &versions)?;
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
