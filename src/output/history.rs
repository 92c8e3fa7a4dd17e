//! One model's price history: an entry per snapshot, with every price column,
//! as JSON, CSV, a table or Markdown.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{Format, Grid, Look, cell};
use crate::catalog::{PRICE_COLUMNS, price_values};
use crate::store::{Snapshot, StoredModel};

/// One snapshot of a model's prices.
pub struct Entry<'a> {
    pub snapshot: &'a Snapshot,
    pub model: &'a StoredModel,
}

impl Serialize for Entry<'_> {
    /// `{snapshot, fetched_at, currency, <every price column>}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pricing = &self.model.model.pricing;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("snapshot", &self.snapshot.id)?;
        map.serialize_entry("fetched_at", &self.snapshot.fetched_at)?;
        map.serialize_entry("currency", &pricing.currency)?;
        for (column, value) in price_values(pricing) {
            map.serialize_entry(column.name(), &value)?;
        }
        map.end()
    }
}

pub fn write(out: &mut dyn Write, entries: &[Entry<'_>], format: Format, look: Look) -> io::Result<()> {
    if format == Format::Json {
        return super::json(out, &entries);
    }
    let csv = format == Format::Csv;
    let mut headers = if csv { vec!["snapshot", "fetched_at"] } else { vec!["SNAPSHOT", "FETCHED"] };
    headers.extend(PRICE_COLUMNS.map(|c| if csv { c.name() } else { c.header() }));
    let mut grid = Grid::new(&headers).numeric(&(0..headers.len()).filter(|&i| i != 1).collect::<Vec<_>>());
    for e in entries {
        let mut row = vec![e.snapshot.id.to_string(), e.snapshot.fetched_at.clone()];
        row.extend(
            price_values(&e.model.model.pricing)
                .map(|(_, v)| if csv { cell(v) } else { v.map(|m| m.display()).unwrap_or_default() }),
        );
        grid.push(row);
    }
    grid.write(out, format, look)
}
