//! The web explorer: the catalog, the same filters and the same numbers as the
//! command line, in a browser. Server-rendered HTML (`pages`) with charts
//! drawn as SVG on the server (`chart`), and a JSON API (`api`) that runs
//! the very commands of the command line, so its JSON is theirs byte for byte.
//!
//! Read-only and bounded: only GET and HEAD; a query string of at most
//! 16 KiB and 64 parameters; every
//! request opens the catalog afresh (a sync shows on the next request) on a
//! blocking thread whose queries are interrupted after [`TIME_LIMIT`]. Every
//! page sends a Content-Security-Policy that allows no inline script and no
//! other origin; the one script and style sheet are embedded in the binary.

mod api;
mod assets;
mod chart;
mod pages;
mod request;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::commands::diagnostics;
use crate::error::Exit;
use crate::output::Look;
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// The header that carries a command's exit code.
pub const EXIT: HeaderName = HeaderName::from_static("x-cometcat-exit");

/// How long a request's queries may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// What every request needs: where the catalog is, and which `Host` headers
/// name this server.
pub struct App {
    pub(super) db: PathBuf,
    /// When listening on loopback: the `Host` values a browser sends here. A
    /// page of another site that resolves its own name to 127.0.0.1 (DNS
    /// rebinding) sends its own name, and is refused.
    hosts: Option<Vec<String>>,
    /// Facet counts already computed, by snapshot and filters: they change
    /// only when a sync adds a snapshot.
    facets: std::sync::Mutex<std::collections::HashMap<String, Vec<crate::store::FacetCount>>>,
}

/// The most facet lists kept; past it the cache starts again.
const CACHED_FACETS: usize = 512;

impl App {
    pub fn new(db: PathBuf, addr: SocketAddr) -> App {
        let port = addr.port();
        let hosts = addr.ip().is_loopback().then(|| {
            let mut hosts = vec![format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
            hosts.push(addr.to_string());
            hosts
        });
        App { db, hosts, facets: Default::default() }
    }

    /// The settings a command runs with here: quiet, plain, this catalog.
    fn settings(&self) -> Settings {
        Settings {
            db: self.db.clone(),
            look: Look { width: None, color: false },
            quiet: true,
            verbose: false,
            progress: false,
            backoff: Default::default(),
        }
    }

    /// `facet`'s counts under `filters` in `store`'s current `snapshot`, computed once.
    fn facet(
        &self,
        store: &Store,
        snapshot: Option<&crate::store::Snapshot>,
        facet: crate::query::Facet,
        filters: &crate::query::Filters,
    ) -> Result<Vec<crate::store::FacetCount>, Failure> {
        let key = snapshot.map(|s| format!("{}:{}:{}:{facet:?}:{filters:?}", s.id, s.content_hash, s.fetched_at));
        let cached = key.as_ref().and_then(|k| self.facets.lock().unwrap_or_else(|e| e.into_inner()).get(k).cloned());
        if let Some(counts) = cached {
            return Ok(counts);
        }
        let counts = store.facet(facet, filters)?;
        if let Some(key) = key {
            let mut cache = self.facets.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= CACHED_FACETS {
                cache.clear();
            }
            cache.insert(key, counts.clone());
        }
        Ok(counts)
    }

    /// The catalog, or before any sync the bundled sample (`true`).
    fn store(&self) -> Result<(Store, bool), Failure> {
        match Store::open(&self.db) {
            Ok(store) => Ok((store, false)),
            Err(StoreError::Missing(_) | StoreError::Empty(_)) => Ok((crate::sample::open()?, true)),
            Err(e) => Err(anyhow::Error::from(e).into()),
        }
    }
}

/// How long a client may take to send a request's headers; a connection
/// that sends them slower than that is closed (it would hold a slot forever).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests in flight may take to finish once a stop is asked for.
const GRACE: Duration = Duration::from_secs(5);

/// The most connections served at once; more wait to be accepted.
const CONNECTIONS: usize = 256;

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish for up to [`GRACE`] and closes the rest.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let router = router(Arc::new(app));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).max_headers(64);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => {}
    }
    Ok(())
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::catalog))
        .route("/models/{*id}", get(pages::model))
        .route("/map", get(pages::map))
        .route("/cost", get(pages::cost))
        .route("/changes", get(pages::changes))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/favicon.svg", get(assets::icon))
        .route("/api/v1/models", get(api::models))
        .route("/api/v1/models/{*id}", get(api::model))
        .route("/api/v1/providers", get(api::providers))
        .route("/api/v1/features", get(api::features))
        .route("/api/v1/types", get(api::types))
        .route("/api/v1/endpoints", get(api::endpoints))
        .route("/api/v1/rank", get(api::rank))
        .route("/api/v1/cost", get(api::cost))
        .route("/api/v1/diff", get(api::diff))
        .route("/api/v1/history/{*id}", get(api::history))
        .route("/api/v1/syncs", get(api::syncs))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// The page, script and frame policy of every response: nothing inline,
/// nothing from elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Every request passes here: only GET and HEAD, only this server's `Host`,
/// a bounded query string; every response gets the security headers and the
/// time it took (`Server-Timing`).
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut res = match refuse(&app, &req) {
        Some(refused) => refused,
        None => next.run(req).await,
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    let timing = format!("app;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = HeaderValue::from_str(&timing) {
        h.insert("server-timing", value);
    }
    res
}

/// Why a request is refused before it is handled, if it is.
fn refuse(app: &App, req: &Request) -> Option<Response> {
    let api = req.uri().path().starts_with("/api/");
    let answer = |failure: Failure| Some(if api { failure.json() } else { failure.text() });
    let hosts = req.headers().get_all(header::HOST).iter().count();
    if hosts > 1 {
        return answer(Failure::BadRequest("more than one Host header".into()));
    }
    if let Some(allowed) = &app.hosts {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        if !allowed.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return answer(Failure::Misdirected);
        }
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let mut res = answer(Failure::MethodNotAllowed)?;
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(res);
    }
    let query = req.uri().query().unwrap_or_default();
    if let Err(why) = request::pairs(query) {
        return answer(if query.len() > request::MAX_QUERY { Failure::TooLong(why) } else { Failure::BadRequest(why) });
    }
    None
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        Failure::NotFound(format!("no such API route: {}", uri.path())).json()
    } else {
        Failure::NotFound("no such page".into()).page()
    }
}

/// Why a request could not be answered, as the status it calls for.
#[derive(Debug)]
pub enum Failure {
    /// 400: the query asks for something impossible.
    BadRequest(String),
    /// 404: no such model, snapshot or page.
    NotFound(String),
    /// 503: the queries ran out of time.
    TooSlow,
    /// 500.
    Internal(String),
    /// 405: anything but GET and HEAD.
    MethodNotAllowed,
    /// 421: a `Host` that is not this server's.
    Misdirected,
    /// 414: a query string over the limit.
    TooLong(String),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        if crate::store::interrupted(&err) {
            return Failure::TooSlow;
        }
        let diagnosis = diagnostics::diagnose(&err);
        let message = diagnostics::render_body(&err, diagnosis.hint.as_deref());
        let missing = |c: &(dyn std::error::Error + 'static)| {
            c.is::<crate::suggest::UnknownModel>()
                || matches!(
                    c.downcast_ref::<StoreError>(),
                    Some(StoreError::NoSnapshot(_) | StoreError::NoSnapshotBy(_))
                )
        };
        if err.chain().any(missing) {
            return Failure::NotFound(message);
        }
        match diagnosis.exit {
            Exit::Usage => Failure::BadRequest(message),
            _ if err.chain().any(|c| c.is::<crate::error::UserError>()) => Failure::BadRequest(message),
            _ => Failure::Internal(message),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Failure {
        anyhow::Error::from(err).into()
    }
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::TooSlow => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Failure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Failure::Misdirected => StatusCode::MISDIRECTED_REQUEST,
            Failure::TooLong(_) => StatusCode::URI_TOO_LONG,
        }
    }

    /// The exit code the command line would give: 2 for a request it would
    /// not parse, else 1.
    fn exit(&self) -> Exit {
        match self {
            Failure::BadRequest(_) | Failure::TooLong(_) => Exit::Usage,
            _ => Exit::Error,
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::BadRequest(m) | Failure::NotFound(m) | Failure::Internal(m) | Failure::TooLong(m) => m.clone(),
            Failure::TooSlow => {
                format!("the query took longer than {} s; narrow it with filters", TIME_LIMIT.as_secs())
            }
            Failure::MethodNotAllowed => "only GET and HEAD: the explorer never changes the catalog".into(),
            Failure::Misdirected => "this server answers to its own address only".into(),
        }
    }

    /// For the API: `{"error": "..."}`, with the exit code the command would give.
    fn json(&self) -> Response {
        let body = serde_json::json!({ "error": self.message() }).to_string();
        let exit = HeaderValue::from(u16::from(self.exit().code()));
        let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (EXIT, exit)];
        (self.status(), headers, body).into_response()
    }

    /// Plain text, for refusals before a page is chosen.
    fn text(&self) -> Response {
        (self.status(), format!("{}\n", self.message())).into_response()
    }

    /// For a page: the error in the site's frame.
    fn page(&self) -> Response {
        (self.status(), pages::error(self.status(), &self.message())).into_response()
    }
}

/// Runs `job` on a blocking thread, with the catalog's queries interrupted
/// after [`TIME_LIMIT`].
async fn blocking<T: Send + 'static>(job: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    let task = tokio::task::spawn_blocking(move || {
        let _deadline = crate::store::deadline(Instant::now() + TIME_LIMIT);
        job()
    });
    match tokio::time::timeout(TIME_LIMIT + Duration::from_secs(1), task).await {
        Err(_) => Err(Failure::TooSlow),
        Ok(Err(join)) => Err(Failure::Internal(format!("the request failed: {join}"))),
        Ok(Ok(result)) => result,
    }
}
