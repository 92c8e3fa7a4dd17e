//! The report of `estimate` as a table, CSV (one row per item) and a
//! Markdown comment for a pull request (kept under GitHub's size limit). The
//! JSON is the report itself.

use std::io::{self, Write};

use super::format::{Format, Look};
use super::grid::{Grid, cell};
use super::markdown::{code, code_in_line, escape as esc};
use crate::estimate::{EstimateReport, ItemChange};
use crate::money::Money;
use crate::numbers::grouped;
use crate::pricing::Priced;
use crate::store::Snapshot;

/// GitHub rejects comments longer than 65,536 characters.
const MARKDOWN_LIMIT: usize = 65_000;

/// One row per item: the JSON item fields, then the baseline columns.
pub fn items_grid(r: &EstimateReport) -> Grid {
    let headers: Vec<&str> = ["name", "model"]
        .into_iter()
        .chain(Priced::COLUMNS)
        .chain(["baseline_cost", "difference", "change_pct"])
        .collect();
    let mut grid = Grid::new(&headers);
    for (n, i) in r.items.iter().enumerate() {
        let change = r.change(n);
        let mut row = vec![i.name.clone(), i.model.clone()];
        row.extend(i.priced.csv());
        row.extend([
            cell(change.and_then(|c| c.cost)),
            cell(change.and_then(|c| c.difference)),
            cell(change.and_then(|c| c.change_pct)),
        ]);
        grid.push(row);
    }
    grid
}

/// The human table: one row per item (and per item removed since the
/// baseline), the total, then the budget, the baseline and every violation in
/// words. The seconds column is there when an item has seconds.
pub fn table(out: &mut dyn Write, r: &EstimateReport, look: Look) -> io::Result<()> {
    let seconds = has_seconds(r);
    let mut headers = vec!["ITEM", "MODEL", "REQUESTS", "IN", "OUT"];
    if seconds {
        headers.push("SECONDS");
    }
    headers.extend(["COST $", "LIST COST $"]);
    if r.baseline.is_some() {
        headers.push("VS BASELINE $");
    }
    let mut grid = Grid::new(&headers)
        .numeric(&(2..headers.len()).collect::<Vec<_>>())
        .droppable(&["LIST COST $", "SECONDS", "REQUESTS"])
        .droppable_together(&["IN", "OUT"]);
    let money = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| m.amount());
    for (n, i) in r.items.iter().enumerate() {
        let p = &i.priced;
        let model = match r.change(n).and_then(|c| c.model_before.as_deref()) {
            Some(before) => format!("{before} → {}", i.model),
            None => i.model.clone(),
        };
        let mut row = vec![model_name(&i.name, p.upcoming), model];
        row.extend([grouped(p.requests), grouped(p.input_tokens), grouped(p.output_tokens)]);
        if seconds {
            row.push(cell(p.seconds));
        }
        row.extend([money(p.cost), money(p.list_cost)]);
        if r.baseline.is_some() {
            row.push(r.change(n).map_or(String::new(), |c| change_text(c, p.cost)));
        }
        grid.push(row);
    }
    let blanks = headers.len() - 3;
    for gone in r.removed() {
        let mut row = vec![gone.name.clone()];
        row.extend(std::iter::repeat_n(String::new(), blanks + 1));
        row.push(change_text(gone, None));
        grid.push(row);
    }
    let mut total = vec!["total".to_owned()];
    total.extend(std::iter::repeat_n(String::new(), if seconds { 5 } else { 4 }));
    total.extend([r.total.amount(), r.list_total.amount()]);
    if let Some(b) = &r.baseline {
        total.push(signed(b.growth.difference));
    }
    grid.push(total);
    grid.write(out, Format::Table, look)?;
    for (line, good) in summary(r) {
        writeln!(out, "{}", paint(&line, Some(good), look))?;
    }
    for v in &r.violations {
        writeln!(out, "{}", paint(&format!("violation: {} ({})", v.message, v.kind), Some(false), look))?;
    }
    Ok(())
}

/// Whether any item has a number of seconds (a per-second model).
fn has_seconds(r: &EstimateReport) -> bool {
    r.items.iter().any(|i| i.priced.seconds.is_some())
}

/// An item's name, marked when its model is upcoming (listed, not yet callable).
fn model_name(name: &str, upcoming: bool) -> String {
    if upcoming { format!("{name} (upcoming model)") } else { name.to_owned() }
}

/// A verdict in green (good) or red (bad) on a colour terminal; the words say
/// it either way.
pub(super) fn paint(text: &str, good: Option<bool>, look: Look) -> String {
    let style = match good {
        Some(true) if look.color => anstyle::AnsiColor::Green.on_default(),
        Some(false) if look.color => anstyle::AnsiColor::Red.on_default(),
        _ => return text.to_owned(),
    };
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// The totals in words: budget and baseline status, each with whether it is good news.
fn summary(r: &EstimateReport) -> Vec<(String, bool)> {
    let mut lines = Vec::new();
    if let Some(b) = &r.budget {
        lines.push(if b.exceeded {
            (format!("budget: over — ${} total against ${}", r.total.amount(), b.limit.amount()), false)
        } else {
            let left = b.remaining.amount();
            (format!("budget: within — ${} total against ${} (${left} left)", r.total.amount(), b.limit.amount()), true)
        });
    }
    if let Some(b) = &r.baseline {
        let line = format!(
            "baseline: ${} → ${}, {}{}",
            b.growth.total.amount(),
            r.total.amount(),
            signed(b.growth.difference),
            percent(b.growth.change_pct)
        );
        lines.push((line, !b.growth.difference.is_negative() || b.growth.difference.is_zero()));
    }
    lines
}

/// A PR comment: a summary line, a per-item table, violations, and the catalog's date.
pub fn markdown(r: &EstimateReport, snapshot: &Snapshot) -> String {
    let mut out = format!("{}\n\n", markdown_headline(r));
    let seconds = has_seconds(r);
    let mut headers = vec!["item", "model", "requests", "tokens in / out"];
    if seconds {
        headers.push("seconds");
    }
    headers.extend(["cost", "list cost"]);
    if r.baseline.is_some() {
        headers.push("vs baseline");
    }
    let rule: Vec<&str> = (0..headers.len()).map(|i| if i < 2 { "---" } else { "---:" }).collect();
    out.push_str(&format!("| {} |\n| {} |\n", headers.join(" | "), rule.join(" | ")));
    let skip = if seconds { "| | | | |" } else { "| | | |" };
    let mut tail = format!("| **total** {skip} **${}** | ${} |", r.total.amount(), r.list_total.amount());
    if let Some(b) = &r.baseline {
        tail.push_str(&format!(
            " {} {}{} |",
            arrow(b.growth.difference),
            signed(b.growth.difference),
            percent(b.growth.change_pct)
        ));
    }
    tail.push('\n');
    let mut rest = String::new();
    if !r.violations.is_empty() {
        rest.push_str("\n**Violations**\n\n");
        for v in &r.violations {
            rest.push_str(&format!("- ❌ {} ({})\n", esc(&v.message), code_in_line(v.kind)));
        }
    }
    rest.push_str(&format!(
        "\n<sub>Effective prices (listed × ratio) from the cometcat catalog snapshot {}, fetched {} from {}.</sub>\n",
        snapshot.id,
        snapshot.fetched_at,
        esc(&source_name(snapshot))
    ));
    let rows = fit(markdown_rows(r), MARKDOWN_LIMIT.saturating_sub(out.len() + tail.len() + rest.len() + 120), "items");
    out.extend(rows);
    out.push_str(&tail);
    out.push_str(&rest);
    out
}

/// A PR comment for a run that could not make a report (a malformed workload,
/// no catalog): the error as the terminal shows it (what went wrong, where,
/// and what to do), in a code block.
pub fn markdown_error(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("### ❌ cometcat estimate: no estimate\n\n{fence}\n{}\n{fence}\n", crate::output::visible(body))
}

/// Where the snapshot came from, for a comment others read: a URL, `stdin`,
/// or a file by its name alone (never the runner's folders).
fn source_name(snapshot: &Snapshot) -> String {
    match snapshot.source_kind.as_str() {
        "file" => std::path::Path::new(&snapshot.source)
            .file_name()
            .map_or_else(|| snapshot.source.clone(), |name| name.to_string_lossy().into_owned()),
        _ => snapshot.source.clone(),
    }
}

/// `### cometcat estimate: $X ▲ +$Y (+Z%) vs baseline · ✅ within budget ($B)`;
/// when the run fails, `### ❌ cometcat estimate: <why> · $X ...`: a comment
/// never says "within budget" first while something fails the build.
fn markdown_headline(r: &EstimateReport) -> String {
    let mut head = match r.violations.first() {
        Some(v) => {
            let more = r.violations.len() - 1;
            let more = if more > 0 { format!(" (and {more} more)") } else { String::new() };
            format!("### ❌ cometcat estimate: {}{more} · ${}", esc(&v.message), r.total.amount())
        }
        None => format!("### cometcat estimate: ${}", r.total.amount()),
    };
    if let Some(b) = &r.baseline {
        head.push_str(&format!(
            " {} {}{} vs baseline",
            arrow(b.growth.difference),
            signed(b.growth.difference),
            percent(b.growth.change_pct)
        ));
    }
    if let Some(file) = &r.no_baseline {
        head.push_str(&format!(" · no baseline ({} does not exist)", code_in_line(file)));
    }
    // Over budget is a violation: it leads already.
    match &r.budget {
        Some(b) if !b.exceeded && r.violations.is_empty() => {
            head.push_str(&format!(" · ✅ within budget (${})", b.limit.amount()))
        }
        Some(b) if !b.exceeded => head.push_str(&format!(" · within budget (${})", b.limit.amount())),
        _ => {}
    }
    head
}

/// One table row per item, then one per item removed since the baseline.
fn markdown_rows(r: &EstimateReport) -> Vec<String> {
    let dollars = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| format!("${}", m.amount()));
    let seconds = has_seconds(r);
    let items = r.items.iter().enumerate().map(|(n, i)| {
        let p = &i.priced;
        let seconds = if seconds { format!(" {} |", cell(p.seconds)) } else { String::new() };
        let mut row = format!(
            "| {} | {} | {} | {} / {} |{seconds} {} | {} |",
            esc(&model_name(&i.name, p.upcoming)),
            match r.change(n).and_then(|c| c.model_before.as_deref()) {
                Some(before) => format!("{} → {}", code(before), code(&i.model)),
                None => code(&i.model),
            },
            grouped(p.requests),
            grouped(p.input_tokens),
            grouped(p.output_tokens),
            dollars(p.cost),
            dollars(p.list_cost)
        );
        if r.baseline.is_some() {
            row.push_str(&format!(" {} |", r.change(n).map_or(String::new(), |c| change_text(c, i.priced.cost))));
        }
        row.push('\n');
        row
    });
    let blank = if seconds { "| | | | | | |" } else { "| | | | | |" };
    let removed = r.removed().map(|c| format!("| ~~{}~~ {blank} {} |\n", esc(&c.name), change_text(c, None)));
    items.chain(removed).collect()
}

/// The rows that fit in `room` bytes; when some do not, the last row says how
/// many were left out.
pub(super) fn fit(mut rows: Vec<String>, room: usize, what: &str) -> Vec<String> {
    let mut used = 0;
    let kept = rows.iter().take_while(|row| {
        used += row.len();
        used <= room
    });
    let kept = kept.count();
    if kept < rows.len() {
        let hidden = rows.len() - kept;
        rows.truncate(kept);
        rows.push(format!("| … {hidden} more {what} (see `--format json`) | | | | | |\n"));
    }
    rows
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

pub(super) fn arrow(d: Money) -> &'static str {
    if d.is_zero() {
        "="
    } else if d.is_negative() {
        "▼"
    } else {
        "▲"
    }
}

/// `+$1.5`, `-$0.25`, `$0`.
pub(super) fn signed(d: Money) -> String {
    let text = d.amount();
    match text.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None if d.is_zero() => "$0".to_owned(),
        None => format!("+${text}"),
    }
}

pub(super) fn percent(p: Option<Money>) -> String {
    match p {
        Some(p) if p.is_negative() => format!(" ({p}%)"),
        Some(p) => format!(" (+{p}%)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_read_naturally() {
        let m = |s: &str| Money::parse(s).unwrap();
        assert_eq!(signed(m("1.5")), "+$1.50");
        assert_eq!(signed(m("-1234.5")), "-$1,234.50");
        assert_eq!(signed(m("-0.25")), "-$0.25");
        assert_eq!(signed(Money::ZERO), "$0");
        assert_eq!((arrow(m("1")), arrow(m("-1")), arrow(Money::ZERO)), ("▲", "▼", "="));
        assert_eq!(percent(Some(m("12.5"))), " (+12.5%)");
        assert_eq!(percent(Some(m("-3"))), " (-3%)");
        let change = |old: Option<&str>, diff: &str| ItemChange {
            name: "x".into(),
            cost: old.map(m),
            difference: Some(m(diff)),
            change_pct: old.and_then(|o| m(diff).percent_of(m(o))),
            model_before: None,
        };
        assert_eq!(change_text(&change(Some("120"), "150"), Some(m("270"))), "▲ +$150.00 (+125%)");
        assert_eq!(change_text(&change(Some("24"), "0"), Some(m("24"))), "=");
        assert_eq!(change_text(&change(None, "97.92"), Some(m("97.92"))), "▲ +$97.92 new");
        assert_eq!(change_text(&change(Some("100"), "-100"), None), "▼ -$100.00 removed");
    }
}
