//! `cometcat sql QUERY`: one statement over the documented schema, run by the
//! store's read-only sandbox ([`crate::store::sandbox`]); the rows go out in
//! the format asked for. JSON and CSV stream; a table needs every row to size
//! its columns.

use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Ctx;
use crate::cli::SqlArgs;
use crate::error::Exit;
use crate::output::{CsvRows, Format, Grid, JsonArray};
use crate::store::sandbox::{self, Cell, Rows};

pub fn run(ctx: &mut Ctx<'_>, args: &SqlArgs) -> anyhow::Result<Exit> {
    let format =
        ctx.settings.format("sql", Format::Table, &[Format::Table, Format::Json, Format::Csv, Format::Markdown])?;
    let db = &ctx.settings.db;
    match format {
        Format::Json => {
            let mut rows = JsonRows { out: Some(ctx.out), array: None, columns: Vec::new() };
            sandbox::query(db, &args.query, &mut rows)?;
            rows.array.map(JsonArray::finish).transpose()?;
        }
        Format::Csv => {
            let mut rows = CsvOut { out: Some(ctx.out), csv: None };
            sandbox::query(db, &args.query, &mut rows)?;
            rows.csv.map(CsvRows::finish).transpose()?;
        }
        Format::Table | Format::Markdown => {
            let mut grid = Grid::default();
            sandbox::query(db, &args.query, &mut grid)?;
            grid.write(ctx.out, format, ctx.terminal)?;
        }
    }
    Ok(Exit::Ok)
}

impl Rows for Grid {
    fn columns(&mut self, names: &[String]) -> anyhow::Result<()> {
        *self = Grid::new(&names.iter().map(String::as_str).collect::<Vec<_>>());
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> anyhow::Result<()> {
        self.push(cells.iter().map(Cell::text).collect());
        Ok(())
    }
}

/// Rows as a JSON array of objects, keys in column order. The array opens
/// once the query is known to run.
struct JsonRows<'w> {
    out: Option<&'w mut dyn Write>,
    array: Option<JsonArray<'w>>,
    columns: Vec<String>,
}

impl Rows for JsonRows<'_> {
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

impl Rows for CsvOut<'_> {
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
