//! The threads a reading runs on: framing on one ([`Framer`]), reading the
//! values framed on [`WORKERS`] others, in batches, and assembly on the
//! caller's, which gets every value in the order it was framed. Reading a
//! value (a JSON parse) is most of the work and needs nothing of what came
//! before it; framing and assembly keep the state, each on one thread.
//!
//! Batch `k` goes to worker `k % WORKERS` and comes back from it, so the
//! caller, taking batches from the workers in turn, gets them in order. Every
//! channel is bounded: what is read ahead stays a few MB, however long the input.

use std::io::{self, BufRead};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::assemble::{Assembler, Piece, read_value};
use super::wire::Framing;

/// The threads that read values. More than the cores of a small machine: the
/// caller takes batches in order, and with only one per core it waits on a
/// slow batch while the next ones sit ready (on two cores, 1M records took
/// 1.14 s with two, 1.05 s with three, 0.98 s with four).
const WORKERS: usize = 4;
/// A batch is sent when it holds this many values, or this many bytes.
const BATCH_VALUES: usize = 512;
const BATCH_BYTES: usize = 256 << 10;
/// Batches that may wait for each thread.
const AHEAD: usize = 4;

/// Values framed, waiting to be read: their text, one after another.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    items: Vec<Framed>,
}

enum Framed {
    /// A JSON value, `text[start..end]` of its batch.
    Text {
        line: u64,
        framing: Framing,
        start: usize,
        end: usize,
    },
    Unreadable {
        line: u64,
        reason: String,
    },
    Done,
}

/// Where framing puts what it cuts: batches, sent to the workers in turn.
pub(super) struct Framer {
    batch: Batch,
    sent: usize,
    workers: Vec<SyncSender<Batch>>,
    /// The workers have stopped (the caller did): nothing more is sent.
    gone: bool,
}

impl Framer {
    /// A value at `line` that cannot be read, and why.
    pub(super) fn unreadable(&mut self, line: u64, reason: String) {
        self.push(Framed::Unreadable { line, reason });
    }

    /// A line of JSON Lines (blank lines are nothing).
    pub(super) fn line(&mut self, number: u64, text: &[u8]) {
        if !text.iter().all(u8::is_ascii_whitespace) {
            self.value(number, text, Framing::Line);
        }
    }

    /// The data of one event of an event stream.
    pub(super) fn event(&mut self, line: u64, data: &[u8]) {
        if data.trim_ascii() == b"[DONE]" {
            self.push(Framed::Done);
        } else if !data.is_empty() {
            self.value(line, data, Framing::Event);
        }
    }

    /// One JSON value (or what should be one).
    pub(super) fn value(&mut self, line: u64, text: &[u8], framing: Framing) {
        let start = self.batch.text.len();
        self.batch.text.extend_from_slice(text);
        self.push(Framed::Text { line, framing, start, end: self.batch.text.len() });
    }

    fn push(&mut self, item: Framed) {
        if self.gone {
            self.batch.text.clear();
            return;
        }
        self.batch.items.push(item);
        if self.batch.items.len() >= BATCH_VALUES || self.batch.text.len() >= BATCH_BYTES {
            self.send();
        }
    }

    /// A whole document, moved into a batch of its own rather than copied
    /// (it may be as long as [`super::MAX_LINE`]).
    pub(super) fn document(&mut self, line: u64, text: Vec<u8>, framing: Framing) {
        if !self.batch.items.is_empty() {
            self.send();
        }
        let end = text.len();
        self.batch = Batch { text, items: vec![Framed::Text { line, framing, start: 0, end }] };
        self.send();
    }

    fn send(&mut self) {
        let next =
            Batch { text: Vec::with_capacity(BATCH_BYTES + (64 << 10)), items: Vec::with_capacity(BATCH_VALUES) };
        let batch = std::mem::replace(&mut self.batch, next);
        // A worker that is gone has stopped because the caller did: nothing more
        // is wanted (framing still reads to the end, but keeps nothing).
        if self.workers[self.sent % WORKERS].send(batch).is_err() {
            self.gone = true;
        }
        self.sent += 1;
    }
}

/// Reads the values of one batch.
fn read_batch(batch: Batch, tag: Option<&str>) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(batch.items.len());
    for item in batch.items {
        match item {
            Framed::Text { line, framing, start, end } => {
                read_value(line, &batch.text[start..end], framing, tag, &mut pieces)
            }
            Framed::Unreadable { line, reason } => pieces.push(Piece::Unreadable { line, reason }),
            Framed::Done => pieces.push(Piece::Done),
        }
    }
    pieces
}

/// Frames `input` with `frame` on a thread of its own, reads the values on
/// the workers, and hands each to `assembler`, in order, on this thread.
pub(super) fn run<R: BufRead + Send>(
    input: R,
    tag: Option<&str>,
    assembler: &mut Assembler<'_>,
    frame: fn(R, &mut Framer) -> io::Result<()>,
) -> io::Result<()> {
    std::thread::scope(|scope| {
        let (to_workers, inputs): (Vec<_>, Vec<Receiver<Batch>>) = (0..WORKERS).map(|_| sync_channel(AHEAD)).unzip();
        let (outputs, from_workers): (Vec<_>, Vec<Receiver<Vec<Piece>>>) =
            (0..WORKERS).map(|_| sync_channel(AHEAD)).unzip();
        for (input, output) in inputs.into_iter().zip(outputs) {
            scope.spawn(move || {
                for batch in input {
                    // A closed channel means the caller stopped: stop too.
                    if output.send(read_batch(batch, tag)).is_err() {
                        return;
                    }
                }
            });
        }
        let framer = scope.spawn(move || {
            let mut framer = Framer { batch: Batch::default(), sent: 0, workers: to_workers, gone: false };
            let framed = frame(input, &mut framer);
            framer.send();
            framed
        });
        // Batch k comes from worker k % WORKERS; the first that never comes is the end
        // (or a worker's panic, which the scope raises again once every thread has stopped).
        for k in 0.. {
            let Ok(pieces) = from_workers[k % WORKERS].recv() else { break };
            for piece in pieces {
                assembler.put(piece);
            }
        }
        // Nothing more is taken: the workers' sends fail, and then the framer's.
        drop(from_workers);
        framer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::record::Read;

    #[test]
    fn what_is_read_on_other_threads_comes_back_whole_and_in_order() {
        let lines = BATCH_VALUES * 5 + 7;
        // Short and long lines: batches end by count and by size.
        let long = format!("not json {}\n", "x".repeat(BATCH_BYTES / 100));
        let text: String = (0..lines).map(|i| if i % 7 == 0 { long.as_str() } else { "not json\n" }).collect();
        let mut seen = Vec::new();
        let values = super::super::read(text.as_bytes(), None, &mut |item| {
            if let Read::Unreadable { line, .. } = item {
                seen.push(line);
            }
        })
        .unwrap();
        assert_eq!(values, lines as u64);
        assert_eq!(seen, (1..=lines as u64).collect::<Vec<_>>(), "every line once, in the order read");
    }
}
