//! What a usage report is asked for: how records are grouped ([`GroupBy`]),
//! at which snapshot's prices ([`At`]), names to read as other models, and
//! the models to compare with.

use std::collections::HashMap;

use crate::catalog::Model;
use crate::money::Money;

/// How the report groups the calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Model,
    Provider,
    /// The UTC day of the call's time.
    Day,
    /// The value of one tag.
    Tag(String),
}

/// Which prices a call is charged at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// The current snapshot's.
    Now,
    /// The snapshot's that was current at the call's time.
    Record,
}

/// What the command asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub by: GroupBy,
    pub at: At,
    /// `--alias NAME=MODEL`.
    pub aliases: HashMap<String, String>,
    /// `--what-if MODEL`: each alternative, as the current catalog has it.
    pub what_if: Vec<Model>,
    /// How a gateway's quota converts to dollars (`--quota-per-usd`).
    pub quota: QuotaRate,
    /// The most groups kept (`--max-groups`): the records of groups first
    /// seen after that many go to one `(other groups)` group.
    pub max_groups: usize,
}

/// The groups a report keeps by default: memory stays bounded whatever the
/// number of distinct tags, and every group shown is exact.
pub const DEFAULT_MAX_GROUPS: usize = 10_000;

/// The group that holds the records of the groups past `--max-groups`.
pub const OTHER_GROUPS: &str = "(other groups)";

/// How many quota units a gateway counts as one dollar (500,000 by the
/// one-api / new-api family's default), and so what one unit is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaRate {
    pub per_usd: Money,
    /// `1 / per_usd`, exact.
    pub usd: Money,
}

impl QuotaRate {
    /// The family's default: 500,000 quota = $1.
    pub const DEFAULT_PER_USD: u64 = 500_000;

    /// `per_usd` quota to the dollar, when a unit's worth is an exact decimal
    /// (a charge must be exact, never rounded).
    pub fn new(per_usd: Money) -> Result<QuotaRate, String> {
        if per_usd.is_negative() || per_usd.is_zero() {
            return Err(format!("{per_usd} quota to the dollar: give a number above 0"));
        }
        let usd = per_usd.reciprocal().ok_or_else(|| {
            format!("1/{per_usd} is not an exact decimal, so charges could not be exact: give a number whose only prime factors are 2 and 5, such as 500000")
        })?;
        Ok(QuotaRate { per_usd, usd })
    }
}

impl Default for QuotaRate {
    fn default() -> QuotaRate {
        QuotaRate::new(Money::from_u64(Self::DEFAULT_PER_USD)).expect("500000 has an exact reciprocal")
    }
}
