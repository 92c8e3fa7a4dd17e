//! The report of `estimate`: a workload file's items priced on the catalog,
//! their totals, the budget, and the comparison with an earlier report (the
//! baseline). Pure: the command prices each item against the store and hands
//! the results here; [`crate::gate`] decides what fails.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::catalog::CatalogRef;
use crate::gate::{Baseline, BaselineError, BaselineItem, Growth, Violation};
use crate::money::{Money, Overflow};
use crate::pricing::Priced;

/// The `version` of the JSON report; bumped if its shape ever changes.
pub const VERSION: u32 = 1;

/// What `estimate --format json` writes, and reads back as a baseline.
#[derive(Debug, Serialize)]
pub struct EstimateReport {
    pub version: u32,
    pub catalog: CatalogRef,
    pub currency: &'static str,
    pub items: Vec<ItemCost>,
    pub total: Money,
    pub list_total: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<VsBaseline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    /// The `--baseline` file that did not exist (`--allow-missing-baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_baseline: Option<String>,
    pub violations: Vec<Violation>,
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
    pub problem: Option<ItemProblem>,
}

/// Why an item could not be priced, for the gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemProblem {
    /// `unknown_model` or `unpriced_model`.
    pub kind: &'static str,
    pub message: String,
}

/// The report against an earlier one: the totals, then each item.
#[derive(Debug, Serialize)]
pub struct VsBaseline {
    #[serde(flatten)]
    pub growth: Growth,
    pub items: Vec<ItemChange>,
}

/// One item against the baseline, matched by name; `cost` is the old cost.
#[derive(Debug, Serialize)]
pub struct ItemChange {
    pub name: String,
    pub cost: Option<Money>,
    pub difference: Option<Money>,
    pub change_pct: Option<Money>,
    /// The model the item named in the baseline, when it names another now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_before: Option<String>,
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

/// The report's totals and items against an earlier report.
pub fn compare(old: &Baseline, items: &[ItemCost], total: Money) -> Result<VsBaseline, BaselineError> {
    let change = |name: &str, new: Option<Money>, old: Option<Money>| {
        let difference = match (new, old) {
            (None, None) => None,
            (n, o) => n.unwrap_or(Money::ZERO).checked_sub(o.unwrap_or(Money::ZERO)).ok(),
        };
        let change_pct = difference.zip(old).and_then(|(d, o)| d.percent_of(o));
        ItemChange { name: name.to_owned(), cost: old, difference, change_pct, model_before: None }
    };
    // One change per item, in the items' order, then the baseline's items that are gone.
    let earlier: HashMap<&str, &BaselineItem> = old.items.iter().map(|i| (i.name.as_str(), i)).collect();
    let mut changes = Vec::with_capacity(items.len());
    for item in items {
        let before = earlier.get(item.name.as_str());
        let mut c = change(&item.name, item.priced.cost, before.and_then(|b| b.cost));
        c.model_before = before.and_then(|b| b.model.clone()).filter(|m| *m != item.model);
        changes.push(c);
    }
    let now: HashSet<&str> = items.iter().map(|i| i.name.as_str()).collect();
    for gone in old.items.iter().filter(|i| !now.contains(i.name.as_str())) {
        changes.push(change(&gone.name, None, gone.cost));
    }
    let growth = Growth::new(old.total, total).map_err(|_| BaselineError::TooLarge)?;
    Ok(VsBaseline { growth, items: changes })
}

impl EstimateReport {
    /// Item `n`'s comparison with the baseline, if there is one ([`compare`]
    /// lists one change per item, in the items' order).
    pub fn change(&self, n: usize) -> Option<&ItemChange> {
        self.baseline.as_ref()?.items.get(n).filter(|c| c.name == self.items[n].name)
    }

    /// Baseline items no longer in the workload: the changes after the items'.
    pub fn removed(&self) -> impl Iterator<Item = &ItemChange> {
        self.baseline.iter().flat_map(|b| b.items.get(self.items.len()..).unwrap_or_default())
    }
}
