//! The usage report: totals, groups, what was matched and how, what could
//! not be priced and why, what could not be read, and what the same traffic
//! would cost on other models. `usage --format json` is this, serialized.

use serde::Serialize;

use super::resolve::How;
use crate::catalog::CatalogRef;
use crate::gate::{Growth, Violation};
use crate::money::{Money, Overflow};
use crate::pricing::CostError;

/// Said in every report: the catalog has no cache price.
pub const CACHE_NOTE: &str = "cached tokens are billed at the input price: the catalog lists no cache price";

pub(super) fn unpriced_reason(e: &CostError) -> String {
    match e {
        CostError::Unpriced { .. } => "the catalog lists no price".into(),
        CostError::UnsupportedCurrency { currency, .. } => format!("priced in {currency:?}"),
        CostError::NeedsSeconds { .. } => "priced per second, and the record gives no seconds".into(),
        CostError::Inexact { field, .. } => format!("{field} cannot be held exactly"),
        CostError::Overflow { part, .. } => format!("the cost of {part} cannot be held exactly"),
        CostError::Missing { priced, missing, .. } => format!("it prices {priced} but not {missing}"),
    }
}

/// Tokens, calls and seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    pub requests: u64,
    #[serde(serialize_with = "seconds")]
    pub seconds: Money,
}

impl Counts {
    pub(super) fn add(&mut self, other: &Counts) -> Result<(), Overflow> {
        let sum = |a: u64, b: u64| a.checked_add(b).ok_or(Overflow);
        self.input_tokens = sum(self.input_tokens, other.input_tokens)?;
        self.output_tokens = sum(self.output_tokens, other.output_tokens)?;
        self.cached_tokens = sum(self.cached_tokens, other.cached_tokens)?;
        self.reasoning_tokens = sum(self.reasoning_tokens, other.reasoning_tokens)?;
        self.requests = sum(self.requests, other.requests)?;
        self.seconds = self.seconds.checked_add(other.seconds)?;
        Ok(())
    }
}

fn seconds<S: serde::Serializer>(value: &Money, s: S) -> Result<S::Ok, S::Error> {
    crate::money::as_number(&Some(*value), s)
}

/// The totals of every record read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub records: u64,
    pub priced: u64,
    pub unknown: u64,
    pub unpriced: u64,
    pub unreadable: u64,
    /// Error bodies, events and failed streams: not records.
    pub errors: u64,
    #[serde(flatten)]
    pub counts: Counts,
    /// Of the priced records only.
    pub cost: Money,
    pub list_cost: Money,
    #[serde(flatten)]
    pub charges: Charges,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Group {
    pub key: String,
    pub records: u64,
    #[serde(flatten)]
    pub counts: Counts,
    /// Of the priced records; `None` when none of the group's was priced.
    pub cost: Option<Money>,
    /// The group's records that were priced (the others are unknown or
    /// unpriced): a cost over fewer than all is marked in tables.
    #[serde(skip)]
    pub priced: u64,
    #[serde(flatten)]
    pub charges: Charges,
}

/// What the provider or gateway says it charged, beside what the catalog
/// says it costs. Written (in JSON: present) only when some record states a
/// charge. The comparison takes only the records that have both a charge and
/// a catalog cost; the others are counted as not compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Charges {
    /// Every stated charge, summed.
    pub charged: Money,
    /// Records that state a charge.
    pub stated: u64,
    /// Records with both a charge and a catalog cost.
    pub compared: u64,
    /// Their charges and their catalog cost.
    pub compared_charged: Money,
    pub compared_cost: Money,
    /// Records without a charge or without a catalog cost.
    pub not_compared: u64,
}

impl Charges {
    /// Adds a record's stated charge and catalog cost.
    pub(super) fn add(&mut self, charged: Option<Money>, cost: Option<Money>) -> Result<(), Overflow> {
        let mut next = self.clone();
        if let Some(ch) = charged {
            next.stated += 1;
            next.charged = next.charged.checked_add(ch)?;
        }
        match (charged, cost) {
            (Some(ch), Some(cost)) => {
                next.compared += 1;
                next.compared_charged = next.compared_charged.checked_add(ch)?;
                next.compared_cost = next.compared_cost.checked_add(cost)?;
            }
            _ => next.not_compared += 1,
        }
        *self = next;
        Ok(())
    }

    /// `charged − cost` over the records compared.
    pub fn difference(&self) -> Option<Money> {
        if self.compared == 0 {
            return None;
        }
        self.compared_charged.checked_sub(self.compared_cost).ok()
    }

    /// The difference in % of the compared records' catalog cost; `None` when that is 0.
    pub fn difference_pct(&self) -> Option<Money> {
        self.difference()?.percent_of(self.compared_cost)
    }
}

impl Serialize for Charges {
    /// `charged`, `difference`, `difference_pct` and `compared: {records,
    /// charged, cost, not_compared}`, or nothing when no charge was stated.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        if self.stated > 0 {
            map.serialize_entry("charged", &self.charged)?;
            map.serialize_entry("difference", &self.difference())?;
            map.serialize_entry("difference_pct", &self.difference_pct())?;
            let compared = serde_json::json!({
                "records": self.compared,
                "charged": self.compared_charged,
                "cost": self.compared_cost,
                "not_compared": self.not_compared,
            });
            map.serialize_entry("compared", &compared)?;
        }
        map.end()
    }
}

/// Errors the APIs answered with, by kind.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorKind {
    pub kind: String,
    pub records: u64,
}

/// What the input held, value by value (lines, events, array elements,
/// documents): every value read is in a record, in an error, unreadable, a
/// stream event that carries no usage, or a gateway log item that is not a
/// call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Input {
    pub values: u64,
    pub in_records: u64,
    pub in_errors: u64,
    pub unreadable: u64,
    pub stream_events: u64,
    pub skipped: u64,
}

/// What a gateway's log said, when the input held its items: how its quota
/// was read, its items by type (only `consume`, type 2, are calls), and the
/// calls whose `other` details had to be ignored.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayReport {
    pub quota_per_usd: Money,
    pub types: Vec<LogType>,
    pub other_ignored: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct LogType {
    #[serde(rename = "type")]
    pub log_type: i64,
    pub name: &'static str,
    pub items: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Resolved {
    pub name: String,
    pub model: String,
    pub how: How,
    pub records: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Unknown {
    pub model: String,
    pub records: u64,
    /// In words, for the gate.
    #[serde(skip)]
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct UnpricedModel {
    pub model: String,
    pub records: u64,
    pub reason: String,
    /// In words, for the gate.
    #[serde(skip)]
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Unreadable {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// The same traffic on another model, like for like: the records that were
/// priced, each re-priced on the alternative when it can price it.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIf {
    pub model: String,
    /// What the compared records would have cost on this model; `None` when
    /// it could price none of them.
    pub cost: Option<Money>,
    /// What the same records did cost.
    pub actual: Money,
    /// `cost - actual`.
    pub change: Option<Money>,
    /// The change in % of `actual`; `None` when `actual` is 0.
    pub change_pct: Option<Money>,
    /// The records compared.
    pub records: u64,
    /// Priced records this model cannot price (a video on a text model,
    /// tokens on a model priced per second): left out of both sums.
    pub unpriced: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimingReport {
    /// Records without a time, priced on the current snapshot.
    pub untimed: u64,
    /// Records older than the first snapshot, priced on the first.
    pub before_first: u64,
    pub snapshots: Vec<SnapshotUse>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotUse {
    pub sync_id: i64,
    pub records: u64,
}

/// `usage --json`.
#[derive(Debug, Serialize)]
pub struct UsageReport {
    pub catalog: CatalogRef,
    pub at: &'static str,
    pub totals: Totals,
    pub input: Input,
    pub resolved: Vec<Resolved>,
    pub groups: Vec<Group>,
    pub unknown: Vec<Unknown>,
    pub unpriced: Vec<UnpricedModel>,
    pub errors: Vec<ErrorKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayReport>,
    pub unreadable: Vec<Unreadable>,
    pub what_if: Vec<WhatIf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<TimingReport>,
    pub notes: Vec<String>,
    /// Against an earlier report, when `--baseline` names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Growth>,
    /// The gate's findings, set by the command.
    pub violations: Vec<Violation>,
}

impl UsageReport {
    /// Each unknown and unpriced model, as the gate lists them: kind and message.
    pub fn problems(&self) -> Vec<(&'static str, &str)> {
        let unknown = self.unknown.iter().map(|u| ("unknown_model", u.message.as_str()));
        unknown.chain(self.unpriced.iter().map(|u| ("unpriced_model", u.message.as_str()))).collect()
    }
}
