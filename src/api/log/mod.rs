//! Fetching a gateway's own call log — the one-api / new-api family CometAPI
//! runs on — for `usage --fetch`: with a console access token,
//! `GET /api/log/self?p=N&page_size=S&type=2&start_timestamp=…&end_timestamp=…`
//! page after page ([`walk`] judges the pages); with an API key,
//! `GET /api/log/token?key=…`, one answer ([`page`] reads each).
//!
//! `success: false` is an error that quotes the gateway, whatever the HTTP
//! status: an invalid token never looks like an empty log. Requests are
//! retried as a sync's are. The token and key are sent, never shown: every
//! text that reaches the user (a URL, a redirect's target, the gateway's own
//! message) has them hidden, and a plain-http request (loopback only) never
//! goes through a proxy.

mod page;
mod walk;

use std::borrow::Cow;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::value::RawValue;

use super::client::{Event, Reporter};
use super::http;
use super::retry::{Backoff, Failure, jitter};
use crate::error::Diagnostic;
use page::{LogPage, parse};
use walk::Walk;

/// The most items new-api answers for an API key's log (its latest calls).
pub const KEY_ANSWER_LIMIT: u64 = 100;

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

impl Auth {
    /// Why the credential cannot be sent in a header, if it cannot (a newline,
    /// a control character): said, never dropped silently.
    pub fn unsendable(&self) -> Option<&'static str> {
        let bad = |text: &str| HeaderValue::from_str(text).is_err();
        match self {
            Auth::AccessToken { token, .. } if bad(token) => Some("COMETCAT_ACCESS_TOKEN"),
            Auth::AccessToken { user: Some(user), .. } if bad(user) => Some("COMETCAT_USER_ID"),
            Auth::ApiKey(key) if bad(key) => Some("COMETCAT_API_KEY"),
            _ => None,
        }
    }

    /// The texts that must never be shown: the token or key, and each way a
    /// URL may write it (`+` or `%20` for a space, hex in either case).
    fn secrets(&self) -> Vec<String> {
        let secret = match self {
            Auth::AccessToken { token, .. } => token,
            Auth::ApiKey(key) => key,
        };
        let escaped: String = secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut texts = vec![
            secret.clone(),
            form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            escaped.clone(),
            lower_hex(&escaped),
        ];
        texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
        texts.dedup();
        texts.into_iter().filter(|t| t.len() >= 4).collect()
    }
}

#[derive(Clone, Debug)]
pub struct LogOptions {
    /// The gateway's root (`https://api.cometapi.com/`).
    pub base: Url,
    pub auth: Auth,
    pub since: Timestamp,
    pub until: Timestamp,
    /// The page size asked for (the gateway may answer with fewer).
    pub page_size: u64,
    pub max_pages: u64,
    /// Items kept at most: with `max_pages`, what bounds the walk's memory
    /// and disk, whatever a page holds.
    pub max_items: u64,
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Backoff,
    pub max_body: u64,
}

/// What a fetch brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// Items kept (each once).
    pub items: u64,
    /// Items the gateway sent again (pages that shifted), not kept.
    pub twice: u64,
    pub pages: u64,
    pub retries: u64,
    /// `--max-pages` or `--max-items` was reached with more to fetch.
    pub capped: bool,
    /// The total the gateway stated, when it is not what it sent.
    pub total_differs: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{failure}\n  while fetching {url}")]
    Fetch { url: String, failure: Failure, key: bool },
    #[error("the gateway refused the request (success: false): {message}\n  while fetching {url}")]
    Refused { url: String, message: String },
    #[error("page {page} of the log holds only items it already sent: the gateway ignores paging")]
    IgnoresPaging { page: u64 },
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error(transparent)]
    Sink(std::io::Error),
}

impl Diagnostic for LogError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let auth = "check COMETCAT_ACCESS_TOKEN (and COMETCAT_USER_ID, the id of its user) or COMETCAT_API_KEY";
        let hint = match self {
            LogError::Refused { .. } => auth,
            LogError::Fetch { failure, key, .. } => match failure {
                Failure::Status { status: 401 | 403, .. } => auth,
                Failure::Status { status: 404, .. } | Failure::Html | Failure::Redirect { .. } | Failure::Shape(_)
                    if *key =>
                {
                    "check --base-url: the gateway's root, whose API serves /api/log/token"
                }
                Failure::Status { status: 404, .. } | Failure::Html | Failure::Redirect { .. } | Failure::Shape(_) => {
                    "check --base-url: the gateway's root, whose console serves /api/log/self"
                }
                Failure::Status { status: 429, .. } => {
                    "the gateway is limiting requests: wait a while, then fetch again"
                }
                Failure::Timeout => "raise --timeout, or fetch a shorter period (--since, --until)",
                Failure::TooLarge { .. } => "raise --max-body, or fetch a shorter period (--since, --until)",
                Failure::Connection(_) | Failure::Dns(_) | Failure::Tls(_) => "check the network and --base-url",
                _ => return None,
            },
            LogError::IgnoresPaging { .. } => {
                "fetch a shorter period (--since, --until), or save the log from the console and read the file"
            }
            _ => return None,
        };
        Some(hint.into())
    }
}

/// Walks the log, handing each item (its JSON text, as received) to `each`, once.
pub async fn fetch(
    opts: &LogOptions,
    each: &mut dyn FnMut(&RawValue) -> std::io::Result<()>,
    report: Reporter,
) -> Result<Fetched, LogError> {
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cometcat/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(opts.timeout);
    if opts.base.scheme() == "http" {
        // Plain http is for a gateway on this machine: a proxy would see the token.
        client = client.no_proxy();
    }
    let client = client.build().map_err(LogError::Client)?;
    let mut fetched = Fetched::default();
    let mut walk = Walk::default();
    loop {
        if walk.pages == opts.max_pages || walk.kept >= opts.max_items {
            fetched.capped = true;
            break;
        }
        let url = page_url(opts, walk.number());
        let page = get(&client, opts, &url, &mut fetched, &report).await?;
        let taken =
            walk.take(&page.items, page.total, page.page_size).map_err(|e| LogError::IgnoresPaging { page: e.page })?;
        for &i in &taken.fresh {
            each(&page.items[i]).map_err(LogError::Sink)?;
        }
        report(Event::Page { done: walk.pages, of: None });
        if matches!(opts.auth, Auth::ApiKey(_)) || !taken.more {
            break;
        }
    }
    (fetched.items, fetched.twice, fetched.pages) = (walk.kept, walk.twice, walk.pages);
    fetched.total_differs = walk.total_differs().filter(|_| !fetched.capped);
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
    let secrets = opts.auth.secrets();
    let key = matches!(opts.auth, Auth::ApiKey(_));
    let mut attempt = 0;
    loop {
        let answer = http::get(client, url, &headers, opts.timeout, opts.max_body).await;
        let failure = match answer.and_then(|body| parse(&body)) {
            Ok(Ok(page)) => return Ok(page),
            Ok(Err(message)) => return Err(LogError::Refused { url: shown(url), message: said(&message, &secrets) }),
            Err(failure) => hide(failure, &secrets),
        };
        // A refusal said with an error status (401 and its message) is still a refusal.
        if let Failure::Status { status: 401 | 403, message: Some(message), .. } = &failure {
            return Err(LogError::Refused { url: shown(url), message: said(message, &secrets) });
        }
        match opts.backoff.delay(&failure, attempt, opts.retries, jitter()) {
            Some(delay) => {
                attempt += 1;
                fetched.retries += 1;
                report(Event::Retry { url: shown(url), failure, attempt, delay });
                tokio::time::sleep(delay).await;
            }
            None => return Err(LogError::Fetch { url: shown(url), failure, key }),
        }
    }
}

/// The URL of page `number` (with the access token), or of the key's log.
fn page_url(opts: &LogOptions, number: u64) -> Url {
    let mut base = opts.base.clone();
    // Credentials in the address would go out as a second Authorization.
    let _ = base.set_username("");
    let _ = base.set_password(None);
    match &opts.auth {
        Auth::ApiKey(key) => {
            let mut url = base.join("api/log/token").expect("a relative path joins");
            url.query_pairs_mut().append_pair("key", key);
            url
        }
        Auth::AccessToken { .. } => {
            let mut url = base.join("api/log/self").expect("a relative path joins");
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
        // `Auth::unsendable` refused what a header cannot carry before any request.
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
    super::shown(&url).replace("%28hidden%29", "(hidden)")
}

/// `%2F` as `%2f`: the hex digits after each `%` in lower case.
fn lower_hex(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut after = 0;
    for c in escaped.chars() {
        after = if c == '%' { 3 } else { after.max(1) - 1 };
        out.push(if after > 0 && c != '%' { c.to_ascii_lowercase() } else { c });
    }
    out
}

/// `text` with every secret hidden, in any case (ASCII), and in the form
/// [`super::said`] leaves it in (control characters out, spaces collapsed).
fn scrub(text: &str, secrets: &[String]) -> String {
    let forms = secrets.iter().flat_map(|s| [s.clone(), super::said(s)]).filter(|s| !s.is_empty());
    forms.fold(text.to_owned(), |text, secret| {
        let (lower, wanted) = (text.to_ascii_lowercase(), secret.to_ascii_lowercase());
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        // ASCII lower-casing keeps every byte where it was: the offsets hold in `text`.
        while let Some(found) = lower[at..].find(&wanted) {
            out.push_str(&text[at..at + found]);
            out.push_str("(hidden)");
            at += found + wanted.len();
        }
        out.push_str(&text[at..]);
        out
    })
}

/// The gateway's own words, as they may be shown: on one line, without
/// control characters, at most 300 characters, and every secret hidden,
/// also where control characters or case hid it from a plain search.
fn said(message: &str, secrets: &[String]) -> String {
    scrub(&super::said(&scrub(message, secrets)), secrets)
}

/// A failure as it may be shown: every text it carries from the gateway
/// (a redirect's target, its message) with the secrets hidden.
fn hide(failure: Failure, secrets: &[String]) -> Failure {
    let s = |text: String| said(&text, secrets);
    match failure {
        Failure::Status { status, retry_after, code, message } => {
            Failure::Status { status, retry_after, code: code.map(s), message: message.map(s) }
        }
        Failure::Redirect { status, location } => Failure::Redirect { status, location: s(location) },
        Failure::Connection(t) => Failure::Connection(s(t)),
        Failure::Truncated(t) => Failure::Truncated(s(t)),
        Failure::NotJson(t) => Failure::NotJson(s(t)),
        Failure::Shape(t) => Failure::Shape(s(t)),
        Failure::Refused(t) => Failure::Refused(s(t)),
        Failure::Tls(t) => Failure::Tls(s(t)),
        Failure::Dns(t) => Failure::Dns(s(t)),
        other @ (Failure::Timeout | Failure::Html | Failure::TooLarge { .. }) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(auth: Auth) -> LogOptions {
        LogOptions {
            base: Url::parse("https://user:pw@gw.example/").unwrap(),
            auth,
            since: Timestamp::UNIX_EPOCH,
            until: Timestamp::UNIX_EPOCH,
            page_size: 100,
            max_pages: 1,
            max_items: 10,
            timeout: Duration::from_secs(1),
            retries: 0,
            backoff: Backoff::default(),
            max_body: 1 << 20,
        }
    }

    #[test]
    fn the_key_and_token_are_never_shown() {
        let opts = options(Auth::ApiKey("sk-se cret/+".into()));
        let url = page_url(&opts, 1);
        assert!(url.as_str().contains("sk-se+cret%2F%2B"), "the request carries it: {url}");
        assert_eq!(url.username(), "", "no second Authorization from the address");
        assert_eq!(shown(&url), "https://gw.example/api/log/token?key=(hidden)");
        assert!(!format!("{opts:?}").contains("cret"));
        let secrets = opts.auth.secrets();
        let redirect =
            Failure::Redirect { status: 302, location: format!("https://evil.example/?key={}", "sk-se+cret%2F%2B") };
        assert_eq!(
            hide(redirect, &secrets).to_string(),
            "the server answered with a redirect (302) to https://evil.example/?key=(hidden)"
        );
        let echoed = Failure::Status {
            status: 500,
            retry_after: None,
            code: None,
            message: Some("bad key sk-se cret/+".into()),
        };
        assert!(!hide(echoed, &secrets).to_string().contains("cret"));
        for written in ["sk-se%20cret%2F%2B", "sk-se%20cret%2f%2b", "sk-se+cret%2F%2B"] {
            assert_eq!(scrub(&format!("a={written}&b"), &secrets), "a=(hidden)&b", "{written}");
        }
        let token = Auth::AccessToken { token: "tok-secret".into(), user: Some("7".into()) };
        assert!(!format!("{token:?}").contains("tok-secret"));
        assert!(headers(&token).iter().all(|(_, v)| v.is_sensitive()));
    }

    #[test]
    fn the_gateways_words_are_shown_on_one_short_line() {
        let long = format!("token tok-secret is invalid\nhint: forged line\u{1b}[31m {}", "x".repeat(1000));
        let shown = said(&long, &["tok-secret".into()]);
        assert!(shown.starts_with("token (hidden) is invalid hint: forged line[31m x"), "{shown}");
        assert!(!shown.contains('\n') && !shown.contains('\u{1b}'));
        assert_eq!(shown.chars().count(), 301);
        // A secret broken by a control character, or in another case, is hidden too.
        let secret = "s3cr3t-Tok en+/x".to_owned();
        let shown = said("token s3cr\u{0}3t-Tok en+/x / S3CR3T-TOK EN+/X / s3cr3t-Tok   en+/x", &[secret]);
        assert_eq!(shown, "token (hidden) / (hidden) / (hidden)");
    }

    #[test]
    fn a_credential_a_header_cannot_carry_is_named() {
        let bad = Auth::AccessToken { token: "tok\nen".into(), user: None };
        assert_eq!(bad.unsendable(), Some("COMETCAT_ACCESS_TOKEN"));
        let bad_user = Auth::AccessToken { token: "tok".into(), user: Some("7\u{7}".into()) };
        assert_eq!(bad_user.unsendable(), Some("COMETCAT_USER_ID"));
        assert_eq!(Auth::ApiKey("sk-1".into()).unsendable(), None);
    }
}
