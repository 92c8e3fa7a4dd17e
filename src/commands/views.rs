//! The catalog's output shapes (SPEC §3): the JSON object and the CSV row of a
//! model, and the human table of a model list. Shared by every command that
//! prints models.

use serde::Serialize;

use crate::catalog::{Endpoint, Model};
use crate::output::{Format, Grid, cell};
use crate::pricing::{Basis, CostError, Money, Prices, Workload};

/// `models --format csv` and `export`: exactly these columns, in this order.
pub const CSV_COLUMNS: [&str; 21] = [
    "id",
    "code",
    "name",
    "provider",
    "provider_code",
    "model_type",
    "features",
    "endpoints",
    "input_price",
    "output_price",
    "per_request",
    "per_second",
    "ratio",
    "effective_input_price",
    "effective_output_price",
    "effective_per_request",
    "effective_per_second",
    "context_length",
    "max_completion_tokens",
    "upcoming",
    "created",
];

/// A model as JSON: the CSV columns as keys, `features` a list, `endpoints` a
/// list of `{key, path, method}`, money as decimal strings.
#[derive(Debug, Serialize)]
pub struct ModelJson<'a> {
    pub id: &'a str,
    pub code: Option<&'a str>,
    pub name: Option<&'a str>,
    pub provider: Option<&'a str>,
    pub provider_code: Option<&'a str>,
    pub model_type: Option<&'a str>,
    pub features: &'a [String],
    pub endpoints: &'a [Endpoint],
    pub input_price: Option<Money>,
    pub output_price: Option<Money>,
    pub per_request: Option<Money>,
    pub per_second: Option<Money>,
    pub ratio: Option<Money>,
    pub effective_input_price: Option<Money>,
    pub effective_output_price: Option<Money>,
    pub effective_per_request: Option<Money>,
    pub effective_per_second: Option<Money>,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub upcoming: bool,
    pub created: Option<i64>,
}

impl<'a> ModelJson<'a> {
    pub fn new(m: &'a Model) -> ModelJson<'a> {
        let listed = m.pricing.listed;
        let effective = m.pricing.effective().unwrap_or_default();
        ModelJson {
            id: &m.id,
            code: m.code.as_deref(),
            name: m.name.as_deref(),
            provider: m.provider.as_deref(),
            provider_code: m.provider_code.as_deref(),
            model_type: m.model_type.as_deref(),
            features: &m.features,
            endpoints: &m.endpoints,
            input_price: listed.input,
            output_price: listed.output,
            per_request: listed.per_request,
            per_second: listed.per_second,
            ratio: m.pricing.ratio,
            effective_input_price: effective.input,
            effective_output_price: effective.output,
            effective_per_request: effective.per_request,
            effective_per_second: effective.per_second,
            context_length: m.context_length,
            max_completion_tokens: m.max_completion_tokens,
            upcoming: m.upcoming,
            created: m.created,
        }
    }

    /// The CSV row, in [`CSV_COLUMNS`] order.
    pub fn csv_row(&self) -> Vec<String> {
        vec![
            self.id.to_owned(),
            cell(self.code),
            cell(self.name),
            cell(self.provider),
            cell(self.provider_code),
            cell(self.model_type),
            self.features.join(";"),
            self.endpoints.iter().map(|e| e.key.as_str()).collect::<Vec<_>>().join(";"),
            cell(self.input_price),
            cell(self.output_price),
            cell(self.per_request),
            cell(self.per_second),
            cell(self.ratio),
            cell(self.effective_input_price),
            cell(self.effective_output_price),
            cell(self.effective_per_request),
            cell(self.effective_per_second),
            cell(self.context_length),
            cell(self.max_completion_tokens),
            self.upcoming.to_string(),
            cell(self.created),
        ]
    }
}

/// The human table (and Markdown) of a list of models: effective prices,
/// rounded for reading.
pub fn model_grid() -> Grid {
    Grid::new(&["ID", "PROVIDER", "TYPE", "INPUT $/M", "OUTPUT $/M", "$/CALL", "$/SEC", "CONTEXT"])
        .numeric(&[3, 4, 5, 6, 7])
}

/// A model as a row of [`model_grid`].
pub fn model_row(m: &Model) -> Vec<String> {
    let p = m.pricing.effective();
    let price = |f: fn(&Prices) -> Option<Money>| p.as_ref().and_then(f).map(|v| v.rounded()).unwrap_or_default();
    vec![
        m.id.clone(),
        cell(m.provider_code.as_deref().or(m.provider.as_deref())),
        cell(m.model_type.as_deref()),
        price(|p| p.input),
        price(|p| p.output),
        price(|p| p.per_request),
        price(|p| p.per_second),
        m.context_length.map(short_count).unwrap_or_default(),
    ]
}

/// 200000 → 200K, 1000000 → 1M, 131072 → 131072: exact, or the plain number.
pub fn short_count(n: u64) -> String {
    match n {
        0 => "0".into(),
        n if n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}K", n / 1_000),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_counts_are_exact() {
        assert_eq!(short_count(200_000), "200K");
        assert_eq!(short_count(1_000_000), "1M");
        assert_eq!(short_count(131_072), "131072");
        assert_eq!(short_count(1_500_000), "1500K");
    }
}

/// One row of `cost` and `rank`: `{id, requests, input_tokens, output_tokens,
/// seconds, cost, list_cost, unpriced, price_basis}`, money as decimal strings.
#[derive(Debug, Serialize)]
pub struct CostRow {
    pub id: String,
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(serialize_with = "number")]
    pub seconds: Option<Money>,
    pub cost: Option<Money>,
    pub list_cost: Option<Money>,
    pub unpriced: bool,
    pub price_basis: Basis,
    /// One call, on the basis asked for (tables only).
    #[serde(skip)]
    pub per_call: Option<Money>,
    #[serde(skip)]
    pub priced_by: &'static str,
}

/// The columns of `cost` and `rank` as CSV: the JSON keys.
pub const COST_COLUMNS: [&str; 9] =
    ["id", "requests", "input_tokens", "output_tokens", "seconds", "cost", "list_cost", "unpriced", "price_basis"];

impl CostRow {
    /// The cost of `w` on `model`; an error when the model cannot be priced.
    pub fn priced(model: &Model, w: &Workload, basis: Basis) -> Result<CostRow, CostError> {
        let total = model.cost(w, basis)?;
        let one = model.cost(&Workload { requests: 1, ..*w }, basis)?;
        Ok(CostRow {
            cost: Some(total.cost),
            list_cost: Some(total.list_cost),
            unpriced: false,
            per_call: Some(one.cost),
            priced_by: model.priced_by(),
            ..CostRow::unpriced(&model.id, w, basis)
        })
    }

    /// A model without a usable price (or not in the catalog): no cost, never $0.
    pub fn unpriced(id: &str, w: &Workload, basis: Basis) -> CostRow {
        CostRow {
            id: id.to_owned(),
            requests: w.requests,
            input_tokens: w.input_tokens,
            output_tokens: w.output_tokens,
            seconds: w.seconds,
            cost: None,
            list_cost: None,
            unpriced: true,
            price_basis: basis,
            per_call: None,
            priced_by: "-",
        }
    }

    fn csv_row(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.requests.to_string(),
            self.input_tokens.to_string(),
            self.output_tokens.to_string(),
            cell(self.seconds),
            cell(self.cost),
            cell(self.list_cost),
            self.unpriced.to_string(),
            self.price_basis.as_str().to_owned(),
        ]
    }
}

/// `cost` and `rank` in a format: tables show the cost of one call and of all,
/// rounded; JSON and CSV carry every digit.
pub fn write_costs(
    out: &mut dyn std::io::Write,
    rows: &[CostRow],
    format: Format,
    terminal: bool,
) -> std::io::Result<()> {
    let basis = rows.first().map_or(Basis::Effective, |r| r.price_basis);
    match format {
        Format::Json => crate::output::json(out, &rows),
        Format::Csv => {
            let mut grid = Grid::new(&COST_COLUMNS);
            for row in rows {
                grid.push(row.csv_row());
            }
            grid.write(out, format, terminal)
        }
        Format::Table | Format::Markdown => {
            let total = format!("TOTAL $ ({})", basis.as_str());
            let mut headers = vec!["MODEL", "PRICED BY", "REQUESTS", "PER CALL $", total.as_str()];
            if basis == Basis::Effective {
                headers.push("LIST TOTAL $");
            }
            let mut grid = Grid::new(&headers).numeric(&[2, 3, 4, 5]);
            for r in rows {
                let money = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| m.rounded());
                let mut row = vec![
                    r.id.clone(),
                    r.priced_by.to_owned(),
                    r.requests.to_string(),
                    money(r.per_call),
                    money(r.cost),
                ];
                if basis == Basis::Effective {
                    row.push(money(r.list_cost));
                }
                grid.push(row);
            }
            grid.write(out, format, terminal)
        }
    }
}

/// An exact decimal as a JSON number (seconds are not money).
pub fn number<S: serde::Serializer>(value: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(m) => m.to_string().parse::<serde_json::Number>().map_err(serde::ser::Error::custom)?.serialize(s),
        None => s.serialize_none(),
    }
}
