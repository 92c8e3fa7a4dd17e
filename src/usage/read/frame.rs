//! Framing: how a file's bytes are cut into the values the assembler reads —
//! one JSON document (an array, or a pretty-printed object), or lines: JSON
//! Lines (a value each) and Server-Sent-Event streams (`data:` lines, events
//! separated by blank lines), which may stand in one file, each read by its
//! own framing. Lines are read where they lie in the reader's buffer; a line
//! longer than [`MAX_LINE`] is unreadable, never held.

use std::io::{self, BufRead, Read};

use serde::de::IgnoredAny;

use super::assemble::MAX_LINE;
use super::pipeline::Framer;
use super::wire::Framing;

/// Frames all of `input`, told apart by its first byte: an array is one
/// document, an object starts lines or one pretty-printed document, anything
/// else is lines (an event stream, if it starts like one).
pub(super) fn all<R: BufRead>(mut input: R, streams: &mut Framer) -> io::Result<()> {
    match first_byte(&mut input)? {
        None => Ok(()),
        Some(b'[') => document(&mut input, streams),
        Some(b'{') => objects(&mut input, streams),
        Some(_) => {
            let sse = is_event_stream(input.fill_buf()?);
            lines(&mut input, sse, streams)
        }
    }
}

/// The first byte that is not white space (a byte-order mark skipped).
pub(super) fn first_byte(input: &mut impl BufRead) -> io::Result<Option<u8>> {
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
pub(super) fn is_event_stream(start: &[u8]) -> bool {
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
pub(super) fn objects(input: &mut impl BufRead, streams: &mut Framer) -> io::Result<()> {
    let mut line = Vec::new();
    let Some(fits) = next_line(input, &mut line)? else { return Ok(()) };
    if fits && serde_json::from_slice::<IgnoredAny>(&line).is_err() {
        // Not a line of its own: one document. Read it whole.
        let mut text = std::mem::take(&mut line);
        text.push(b'\n');
        input.take(MAX_LINE as u64).read_to_end(&mut text)?;
        return match serde_json::from_slice::<IgnoredAny>(&text) {
            Ok(_) => {
                streams.document(1, text, Framing::Line);
                Ok(())
            }
            // Neither lines nor a document: read it as lines, each said unreadable or read.
            Err(_) => lines(io::Cursor::new(text), false, streams),
        };
    }
    let mut events = Events::new(false);
    events.line(streams, 1, fits, &line);
    each_line(input, 1, &mut |number, fits, line| events.line(streams, number, fits, line))?;
    events.end(streams);
    Ok(())
}

/// Lines: JSON Lines and event streams, each read by its own framing. `sse`
/// says the file started as an event stream (which words an unreadable line).
pub(super) fn lines(mut input: impl BufRead, sse: bool, streams: &mut Framer) -> io::Result<()> {
    let mut events = Events::new(sse);
    each_line(&mut input, 0, &mut |number, fits, line| events.line(streams, number, fits, line))?;
    events.end(streams);
    Ok(())
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
pub(super) fn document(input: &mut impl BufRead, streams: &mut Framer) -> io::Result<()> {
    let mut text = Vec::new();
    input.take(MAX_LINE as u64 + 1).read_to_end(&mut text)?;
    if text.len() > MAX_LINE {
        streams.unreadable(1, format!("the document is longer than {} MiB", MAX_LINE >> 20));
        return Ok(());
    }
    // One JSON value, or JSON Lines whose first line is a list.
    if serde_json::from_slice::<IgnoredAny>(&text).is_err() && text.contains(&b'\n') {
        return lines(io::Cursor::new(text), false, streams);
    }
    streams.document(1, text, Framing::Line);
    Ok(())
}

/// Lines as they come: a `data:` line adds to the event being read (a blank
/// line ends it; `event:`, `id:`, `retry:` and comments are read past), and
/// any other line is a line of JSON Lines. `data: [DONE]` ends an OpenAI
/// stream.
struct Events {
    data: Vec<u8>,
    started: u64,
    /// The file started as an event stream.
    sse: bool,
    /// Where the event's data stands, so that it is read whole only when it may be.
    scan: Scan,
    /// The event grew past [`MAX_LINE`]: its `data:` lines are read past, and
    /// only counted, until its value closes or the event ends.
    too_long: bool,
}

/// Brackets and strings in the data of an event so far, counted as it grows
/// (in one pass, however many lines it has): the data can be a whole JSON
/// value only with something in it and every bracket and string closed, and
/// never once it has failed to read for any reason but its end.
#[derive(Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    escaped: bool,
    broken: bool,
    /// Where the data's first byte that is not whitespace is, and where the
    /// last one ends (within a string, roughly: then the data is no `[DONE]`).
    content: Option<(usize, usize)>,
}

impl Scan {
    /// Counts `bytes`, which sit at `at` in the data.
    fn add(&mut self, at: usize, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if std::mem::take(&mut self.escaped) {
                    i += 1;
                    continue;
                }
                // Most of an event is text in strings: jump to its next quote or backslash.
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    Some(found) => {
                        i += found;
                        self.escaped = bytes[i] == b'\\';
                        self.in_string = bytes[i] != b'"';
                    }
                    None => {
                        self.mark(at + bytes.len() - 1);
                        return;
                    }
                }
            } else {
                match bytes[i] {
                    b'"' => self.in_string = true,
                    b'[' | b'{' => self.depth += 1,
                    b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
            }
            if !bytes[i].is_ascii_whitespace() {
                self.mark(at + i);
            }
            i += 1;
        }
    }

    fn mark(&mut self, at: usize) {
        self.content = Some((self.content.map_or(at, |(first, _)| first), at + 1));
    }

    /// Whether the value begun is closed: something in it, every bracket and string closed.
    fn closed(&self) -> bool {
        self.content.is_some() && self.depth == 0 && !self.in_string
    }

    /// Whether `data`, scanned so far, is `[DONE]` (whitespace around it aside).
    fn done(&self, data: &[u8]) -> bool {
        matches!(self.content, Some((first, end)) if data.get(first..end) == Some(b"[DONE]"))
    }

    /// Whether `data`, scanned so far, is a whole JSON value.
    fn whole(&mut self, data: &[u8]) -> bool {
        if self.broken || !self.closed() {
            return false;
        }
        match serde_json::from_slice::<IgnoredAny>(data) {
            Ok(_) => true,
            Err(e) => {
                self.broken = !e.is_eof();
                false
            }
        }
    }
}

impl Events {
    fn new(sse: bool) -> Events {
        Events { data: Vec::new(), started: 0, sse, scan: Scan::default(), too_long: false }
    }

    fn line(&mut self, streams: &mut Framer, number: u64, fits: bool, line: &[u8]) {
        if !fits {
            self.end(streams);
            return streams.unreadable(number, format!("the line is longer than {} MiB", MAX_LINE >> 20));
        }
        // A lone CR ends a line too.
        if memchr::memchr(b'\r', line).is_none() {
            return self.part(streams, number, line);
        }
        for line in line.split(|&b| b == b'\r') {
            self.part(streams, number, line);
        }
    }

    /// One line, or a part of one that a lone CR ended.
    fn part(&mut self, streams: &mut Framer, number: u64, line: &[u8]) {
        if line.iter().all(u8::is_ascii_whitespace) {
            self.end(streams);
        } else if let Some(value) = line.strip_prefix(b"data:") {
            self.data_line(streams, number, value.strip_prefix(b" ").unwrap_or(value));
        } else if [&b"event:"[..], b"id:", b"retry:", b":"].iter().any(|p| line.starts_with(p)) {
            // Fields of an event that cometcat does not need.
        } else if self.sse && !line.trim_ascii_start().starts_with(b"{") {
            self.end(streams);
            streams.unreadable(number, "not a line of an event stream (data:, event:, id:)".into());
        } else {
            self.end(streams);
            streams.line(number, line);
        }
    }

    fn data_line(&mut self, streams: &mut Framer, number: u64, value: &[u8]) {
        if self.too_long {
            if !self.scan.closed() {
                self.scan.add(0, b"\n");
                self.scan.add(0, value);
                return;
            }
            // Its value closed: as after a whole event, this line begins the next one.
            self.end(streams);
        }
        if !self.data.is_empty() && (self.scan.done(&self.data) || self.scan.whole(&self.data)) {
            // A whole event already, and no blank line after it: saved
            // `data:` lines one after another are events each.
            self.end(streams);
        }
        if self.data.len() + value.len() >= MAX_LINE {
            streams.unreadable(
                if self.data.is_empty() { number } else { self.started },
                format!("the event is longer than {} MiB", MAX_LINE >> 20),
            );
            // Its data is let go, its brackets still counted.
            self.data.clear();
            self.scan.add(0, b"\n");
            self.scan.add(0, value);
            self.too_long = true;
            return;
        }
        if self.data.is_empty() {
            self.started = number;
        } else {
            self.data.push(b'\n');
            self.scan.add(self.data.len() - 1, b"\n");
        }
        self.scan.add(self.data.len(), value);
        self.data.extend_from_slice(value);
    }

    /// Ends the event being read, if any.
    fn end(&mut self, streams: &mut Framer) {
        if !self.data.is_empty() {
            streams.event(self.started, &self.data);
            self.data.clear();
        }
        self.scan = Scan::default();
        self.too_long = false;
    }
}
