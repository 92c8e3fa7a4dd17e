//! `cometcat estimate WORKLOAD.toml`: the CI cost gate, as glue. Prices every
//! item of a workload file on the current snapshot, builds the report
//! ([`crate::estimate`]), asks the gate ([`crate::gate`]) what fails, and
//! prints the report whatever the outcome, so CI can post it.

use std::path::Path;

use anyhow::Context as _;
use jiff::Timestamp;

use super::Ctx;
use super::catalog::unknown;
use crate::cli::EstimateArgs;
use crate::error::{Diagnostic, Exit, UserError};
use crate::estimate::{self, Budget, CatalogRef, Earlier, ItemCost, Problem, Report};
use crate::gate::{self, Facts, Limits};
use crate::output::costs::Priced;
use crate::output::{self, Format};
use crate::pricing::{Basis, CostError};
use crate::store::Store;
use crate::workload::{self, Item};

pub fn run(ctx: &mut Ctx<'_>, args: &EstimateArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let shown = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {shown}"))?;
    let items = workload::parse(&text).map_err(|e| UserError::new(format!("{shown}:{}: {}", e.line, e.message)))?;
    let earlier = args.baseline.as_deref().map(read_baseline).transpose()?;
    let store = Store::open(&ctx.settings.db)?;
    let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");

    let priced = items.iter().map(|item| price(&store, item, &shown)).collect::<anyhow::Result<Vec<_>>>()?;
    let (total, list_total) =
        estimate::totals(&priced).map_err(|_| UserError::new("the total is too large to compute exactly"))?;
    let baseline = earlier.map(|old| estimate::compare(&old, &priced, total)).transpose()?;
    let limits = Limits {
        budget: args.budget,
        max_increase: args.max_increase,
        max_catalog_age: args.max_catalog_age,
        allow_unpriced: args.allow_unpriced,
    };
    let facts = Facts {
        total,
        baseline: baseline.as_ref().map(|b| (b.total, b.change_pct)),
        unpriced: priced.iter().filter_map(|i| i.problem.as_ref()).map(|p| (p.kind, p.message.as_str())).collect(),
        fetched_at: &snapshot.fetched_at,
    };
    let violations = gate::evaluate(&facts, &limits, Timestamp::now());
    let report = Report {
        version: estimate::VERSION,
        catalog: CatalogRef {
            sync_id: snapshot.id,
            synced_at: snapshot.fetched_at.clone(),
            source: snapshot.source.clone(),
        },
        currency: "USD",
        items: priced,
        total,
        list_total,
        baseline,
        budget: args.budget.map(|limit| Budget::new(limit, total)),
        violations,
    };
    match format {
        Format::Json => output::json(ctx.out, &report)?,
        Format::Csv => output::estimate::items_grid(&report).write(ctx.out, format, ctx.look)?,
        Format::Markdown => ctx.out.write_all(output::estimate::markdown(&report, &snapshot).as_bytes())?,
        Format::Table => output::estimate::table(ctx.out, &report, ctx.look)?,
    }
    for v in &report.violations {
        ctx.warn(format_args!("{} ({})", v.message, v.kind));
    }
    Ok(gate::exit(&report.violations))
}

/// Prices one item; an unknown or unpriced model is reported with the item
/// (the gate decides whether that fails the run).
fn price(store: &Store, item: &Item, file: &str) -> anyhow::Result<ItemCost> {
    let w = &item.workload;
    let mut cost =
        ItemCost { name: item.name.clone(), model: item.model.clone(), priced: Priced::unpriced(w), problem: None };
    let Some(found) = store.find(&item.model)? else {
        let err = unknown(store, &item.model, true)?;
        let hint = err.hint().map(|h| format!("; {h}")).unwrap_or_default();
        let message = format!("item {:?}: {err}{hint}", item.name);
        cost.problem = Some(Problem { kind: "unknown_model", message });
        return Ok(cost);
    };
    cost.model = found.model.id.clone();
    match found.model.cost(w, Basis::Effective) {
        Ok(c) => cost.priced = Priced::at(w, c),
        Err(e) if e.is_unpriced() => {
            cost.problem = Some(Problem { kind: "unpriced_model", message: format!("item {:?}: {e}", item.name) });
        }
        Err(CostError::NeedsSeconds { model }) => {
            let message = format!(
                "{file}:{}: item {:?}: {model} is priced per second: add `seconds = ...`",
                item.line, item.name
            );
            return Err(UserError::new(message).into());
        }
        Err(e) => return Err(UserError::new(format!("item {:?}: {e}", item.name)).into()),
    }
    Ok(cost)
}

fn read_baseline(path: &Path) -> anyhow::Result<Earlier> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the baseline {}", path.display()))?;
    Ok(Earlier::parse(&path.display().to_string(), &text)?)
}
