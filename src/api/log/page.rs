//! One answer of the log API, read: `{success, message, data: {items, total,
//! page_size}}` (new-api) or `{success, message, data: [...]}` (one-api, and
//! an API key's log). `success: false` is the gateway's refusal, in its words.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::super::http;
use super::super::retry::Failure;

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
    /// `None` when absent; `null` is kept, as a value of its own.
    #[serde(default, borrow, deserialize_with = "present")]
    items: Option<&'a RawValue>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    page_size: Option<u64>,
}

fn present<'de: 'a, 'a, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'a RawValue>, D::Error> {
    <&'a RawValue>::deserialize(d).map(Some)
}

/// A page of the log: its items, and what the gateway says of the paging.
#[derive(Debug)]
pub struct LogPage {
    pub items: Vec<Box<RawValue>>,
    pub total: Option<u64>,
    pub page_size: Option<u64>,
}

/// Reads one answer: a page, or the gateway's refusal (its message).
pub fn parse(body: &[u8]) -> Result<Result<LogPage, String>, Failure> {
    let answer: LogAnswer<'_> = serde_json::from_slice(body).map_err(http::parse_failure)?;
    if answer.success == Some(false) {
        return Ok(Err(answer.message.map_or_else(|| "no message".into(), Cow::into_owned)));
    }
    let shape = |why: &str| Failure::Shape(format!("not a page of the log ({why})"));
    let data = answer.data.ok_or_else(|| shape("it has no `data`"))?;
    let (items, total, page_size) = if data.get().starts_with('[') {
        (Some(data), None, None)
    } else {
        let page: LogData<'_> = serde_json::from_str(data.get()).map_err(|e| shape(&e.to_string()))?;
        (page.items, page.total, page.page_size)
    };
    let items: Vec<&RawValue> = match items.map(RawValue::get) {
        None => return Err(shape("its `data` has no `items`")),
        // A nil list in Go: an empty page, unless the total says there is more.
        Some("null") if total.is_none_or(|t| t == 0) => Vec::new(),
        Some("null") => return Err(shape(&format!("its `items` is null, and its `total` {}", total.unwrap_or(0)))),
        Some(text) => serde_json::from_str(text).map_err(http::parse_failure)?,
    };
    Ok(Ok(LogPage { items: items.into_iter().map(RawValue::to_owned).collect(), total, page_size }))
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
        let page = parse(br#"{"success":true,"data":{"items":null,"total":0}}"#).unwrap().unwrap();
        assert!(page.items.is_empty(), "Go's nil list, with nothing to list");
        for shapeless in [
            r#"{"success":true}"#,
            r#"{"success":true,"data":{"foo":1}}"#,
            r#"{"success":true,"data":{"items":null,"total":25}}"#,
            r#"{"success":true,"data":"none"}"#,
        ] {
            assert!(matches!(parse(shapeless.as_bytes()), Err(Failure::Shape(_))), "{shapeless}");
        }
    }
}
