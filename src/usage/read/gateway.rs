//! A gateway's own call log: the log items of the one-api / new-api family
//! CometAPI runs on (`{id, created_at, type, model_name, prompt_tokens,
//! completion_tokens, quota, token_name, group, other, ...}`). An item of type
//! 2 is a call: a record of the model called, with the tokens the gateway
//! recorded and the quota it charged; the other types (top-up, management,
//! system, error, refund) are not calls and are counted by type. `other` is
//! a JSON *string* of details, read leniently. Pure.

use std::borrow::Cow;

use serde::Deserialize;

use super::fields::{Doc, time_of};
use crate::usage::record::{GatewayLog, Kind, Record};

/// The item type of a call (`LogTypeConsume`).
pub const CONSUME: i64 = 2;

/// What each item type is, as the family names them.
pub fn type_name(kind: i64) -> &'static str {
    match kind {
        1 => "top-up",
        2 => "consume",
        3 => "management",
        4 => "system",
        5 => "error",
        6 => "refund",
        _ => "unknown",
    }
}

/// The details in `other` that cometcat reads.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Other<'a> {
    cache_tokens: Option<u64>,
    #[serde(borrow)]
    upstream_model_name: Option<Cow<'a, str>>,
}

/// A log item: a call, or an item of another type.
pub(super) enum LogItem {
    Call(Record),
    Other(i64),
}

/// A log item of type `kind`: a record for a call, else an item that is not one.
pub(super) fn gateway(doc: &Doc<'_>, kind: i64, tag: Option<&str>) -> Result<LogItem, String> {
    if kind != CONSUME {
        return Ok(LogItem::Other(kind));
    }
    let (other, other_ignored) = other(doc);
    let mut r = Record {
        kind: Kind::GatewayLog,
        model: doc.model_name.as_deref().filter(|m| !m.is_empty()).map(str::to_owned),
        input_tokens: doc.prompt_tokens.unwrap_or(0),
        output_tokens: doc.completion_tokens.unwrap_or(0),
        cached_tokens: other.cache_tokens.unwrap_or(0),
        reasoning_tokens: 0,
        requests: 1,
        seconds: None,
        time: time_of(doc)?,
        tag: None,
        charged: None,
        gateway: Some(Box::new(GatewayLog {
            quota: doc.quota,
            other_ignored,
            upstream_model: other.upstream_model_name.map(Cow::into_owned),
        })),
    };
    r.tag = match tag {
        Some("token_name") => doc.token_name.as_deref().map(str::to_owned),
        Some("group") => doc.group.as_deref().map(str::to_owned),
        _ => None,
    };
    Ok(LogItem::Call(r))
}

/// `other`, a JSON string holding an object (or, from some versions, the
/// object itself); whether it had to be ignored (empty or malformed).
fn other<'a>(doc: &'a Doc<'_>) -> (Other<'a>, bool) {
    let Some(raw) = doc.other else { return (Other::default(), false) };
    let text = raw.get();
    if text == "null" {
        return (Other::default(), false);
    }
    if text.starts_with('{') {
        return serde_json::from_str(text).map_or((Other::default(), true), |o| (o, false));
    }
    let Ok(inner) = serde_json::from_str::<Cow<'a, str>>(text) else { return (Other::default(), true) };
    if inner.trim().is_empty() {
        return (Other::default(), true);
    }
    // The details live in a string: what is borrowed must outlive it, so they are read owned.
    match serde_json::from_str::<Other<'_>>(&inner) {
        Ok(o) => (
            Other {
                cache_tokens: o.cache_tokens,
                upstream_model_name: o.upstream_model_name.map(|m| Cow::Owned(m.into_owned())),
            },
            false,
        ),
        Err(_) => (Other::default(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str, tag: Option<&str>) -> LogItem {
        let doc: Doc<'_> = serde_json::from_str(text).unwrap();
        gateway(&doc, doc.log_type().expect("a log item"), tag).unwrap()
    }

    fn call(text: &str) -> Record {
        match item(text, Some("token_name")) {
            LogItem::Call(r) => r,
            LogItem::Other(t) => panic!("type {t}: not a call"),
        }
    }

    const CALL: &str = r#"{"id":9,"type":2,"created_at":1793697300,"model_name":"gpt-5","prompt_tokens":100,"completion_tokens":20,"quota":650,"token_name":"web","group":"vip""#;

    #[test]
    fn a_call_is_read_as_the_gateway_recorded_it() {
        let r = call(&format!(
            r#"{CALL},"other":"{{\"cache_tokens\":40,\"upstream_model_name\":\"gpt-5-2025-08-07\"}}"}}"#
        ));
        assert_eq!(
            (r.model.as_deref(), r.input_tokens, r.output_tokens, r.cached_tokens),
            (Some("gpt-5"), 100, 20, 40)
        );
        assert_eq!(r.time.map(|t| t.as_second()), Some(1_793_697_300));
        assert_eq!(r.tag.as_deref(), Some("web"));
        let g = r.gateway.unwrap();
        assert_eq!(
            (g.quota, g.other_ignored, g.upstream_model.as_deref()),
            (Some(650), false, Some("gpt-5-2025-08-07"))
        );
    }

    #[test]
    fn other_is_read_leniently_and_what_is_ignored_is_known() {
        let other = |value: &str| {
            let g = call(&format!(r#"{CALL},"other":{value}}}"#)).gateway.unwrap();
            (g.other_ignored, g.upstream_model)
        };
        assert_eq!(other(r#""""#), (true, None), "empty");
        assert_eq!(other(r#""  ""#), (true, None), "blank");
        assert_eq!(other(r#""{cache_tokens:""#), (true, None), "malformed");
        assert_eq!(other(r#""[1,2]""#), (true, None), "not an object");
        assert_eq!(other(r#""{\"cache_tokens\":\"many\"}""#), (true, None), "a field of the wrong type");
        assert_eq!(other("null"), (false, None), "none given");
        assert_eq!(
            other(r#"{"upstream_model_name":"m"}"#),
            (false, Some("m".into())),
            "an object, as some versions write it"
        );
        assert_eq!(other("42"), (true, None));
        let g = call(&format!("{CALL}}}")).gateway.unwrap();
        assert!(!g.other_ignored, "no `other` at all");
    }

    #[test]
    fn other_types_are_not_calls() {
        for (kind, name) in
            [(1, "top-up"), (3, "management"), (4, "system"), (5, "error"), (6, "refund"), (9, "unknown")]
        {
            let text = format!(r#"{{"type":{kind},"model_name":"","quota":5000000,"created_at":1}}"#);
            assert!(matches!(item(&text, None), LogItem::Other(k) if k == kind));
            assert_eq!(type_name(kind), name);
        }
    }

    #[test]
    fn tags_are_the_key_name_or_the_group() {
        let text = format!("{CALL}}}");
        let tag = |key| match item(&text, Some(key)) {
            LogItem::Call(r) => r.tag,
            LogItem::Other(_) => None,
        };
        assert_eq!(tag("group").as_deref(), Some("vip"));
        assert_eq!(tag("team"), None);
    }

    #[test]
    fn a_numeric_type_alone_is_not_a_log_item() {
        let doc: Doc<'_> = serde_json::from_str(r#"{"type":2,"usage":{"input_tokens":1}}"#).unwrap();
        assert_eq!(doc.log_type(), None);
    }
}
