//! [`Money`]: an exact decimal amount of dollars (also used for ratios and
//! seconds), parsed from JSON text without a float round trip, and computed
//! exactly or not at all. Pure.
//!
//! rust_decimal holds 28 decimal places in a 96-bit mantissa; its own `checked_*`
//! operations round a result that needs more. Money's arithmetic works on the
//! full product or sum first and refuses ([`Overflow`]) whatever cannot be held
//! exactly, so a price or a cost is never silently rounded or dropped.
//! Rounding happens only for display, in [`Money::display`].

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

/// Arithmetic whose exact result cannot be held (too large, or more than 28
/// decimal places).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amount cannot be computed exactly (too large, or more than 28 decimal places)")]
pub struct Overflow;

const MAX_SCALE: u32 = 28;
/// The largest mantissa rust_decimal holds: 2^96 − 1.
const MAX_MANTISSA: u128 = (1 << 96) - 1;

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
        // value = the significant digits × 10^-scale; the digits are read where they are.
        let digits = || int.bytes().chain(frac.bytes());
        let leading = digits().take_while(|&b| b == b'0').count();
        if leading == int.len() + frac.len() {
            return Ok(Money::ZERO);
        }
        let trailing = digits().rev().take_while(|&b| b == b'0').count();
        let significant = int.len() + frac.len() - leading - trailing;
        let scale = (frac.len() as i64).saturating_sub(exponent).saturating_sub(trailing as i64);
        let range = || MoneyError::OutOfRange(text.to_owned());
        if significant > 29 || scale > i64::from(MAX_SCALE) || scale < -29 {
            return Err(range());
        }
        // 29 digits at most: below 10^29, far inside i128.
        let mut value = digits().skip(leading).take(significant).fold(0i128, |v, b| v * 10 + i128::from(b - b'0'));
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

    /// Whole units, signed (a gateway's quota may be negative: a refund).
    pub fn from_i64(n: i64) -> Money {
        Money(Decimal::from(n))
    }

    /// `n` × 10^-`scale`, for constants such as one millionth.
    pub fn new(n: i64, scale: u32) -> Money {
        Money(Decimal::new(n, scale))
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// The exact sum, or [`Overflow`].
    pub fn checked_add(self, other: Money) -> Result<Money, Overflow> {
        let scale = self.0.scale().max(other.0.scale());
        let align = |d: Decimal| 10i128.checked_pow(scale - d.scale()).and_then(|p| d.mantissa().checked_mul(p));
        // An operand that does not fit an i128 at the finer scale makes a sum
        // that needs more than 96 bits there: it cannot be held either way.
        let (a, b) = (align(self.0).ok_or(Overflow)?, align(other.0).ok_or(Overflow)?);
        let sum = a.checked_add(b).ok_or(Overflow)?;
        exact(sum < 0, Wide::from(sum.unsigned_abs()), scale)
    }

    /// The exact difference, or [`Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money, Overflow> {
        self.checked_add(Money(-other.0))
    }

    /// The exact product, or [`Overflow`]: never rounded to fit.
    pub fn checked_mul(self, other: Money) -> Result<Money, Overflow> {
        let product = Wide::product(self.0.mantissa().unsigned_abs(), other.0.mantissa().unsigned_abs());
        let negative = self.0.is_sign_negative() != other.0.is_sign_negative();
        exact(negative, product, self.0.scale() + other.0.scale())
    }

    /// The amount × 10^`scale` as a whole number, when that is exact: the
    /// unscaled value of a fixed-point `DECIMAL(p, scale)`. `None` when the
    /// amount has more than `scale` decimal places (or the result overflows).
    pub fn scaled_integer(self, scale: u32) -> Option<i128> {
        let d = self.0.normalize();
        let up = scale.checked_sub(d.scale())?;
        d.mantissa().checked_mul(10i128.checked_pow(up)?)
    }

    /// `1 / self`, when that is an exact decimal (`500000` → `0.000002`); `None`
    /// when it is not (`3`), or `self` is 0.
    pub fn reciprocal(self) -> Option<Money> {
        let r = Decimal::ONE.checked_div(self.0)?;
        (Money(r).checked_mul(self) == Ok(Money::ONE)).then(|| Money(r.normalize()))
    }

    /// Rounded half-even to `places` decimal places.
    pub fn round_dp(self, places: u32) -> Money {
        Money(self.0.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven).normalize())
    }

    /// The amount without its sign.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// `self / other × 100`, rounded half-even to 2 places; `None` when `other` is 0.
    pub fn percent_of(self, other: Money) -> Option<Money> {
        self.percent_to(other, 2)
    }

    /// `self / other × 100`, rounded half-even to `places`; `None` when `other` is 0.
    pub fn percent_to(self, other: Money, places: u32) -> Option<Money> {
        if other.is_zero() {
            return None;
        }
        let ratio = self.0.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(other.0)?;
        Some(Money(ratio.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven).normalize()))
    }

    /// As tables and Markdown show it: exact when it has at most 6 decimal
    /// places, else rounded half-even to 6 significant digits (never fewer than
    /// its whole units). A non-zero amount never shows as `0`:
    /// `0.0000001` stays, `0.0000277778` stays, `1.23456789` shows `1.23457`.
    pub fn display(&self) -> String {
        let d = self.0.normalize();
        if d.scale() <= 6 {
            return Money(d).to_string();
        }
        let whole = d.abs().trunc();
        let places = if whole.is_zero() {
            // Leading zeros after the point, then 6 significant digits.
            let digits = d.mantissa().unsigned_abs().to_string().len() as u32;
            d.scale().saturating_sub(digits) + 6
        } else {
            6u32.saturating_sub(whole.to_string().len() as u32)
        };
        Money(d.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven).normalize()).to_string()
    }

    /// An amount (a cost, a total; not a unit price) as tables and Markdown
    /// show it: of 1 or more (either sign), to the cent with thousands
    /// separators (`46,800.07`, `1,500.00`), so a finance reader's columns
    /// add up; smaller, as [`Money::display`] shows it.
    pub fn amount(&self) -> String {
        if self.0.abs() < Decimal::ONE {
            // As prices are shown, but never with fewer than two decimals: 0.80, not 0.8.
            let shown = self.display();
            return match shown.split_once('.') {
                None => format!("{shown}.00"),
                Some((_, fraction)) if fraction.len() == 1 => format!("{shown}0"),
                Some(_) => shown,
            };
        }
        let cents = self.0.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
        let text = format!("{:.2}", cents.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
        let sign = if cents.is_sign_negative() { "-" } else { "" };
        format!("{sign}{}.{fraction}", crate::numbers::group_digits(whole))
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

/// `mantissa` × 10^-`scale` as a decimal, trailing zeros stripped only as far
/// as needed to fit, if it fits without losing a digit.
fn exact(negative: bool, mut mantissa: Wide, mut scale: u32) -> Result<Money, Overflow> {
    loop {
        if scale <= MAX_SCALE
            && let Some(m) = mantissa.narrow().filter(|&m| m <= MAX_MANTISSA)
        {
            let m = m as i128;
            return Decimal::try_from_i128_with_scale(if negative { -m } else { m }, scale)
                .map(Money)
                .map_err(|_| Overflow);
        }
        let (quotient, digit) = mantissa.divrem10();
        if scale == 0 || digit != 0 {
            return Err(Overflow);
        }
        mantissa = quotient;
        scale -= 1;
    }
}

/// An unsigned 256-bit integer, as four 64-bit limbs (least significant
/// first): room for the product of two 96-bit mantissas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide([u64; 4]);

impl From<u128> for Wide {
    fn from(n: u128) -> Wide {
        Wide([n as u64, (n >> 64) as u64, 0, 0])
    }
}

impl Wide {
    fn product(a: u128, b: u128) -> Wide {
        let (a, b) = ([a as u64, (a >> 64) as u64], [b as u64, (b >> 64) as u64]);
        let mut limbs = [0u64; 4];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &y) in b.iter().enumerate() {
                let t = u128::from(x) * u128::from(y) + u128::from(limbs[i + j]) + carry;
                limbs[i + j] = t as u64;
                carry = t >> 64;
            }
            limbs[i + 2] = carry as u64;
        }
        Wide(limbs)
    }

    fn divrem10(self) -> (Wide, u64) {
        let mut out = [0u64; 4];
        let mut rem = 0u128;
        for i in (0..4).rev() {
            let cur = (rem << 64) | u128::from(self.0[i]);
            out[i] = (cur / 10) as u64;
            rem = cur % 10;
        }
        (Wide(out), rem as u64)
    }

    fn narrow(self) -> Option<u128> {
        (self.0[2] == 0 && self.0[3] == 0).then(|| u128::from(self.0[0]) | (u128::from(self.0[1]) << 64))
    }
}

impl fmt::Display for Money {
    /// The canonical form: plain decimal notation, no trailing zeros. Written
    /// here (every price of every listing goes through it) unless a width,
    /// precision or `+` is asked for, which rust_decimal's own form honours.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0.normalize();
        if f.width().is_some() || f.precision().is_some() || f.sign_plus() {
            return fmt::Display::fmt(&d, f);
        }
        // Sign, "0.", 27 zeros and the digits of 28 places, or 29 digits and a point.
        let mut out = [0u8; 64];
        let mut digits = [0u8; 40];
        let mut len = 0;
        let mut push = |bytes: &[u8]| {
            out[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        if d.is_sign_negative() && !d.is_zero() {
            push(b"-");
        }
        let digits = plain_digits(d.mantissa().unsigned_abs(), &mut digits);
        let scale = d.scale() as usize;
        if scale == 0 {
            push(digits);
        } else if digits.len() > scale {
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            push(whole);
            push(b".");
            push(fraction);
        } else {
            push(b"0.");
            for _ in digits.len()..scale {
                push(b"0");
            }
            push(digits);
        }
        f.write_str(std::str::from_utf8(&out[..len]).expect("ASCII digits"))
    }
}

/// The decimal digits of `n` (no leading zeros; `0` for zero), at the end of `buf`.
fn plain_digits(mut n: u128, buf: &mut [u8; 40]) -> &[u8] {
    let mut at = buf.len();
    // Above u64, peel 19 digits at a time; below, u64 arithmetic is much cheaper.
    while n > u128::from(u64::MAX) {
        let mut low = (n % 10_000_000_000_000_000_000) as u64;
        n /= 10_000_000_000_000_000_000;
        for _ in 0..19 {
            at -= 1;
            buf[at] = b'0' + (low % 10) as u8;
            low /= 10;
        }
    }
    let mut n = n as u64;
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
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
    /// Money is a decimal string in JSON: `"0.416"`, never a float.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An exact decimal as a JSON number, for amounts that are not money (seconds):
/// `#[serde(serialize_with = "crate::money::as_number")]`.
pub fn as_number<S: serde::Serializer>(value: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(m) => m.to_string().parse::<serde_json::Number>().map_err(serde::ser::Error::custom)?.serialize(s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    /// Money's own plain form is rust_decimal's, normalized, for every sign,
    /// scale (0 to 28) and size of mantissa (to 2^96 − 1), zero with either sign,
    /// and a width or precision still goes through rust_decimal.
    #[test]
    fn display_writes_what_rust_decimal_would() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases = vec![Decimal::ZERO, Decimal::from_parts(0, 0, 0, true, 5), Decimal::MAX, Decimal::MIN];
        for _ in 0..20_000 {
            let (lo, mid, hi) = (next() as u32, next() as u32, next() as u32);
            let mantissa_bits = next() % 4; // small, 64-bit, 96-bit and trailing-zero mantissas
            let (mid, hi) = match mantissa_bits {
                0 => (0, 0),
                1 => (mid, 0),
                _ => (mid, hi),
            };
            let lo = if mantissa_bits == 3 { lo / 1000 * 1000 } else { lo };
            cases.push(Decimal::from_parts(lo, mid, hi, next() % 2 == 0, (next() % 29) as u32));
        }
        for d in cases {
            let want = d.normalize().to_string();
            assert_eq!(Money(d).to_string(), want, "{d:?}");
            assert_eq!(Money::parse(&want).unwrap(), Money(d), "{want} reads back");
        }
        assert_eq!(format!("{:>8}", m("1.5")), "     1.5");
        assert_eq!(format!("{:.3}", m("1.5")), "1.500");
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
    fn arithmetic_is_exact_or_refused() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("1.25", "0.8", Some("1")),
            ("0.0000277778", "0.8", Some("0.00002222224")),
            ("1e-20", "1e-8", Some("0.0000000000000000000000000001")),
            // rust_decimal would round this to 0: exactness refuses it.
            ("1e-20", "1e-9", None),
            ("1e28", "1e28", None),
            ("79228162514264337593543950335", "1", Some("79228162514264337593543950335")),
            ("79228162514264337593543950335", "2", None),
            ("-2.5", "4", Some("-10")),
            // A product whose 256-bit mantissa has trailing zeros to spare.
            ("0.0000000000000000000000000128", "78125", Some("0.000000000000000000001")),
        ];
        for (a, b, want) in cases {
            assert_eq!(m(a).checked_mul(m(b)).ok().map(|p| p.to_string()).as_deref(), *want, "{a} × {b}");
        }
        assert_eq!(m("79228162514264337593543950335").checked_add(m("0.5")), Err(Overflow));
        assert_eq!(m("79228162514264337593543950335").checked_add(m("-0.5")), Err(Overflow));
        assert_eq!(
            m("7922816251426433759354395033.5").checked_add(m("0.5")).unwrap().to_string(),
            "7922816251426433759354395034"
        );
        assert_eq!(
            m("0.0000000000000000000000000001").checked_add(m("1")).unwrap().to_string(),
            "1.0000000000000000000000000001"
        );
        assert_eq!(m("10").checked_sub(m("0.25")).unwrap().to_string(), "9.75");
        assert_eq!(m("1").checked_sub(m("1")).unwrap(), Money::ZERO);
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

    #[test]
    fn fixed_point_values_are_exact_or_none() {
        assert_eq!(m("1.25").scaled_integer(18), Some(1_250_000_000_000_000_000));
        assert_eq!(m("1e-18").scaled_integer(18), Some(1));
        assert_eq!(m("1e-19").scaled_integer(18), None, "one place too many");
        assert_eq!(m("-0.5").scaled_integer(1), Some(-5));
        assert_eq!(m("79228162514264337593543950335").scaled_integer(18), None, "overflows i128");
        assert_eq!(Money::ZERO.scaled_integer(0), Some(0));
    }

    #[test]
    fn a_reciprocal_is_exact_or_none() {
        assert_eq!(m("500000").reciprocal(), Some(m("0.000002")));
        assert_eq!(m("0.25").reciprocal(), Some(m("4")));
        assert_eq!(m("1280").reciprocal(), Some(m("0.00078125")));
        assert_eq!(m("3").reciprocal(), None);
        assert_eq!(m("700000").reciprocal(), None);
        assert_eq!(Money::ZERO.reciprocal(), None);
    }

    #[test]
    fn amounts_of_a_dollar_or_more_are_shown_to_the_cent() {
        assert_eq!(m("46800.0725").amount(), "46,800.07");
        assert_eq!(m("1500").amount(), "1,500.00");
        assert_eq!(m("1").amount(), "1.00");
        assert_eq!(m("-1234.565").amount(), "-1,234.56", "half even");
        assert_eq!(m("0.0017766").amount(), "0.0017766", "below a dollar: as prices are shown");
        assert_eq!(m("0.999999999").amount(), "1.00", "rounded to 6 significant digits, as display does");
        assert_eq!(m("0.8").amount(), "0.80", "never fewer than two decimals");
        assert_eq!(m("0").amount(), "0.00");
        assert_eq!(m("-0.5").amount(), "-0.50");
        assert_eq!(m("0.104").amount(), "0.104");
        assert_eq!(m("12345678901234.5").amount(), "12,345,678,901,234.50");
    }

    #[test]
    fn percentages_round_half_even_to_two_places() {
        assert_eq!(m("1").percent_of(m("3")).unwrap().to_string(), "33.33");
        assert_eq!(m("-20").percent_of(m("80")).unwrap().to_string(), "-25");
        assert_eq!(m("1").percent_of(Money::ZERO), None);
    }

    #[test]
    fn tables_show_six_places_exactly_else_six_significant_digits() {
        let cases = [
            ("0.0000001", "0.0000001"),
            ("0.0000277778", "0.0000277778"),
            ("0.00002222224", "0.0000222222"),
            ("0.0000005", "0.0000005"),
            ("0.00000000000000000000000005", "0.00000000000000000000000005"),
            ("1.23456789", "1.23457"),
            ("0.1234565", "0.123456"),
            ("0.1234575", "0.123458"),
            ("123456.1234567", "123456"),
            ("1234567.1234567", "1234567"),
            ("-0.00002222224", "-0.0000222222"),
            ("0.123456", "0.123456"),
            ("1.25", "1.25"),
            ("3", "3"),
            ("0", "0"),
        ];
        for (text, want) in cases {
            assert_eq!(m(text).display(), want, "{text}");
        }
    }

    mod properties {
        use proptest::prelude::*;
        use rust_decimal::Decimal;

        use super::super::*;

        fn any_money() -> impl Strategy<Value = Money> {
            (any::<i128>(), 0u32..=28).prop_map(|(m, scale)| {
                Money(Decimal::from_i128_with_scale(m % (MAX_MANTISSA as i128 + 1), scale).normalize())
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, ..ProptestConfig::default() })]

            /// The text a price is stored and shown as reads back as the same amount.
            #[test]
            fn money_round_trips_through_its_text(m in any_money()) {
                prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            }

            /// Sort keys order prices exactly as the numbers do.
            #[test]
            fn sort_keys_order_like_the_amounts(a in any_money(), b in any_money()) {
                let (a, b) = (Money(a.0.abs()), Money(b.0.abs()));
                prop_assert_eq!(a.sort_key().cmp(&b.sort_key()), a.cmp(&b), "{} vs {}", a, b);
            }

            /// A product small enough to fit is exact, and equal to rust_decimal's.
            #[test]
            fn small_products_are_exact(a in -(1i64 << 40)..(1i64 << 40), sa in 0u32..=14, b in -(1i64 << 40)..(1i64 << 40), sb in 0u32..=14) {
                let (x, y) = (Money(Decimal::new(a, sa)), Money(Decimal::new(b, sb)));
                prop_assert_eq!(x.checked_mul(y), Ok(Money(Decimal::new(a, sa) * Decimal::new(b, sb))));
                prop_assert_eq!(x.checked_add(y), Ok(Money(Decimal::new(a, sa) + Decimal::new(b, sb))));
            }

            /// A product that succeeds is exact: dividing it back gives the factor.
            #[test]
            fn products_are_exact_or_refused(a in any_money(), b in any_money()) {
                if let Ok(p) = a.checked_mul(b) && !b.is_zero() && let Some(back) = p.0.checked_div(b.0) {
                    prop_assert_eq!(back.normalize(), a.0, "{} × {} = {}", a, b, p);
                }
            }
        }
    }
}
