//! `compare`: models side by side. The rows are a model's own fields (the
//! names `show`, JSON and CSV use, from [`super::models::fields`]) in reading
//! order: what the model is, what it holds, what it costs, what it does. A
//! table and Markdown leave out the rows that are empty for every model;
//! JSON and CSV always carry every row, in this order.

use std::io::{self, Write};

use serde::Serialize;

use super::format::{Format, Look};
use super::grid::Grid;
use super::models::{Field, ShowJson, fields, short_count};
use crate::catalog::{CatalogRef, PRICE_COLUMNS};
use crate::store::StoredModel;

/// The `version` of `compare --format json`; bumped if its shape ever changes.
pub const VERSION: u32 = 1;

/// The fields compared, in order: each model's own fields but its id (the
/// columns are the models), the prices where [`PRICE_COLUMNS`] puts them.
pub fn compared_fields() -> Vec<&'static str> {
    let mut names = vec!["code", "name", "provider", "provider_code", "model_type", "context_length"];
    names.push("max_completion_tokens");
    names.extend(PRICE_COLUMNS.map(|c| c.name()));
    names.extend(["features", "endpoints", "upcoming", "created"]);
    names
}

/// One row of the comparison: a field, and its value on each model. As
/// JSON: `{"field": ..., "values": [...]}`, each value as the model's JSON
/// object has it.
#[derive(Serialize)]
pub struct CompareRow<'a> {
    pub field: &'static str,
    pub values: Vec<Field<'a>>,
}

impl CompareRow<'_> {
    /// Each value as a table shows it: prices rounded as tables round them,
    /// counts short, labels joined, the creation date as a date.
    pub fn cells(&self) -> Vec<String> {
        self.values.iter().map(cell).collect()
    }

    /// Whether every model has no value here (an empty list, no price).
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|v| cell(v).is_empty())
    }
}

/// A value as a table cell.
fn cell(value: &Field<'_>) -> String {
    match value {
        Field::Labels(items) => items.join(", "),
        Field::Endpoints(items) => items.iter().map(|e| e.key.as_str()).collect::<Vec<_>>().join(", "),
        Field::Money(m) => m.map(|m| m.display()).unwrap_or_default(),
        Field::Count(n) => n.map(short_count).unwrap_or_default(),
        Field::Integer(created) => created.map(date).unwrap_or_default(),
        Field::Flag(b) => if *b { "yes" } else { "no" }.to_owned(),
        Field::Text(_) => value.csv(),
    }
}

/// A time in seconds since the epoch as its UTC date.
fn date(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(ts) if unix > 0 => ts.strftime("%Y-%m-%d").to_string(),
        _ => unix.to_string(),
    }
}

/// The rows comparing `models`, in [`compared_fields`] order.
pub fn rows<'a>(models: &[&'a StoredModel]) -> Vec<CompareRow<'a>> {
    let mut each: Vec<Vec<(&'static str, Field<'a>)>> = models.iter().map(|m| fields(&m.model)).collect();
    compared_fields()
        .into_iter()
        .map(|name| CompareRow {
            field: name,
            values: each
                .iter_mut()
                .map(|fields| {
                    let at = fields.iter().position(|(n, _)| *n == name).expect("a field of every model");
                    fields.swap_remove(at).1
                })
                .collect(),
        })
        .collect()
}

/// The models to compare, in the order given: each as found, with its
/// record as received; and the catalog they were found in.
pub struct Compared {
    pub catalog: CatalogRef,
    pub models: Vec<(StoredModel, String)>,
}

/// `compare --format json`: `{version, catalog, models, rows}`.
#[derive(Serialize)]
struct CompareJson<'a> {
    version: u32,
    catalog: &'a CatalogRef,
    /// Each model as `show --format json` writes it.
    models: Vec<ShowJson<'a>>,
    rows: Vec<CompareRow<'a>>,
}

/// The comparison in `format`: JSON and CSV with every row, a table and
/// Markdown without the rows no model has a value in.
pub fn write_compare(out: &mut dyn Write, compared: &Compared, format: Format, look: Look) -> io::Result<()> {
    let models: Vec<&StoredModel> = compared.models.iter().map(|(m, _)| m).collect();
    let rows = rows(&models);
    if format == Format::Json {
        let shown = compared
            .models
            .iter()
            .map(|(m, record)| ShowJson::new(m, record))
            .collect::<serde_json::Result<Vec<_>>>()?;
        let json = CompareJson { version: VERSION, catalog: &compared.catalog, models: shown, rows };
        return super::json::json(out, &json);
    }
    let ids: Vec<&str> = models.iter().map(|m| m.model.id.as_str()).collect();
    let headers: Vec<&str> = [if format == Format::Csv { "field" } else { "FIELD" }].into_iter().chain(ids).collect();
    // The field names are the rows' labels: a narrow terminal cuts the values, never them.
    let mut grid = Grid::new(&headers).whole(&[0]);
    for row in &rows {
        if format == Format::Csv {
            grid.push([row.field.to_owned()].into_iter().chain(row.values.iter().map(Field::csv)).collect());
        } else if !row.is_empty() {
            grid.push([label(row.field)].into_iter().chain(row.cells()).collect());
        }
    }
    grid.write(out, format, look)
}

/// A field as a table or Markdown labels it: its name, with the unit of a
/// price (`input_price $/M`); CSV and JSON keep the bare name.
fn label(field: &str) -> String {
    let unit = match field {
        f if f.ends_with("input_price") || f.ends_with("output_price") => " $/M",
        f if f.ends_with("per_request") => " $/call",
        f if f.ends_with("per_second") => " $/sec",
        _ => "",
    };
    format!("{field}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Model;

    #[test]
    fn every_field_but_the_id_is_compared_once() {
        let mut want: Vec<&str> =
            fields(&Model::default()).into_iter().map(|(n, _)| n).filter(|n| *n != "id").collect();
        let mut got = compared_fields();
        want.sort();
        got.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn cells_read_as_a_table_reads() {
        let endpoints = [crate::catalog::Endpoint { key: "openai-chat".into(), path: None, method: None }];
        let labels = ["a".to_owned(), "b".to_owned()];
        let cases = [
            (Field::Labels(&labels), "a, b"),
            (Field::Endpoints(&endpoints), "openai-chat"),
            (Field::Money(Some(crate::money::Money::new(125, 2))), "1.25"),
            (Field::Money(None), ""),
            (Field::Count(Some(200_000)), "200K"),
            (Field::Integer(Some(1_754_524_800)), "2025-08-07"),
            (Field::Flag(false), "no"),
            (Field::Text(Some("OpenAI")), "OpenAI"),
        ];
        for (field, want) in cases {
            assert_eq!(cell(&field), want);
        }
    }
}
