//! The catalog's domain types — [`Model`], [`Pricing`], [`Endpoint`] — the one
//! description of the price columns ([`PriceColumn`]), and the one place where
//! a raw `/api/models` record becomes a model ([`parse_record`]).
//!
//! Nothing here touches the network or the disk.

mod columns;
mod record;

pub use columns::{PRICE_COLUMNS, PriceColumn, price_values};
pub use record::{CountError, Record, duplicate_keys, hex, parse_count, parse_record, parse_token_count, record_hash};

use serde::Serialize;

use crate::pricing::{Basis, Component, CostError, Money, Prices, Workload};

/// The only currency string the catalog is known to use, whatever the unit.
pub const USD: &str = "USD / M Tokens";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub id: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub provider: Option<String>,
    pub provider_code: Option<String>,
    pub description: Option<String>,
    pub model_type: Option<String>,
    pub features: Vec<String>,
    pub endpoints: Vec<Endpoint>,
    pub pricing: Pricing,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub upcoming: bool,
    pub created: Option<i64>,
    pub api_doc_url: Option<String>,
}

/// One way to call a model: a label such as `openai-chat`, with its path and
/// method when the catalog gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Endpoint {
    pub key: String,
    pub path: Option<String>,
    pub method: Option<String>,
}

/// Prices as listed, with the ratio CometAPI applies to them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pricing {
    pub currency: Option<String>,
    pub listed: Prices,
    /// As listed; `None` means 1.
    pub ratio: Option<Money>,
}

/// Why a model has no usable prices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unpriced {
    NoPrice,
    UnsupportedCurrency(String),
}

impl Pricing {
    pub fn ratio(&self) -> Money {
        self.ratio.unwrap_or(Money::ONE)
    }

    /// The listed prices when they are in a currency cometcat understands.
    pub fn usable(&self) -> Result<&Prices, Unpriced> {
        match &self.currency {
            Some(c) if c != USD => Err(Unpriced::UnsupportedCurrency(c.clone())),
            _ if self.listed.is_empty() => Err(Unpriced::NoPrice),
            _ => Ok(&self.listed),
        }
    }

    /// Listed × ratio; `None` when unpriced or in another currency. A component
    /// whose product cannot be held exactly is absent (see [`Pricing::inexact`]).
    pub fn effective(&self) -> Option<Prices> {
        Some(self.usable().ok()?.scaled(self.ratio()))
    }

    /// The first component whose effective price cannot be held exactly.
    pub fn inexact(&self) -> Option<Component> {
        self.usable().ok()?.inexact_under(self.ratio())
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
}

/// What a workload costs on a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// On the basis asked for.
    pub cost: Money,
    /// At listed prices.
    pub list_cost: Money,
}

impl Model {
    /// The cost of `workload` on this model.
    pub fn cost(&self, workload: &Workload, basis: Basis) -> Result<Cost, CostError> {
        self.rates().cost(&self.id, workload, basis)
    }

    /// The model's prices made ready to price many workloads: the listed and
    /// effective prices, or why there are none.
    pub fn rates(&self) -> Rates {
        let listed = self.pricing.usable().cloned().map_err(|why| match why {
            Unpriced::NoPrice => CostError::Unpriced { model: self.id.clone() },
            Unpriced::UnsupportedCurrency(currency) => {
                CostError::UnsupportedCurrency { model: self.id.clone(), currency }
            }
        });
        let effective = match (&listed, self.pricing.inexact()) {
            (Err(e), _) => Err(e.clone()),
            (Ok(_), Some(c)) => {
                Err(CostError::Inexact { model: self.id.clone(), field: PriceColumn::Effective(c).name() })
            }
            (Ok(l), None) => Ok(l.scaled(self.pricing.ratio())),
        };
        Rates { listed, effective }
    }

    /// How the model is priced, for tables: token, request, second (or a mix).
    pub fn priced_by(&self) -> &'static str {
        let p = &self.pricing.listed;
        match (p.input.is_some() || p.output.is_some(), p.per_request.is_some(), p.per_second.is_some()) {
            (_, _, true) => "second",
            (false, true, false) => "request",
            (true, true, false) => "token+request",
            (true, false, false) => "token",
            (false, false, false) => "-",
        }
    }
}
