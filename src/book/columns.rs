//! The one description of the price book's two tables: each column's name
//! and kind, in order ([`PRICE_BOOK`], [`PRICE_ALIASES`]), and a row's
//! values as [`BookCell`]s. The CSV, JSON Lines and Parquet writers, the SQL
//! builder and the documentation's `CREATE TABLE` lines all follow it.
//! Money is exact: a decimal that `DECIMAL(38,18)` cannot hold is never
//! written (see [`fits_decimal_38_18`]). Pure.

use jiff::Timestamp;

use crate::catalog::{PRICE_COLUMNS, PriceColumn};
use crate::money::Money;
use crate::pricing::Component;

/// What a column holds, and so its type in each format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// UTF-8 text.
    Text,
    /// An instant, RFC 3339 UTC in text formats, microseconds (UTC) in Parquet.
    Time,
    /// An exact decimal: a string in CSV and JSON, `DECIMAL(38,18)` in Parquet.
    Decimal,
    Bool,
}

/// A column of the price book or of the alias table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnKind,
}

const fn column(name: &'static str, kind: ColumnKind) -> Column {
    Column { name, kind }
}

/// A price column's name in the price book: the catalog's price columns,
/// with `_price` on every per-unit price (`per_request_price`).
pub const fn book_name(c: PriceColumn) -> &'static str {
    use Component::*;
    match c {
        PriceColumn::Listed(Input) => "input_price",
        PriceColumn::Listed(Output) => "output_price",
        PriceColumn::Listed(Request) => "per_request_price",
        PriceColumn::Listed(Second) => "per_second_price",
        PriceColumn::Ratio => "ratio",
        PriceColumn::Effective(Input) => "effective_input_price",
        PriceColumn::Effective(Output) => "effective_output_price",
        PriceColumn::Effective(Request) => "effective_per_request_price",
        PriceColumn::Effective(Second) => "effective_per_second_price",
    }
}

/// The time columns both tables end their key with.
pub const VALID_FROM: &str = "valid_from";
pub const VALID_TO: &str = "valid_to";
/// Whether a call without a time is priced on the row (it holds in the current snapshot).
pub const IS_CURRENT: &str = "is_current";

/// `price_book`: one row per model and price period.
pub const PRICE_BOOK: [Column; 15] = {
    let mut columns = [column("", ColumnKind::Decimal); 15];
    let head = [
        column("model_id", ColumnKind::Text),
        column("code", ColumnKind::Text),
        column("provider_code", ColumnKind::Text),
        column(VALID_FROM, ColumnKind::Time),
        column(VALID_TO, ColumnKind::Time),
    ];
    let mut i = 0;
    while i < head.len() {
        columns[i] = head[i];
        i += 1;
    }
    while i < head.len() + PRICE_COLUMNS.len() {
        columns[i] = column(book_name(PRICE_COLUMNS[i - head.len()]), ColumnKind::Decimal);
        i += 1;
    }
    columns[i] = column(IS_CURRENT, ColumnKind::Bool);
    columns
};

/// `price_aliases`: one row per name, model, way of matching and period.
pub const PRICE_ALIASES: [Column; 6] = [
    column("alias", ColumnKind::Text),
    column("model_id", ColumnKind::Text),
    column("how", ColumnKind::Text),
    column(VALID_FROM, ColumnKind::Time),
    column(VALID_TO, ColumnKind::Time),
    column(IS_CURRENT, ColumnKind::Bool),
];

/// One value of a row, of its column's [`ColumnKind`]; `None` is an empty cell (null).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookCell<'a> {
    Text(Option<&'a str>),
    Time(Option<Timestamp>),
    Decimal(Option<Money>),
    Bool(bool),
}

/// A row of one of the two tables: its cells, in its table's column order.
pub trait Row {
    fn cells(&self) -> Vec<BookCell<'_>>;
}

/// Whether `DECIMAL(38,18)` holds `value` exactly: at most 18 decimal places
/// and 20 integer digits.
pub fn fits_decimal_38_18(value: Money) -> bool {
    value.scaled_integer(18).is_some_and(|v| v.unsigned_abs() < 10u128.pow(38))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_book_names_every_price_column_once_after_the_key() {
        let names: Vec<&str> = PRICE_BOOK.iter().map(|c| c.name).collect();
        assert_eq!(
            names.join(","),
            "model_id,code,provider_code,valid_from,valid_to,input_price,output_price,per_request_price,\
             per_second_price,ratio,effective_input_price,effective_output_price,effective_per_request_price,\
             effective_per_second_price,is_current"
        );
        assert!(PRICE_BOOK[5..14].iter().all(|c| c.kind == ColumnKind::Decimal));
    }

    #[test]
    fn decimal_38_18_holds_eighteen_places_and_twenty_digits() {
        let m = |s: &str| Money::parse(s).unwrap();
        assert!(fits_decimal_38_18(m("0.000000000000000001")));
        assert!(fits_decimal_38_18(m("9999999999.999999999999999999")));
        assert!(!fits_decimal_38_18(m("0.0000000000000000001")));
        assert!(!fits_decimal_38_18(m("100000000000000000000")));
        assert!(fits_decimal_38_18(m("-99999999999999999999")));
    }
}
