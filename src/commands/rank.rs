//! `cometcat rank [FILTERS]`: the models matching FILTERS, cheapest first for
//! one workload (ties by id). Unpriced models, and per-second ones when no
//! `--seconds` is given, are left out and counted on stderr. [`ranked`] is the
//! ranking itself, typed, for the web explorer and agents too.

use super::ctx::{Ctx, catalog_or_sample, workload};
use super::lookup::check_filter_values;
use crate::cli::RankArgs;
use crate::error::Exit;
use crate::output::costs::{CostRow, write_costs};
use crate::pricing::{Basis, CostError, Workload};
use crate::query::Filters;
use crate::store::Store;

/// The cheapest models for a workload, and what was left out.
#[derive(Debug)]
pub struct Ranking {
    /// Cheapest first, ties by id; at most `top`.
    pub rows: Vec<CostRow>,
    /// Models that match but have no usable price.
    pub unpriced: usize,
    /// Models priced per second, left out for want of `--seconds`.
    pub per_second: usize,
    /// Why some models' costs could not be held exactly.
    pub inexact: Vec<CostError>,
}

/// Ranks the current models matching `filters` by what `workload` costs on
/// each (on `basis`), keeping the `top` cheapest.
pub fn ranked(
    store: &Store,
    filters: &Filters,
    workload: &Workload,
    basis: Basis,
    top: Option<u64>,
) -> anyhow::Result<Ranking> {
    let (mut unpriced, mut per_second, mut inexact) = (0, 0, Vec::new());
    let candidates = store.current_prices(filters)?;
    let mut ranked = Vec::with_capacity(candidates.len());
    for model in &candidates {
        match model.cost(workload, basis) {
            Ok(cost) => ranked.push((cost.cost, model)),
            Err(CostError::NeedsSeconds { .. }) => per_second += 1,
            Err(e @ (CostError::Overflow { .. } | CostError::Inexact { .. })) => {
                unpriced += 1;
                inexact.push(e);
            }
            Err(_) => unpriced += 1,
        }
    }
    // Ties by id (byte order), ascending.
    ranked.sort_unstable_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.id.cmp(&y.id)));
    ranked.truncate(top.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)));
    // The full rows (with the cost of one call) only for what is shown.
    let rows =
        ranked.into_iter().map(|(_, model)| CostRow::priced(model, workload, basis)).collect::<Result<Vec<_>, _>>()?;
    Ok(Ranking { rows, unpriced, per_second, inexact })
}

pub fn run(ctx: &mut Ctx<'_>, args: &RankArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = catalog_or_sample(ctx)?;
    let (workload, basis) = (workload(&args.workload)?, args.workload.basis());
    let filters = Filters::from(&args.filters);
    check_filter_values(ctx, &store, &filters)?;
    let ranking = ranked(&store, &filters, &workload, basis, args.top)?;
    write_costs(ctx.out, &ranking.rows, format, ctx.settings.look)?;
    let upcoming: Vec<&str> = ranking.rows.iter().filter(|r| r.priced.upcoming).map(|r| r.id.as_str()).collect();
    if !upcoming.is_empty() {
        ctx.note(format_args!("upcoming (listed, not yet callable): {}", upcoming.join(", ")));
    }
    for e in &ranking.inexact {
        ctx.warn(e);
    }
    let (unpriced, per_second) = (ranking.unpriced, ranking.per_second);
    if unpriced > 0 {
        ctx.note(format_args!("left out {unpriced} unpriced model{}", if unpriced == 1 { "" } else { "s" }));
    }
    if per_second > 0 {
        ctx.note(format_args!(
            "left out {per_second} model{} priced per second (give --seconds to rank {})",
            if per_second == 1 { "" } else { "s" },
            if per_second == 1 { "it" } else { "them" }
        ));
    }
    Ok(Exit::Ok)
}
