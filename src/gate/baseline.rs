//! An earlier report read back as a baseline: an `estimate --format json`
//! (its `total` and its items' costs) or a `usage --format json` (its
//! `totals.cost`). One reader for both, with one set of rules: amounts are
//! decimal strings (as cometcat writes them) or JSON numbers (hand-written),
//! never negative, items named once. Pure: the caller reads the file (at most
//! [`MAX_BASELINE`] bytes).

use serde::{Deserialize, Serialize};

use crate::money::{Money, Overflow};

/// A baseline is a report: far smaller than this.
pub const MAX_BASELINE: u64 = 64 << 20;

/// Which command's report a baseline must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `estimate --format json` of this report version.
    Estimate { version: u32 },
    /// `usage --format json`.
    Usage,
}

impl Shape {
    fn command(self) -> &'static str {
        match self {
            Shape::Estimate { .. } => "estimate",
            Shape::Usage => "usage",
        }
    }
}

/// What an earlier report is read for: its total, and its items' costs
/// (an estimate's; none for usage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    pub total: Money,
    pub items: Vec<BaselineItem>,
}

/// An item of an earlier report: its name, its cost (`None`: unpriced) and
/// the model it named (an `estimate` report's items say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineItem {
    pub name: String,
    pub cost: Option<Money>,
    pub model: Option<String>,
}

/// Why a baseline cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaselineError {
    #[error("the baseline {file} is not a{} `{command} --format json` report: {reason}", if *.command == "estimate" { "n" } else { "" })]
    NotAReport { file: String, command: &'static str, reason: String },
    #[error("the baseline holds {0}, which is not an amount")]
    NotAnAmount(String),
    #[error("the baseline holds {text:?}, which is not an amount: {reason}")]
    BadAmount { text: String, reason: crate::money::MoneyError },
    #[error("the baseline has no total")]
    NoTotal,
    #[error("the baseline is a version {found} report; this cometcat reads version {known}")]
    UnknownVersion { found: String, known: u32 },
    #[error("the baseline's total is negative ({0})")]
    Negative(Money),
    #[error("the baseline lists the item {0:?} more than once")]
    DuplicateItem(String),
    #[error("the change against the baseline is too large to compute exactly")]
    TooLarge,
}

impl crate::error::Diagnostic for BaselineError {}

/// The fields of either report that a baseline is read for.
#[derive(Deserialize)]
struct ReportFields {
    #[serde(default, deserialize_with = "crate::json::optional")]
    version: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "crate::json::optional")]
    total: Option<serde_json::Value>,
    #[serde(default)]
    totals: Option<ReportTotals>,
    #[serde(default)]
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
struct ReportTotals {
    #[serde(default, deserialize_with = "crate::json::any")]
    cost: serde_json::Value,
}

#[derive(Deserialize)]
struct RawItem {
    name: String,
    #[serde(default, deserialize_with = "crate::json::any")]
    cost: serde_json::Value,
    #[serde(default)]
    model: Option<String>,
}

impl Baseline {
    /// Reads the text of the baseline `file` (named in errors), which must be
    /// a report of `shape`.
    pub fn parse(file: &str, text: &str, shape: Shape) -> Result<Baseline, BaselineError> {
        let not_a_report =
            |reason: String| BaselineError::NotAReport { file: file.to_owned(), command: shape.command(), reason };
        if !text.trim_start().starts_with('{') {
            return Err(not_a_report("it is not a JSON object".into()));
        }
        let report: ReportFields = serde_json::from_str(text).map_err(|e| not_a_report(e.to_string()))?;
        let total = match shape {
            Shape::Estimate { version } => {
                // A hand-written baseline may leave the version out.
                match &report.version {
                    None => {}
                    Some(v) if v.as_u64() == Some(u64::from(version)) => {}
                    Some(other) => {
                        return Err(BaselineError::UnknownVersion { found: shown(other), known: version });
                    }
                }
                report.total.as_ref().map(amount).transpose()?.flatten()
            }
            Shape::Usage => match &report.totals {
                Some(totals) => amount(&totals.cost)?,
                None => return Err(not_a_report("it has no `totals`".into())),
            },
        };
        let total = total.ok_or(BaselineError::NoTotal)?;
        if total.is_negative() {
            return Err(BaselineError::Negative(total));
        }
        let mut items: Vec<BaselineItem> = Vec::with_capacity(report.items.len());
        let mut names = std::collections::HashSet::with_capacity(report.items.len());
        for item in report.items {
            if !names.insert(item.name.clone()) {
                return Err(BaselineError::DuplicateItem(item.name));
            }
            items.push(BaselineItem { cost: amount(&item.cost)?, name: item.name, model: item.model });
        }
        Ok(Baseline { total, items })
    }
}

/// A value of a baseline as its JSON, cut to 80 characters: a baseline is a file from anywhere.
fn shown(value: &serde_json::Value) -> String {
    let mut shown = value.to_string();
    if shown.len() > 80 {
        shown.truncate(shown.floor_char_boundary(77));
        shown.push_str("...");
    }
    shown
}

/// An amount of a baseline: a decimal string or number, or null.
fn amount(value: &serde_json::Value) -> Result<Option<Money>, BaselineError> {
    let text = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Number(n) => n.as_str(),
        other => return Err(BaselineError::NotAnAmount(shown(other))),
    };
    text.parse().map(Some).map_err(|reason| BaselineError::BadAmount { text: text.to_owned(), reason })
}

/// A total against the baseline's: the baseline's total, the difference, and
/// the difference in % of the baseline (`None` when the baseline was 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Growth {
    pub total: Money,
    pub difference: Money,
    pub change_pct: Option<Money>,
}

impl Growth {
    /// From the baseline's total `before` to `now`.
    pub fn new(before: Money, now: Money) -> Result<Growth, Overflow> {
        let difference = now.checked_sub(before)?;
        Ok(Growth { total: before, difference, change_pct: difference.percent_of(before) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATE: Shape = Shape::Estimate { version: 1 };

    #[test]
    fn a_baseline_is_refused_unless_it_can_be_trusted() {
        let cases = [
            (r#"{"version": 2, "total": "1"}"#, "the baseline is a version 2 report; this cometcat reads version 1"),
            (
                r#"{"version": "a version name as long as a sentence, longer than anyone would ever write down, truly", "total": "1"}"#,
                r#"the baseline is a version "a version name as long as a sentence, longer than anyone would ever write do... report; this cometcat reads version 1"#,
            ),
            (r#"{"total": "-5"}"#, "the baseline's total is negative (-5)"),
            (r#"{"total": null}"#, "the baseline has no total"),
            (
                r#"{"total": 3, "items": [{"name": "a", "cost": 1}, {"name": "a", "cost": 2}]}"#,
                "the baseline lists the item \"a\" more than once",
            ),
            (r#"{"total": {"usd": 1}}"#, "the baseline holds {\"usd\":1}, which is not an amount"),
            ("[]", "the baseline b.json is not an `estimate --format json` report: it is not a JSON object"),
        ];
        for (text, want) in cases {
            let got = Baseline::parse("b.json", text, ESTIMATE).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), Some(want), "{text}");
        }
        assert!(Baseline::parse("b.json", r#"{"version": 1, "total": "700", "items": []}"#, ESTIMATE).is_ok());
        assert!(Baseline::parse("b.json", r#"{"total": 700}"#, ESTIMATE).is_ok(), "hand-written, without a version");
    }

    #[test]
    fn a_usage_baseline_is_a_usage_report() {
        let read = |text: &str| Baseline::parse("u.json", text, Shape::Usage).map(|b| b.total.to_string());
        assert_eq!(read(r#"{"totals":{"cost":"1.5"}}"#), Ok("1.5".into()));
        assert_eq!(read(r#"{"totals":{"cost":1.5}}"#), Ok("1.5".into()), "a number, as for estimate");
        for bad in [r#"{"totals":{"cost":"-1"}}"#, r#"{"total":"1"}"#, "[]", ""] {
            assert!(read(bad).is_err(), "{bad}");
        }
        assert_eq!(
            read(r#"{"total":"1"}"#).unwrap_err().to_string(),
            "the baseline u.json is not a `usage --format json` report: it has no `totals`"
        );
        // serde_json's private key is a key, not JSON to read again (which would make this "1.5").
        let private = r#"{"totals":{"cost":{"$serde_json::private::RawValue":"\"1.5\""}}}"#;
        assert_eq!(
            read(private).unwrap_err().to_string(),
            r#"the baseline holds {"$serde_json::private::RawValue":"\"1.5\""}, which is not an amount"#
        );
        let long = format!(r#"{{"totals":{{"cost":[{}]}}}}"#, vec!["1"; 100].join(","));
        let message = read(&long).unwrap_err().to_string();
        assert!(message.ends_with("..., which is not an amount") && message.len() < 130, "cut short: {message}");
    }

    #[test]
    fn growth_is_exact_and_says_no_percentage_of_nothing() {
        let m = |s: &str| Money::parse(s).unwrap();
        let g = Growth::new(m("2"), m("3")).unwrap();
        assert_eq!((g.difference.to_string(), g.change_pct.map(|p| p.to_string())), ("1".into(), Some("50".into())));
        assert_eq!(Growth::new(Money::ZERO, Money::ONE).unwrap().change_pct, None);
    }
}
