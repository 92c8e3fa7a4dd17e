//! Every page's frame — head, navigation, the catalog it shows, the sample
//! banner — and the small pieces every page uses: catalog text made visible,
//! links to a model's page, query strings, amounts.

use std::borrow::Cow;
use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

use crate::money::Money;
use crate::serve::app::App;
use crate::serve::budget::full;
use crate::serve::error::HttpError;
use crate::serve::job::blocking;
use crate::store::{Snapshot, Store, StoreError};

/// Where a page sits in the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    Catalog,
    Map,
    Cost,
    Changes,
    None,
}

/// What the frame says about the catalog shown.
pub(super) struct Frame {
    pub(super) snapshot: Option<Snapshot>,
    pub(super) sample: bool,
}

impl Frame {
    pub(super) fn of(store: &Store, sample: bool) -> Result<Frame, StoreError> {
        Ok(Frame { snapshot: store.current_snapshot()?, sample })
    }
}

/// An error in the site's frame.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
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

/// A page: `page` renders it on a blocking thread, and it is held against
/// the budget of answers in flight until it is written; a failure is shown
/// in the site's frame.
pub(super) async fn render(
    app: Arc<App>,
    page: impl FnOnce(&App) -> Result<Markup, HttpError> + Send + 'static,
) -> Response {
    let limit = app.limits.time_limit;
    let built = blocking(limit, move || {
        let html = page(&app)?.into_string().into_bytes();
        let (size, total) = (html.len(), app.budget.total());
        app.budget.try_hold(html).map_err(|_| match size > total {
            // No wait makes room for it: said, so nobody waits.
            true => HttpError::Busy(format!(
                "this page takes {}, more than the server may hold at once ({}): start `cometcat serve` with a larger --max-in-flight",
                crate::numbers::bytes(size as u64),
                crate::numbers::bytes(total as u64)
            )),
            false => HttpError::Busy(full(total)),
        })
    })
    .await;
    match built {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => failure(&e),
    }
}

/// A failure as a page: the error in the site's frame, with its status.
pub fn failure(e: &HttpError) -> Response {
    e.respond(error_page(e.status(), &e.message()))
}

/// Every page's frame: head, navigation, the catalog it shows.
pub(super) fn layout(title: &str, nav: Nav, frame: &Frame, body: Markup) -> Markup {
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
pub(super) fn shown(text: &str) -> Cow<'_, str> {
    crate::output::one_line(text)
}

/// This server's page of a model: its id, percent-encoded. A `/` is kept
/// (`black-forest-labs/flux-kontext-pro`) unless the id has a segment that a
/// browser would resolve away (`..`, `.`, or an empty one): such an id goes
/// in the query instead (`/model?id=..`).
pub fn model_href(id: &str) -> String {
    match path_of(id) {
        Some(path) => format!("/models/{path}"),
        None => format!("/model?id={}", query_value(id)),
    }
}

/// The API's answer about a model: `kind` is `models` (the model) or
/// `history`; the id in the path, or in the query as [`model_href`] puts it.
pub fn api_href(kind: &str, id: &str) -> String {
    match path_of(id) {
        Some(path) => format!("/api/v1/{kind}/{path}"),
        None if kind == "models" => format!("/api/v1/model?id={}", query_value(id)),
        None => format!("/api/v1/{kind}?id={}", query_value(id)),
    }
}

/// The id as a path, when a path can carry it.
fn path_of(id: &str) -> Option<String> {
    const KEEP_SLASH: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let dotted = id.split('/').any(|s| matches!(s, "" | "." | ".."));
    (!dotted).then(|| percent_encoding::utf8_percent_encode(id, KEEP_SLASH).to_string())
}

fn query_value(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// Text for an attribute whose value must reach the server as it is (a
/// form field's `value`): every character but printable ASCII written as a
/// character reference, so that no control, bidi or invisible character
/// stands raw in the page, and the browser still submits the exact text.
pub(super) fn exact_attr(text: &str) -> PreEscaped<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("&#x{:x};", u32::from(c))),
        }
    }
    PreEscaped(out)
}

/// The query string `pairs` make, with `set` replacing their keys and `drop` removed.
pub(super) fn query_with(pairs: &[(String, String)], set: &[(&str, &str)], drop: &[&str]) -> String {
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

pub(super) fn money(m: Option<Money>) -> String {
    m.map_or_else(|| "—".to_owned(), |m| m.display())
}

/// A changed field's value as shown: text made visible, `—` for none.
pub(super) fn plain(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => shown(s).into_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_stand_in_ascii() {
        assert_eq!(exact_attr("gpt-5\n\u{202e}\"<b>'&").into_string(), "gpt-5&#xa;&#x202e;&quot;&lt;b&gt;&#39;&amp;");
        assert_eq!(exact_attr("black-forest-labs/flux ü").into_string(), "black-forest-labs/flux &#xfc;");
    }

    #[test]
    fn model_links_stay_on_this_server() {
        assert_eq!(model_href("black-forest-labs/flux-kontext-pro"), "/models/black-forest-labs/flux-kontext-pro");
        assert_eq!(model_href("../../etc/passwd"), "/model?id=..%2F..%2Fetc%2Fpasswd");
        assert_eq!(model_href(".."), "/model?id=..", "a browser resolves `..` away in a path only");
        assert_eq!(api_href("history", "."), "/api/v1/history?id=.");
        assert_eq!(api_href("models", "a b"), "/api/v1/models/a%20b");
        assert_eq!(model_href("javascript:alert(1)"), "/models/javascript%3Aalert%281%29");
        assert_eq!(model_href("\"><img>"), "/models/%22%3E%3Cimg%3E");
    }
}
