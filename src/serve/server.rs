//! The listening loop and the router: connections bounded in number and in
//! how long they may take to send their headers, every route, and the guard
//! every request passes (methods, `Host`, query size, security headers).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;

use super::app::App;
use super::error::HttpError;
use super::limits::{CONNECTIONS, GRACE, HEADER_TIMEOUT, MAX_QUERY};
use super::{api, assets, pages, request};

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
