//! CometAPI's `/api/models`: the wire format ([`wire`]), the paging plan
//! ([`paging`]) and retry policy ([`retry`]) as pure functions, and the reqwest
//! walker that uses them ([`client`]); the catalog is public, so no key is
//! sent for it. The gateway's own call log ([`log`]) needs the user's token or
//! key: sent to the gateway only, never stored or shown. Both share one GET
//! ([`http`]).

pub mod client;
mod http;
pub mod log;
pub mod paging;
pub mod retry;
pub mod wire;

use reqwest::Url;

pub const DEFAULT_BASE_URL: &str = "https://api.cometapi.com";

/// A URL as cometcat stores and shows it: without a user name or password.
pub fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// A stored source as it may be shown: a URL loses its credentials (older
/// catalogs may hold them); anything else is a file path or `stdin`.
pub fn redact(source: &str) -> String {
    match Url::parse(source) {
        Ok(url) if url.has_host() => shown(&url),
        _ => source.to_owned(),
    }
}

/// A server's own words as they may be shown: on one line, without control
/// characters, at most 300 characters (a server must not write pages of
/// text, or lines of its own, into a terminal or a CI log).
pub fn said(text: &str) -> String {
    let mut words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    words.retain(|c| !c.is_control());
    match words.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &words[..at]),
        None => words,
    }
}

/// The `/api/models` URL under `base` (see [`base_url`]).
pub fn models_url(base: &str) -> Result<Url, String> {
    base_url(base)?.join("api/models").map_err(|e| format!("--base-url {base:?}: {e}"))
}

/// The gateway's root, ending in `/`. `base` must be https, or http on a
/// loopback host (local servers, tests): a token never travels in the clear.
pub fn base_url(base: &str) -> Result<Url, String> {
    let mut url = Url::parse(base.trim()).map_err(|e| format!("--base-url {base:?} is not a URL ({e})"))?;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!("--base-url {base:?} must use https:// (plain http only for loopback hosts)"));
        }
        other => {
            return Err(format!("--base-url {base:?} has scheme {other:?}; use https://"));
        }
    }
    if host.is_empty() {
        return Err(format!("--base-url {base:?} has no host"));
    }
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_never_shown() {
        let url = models_url("https://alice:s3cret@example.com/proxy").unwrap();
        assert_eq!(url.password(), Some("s3cret"), "the request still sends them");
        assert_eq!(shown(&url), "https://example.com/proxy/api/models");
        assert_eq!(redact("https://bob:pw@host/api/models?page=1"), "https://host/api/models?page=1");
        assert_eq!(redact("/home/bob/catalog.json"), "/home/bob/catalog.json");
        assert_eq!(redact("stdin"), "stdin");
    }

    #[test]
    fn base_urls_must_be_https_except_loopback() {
        let ok = [
            ("https://api.cometapi.com", "https://api.cometapi.com/api/models"),
            ("https://api.cometapi.com/", "https://api.cometapi.com/api/models"),
            ("https://example.com/proxy", "https://example.com/proxy/api/models"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/models"),
            ("http://localhost:3000/", "http://localhost:3000/api/models"),
            ("http://[::1]:9000", "http://[::1]:9000/api/models"),
        ];
        for (base, want) in ok {
            assert_eq!(models_url(base).unwrap().as_str(), want, "{base}");
        }
        for base in
            ["http://api.cometapi.com", "http://10.0.0.1", "ftp://x.y", "api.cometapi.com", "http://127.0.0.1.evil.com"]
        {
            assert!(models_url(base).is_err(), "{base} should be refused");
        }
    }
}
