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
    let store = Store::open(&ctx.settings.db)?;
    let (filters, sort, limit) = (Filters::from(&args.filters), args.sort.into(), args.sort.limit);
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
            let mut grid = model_grid();
            store.each_model(&filters, sort, limit, |m| -> anyhow::Result<()> {
                grid.push(model_row(&m.model));
                Ok(())
            })?;
            grid.write(ctx.out, format, ctx.look)?;
        }
    }
    Ok(Exit::Ok)
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
    let store = Store::open(&ctx.settings.db)?;
    let found = lookup(&store, &args.model)?;
    let record = store.record(found.version_id)?;
    write_show(ctx.out, &found, &record, format, ctx.look)?;
    Ok(Exit::Ok)
}

pub fn facet(ctx: &mut Ctx<'_>, facet: Facet, args: &FacetArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = Store::open(&ctx.settings.db)?;
    let rows = store.facet(facet, &Filters::from(&args.filters))?;
    facets::write(ctx.out, facet, &rows, format, ctx.look)?;
    Ok(Exit::Ok)
}
