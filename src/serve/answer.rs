//! What a command writes for the API, as the response's body: gathered whole
//! up to [`WHOLE_ANSWER`] (so that the status and `X-Cometcat-Exit` say how
//! the command ended), streamed past it in pieces as the command writes them.
//! Every piece is held against the [`ByteBudget`] until it is written out; a
//! streamed answer waits for its reader (up to the write timeout, which
//! closes the connection) without holding more than a few pieces.

use std::io;
use std::time::Instant;

use axum::body::{Body, Bytes};
use tokio::sync::{mpsc, oneshot};

use super::budget::{ByteBudget, full};
use super::error::HttpError;
use super::limits::WHOLE_ANSWER;
use crate::error::Exit;

/// The size of a piece: small enough to come from the heap, not a fresh mapping.
const PIECE: usize = 64 << 10;

/// The pieces of a streamed answer waiting between the command and the socket.
const QUEUED: usize = 4;

/// How the command's answer starts.
pub enum Head {
    /// The command ended having written at most [`WHOLE_ANSWER`]: all of it,
    /// and its exit code.
    Whole(Vec<Bytes>, Exit),
    /// The command is still writing: what it wrote so far, then `rest`.
    Streamed(Vec<Bytes>, mpsc::Receiver<io::Result<Bytes>>),
    /// The command failed before its answer started.
    Failed(HttpError),
}

/// The body of an answer that starts with `first` and goes on with `rest`.
pub fn body(first: Vec<Bytes>, rest: Option<mpsc::Receiver<io::Result<Bytes>>>) -> Body {
    let first = futures_util::stream::iter(first.into_iter().map(Ok::<_, io::Error>));
    let rest = futures_util::stream::unfold(rest, |rest| async move {
        let mut rest = rest?;
        let next = rest.recv().await?;
        Some((next, Some(rest)))
    });
    Body::from_stream(futures_util::StreamExt::chain(first, rest))
}

/// [`body`] for a streamed answer that is also kept: once it has ended whole,
/// every piece goes to `keep`, unless together they came to more than `most` bytes.
pub fn kept_body(
    first: Vec<Bytes>,
    rest: mpsc::Receiver<io::Result<Bytes>>,
    most: usize,
    keep: impl FnOnce(Vec<Bytes>) + Send + 'static,
) -> Body {
    struct Tee<F> {
        rest: mpsc::Receiver<io::Result<Bytes>>,
        /// The pieces so far, while they are still to be kept.
        kept: Option<(Vec<Bytes>, usize)>,
        keep: Option<F>,
    }
    let size = first.iter().map(Bytes::len).sum();
    let tee = Tee { rest, kept: Some((first.clone(), size)), keep: Some(keep) };
    let first = futures_util::stream::iter(first.into_iter().map(Ok::<_, io::Error>));
    let rest = futures_util::stream::unfold(tee, move |mut tee| async move {
        match tee.rest.recv().await {
            Some(Ok(piece)) => {
                if let Some((pieces, size)) = &mut tee.kept {
                    *size += piece.len();
                    pieces.push(piece.clone());
                    if *size > most {
                        tee.kept = None;
                    }
                }
                Some((Ok(piece), tee))
            }
            Some(Err(e)) => {
                tee.kept = None;
                Some((Err(e), tee))
            }
            None => {
                if let (Some((pieces, _)), Some(keep)) = (tee.kept.take(), tee.keep.take()) {
                    keep(pieces);
                }
                None
            }
        }
    });
    Body::from_stream(futures_util::StreamExt::chain(first, rest))
}

/// The writer a command writes its answer to, on a blocking thread.
pub struct AnswerWriter {
    budget: ByteBudget,
    current: Vec<u8>,
    /// Until the answer starts: the pieces gathered, their size, and where the head goes.
    gathering: Option<(Vec<Bytes>, usize, oneshot::Sender<Head>)>,
    rest: mpsc::Sender<io::Result<Bytes>>,
    /// Until the answer starts, the receiving end of `rest`.
    receiver: Option<mpsc::Receiver<io::Result<Bytes>>>,
    /// Why a write failed (the command's own error may not say).
    failure: Option<HttpError>,
    /// Once streamed: its place among the long answers streamed at once.
    _stream: Option<tokio::sync::OwnedSemaphorePermit>,
    runtime: tokio::runtime::Handle,
}

impl AnswerWriter {
    /// A writer, and where its head arrives. Call on the runtime.
    pub fn new(budget: ByteBudget) -> (AnswerWriter, oneshot::Receiver<Head>) {
        let (head, head_rx) = oneshot::channel();
        let (rest, receiver) = mpsc::channel(QUEUED);
        let answer = AnswerWriter {
            budget,
            current: Vec::new(),
            gathering: Some((Vec::new(), 0, head)),
            rest,
            receiver: Some(receiver),
            failure: None,
            _stream: None,
            runtime: tokio::runtime::Handle::current(),
        };
        (answer, head_rx)
    }

    /// Ends the answer with the command's outcome: its head if it has not
    /// started yet, else its end (a failure cuts it short, so that no client
    /// takes it for whole).
    pub fn finish(mut self, outcome: anyhow::Result<Exit>) {
        let outcome = outcome.and_then(|exit| self.ship().map(|()| exit).map_err(anyhow::Error::from));
        match (self.gathering.take(), outcome) {
            (Some((pieces, _, head)), Ok(exit)) => {
                let _ = head.send(Head::Whole(pieces, exit));
            }
            (Some((_, _, head)), Err(e)) => {
                let _ = head.send(Head::Failed(self.failure.take().unwrap_or_else(|| e.into())));
            }
            (None, Ok(_)) => {}
            (None, Err(e)) => {
                let _ = self.rest.blocking_send(Err(io::Error::other(format!("the answer stopped: {e:#}"))));
            }
        }
    }

    /// A failure of this writer, kept to be said instead of the command's error.
    fn fail(&mut self, why: HttpError) -> io::Error {
        let message = why.message();
        self.failure = Some(why);
        io::Error::other(message)
    }

    /// Sends the piece being filled on its way.
    fn ship(&mut self) -> io::Result<()> {
        if self.current.is_empty() {
            return Ok(());
        }
        let mut piece = std::mem::replace(&mut self.current, Vec::with_capacity(PIECE));
        if piece.len() < piece.capacity() / 2 {
            // The last, short piece of an answer: held as long as the answer is.
            piece.shrink_to_fit();
        }
        if let Some((pieces, size, _)) = &mut self.gathering {
            let held = match self.budget.try_hold(piece) {
                Ok(held) => held,
                Err(_) => return Err(self.fail(HttpError::Busy(full(self.budget.total())))),
            };
            *size += held.len();
            pieces.push(held);
            if *size > WHOLE_ANSWER {
                self.start()?;
            }
            return Ok(());
        }
        // The time spent waiting for the reader (or for room) is not the query's.
        let waited = Instant::now();
        let (budget, rest) = (&self.budget, &self.rest);
        let sent = self.runtime.block_on(async {
            let held = tokio::select! {
                held = budget.hold(piece) => held.ok_or(())?,
                () = rest.closed() => return Err(()),
            };
            rest.send(Ok(held)).await.map_err(drop)
        });
        crate::store::postpone(waited.elapsed());
        sent.map_err(|()| io::Error::new(io::ErrorKind::BrokenPipe, "the client is gone"))
    }

    /// Starts the answer with what is gathered; the rest is streamed, if
    /// another long answer may be.
    fn start(&mut self) -> io::Result<()> {
        match self.budget.stream() {
            Ok(stream) => self._stream = Some(stream),
            Err(why) => return Err(self.fail(HttpError::Busy(why))),
        }
        let (Some((pieces, _, head)), Some(receiver)) = (self.gathering.take(), self.receiver.take()) else {
            return Ok(());
        };
        head.send(Head::Streamed(pieces, receiver))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "nobody waits for the answer"))
    }
}

impl io::Write for AnswerWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.current.len() + buf.len() > PIECE && !self.current.is_empty() {
            self.ship()?;
        }
        if self.current.capacity() == 0 {
            self.current.reserve(PIECE.max(buf.len()));
        }
        self.current.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
