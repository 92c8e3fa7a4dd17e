//! Why a request could not be answered ([`HttpError`]), as the status it
//! calls for, and as the API (JSON), a page, or plain text says it.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::commands::diagnostics;
use crate::error::Exit;
use crate::store::StoreError;

/// The header that carries a command's exit code.
pub const EXIT: HeaderName = HeaderName::from_static("x-cometcat-exit");

/// Why a request could not be answered, as the status it calls for.
#[derive(Debug)]
pub enum HttpError {
    /// 400: the query asks for something impossible.
    BadRequest(String),
    /// 404: no such model, snapshot or page.
    NotFound(String),
    /// 503: the queries ran past the time limit (when known, said).
    TooSlow(Option<Duration>),
    /// 503: the server is full (connections, bytes of answers in flight, long answers).
    Busy(String),
    /// 500.
    Internal(String),
    /// 405: anything but GET and HEAD.
    MethodNotAllowed,
    /// 421: a `Host` that is not this server's.
    Misdirected,
    /// 414: a query string over the limit.
    TooLong(String),
}

impl From<anyhow::Error> for HttpError {
    fn from(err: anyhow::Error) -> HttpError {
        if crate::store::interrupted(&err) {
            return HttpError::TooSlow(None);
        }
        let diagnosis = diagnostics::diagnose(&err);
        let message = diagnostics::render_body(&err, diagnosis.hint.as_deref());
        let missing = |c: &(dyn std::error::Error + 'static)| {
            c.is::<crate::suggest::UnknownModel>()
                || matches!(
                    c.downcast_ref::<StoreError>(),
                    // No catalog yet (the explorer serves the bundled sample): nothing to list.
                    Some(
                        StoreError::NoSnapshot(_)
                            | StoreError::NoSnapshotBy(_)
                            | StoreError::Missing(_)
                            | StoreError::Empty(_)
                    )
                )
        };
        if err.chain().any(missing) {
            return HttpError::NotFound(message);
        }
        match diagnosis.exit {
            Exit::Usage => HttpError::BadRequest(message),
            _ if err.chain().any(|c| c.is::<crate::error::UserError>()) => HttpError::BadRequest(message),
            _ => HttpError::Internal(message),
        }
    }
}

impl From<StoreError> for HttpError {
    fn from(err: StoreError) -> HttpError {
        anyhow::Error::from(err).into()
    }
}

impl HttpError {
    pub(super) fn status(&self) -> StatusCode {
        match self {
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::TooSlow(_) | HttpError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            HttpError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::Misdirected => StatusCode::MISDIRECTED_REQUEST,
            HttpError::TooLong(_) => StatusCode::URI_TOO_LONG,
        }
    }

    /// The exit code the command line would give: 2 for a request it would
    /// not parse, else 1.
    pub(super) fn exit(&self) -> Exit {
        match self {
            HttpError::BadRequest(_) | HttpError::TooLong(_) => Exit::Usage,
            _ => Exit::Error,
        }
    }

    pub(super) fn message(&self) -> String {
        match self {
            HttpError::BadRequest(m)
            | HttpError::NotFound(m)
            | HttpError::Internal(m)
            | HttpError::TooLong(m)
            | HttpError::Busy(m) => m.clone(),
            HttpError::TooSlow(limit) => {
                let limit = limit.map(|l| format!(" ({} s)", l.as_secs_f64())).unwrap_or_default();
                format!("the query ran past the server's time limit{limit}; narrow it with filters, or try again later")
            }
            HttpError::MethodNotAllowed => "only GET and HEAD: the explorer never changes the catalog".into(),
            HttpError::Misdirected => "this server answers to its own address only".into(),
        }
    }

    /// A time limit hit after `limit`: said with its length.
    pub(super) fn after(self, limit: Duration) -> HttpError {
        match self {
            HttpError::TooSlow(None) => HttpError::TooSlow(Some(limit)),
            other => other,
        }
    }

    /// How long a client should wait before asking again: only for a 503.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::TooSlow(_) => Some(super::limits::RETRY_SLOW),
            HttpError::Busy(_) => Some(super::limits::RETRY_BUSY),
            _ => None,
        }
    }

    /// `body` with this error's status, and a `Retry-After` for a 503.
    pub(super) fn respond(&self, body: impl IntoResponse) -> Response {
        let mut res = (self.status(), body).into_response();
        if let Some(after) = self.retry_after() {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
        }
        res
    }

    /// For the API: `{"error": "..."}`, with the exit code the command would give.
    pub(super) fn json(&self) -> Response {
        let body = serde_json::json!({ "error": self.message() }).to_string();
        let exit = HeaderValue::from(u16::from(self.exit().code()));
        let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (EXIT, exit)];
        self.respond((headers, body))
    }

    /// Plain text, for refusals before a page is chosen.
    pub(super) fn text(&self) -> Response {
        self.respond(format!("{}\n", self.message()))
    }
}
