//! Fetching a gateway's own call log — the one-api / new-api family CometAPI
//! runs on — for `usage --fetch`: with a console access token,
//! `GET /api/log/self?p=N&page_size=S&type=2&start_timestamp=…&end_timestamp=…`
//! page after page; with an API key, `GET /api/log/token?key=…`, one answer.
//!
//! The family's traps are met head on: the page size the server answers with
//! is trusted (some versions cap it at 10 without saying, so without an echo
//! the first page's length is the page size); the walk stops at a short or
//! empty page or at `total`, and at `--max-pages` (said so); `success: false`
//! is an error that quotes the server, whatever the HTTP status — an invalid
//! token never looks like an empty log; a server that sends the same page
//! again is said to ignore paging. Requests are retried as a sync's are. The
//! token and key are sent, never shown: a shown URL hides the key.

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::client::{Event, Reporter};
use super::http;
use super::retry::{Backoff, Failure, jitter};
use crate::error::Diagnostic;

/// How the caller proves who they are. Never printed: `Debug` hides it.
#[derive(Clone)]
pub enum Auth {
    /// A console access token (`COMETCAT_ACCESS_TOKEN`), with the user's id
    /// (`COMETCAT_USER_ID`, sent as `New-Api-User`) when given.
    AccessToken { token: String, user: Option<String> },
    /// An API key (`COMETCAT_API_KEY`): its own log, in one answer.
    ApiKey(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::AccessToken { .. } => "AccessToken(hidden)",
            Auth::ApiKey(_) => "ApiKey(hidden)",
        })
    }
}

#[derive(Clone, Debug)]
pub struct LogOptions {
    /// The gateway's root (`https://api.cometapi.com`).
    pub base: Url,
    pub auth: Auth,
    pub since: Timestamp,
    pub until: Timestamp,
    /// The page size asked for (the server may answer with fewer).
    pub page_size: u64,
    pub max_pages: u64,
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Backoff,
    pub max_body: u64,
}

/// What a fetch brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    pub items: u64,
    pub pages: u64,
    pub retries: u64,
    /// `--max-pages` was reached with more to fetch.
    pub capped: bool,
    pub total: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{failure}\n  while fetching {url}")]
    Fetch { url: String, failure: Failure },
    #[error("the gateway refused the request (success: false): {message}\n  while fetching {url}")]
    Refused { url: String, message: String },
    #[error("page {page} of the log is the same as page {previous}: the gateway ignores paging")]
    IgnoresPaging { page: u64, previous: u64 },
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error(transparent)]
    Sink(std::io::Error),
}

impl Diagnostic for LogError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let auth = "check COMETCAT_ACCESS_TOKEN (and COMETCAT_USER_ID, the id of its user) or COMETCAT_API_KEY";
        match self {
            LogError::Refused { .. } | LogError::Fetch { failure: Failure::Status { status: 401 | 403, .. }, .. } => {
                Some(auth.into())
            }
            LogError::Fetch {
                failure: Failure::Status { status: 404, .. } | Failure::Html | Failure::Redirect { .. },
                ..
            } => Some("check --base-url: the gateway's root, whose console serves /api/log/self".into()),
            LogError::Fetch { failure, .. } => failure.hint(),
            LogError::IgnoresPaging { .. } => {
                Some("fetch a shorter period (--since, --until), or save the log from the console".into())
            }
            _ => None,
        }
    }
}

/// One answer of the log API: `{success, message, data: {items, total, page_size}}`,
/// or `{success, message, data: [...]}`.
#[derive(Deserialize)]
struct LogAnswer<'a> {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct LogData<'a> {
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    page_size: Option<u64>,
}

/// A page of the log: its items, and what the server says of the paging.
#[derive(Debug)]
struct LogPage {
    items: Vec<Box<RawValue>>,
    total: Option<u64>,
    page_size: Option<u64>,
}

/// Reads one answer; `success: false` is the server's refusal, with its words.
fn parse(body: &[u8]) -> Result<Result<LogPage, String>, Failure> {
    let answer: LogAnswer<'_> = serde_json::from_slice(body).map_err(http::parse_failure)?;
    if answer.success == Some(false) {
        return Ok(Err(answer.message.map_or_else(|| "no message".into(), Cow::into_owned)));
    }
    let data = answer.data.ok_or_else(|| Failure::Shape("it has no `data`".into()))?;
    let page = if data.get().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(data.get()).map_err(http::parse_failure)?;
        LogPage { items: items.into_iter().map(RawValue::to_owned).collect(), total: None, page_size: None }
    } else {
        let page: LogData<'_> = serde_json::from_str(data.get()).map_err(http::parse_failure)?;
        let items = page.items.unwrap_or_default().into_iter().map(RawValue::to_owned).collect();
        LogPage { items, total: page.total, page_size: page.page_size }
    };
    Ok(Ok(page))
}

/// Whether the walk goes on after a page of `len` items, given the page
/// size `size`, `collected` items so far and the server's `total`. Pure.
///
/// A known total is the goal: the walk goes on while pages bring items and
/// the total is not reached, short pages or not (a server that misstates its
/// page size cannot end the walk early). Without one, a short or empty page
/// is the last.
fn more(len: u64, size: u64, collected: u64, total: Option<u64>) -> bool {
    match total {
        Some(total) => len > 0 && collected < total,
        None => len > 0 && len >= size,
    }
}

/// The page size the walk goes by: what the server says, but never more than
/// page 1 held (some servers cap pages at 10 and still echo what was asked),
/// and without a word from the server, page 1's length.
fn page_size(echoed: Option<u64>, first: u64) -> u64 {
    echoed.filter(|&s| s > 0).map_or(first, |s| s.min(first)).max(1)
}

/// Walks the log, handing each item (its JSON text, as received) to `each`.
pub async fn fetch(
    opts: &LogOptions,
    each: &mut dyn FnMut(&RawValue) -> std::io::Result<()>,
    report: Reporter,
) -> Result<Fetched, LogError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cometcat/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(opts.timeout)
        .build()
        .map_err(LogError::Client)?;
    let mut fetched = Fetched::default();
    let (mut size, mut previous) = (None::<u64>, None::<u64>);
    for number in 1.. {
        if number > opts.max_pages {
            fetched.capped = true;
            break;
        }
        let url = page_url(opts, number);
        let page = get(&client, opts, &url, &mut fetched, &report).await?;
        let len = page.items.len() as u64;
        let print = fingerprint(&page.items);
        if len > 0 && previous == Some(print) {
            return Err(LogError::IgnoresPaging { page: number, previous: number - 1 });
        }
        previous = Some(print);
        for item in &page.items {
            each(item).map_err(LogError::Sink)?;
        }
        fetched.items += len;
        fetched.pages = number;
        fetched.total = page.total.or(fetched.total);
        let size = *size.get_or_insert(page_size(page.page_size, len));
        report(Event::Page { done: number, of: fetched.total.map(|t| t.div_ceil(size)) });
        if matches!(opts.auth, Auth::ApiKey(_)) || !more(len, size, fetched.items, fetched.total) {
            break;
        }
    }
    Ok(fetched)
}

/// One page, its request retried as the policy allows (a body cut short too).
async fn get(
    client: &reqwest::Client,
    opts: &LogOptions,
    url: &Url,
    fetched: &mut Fetched,
    report: &Reporter,
) -> Result<LogPage, LogError> {
    let headers = headers(&opts.auth);
    let mut attempt = 0;
    loop {
        let answer = http::get(client, url, &headers, opts.timeout, opts.max_body).await;
        let failure = match answer.and_then(|body| parse(&body)) {
            Ok(Ok(page)) => return Ok(page),
            Ok(Err(message)) => return Err(LogError::Refused { url: shown(url), message }),
            Err(failure) => failure,
        };
        // A refusal said with an error status (401 and its message) is still a refusal.
        if let Failure::Status { status: 401 | 403, message: Some(message), .. } = &failure {
            return Err(LogError::Refused { url: shown(url), message: message.clone() });
        }
        match opts.backoff.delay(&failure, attempt, opts.retries, jitter()) {
            Some(delay) => {
                attempt += 1;
                fetched.retries += 1;
                report(Event::Retry { url: shown(url), failure, attempt, delay });
                tokio::time::sleep(delay).await;
            }
            None => return Err(LogError::Fetch { url: shown(url), failure }),
        }
    }
}

/// The URL of page `number` (1-based, as the family's `p` is).
fn page_url(opts: &LogOptions, number: u64) -> Url {
    match &opts.auth {
        Auth::ApiKey(key) => {
            let mut url = opts.base.join("api/log/token").expect("a relative path joins");
            url.query_pairs_mut().append_pair("key", key);
            url
        }
        Auth::AccessToken { .. } => {
            let mut url = opts.base.join("api/log/self").expect("a relative path joins");
            url.query_pairs_mut()
                .append_pair("p", &number.to_string())
                .append_pair("page_size", &opts.page_size.to_string())
                .append_pair("type", "2")
                .append_pair("start_timestamp", &opts.since.as_second().to_string())
                .append_pair("end_timestamp", &opts.until.as_second().to_string());
            url
        }
    }
}

/// The headers that carry the token or key (marked sensitive: never logged).
fn headers(auth: &Auth) -> Vec<(HeaderName, HeaderValue)> {
    let secret = |text: &str| {
        let mut value = HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    };
    match auth {
        Auth::AccessToken { token, user } => {
            let mut headers = vec![(AUTHORIZATION, secret(token))];
            if let Some(user) = user {
                headers.push((HeaderName::from_static("new-api-user"), secret(user)));
            }
            headers
        }
        Auth::ApiKey(key) => vec![(AUTHORIZATION, secret(&format!("Bearer {key}")))],
    }
}

/// A URL as it may be shown: without credentials, and with any `key` hidden.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.to_string(), if k == "key" { "(hidden)".to_owned() } else { v.to_string() }))
        .collect();
    if !pairs.is_empty() {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    super::shown(&url)
}

fn fingerprint(items: &[Box<RawValue>]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for item in items {
        item.get().hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_answer_shapes_and_refusals_are_read() {
        let page = parse(
            br#"{"success":true,"message":"","data":{"items":[{"id":1},{"id":2}],"total":7,"page":1,"page_size":10}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!((page.items.len(), page.total, page.page_size), (2, Some(7), Some(10)));
        let page = parse(br#"{"success":true,"data":[{"id":1}]}"#).unwrap().unwrap();
        assert_eq!((page.items.len(), page.total, page.page_size), (1, None, None));
        let refused = parse(br#"{"success":false,"message":"access token is invalid"}"#).unwrap();
        assert!(matches!(refused, Err(m) if m == "access token is invalid"), "an invalid token is never an empty log");
        assert!(matches!(parse(br#"{"success":true,"data":{"items":[{"id":1}"#), Err(Failure::Truncated(_))));
        assert!(matches!(parse(br#"{"success":true}"#), Err(Failure::Shape(_))));
    }

    #[test]
    fn the_walk_stops_at_a_short_or_empty_page_or_at_the_total() {
        assert!(more(10, 10, 10, None), "a full page: there may be more");
        assert!(!more(7, 10, 17, None), "a short page is the last");
        assert!(!more(0, 10, 20, None), "an empty page ends it");
        assert!(!more(10, 10, 20, Some(20)), "the total is reached");
        assert!(more(10, 10, 10, Some(20)));
        assert!(more(7, 10, 17, Some(40)), "a short page short of the total: the server's paging is not trusted");
        assert!(!more(0, 10, 17, Some(40)), "an empty page ends it even short of the total");
    }

    #[test]
    fn the_page_size_is_what_the_server_says_and_page_one_shows() {
        assert_eq!(page_size(Some(100), 100), 100);
        assert_eq!(page_size(Some(100), 10), 10, "a silent cap at 10, with the asked size echoed");
        assert_eq!(page_size(None, 10), 10, "no echo: page 1's length");
        assert_eq!(page_size(Some(10), 7), 7, "a log of 7: one more page, empty, ends it");
        assert_eq!(page_size(None, 0), 1);
        assert_eq!(page_size(Some(0), 5), 5);
    }

    #[test]
    fn the_key_and_token_are_never_shown() {
        let opts = LogOptions {
            base: Url::parse("https://gw.example/").unwrap(),
            auth: Auth::ApiKey("sk-secret".into()),
            since: Timestamp::UNIX_EPOCH,
            until: Timestamp::UNIX_EPOCH,
            page_size: 100,
            max_pages: 1,
            timeout: Duration::from_secs(1),
            retries: 0,
            backoff: Backoff::default(),
            max_body: 1 << 20,
        };
        let url = page_url(&opts, 1);
        assert!(url.as_str().contains("sk-secret"), "the request carries it");
        assert_eq!(shown(&url), "https://gw.example/api/log/token?key=%28hidden%29");
        assert!(!format!("{opts:?}").contains("sk-secret"));
        let token = Auth::AccessToken { token: "tok-secret".into(), user: Some("7".into()) };
        assert!(!format!("{token:?}").contains("tok-secret"));
        assert!(headers(&token).iter().all(|(_, v)| v.is_sensitive()));
    }
}
