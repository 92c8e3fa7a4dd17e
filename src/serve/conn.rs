//! One connection's bounds, and the slots they share.
//!
//! Each answer has a write deadline: once it is ready it has the write
//! timeout to reach its client, and a connection whose client reads too
//! slowly (or not at all) is reset there, wherever the answer is, so that it
//! frees its slot and its memory. When every slot is taken, a new connection
//! displaces the one that has waited on its client longest (a request not
//! yet sent, an idle keep-alive, an answer not yet read), if one has for
//! [`DISPLACE_AFTER`]; a connection whose request is being worked on is
//! never displaced. One that still finds no slot is answered 503 with
//! `Retry-After`.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

use super::limits::{DISPLACE_AFTER, HEADER_TIMEOUT, QUEUE_WAIT};

/// What a connection is doing, as its service and its socket see it.
pub struct Conn(Mutex<State>);

struct State {
    /// When the answer being written must be out by.
    deadline: Option<Instant>,
    /// Since when the connection has waited on its client; `None` while a
    /// request is worked on.
    waiting: Option<Instant>,
    /// Displaced: every read and write fails.
    displaced: bool,
    /// The task to wake when the connection is displaced.
    waker: Option<Waker>,
}

impl Conn {
    pub fn new() -> Arc<Conn> {
        let state = State { deadline: None, waiting: Some(Instant::now()), displaced: false, waker: None };
        Arc::new(Conn(Mutex::new(state)))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request has arrived and is being worked on.
    pub fn working(&self) {
        self.state().waiting = None;
    }

    /// The answer is ready: it must be written within `timeout`.
    pub fn answered(&self, timeout: Duration) {
        let mut state = self.state();
        let now = Instant::now();
        state.deadline = Some(now + timeout);
        state.waiting = Some(now);
    }

    /// Since when the connection has waited on its client, if it has.
    fn waiting(&self) -> Option<Instant> {
        let state = self.state();
        if state.displaced { None } else { state.waiting }
    }

    /// Closes the connection: its task is woken and finds its socket gone.
    fn displace(&self) {
        let mut state = self.state();
        state.displaced = true;
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    }
}

/// The slots connections are served in, and the connections that hold them.
pub struct Slots {
    free: Arc<Semaphore>,
    held: Mutex<Vec<Weak<Conn>>>,
}

impl Slots {
    pub fn new(count: usize) -> Slots {
        Slots { free: Arc::new(Semaphore::new(count)), held: Mutex::new(Vec::new()) }
    }

    /// A slot now, if one is free.
    pub fn try_take(&self) -> Option<OwnedSemaphorePermit> {
        self.free.clone().try_acquire_owned().ok()
    }

    /// A slot, displacing the connection that has waited on its client
    /// longest if every slot is taken; `None` after [`QUEUE_WAIT`].
    pub async fn take(&self) -> Option<OwnedSemaphorePermit> {
        let until = Instant::now() + QUEUE_WAIT;
        loop {
            self.displace_one();
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            let wait = left.min(DISPLACE_AFTER / 2);
            if let Ok(Ok(slot)) = tokio::time::timeout(wait, self.free.clone().acquire_owned()).await {
                return Some(slot);
            }
        }
    }

    /// `conn` holds a slot.
    pub fn hold(&self, conn: &Arc<Conn>) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.retain(|c| c.strong_count() > 0);
        held.push(Arc::downgrade(conn));
    }

    /// Displaces the connection that has waited on its client longest, if
    /// one has for [`DISPLACE_AFTER`].
    fn displace_one(&self) {
        let now = Instant::now();
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let longest = held
            .iter()
            .filter_map(|c| c.upgrade())
            .filter_map(|c| c.waiting().filter(|since| now.duration_since(*since) >= DISPLACE_AFTER).map(|s| (s, c)))
            .min_by_key(|(since, _)| *since);
        if let Some((_, conn)) = longest {
            conn.displace();
        }
    }
}

/// A socket whose writes fail once the answer's deadline has passed (the
/// task is woken at the deadline while a write waits for the client), and
/// whose reads and writes fail once it is displaced. A connection cut short
/// is reset, not closed: what the kernel still holds for the client is
/// dropped at once, and the client learns that its answer is incomplete.
pub struct Deadlined {
    io: TcpStream,
    conn: Arc<Conn>,
    alarm: Pin<Box<Sleep>>,
}

impl Deadlined {
    pub fn new(io: TcpStream, conn: Arc<Conn>) -> Deadlined {
        Deadlined { io, conn, alarm: Box::pin(tokio::time::sleep_until(tokio::time::Instant::now())) }
    }

    /// Why the connection must end, if it must; while the socket waits
    /// (`waiting`), the task is set to be woken at the deadline or when the
    /// connection is displaced.
    fn ended(&mut self, cx: &mut Context<'_>, writing: bool, waiting: bool) -> Option<io::Error> {
        let (deadline, displaced) = {
            let mut state = self.conn.state();
            if waiting {
                state.waker = Some(cx.waker().clone());
            }
            (state.deadline.filter(|_| writing), state.displaced)
        };
        let mut late = deadline.is_some_and(|at| Instant::now() >= at);
        if let (Some(at), false, true) = (deadline, late, waiting) {
            let at = tokio::time::Instant::from_std(at);
            if self.alarm.deadline() != at {
                self.alarm.as_mut().reset(at);
            }
            late = self.alarm.as_mut().poll(cx).is_ready();
        }
        if !late && !displaced {
            return None;
        }
        let _ = self.io.set_zero_linger();
        let why = if late { "the client took too long to read its answer" } else { "displaced by a new connection" };
        Some(io::Error::new(io::ErrorKind::TimedOut, why))
    }

    /// `op` unless the connection must end, with the task set to be woken
    /// while it waits.
    fn guarded<T>(
        &mut self,
        cx: &mut Context<'_>,
        writing: bool,
        op: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if let Some(end) = self.ended(cx, writing, false) {
            return Poll::Ready(Err(end));
        }
        match op(Pin::new(&mut self.io), cx) {
            Poll::Pending => match self.ended(cx, writing, true) {
                Some(end) => Poll::Ready(Err(end)),
                None => Poll::Pending,
            },
            done => done,
        }
    }
}

impl AsyncRead for Deadlined {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().guarded(cx, false, |io, cx| io.poll_read(cx, buf))
    }
}

impl AsyncWrite for Deadlined {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().guarded(cx, true, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().guarded(cx, true, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    // A socket's flush never waits (and an idle connection past its last
    // answer's deadline may be flushed): not bounded.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Answers the request on `stream` with `answer` (a 503: the server is
/// full), then closes it; the whole exchange bounded by [`HEADER_TIMEOUT`].
pub async fn refuse(stream: TcpStream, http: &hyper::server::conn::http1::Builder, answer: fn() -> Response<Body>) {
    let conn = Conn::new();
    conn.answered(HEADER_TIMEOUT);
    let io = TokioIo::new(Deadlined::new(stream, conn));
    let service = hyper::service::service_fn(move |_: Request<Incoming>| {
        std::future::ready(Ok::<_, std::convert::Infallible>(answer()))
    });
    let mut http = http.clone();
    http.keep_alive(false);
    let _ = tokio::time::timeout(HEADER_TIMEOUT, http.serve_connection(io, service)).await;
}
