//! Counts as people and the catalog write them: `1200`, `"200K"`, `1.5M`,
//! `1,048,576` (K = 1,000; M = 1,000,000; B = 1,000,000,000). Pure.

use crate::money::Money;

/// Why a text is not a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("not a number; give a whole number like 1200, 1.2K or 1M")]
    NotANumber,
    #[error("cannot be negative")]
    Negative,
    #[error("must be a whole number")]
    Fraction,
    #[error("is larger than the largest count, {}", u64::MAX)]
    TooLarge,
}

/// A count with an optional unit (K = 1,000; M = 1,000,000; B = 1,000,000,000),
/// saying what is wrong when it is not one.
pub fn parse_count(text: &str) -> Result<u64, CountError> {
    let t = text.trim().replace(['_', ','], "");
    let (number, unit) = match t.char_indices().last().ok_or(CountError::NotANumber)? {
        (i, 'k' | 'K') => (&t[..i], 1_000u64),
        (i, 'm' | 'M') => (&t[..i], 1_000_000),
        (i, 'b' | 'B') => (&t[..i], 1_000_000_000),
        _ => (t.as_str(), 1),
    };
    let amount = match Money::parse(number.trim()) {
        Ok(amount) => amount,
        Err(crate::money::MoneyError::OutOfRange(_)) => return Err(CountError::TooLarge),
        Err(_) => return Err(CountError::NotANumber),
    };
    if amount.is_negative() {
        return Err(CountError::Negative);
    }
    let total = amount.checked_mul(Money::from_u64(unit)).map_err(|_| CountError::TooLarge)?;
    let text = total.to_string();
    if text.contains('.') {
        return Err(CountError::Fraction);
    }
    text.parse().map_err(|_| CountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accept_suffixes_and_say_what_is_wrong() {
        let cases = [
            ("200K", Ok(200_000)),
            ("200k", Ok(200_000)),
            ("1M", Ok(1_000_000)),
            ("1.5M", Ok(1_500_000)),
            ("128000", Ok(128_000)),
            ("64K", Ok(64_000)),
            ("1,048,576", Ok(1_048_576)),
            ("0.5K", Ok(500)),
            ("2B", Ok(2_000_000_000)),
            ("1.0005K", Err(CountError::Fraction)),
            ("-5", Err(CountError::Negative)),
            ("lots", Err(CountError::NotANumber)),
            ("", Err(CountError::NotANumber)),
            ("18446744073709551616", Err(CountError::TooLarge)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_count(text), want, "{text}");
        }
    }
}
