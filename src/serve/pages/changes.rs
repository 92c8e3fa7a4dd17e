//! `/changes`: what changed between two snapshots, picked from the list
//! (default: the previous one against the current one), as `diff` reports it.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

use super::frame::{Frame, Nav, layout, model_href, plain, render, shown};
use crate::cli::Command;
use crate::commands::diff::pick;
use crate::query::Filters;
use crate::serve::app::App;
use crate::serve::error::HttpError;
use crate::serve::request;
use crate::store::Diff;

pub async fn changes(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    render(app, move |app| changes_page(app, &q.unwrap_or_default())).await
}

fn changes_page(app: &App, query: &str) -> Result<Markup, HttpError> {
    let pairs = request::pairs(query).map_err(HttpError::BadRequest)?;
    request::only(&pairs, &["from", "to"], "the changes page").map_err(HttpError::BadRequest)?;
    request::once(&pairs, &["from", "to"]).map_err(HttpError::BadRequest)?;
    let (store, sample) = app.store()?;
    let snapshots = store.snapshots()?;
    let frame = Frame::of(&store, sample)?;
    let (from, to) = (request::value(&pairs, "from"), request::value(&pairs, "to"));
    let positional: Vec<String> = from.into_iter().chain(to).map(str::to_owned).collect();
    let diff = if snapshots.len() < 2 && positional.is_empty() {
        None
    } else {
        let Command::Diff(args) = request::command("diff", &[], &[], &positional).map_err(HttpError::BadRequest)?
        else {
            unreachable!("diff parses as diff")
        };
        let (from, to) = pick(&store, args.from, args.to)?;
        Some(store.diff(from.id, to.id, Some(&Filters::from(&args.filters)))?)
    };
    drop(store);
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

fn diff_view(d: &Diff) -> Markup {
    let (from, to) = (&d.from, &d.to);
    html! {
        p { "From snapshot #" (from.id) " (" (from.fetched_at) ") to #" (to.id) " (" (to.fetched_at) "): "
            (d.added.len()) " added, " (d.removed.len()) " removed, " (d.changed.len()) " changed." }
        h2 { "Added (" (d.added.len()) ")" }
        ul { @for m in &d.added { li { a href=(model_href(&m.model.id)) { (shown(&m.model.id)) } } } }
        h2 { "Removed (" (d.removed.len()) ")" }
        ul { @for m in &d.removed { li { a href=(model_href(&m.model.id)) { (shown(&m.model.id)) } } } }
        h2 { "Changed (" (d.changed.len()) ")" }
        div.scroll { table.changes {
            thead { tr { th { "Model" } th { "Field" } th { "Was" } th { "Now" } th.num { "Change" } } }
            tbody {
                @for c in &d.changed {
                    @let id = &c.new.model.id;
                    @for f in &c.changes {
                        tr {
                            td { a href=(model_href(id)) { (shown(id)) } }
                            td { (f.field) }
                            td.was { (plain(&f.from)) }
                            td { (plain(&f.to)) }
                            td.num { @if let Some(p) = f.change_pct { (p) "%" } }
                        }
                    }
                }
            }
        } }
    }
}
