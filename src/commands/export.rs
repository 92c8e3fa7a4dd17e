//! `cometcat export`: the current catalog as CSV (the `models` columns), or as an
//! `/api/models` envelope holding every record exactly as received, which
//! `sync --from` re-imports with nothing lost. An export is the catalog, not a
//! listing: upcoming models are always in it, and an unfiltered JSON export
//! carries the quarantined records too. `--output` never destroys what it
//! points at ([`crate::output::file`]). With `--price-book`, the two tables
//! of the price book ([`crate::book`]) go into the folder `--output` names.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use super::ctx::Ctx;
use crate::book::{PRICE_ALIASES, PRICE_BOOK, PriceBook, Unheld};
use crate::cli::ExportArgs;
use crate::error::{Exit, UserError};
use crate::output::CsvRows;
use crate::output::book::BookFormat;
use crate::output::models::{csv_columns, write_model_row};
use crate::query::{Filters, Sort};
use crate::store::Store;

pub fn run(ctx: &mut Ctx<'_>, args: &ExportArgs) -> anyhow::Result<Exit> {
    let format = args.format();
    let store = Store::open(&ctx.settings.db)?;
    if args.price_book {
        let folder = args.output.as_deref().expect("clap requires --output with --price-book");
        return price_book(ctx, &store, folder, format);
    }
    let filters = Filters { include_upcoming: true, ..Filters::from(&args.filters) };
    let filters = super::lookup::read_filters(ctx, &store, filters)?;
    let unfiltered = filters == Filters::everything();
    if !unfiltered && store.count(&filters)? == 0 {
        super::lookup::explain_empty(ctx, &store, &filters)?;
    }
    let write = |out: &mut dyn Write| -> anyhow::Result<()> {
        if format == BookFormat::Json {
            let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");
            let mut records = store.records(&filters)?;
            if unfiltered {
                records.extend(store.current_quarantined()?);
            }
            crate::output::models::envelope(out, &snapshot.fetched_at, &records)?;
        } else {
            let mut buffer = String::new();
            let mut rows = CsvRows::new(out, &csv_columns())?;
            store.each_model_row(&filters, Sort::default(), None, |m| -> anyhow::Result<()> {
                Ok(write_model_row(&mut rows, m, &mut buffer)?)
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

/// `--price-book`: `price_book` and `price_aliases` in `folder` (made if
/// missing), each file replaced atomically; what was written, and every price
/// the book could not hold, said on stderr.
fn price_book(ctx: &mut Ctx<'_>, store: &Store, folder: &Path, format: BookFormat) -> anyhow::Result<Exit> {
    let book = PriceBook::new(&store.price_history()?);
    if folder.exists() && !folder.is_dir() {
        let message = format!("--output {} is a file: the price book is written to a folder", folder.display());
        return Err(UserError::usage(message).hint("give a folder's name (it is made if missing)").into());
    }
    std::fs::create_dir_all(folder).with_context(|| format!("cannot make the folder {}", folder.display()))?;
    let file = |table: &str| folder.join(format!("{table}.{}", format.extension()));
    // The two tables are read together: both are written before either replaces its old file.
    crate::output::file::write_together(vec![
        (file("price_book"), Box::new(|out| Ok(format.write(out, "price_book", &PRICE_BOOK, &book.periods)?))),
        (file("price_aliases"), Box::new(|out| Ok(format.write(out, "price_aliases", &PRICE_ALIASES, &book.aliases)?))),
    ])?;
    for problem in &book.problems {
        ctx.warn(format_args!("{}", unheld(problem)));
    }
    ctx.note(format_args!(
        "wrote {} price periods of {} models and {} aliases to {} ({})",
        book.periods.len(),
        book.models,
        book.aliases.len(),
        folder.display(),
        format.extension()
    ));
    Ok(Exit::Ok)
}

/// What the price book did with a price it cannot hold exactly.
fn unheld(p: &Unheld) -> String {
    let when = match (p.validity.from, p.validity.to) {
        (None, None) => "in every snapshot".to_owned(),
        (Some(from), None) => format!("from {}", crate::time::format_time(from)),
        (None, Some(to)) => format!("until {}", crate::time::format_time(to)),
        (Some(from), Some(to)) => {
            format!("from {} until {}", crate::time::format_time(from), crate::time::format_time(to))
        }
    };
    let left = match p.column {
        crate::catalog::PriceColumn::Effective(_) => {
            "the period has no effective prices: the SQL prices none of its calls"
        }
        _ => "the cell is left empty",
    };
    format!(
        "{} {}: {} = {} does not fit DECIMAL(38,18) (more than 18 decimal places or 20 digits); {left}",
        p.model_id,
        when,
        crate::book::columns::book_name(p.column),
        p.value
    )
}
