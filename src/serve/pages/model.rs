//! `/models/ID`: every field of a model, its endpoints, listed and effective
//! prices, the record as the API sent it, and its price history — a chart
//! with one point per price change, and the changes in words beside it.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{Markup, PreEscaped, html};

use super::frame::{Frame, Nav, api_href, failure, layout, money, plain, render, shown};
use crate::catalog::Model;
use crate::pricing::{Component, Prices};
use crate::serve::api;
use crate::serve::app::App;
use crate::serve::chart::{self, Axis, Series};
use crate::serve::error::HttpError;
use crate::serve::request;
use crate::store::{Snapshot, StoredModel};

pub async fn model(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    let Ok(Path(id)) = id else { return failure(&api::bad_id()) };
    render(app, move |app| {
        request::only(&request::pairs(&q.unwrap_or_default()).map_err(HttpError::BadRequest)?, &[], "a model's page")
            .map_err(HttpError::BadRequest)?;
        model_page(app, &id)
    })
    .await
}

/// `/model?id=ID`: the page of a model whose id a path cannot carry.
pub async fn model_by_query(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let (id, rest) = match api::take_id(q) {
        Ok(found) => found,
        Err(e) => return failure(&e),
    };
    render(app, move |app| {
        if let Some(rest) = rest {
            let pairs = request::pairs(&rest).map_err(HttpError::BadRequest)?;
            request::only(&pairs, &[], "a model's page").map_err(HttpError::BadRequest)?;
        }
        model_page(app, &id)
    })
    .await
}

fn model_page(app: &App, id: &str) -> Result<Markup, HttpError> {
    let (store, sample) = app.store()?;
    let Some(model_id) = store.find_any(id)? else {
        let close = crate::suggest::closest(id, store.names(false)?);
        let hint = if close.is_empty() { String::new() } else { format!("; did you mean {}?", close.join(", ")) };
        return Err(HttpError::NotFound(format!("no model {id:?} in the catalog{hint}")));
    };
    let sightings = store.sightings(&model_id, false)?;
    let current = store.find(&model_id)?;
    let listed = current.is_some();
    let Some(stored) = current.or_else(|| sightings.last().map(|(_, m)| m.clone())) else {
        return Err(HttpError::NotFound(format!("no model {id:?} in the catalog")));
    };
    let record = store.record(stored.version_id)?;
    let record = crate::json::value(&record).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or(record);
    let states: Vec<_> = sightings.iter().map(|(_, m)| crate::history::PriceState::of(&m.model)).collect();
    let changes: Vec<&(Snapshot, StoredModel)> =
        crate::history::price_changes(&states).into_iter().map(|i| &sightings[i]).collect();
    let frame = Frame::of(&store, sample)?;
    let until = frame.snapshot.as_ref().map(|s| s.fetched_at.clone());
    let m = &stored.model;
    let body = html! {
        h1 { (shown(&m.id)) @if m.upcoming { " " span.upcoming { "(upcoming: listed, not yet callable)" } } }
        @if !listed { div.banner { "This model is no longer in the current catalog; shown as last listed." } }
        (fields(m))
        h2 { "Prices" }
        (prices(m))
        h2 { "Price history" }
        div.charts {
            div { (history_charts(&changes, until.as_deref())) }
            div { (change_list(&changes)) }
        }
        h2 { "Endpoints" }
        @if m.endpoints.is_empty() { p { "None listed." } } @else {
            div.scroll { table { thead { tr { th { "Key" } th { "Method" } th { "Path" } } }
                tbody { @for e in &m.endpoints { tr {
                    td { (shown(&e.key)) } td { (shown(e.method.as_deref().unwrap_or("—"))) } td { code { (shown(e.path.as_deref().unwrap_or("—"))) } }
                } } } } }
        }
        h2 { "Record, as the API sent it" }
        pre { (crate::output::visible(&record)) }
        p { "JSON: " a href=(api_href("models", &m.id)) { "this model" } " · "
            a href=(api_href("history", &m.id)) { "its history" } }
    };
    Ok(layout(&shown(&m.id), Nav::None, &frame, body))
}

fn fields(m: &Model) -> Markup {
    let opt = |v: Option<&str>| shown(v.unwrap_or("—")).into_owned();
    let created =
        m.created.and_then(|c| jiff::Timestamp::from_second(c).ok()).map(|t| t.strftime("%Y-%m-%d").to_string());
    html! {
        dl.fields {
            dt { "Name" } dd { (opt(m.name.as_deref())) }
            dt { "Code" } dd { (opt(m.code.as_deref())) }
            dt { "Provider" } dd { (opt(m.provider.as_deref())) " (" (opt(m.provider_code.as_deref())) ")" }
            dt { "Type" } dd { (opt(m.model_type.as_deref())) }
            dt { "Context" } dd { (m.context_length.map_or_else(|| "—".into(), |c| format!("{c} tokens"))) }
            dt { "Max output" } dd { (m.max_completion_tokens.map_or_else(|| "—".into(), |c| format!("{c} tokens"))) }
            dt { "Features" } dd { @for f in &m.features { span.chip { (shown(f)) } } @if m.features.is_empty() { "—" } }
            dt { "Created" } dd { (created.unwrap_or_else(|| "—".into())) }
            dt { "Description" } dd { (opt(m.description.as_deref())) }
        }
    }
}

fn prices(m: &Model) -> Markup {
    let listed = &m.pricing.listed;
    let effective = m.pricing.effective().unwrap_or_default();
    let unit = |c: Component| match c {
        Component::Input | Component::Output => "$ per 1M tokens",
        Component::Request => "$ per call",
        Component::Second => "$ per second",
    };
    html! {
        @if m.pricing.effective().is_none() {
            p.banner { "Unpriced: the catalog lists no usable price for this model." }
        }
        div.scroll { table {
            thead { tr { th { "Price" } th.num { "Listed" } th.num { "× ratio" } th.num { "Effective" } th { "Unit" } } }
            tbody {
                @for c in Component::ALL {
                    @if c.of(listed).is_some() {
                        tr {
                            td { (c.wire()) }
                            td.num { (money(c.of(listed))) }
                            td.num { (m.pricing.ratio().display()) }
                            td.num { (money(c.of(&effective))) }
                            td { (unit(c)) }
                        }
                    }
                }
            }
        } }
        p { "Currency: " (shown(m.pricing.currency.as_deref().unwrap_or("—"))) }
    }
}

/// Seconds since the epoch of a stored time.
fn epoch(time: &str) -> Option<f64> {
    time.parse::<jiff::Timestamp>().ok().map(|t| t.as_second() as f64)
}

/// One chart per unit the model is priced in, one point per price change.
fn history_charts(changes: &[&(Snapshot, StoredModel)], until: Option<&str>) -> Markup {
    let times: Vec<f64> = changes.iter().filter_map(|(s, _)| epoch(&s.fetched_at)).collect();
    let (first, last) = times.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    if times.is_empty() {
        return html! { p { "No history." } };
    }
    let end = until.and_then(epoch).unwrap_or(last).max(last);
    let groups: [(&str, &[(Component, &str)]); 3] = [
        ("$ per 1M tokens", &[(Component::Input, "input"), (Component::Output, "output")]),
        ("$ per call", &[(Component::Request, "request")]),
        ("$ per second", &[(Component::Second, "second")]),
    ];
    let mut charts = Vec::new();
    for (unit, parts) in groups {
        let series: Vec<Series> = parts
            .iter()
            .map(|&(c, class)| Series {
                class: class.into(),
                points: changes
                    .iter()
                    .filter_map(|(s, m)| {
                        let value = m.model.pricing.effective().and_then(|p| c.of(&p))?;
                        let t = epoch(&s.fetched_at)?;
                        let tip = format!(
                            "{}: {} {} {}",
                            &s.fetched_at[..10.min(s.fetched_at.len())],
                            c.wire(),
                            value.display(),
                            unit
                        );
                        Some((t, chart::as_f64(value), tip))
                    })
                    .collect(),
            })
            .filter(|s| !s.points.is_empty())
            .collect();
        if series.is_empty() {
            continue;
        }
        let axis =
            Axis::fit(&format!("effective {unit}"), series.iter().flat_map(|s| s.points.iter().map(|p| p.1)), false);
        let title = format!("Effective price over time, {unit}");
        charts.push((
            series.iter().map(|s| s.class.clone()).collect::<Vec<_>>(),
            chart::steps(&title, &series, (first, end), &axis),
        ));
    }
    html! {
        @if charts.is_empty() { p { "The model has had no usable price." } }
        @for (classes, svg) in &charts {
            figure {
                (PreEscaped(svg))
                figcaption { ul.legend { @for class in classes {
                    li { svg viewBox="0 0 10 10" { rect class=(class) width="10" height="10" {} } (class) }
                } } }
            }
        }
    }
}

/// Each price change in words, newest first.
fn change_list(changes: &[&(Snapshot, StoredModel)]) -> Markup {
    html! {
        table.changes {
            thead { tr { th { "Snapshot" } th { "What changed" } } }
            tbody {
                @for (i, (snapshot, m)) in changes.iter().enumerate().rev() {
                    tr {
                        td { "#" (snapshot.id) br; (snapshot.fetched_at) }
                        td {
                            @if i == 0 { "first seen: " (price_words(m.model.pricing.effective().as_ref())) }
                            @else {
                                @for c in crate::history::changes(&changes[i - 1].1.model, &m.model) {
                                    @if c.field.contains("price") || c.field == "ratio" || c.field == "currency" || c.field.starts_with("per_") {
                                        div { (c.field) ": " (plain(&c.from)) " → " (plain(&c.to))
                                            @if let Some(p) = c.change_pct {
                                                " " span class=(if p.is_negative() { "down" } else { "up" }) { "(" @if !p.is_negative() { "+" } (p) "%)" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn price_words(p: Option<&Prices>) -> String {
    let Some(p) = p else { return "unpriced".into() };
    Component::ALL
        .iter()
        .filter_map(|c| c.of(p).map(|v| format!("{} {}", c.wire(), v.display())))
        .collect::<Vec<_>>()
        .join(", ")
}
