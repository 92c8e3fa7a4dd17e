//! Which failures are worth another try, and how long to wait first. Pure.
//!
//! Retried: 429, 500, 502, 503, 504, 524 (and 408), timeouts, broken
//! connections and cut-off bodies. Never retried: any other status (400, 401,
//! 403, 404, ...), a 500 whose `error.code` is `invalid_request`, redirects,
//! HTML or non-JSON answers, and `success: false`.

use std::time::Duration;

use jiff::Timestamp;

/// Why one request did not give a page.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("the server answered {status}{}", detail(.code, .message, .retry_after))]
    Status { status: u16, retry_after: Option<Duration>, code: Option<String>, message: Option<String> },
    #[error("the request timed out")]
    Timeout,
    #[error("the connection failed: {0}")]
    Connection(String),
    #[error("the answer was cut off: {0}")]
    Truncated(String),
    #[error("the server answered with a redirect ({status}) to {location}")]
    Redirect { status: u16, location: String },
    #[error("the server answered with an HTML page, not JSON")]
    Html,
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the answer is JSON of another shape than expected: {0}")]
    Shape(String),
    #[error("the server refused the request (success: false): {0}")]
    Refused(String),
    #[error("the answer is larger than --max-body ({}); it was not read further", crate::numbers::bytes(*.max))]
    TooLarge { max: u64 },
    #[error("the secure connection failed: {0}")]
    Tls(String),
    #[error("the server's name could not be resolved: {0}")]
    Dns(String),
}

fn detail(code: &Option<String>, message: &Option<String>, retry_after: &Option<Duration>) -> String {
    let wait = match retry_after {
        Some(wait) if *wait > MAX_RETRY_AFTER => format!(
            " and asked to wait {}, longer than the {} s cometcat waits: not retried",
            if *wait == Duration::MAX {
                "more seconds than can be counted".to_owned()
            } else {
                format!("{} s", wait.as_secs())
            },
            MAX_RETRY_AFTER.as_secs()
        ),
        _ => String::new(),
    };
    let said = match (code, message) {
        (Some(c), Some(m)) => format!(" ({c}: {m})"),
        (None, Some(m)) => format!(" ({m})"),
        (Some(c), None) => format!(" ({c})"),
        (None, None) => String::new(),
    };
    format!("{said}{wait}")
}

impl Failure {
    pub fn retryable(&self) -> bool {
        match self {
            Failure::Status { status: 500, code: Some(code), .. } => code != "invalid_request",
            Failure::Status { status, .. } => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504 | 524)
            }
            Failure::Timeout | Failure::Connection(_) | Failure::Truncated(_) | Failure::Dns(_) => true,
            Failure::TooLarge { .. } | Failure::Tls(_) => false,
            Failure::Redirect { .. }
            | Failure::Html
            | Failure::NotJson(_)
            | Failure::Shape(_)
            | Failure::Refused(_) => false,
        }
    }

    pub fn is_rate_limit(&self) -> bool {
        matches!(self, Failure::Status { status: 429, .. })
    }
}

impl crate::error::Diagnostic for Failure {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        let hint = match self {
            Failure::Redirect { .. } | Failure::Html | Failure::Status { status: 404, .. } => {
                Some("check --base-url: it should be the site root, such as https://api.cometapi.com")
            }
            Failure::Status { status: 401 | 403, .. } => {
                Some("the catalog is public; a proxy or firewall may be blocking the request")
            }
            Failure::Status { status: 429, .. } => Some("wait a while, or sync with a lower --concurrency"),
            Failure::Timeout => Some("raise --timeout, or try again later"),
            Failure::Connection(_) | Failure::Dns(_) => {
                Some("check the network and --base-url; offline, import a saved catalog: `cometcat sync --from FILE`")
            }
            Failure::TooLarge { .. } => Some("check --base-url; if the catalog really is that large, raise --max-body"),
            Failure::Tls(_) => {
                Some("check --base-url; behind a company proxy, its CA certificate must be in the system's trust store")
            }
            _ => None,
        };
        hint.map(std::borrow::Cow::Borrowed)
    }
}

/// Capped exponential backoff with jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay; each retry doubles it.
    pub base: Duration,
    /// No computed delay is longer than this.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(500), cap: Duration::from_secs(30) }
    }
}

/// The longest `Retry-After` honoured; a server asking for more gets no retry.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

impl Backoff {
    /// How long to wait before retry number `attempt` (0 for the first retry)
    /// of `failure`, or `None` when it must not be retried. `jitter` in [0, 1)
    /// spreads the delay over its upper half. A `Retry-After` is a minimum.
    pub fn delay(&self, failure: &Failure, attempt: u32, retries: u32, jitter: f64) -> Option<Duration> {
        if attempt >= retries || !failure.retryable() {
            return None;
        }
        let exp = self.base.saturating_mul(2u32.saturating_pow(attempt.min(31))).min(self.cap);
        let jittered = exp / 2 + exp.mul_f64(jitter.clamp(0.0, 1.0) / 2.0);
        match failure {
            Failure::Status { retry_after: Some(wait), .. } if *wait > MAX_RETRY_AFTER => None,
            Failure::Status { retry_after: Some(wait), .. } => Some(jittered.max(*wait)),
            _ => Some(jittered),
        }
    }
}

/// A `Retry-After` header: delay-seconds or an HTTP-date.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // Seconds too many to count are a wait longer than any: never "retry at once".
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::MAX);
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    Some(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
}

/// A number in [0, 1) that differs between calls, for jitter. No RNG crate:
/// std's randomly keyed hasher is random enough to spread retries.
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(0u8) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Failure {
        Failure::Status { status, retry_after: None, code: None, message: None }
    }

    #[test]
    fn retries_exactly_the_transient_failures() {
        let retried = [
            status(429),
            status(500),
            status(502),
            status(503),
            status(504),
            status(524),
            status(408),
            Failure::Timeout,
            Failure::Connection("reset".into()),
            Failure::Truncated("eof".into()),
        ];
        for f in &retried {
            assert!(f.retryable(), "{f:?} should be retried");
        }
        let invalid =
            Failure::Status { status: 500, retry_after: None, code: Some("invalid_request".into()), message: None };
        let other_code =
            Failure::Status { status: 500, retry_after: None, code: Some("upstream".into()), message: None };
        assert!(other_code.retryable());
        let final_ = [
            status(400),
            status(401),
            status(403),
            status(404),
            status(405),
            status(501),
            invalid,
            Failure::Redirect { status: 301, location: "x".into() },
            Failure::Html,
            Failure::NotJson("x".into()),
            Failure::Shape("x".into()),
            Failure::Refused("x".into()),
        ];
        for f in &final_ {
            assert!(!f.retryable(), "{f:?} must not be retried");
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let b = Backoff { base: Duration::from_millis(100), cap: Duration::from_secs(1) };
        let f = status(503);
        assert_eq!(b.delay(&f, 0, 5, 0.0), Some(Duration::from_millis(50)));
        let top = b.delay(&f, 0, 5, 0.999_999).unwrap();
        assert!(top > Duration::from_millis(99) && top <= Duration::from_millis(100), "{top:?}");
        assert_eq!(b.delay(&f, 1, 5, 0.0), Some(Duration::from_millis(100)));
        assert_eq!(b.delay(&f, 3, 5, 0.0), Some(Duration::from_millis(400)));
        assert_eq!(b.delay(&f, 4, 5, 1.0), Some(Duration::from_secs(1)));
        assert_eq!(b.delay(&f, 40, 50, 0.0), Some(Duration::from_millis(500)), "capped, no overflow");
        for attempt in 0..5 {
            let d = b.delay(&f, attempt, 5, 0.5).unwrap();
            assert!(d <= b.cap);
        }
    }

    #[test]
    fn retries_stop_at_the_limit_and_on_final_failures() {
        let b = Backoff::default();
        assert_eq!(b.delay(&status(503), 5, 5, 0.0), None);
        assert_eq!(b.delay(&status(503), 0, 0, 0.0), None);
        assert_eq!(b.delay(&status(400), 0, 5, 0.0), None);
    }

    #[test]
    fn retry_after_is_a_minimum_and_too_long_a_wait_gives_up() {
        let b = Backoff { base: Duration::from_millis(1), cap: Duration::from_millis(10) };
        let wait = |secs| Failure::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
            code: None,
            message: None,
        };
        assert_eq!(b.delay(&wait(3), 0, 5, 0.0), Some(Duration::from_secs(3)));
        assert_eq!(b.delay(&wait(121), 0, 5, 0.0), None);
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::MAX), "a wait too long to count");
    }

    #[test]
    fn jitter_is_in_the_unit_interval() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
