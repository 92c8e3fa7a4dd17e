//! A request's work, on a blocking thread, with the catalog's queries
//! interrupted after the time limit.

use std::time::{Duration, Instant};

use super::error::HttpError;
use super::limits::TIME_LIMIT;

/// Runs `job` on a blocking thread, with the catalog's queries interrupted
/// after [`TIME_LIMIT`].
pub async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, HttpError> + Send + 'static,
) -> Result<T, HttpError> {
    let task = tokio::task::spawn_blocking(move || {
        let _deadline = crate::store::deadline(Instant::now() + TIME_LIMIT);
        job()
    });
    match tokio::time::timeout(TIME_LIMIT + Duration::from_secs(1), task).await {
        Err(_) => Err(HttpError::TooSlow),
        Ok(Err(join)) => Err(HttpError::Internal(format!("the request failed: {join}"))),
        Ok(Ok(result)) => result,
    }
}
