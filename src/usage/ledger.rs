//! The ledger: each record read is matched to a model of the snapshot it is
//! priced on, priced, and added to the totals, its group and the
//! alternatives; at the end the ledger becomes the [`UsageReport`]. Pure: the
//! command hands in the records and the catalogs.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::time::Time;
use serde::Serialize;

use super::catalogs::{Catalogs, Timing};
use super::options::{At, GroupBy, OTHER_GROUPS, Options};
use super::read::gateway::type_name;
use super::record::{Kind, Read, Record};
use super::report::{
    CACHE_NOTE, Counts, ErrorKind, GatewayReport, Group, Input, LogType, Resolved, SnapshotUse, TimingReport, Totals,
    Unknown, UnpricedModel, Unreadable, UsageReport, WhatIf, unpriced_reason,
};
use super::resolve::How;
use crate::catalog::{CatalogRef, Model};
use crate::money::Money;
use crate::numbers::counted;
use crate::pricing::{Basis, Consumed, CostError, Overflow, Rates};

/// What one record came to: what `--per-record` prints for it.
#[derive(Debug, Serialize)]
pub struct PricedRecord<'a> {
    pub file: &'a str,
    pub line: u64,
    pub kind: Kind,
    /// The model as the record names it.
    pub model: Option<&'a str>,
    /// The catalog's model it was matched to.
    pub resolved: Option<&'a str>,
    pub how: Option<How>,
    /// `priced`, `unknown` or `unpriced`.
    pub status: &'static str,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    pub requests: u64,
    #[serde(serialize_with = "crate::money::as_number")]
    pub seconds: Option<Money>,
    pub cost: Option<Money>,
    pub list_cost: Option<Money>,
    /// What the provider (or gateway) says it charged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charged: Option<Money>,
    /// A gateway log's quota, as the gateway recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<i64>,
    /// The model a gateway called upstream: shown, never priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_model: Option<&'a str>,
    pub snapshot: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
}

/// The models listed as unknown, and the matches listed, at most: past
/// that, unknown models are counted together and matches are not listed.
const LISTED: usize = 10_000;

/// The unreadable lines kept to be listed; the rest are only counted.
const LISTED_UNREADABLE: usize = 1000;

/// Everything the records added up to so far.
pub struct Ledger<'l> {
    options: Options,
    catalogs: Catalogs<'l>,
    tally: Tally,
    unreadable: Vec<Unreadable>,
    what_if: Vec<WhatIf>,
    untimed: u64,
    before_first: u64,
    snapshots: BTreeMap<i64, u64>,
    /// Names already resolved, per snapshot.
    names: HashMap<i64, HashMap<String, Option<(usize, How)>>>,
    /// Each `--what-if` model's prices, made ready once.
    what_if_rates: Vec<Rates>,
}

impl<'l> Ledger<'l> {
    /// A gateway's call: counted as a log item, and its quota read as dollars
    /// (quota ÷ quota-per-dollar, exact) as what was charged.
    fn gateway_call(&mut self, record: &mut Record) -> Result<(), Overflow> {
        let Some(g) = &record.gateway else { return Ok(()) };
        *self.tally.gateway.entry(crate::usage::read::gateway::CONSUME).or_default() += 1;
        self.tally.other_ignored += u64::from(g.other_ignored);
        if let Some(q) = g.quota {
            record.charged = Some(Money::from_i64(q).checked_mul(self.options.quota.usd)?);
        }
        Ok(())
    }
    pub fn new(options: Options, catalogs: Catalogs<'l>) -> Ledger<'l> {
        let what_if = options
            .what_if
            .iter()
            .map(|m| WhatIf {
                model: m.id.clone(),
                cost: None,
                actual: Money::ZERO,
                change: None,
                change_pct: None,
                records: 0,
                unpriced: 0,
            })
            .collect();
        let what_if_rates = options.what_if.iter().map(Model::rates).collect();
        Ledger {
            what_if_rates,
            options,
            catalogs,
            tally: Tally::default(),
            unreadable: Vec::new(),
            what_if,
            untimed: 0,
            before_first: 0,
            snapshots: BTreeMap::new(),
            names: HashMap::new(),
        }
    }

    /// Counts `values` values read (lines, events, array elements, documents):
    /// what the report accounts for.
    pub fn read_values(&mut self, values: u64) {
        self.tally.input.values += values;
    }

    /// Adds what was read at `file:line`; for a record, hands what it came to
    /// to `each` (for `--per-record`).
    pub fn add(&mut self, file: &str, item: Read, each: impl FnOnce(&PricedRecord<'_>)) -> anyhow::Result<()> {
        let (line, record, values) = match item {
            Read::Unreadable { line, reason, values } => {
                self.tally.input.unreadable += values;
                self.note_unreadable(file, line, reason);
                return Ok(());
            }
            Read::Error { kind, values, .. } => {
                self.tally.input.in_errors += values;
                self.tally.totals.errors += 1;
                *self.tally.errors.entry(kind).or_default() += 1;
                return Ok(());
            }
            Read::Events(n) => {
                self.tally.input.stream_events += n;
                return Ok(());
            }
            Read::Skipped { log_type, values, .. } => {
                self.tally.input.skipped += values;
                *self.tally.gateway.entry(log_type).or_default() += 1;
                return Ok(());
            }
            Read::Record { line, mut record, values } => {
                self.gateway_call(&mut record)?;
                (line, record, values)
            }
        };
        let (snapshot, timing) = self.catalogs.pick(self.options.at, record.time);
        let found = self.find(snapshot, record.model.as_deref())?;
        let book = self.catalogs.book(snapshot)?;
        let model = found.map(|(i, how)| (book.model(i), how));
        let consumed = consumed(&record);
        let cost = model.map(|(m, _)| book.rates(found.expect("found").0).charge(&m.id, &consumed, Basis::Effective));
        let priced = PricedRecord {
            file,
            line,
            kind: record.kind,
            model: record.model.as_deref(),
            resolved: model.map(|(m, _)| m.id.as_str()),
            how: model.map(|(_, how)| how),
            status: match &cost {
                None => "unknown",
                Some(Ok(_)) => "priced",
                Some(Err(_)) => "unpriced",
            },
            input_tokens: record.input_tokens,
            output_tokens: record.output_tokens,
            cached_tokens: record.cached_tokens,
            reasoning_tokens: record.reasoning_tokens,
            requests: record.requests,
            seconds: record.seconds,
            cost: cost.as_ref().and_then(|c| c.as_ref().ok()).map(|c| c.cost),
            list_cost: cost.as_ref().and_then(|c| c.as_ref().ok()).map(|c| c.list_cost),
            charged: record.charged,
            quota: record.gateway.as_ref().and_then(|g| g.quota),
            upstream_model: record.gateway.as_ref().and_then(|g| g.upstream_model.as_deref()),
            snapshot,
            time: record.time,
        };
        let key = group_key(&self.options.by, &record, model.map(|(m, _)| m));
        // The record's kind of model, for `--what-if` (only when asked: it is a copy).
        let kind = (!self.what_if.is_empty()).then(|| model.and_then(|(m, _)| m.model_type.clone())).flatten();
        let unpriced = cost.and_then(Result::err);
        let (cost, list_cost) = (priced.cost, priced.list_cost);
        if self.tally.count(&record, cost, list_cost, key, self.options.max_groups).is_err() {
            let reason = "its counts or cost cannot be added to the totals exactly (too large, or too many decimals)";
            self.tally.input.unreadable += values;
            self.note_unreadable(file, line, reason.into());
            return Ok(());
        }
        self.tally.input.in_records += values;
        each(&priced);
        self.tally.note_model(priced.model, priced.resolved.zip(priced.how), unpriced);
        self.count_timing(snapshot, timing);
        self.price_alternatives(&consumed, cost, kind.as_deref());
        Ok(())
    }

    /// Counts a line that holds no record, listing the first ones.
    fn note_unreadable(&mut self, file: &str, line: u64, reason: String) {
        self.tally.totals.unreadable += 1;
        if self.unreadable.len() < LISTED_UNREADABLE {
            self.unreadable.push(Unreadable { file: file.to_owned(), line, reason });
        }
    }

    fn count_timing(&mut self, snapshot: i64, timing: Timing) {
        *self.snapshots.entry(snapshot).or_default() += 1;
        match timing {
            Timing::AtTime => {}
            Timing::Untimed => self.untimed += 1,
            Timing::BeforeFirst => self.before_first += 1,
        }
    }

    /// The model `name` means on `snapshot`, resolved once per name.
    fn find(&mut self, snapshot: i64, name: Option<&str>) -> anyhow::Result<Option<(usize, How)>> {
        let Some(name) = name else { return Ok(None) };
        if let Some(found) = self.names.get(&snapshot).and_then(|names| names.get(name)) {
            return Ok(*found);
        }
        let found = self.catalogs.book(snapshot)?.resolve(name, &self.options.aliases);
        let names = self.names.entry(snapshot).or_default();
        // A cache, not a record: 2M distinct names must not take 2M entries.
        if names.len() >= LISTED {
            names.clear();
        }
        names.insert(name.to_owned(), found);
        Ok(found)
    }
}

/// What a record consumed, as the pricing formula takes it: its totals.
fn consumed(r: &Record) -> Consumed {
    Consumed { input_tokens: r.input_tokens, output_tokens: r.output_tokens, seconds: r.seconds, requests: r.requests }
}

/// The group a record counts in.
fn group_key<'a>(by: &GroupBy, record: &'a Record, model: Option<&'a Model>) -> Cow<'a, str> {
    match by {
        GroupBy::Model => match (model, &record.model) {
            (Some(m), _) => Cow::Borrowed(&m.id),
            (None, Some(name)) => Cow::Borrowed(name),
            (None, None) => Cow::Borrowed("(no model)"),
        },
        GroupBy::Provider => {
            model.and_then(|m| m.provider_code.as_deref().or(m.provider.as_deref())).unwrap_or("(unknown)").into()
        }
        GroupBy::Day => record.time.map_or(Cow::Borrowed("(no time)"), |t| t.date().into()),
        GroupBy::Tag(_) => record.tag.as_deref().unwrap_or("(none)").into(),
    }
}

/// What the records added up to so far.
#[derive(Default)]
struct Tally {
    totals: Totals,
    input: Input,
    groups: HashMap<String, Group>,
    /// Records that went to [`OTHER_GROUPS`] for the cap.
    beyond_cap: u64,
    resolved: HashMap<(String, String, How), u64>,
    unknown: HashMap<String, u64>,
    unpriced: HashMap<(String, String), u64>,
    errors: HashMap<String, u64>,
    /// Gateway log items by type (calls are type 2).
    gateway: BTreeMap<i64, u64>,
    /// Gateway calls whose `other` details were empty or malformed.
    other_ignored: u64,
}

impl Tally {
    /// Adds a record's consumption (its totals) to the totals and its group.
    /// Every sum is worked out before any is kept: a record that cannot be
    /// added exactly changes nothing.
    fn count(
        &mut self,
        record: &Record,
        cost: Option<Money>,
        list_cost: Option<Money>,
        key: Cow<'_, str>,
        max_groups: usize,
    ) -> anyhow::Result<()> {
        let counts = Counts {
            input_tokens: record.input_tokens,
            output_tokens: record.output_tokens,
            cached_tokens: record.cached_tokens,
            reasoning_tokens: record.reasoning_tokens,
            requests: record.requests,
            seconds: record.seconds.unwrap_or(Money::ZERO),
        };
        let mut totals = self.totals.clone();
        totals.counts.add(&counts)?;
        if let (Some(cost), Some(list)) = (cost, list_cost) {
            totals.priced += 1;
            (totals.cost, totals.list_cost) = (totals.cost.checked_add(cost)?, totals.list_cost.checked_add(list)?);
        }
        totals.charges.add(record.charged, cost)?;
        // Past the cap, a group not yet seen joins the others: the groups kept stay exact.
        let key = if self.groups.len() >= max_groups && !self.groups.contains_key(key.as_ref()) {
            self.beyond_cap += 1;
            Cow::Borrowed(OTHER_GROUPS)
        } else {
            key
        };
        // The group's sums, worked out on copies of its numbers (its key is not copied).
        let (mut sums, mut group_cost, mut charges) = match self.groups.get(key.as_ref()) {
            Some(g) => (g.counts.clone(), g.cost, g.charges.clone()),
            None => Default::default(),
        };
        sums.add(&counts)?;
        if let Some(cost) = cost {
            group_cost = Some(group_cost.unwrap_or(Money::ZERO).checked_add(cost)?);
        }
        charges.add(record.charged, cost)?;
        totals.records += 1;
        self.totals = totals;
        let group = match self.groups.get_mut(key.as_ref()) {
            Some(group) => group,
            None => self
                .groups
                .entry(key.to_string())
                .or_insert_with(|| Group { key: key.into_owned(), ..Group::default() }),
        };
        (group.counts, group.cost, group.charges) = (sums, group_cost, charges);
        group.priced += u64::from(cost.is_some());
        group.records += 1;
        Ok(())
    }

    /// Counts how the record's model (`name`) was matched, or why it could not be priced.
    fn note_model(&mut self, name: Option<&str>, resolved: Option<(&str, How)>, unpriced: Option<CostError>) {
        match (name, resolved) {
            (Some(name), Some((model, how))) => {
                let key = (name.to_owned(), model.to_owned(), how);
                // Each match is listed, up to a bound: 2M spellings must not take 2M entries.
                if how != How::Exact && (self.resolved.len() < LISTED || self.resolved.contains_key(&key)) {
                    *self.resolved.entry(key).or_default() += 1;
                }
                if let Some(e) = unpriced {
                    self.totals.unpriced += 1;
                    *self.unpriced.entry((model.to_owned(), unpriced_reason(&e))).or_default() += 1;
                }
            }
            (name, _) => {
                self.totals.unknown += 1;
                let name = name.unwrap_or("(no model)");
                let name = if self.unknown.len() < LISTED || self.unknown.contains_key(name) {
                    name
                } else {
                    "(other unknown models)"
                };
                *self.unknown.entry(name.to_owned()).or_default() += 1;
            }
        }
    }
}

impl Ledger<'_> {
    /// The same record on each `--what-if` model, when it had a cost to
    /// compare with and its model is of the same kind (`text`, `image`...):
    /// an image's tokens are not a chat's. A sum too large to hold leaves
    /// the record out of that comparison.
    fn price_alternatives(&mut self, consumed: &Consumed, actual: Option<Money>, kind: Option<&str>) {
        let Some(actual) = actual else { return };
        for ((alt, model), rates) in self.what_if.iter_mut().zip(&self.options.what_if).zip(&self.what_if_rates) {
            let alike = match (kind, model.model_type.as_deref()) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            let sums = match rates.charge(&model.id, consumed, Basis::Effective) {
                Ok(c) if alike && charges_for(model, consumed) => {
                    alt.cost.unwrap_or(Money::ZERO).checked_add(c.cost).ok().zip(alt.actual.checked_add(actual).ok())
                }
                _ => None,
            };
            match sums {
                Some((cost, total)) => {
                    (alt.cost, alt.actual) = (Some(cost), total);
                    alt.records += 1;
                }
                None => alt.unpriced += 1,
            }
        }
    }

    /// What the report's reader should know: that cached tokens were billed
    /// at the input price (when there were some), and that groups were capped.
    fn notes(&self) -> Vec<String> {
        let cached = self.tally.totals.counts.cached_tokens > 0;
        let mut notes: Vec<String> = cached.then(|| CACHE_NOTE.to_owned()).into_iter().collect();
        if self.tally.beyond_cap > 0 {
            let (max, records) = (self.options.max_groups, counted(self.tally.beyond_cap, "record"));
            notes.push(format!(
                "more than {max} groups: the {records} of the groups first seen after the {max}th are summed under {OTHER_GROUPS} (raise --max-groups to see them)"
            ));
        }
        notes
    }

    /// The report, with `catalog` the current snapshot's reference.
    pub fn report(mut self, catalog: CatalogRef) -> UsageReport {
        for alt in &mut self.what_if {
            alt.change = alt.cost.and_then(|c| c.checked_sub(alt.actual).ok());
            alt.change_pct = alt.change.and_then(|c| c.percent_of(alt.actual));
        }
        let groups = sorted(std::mem::take(&mut self.tally.groups), &self.options.by);
        let notes = self.notes();
        let mut resolved: Vec<Resolved> = self
            .tally
            .resolved
            .into_iter()
            .map(|((name, model, how), records)| Resolved { name, model, how, records })
            .collect();
        resolved.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.name.cmp(&b.name)));
        let mut unknown: Vec<Unknown> = self
            .tally
            .unknown
            .into_iter()
            .map(|(model, records)| {
                let message = format!("{model:?} is not in the catalog ({})", counted(records, "record"));
                Unknown { model, records, message }
            })
            .collect();
        unknown.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.model.cmp(&b.model)));
        let mut unpriced: Vec<UnpricedModel> = self
            .tally
            .unpriced
            .into_iter()
            .map(|((model, reason), records)| {
                let message = format!("{model} cannot be priced: {reason} ({})", counted(records, "record"));
                UnpricedModel { model, records, reason, message }
            })
            .collect();
        unpriced.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.model.cmp(&b.model)));
        let mut errors: Vec<ErrorKind> =
            self.tally.errors.into_iter().map(|(kind, records)| ErrorKind { kind, records }).collect();
        errors.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.kind.cmp(&b.kind)));
        let gateway = (!self.tally.gateway.is_empty()).then(|| GatewayReport {
            quota_per_usd: self.options.quota.per_usd,
            types: self
                .tally
                .gateway
                .iter()
                .map(|(&log_type, &items)| LogType { log_type, name: type_name(log_type), items })
                .collect(),
            other_ignored: self.tally.other_ignored,
        });
        let timing = (self.options.at == At::Record).then(|| TimingReport {
            untimed: self.untimed,
            before_first: self.before_first,
            snapshots: self.snapshots.into_iter().map(|(sync_id, records)| SnapshotUse { sync_id, records }).collect(),
        });
        UsageReport {
            catalog,
            at: match self.options.at {
                At::Now => "now",
                At::Record => "record",
            },
            totals: self.tally.totals,
            input: self.tally.input,
            resolved,
            groups,
            unknown,
            unpriced,
            errors,
            gateway,
            unreadable: self.unreadable,
            what_if: self.what_if,
            timing,
            notes,
            baseline: None,
            violations: Vec::new(),
        }
    }
}

/// The groups in the report's order: by day, or costliest first; the groups
/// past the cap last, whatever they cost.
fn sorted(groups: HashMap<String, Group>, by: &GroupBy) -> Vec<Group> {
    let mut groups: Vec<Group> = groups.into_values().collect();
    match by {
        GroupBy::Day => groups.sort_by(|a, b| a.key.cmp(&b.key)),
        _ => groups.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.key.cmp(&b.key))),
    }
    groups.sort_by_key(|g| g.key == OTHER_GROUPS);
    groups
}

/// Whether `model` charges for everything the record consumed. A model that
/// would bill a record nothing for what it used (tokens on a model priced
/// only per second, seconds on one priced only per token, a call of neither
/// on a model without a price per call) cannot price it.
fn charges_for(model: &Model, c: &Consumed) -> bool {
    let p = &model.pricing.listed;
    let seconds = c.seconds.is_some_and(|s| s > Money::ZERO);
    if p.per_request.is_some() {
        return true;
    }
    let unbilled_tokens = (c.input_tokens > 0 && p.input.is_none()) || (c.output_tokens > 0 && p.output.is_none());
    let used = c.input_tokens > 0 || c.output_tokens > 0 || seconds;
    used && !unbilled_tokens && !(seconds && p.per_second.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::Prices;

    fn model(id: &str, input: Option<&str>, output: Option<&str>, call: Option<&str>, second: Option<&str>) -> Model {
        let m = |p: Option<&str>| p.map(|p| Money::parse(p).unwrap());
        let listed = Prices { input: m(input), output: m(output), per_request: m(call), per_second: m(second) };
        Model { id: id.into(), pricing: crate::catalog::Pricing { listed, ..Default::default() }, ..Model::default() }
    }

    fn call(id: &str, time: Option<&str>, input: u64) -> Read {
        Read::Record {
            line: 1,
            record: Record {
                kind: Kind::Generic,
                model: Some(id.into()),
                input_tokens: input,
                output_tokens: 0,
                cached_tokens: 0,
                reasoning_tokens: 0,
                requests: 1,
                seconds: None,
                time: time.map(|t| Time::parse(t).unwrap()),
                tag: None,
                charged: None,
                gateway: None,
            },
            values: 1,
        }
    }

    #[test]
    fn an_alternative_prices_only_what_it_charges_for() {
        let w = |input: u64, seconds: Option<&str>| Consumed {
            input_tokens: input,
            output_tokens: 0,
            requests: 1,
            seconds: seconds.map(|s| Money::parse(s).unwrap()),
        };
        let text = model("t", Some("1"), Some("2"), None, None);
        let video = model("v", None, None, None, Some("0.1"));
        let image = model("i", None, None, Some("0.04"), None);
        let embedding = model("e", Some("0.02"), None, None, None);
        assert!(charges_for(&text, &w(100, None)));
        assert!(!charges_for(&text, &w(0, Some("8"))), "seconds on a token model");
        assert!(!charges_for(&text, &w(0, None)), "a call of nothing on a model without a price per call");
        assert!(charges_for(&video, &w(0, Some("8"))));
        assert!(!charges_for(&video, &w(100, Some("8"))), "tokens on a model priced per second");
        assert!(charges_for(&image, &w(100, None)), "a price per call charges any call");
        assert!(
            !charges_for(&embedding, &Consumed { output_tokens: 5, ..w(100, None) }),
            "output on an input-only model"
        );
    }

    #[test]
    fn at_record_picks_the_snapshot_of_the_time() {
        let old = model("m", Some("2"), None, None, None);
        let new = model("m", Some("1"), None, None, None);
        let t = |s: &str| Time::parse(s).unwrap();
        let history = vec![(t("2026-10-01T00:00:00Z"), 2), (t("2026-09-01T00:00:00Z"), 1)];
        let mut loads = 0;
        let catalogs = Catalogs::new((2, vec![new]), history, |id| {
            loads += 1;
            assert_eq!(id, 1);
            Ok(vec![old.clone()])
        });
        let options = Options {
            by: GroupBy::Day,
            at: At::Record,
            aliases: HashMap::new(),
            what_if: Vec::new(),
            quota: Default::default(),
            max_groups: crate::usage::DEFAULT_MAX_GROUPS,
        };
        let mut usage = Ledger::new(options, catalogs);
        let mut costs = Vec::new();
        for time in [Some("2026-08-01T00:00:00Z"), Some("2026-09-01T00:00:00Z"), Some("2026-10-01T00:00:00Z"), None] {
            usage.add("f", call("m", time, 1_000_000), |p| costs.push(p.cost.unwrap().to_string())).unwrap();
        }
        assert_eq!(costs, ["2", "2", "1", "1"], "a fetch time at the record's instant counts");
        let report = usage.report(CatalogRef { sync_id: 2, synced_at: String::new(), source: String::new() });
        let timing = report.timing.unwrap();
        assert_eq!((timing.untimed, timing.before_first), (1, 1));
        let days: Vec<&str> = report.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(days, ["(no time)", "2026-08-01", "2026-09-01", "2026-10-01"]);
        assert_eq!(loads, 1, "an older snapshot is loaded once");
    }

    #[test]
    fn groups_past_the_cap_are_summed_and_those_kept_stay_exact() {
        let models = ["a", "b", "c", "d"].map(|id| model(id, Some("1"), None, None, None)).to_vec();
        let catalogs = Catalogs::new((1, models), Vec::new(), |_| unreachable!("one snapshot"));
        let options = Options {
            by: GroupBy::Model,
            at: At::Now,
            aliases: HashMap::new(),
            what_if: Vec::new(),
            quota: Default::default(),
            max_groups: 2,
        };
        let mut ledger = Ledger::new(options, catalogs);
        for id in ["a", "b", "c", "a", "d", "b", "c"] {
            ledger.add("f", call(id, None, 1_000_000), |_| {}).unwrap();
        }
        let report = ledger.report(CatalogRef { sync_id: 1, synced_at: String::new(), source: String::new() });
        let groups: Vec<(&str, u64)> = report.groups.iter().map(|g| (g.key.as_str(), g.records)).collect();
        assert_eq!(groups, [("a", 2), ("b", 2), (OTHER_GROUPS, 3)], "a and b whole; c, d and c again summed, last");
        assert_eq!(report.totals.records, 7);
        assert!(report.notes.iter().any(|n| n.contains("the 3 records of the groups first seen after the 2th")));
    }
}
