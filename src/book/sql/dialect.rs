//! What differs between the four engines, and nothing else: each engine's
//! exact decimal type and how a product keeps every digit in it, the date
//! pattern's back-reference, identifier quoting, and Spark's guards. The
//! rules themselves are written once, in `super`. Pure.
//!
//! Exact decimals, engine by engine (the research notes behind these are
//! summarized in docs/warehouse.md):
//! - DuckDB: `/` gives DOUBLE, so a per-million price is multiplied by
//!   `0.000001` (DECIMAL(7,6)); DECIMAL(38,18) × 0.000001 is DECIMAL(38,24),
//!   × DECIMAL(20,0) tokens stays (38,24). Overflow is an error.
//! - Postgres: NUMERIC is exact at any size; `/` may round, so again `* 0.000001`.
//! - BigQuery: NUMERIC keeps 9 decimals and rounds silently; BIGNUMERIC keeps
//!   38, so prices, counts and the constant are BIGNUMERIC.
//! - Spark: DECIMAL(38,18) × BIGINT is narrowed to DECIMAL(38,6), silently.
//!   Each operand is cast to a type narrow enough that the product needs no
//!   more than 38 digits: DECIMAL(13,0) × DECIMAL(24,24) is DECIMAL(38,24),
//!   and parts are added as DECIMAL(37,24). Out of that range a call raises
//!   an error (`raise_error`) instead of turning NULL or losing digits.

use std::fmt::Write as _;

/// An SQL engine the query is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    DuckDb,
    Spark,
    BigQuery,
    Postgres,
}

/// How a part of the cost is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Tokens, at a price per million.
    PerMillion,
    /// Calls, at a price per call.
    Each,
    /// Seconds (a decimal), at a price per second.
    Seconds,
}

/// Spark's exact range: counts and seconds below these, prices below 1e6 a unit.
pub const SPARK_MAX_COUNT: &str = "10000000000000";
pub const SPARK_MAX_SECONDS: &str = "10000000";
pub const SPARK_MAX_PRICE: &str = "1000000";

impl Dialect {
    pub const ALL: [Dialect; 4] = [Dialect::DuckDb, Dialect::Spark, Dialect::BigQuery, Dialect::Postgres];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::BigQuery => "bigquery",
            Dialect::Postgres => "postgres",
        }
    }

    /// The engine's name in prose.
    pub fn title(self) -> &'static str {
        match self {
            Dialect::DuckDb => "DuckDB",
            Dialect::Spark => "Spark SQL",
            Dialect::BigQuery => "BigQuery",
            Dialect::Postgres => "PostgreSQL",
        }
    }

    /// A price column of the price book, as the exact type the parts are computed in.
    pub fn price(self, column: &str) -> String {
        let ty = match self {
            Dialect::DuckDb | Dialect::Spark => "DECIMAL(38,18)",
            Dialect::BigQuery => "BIGNUMERIC",
            Dialect::Postgres => "NUMERIC",
        };
        format!("CAST({column} AS {ty})")
    }

    /// `quantity × price` for one part of the cost, every digit kept.
    pub fn part(self, quantity: &str, price: &str, unit: Unit) -> String {
        let quantity = format!("CAST({quantity} AS {})", self.quantity_type(unit));
        // Spark: narrow enough that the product needs at most 38 digits (the guard keeps it so).
        let narrow = format!("CAST({price} AS DECIMAL(24,18))");
        let price = match (self, unit) {
            (Dialect::DuckDb | Dialect::Postgres, Unit::PerMillion) => format!("({price} * 0.000001)"),
            (Dialect::BigQuery, Unit::PerMillion) => format!("({price} * {})", self.exact("0.000001")),
            (Dialect::Spark, Unit::PerMillion) => format!("CAST({narrow} * 0.000001 AS DECIMAL(24,24))"),
            (Dialect::Spark, _) => narrow,
            (_, Unit::Each | Unit::Seconds) => price.to_owned(),
        };
        format!("{quantity} * {price}")
    }

    fn quantity_type(self, unit: Unit) -> &'static str {
        match (self, unit) {
            (Dialect::DuckDb, Unit::Seconds) => "DECIMAL(18,6)",
            (Dialect::DuckDb, _) => "DECIMAL(20,0)",
            (Dialect::Spark, Unit::Seconds) => "DECIMAL(13,6)",
            (Dialect::Spark, _) => "DECIMAL(13,0)",
            (Dialect::BigQuery, _) => "BIGNUMERIC",
            (Dialect::Postgres, _) => "NUMERIC",
        }
    }

    /// A decimal constant as an exact value (a bare `0.5` is FLOAT64 in BigQuery).
    fn exact(self, literal: &str) -> String {
        match self {
            Dialect::BigQuery => format!("BIGNUMERIC '{literal}'"),
            _ => literal.to_owned(),
        }
    }

    /// The seconds a call gives, as a count of microseconds (with any
    /// fraction): exact for up to 18 decimal places.
    pub fn micros(self, seconds: &str) -> String {
        let wide = match self {
            Dialect::DuckDb => "DECIMAL(38,18)",
            // 25 digits: × 1000000 stays within Spark's 38 (the guard keeps seconds under 10^7).
            Dialect::Spark => "DECIMAL(25,18)",
            Dialect::BigQuery => "BIGNUMERIC",
            Dialect::Postgres => "NUMERIC",
        };
        format!("CAST({seconds} AS {wide}) * 1000000")
    }

    /// `micros` rounded half to even, as seconds: how `usage` reads seconds
    /// (to the microsecond, so that a float's noise cannot make a sum no
    /// decimal holds). Seconds are never negative.
    pub fn to_seconds(self, micros: &str) -> String {
        let (half, millionth) = (self.exact("0.5"), self.exact("0.000001"));
        let whole = format!("floor({micros})");
        format!(
            "(CASE WHEN {micros} - {whole} > {half}\n        \
             OR ({micros} - {whole} = {half} AND {whole} - 2 * floor({whole} * {half}) = 1)\n      \
             THEN {whole} + 1 ELSE {whole} END) * {millionth}"
        )
    }

    /// The sum of a call's parts (each NULL when not priced, then 0).
    pub fn sum(self, parts: &[String]) -> String {
        let zero = |p: &String| match self {
            Dialect::Spark => format!("coalesce(CAST({p} AS DECIMAL(37,24)), 0)"),
            _ => format!("coalesce({p}, 0)"),
        };
        let mut sum = String::new();
        for (i, part) in parts.iter().enumerate() {
            match (self, i) {
                (_, 0) => sum = zero(part),
                // (37,24) + (37,24) is (38,24): cast back down after each step.
                (Dialect::Spark, _) => sum = format!("CAST({sum}\n        + {} AS DECIMAL(37,24))", zero(part)),
                _ => {
                    let _ = write!(sum, "\n        + {}", zero(part));
                }
            }
        }
        sum
    }

    /// `name` without a trailing date, by the pattern of `usage::resolve::undated`.
    pub fn undated(self, name: &str) -> String {
        let (pattern, back) = match self {
            Dialect::BigQuery => (format!("r'{DATE_SUFFIX}'"), "r'\\1'"),
            Dialect::Spark => (format!("'{DATE_SUFFIX}'"), "'$1'"),
            Dialect::DuckDb | Dialect::Postgres => (format!("'{DATE_SUFFIX}'"), "'\\1'"),
        };
        format!("regexp_replace({name}, {pattern}, {back})")
    }

    /// The condition under which Spark cannot compute a call exactly, and the
    /// error it raises then; `None` for engines that raise on their own.
    pub fn guard(self, counts: &[&str], seconds: &str, prices: &[String], parts: &[String]) -> Option<String> {
        if self != Dialect::Spark {
            return None;
        }
        let mut out_of_range: Vec<String> = counts.iter().map(|c| format!("abs({c}) >= {SPARK_MAX_COUNT}")).collect();
        out_of_range.push(format!("abs({seconds}) >= {SPARK_MAX_SECONDS}"));
        out_of_range.extend(prices.iter().map(|p| format!("abs({p}) >= {SPARK_MAX_PRICE}")));
        let total: Vec<String> = parts.iter().map(|p| format!("coalesce(abs({p}), 0)")).collect();
        Some(format!(
            "coalesce({}, FALSE)\n      OR {} >= {SPARK_MAX_COUNT}",
            out_of_range.join("\n        OR "),
            total.join(" + ")
        ))
    }

    /// What to do when [`Dialect::guard`] holds.
    pub fn raise(self, message: &str) -> String {
        format!("raise_error('{}')", message.replace('\'', "''"))
    }

    /// Quotes one part of a table name, unless it is a plain identifier
    /// that no engine reserves (`order` and `user` are quoted).
    pub fn quote(self, part: &str) -> String {
        let plain = part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !RESERVED.contains(&part.to_ascii_lowercase().as_str());
        match self {
            _ if plain => part.to_owned(),
            Dialect::DuckDb | Dialect::Postgres => format!("\"{part}\""),
            Dialect::Spark | Dialect::BigQuery => format!("`{part}`"),
        }
    }
}

/// Words one of the four engines reserves, which a table's name cannot be unquoted.
const RESERVED: &[&str] = &[
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "at",
    "authorization",
    "between",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "cube",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "filter",
    "for",
    "foreign",
    "from",
    "full",
    "grant",
    "group",
    "grouping",
    "having",
    "in",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "natural",
    "not",
    "null",
    "of",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "over",
    "partition",
    "primary",
    "range",
    "references",
    "right",
    "rollup",
    "row",
    "rows",
    "select",
    "session_user",
    "set",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "unnest",
    "update",
    "user",
    "using",
    "values",
    "when",
    "where",
    "window",
    "with",
];

/// A trailing date as `usage::resolve::undated` takes it: `-YYYY-MM-DD` or
/// `-YYYYMMDD`, a plausible date of this century, after at least one
/// character. Written with no backslash, so that it reads the same in every
/// engine's string literals.
pub const DATE_SUFFIX: &str = "(?s)^(.+)-(20[0-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|20[0-9][0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]))$";
