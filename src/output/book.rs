//! The price book's tables as files an SQL engine loads: CSV (a header, an
//! empty cell for null, money as exact decimal strings, times as RFC 3339
//! UTC, booleans as `true`/`false`), JSON Lines (one object per row, keys in
//! column order, money as strings) and Parquet ([`super::parquet`]), each
//! following the columns of [`crate::book::columns`]. The CSV is data for
//! engines, not for spreadsheets: no cell is changed to guard against
//! formulas, since a changed model id would no longer join.

use std::io::{self, Write};

use crate::book::{BookCell, Column, Row};
use crate::time::format_time;

/// A file format of the price book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookFormat {
    Csv,
    Json,
    Parquet,
}

impl BookFormat {
    /// The files' extension: `price_book.csv`, `.jsonl`, `.parquet`.
    pub fn extension(self) -> &'static str {
        match self {
            BookFormat::Csv => "csv",
            BookFormat::Json => "jsonl",
            BookFormat::Parquet => "parquet",
        }
    }

    /// Writes one table (`name`, with `columns`) of `rows` to `out`.
    pub fn write<R: Row>(self, out: &mut dyn Write, name: &str, columns: &[Column], rows: &[R]) -> io::Result<()> {
        match self {
            BookFormat::Csv => csv(out, columns, rows),
            BookFormat::Json => json_lines(out, columns, rows),
            BookFormat::Parquet => super::parquet::write(out, name, columns, rows),
        }
    }
}

/// A cell as text (`None`: an empty cell, null).
fn text(cell: BookCell<'_>) -> Option<String> {
    match cell {
        BookCell::Text(t) => t.map(str::to_owned),
        BookCell::Time(t) => t.map(format_time),
        BookCell::Decimal(m) => m.map(|m| m.to_string()),
        BookCell::Bool(b) => Some(b.to_string()),
    }
}

fn csv<R: Row>(out: &mut dyn Write, columns: &[Column], rows: &[R]) -> io::Result<()> {
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::Any(b'\n')).from_writer(out);
    w.write_record(columns.iter().map(|c| c.name)).map_err(io::Error::other)?;
    for row in rows {
        let cells = row.cells().into_iter().map(|c| text(c).unwrap_or_default());
        w.write_record(cells).map_err(io::Error::other)?;
    }
    w.flush()
}

/// One object per row, its keys in column order.
fn json_lines<R: Row>(out: &mut dyn Write, columns: &[Column], rows: &[R]) -> io::Result<()> {
    let mut line = Vec::new();
    for row in rows {
        line.clear();
        line.push(b'{');
        for (i, (column, cell)) in columns.iter().zip(row.cells()).enumerate() {
            if i > 0 {
                line.push(b',');
            }
            serde_json::to_writer(&mut line, column.name)?;
            line.push(b':');
            match cell {
                BookCell::Bool(b) => serde_json::to_writer(&mut line, &b)?,
                other => serde_json::to_writer(&mut line, &text(other))?,
            }
        }
        line.extend_from_slice(b"}\n");
        out.write_all(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{AliasHow, AliasRow, PRICE_ALIASES, Validity};

    fn row(alias: &str) -> AliasRow {
        AliasRow {
            alias: alias.into(),
            model_id: "gpt-5".into(),
            how: AliasHow::Case,
            validity: Validity { from: None, to: Some("2026-10-01T00:00:00Z".parse().unwrap()), current: false },
        }
    }

    #[test]
    fn csv_and_json_lines_carry_the_cells_as_they_are() {
        let rows = [row("gpt-5"), row("-odd,name")];
        let mut out = Vec::new();
        BookFormat::Csv.write(&mut out, "price_aliases", &PRICE_ALIASES, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "alias,model_id,how,valid_from,valid_to,is_current\n\
             gpt-5,gpt-5,case,,2026-10-01T00:00:00Z,false\n\
             \"-odd,name\",gpt-5,case,,2026-10-01T00:00:00Z,false\n"
        );
        let mut out = Vec::new();
        BookFormat::Json.write(&mut out, "price_aliases", &PRICE_ALIASES, &rows[..1]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"alias\":\"gpt-5\",\"model_id\":\"gpt-5\",\"how\":\"case\",\"valid_from\":null,\
             \"valid_to\":\"2026-10-01T00:00:00Z\",\"is_current\":false}\n"
        );
    }
}
