//! The snapshots, newest first, with what each changed.

use std::io::{self, Write};

use serde::Serialize;

use super::{Format, Grid, Look};
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
        return super::json(out, &rows);
    }
    let mut grid =
        Grid::new(&["ID", "FETCHED", "SOURCE", "MODELS", "WARNINGS", "QUARANTINED", "CHANGES"]).numeric(&[0, 3, 4, 5]);
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
