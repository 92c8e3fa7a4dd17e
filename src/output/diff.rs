//! What changed between two snapshots, as JSON, a table, CSV (one row per
//! added or removed model and per changed field) or a Markdown change log.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::format::{Format, Look};
use super::grid::{Grid, cell};
use super::markdown::{code_in_line, escape as esc};
use super::models::ModelJson;
use crate::history::Change;
use crate::store::{Diff, Snapshot};

#[derive(Serialize)]
pub struct DiffJson<'a> {
    from: SnapshotRef<'a>,
    to: SnapshotRef<'a>,
    added: Vec<ModelJson<'a>>,
    removed: Vec<ModelJson<'a>>,
    changed: Vec<ChangedJson<'a>>,
}

#[derive(Serialize)]
pub struct SnapshotRef<'a> {
    id: i64,
    fetched_at: &'a str,
    source: &'a str,
    models: i64,
}

impl<'a> SnapshotRef<'a> {
    pub fn of(s: &'a Snapshot) -> SnapshotRef<'a> {
        SnapshotRef { id: s.id, fetched_at: &s.fetched_at, source: &s.source, models: s.models }
    }
}

#[derive(Serialize)]
pub struct ChangedJson<'a> {
    id: &'a str,
    changes: &'a [Change],
}

impl<'a> DiffJson<'a> {
    pub fn new(diff: &'a Diff) -> DiffJson<'a> {
        DiffJson {
            from: SnapshotRef::of(&diff.from),
            to: SnapshotRef::of(&diff.to),
            added: diff.added.iter().map(|m| ModelJson(&m.model)).collect(),
            removed: diff.removed.iter().map(|m| ModelJson(&m.model)).collect(),
            changed: diff.changed.iter().map(|c| ChangedJson { id: &c.new.model.id, changes: &c.changes }).collect(),
        }
    }
}

/// A diff in `format`.
pub fn write(out: &mut dyn Write, diff: &Diff, format: Format, look: Look) -> io::Result<()> {
    match format {
        Format::Json => super::json::json(out, &DiffJson::new(diff)),
        Format::Markdown => out.write_all(markdown(diff).as_bytes()),
        Format::Table => {
            writeln!(out, "{}", headline(diff))?;
            grid(diff, format).write(out, format, look)
        }
        Format::Csv => grid(diff, format).write(out, format, look),
    }
}

/// `snapshot 1 (fetched ...) → snapshot 2 (fetched ...): +2 −1 ~4`
fn headline(d: &Diff) -> String {
    format!(
        "snapshot {} (fetched {}) → snapshot {} (fetched {}): +{} −{} ~{}",
        d.from.id,
        d.from.fetched_at,
        d.to.id,
        d.to.fetched_at,
        d.added.len(),
        d.removed.len(),
        d.changed.len()
    )
}

/// One row per added or removed model and per changed field.
fn grid(d: &Diff, format: Format) -> Grid {
    let headers: &[&str] = if format == Format::Csv {
        &["change", "id", "field", "from", "to", "change_pct"]
    } else {
        &["CHANGE", "MODEL", "FIELD", "FROM", "TO", "%"]
    };
    let mut grid = Grid::new(headers).numeric(&[5]);
    let empty = String::new;
    for m in &d.added {
        grid.push(vec!["added".into(), m.model.id.clone(), empty(), empty(), empty(), empty()]);
    }
    for m in &d.removed {
        grid.push(vec!["removed".into(), m.model.id.clone(), empty(), empty(), empty(), empty()]);
    }
    for c in &d.changed {
        for change in &c.changes {
            grid.push(vec![
                "changed".into(),
                c.new.model.id.clone(),
                change.field.to_owned(),
                value(&change.from),
                value(&change.to),
                cell(change.change_pct),
            ]);
        }
    }
    grid
}

/// A field's value for people: lists joined, endpoints by key, absent as empty.
fn value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Object(o) => o.get("key").and_then(Value::as_str).unwrap_or_default().to_owned(),
                other => value(other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A change log for a pull request or a chat message.
fn markdown(d: &Diff) -> String {
    let day = |t: &str| t.split('T').next().unwrap_or(t).to_owned();
    let mut out = format!(
        "### Catalog changes: snapshot {} → {} ({} → {})\n\n",
        d.from.id,
        d.to.id,
        day(&d.from.fetched_at),
        day(&d.to.fetched_at)
    );
    if d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let describe = |m: &crate::catalog::Model| {
        let who = [m.provider.as_deref(), m.model_type.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
        if who.is_empty() { code_in_line(&m.id) } else { format!("{} ({})", code_in_line(&m.id), esc(&who)) }
    };
    if !d.added.is_empty() {
        out.push_str(&format!("**Added ({})**\n\n", d.added.len()));
        for m in &d.added {
            out.push_str(&format!("- {}\n", describe(&m.model)));
        }
        out.push('\n');
    }
    if !d.removed.is_empty() {
        out.push_str(&format!("**Removed ({})**\n\n", d.removed.len()));
        for m in &d.removed {
            out.push_str(&format!("- {}\n", describe(&m.model)));
        }
        out.push('\n');
    }
    if !d.changed.is_empty() {
        out.push_str(&format!("**Changed ({})**\n\n", d.changed.len()));
        for c in &d.changed {
            let fields = c
                .changes
                .iter()
                .map(|ch| {
                    let pct =
                        ch.change_pct.map(|p| if p.is_negative() { format!(" ({p}%)") } else { format!(" (+{p}%)") });
                    format!("{}: {} → {}{}", ch.field, shown(&ch.from), shown(&ch.to), pct.unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join("; ");
            out.push_str(&format!("- {}: {}\n", code_in_line(&c.new.model.id), esc(&fields)));
        }
    }
    out
}

/// A value in a sentence: absent is "none".
fn shown(v: &Value) -> String {
    match value(v) {
        s if s.is_empty() => "none".to_owned(),
        s => s,
    }
}
