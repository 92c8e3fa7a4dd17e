//! `cometcat estimate WORKLOAD.toml`: the CI cost gate, as glue. Prices every
//! item of a workload file on the current snapshot, builds the report
//! ([`crate::estimate`]), asks the gate ([`crate::gate`]) what fails, and
//! prints the report whatever the outcome, so CI can post it.

use std::path::Path;

use jiff::Timestamp;

use super::ctx::{Ctx, baseline, catalog_for_gate, read_input};
use super::lookup::unknown;
use crate::catalog::CatalogRef;
use crate::cli::EstimateArgs;
use crate::error::{Diagnostic, Exit, UserError};
use crate::estimate::{self, Budget, EstimateReport, ItemCost, ItemProblem};
use crate::gate::baseline::Baseline;
use crate::gate::{self, Facts, Limits, Shape};
use crate::output::{self, Format};
use crate::pricing::Priced;
use crate::pricing::{Basis, CostError};
use crate::store::{Snapshot, Store};
use crate::workload::{self, Item};

pub fn run(ctx: &mut Ctx<'_>, args: &EstimateArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let shown = if args.file == Path::new("-") { "stdin".to_owned() } else { args.file.display().to_string() };
    let made = read_input(&args.file, &format!("the workload {shown}"))
        .and_then(|text| report(&ctx.settings.db, &shown, &text, args));
    let (report, snapshot, notes) = match made {
        Ok(made) => made,
        // A pull request's comment still says what went wrong.
        Err(e) if format == Format::Markdown => {
            let hint = super::diagnostics::diagnose(&e).hint;
            let body = super::diagnostics::render_body(&e, hint.as_deref());
            ctx.out.write_all(output::estimate::markdown_error(&body).as_bytes())?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    for note in notes {
        ctx.warn(note);
    }
    match format {
        Format::Json => output::json(ctx.out, &report)?,
        Format::Csv => output::estimate::items_grid(&report).write(ctx.out, format, ctx.settings.look)?,
        Format::Markdown => ctx.out.write_all(output::estimate::markdown(&report, &snapshot).as_bytes())?,
        Format::Table => output::estimate::table(ctx.out, &report, ctx.settings.look)?,
    }
    // Each violation is a line on stderr too, whatever -q says: they are why
    // the run fails, and the CI log shows them with stdout in a file (a
    // table on a terminal shows them already).
    if !(format == Format::Table && ctx.settings.stdout_terminal) {
        for v in &report.violations {
            eprintln!("violation: {}", output::visible(&format!("{} ({})", v.message, v.kind)));
        }
    }
    Ok(gate::exit(&report.violations))
}

/// The report on a workload file's `text` (`shown` names it in messages):
/// every item priced on the current snapshot of the catalog at `db`,
/// compared with the baseline, and judged by the gate. The snapshot is
/// returned with it, and the notes to say (what an item gives that its model
/// does not price, an upcoming model).
pub fn report(
    db: &Path,
    shown: &str,
    text: &str,
    args: &EstimateArgs,
) -> anyhow::Result<(EstimateReport, Snapshot, Vec<String>)> {
    let items = workload::parse(text).map_err(|e| UserError::new(format!("{shown}:{}: {}", e.line, e.message)))?;
    let shape = Shape::Estimate { version: estimate::VERSION };
    let (earlier, no_baseline) = baseline(&args.gate, shape)?;
    let store = catalog_for_gate(db, "estimate")?;
    let limits = Limits {
        budget: args.gate.budget,
        max_increase: args.gate.max_increase,
        max_catalog_age: args.max_catalog_age,
        allow_unpriced: args.gate.allow_unpriced,
        skip_unreadable: false,
        max_overcharge: None,
    };
    let place = |item: &Item| format!("{shown}:{}", item.line);
    let (mut report, snapshot, notes) = report_items(&store, &items, &place, earlier, &limits)?;
    report.no_baseline = no_baseline;
    Ok((report, snapshot, notes))
}

/// The report on a workload's `items`, as [`report`] makes it from a file,
/// on the current snapshot of `store`; `place` says where an item was given
/// (`ai/workload.toml:4`), for errors.
pub fn report_items(
    store: &Store,
    items: &[Item],
    place: &dyn Fn(&Item) -> String,
    earlier: Option<Baseline>,
    limits: &Limits,
) -> anyhow::Result<(EstimateReport, Snapshot, Vec<String>)> {
    let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");

    let mut priced = Vec::with_capacity(items.len());
    let mut notes = Vec::new();
    for item in items {
        let (cost, item_notes) = price(store, item, place)?;
        notes.extend(item_notes);
        priced.push(cost);
    }
    let (total, list_total) =
        estimate::totals(&priced).map_err(|_| UserError::new("the total is too large to compute exactly"))?;
    let baseline = earlier.map(|old| estimate::compare(&old, &priced, total)).transpose()?;
    let facts = Facts {
        total,
        baseline: baseline.as_ref().map(|b| (b.growth.total, b.growth.change_pct)),
        unpriced: priced.iter().filter_map(|i| i.problem.as_ref()).map(|p| (p.kind, p.message.as_str())).collect(),
        fetched_at: &snapshot.fetched_at,
        unreadable: gate::Unread::default(),
        charges: None,
        charges_stated: 0,
        records: None,
    };
    let violations = gate::evaluate(&facts, limits, Timestamp::now());
    let report = EstimateReport {
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
        budget: limits.budget.map(|limit| Budget::new(limit, total)),
        no_baseline: None,
        violations,
    };
    Ok((report, snapshot, notes))
}

/// Prices one item; an unknown or unpriced model is reported with the item
/// (the gate decides whether that fails the run). The notes say what the item
/// gives that its model does not price, and whether the model is upcoming.
fn price(store: &Store, item: &Item, place: &dyn Fn(&Item) -> String) -> anyhow::Result<(ItemCost, Vec<String>)> {
    let w = &item.workload;
    let mut cost =
        ItemCost { name: item.name.clone(), model: item.model.clone(), priced: Priced::unpriced(w), problem: None };
    let Some(found) = store.find(&item.model)? else {
        let err = unknown(store, &item.model, true)?;
        let hint = err.hint().map(|h| format!("; {h}")).unwrap_or_default();
        let message = format!("item {:?}: {err}{hint}", item.name);
        cost.problem = Some(ItemProblem { kind: "unknown_model", message });
        return Ok((cost, Vec::new()));
    };
    cost.model = found.model.id.clone();
    let notes = notes(item, &found.model);
    match found.model.cost(w, Basis::Effective) {
        Ok(c) => cost.priced = Priced::at(w, c, found.model.upcoming),
        Err(e) if e.is_unpriced() => {
            cost.problem = Some(ItemProblem { kind: "unpriced_model", message: format!("item {:?}: {e}", item.name) });
        }
        Err(CostError::NeedsSeconds { model }) => {
            let message =
                format!("{}: item {:?}: {model} is priced per second: add `seconds = ...`", place(item), item.name);
            return Err(UserError::new(message).into());
        }
        Err(e) => return Err(UserError::new(format!("item {:?}: {e}", item.name)).into()),
    }
    cost.priced.upcoming = found.model.upcoming;
    Ok((cost, notes))
}

/// What an item says that its model cannot use, and an upcoming model.
fn notes(item: &Item, model: &crate::catalog::Model) -> Vec<String> {
    let listed = &model.pricing.listed;
    let mut notes = Vec::new();
    let unused =
        |field: &str, how: &str| format!("item {:?}: {} is not priced {how}; {field} is not used", item.name, model.id);
    if item.given.seconds && listed.per_second.is_none() && !listed.is_empty() {
        notes.push(unused("seconds", "per second"));
    }
    let tokens = (item.given.input_tokens && item.workload.input_tokens > 0)
        || (item.given.output_tokens && item.workload.output_tokens > 0);
    if tokens && listed.input.is_none() && listed.output.is_none() && !listed.is_empty() {
        notes.push(unused("input_tokens/output_tokens", "per token"));
    }
    if model.upcoming {
        notes.push(format!("item {:?}: {} is upcoming: listed, not yet callable", item.name, model.id));
    }
    notes
}
