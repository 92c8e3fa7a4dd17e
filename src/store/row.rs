//! A `model_versions` row, in one place: its column list ([`FIELDS`] and the
//! price columns of [`PRICE_COLUMNS`]), the encoder that turns a [`Model`]
//! into the row ([`version_row`]) and the decoders that read it back by
//! column name, side by side, so that a column added to one is seen missing
//! from the other by the tests: a whole [`Model`] ([`ModelColumns`]), or for a
//! CSV listing a [`ModelRow`] borrowed from SQLite's row ([`RowColumns`]),
//! both with [`PriceColumns`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use rusqlite::types::{Type, Value as Sql, ValueRef};
use rusqlite::{CachedStatement, Connection, Row, Statement, params, params_from_iter};

use super::error::StoreError;
use crate::catalog::{Endpoint, Model, PRICE_COLUMNS, PriceColumn, Pricing};
use crate::money::Money;

/// The columns of a model version besides its prices, as stored and read.
pub(super) const FIELDS: [&str; 16] = [
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

/// A model as stored, with what the sync had to say about its record.
#[derive(Clone, Debug)]
pub struct StoredModel {
    pub model: Model,
    pub version_id: i64,
    pub warnings: Vec<String>,
}

/// The stored price columns (listed prices and the ratio; effective prices
/// are derived from them when read).
pub(super) fn stored_prices() -> impl Iterator<Item = PriceColumn> {
    PRICE_COLUMNS.into_iter().filter(|c| !matches!(c, PriceColumn::Effective(_)))
}

/// `v.c1, v.c2, ...` for `columns`.
pub(super) fn select_list<'a>(columns: impl IntoIterator<Item = &'a str>) -> String {
    columns.into_iter().map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
}

/// Every column a whole model is read from (as `v`): its version id, the
/// [`FIELDS`], then the stored prices.
pub(super) static MODEL_SELECT: LazyLock<String> = LazyLock::new(|| {
    let prices = stored_prices().map(PriceColumn::name);
    select_list(["version_id"].into_iter().chain(FIELDS).chain(prices))
});

/// The columns a model is read from for pricing only.
pub(super) static PRICES_SELECT: LazyLock<String> = LazyLock::new(|| {
    let prices = stored_prices().map(PriceColumn::name);
    select_list(["id", "provider", "provider_code", "currency", "upcoming"].into_iter().chain(prices))
});

/// The columns a model's CSV row is written from (as `v`): a [`ModelRow`].
pub(super) static ROW_SELECT: LazyLock<String> = LazyLock::new(|| {
    let prices = stored_prices().map(PriceColumn::name);
    select_list(FIELDS.into_iter().filter(|c| !["description", "api_doc_url", "warnings"].contains(c)).chain(prices))
});

/// A current model as its CSV row needs it, read from the row SQLite holds
/// without copying its text: no description, record or warnings, endpoints by
/// key only. What a long CSV listing decodes per model, instead of a [`Model`].
#[derive(Debug)]
pub struct ModelRow<'r> {
    pub id: &'r str,
    pub code: Option<&'r str>,
    pub name: Option<&'r str>,
    pub provider: Option<&'r str>,
    pub provider_code: Option<&'r str>,
    pub model_type: Option<&'r str>,
    pub features: Vec<Cow<'r, str>>,
    pub endpoint_keys: Vec<Cow<'r, str>>,
    pub pricing: Pricing,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub upcoming: bool,
    pub created: Option<i64>,
}

/// Reads [`ROW_SELECT`] rows as [`ModelRow`]s; columns are found by name once.
pub(super) struct RowColumns {
    text: [usize; 6],
    features: usize,
    endpoints: usize,
    prices: PriceColumns,
    context_length: usize,
    max_completion_tokens: usize,
    upcoming: usize,
    created: usize,
}

impl RowColumns {
    pub(super) fn of(stmt: &Statement<'_>) -> rusqlite::Result<RowColumns> {
        let at = |name: &str| stmt.column_index(name);
        let mut text = [0; 6];
        for (slot, name) in text.iter_mut().zip(["id", "code", "name", "provider", "provider_code", "model_type"]) {
            *slot = at(name)?;
        }
        Ok(RowColumns {
            text,
            features: at("features")?,
            endpoints: at("endpoints")?,
            prices: PriceColumns::of(stmt)?,
            context_length: at("context_length")?,
            max_completion_tokens: at("max_completion_tokens")?,
            upcoming: at("upcoming")?,
            created: at("created")?,
        })
    }

    pub(super) fn read<'r>(&self, r: &'r Row<'_>) -> rusqlite::Result<ModelRow<'r>> {
        /// One item of a JSON list of strings, borrowed unless it has escapes.
        #[derive(serde::Deserialize)]
        struct Label<'a>(#[serde(borrow)] Cow<'a, str>);
        /// An endpoint's key; its path and method are not read.
        #[derive(serde::Deserialize)]
        struct Key<'a> {
            #[serde(borrow)]
            key: Cow<'a, str>,
        }
        let text = |i: usize| -> rusqlite::Result<Option<&'r str>> {
            r.get_ref(self.text[i])?.as_str_or_null().map_err(Into::into)
        };
        let features: Vec<Label<'r>> = json(r, self.features)?;
        let endpoints: Vec<Key<'r>> = json(r, self.endpoints)?;
        Ok(ModelRow {
            id: text(0)?.ok_or(rusqlite::Error::InvalidColumnType(self.text[0], "id".into(), Type::Null))?,
            code: text(1)?,
            name: text(2)?,
            provider: text(3)?,
            provider_code: text(4)?,
            model_type: text(5)?,
            features: features.into_iter().map(|l| l.0).collect(),
            endpoint_keys: endpoints.into_iter().map(|e| e.key).collect(),
            pricing: self.prices.read(r)?,
            context_length: count(r, self.context_length)?,
            max_completion_tokens: count(r, self.max_completion_tokens)?,
            upcoming: r.get(self.upcoming)?,
            created: r.get(self.created)?,
        })
    }
}

/// Where a model's pricing sits among a statement's columns.
pub(super) struct PriceColumns {
    currency: usize,
    /// The listed prices and the ratio, in [`PRICE_COLUMNS`] order.
    prices: Vec<(PriceColumn, usize)>,
}

impl PriceColumns {
    pub(super) fn of(stmt: &Statement<'_>) -> rusqlite::Result<PriceColumns> {
        let prices = stored_prices().map(|c| Ok((c, stmt.column_index(c.name())?))).collect::<rusqlite::Result<_>>()?;
        Ok(PriceColumns { currency: stmt.column_index("currency")?, prices })
    }

    pub(super) fn read(&self, r: &Row<'_>) -> rusqlite::Result<Pricing> {
        let mut pricing = Pricing { currency: r.get(self.currency)?, ..Pricing::default() };
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

/// Where each field of a model sits among a statement's columns, looked up by
/// name once per statement rather than once per row: those of a [`ModelRow`],
/// then what only a whole model has.
pub(super) struct ModelColumns {
    row: RowColumns,
    version_id: usize,
    description: usize,
    api_doc_url: usize,
    warnings: usize,
}

impl ModelColumns {
    pub(super) fn of(stmt: &Statement<'_>) -> rusqlite::Result<ModelColumns> {
        let at = |name: &str| stmt.column_index(name);
        Ok(ModelColumns {
            row: RowColumns::of(stmt)?,
            version_id: at("version_id")?,
            description: at("description")?,
            api_doc_url: at("api_doc_url")?,
            warnings: at("warnings")?,
        })
    }

    pub(super) fn read(&self, r: &Row<'_>) -> rusqlite::Result<StoredModel> {
        let c = &self.row;
        let [id, code, name, provider, provider_code, model_type] = c.text;
        let model = Model {
            id: r.get(id)?,
            code: r.get(code)?,
            name: r.get(name)?,
            provider: r.get(provider)?,
            provider_code: r.get(provider_code)?,
            description: r.get(self.description)?,
            model_type: r.get(model_type)?,
            features: json(r, c.features)?,
            endpoints: json::<Vec<Endpoint>>(r, c.endpoints)?,
            pricing: c.prices.read(r)?,
            context_length: count(r, c.context_length)?,
            max_completion_tokens: count(r, c.max_completion_tokens)?,
            upcoming: r.get(c.upcoming)?,
            created: r.get(c.created)?,
            api_doc_url: r.get(self.api_doc_url)?,
        };
        Ok(StoredModel { model, version_id: r.get(self.version_id)?, warnings: json(r, self.warnings)? })
    }
}

/// A count column (a non-negative INTEGER, or NULL).
fn count(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<u64>> {
    Ok(r.get::<_, Option<i64>>(i)?.map(|n| n as u64))
}

/// A JSON column (NULL reads as the default).
fn json<'r, T: serde::Deserialize<'r> + Default>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<T> {
    // Read from SQLite's own bytes: no copy of the text is made first (and a
    // `T` that borrows, borrows from them).
    let text = match r.get_ref(i)? {
        ValueRef::Null => return Ok(T::default()),
        ValueRef::Text(t) => t,
        other => {
            let name = r.as_ref().column_name(i).unwrap_or_default().to_owned();
            return Err(rusqlite::Error::InvalidColumnType(i, name, other.data_type()));
        }
    };
    serde_json::from_slice(text).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

/// A money column (canonical decimal TEXT, or NULL).
fn money(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Money>> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => Money::parse(std::str::from_utf8(t).unwrap_or_default())
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e))),
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

/// Loads model versions by id.
pub(super) fn load_versions(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, StoredModel>, StoreError> {
    let sql = format!(
        "SELECT {} FROM model_versions AS v WHERE v.version_id IN (SELECT value FROM json_each(?1))",
        *MODEL_SELECT
    );
    let list = serde_json::to_string(ids).expect("integers serialize");
    Ok(models(conn, &sql, [list])?.into_iter().map(|m| (m.version_id, m)).collect())
}

/// A model version as the row `model_versions` stores: each column's name and value.
pub(super) type VersionRow = Vec<(&'static str, Sql)>;

/// The columns of a version its facets are counted from (see
/// `facet_groups`): the text the row holds, or NULL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct FacetColumns {
    pub features: Option<String>,
    pub endpoints: Option<String>,
    pub provider_code: Option<String>,
    pub provider: Option<String>,
    pub model_type: Option<String>,
}

impl FacetColumns {
    /// The columns of a row about to be written.
    pub(super) fn of(row: &VersionRow) -> FacetColumns {
        let text = |name: &str| {
            row.iter().find(|(n, _)| *n == name).and_then(|(_, v)| match v {
                Sql::Text(t) => Some(t.clone()),
                _ => None,
            })
        };
        FacetColumns {
            features: text("features"),
            endpoints: text("endpoints"),
            provider_code: text("provider_code"),
            provider: text("provider"),
            model_type: text("model_type"),
        }
    }
}

/// The two statements that write a new version and its record, prepared
/// once for all the rows of a page.
pub(super) struct VersionWriter<'c> {
    version: CachedStatement<'c>,
    record: CachedStatement<'c>,
}

impl<'c> VersionWriter<'c> {
    pub(super) fn new(conn: &'c Connection) -> Result<VersionWriter<'c>, StoreError> {
        // The statement's text comes from the same list as the values.
        static INSERT: LazyLock<String> = LazyLock::new(|| {
            let names: Vec<&str> = version_row(Model::default(), String::new(), &[]).iter().map(|(n, _)| *n).collect();
            let params = (1..=names.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            format!("INSERT INTO model_versions ({}) VALUES ({params})", names.join(", "))
        });
        Ok(VersionWriter {
            version: conn.prepare_cached(&INSERT)?,
            record: conn.prepare_cached("INSERT INTO model_records (version_id, record) VALUES (?1, ?2)")?,
        })
    }

    /// Writes a new version and its record; returns its id.
    pub(super) fn insert(&mut self, row: VersionRow, record: &str) -> Result<i64, StoreError> {
        let version_id = self.version.insert(params_from_iter(row.into_iter().map(|(_, value)| value)))?;
        self.record.execute(params![version_id, record])?;
        Ok(version_id)
    }
}

/// A model as the row `model_versions` stores: the hash, each of [`FIELDS`]
/// with its value, then the price columns as [`PRICE_COLUMNS`] lists them
/// (effective prices also as sort keys). The model's text moves into the row,
/// which owns everything: it is built away from the thread that writes it.
pub(super) fn version_row(mut m: Model, hash: String, warnings: &[String]) -> VersionRow {
    let mut prices = Vec::with_capacity(PRICE_COLUMNS.len() + 4);
    let effective = m.pricing.effective().unwrap_or_default();
    for column in PRICE_COLUMNS {
        let value = m.pricing.value(column, &effective);
        prices.push((column.name(), value.map_or(Sql::Null, |p| Sql::Text(p.to_string()))));
        if let Some(sort) = column.sort_column() {
            prices.push((sort, value.map_or(Sql::Null, |p| Sql::Text(p.sort_key()))));
        }
    }
    let mut row = Vec::with_capacity(1 + FIELDS.len() + prices.len());
    row.push(("hash", Sql::Text(hash)));
    row.extend(FIELDS.iter().map(|&name| (name, field(&mut m, name, warnings))));
    row.extend(prices);
    row
}

/// The stored value of one of [`FIELDS`], its text taken from the model.
fn field(m: &mut Model, name: &str, warnings: &[String]) -> Sql {
    fn text(s: &mut Option<String>) -> Sql {
        s.take().map_or(Sql::Null, Sql::Text)
    }
    fn json(v: &impl serde::Serialize) -> Sql {
        Sql::Text(serde_json::to_string(v).expect("lists of strings and endpoints serialize"))
    }
    let int = |n: Option<u64>| n.map_or(Sql::Null, |n| Sql::Integer(n.min(i64::MAX as u64) as i64));
    match name {
        "id" => Sql::Text(std::mem::take(&mut m.id)),
        "code" => text(&mut m.code),
        "name" => text(&mut m.name),
        "provider" => text(&mut m.provider),
        "provider_code" => text(&mut m.provider_code),
        "description" => text(&mut m.description),
        "model_type" => text(&mut m.model_type),
        "features" => json(&m.features),
        "endpoints" => json(&m.endpoints),
        "currency" => text(&mut m.pricing.currency),
        "context_length" => int(m.context_length),
        "max_completion_tokens" => int(m.max_completion_tokens),
        "upcoming" => Sql::Integer(m.upcoming.into()),
        "created" => m.created.map_or(Sql::Null, Sql::Integer),
        "api_doc_url" => text(&mut m.api_doc_url),
        "warnings" if warnings.is_empty() => Sql::Null,
        "warnings" => json(&warnings),
        other => unreachable!("{other} is not one of FIELDS"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_encoder_writes_every_column_of_the_schema_and_the_decoder_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("catalog.db")).unwrap();
        let conn = &store.conn;
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('model_versions')").unwrap();
        let mut schema: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        schema.retain(|c| c != "version_id");
        let mut written: Vec<&str> =
            version_row(Model::default(), String::new(), &[]).iter().map(|(n, _)| *n).collect();
        schema.sort();
        written.sort();
        assert_eq!(schema, written);
        let model: Model = match crate::catalog::parse_record(&serde_json::json!({
            "id": "m", "code": "c", "name": "n", "provider": "P", "provider_code": "p", "description": "d",
            "model_type": "text", "features": ["a"], "endpoints": {"k": {"path": "/v1", "method": "POST"}},
            "pricing": {"currency": "USD / M Tokens", "input": 1, "output": 2, "per_request": 3, "per_second": 4, "ratio": 0.5},
            "context_length": 5, "max_completion_tokens": 6, "upcoming": true, "created": 7, "api_doc_url": "u"
        })) {
            crate::catalog::Parsed::Model { model, .. } => *model,
            other => panic!("{other:?}"),
        };
        let row = version_row(model.clone(), "h".into(), &["w".into()]);
        let id = VersionWriter::new(conn).unwrap().insert(row, "{}").unwrap();
        let read = load_versions(conn, &[id]).unwrap().remove(&id).unwrap();
        assert_eq!(read.model, model, "every field read back as written");
        assert_eq!(read.warnings, ["w"]);
    }
}
