//! `cometcat rank [FILTERS]`: the models matching FILTERS, cheapest first for
//! one workload (ties by id). What cannot be compared like for like is left
//! out and counted on stderr: unpriced models, models that price tokens but
//! not a kind the workload has, per-second ones when no `--seconds` is given,
//! and — for a workload with tokens — models priced only per call or per
//! second, which bill no tokens (`--any-pricing` keeps them). [`ranked`] is
//! the ranking itself, typed, for the web explorer and agents too.

use std::collections::BTreeMap;

use super::ctx::{Ctx, catalog_or_sample, workload};
use super::lookup::{explain_empty, read_filters};
use crate::cli::RankArgs;
use crate::error::Exit;
use crate::numbers::counted;
use crate::output::costs::{CostRow, write_costs};
use crate::pricing::{Basis, CostError, Workload};
use crate::query::Filters;
use crate::store::Store;

/// The cheapest models for a workload, and what was left out.
#[derive(Debug, Default)]
pub struct Ranking {
    /// Cheapest first, ties by id; at most `top`.
    pub rows: Vec<CostRow>,
    /// How many models were ranked, before `top` kept the cheapest.
    pub ranked: usize,
    /// Models that match but have no usable price.
    pub unpriced: usize,
    /// Models that price tokens but not a kind the workload has, by that kind.
    pub missing: BTreeMap<&'static str, usize>,
    /// Models priced per second, left out for want of `--seconds`.
    pub per_second: usize,
    /// Models priced only per call or per second, for a workload with tokens.
    pub not_per_token: usize,
    /// Models whose price for the workload is 0 (`--no-free`).
    pub free: usize,
    /// Why some models' costs could not be held exactly.
    pub inexact: Vec<CostError>,
}

/// Which models a ranking compares.
#[derive(Clone, Copy, Debug, Default)]
pub struct Compare {
    /// Keep models priced only per call or per second for a workload with tokens.
    pub any_pricing: bool,
    /// Leave out models whose price for the workload is 0.
    pub no_free: bool,
}

/// Ranks the current models matching `filters` by what `workload` costs on
/// each (on `basis`), keeping the `top` cheapest.
pub fn ranked(
    store: &Store,
    filters: &Filters,
    workload: &Workload,
    basis: Basis,
    top: Option<u64>,
    compare: Compare,
) -> anyhow::Result<Ranking> {
    let mut ranking = Ranking::default();
    let tokens = workload.input_tokens > 0 || workload.output_tokens > 0;
    let candidates = store.current_prices(filters)?;
    let mut ranked = Vec::with_capacity(candidates.len());
    for model in &candidates {
        let listed = &model.pricing.listed;
        if tokens && !compare.any_pricing && listed.input.is_none() && listed.output.is_none() && !listed.is_empty() {
            ranking.not_per_token += 1;
            continue;
        }
        match model.cost(workload, basis) {
            Ok(cost) if compare.no_free && cost.cost.is_zero() => ranking.free += 1,
            Ok(cost) => ranked.push((cost.cost, model)),
            Err(CostError::NeedsSeconds { .. }) => ranking.per_second += 1,
            Err(CostError::Missing { missing, .. }) => *ranking.missing.entry(missing).or_default() += 1,
            Err(e @ (CostError::Overflow { .. } | CostError::Inexact { .. })) => {
                ranking.unpriced += 1;
                ranking.inexact.push(e);
            }
            Err(_) => ranking.unpriced += 1,
        }
    }
    // Ties by id (byte order), ascending.
    ranked.sort_unstable_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.id.cmp(&y.id)));
    ranking.ranked = ranked.len();
    ranked.truncate(top.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)));
    // The full rows (with the cost of one call) only for what is shown.
    ranking.rows =
        ranked.into_iter().map(|(_, model)| CostRow::priced(model, workload, basis)).collect::<Result<Vec<_>, _>>()?;
    Ok(ranking)
}

pub fn run(ctx: &mut Ctx<'_>, args: &RankArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = catalog_or_sample(ctx)?;
    let (workload, basis) = (workload(&args.workload)?, args.workload.basis());
    let filters = read_filters(ctx, &store, Filters::from(&args.filters))?;
    let compare = Compare { any_pricing: args.any_pricing, no_free: args.no_free };
    let ranking = ranked(&store, &filters, &workload, basis, args.top, compare)?;
    // No model matched at all (models left out for their pricing are said below).
    if ranking.ranked == 0 && store.count(&filters)? == 0 {
        explain_empty(ctx, &store, &filters)?;
    }
    write_costs(ctx.out, &ranking.rows, format, ctx.settings.look)?;
    let upcoming: Vec<&str> = ranking.rows.iter().filter(|r| r.priced.upcoming).map(|r| r.id.as_str()).collect();
    if !upcoming.is_empty() {
        ctx.note(format_args!("upcoming (listed, not yet callable): {}", upcoming.join(", ")));
    }
    for e in &ranking.inexact {
        ctx.warn(e);
    }
    for line in left_out(&ranking, |flag| format!("--{}", flag.replace('_', "-"))) {
        ctx.note(line);
    }
    Ok(Exit::Ok)
}

/// What a ranking left out, a line for each reason; `name` says how an
/// option (`seconds`, `any_pricing`, `no_free`) is written where it is read
/// (`--seconds` on the command line).
pub fn left_out(r: &Ranking, name: impl Fn(&str) -> String) -> Vec<String> {
    let them = |n: usize| if n == 1 { "it" } else { "them" };
    let mut lines = Vec::new();
    if r.unpriced > 0 {
        lines.push(format!("left out {}", counted(r.unpriced as u64, "unpriced model")));
    }
    for (missing, n) in &r.missing {
        lines.push(format!("left out {} that price tokens but not {missing}", counted(*n as u64, "model")));
    }
    if r.per_second > 0 {
        let n = r.per_second;
        lines.push(format!(
            "left out {} priced per second (give {} to rank {})",
            counted(n as u64, "model"),
            name("seconds"),
            them(n)
        ));
    }
    if r.not_per_token > 0 {
        let n = r.not_per_token;
        lines.push(format!(
            "left out {} priced per call or per second, which bill no tokens ({} ranks {} too)",
            counted(n as u64, "model"),
            name("any_pricing"),
            them(n)
        ));
    }
    if r.free > 0 {
        lines.push(format!(
            "left out {} free for this workload ({})",
            counted(r.free as u64, "model"),
            name("no_free")
        ));
    }
    lines
}
