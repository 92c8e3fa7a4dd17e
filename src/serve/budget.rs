//! The memory of answers in flight, bounded across all connections: every
//! piece of an answer is held against one budget of bytes from the moment it
//! is made until hyper has written it to the socket and dropped it. A page or
//! the start of an answer that finds no room is refused (503, `Retry-After`)
//! rather than buffered; the rest of a streamed answer waits for room. Long
//! answers being streamed are bounded in number too: each keeps a command
//! running, with its query's own memory, for as long as its reader takes.

use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bytes of answers that may be held at once, and the long answers
/// that may be streamed at once.
#[derive(Clone)]
pub struct ByteBudget {
    bytes: Arc<Semaphore>,
    total: usize,
    streams: Arc<Semaphore>,
    most_streams: usize,
}

/// Bytes that count against the budget until the last copy is dropped.
struct Held {
    data: Vec<u8>,
    _permit: OwnedSemaphorePermit,
}

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl ByteBudget {
    pub fn new(total: usize, streams: usize) -> ByteBudget {
        let total = total.clamp(1, Semaphore::MAX_PERMITS);
        let most_streams = streams.clamp(1, Semaphore::MAX_PERMITS);
        ByteBudget {
            bytes: Arc::new(Semaphore::new(total)),
            total,
            streams: Arc::new(Semaphore::new(most_streams)),
            most_streams,
        }
    }

    /// Leave to stream a long answer, held until dropped; `Err` says why not.
    pub fn stream(&self) -> Result<OwnedSemaphorePermit, String> {
        self.streams.clone().try_acquire_owned().map_err(|_| {
            format!("the server is sending as many long answers as it may ({}); try again shortly", self.most_streams)
        })
    }

    /// The bytes `data` takes (its allocation), when the budget can ever hold them.
    fn cost(&self, data: &[u8], capacity: usize) -> Option<u32> {
        let cost = capacity.max(data.len()).max(1);
        if cost > self.total { None } else { u32::try_from(cost).ok() }
    }

    /// `data`, held against the budget; given back when there is no room now.
    pub fn try_hold(&self, data: Vec<u8>) -> Result<Bytes, Vec<u8>> {
        let Some(cost) = self.cost(&data, data.capacity()) else { return Err(data) };
        match self.bytes.clone().try_acquire_many_owned(cost) {
            Ok(permit) => Ok(Bytes::from_owner(Held { data, _permit: permit })),
            Err(_) => Err(data),
        }
    }

    /// `data`, held against the budget once there is room; `None` if there
    /// can never be.
    pub async fn hold(&self, data: Vec<u8>) -> Option<Bytes> {
        let cost = self.cost(&data, data.capacity())?;
        let permit = self.bytes.clone().acquire_many_owned(cost).await.ok()?;
        Some(Bytes::from_owner(Held { data, _permit: permit }))
    }

    /// The bytes that may be held at once.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The bytes held now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.total - self.bytes.available_permits()
    }
}

/// Why an answer was refused for want of room.
pub fn full(total: usize) -> String {
    let total = if total >= 1 << 20 { format!("{} MiB", total >> 20) } else { format!("{total} bytes") };
    format!("the server holds as many answers as it may ({total} in flight); try again shortly")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_count_until_the_last_copy_is_dropped() {
        let budget = ByteBudget::new(100, 1);
        let stream = budget.stream().unwrap();
        assert!(budget.stream().is_err(), "one long answer at a time");
        drop(stream);
        assert!(budget.stream().is_ok());
        let a = budget.try_hold(Vec::with_capacity(60)).unwrap();
        assert_eq!(budget.held(), 60);
        assert!(budget.try_hold(vec![0; 50]).is_err(), "60 + 50 > 100");
        let copy = a.clone();
        drop(a);
        assert_eq!(budget.held(), 60, "a copy still holds them");
        drop(copy);
        assert_eq!(budget.held(), 0);
        assert!(budget.try_hold(vec![0; 101]).is_err(), "never fits");
        assert!(budget.hold(vec![0; 101]).await.is_none());
        let held = budget.hold(vec![7; 100]).await.unwrap();
        assert_eq!(&held[..], &[7; 100][..]);
    }
}
