//! The filter form every listing page shares: every FILTER of the command
//! line under its CLI name, with each facet's values and counts.

use maud::{Markup, html};

use super::frame::{Frame, shown};
use crate::cli::Command;
use crate::query::{Facet, Filters, PricingKind};
use crate::serve::app::App;
use crate::serve::error::HttpError;
use crate::serve::request;
use crate::store::Store;

pub(super) fn models_args(pairs: &[(String, String)], skip: &[&str]) -> Result<crate::cli::ModelsArgs, HttpError> {
    match request::command("models", pairs, skip, &[]).map_err(HttpError::BadRequest)? {
        Command::Models(args) => Ok(args),
        _ => unreachable!("models parses as models"),
    }
}

/// A facet, its query key, its title, and its values with their counts.
pub(super) type FacetList = (Facet, &'static str, &'static str, Vec<crate::store::FacetCount>);

/// Each facet's values and counts under `filters` without that facet's own
/// filter (so a ticked box's neighbours stay visible).
pub(super) fn facets(app: &App, store: &Store, frame: &Frame, filters: &Filters) -> Result<Vec<FacetList>, HttpError> {
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

/// The query keys of the FILTERS.
const FILTERS: [&str; 10] = [
    "search",
    "provider",
    "type",
    "feature",
    "endpoint",
    "max-input-price",
    "max-output-price",
    "min-context",
    "pricing",
    "include-upcoming",
];

/// The filter form: every FILTER of the CLI, under its CLI name, after
/// `extra` (the page's own fields). It folds away under `summary` (with the
/// number of filters set): open as served, closed by the script on a
/// narrow screen, so that a phone shows the table first.
pub(super) fn filter_form(
    action: &str,
    pairs: &[(String, String)],
    facets: &[FacetList],
    summary: &str,
    extra: Markup,
) -> Markup {
    let has = |k: &str, v: &str| request::values(pairs, k).any(|x| x.eq_ignore_ascii_case(v));
    let val = |k: &str| request::value(pairs, k).unwrap_or_default().to_owned();
    let pricing = val("pricing");
    let set = pairs.iter().filter(|(k, v)| FILTERS.contains(&k.as_str()) && !v.is_empty()).count();
    html! {
        details.filters open {
        summary { (summary) @if set > 0 { " (" (set) " set)" } }
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
}
