//! A request's work, on a blocking thread, with the catalog's queries
//! interrupted after the time limit.

use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::error::HttpError;

/// How much longer than its time limit a job is waited for: a query stops
/// at the limit, and what the job does after it is short.
const SLACK: Duration = Duration::from_secs(1);

/// Starts `job` on a blocking thread, with the catalog's queries interrupted
/// after `limit` (time the job spends waiting for a slow reader excepted:
/// [`crate::store::postpone`]).
pub fn spawn<T: Send + 'static>(limit: Duration, job: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    tokio::task::spawn_blocking(move || {
        let _deadline = crate::store::deadline(Instant::now() + limit);
        job()
    })
}

/// Waits for `task` (or anything that ends when the job has done its part)
/// for at most `limit` and a little: a job that runs past it is too slow.
pub async fn wait<T, E: std::fmt::Display>(
    limit: Duration,
    task: impl Future<Output = Result<T, E>>,
) -> Result<T, HttpError> {
    match tokio::time::timeout(limit + SLACK, task).await {
        Err(_) => Err(HttpError::TooSlow(Some(limit))),
        Ok(Err(failed)) => Err(HttpError::Internal(format!("the request failed: {failed}"))),
        Ok(Ok(done)) => Ok(done),
    }
}

/// Runs `job` on a blocking thread, with the catalog's queries interrupted
/// after `limit`.
pub async fn blocking<T: Send + 'static>(
    limit: Duration,
    job: impl FnOnce() -> Result<T, HttpError> + Send + 'static,
) -> Result<T, HttpError> {
    wait(limit, spawn(limit, job)).await?.map_err(|e| e.after(limit))
}
