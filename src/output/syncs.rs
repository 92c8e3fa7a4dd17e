//! The snapshots, newest first, with what each changed.

use std::io::{self, Write};

use serde::Serialize;

use super::format::{Format, Look};
use super::grid::{Grid, cell};
use crate::store::Snapshot;

#[derive(Serialize)]
struct SnapshotJson<'a> {
    #[serde(flatten)]
    snapshot: &'a Snapshot,
    /// The catalog differs from the snapshot before (always true for the first).
    catalog_changed: bool,
}

/// `snapshots` newest first, as `store.snapshots()` gives them.
pub fn write(out: &mut dyn Write, snapshots: &[Snapshot], format: Format, look: Look) -> io::Result<()> {
    // Newest first: the one before each is the next in the list.
    let changed = |i: usize| snapshots.get(i + 1).is_none_or(|prev| prev.content_hash != snapshots[i].content_hash);
    if format == Format::Json {
        let rows: Vec<_> = snapshots
            .iter()
            .enumerate()
            .map(|(i, s)| SnapshotJson { snapshot: s, catalog_changed: changed(i) })
            .collect();
        return super::json::json(out, &rows);
    }
    if format == Format::Csv {
        return csv(out, snapshots, changed, look);
    }
    let mut grid = Grid::new(&["ID", "FETCHED", "SOURCE", "MODELS", "WARNINGS", "QUARANTINED", "CHANGES"])
        .numeric(&[0, 3, 4, 5])
        .droppable(&["QUARANTINED", "WARNINGS"]);
    for (i, s) in snapshots.iter().enumerate() {
        let changes =
            if changed(i) { format!("+{} −{} ~{}", s.added, s.removed, s.changed) } else { "unchanged".into() };
        grid.push(vec![
            s.id.to_string(),
            s.fetched_at.clone(),
            s.source.clone(),
            s.models.to_string(),
            s.warnings.to_string(),
            s.quarantined.to_string(),
            changes,
        ]);
    }
    grid.write(out, format, look)
}

/// CSV: the JSON keys as columns, counts in their own cells.
fn csv(out: &mut dyn Write, snapshots: &[Snapshot], changed: impl Fn(usize) -> bool, look: Look) -> io::Result<()> {
    let mut grid = Grid::new(&[
        "id",
        "started_at",
        "finished_at",
        "fetched_at",
        "source",
        "source_kind",
        "pages",
        "total",
        "models",
        "warnings",
        "quarantined",
        "retries",
        "content_hash",
        "added",
        "removed",
        "changed",
        "catalog_changed",
    ]);
    for (i, s) in snapshots.iter().enumerate() {
        grid.push(vec![
            s.id.to_string(),
            s.started_at.clone(),
            s.finished_at.clone(),
            s.fetched_at.clone(),
            s.source.clone(),
            s.source_kind.clone(),
            s.pages.to_string(),
            cell(s.total),
            s.models.to_string(),
            s.warnings.to_string(),
            s.quarantined.to_string(),
            s.retries.to_string(),
            s.content_hash.clone(),
            s.added.to_string(),
            s.removed.to_string(),
            s.changed.to_string(),
            changed(i).to_string(),
        ]);
    }
    grid.write(out, Format::Csv, look)
}
