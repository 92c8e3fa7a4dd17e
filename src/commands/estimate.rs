//! `cometcat estimate WORKLOAD.toml`: the CI cost gate. Prices every item of a
//! workload file, totals them (effective and list), and compares the total
//! with `--budget` and, through `--baseline`, with an earlier estimate. Every
//! violation is in `violations[]` and on stderr; the exit code says the worst
//! (policy 4 over threshold 3). The report is printed whatever the outcome,
//! so CI can post it.

use std::path::Path;

use anyhow::Context as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::catalog::unknown;
use crate::cli::EstimateArgs;
use crate::error::{Exit, UserError};
use crate::output::{self, Format, Grid, cell};
use crate::pricing::{Basis, CostError, Money};
use crate::store::{Snapshot, Store};
use crate::workload::{self, Item};

/// The `version` of the JSON report; bumped if its shape ever changes.
const VERSION: u32 = 1;
/// GitHub rejects comments longer than 65,536 characters.
const MARKDOWN_LIMIT: usize = 65_000;

#[derive(Debug, Serialize)]
struct Report {
    version: u32,
    catalog: CatalogRef,
    currency: &'static str,
    items: Vec<ItemCost>,
    total: Money,
    list_total: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Baseline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<Budget>,
    violations: Vec<Violation>,
}

#[derive(Debug, Serialize)]
struct CatalogRef {
    sync_id: i64,
    /// When the catalog's data left the API (what `--max-catalog-age` measures).
    synced_at: String,
    source: String,
}

#[derive(Debug, Serialize)]
struct ItemCost {
    name: String,
    /// The model's id (the file may name it by code).
    model: String,
    requests: u64,
    input_tokens: u64,
    output_tokens: u64,
    #[serde(serialize_with = "super::views::number")]
    seconds: Option<Money>,
    cost: Option<Money>,
    list_cost: Option<Money>,
    unpriced: bool,
}

#[derive(Debug, Serialize)]
struct Baseline {
    total: Money,
    difference: Money,
    change_pct: Option<Money>,
    items: Vec<ItemChange>,
}

/// One item against the baseline, matched by name; `cost` is the old cost.
#[derive(Debug, Serialize)]
struct ItemChange {
    name: String,
    cost: Option<Money>,
    difference: Option<Money>,
    change_pct: Option<Money>,
}

#[derive(Debug, Serialize)]
struct Budget {
    limit: Money,
    remaining: Money,
    exceeded: bool,
}

#[derive(Debug, Serialize)]
struct Violation {
    kind: &'static str,
    message: String,
    #[serde(skip)]
    exit: Exit,
}

/// What an earlier `estimate --format json` is read for. Amounts may be
/// decimal strings (as cometcat writes them) or JSON numbers (hand-written).
#[derive(Deserialize)]
struct EarlierReport {
    total: serde_json::Value,
    #[serde(default)]
    items: Vec<EarlierItem>,
}

#[derive(Deserialize)]
struct EarlierItem {
    name: String,
    #[serde(default)]
    cost: serde_json::Value,
}

pub fn run(ctx: &mut Ctx<'_>, args: &EstimateArgs) -> anyhow::Result<Exit> {
    let format = ctx.settings.format(
        "estimate",
        Format::Table,
        &[Format::Table, Format::Json, Format::Csv, Format::Markdown],
    )?;
    let shown = args.file.display();
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {shown}"))?;
    let items = workload::parse(&text).map_err(|e| UserError::new(format!("{shown}:{}: {}", e.line, e.message)))?;
    let baseline = args.baseline.as_deref().map(read_baseline).transpose()?;
    let store = Store::open(&ctx.settings.db)?;
    let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");

    let mut violations = Vec::new();
    let mut priced = Vec::with_capacity(items.len());
    for item in &items {
        priced.push(price(&store, item, args, &shown.to_string(), &mut violations)?);
    }
    let sum = |f: fn(&ItemCost) -> Option<Money>| -> anyhow::Result<Money> {
        priced
            .iter()
            .filter_map(f)
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
            .map_err(|_| UserError::new("the total is too large to compute exactly").into())
    };
    let (total, list_total) = (sum(|i| i.cost)?, sum(|i| i.list_cost)?);

    let budget = args.budget.map(|limit| Budget {
        limit,
        remaining: limit.checked_sub(total).unwrap_or(Money::ZERO),
        exceeded: total > limit,
    });
    if let Some(b) = budget.as_ref().filter(|b| b.exceeded) {
        violations.push(Violation {
            kind: "budget",
            message: format!("the total, ${total}, exceeds the budget of ${}", b.limit),
            exit: Exit::Threshold,
        });
    }
    let baseline = baseline.map(|old| compare(&old, &priced, total)).transpose()?;
    if let (Some(limit), Some(b)) = (args.max_increase, &baseline)
        && limit.exceeded(b.total, total).unwrap_or(true)
    {
        violations.push(Violation {
            kind: "max_increase",
            message: format!(
                "the total grew from ${} to ${total}{}, more than {limit} allows",
                b.total,
                percent(b.change_pct)
            ),
            exit: Exit::Threshold,
        });
    }
    if let Some(max) = args.max_catalog_age {
        let fetched: Timestamp = snapshot.fetched_at.parse().context("the snapshot's time is unreadable")?;
        let age = Timestamp::now().duration_since(fetched);
        if age.as_secs() > max.as_secs() as i64 {
            violations.push(Violation {
                kind: "catalog_age",
                message: format!(
                    "the catalog was fetched at {} ({} ago), longer ago than --max-catalog-age allows",
                    snapshot.fetched_at,
                    human_age(age.as_secs())
                ),
                exit: Exit::Policy,
            });
        }
    }

    let report = Report {
        version: VERSION,
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
        budget,
        violations,
    };
    match format {
        Format::Json => output::json(ctx.out, &report)?,
        Format::Csv => items_grid(&report).write(ctx.out, format, ctx.terminal)?,
        Format::Markdown => ctx.out.write_all(markdown(&report, &snapshot).as_bytes())?,
        Format::Table => table(ctx, &report)?,
    }
    for v in &report.violations {
        ctx.warn(format_args!("{} ({})", v.message, v.kind));
    }
    Ok(report.violations.iter().fold(Exit::Ok, |exit, v| exit.worst(v.exit)))
}

/// Prices one item; an unknown or unpriced model is a violation (or, with
/// `--allow-unpriced`, reported as unpriced).
fn price(
    store: &Store,
    item: &Item,
    args: &EstimateArgs,
    file: &str,
    violations: &mut Vec<Violation>,
) -> anyhow::Result<ItemCost> {
    let w = &item.workload;
    let mut cost = ItemCost {
        name: item.name.clone(),
        model: item.model.clone(),
        requests: w.requests,
        input_tokens: w.input_tokens,
        output_tokens: w.output_tokens,
        seconds: w.seconds,
        cost: None,
        list_cost: None,
        unpriced: true,
    };
    let mut unpriced = |kind, message: String| {
        if !args.allow_unpriced {
            violations.push(Violation { kind, message, exit: Exit::Policy });
        }
    };
    let Some(found) = store.find(&item.model)? else {
        let err = unknown(&item.model, store.suggestions(&item.model, true)?);
        let hint = err.hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default();
        unpriced("unknown_model", format!("item {:?}: {err}{hint}", item.name));
        return Ok(cost);
    };
    cost.model = found.model.id.clone();
    match found.model.cost(w, Basis::Effective) {
        Ok(c) => {
            cost.cost = Some(c.cost);
            cost.list_cost = Some(c.list_cost);
            cost.unpriced = false;
        }
        Err(e @ (CostError::Unpriced { .. } | CostError::UnsupportedCurrency { .. })) => {
            unpriced("unpriced_model", format!("item {:?}: {e}", item.name));
        }
        Err(CostError::NeedsSeconds { model }) => {
            let message = format!(
                "{file}:{}: item {:?}: {model} is priced per second: add `seconds = ...`",
                item.line, item.name
            );
            return Err(UserError::new(message).into());
        }
        Err(e @ CostError::Overflow { .. }) => return Err(UserError::new(format!("item {:?}: {e}", item.name)).into()),
    }
    Ok(cost)
}

fn read_baseline(path: &Path) -> anyhow::Result<EarlierReport> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the baseline {}", path.display()))?;
    let report: EarlierReport = serde_json::from_str(&text).map_err(|e| {
        UserError::new(format!("the baseline {} is not an `estimate --format json` report: {e}", path.display()))
    })?;
    Ok(report)
}

/// The report's totals and items against an earlier report.
fn compare(old: &EarlierReport, items: &[ItemCost], total: Money) -> anyhow::Result<Baseline> {
    let money = |value: &serde_json::Value| -> anyhow::Result<Option<Money>> {
        let text = match value {
            serde_json::Value::Null => return Ok(None),
            serde_json::Value::String(s) => s.as_str(),
            serde_json::Value::Number(n) => n.as_str(),
            other => return Err(UserError::new(format!("the baseline holds {other}, which is not an amount")).into()),
        };
        text.parse()
            .map(Some)
            .map_err(|e| UserError::new(format!("the baseline holds {text:?}, which is not an amount: {e}")).into())
    };
    let old_total = money(&old.total)?.ok_or_else(|| UserError::new("the baseline has no total"))?;
    let diff = |new: Option<Money>, old: Option<Money>| -> Option<Money> {
        match (new, old) {
            (None, None) => None,
            (n, o) => n.unwrap_or(Money::ZERO).checked_sub(o.unwrap_or(Money::ZERO)).ok(),
        }
    };
    let mut changes = Vec::new();
    for item in items {
        let before = old.items.iter().find(|o| o.name == item.name);
        let old_cost = before.map(|o| money(&o.cost)).transpose()?.flatten();
        let difference = diff(item.cost, old_cost);
        let change_pct = difference.zip(old_cost).and_then(|(d, o)| d.percent_of(o));
        changes.push(ItemChange { name: item.name.clone(), cost: old_cost, difference, change_pct });
    }
    for gone in old.items.iter().filter(|o| !items.iter().any(|i| i.name == o.name)) {
        let old_cost = money(&gone.cost)?;
        let difference = diff(None, old_cost);
        let change_pct = difference.zip(old_cost).and_then(|(d, o)| d.percent_of(o));
        changes.push(ItemChange { name: gone.name.clone(), cost: old_cost, difference, change_pct });
    }
    let difference = total.checked_sub(old_total).map_err(|_| UserError::new("the difference is too large"))?;
    Ok(Baseline { total: old_total, difference, change_pct: difference.percent_of(old_total), items: changes })
}

/// One row per item: the JSON item fields, then the baseline columns.
fn items_grid(r: &Report) -> Grid {
    let mut grid = Grid::new(&[
        "name",
        "model",
        "requests",
        "input_tokens",
        "output_tokens",
        "seconds",
        "cost",
        "list_cost",
        "unpriced",
        "baseline_cost",
        "difference",
        "change_pct",
    ]);
    for i in &r.items {
        let change = change_of(r, &i.name);
        grid.push(vec![
            i.name.clone(),
            i.model.clone(),
            i.requests.to_string(),
            i.input_tokens.to_string(),
            i.output_tokens.to_string(),
            cell(i.seconds),
            cell(i.cost),
            cell(i.list_cost),
            i.unpriced.to_string(),
            cell(change.and_then(|c| c.cost)),
            cell(change.and_then(|c| c.difference)),
            cell(change.and_then(|c| c.change_pct)),
        ]);
    }
    grid
}

fn table(ctx: &mut Ctx<'_>, r: &Report) -> anyhow::Result<()> {
    let with_baseline = r.baseline.is_some();
    let mut headers = vec!["ITEM", "MODEL", "REQUESTS", "IN", "OUT", "COST $", "LIST COST $"];
    if with_baseline {
        headers.push("VS BASELINE $");
    }
    let mut grid = Grid::new(&headers).numeric(&[2, 3, 4, 5, 6, 7]);
    let money = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| m.rounded());
    for i in &r.items {
        let mut row = vec![
            i.name.clone(),
            i.model.clone(),
            i.requests.to_string(),
            i.input_tokens.to_string(),
            i.output_tokens.to_string(),
            money(i.cost),
            money(i.list_cost),
        ];
        if r.baseline.is_some() {
            row.push(change_of(r, &i.name).map_or(String::new(), |c| change_text(c, i.cost)));
        }
        grid.push(row);
    }
    for gone in removed(r) {
        let blank = String::new;
        grid.push(vec![
            gone.name.clone(),
            blank(),
            blank(),
            blank(),
            blank(),
            blank(),
            blank(),
            change_text(gone, None),
        ]);
    }
    let mut total = vec![
        "total".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        r.total.rounded(),
        r.list_total.rounded(),
    ];
    if let Some(b) = &r.baseline {
        total.push(signed(b.difference));
    }
    grid.push(total);
    grid.write(ctx.out, Format::Table, ctx.terminal)?;
    for line in summary(r) {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(())
}

/// An item's comparison with the baseline, if there is one.
fn change_of<'r>(r: &'r Report, name: &str) -> Option<&'r ItemChange> {
    r.baseline.as_ref()?.items.iter().find(|c| c.name == name)
}

/// Baseline items no longer in the workload.
fn removed(r: &Report) -> impl Iterator<Item = &ItemChange> {
    r.baseline.iter().flat_map(|b| &b.items).filter(|c| !r.items.iter().any(|i| i.name == c.name))
}

/// The totals in words: budget and baseline status.
fn summary(r: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(b) = &r.budget {
        lines.push(if b.exceeded {
            format!("budget: over — ${} total against ${}", r.total.rounded(), b.limit)
        } else {
            format!(
                "budget: within — ${} total against ${} (${} left)",
                r.total.rounded(),
                b.limit,
                b.remaining.rounded()
            )
        });
    }
    if let Some(b) = &r.baseline {
        lines.push(format!(
            "baseline: ${} → ${}, {}{}",
            b.total.rounded(),
            r.total.rounded(),
            signed(b.difference),
            percent(b.change_pct)
        ));
    }
    lines
}

/// A PR comment: a summary line, a per-item table, violations, and the catalog's date.
fn markdown(r: &Report, snapshot: &Snapshot) -> String {
    use crate::output::markdown_escape as esc;
    let mut head = format!("### cometcat estimate: ${}", r.total.rounded());
    if let Some(b) = &r.baseline {
        head.push_str(&format!(
            " {} {}{} vs baseline",
            arrow(b.difference),
            signed(b.difference),
            percent(b.change_pct)
        ));
    }
    if let Some(b) = &r.budget {
        head.push_str(&if b.exceeded {
            format!(" · ❌ over budget (${})", b.limit)
        } else {
            format!(" · ✅ within budget (${})", b.limit)
        });
    }
    let mut out = format!("{head}\n\n");
    let with_baseline = r.baseline.is_some();
    out.push_str(if with_baseline {
        "| item | model | requests | tokens in / out | cost | list cost | vs baseline |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
    } else {
        "| item | model | requests | tokens in / out | cost | list cost |\n| --- | --- | ---: | ---: | ---: | ---: |\n"
    });
    let dollars = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| format!("${}", m.rounded()));
    let mut rows: Vec<String> = r
        .items
        .iter()
        .map(|i| {
            let mut row = format!(
                "| {} | `{}` | {} | {} / {} | {} | {} |",
                esc(&i.name),
                esc(&i.model),
                i.requests,
                i.input_tokens,
                i.output_tokens,
                dollars(i.cost),
                dollars(i.list_cost)
            );
            if r.baseline.is_some() {
                row.push_str(&format!(
                    " {} |",
                    change_of(r, &i.name).map_or(String::new(), |c| change_text(c, i.cost))
                ));
            }
            row.push('\n');
            row
        })
        .chain(removed(r).map(|c| format!("| ~~{}~~ | | | | | | {} |\n", esc(&c.name), change_text(c, None))))
        .collect();
    let mut tail = format!("| **total** | | | | **${}** | ${} |", r.total.rounded(), r.list_total.rounded());
    if let Some(b) = &r.baseline {
        tail.push_str(&format!(" {} {}{} |", arrow(b.difference), signed(b.difference), percent(b.change_pct)));
    }
    tail.push('\n');
    let mut rest = String::new();
    if !r.violations.is_empty() {
        rest.push_str("\n**Violations**\n\n");
        for v in &r.violations {
            rest.push_str(&format!("- ❌ {} (`{}`)\n", esc(&v.message), v.kind));
        }
    }
    rest.push_str(&format!(
        "\n<sub>Effective prices (listed × ratio) from the cometcat catalog snapshot {}, fetched {} from {}.</sub>\n",
        snapshot.id,
        snapshot.fetched_at,
        esc(&snapshot.source)
    ));
    // Keep the comment under the limit: drop item rows from the end, and say so.
    let fixed = out.len() + tail.len() + rest.len() + 120;
    let mut used = fixed;
    let mut kept = 0;
    for row in &rows {
        if used + row.len() > MARKDOWN_LIMIT {
            break;
        }
        used += row.len();
        kept += 1;
    }
    if kept < rows.len() {
        let hidden = rows.len() - kept;
        rows.truncate(kept);
        rows.push(format!("| … {hidden} more items (see `--format json`) | | | | | |\n"));
    }
    out.extend(rows);
    out.push_str(&tail);
    out.push_str(&rest);
    out
}

/// An item's change against the baseline, in words: `▲ +$150 (+125%)`, `=`,
/// `▲ +$97.92 new`, `▼ -$100 removed`.
fn change_text(c: &ItemChange, now: Option<Money>) -> String {
    let Some(d) = c.difference else { return String::new() };
    if d.is_zero() {
        return "=".to_owned();
    }
    let status = match (c.cost, now) {
        (None, Some(_)) => " new".to_owned(),
        (Some(_), None) => " removed".to_owned(),
        _ => percent(c.change_pct),
    };
    format!("{} {}{status}", arrow(d), signed(d))
}

fn arrow(d: Money) -> &'static str {
    if d.is_zero() {
        "="
    } else if d.is_negative() {
        "▼"
    } else {
        "▲"
    }
}

/// `+$1.5`, `-$0.25`, `$0`.
fn signed(d: Money) -> String {
    let text = d.rounded();
    match text.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None if d.is_zero() => "$0".to_owned(),
        None => format!("+${text}"),
    }
}

fn percent(p: Option<Money>) -> String {
    match p {
        Some(p) if p.is_negative() => format!(" ({p}%)"),
        Some(p) => format!(" (+{p}%)"),
        None => String::new(),
    }
}

fn human_age(secs: i64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3_600),
        s if s >= 3_600 => format!("{}h {}m", s / 3_600, s % 3_600 / 60),
        s => format!("{}m {}s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_read_naturally() {
        let m = |s: &str| Money::parse(s).unwrap();
        assert_eq!(signed(m("1.5")), "+$1.5");
        assert_eq!(signed(m("-0.25")), "-$0.25");
        assert_eq!(signed(Money::ZERO), "$0");
        assert_eq!((arrow(m("1")), arrow(m("-1")), arrow(Money::ZERO)), ("▲", "▼", "="));
        assert_eq!(percent(Some(m("12.5"))), " (+12.5%)");
        assert_eq!(percent(Some(m("-3"))), " (-3%)");
        assert_eq!(human_age(3 * 86_400 + 7_200), "3d 2h");
        let change = |old: Option<&str>, diff: &str| ItemChange {
            name: "x".into(),
            cost: old.map(m),
            difference: Some(m(diff)),
            change_pct: old.and_then(|o| m(diff).percent_of(m(o))),
        };
        assert_eq!(change_text(&change(Some("120"), "150"), Some(m("270"))), "▲ +$150 (+125%)");
        assert_eq!(change_text(&change(Some("24"), "0"), Some(m("24"))), "=");
        assert_eq!(change_text(&change(None, "97.92"), Some(m("97.92"))), "▲ +$97.92 new");
        assert_eq!(change_text(&change(Some("100"), "-100"), None), "▼ -$100 removed");
    }
}
