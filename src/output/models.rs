//! A model's output shapes: the JSON object and the CSV row (the same fields,
//! in the same order, named once in [`fields`]), and the human table of a
//! model list.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::csv::CsvRows;
use super::format::{Format, Look};
use super::grid::{Grid, cell};
use crate::catalog::{Endpoint, Model, PriceColumn, Unpriced};
use crate::money::Money;
use crate::pricing::Component;
use crate::store::{ModelRow, StoredModel};

/// One field of a model's JSON object and CSV row.
pub enum Field<'a> {
    Text(Option<&'a str>),
    /// JSON: a list; CSV: joined with `;`.
    Labels(&'a [String]),
    /// JSON: a list of `{key, path, method}`; CSV: the keys joined with `;`.
    Endpoints(&'a [Endpoint]),
    Money(Option<Money>),
    Count(Option<u64>),
    Integer(Option<i64>),
    Flag(bool),
}

impl Field<'_> {
    /// The CSV cell: empty for an absent value.
    pub fn csv(&self) -> String {
        let mut text = String::new();
        self.write_csv(&mut text);
        text
    }

    /// Appends the CSV cell to `text` (so that one buffer serves every cell).
    fn write_csv(&self, text: &mut String) {
        use std::fmt::Write as _;
        fn some(text: &mut String, value: Option<impl std::fmt::Display>) {
            if let Some(v) = value {
                write!(text, "{v}").expect("writing to a String");
            }
        }
        match self {
            Field::Text(t) => text.push_str(t.unwrap_or_default()),
            Field::Labels(items) => joined(text, items.iter().map(String::as_str)),
            Field::Endpoints(items) => joined(text, items.iter().map(|e| e.key.as_str())),
            Field::Money(m) => some(text, *m),
            Field::Count(n) => some(text, *n),
            Field::Integer(n) => some(text, *n),
            Field::Flag(b) => some(text, Some(b)),
        }
    }
}

/// Appends `items` to `text`, joined with `;` (a list's CSV cell).
fn joined<'i>(text: &mut String, items: impl Iterator<Item = &'i str>) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            text.push(';');
        }
        text.push_str(item);
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(t) => t.serialize(s),
            Field::Labels(items) => items.serialize(s),
            Field::Endpoints(items) => items.serialize(s),
            Field::Money(m) => m.serialize(s),
            Field::Count(n) => n.serialize(s),
            Field::Integer(n) => n.serialize(s),
            Field::Flag(b) => b.serialize(s),
        }
    }
}

/// A model's fields, named as `models --format csv` and JSON name them, in
/// their order: the descriptive fields, every price column, then the rest.
pub fn fields(m: &Model) -> Vec<(&'static str, Field<'_>)> {
    let mut fields = vec![
        ("id", Field::Text(Some(&m.id))),
        ("code", Field::Text(m.code.as_deref())),
        ("name", Field::Text(m.name.as_deref())),
        ("provider", Field::Text(m.provider.as_deref())),
        ("provider_code", Field::Text(m.provider_code.as_deref())),
        ("model_type", Field::Text(m.model_type.as_deref())),
        ("features", Field::Labels(&m.features)),
        ("endpoints", Field::Endpoints(&m.endpoints)),
    ];
    fields.extend(m.pricing.values().map(|(column, value)| (column.name(), Field::Money(value))));
    fields.extend([
        ("context_length", Field::Count(m.context_length)),
        ("max_completion_tokens", Field::Count(m.max_completion_tokens)),
        ("upcoming", Field::Flag(m.upcoming)),
        ("created", Field::Integer(m.created)),
    ]);
    fields
}

/// The CSV header of `models` and `export`.
pub fn csv_columns() -> Vec<&'static str> {
    fields(&Model::default()).into_iter().map(|(name, _)| name).collect()
}

/// Writes the CSV row of a model, in [`csv_columns`] order, cell by cell
/// through one buffer: a long listing makes no list of cells per model. It
/// reads a [`ModelRow`], which holds only what the row shows, borrowed from
/// the database; `tests::a_row_writes_the_cells_of_its_model` holds its cells
/// to the [`fields`] of the same model.
pub fn write_model_row(rows: &mut CsvRows<'_>, m: &ModelRow<'_>, buffer: &mut String) -> io::Result<()> {
    let mut cell = |fill: &dyn Fn(&mut String)| {
        buffer.clear();
        fill(buffer);
        rows.cell(buffer)
    };
    for text in [Some(m.id), m.code, m.name, m.provider, m.provider_code, m.model_type] {
        cell(&|b| Field::Text(text).write_csv(b))?;
    }
    for list in [&m.features, &m.endpoint_keys] {
        cell(&|b| joined(b, list.iter().map(|item| &**item)))?;
    }
    for (_, value) in m.pricing.values() {
        cell(&|b| Field::Money(value).write_csv(b))?;
    }
    for field in [
        Field::Count(m.context_length),
        Field::Count(m.max_completion_tokens),
        Field::Flag(m.upcoming),
        Field::Integer(m.created),
    ] {
        cell(&|b| field.write_csv(b))?;
    }
    rows.end_row()
}

/// A model as JSON: an object of [`fields`], money as decimal strings.
pub struct ModelJson<'a>(pub &'a Model);

impl Serialize for ModelJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = fields(self.0);
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (name, field) in &fields {
            map.serialize_entry(name, field)?;
        }
        map.end()
    }
}

/// The human table (and Markdown) of a list of models: effective prices, as
/// tables show them. With `upcoming`, a last column marks the models that
/// are listed but not yet callable.
pub fn model_grid(upcoming: bool) -> Grid {
    let prices = Component::ALL.map(|c| PriceColumn::Effective(c).header());
    let mut headers: Vec<&str> = ["ID", "PROVIDER", "TYPE"].into_iter().chain(prices).chain(["CONTEXT"]).collect();
    if upcoming {
        headers.push("UPCOMING");
    }
    Grid::new(&headers).numeric(&[3, 4, 5, 6, 7]).droppable(&["CONTEXT", "TYPE", "PROVIDER"])
}

/// A model as a row of [`model_grid`].
pub fn model_row(m: &Model, upcoming: bool) -> Vec<String> {
    let effective = m.pricing.effective().unwrap_or_default();
    let mut row =
        vec![m.id.clone(), cell(m.provider_code.as_deref().or(m.provider.as_deref())), cell(m.model_type.as_deref())];
    row.extend(Component::ALL.map(|c| c.of(&effective).map(|v| v.display()).unwrap_or_default()));
    row.push(m.context_length.map(short_count).unwrap_or_default());
    if upcoming {
        row.push(if m.upcoming { "yes".into() } else { String::new() });
    }
    row
}

/// `show --format json`: the model's JSON object, then what only `show` gives.
#[derive(serde::Serialize)]
pub struct ShowJson<'a, R = &'a RawValue> {
    #[serde(flatten)]
    model: ModelJson<'a>,
    description: Option<&'a str>,
    currency: Option<&'a str>,
    api_doc_url: Option<&'a str>,
    warnings: &'a [String],
    /// The record exactly as the API sent it.
    record: R,
}

impl<'a> ShowJson<'a> {
    /// The object of a model and its `record`, as received (JSON text).
    pub fn new(found: &'a StoredModel, record: &'a str) -> serde_json::Result<ShowJson<'a>> {
        let m = &found.model;
        Ok(ShowJson {
            model: ModelJson(m),
            description: m.description.as_deref(),
            currency: m.pricing.currency.as_deref(),
            api_doc_url: m.api_doc_url.as_deref(),
            warnings: &found.warnings,
            record: serde_json::from_str(record)?,
        })
    }

    /// The same object with its record as `record`.
    pub fn with_record<R>(self, record: R) -> ShowJson<'a, R> {
        let ShowJson { model, description, currency, api_doc_url, warnings, .. } = self;
        ShowJson { model, description, currency, api_doc_url, warnings, record }
    }
}

/// One model, every field: `record` is the record as received.
pub fn write_show(
    out: &mut dyn Write,
    found: &StoredModel,
    record: &str,
    format: Format,
    look: Look,
) -> io::Result<()> {
    if format == Format::Json {
        return super::json::json(out, &ShowJson::new(found, record)?);
    }
    show_grid(found).write(out, format, look)
}

/// `show` as FIELD / VALUE rows.
fn show_grid(found: &StoredModel) -> Grid {
    let m = &found.model;
    let mut grid = Grid::new(&["FIELD", "VALUE"]);
    let mut row = |field: &str, value: String| grid.push(vec![field.to_owned(), value]);
    row("id", m.id.clone());
    row("code", cell(m.code.as_deref()));
    row("name", cell(m.name.as_deref()));
    row("provider", cell(m.provider.as_deref()));
    row("provider_code", cell(m.provider_code.as_deref()));
    row("model_type", cell(m.model_type.as_deref()));
    row("description", cell(m.description.as_deref()));
    row("features", m.features.join(", "));
    for (i, e) in m.endpoints.iter().enumerate() {
        let how = [e.method.as_deref(), e.path.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let text = if how.is_empty() { e.key.clone() } else { format!("{}: {how}", e.key) };
        row(if i == 0 { "endpoints" } else { "" }, text);
    }
    if m.endpoints.is_empty() {
        row("endpoints", String::new());
    }
    row("context_length", cell(m.context_length));
    row("max_completion_tokens", cell(m.max_completion_tokens));
    row("upcoming", m.upcoming.to_string());
    row("created", m.created.map(created).unwrap_or_default());
    row("currency", cell(m.pricing.currency.as_deref()));
    row("ratio", m.pricing.ratio.map_or_else(|| "1 (not listed)".to_owned(), |r| r.to_string()));
    let effective = m.pricing.effective().unwrap_or_default();
    // `show` prints every digit.
    let money = |p: Option<Money>| p.map(|p| p.to_string()).unwrap_or_default();
    for c in Component::ALL {
        let (listed, effective) = (c.of(&m.pricing.listed), c.of(&effective));
        if listed.is_some() || effective.is_some() {
            row(c.label(), format!("{} listed, {} effective", money(listed), money(effective)));
        }
    }
    if let Err(why) = m.pricing.usable() {
        row(
            "priced",
            match why {
                Unpriced::NoPrice => "no: the catalog lists no price".to_owned(),
                Unpriced::UnsupportedCurrency(c) => format!("no: unsupported currency {c:?}"),
            },
        );
    }
    row("api_doc_url", cell(m.api_doc_url.as_deref()));
    for (i, w) in found.warnings.iter().enumerate() {
        row(if i == 0 { "warnings" } else { "" }, w.clone());
    }
    grid
}

fn created(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(ts) if unix > 0 => format!("{} ({unix})", crate::time::format_time(ts)),
        _ => unix.to_string(),
    }
}

/// `{"success": true, "page": 0, "page_size": 0, "total": N, "fetched_at": ..., "data": [...]}`
/// with each record's text written verbatim.
pub fn envelope(out: &mut dyn Write, fetched_at: &str, records: &[String]) -> io::Result<()> {
    write!(
        out,
        "{{\n  \"success\": true,\n  \"page\": 0,\n  \"page_size\": 0,\n  \"total\": {},\n  \"fetched_at\": {},\n  \"data\": [",
        records.len(),
        serde_json::Value::from(fetched_at)
    )?;
    for (i, record) in records.iter().enumerate() {
        write!(out, "{}\n    {record}", if i == 0 { "" } else { "," })?;
    }
    writeln!(out, "{}]\n}}", if records.is_empty() { "" } else { "\n  " })
}

/// A count of tokens in one style, to 3 significant digits: `8192` → `8.19K`,
/// `128000` → `128K`, `131072` → `131K`, `1000000` → `1M`, `1048576` →
/// `1.05M`; under 1,000 as it is. (`show` and JSON give the exact number.)
pub fn short_count(n: u64) -> String {
    const K: u64 = 1_000;
    const M: u64 = 1_000_000;
    if n < K {
        return n.to_string();
    }
    let shown = |unit: u64, suffix: &str| -> Option<String> {
        let whole = n / unit;
        let decimals: u32 = match whole {
            0..10 => 2,
            10..100 => 1,
            _ => 0,
        };
        let scale = 10u128.pow(decimals);
        // n × 10^decimals / unit, rounded half up, in integers (exact).
        let rounded = (u128::from(n) * scale * 2 + u128::from(unit)) / (u128::from(unit) * 2);
        if suffix == "K" && rounded >= 1000 * scale {
            return None; // 999,999 is 1M, not 1000K
        }
        let (int, frac) = (rounded / scale, rounded % scale);
        let frac = format!("{frac:0width$}", width = decimals as usize);
        let frac = frac.trim_end_matches('0');
        Some(if frac.is_empty() { format!("{int}{suffix}") } else { format!("{int}.{frac}{suffix}") })
    };
    if n < M { shown(K, "K").or_else(|| shown(M, "M")).unwrap_or_default() } else { shown(M, "M").unwrap_or_default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_writes_the_cells_of_its_model() {
        use crate::query::{Filters, Sort};
        use crate::store::{Feed, SnapshotMeta, Store, StoreError};
        let records = [
            r#"{"id": "a", "code": "a-1", "name": "A", "provider": "OpenAI", "provider_code": "openai",
                "model_type": "text", "features": ["vision", "q\"uote", "tab\there", "caf\u00e9"],
                "endpoints": "{\"openai-chat\": {\"path\": \"/v1/chat\", \"method\": \"POST\"}, \"k\\\"ey\": {}}",
                "pricing": {"input": 1.25, "output": "10", "ratio": 0.8}, "context_length": "200K",
                "max_completion_tokens": 8192, "created": 1700000000}"#,
            r#"{"id": "b", "pricing": {"currency": "CNY", "input": 7}, "upcoming": true}"#,
            r#"{"id": "c", "pricing": {"per_request": 0.04, "per_second": "0.1", "ratio": 3}}"#,
            r#"{"id": "d", "pricing": {"input": 0.1234567890123456789, "ratio": 0.333333333333333333333}}"#,
            r#"{"id": "=e", "name": "-2+3", "features": []}"#,
        ]
        .map(|r| serde_json::from_str::<Box<serde_json::value::RawValue>>(r).unwrap());
        let mut store = Store::in_memory().unwrap();
        store
            .write_snapshot(Feed::File, |ingest| -> Result<SnapshotMeta, StoreError> {
                ingest.add(0, &records)?;
                let now = jiff::Timestamp::now();
                Ok(SnapshotMeta {
                    started_at: now,
                    fetched_at: now,
                    source: "test".into(),
                    from_file: true,
                    pages: 1,
                    total: None,
                    retries: 0,
                })
            })
            .unwrap();
        let all = Filters::everything();
        let csv = |write: &mut dyn FnMut(&mut CsvRows<'_>)| {
            let mut out = Vec::new();
            let mut rows = CsvRows::new(&mut out, &csv_columns()).unwrap();
            write(&mut rows);
            rows.finish().unwrap();
            String::from_utf8(out).unwrap()
        };
        let from_fields = csv(&mut |rows| {
            store
                .each_model(&all, Sort::default(), None, |m| -> Result<(), StoreError> {
                    let cells: Vec<String> = fields(&m.model).iter().map(|(_, f)| f.csv()).collect();
                    rows.row(&cells).unwrap();
                    Ok(())
                })
                .unwrap()
        });
        let from_rows = csv(&mut |rows| {
            let mut buffer = String::new();
            store
                .each_model_row(&all, Sort::default(), None, |m| -> Result<(), StoreError> {
                    write_model_row(rows, m, &mut buffer).unwrap();
                    Ok(())
                })
                .unwrap()
        });
        assert_eq!(from_rows.lines().count(), 6, "{from_rows}");
        assert_eq!(from_rows, from_fields);
    }

    #[test]
    fn short_counts_are_one_style() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (8_192, "8.19K"),
            (128_000, "128K"),
            (131_072, "131K"),
            (200_000, "200K"),
            (999_999, "1M"),
            (1_000_000, "1M"),
            (1_048_576, "1.05M"),
            (1_500_000, "1.5M"),
            (2_000_000, "2M"),
            (10_000_000, "10M"),
            (u64::MAX, "18446744073710M"),
        ];
        for (n, want) in cases {
            assert_eq!(short_count(n), want, "{n}");
        }
    }

    #[test]
    fn csv_and_json_name_the_same_fields_in_the_same_order() {
        let columns = csv_columns();
        assert_eq!(
            columns.join(","),
            "id,code,name,provider,provider_code,model_type,features,endpoints,input_price,output_price,\
             per_request,per_second,ratio,effective_input_price,effective_output_price,effective_per_request,\
             effective_per_second,context_length,max_completion_tokens,upcoming,created"
        );
        let json = serde_json::to_value(ModelJson(&Model::default())).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted = columns.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "serde_json's map sorts keys; the writer keeps the order");
    }

    #[test]
    fn the_envelope_keeps_records_verbatim() {
        let mut out = Vec::new();
        envelope(&mut out, "2026-11-25T00:00:00Z", &[r#"{"id":"a","x":1e-7}"#.into(), r#"{ "id": "b" }"#.into()])
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"success\": true,\n  \"page\": 0,\n  \"page_size\": 0,\n  \"total\": 2,\n  \"fetched_at\": \"2026-11-25T00:00:00Z\",\n  \"data\": [\n    {\"id\":\"a\",\"x\":1e-7},\n    { \"id\": \"b\" }\n  ]\n}\n"
        );
        let mut out = Vec::new();
        envelope(&mut out, "t", &[]).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with("\"data\": []\n}\n"));
    }
}
