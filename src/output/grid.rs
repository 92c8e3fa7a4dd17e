//! A [`Grid`]: rows of text cells under a header, some columns numbers; what
//! a table, CSV and Markdown are written from.

/// Rows of text cells under a header; some columns hold numbers (right-aligned),
/// some are never cut to fit a terminal (numbers, and the [`Grid::whole`] ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<usize>,
    /// Columns a table too wide for its terminal may leave out, in the order
    /// it leaves them out (after the columns empty in every row); the columns
    /// of a group go together.
    pub droppable: Vec<Vec<usize>>,
    /// Text columns a narrow terminal never cuts.
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

    /// Marks columns (by header) a table too wide for its terminal may leave
    /// out, one by one, the first named first.
    pub fn droppable(mut self, headers: &[&str]) -> Grid {
        for h in headers {
            self = self.droppable_together(&[h]);
        }
        self
    }

    /// Marks columns (by header) a table too wide for its terminal may leave
    /// out together, after those marked before: `IN` never without `OUT`.
    pub fn droppable_together(mut self, headers: &[&str]) -> Grid {
        let group: Vec<usize> = headers.iter().filter_map(|h| self.headers.iter().position(|x| x == h)).collect();
        if !group.is_empty() {
            self.droppable.push(group);
        }
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
