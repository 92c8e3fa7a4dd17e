//! FILTERS and sort orders compiled to SQL text plus bound parameters.
//! Pure: it builds queries, the store runs them.
//!
//! Every user-given value becomes a bound parameter; the SQL text depends only on
//! which filters are set and on enums, so a filter value can never change the
//! query's shape. Conditions are written against `v`, a `model_versions` row.

use std::fmt::Write as _;

use rusqlite::types::Value as Sql;

use crate::catalog::PriceColumn;
use crate::pricing::{Component, Money};

/// The shared filters of every listing command. All text matches ignore case
/// (ASCII); conditions are combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// The model must have every one of these features.
    pub features: Vec<String>,
    /// Provider display name or provider_code; any may match.
    pub providers: Vec<String>,
    /// model_type; any may match.
    pub types: Vec<String>,
    /// Endpoint key (`openai-chat`) or path (`/v1/chat/completions`); any may match.
    pub endpoints: Vec<String>,
    /// Substring of id, code, name, description or provider.
    pub search: Option<String>,
    /// Effective USD per 1M input tokens; models without that price are excluded.
    pub max_input_price: Option<Money>,
    pub max_output_price: Option<Money>,
    /// Models with an unknown context are excluded.
    pub min_context: Option<u64>,
    pub pricing: Option<PricingKind>,
    pub include_upcoming: bool,
}

/// How a model is priced: by tokens, by call, or by second of media.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PricingKind {
    Token,
    Request,
    Second,
}

impl PricingKind {
    pub const ALL: [PricingKind; 3] = [PricingKind::Token, PricingKind::Request, PricingKind::Second];

    pub fn name(self) -> &'static str {
        match self {
            PricingKind::Token => "token",
            PricingKind::Request => "request",
            PricingKind::Second => "second",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Id,
    Provider,
    InputPrice,
    OutputPrice,
    RequestPrice,
    SecondPrice,
    Context,
    Created,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Id,
        SortKey::Provider,
        SortKey::InputPrice,
        SortKey::OutputPrice,
        SortKey::RequestPrice,
        SortKey::SecondPrice,
        SortKey::Context,
        SortKey::Created,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Provider => "provider",
            SortKey::InputPrice => "input-price",
            SortKey::OutputPrice => "output-price",
            SortKey::RequestPrice => "request-price",
            SortKey::SecondPrice => "second-price",
            SortKey::Context => "context",
            SortKey::Created => "created",
        }
    }

    /// The fixed SQL expression each key sorts by. Prices sort by their
    /// fixed-width text form, which orders exactly like the numbers.
    fn column(self) -> String {
        match self {
            SortKey::Id => "v.id".into(),
            SortKey::Provider => "lower(coalesce(v.provider, v.provider_code))".into(),
            SortKey::InputPrice => sort_column(Component::Input),
            SortKey::OutputPrice => sort_column(Component::Output),
            SortKey::RequestPrice => sort_column(Component::Request),
            SortKey::SecondPrice => sort_column(Component::Second),
            SortKey::Context => "v.context_length".into(),
            SortKey::Created => "v.created".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub desc: bool,
}

impl Sort {
    /// Models without the value come last either way; ties break by id, ascending.
    pub fn order_by(&self) -> String {
        let col = self.key.column();
        let dir = if self.desc { " DESC" } else { "" };
        match self.key {
            SortKey::Id => format!("v.id{dir}"),
            _ => format!("{col} IS NULL, {col}{dir}, v.id"),
        }
    }
}

/// The column that sorts an effective price exactly, as `v.<column>`.
fn sort_column(c: Component) -> String {
    let column = PriceColumn::Effective(c).sort_column().expect("the effective price has a sort column");
    format!("v.{column}")
}

/// SQL text with its parameters, ready for the store to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub sql: String,
    pub params: Vec<Sql>,
}

/// The models of the current snapshot, as `v` (with the span as `s`): `FROM {CURRENT_FROM} WHERE {CURRENT}`.
pub const CURRENT_FROM: &str = "spans AS s JOIN model_versions AS v ON v.version_id = s.version_id";
pub const CURRENT: &str = "s.last_snapshot IS NULL";

fn bind(params: &mut Vec<Sql>, value: Sql) -> String {
    params.push(value);
    format!("?{}", params.len())
}

impl Filters {
    /// No filter at all: every current model, upcoming ones included.
    pub fn everything() -> Filters {
        Filters { include_upcoming: true, ..Filters::default() }
    }

    /// The filters as one SQL condition on `v` (`1` when there are none),
    /// appending their values to `params`.
    pub fn condition(&self, params: &mut Vec<Sql>) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.include_upcoming {
            parts.push("v.upcoming = 0".into());
        }
        if !self.providers.is_empty() {
            let alternatives = self
                .providers
                .iter()
                .map(|p| {
                    let n = bind(params, Sql::Text(p.clone()));
                    format!("v.provider = {n} COLLATE NOCASE OR v.provider_code = {n} COLLATE NOCASE")
                })
                .collect::<Vec<_>>();
            parts.push(format!("({})", alternatives.join(" OR ")));
        }
        if !self.types.is_empty() {
            let list = self.types.iter().map(|t| bind(params, Sql::Text(t.clone()))).collect::<Vec<_>>();
            parts.push(format!("v.model_type COLLATE NOCASE IN ({})", list.join(", ")));
        }
        for (c, ceiling) in [(Component::Input, self.max_input_price), (Component::Output, self.max_output_price)] {
            if let Some(price) = ceiling {
                let n = bind(params, Sql::Text(price.sort_key()));
                parts.push(format!("{} <= {n}", sort_column(c)));
            }
        }
        if let Some(min) = self.min_context {
            let n = bind(params, Sql::Integer(min.min(i64::MAX as u64) as i64));
            parts.push(format!("v.context_length >= {n}"));
        }
        if let Some(kind) = self.pricing {
            let priced = |c| format!("v.{} IS NOT NULL", PriceColumn::Effective(c).name());
            parts.push(match kind {
                PricingKind::Token => format!("({} OR {})", priced(Component::Input), priced(Component::Output)),
                PricingKind::Request => priced(Component::Request),
                PricingKind::Second => priced(Component::Second),
            });
        }
        if let Some(text) = &self.search {
            let n = bind(params, Sql::Text(text.to_lowercase()));
            parts.push(format!(
                "instr(lower(v.id || char(31) || coalesce(v.code, '') || char(31) || coalesce(v.name, '') \
                 || char(31) || coalesce(v.description, '') || char(31) || coalesce(v.provider, '') \
                 || char(31) || coalesce(v.provider_code, '')), {n}) > 0"
            ));
        }
        for feature in &self.features {
            let n = bind(params, Sql::Text(feature.clone()));
            // A first look at the JSON text (a feature of printable ASCII is
            // there, quoted, in any case) spares most rows the exact check.
            parts.push(format!(
                "(v.features LIKE '%' || json_quote({n}) || '%' OR {n} GLOB '*[^ -~]*') \
                 AND EXISTS (SELECT 1 FROM json_each(v.features) AS f WHERE f.value = {n} COLLATE NOCASE)"
            ));
        }
        if !self.endpoints.is_empty() {
            let alternatives = self
                .endpoints
                .iter()
                .map(|e| {
                    let n = bind(params, Sql::Text(e.clone()));
                    format!(
                        "json_extract(e.value, '$.key') = {n} COLLATE NOCASE \
                         OR json_extract(e.value, '$.path') = {n} COLLATE NOCASE"
                    )
                })
                .collect::<Vec<_>>();
            parts.push(format!(
                "EXISTS (SELECT 1 FROM json_each(v.endpoints) AS e WHERE {})",
                alternatives.join(" OR ")
            ));
        }
        if parts.is_empty() { "1".into() } else { parts.join(" AND ") }
    }
}

/// `SELECT columns` of the current models matching `filters`, in `sort` order.
pub fn current_models(columns: &str, filters: &Filters, sort: Sort, limit: Option<u64>) -> Query {
    let Query { mut sql, mut params } = current_unordered(columns, filters);
    write!(sql, " ORDER BY {}", sort.order_by()).expect("writing to a String");
    if let Some(limit) = limit {
        params.push(Sql::Integer(limit.min(i64::MAX as u64) as i64));
        write!(sql, " LIMIT ?{}", params.len()).expect("writing to a String");
    }
    Query { sql, params }
}

/// `SELECT columns` of the current models matching `filters`, in no set order:
/// for callers that sort by something SQL does not know (a cost).
pub fn current_unordered(columns: &str, filters: &Filters) -> Query {
    let mut params = Vec::new();
    let sql = format!("SELECT {columns} FROM {CURRENT_FROM} WHERE {CURRENT} AND {}", filters.condition(&mut params));
    Query { sql, params }
}

/// A facet: the values of one attribute among the current models matching the filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facet {
    Providers,
    Features,
    Types,
    Endpoints,
}

/// Rows of `(value, display name, count)`, most common first, then by value.
/// Values that differ only in case are counted together.
pub fn facet(facet: Facet, filters: &Filters) -> Query {
    let mut params = Vec::new();
    let cond = filters.condition(&mut params);
    let sql = match facet {
        Facet::Providers => format!(
            "SELECT min(v.provider_code) AS value, min(v.provider) AS name, count(*) AS count, \
             lower(coalesce(v.provider_code, v.provider)) AS k \
             FROM {CURRENT_FROM} WHERE {CURRENT} AND {cond} GROUP BY k {FACET_ORDER}"
        ),
        Facet::Types => format!(
            "SELECT min(v.model_type) AS value, NULL AS name, count(*) AS count, lower(v.model_type) AS k \
             FROM {CURRENT_FROM} WHERE {CURRENT} AND {cond} GROUP BY k {FACET_ORDER}"
        ),
        Facet::Features | Facet::Endpoints => {
            let column = if facet == Facet::Features { "features" } else { "endpoints" };
            json_facet(
                &format!(
                    "SELECT v.{column} AS a, count(*) AS n FROM {CURRENT_FROM} WHERE {CURRENT} AND {cond} \
                     GROUP BY v.{column}"
                ),
                facet,
            )
        }
    };
    Query { sql, params }
}

/// [`facet`] over every model of `snapshot` (upcoming ones included), counted
/// from the groups its sync kept (`facet_groups`): a few rows rather than
/// every model, with the same values, counts and order.
pub fn stored_facet(facet: Facet, snapshot: i64) -> Query {
    let groups = format!("FROM facet_groups AS g WHERE g.snapshot = ?1 AND g.facet = '{}'", group_name(facet));
    let sql = match facet {
        Facet::Providers => format!(
            "SELECT min(g.value) AS value, min(g.name) AS name, sum(g.models) AS count, \
             lower(coalesce(g.value, g.name)) AS k {groups} GROUP BY k {FACET_ORDER}"
        ),
        Facet::Types => format!(
            "SELECT min(g.value) AS value, NULL AS name, sum(g.models) AS count, lower(g.value) AS k \
             {groups} GROUP BY k {FACET_ORDER}"
        ),
        Facet::Features | Facet::Endpoints => {
            json_facet(&format!("SELECT g.value AS a, g.models AS n {groups}"), facet)
        }
    };
    Query { sql, params: vec![Sql::Integer(snapshot)] }
}

/// A facet's name in `facet_groups` (and `filter_values`).
pub fn group_name(facet: Facet) -> &'static str {
    match facet {
        Facet::Features => "feature",
        Facet::Types => "type",
        Facet::Providers => "provider",
        Facet::Endpoints => "endpoint",
    }
}

/// Most models first; ties by the value as compared (NULL last).
const FACET_ORDER: &str = "ORDER BY count DESC, k IS NULL, k";

/// A facet over a JSON array column, from `arrays`: each distinct array's
/// text (`a`) with the number of models that have it (`n`). A catalog has
/// few distinct arrays, and only each of those is opened. A model is counted
/// once per value, even if the value repeats in it in another case.
fn json_facet(arrays: &str, facet: Facet) -> String {
    let item = if facet == Facet::Features { "j.value" } else { "json_extract(j.value, '$.key')" };
    format!(
        "WITH arrays AS ({arrays}), \
         items AS (SELECT min({item}) AS value, lower({item}) AS k, arrays.n AS n \
         FROM arrays, json_each(arrays.a) AS j GROUP BY arrays.a, k) \
         SELECT min(value) AS value, NULL AS name, sum(n) AS count, k FROM items GROUP BY k {FACET_ORDER}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Sql) -> &str {
        match p {
            Sql::Text(t) => t,
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn no_filters_hides_only_upcoming_models() {
        let mut params = Vec::new();
        assert_eq!(Filters::default().condition(&mut params), "v.upcoming = 0");
        let all = Filters::everything();
        assert_eq!(all.condition(&mut params), "1");
        assert!(params.is_empty());
    }

    #[test]
    fn values_are_bound_never_spliced() {
        let evil = "x' OR 1=1; DROP TABLE spans; --";
        let filters = Filters {
            features: vec![evil.into()],
            providers: vec![evil.into()],
            types: vec![evil.into()],
            endpoints: vec![evil.into()],
            search: Some(evil.into()),
            ..Filters::default()
        };
        let mut params = Vec::new();
        let sql = filters.condition(&mut params);
        assert!(!sql.contains("DROP"), "{sql}");
        assert_eq!(params.len(), 5);
        // The shape is the same whatever the values are.
        let benign = Filters {
            features: vec!["a".into()],
            providers: vec!["b".into()],
            types: vec!["c".into()],
            endpoints: vec!["d".into()],
            search: Some("e".into()),
            ..Filters::default()
        };
        assert_eq!(benign.condition(&mut Vec::new()), sql);
    }

    #[test]
    fn each_repeated_value_gets_its_own_parameter() {
        let filters = Filters { features: vec!["a".into(), "b".into()], ..Filters::default() };
        let mut params = Vec::new();
        let sql = filters.condition(&mut params);
        assert_eq!(sql.matches("EXISTS").count(), 2, "all features must match");
        assert_eq!(params.iter().map(text).collect::<Vec<_>>(), ["a", "b"]);
        let filters = Filters { providers: vec!["a".into(), "b".into()], ..Filters::default() };
        let sql = filters.condition(&mut Vec::new());
        assert!(sql.contains(" OR v.provider = ?2"), "any provider may match: {sql}");
    }

    #[test]
    fn price_ceilings_compare_exact_sort_keys() {
        let filters = Filters { max_input_price: Some(Money::parse("0.5").unwrap()), ..Filters::default() };
        let mut params = Vec::new();
        let sql = filters.condition(&mut params);
        assert!(sql.contains("v.input_sort <= ?1"), "{sql}");
        assert_eq!(text(&params[0]), Money::parse("0.5").unwrap().sort_key());
    }

    #[test]
    fn sorts_put_missing_values_last_and_break_ties_by_id() {
        let sort = Sort { key: SortKey::InputPrice, desc: true };
        assert_eq!(sort.order_by(), "v.input_sort IS NULL, v.input_sort DESC, v.id");
        assert_eq!(Sort { key: SortKey::Id, desc: true }.order_by(), "v.id DESC");
        let q = current_models("v.id", &Filters::default(), Sort::default(), Some(3));
        assert!(q.sql.ends_with("ORDER BY v.id LIMIT ?1"), "{}", q.sql);
        assert_eq!(q.params, [Sql::Integer(3)]);
    }
}
