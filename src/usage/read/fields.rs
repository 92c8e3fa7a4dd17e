//! The fields cometcat reads from a response, an event or a log line,
//! borrowed from the text ([`Doc`]: no `serde_json::Value` is built per
//! record, and every other field is skipped unread), and how the small
//! values in them are read: times, amounts, tags, error kinds, sums. Pure.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::time::Time;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::money::Money;

/// The fields cometcat reads from a response, an event or a log line, borrowed
/// from the text. Everything else is skipped unread.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Doc<'a> {
    #[serde(borrow)]
    pub(super) model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) object: Option<Cow<'a, str>>,
    /// `type`: text for the APIs' events, a number for a gateway's log items.
    #[serde(borrow, rename = "type")]
    pub(super) kind: Option<TypeField<'a>>,
    /// Text for the APIs; a number in a gateway's log.
    #[serde(borrow, deserialize_with = "text_or_number")]
    pub(super) id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) status: Option<Cow<'a, str>>,
    pub(super) choices: Option<IgnoredAny>,
    #[serde(borrow)]
    pub(super) data: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) error: Option<&'a RawValue>,
    pub(super) prompt_filter_results: Option<IgnoredAny>,
    #[serde(borrow)]
    pub(super) created: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) created_at: Option<&'a RawValue>,
    /// Boxed, as the two below: a `Doc` is built and moved for every record
    /// read, and these blocks, when there, would be most of its bytes.
    #[serde(borrow)]
    pub(super) usage: Option<Box<UsageFields<'a>>>,
    #[serde(borrow)]
    pub(super) x_groq: Option<Box<Groq<'a>>>,
    #[serde(rename = "usageMetadata")]
    pub(super) usage_metadata: Option<Box<GeminiUsage>>,
    #[serde(borrow, rename = "modelVersion")]
    pub(super) model_version: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "responseId")]
    pub(super) response_id: Option<Cow<'a, str>>,
    pub(super) candidates: Option<Vec<Candidate>>,
    #[serde(borrow)]
    pub(super) seconds: Option<&'a RawValue>,
    pub(super) input_tokens: Option<u64>,
    pub(super) output_tokens: Option<u64>,
    pub(super) input_cached_tokens: Option<u64>,
    pub(super) num_model_requests: Option<u64>,
    pub(super) requests: Option<u64>,
    #[serde(borrow)]
    pub(super) response: Option<Box<Doc<'a>>>,
    /// An Anthropic `message_start`'s message (an object), or a gateway's `message` (text).
    #[serde(borrow)]
    pub(super) message: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) time: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) tags: Option<&'a RawValue>,
    /// A saved gateway answer: `{success, message, data}`.
    pub(super) success: Option<bool>,
    /// A gateway log item (one-api / new-api): the model called, the tokens
    /// it recorded, the quota it charged, and its `other` details.
    #[serde(borrow)]
    pub(super) model_name: Option<Cow<'a, str>>,
    pub(super) prompt_tokens: Option<u64>,
    pub(super) completion_tokens: Option<u64>,
    pub(super) quota: Option<i64>,
    #[serde(borrow)]
    pub(super) other: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) token_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) group: Option<Cow<'a, str>>,
}

/// A `type` field: text (`"message_start"`), or a number (a gateway log item's type).
#[derive(Debug)]
pub(super) enum TypeField<'a> {
    Text(Cow<'a, str>),
    Number(i64),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for TypeField<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'a RawValue>::deserialize(d)?;
        let text = raw.get();
        Ok(if text.starts_with('"') {
            serde_json::from_str::<Cow<'a, str>>(text).map_or(TypeField::Other, TypeField::Text)
        } else {
            text.parse().map_or(TypeField::Other, TypeField::Number)
        })
    }
}

/// A field that is text, or a number kept as its text; anything else is none.
fn text_or_number<'de: 'a, 'a, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    let raw = <&'a RawValue>::deserialize(d)?;
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<Cow<'a, str>>(text).ok(),
        Some(b'-' | b'0'..=b'9') => Some(Cow::Borrowed(text)),
        _ => None,
    })
}

impl Doc<'_> {
    /// The `type` when it is text.
    pub(super) fn kind(&self) -> Option<&str> {
        match &self.kind {
            Some(TypeField::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// The `type` of a gateway log item: a number, beside the item's
    /// `quota` or `model_name` (a numeric `type` alone says nothing).
    pub(super) fn log_type(&self) -> Option<i64> {
        match self.kind {
            Some(TypeField::Number(n)) if self.quota.is_some() || self.model_name.is_some() => Some(n),
            _ => None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UsageFields<'a> {
    pub(super) prompt_tokens: Option<u64>,
    pub(super) completion_tokens: Option<u64>,
    pub(super) total_tokens: Option<u64>,
    pub(super) prompt_tokens_details: Option<Details>,
    pub(super) completion_tokens_details: Option<Details>,
    pub(super) input_tokens: Option<u64>,
    pub(super) output_tokens: Option<u64>,
    pub(super) input_tokens_details: Option<Details>,
    pub(super) output_tokens_details: Option<Details>,
    pub(super) cache_creation_input_tokens: Option<u64>,
    pub(super) cache_read_input_tokens: Option<u64>,
    pub(super) iterations: Option<Vec<IterationFields<'a>>>,
    #[serde(borrow, rename = "type")]
    pub(super) kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) seconds: Option<&'a RawValue>,
    /// What the provider says the call cost, in USD (OpenRouter and others).
    #[serde(borrow)]
    pub(super) cost: Option<&'a RawValue>,
    /// The same in 10^-10 USD (xAI).
    pub(super) cost_in_usd_ticks: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct IterationFields<'a> {
    #[serde(borrow)]
    pub(super) model: Option<Cow<'a, str>>,
    pub(super) input_tokens: Option<u64>,
    pub(super) output_tokens: Option<u64>,
    pub(super) cache_creation_input_tokens: Option<u64>,
    pub(super) cache_read_input_tokens: Option<u64>,
    pub(super) output_tokens_details: Option<Details>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Groq<'a> {
    #[serde(borrow)]
    pub(super) usage: Option<UsageFields<'a>>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
pub(super) struct Details {
    pub(super) cached_tokens: Option<u64>,
    pub(super) reasoning_tokens: Option<u64>,
    pub(super) thinking_tokens: Option<u64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct GeminiUsage {
    pub(super) prompt_token_count: Option<u64>,
    pub(super) candidates_token_count: Option<u64>,
    pub(super) cached_content_token_count: Option<u64>,
    pub(super) tool_use_prompt_token_count: Option<u64>,
    pub(super) thoughts_token_count: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Candidate {
    pub(super) finish_reason: Option<IgnoredAny>,
}

/// An organization usage bucket: its results, and the time they start.
#[derive(Deserialize)]
pub(super) struct Bucket<'a> {
    #[serde(borrow, default)]
    pub(super) start_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) results: Option<Vec<Doc<'a>>>,
}

/// An error's kind: its `code` (text or number), else its `type`, else `status`.
pub(super) fn error_kind(error: &RawValue, status: Option<&str>) -> String {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct ErrorFields<'a> {
        #[serde(borrow)]
        code: Option<&'a RawValue>,
        #[serde(borrow, rename = "type")]
        kind: Option<Cow<'a, str>>,
        #[serde(borrow)]
        status: Option<Cow<'a, str>>,
    }
    let text = |raw: &RawValue| match serde_json::from_str::<Cow<'_, str>>(raw.get()) {
        Ok(s) => s.into_owned(),
        Err(_) => raw.get().to_owned(),
    };
    match serde_json::from_str::<ErrorFields<'_>>(error.get()) {
        Ok(e) => e
            .code
            .filter(|c| c.get() != "null")
            .map(text)
            .or(e.kind.map(Cow::into_owned))
            .or(e.status.map(Cow::into_owned))
            .or(status.map(str::to_owned))
            .unwrap_or_else(|| "error".into()),
        // A string, say: the error itself.
        Err(_) => "error".into(),
    }
}

/// Token counts that are billed together, added; a sum beyond what a count
/// holds is no real response.
pub(super) fn sum(counts: &[u64]) -> Result<u64, String> {
    counts.iter().try_fold(0u64, |a, &b| a.checked_add(b)).ok_or_else(|| "token counts too large to add up".into())
}

/// A record's time: an envelope's or log line's `time`, else `created` (unix
/// seconds), else `created_at`.
/// A `time` that cannot be read makes the record unreadable; the APIs' own
/// `created` fields are used only when they can be.
pub(super) fn time_of(doc: &Doc<'_>) -> Result<Option<Time>, String> {
    // A time that is given but cannot be read makes the record unreadable:
    // never silently untimed.
    match [doc.time, doc.created, doc.created_at].into_iter().flatten().next() {
        Some(raw) => timestamp(raw).map(Some),
        None => Ok(None),
    }
}

/// RFC 3339 text (or a date and time without an offset, as Python's
/// isoformat() writes it: UTC), or unix seconds (a number, or a string of
/// digits); years 0000 to 9999, as RFC 3339 can write them.
pub(super) fn timestamp(raw: &RawValue) -> Result<Time, String> {
    let text = raw.get();
    let out_of_range = |text: &str| format!("the time {text} is outside the years 0000 to 9999");
    // Unix seconds, the common case, read without a detour.
    if let Ok(seconds) = text.parse::<i64>() {
        return Time::from_second(seconds).ok_or_else(|| out_of_range(text));
    }
    let inner = if text.starts_with('"') { serde_json::from_str::<Cow<'_, str>>(text).ok() } else { None };
    let text = inner.as_deref().unwrap_or(text).trim();
    if let Some(t) = Time::parse(text) {
        return Ok(t);
    }
    let Ok(seconds) = Money::parse(text) else {
        return Err(format!("the time {text:?} is not RFC 3339 or unix seconds"));
    };
    let whole: Option<i64> = seconds.to_string().split('.').next().unwrap_or_default().parse().ok();
    whole.and_then(Time::from_second).ok_or_else(|| out_of_range(&format!("{text:?}")))
}

/// An amount (seconds, a cost): a JSON number or a string holding one, 0 or more.
pub(super) fn number(raw: &RawValue, what: &str) -> Result<Money, String> {
    let text = raw.get();
    let inner = if text.starts_with('"') { serde_json::from_str::<Cow<'_, str>>(text).ok() } else { None };
    let text = inner.as_deref().unwrap_or(text).trim();
    match Money::parse(text) {
        // Seconds are read to the microsecond: a float's noise (12.345000000000001)
        // would otherwise make sums that no exact decimal can hold.
        Ok(m) if !m.is_negative() && what == "seconds" => Ok(m.round_dp(6)),
        Ok(m) if !m.is_negative() => Ok(m),
        Ok(_) => Err(format!("{what} {text:?} is negative")),
        Err(_) => Err(format!("{what} {text:?} is not a number cometcat can hold exactly (0 or more)")),
    }
}

/// The value of the tag asked for, if the record's `tags` has it.
pub(super) fn tag_of(doc: &Doc<'_>, tag: Option<&str>) -> Result<Option<String>, String> {
    let (Some(key), Some(tags)) = (tag, doc.tags) else { return Ok(None) };
    let tags: BTreeMap<Cow<'_, str>, &RawValue> =
        serde_json::from_str(tags.get()).map_err(|_| "`tags` is not an object".to_owned())?;
    Ok(tags
        .get(key)
        .filter(|v| v.get() != "null")
        .map(|v| serde_json::from_str::<String>(v.get()).unwrap_or_else(|_| v.get().to_owned())))
}
