//! Looking at the current snapshot: `models`, `show MODEL`, and the facets
//! `providers`, `features`, `types` and `endpoints`.

use rusqlite::params_from_iter;
use serde::Serialize;
use serde_json::value::RawValue;

use super::Ctx;
use super::views::{CSV_COLUMNS, ModelJson, model_grid, model_row};
use crate::cli::{FacetArgs, ModelsArgs, ShowArgs};
use crate::error::{Exit, UserError};
use crate::output::{self, CsvRows, Format, Grid, JsonArray, cell};
use crate::pricing::Money;
use crate::query::{self, Facet, Filters};
use crate::store::read::MODEL_COLUMNS;
use crate::store::{Store, StoredModel};

const ALL: &[Format] = &[Format::Table, Format::Json, Format::Csv, Format::Markdown];

pub fn models(ctx: &mut Ctx<'_>, args: &ModelsArgs) -> anyhow::Result<Exit> {
    let format = ctx.settings.format("models", Format::Table, ALL)?;
    let store = Store::open(&ctx.settings.db)?;
    let query = query::current_models(MODEL_COLUMNS, &Filters::from(&args.filters), args.sort.into(), args.sort.limit);
    // CSV and JSON go out model by model: a listing of any size never sits in memory.
    match format {
        Format::Csv => {
            let mut rows = CsvRows::new(ctx.out, &CSV_COLUMNS)?;
            store
                .each_model(&query, |m| -> anyhow::Result<()> { Ok(rows.row(&ModelJson::new(&m.model).csv_row())?) })?;
            rows.finish()?;
        }
        Format::Json => {
            let mut array = JsonArray::new(ctx.out)?;
            store.each_model(&query, |m| -> anyhow::Result<()> { Ok(array.push(&ModelJson::new(&m.model))?) })?;
            array.finish()?;
        }
        Format::Table | Format::Markdown => {
            let mut grid = model_grid();
            store.each_model(&query, |m| -> anyhow::Result<()> {
                grid.push(model_row(&m.model));
                Ok(())
            })?;
            grid.write(ctx.out, format, ctx.terminal)?;
        }
    }
    Ok(Exit::Ok)
}

/// A current model by id or code, or exit 1 with the closest ids.
pub fn lookup(store: &Store, name: &str) -> anyhow::Result<StoredModel> {
    if let Some(found) = store.find(name)? {
        return Ok(found);
    }
    Err(unknown(name, store.suggestions(name, true)?).into())
}

/// "no model X in the catalog", with "did you mean" when something is close.
pub fn unknown(name: &str, suggestions: Vec<String>) -> UserError {
    let err = UserError::new(format!("no model {name:?} in the catalog"));
    if suggestions.is_empty() {
        err.hint(format!("`cometcat models --search {}` lists models by part of their name", shell_word(name)))
    } else {
        err.hint(format!("did you mean {}?", suggestions.join(", ")))
    }
}

fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[derive(Serialize)]
struct ShowJson<'a> {
    #[serde(flatten)]
    model: ModelJson<'a>,
    description: Option<&'a str>,
    currency: Option<&'a str>,
    api_doc_url: Option<&'a str>,
    warnings: &'a [String],
    /// The record exactly as the API sent it.
    record: &'a RawValue,
}

pub fn show(ctx: &mut Ctx<'_>, args: &ShowArgs) -> anyhow::Result<Exit> {
    let format = ctx.settings.format("show", Format::Table, &[Format::Table, Format::Json])?;
    let store = Store::open(&ctx.settings.db)?;
    let found = lookup(&store, &args.model)?;
    let record = store.record(found.version_id)?;
    let m = &found.model;
    if format == Format::Json {
        let record: &RawValue = serde_json::from_str(&record)?;
        let show = ShowJson {
            model: ModelJson::new(m),
            description: m.description.as_deref(),
            currency: m.pricing.currency.as_deref(),
            api_doc_url: m.api_doc_url.as_deref(),
            warnings: &found.warnings,
            record,
        };
        output::json(ctx.out, &show)?;
        return Ok(Exit::Ok);
    }
    let mut grid = Grid::new(&["FIELD", "VALUE"]);
    let mut row = |field: &str, value: String| grid.push(vec![field.to_owned(), value]);
    let j = ModelJson::new(m);
    row("id", m.id.clone());
    row("code", cell(j.code));
    row("name", cell(j.name));
    row("provider", cell(j.provider));
    row("provider_code", cell(j.provider_code));
    row("model_type", cell(j.model_type));
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
    row("context_length", cell(j.context_length));
    row("max_completion_tokens", cell(j.max_completion_tokens));
    row("upcoming", j.upcoming.to_string());
    row("created", j.created.map(created).unwrap_or_default());
    row("currency", cell(m.pricing.currency.as_deref()));
    let money = |p: Option<Money>| p.map(|p| p.rounded()).unwrap_or_default();
    let ratio = m.pricing.ratio.map_or_else(|| "1 (not listed)".to_owned(), |r| r.to_string());
    row("ratio", ratio);
    for (name, listed, effective) in [
        ("input $/M", j.input_price, j.effective_input_price),
        ("output $/M", j.output_price, j.effective_output_price),
        ("$/call", j.per_request, j.effective_per_request),
        ("$/second", j.per_second, j.effective_per_second),
    ] {
        if listed.is_some() || effective.is_some() {
            row(name, format!("{} listed, {} effective", money(listed), money(effective)));
        }
    }
    if let Err(why) = m.pricing.usable() {
        row(
            "priced",
            match why {
                crate::catalog::Unpriced::NoPrice => "no: the catalog lists no price".to_owned(),
                crate::catalog::Unpriced::UnsupportedCurrency(c) => {
                    format!("no: unsupported currency {c:?}")
                }
            },
        );
    }
    row("api_doc_url", cell(m.api_doc_url.as_deref()));
    for (i, w) in found.warnings.iter().enumerate() {
        row(if i == 0 { "warnings" } else { "" }, w.clone());
    }
    grid.write(ctx.out, format, ctx.terminal)?;
    Ok(Exit::Ok)
}

fn created(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(ts) if unix > 0 => format!("{} ({unix})", crate::store::read::format_time(ts)),
        _ => unix.to_string(),
    }
}

#[derive(Serialize)]
struct ProviderCount {
    provider_code: Option<String>,
    provider: Option<String>,
    count: i64,
}

#[derive(Serialize)]
struct ValueCount {
    value: Option<String>,
    count: i64,
}

pub fn facet(ctx: &mut Ctx<'_>, facet: Facet, args: &FacetArgs) -> anyhow::Result<Exit> {
    let name = match facet {
        Facet::Providers => "providers",
        Facet::Features => "features",
        Facet::Types => "types",
        Facet::Endpoints => "endpoints",
    };
    let format = ctx.settings.format(name, Format::Table, ALL)?;
    let store = Store::open(&ctx.settings.db)?;
    let q = query::facet(facet, &Filters::from(&args.filters));
    let mut stmt = store.conn.prepare(&q.sql)?;
    let rows = stmt
        .query_map(params_from_iter(&q.params), |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if format == Format::Json {
        if facet == Facet::Providers {
            let rows: Vec<_> = rows
                .into_iter()
                .map(|(provider_code, provider, count)| ProviderCount { provider_code, provider, count })
                .collect();
            output::json(ctx.out, &rows)?;
        } else {
            let rows: Vec<_> = rows.into_iter().map(|(value, _, count)| ValueCount { value, count }).collect();
            output::json(ctx.out, &rows)?;
        }
        return Ok(Exit::Ok);
    }
    let none = || "(none)".to_owned();
    let grid = if facet == Facet::Providers {
        let mut grid = Grid::new(&["PROVIDER_CODE", "PROVIDER", "MODELS"]).numeric(&[2]);
        for (code, provider, count) in rows {
            grid.push(vec![code.unwrap_or_else(none), provider.unwrap_or_default(), count.to_string()]);
        }
        grid
    } else {
        let header = name.trim_end_matches('s').to_uppercase();
        let mut grid = Grid::new(&[header.as_str(), "MODELS"]).numeric(&[1]);
        for (value, _, count) in rows {
            grid.push(vec![value.unwrap_or_else(none), count.to_string()]);
        }
        grid
    };
    grid.write(ctx.out, format, ctx.terminal)?;
    Ok(Exit::Ok)
}
