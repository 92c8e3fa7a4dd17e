//! The report of `usage` as a table, CSV (one row per group) and a Markdown
//! summary for a pull request or a monthly report. The JSON is the report itself.

use std::io::{self, Write};

use super::estimate::{arrow, fit, paint, percent, signed};
use super::format::{Format, Look};
use super::grid::{Grid, cell};
use super::markdown::{code_in_line, escape as esc};
use crate::money::Money;
use crate::numbers::{counted, grouped};
use crate::usage::GroupBy;
use crate::usage::report::{Charges, Group, UsageReport};

/// GitHub rejects comments longer than 65,536 characters.
const MARKDOWN_LIMIT: usize = 65_000;

/// The CSV columns after the group's, named as the JSON's group fields.
const COLUMNS: [&str; 8] =
    ["records", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "requests", "seconds", "cost"];

/// One row per group, in the report's order: the group's column is named
/// after `--by` (`model`, `provider`, `day`, or the tag's name), and when
/// some record states a charge, `charged` (all stated), `difference` (over
/// the compared records) and the compared records, charge and cost follow,
/// so that every difference can be checked from its row.
pub fn groups_grid(r: &UsageReport, by: &GroupBy) -> Grid {
    let charged = r.totals.charges.stated > 0;
    let first = match by {
        GroupBy::Model => "model",
        GroupBy::Provider => "provider",
        GroupBy::Day => "day",
        GroupBy::Tag(key) => key.as_str(),
    };
    let mut headers = vec![first];
    headers.extend(COLUMNS);
    if charged {
        headers.extend(["charged", "difference", "compared_records", "compared_charged", "compared_cost"]);
    }
    let mut grid = Grid::new(&headers);
    for g in &r.groups {
        let mut row = vec![g.key.clone()];
        row.extend(counts(g));
        row.push(cell(g.cost));
        if charged {
            let ch = &g.charges;
            let compared = ch.compared > 0;
            row.push(if ch.stated > 0 { ch.charged.to_string() } else { String::new() });
            row.push(cell(ch.difference()));
            row.push(ch.compared.to_string());
            row.push(cell(compared.then_some(ch.compared_charged)));
            row.push(cell(compared.then_some(ch.compared_cost)));
        }
        grid.push(row);
    }
    grid
}

/// records, in, out, cached, reasoning, requests, seconds.
fn counts(g: &Group) -> [String; 7] {
    let c = &g.counts;
    [
        g.records.to_string(),
        c.input_tokens.to_string(),
        c.output_tokens.to_string(),
        c.cached_tokens.to_string(),
        c.reasoning_tokens.to_string(),
        c.requests.to_string(),
        c.seconds.to_string(),
    ]
}

/// What the groups are, for a heading.
fn group_name(by: &GroupBy) -> String {
    match by {
        GroupBy::Model => "MODEL".into(),
        GroupBy::Provider => "PROVIDER".into(),
        GroupBy::Day => "DAY (UTC)".into(),
        GroupBy::Tag(key) => key.to_uppercase(),
    }
}

/// The human report: the groups and their total, then in words what was
/// priced and how, what could not be, the alternatives, and the violations.
pub fn table(out: &mut dyn Write, r: &UsageReport, by: &GroupBy, look: Look) -> io::Result<()> {
    groups_table(r, by).write(out, Format::Table, look)?;
    writeln!(out)?;
    for line in summary(r) {
        writeln!(out, "{line}")?;
    }
    if !r.what_if.is_empty() {
        writeln!(out)?;
        what_if_grid(r).write(out, Format::Table, look)?;
    }
    for v in &r.violations {
        writeln!(out, "{}", paint(&format!("violation: {} ({})", v.message, v.kind), Some(false), look))?;
    }
    Ok(())
}

/// The groups and their total. The seconds column is there when some record
/// has seconds; the charged and difference columns when some record states
/// a charge.
fn groups_table(r: &UsageReport, by: &GroupBy) -> Grid {
    let name = group_name(by);
    let t = &r.totals;
    let (seconds, charged) = (!t.counts.seconds.is_zero(), t.charges.stated > 0);
    let keep = |row: [String; 11]| -> Vec<String> {
        row.into_iter()
            .enumerate()
            .filter(|&(i, _)| (i != 7 || seconds) && (i < 9 || charged))
            .map(|(_, v)| v)
            .collect()
    };
    let headers = keep(
        [
            name.as_str(),
            "RECORDS",
            "REQUESTS",
            "IN",
            "OUT",
            "CACHED",
            "REASONING",
            "SECONDS",
            "COST $",
            "CHARGED $",
            "DIFF $",
        ]
        .map(str::to_owned),
    );
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut grid = Grid::new(&headers)
        .numeric(&(1..headers.len()).collect::<Vec<_>>())
        .droppable(&["REASONING", "CACHED", "SECONDS", "REQUESTS", "RECORDS"])
        .droppable_together(&["IN", "OUT"]);
    let row = |key: String, records: u64, c: &crate::usage::report::Counts, cost: String, ch: &Charges| {
        keep([
            key,
            grouped(records),
            grouped(c.requests),
            grouped(c.input_tokens),
            grouped(c.output_tokens),
            grouped(c.cached_tokens),
            grouped(c.reasoning_tokens),
            c.seconds.display(),
            cost,
            if ch.stated > 0 { ch.charged.amount() } else { String::new() },
            match ch.difference() {
                // `*`: over the records with both a charge and a catalog cost only.
                Some(d) if ch.not_compared > 0 => format!("{}*", plus(d, d.amount())),
                Some(d) => plus(d, d.amount()),
                None => String::new(),
            },
        ])
    };
    for g in &r.groups {
        grid.push(row(g.key.clone(), g.records, &g.counts, group_cost(g, ""), &g.charges));
    }
    let partial = if t.priced < t.records && t.priced > 0 { "*" } else { "" };
    grid.push(row("total".into(), t.records, &t.counts, format!("{}{partial}", t.cost.amount()), &t.charges));
    grid
}

/// A group's cost as tables show it: `*` when some of its records could
/// not be priced (the cost is of the others), "not priced" when none was.
fn group_cost(g: &Group, dollar: &str) -> String {
    match g.cost {
        None => "not priced".to_owned(),
        Some(cost) if g.priced < g.records => format!("{dollar}{}*", cost.amount()),
        Some(cost) => format!("{dollar}{}", cost.amount()),
    }
}

/// The line that says what `*` on a cost means, when some cost has one.
fn partial_line(r: &UsageReport) -> Option<String> {
    (r.totals.priced < r.totals.records && r.totals.priced > 0).then(|| {
        "a cost marked * is of the priced records only: the others (unknown or unpriced, below) have no cost".to_owned()
    })
}

/// The report in words, a line each: counts, list cost, catalog, matches,
/// what could not be priced, timing and notes.
fn summary(r: &UsageReport) -> Vec<String> {
    let t = &r.totals;
    let mut lines = vec![format!(
        "records: {} priced, {} unknown, {} unpriced; {} unreadable",
        t.priced,
        t.unknown,
        t.unpriced,
        counted(t.unreadable, "line")
    )];
    let i = &r.input;
    let skipped = if i.skipped > 0 { format!(", {} log items that are not calls", i.skipped) } else { String::new() };
    lines.push(format!(
        "read: {} ({} in records, {} in errors, {} unreadable, {} stream events without usage{skipped})",
        counted(i.values, "value"),
        i.in_records,
        i.in_errors,
        i.unreadable,
        i.stream_events
    ));
    if t.errors > 0 {
        let kinds: Vec<String> = r.errors.iter().map(|e| format!("{} ×{}", e.kind, e.records)).collect();
        lines.push(format!("errors: {} the APIs answered with ({}), not priced", t.errors, kinds.join(", ")));
    }
    for u in r.unreadable.iter().take(LISTED) {
        lines.push(format!("unreadable: {}:{}: {}", u.file, u.line, u.reason));
    }
    if t.unreadable > LISTED as u64 {
        lines.push(format!("unreadable: … {} more (see --format json)", t.unreadable - LISTED as u64));
    }
    lines.push(format!("cost: ${} at effective prices (${} at listed prices)", t.cost.amount(), t.list_cost.amount()));
    lines.extend(partial_line(r));
    if let Some(line) = charges_line(&t.charges) {
        lines.push(line);
    }
    lines.extend(gateway_line(r));
    lines.push(format!(
        "prices: {} (current snapshot {}, fetched {})",
        if r.at == "record" { "of each record's time" } else { "of now" },
        r.catalog.sync_id,
        r.catalog.synced_at
    ));
    for m in &r.resolved {
        lines.push(format!("matched: {:?} as {} ({}, {})", m.name, m.model, how(m.how), counted(m.records, "record")));
    }
    for u in &r.unknown {
        lines.push(format!("unknown: {:?}, not in the catalog ({})", u.model, counted(u.records, "record")));
    }
    for u in &r.unpriced {
        lines.push(format!("unpriced: {}: {} ({})", u.model, u.reason, counted(u.records, "record")));
    }
    if let Some(b) = &r.baseline {
        lines.push(format!(
            "baseline: ${} → ${}, {}{}",
            b.total.amount(),
            t.cost.amount(),
            signed(b.difference),
            percent(b.change_pct)
        ));
    }
    if let Some(timing) = &r.timing {
        let used: Vec<String> =
            timing.snapshots.iter().map(|s| format!("#{} {}", s.sync_id, counted(s.records, "record"))).collect();
        lines.push(format!("snapshots used: {}", used.join(", ")));
        if timing.untimed > 0 {
            lines.push(format!("no time: {} priced on the current snapshot", counted(timing.untimed, "record")));
        }
        if timing.before_first > 0 {
            lines.push(format!("before the first snapshot: {} priced on it", counted(timing.before_first, "record")));
        }
    }
    lines.extend(r.notes.iter().map(|n| format!("note: {n}")));
    lines
}

/// What was stated as charged against what the catalog says, in words.
fn charges_line(ch: &Charges) -> Option<String> {
    if ch.stated == 0 {
        return None;
    }
    let mut line = format!("charged: {} as stated ({})", usd(ch.charged), counted(ch.stated, "record"));
    if let Some(d) = ch.difference() {
        line.push_str(&format!(
            "; on the {} with a catalog cost, {} charged against {}: {}{}",
            counted(ch.compared, "record"),
            usd(ch.compared_charged),
            usd(ch.compared_cost),
            signed(d),
            percent(ch.difference_pct())
        ));
    }
    if ch.not_compared > 0 {
        line.push_str(&format!(
            "; {} not compared (no charge, or no catalog cost: marked * in DIFF)",
            counted(ch.not_compared, "record")
        ));
    }
    Some(line)
}

/// An amount in dollars, its sign first: `$0.5`, `-$0.5`.
fn usd(m: Money) -> String {
    let text = m.amount();
    match text.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None => format!("${text}"),
    }
}

/// How a gateway's log was read: its quota's worth, its items by type, the
/// details that had to be ignored.
pub fn gateway_line(r: &UsageReport) -> Option<String> {
    let g = r.gateway.as_ref()?;
    let types: Vec<String> = g.types.iter().map(|t| format!("{} ×{}", t.name, t.items)).collect();
    let mut line = format!(
        "gateway log: {} ({}); quota read as {} = $1 (--quota-per-usd)",
        counted(g.types.iter().map(|t| t.items).sum(), "item"),
        types.join(", "),
        g.quota_per_usd
    );
    if g.types.iter().any(|t| t.name != "consume") {
        line.push_str("; only consume items are calls");
    }
    if g.other_ignored > 0 {
        line.push_str(&format!(
            "; the details (other) of {} were empty or malformed, and ignored",
            counted(g.other_ignored, "call")
        ));
    }
    Some(line)
}

/// Each alternative: what the priced records would have cost on it.
fn what_if_grid(r: &UsageReport) -> Grid {
    let headers = ["WHAT IF", "RECORDS", "CANNOT PRICE", "COST $", "ACTUAL $", "CHANGE $", "CHANGE %"];
    let mut grid =
        Grid::new(&headers).numeric(&(1..headers.len()).collect::<Vec<_>>()).droppable(&["CHANGE %", "CANNOT PRICE"]);
    for w in &r.what_if {
        grid.push(vec![
            w.model.clone(),
            grouped(w.records),
            w.unpriced.to_string(),
            w.cost.map_or_else(|| "—".to_owned(), |c| c.amount()),
            w.actual.amount(),
            w.change.map_or_else(String::new, |c| plus(c, c.amount())),
            w.change_pct.map_or_else(String::new, |p| plus(p, format!("{p}%"))),
        ]);
    }
    grid
}

fn how(how: crate::usage::How) -> &'static str {
    use crate::usage::How;
    match how {
        How::Exact => "exact id",
        How::Code => "by code",
        How::Case => "ignoring case",
        How::Prefix => "without models/",
        How::Date => "without the date",
        How::Alias => "by --alias",
    }
}

/// A change with its sign: `+1.5`, `-0.25`, `0`.
fn plus(value: Money, text: String) -> String {
    if value.is_negative() || value.is_zero() { text } else { format!("+{text}") }
}

/// The unreadable lines a table or comment lists; the JSON has more.
const LISTED: usize = 10;

/// A summary for a pull request or a monthly report: headline, groups,
/// what could not be priced, alternatives, violations, the catalog.
pub fn markdown(r: &UsageReport, by: &GroupBy) -> String {
    let t = &r.totals;
    let charged = t.charges.stated > 0;
    let mut out = format!("{}\n\n", headline(r));
    let name = group_name(by).to_lowercase();
    let (more, rule) = if charged { (" charged | difference |", " ---: | ---: |") } else { ("", "") };
    out.push_str(&format!(
        "| {} | records | requests | tokens in / out | seconds | cost |{more}\n| --- | ---: | ---: | ---: | ---: | ---: |{rule}\n",
        esc(&name)
    ));
    let tail = format!(
        "| **total** | {} | {} | {} / {} | {} | **${}**{} |{}\n",
        grouped(t.records),
        grouped(t.counts.requests),
        grouped(t.counts.input_tokens),
        grouped(t.counts.output_tokens),
        t.counts.seconds.display(),
        t.cost.amount(),
        if t.priced < t.records && t.priced > 0 { "\\*" } else { "" },
        if charged { charge_cells(&t.charges, true) } else { String::new() }
    );
    let rest = markdown_notes(r);
    let room = MARKDOWN_LIMIT.saturating_sub(out.len() + tail.len() + rest.len() + 100);
    out.extend(fit(markdown_rows(r), room, "groups"));
    out.push_str(&tail);
    out.push('\n');
    out.push_str(&rest);
    out
}

/// `### cometcat usage: $X for N records ▲ +$Y (+Z%) vs baseline · ⚠️ … · ❌ …`
fn headline(r: &UsageReport) -> String {
    let t = &r.totals;
    // A failing run leads with why: never a clean headline over a red build.
    let mut out = match r.violations.first() {
        Some(v) => {
            let more = r.violations.len() - 1;
            let more = if more > 0 { format!(" (and {more} more)") } else { String::new() };
            format!("### ❌ cometcat usage: {}{more} · ", esc(&v.message))
        }
        None => "### cometcat usage: ".to_owned(),
    };
    out.push_str(&format!("${} for {}", t.cost.amount(), counted(t.records, "record")));
    if let Some(b) = &r.baseline {
        out.push_str(&format!(
            " {} {}{} vs baseline",
            arrow(b.difference),
            signed(b.difference),
            percent(b.change_pct)
        ));
    }
    if t.unknown + t.unpriced > 0 {
        out.push_str(&format!(" · ⚠️ {} not priced", counted(t.unknown + t.unpriced, "record")));
    }
    let ch = &t.charges;
    if ch.stated > 0 {
        out.push_str(&format!(" · charged {}", usd(ch.charged)));
    }
    if let Some(d) = ch.difference() {
        let on = if ch.not_compared > 0 {
            format!(" on {} compared", counted(ch.compared, "record"))
        } else {
            String::new()
        };
        out.push_str(&format!(", {}{}{on}", signed(d), percent(ch.difference_pct())));
    }

    out
}

/// A table row per group; when charges are stated, the groups whose charge
/// differs most from the catalog's cost come first.
fn markdown_rows(r: &UsageReport) -> Vec<String> {
    let charged = r.totals.charges.stated > 0;
    let mut groups: Vec<&Group> = r.groups.iter().collect();
    if charged {
        let apart = |g: &Group| (g.charges.compared > 0).then(|| g.charges.difference()).flatten().map(Money::abs);
        groups.sort_by_key(|g| std::cmp::Reverse(apart(g)));
    }
    groups
        .into_iter()
        .map(|g| {
            let c = &g.counts;
            let cost = group_cost(g, "$").replace('*', "\\*");
            format!(
                "| {} | {} | {} | {} / {} | {} | {cost} |{}\n",
                esc(&g.key),
                grouped(g.records),
                grouped(c.requests),
                grouped(c.input_tokens),
                grouped(c.output_tokens),
                c.seconds.display(),
                if charged { charge_cells(&g.charges, false) } else { String::new() }
            )
        })
        .collect()
}

/// ` $charged | +$difference (+pct%) |`, bold for the total; blank where nothing was stated or compared.
fn charge_cells(ch: &Charges, bold: bool) -> String {
    let b = if bold { "**" } else { "" };
    let charged = if ch.stated > 0 { format!("{b}{}{b}", usd(ch.charged)) } else { String::new() };
    let mark = if ch.not_compared > 0 && ch.compared > 0 { "*" } else { "" };
    let difference = match ch.difference() {
        Some(d) if d.is_zero() => format!("{b}$0{b}{mark}"),
        Some(d) => format!("{b}{}{}{b}{mark}", signed(d), percent(ch.difference_pct())),
        None => String::new(),
    };
    format!(" {charged} | {difference} |")
}

/// What follows the table: the summary in words, the alternatives, the
/// unreadable lines and the violations.
fn markdown_notes(r: &UsageReport) -> String {
    let mut rest = String::new();
    // The unreadable lines get a section of their own below.
    for line in summary(r).iter().skip(1).filter(|l| !l.starts_with("unreadable: ") && !l.starts_with("read: ")) {
        rest.push_str(&format!("- {}\n", esc(line)));
    }
    for w in &r.what_if {
        let line = match w.cost {
            None => format!("- what if {}: it can price none of these records\n", esc(&w.model)),
            Some(cost) => {
                let change = w.change.map(|c| format!(", {}{}", signed(c), percent(w.change_pct))).unwrap_or_default();
                let (cost, actual) = (cost.amount(), w.actual.amount());
                let records = counted(w.records, "record");
                format!("- what if {}: ${cost} instead of ${actual}{change} ({records})\n", esc(&w.model))
            }
        };
        rest.push_str(&line);
    }
    if !r.unreadable.is_empty() {
        rest.push_str(&format!("\n**Unreadable ({})**\n\n", r.totals.unreadable));
        for u in r.unreadable.iter().take(LISTED) {
            rest.push_str(&format!("- {} {}\n", code_in_line(&format!("{}:{}", u.file, u.line)), esc(&u.reason)));
        }
        if r.totals.unreadable > LISTED as u64 {
            rest.push_str(&format!("- … {} more (see `--format json`)\n", r.totals.unreadable - LISTED as u64));
        }
    }
    for v in &r.violations {
        rest.push_str(&format!("- ❌ {} ({})\n", esc(&v.message), code_in_line(v.kind)));
    }
    rest
}
