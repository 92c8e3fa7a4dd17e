//! `cometcat providers`, `features`, `types` and `endpoints`: each value of
//! one facet among the current models matching FILTERS, with its count.

use super::ctx::{Ctx, catalog_or_sample};
use super::lookup::{explain_empty, read_filters};
use crate::cli::FacetArgs;
use crate::error::Exit;
use crate::output::facets;
use crate::query::{Facet, Filters};

pub fn run(ctx: &mut Ctx<'_>, facet: Facet, args: &FacetArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = catalog_or_sample(ctx)?;
    let filters = read_filters(ctx, &store, Filters::from(&args.filters))?;
    let rows = store.facet(facet, &filters)?;
    facets::write(ctx.out, facet, &rows, format, ctx.settings.look)?;
    if rows.is_empty() {
        explain_empty(ctx, &store, &filters)?;
    }
    Ok(Exit::Ok)
}
