//! One GET as every network command of cometcat makes it: no redirect
//! followed (a redirect means a wrong address), an HTML answer refused, the
//! body read a chunk at a time up to a cap, and every failure described by
//! what it means ([`Failure`]), so the retry policy can judge it.

use jiff::Timestamp;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};

use super::retry::{Failure, parse_retry_after};
use super::wire::error_body;

/// The body of a successful answer to a GET of `url` (with `headers`), at
/// most `max_body` bytes, within `timeout`.
pub async fn get(
    client: &reqwest::Client,
    url: &Url,
    headers: &[(HeaderName, HeaderValue)],
    timeout: std::time::Duration,
    max_body: u64,
) -> Result<Vec<u8>, Failure> {
    let mut request = client.get(url.clone()).timeout(timeout);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if status.is_redirection() {
        let location = header(LOCATION).unwrap_or_else(|| "nowhere".to_owned());
        return Err(Failure::Redirect { status: status.as_u16(), location });
    }
    let retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(&v, Timestamp::now()));
    let html = header(CONTENT_TYPE).is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    let body = read_body(response, max_body).await?;
    if !status.is_success() {
        let (code, message) = error_body(&body);
        return Err(Failure::Status { status: status.as_u16(), retry_after, code, message });
    }
    let text_start = body.iter().find(|b| !b.is_ascii_whitespace());
    if html || text_start == Some(&b'<') {
        return Err(Failure::Html);
    }
    Ok(body)
}

/// Why an answer's JSON could not be read: cut off, of the wrong shape, or not JSON.
pub fn parse_failure(e: serde_json::Error) -> Failure {
    if e.is_eof() {
        Failure::Truncated(e.to_string())
    } else if e.is_data() {
        Failure::Shape(e.to_string())
    } else {
        Failure::NotJson(e.to_string())
    }
}

/// The body, read a chunk at a time so that no answer can take more than
/// `max` bytes of memory.
async fn read_body(mut response: reqwest::Response, max: u64) -> Result<Vec<u8>, Failure> {
    if response.content_length().is_some_and(|n| n > max) {
        return Err(Failure::TooLarge { max });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() as u64 + chunk.len() as u64 > max {
            return Err(Failure::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport error as a failure, described by its innermost cause.
pub fn transport(e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        return Failure::Timeout;
    }
    let mut innermost: &dyn std::error::Error = &e;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let text = innermost.to_string();
    if let Some(tls) = find_cause::<rustls::Error>(&e) {
        Failure::Tls(tls.to_string())
    } else if e.is_dns() {
        Failure::Dns(text)
    } else if e.is_body() || e.is_decode() {
        Failure::Truncated(text)
    } else {
        Failure::Connection(text)
    }
}

/// The first error of type `T` among the causes of `e`, looking inside the
/// `std::io::Error`s that wrap other errors (whose `source` skips them).
fn find_cause<'e, T: std::error::Error + 'static>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e T> {
    let mut next = Some(e);
    while let Some(cause) = next {
        if let Some(found) = cause.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = cause.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && let Some(found) = find_cause::<T>(inner)
        {
            return Some(found);
        }
        next = cause.source();
    }
    None
}
