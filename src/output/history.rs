//! One model's price history: an entry per snapshot, with every price column,
//! as JSON, CSV, a table or Markdown. With `--all`, the snapshots in which the
//! model was absent are entries too, marked so: the gap shows.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::format::{Format, Look};
use super::grid::{Grid, cell};
use crate::catalog::{PRICE_COLUMNS, Pricing};
use crate::store::{Snapshot, StoredModel};

/// One snapshot of a model's prices; `model` is `None` where it was absent.
pub struct Entry<'a> {
    pub snapshot: &'a Snapshot,
    pub model: Option<&'a StoredModel>,
    /// Whether the listing shows absences (`--all`): then every entry says
    /// whether it is one.
    pub gaps: bool,
}

impl Serialize for Entry<'_> {
    /// `{snapshot, fetched_at, absent?, currency, <every price column>}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let none = Pricing::default();
        let pricing = self.model.map_or(&none, |m| &m.model.pricing);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("snapshot", &self.snapshot.id)?;
        map.serialize_entry("fetched_at", &self.snapshot.fetched_at)?;
        if self.gaps {
            map.serialize_entry("absent", &self.model.is_none())?;
        }
        map.serialize_entry("currency", &pricing.currency)?;
        for (column, value) in pricing.values() {
            map.serialize_entry(column.name(), &value)?;
        }
        map.end()
    }
}

pub fn write(out: &mut dyn Write, entries: &[Entry<'_>], format: Format, look: Look) -> io::Result<()> {
    if format == Format::Json {
        return super::json::json(out, &entries);
    }
    let csv = format == Format::Csv;
    let gaps = entries.iter().any(|e| e.gaps);
    let mut headers = if csv { vec!["snapshot", "fetched_at"] } else { vec!["SNAPSHOT", "FETCHED"] };
    if gaps && csv {
        headers.push("absent");
    }
    if csv {
        headers.push("currency");
    }
    let first_price = headers.len();
    headers.extend(PRICE_COLUMNS.map(|c| if csv { c.name() } else { c.header() }));
    let mut grid = Grid::new(&headers).numeric(&(first_price..headers.len()).chain([0]).collect::<Vec<_>>());
    for e in entries {
        let mut row = vec![e.snapshot.id.to_string(), e.snapshot.fetched_at.clone()];
        if gaps && csv {
            row.push(e.model.is_none().to_string());
        }
        match e.model {
            Some(m) => {
                if csv {
                    row.push(cell(m.model.pricing.currency.as_deref()));
                }
                row.extend(
                    m.model
                        .pricing
                        .values()
                        .map(|(_, v)| if csv { cell(v) } else { v.map(|m| m.display()).unwrap_or_default() }),
                );
            }
            None if csv => row.extend(std::iter::repeat_n(String::new(), PRICE_COLUMNS.len() + 1)),
            None => {
                row.push("(absent)".into());
                row.extend(std::iter::repeat_n(String::new(), PRICE_COLUMNS.len() - 1));
            }
        }
        grid.push(row);
    }
    grid.write(out, format, look)
}
