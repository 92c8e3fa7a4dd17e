//! The report of `estimate`: a workload file's items priced on the catalog,
//! their totals, the budget, and the comparison with an earlier report (the
//! baseline). Pure: the command prices each item against the store and hands
//! the results here; [`crate::gate`] decides what fails.

use serde::Serialize;

use crate::catalog::CatalogRef;
use crate::gate::{Baseline, BaselineError, Growth, Violation};
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
        ItemChange { name: name.to_owned(), cost: old, difference, change_pct }
    };
    let mut changes = Vec::new();
    for item in items {
        changes.push(change(&item.name, item.priced.cost, old.item(&item.name).flatten()));
    }
    for (gone, cost) in old.items.iter().filter(|(name, _)| !items.iter().any(|i| i.name == *name)) {
        changes.push(change(gone, None, *cost));
    }
    let growth = Growth::new(old.total, total).map_err(|_| BaselineError::TooLarge)?;
    Ok(VsBaseline { growth, items: changes })
}

impl EstimateReport {
    /// An item's comparison with the baseline, if there is one.
    pub fn change_of(&self, name: &str) -> Option<&ItemChange> {
        self.baseline.as_ref()?.items.iter().find(|c| c.name == name)
    }

    /// Baseline items no longer in the workload.
    pub fn removed(&self) -> impl Iterator<Item = &ItemChange> {
        self.baseline.iter().flat_map(|b| &b.items).filter(|c| !self.items.iter().any(|i| i.name == c.name))
    }
}
