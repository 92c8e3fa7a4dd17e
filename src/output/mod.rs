//! Renderers: a [`Grid`] of cells as a table, CSV or Markdown, any
//! serializable value as JSON, and the shapes built on them — model rows
//! ([`models`]), costs ([`costs`]), the estimate report ([`estimate`]), diffs
//! ([`diff`]) and price histories ([`history`]). Everything writes to
//! `impl Write`; nothing here reads the database or the network.

pub mod costs;
mod csv;
pub mod diff;
pub mod estimate;
pub mod facets;
pub mod file;
pub mod history;
mod markdown;
pub mod models;
pub mod syncs;
mod table;
pub mod usage;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

pub use self::csv::Rows as CsvRows;
pub use self::markdown::escape as markdown_escape;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Table, Format::Json, Format::Csv, Format::Markdown];

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }
}

/// How tables may use the terminal they are written to. The default — no
/// width, no colour — is what a pipe or a file gets: the same bytes every time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Look {
    /// The terminal's width in columns, when tables should fit it.
    pub width: Option<usize>,
    pub color: bool,
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

/// Pretty JSON, one document, ending with a newline.
pub fn json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A JSON array written an element at a time, laid out byte for byte as
/// [`json`] lays out a whole array, so a listing of any length streams.
pub struct JsonArray<'w> {
    out: &'w mut dyn Write,
    element: Vec<u8>,
    empty: bool,
}

impl<'w> JsonArray<'w> {
    pub fn new(out: &'w mut dyn Write) -> io::Result<JsonArray<'w>> {
        out.write_all(b"[")?;
        Ok(JsonArray { out, element: Vec::new(), empty: true })
    }

    pub fn push(&mut self, value: &impl Serialize) -> io::Result<()> {
        self.element.clear();
        serde_json::to_writer_pretty(&mut self.element, value)?;
        self.out.write_all(if self.empty { b"\n  " } else { b",\n  " })?;
        self.empty = false;
        // One level deeper: two more spaces after each newline. Pretty JSON has
        // newlines only between tokens, never inside a string.
        for (i, line) in self.element.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n  ")?;
            }
            self.out.write_all(line)?;
        }
        Ok(())
    }

    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(if self.empty { b"]\n" } else { b"\n]\n" })
    }
}

/// Text safe to show on a terminal, for messages: control characters other
/// than newline (tabs, CR, escape sequences), bidi controls (which reorder
/// what follows them) and zero-width characters appear escaped: `\t`, `\r`, `\u{1b}`, `\u{202e}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c == '\n')
}

/// Text for one cell of a table or Markdown table: every control character,
/// newline included, and every bidi control appears escaped, so that no cell
/// can start a row of its own or reorder its neighbours.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escaped(text, |_| false)
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let hidden = |c: char| (c.is_control() || is_bidi_control(c)) && !keep(c);
    if !text.chars().any(hidden) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Unicode's bidirectional formatting characters, and the invisible ones
/// that make two different ids look the same: zero-width spaces and joiners,
/// line and paragraph separators, the soft hyphen, invisible operators,
/// interlinear annotations and tag characters.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// An optional cell: empty when absent.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_cannot_forge_rows_or_reorder_text() {
        assert_eq!(one_line("a\nb\r\tc\u{1b}[31m"), "a\\nb\\r\\tc\\u{1b}[31m");
        assert_eq!(one_line("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(one_line("\u{2066}x\u{2069}\u{200F}"), "\\u{2066}x\\u{2069}\\u{200f}");
        assert_eq!(one_line("plain 日本語 ✓"), "plain 日本語 ✓");
        assert_eq!(visible("two\nlines\u{202e}"), "two\nlines\\u{202e}");
    }

    #[test]
    fn a_streamed_array_is_laid_out_as_a_whole_one() {
        let elements = [
            json!({"id": "a", "features": ["x", "y"], "endpoints": [{"key": "k", "path": "/v1"}], "empty": []}),
            json!("a string with a \n newline"),
            json!({"nested": {"deeper": [1, {"deepest": null}]}}),
        ];
        for n in 0..=elements.len() {
            let mut whole = Vec::new();
            json(&mut whole, &elements[..n].to_vec()).unwrap();
            let mut streamed = Vec::new();
            let mut array = JsonArray::new(&mut streamed).unwrap();
            for element in &elements[..n] {
                array.push(element).unwrap();
            }
            array.finish().unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap(), "{n} elements");
        }
    }
}
