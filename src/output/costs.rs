//! The rows of `cost` and `rank`: one workload priced on one model, as JSON,
//! CSV, a table or Markdown.

use serde::Serialize;

use super::{Format, Grid, Look, cell};
use crate::catalog::{Cost, Model};
use crate::money::Money;
use crate::pricing::{Basis, CostError, Workload};

/// A workload priced on one model, as `cost`, `rank` and `estimate` show it:
/// `{requests, input_tokens, output_tokens, seconds, cost, list_cost, unpriced}`,
/// money as decimal strings, and no cost (never $0) when it could not be priced.
#[derive(Debug, Serialize)]
pub struct Priced {
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(serialize_with = "number")]
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

    /// The workload at this cost, on `model`.
    pub fn at(w: &Workload, cost: Cost, model: &Model) -> Priced {
        Priced {
            cost: Some(cost.cost),
            list_cost: Some(cost.list_cost),
            unpriced: false,
            upcoming: model.upcoming,
            ..Priced::unpriced(w)
        }
    }

    /// The cells of [`Priced::COLUMNS`].
    pub fn csv(&self) -> [String; 8] {
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

/// One row of `cost` and `rank`: `{id, <Priced>, price_basis}`.
#[derive(Debug, Serialize)]
pub struct CostRow {
    pub id: String,
    #[serde(flatten)]
    pub priced: Priced,
    pub price_basis: Basis,
    /// One call, on the basis asked for (tables only).
    #[serde(skip)]
    pub per_call: Option<Money>,
    #[serde(skip)]
    pub priced_by: &'static str,
}

impl CostRow {
    /// The cost of `w` on `model`; an error when the model cannot be priced.
    pub fn priced(model: &Model, w: &Workload, basis: Basis) -> Result<CostRow, CostError> {
        let total = model.cost(w, basis)?;
        let one = model.cost(&Workload { requests: 1, ..*w }, basis)?;
        Ok(CostRow {
            id: model.id.clone(),
            priced: Priced::at(w, total, model),
            price_basis: basis,
            per_call: Some(one.cost),
            priced_by: model.priced_by(),
        })
    }

    /// A model without a usable price (or not in the catalog): no cost, never $0.
    pub fn unpriced(id: &str, w: &Workload, basis: Basis) -> CostRow {
        CostRow { id: id.to_owned(), priced: Priced::unpriced(w), price_basis: basis, per_call: None, priced_by: "-" }
    }
}

/// `cost` and `rank` in a format: tables show the cost of one call and of all,
/// rounded; JSON and CSV carry every digit.
pub fn write_costs(out: &mut dyn std::io::Write, rows: &[CostRow], format: Format, look: Look) -> std::io::Result<()> {
    let basis = rows.first().map_or(Basis::Effective, |r| r.price_basis);
    match format {
        Format::Json => crate::output::json(out, &rows),
        Format::Csv => {
            let headers: Vec<&str> = ["id"].into_iter().chain(Priced::COLUMNS).chain(["price_basis"]).collect();
            let mut grid = Grid::new(&headers);
            for row in rows {
                let mut cells = vec![row.id.clone()];
                cells.extend(row.priced.csv());
                cells.push(row.price_basis.as_str().to_owned());
                grid.push(cells);
            }
            grid.write(out, format, look)
        }
        Format::Table | Format::Markdown => {
            let total = format!("TOTAL $ ({})", basis.as_str());
            let mut headers = vec!["MODEL", "PRICED BY", "REQUESTS", "PER CALL $", total.as_str()];
            if basis == Basis::Effective {
                headers.push("LIST TOTAL $");
            }
            let mut grid = Grid::new(&headers).numeric(&[2, 3, 4, 5]);
            for r in rows {
                let money = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| m.display());
                let id = if r.priced.upcoming { format!("{} (upcoming)", r.id) } else { r.id.clone() };
                let mut row = vec![
                    id,
                    r.priced_by.to_owned(),
                    r.priced.requests.to_string(),
                    money(r.per_call),
                    money(r.priced.cost),
                ];
                if basis == Basis::Effective {
                    row.push(money(r.priced.list_cost));
                }
                grid.push(row);
            }
            grid.write(out, format, look)
        }
    }
}

/// An exact decimal as a JSON number (seconds are not money).
pub fn number<S: serde::Serializer>(value: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(m) => m.to_string().parse::<serde_json::Number>().map_err(serde::ser::Error::custom)?.serialize(s),
        None => s.serialize_none(),
    }
}
