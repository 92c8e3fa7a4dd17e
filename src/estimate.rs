//! The report of `estimate`: a workload file's items priced on the catalog,
//! their totals, the budget, and the comparison with an earlier report (the
//! baseline). Pure: the command prices each item against the store and hands
//! the results here; [`crate::gate`] decides what fails.

use serde::{Deserialize, Serialize};

use crate::gate::Violation;
use crate::money::{Money, Overflow};
use crate::output::costs::Priced;

/// The `version` of the JSON report; bumped if its shape ever changes.
pub const VERSION: u32 = 1;

/// What `estimate --format json` writes, and reads back as a baseline.
#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub catalog: CatalogRef,
    pub currency: &'static str,
    pub items: Vec<ItemCost>,
    pub total: Money,
    pub list_total: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    pub violations: Vec<Violation>,
}

/// The snapshot a report was priced on.
#[derive(Debug, Serialize)]
pub struct CatalogRef {
    pub sync_id: i64,
    /// When the catalog's data left the API (what `--max-catalog-age` measures).
    pub synced_at: String,
    pub source: String,
}

/// One item of the workload, priced.
#[derive(Debug, Serialize)]
pub struct ItemCost {
    pub name: String,
    /// The model's id (the file may name it by code).
    pub model: String,
    #[serde(flatten)]
    pub priced: Priced,
    /// Why the item has no cost: an unknown or unpriced model.
    #[serde(skip)]
    pub problem: Option<Problem>,
}

/// Why an item could not be priced, for the gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `unknown_model` or `unpriced_model`.
    pub kind: &'static str,
    pub message: String,
}

/// The report against an earlier one.
#[derive(Debug, Serialize)]
pub struct Baseline {
    pub total: Money,
    pub difference: Money,
    pub change_pct: Option<Money>,
    pub items: Vec<ItemChange>,
}

/// One item against the baseline, matched by name; `cost` is the old cost.
#[derive(Debug, Serialize)]
pub struct ItemChange {
    pub name: String,
    pub cost: Option<Money>,
    pub difference: Option<Money>,
    pub change_pct: Option<Money>,
}

#[derive(Debug, Serialize)]
pub struct Budget {
    pub limit: Money,
    pub remaining: Money,
    pub exceeded: bool,
}

impl Budget {
    pub fn new(limit: Money, total: Money) -> Budget {
        Budget { limit, remaining: limit.checked_sub(total).unwrap_or(Money::ZERO), exceeded: total > limit }
    }
}

/// The totals of the priced items: (effective, listed).
pub fn totals(items: &[ItemCost]) -> Result<(Money, Money), Overflow> {
    let sum = |f: fn(&ItemCost) -> Option<Money>| items.iter().filter_map(f).try_fold(Money::ZERO, Money::checked_add);
    Ok((sum(|i| i.priced.cost)?, sum(|i| i.priced.list_cost)?))
}

/// What an earlier `estimate --format json` is read for. Amounts may be
/// decimal strings (as cometcat writes them) or JSON numbers (hand-written).
#[derive(Deserialize)]
pub struct Earlier {
    #[serde(default)]
    version: Option<serde_json::Value>,
    total: serde_json::Value,
    #[serde(default)]
    items: Vec<EarlierItem>,
}

#[derive(Deserialize)]
struct EarlierItem {
    name: String,
    #[serde(default)]
    cost: serde_json::Value,
}

/// Why a baseline cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaselineError {
    #[error("the baseline {file} is not an `estimate --format json` report: {reason}")]
    NotAReport { file: String, reason: String },
    #[error("the baseline holds {0}, which is not an amount")]
    NotAnAmount(String),
    #[error("the baseline holds {text:?}, which is not an amount: {reason}")]
    BadAmount { text: String, reason: crate::money::MoneyError },
    #[error("the baseline has no total")]
    NoTotal,
    #[error("the baseline is a version {0} report; this cometcat reads version {VERSION}")]
    UnknownVersion(String),
    #[error("the baseline's total is negative ({0})")]
    Negative(Money),
    #[error("the baseline lists the item {0:?} more than once")]
    DuplicateItem(String),
    #[error("the difference is too large")]
    TooLarge,
}

impl Earlier {
    /// Reads the text of the baseline `file` (named in errors).
    pub fn parse(file: &str, text: &str) -> Result<Earlier, BaselineError> {
        let earlier: Earlier = serde_json::from_str(text)
            .map_err(|e| BaselineError::NotAReport { file: file.to_owned(), reason: e.to_string() })?;
        // A hand-written baseline may leave the version out.
        match &earlier.version {
            None => {}
            Some(v) if v.as_u64() == Some(u64::from(VERSION)) => {}
            Some(other) => return Err(BaselineError::UnknownVersion(other.to_string())),
        }
        match amount(&earlier.total)? {
            Some(total) if total.is_negative() => return Err(BaselineError::Negative(total)),
            None => return Err(BaselineError::NoTotal),
            Some(_) => {}
        }
        let mut names = std::collections::HashSet::new();
        if let Some(twice) = earlier.items.iter().find(|i| !names.insert(i.name.as_str())) {
            return Err(BaselineError::DuplicateItem(twice.name.clone()));
        }
        Ok(earlier)
    }
}

/// An amount of a baseline: a decimal string or number, or null.
fn amount(value: &serde_json::Value) -> Result<Option<Money>, BaselineError> {
    let text = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Number(n) => n.as_str(),
        other => return Err(BaselineError::NotAnAmount(other.to_string())),
    };
    text.parse().map(Some).map_err(|reason| BaselineError::BadAmount { text: text.to_owned(), reason })
}

/// The report's totals and items against an earlier report.
pub fn compare(old: &Earlier, items: &[ItemCost], total: Money) -> Result<Baseline, BaselineError> {
    let old_total = amount(&old.total)?.ok_or(BaselineError::NoTotal)?;
    let change = |name: &str, new: Option<Money>, old: Option<Money>| {
        let difference = match (new, old) {
            (None, None) => None,
            (n, o) => n.unwrap_or(Money::ZERO).checked_sub(o.unwrap_or(Money::ZERO)).ok(),
        };
        let change_pct = difference.zip(old).and_then(|(d, o)| d.percent_of(o));
        ItemChange { name: name.to_owned(), cost: old, difference, change_pct }
    };
    let mut changes = Vec::new();
    for item in items {
        let before = old.items.iter().find(|o| o.name == item.name);
        let old_cost = before.map(|o| amount(&o.cost)).transpose()?.flatten();
        changes.push(change(&item.name, item.priced.cost, old_cost));
    }
    for gone in old.items.iter().filter(|o| !items.iter().any(|i| i.name == o.name)) {
        changes.push(change(&gone.name, None, amount(&gone.cost)?));
    }
    let difference = total.checked_sub(old_total).map_err(|_| BaselineError::TooLarge)?;
    Ok(Baseline { total: old_total, difference, change_pct: difference.percent_of(old_total), items: changes })
}

impl Report {
    /// An item's comparison with the baseline, if there is one.
    pub fn change_of(&self, name: &str) -> Option<&ItemChange> {
        self.baseline.as_ref()?.items.iter().find(|c| c.name == name)
    }

    /// Baseline items no longer in the workload.
    pub fn removed(&self) -> impl Iterator<Item = &ItemChange> {
        self.baseline.iter().flat_map(|b| &b.items).filter(|c| !self.items.iter().any(|i| i.name == c.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_is_refused_unless_it_can_be_trusted() {
        let cases = [
            (r#"{"version": 2, "total": "1"}"#, "the baseline is a version 2 report; this cometcat reads version 1"),
            (r#"{"total": "-5"}"#, "the baseline's total is negative (-5)"),
            (r#"{"total": null}"#, "the baseline has no total"),
            (
                r#"{"total": 3, "items": [{"name": "a", "cost": 1}, {"name": "a", "cost": 2}]}"#,
                "the baseline lists the item \"a\" more than once",
            ),
            (r#"{"total": {"usd": 1}}"#, "the baseline holds {\"usd\":1}, which is not an amount"),
        ];
        for (text, want) in cases {
            assert_eq!(Earlier::parse("b.json", text).err().map(|e| e.to_string()).as_deref(), Some(want), "{text}");
        }
        assert!(Earlier::parse("b.json", r#"{"version": 1, "total": "700", "items": []}"#).is_ok());
        assert!(Earlier::parse("b.json", r#"{"total": 700}"#).is_ok(), "hand-written, without a version");
    }
}
