//! `/api/v1/`: each route runs the command of the same name with the query's
//! parameters as its flags ([`super::request`]) and answers with what the
//! command writes for `--format json` (or `format=csv` where the command writes
//! CSV): the same bytes as the command line, by construction.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::answer::{self, AnswerWriter, Head};
use super::app::{App, Remembered};
use super::error::{EXIT, HttpError};
use super::{job, request};
use crate::error::Exit;

/// Runs `sub` for a request: `path` is the positional argument from the URL,
/// and `positional` the query key whose values are positional arguments.
async fn run(
    app: Arc<App>,
    sub: &'static str,
    path: Option<String>,
    positional: Option<&'static str>,
    query: Option<String>,
) -> Response {
    run_keeping(app, sub, path, positional, query, None).await
}

/// [`run`], keeping the answer for `keep` (a snapshot and a query) when it is given.
async fn run_keeping(
    app: Arc<App>,
    sub: &'static str,
    path: Option<String>,
    positional: Option<&'static str>,
    query: Option<String>,
    keep: Option<(String, String)>,
) -> Response {
    let (command, format) = match command(sub, path, positional, query.as_deref().unwrap_or_default()) {
        Ok(parsed) => parsed,
        Err(failure) => return failure.json(),
    };
    let limit = app.limits.time_limit;
    let (mut answer, head) = AnswerWriter::new(app.budget.clone());
    let runner = app.clone();
    let _job = job::spawn(limit, move || {
        let outcome = (runner.run)(&command, runner.settings(), &mut answer);
        answer.finish(outcome);
    });
    let (body, exit) = match (job::wait(limit, head).await, keep) {
        (Ok(Head::Whole(pieces, exit)), keep) => {
            if let Some(key) = keep {
                // A copy of its own: the pieces hold bytes of the in-flight budget until dropped.
                let body = Bytes::from(pieces.concat());
                app.remember(key, Remembered { body, exit: Some(exit) }, 0);
            }
            (answer::body(pieces, None), Some(exit))
        }
        // Streamed: the command has not ended, so its exit code is not known yet.
        (Ok(Head::Streamed(pieces, rest)), None) => (answer::body(pieces, Some(rest)), None),
        (Ok(Head::Streamed(pieces, rest)), Some(key)) => {
            (answer::kept_body(pieces, rest, KeepFor { app: app.clone(), key }), None)
        }
        (Ok(Head::Failed(failure)) | Err(failure), _) => return failure.after(limit).json(),
    };
    respond(&format, body, exit)
}

/// A streamed answer kept, as it goes, for its snapshot and query.
struct KeepFor {
    app: Arc<App>,
    key: (String, String),
}

impl answer::Keeper for KeepFor {
    fn reserve(&self, bytes: usize) -> bool {
        self.app.reserve(bytes)
    }
    fn release(&self, bytes: usize) {
        self.app.release(bytes);
    }
    fn keep(&self, body: Bytes, reserved: usize) {
        self.app.remember(self.key.clone(), Remembered { body, exit: None }, reserved);
    }
}

/// An answer: its body, typed by `format`, with the command's exit code when known.
fn respond(format: &str, body: axum::body::Body, exit: Option<Exit>) -> Response {
    let kind = if format == "csv" { "text/csv; charset=utf-8" } else { "application/json" };
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, kind)], body).into_response();
    if let Some(exit) = exit {
        // The command's exit code: 4 when `cost` names an unknown model, say.
        res.headers_mut().insert(EXIT, HeaderValue::from(u16::from(exit.code())));
    }
    res
}

/// The command a request stands for, and the format it writes.
fn command(
    sub: &str,
    path: Option<String>,
    positional: Option<&str>,
    query: &str,
) -> Result<(crate::cli::Command, String), HttpError> {
    let pairs = request::pairs(query).map_err(HttpError::BadRequest)?;
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
    Ok((command, format))
}

/// `models`: the same catalog asked the same question answers with the same
/// bytes, so an answer is kept for as long as the snapshot is current.
pub async fn models(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let finder = app.clone();
    // Opening the catalog may wait on a sync's lock: within the time limit, as any query.
    let snapshot = job::blocking(app.limits.time_limit, move || Ok(finder.snapshot_key())).await.ok().flatten();
    let key = snapshot.map(|s| (s, q.clone().unwrap_or_default()));
    if let Some(kept) = key.as_ref().and_then(|k| app.remembered(k)) {
        let format = match command("models", None, None, q.as_deref().unwrap_or_default()) {
            Ok((_, format)) => format,
            Err(failure) => return failure.json(),
        };
        return respond(&format, answer::body(vec![kept.body.clone()], None), kept.exit);
    }
    run_keeping(app, "models", None, None, q, key).await
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

/// `/api/v1/model?id=ID`: `/api/v1/models/ID` for an id a path cannot
/// carry (`.`, `..`: browsers resolve such segments away).
pub async fn model_by_query(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match take_id(q) {
        Ok((id, rest)) => run(app, "show", Some(id), None, rest).await,
        Err(e) => e.json(),
    }
}

/// `/api/v1/history?id=ID`, as [`model_by_query`].
pub async fn history_by_query(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match take_id(q) {
        Ok((id, rest)) => run(app, "history", Some(id), None, rest).await,
        Err(e) => e.json(),
    }
}

/// The `id` of a query string, and the rest of it.
pub fn take_id(q: Option<String>) -> Result<(String, Option<String>), HttpError> {
    let pairs = super::request::pairs(&q.unwrap_or_default()).map_err(HttpError::BadRequest)?;
    let id = pairs.iter().find(|(k, _)| k == "id").map(|(_, v)| v.clone());
    let id = id.ok_or_else(|| HttpError::BadRequest("give the model's id: ?id=ID".into()))?;
    let rest =
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter().filter(|(k, _)| k != "id")).finish();
    Ok((id, (!rest.is_empty()).then_some(rest)))
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

/// `?id=a&id=b`: `compare a b` (`id`, as a model's page takes it: an id
/// with `.` or `..` segments goes in a query as it is).
pub async fn compare(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    run(app, "compare", None, Some("id"), q).await
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
