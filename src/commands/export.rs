//! `cometcat export`: the current catalog as CSV (the `models` columns), or as an
//! `/api/models` envelope holding every record exactly as received, which
//! `sync --from` re-imports with nothing lost. An export is the catalog, not a
//! listing: upcoming models are always in it, and an unfiltered JSON export
//! carries the quarantined records too. `--output` never destroys what it
//! points at ([`crate::output::file`]).

use std::io::Write;

use super::ctx::Ctx;
use crate::cli::ExportArgs;
use crate::error::Exit;
use crate::output::models::{csv_columns, csv_row};
use crate::output::{CsvRows, Format};
use crate::query::{Filters, Sort};
use crate::store::Store;

pub fn run(ctx: &mut Ctx<'_>, args: &ExportArgs) -> anyhow::Result<Exit> {
    let format = args.format.format();
    let store = Store::open(&ctx.settings.db)?;
    let filters = Filters { include_upcoming: true, ..Filters::from(&args.filters) };
    let unfiltered = filters == Filters { include_upcoming: true, ..Filters::default() };
    super::lookup::check_filter_values(ctx, &store, &filters)?;
    let write = |out: &mut dyn Write| -> anyhow::Result<()> {
        if format == Format::Json {
            let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");
            let mut records = store.records(&filters)?;
            if unfiltered {
                records.extend(store.current_quarantined()?);
            }
            crate::output::models::envelope(out, &snapshot.fetched_at, &records)?;
        } else {
            let mut rows = CsvRows::new(out, &csv_columns())?;
            store.each_model(&filters, Sort::default(), None, |m| -> anyhow::Result<()> {
                Ok(rows.row(&csv_row(&m.model))?)
            })?;
            rows.finish()?;
        }
        Ok(())
    };
    match &args.output {
        Some(path) => crate::output::file::write_to(path, write)?,
        None => write(ctx.out)?,
    }
    Ok(Exit::Ok)
}
