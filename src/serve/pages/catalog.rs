//! `/`: the catalog — every filter, facet lists with counts, and a table of
//! effective prices, context and features, sortable, the first 500 rows.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

use super::filters::{facets, filter_form, models_args};
use super::frame::{Frame, Nav, exact_attr, layout, model_href, money, query_with, render, shown};
use crate::catalog::Model;
use crate::commands::compare::MOST;
use crate::output::models::short_count;
use crate::query::{Sort, SortKey};
use crate::serve::app::App;
use crate::serve::error::HttpError;
use crate::serve::request;

/// The most models a catalog page lists; the CSV link has them all.
const ROWS: u64 = 500;

pub async fn catalog(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(app, move |app| catalog_page(app, &q.unwrap_or_default())).await
}

fn catalog_page(app: &App, query: &str) -> Result<Markup, HttpError> {
    let pairs = request::pairs(query).map_err(HttpError::BadRequest)?;
    let args = models_args(&pairs, &[])?;
    let (store, sample) = app.store()?;
    let filters = args.filters();
    let sort = Sort { key: args.sort.sort, desc: args.sort.desc };
    let limit = args.sort.limit.map_or(ROWS, |n| n.min(ROWS));
    let frame = Frame::of(&store, sample)?;
    let total = app.count(&store, frame.snapshot.as_ref(), &filters)?;
    let mut rows = Vec::new();
    store.each_model(&filters, sort, Some(limit), |m| -> Result<(), HttpError> {
        rows.push(m.model);
        Ok(())
    })?;
    let facets = facets(app, &store, &frame, &filters)?;
    let api = format!("/api/v1/models?{}", query_with(&pairs, &[], &["format"]));
    let csv = format!("/api/v1/models?{}", query_with(&pairs, &[("format", "csv")], &[]));
    let all_csv = format!("/api/v1/models?{}", query_with(&pairs, &[("format", "csv")], &["limit"]));
    let sorting = html! {
        fieldset {
            legend { "Order" }
            select name="sort" {
                @for key in SortKey::ALL {
                    option value=(key.name()) selected[key == sort.key] { (key.name()) }
                }
            }
            label { input type="checkbox" name="desc" value="1" checked[sort.desc]; " descending" }
        }
    };
    let body = html! {
        div.layout {
            aside { (filter_form("/", &pairs, &facets, "Filters", sorting)) }
            section {
                div.summary {
                    h1 { span id="count" { (total) } " models" }
                    @if (rows.len() as u64) < total {
                        span { "showing the first " (rows.len()) " · " a href=(all_csv) { "all " (total) " as CSV" } }
                    }
                    span { "download: " a href=(csv) { "CSV" } " · " a href=(api) { "JSON" } }
                    span.quick { input id="quick" type="search" placeholder="filter the rows shown" aria-label="filter the rows shown" hidden; }
                }
                // The boxes of the table's first column belong to this form (form="compare").
                form.compare id="compare" method="get" action="/compare" data-most=(MOST) {
                    button type="submit" { "Compare" }
                    " "
                    span.hint id="ticked" { "the models ticked (2 to " (MOST) ")" }
                }
                div.scroll { (models_table(&pairs, &rows, sort)) }
            }
        }
    };
    Ok(layout("Catalog", Nav::Catalog, &frame, body))
}

fn models_table(pairs: &[(String, String)], rows: &[Model], sort: Sort) -> Markup {
    let header = |title: &str, key: Option<SortKey>, numeric: bool, column: usize| {
        let class = if numeric { Some("num") } else { None };
        match key {
            Some(key) => {
                let desc =
                    if key == sort.key { !sort.desc } else { matches!(key, SortKey::Context | SortKey::Created) };
                let href = format!(
                    "?{}",
                    query_with(pairs, &[("sort", key.name()), ("desc", if desc { "1" } else { "0" })], &[])
                );
                let mark = if key == sort.key { if sort.desc { " ▼" } else { " ▲" } } else { "" };
                html! { th class=[class] aria-sort=[(key == sort.key).then_some(if sort.desc { "descending" } else { "ascending" })] { a href=(href) data-sort=(key.name()) { (title) (mark) } } }
            }
            // Sorted on screen by the script (the catalog has no such sort key).
            None => html! { th class=[class] data-col=(column) title="sort the rows shown" { (title) } },
        }
    };
    html! {
        table.models {
            thead { tr {
                th.tick { span.visually-hidden { "Compare" } }
                (header("Model", Some(SortKey::Id), false, 1))
                (header("Input $/M", Some(SortKey::InputPrice), true, 2))
                (header("Output $/M", Some(SortKey::OutputPrice), true, 3))
                (header("$/call", Some(SortKey::RequestPrice), true, 4))
                (header("$/second", Some(SortKey::SecondPrice), true, 5))
                (header("Context", Some(SortKey::Context), true, 6))
                (header("Provider", Some(SortKey::Provider), false, 7))
                (header("Type", None, false, 8))
                (header("Features", None, false, 9))
            } }
            tbody {
                @for m in rows {
                    @let p = m.pricing.effective().unwrap_or_default();
                    tr {
                        td.tick { input type="checkbox" form="compare" name="id" value=(exact_attr(&m.id)) aria-label=(format!("compare {}", shown(&m.id))); }
                        td.id { a href=(model_href(&m.id)) { (shown(&m.id)) }
                            @if m.upcoming { " " span.upcoming { "(upcoming)" } } }
                        td.num { (money(p.input)) }
                        td.num { (money(p.output)) }
                        td.num { (money(p.per_request)) }
                        td.num { (money(p.per_second)) }
                        td.num { (m.context_length.map_or_else(|| "—".to_owned(), short_count)) }
                        td.provider { (shown(m.provider_code.as_deref().or(m.provider.as_deref()).unwrap_or("—"))) }
                        td.type { (shown(m.model_type.as_deref().unwrap_or("—"))) }
                        td.features { @for f in &m.features { span.chip { (shown(f)) } } }
                    }
                }
            }
        }
    }
}
