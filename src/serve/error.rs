//! Why a request could not be answered ([`HttpError`]), as the status it
//! calls for, and as the API (JSON), a page, or plain text says it.

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

impl From<anyhow::Error> for HttpError {
    fn from(err: anyhow::Error) -> HttpError {
        if crate::store::interrupted(&err) {
            return HttpError::TooSlow;
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
            HttpError::TooSlow => StatusCode::SERVICE_UNAVAILABLE,
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
            HttpError::BadRequest(m) | HttpError::NotFound(m) | HttpError::Internal(m) | HttpError::TooLong(m) => {
                m.clone()
            }
            HttpError::TooSlow => {
                format!("the query took longer than {} s; narrow it with filters", super::limits::TIME_LIMIT.as_secs())
            }
            HttpError::MethodNotAllowed => "only GET and HEAD: the explorer never changes the catalog".into(),
            HttpError::Misdirected => "this server answers to its own address only".into(),
        }
    }

    /// For the API: `{"error": "..."}`, with the exit code the command would give.
    pub(super) fn json(&self) -> Response {
        let body = serde_json::json!({ "error": self.message() }).to_string();
        let exit = HeaderValue::from(u16::from(self.exit().code()));
        let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (EXIT, exit)];
        (self.status(), headers, body).into_response()
    }

    /// Plain text, for refusals before a page is chosen.
    pub(super) fn text(&self) -> Response {
        (self.status(), format!("{}\n", self.message())).into_response()
    }
}
