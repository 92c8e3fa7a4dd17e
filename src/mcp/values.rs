//! The values that tool arguments hold, and how each becomes the domain's: a
//! number or decimal text kept as written ([`Scalar`], so money never passes
//! through a float), the choices a schema lists (sort keys, pricing kinds),
//! the bounds of `limit`, and FILTERS. Each conversion reuses the command
//! line's own parser and list of names, and its error names the argument.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{Deserializer, Error as _, Unexpected};
use serde::{Deserialize, Serialize};

use super::answer::ToolError;
use crate::cli::parse::{SnapshotSelector, price, snapshot_selector};
use crate::money::Money;
use crate::query::{Filters, PricingKind, Sort, SortKey};

/// The largest `limit` a listing takes, and the one it has when none is given.
pub const MAX_LIMIT: u64 = 500;
pub const DEFAULT_LIMIT: u64 = 50;

/// The FILTERS of the command line, as the arguments of a tool give them.
pub struct FilterFields<'a> {
    pub features: &'a [String],
    pub providers: &'a [String],
    pub types: &'a [String],
    pub endpoints: &'a [String],
    pub search: Option<&'a str>,
    pub max_input_price: Option<&'a Scalar>,
    pub max_output_price: Option<&'a Scalar>,
    pub min_context: Option<&'a Count>,
    pub pricing: Option<&'a str>,
    pub include_upcoming: bool,
}

/// A number or a string, kept as written: `0.5`, `"0.5"`, `8`, `"2026-10-01"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scalar(pub String);

/// A count, as the command line reads one: `1200`, `"1.2K"`, `"1M"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Count(pub String);

/// A number's digits as written, or a string; anything else is refused.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    // Through a Value: with serde_json's arbitrary_precision a number keeps its digits.
    let unexpected = match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => return Ok(s),
        serde_json::Value::Number(n) => return Ok(n.to_string()),
        serde_json::Value::Bool(b) => Unexpected::Bool(b),
        serde_json::Value::Null => Unexpected::Unit,
        serde_json::Value::Array(_) => Unexpected::Seq,
        serde_json::Value::Object(_) => Unexpected::Map,
    };
    Err(D::Error::invalid_type(unexpected, &"a number or a string"))
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        text(d).map(Scalar)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        text(d).map(Count)
    }
}

impl JsonSchema for Scalar {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["string", "number"]})
    }
}

impl JsonSchema for Count {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["integer", "string"]})
    }
}

/// A string that is one of `names`, or null (the default).
fn choices(names: &[&str]) -> Schema {
    let mut values: Vec<serde_json::Value> = names.iter().map(|&n| n.into()).collect();
    values.push(serde_json::Value::Null);
    json_schema!({"type": ["string", "null"], "enum": values})
}

/// The schema of `sort`: the command line's sort keys.
pub fn sort_keys(_: &mut SchemaGenerator) -> Schema {
    choices(&SortKey::ALL.map(SortKey::name))
}

/// The schema of `pricing`: the command line's pricing kinds.
pub fn pricing_kinds(_: &mut SchemaGenerator) -> Schema {
    choices(&PricingKind::ALL.map(PricingKind::name))
}

/// The schema of `at`: the prices of now, or of each record's time.
pub fn at_choices(_: &mut SchemaGenerator) -> Schema {
    choices(&["now", "record"])
}

/// The value of `name` among `all`, or an error listing them.
fn choice<T: Copy>(name: &str, given: &str, all: &[T], word: impl Fn(T) -> &'static str) -> Result<T, ToolError> {
    all.iter().copied().find(|&v| word(v).eq_ignore_ascii_case(given.trim())).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|&v| word(v)).collect();
        ToolError::argument(name, format!("{given:?} is not one of {}", names.join(", ")))
    })
}

/// `limit`, checked: at most [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when not given.
pub fn limit(given: Option<&Count>) -> Result<usize, ToolError> {
    let Some(given) = given else { return Ok(DEFAULT_LIMIT as usize) };
    match given.0.trim().parse::<u64>() {
        Ok(n) if n <= MAX_LIMIT => Ok(n as usize),
        Ok(n) => Err(ToolError::argument(
            "limit",
            format!("{n} is more than {MAX_LIMIT}; give at most {MAX_LIMIT} and narrow the question instead"),
        )),
        Err(_) => {
            Err(ToolError::argument("limit", format!("not a whole number from 0 to {MAX_LIMIT} (given: {})", given.0)))
        }
    }
}

/// A number of tokens per call: `1200`, `"1.2K"`.
pub fn tokens(name: &str, given: &Count) -> Result<u64, ToolError> {
    crate::cli::parse::tokens(&given.0).map_err(|e| ToolError::argument(name, format!("{e} (given: {})", given.0)))
}

/// A number of calls.
pub fn calls(name: &str, given: &Count) -> Result<u64, ToolError> {
    crate::cli::parse::calls(&given.0).map_err(|e| ToolError::argument(name, format!("{e} (given: {})", given.0)))
}

/// `sort` and `desc` as a sort order.
pub fn sort(given: Option<&str>, desc: bool) -> Result<Sort, ToolError> {
    let key = given.map(|k| choice("sort", k, &SortKey::ALL, SortKey::name)).transpose()?.unwrap_or_default();
    Ok(Sort { key, desc })
}

/// An amount in USD (a price or a budget), 0 or more.
pub fn usd(name: &str, given: &Scalar) -> Result<Money, ToolError> {
    price(&given.0).map_err(|e| ToolError::argument(name, format!("{e} (given: {})", given.0)))
}

/// Quota units to the dollar, for a gateway's log.
pub fn quota_rate(name: &str, given: &Scalar) -> Result<crate::usage::QuotaRate, ToolError> {
    crate::cli::parse::quota_rate(&given.0).map_err(|e| ToolError::argument(name, format!("{e} (given: {})", given.0)))
}

/// Seconds of media per call, 0 or more.
pub fn seconds(name: &str, given: &Scalar) -> Result<Money, ToolError> {
    crate::cli::parse::seconds(&given.0).map_err(|e| ToolError::argument(name, format!("{e} (given: {})", given.0)))
}

/// A snapshot: an id, a date or a time.
pub fn snapshot(name: &str, given: &Scalar) -> Result<SnapshotSelector, ToolError> {
    snapshot_selector(&given.0).map_err(|e| ToolError::argument(name, e))
}

/// FILTERS as the query layer takes them.
pub fn filters(f: FilterFields<'_>) -> Result<Filters, ToolError> {
    Ok(Filters {
        features: f.features.to_vec(),
        providers: f.providers.to_vec(),
        types: f.types.to_vec(),
        endpoints: f.endpoints.to_vec(),
        search: f.search.filter(|s| !s.is_empty()).map(str::to_owned),
        max_input_price: f.max_input_price.map(|p| usd("max_input_price", p)).transpose()?,
        max_output_price: f.max_output_price.map(|p| usd("max_output_price", p)).transpose()?,
        min_context: f.min_context.map(|c| tokens("min_context", c)).transpose()?,
        pricing: f.pricing.map(|p| choice("pricing", p, &PricingKind::ALL, PricingKind::name)).transpose()?,
        include_upcoming: f.include_upcoming,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_numbers_as_written() {
        let read = |json: &str| serde_json::from_str::<Scalar>(json).map(|s| s.0).map_err(|e| e.to_string());
        assert_eq!(read("0.50"), Ok("0.50".into()));
        assert_eq!(read("1e-7"), Ok("1e-7".into()));
        assert_eq!(read("\"2026-10-01\""), Ok("2026-10-01".into()));
        assert_eq!(read("true"), Err("invalid type: boolean `true`, expected a number or a string".into()));
        assert_eq!(usd("budget", &Scalar("1e-7".into())).unwrap().to_string(), "0.0000001");
    }

    #[test]
    fn bad_values_name_the_argument_and_the_choices() {
        let count = |s: &str| Count(s.into());
        assert_eq!(limit(None), Ok(50));
        assert_eq!(limit(Some(&count("500"))), Ok(500));
        assert!(limit(Some(&count("501"))).unwrap_err().0.starts_with("argument `limit`: 501 is more than 500"));
        assert_eq!(tokens("input_tokens", &count("1.2K")), Ok(1200));
        assert_eq!(
            tokens("input_tokens", &count("-5")).unwrap_err().0,
            "argument `input_tokens`: a number of tokens cannot be negative (given: -5)"
        );
        assert_eq!(
            sort(Some("price"), false).unwrap_err().0,
            "argument `sort`: \"price\" is not one of id, provider, input-price, output-price, request-price, \
             second-price, context, created"
        );
        assert_eq!(sort(Some("Input-Price"), true), Ok(Sort { key: SortKey::InputPrice, desc: true }));
        assert_eq!(
            usd("max_input_price", &Scalar("-1".into())).unwrap_err().0,
            "argument `max_input_price`: a price cannot be negative (given: -1)"
        );
    }
}
