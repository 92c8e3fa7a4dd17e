//! The `price_book` table: one [`PricePeriod`] per model and run of
//! consecutive stretches of the timeline in which its prices (listed, ratio,
//! effective) stayed the same; a change elsewhere in the record (a feature,
//! the description) does not start a period. Pure.
//!
//! The effective prices are the ones `usage` charges (listed × ratio, none
//! at all when the model is unpriced or priced in another currency). A price
//! that `DECIMAL(38,18)` cannot hold is never rounded: a listed price or
//! ratio that does not fit is left empty, and an effective one that does not
//! fit leaves the period without effective prices (so the SQL prices none of
//! its calls, rather than bill a part it cannot hold as free), with a
//! [`Unheld`] saying so.

use super::columns::{BookCell, Row, fits_decimal_38_18};
use super::sightings::{Presence, PriceHistory};
use super::timeline::{Runs, Validity};
use crate::catalog::{Model, PRICE_COLUMNS, PriceColumn};
use crate::money::Money;
use crate::pricing::Prices;

/// A model's prices over one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricePeriod {
    pub model_id: String,
    /// As the period's last snapshot has them.
    pub code: Option<String>,
    pub provider_code: Option<String>,
    pub validity: Validity,
    pub prices: PeriodPrices,
}

/// What a period is made of: the prices as the price book writes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodPrices {
    pub listed: Prices,
    pub ratio: Option<Money>,
    pub effective: Prices,
}

impl PeriodPrices {
    /// A model's prices as `usage` charges them: `(exact, written, dropped)`,
    /// where `written` is what the price book can hold and `dropped` what it could not.
    fn of(model: &Model) -> (PeriodPrices, PeriodPrices, Vec<(PriceColumn, Money)>) {
        let rates = model.rates();
        let exact = PeriodPrices {
            listed: model.pricing.listed,
            ratio: model.pricing.ratio,
            effective: rates.listed.and(rates.effective).unwrap_or_default(),
        };
        let (mut written, mut dropped) = (exact, Vec::new());
        for column in PRICE_COLUMNS {
            let Some(value) = exact.value(column).filter(|v| !fits_decimal_38_18(*v)) else { continue };
            dropped.push((column, value));
            match column {
                PriceColumn::Listed(c) => written.listed.set(c, None),
                PriceColumn::Ratio => written.ratio = None,
                PriceColumn::Effective(_) => written.effective = Prices::default(),
            }
        }
        (exact, written, dropped)
    }

    pub fn value(&self, column: PriceColumn) -> Option<Money> {
        match column {
            PriceColumn::Listed(c) => c.of(&self.listed),
            PriceColumn::Ratio => self.ratio,
            PriceColumn::Effective(c) => c.of(&self.effective),
        }
    }
}

/// A price the price book could not hold, and what it did instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unheld {
    pub model_id: String,
    pub column: PriceColumn,
    pub value: Money,
    pub validity: Validity,
}

impl Row for PricePeriod {
    fn cells(&self) -> Vec<BookCell<'_>> {
        let mut cells = vec![
            BookCell::Text(Some(&self.model_id)),
            BookCell::Text(self.code.as_deref()),
            BookCell::Text(self.provider_code.as_deref()),
            BookCell::Time(self.validity.from),
            BookCell::Time(self.validity.to),
        ];
        cells.extend(PRICE_COLUMNS.map(|c| BookCell::Decimal(self.prices.value(c))));
        cells.push(BookCell::Bool(self.validity.current));
        cells
    }
}

/// Every model's price periods, by model id then time, and the prices that
/// could not be held.
pub fn periods(history: &PriceHistory, presence: &Presence) -> (Vec<PricePeriod>, Vec<Unheld>) {
    // A period is a run of the exact prices; what is written follows from them.
    let mut runs: Runs<&str, PeriodPrices> = Runs::new();
    let mut priced = std::collections::HashMap::new();
    for (at, models) in presence.stretches.iter().enumerate() {
        for (model_id, version) in models {
            let Some(model) = history.versions.get(version) else { continue };
            let (exact, _, _) = priced.entry(*version).or_insert_with(|| PeriodPrices::of(model));
            runs.see(&model_id.as_str(), *exact, at);
        }
    }
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    for (model_id, _, first, last) in runs.finish() {
        let validity = presence.timeline.validity(first, last);
        let version = presence.version(last, model_id).expect("a run's model is in its last stretch");
        let model = &history.versions[&version];
        let (_, written, dropped) = &priced[&version];
        for &(column, value) in dropped {
            problems.push(Unheld { model_id: model_id.to_owned(), column, value, validity });
        }
        out.push(PricePeriod {
            model_id: model_id.to_owned(),
            code: model.code.clone(),
            provider_code: model.provider_code.clone(),
            validity,
            prices: *written,
        });
    }
    out.sort_by(|a, b| (&a.model_id, a.validity.from).cmp(&(&b.model_id, b.validity.from)));
    problems.sort_by(|a, b| (&a.model_id, a.validity.from).cmp(&(&b.model_id, b.validity.from)));
    (out, problems)
}
