//! The one description of a model's price columns: their names (the same in the
//! database, in JSON and in CSV), whether each is listed or effective, its unit,
//! and its table header. The schema's row builder and decoder, the JSON and CSV
//! renderers, `history` and `diff` all iterate [`PRICE_COLUMNS`]; a column's
//! value is read from a model's pricing by [`crate::catalog::Pricing::value`].

use crate::pricing::Component;

/// A price column: a listed price, the ratio, or an effective price (listed × ratio).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PriceColumn {
    Listed(Component),
    Ratio,
    Effective(Component),
}

/// Every price column, in the order of the CSV and JSON output.
pub const PRICE_COLUMNS: [PriceColumn; 9] = [
    PriceColumn::Listed(Component::Input),
    PriceColumn::Listed(Component::Output),
    PriceColumn::Listed(Component::Request),
    PriceColumn::Listed(Component::Second),
    PriceColumn::Ratio,
    PriceColumn::Effective(Component::Input),
    PriceColumn::Effective(Component::Output),
    PriceColumn::Effective(Component::Request),
    PriceColumn::Effective(Component::Second),
];

impl PriceColumn {
    /// The column's name in the database, the CSV header and the JSON key.
    pub fn name(self) -> &'static str {
        use Component::*;
        match self {
            PriceColumn::Listed(Input) => "input_price",
            PriceColumn::Listed(Output) => "output_price",
            PriceColumn::Listed(Request) => "per_request",
            PriceColumn::Listed(Second) => "per_second",
            PriceColumn::Ratio => "ratio",
            PriceColumn::Effective(Input) => "effective_input_price",
            PriceColumn::Effective(Output) => "effective_output_price",
            PriceColumn::Effective(Request) => "effective_per_request",
            PriceColumn::Effective(Second) => "effective_per_second",
        }
    }

    /// The column of a human table.
    pub fn header(self) -> &'static str {
        use Component::*;
        match self {
            PriceColumn::Listed(Input) => "INPUT $/M",
            PriceColumn::Listed(Output) => "OUTPUT $/M",
            PriceColumn::Listed(Request) => "$/CALL",
            PriceColumn::Listed(Second) => "$/SEC",
            PriceColumn::Ratio => "RATIO",
            PriceColumn::Effective(Input) => "EFF. IN $/M",
            PriceColumn::Effective(Output) => "EFF. OUT $/M",
            PriceColumn::Effective(Request) => "EFF. $/CALL",
            PriceColumn::Effective(Second) => "EFF. $/SEC",
        }
    }

    /// The column holding this price as text that sorts exactly, for the
    /// effective prices a listing can be sorted or filtered by.
    pub fn sort_column(self) -> Option<&'static str> {
        match self {
            PriceColumn::Effective(Component::Input) => Some("input_sort"),
            PriceColumn::Effective(Component::Output) => Some("output_sort"),
            PriceColumn::Effective(Component::Request) => Some("request_sort"),
            PriceColumn::Effective(Component::Second) => Some("second_sort"),
            _ => None,
        }
    }
}
