//! Assembly: the values framing cuts, read through the wire formats, become
//! records — one per body, and one per stream, whose events are gathered
//! until the stream ends. What cannot be read is said with its line and why.

use serde_json::value::RawValue;

use super::wire::{Doc, StreamEvent, blank, event_of, record, sum, time_of, unreadable_value};
use crate::usage::record::{Kind, Read, Record};

/// The longest line, event or document read; a longer one is unreadable.
pub const MAX_LINE: usize = 64 << 20;

/// Where a stream is: the one open, if any, and what it has gathered.
enum Open {
    None,
    /// OpenAI chat chunks sharing an id; the usage chunk, once it came.
    Chat {
        line: u64,
        id: String,
        call: Option<Record>,
    },
    /// An Anthropic stream: the counts so far (message_start, overridden by message_delta).
    Anthropic {
        line: u64,
        call: Record,
        usage: AnthropicUsage,
        /// Whether a message_delta (which carries the final output count) came.
        delta: bool,
    },
    /// Gemini chunks sharing a responseId; the last chunk's counts.
    Gemini {
        line: u64,
        id: Option<String>,
        call: Record,
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

/// Turns the values framing cuts into records, assembling streams across events.
pub(super) struct Assembler<'e> {
    open: Open,
    tag: Option<String>,
    each: &'e mut dyn FnMut(Read),
}

impl<'e> Assembler<'e> {
    pub(super) fn new(tag: Option<&str>, each: &'e mut dyn FnMut(Read)) -> Assembler<'e> {
        Assembler { open: Open::None, tag: tag.map(str::to_owned), each }
    }

    pub(super) fn unreadable(&mut self, line: u64, reason: String) {
        (self.each)(Read::Unreadable { line, reason });
    }

    fn call(&mut self, line: u64, record: Record) {
        (self.each)(Read::Record { line, record });
    }

    /// A line of a JSON Lines file (blank lines are nothing).
    pub(super) fn line(&mut self, number: u64, fits: bool, text: &[u8]) {
        if !fits {
            return self.unreadable(number, format!("the line is longer than {} MiB", MAX_LINE >> 20));
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.value(number, text);
    }

    /// The data of one event of an SSE stream.
    pub(super) fn event(&mut self, line: u64, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if data.trim_ascii() == b"[DONE]" {
            return self.close();
        }
        self.value(line, data);
    }

    /// One JSON value: an object (a record, an event, an envelope) or an array of them.
    pub(super) fn value(&mut self, line: u64, text: &[u8]) {
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
                match record(doc, None, self.tag.as_deref()) {
                    Ok(call) => self.call(line, call),
                    Err(reason) => self.unreadable(line, reason),
                }
            }
        }
    }

    /// One event of a stream.
    fn stream(&mut self, line: u64, event: StreamEvent, doc: Doc<'_>) {
        match event {
            StreamEvent::ChatChunk => {
                let id = doc.id.as_deref().unwrap_or_default().to_owned();
                if !matches!(&self.open, Open::Chat { id: open, .. } if *open == id) {
                    self.close();
                    self.open = Open::Chat { line, id, call: None };
                }
                if doc.usage.is_some() {
                    let call = record(doc, Some(Kind::ChatStream), self.tag.as_deref()).ok();
                    if let Open::Chat { call: slot, .. } = &mut self.open {
                        *slot = call;
                    }
                }
            }
            StreamEvent::AnthropicStart => {
                self.close();
                let message = doc.message.as_deref();
                let usage = message.and_then(|m| m.usage).unwrap_or_default();
                let mut call = blank(Kind::AnthropicStream, message.and_then(|m| m.model.as_deref()));
                call.time = time_of(&doc).ok().flatten();
                let usage = AnthropicUsage {
                    input: usage.input_tokens.unwrap_or(0),
                    cache_creation: usage.cache_creation_input_tokens.unwrap_or(0),
                    cache_read: usage.cache_read_input_tokens.unwrap_or(0),
                    output: usage.output_tokens.unwrap_or(0),
                };
                self.open = Open::Anthropic { line, call, usage, delta: false };
            }
            StreamEvent::AnthropicDelta => match (&mut self.open, doc.usage) {
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
            StreamEvent::AnthropicStop => {
                if matches!(self.open, Open::Anthropic { .. }) {
                    self.close();
                }
            }
            StreamEvent::Ignore => {}
            StreamEvent::ResponsesProgress => {
                if !matches!(self.open, Open::Responses { .. }) {
                    self.close();
                    self.open = Open::Responses { line };
                }
            }
            StreamEvent::ResponsesDone => {
                let start = match self.open {
                    Open::Responses { line } => line,
                    _ => line,
                };
                self.open = Open::None;
                let response = doc.response.map(|r| *r).unwrap_or_default();
                match record(response, Some(Kind::ResponsesStream), self.tag.as_deref()) {
                    Ok(call) => self.call(start, call),
                    Err(reason) => self.unreadable(start, reason),
                }
            }
            StreamEvent::GeminiChunk { last } => {
                let id = doc.response_id.as_deref().map(str::to_owned);
                if !matches!(&self.open, Open::Gemini { id: open, .. } if *open == id) {
                    self.close();
                    let call = blank(Kind::Gemini, None);
                    self.open = Open::Gemini { line, id, call, chunks: 0, finished: false };
                }
                // Every chunk repeats the counts so far: the last one holds the totals.
                let read = record(doc, None, self.tag.as_deref());
                if let (Open::Gemini { call, chunks, finished, .. }, Ok(read)) = (&mut self.open, read) {
                    *chunks += 1;
                    *finished = last;
                    *call = Record { kind: if *chunks > 1 { Kind::GeminiStream } else { Kind::Gemini }, ..read };
                }
                if last {
                    self.close();
                }
            }
        }
    }

    /// Ends the open stream, if any: its call, or why it has none.
    pub(super) fn close(&mut self) {
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
}
