//! The output formats a command can write, and how a table may use the
//! terminal it is written to.

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
