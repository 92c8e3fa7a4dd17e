//! Renderers: a [`Grid`] of cells as a table, CSV or Markdown, any
//! serializable value as JSON, and the shapes built on them — model rows
//! ([`models`]), models side by side ([`compare`]), costs ([`costs`]), the estimate report ([`estimate`]), diffs
//! ([`diff`]), price histories ([`history`]), usage reports ([`usage`]) and
//! the price book's tables ([`book`]: CSV, JSON Lines, Parquet).
//! Everything writes to `impl Write`; nothing here reads the database or the
//! network.

pub mod book;
pub mod compare;
pub mod costs;
mod csv;
pub mod diff;
pub mod estimate;
pub mod facets;
pub mod file;
mod format;
mod grid;
pub mod history;
mod json;
mod markdown;
pub mod models;
mod parquet;
pub mod syncs;
mod table;
mod text;
pub mod usage;

use std::io::{self, Write};

pub use self::csv::CsvRows;
pub use self::format::{Format, Look};
pub use self::grid::{Grid, cell};
pub use self::json::{JsonArray, json};
pub use self::markdown::escape as markdown_escape;
pub use self::text::{hidden, one_line, visible};

/// The one place a grid is turned into text: here, so that the grid (data)
/// and its writers (which read it) do not import each other.
impl Grid {
    /// Writes the grid; `look` says how a table may use the terminal.
    pub fn write(&self, out: &mut dyn Write, format: Format, look: Look) -> io::Result<()> {
        match format {
            Format::Table => table::write(out, self, look),
            Format::Csv => csv::write(out, self),
            Format::Markdown => markdown::write(out, self),
            Format::Json => unreachable!("JSON is written from typed values, not grids"),
        }
    }
}
