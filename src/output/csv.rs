//! CSV: RFC 4180 quoting, UTF-8, `\n` line ends, and a guard against formula
//! injection: a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a `'` in front.

use std::io::{self, Write};

use super::Grid;

pub fn write(out: &mut dyn Write, grid: &Grid) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
    w.write_record(&grid.headers)?;
    for row in &grid.rows {
        for c in row {
            w.write_field(guard(c).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
}

/// The cell as a spreadsheet will not run it as a formula.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
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
            render(&[&["=HYPERLINK(\"x\")", "+1"], &["-2", "@SUM(A1)"], &["\tx", "\rx"], &["a=b", "0.5"]]),
            "a,b\n\"'=HYPERLINK(\"\"x\"\")\",'+1\n'-2,'@SUM(A1)\n'\tx,\"'\rx\"\na=b,0.5\n"
        );
    }
}
