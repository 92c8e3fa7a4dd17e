//! `cometcat sql QUERY`: one statement over the documented schema, on a
//! connection that cannot write (see `store::open_read_only`). A refused write
//! changes nothing and says why.

use rusqlite::types::ValueRef;
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Ctx;
use crate::cli::SqlArgs;
use crate::error::{Exit, UserError};
use crate::output::{CsvRows, Format, Grid, JsonArray};
use crate::store::{self, Store};

pub fn run(ctx: &mut Ctx<'_>, args: &SqlArgs) -> anyhow::Result<Exit> {
    let format =
        ctx.settings.format("sql", Format::Table, &[Format::Table, Format::Json, Format::Csv, Format::Markdown])?;
    // Opening it for writing first brings the schema up to date.
    drop(Store::open(&ctx.settings.db)?);
    let conn = store::open_read_only(&ctx.settings.db)?;
    let mut stmt = conn.prepare(&args.query).map_err(refused)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = stmt.query([]).map_err(refused)?;
    let mut next = || -> anyhow::Result<Option<Vec<Cell>>> {
        let Some(row) = rows.next().map_err(refused)? else { return Ok(None) };
        Ok(Some((0..columns.len()).map(|i| Cell::from(row.get_ref(i).expect("column index in range"))).collect()))
    };
    // JSON and CSV stream; a table needs every row to size its columns.
    match format {
        Format::Json => {
            let mut array = JsonArray::new(ctx.out)?;
            while let Some(cells) = next()? {
                array.push(&JsonRow { columns: &columns, cells: &cells })?;
            }
            array.finish()?;
        }
        Format::Csv => {
            let mut csv = CsvRows::new(ctx.out, &columns)?;
            while let Some(cells) = next()? {
                csv.row(&cells.iter().map(Cell::text).collect::<Vec<_>>())?;
            }
            csv.finish()?;
        }
        Format::Table | Format::Markdown => {
            let names: Vec<&str> = columns.iter().map(String::as_str).collect();
            let mut grid = Grid::new(&names);
            while let Some(cells) = next()? {
                grid.push(cells.iter().map(Cell::text).collect());
            }
            grid.write(ctx.out, format, ctx.terminal)?;
        }
    }
    Ok(Exit::Ok)
}

fn refused(e: rusqlite::Error) -> UserError {
    use rusqlite::ErrorCode::{AuthorizationForStatementDenied, ReadOnly};
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) if matches!(f.code, AuthorizationForStatementDenied | ReadOnly) => {
            UserError::new(format!(
                "`cometcat sql` only reads; the statement was refused ({})",
                msg.as_deref().unwrap_or("not authorized")
            ))
            .hint("change the catalog with `cometcat sync`; query it with SELECT")
        }
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("too many attached") => {
            UserError::new("`cometcat sql` only reads the catalog; ATTACH is refused")
        }
        rusqlite::Error::MultipleStatement => UserError::new("give one SQL statement at a time"),
        // What SQLite answers to a query of only blanks or comments.
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ApiMisuse => {
            UserError::new("the query holds no SQL statement").hint("for example: cometcat sql 'SELECT id FROM models'")
        }
        _ => UserError::new(format!("the query failed: {e}")),
    }
}

/// A value as SQLite returned it.
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<ValueRef<'_>> for Cell {
    fn from(v: ValueRef<'_>) -> Cell {
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        }
    }
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Integer(i) => i.to_string(),
            Cell::Real(f) => f.to_string(),
            Cell::Text(t) => t.clone(),
            Cell::Blob(b) => format!("x'{}'", crate::catalog::hex(b)),
        }
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
