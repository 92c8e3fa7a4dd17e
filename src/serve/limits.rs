//! Every bound the explorer keeps, in one place: those `serve` takes as flags
//! ([`ServeLimits`]: how long a request's queries may run, how long an answer may
//! take to be written, how many connections are served at once, how many
//! bytes of answers may be held and how many long ones streamed at once), and
//! the fixed ones (how long a
//! client may take to send its headers or wait for a free connection, how
//! long a stop waits, how large a query string may be).

use std::time::Duration;

/// The bounds `serve`'s flags set, with their defaults.
#[derive(Clone, Copy, Debug)]
pub struct ServeLimits {
    /// How long a request's queries may run (`--time-limit`): past it, 503.
    /// Time spent waiting for a slow reader to take more of a streamed answer
    /// does not count: that is the write timeout's to bound.
    pub time_limit: Duration,
    /// How long an answer may take to be written, from the moment it is
    /// ready (`--write-timeout`): past it the connection is closed, however
    /// slowly the client still reads.
    pub write_timeout: Duration,
    /// The most connections served at once (`--max-connections`).
    pub connections: usize,
    /// The most bytes of answers held in memory at once, across all
    /// connections (`--max-in-flight`): an answer that would go past it is
    /// refused with 503 before it starts, and a streamed one waits.
    pub in_flight: usize,
    /// The most API answers over [`WHOLE_ANSWER`] streamed at once
    /// (`--max-streams`): each keeps its command, and its query's memory,
    /// for as long as its reader takes. One more is refused with 503.
    pub streams: usize,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        ServeLimits {
            time_limit: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
            connections: 256,
            in_flight: 64 << 20,
            streams: 16,
        }
    }
}

/// How long a client may take to send a request's headers, and how long a
/// kept-alive connection may stay idle; a slower one is closed (it would hold
/// a slot forever).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection past [`ServeLimits::connections`] waits for a free slot
/// before it is answered 503; at most as many wait as are served.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// When every slot is taken, a connection that has waited this long on its
/// client (to send a request, or to read an answer) gives its slot up to a
/// new one.
pub const DISPLACE_AFTER: Duration = Duration::from_secs(2);

/// The `Retry-After` of a 503 because the server is full (connections or
/// bytes in flight): a second is enough for a slot to free up.
pub const RETRY_BUSY: Duration = Duration::from_secs(1);

/// The `Retry-After` of a 503 because a request ran past the time limit.
pub const RETRY_SLOW: Duration = Duration::from_secs(5);

/// An answer up to this size is gathered whole before it is sent, so that
/// its status and exit code say how the command ended; a larger one is
/// streamed as the command writes it.
pub const WHOLE_ANSWER: usize = 1 << 20;

/// How long requests in flight may take to finish once a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(5);

/// The longest query string read, in bytes (a pasted workload fits).
pub const MAX_QUERY: usize = 16 << 10;

/// The most parameters a query string may hold.
pub const MAX_PARAMS: usize = 64;

/// The most facet lists kept, and the most model counts; past it a cache starts again.
pub const CACHED_FACETS: usize = 512;
