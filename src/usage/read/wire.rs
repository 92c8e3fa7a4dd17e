//! The providers' wire formats: the fields cometcat reads from a response,
//! an event or a log line ([`Doc`], borrowed from the text: no
//! `serde_json::Value` is built per record), which kind of record a document
//! is, which stream event, and what it consumed by each provider's billing
//! rules. Pure.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::money::Money;
use crate::usage::record::{Kind, Record};

/// The fields cometcat reads from a response, an event or a log line, borrowed
/// from the text. Everything else is skipped unread.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Doc<'a> {
    #[serde(borrow)]
    pub(super) model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) object: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    pub(super) kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) status: Option<Cow<'a, str>>,
    pub(super) choices: Option<IgnoredAny>,
    pub(super) data: Option<IgnoredAny>,
    #[serde(borrow)]
    pub(super) created: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) created_at: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) usage: Option<UsageFields<'a>>,
    #[serde(rename = "usageMetadata")]
    pub(super) usage_metadata: Option<GeminiUsage>,
    #[serde(borrow, rename = "modelVersion")]
    pub(super) model_version: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "responseId")]
    pub(super) response_id: Option<Cow<'a, str>>,
    pub(super) candidates: Option<Vec<Candidate>>,
    #[serde(borrow)]
    pub(super) seconds: Option<&'a RawValue>,
    pub(super) input_tokens: Option<u64>,
    pub(super) output_tokens: Option<u64>,
    pub(super) requests: Option<u64>,
    #[serde(borrow)]
    pub(super) response: Option<Box<Doc<'a>>>,
    #[serde(borrow)]
    pub(super) message: Option<Box<Doc<'a>>>,
    #[serde(borrow)]
    pub(super) time: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) tags: Option<&'a RawValue>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
pub(super) struct UsageFields<'a> {
    pub(super) prompt_tokens: Option<u64>,
    pub(super) completion_tokens: Option<u64>,
    pub(super) prompt_tokens_details: Option<Details>,
    pub(super) completion_tokens_details: Option<Details>,
    pub(super) input_tokens: Option<u64>,
    pub(super) output_tokens: Option<u64>,
    pub(super) input_tokens_details: Option<Details>,
    pub(super) output_tokens_details: Option<Details>,
    pub(super) cache_creation_input_tokens: Option<u64>,
    pub(super) cache_read_input_tokens: Option<u64>,
    #[serde(borrow, rename = "type")]
    pub(super) kind: Option<&'a str>,
    #[serde(borrow)]
    pub(super) seconds: Option<&'a RawValue>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
pub(super) struct Details {
    pub(super) cached_tokens: Option<u64>,
    pub(super) reasoning_tokens: Option<u64>,
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

pub(super) fn blank(kind: Kind, model: Option<&str>) -> Record {
    Record {
        kind,
        model: model.map(str::to_owned),
        input_tokens: 0,
        output_tokens: 0,
        cached_tokens: 0,
        reasoning_tokens: 0,
        requests: 1,
        seconds: None,
        time: None,
        tag: None,
    }
}

/// One whole record (not a stream event): what it consumed, or why it is
/// not one. `stream` names the kind when the record closes a stream.
pub(super) fn record(doc: Doc<'_>, stream: Option<Kind>, tag: Option<&str>) -> Result<Record, String> {
    if doc.response.is_some() && doc.object.is_none() && doc.kind.is_none() {
        return envelope(doc, tag);
    }
    let mut call = blank(Kind::Generic, doc.model.as_deref());
    call.time = time_of(&doc)?;
    call.tag = tag_of(&doc, tag)?;
    let usage = doc.usage.unwrap_or_default();
    let kind = recognise(&doc, &usage).ok_or_else(|| not_a_record(&doc))?;
    call.kind = stream.unwrap_or(kind);
    match kind {
        Kind::Chat | Kind::Embeddings => {
            call.input_tokens = usage.prompt_tokens.unwrap_or(0);
            call.output_tokens = usage.completion_tokens.unwrap_or(0);
            call.cached_tokens = usage.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0);
            call.reasoning_tokens = usage.completion_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0);
        }
        Kind::Responses => {
            call.input_tokens = usage.input_tokens.unwrap_or(0);
            call.output_tokens = usage.output_tokens.unwrap_or(0);
            call.cached_tokens = usage.input_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0);
            call.reasoning_tokens = usage.output_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0);
        }
        Kind::Anthropic => {
            let cache_read = usage.cache_read_input_tokens.unwrap_or(0);
            call.input_tokens =
                sum(&[usage.input_tokens.unwrap_or(0), usage.cache_creation_input_tokens.unwrap_or(0), cache_read])?;
            call.output_tokens = usage.output_tokens.unwrap_or(0);
            call.cached_tokens = cache_read;
        }
        Kind::Gemini => {
            let g = doc.usage_metadata.unwrap_or_default();
            call.model = doc.model_version.as_deref().or(doc.model.as_deref()).map(str::to_owned);
            call.input_tokens = sum(&[g.prompt_token_count.unwrap_or(0), g.tool_use_prompt_token_count.unwrap_or(0)])?;
            call.output_tokens = sum(&[g.candidates_token_count.unwrap_or(0), g.thoughts_token_count.unwrap_or(0)])?;
            call.cached_tokens = g.cached_content_token_count.unwrap_or(0);
            call.reasoning_tokens = g.thoughts_token_count.unwrap_or(0);
        }
        Kind::Image | Kind::Transcription => {
            call.input_tokens = usage.input_tokens.unwrap_or(0);
            call.output_tokens = usage.output_tokens.unwrap_or(0);
            call.seconds = usage.seconds.map(number).transpose()?;
        }
        Kind::Video => {
            call.seconds = match doc.status.as_deref() {
                // A job that failed or was cancelled made no video.
                Some("failed" | "cancelled" | "canceled") => Some(Money::ZERO),
                _ => doc.seconds.map(number).transpose()?,
            }
        }
        Kind::Generic => {
            call.input_tokens = doc.input_tokens.unwrap_or(0);
            call.output_tokens = doc.output_tokens.unwrap_or(0);
            call.requests = doc.requests.unwrap_or(1);
            call.seconds = doc.seconds.map(number).transpose()?;
        }
        _ => unreachable!("recognise gives no stream kind"),
    }
    Ok(call)
}

/// `{response, model?, time?, tags?}`: the response's call, with the
/// envelope's model where the response names none, and its time and tags.
fn envelope(mut doc: Doc<'_>, tag: Option<&str>) -> Result<Record, String> {
    let inner = doc.response.take().map(|r| *r).unwrap_or_default();
    if event_of(&inner).is_some_and(|e| !matches!(e, StreamEvent::GeminiChunk { .. })) {
        return Err("an envelope around a stream event, not a whole response".into());
    }
    let mut call = record(inner, None, tag)?;
    if call.model.is_none() {
        call.model = doc.model.as_deref().map(str::to_owned);
    }
    if let Some(time) = doc.time.map(timestamp).transpose()? {
        call.time = Some(time);
    }
    if doc.tags.is_some() {
        call.tag = tag_of(&doc, tag)?;
    }
    Ok(call)
}

/// The value of the tag asked for, if the record's `tags` has it.
fn tag_of(doc: &Doc<'_>, tag: Option<&str>) -> Result<Option<String>, String> {
    let (Some(key), Some(tags)) = (tag, doc.tags) else { return Ok(None) };
    let tags: BTreeMap<Cow<'_, str>, &RawValue> =
        serde_json::from_str(tags.get()).map_err(|_| "`tags` is not an object".to_owned())?;
    Ok(tags
        .get(key)
        .filter(|v| v.get() != "null")
        .map(|v| serde_json::from_str::<String>(v.get()).unwrap_or_else(|_| v.get().to_owned())))
}

/// How an event takes part in a stream.
pub(super) enum StreamEvent {
    ChatChunk,
    AnthropicStart,
    AnthropicDelta,
    AnthropicStop,
    /// An event of a stream that carries no usage (content, pings).
    Ignore,
    /// A Responses stream's progress (created, deltas, ...), before it completes.
    ResponsesProgress,
    ResponsesDone,
    GeminiChunk {
        last: bool,
    },
}

pub(super) fn event_of(doc: &Doc<'_>) -> Option<StreamEvent> {
    if doc.object.as_deref() == Some("chat.completion.chunk") {
        return Some(StreamEvent::ChatChunk);
    }
    if doc.usage_metadata.is_some() {
        let last = doc.candidates.as_ref().is_some_and(|c| c.iter().any(|c| c.finish_reason.is_some()));
        return Some(StreamEvent::GeminiChunk { last });
    }
    let kind = doc.kind.as_deref()?;
    Some(match kind {
        "message_start" => StreamEvent::AnthropicStart,
        "message_delta" => StreamEvent::AnthropicDelta,
        "message_stop" => StreamEvent::AnthropicStop,
        "content_block_start" | "content_block_delta" | "content_block_stop" | "ping" => StreamEvent::Ignore,
        "response.completed" | "response.incomplete" | "response.failed" if doc.response.is_some() => {
            StreamEvent::ResponsesDone
        }
        k if k.starts_with("response.") => StreamEvent::ResponsesProgress,
        _ => return None,
    })
}

/// Which record a document is, by the fields that mark each kind.
fn recognise(doc: &Doc<'_>, usage: &UsageFields<'_>) -> Option<Kind> {
    let object = doc.object.as_deref();
    let kind = doc.kind.as_deref();
    Some(if doc.usage_metadata.is_some() {
        Kind::Gemini
    } else if object == Some("response") && usage.input_tokens.is_some() {
        Kind::Responses
    } else if kind == Some("message") && usage.input_tokens.is_some() {
        Kind::Anthropic
    } else if doc.choices.is_some() && usage.prompt_tokens.is_some() {
        Kind::Chat
    } else if object == Some("video") {
        Kind::Video
    } else if matches!(usage.kind, Some("duration" | "tokens")) {
        Kind::Transcription
    } else if usage.prompt_tokens.is_some() && usage.completion_tokens.is_none() {
        Kind::Embeddings
    } else if doc.created.is_some() && doc.data.is_some() {
        Kind::Image
    } else if doc.model.is_some()
        && (doc.input_tokens.is_some()
            || doc.output_tokens.is_some()
            || doc.requests.is_some()
            || doc.seconds.is_some())
    {
        Kind::Generic
    } else {
        return None;
    })
}

/// Why a JSON object is not a record, as precisely as it can be said.
fn not_a_record(doc: &Doc<'_>) -> String {
    if doc.model.is_some() {
        "it names a model but gives none of input_tokens, output_tokens, requests or seconds".into()
    } else if doc.usage.is_some() {
        "it has a usage block, but not the fields of any response kind cometcat reads".into()
    } else {
        "no recognisable record: no usage block, and not a log line with model and token counts".into()
    }
}

/// Why a JSON value could not be read as a record.
pub(super) fn unreadable_value(text: &[u8], e: &serde_json::Error) -> String {
    match text.first() {
        Some(b'{') => format!("a field has the wrong type: {e}"),
        Some(b'n') => "null, not a record".into(),
        _ => "not a JSON object".into(),
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
pub(super) fn time_of(doc: &Doc<'_>) -> Result<Option<Timestamp>, String> {
    if let Some(time) = doc.time {
        return timestamp(time).map(Some);
    }
    Ok([doc.created, doc.created_at].into_iter().flatten().find_map(|raw| timestamp(raw).ok()))
}

/// RFC 3339 text, or unix seconds (a number, or a string of digits).
fn timestamp(raw: &RawValue) -> Result<Timestamp, String> {
    let text = raw.get();
    // Unix seconds, the common case, read without a detour.
    if let Ok(seconds) = text.parse::<i64>() {
        return Timestamp::from_second(seconds).map_err(|e| format!("the time {text} is out of range: {e}"));
    }
    let inner = if text.starts_with('"') { serde_json::from_str::<Cow<'_, str>>(text).ok() } else { None };
    let text = inner.as_deref().unwrap_or(text).trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    // A date and time without an offset (as Python's isoformat() writes it): UTC.
    if let Ok(t) = text.parse::<jiff::civil::DateTime>().map(|d| d.to_zoned(jiff::tz::TimeZone::UTC)) {
        return t.map(|z| z.timestamp()).map_err(|e| format!("the time {text:?} is out of range: {e}"));
    }
    let seconds = Money::parse(text).map_err(|_| format!("the time {text:?} is not RFC 3339 or unix seconds"))?;
    let whole: i64 =
        seconds.to_string().split('.').next().unwrap_or_default().parse().map_err(|_| "a time too large".to_owned())?;
    Timestamp::from_second(whole).map_err(|e| format!("the time {text:?} is out of range: {e}"))
}

/// A number of seconds: a JSON number or a string holding one, 0 or more.
fn number(raw: &RawValue) -> Result<Money, String> {
    let text = raw.get();
    let inner = if text.starts_with('"') { serde_json::from_str::<Cow<'_, str>>(text).ok() } else { None };
    let text = inner.as_deref().unwrap_or(text).trim();
    match Money::parse(text) {
        // Read to the microsecond: a float's noise (12.345000000000001) would
        // otherwise make sums that no exact decimal can hold.
        Ok(m) if !m.is_negative() => Ok(m.round_dp(6)),
        Ok(_) => Err(format!("seconds {text:?} is negative")),
        Err(_) => Err(format!("seconds {text:?} is not a number cometcat can hold exactly (0 or more)")),
    }
}
