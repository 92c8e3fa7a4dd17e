//! Renderers: a [`Grid`] of cells as a table, CSV or Markdown, and any
//! serializable value as JSON. Everything writes to `impl Write`; nothing here
//! knows about models or the database.

mod csv;
mod markdown;
mod table;

use std::io::{self, Write};

use serde::Serialize;

pub use self::csv::Rows as CsvRows;
pub use self::markdown::escape as markdown_escape;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }
}

/// Rows of text cells under a header; some columns hold numbers (right-aligned).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<usize>,
}

impl Grid {
    pub fn new(headers: &[&str]) -> Grid {
        Grid { headers: headers.iter().map(|h| h.to_string()).collect(), ..Grid::default() }
    }

    /// Marks columns (by index) as numbers.
    pub fn numeric(mut self, columns: &[usize]) -> Grid {
        self.numeric = columns.to_vec();
        self
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    /// Writes the grid; `terminal` lets a table fit the terminal's width.
    pub fn write(&self, out: &mut dyn Write, format: Format, terminal: bool) -> io::Result<()> {
        match format {
            Format::Table => table::write(out, self, terminal),
            Format::Csv => csv::write(out, self),
            Format::Markdown => markdown::write(out, self),
            Format::Json => unreachable!("JSON is written from typed values, not grids"),
        }
    }
}

/// Pretty JSON, one document, ending with a newline.
pub fn json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// Text safe to show on a terminal: control characters other than newline
/// (tabs, CR, escape sequences) appear as `\t`, `\r`, `\u{1b}`.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.into();
    }
    text.chars()
        .map(|c| match c {
            '\n' => "\n".to_owned(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// An optional cell: empty when absent.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}
