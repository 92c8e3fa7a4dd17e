//! Assembly: the values framing cuts, read through the wire formats, become
//! records — one per body, one per stream, whose events are gathered until
//! the stream ends — or errors, or unreadable lines with their line and why.
//!
//! Every value read lands in exactly one place, so the report can account
//! for its input: in a record, in an error, unreadable, or a stream event
//! that carries no usage. A chat stream is told by its `id` (every value that
//! shares it belongs to it, whatever its `object`); an Anthropic stream runs
//! from `message_start` to `message_stop`; a Responses stream to its
//! `response.completed`; Gemini chunks are joined when they share a
//! `responseId`, or inside an event stream up to the chunk with a
//! `finishReason`. An error inside a stream makes the stream an error unless
//! it carries usage.

use serde_json::value::RawValue;

use super::fields::Doc;
use super::wire::{
    Anthropic, AnthropicUsage, Chunk, Framing, Gemini, Responses, Value, blank, classify, unreadable_value,
};
use crate::usage::record::{Kind, Read, Record};

/// The longest line, event or document read; a longer one is unreadable.
pub const MAX_LINE: usize = 64 << 20;

/// The stream open, if any, and what it has gathered.
enum Open {
    None,
    /// Chat or completion chunks sharing an id.
    Chunks {
        line: u64,
        id: String,
        kind: Kind,
        model: Option<String>,
        usage: Option<Record>,
        time: Option<crate::time::Time>,
    },
    /// An Anthropic message, from `message_start`.
    Anthropic {
        line: u64,
        base: Record,
        usage: AnthropicUsage,
    },
    /// A Responses stream, until its end.
    Responses {
        line: u64,
    },
    /// Gemini chunks of one response: the last one's counts.
    Gemini {
        line: u64,
        id: Option<String>,
        framing: Framing,
        record: Record,
        chunks: u32,
        finished: bool,
    },
}

/// A value read and classified, not yet assembled: reading it needs nothing
/// of what came before, so any thread may do it ([`read_value`]).
// Nearly every piece is a value: boxing it would allocate for each.
#[allow(clippy::large_enum_variant)]
pub(super) enum Piece {
    Value {
        line: u64,
        value: Value,
        framing: Framing,
    },
    Unreadable {
        line: u64,
        reason: String,
    },
    /// `data: [DONE]`: the open OpenAI stream ends.
    Done,
}

/// Reads one JSON value framed at `line` — an object (a record, an event, an
/// envelope), an array of them, or a saved gateway answer — into `out`.
pub(super) fn read_value(line: u64, text: &[u8], framing: Framing, tag: Option<&str>, out: &mut Vec<Piece>) {
    let text = text.trim_ascii();
    if text.starts_with(b"[") {
        return array(line, text, tag, out);
    }
    // Checked as UTF-8 once, whole, rather than string by string as it is read.
    let doc = match std::str::from_utf8(text) {
        Ok(text) => serde_json::from_str::<Doc<'_>>(text),
        Err(_) => serde_json::from_slice::<Doc<'_>>(text),
    };
    let value = match doc {
        Ok(doc) if doc.success.is_some() && framing == Framing::Line => return answer(line, text, &doc, tag, out),
        Ok(doc) => classify(doc, framing, tag),
        Err(e) if e.is_data() => Err(unreadable_value(text, &e)),
        Err(e) => Err(format!("not JSON: {e}")),
    };
    out.push(match value {
        Ok(value) => Piece::Value { line, value, framing },
        Err(reason) => Piece::Unreadable { line, reason },
    });
}

/// A saved gateway answer, `{success, message, data: {items, total}}` or
/// `{success, data: [...]}`: its items, each a value of its own. A saved
/// `success: false` is the server's refusal, never an empty log.
fn answer(line: u64, text: &[u8], doc: &Doc<'_>, tag: Option<&str>, out: &mut Vec<Piece>) {
    if doc.success == Some(false) {
        let message = doc.message.map_or_else(
            || "no message".to_owned(),
            |m| serde_json::from_str::<String>(m.get()).unwrap_or_else(|_| m.get().to_owned()),
        );
        let reason = format!("a saved answer that says success: false ({message})");
        return out.push(Piece::Unreadable { line, reason });
    }
    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        items: Option<&'a RawValue>,
    }
    let items = match doc.data {
        Some(data) if data.get().starts_with('[') => Some(data),
        Some(data) => serde_json::from_str::<Page<'_>>(data.get()).ok().and_then(|p| p.items),
        None => None,
    };
    let Some(items) = items.filter(|i| i.get() != "[]") else {
        if items.is_none() {
            let reason = "a saved answer without a list of items in `data`".into();
            out.push(Piece::Unreadable { line, reason });
        }
        return;
    };
    let offset = items.get().as_ptr() as usize - text.as_ptr() as usize;
    let at = line + memchr::memchr_iter(b'\n', &text[..offset]).count() as u64;
    array(at, items.get().as_bytes(), tag, out);
}

/// A JSON array: each element a value of its own, on its own line.
fn array(line: u64, text: &[u8], tag: Option<&str>, out: &mut Vec<Piece>) {
    let items = match serde_json::from_slice::<Vec<&RawValue>>(text) {
        Ok(items) if !items.is_empty() && items.iter().all(|i| i.get().starts_with('{')) => items,
        Ok(_) => {
            return out.push(Piece::Unreadable { line, reason: "a list, but not of records (JSON objects)".into() });
        }
        Err(e) => return out.push(Piece::Unreadable { line, reason: format!("not JSON records: {e}") }),
    };
    // Each item's line, counted on from the one before (not from the start).
    let (mut at, mut seen) = (line, 0);
    for item in items {
        let offset = item.get().as_ptr() as usize - text.as_ptr() as usize;
        at += memchr::memchr_iter(b'\n', &text[seen..offset]).count() as u64;
        seen = offset;
        read_value(at, item.get().as_bytes(), Framing::Line, tag, out);
    }
}

/// Turns the values read, in the order they were framed, into records,
/// assembling streams across events.
pub(super) struct Assembler<'e> {
    open: Open,
    /// The values that make up the open stream and carry its usage.
    held: u64,
    /// The first error seen inside the open stream.
    error: Option<String>,
    /// Every value read so far (lines, events, array elements, documents).
    pub(super) values: u64,
    each: &'e mut dyn FnMut(Read),
}

impl<'e> Assembler<'e> {
    pub(super) fn new(each: &'e mut dyn FnMut(Read)) -> Assembler<'e> {
        Assembler { open: Open::None, held: 0, error: None, values: 0, each }
    }

    /// The next value read, in the order the values were framed.
    pub(super) fn put(&mut self, piece: Piece) {
        self.values += 1;
        match piece {
            Piece::Value { line, value, framing } => self.take(line, value, framing),
            Piece::Unreadable { line, reason } => (self.each)(Read::Unreadable { line, reason, values: 1 }),
            Piece::Done => {
                (self.each)(Read::Events(1));
                self.close();
            }
        }
    }

    /// What one classified value does: a body is a record (or belongs to the
    /// open stream with its id), an event moves a stream along.
    fn take(&mut self, line: u64, value: Value, framing: Framing) {
        match value {
            Value::Quiet => (self.each)(Read::Events(1)),
            Value::Error { kind } => self.error(line, kind),
            Value::NotARecord(reason) => {
                self.close();
                (self.each)(Read::Unreadable { line, reason, values: 1 });
            }
            Value::Body { id, records } => self.body(line, id, records),
            Value::Skipped { log_type } => {
                self.close();
                (self.each)(Read::Skipped { line, log_type, values: 1 });
            }
            Value::Chunk(chunk) => self.chunk(line, chunk),
            Value::Anthropic(event) => self.anthropic(line, event),
            Value::Responses(event) => self.responses(line, event),
            Value::Gemini(gemini) => self.gemini(line, gemini, framing),
        }
    }

    /// An error: the open stream's, or one of its own.
    fn error(&mut self, line: u64, kind: String) {
        if matches!(self.open, Open::None) {
            (self.each)(Read::Error { line, kind, values: 1 });
        } else {
            self.held += 1;
            self.error.get_or_insert(kind);
        }
    }

    fn body(&mut self, line: u64, id: Option<String>, records: Vec<Record>) {
        if let (Open::Chunks { id: open, usage, .. }, Some(id)) = (&mut self.open, &id)
            && open == id
        {
            // A body with the stream's id (Perplexity's `chat.completion.done`)
            // repeats its usage: the last usage block counts, never a sum.
            if let Some(record) = records.into_iter().next() {
                *usage = Some(record);
                self.held += 1;
            } else {
                (self.each)(Read::Events(1));
            }
            return;
        }
        self.close();
        if records.is_empty() {
            return (self.each)(Read::Events(1));
        }
        self.emit(line, records, 1);
    }

    fn chunk(&mut self, line: u64, c: Chunk) {
        let same = matches!(&self.open, Open::Chunks { id, .. } if *id == c.id && !id.is_empty());
        if !same {
            self.close();
            self.open =
                Open::Chunks { line, id: c.id, kind: c.kind, model: c.model.clone(), usage: None, time: c.time };
        }
        let Open::Chunks { model, usage, time, .. } = &mut self.open else { unreachable!("a chunk stream is open") };
        if model.is_none() {
            *model = c.model;
        }
        if time.is_none() {
            *time = c.time;
        }
        match c.usage {
            Some(u) => {
                *usage = Some(u);
                self.held += 1;
            }
            None => (self.each)(Read::Events(1)),
        }
    }

    fn anthropic(&mut self, line: u64, event: Anthropic) {
        match event {
            Anthropic::Start { model, time, usage } => {
                self.close();
                let mut base = blank(Kind::AnthropicStream, model.as_deref());
                base.time = time;
                self.open = Open::Anthropic { line, base, usage };
                self.held += 1;
            }
            Anthropic::Delta { usage: later } => match &mut self.open {
                Open::Anthropic { usage, .. } => {
                    usage.update(later);
                    self.held += 1;
                }
                _ => {
                    self.close();
                    let reason = "a message_delta outside an Anthropic stream (no message_start)".into();
                    (self.each)(Read::Unreadable { line, reason, values: 1 });
                }
            },
            Anthropic::Stop => match std::mem::replace(&mut self.open, Open::None) {
                Open::Anthropic { line: start, base, usage } => {
                    let held = std::mem::take(&mut self.held) + 1;
                    match (usage.records(&base), self.error.take()) {
                        (Ok(records), _) => self.emit(start, records, held),
                        (Err(why), _) => (self.each)(Read::Unreadable { line: start, reason: why, values: held }),
                    }
                }
                other => {
                    self.open = other;
                    (self.each)(Read::Events(1));
                }
            },
        }
    }

    fn responses(&mut self, line: u64, event: Responses) {
        match event {
            // A stream runs from its first event to its end, whatever ids the
            // events carry (a gateway may rotate them); `response.created` starts a new one.
            Responses::Progress { created } => {
                if created || !matches!(self.open, Open::Responses { .. }) {
                    self.close();
                    self.open = Open::Responses { line };
                }
                (self.each)(Read::Events(1));
            }
            Responses::End { record, failed } => {
                let start = match std::mem::replace(&mut self.open, Open::None) {
                    Open::Responses { line } => line,
                    other => {
                        self.open = other;
                        self.close();
                        line
                    }
                };
                let held = std::mem::take(&mut self.held) + 1;
                let error = self.error.take();
                match (record, error.or(failed)) {
                    (Some(record), _) => self.emit(start, vec![record], held),
                    (None, Some(kind)) => (self.each)(Read::Error { line: start, kind, values: held }),
                    (None, None) => {
                        let reason = "a Responses stream whose response.completed carries no usage".into();
                        (self.each)(Read::Unreadable { line: start, reason, values: held });
                    }
                }
            }
        }
    }

    fn gemini(&mut self, line: u64, g: Gemini, framing: Framing) {
        let joins = match &self.open {
            Open::Gemini { id: Some(open), .. } => g.response_id.as_ref() == Some(open),
            // Inside an event stream, chunks without a responseId run up to the one with a finishReason.
            Open::Gemini { id: None, framing: Framing::Event, finished: false, .. } => {
                g.response_id.is_none() && framing == Framing::Event
            }
            _ => false,
        };
        if !joins {
            self.close();
        }
        match &mut self.open {
            Open::Gemini { record, chunks, finished, .. } if joins => {
                *chunks += 1;
                *finished = g.finished;
                *record = Record { kind: Kind::GeminiStream, ..g.record };
            }
            _ => {
                self.open = Open::Gemini {
                    line,
                    id: g.response_id,
                    framing,
                    record: g.record,
                    chunks: 1,
                    finished: g.finished,
                };
            }
        }
        self.held += 1;
        if g.finished && framing == Framing::Event {
            self.close();
        }
    }

    /// Ends the open stream, if any: its record, its error, or why it has none.
    pub(super) fn close(&mut self) {
        let held = std::mem::take(&mut self.held);
        let error = self.error.take();
        let (line, outcome): (u64, Result<Vec<Record>, String>) = match std::mem::replace(&mut self.open, Open::None) {
            Open::None => return,
            Open::Chunks { line, model, usage: Some(mut record), time, kind, .. } => {
                record.kind = kind;
                record.model = record.model.or(model);
                record.time = record.time.or(time);
                (line, Ok(vec![record]))
            }
            Open::Chunks { line, kind, .. } => (
                line,
                Err(match kind {
                    Kind::CompletionStream => "a completion stream without a usage chunk".into(),
                    _ => "a chat stream without a usage chunk (the request needs stream_options.include_usage)".into(),
                }),
            ),
            Open::Anthropic { line, .. } => (line, Err("an Anthropic stream cut before its message_stop".into())),
            Open::Responses { line, .. } => {
                (line, Err("a Responses stream that ended without response.completed".into()))
            }
            Open::Gemini { line, framing: Framing::Event, chunks, finished: false, .. } if chunks > 1 => (
                line,
                Err("a Gemini stream cut before its last chunk (the one with a finishReason holds the totals)".into()),
            ),
            Open::Gemini { line, record, .. } => (line, Ok(vec![record])),
        };
        match (outcome, error) {
            (Ok(records), _) => self.emit(line, records, held),
            (Err(_), Some(kind)) => (self.each)(Read::Error { line, kind, values: held }),
            (Err(reason), None) => (self.each)(Read::Unreadable { line, reason, values: held }),
        }
    }

    /// Records read at `line` from `values` values: the first carries them,
    /// any others (an advisor iteration's, a page of aggregates) share them.
    fn emit(&mut self, line: u64, records: Vec<Record>, values: u64) {
        for (i, record) in records.into_iter().enumerate() {
            (self.each)(Read::Record { line, record, values: if i == 0 { values } else { 0 } });
        }
    }
}
