//! CSV: RFC 4180 quoting, UTF-8, `\n` line ends, and a guard against formula
//! injection: a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a `'` in
//! front — except a plain negative number (`-12.5`), which no spreadsheet runs
//! and which must stay a number.

use std::io::{self, Write};

use super::grid::Grid;

pub fn write(out: &mut dyn Write, grid: &Grid) -> io::Result<()> {
    let mut w = CsvRows::new(out, &grid.headers)?;
    for row in &grid.rows {
        w.row(row)?;
    }
    w.finish()
}

/// A CSV written row by row, for listings too long to hold in memory.
pub struct CsvRows<'w> {
    writer: csv::Writer<&'w mut dyn Write>,
}

impl<'w> CsvRows<'w> {
    pub fn new(out: &'w mut dyn Write, headers: &[impl AsRef<str>]) -> io::Result<CsvRows<'w>> {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        writer.write_record(headers.iter().map(|h| h.as_ref())).map_err(io_error)?;
        Ok(CsvRows { writer })
    }

    pub fn row(&mut self, cells: &[impl AsRef<str>]) -> io::Result<()> {
        for cell in cells {
            self.cell(cell.as_ref())?;
        }
        self.end_row()
    }

    /// The next cell of the row being written (for rows written cell by
    /// cell, without a list of cells made first); [`CsvRows::end_row`] ends it.
    pub fn cell(&mut self, cell: &str) -> io::Result<()> {
        self.writer.write_field(guard(cell).as_bytes()).map_err(io_error)
    }

    /// Ends the row that [`CsvRows::cell`] wrote.
    pub fn end_row(&mut self) -> io::Result<()> {
        self.writer.write_record(None::<&[u8]>).map_err(io_error)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// The I/O error inside a csv error as itself, so that a closed stdout is
/// still a broken pipe (csv's own conversion hides its kind).
fn io_error(e: csv::Error) -> io::Error {
    if !e.is_io_error() {
        return io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The cell as a spreadsheet will not run it as a formula.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'-') if is_negative_number(cell) => cell.into(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// `-12`, `-0.25`: a minus sign, digits, at most one point between digits.
fn is_negative_number(cell: &str) -> bool {
    let Some(digits) = cell.strip_prefix('-') else { return false };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty() && !frac.is_empty() && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(rows: &[&[&str]]) -> String {
        let mut grid = Grid::new(&["a", "b"]);
        for row in rows {
            grid.push(row.iter().map(|c| c.to_string()).collect());
        }
        let mut out = Vec::new();
        write(&mut out, &grid).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(
            render(&[&["plain", "with,comma"], &["say \"hi\"", "two\nlines"], &["", "日本語 ✓"]]),
            "a,b\nplain,\"with,comma\"\n\"say \"\"hi\"\"\",\"two\nlines\"\n,日本語 ✓\n"
        );
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_defused() {
        assert_eq!(
            render(&[
                &["=HYPERLINK(\"x\")", "+1"],
                &["-2+3", "@SUM(A1)"],
                &["\tx", "\rx"],
                &["a=b", "0.5"],
                &["-12.5", "-1."]
            ]),
            "a,b\n\"'=HYPERLINK(\"\"x\"\")\",'+1\n'-2+3,'@SUM(A1)\n'\tx,\"'\rx\"\na=b,0.5\n-12.5,'-1.\n"
        );
    }
}
