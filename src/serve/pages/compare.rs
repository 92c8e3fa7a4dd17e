//! `/compare?id=A&id=B`: 2 to 8 models side by side, as `compare` shows
//! them — the same models, found the same way, the same rows — with each
//! model a link to its page and the lowest effective prices in bold. The
//! catalog's ticked boxes submit here, with or without JavaScript.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

use super::frame::{Frame, Nav, layout, model_href, query_with, render, shown};
use crate::catalog::{PRICE_COLUMNS, PriceColumn};
use crate::commands::compare::{FEWEST, MOST, compared};
use crate::money::Money;
use crate::output::compare::{CompareRow, Compared, rows};
use crate::output::models::Field;
use crate::serve::app::App;
use crate::serve::error::HttpError;
use crate::serve::request;
use crate::store::{Store, StoredModel};

pub async fn compare(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(app, move |app| compare_page(app, &q.unwrap_or_default())).await
}

fn compare_page(app: &App, query: &str) -> Result<Markup, HttpError> {
    let pairs = request::pairs(query).map_err(HttpError::BadRequest)?;
    request::only(&pairs, &["id"], "the compare page").map_err(HttpError::BadRequest)?;
    let (store, sample) = app.store()?;
    let ids: Vec<String> = request::values(&pairs, "id")
        .filter(|v| !v.is_empty())
        .map(|id| as_ticked(&store, id))
        .collect::<Result<_, _>>()?;
    let frame = Frame::of(&store, sample)?;
    if !(FEWEST..=MOST).contains(&ids.len()) {
        let n = ids.len();
        return Err(HttpError::BadRequest(format!(
            "tick {FEWEST} to {MOST} models in the catalog, then press Compare ({n} ticked)"
        )));
    }
    let (found, notes) = compared(&store, &ids)?;
    drop(store);
    let api = format!("/api/v1/compare?{}", query_with(&pairs, &[], &[]));
    let csv = format!("/api/v1/compare?{}", query_with(&pairs, &[("format", "csv")], &[]));
    let body = html! {
        h1 { "Comparing " (found.models.len()) " models" }
        @for note in &notes { div.banner { (shown(note)) } }
        p.summary {
            span { "The lowest effective prices are in bold; effective prices are the listed ones × the ratio." }
            span { "download: " a href=(csv) { "CSV" } " · " a href=(api) { "JSON" } }
            span { a href="/" { "Back to the catalog" } }
        }
        (table(&found))
    };
    Ok(layout("Compare", Nav::None, &frame, body))
}

/// The id a ticked box stands for. A form sends every line break as CRLF
/// (the HTML standard's form encoding): an id not found as sent, but found
/// with its CRLFs back as LF (or CR), is that id.
fn as_ticked(store: &Store, id: &str) -> Result<String, HttpError> {
    if !id.contains("\r\n") || store.find(id)?.is_some() {
        return Ok(id.to_owned());
    }
    for line_break in ["\n", "\r"] {
        let sent = id.replace("\r\n", line_break);
        if store.find(&sent)?.is_some() {
            return Ok(sent);
        }
    }
    Ok(id.to_owned())
}

/// The models as columns, the fields as rows (those empty for every model left out).
fn table(found: &Compared) -> Markup {
    let models: Vec<&StoredModel> = found.models.iter().map(|(m, _)| m).collect();
    let ids: Vec<&str> = models.iter().map(|m| m.model.id.as_str()).collect();
    html! {
        div.scroll {
            table.compare {
                thead { tr {
                    th { "Field" }
                    @for (i, m) in models.iter().enumerate() {
                        th {
                            a href=(model_href(&m.model.id)) { (shown(&m.model.id)) }
                            @if m.model.upcoming { " " span.upcoming { "(upcoming)" } }
                            @if ids.len() > 2 {
                                " " a.remove href=(without(&ids, i)) title="compare without this model" { "remove" }
                            }
                        }
                    }
                } }
                tbody {
                    @for row in rows(&models).iter().filter(|r| !r.is_empty()) {
                        tr {
                            th scope="row" { (row.field.replace('_', " ")) }
                            (cells(row))
                        }
                    }
                }
            }
        }
    }
}

/// A row's cells: features and endpoints as chips, `—` for no value, and
/// in an effective price's row the lowest in bold. A column holds a model's
/// values of every kind, so numbers stand to the left as its text does.
fn cells(row: &CompareRow<'_>) -> Markup {
    let lowest = lowest(row);
    html! {
        @for (value, text) in row.values.iter().zip(row.cells()) {
            @match value {
                _ if text.is_empty() => td { "—" },
                Field::Labels(items) => td { @for item in *items { span.chip { (shown(item)) } } },
                Field::Endpoints(items) => td { @for e in *items { span.chip { (shown(&e.key)) } } },
                Field::Money(m) if m.is_some() && *m == lowest => td.lowest title="the lowest" { (text) },
                _ => td { (shown(&text)) },
            }
        }
    }
}

/// The lowest value of an effective price's row, when two models or more
/// have one and they are not all the same (a tie of all is no news).
fn lowest(row: &CompareRow<'_>) -> Option<Money> {
    if !PRICE_COLUMNS.iter().any(|c| matches!(c, PriceColumn::Effective(_)) && c.name() == row.field) {
        return None;
    }
    let prices: Vec<Money> =
        row.values.iter().filter_map(|v| if let Field::Money(m) = v { *m } else { None }).collect();
    let (least, most) = (prices.iter().min()?, prices.iter().max()?);
    (prices.len() >= 2 && least != most).then_some(*least)
}

/// This comparison without its `i`th model.
fn without(ids: &[&str], i: usize) -> String {
    let rest = ids.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, id)| ("id", *id));
    format!("/compare?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(field: &'static str, prices: &[Option<i64>]) -> CompareRow<'static> {
        CompareRow { field, values: prices.iter().map(|p| Field::Money(p.map(|cents| Money::new(cents, 2)))).collect() }
    }

    #[test]
    fn the_lowest_effective_price_is_marked_only_when_it_tells_something() {
        let cases = [
            ("effective_input_price", vec![Some(80), Some(20), None], Some(Money::new(20, 2))),
            ("effective_input_price", vec![Some(20), Some(80), Some(20)], Some(Money::new(20, 2))),
            ("effective_input_price", vec![Some(80), Some(80)], None),
            ("effective_input_price", vec![Some(80), None], None),
            ("effective_input_price", vec![None, None], None),
            ("input_price", vec![Some(80), Some(20)], None),
        ];
        for (field, prices, want) in cases {
            assert_eq!(lowest(&row(field, &prices)), want, "{field} {prices:?}");
        }
    }
}
