//! The price book: the catalog's price history as tables an SQL engine can
//! join, and the query that prices usage with them where the logs live
//! (SPEC §8). From the stored snapshots ([`PriceHistory`], laid out in time
//! by [`timeline`] as `usage --at record` reads them) come the `price_book`
//! table, one row per model and price period ([`periods`]), and the
//! `price_aliases` table, every name §5's resolution maps to a model
//! ([`aliases`]); [`columns`] describes both once for every writer, and
//! [`sql`] writes the pricing query for each engine from one description of
//! the rules. Pure: the store reads the history, `output` writes the tables.

pub mod aliases;
pub mod columns;
pub mod periods;
pub mod sightings;
pub mod sql;
pub mod timeline;

pub use aliases::{AliasHow, AliasRow, Class};
pub use columns::{BookCell, Column, ColumnKind, PRICE_ALIASES, PRICE_BOOK, Row};
pub use periods::{PeriodPrices, PricePeriod, Unheld};
pub use sightings::{Presence, PriceHistory, Sighting};
pub use sql::{Dialect, TableName, TableRole, Tables};
pub use timeline::{Timeline, Validity};

/// The two tables of the price book, made from the stored history.
#[derive(Debug)]
pub struct PriceBook {
    pub periods: Vec<PricePeriod>,
    pub aliases: Vec<AliasRow>,
    /// Prices the book could not hold exactly, and left out.
    pub problems: Vec<Unheld>,
    /// Models that have a price period.
    pub models: usize,
}

impl PriceBook {
    pub fn new(history: &PriceHistory) -> PriceBook {
        let presence = Presence::new(history);
        let (periods, problems) = periods::periods(history, &presence);
        let aliases = aliases::aliases(history, &presence);
        let mut models: Vec<&str> = periods.iter().map(|p| p.model_id.as_str()).collect();
        models.dedup();
        PriceBook { models: models.len(), periods, aliases, problems }
    }
}
