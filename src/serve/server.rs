//! The listening loop and the router: connections bounded in number, in how
//! long they may take to send their headers and to read their answers
//! ([`conn`]), every route, and the guard every request passes (methods,
//! `Host`, query size, security headers).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::app::App;
use super::conn::{self, Conn, Deadlined, Slots};
use super::error::HttpError;
use super::limits::{GRACE, HEADER_TIMEOUT, MAX_QUERY, ServeLimits};
use super::{api, assets, pages, request};

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish for up to [`GRACE`] and closes the rest.
///
/// At most [`ServeLimits::connections`] connections are served at once. One more
/// is accepted and takes the slot of the connection that has waited on its
/// client longest ([`Slots::take`]), or waits for one up to
/// [`QUEUE_WAIT`](super::limits::QUEUE_WAIT),
/// then is answered 503 with `Retry-After`: a client learns that the server
/// is busy instead of hanging unanswered in the kernel's queue. As many may
/// wait as are served; past that, connections stay in the kernel's queue.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = app.limits;
    let router = router(Arc::new(app));
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Slots::new(limits.connections));
    let admitted = Arc::new(Semaphore::new(2 * limits.connections));
    let http = Arc::new(http());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let admission = tokio::select! {
            admission = admitted.clone().acquire_owned() => admission.expect("the semaphore is never closed"),
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
        let slot = slots.try_take();
        let (slots, http, router, watcher) = (slots.clone(), http.clone(), router.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _admission = admission;
            let Some(slot) = (match slot {
                Some(slot) => Some(slot),
                None => slots.take().await,
            }) else {
                return conn::refuse(stream, &http, busy).await;
            };
            let conn = Conn::new();
            slots.hold(&conn);
            connection(stream, conn, &http, router, limits, watcher).await;
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

/// How connections are read: HTTP/1, headers within [`HEADER_TIMEOUT`], at most 64 of them.
fn http() -> http1::Builder {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).max_headers(64);
    http
}

/// One connection, served: each answer, once ready, has the write timeout
/// to be written before the connection is reset.
async fn connection(
    stream: TcpStream,
    conn: Arc<Conn>,
    http: &http1::Builder,
    router: Router,
    limits: ServeLimits,
    watcher: Watcher,
) {
    use hyper::service::Service as _;
    let io = TokioIo::new(Deadlined::new(stream, conn.clone()));
    let router = hyper_util::service::TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |req| {
        conn.working();
        let answer = router.call(req);
        let conn = conn.clone();
        async move {
            let res = answer.await;
            conn.answered(limits.write_timeout);
            res
        }
    });
    let _ = watcher.watch(http.serve_connection(io, service)).await;
}

/// The answer to a connection that found no slot.
fn busy() -> Response {
    let mut res =
        HttpError::Busy("the server is serving as many connections as it may; try again shortly".into()).text();
    secure(res.headers_mut());
    res
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::catalog))
        .route("/models/{*id}", get(pages::model))
        .route("/model", get(pages::model_by_query))
        .route("/map", get(pages::map))
        .route("/cost", get(pages::cost))
        .route("/compare", get(pages::compare))
        .route("/changes", get(pages::changes))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/favicon.svg", get(assets::icon))
        .route("/api/v1/models", get(api::models))
        .route("/api/v1/models/{*id}", get(api::model))
        .route("/api/v1/model", get(api::model_by_query))
        .route("/api/v1/providers", get(api::providers))
        .route("/api/v1/features", get(api::features))
        .route("/api/v1/types", get(api::types))
        .route("/api/v1/endpoints", get(api::endpoints))
        .route("/api/v1/rank", get(api::rank))
        .route("/api/v1/cost", get(api::cost))
        .route("/api/v1/compare", get(api::compare))
        .route("/api/v1/diff", get(api::diff))
        .route("/api/v1/history/{*id}", get(api::history))
        .route("/api/v1/history", get(api::history_by_query))
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
    secure(h);
    let timing = format!("app;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = HeaderValue::from_str(&timing) {
        h.insert("server-timing", value);
    }
    res
}

/// The security headers of every response.
fn secure(h: &mut HeaderMap) {
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
}

/// Why a request is refused before it is handled, if it is.
fn refuse(app: &App, req: &Request) -> Option<Response> {
    let api = req.uri().path().starts_with("/api/");
    let answer = |failure: HttpError| Some(if api { failure.json() } else { failure.text() });
    let hosts = req.headers().get_all(header::HOST).iter().count();
    if hosts > 1 {
        return answer(HttpError::BadRequest("more than one Host header".into()));
    }
    if let Some(allowed) = &app.hosts {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        if !allowed.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return answer(HttpError::Misdirected);
        }
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let mut res = answer(HttpError::MethodNotAllowed)?;
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(res);
    }
    let query = req.uri().query().unwrap_or_default();
    if let Err(why) = request::pairs(query) {
        return answer(if query.len() > MAX_QUERY { HttpError::TooLong(why) } else { HttpError::BadRequest(why) });
    }
    None
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        HttpError::NotFound(format!("no such API route: {}", uri.path())).json()
    } else {
        pages::failure(&HttpError::NotFound("no such page".into()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn a_connection_that_finds_no_slot_is_answered_503_with_retry_after() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut socket = TcpStream::connect(addr).await.unwrap();
            socket.write_all(b"GET / HTTP/1.1\r\nHost: here\r\n\r\n").await.unwrap();
            let mut got = String::new();
            socket.read_to_string(&mut got).await.unwrap();
            got.to_ascii_lowercase()
        });
        let (stream, _) = listener.accept().await.unwrap();
        conn::refuse(stream, &http(), busy).await;
        let got = client.await.unwrap();
        assert!(got.starts_with("http/1.1 503 service unavailable"), "{got}");
        for header in ["retry-after: 1", "connection: close", "content-security-policy", "x-content-type-options"] {
            assert!(got.contains(header), "{header}: {got}");
        }
        assert!(got.ends_with("try again shortly\n"), "then closed: {got}");
    }
}
