//! The catalog's domain types: a [`Model`], its [`Endpoint`]s, its
//! [`Pricing`] (listed prices and the ratio), and the prices made ready to
//! price many workloads ([`Rates`]). Pure.

use serde::Serialize;

use super::columns::{PRICE_COLUMNS, PriceColumn};
use crate::pricing::{Basis, Component, Cost, CostError, Money, Prices, Rates, Workload};

/// The snapshot a report was priced on.
#[derive(Clone, Debug, Serialize)]
pub struct CatalogRef {
    pub sync_id: i64,
    /// When the catalog's data left the API (what `--max-catalog-age` measures).
    pub synced_at: String,
    pub source: String,
}

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

    /// A price column's value, given the effective prices (computed once by the caller).
    pub fn value(&self, column: PriceColumn, effective: &Prices) -> Option<Money> {
        match column {
            PriceColumn::Listed(c) => c.of(&self.listed),
            PriceColumn::Ratio => self.ratio,
            PriceColumn::Effective(c) => c.of(effective),
        }
    }

    /// Every price column with its value, in [`PRICE_COLUMNS`] order.
    pub fn values(&self) -> impl Iterator<Item = (PriceColumn, Option<Money>)> + '_ {
        let effective = self.effective().unwrap_or_default();
        PRICE_COLUMNS.into_iter().map(move |c| (c, self.value(c, &effective)))
    }
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
