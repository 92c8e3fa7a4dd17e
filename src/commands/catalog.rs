//! Looking at the current snapshot: `models`, `show MODEL`, and the facets
//! `providers`, `features`, `types` and `endpoints`.

use super::Ctx;
use crate::cli::{FacetArgs, ModelsArgs, ShowArgs};
use crate::error::Exit;
use crate::output::models::{ModelJson, csv_columns, csv_row, model_grid, model_row, write_show};
use crate::output::{CsvRows, Format, JsonArray, facets};
use crate::query::{Facet, Filters};
use crate::store::{Store, StoredModel};
use crate::suggest::{self, UnknownModel};

pub fn models(ctx: &mut Ctx<'_>, args: &ModelsArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = super::catalog_or_sample(ctx)?;
    let (filters, sort, limit) = (args.filters(), args.sort.into(), args.sort.limit);
    check_filter_values(ctx, &store, &filters)?;
    // CSV and JSON go out model by model: a listing of any size never sits in memory.
    match format {
        Format::Csv => {
            let mut rows = CsvRows::new(ctx.out, &csv_columns())?;
            store.each_model(&filters, sort, limit, |m| -> anyhow::Result<()> { Ok(rows.row(&csv_row(&m.model))?) })?;
            rows.finish()?;
        }
        Format::Json => {
            let mut array = JsonArray::new(ctx.out)?;
            store.each_model(&filters, sort, limit, |m| -> anyhow::Result<()> {
                Ok(array.push(&ModelJson(&m.model))?)
            })?;
            array.finish()?;
        }
        Format::Table | Format::Markdown => {
            let upcoming = filters.include_upcoming;
            let mut grid = model_grid(upcoming);
            store.each_model(&filters, sort, limit, |m| -> anyhow::Result<()> {
                grid.push(model_row(&m.model, upcoming));
                Ok(())
            })?;
            grid.write(ctx.out, format, ctx.look)?;
        }
    }
    Ok(Exit::Ok)
}

/// For each filter value that matches no value of its facet anywhere in the
/// catalog, says so on stderr with the values there are and the closest one:
/// an empty listing then explains itself.
pub fn check_filter_values(ctx: &Ctx<'_>, store: &Store, filters: &Filters) -> anyhow::Result<()> {
    if ctx.settings.quiet {
        // Notes only: with -q (and in the web explorer's API) nobody reads them.
        return Ok(());
    }
    let everything = Filters { include_upcoming: true, ..Filters::default() };
    let facets = [
        (Facet::Types, &filters.types, "type"),
        (Facet::Features, &filters.features, "feature"),
        (Facet::Providers, &filters.providers, "provider"),
        (Facet::Endpoints, &filters.endpoints, "endpoint"),
    ];
    for (facet, given, word) in facets {
        // An endpoint may be given by its path, which the facet does not list.
        let given: Vec<&String> = given.iter().filter(|v| !v.starts_with('/')).collect();
        if given.is_empty() {
            continue;
        }
        let counts = store.facet(facet, &everything)?;
        let names: Vec<&str> = counts.iter().flat_map(|c| [c.value.as_deref(), c.name.as_deref()]).flatten().collect();
        for value in given.into_iter().filter(|v| !names.iter().any(|n| n.eq_ignore_ascii_case(v))) {
            let values: Vec<&str> = counts.iter().filter_map(|c| c.value.as_deref()).collect();
            let mut list = values.iter().take(10).copied().collect::<Vec<_>>().join(", ");
            if values.len() > 10 {
                list.push_str(", …");
            }
            let close = suggest::closest(value, names.iter().map(|n| (n.to_string(), n.to_string())).collect());
            let close = close.first().map(|c| format!("; did you mean {c}?")).unwrap_or_default();
            ctx.note(format_args!("no {word} {value:?}; {}s are: {list}{close}", facets::singular(facet)));
        }
    }
    Ok(())
}

/// A current model by id or code, or exit 1 with the closest ids.
pub fn lookup(store: &Store, name: &str) -> anyhow::Result<StoredModel> {
    match store.find(name)? {
        Some(found) => Ok(found),
        None => Err(unknown(store, name, true)?.into()),
    }
}

/// The error for a name that matched nothing, with the closest names among
/// the current models, or among every model ever seen.
pub fn unknown(store: &Store, name: &str, current_only: bool) -> anyhow::Result<UnknownModel> {
    Ok(UnknownModel { name: name.to_owned(), close: suggest::closest(name, store.names(current_only)?) })
}

pub fn show(ctx: &mut Ctx<'_>, args: &ShowArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = super::catalog_or_sample(ctx)?;
    let found = lookup(&store, &args.model)?;
    let record = store.record(found.version_id)?;
    write_show(ctx.out, &found, &record, format, ctx.look)?;
    Ok(Exit::Ok)
}

pub fn facet(ctx: &mut Ctx<'_>, facet: Facet, args: &FacetArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = super::catalog_or_sample(ctx)?;
    let filters = Filters::from(&args.filters);
    check_filter_values(ctx, &store, &filters)?;
    let rows = store.facet(facet, &filters)?;
    facets::write(ctx.out, facet, &rows, format, ctx.look)?;
    Ok(Exit::Ok)
}
