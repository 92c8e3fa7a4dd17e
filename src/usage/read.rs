//! Reading usage: JSON documents, JSON Lines and Server-Sent-Event streams,
//! told apart per file, into one [`Call`] per call (a stream is one call) or
//! an unreadable line with its reason. Each line or event is read into a
//! typed, borrowed view (`Doc`) — the fields cometcat looks at and nothing
//! else — so no `serde_json::Value` is built per record. Pure over `BufRead`:
//! memory stays flat whatever the input's size.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::money::Money;

/// What kind of response a call was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Chat,
    ChatStream,
    Responses,
    ResponsesStream,
    Embeddings,
    Anthropic,
    AnthropicStream,
    Gemini,
    GeminiStream,
    Image,
    Video,
    Transcription,
    Generic,
}

/// What one call consumed, as its response (or log line) says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub kind: Kind,
    /// The model as written; `None` when the response names none.
    pub model: Option<String>,
    /// Billed at the input price: already includes the cached tokens.
    pub input_tokens: u64,
    /// Billed at the output price: already includes the reasoning tokens.
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    /// Calls; more than 1 only for a generic line that says so (its tokens
    /// and seconds are per call).
    pub requests: u64,
    pub seconds: Option<Money>,
    pub time: Option<Timestamp>,
    /// The value of the tag asked for (`--by tag:KEY`), if the record has it.
    pub tag: Option<String>,
}

/// One thing read: a call, or a line that holds none, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Call { line: u64, call: Call },
    Unreadable { line: u64, reason: String },
}

/// The longest line, event or document read; a longer one is unreadable.
pub const MAX_LINE: usize = 64 << 20;

/// Reads every call in `input`, handing each to `each` as it is read.
/// `tag` is the tag whose value is kept (for `--by tag:KEY`).
pub fn read(mut input: impl BufRead, tag: Option<&str>, each: &mut dyn FnMut(Item)) -> io::Result<()> {
    let mut streams = Streams::new(tag, each);
    match first_byte(&mut input)? {
        None => {}
        Some(b'[') => document(&mut input, &mut streams)?,
        Some(b'{') => objects(&mut input, &mut streams)?,
        Some(_) if is_event_stream(input.fill_buf()?) => events(&mut input, &mut streams)?,
        Some(_) => lines(&mut input, &mut streams)?,
    }
    streams.finish();
    Ok(())
}

/// The first byte that is not white space (a byte-order mark skipped).
fn first_byte(input: &mut impl BufRead) -> io::Result<Option<u8>> {
    let mut bom = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if bom && buf.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
            bom = false;
            continue;
        }
        bom = false;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => return Ok(Some(buf[i])),
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

/// Whether text starts like a Server-Sent-Event stream.
fn is_event_stream(start: &[u8]) -> bool {
    let start = start.trim_ascii_start();
    [&b"data:"[..], b"event:", b"id:", b"retry:", b":"].iter().any(|p| start.starts_with(p))
}

/// Reads one line (without its end) into `line`, at most [`MAX_LINE`]
/// bytes; `Ok(None)` at the end, `Ok(Some(false))` for a line too long.
fn next_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
    line.clear();
    let mut fits = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok((!line.is_empty() || !fits).then_some(fits));
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if fits && line.len() + chunk.len() <= MAX_LINE {
            line.extend_from_slice(chunk);
        } else {
            fits = false;
            line.clear();
        }
        let used = done.unwrap_or(buf.len());
        input.consume(used);
        if done.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(fits));
        }
    }
}

/// A file that starts with `{`: JSON Lines, or one JSON document spread over
/// lines (pretty-printed). A first line that is a whole JSON value means lines.
fn objects(input: &mut impl BufRead, streams: &mut Streams<'_>) -> io::Result<()> {
    let mut line = Vec::new();
    let Some(fits) = next_line(input, &mut line)? else { return Ok(()) };
    if fits && serde_json::from_slice::<IgnoredAny>(&line).is_err() {
        // Not a line of its own: one document. Read it whole.
        let mut text = std::mem::take(&mut line);
        text.push(b'\n');
        input.take(MAX_LINE as u64).read_to_end(&mut text)?;
        return match serde_json::from_slice::<IgnoredAny>(&text) {
            Ok(_) => {
                streams.value(1, &text);
                Ok(())
            }
            // Neither lines nor a document: read it as lines, each said unreadable or read.
            Err(_) => lines(io::Cursor::new(text), streams),
        };
    }
    streams.line(1, fits, &line);
    each_line(input, 1, &mut |number, fits, line| streams.line(number, fits, line))
}

fn lines(mut input: impl BufRead, streams: &mut Streams<'_>) -> io::Result<()> {
    each_line(&mut input, 0, &mut |number, fits, line| streams.line(number, fits, line))
}

/// Calls `each` with every line of `input` (without its end, `fits` false for
/// one longer than [`MAX_LINE`]), numbered on from `number`. A line that lies
/// whole in the reader's buffer is read where it lies, not copied.
fn each_line(input: &mut impl BufRead, mut number: u64, each: &mut dyn FnMut(u64, bool, &[u8])) -> io::Result<()> {
    let mut long = Vec::new();
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        number += 1;
        if let Some(end) = memchr::memchr(b'\n', buf) {
            let line = &buf[..end];
            each(number, true, line.strip_suffix(b"\r").unwrap_or(line));
            input.consume(end + 1);
        } else {
            // Longer than what the buffer holds, or the last line, without an end.
            match next_line(input, &mut long)? {
                Some(fits) => each(number, fits, &long),
                None => return Ok(()),
            }
        }
    }
}

/// A file that starts with `[`: one JSON array of records.
fn document(input: &mut impl BufRead, streams: &mut Streams<'_>) -> io::Result<()> {
    let mut text = Vec::new();
    input.take(MAX_LINE as u64 + 1).read_to_end(&mut text)?;
    if text.len() > MAX_LINE {
        streams.unreadable(1, format!("the document is longer than {} MiB", MAX_LINE >> 20));
        return Ok(());
    }
    // One JSON value, or JSON Lines whose first line is a list.
    if serde_json::from_slice::<IgnoredAny>(&text).is_err() && text.contains(&b'\n') {
        return lines(io::Cursor::new(text), streams);
    }
    streams.value(1, &text);
    Ok(())
}

/// A Server-Sent-Event stream: `event:` and `data:` lines, events separated
/// by blank lines; `data: [DONE]` ends an OpenAI stream.
fn events(input: &mut impl BufRead, streams: &mut Streams<'_>) -> io::Result<()> {
    let mut data: Vec<u8> = Vec::new();
    let mut started = 0;
    each_line(input, 0, &mut |number, fits, line| {
        if !fits {
            return streams.unreadable(number, format!("the line is longer than {} MiB", MAX_LINE >> 20));
        }
        // A lone CR ends a line too.
        for line in line.split(|&b| b == b'\r') {
            if line.is_empty() {
                streams.event(started, &data);
                data.clear();
            } else if let Some(value) = line.strip_prefix(b"data:") {
                let value = value.strip_prefix(b" ").unwrap_or(value);
                let whole =
                    |data: &[u8]| data.trim_ascii() == b"[DONE]" || serde_json::from_slice::<IgnoredAny>(data).is_ok();
                if !data.is_empty() && whole(&data) {
                    // A whole event already, and no blank line after it: saved
                    // `data:` lines one after another are events each.
                    streams.event(started, &data);
                    data.clear();
                }
                if data.is_empty() {
                    started = number;
                } else {
                    data.push(b'\n');
                }
                data.extend_from_slice(value);
            } else if !(line.starts_with(b"event:")
                || line.starts_with(b"id:")
                || line.starts_with(b"retry:")
                || line.starts_with(b":"))
            {
                streams.unreadable(number, "not a line of an event stream (data:, event:, id:)".into());
            }
        }
    })?;
    streams.event(started, &data);
    Ok(())
}

/// The fields cometcat reads from a response, an event or a log line, borrowed
/// from the text. Everything else is skipped unread.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Doc<'a> {
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    object: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    choices: Option<IgnoredAny>,
    data: Option<IgnoredAny>,
    #[serde(borrow)]
    created: Option<&'a RawValue>,
    #[serde(borrow)]
    created_at: Option<&'a RawValue>,
    #[serde(borrow)]
    usage: Option<Usage<'a>>,
    #[serde(rename = "usageMetadata")]
    usage_metadata: Option<GeminiUsage>,
    #[serde(borrow, rename = "modelVersion")]
    model_version: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "responseId")]
    response_id: Option<Cow<'a, str>>,
    candidates: Option<Vec<Candidate>>,
    #[serde(borrow)]
    seconds: Option<&'a RawValue>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    requests: Option<u64>,
    #[serde(borrow)]
    response: Option<Box<Doc<'a>>>,
    #[serde(borrow)]
    message: Option<Box<Doc<'a>>>,
    #[serde(borrow)]
    time: Option<&'a RawValue>,
    #[serde(borrow)]
    tags: Option<&'a RawValue>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct Usage<'a> {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<Details>,
    completion_tokens_details: Option<Details>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    input_tokens_details: Option<Details>,
    output_tokens_details: Option<Details>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    #[serde(borrow, rename = "type")]
    kind: Option<&'a str>,
    #[serde(borrow)]
    seconds: Option<&'a RawValue>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct Details {
    cached_tokens: Option<u64>,
    reasoning_tokens: Option<u64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default, rename_all = "camelCase")]
struct GeminiUsage {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
    cached_content_token_count: Option<u64>,
    tool_use_prompt_token_count: Option<u64>,
    thoughts_token_count: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Candidate {
    finish_reason: Option<IgnoredAny>,
}

/// Where a stream is: the one open, if any, and what it has gathered.
enum Open {
    None,
    /// OpenAI chat chunks sharing an id; the usage chunk, once it came.
    Chat {
        line: u64,
        id: String,
        call: Option<Call>,
    },
    /// An Anthropic stream: the counts so far (message_start, overridden by message_delta).
    Anthropic {
        line: u64,
        call: Call,
        usage: AnthropicUsage,
        /// Whether a message_delta (which carries the final output count) came.
        delta: bool,
    },
    /// Gemini chunks sharing a responseId; the last chunk's counts.
    Gemini {
        line: u64,
        id: Option<String>,
        call: Call,
        chunks: u32,
        /// Whether the last chunk (with a finishReason) came.
        finished: bool,
    },
    /// A Responses stream, until its response.completed.
    Responses {
        line: u64,
    },
}

#[derive(Clone, Copy, Default)]
struct AnthropicUsage {
    input: u64,
    cache_creation: u64,
    cache_read: u64,
    output: u64,
}

/// Turns documents into calls, assembling streams across events.
struct Streams<'e> {
    open: Open,
    tag: Option<String>,
    each: &'e mut dyn FnMut(Item),
}

impl<'e> Streams<'e> {
    fn new(tag: Option<&str>, each: &'e mut dyn FnMut(Item)) -> Streams<'e> {
        Streams { open: Open::None, tag: tag.map(str::to_owned), each }
    }

    fn unreadable(&mut self, line: u64, reason: String) {
        (self.each)(Item::Unreadable { line, reason });
    }

    fn call(&mut self, line: u64, call: Call) {
        (self.each)(Item::Call { line, call });
    }

    /// A line of a JSON Lines file (blank lines are nothing).
    fn line(&mut self, number: u64, fits: bool, text: &[u8]) {
        if !fits {
            return self.unreadable(number, format!("the line is longer than {} MiB", MAX_LINE >> 20));
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.value(number, text);
    }

    /// The data of one event of an SSE stream.
    fn event(&mut self, line: u64, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if data.trim_ascii() == b"[DONE]" {
            return self.close();
        }
        self.value(line, data);
    }

    /// One JSON value: an object (a record, an event, an envelope) or an array of them.
    fn value(&mut self, line: u64, text: &[u8]) {
        let text = text.trim_ascii();
        if text.starts_with(b"[") {
            return match serde_json::from_slice::<Vec<&RawValue>>(text) {
                Ok(items) if items.is_empty() || items.iter().any(|i| !i.get().starts_with('{')) => {
                    self.unreadable(line, "a list, but not of records (JSON objects)".into())
                }
                Ok(items) => {
                    // Each item's line, counted on from the one before (not from the start).
                    let (mut at, mut seen) = (line, 0);
                    for item in items {
                        let offset = item.get().as_ptr() as usize - text.as_ptr() as usize;
                        at += memchr::memchr_iter(b'\n', &text[seen..offset]).count() as u64;
                        seen = offset;
                        self.value(at, item.get().as_bytes());
                    }
                }
                Err(e) => self.unreadable(line, format!("not JSON records: {e}")),
            };
        }
        match serde_json::from_slice::<Doc<'_>>(text) {
            Ok(doc) => self.doc(line, doc),
            Err(e) if e.is_data() => self.unreadable(line, unreadable_value(text, &e)),
            Err(e) => self.unreadable(line, format!("not JSON: {e}")),
        }
    }

    fn doc(&mut self, line: u64, doc: Doc<'_>) {
        match event_of(&doc) {
            Some(event) => self.stream(line, event, doc),
            None => {
                self.close();
                match self.record(doc, None) {
                    Ok(call) => self.call(line, call),
                    Err(reason) => self.unreadable(line, reason),
                }
            }
        }
    }

    /// One event of a stream.
    fn stream(&mut self, line: u64, event: Event, doc: Doc<'_>) {
        match event {
            Event::ChatChunk => {
                let id = doc.id.as_deref().unwrap_or_default().to_owned();
                if !matches!(&self.open, Open::Chat { id: open, .. } if *open == id) {
                    self.close();
                    self.open = Open::Chat { line, id, call: None };
                }
                if doc.usage.is_some() {
                    let call = self.record(doc, Some(Kind::ChatStream)).ok();
                    if let Open::Chat { call: slot, .. } = &mut self.open {
                        *slot = call;
                    }
                }
            }
            Event::AnthropicStart => {
                self.close();
                let message = doc.message.as_deref();
                let usage = message.and_then(|m| m.usage).unwrap_or_default();
                let mut call = self.blank(Kind::AnthropicStream, message.and_then(|m| m.model.as_deref()));
                call.time = time_of(&doc).ok().flatten();
                let usage = AnthropicUsage {
                    input: usage.input_tokens.unwrap_or(0),
                    cache_creation: usage.cache_creation_input_tokens.unwrap_or(0),
                    cache_read: usage.cache_read_input_tokens.unwrap_or(0),
                    output: usage.output_tokens.unwrap_or(0),
                };
                self.open = Open::Anthropic { line, call, usage, delta: false };
            }
            Event::AnthropicDelta => match (&mut self.open, doc.usage) {
                (Open::Anthropic { usage, delta: seen, .. }, Some(delta)) => {
                    *seen = true;
                    // Each field the delta gives replaces the one before (they are cumulative).
                    usage.input = delta.input_tokens.unwrap_or(usage.input);
                    usage.cache_creation = delta.cache_creation_input_tokens.unwrap_or(usage.cache_creation);
                    usage.cache_read = delta.cache_read_input_tokens.unwrap_or(usage.cache_read);
                    usage.output = delta.output_tokens.unwrap_or(usage.output);
                }
                (Open::Anthropic { .. }, None) => {}
                _ => self.unreadable(line, "a message_delta outside an Anthropic stream (no message_start)".into()),
            },
            Event::AnthropicStop => {
                if matches!(self.open, Open::Anthropic { .. }) {
                    self.close();
                }
            }
            Event::Ignore => {}
            Event::ResponsesProgress => {
                if !matches!(self.open, Open::Responses { .. }) {
                    self.close();
                    self.open = Open::Responses { line };
                }
            }
            Event::ResponsesDone => {
                let start = match self.open {
                    Open::Responses { line } => line,
                    _ => line,
                };
                self.open = Open::None;
                let response = doc.response.map(|r| *r).unwrap_or_default();
                match self.record(response, Some(Kind::ResponsesStream)) {
                    Ok(call) => self.call(start, call),
                    Err(reason) => self.unreadable(start, reason),
                }
            }
            Event::GeminiChunk { last } => {
                let id = doc.response_id.as_deref().map(str::to_owned);
                if !matches!(&self.open, Open::Gemini { id: open, .. } if *open == id) {
                    self.close();
                    let call = self.blank(Kind::Gemini, None);
                    self.open = Open::Gemini { line, id, call, chunks: 0, finished: false };
                }
                // Every chunk repeats the counts so far: the last one holds the totals.
                let read = self.record(doc, None);
                if let (Open::Gemini { call, chunks, finished, .. }, Ok(read)) = (&mut self.open, read) {
                    *chunks += 1;
                    *finished = last;
                    *call = Call { kind: if *chunks > 1 { Kind::GeminiStream } else { Kind::Gemini }, ..read };
                }
                if last {
                    self.close();
                }
            }
        }
    }

    /// Ends the open stream, if any: its call, or why it has none.
    fn close(&mut self) {
        match std::mem::replace(&mut self.open, Open::None) {
            Open::None => {}
            Open::Chat { line, call: Some(call), .. } => self.call(line, call),
            Open::Chat { line, call: None, .. } => self.unreadable(
                line,
                "a chat stream without a usage chunk (the request needs stream_options.include_usage)".into(),
            ),
            Open::Anthropic { line, delta: false, .. } => self.unreadable(
                line,
                "an Anthropic stream cut before its message_delta, which carries the output count".into(),
            ),
            Open::Anthropic { line, mut call, usage, .. } => {
                match sum(&[usage.input, usage.cache_creation, usage.cache_read]) {
                    Ok(input) => {
                        call.input_tokens = input;
                        call.cached_tokens = usage.cache_read;
                        call.output_tokens = usage.output;
                        self.call(line, call);
                    }
                    Err(why) => self.unreadable(line, why),
                }
            }
            Open::Gemini { line, finished: false, chunks, .. } if chunks > 1 => self.unreadable(
                line,
                "a Gemini stream cut before its last chunk (the one with a finishReason holds the totals)".into(),
            ),
            Open::Gemini { line, call, .. } => self.call(line, call),
            Open::Responses { line } => {
                self.unreadable(line, "a Responses stream that ended without response.completed".into())
            }
        }
    }

    fn finish(&mut self) {
        self.close();
    }

    fn blank(&self, kind: Kind, model: Option<&str>) -> Call {
        Call {
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
    fn record(&self, doc: Doc<'_>, stream: Option<Kind>) -> Result<Call, String> {
        if doc.response.is_some() && doc.object.is_none() && doc.kind.is_none() {
            return self.envelope(doc);
        }
        let mut call = self.blank(Kind::Generic, doc.model.as_deref());
        call.time = time_of(&doc)?;
        call.tag = self.tag_of(&doc)?;
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
                call.input_tokens = sum(&[
                    usage.input_tokens.unwrap_or(0),
                    usage.cache_creation_input_tokens.unwrap_or(0),
                    cache_read,
                ])?;
                call.output_tokens = usage.output_tokens.unwrap_or(0);
                call.cached_tokens = cache_read;
            }
            Kind::Gemini => {
                let g = doc.usage_metadata.unwrap_or_default();
                call.model = doc.model_version.as_deref().or(doc.model.as_deref()).map(str::to_owned);
                call.input_tokens =
                    sum(&[g.prompt_token_count.unwrap_or(0), g.tool_use_prompt_token_count.unwrap_or(0)])?;
                call.output_tokens =
                    sum(&[g.candidates_token_count.unwrap_or(0), g.thoughts_token_count.unwrap_or(0)])?;
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
    fn envelope(&self, mut doc: Doc<'_>) -> Result<Call, String> {
        let inner = doc.response.take().map(|r| *r).unwrap_or_default();
        if event_of(&inner).is_some_and(|e| !matches!(e, Event::GeminiChunk { .. })) {
            return Err("an envelope around a stream event, not a whole response".into());
        }
        let mut call = self.record(inner, None)?;
        if call.model.is_none() {
            call.model = doc.model.as_deref().map(str::to_owned);
        }
        if let Some(time) = doc.time.map(timestamp).transpose()? {
            call.time = Some(time);
        }
        if doc.tags.is_some() {
            call.tag = self.tag_of(&doc)?;
        }
        Ok(call)
    }

    /// The value of the tag asked for, if the record's `tags` has it.
    fn tag_of(&self, doc: &Doc<'_>) -> Result<Option<String>, String> {
        let (Some(key), Some(tags)) = (&self.tag, doc.tags) else { return Ok(None) };
        let tags: BTreeMap<Cow<'_, str>, &RawValue> =
            serde_json::from_str(tags.get()).map_err(|_| "`tags` is not an object".to_owned())?;
        Ok(tags
            .get(key.as_str())
            .filter(|v| v.get() != "null")
            .map(|v| serde_json::from_str::<String>(v.get()).unwrap_or_else(|_| v.get().to_owned())))
    }
}

/// How an event takes part in a stream.
enum Event {
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

fn event_of(doc: &Doc<'_>) -> Option<Event> {
    if doc.object.as_deref() == Some("chat.completion.chunk") {
        return Some(Event::ChatChunk);
    }
    if doc.usage_metadata.is_some() {
        let last = doc.candidates.as_ref().is_some_and(|c| c.iter().any(|c| c.finish_reason.is_some()));
        return Some(Event::GeminiChunk { last });
    }
    let kind = doc.kind.as_deref()?;
    Some(match kind {
        "message_start" => Event::AnthropicStart,
        "message_delta" => Event::AnthropicDelta,
        "message_stop" => Event::AnthropicStop,
        "content_block_start" | "content_block_delta" | "content_block_stop" | "ping" => Event::Ignore,
        "response.completed" | "response.incomplete" | "response.failed" if doc.response.is_some() => {
            Event::ResponsesDone
        }
        k if k.starts_with("response.") => Event::ResponsesProgress,
        _ => return None,
    })
}

/// Which record a document is, by the fields that mark each kind.
fn recognise(doc: &Doc<'_>, usage: &Usage<'_>) -> Option<Kind> {
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
fn unreadable_value(text: &[u8], e: &serde_json::Error) -> String {
    match text.first() {
        Some(b'{') => format!("a field has the wrong type: {e}"),
        Some(b'n') => "null, not a record".into(),
        _ => "not a JSON object".into(),
    }
}

/// Token counts that are billed together, added; a sum beyond what a count
/// holds is no real response.
fn sum(counts: &[u64]) -> Result<u64, String> {
    counts.iter().try_fold(0u64, |a, &b| a.checked_add(b)).ok_or_else(|| "token counts too large to add up".into())
}

/// A record's time: an envelope's or log line's `time`, else `created` (unix
/// seconds), else `created_at`.
/// A `time` that cannot be read makes the record unreadable; the APIs' own
/// `created` fields are used only when they can be.
fn time_of(doc: &Doc<'_>) -> Result<Option<Timestamp>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// (kind, model, input, output, cached, reasoning, requests, seconds) of each call,
    /// and `line: reason` of each unreadable line.
    /// (kind, model, input, output, cached, reasoning, requests, seconds).
    type Counts = (Kind, Option<String>, u64, u64, u64, u64, u64, Option<String>);

    fn read_text(text: &str) -> (Vec<Counts>, Vec<String>) {
        let (mut calls, mut unreadable) = (Vec::new(), Vec::new());
        read(text.as_bytes(), Some("team"), &mut |item| match item {
            Item::Call { call: c, .. } => calls.push((
                c.kind,
                c.model,
                c.input_tokens,
                c.output_tokens,
                c.cached_tokens,
                c.reasoning_tokens,
                c.requests,
                c.seconds.map(|s| s.to_string()),
            )),
            Item::Unreadable { line, reason } => unreadable.push(format!("{line}: {reason}")),
        })
        .unwrap();
        (calls, unreadable)
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/usage").join(name))
            .unwrap()
    }

    fn one(name: &str) -> (Kind, Option<String>, u64, u64, u64, u64, u64, Option<String>) {
        let (calls, unreadable) = read_text(&fixture(name));
        assert!(unreadable.is_empty(), "{name}: {unreadable:?}");
        assert_eq!(calls.len(), 1, "{name}: {calls:?}");
        calls.into_iter().next().unwrap()
    }

    fn m(name: &str) -> Option<String> {
        Some(name.to_owned())
    }

    #[test]
    fn every_kind_of_response_is_read_by_the_billing_rules() {
        use Kind::*;
        let cases = [
            // Cached and reasoning tokens are inside OpenAI's counts: reported, never added.
            ("openai-chat.json", (Chat, m("gpt-5-mini"), 1843, 880, 1536, 832, 1, None)),
            ("openai-chat-stream.sse", (ChatStream, m("gpt-4o-mini"), 1290, 9, 1152, 0, 1, None)),
            ("openai-responses.json", (Responses, m("gpt-5"), 2540, 941, 1792, 896, 1, None)),
            ("openai-responses-stream.sse", (ResponsesStream, m("gpt-4.1-mini"), 1486, 19, 1280, 0, 1, None)),
            ("openai-embeddings.json", (Embeddings, m("text-embedding-3-small"), 27, 0, 0, 0, 1, None)),
            // Anthropic's cache tokens are outside input_tokens: added.
            ("anthropic-message.json", (Anthropic, m("claude-sonnet-4-6"), 11160, 52, 9320, 0, 1, None)),
            ("anthropic-stream.sse", (AnthropicStream, m("claude-haiku-4-5-20251001"), 4010, 16, 1800, 0, 1, None)),
            // The final message_delta's counts replace message_start's.
            ("anthropic-stream-web-search.sse", (AnthropicStream, m("claude-sonnet-4-6"), 10682, 86, 0, 0, 1, None)),
            // Gemini: tool-use prompt counts as input, thoughts as output.
            ("gemini.json", (Gemini, m("gemini-2.5-flash"), 9285, 1379, 2048, 977, 1, None)),
            ("gemini-stream.sse", (GeminiStream, m("gemini-2.5-pro"), 812, 1258, 0, 1231, 1, None)),
            ("openai-image.json", (Image, None, 37, 4160, 0, 0, 1, None)),
            ("openai-image-envelope.json", (Image, m("gpt-image-1"), 37, 4160, 0, 0, 1, None)),
            ("openai-image-gateway.json", (Image, m("gpt-image-1"), 29, 1056, 0, 0, 1, None)),
            ("openai-image-dalle3-envelope.json", (Image, m("dall-e-3"), 0, 0, 0, 0, 1, None)),
            ("openai-video.json", (Video, m("sora-2"), 0, 0, 0, 0, 1, Some("8".into()))),
            ("transcription-tokens.json", (Transcription, m("gpt-4o-mini-transcribe"), 184, 36, 0, 0, 1, None)),
            // Billed seconds are usage.seconds, not the audio's duration.
            ("transcription-duration.json", (Transcription, m("whisper-1"), 0, 0, 0, 0, 1, Some("42".into()))),
        ];
        for (name, want) in cases {
            assert_eq!(one(name), want, "{name}");
        }
    }

    #[test]
    fn a_file_may_hold_several_streams() {
        for name in ["openai-chat-streams-two.sse", "openai-chat-streams-no-done.sse"] {
            let (calls, unreadable) = read_text(&fixture(name));
            assert!(unreadable.is_empty(), "{name}: {unreadable:?}");
            let models: Vec<_> = calls.iter().map(|c| (c.1.clone().unwrap(), c.2, c.3)).collect();
            assert_eq!(models, [("gpt-4o-mini".into(), 742, 12), ("gpt-5-nano".into(), 2310, 530)], "{name}");
        }
    }

    #[test]
    fn log_lines_envelopes_and_arrays() {
        let (calls, unreadable) = read_text(&fixture("generic.jsonl"));
        assert!(unreadable.is_empty());
        assert_eq!(calls.len(), 10);
        assert_eq!(calls[1], (Kind::Generic, m("gpt-5-mini"), 1200, 350, 0, 0, 3, None), "requests as the line says");
        assert_eq!(calls[3].7.as_deref(), Some("8"));
        let (calls, unreadable) = read_text(&fixture("envelopes.jsonl"));
        assert!(unreadable.is_empty(), "{unreadable:?}");
        let kinds: Vec<Kind> = calls.iter().map(|c| c.0).collect();
        use Kind::*;
        assert_eq!(kinds, [Chat, Responses, Anthropic, Gemini, Embeddings, Video, Image, Transcription, Chat]);
        assert_eq!(calls[2].2, 7885, "3021 + 0 + 4864");
        let (calls, _) = read_text(&fixture("array.json"));
        assert_eq!(calls.len(), 3);
    }

    #[test]
    fn what_cannot_be_read_says_where_and_why() {
        let (calls, unreadable) = read_text(&fixture("unreadable.jsonl"));
        assert_eq!(calls.len(), 2);
        let lines: Vec<&str> = unreadable.iter().map(|u| u.split(':').next().unwrap()).collect();
        assert_eq!(lines, ["2", "3", "4", "5", "7", "8", "9"]);
        assert!(unreadable[0].starts_with("2: not JSON"), "{unreadable:?}");
        assert!(unreadable[5].contains("names a model but gives none of"), "{unreadable:?}");
        // A stream that never says what it used.
        let text = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-5\",\"choices\":[],\"usage\":null}\n\ndata: [DONE]\n";
        let (calls, unreadable) = read_text(text);
        assert!(calls.is_empty());
        assert_eq!(
            unreadable,
            ["1: a chat stream without a usage chunk (the request needs stream_options.include_usage)"]
        );
        // Blank lines are nothing; a byte-order mark is tolerated.
        let (calls, unreadable) = read_text("\u{feff}\n{\"model\":\"a\",\"requests\":2}\n\n");
        assert_eq!((calls.len(), unreadable.len()), (1, 0));
    }

    #[test]
    fn record_times_and_tags_are_read() {
        let mut times = Vec::new();
        read(fixture("envelopes.jsonl").as_bytes(), Some("team"), &mut |item| {
            if let Item::Call { call, .. } = item {
                times.push((call.time.map(|t| t.to_string()), call.tag));
            }
        })
        .unwrap();
        assert_eq!(times[2], (Some("2026-09-14T13:20:00Z".into()), Some("support".into())), "+02:00 read as UTC");
        assert_eq!(times[1].0.as_deref(), Some("2026-09-14T13:10:00Z"), "unix seconds");
        assert_eq!(times[8].0.as_deref(), Some("2026-09-14T14:30:00Z"), "no envelope time: the chat's created");
    }
}
