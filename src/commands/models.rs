//! `cometcat models [FILTERS]`: the current models, filtered and sorted. CSV
//! and JSON go out model by model, so a listing of any size never sits in
//! memory; a table needs every row to size its columns.

use super::ctx::{Ctx, catalog_or_sample};
use super::lookup::{explain_empty, read_filters};
use crate::cli::ModelsArgs;
use crate::error::Exit;
use crate::output::models::{ModelJson, csv_columns, model_grid, model_row, write_model_row};
use crate::output::{CsvRows, Format, JsonArray};

pub fn run(ctx: &mut Ctx<'_>, args: &ModelsArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = catalog_or_sample(ctx)?;
    let (sort, limit) = (args.sort.into(), args.sort.limit);
    let filters = read_filters(ctx, &store, args.filters())?;
    let mut listed = 0u64;
    // CSV and JSON go out model by model: a listing of any size never sits in memory.
    match format {
        Format::Csv => {
            let mut buffer = String::new();
            let mut rows = CsvRows::new(ctx.out, &csv_columns())?;
            store.each_model_row(&filters, sort, limit, |m| -> anyhow::Result<()> {
                listed += 1;
                Ok(write_model_row(&mut rows, m, &mut buffer)?)
            })?;
            rows.finish()?;
        }
        Format::Json => {
            let mut array = JsonArray::new(ctx.out)?;
            store.each_model(&filters, sort, limit, |m| -> anyhow::Result<()> {
                listed += 1;
                Ok(array.push(&ModelJson(&m.model))?)
            })?;
            array.finish()?;
        }
        Format::Table | Format::Markdown => {
            let upcoming = filters.include_upcoming;
            let mut grid = model_grid(upcoming);
            store.each_model(&filters, sort, limit, |m| -> anyhow::Result<()> {
                listed += 1;
                grid.push(model_row(&m.model, upcoming));
                Ok(())
            })?;
            grid.write(ctx.out, format, ctx.settings.look)?;
        }
    }
    if listed == 0 && limit != Some(0) {
        explain_empty(ctx, &store, &filters)?;
    }
    Ok(Exit::Ok)
}
