//! The wire format of `/api/models`, read leniently. Records are kept as raw
//! JSON text (`RawValue`), so whatever the API adds is stored, not lost.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::paging::PageMeta;

/// An `/api/models` answer (or a cometcat export, which adds `fetched_at`).
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    #[serde(default, deserialize_with = "flag")]
    pub success: Option<bool>,
    #[serde(default, deserialize_with = "count")]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub page_size: Option<u64>,
    #[serde(default, deserialize_with = "total")]
    pub total: Option<u64>,
    #[serde(default, borrow)]
    pub data: Option<Vec<&'a RawValue>>,
    #[serde(default, deserialize_with = "crate::json::optional")]
    pub message: Option<Value>,
    #[serde(default, deserialize_with = "crate::json::optional")]
    pub error: Option<Value>,
    #[serde(default)]
    pub fetched_at: Option<String>,
}

/// What a body holds: an envelope, or (from files) a bare array of records.
#[derive(Debug)]
pub enum Answer<'a> {
    Envelope(Envelope<'a>),
    Records(Vec<&'a RawValue>),
}

impl<'a> Answer<'a> {
    pub fn parse(body: &'a [u8]) -> Result<Answer<'a>, serde_json::Error> {
        // A byte-order mark is not JSON, but editors and some servers add one.
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            serde_json::from_slice(body).map(Answer::Records)
        } else {
            serde_json::from_slice(body).map(Answer::Envelope)
        }
    }

    pub fn meta(&self) -> PageMeta {
        match self {
            Answer::Envelope(e) => PageMeta {
                page: e.page,
                page_size: e.page_size,
                total: e.total,
                len: e.data.as_ref().map_or(0, |d| d.len() as u64),
            },
            Answer::Records(r) => PageMeta { len: r.len() as u64, ..PageMeta::default() },
        }
    }

    /// The records, or why there are none: `success: false` (with the server's
    /// message) or no `data` list.
    pub fn into_records(self) -> Result<Vec<&'a RawValue>, Problem> {
        match self {
            Answer::Records(r) => Ok(r),
            Answer::Envelope(e) if e.success == Some(false) => Err(Problem::Refused(message(&e))),
            Answer::Envelope(Envelope { data: Some(data), .. }) => Ok(data),
            Answer::Envelope(_) => Err(Problem::NoData),
        }
    }
}

/// Why an answer holds no records.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    Refused(String),
    NoData,
}

/// The server's own words: `message`, or `error.message`.
fn message(e: &Envelope<'_>) -> String {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    e.message
        .as_ref()
        .and_then(text)
        .or_else(|| e.error.as_ref().and_then(|err| err.get("message")).and_then(text))
        .map_or_else(|| "no message".to_owned(), |m| super::said(&m))
}

/// `error.code` and `error.message` (or `message`) of an error body, if it has them.
pub fn error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Some(v) = std::str::from_utf8(body).ok().and_then(|text| crate::json::value(text).ok()) else {
        return (None, None);
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let err = v.get("error");
    let code = text(err.and_then(|e| e.get("code"))).filter(|c| !c.is_empty());
    let message = text(err.and_then(|e| e.get("message"))).or_else(|| text(v.get("message")));
    (code.map(|c| super::said(&c)), message.map(|m| super::said(&m)))
}

/// A count sent as a number, a numeric string, or null; anything else is absent.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match crate::json::optional(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// `total`, which decides how many models a sync expects: a whole number, 0
/// or more (or a string holding one), or absent. Anything else is refused.
fn total<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = crate::json::optional(d)?;
    let parsed = match &value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    parsed.map(Some).ok_or_else(|| {
        let shown = value.map(|v| v.to_string()).unwrap_or_default();
        serde::de::Error::custom(format!("`total` is {shown}, not a count of models (a whole number, 0 or more)"))
    })
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match crate::json::optional(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_envelopes_and_bare_arrays() {
        let body = br#"{"success": true, "page": "2", "page_size": 25, "total": 64, "data": [{"id": "a"}, {"id": "b", "x": 1e-7}]}"#;
        let answer = Answer::parse(body).unwrap();
        assert_eq!(answer.meta(), PageMeta { page: Some(2), page_size: Some(25), total: Some(64), len: 2 });
        let records = answer.into_records().unwrap();
        assert_eq!(records[1].get(), r#"{"id": "b", "x": 1e-7}"#, "kept exactly as received");

        // serde_json's private key is a key, not JSON to read again (which would make this page 5).
        let private = br#"{"page": {"$serde_json::private::RawValue": "5"}, "message": {"$serde_json::private::RawValue": "[1]"}, "data": []}"#;
        let answer = Answer::parse(private).unwrap();
        assert_eq!(answer.meta().page, None);
        let Answer::Envelope(envelope) = &answer else { panic!() };
        assert_eq!(envelope.message, Some(serde_json::json!({"$serde_json::private::RawValue": "[1]"})));

        let answer = Answer::parse(b"\xEF\xBB\xBF  [{\"id\": \"a\"}]").unwrap();
        assert_eq!(answer.meta().len, 1);
        assert_eq!(answer.meta().total, None);
    }

    #[test]
    fn a_total_that_is_not_a_count_is_refused() {
        for total in ["-1", "1e400", "12.5", "true", "\"many\"", "18446744073709551616"] {
            let body = format!(r#"{{"success": true, "total": {total}, "data": []}}"#);
            let err = Answer::parse(body.as_bytes()).unwrap_err();
            assert!(err.to_string().contains("not a count of models"), "{total}: {err}");
        }
        for (total, want) in [("64", Some(64)), ("\"64\"", Some(64)), ("null", None)] {
            let body = format!(r#"{{"total": {total}, "data": []}}"#);
            assert_eq!(Answer::parse(body.as_bytes()).unwrap().meta().total, want, "{total}");
        }
    }

    #[test]
    fn success_false_carries_the_server_message() {
        let answer = Answer::parse(br#"{"success": false, "message": "maintenance until 10:00"}"#).unwrap();
        assert_eq!(answer.into_records().unwrap_err(), Problem::Refused("maintenance until 10:00".into()));
        let answer = Answer::parse(br#"{"success": true}"#).unwrap();
        assert_eq!(answer.into_records().unwrap_err(), Problem::NoData);
    }

    #[test]
    fn reads_error_bodies() {
        let body =
            br#"{"error": {"message": "bad page", "type": "comet_api_error", "param": "", "code": "invalid_request"}}"#;
        assert_eq!(error_body(body), (Some("invalid_request".into()), Some("bad page".into())));
        assert_eq!(error_body(b"<html>"), (None, None));
        // A server's words stay one short line: no forged log lines, no pages of text.
        let body = format!(r#"{{"message": "bad\n::error::forged {}"}}"#, "x".repeat(5_000_000));
        let (_, message) = error_body(body.as_bytes());
        let message = message.unwrap();
        assert!(message.starts_with("bad ::error::forged x") && !message.contains('\n'), "{message:.40}");
        assert_eq!(message.chars().count(), 301);
    }
}
