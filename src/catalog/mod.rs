//! The catalog: its domain types ([`Model`], [`Pricing`], [`Endpoint`]), the
//! one description of the price columns ([`PriceColumn`]), and the one place
//! where a raw `/api/models` record becomes a model ([`parse_record`]), with
//! its identity ([`record_hash`]); the counts it writes (`"200K"`) are read by
//! [`crate::count::parse_count`].
//!
//! Nothing here touches the network or the disk.

mod columns;
mod hash;
mod model;
mod parse;

pub use columns::{PRICE_COLUMNS, PriceColumn};
pub use hash::{hex, record_hash, unhex};
pub use model::{CatalogRef, Endpoint, Model, Pricing, USD, Unpriced};
pub use parse::{Parsed, parse_record};
