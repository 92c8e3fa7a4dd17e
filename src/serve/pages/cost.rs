//! `/cost`: token counts, calls and seconds plus the filters give the ranking
//! `rank` prints; a workload file pasted into the text box is priced as
//! `estimate` prices it (no gate: nothing to fail).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

use super::filters::{facets, filter_form};
use super::frame::{Frame, Nav, layout, model_href, money, render, shown};
use crate::cli::Command;
use crate::commands::rank::{Compare, ranked};
use crate::estimate::EstimateReport;
use crate::output::costs::CostRow;
use crate::pricing::Workload;
use crate::query::Filters;
use crate::serve::app::App;
use crate::serve::error::HttpError;
use crate::serve::request;

/// How many models the ranking shows unless the form says.
const TOP: u64 = 50;

/// The workload priced on arrival, before the form gives one: one call of
/// 1,000 input and 200 output tokens (a short chat turn).
const DEFAULT_WORKLOAD: Workload = Workload { input_tokens: 1000, output_tokens: 200, requests: 1, seconds: None };
/// [`DEFAULT_WORKLOAD`] in words, on the page.
const DEFAULT_SAID: &str = "one call of 1,000 input and 200 output tokens";

pub async fn cost(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(app, move |app| cost_page(app, &q.unwrap_or_default())).await
}

fn cost_page(app: &App, query: &str) -> Result<Markup, HttpError> {
    let pairs = request::pairs(query).map_err(HttpError::BadRequest)?;
    let (store, sample) = app.store()?;
    request::once(&pairs, &["workload"]).map_err(HttpError::BadRequest)?;
    let Command::Rank(args) = request::command("rank", &pairs, &["workload"], &[]).map_err(HttpError::BadRequest)?
    else {
        unreachable!("rank parses as rank")
    };
    let filters = Filters::from(&args.filters);
    let frame = Frame::of(&store, sample)?;
    let facets = facets(app, &store, &frame, &filters)?;
    let workload = request::value(&pairs, "workload").map(str::to_owned);
    // The cheapest models, as `rank` lists them, for the workload given; on
    // arrival (no workload, no file pasted), for the default one, said so.
    let given = args.workload.workload();
    let assumed = given.is_none() && workload.is_none();
    let ranking = match given.or(assumed.then_some(DEFAULT_WORKLOAD)) {
        Some(work) => {
            let compare = Compare { any_pricing: args.any_pricing, no_free: args.no_free };
            Some(ranked(&store, &filters, &work, args.workload.basis(), Some(args.top.unwrap_or(TOP)), compare)?)
        }
        None => None,
    };
    drop(store);
    // A workload that cannot be read is said beside the text box, which keeps the text.
    let estimate = match workload.as_deref().map(|text| estimate(app, text)) {
        Some(Err(HttpError::BadRequest(why))) => Some(Err(why)),
        other => other.transpose()?.map(Ok),
    };
    let val = |k: &str| match (request::value(&pairs, k), k) {
        (Some(v), _) => v.to_owned(),
        (None, "input-tokens") if assumed => DEFAULT_WORKLOAD.input_tokens.to_string(),
        (None, "output-tokens") if assumed => DEFAULT_WORKLOAD.output_tokens.to_string(),
        (None, _) => String::new(),
    };
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
            aside { (filter_form("/cost", &pairs, &facets, "Workload and filters", inputs)) }
            section {
                h1 { "What a workload costs" }
                @if assumed {
                    p.banner { "No workload given yet, so this is " (DEFAULT_SAID) ". Change it in the form: the cheapest matching models are listed here, as "
                        code { "cometcat rank" } " lists them." }
                }
                @match &ranking {
                    None => p { "Give token counts (and calls or seconds) in the form: the cheapest matching models are listed here, as "
                        code { "cometcat rank" } " lists them." },
                    Some(ranking) => (rank_table(&ranking.rows)),
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

fn rank_table(rows: &[CostRow]) -> Markup {
    html! {
        p { (rows.len()) " models, cheapest first (effective prices unless asked otherwise)." }
        // The workload is the same on every row: a narrow screen leaves it out.
        div.scroll { table.ranked {
            thead { tr { th { "#" } th { "Model" } th.num.narrow-hide { "Calls" } th.num.narrow-hide { "In" } th.num.narrow-hide { "Out" } th.num { "Cost $" } th.num { "List cost $" } } }
            tbody {
                @for (i, r) in rows.iter().enumerate() {
                    tr {
                        td { (i + 1) }
                        td.id { a href=(model_href(&r.id)) { (shown(&r.id)) } }
                        td.num.narrow-hide { (r.priced.requests) } td.num.narrow-hide { (r.priced.input_tokens) } td.num.narrow-hide { (r.priced.output_tokens) }
                        td.num { (money(r.priced.cost)) } td.num { (money(r.priced.list_cost)) }
                    }
                }
            }
        } }
    }
}

/// The `estimate` report on a pasted workload (no gate: nothing to fail).
fn estimate(app: &App, text: &str) -> Result<EstimateReport, HttpError> {
    let Command::Estimate(args) =
        request::command("estimate", &[("allow-unpriced".into(), "1".into())], &[], &["-".into()])
            .map_err(HttpError::BadRequest)?
    else {
        unreachable!("estimate parses as estimate")
    };
    let (report, _, _) = crate::commands::estimate::report(&app.db, "the pasted workload", text, &args)?;
    Ok(report)
}

fn estimate_table(r: &EstimateReport) -> Markup {
    html! {
        div.scroll { table {
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
        } }
        @for i in &r.items {
            @if let Some(p) = &i.problem { p.banner.error { (shown(&p.message)) } }
        }
    }
}
