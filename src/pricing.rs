//! Money and what a workload costs. Pure: no I/O, no clock, no database.
//!
//! [`Money`] is an exact decimal (rust_decimal, 28 decimal places). It is parsed
//! from the JSON text itself, so `0.416` stays `0.416` and `1e-7` is exact; a
//! value that cannot be held exactly is refused, never rounded. The cost rules
//! of SPEC §2 live in [`Prices::cost`]; thresholds for the CI gate in
//! [`Threshold`]. Rounding happens only in [`Money::rounded`], for tables.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Serialize, Serializer};

/// An exact amount of US dollars (or a ratio, or a count of seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why a text is not a [`Money`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not a decimal number")]
    NotANumber(String),
    #[error("{0:?} cannot be held exactly (more than 28 decimal places or too large)")]
    OutOfRange(String),
}

/// Arithmetic left the range of exact decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amount is too large to compute exactly")]
pub struct Overflow;

const MAX_SCALE: u32 = 28;

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);
    pub const ONE: Money = Money(Decimal::ONE);

    /// Parses a decimal in JSON number syntax (`4`, `0.416`, `1e-7`, `2.77778E-05`),
    /// optionally signed with `+`, exactly. Surrounding whitespace is not allowed.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let bad = || MoneyError::NotANumber(text.to_owned());
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => {
                let exp = &rest[i + 1..];
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                // An exponent this large can only over- or underflow.
                let exp: i64 = exp.parse().unwrap_or(i64::MAX);
                (&rest[..i], exp)
            }
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // value = digits × 10^-scale
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        let significant = digits.trim_end_matches('0');
        if significant.is_empty() {
            return Ok(Money::ZERO);
        }
        let scale =
            (frac.len() as i64).saturating_sub(exponent).saturating_sub((digits.len() - significant.len()) as i64);
        let range = || MoneyError::OutOfRange(text.to_owned());
        if significant.len() > 29 || scale > i64::from(MAX_SCALE) || scale < -29 {
            return Err(range());
        }
        let mut value: i128 = significant.parse().map_err(|_| range())?;
        if scale < 0 {
            value = value.checked_mul(10i128.pow((-scale) as u32)).ok_or_else(range)?;
        }
        if negative {
            value = -value;
        }
        Decimal::try_from_i128_with_scale(value, scale.max(0) as u32).map(|d| Money(d.normalize())).map_err(|_| range())
    }

    /// Whole units, for token and request counts.
    pub fn from_u64(n: u64) -> Money {
        Money(Decimal::from(n))
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_add(other.0).map(Money).ok_or(Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_sub(other.0).map(Money).ok_or(Overflow)
    }

    pub fn checked_mul(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_mul(other.0).map(Money).ok_or(Overflow)
    }

    /// `self / other × 100`, rounded half-even to 2 places; `None` when `other` is 0.
    pub fn percent_of(self, other: Money) -> Option<Money> {
        if other.is_zero() {
            return None;
        }
        let ratio = self.0.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(other.0)?;
        Some(Money(ratio.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven).normalize()))
    }

    /// Rounded half-even to 6 decimal places, for tables (SPEC §2).
    pub fn rounded(&self) -> String {
        let r = self.0.round_dp_with_strategy(6, RoundingStrategy::MidpointNearestEven);
        Money(r.normalize()).to_string()
    }

    /// Short text whose byte order is the numeric order of non-negative
    /// amounts, so SQLite can compare and sort prices stored as TEXT exactly:
    /// a letter for the number of integer digits, then the significant digits
    /// (`0` → `a`, `0.05` → `a05`, `1.25` → `b125`, `10` → `c10`).
    pub fn sort_key(&self) -> String {
        debug_assert!(!self.is_negative(), "sort keys are for prices");
        let text = Money(self.0.abs()).to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let int = int.trim_start_matches('0');
        let mut key = String::with_capacity(1 + int.len() + frac.len());
        key.push(char::from(b'a' + int.len() as u8));
        key.push_str(int);
        key.push_str(frac);
        key
    }
}

impl fmt::Display for Money {
    /// The canonical form: plain decimal notation, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    /// Like [`Money::parse`], but tolerates surrounding whitespace (command-line and string prices).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s.trim())
    }
}

impl Serialize for Money {
    /// Money is a decimal string in JSON (SPEC §3).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

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

/// One call's workload. Tokens are per call; `seconds` is `None` when not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub seconds: Option<Money>,
    /// Number of calls.
    pub requests: u64,
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
    #[error("{model} is priced per second: give --seconds")]
    NeedsSeconds { model: String },
    #[error("the cost on {model} is too large to compute exactly")]
    Overflow { model: String },
}

impl Prices {
    /// True when no component is priced: the model is unpriced, not free.
    pub fn is_empty(&self) -> bool {
        self.input.is_none() && self.output.is_none() && self.per_request.is_none() && self.per_second.is_none()
    }

    /// Each price × `ratio`.
    pub fn scaled(&self, ratio: Money) -> Result<Prices, Overflow> {
        let scale = |p: Option<Money>| p.map(|p| p.checked_mul(ratio)).transpose();
        Ok(Prices {
            input: scale(self.input)?,
            output: scale(self.output)?,
            per_request: scale(self.per_request)?,
            per_second: scale(self.per_second)?,
        })
    }

    /// The cost of `workload` (all its calls), summing only the components the
    /// model prices (SPEC §2).
    pub fn cost(&self, model: &str, workload: &Workload) -> Result<Money, CostError> {
        if self.is_empty() {
            return Err(CostError::Unpriced { model: model.to_owned() });
        }
        let seconds = match (self.per_second, workload.seconds) {
            (Some(_), None) => {
                return Err(CostError::NeedsSeconds { model: model.to_owned() });
            }
            (_, s) => s.unwrap_or(Money::ZERO),
        };
        self.per_call(workload, seconds)
            .and_then(|call| call.checked_mul(Money::from_u64(workload.requests)))
            .map_err(|Overflow| CostError::Overflow { model: model.to_owned() })
    }

    fn per_call(&self, w: &Workload, seconds: Money) -> Result<Money, Overflow> {
        let per_million = Money(Decimal::new(1, 6));
        let tokens = |n: u64, price: Option<Money>| -> Result<Money, Overflow> {
            match price {
                Some(p) => Money::from_u64(n).checked_mul(p)?.checked_mul(per_million),
                None => Ok(Money::ZERO),
            }
        };
        let mut total = tokens(w.input_tokens, self.input)?;
        total = total.checked_add(tokens(w.output_tokens, self.output)?)?;
        if let Some(p) = self.per_request {
            total = total.checked_add(p)?;
        }
        if let Some(p) = self.per_second {
            total = total.checked_add(seconds.checked_mul(p)?)?;
        }
        Ok(total)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn parses_json_numbers_exactly() {
        let cases = [
            ("0.416", "0.416"),
            ("1e-7", "0.0000001"),
            ("2.77778e-05", "0.0000277778"),
            ("2.77778E-05", "0.0000277778"),
            ("4", "4"),
            ("4.000", "4"),
            ("1.5e3", "1500"),
            ("1E+2", "100"),
            ("0", "0"),
            ("-0.5", "-0.5"),
            ("+0.5", "0.5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0.0000000000000000000000000001", "0.0000000000000000000000000001"),
            ("79228162514264337593543950335", "79228162514264337593543950335"),
            ("0e999999999999999999999", "0"),
        ];
        for (text, want) in cases {
            assert_eq!(m(text).to_string(), want, "parsing {text}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_hold_exactly() {
        for text in [
            "1e-29",
            "0.00000000000000000000000000001",
            "1e30",
            "79228162514264337593543950336",
            "1e99999999999999999999",
        ] {
            assert!(matches!(Money::parse(text), Err(MoneyError::OutOfRange(_))), "{text}");
        }
        for text in ["", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "0x10", " 1", "1 ", "$1", "1,5", "NaN", "inf"] {
            assert!(matches!(Money::parse(text), Err(MoneyError::NotANumber(_))), "{text:?}");
        }
        assert_eq!(" 0.5 ".parse::<Money>().unwrap(), m("0.5"));
    }

    #[test]
    fn one_tenth_plus_two_tenths_is_exactly_three_tenths() {
        assert_eq!(m("0.1").checked_add(m("0.2")).unwrap(), m("0.3"));
        assert_eq!(m("0.1").checked_add(m("0.2")).unwrap().to_string(), "0.3");
    }

    #[test]
    fn rounds_half_even_to_six_places_for_tables() {
        let cases = [
            ("0.0000005", "0"),
            ("0.0000015", "0.000002"),
            ("0.0000025", "0.000002"),
            ("0.00000251", "0.000003"),
            ("0.0000277778", "0.000028"),
            ("1.25", "1.25"),
            ("3", "3"),
        ];
        for (text, want) in cases {
            assert_eq!(m(text).rounded(), want, "{text}");
        }
    }

    #[test]
    fn sort_keys_order_like_numbers() {
        let mut values = [
            "10",
            "9.99",
            "0.0000001",
            "0",
            "1e-28",
            "2.5",
            "79228162514264337593543950335",
            "0.1",
            "0.05",
            "0.5",
            "1",
            "1.05",
            "1.25",
            "1.5",
            "100",
            "99.999",
            "0.10000001",
        ]
        .map(m)
        .to_vec();
        let mut by_key = values.clone();
        by_key.sort_by_key(Money::sort_key);
        values.sort();
        assert_eq!(by_key, values);
        assert_eq!(["0", "0.05", "1.25", "10"].map(|t| m(t).sort_key()), ["a", "a05", "b125", "c10"].map(String::from));
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
            ("input but no output price", prices(Some("3"), None, None, None), work(1_000_000, 999, 1, None), "3"),
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
    fn cost_overflow_is_an_error_not_a_wrap() {
        let p = prices(Some("1000000"), None, None, None);
        let w = work(u64::MAX, 0, u64::MAX, None);
        assert_eq!(p.cost("big", &w), Err(CostError::Overflow { model: "big".into() }));
        // u64::MAX tokens alone still fit.
        let p = prices(Some("1"), None, None, None);
        assert_eq!(p.cost("big", &work(u64::MAX, 0, 1, None)).unwrap(), m("18446744073709.551615"));
    }

    #[test]
    fn effective_prices_are_listed_times_ratio() {
        let listed = prices(Some("1.25"), Some("10"), Some("0.04"), None);
        let eff = listed.scaled(m("0.8")).unwrap();
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

    #[test]
    fn percentages_round_half_even_to_two_places() {
        assert_eq!(m("1").percent_of(m("3")).unwrap().to_string(), "33.33");
        assert_eq!(m("-20").percent_of(m("80")).unwrap().to_string(), "-25");
        assert_eq!(m("1").percent_of(Money::ZERO), None);
    }
}
