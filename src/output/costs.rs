//! The rows of `cost` and `rank`: one workload priced on one model, as JSON,
//! CSV, a table or Markdown.

use serde::Serialize;

use super::format::{Format, Look};
use super::grid::Grid;
use crate::catalog::Model;
use crate::money::Money;
use crate::numbers::grouped;
use crate::pricing::{Basis, CostError, Priced, Workload};

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
            priced: Priced::at(w, total, model.upcoming),
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
            let mut grid =
                Grid::new(&headers).numeric(&[2, 3, 4, 5]).droppable(&["LIST TOTAL $", "PRICED BY", "REQUESTS"]);
            for r in rows {
                let money = |m: Option<Money>| m.map_or_else(|| "unpriced".to_owned(), |m| m.amount());
                let id = if r.priced.upcoming { format!("{} (upcoming)", r.id) } else { r.id.clone() };
                let mut row = vec![
                    id,
                    r.priced_by.to_owned(),
                    grouped(r.priced.requests),
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
