//! Every bound the explorer keeps, in one place: how long a request's
//! queries may run, how long a client may take to send its headers, how many
//! connections are served at once, how long a stop waits, and how large a
//! query string may be.

use std::time::Duration;

/// How long a request's queries may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// How long a client may take to send a request's headers; a connection
/// that sends them slower than that is closed (it would hold a slot forever).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests in flight may take to finish once a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(5);

/// The most connections served at once; more wait to be accepted.
pub const CONNECTIONS: usize = 256;

/// The longest query string read, in bytes (a pasted workload fits).
pub const MAX_QUERY: usize = 16 << 10;

/// The most parameters a query string may hold.
pub const MAX_PARAMS: usize = 64;

/// The most facet lists kept; past it the cache starts again.
pub const CACHED_FACETS: usize = 512;
