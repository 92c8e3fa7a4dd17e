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

/// Where a streamed answer is kept as it goes: room for its bytes is asked
/// for piece by piece (the copy is the keeper's memory, never the budget's),
/// and given back if the answer is not kept after all.
pub trait Keeper: Send + 'static {
    /// Room for `bytes` more; `false` when there is none.
    fn reserve(&self, bytes: usize) -> bool;
    fn release(&self, bytes: usize);
    /// The whole answer, and the room reserved for it (now the keeper's).
    fn keep(&self, body: Bytes, reserved: usize);
}

/// [`body`] for a streamed answer that is also copied to `keeper`: once it has
/// ended whole (a failure ends it with an error), all of it is kept.
pub fn kept_body(first: Vec<Bytes>, rest: mpsc::Receiver<io::Result<Bytes>>, keeper: impl Keeper) -> Body {
    struct Tee<K: Keeper> {
        rest: mpsc::Receiver<io::Result<Bytes>>,
        /// The copy so far, while the answer is still to be kept.
        copy: Option<Vec<u8>>,
        reserved: usize,
        keeper: K,
    }
    impl<K: Keeper> Tee<K> {
        fn add(&mut self, piece: &[u8]) {
            let Some(copy) = &mut self.copy else { return };
            if self.keeper.reserve(piece.len()) {
                copy.extend_from_slice(piece);
                self.reserved += piece.len();
            } else {
                self.drop_copy();
            }
        }
        fn drop_copy(&mut self) {
            self.copy = None;
            self.keeper.release(std::mem::take(&mut self.reserved));
        }
    }
    impl<K: Keeper> Drop for Tee<K> {
        /// A reader gone before the end: nothing kept, the room given back.
        fn drop(&mut self) {
            self.keeper.release(std::mem::take(&mut self.reserved));
        }
    }
    let mut tee = Tee { rest, copy: Some(Vec::new()), reserved: 0, keeper };
    for piece in &first {
        tee.add(piece);
    }
    let first = futures_util::stream::iter(first.into_iter().map(Ok::<_, io::Error>));
    let rest = futures_util::stream::unfold(tee, |mut tee| async move {
        match tee.rest.recv().await {
            Some(Ok(piece)) => {
                tee.add(&piece);
                Some((Ok(piece), tee))
            }
            Some(Err(e)) => {
                tee.drop_copy();
                Some((Err(e), tee))
            }
            None => {
                if let Some(copy) = tee.copy.take() {
                    tee.keeper.keep(Bytes::from(copy), std::mem::take(&mut tee.reserved));
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
    /// [`AnswerWriter::finish`] ran: the command ended, well or not.
    finished: bool,
}

impl Drop for AnswerWriter {
    /// A writer dropped unfinished (its command panicked) cuts a streamed
    /// answer short with an error, so that no client (and no cache) takes
    /// it for whole. An answer not started yet is told by its head never coming.
    fn drop(&mut self) {
        if !self.finished && self.gathering.is_none() {
            let _ = self.rest.blocking_send(Err(io::Error::other("the answer stopped: the command failed")));
        }
    }
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
            finished: false,
        };
        (answer, head_rx)
    }

    /// Ends the answer with the command's outcome: its head if it has not
    /// started yet, else its end (a failure cuts it short, so that no client
    /// takes it for whole).
    pub fn finish(mut self, outcome: anyhow::Result<Exit>) {
        self.finished = true;
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A keeper with room for `room` bytes, that records what it is given.
    #[derive(Clone, Default)]
    struct Record {
        room: usize,
        state: Arc<Mutex<(usize, Option<Bytes>)>>,
    }

    impl Keeper for Record {
        fn reserve(&self, bytes: usize) -> bool {
            let mut state = self.state.lock().unwrap();
            let fits = state.0 + bytes <= self.room;
            state.0 += if fits { bytes } else { 0 };
            fits
        }
        fn release(&self, bytes: usize) {
            self.state.lock().unwrap().0 -= bytes;
        }
        fn keep(&self, body: Bytes, reserved: usize) {
            assert_eq!(body.len(), reserved, "the room reserved is the answer's size");
            self.state.lock().unwrap().1 = Some(body);
        }
    }

    /// Streams `pieces` (then `end`, if any) through `kept_body`; what the client got.
    async fn stream(keeper: Record, pieces: &[&str], end: Option<io::Error>) -> Result<Bytes, String> {
        let (send, receive) = mpsc::channel(16);
        for piece in &pieces[1..] {
            send.send(Ok(Bytes::copy_from_slice(piece.as_bytes()))).await.unwrap();
        }
        if let Some(e) = end {
            send.send(Err(e)).await.unwrap();
        }
        drop(send);
        let body = kept_body(vec![Bytes::copy_from_slice(pieces[0].as_bytes())], receive, keeper);
        axum::body::to_bytes(body, usize::MAX).await.map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn a_streamed_answer_is_kept_whole_or_not_at_all() {
        let keeper = Record { room: 100, ..Record::default() };
        assert_eq!(stream(keeper.clone(), &["[1,", "2,", "3]"], None).await.unwrap(), "[1,2,3]");
        assert_eq!(keeper.state.lock().unwrap().1.as_deref(), Some(&b"[1,2,3]"[..]), "kept as the client got it");
        // Cut short by an error: the client sees it fail, and nothing is kept.
        let keeper = Record { room: 100, ..Record::default() };
        assert!(stream(keeper.clone(), &["[1,", "2,"], Some(io::Error::other("stopped"))).await.is_err());
        assert_eq!(*keeper.state.lock().unwrap(), (0, None), "the room given back");
        // Longer than the room: sent whole, not kept, the room given back.
        let keeper = Record { room: 4, ..Record::default() };
        assert_eq!(stream(keeper.clone(), &["[1,", "2,", "3]"], None).await.unwrap(), "[1,2,3]");
        assert_eq!(*keeper.state.lock().unwrap(), (0, None));
    }

    #[tokio::test]
    async fn a_reader_gone_before_the_end_keeps_nothing() {
        let keeper = Record { room: 100, ..Record::default() };
        let (send, receive) = mpsc::channel(4);
        send.send(Ok(Bytes::from_static(b"more"))).await.unwrap();
        let body = kept_body(vec![Bytes::from_static(b"first")], receive, keeper.clone());
        let mut stream = body.into_data_stream();
        use futures_util::StreamExt;
        assert_eq!(stream.next().await.unwrap().unwrap(), "first");
        assert_eq!(stream.next().await.unwrap().unwrap(), "more");
        assert_eq!(keeper.state.lock().unwrap().0, 9, "copied so far");
        drop(stream);
        assert_eq!(*keeper.state.lock().unwrap(), (0, None), "dropped: nothing kept, the room given back");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_writer_dropped_unfinished_cuts_its_streamed_answer_short() {
        let (mut answer, head) = AnswerWriter::new(ByteBudget::new(64 << 20, 16));
        let command = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            for _ in 0..2 * WHOLE_ANSWER / PIECE {
                answer.write_all(&[b'x'; PIECE]).unwrap();
            }
            drop(answer); // as a panic in the command would, without `finish`
        });
        let Ok(Head::Streamed(pieces, rest)) = head.await else { panic!("a long answer streams") };
        let got = axum::body::to_bytes(body(pieces, Some(rest)), usize::MAX).await;
        assert!(got.is_err(), "the client is told the answer stopped, not given a short one");
        command.await.unwrap();
    }
}
