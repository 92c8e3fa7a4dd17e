//! What a workload costs: the priced [`Component`]s of a model, [`Prices`] on
//! one [`Basis`], the cost formula ([`Prices::cost`]) and growth limits
//! ([`Threshold`]). Pure: no I/O, no clock, no database.
//!
//! The cost of one call sums only the components a model prices:
//! `input_tokens × input / 1e6 + output_tokens × output / 1e6 + per_request + seconds × per_second`,
//! computed exactly in [`Money`]; a model with no price at all is unpriced, never free.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Diagnostic, Exit};
pub use crate::money::{Money, MoneyError, Overflow};

/// Which prices a cost uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Listed price × ratio: what CometAPI charges. The default.
    Effective,
    /// The price as listed in the catalog (`--list-price`).
    List,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Effective => "effective",
            Basis::List => "list",
        }
    }
}

/// A planned workload: tokens and seconds **per call**, and the number of
/// calls (`cost`, `rank`, `estimate`). `seconds` is `None` when not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub seconds: Option<Money>,
    /// Number of calls.
    pub requests: u64,
}

/// What was consumed **in all** by some number of calls (a record of real
/// usage, or a day's aggregate): the tokens and seconds are totals, and
/// `requests` multiplies only the price per call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consumed {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub seconds: Option<Money>,
    pub requests: u64,
}

/// One thing a model can charge for, with its unit. Every description of prices
/// (storage columns, JSON keys, table headers) is built on this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// USD per 1M input tokens.
    Input,
    /// USD per 1M output tokens.
    Output,
    /// USD per call.
    Request,
    /// USD per second of generated media.
    Second,
}

impl Component {
    pub const ALL: [Component; 4] = [Component::Input, Component::Output, Component::Request, Component::Second];

    /// The key in the catalog's `pricing` object.
    pub fn wire(self) -> &'static str {
        match self {
            Component::Input => "input",
            Component::Output => "output",
            Component::Request => "per_request",
            Component::Second => "per_second",
        }
    }

    /// The component with its unit, as `show` writes it.
    pub fn label(self) -> &'static str {
        match self {
            Component::Input => "input $/M",
            Component::Output => "output $/M",
            Component::Request => "$/call",
            Component::Second => "$/second",
        }
    }

    pub fn of(self, p: &Prices) -> Option<Money> {
        match self {
            Component::Input => p.input,
            Component::Output => p.output,
            Component::Request => p.per_request,
            Component::Second => p.per_second,
        }
    }

    fn slot(self, p: &mut Prices) -> &mut Option<Money> {
        match self {
            Component::Input => &mut p.input,
            Component::Output => &mut p.output,
            Component::Request => &mut p.per_request,
            Component::Second => &mut p.per_second,
        }
    }
}

/// A model's prices on one basis. `input`/`output` are USD per 1M tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prices {
    pub input: Option<Money>,
    pub output: Option<Money>,
    pub per_request: Option<Money>,
    pub per_second: Option<Money>,
}

/// Why a workload has no cost on a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    #[error("{model} has no price in the catalog")]
    Unpriced { model: String },
    #[error("{model} is priced in {currency:?}, which cometcat does not convert")]
    UnsupportedCurrency { model: String, currency: String },
    #[error("{model}: {field} cannot be held exactly; the model is treated as unpriced")]
    Inexact { model: String, field: &'static str },
    #[error("{model} is priced per second: give --seconds")]
    NeedsSeconds { model: String },
    #[error(
        "{model}: the cost of {part} cannot be held exactly (too large, or more than 28 decimal places); the model is treated as unpriced"
    )]
    Overflow { model: String, part: &'static str },
    /// Tokens of a kind the model does not price, on a model that prices
    /// tokens: never billed $0.
    #[error("{model} prices {priced} but not {missing}, which this use has")]
    Missing { model: String, priced: &'static str, missing: &'static str },
}

impl CostError {
    /// The model cannot be priced (as opposed to a workload that lacks the
    /// seconds it needs): reported as unpriced, never $0. A cost that cannot be
    /// held exactly is unpriced too, never rounded.
    pub fn is_unpriced(&self) -> bool {
        !matches!(self, CostError::NeedsSeconds { .. })
    }
}

impl Diagnostic for CostError {
    /// The one mapping from cost errors to exits: unpriced is policy (4), a
    /// workload without the seconds a model needs is a usage error (2).
    fn exit(&self) -> Option<Exit> {
        Some(if self.is_unpriced() { Exit::Policy } else { Exit::Usage })
    }
}

impl Prices {
    pub fn set(&mut self, c: Component, price: Option<Money>) {
        *c.slot(self) = price;
    }

    /// True when no component is priced: the model is unpriced, not free.
    pub fn is_empty(&self) -> bool {
        Component::ALL.iter().all(|c| c.of(self).is_none())
    }

    /// Each price × `ratio`. A component whose product cannot be held exactly
    /// is left out here and named by [`Prices::inexact_under`].
    pub fn scaled(&self, ratio: Money) -> Prices {
        let mut out = Prices::default();
        for c in Component::ALL {
            *c.slot(&mut out) = c.of(self).and_then(|p| p.checked_mul(ratio).ok());
        }
        out
    }

    /// The first component whose product with `ratio` cannot be held exactly.
    pub fn inexact_under(&self, ratio: Money) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.of(self).is_some_and(|p| p.checked_mul(ratio).is_err()))
    }

    /// Why these prices cannot price a use of `input`/`output` tokens and of
    /// `seconds` (given or not), if they cannot: no price at all; tokens of a
    /// kind not priced on a model that prices tokens (never billed $0); a
    /// price per second and no seconds. A model priced only per call or per
    /// second bills no tokens: that is how such models are sold.
    fn refuse(&self, model: &str, input: bool, output: bool, seconds: bool) -> Result<(), CostError> {
        let model = || model.to_owned();
        if self.is_empty() {
            return Err(CostError::Unpriced { model: model() });
        }
        if self.input.is_some() || self.output.is_some() {
            match (input && self.input.is_none(), output && self.output.is_none()) {
                (true, _) => {
                    let priced = "output tokens";
                    return Err(CostError::Missing { model: model(), priced, missing: "input tokens" });
                }
                (_, true) => {
                    let priced = "input tokens";
                    return Err(CostError::Missing { model: model(), priced, missing: "output tokens" });
                }
                _ => {}
            }
        }
        if self.per_second.is_some() && !seconds {
            return Err(CostError::NeedsSeconds { model: model() });
        }
        Ok(())
    }

    /// The cost of `workload` (all its calls), summing only the components the
    /// model prices.
    pub fn cost(&self, model: &str, workload: &Workload) -> Result<Money, CostError> {
        let w = workload;
        self.refuse(model, w.input_tokens > 0, w.output_tokens > 0, w.seconds.is_some())?;
        let one =
            Consumed { input_tokens: w.input_tokens, output_tokens: w.output_tokens, seconds: w.seconds, requests: 1 };
        let call = self.sum(&one).map_err(|part| CostError::Overflow { model: model.to_owned(), part })?;
        call.checked_mul(Money::from_u64(w.requests))
            .map_err(|Overflow| CostError::Overflow { model: model.to_owned(), part: "all calls" })
    }

    /// What `consumed` (totals) costs, summing only the components the model prices.
    pub fn charge(&self, model: &str, consumed: &Consumed) -> Result<Money, CostError> {
        let c = consumed;
        self.refuse(model, c.input_tokens > 0, c.output_tokens > 0, c.seconds.is_some())?;
        self.sum(c).map_err(|part| CostError::Overflow { model: model.to_owned(), part })
    }

    /// `input × input price / 1e6 + output × output price / 1e6 + requests × per
    /// request + seconds × per second`, each part only where priced; on
    /// overflow, the part that overflowed.
    fn sum(&self, c: &Consumed) -> Result<Money, &'static str> {
        let per_million = Money::new(1, 6);
        let tokens = |n: u64, price: Option<Money>| -> Result<Money, Overflow> {
            match price {
                Some(p) => Money::from_u64(n).checked_mul(p)?.checked_mul(per_million),
                None => Ok(Money::ZERO),
            }
        };
        let seconds = c.seconds.unwrap_or(Money::ZERO);
        let parts = [
            ("input tokens", tokens(c.input_tokens, self.input)),
            ("output tokens", tokens(c.output_tokens, self.output)),
            ("the calls", self.per_request.map_or(Ok(Money::ZERO), |p| p.checked_mul(Money::from_u64(c.requests)))),
            ("seconds", self.per_second.map_or(Ok(Money::ZERO), |p| seconds.checked_mul(p))),
        ];
        parts.into_iter().try_fold(Money::ZERO, |total, (part, cost)| {
            cost.and_then(|c| total.checked_add(c)).map_err(|Overflow| part)
        })
    }
}

/// A limit on growth: `10%` of the baseline, or `25` dollars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    Percent(Money),
    Usd(Money),
}

impl FromStr for Threshold {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (number, percent) = match s.strip_suffix('%') {
            Some(n) => (n, true),
            None => (s.strip_prefix('$').unwrap_or(s), false),
        };
        let value: Money = number.parse().map_err(|e: MoneyError| e.to_string())?;
        if value.is_negative() {
            return Err(format!("{s:?} is negative"));
        }
        Ok(if percent { Threshold::Percent(value) } else { Threshold::Usd(value) })
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Percent(p) => write!(f, "{p}%"),
            Threshold::Usd(d) => write!(f, "${d}"),
        }
    }
}

impl Threshold {
    /// Whether going from `old` to `new` exceeds this limit, compared exactly
    /// (never through a rounded percentage). Any increase from a zero baseline
    /// exceeds a percentage limit.
    pub fn exceeded(&self, old: Money, new: Money) -> Result<bool, Overflow> {
        let increase = new.checked_sub(old)?;
        Ok(match self {
            Threshold::Usd(limit) => increase > *limit,
            Threshold::Percent(_) if old.is_zero() => increase > Money::ZERO,
            // increase / old × 100 > limit  ⇔  increase × 100 > limit × old (old > 0)
            Threshold::Percent(limit) => increase.checked_mul(Money::from_u64(100))? > limit.checked_mul(old)?,
        })
    }
}

/// A model's listed and effective prices, each computed once (or why it has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rates {
    pub listed: Result<Prices, CostError>,
    pub effective: Result<Prices, CostError>,
}

impl Rates {
    /// The cost of `workload` on the model `id`: listed, then effective (the
    /// first error found, in that order).
    pub fn cost(&self, id: &str, workload: &Workload, basis: Basis) -> Result<Cost, CostError> {
        let list_cost = self.listed.as_ref().map_err(Clone::clone)?.cost(id, workload)?;
        let cost = match basis {
            Basis::List => list_cost,
            Basis::Effective => self.effective.as_ref().map_err(Clone::clone)?.cost(id, workload)?,
        };
        Ok(Cost { cost, list_cost })
    }

    /// What `consumed` (totals) costs on the model `id`: listed, then effective.
    pub fn charge(&self, id: &str, consumed: &Consumed, basis: Basis) -> Result<Cost, CostError> {
        let list_cost = self.listed.as_ref().map_err(Clone::clone)?.charge(id, consumed)?;
        let cost = match basis {
            Basis::List => list_cost,
            Basis::Effective => self.effective.as_ref().map_err(Clone::clone)?.charge(id, consumed)?,
        };
        Ok(Cost { cost, list_cost })
    }
}

/// What a workload costs on a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// On the basis asked for.
    pub cost: Money,
    /// At listed prices.
    pub list_cost: Money,
}

/// A workload priced on one model, as `cost`, `rank` and `estimate` show it:
/// `{requests, input_tokens, output_tokens, seconds, cost, list_cost, unpriced}`,
/// money as decimal strings, and no cost (never $0) when it could not be priced.
#[derive(Debug, Serialize)]
pub struct Priced {
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(serialize_with = "crate::money::as_number")]
    pub seconds: Option<Money>,
    pub cost: Option<Money>,
    pub list_cost: Option<Money>,
    pub unpriced: bool,
    /// The model is listed but not yet callable.
    pub upcoming: bool,
}

impl Priced {
    /// The CSV columns, in the JSON keys' order.
    pub const COLUMNS: [&str; 8] =
        ["requests", "input_tokens", "output_tokens", "seconds", "cost", "list_cost", "unpriced", "upcoming"];

    /// The workload with no cost.
    pub fn unpriced(w: &Workload) -> Priced {
        Priced {
            requests: w.requests,
            input_tokens: w.input_tokens,
            output_tokens: w.output_tokens,
            seconds: w.seconds,
            cost: None,
            list_cost: None,
            unpriced: true,
            upcoming: false,
        }
    }

    /// The workload at this cost, on a model that may be `upcoming`.
    pub fn at(w: &Workload, cost: Cost, upcoming: bool) -> Priced {
        Priced {
            cost: Some(cost.cost),
            list_cost: Some(cost.list_cost),
            unpriced: false,
            upcoming,
            ..Priced::unpriced(w)
        }
    }

    /// The cells of [`Priced::COLUMNS`]: empty for an absent value.
    pub fn csv(&self) -> [String; 8] {
        let cell = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_default();
        [
            self.requests.to_string(),
            self.input_tokens.to_string(),
            self.output_tokens.to_string(),
            cell(self.seconds),
            cell(self.cost),
            cell(self.list_cost),
            self.unpriced.to_string(),
            self.upcoming.to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn prices(
        input: Option<&str>,
        output: Option<&str>,
        per_request: Option<&str>,
        per_second: Option<&str>,
    ) -> Prices {
        Prices {
            input: input.map(m),
            output: output.map(m),
            per_request: per_request.map(m),
            per_second: per_second.map(m),
        }
    }

    fn work(input: u64, output: u64, requests: u64, seconds: Option<&str>) -> Workload {
        Workload { input_tokens: input, output_tokens: output, requests, seconds: seconds.map(m) }
    }

    #[test]
    fn cost_follows_the_formula_of_spec_section_2() {
        let token = prices(Some("1.25"), Some("10"), None, None);
        let cases: &[(&str, Prices, Workload, &str)] = &[
            ("tokens", token, work(1_000_000, 1_000_000, 1, None), "11.25"),
            ("per call times requests", token, work(1200, 350, 30_000, None), "150"),
            ("tiny price", prices(Some("1e-7"), None, None, None), work(1, 0, 1, None), "0.0000000000001"),
            ("per request only", prices(None, None, Some("0.04"), None), work(5000, 5000, 3, None), "0.12"),
            ("per second only", prices(None, None, None, Some("0.10")), work(0, 0, 2, Some("8")), "1.6"),
            ("fractional seconds", prices(None, None, None, Some("0.4")), work(0, 0, 1, Some("2.5")), "1"),
            ("input but no output price", prices(Some("3"), None, None, None), work(1_000_000, 0, 1, None), "3"),
            ("free is a price", prices(Some("0"), Some("0"), None, None), work(10, 10, 10, None), "0"),
            ("zero requests", token, work(10, 10, 0, None), "0"),
            (
                "mixed components",
                prices(Some("2"), Some("8"), Some("0.01"), None),
                work(500_000, 250_000, 2, None),
                "6.02",
            ),
        ];
        for (name, p, w, want) in cases {
            assert_eq!(p.cost("m", w).unwrap(), m(want), "{name}");
        }
    }

    #[test]
    fn cost_refuses_unpriced_and_per_second_without_seconds() {
        assert_eq!(
            Prices::default().cost("ghost", &work(1, 1, 1, None)),
            Err(CostError::Unpriced { model: "ghost".into() })
        );
        let video = prices(None, None, None, Some("0.1"));
        assert_eq!(video.cost("veo3", &work(0, 0, 1, None)), Err(CostError::NeedsSeconds { model: "veo3".into() }));
        assert_eq!(video.cost("veo3", &work(0, 0, 1, Some("0"))).unwrap(), Money::ZERO);
    }

    #[test]
    fn tokens_of_a_kind_a_token_model_does_not_price_are_never_billed_zero() {
        let input_only = prices(Some("0.02"), None, None, None);
        assert_eq!(
            input_only.cost("embed", &work(1000, 5, 1, None)),
            Err(CostError::Missing { model: "embed".into(), priced: "input tokens", missing: "output tokens" })
        );
        assert_eq!(input_only.cost("embed", &work(1000, 0, 3, None)).unwrap(), m("0.00006"));
        let output_only = prices(None, Some("4"), None, None);
        assert!(matches!(output_only.cost("o", &work(1, 1, 1, None)), Err(CostError::Missing { .. })));
        // A model priced per call (or per second) bills no tokens: that is how it is sold.
        let per_call = prices(None, None, Some("0.04"), None);
        assert_eq!(per_call.cost("img", &work(5000, 4160, 2000, None)).unwrap(), m("80"));
        let e = input_only.cost("azure/gpt-image-1", &work(0, 4160, 2000, None)).unwrap_err();
        assert_eq!(e.to_string(), "azure/gpt-image-1 prices input tokens but not output tokens, which this use has");
        assert!(e.is_unpriced());
    }

    #[test]
    fn recorded_totals_multiply_only_the_price_per_call() {
        let p = prices(Some("0.25"), Some("2"), Some("0.01"), None);
        let day = Consumed { input_tokens: 12_000_000, output_tokens: 3_000_000, requests: 4000, seconds: None };
        // 12M × 0.25/M + 3M × 2/M + 4000 × 0.01: the tokens are the line's totals.
        assert_eq!(p.charge("m", &day).unwrap(), m("49"));
        let video = prices(None, None, None, Some("0.1"));
        let clips = Consumed { requests: 3, seconds: Some(m("24")), ..Consumed::default() };
        assert_eq!(video.charge("v", &clips).unwrap(), m("2.4"));
        assert!(matches!(
            video.charge("v", &Consumed { requests: 1, ..Consumed::default() }),
            Err(CostError::NeedsSeconds { .. })
        ));
    }

    #[test]
    fn cost_overflow_is_an_error_not_a_wrap() {
        let p = prices(Some("1000000"), None, None, None);
        let w = work(u64::MAX, 0, u64::MAX, None);
        assert_eq!(p.cost("big", &w), Err(CostError::Overflow { model: "big".into(), part: "all calls" }));
        let tiny = prices(Some("0.0000000000000000000000001"), None, None, None);
        assert_eq!(
            tiny.cost("tiny", &work(1, 0, 1, None)),
            Err(CostError::Overflow { model: "tiny".into(), part: "input tokens" }),
            "1e-25 × 1e-6 needs 31 places: refused, never rounded to 0"
        );
        // u64::MAX tokens alone still fit.
        let p = prices(Some("1"), None, None, None);
        assert_eq!(p.cost("big", &work(u64::MAX, 0, 1, None)).unwrap(), m("18446744073709.551615"));
    }

    #[test]
    fn effective_prices_are_listed_times_ratio() {
        let listed = prices(Some("1.25"), Some("10"), Some("0.04"), None);
        let eff = listed.scaled(m("0.8"));
        assert_eq!(eff, prices(Some("1"), Some("8"), Some("0.032"), None));
    }

    #[test]
    fn thresholds_parse_and_compare() {
        assert_eq!("10%".parse::<Threshold>().unwrap(), Threshold::Percent(m("10")));
        assert_eq!("25".parse::<Threshold>().unwrap(), Threshold::Usd(m("25")));
        assert_eq!("$2.5".parse::<Threshold>().unwrap(), Threshold::Usd(m("2.5")));
        assert!("-5%".parse::<Threshold>().is_err());
        assert!("ten".parse::<Threshold>().is_err());

        let ten = Threshold::Percent(m("10"));
        assert!(!ten.exceeded(m("100"), m("110")).unwrap());
        assert!(ten.exceeded(m("100"), m("110.01")).unwrap());
        // 10.004% rounds to 10.00%, but it is more than 10%.
        assert!(ten.exceeded(m("100"), m("110.004")).unwrap());
        assert!(
            !Threshold::Percent(m("23.23")).exceeded(m("714.4"), m("880.32")).unwrap(),
            "23.2251% is within 23.23%"
        );
        assert!(!ten.exceeded(m("100"), m("50")).unwrap());
        assert!(ten.exceeded(m("0"), m("0.01")).unwrap());
        assert!(!ten.exceeded(m("0"), m("0")).unwrap());
        let usd = Threshold::Usd(m("25"));
        assert!(!usd.exceeded(m("100"), m("125")).unwrap());
        assert!(usd.exceeded(m("100"), m("125.000001")).unwrap());
    }
}
