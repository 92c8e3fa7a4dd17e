//! `/api/v1/`: each route runs the command of the same name with the query's
//! parameters as its flags ([`super::request`]) and answers with what the
//! command writes for `--format json` (or `format=csv` where the command writes
//! CSV): the same bytes as the command line, by construction.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::app::App;
use super::error::{EXIT, HttpError};
use super::job::blocking;
use super::request;

/// Runs `sub` for a request: `path` is the positional argument from the URL,
/// and `positional` the query key whose values are positional arguments.
async fn run(
    app: Arc<App>,
    sub: &'static str,
    path: Option<String>,
    positional: Option<&'static str>,
    query: Option<String>,
) -> Response {
    let job = move || {
        let pairs = request::pairs(query.as_deref().unwrap_or_default()).map_err(HttpError::BadRequest)?;
        let format = request::value(&pairs, "format").unwrap_or("json").to_owned();
        if !matches!(format.as_str(), "json" | "csv") {
            return Err(HttpError::BadRequest(format!("format is json or csv, not {format:?}")));
        }
        let mut positionals: Vec<String> = path.into_iter().collect();
        if let Some(key) = positional {
            positionals.extend(request::values(&pairs, key).map(str::to_owned));
        }
        // The one `format` checked above is the command's.
        let mut pairs = pairs;
        pairs.retain(|(k, _)| k != "format");
        pairs.push(("format".into(), format.clone()));
        let skip: Vec<&str> = positional.into_iter().collect();
        let command = request::command(sub, &pairs, &skip, &positionals).map_err(HttpError::BadRequest)?;
        let mut out = Pieces::default();
        let exit = (app.run)(&command, app.settings(), &mut out)?;
        Ok((out, format, exit))
    };
    match blocking(job).await {
        Ok((body, format, exit)) => {
            let kind = if format == "csv" { "text/csv; charset=utf-8" } else { "application/json" };
            let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, kind)], body.into_body()).into_response();
            // The command's exit code: 4 when `cost` names an unknown model, say.
            res.headers_mut().insert(EXIT, HeaderValue::from(u16::from(exit.code())));
            res
        }
        Err(failure) => failure.json(),
    }
}

/// What a command writes, gathered in pieces: nothing is copied as it grows,
/// and the pieces are the response's body as they are.
#[derive(Default)]
struct Pieces {
    done: Vec<Vec<u8>>,
    current: Vec<u8>,
}

/// The size of a piece: small enough to come from the heap, not a fresh mapping.
const PIECE: usize = 64 << 10;

impl std::io::Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.current.len() + buf.len() > PIECE && !self.current.is_empty() {
            self.done.push(std::mem::replace(&mut self.current, Vec::with_capacity(PIECE)));
        }
        self.current.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Pieces {
    fn into_body(mut self) -> axum::body::Body {
        self.done.push(self.current);
        let pieces = self.done.into_iter().map(Ok::<_, std::convert::Infallible>);
        axum::body::Body::from_stream(futures_util::stream::iter(pieces))
    }
}

pub async fn models(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "models", None, None, q).await
}

pub async fn model(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    match id {
        Ok(Path(id)) => run(app, "show", Some(id), None, q).await,
        Err(_) => bad_id().json(),
    }
}

/// A model id in a path that is not UTF-8 text.
pub fn bad_id() -> HttpError {
    HttpError::BadRequest("the model id in the path is not UTF-8 text".into())
}

pub async fn providers(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "providers", None, None, q).await
}

pub async fn features(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "features", None, None, q).await
}

pub async fn types(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "types", None, None, q).await
}

pub async fn endpoints(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "endpoints", None, None, q).await
}

pub async fn rank(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "rank", None, None, q).await
}

/// `?model=a&model=b&input-tokens=...`: `cost a b --input-tokens ...`.
pub async fn cost(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "cost", None, Some("model"), q).await
}

/// `?from=3&to=2026-10-01`: `diff 3 2026-10-01`; without them, the
/// previous snapshot against the current one.
pub async fn diff(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let pairs = match request::pairs(q.as_deref().unwrap_or_default()) {
        Ok(pairs) => pairs,
        Err(why) => return HttpError::BadRequest(why).json(),
    };
    if let Err(why) = request::once(&pairs, &["from", "to"]) {
        return HttpError::BadRequest(why).json();
    }
    let (from, to) = (request::value(&pairs, "from"), request::value(&pairs, "to"));
    let positional: Vec<&str> = match (from, to) {
        (None, Some(_)) => return HttpError::BadRequest("to needs from: give both snapshots".into()).json(),
        (from, to) => from.into_iter().chain(to).collect(),
    };
    let mut rest: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "from" && k != "to" && k != "at")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    rest.extend(positional.into_iter().map(|p| ("at", p)));
    let q = form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
    run(app, "diff", None, Some("at"), Some(q)).await
}

pub async fn history(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    match id {
        Ok(Path(id)) => run(app, "history", Some(id), None, q).await,
        Err(_) => bad_id().json(),
    }
}

pub async fn syncs(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "syncs", None, None, q).await
}
