//! The explorer's pages, rendered on the server with maud (which escapes every
//! value it splices). Catalog text is third-party data: it is also shown with
//! control and bidi characters made visible, as in the terminal, and never
//! becomes a link other than this server's own `/models/ID`. Each page works
//! without JavaScript; its state is its query string, in the CLI's names.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

use super::chart::{self, Axis, Dot, Series};
use super::{App, Failure, blocking, request};
use crate::catalog::Model;
use crate::cli::Command;
use crate::money::Money;
use crate::pricing::{Component, Prices};
use crate::query::{Facet, Filters, PricingKind, Sort, SortKey};
use crate::store::{Snapshot, Store};

/// The most models a catalog page lists; the CSV link has them all.
const ROWS: u64 = 500;

/// Where a page sits in the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nav {
    Catalog,
    Map,
    Cost,
    Changes,
    None,
}

/// What the frame says about the catalog shown.
struct Frame {
    snapshot: Option<Snapshot>,
    sample: bool,
}

impl Frame {
    fn of(store: &Store, sample: bool) -> Result<Frame, Failure> {
        Ok(Frame { snapshot: store.current_snapshot()?, sample })
    }
}

async fn render(job: impl FnOnce() -> Result<Markup, Failure> + Send + 'static) -> Response {
    match blocking(job).await {
        Ok(page) => page.into_response(),
        Err(failure) => failure.page(),
    }
}

pub async fn catalog(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(move || catalog_page(&app, &q.unwrap_or_default())).await
}

pub async fn model(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    let Ok(Path(id)) = id else { return super::api::bad_id().page() };
    render(move || {
        request::only(&request::pairs(&q.unwrap_or_default()).map_err(Failure::BadRequest)?, &[], "a model's page")
            .map_err(Failure::BadRequest)?;
        model_page(&app, &id)
    })
    .await
}

pub async fn map(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(move || map_page(&app, &q.unwrap_or_default())).await
}

pub async fn cost(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(move || cost_page(&app, &q.unwrap_or_default())).await
}

pub async fn changes(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(move || changes_page(&app, &q.unwrap_or_default())).await
}

/// An error in the site's frame.
pub fn error(status: StatusCode, message: &str) -> Markup {
    let frame = Frame { snapshot: None, sample: false };
    layout(
        status.canonical_reason().unwrap_or("error"),
        Nav::None,
        &frame,
        html! {
            h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or_default()) }
            div.banner.error { pre { (shown(message)) } }
            p { a href="/" { "Back to the catalog" } }
        },
    )
}

/// Every page's frame: head, navigation, the catalog it shows.
fn layout(title: &str, nav: Nav, frame: &Frame, body: Markup) -> Markup {
    let link = |to: Nav, href: &str, text: &str| {
        html! { a href=(href) class=[(nav == to).then_some("here")] { (text) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · cometcat" }
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "cometcat" }
                    nav {
                        (link(Nav::Catalog, "/", "Catalog"))
                        (link(Nav::Map, "/map", "Price map"))
                        (link(Nav::Cost, "/cost", "Cost"))
                        (link(Nav::Changes, "/changes", "Changes"))
                    }
                }
                main {
                    @if frame.sample {
                        div.banner { "No catalog synced yet: this is the small sample catalog bundled with cometcat. Run "
                            code { "cometcat sync" } " and reload." }
                    }
                    (body)
                }
                footer {
                    @if let Some(s) = &frame.snapshot {
                        "Snapshot " (s.id) " · " (s.models) " models · data fetched " (s.fetched_at)
                        " · effective prices are the listed prices × the catalog's ratio"
                    } @else {
                        "cometcat"
                    }
                }
            }
        }
    }
}

/// Catalog text as shown: control (newlines included), bidi and invisible
/// characters made visible, so that no id can pass for another.
fn shown(text: &str) -> Cow<'_, str> {
    crate::output::one_line(text)
}

/// This server's page of a model: its id, percent-encoded. A `/` is kept
/// (`black-forest-labs/flux-kontext-pro`) unless the id has a segment that a
/// browser would resolve away (`..`, `.`, or an empty one).
pub fn model_href(id: &str) -> String {
    const KEEP_SLASH: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    const ALL: &percent_encoding::AsciiSet = &KEEP_SLASH.add(b'/');
    let dotted = id.split('/').any(|s| matches!(s, "" | "." | ".."));
    let set = if dotted { ALL } else { KEEP_SLASH };
    format!("/models/{}", percent_encoding::utf8_percent_encode(id, set))
}

/// The query string `pairs` make, with `set` replacing their keys and `drop` removed.
fn query_with(pairs: &[(String, String)], set: &[(&str, &str)], drop: &[&str]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !drop.contains(&k.as_str()) && !set.iter().any(|(s, _)| s == k) && !v.is_empty() {
            out.append_pair(k, v);
        }
    }
    for (k, v) in set {
        out.append_pair(k, v);
    }
    out.finish()
}

fn money(m: Option<Money>) -> String {
    m.map_or_else(|| "—".to_owned(), |m| m.display())
}

fn models_args(pairs: &[(String, String)], skip: &[&str]) -> Result<crate::cli::ModelsArgs, Failure> {
    match request::command("models", pairs, skip, &[]).map_err(Failure::BadRequest)? {
        Command::Models(args) => Ok(args),
        _ => unreachable!("models parses as models"),
    }
}

/// A facet, its query key, its title, and its values with their counts.
type FacetList = (Facet, &'static str, &'static str, Vec<crate::store::FacetCount>);

/// Each facet's values and counts under `filters` without that facet's own
/// filter (so a ticked box's neighbours stay visible).
fn facets(app: &App, store: &Store, frame: &Frame, filters: &Filters) -> Result<Vec<FacetList>, Failure> {
    let mut out = Vec::new();
    for (facet, key, title) in [
        (Facet::Providers, "provider", "Providers"),
        (Facet::Types, "type", "Types"),
        (Facet::Features, "feature", "Features"),
        (Facet::Endpoints, "endpoint", "Endpoints"),
    ] {
        let mut f = filters.clone();
        match facet {
            Facet::Providers => f.providers.clear(),
            Facet::Types => f.types.clear(),
            Facet::Features => f.features.clear(),
            Facet::Endpoints => f.endpoints.clear(),
        }
        out.push((facet, key, title, app.facet(store, frame.snapshot.as_ref(), facet, &f)?));
    }
    Ok(out)
}

/// The filter form: every FILTER of the CLI, under its CLI name.
fn filter_form(action: &str, pairs: &[(String, String)], facets: &[FacetList], extra: Markup) -> Markup {
    let has = |k: &str, v: &str| request::values(pairs, k).any(|x| x.eq_ignore_ascii_case(v));
    let val = |k: &str| request::value(pairs, k).unwrap_or_default().to_owned();
    let pricing = val("pricing");
    html! {
        form.auto method="get" action=(action) {
            (extra)
            fieldset {
                legend { "Search" }
                input type="text" name="search" value=(val("search")) placeholder="id, name, description, provider";
            }
            @for (_, key, title, counts) in facets {
                fieldset.facet {
                    legend { (title) }
                    @for c in counts {
                        @let value = c.value.clone().unwrap_or_default();
                        @if !value.is_empty() {
                            label {
                                input type="checkbox" name=(key) value=(value) checked[has(key, &value)];
                                " " (shown(c.name.as_deref().unwrap_or(&value)))
                                span.count { (c.count) }
                            }
                        }
                    }
                }
            }
            fieldset {
                legend { "Prices and context" }
                label { "Max input $/M " input type="text" name="max-input-price" value=(val("max-input-price")); }
                label { "Max output $/M " input type="text" name="max-output-price" value=(val("max-output-price")); }
                label { "Min context (tokens) " input type="text" name="min-context" value=(val("min-context")) placeholder="128K"; }
                label { "Priced by "
                    select name="pricing" {
                        option value="" selected[pricing.is_empty()] { "any" }
                        @for kind in PricingKind::ALL {
                            option value=(kind.name()) selected[pricing == kind.name()] { (kind.name()) }
                        }
                    }
                }
                label { input type="checkbox" name="include-upcoming" value="1" checked[has("include-upcoming", "1")]; " include upcoming models" }
            }
            button type="submit" { "Apply" }
            " "
            a href=(action) { "Clear" }
        }
    }
}

fn catalog_page(app: &App, query: &str) -> Result<Markup, Failure> {
    let pairs = request::pairs(query).map_err(Failure::BadRequest)?;
    let args = models_args(&pairs, &[])?;
    let (store, sample) = app.store()?;
    let filters = args.filters();
    let sort = Sort { key: args.sort.sort, desc: args.sort.desc };
    let limit = args.sort.limit.map_or(ROWS, |n| n.min(ROWS));
    let total = store.count(&filters)?;
    let mut rows = Vec::new();
    store.each_model(&filters, sort, Some(limit), |m| -> Result<(), Failure> {
        rows.push(m.model);
        Ok(())
    })?;
    let frame = Frame::of(&store, sample)?;
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
            aside { (filter_form("/", &pairs, &facets, sorting)) }
            section {
                div.summary {
                    h1 { span id="count" { (total) } " models" }
                    @if (rows.len() as u64) < total {
                        span { "showing the first " (rows.len()) " · " a href=(all_csv) { "all " (total) " as CSV" } }
                    }
                    span { "download: " a href=(csv) { "CSV" } " · " a href=(api) { "JSON" } }
                    span.quick { input id="quick" type="search" placeholder="filter the rows shown" aria-label="filter the rows shown" hidden; }
                }
                (models_table(&pairs, &rows, sort))
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
                (header("Model", Some(SortKey::Id), false, 0))
                (header("Provider", Some(SortKey::Provider), false, 1))
                (header("Type", None, false, 2))
                (header("Input $/M", Some(SortKey::InputPrice), true, 3))
                (header("Output $/M", Some(SortKey::OutputPrice), true, 4))
                (header("$/call", Some(SortKey::RequestPrice), true, 5))
                (header("$/second", Some(SortKey::SecondPrice), true, 6))
                (header("Context", Some(SortKey::Context), true, 7))
                (header("Features", None, false, 8))
            } }
            tbody {
                @for m in rows {
                    @let p = m.pricing.effective().unwrap_or_default();
                    tr {
                        td { a href=(model_href(&m.id)) { (shown(&m.id)) }
                            @if m.upcoming { " " span.upcoming { "(upcoming)" } } }
                        td { (shown(m.provider_code.as_deref().or(m.provider.as_deref()).unwrap_or("—"))) }
                        td { (shown(m.model_type.as_deref().unwrap_or("—"))) }
                        td.num { (money(p.input)) }
                        td.num { (money(p.output)) }
                        td.num { (money(p.per_request)) }
                        td.num { (money(p.per_second)) }
                        td.num { (m.context_length.map_or_else(|| "—".to_owned(), |c| c.to_string())) }
                        td.features { (shown(&m.features.join(", "))) }
                    }
                }
            }
        }
    }
}

fn model_page(app: &App, id: &str) -> Result<Markup, Failure> {
    let (store, sample) = app.store()?;
    let Some(model_id) = store.find_any(id)? else {
        let close = crate::suggest::closest(id, store.names(false)?);
        let hint = if close.is_empty() { String::new() } else { format!("; did you mean {}?", close.join(", ")) };
        return Err(Failure::NotFound(format!("no model {id:?} in the catalog{hint}")));
    };
    let sightings = store.sightings(&model_id, false)?;
    let current = store.find(&model_id)?;
    let listed = current.is_some();
    let Some(stored) = current.or_else(|| sightings.last().map(|(_, m)| m.clone())) else {
        return Err(Failure::NotFound(format!("no model {id:?} in the catalog")));
    };
    let record = store.record(stored.version_id)?;
    let record = serde_json::from_str::<Value>(&record)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(record);
    let states: Vec<_> = sightings.iter().map(|(_, m)| crate::history::PriceState::of(&m.model)).collect();
    let changes: Vec<&(Snapshot, crate::store::StoredModel)> =
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
            table { thead { tr { th { "Key" } th { "Method" } th { "Path" } } }
                tbody { @for e in &m.endpoints { tr {
                    td { (shown(&e.key)) } td { (shown(e.method.as_deref().unwrap_or("—"))) } td { code { (shown(e.path.as_deref().unwrap_or("—"))) } }
                } } } }
        }
        h2 { "Record, as the API sent it" }
        pre { (crate::output::visible(&record)) }
        p { "JSON: " a href=(format!("/api/v1{}", model_href(&m.id))) { "this model" } " · "
            a href=(format!("/api/v1/history/{}", model_href(&m.id).trim_start_matches("/models/"))) { "its history" } }
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
            dt { "Features" } dd { (shown(&m.features.join(", "))) }
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
        table {
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
        }
        p { "Currency: " (shown(m.pricing.currency.as_deref().unwrap_or("—"))) }
    }
}

/// Seconds since the epoch of a stored time.
fn epoch(time: &str) -> Option<f64> {
    time.parse::<jiff::Timestamp>().ok().map(|t| t.as_second() as f64)
}

fn as_f64(m: Money) -> f64 {
    m.to_string().parse().unwrap_or(0.0)
}

/// One chart per unit the model is priced in, one point per price change.
fn history_charts(changes: &[&(Snapshot, crate::store::StoredModel)], until: Option<&str>) -> Markup {
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
                        Some((t, as_f64(value), tip))
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
fn change_list(changes: &[&(Snapshot, crate::store::StoredModel)]) -> Markup {
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

fn plain(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => shown(s).into_owned(),
        other => other.to_string(),
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

fn map_page(app: &App, query: &str) -> Result<Markup, Failure> {
    let pairs = request::pairs(query).map_err(Failure::BadRequest)?;
    let args = models_args(&pairs, &[])?;
    let (store, sample) = app.store()?;
    let filters = args.filters();
    let models = store.current_prices(&filters)?;
    let frame = Frame::of(&store, sample)?;
    let facets = facets(app, &store, &frame, &filters)?;
    let priced: Vec<(&Model, Money, Money)> = models
        .iter()
        .filter_map(|m| {
            let p = m.pricing.effective()?;
            let (i, o) = (p.input?, p.output?);
            (!i.is_zero() && !o.is_zero()).then_some((m, i, o))
        })
        .collect();
    let provider =
        |m: &Model| m.provider_code.clone().or_else(|| m.provider.clone()).unwrap_or_else(|| "(none)".into());
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (m, _, _) in &priced {
        *counts.entry(provider(m)).or_default() += 1;
    }
    let mut order: Vec<(String, usize)> = counts.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let class_of: HashMap<&str, String> =
        order.iter().enumerate().map(|(i, (p, _))| (p.as_str(), format!("p{}", i.min(11)))).collect();
    let dots: Vec<Dot> = priced
        .iter()
        .map(|(m, i, o)| Dot {
            x: as_f64(*i),
            y: as_f64(*o),
            class: class_of[provider(m).as_str()].clone(),
            href: model_href(&m.id),
            title: format!(
                "{} ({}): input ${}/M, output ${}/M",
                shown(&m.id),
                shown(&provider(m)),
                i.display(),
                o.display()
            ),
        })
        .collect();
    let x = Axis::fit("effective input price, $ per 1M tokens (log)", dots.iter().map(|d| d.x), true);
    let y = Axis::fit("effective output price, $ per 1M tokens (log)", dots.iter().map(|d| d.y), true);
    let left_out = models.len() - priced.len();
    let body = html! {
        div.layout {
            aside { (filter_form("/map", &pairs, &facets, html! {})) }
            section {
                h1 { "Price map: " span id="dots" { (dots.len()) } " models priced per token" }
                @if left_out > 0 { p { (left_out) " matching models are not on the map: priced per call or second, unpriced, or free on one side (a log axis has no 0)." } }
                figure {
                    (PreEscaped(chart::scatter("Effective input vs output price", &dots, &x, &y)))
                    figcaption { ul.legend {
                        @for (i, (p, n)) in order.iter().enumerate().take(11) {
                            li { svg viewBox="0 0 10 10" { circle class=(format!("p{i}")) cx="5" cy="5" r="5" {} } (shown(p)) " (" (n) ")" }
                        }
                        @if order.len() > 11 {
                            li { svg viewBox="0 0 10 10" { circle class="p11" cx="5" cy="5" r="5" {} } "other providers (" (order[11..].iter().map(|o| o.1).sum::<usize>()) ")" }
                        }
                    } }
                }
            }
        }
    };
    Ok(layout("Price map", Nav::Map, &frame, body))
}

/// Runs a command as the API does and reads its JSON.
fn command_json(app: &App, command: &Command) -> Result<Value, Failure> {
    let mut out = Vec::new();
    crate::commands::execute(command, app.settings(), &mut out)?;
    serde_json::from_slice(&out).map_err(|e| Failure::Internal(format!("unreadable command output: {e}")))
}

fn cost_page(app: &App, query: &str) -> Result<Markup, Failure> {
    let pairs = request::pairs(query).map_err(Failure::BadRequest)?;
    let (store, sample) = app.store()?;
    request::once(&pairs, &["workload"]).map_err(Failure::BadRequest)?;
    let filters = match request::command("rank", &pairs, &["workload"], &[]).map_err(Failure::BadRequest)? {
        Command::Rank(args) => Filters::from(&args.filters),
        _ => unreachable!("rank parses as rank"),
    };
    let frame = Frame::of(&store, sample)?;
    let facets = facets(app, &store, &frame, &filters)?;
    drop(store);
    let workload_given =
        ["input-tokens", "output-tokens", "requests", "seconds"].iter().any(|k| request::value(&pairs, k).is_some());
    let ranked = if workload_given {
        let mut rank_pairs: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "workload" && k != "format").cloned().collect();
        if request::value(&rank_pairs, "top").is_none() {
            rank_pairs.push(("top".into(), "50".into()));
        }
        rank_pairs.push(("format".into(), "json".into()));
        let command = request::command("rank", &rank_pairs, &[], &[]).map_err(Failure::BadRequest)?;
        Some(command_json(app, &command)?)
    } else {
        None
    };
    let workload = request::value(&pairs, "workload").map(str::to_owned);
    // A workload that cannot be read is said beside the text box, which keeps the text.
    let estimate = match workload.as_deref().map(|text| estimate(app, text)) {
        Some(Err(Failure::BadRequest(why))) => Some(Err(why)),
        other => other.transpose()?.map(Ok),
    };
    let val = |k: &str| request::value(&pairs, k).unwrap_or_default().to_owned();
    let inputs = html! {
        fieldset {
            legend { "Workload (per call)" }
            label { "Input tokens " input type="text" name="input-tokens" value=(val("input-tokens")) placeholder="1200"; }
            label { "Output tokens " input type="text" name="output-tokens" value=(val("output-tokens")) placeholder="350"; }
            label { "Calls " input type="text" name="requests" value=(val("requests")) placeholder="1"; }
            label { "Seconds " input type="text" name="seconds" value=(val("seconds")); }
            label { "Show the cheapest " input type="text" name="top" value=(val("top")) placeholder="50"; }
            label { input type="checkbox" name="list-price" value="1" checked[request::value(&pairs, "list-price").is_some()]; " at listed prices" }
        }
    };
    let body = html! {
        div.layout {
            aside { (filter_form("/cost", &pairs, &facets, inputs)) }
            section {
                h1 { "What a workload costs" }
                @match &ranked {
                    None => p { "Give token counts (and calls or seconds) in the form: the cheapest matching models are listed here, as "
                        code { "cometcat rank" } " lists them." },
                    Some(rows) => (rank_table(rows)),
                }
                h2 { "A workload file" }
                form method="get" action="/cost" {
                    p { "Paste a workload file (TOML, " code { "[[item]]" } " tables) to price it as " code { "cometcat estimate" } " does." }
                    textarea name="workload" spellcheck="false" { (workload.as_deref().unwrap_or(EXAMPLE_WORKLOAD)) }
                    p { button type="submit" { "Price it" } }
                }
                @match &estimate {
                    Some(Ok(report)) => (estimate_table(report)),
                    Some(Err(why)) => div.banner.error { (crate::output::visible(why)) },
                    None => {},
                }
            }
        }
    };
    Ok(layout("Cost", Nav::Cost, &frame, body))
}

const EXAMPLE_WORKLOAD: &str = "[[item]]\nname = \"summarize-tickets\"\nmodel = \"gpt-5-mini\"\nrequests = 30000\ninput_tokens = 1200\noutput_tokens = 350\n";

fn rank_table(rows: &Value) -> Markup {
    let rows = rows.as_array().map(Vec::as_slice).unwrap_or_default();
    let amount =
        |v: &Value| v.as_str().and_then(|s| Money::parse(s).ok()).map_or_else(|| "—".to_owned(), |m| m.display());
    html! {
        p { (rows.len()) " models, cheapest first (effective prices unless asked otherwise)." }
        table.ranked {
            thead { tr { th { "#" } th { "Model" } th.num { "Calls" } th.num { "In" } th.num { "Out" } th.num { "Cost $" } th.num { "List cost $" } } }
            tbody {
                @for (i, r) in rows.iter().enumerate() {
                    @let id = r["id"].as_str().unwrap_or_default();
                    tr {
                        td { (i + 1) }
                        td { a href=(model_href(id)) { (shown(id)) } }
                        td.num { (r["requests"]) } td.num { (r["input_tokens"]) } td.num { (r["output_tokens"]) }
                        td.num { (amount(&r["cost"])) } td.num { (amount(&r["list_cost"])) }
                    }
                }
            }
        }
    }
}

/// The `estimate` report on a pasted workload (no gate: nothing to fail).
fn estimate(app: &App, text: &str) -> Result<crate::estimate::EstimateReport, Failure> {
    let Command::Estimate(args) =
        request::command("estimate", &[("allow-unpriced".into(), "1".into())], &[], &["-".into()])
            .map_err(Failure::BadRequest)?
    else {
        unreachable!("estimate parses as estimate")
    };
    let (report, _, _) = crate::commands::estimate::report(&app.db, "the pasted workload", text, &args)?;
    Ok(report)
}

fn estimate_table(r: &crate::estimate::EstimateReport) -> Markup {
    html! {
        table {
            thead { tr { th { "Item" } th { "Model" } th.num { "Calls" } th.num { "In" } th.num { "Out" } th.num { "Seconds" } th.num { "Cost $" } th.num { "List cost $" } } }
            tbody {
                @for i in &r.items {
                    tr {
                        td { (shown(&i.name)) }
                        td { a href=(model_href(&i.model)) { (shown(&i.model)) } }
                        td.num { (i.priced.requests) } td.num { (i.priced.input_tokens) } td.num { (i.priced.output_tokens) }
                        td.num { (money(i.priced.seconds)) }
                        td.num { @if i.priced.cost.is_none() { "unpriced" } @else { (money(i.priced.cost)) } }
                        td.num { (money(i.priced.list_cost)) }
                    }
                }
                tr { th { "total" } td {} td {} td {} td {} td {} th.num { (r.total.display()) } th.num { (r.list_total.display()) } }
            }
        }
        @for i in &r.items {
            @if let Some(p) = &i.problem { p.banner.error { (shown(&p.message)) } }
        }
    }
}

fn changes_page(app: &App, query: &str) -> Result<Markup, Failure> {
    let pairs = request::pairs(query).map_err(Failure::BadRequest)?;
    request::only(&pairs, &["from", "to"], "the changes page").map_err(Failure::BadRequest)?;
    request::once(&pairs, &["from", "to"]).map_err(Failure::BadRequest)?;
    let (store, sample) = app.store()?;
    let snapshots = store.snapshots()?;
    let frame = Frame::of(&store, sample)?;
    drop(store);
    let (from, to) = (request::value(&pairs, "from"), request::value(&pairs, "to"));
    let positional: Vec<String> = from.into_iter().chain(to).map(str::to_owned).collect();
    let diff = if snapshots.len() < 2 && positional.is_empty() {
        None
    } else {
        let command = request::command("diff", &[("format".into(), "json".into())], &[], &positional)
            .map_err(Failure::BadRequest)?;
        Some(command_json(app, &command)?)
    };
    let chosen =
        |key: &str, id: i64, default: bool| request::value(&pairs, key).map_or(default, |v| v == id.to_string());
    let (newest, before) = (snapshots.first().map(|s| s.id), snapshots.get(1).map(|s| s.id));
    let body = html! {
        h1 { "What changed" }
        form.auto method="get" action="/changes" {
            label { "From " select name="from" { @for s in &snapshots {
                option value=(s.id) selected[chosen("from", s.id, Some(s.id) == before)] { "#" (s.id) " · " (s.fetched_at) " · " (s.models) " models" } } } }
            " "
            label { "to " select name="to" { @for s in &snapshots {
                option value=(s.id) selected[chosen("to", s.id, Some(s.id) == newest)] { "#" (s.id) " · " (s.fetched_at) " · " (s.models) " models" } } } }
            " " button type="submit" { "Compare" }
        }
        @match &diff {
            None => p { "One snapshot so far: sync again later to see what changes." },
            Some(d) => (diff_view(d)),
        }
    };
    Ok(layout("Changes", Nav::Changes, &frame, body))
}

fn diff_view(d: &Value) -> Markup {
    let list = |key: &str| d[key].as_array().cloned().unwrap_or_default();
    let (added, removed, changed) = (list("added"), list("removed"), list("changed"));
    html! {
        p { "From snapshot #" (d["from"]["id"]) " (" (d["from"]["fetched_at"].as_str().unwrap_or_default()) ") to #" (d["to"]["id"])
            " (" (d["to"]["fetched_at"].as_str().unwrap_or_default()) "): "
            (added.len()) " added, " (removed.len()) " removed, " (changed.len()) " changed." }
        h2 { "Added (" (added.len()) ")" }
        ul { @for m in &added { @let id = m["id"].as_str().unwrap_or_default(); li { a href=(model_href(id)) { (shown(id)) } } } }
        h2 { "Removed (" (removed.len()) ")" }
        ul { @for m in &removed { @let id = m["id"].as_str().unwrap_or_default(); li { a href=(model_href(id)) { (shown(id)) } } } }
        h2 { "Changed (" (changed.len()) ")" }
        table.changes {
            thead { tr { th { "Model" } th { "Field" } th { "Was" } th { "Now" } th.num { "Change" } } }
            tbody {
                @for c in &changed {
                    @let id = c["id"].as_str().unwrap_or_default();
                    @for f in c["changes"].as_array().map(Vec::as_slice).unwrap_or_default() {
                        tr {
                            td { a href=(model_href(id)) { (shown(id)) } }
                            td { (f["field"].as_str().unwrap_or_default()) }
                            td.was { (plain(&f["from"])) }
                            td { (plain(&f["to"])) }
                            td.num { @if let Some(p) = f["change_pct"].as_str() { (p) "%" } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_links_stay_on_this_server() {
        assert_eq!(model_href("black-forest-labs/flux-kontext-pro"), "/models/black-forest-labs/flux-kontext-pro");
        assert_eq!(model_href("../../etc/passwd"), "/models/..%2F..%2Fetc%2Fpasswd");
        assert_eq!(model_href("javascript:alert(1)"), "/models/javascript%3Aalert%281%29");
        assert_eq!(model_href("\"><img>"), "/models/%22%3E%3Cimg%3E");
    }
}
