//! The providers' wire formats: what one JSON value ([`Doc`]) is
//! ([`Value`]): a whole body and the records it holds, a piece of a stream,
//! an error, or nothing cometcat reads — with what it consumed by each
//! provider's billing rules. Pure.

use crate::time::Time;
use serde_json::value::RawValue;

use super::fields::{Bucket, Doc, UsageFields, error_kind, number, sum, tag_of, time_of, timestamp};
use super::gateway::{LogItem, gateway};
use crate::money::Money;
use crate::usage::record::{Kind, Record};

/// How a value reached the reader, which decides how values are grouped: a
/// line of JSON Lines, an element of an array or a whole document is a body
/// of its own; the `data:` of a Server-Sent Event is a piece of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    Line,
    Event,
}

/// What one JSON value is.
#[derive(Debug)]
pub(super) enum Value {
    /// A whole body: its records (more than one for an Anthropic body with
    /// advisor iterations, or a page of aggregates), and its `id` (a body
    /// that shares an open chat stream's id belongs to that stream).
    Body {
        id: Option<String>,
        records: Vec<Record>,
    },
    /// An error body or event, by kind (its code, else its type).
    Error {
        kind: String,
    },
    /// A chat or legacy completion chunk.
    Chunk(Chunk),
    Anthropic(Anthropic),
    Responses(Responses),
    Gemini(Gemini),
    /// A stream event that carries no usage (a ping, a content delta, Azure's
    /// opening `prompt_filter_results`): it belongs to whatever stream is open.
    Quiet,
    /// Nothing cometcat reads, and why.
    NotARecord(String),
    /// A gateway log item that is not a call, by its type.
    Skipped {
        log_type: i64,
    },
}

/// A chat (`chat.completion.chunk`) or legacy completion (`text_completion`)
/// chunk: streams are told apart by `id`.
#[derive(Debug)]
pub(super) struct Chunk {
    pub(super) id: String,
    pub(super) kind: Kind,
    pub(super) model: Option<String>,
    pub(super) time: Option<Time>,
    /// What the chunk says was consumed (the last such chunk of a stream holds the totals).
    pub(super) usage: Option<Record>,
}

/// An Anthropic stream event.
#[derive(Debug)]
pub(super) enum Anthropic {
    Start {
        model: Option<String>,
        time: Option<Time>,
        usage: AnthropicUsage,
    },
    /// Each field it gives replaces the one before (they are cumulative).
    Delta {
        usage: AnthropicUsage,
    },
    Stop,
}

/// A Responses stream event: its progress, or its end with the final response.
#[derive(Debug)]
pub(super) enum Responses {
    /// Any event before the end; `created` for `response.created`, which starts a stream.
    Progress { created: bool },
    /// `response.completed`, `.failed` or `.incomplete`: the response's record
    /// when it carries usage; else, for a failed or incomplete one, the error.
    End { record: Option<Record>, failed: Option<String> },
}

/// A Gemini body or stream chunk: every chunk repeats the counts so far.
#[derive(Debug)]
pub(super) struct Gemini {
    pub(super) response_id: Option<String>,
    /// Whether it carries a `finishReason` (the last chunk of a stream).
    pub(super) finished: bool,
    pub(super) record: Record,
}

/// Anthropic's usage fields, each `None` when not given (a `message_delta`
/// overrides only the fields it gives).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct AnthropicUsage {
    pub(super) input: Option<u64>,
    pub(super) cache_creation: Option<u64>,
    pub(super) cache_read: Option<u64>,
    pub(super) output: Option<u64>,
    pub(super) thinking: Option<u64>,
    pub(super) iterations: Option<Vec<Iteration>>,
    pub(super) charged: Option<Money>,
}

/// One iteration of an Anthropic message (`usage.iterations`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Iteration {
    /// Set for an iteration run by another model (`advisor_message`): a record of its own.
    pub(super) model: Option<String>,
    pub(super) input: u64,
    pub(super) cache_creation: u64,
    pub(super) cache_read: u64,
    pub(super) output: u64,
    pub(super) thinking: u64,
}

/// A record of `kind`, with no counts yet.
pub(super) fn blank(kind: Kind, model: Option<&str>) -> Record {
    Record {
        kind,
        model: model.filter(|m| !m.is_empty()).map(str::to_owned),
        input_tokens: 0,
        output_tokens: 0,
        cached_tokens: 0,
        reasoning_tokens: 0,
        requests: 1,
        seconds: None,
        time: None,
        tag: None,
        charged: None,
        gateway: None,
    }
}

/// What the JSON value `doc` is, reached by `framing`; `tag` is the tag whose
/// value is kept (`--by tag:KEY`).
pub(super) fn classify(doc: Doc<'_>, framing: Framing, tag: Option<&str>) -> Result<Value, String> {
    let kind = doc.kind().unwrap_or_default();
    let object = doc.object.as_deref().unwrap_or_default();
    if let Some(kind) = doc.log_type() {
        return Ok(match gateway(&doc, kind, tag)? {
            LogItem::Call(record) => Value::Body { id: None, records: vec![record] },
            LogItem::Other(log_type) => Value::Skipped { log_type },
        });
    }
    if doc.response.is_some() && doc.object.is_none() && doc.kind.is_none() {
        return envelope(doc, framing, tag);
    }
    if let Some(error) = doc.error.filter(|e| e.get() != "null")
        && doc.usage.is_none()
        && !kind.starts_with("response.")
    {
        return Ok(Value::Error { kind: error_kind(error, None) });
    }
    if kind == "error" {
        return Ok(Value::Error { kind: "error".into() });
    }
    if object == "chat.completion.chunk"
        || (object == "text_completion" && (doc.usage.is_none() || framing == Framing::Event))
    {
        return chunk(doc, tag).map(Value::Chunk);
    }
    if doc.prompt_filter_results.is_some() && doc.usage.is_none() {
        return Ok(Value::Quiet);
    }
    if doc.usage_metadata.is_some() {
        return gemini(doc, tag).map(Value::Gemini);
    }
    if let Some(value) = anthropic_event(&doc, kind)? {
        return Ok(value);
    }
    if let Some(event) = kind.strip_prefix("response.").map(str::to_owned) {
        return responses_event(doc, &event, tag);
    }
    body(doc, tag)
}

/// A chat or completion chunk.
fn chunk(doc: Doc<'_>, tag: Option<&str>) -> Result<Chunk, String> {
    let kind = if doc.object.as_deref() == Some("text_completion") { Kind::CompletionStream } else { Kind::ChatStream };
    let usage = match usage_of(&doc) {
        Some(u) => {
            let mut record = chat(&doc, u, kind)?;
            record.tag = tag_of(&doc, tag)?;
            Some(record)
        }
        None => None,
    };
    Ok(Chunk {
        id: doc.id.as_deref().unwrap_or_default().to_owned(),
        kind,
        model: doc.model.as_deref().filter(|m| !m.is_empty()).map(str::to_owned),
        time: time_of(&doc)?,
        usage,
    })
}

/// The usage block of a chat body or chunk: `usage`, else Groq's `x_groq.usage`.
fn usage_of<'d, 'a>(doc: &'d Doc<'a>) -> Option<&'d UsageFields<'a>> {
    doc.usage.as_deref().or_else(|| doc.x_groq.as_ref().and_then(|g| g.usage.as_ref()))
}

/// A chat (or completion, or embeddings) usage block as a record of `kind`.
/// Cached and reasoning tokens are inside the counts, except xAI's reasoning,
/// which `total_tokens` shows to be outside the completion count.
fn chat(doc: &Doc<'_>, u: &UsageFields<'_>, kind: Kind) -> Result<Record, String> {
    let mut r = blank(kind, doc.model.as_deref());
    r.time = time_of(doc)?;
    r.input_tokens = u.prompt_tokens.unwrap_or(0);
    let completion = u.completion_tokens.unwrap_or(0);
    let reasoning = u.completion_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0);
    let outside = reasoning > 0
        && u.total_tokens.is_some()
        && u.total_tokens == sum(&[r.input_tokens, completion, reasoning]).ok()
        && u.total_tokens != sum(&[r.input_tokens, completion]).ok();
    r.output_tokens = if outside { sum(&[completion, reasoning])? } else { completion };
    r.cached_tokens = u.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0);
    r.reasoning_tokens = reasoning;
    r.charged = charged(u)?;
    Ok(r)
}

/// What the provider says it charged: `usage.cost` (USD) or `usage.cost_in_usd_ticks` (10^-10 USD).
fn charged(u: &UsageFields<'_>) -> Result<Option<Money>, String> {
    if let Some(ticks) = u.cost_in_usd_ticks {
        return Money::from_u64(ticks).checked_mul(Money::new(1, 10)).map(Some).map_err(|_| "a cost too large".into());
    }
    match u.cost.filter(|c| c.get() != "null") {
        Some(raw) => number(raw, "cost").map(Some),
        None => Ok(None),
    }
}

/// A Gemini body or chunk: tool-use prompt tokens are input, thoughts are output.
fn gemini(doc: Doc<'_>, tag: Option<&str>) -> Result<Gemini, String> {
    let g = doc.usage_metadata.as_deref().copied().unwrap_or_default();
    let model = doc.model_version.as_deref().or(doc.model.as_deref());
    let mut r = blank(Kind::Gemini, model);
    r.time = time_of(&doc)?;
    r.tag = tag_of(&doc, tag)?;
    r.input_tokens = sum(&[g.prompt_token_count.unwrap_or(0), g.tool_use_prompt_token_count.unwrap_or(0)])?;
    r.output_tokens = sum(&[g.candidates_token_count.unwrap_or(0), g.thoughts_token_count.unwrap_or(0)])?;
    r.cached_tokens = g.cached_content_token_count.unwrap_or(0);
    r.reasoning_tokens = g.thoughts_token_count.unwrap_or(0);
    let finished = doc.candidates.as_ref().is_some_and(|c| c.iter().any(|c| c.finish_reason.is_some()));
    let response_id = doc.response_id.as_deref().filter(|id| !id.is_empty()).map(str::to_owned);
    Ok(Gemini { response_id, finished, record: r })
}

/// An Anthropic stream event, if `kind` names one.
fn anthropic_event(doc: &Doc<'_>, kind: &str) -> Result<Option<Value>, String> {
    Ok(Some(match kind {
        "message_start" => {
            let message: Option<Doc<'_>> = doc
                .message
                .map(|m| serde_json::from_str(m.get()))
                .transpose()
                .map_err(|e| format!("message_start's message is not a message: {e}"))?;
            let message = message.as_ref();
            let usage = message.and_then(|m| m.usage.as_deref()).map(anthropic_usage).transpose()?.unwrap_or_default();
            let model = message.and_then(|m| m.model.as_deref()).filter(|m| !m.is_empty()).map(str::to_owned);
            Value::Anthropic(Anthropic::Start { model, time: time_of(doc)?, usage })
        }
        "message_delta" => {
            let usage = doc.usage.as_deref().map(anthropic_usage).transpose()?.unwrap_or_default();
            Value::Anthropic(Anthropic::Delta { usage })
        }
        "message_stop" => Value::Anthropic(Anthropic::Stop),
        "content_block_start" | "content_block_delta" | "content_block_stop" | "ping" => Value::Quiet,
        _ => return Ok(None),
    }))
}

fn anthropic_usage(u: &UsageFields<'_>) -> Result<AnthropicUsage, String> {
    let iterations = u.iterations.as_ref().map(|items| {
        items
            .iter()
            .map(|i| Iteration {
                model: i.model.as_deref().filter(|m| !m.is_empty()).map(str::to_owned),
                input: i.input_tokens.unwrap_or(0),
                cache_creation: i.cache_creation_input_tokens.unwrap_or(0),
                cache_read: i.cache_read_input_tokens.unwrap_or(0),
                output: i.output_tokens.unwrap_or(0),
                thinking: i.output_tokens_details.and_then(|d| d.thinking_tokens).unwrap_or(0),
            })
            .collect()
    });
    Ok(AnthropicUsage {
        input: u.input_tokens,
        cache_creation: u.cache_creation_input_tokens,
        cache_read: u.cache_read_input_tokens,
        output: u.output_tokens,
        thinking: u.output_tokens_details.and_then(|d| d.thinking_tokens),
        iterations,
        charged: charged(u)?,
    })
}

impl AnthropicUsage {
    /// `later`'s fields where it gives them, else these.
    pub(super) fn update(&mut self, later: AnthropicUsage) {
        self.input = later.input.or(self.input);
        self.cache_creation = later.cache_creation.or(self.cache_creation);
        self.cache_read = later.cache_read.or(self.cache_read);
        self.output = later.output.or(self.output);
        self.thinking = later.thinking.or(self.thinking);
        self.iterations = later.iterations.or(self.iterations.take());
        self.charged = later.charged.or(self.charged);
    }

    /// The records these counts make on `base` (a record of the message's
    /// kind, model, time and tag): input billed = input + cache writes + cache
    /// reads. With `iterations`, the message's counts are the sum of the
    /// iterations that name no model of their own; each that does is a record
    /// of that model.
    pub(super) fn records(&self, base: &Record) -> Result<Vec<Record>, String> {
        let counted = |input: u64, cache_creation: u64, cache_read: u64, output: u64, thinking: u64| {
            let mut r = base.clone();
            r.input_tokens = sum(&[input, cache_creation, cache_read])?;
            r.output_tokens = output;
            r.cached_tokens = cache_read;
            r.reasoning_tokens = thinking;
            Ok::<Record, String>(r)
        };
        let Some(iterations) = self.iterations.as_ref().filter(|i| !i.is_empty()) else {
            let (input, cc, cr) =
                (self.input.unwrap_or(0), self.cache_creation.unwrap_or(0), self.cache_read.unwrap_or(0));
            let mut r = counted(input, cc, cr, self.output.unwrap_or(0), self.thinking.unwrap_or(0))?;
            r.charged = self.charged;
            return Ok(vec![r]);
        };
        let own: Vec<&Iteration> = iterations.iter().filter(|i| i.model.is_none()).collect();
        let total = |f: fn(&Iteration) -> u64| sum(&own.iter().map(|i| f(i)).collect::<Vec<_>>());
        let mut main = counted(
            total(|i| i.input)?,
            total(|i| i.cache_creation)?,
            total(|i| i.cache_read)?,
            total(|i| i.output)?,
            self.thinking.map_or_else(|| total(|i| i.thinking), Ok)?,
        )?;
        main.charged = self.charged;
        let mut records = vec![main];
        for i in iterations.iter().filter(|i| i.model.is_some()) {
            let mut r = counted(i.input, i.cache_creation, i.cache_read, i.output, i.thinking)?;
            r.model = i.model.clone();
            records.push(r);
        }
        Ok(records)
    }
}

/// A Responses stream event (`response.<event>`).
fn responses_event(doc: Doc<'_>, event: &str, tag: Option<&str>) -> Result<Value, String> {
    let Some(response) = doc.response.filter(|_| matches!(event, "completed" | "failed" | "incomplete")) else {
        return Ok(Value::Responses(Responses::Progress { created: event == "created" }));
    };
    let response = *response;
    if response.usage.is_some() {
        let record = responses(&response, Kind::ResponsesStream, tag)?;
        return Ok(Value::Responses(Responses::End { record: Some(record), failed: None }));
    }
    let failed = match event {
        "completed" => None,
        _ => Some(match response.error.filter(|e| e.get() != "null") {
            Some(error) => error_kind(error, response.status.as_deref()),
            None => response.status.as_deref().unwrap_or(event).to_owned(),
        }),
    };
    Ok(Value::Responses(Responses::End { record: None, failed }))
}

/// An OpenAI Responses body (or a stream's final response).
fn responses(doc: &Doc<'_>, kind: Kind, tag: Option<&str>) -> Result<Record, String> {
    let u = doc.usage.as_ref().ok_or("a response without usage")?;
    let mut r = blank(kind, doc.model.as_deref());
    r.time = time_of(doc)?;
    r.tag = tag_of(doc, tag)?;
    r.input_tokens = u.input_tokens.unwrap_or(0);
    r.output_tokens = u.output_tokens.unwrap_or(0);
    r.cached_tokens = u.input_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0);
    r.reasoning_tokens = u.output_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0);
    r.charged = charged(u)?;
    Ok(r)
}

/// A whole body: which record it is, by the fields that mark each kind.
fn body(doc: Doc<'_>, tag: Option<&str>) -> Result<Value, String> {
    let object = doc.object.as_deref().unwrap_or_default();
    let kind = doc.kind().unwrap_or_default();
    let usage = doc.usage.as_ref();
    let usage_type = usage.and_then(|u| u.kind.as_deref());
    let id = doc.id.as_deref().filter(|id| !id.is_empty()).map(str::to_owned);
    let one = |r: Record| Ok(Value::Body { id: id.clone(), records: vec![r] });
    if object == "response" && usage.is_some_and(|u| u.input_tokens.is_some()) {
        return one(responses(&doc, Kind::Responses, tag)?);
    }
    if kind == "message" && usage.is_some_and(|u| u.input_tokens.is_some()) {
        let mut base = blank(Kind::Anthropic, doc.model.as_deref());
        base.time = time_of(&doc)?;
        base.tag = tag_of(&doc, tag)?;
        let records = anthropic_usage(usage.expect("checked"))?.records(&base)?;
        return Ok(Value::Body { id, records });
    }
    if object == "organization.usage.completions.result" {
        return one(aggregate(&doc, None, tag)?);
    }
    let buckets_page = object == "page" || object == "bucket";
    if (buckets_page || (doc.data.is_some() && object.is_empty() && doc.model.is_none()))
        && let Some(records) = buckets(&doc, tag)?
    {
        return Ok(Value::Body { id: None, records });
    }
    if let Some(u) = usage_of(&doc).filter(|u| u.prompt_tokens.is_some()) {
        let kind = match (object, doc.choices.is_some(), u.completion_tokens.is_some()) {
            ("text_completion", _, _) => Kind::Completion,
            (_, true, _) => Kind::Chat,
            (_, false, false) => Kind::Embeddings,
            _ => Kind::Chat,
        };
        let mut r = chat(&doc, u, kind)?;
        r.tag = tag_of(&doc, tag)?;
        return one(r);
    }
    let mut r = blank(Kind::Generic, doc.model.as_deref());
    r.time = time_of(&doc)?;
    r.tag = tag_of(&doc, tag)?;
    if object == "video" {
        r.kind = Kind::Video;
        r.seconds = match doc.status.as_deref() {
            // A job that failed or was cancelled made no video.
            Some("failed" | "cancelled" | "canceled") => Some(Money::ZERO),
            _ => doc.seconds.map(|s| number(s, "seconds")).transpose()?,
        };
        return one(r);
    }
    if matches!(usage_type, Some("duration" | "tokens")) || (doc.created.is_some() && doc.data.is_some()) {
        let u = usage.map(|u| (u.input_tokens, u.output_tokens, u.seconds)).unwrap_or_default();
        r.kind = if usage_type.is_some() { Kind::Transcription } else { Kind::Image };
        (r.input_tokens, r.output_tokens) = (u.0.unwrap_or(0), u.1.unwrap_or(0));
        r.seconds = u.2.map(|s| number(s, "seconds")).transpose()?;
        return one(r);
    }
    let generic = doc.input_tokens.is_some() || doc.output_tokens.is_some() || doc.requests.is_some();
    if doc.model.is_some() && (generic || doc.seconds.is_some()) {
        // A log line's counts are its totals: `requests` says how many calls it stands for.
        r.input_tokens = doc.input_tokens.unwrap_or(0);
        r.output_tokens = doc.output_tokens.unwrap_or(0);
        r.requests = doc.requests.unwrap_or(1);
        r.seconds = doc.seconds.map(|s| number(s, "seconds")).transpose()?;
        return one(r);
    }
    Ok(Value::NotARecord(not_a_record(&doc)))
}

/// One OpenAI organization usage result: an aggregate (its counts are totals).
fn aggregate(doc: &Doc<'_>, start: Option<&RawValue>, tag: Option<&str>) -> Result<Record, String> {
    let mut r = blank(Kind::OrganizationUsage, doc.model.as_deref());
    r.time = match start {
        Some(t) => Some(timestamp(t)?),
        None => time_of(doc)?,
    };
    r.tag = tag_of(doc, tag)?;
    r.input_tokens = doc.input_tokens.unwrap_or(0);
    r.output_tokens = doc.output_tokens.unwrap_or(0);
    r.cached_tokens = doc.input_cached_tokens.unwrap_or(0);
    r.requests = doc.num_model_requests.unwrap_or(0);
    Ok(r)
}

/// `{data: [{start_time, results: [...]}]}`: every result of every bucket,
/// when the buckets hold organization usage results.
fn buckets(doc: &Doc<'_>, tag: Option<&str>) -> Result<Option<Vec<Record>>, String> {
    let Some(data) = doc.data else { return Ok(None) };
    let Ok(buckets) = serde_json::from_str::<Vec<Bucket<'_>>>(data.get()) else { return Ok(None) };
    let mut records = Vec::new();
    for bucket in &buckets {
        for result in bucket.results.iter().flatten() {
            if result.object.as_deref() != Some("organization.usage.completions.result") {
                return Ok(None);
            }
            records.push(aggregate(result, bucket.start_time, tag)?);
        }
    }
    Ok((!buckets.is_empty() && buckets.iter().any(|b| b.results.is_some())).then_some(records))
}

/// `{response, model?, time?, tags?}`: the response's records, with the
/// envelope's model where the response names none, and its time and tags.
fn envelope(mut doc: Doc<'_>, framing: Framing, tag: Option<&str>) -> Result<Value, String> {
    let inner = doc.response.take().map(|r| *r).unwrap_or_default();
    let mut records = match classify(inner, framing, tag)? {
        Value::Body { records, .. } => records,
        Value::Gemini(g) => vec![g.record],
        Value::Error { kind } => return Ok(Value::Error { kind }),
        Value::NotARecord(why) => return Ok(Value::NotARecord(why)),
        _ => return Err("an envelope around a stream event, not a whole response".into()),
    };
    let time = doc.time.map(timestamp).transpose()?;
    let tag_value = if doc.tags.is_some() { Some(tag_of(&doc, tag)?) } else { None };
    for r in &mut records {
        if r.model.is_none() {
            r.model = doc.model.as_deref().filter(|m| !m.is_empty()).map(str::to_owned);
        }
        if time.is_some() {
            r.time = time;
        }
        if let Some(t) = &tag_value {
            r.tag = t.clone();
        }
    }
    Ok(Value::Body { id: None, records })
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
