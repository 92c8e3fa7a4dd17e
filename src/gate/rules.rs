//! The gate's rules: given what a report found and the limits the user set,
//! which rules are broken, and the exit code that says so. Pure: the clock is
//! an argument, so every rule is table-tested.
//!
//! Rules, in the order they are reported: an unknown or unpriced model (policy,
//! 4) unless allowed; a total over `--budget` (threshold, 3); growth over the
//! baseline beyond `--max-increase` (3); a catalog older than
//! `--max-catalog-age`, or whose fetch time lies in the future (4); input that
//! charged more than `--max-overcharge` percent over the catalog's cost (3),
//! or nothing charged to compare with (4); a log of no records under a
//! `--budget` or `--max-increase`, which would check nothing (4); input that
//! could not be read (error, 1) unless skipped. 4 wins over 3, and both over 1
//! ([`Exit::worst`]).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::error::Exit;
use crate::money::Money;
use crate::numbers::counted;
use crate::pricing::Threshold;

/// The limits a run was given.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    pub budget: Option<Money>,
    pub max_increase: Option<Threshold>,
    pub max_catalog_age: Option<Duration>,
    pub allow_unpriced: bool,
    /// Unread lines are reported, not failed on (`--skip-unreadable`).
    pub skip_unreadable: bool,
    /// The most the charged total may exceed the catalog's cost, in percent.
    pub max_overcharge: Option<Money>,
}

/// What a report found, as the gate needs it.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub total: Money,
    /// The baseline's total and the change in percent, when there is a baseline.
    pub baseline: Option<(Money, Option<Money>)>,
    /// Each unknown or unpriced model: its kind (`unknown_model`, `unpriced_model`) and message.
    pub unpriced: Vec<(&'static str, &'a str)>,
    /// When the catalog's data was fetched, as stored (RFC 3339).
    pub fetched_at: &'a str,
    /// Input that could not be read (`usage`).
    pub unreadable: Unread<'a>,
    /// What was charged and what the catalog says it cost, over the records
    /// that have both (`usage`); `None` when no record has both.
    pub charges: Option<(Money, Money)>,
    /// How many records state a charge.
    pub charges_stated: u64,
    /// How many records were read (`usage`); `None` where the input is not
    /// a log (`estimate`, whose file must hold items).
    pub records: Option<u64>,
}

/// What of the input could not be read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unread<'a> {
    /// Lines (or documents) that hold no record, files whose reading failed included.
    pub lines: u64,
    /// Files whose reading failed part-way: these fail a run even when lines may be skipped.
    pub files: u64,
    /// The first of them, in words (`FILE:LINE: why`).
    pub first: Option<&'a str>,
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: &'static str,
    pub message: String,
    #[serde(skip)]
    pub exit: Exit,
}

/// Clock skew forgiven before a fetch time counts as "in the future".
const SKEW: SignedDuration = SignedDuration::from_mins(5);

/// Every rule `facts` breaks under `limits` at `now`.
pub fn evaluate(facts: &Facts<'_>, limits: &Limits, now: Timestamp) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut violate = |kind, message: String, exit| violations.push(Violation { kind, message, exit });
    if !limits.allow_unpriced {
        for (kind, message) in &facts.unpriced {
            violate(kind, (*message).to_owned(), Exit::Policy);
        }
    }
    if let Some(limit) = limits.budget.filter(|&limit| facts.total > limit) {
        let message = format!("the total, {}, exceeds the budget of {}", usd(facts.total), usd(limit));
        violate("budget", message, Exit::Threshold);
    }
    if let (Some(limit), Some((old, pct))) = (limits.max_increase, facts.baseline)
        // An increase too large to compute exactly is over any limit.
        && limit.exceeded(old, facts.total).unwrap_or(true)
    {
        let pct = pct.map(|p| if p.is_negative() { format!(" ({p}%)") } else { format!(" (+{p}%)") });
        let message = format!(
            "the total grew from {} to {}{}, more than {limit} allows",
            usd(old),
            usd(facts.total),
            pct.unwrap_or_default()
        );
        violate("max_increase", message, Exit::Threshold);
    }
    if let Some(max) = limits.max_catalog_age
        && let Some(message) = too_old(facts.fetched_at, max, now)
    {
        violate("catalog_age", message, Exit::Policy);
    }
    if let Some(pct) = limits.max_overcharge {
        match facts.charges {
            Some((charged, cost)) if overcharged(charged, cost, pct) => {
                let over = percent_over(charged, cost, pct).map(|p| format!(" (+{p}%)")).unwrap_or_default();
                let message = format!(
                    "the gateway charged {} for calls the catalog prices at {}{over}, more than --max-overcharge {pct}% allows",
                    usd(charged),
                    usd(cost)
                );
                violate("overcharge", message, Exit::Threshold);
            }
            Some(_) => {}
            None if facts.charges_stated == 0 => violate(
                "overcharge",
                "no record states what was charged, so --max-overcharge cannot be checked".to_owned(),
                Exit::Policy,
            ),
            None => violate(
                "overcharge",
                format!(
                    "{} stating a charge, none with a catalog cost (unknown or unpriced models), so --max-overcharge cannot be checked",
                    counted(facts.charges_stated, "record")
                ),
                Exit::Policy,
            ),
        }
    }
    if facts.records == Some(0) && (limits.budget.is_some() || limits.max_increase.is_some()) {
        let message = "no record was read, so the gate checks nothing: is it the right log?".to_owned();
        violate("no_records", message, Exit::Policy);
    }
    let unread = &facts.unreadable;
    if unread.files > 0 || (unread.lines > 0 && !limits.skip_unreadable) {
        let first = unread.first.map(|f| format!(" (the first: {f})")).unwrap_or_default();
        violate("unreadable", format!("{} could not be read{first}", counted(unread.lines, "line")), Exit::Error);
    }
    violations
}

/// Whether `charged` exceeds `cost` by more than `pct` percent, exactly:
/// charged × 100 > cost × (100 + pct). Too large to compute is over.
fn overcharged(charged: Money, cost: Money, pct: Money) -> bool {
    let hundred = Money::from_i64(100);
    let compare = || Some(charged.checked_mul(hundred).ok()? > cost.checked_mul(hundred.checked_add(pct).ok()?).ok()?);
    compare().unwrap_or(true)
}

/// How far `charged` is over `cost`, in percent: to 2 places, or as many
/// more as it takes to show it is over `limit` (none when the cost is zero).
fn percent_over(charged: Money, cost: Money, limit: Money) -> Option<Money> {
    let over = charged.checked_sub(cost).ok()?;
    (2..=12).map(|places| over.percent_to(cost, places)).find(|p| p.is_none_or(|p| p > limit)).flatten()
}

/// Why a catalog fetched at `fetched_at` fails `--max-catalog-age max`, if it does.
fn too_old(fetched_at: &str, max: Duration, now: Timestamp) -> Option<String> {
    let Ok(fetched) = fetched_at.parse::<Timestamp>() else {
        return Some(format!("the catalog's fetch time, {fetched_at:?}, cannot be read; its age cannot be checked"));
    };
    let age = now.duration_since(fetched);
    if age < -SKEW {
        return Some(format!("the catalog's fetch time, {fetched_at}, is in the future; its age cannot be checked"));
    }
    (age.as_secs() > max.as_secs() as i64).then(|| {
        format!(
            "the catalog was fetched at {fetched_at} ({} ago), longer ago than --max-catalog-age {} allows",
            human_age(age.as_secs()),
            human_limit(max.as_secs())
        )
    })
}

/// The exit of a run with these violations: the worst, policy (4) over threshold (3).
pub fn exit(violations: &[Violation]) -> Exit {
    violations.iter().fold(Exit::Ok, |exit, v| exit.worst(v.exit))
}

/// An amount in a message, as tables show it (`$1,500.00`), with every digit
/// beside it when the shown one is rounded (`$1.18 (1.18133748)`): a rule
/// broken by a fraction of a cent must not read `$1.00 exceeds $1.00`.
fn usd(m: Money) -> String {
    let shown = m.amount();
    match Money::parse(&shown.replace(',', "")) {
        Ok(same) if same == m => format!("${shown}"),
        _ => format!("${shown} ({m})"),
    }
}

/// A limit as it was most likely given: `30d`, `12h`, `90m`, `45s`.
fn human_limit(secs: u64) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn human_age(secs: i64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3_600),
        s if s >= 3_600 => format!("{}h {}m", s / 3_600, s % 3_600 / 60),
        s => format!("{}m {}s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    const NOW: &str = "2026-11-28T12:00:00Z";

    fn facts(total: &str) -> Facts<'static> {
        Facts {
            total: m(total),
            baseline: None,
            unpriced: Vec::new(),
            fetched_at: "2026-11-28T11:00:00Z",
            unreadable: Unread::default(),
            charges: None,
            charges_stated: 0,
            records: None,
        }
    }

    /// The kinds of the violations and the exit code.
    fn gate(facts: &Facts<'_>, limits: &Limits) -> (Vec<&'static str>, Exit) {
        let v = evaluate(facts, limits, NOW.parse().unwrap());
        (v.iter().map(|v| v.kind).collect(), exit(&v))
    }

    #[test]
    fn every_rule_and_its_exit_code() {
        let day = Duration::from_secs(86_400);
        let budget = |b: &str| Limits { budget: Some(m(b)), ..Limits::default() };
        let increase = |t: &str| Limits { max_increase: Some(t.parse().unwrap()), ..Limits::default() };
        let age = |d: Duration| Limits { max_catalog_age: Some(d), ..Limits::default() };
        let with_baseline = |total: &str, old: &str| Facts { baseline: Some((m(old), None)), ..facts(total) };
        let fetched = |at: &'static str| Facts { fetched_at: at, ..facts("1") };
        let unpriced = Facts { unpriced: vec![("unknown_model", "item \"a\": no model \"x\"")], ..facts("1") };
        let unread =
            |lines, files| Facts { unreadable: Unread { lines, files, first: Some("f:2: not JSON") }, ..facts("1") };
        let skip = Limits { skip_unreadable: true, ..Limits::default() };
        let overcharge = |pct: &str| Limits { max_overcharge: Some(m(pct)), ..Limits::default() };
        let charged =
            |charged: &str, cost: &str| Facts { charges: Some((m(charged), m(cost))), charges_stated: 1, ..facts("1") };
        let cases: &[(&str, Facts<'_>, Limits, &[&str], Exit)] = &[
            ("no limits", facts("1000"), Limits::default(), &[], Exit::Ok),
            ("within budget", facts("100"), budget("100"), &[], Exit::Ok),
            ("over budget", facts("100.01"), budget("100"), &["budget"], Exit::Threshold),
            ("within 10%", with_baseline("110", "100"), increase("10%"), &[], Exit::Ok),
            ("over 10%", with_baseline("110.01", "100"), increase("10%"), &["max_increase"], Exit::Threshold),
            ("within $25", with_baseline("125", "100"), increase("25"), &[], Exit::Ok),
            ("over $25", with_baseline("125.5", "100"), increase("25"), &["max_increase"], Exit::Threshold),
            ("any growth from zero", with_baseline("0.01", "0"), increase("10%"), &["max_increase"], Exit::Threshold),
            ("a fall is fine", with_baseline("50", "100"), increase("0%"), &[], Exit::Ok),
            ("no baseline, no increase", facts("1000"), increase("1%"), &[], Exit::Ok),
            ("unknown model", unpriced.clone(), Limits::default(), &["unknown_model"], Exit::Policy),
            ("unpriced allowed", unpriced.clone(), Limits { allow_unpriced: true, ..Limits::default() }, &[], Exit::Ok),
            ("fresh catalog", fetched("2026-11-28T11:00:00Z"), age(day), &[], Exit::Ok),
            ("stale catalog", fetched("2026-11-26T11:00:00Z"), age(day), &["catalog_age"], Exit::Policy),
            ("a little clock skew", fetched("2026-11-28T12:04:00Z"), age(day), &[], Exit::Ok),
            ("fetched in the future", fetched("2026-12-01T00:00:00Z"), age(day), &["catalog_age"], Exit::Policy),
            ("unreadable fetch time", fetched("yesterday"), age(day), &["catalog_age"], Exit::Policy),
            ("no age limit", fetched("2020-01-01T00:00:00Z"), Limits::default(), &[], Exit::Ok),
            (
                "4 over 3",
                Facts { total: m("500"), ..unpriced.clone() },
                Limits { budget: Some(m("100")), ..Limits::default() },
                &["unknown_model", "budget"],
                Exit::Policy,
            ),
            ("charged as the catalog says", charged("10", "10"), overcharge("0"), &[], Exit::Ok),
            ("charged 5% over, 5% allowed", charged("10.5", "10"), overcharge("5"), &[], Exit::Ok),
            ("charged 5.01% over", charged("10.501", "10"), overcharge("5"), &["overcharge"], Exit::Threshold),
            ("charged less than asked", charged("9.5", "10"), overcharge("-5"), &[], Exit::Ok),
            ("not 5% under", charged("9.51", "10"), overcharge("-5"), &["overcharge"], Exit::Threshold),
            (
                "charged for what the catalog prices at 0",
                charged("0.01", "0"),
                overcharge("1000"),
                &["overcharge"],
                Exit::Threshold,
            ),
            ("no charge to compare", facts("1"), overcharge("5"), &["overcharge"], Exit::Policy),
            (
                "charges on models the catalog cannot price",
                Facts { charges_stated: 2, ..facts("1") },
                overcharge("5"),
                &["overcharge"],
                Exit::Policy,
            ),
            ("no overcharge limit", charged("100", "1"), Limits::default(), &[], Exit::Ok),
            (
                "an empty log under a budget",
                Facts { records: Some(0), ..facts("0") },
                budget("10"),
                &["no_records"],
                Exit::Policy,
            ),
            ("an empty log, no limit", Facts { records: Some(0), ..facts("0") }, Limits::default(), &[], Exit::Ok),
            ("a log under a budget", Facts { records: Some(1), ..facts("1") }, budget("10"), &[], Exit::Ok),
            ("unreadable lines", unread(2, 0), Limits::default(), &["unreadable"], Exit::Error),
            ("unreadable lines skipped", unread(2, 0), skip.clone(), &[], Exit::Ok),
            ("a file that cannot be read is never skipped", unread(1, 1), skip.clone(), &["unreadable"], Exit::Error),
            (
                "3 over 1",
                Facts { total: m("500"), ..unread(1, 0) },
                Limits { budget: Some(m("100")), ..Limits::default() },
                &["budget", "unreadable"],
                Exit::Threshold,
            ),
            (
                "4 over 1",
                Facts { unreadable: unread(1, 0).unreadable, ..unpriced.clone() },
                Limits::default(),
                &["unknown_model", "unreadable"],
                Exit::Policy,
            ),
        ];
        for (name, facts, limits, kinds, code) in cases {
            assert_eq!(gate(facts, limits), (kinds.to_vec(), *code), "{name}");
        }
    }

    #[test]
    fn an_amount_rounded_in_a_message_keeps_its_digits_beside_it() {
        assert_eq!(usd(m("1.001")), "$1.00 (1.001)");
        assert_eq!(usd(m("1500")), "$1,500.00");
        assert_eq!(usd(m("0.8")), "$0.80");
        assert_eq!(usd(m("1.18133748")), "$1.18 (1.18133748)");
        assert_eq!(usd(m("0.0000277778")), "$0.0000277778");
    }

    #[test]
    fn violations_say_what_broke_in_numbers() {
        let facts = Facts { baseline: Some((m("714.4"), Some(m("23.23")))), ..facts("880.32") };
        let limits = Limits {
            budget: Some(m("800")),
            max_increase: Some("10%".parse().unwrap()),
            max_catalog_age: Some(Duration::from_secs(60)),
            allow_unpriced: false,
            skip_unreadable: false,
            max_overcharge: Some(m("5")),
        };
        let facts = Facts {
            unreadable: Unread { lines: 3, files: 0, first: Some("a.jsonl:7: not JSON") },
            charges: Some((m("12.61"), m("12"))),
            ..facts
        };
        let messages: Vec<String> =
            evaluate(&facts, &limits, NOW.parse().unwrap()).into_iter().map(|v| v.message).collect();
        assert_eq!(
            messages,
            [
                "the total, $880.32, exceeds the budget of $800.00",
                "the total grew from $714.40 to $880.32 (+23.23%), more than 10% allows",
                "the catalog was fetched at 2026-11-28T11:00:00Z (1h 0m ago), longer ago than --max-catalog-age 1m allows",
                "the gateway charged $12.61 for calls the catalog prices at $12.00 (+5.08%), more than --max-overcharge 5% allows",
                "3 lines could not be read (the first: a.jsonl:7: not JSON)",
            ]
        );
        assert_eq!(human_age(3 * 86_400 + 7_200), "3d 2h");
    }
}
