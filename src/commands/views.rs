//! The catalog's output shapes (SPEC §3): the JSON object and the CSV row of a
//! model, and the human table of a model list. Shared by every command that
//! prints models.

use serde::Serialize;

use crate::catalog::{Endpoint, Model};
use crate::output::{Grid, cell};
use crate::pricing::{Money, Prices};

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

/// The CSV grid of a list of models.
pub fn csv_grid<'a>(models: impl IntoIterator<Item = &'a Model>) -> Grid {
    let mut grid = Grid::new(&CSV_COLUMNS);
    for m in models {
        grid.push(ModelJson::new(m).csv_row());
    }
    grid
}

/// The human table (and Markdown) of a list of models: effective prices,
/// rounded for reading.
pub fn table_grid<'a>(models: impl IntoIterator<Item = &'a Model>) -> Grid {
    let mut grid = Grid::new(&["ID", "PROVIDER", "TYPE", "INPUT $/M", "OUTPUT $/M", "$/CALL", "$/SEC", "CONTEXT"])
        .numeric(&[3, 4, 5, 6, 7]);
    for m in models {
        let p = m.pricing.effective();
        let price = |f: fn(&Prices) -> Option<Money>| p.as_ref().and_then(f).map(|v| v.rounded()).unwrap_or_default();
        grid.push(vec![
            m.id.clone(),
            cell(m.provider_code.as_deref().or(m.provider.as_deref())),
            cell(m.model_type.as_deref()),
            price(|p| p.input),
            price(|p| p.output),
            price(|p| p.per_request),
            price(|p| p.per_second),
            m.context_length.map(short_count).unwrap_or_default(),
        ]);
    }
    grid
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
