//! `cometcat sql QUERY`: one statement over the documented schema, run by the
//! store's read-only sandbox ([`crate::store::sandbox`]); the rows go out in
//! the format asked for. JSON and CSV stream; a table needs every row to size
//! its columns.

use std::io::Write;
use std::time::Duration;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::ctx::Ctx;
use crate::cli::SqlArgs;
use crate::error::{Exit, UserError};
use crate::output::{CsvRows, Format, Grid, JsonArray};
use crate::store::Store;
use crate::store::sandbox::{self, Cell, RowSink};

pub fn run(ctx: &mut Ctx<'_>, args: &SqlArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = Store::open(&ctx.settings.db)?;
    let timeout = Duration::from_secs_f64(args.timeout);
    match format {
        Format::Json => {
            let mut rows = JsonRows { out: Some(ctx.out), array: None, columns: Vec::new() };
            sandbox::query(store, &args.query, timeout, &mut rows)?;
            rows.array.map(JsonArray::finish).transpose()?;
        }
        Format::Csv => {
            let mut rows = CsvOut { out: Some(ctx.out), csv: None };
            sandbox::query(store, &args.query, timeout, &mut rows)?;
            rows.csv.map(CsvRows::finish).transpose()?;
        }
        Format::Table | Format::Markdown => {
            let mut table = TableRows { grid: Grid::default(), bytes: 0 };
            sandbox::query(store, &args.query, timeout, &mut table)?;
            table.grid.write(ctx.out, format, ctx.settings.look)?;
        }
    }
    Ok(Exit::Ok)
}

/// The most a table holds: it must keep every row to size its columns.
const TABLE_ROWS: usize = 100_000;
const TABLE_BYTES: usize = 64 << 20;

/// RowSink kept for a table, up to [`TABLE_ROWS`] and [`TABLE_BYTES`].
struct TableRows {
    grid: Grid,
    bytes: usize,
}

impl RowSink for TableRows {
    fn columns(&mut self, names: &[String]) -> anyhow::Result<()> {
        self.grid = Grid::new(&names.iter().map(String::as_str).collect::<Vec<_>>());
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> anyhow::Result<()> {
        let cells: Vec<String> = cells.iter().map(Cell::text).collect();
        self.bytes += cells.iter().map(String::len).sum::<usize>();
        if self.grid.rows.len() >= TABLE_ROWS || self.bytes > TABLE_BYTES {
            let message = format!(
                "the result is too large for a table (more than {TABLE_ROWS} rows or {} MiB)",
                TABLE_BYTES >> 20
            );
            return Err(UserError::new(message)
                .hint("use --format csv or --format json, which stream, or add a LIMIT")
                .into());
        }
        self.grid.push(cells);
        Ok(())
    }
}

/// RowSink as a JSON array of objects, keys in column order. The array opens
/// once the query is known to run.
struct JsonRows<'w> {
    out: Option<&'w mut dyn Write>,
    array: Option<JsonArray<'w>>,
    columns: Vec<String>,
}

impl RowSink for JsonRows<'_> {
    fn columns(&mut self, names: &[String]) -> anyhow::Result<()> {
        self.columns = names.to_vec();
        self.array = self.out.take().map(JsonArray::new).transpose()?;
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> anyhow::Result<()> {
        if let Some(array) = &mut self.array {
            array.push(&JsonRow { columns: &self.columns, cells: &cells })?;
        }
        Ok(())
    }
}

struct CsvOut<'w> {
    out: Option<&'w mut dyn Write>,
    csv: Option<CsvRows<'w>>,
}

impl RowSink for CsvOut<'_> {
    fn columns(&mut self, names: &[String]) -> anyhow::Result<()> {
        self.csv = self.out.take().map(|out| CsvRows::new(out, names)).transpose()?;
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> anyhow::Result<()> {
        if let Some(csv) = &mut self.csv {
            csv.row(&cells.iter().map(Cell::text).collect::<Vec<_>>())?;
        }
        Ok(())
    }
}

/// One row as a JSON object, keys in column order.
struct JsonRow<'a> {
    columns: &'a [String],
    cells: &'a [Cell],
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (name, cell) in self.columns.iter().zip(self.cells) {
            match cell {
                Cell::Null => map.serialize_entry(name, &())?,
                Cell::Integer(i) => map.serialize_entry(name, i)?,
                Cell::Real(f) => map.serialize_entry(name, f)?,
                Cell::Text(t) => map.serialize_entry(name, t)?,
                Cell::Blob(_) => map.serialize_entry(name, &cell.text())?,
            }
        }
        map.end()
    }
}
