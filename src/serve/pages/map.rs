//! `/map`: effective input against output price (log axes), one dot per
//! model priced per token, coloured by provider, each a link to its page.

use std::collections::HashMap;

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, PreEscaped, html};

use super::filters::{facets, filter_form, models_args};
use super::frame::{Frame, Nav, layout, model_href, render, shown};
use crate::catalog::Model;
use crate::money::Money;
use crate::serve::app::App;
use crate::serve::chart::{self, Axis, Dot};
use crate::serve::error::HttpError;
use crate::serve::request;

/// How many providers have a colour of their own: the style sheet's `p0` to `p10`.
const NAMED: usize = 11;
/// The class of the other providers' dots: grey.
const OTHER: &str = "other";

pub async fn map(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(app, move |app| map_page(app, &q.unwrap_or_default())).await
}

fn map_page(app: &App, query: &str) -> Result<Markup, HttpError> {
    let pairs = request::pairs(query).map_err(HttpError::BadRequest)?;
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
    // The NAMED providers with the most models each have a colour; the rest
    // are one grey group, drawn first so that it lies under the colours.
    let class_of: HashMap<&str, String> = order
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), if i < NAMED { format!("p{i}") } else { OTHER.to_owned() }))
        .collect();
    let mut dots: Vec<Dot> = priced
        .iter()
        .map(|(m, i, o)| Dot {
            x: chart::as_f64(*i),
            y: chart::as_f64(*o),
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
    dots.sort_by_key(|d| d.class != OTHER);
    let x = Axis::fit("effective input price, $ per 1M tokens (log)", dots.iter().map(|d| d.x), true);
    let y = Axis::fit("effective output price, $ per 1M tokens (log)", dots.iter().map(|d| d.y), true);
    let left_out = models.len() - priced.len();
    let body = html! {
        div.layout {
            aside { (filter_form("/map", &pairs, &facets, "Filters", html! {})) }
            section {
                h1 { "Price map: " span id="dots" { (dots.len()) } " models priced per token" }
                @if left_out > 0 { p { (left_out) " matching models are not on the map: priced per call or second, unpriced, or free on one side (a log axis has no 0)." } }
                figure {
                    (PreEscaped(chart::scatter("Effective input vs output price", &dots, &x, &y)))
                    figcaption { ul.legend {
                        @for (i, (p, n)) in order.iter().enumerate().take(NAMED) {
                            li { svg viewBox="0 0 10 10" { circle class=(format!("p{i}")) cx="5" cy="5" r="5" {} } (shown(p)) " (" (n) ")" }
                        }
                        @if order.len() > NAMED {
                            li { svg viewBox="0 0 10 10" { circle class=(OTHER) cx="5" cy="5" r="5" {} } "other providers (" (order[NAMED..].iter().map(|o| o.1).sum::<usize>()) ")" }
                        }
                    } }
                }
            }
        }
    };
    Ok(layout("Price map", Nav::Map, &frame, body))
}
