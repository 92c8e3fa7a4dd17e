//! A [`Grid`]: rows of text cells under a header, some columns numbers; what
//! a table, CSV and Markdown are written from.

/// Rows of text cells under a header; some columns hold numbers (right-aligned),
/// some are never cut to fit a terminal (numbers, and the [`Grid::whole`] ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<usize>,
    pub whole: Vec<usize>,
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

    /// Marks text columns (by index) that a narrow terminal never cuts: the
    /// labels of a table whose rows are fields, say.
    pub fn whole(mut self, columns: &[usize]) -> Grid {
        self.whole = columns.to_vec();
        self
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }
}

/// An optional cell: empty when absent.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}
