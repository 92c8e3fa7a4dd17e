//! Walking `/api/models` with reqwest: page 1 first, then the rest through a
//! bounded pool of workers, each request retried per [`super::retry`]. Pages are
//! handed to a [`PageSink`] as they arrive; progress and retries are reported
//! through a callback, so this module never prints.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Url;
use serde_json::value::RawValue;
use tokio::sync::{Semaphore, SemaphorePermit, mpsc};
use tokio::task::JoinSet;

use super::http;
use super::paging::{self, Collected, PageCheck, PageMeta, PagingError, Plan};
use super::retry::{Backoff, Failure, jitter};
use super::wire::{Answer, Problem};
use crate::error::Diagnostic;
use std::borrow::Cow;

/// How many times the whole catalog is walked before a moving catalog is an error.
pub const MAX_WALKS: u32 = 3;

#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// The full `/api/models` URL.
    pub url: Url,
    pub page_size: u64,
    pub concurrency: usize,
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Backoff,
    /// The largest answer read, in bytes; a larger one is an error.
    pub max_body: u64,
}

/// What the walk tells its caller while it runs.
#[derive(Clone, Debug)]
pub enum Event {
    /// A page was stored; `of` is the number of pages when known.
    Page {
        done: u64,
        of: Option<u64>,
    },
    Retry {
        url: String,
        failure: Failure,
        attempt: u32,
        delay: Duration,
    },
    /// A 429 lowered the number of requests in flight.
    Throttled {
        concurrency: usize,
    },
    /// The catalog moved during the walk (`why`); it is walked again.
    WalkAgain {
        why: String,
    },
    /// Every record arrived, but `ids` ids came more than once: the catalog is
    /// walked again, to tell a server that lists an id twice from one in motion.
    Recheck {
        ids: u64,
    },
}

pub type Reporter = Arc<dyn Fn(Event) + Send + Sync>;

/// Where pages go: the sync stages them in the store.
pub trait PageSink {
    /// Forget every page (a new walk starts).
    fn reset(&mut self) -> anyhow::Result<()>;
    fn page(&mut self, number: u64, records: &[Box<RawValue>]) -> anyhow::Result<()>;
    fn tally(&self) -> anyhow::Result<Collected>;
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Pages fetched in the walk that completed.
    pub pages: u64,
    /// Retried requests, over all walks.
    pub retries: u64,
    pub walks: u32,
    pub total: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{failure}{}\n  while fetching {url}", tried(*.attempts, *.elapsed))]
    Fetch { url: String, failure: Failure, attempts: u32, elapsed: Duration },
    #[error(transparent)]
    Paging(#[from] PagingError),
    #[error("the catalog kept changing while it was read ({walks} walks; last: {why})")]
    Unsettled { walks: u32, why: String },
    #[error("the server reports {total} models but sent {collected} distinct ones, the same on every walk")]
    Inconsistent { collected: u64, total: u64 },
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error(transparent)]
    Sink(anyhow::Error),
}

/// ` (after 3 attempts in 1.52s)`, when there was more than one.
fn tried(attempts: u32, elapsed: Duration) -> String {
    if attempts > 1 { format!(" (after {attempts} attempts in {:.2}s)", elapsed.as_secs_f64()) } else { String::new() }
}

impl Diagnostic for SyncError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        match self {
            SyncError::Fetch { failure, .. } => failure.hint(),
            SyncError::Unsettled { .. } | SyncError::Inconsistent { .. } => Some("try again in a minute".into()),
            SyncError::Paging(paging) => paging.hint(),
            _ => None,
        }
    }
}

/// One fetched answer, owned.
struct Page {
    meta: PageMeta,
    records: Vec<Box<RawValue>>,
    /// A hash of the records' text, to notice a page that repeats page 1.
    fingerprint: u64,
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    /// A later page reported another `total`.
    Shifted {
        total: Option<u64>,
    },
}

struct Walker {
    client: reqwest::Client,
    opts: WalkOptions,
    limiter: Limiter,
    retries: AtomicU64,
    report: Reporter,
}

/// Walks the whole catalog into `sink`.
pub async fn walk(opts: &WalkOptions, sink: &mut dyn PageSink, report: Reporter) -> Result<WalkStats, SyncError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cometcat/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(opts.timeout)
        .build()
        .map_err(SyncError::Client)?;
    let ctx = Arc::new(Walker {
        client,
        opts: opts.clone(),
        limiter: Limiter::new(opts.concurrency.max(1)),
        retries: AtomicU64::new(0),
        report,
    });
    let mut previous: Option<Collected> = None;
    let mut why = String::new();
    let mut stats = WalkStats::default();
    for walk in 1..=MAX_WALKS {
        stats.walks = walk;
        stats.pages = 0;
        sink.reset().map_err(SyncError::Sink)?;
        let first = fetch_page(&ctx, 1, opts.page_size).await?;
        let plan = paging::plan(&first.meta, opts.page_size)?;
        stats.total = first.meta.total;
        sink.page(1, &first.records).map_err(SyncError::Sink)?;
        stats.pages += 1;
        let of = match plan {
            Plan::Whole => Some(1),
            Plan::Pages { last, .. } => Some(last),
            Plan::UntilShort { .. } => None,
        };
        (ctx.report)(Event::Page { done: 1, of });
        let outcome = match plan {
            Plan::Whole => Outcome::Done,
            Plan::Pages { last, size } => fetch_pages(&ctx, &first, last, size, sink, &mut stats).await?,
            Plan::UntilShort { size } => fetch_until_short(&ctx, &first, size, sink, &mut stats).await?,
        };
        let total = first.meta.total.unwrap_or_default();
        match outcome {
            Outcome::Shifted { total: now } => {
                why =
                    format!("the server's total went from {total} to {}", now.map_or("none".into(), |n| n.to_string()));
                previous = None;
            }
            Outcome::Done => {
                let tally = sink.tally().map_err(SyncError::Sink)?;
                if paging::complete(first.meta.total, &tally, previous.as_ref()) {
                    stats.retries = ctx.retries.load(Ordering::Relaxed);
                    return Ok(stats);
                }
                // The same incomplete answer twice: the server is not moving, it is wrong.
                if previous.as_ref().is_some_and(|p| p.fingerprint == tally.fingerprint) {
                    return Err(SyncError::Inconsistent { collected: tally.collected, total });
                }
                why = format!("{} of {total} models collected", tally.collected);
                let listed_twice = (tally.received == total).then(|| total.saturating_sub(tally.collected));
                previous = Some(tally);
                if let Some(ids) = listed_twice
                    && walk < MAX_WALKS
                {
                    (ctx.report)(Event::Recheck { ids });
                    continue;
                }
            }
        }
        if walk < MAX_WALKS {
            (ctx.report)(Event::WalkAgain { why: why.clone() });
        }
    }
    Err(SyncError::Unsettled { walks: MAX_WALKS, why })
}

/// Pages 2..=last, up to `concurrency` at a time, stored in arrival order.
async fn fetch_pages(
    ctx: &Arc<Walker>,
    first: &Page,
    last: u64,
    size: u64,
    sink: &mut dyn PageSink,
    stats: &mut WalkStats,
) -> Result<Outcome, SyncError> {
    if last < 2 {
        return Ok(Outcome::Done);
    }
    let workers_wanted = ctx.opts.concurrency.clamp(1, (last - 1).min(usize::MAX as u64) as usize);
    let (tx, mut rx) = mpsc::channel::<(u64, Result<Page, SyncError>)>(workers_wanted);
    let next = Arc::new(AtomicU64::new(2));
    // Dropping the set (on any early return) aborts the workers.
    let mut workers = JoinSet::new();
    for _ in 0..workers_wanted {
        let (ctx, tx, next) = (Arc::clone(ctx), tx.clone(), Arc::clone(&next));
        workers.spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k > last {
                    return;
                }
                let result = fetch_page(&ctx, k, size).await;
                let failed = result.is_err();
                if tx.send((k, result)).await.is_err() || failed {
                    return;
                }
            }
        });
    }
    drop(tx);
    let mut seen = Seen::new(first);
    while let Some((k, result)) = rx.recv().await {
        if let Some(shifted) = store_page(ctx, k, &result?, &mut seen, sink, stats, Some(last))? {
            return Ok(shifted);
        }
    }
    Ok(Outcome::Done)
}

/// The pages of one walk so far: page 1, and each page's fingerprint with
/// the first page that had it.
struct Seen<'p> {
    first: &'p Page,
    pages: HashMap<u64, u64>,
}

impl<'p> Seen<'p> {
    fn new(first: &'p Page) -> Seen<'p> {
        let pages = if first.meta.len > 0 { HashMap::from([(first.fingerprint, 1)]) } else { HashMap::new() };
        Seen { first, pages }
    }
}

/// Checks page `k` against page 1 and hands it to the sink; `Some` when the
/// catalog moved and the walk must start again.
fn store_page(
    ctx: &Walker,
    k: u64,
    page: &Page,
    seen: &mut Seen<'_>,
    sink: &mut dyn PageSink,
    stats: &mut WalkStats,
    of: Option<u64>,
) -> Result<Option<Outcome>, SyncError> {
    let repeats = seen.pages.get(&page.fingerprint).copied();
    if paging::check(k, &page.meta, &seen.first.meta, repeats)? == PageCheck::Shifted {
        return Ok(Some(Outcome::Shifted { total: page.meta.total }));
    }
    if page.meta.len > 0 {
        seen.pages.entry(page.fingerprint).or_insert(k);
    }
    sink.page(k, &page.records).map_err(SyncError::Sink)?;
    stats.pages += 1;
    (ctx.report)(Event::Page { done: stats.pages, of });
    Ok(None)
}

/// Without a `total`: pages one after another until a short (or empty) one.
async fn fetch_until_short(
    ctx: &Walker,
    first: &Page,
    size: u64,
    sink: &mut dyn PageSink,
    stats: &mut WalkStats,
) -> Result<Outcome, SyncError> {
    if first.meta.len < size {
        return Ok(Outcome::Done);
    }
    let mut seen = Seen::new(first);
    // Ends: at a short page, or past MAX_MODELS records.
    for k in 2u64.. {
        if k.saturating_mul(size) > paging::MAX_MODELS {
            let offered = format!("{} pages of {size} sent, and more to come", k - 1);
            return Err(PagingError::TooManyModels { offered }.into());
        }
        let page = fetch_page(ctx, k, size).await?;
        if let Some(shifted) = store_page(ctx, k, &page, &mut seen, sink, stats, None)? {
            return Ok(shifted);
        }
        if page.meta.len < size {
            return Ok(Outcome::Done);
        }
    }
    Ok(Outcome::Done)
}

/// One page, retried as the policy allows.
async fn fetch_page(ctx: &Walker, number: u64, size: u64) -> Result<Page, SyncError> {
    let mut url = ctx.opts.url.clone();
    // `p` for the one-api/new-api family CometAPI runs on, `page` for the rest.
    url.query_pairs_mut()
        .append_pair("p", &number.to_string())
        .append_pair("page", &number.to_string())
        .append_pair("page_size", &size.to_string());
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        let result = {
            let _permit = ctx.limiter.acquire().await;
            try_once(ctx, &url).await
        };
        let failure = match result {
            Ok(page) => return Ok(page),
            Err(failure) => failure,
        };
        if failure.is_rate_limit()
            && let Some(concurrency) = ctx.limiter.throttle()
        {
            (ctx.report)(Event::Throttled { concurrency });
        }
        match ctx.opts.backoff.delay(&failure, attempt, ctx.opts.retries, jitter()) {
            Some(delay) => {
                ctx.retries.fetch_add(1, Ordering::Relaxed);
                attempt += 1;
                (ctx.report)(Event::Retry { url: super::shown(&url), failure, attempt, delay });
                tokio::time::sleep(delay).await;
            }
            None => {
                let (url, attempts, elapsed) = (super::shown(&url), attempt + 1, started.elapsed());
                return Err(SyncError::Fetch { url, failure, attempts, elapsed });
            }
        }
    }
}

async fn try_once(ctx: &Walker, url: &Url) -> Result<Page, Failure> {
    let body = http::get(&ctx.client, url, &[], ctx.opts.timeout, ctx.opts.max_body).await?;
    let answer = Answer::parse(&body).map_err(http::parse_failure)?;
    let meta = answer.meta();
    let records = answer.into_records().map_err(|p| match p {
        Problem::Refused(message) => Failure::Refused(message),
        Problem::NoData => Failure::Shape("it has no `data` list".into()),
    })?;
    let mut hasher = DefaultHasher::new();
    for r in &records {
        r.get().hash(&mut hasher);
    }
    Ok(Page { meta, records: records.into_iter().map(|r| r.to_owned()).collect(), fingerprint: hasher.finish() })
}

/// Bounds the requests in flight. A 429 lowers the bound by one for the rest of
/// the walk (never below one); a permit owed while all were in use is retired
/// when it comes back.
struct Limiter {
    semaphore: Semaphore,
    limit: AtomicUsize,
    owed: AtomicUsize,
}

struct Permit<'a> {
    permit: Option<SemaphorePermit<'a>>,
    limiter: &'a Limiter,
}

impl Limiter {
    fn new(limit: usize) -> Limiter {
        Limiter { semaphore: Semaphore::new(limit), limit: AtomicUsize::new(limit), owed: AtomicUsize::new(0) }
    }

    async fn acquire(&self) -> Permit<'_> {
        let permit = self.semaphore.acquire().await.expect("the semaphore is never closed");
        Permit { permit: Some(permit), limiter: self }
    }

    /// Lowers the bound by one; returns the new bound, or `None` at one already.
    fn throttle(&self) -> Option<usize> {
        let previous = self.limit.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n > 1).then(|| n - 1)).ok()?;
        if self.semaphore.forget_permits(1) == 0 {
            self.owed.fetch_add(1, Ordering::SeqCst);
        }
        Some(previous - 1)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let owed = &self.limiter.owed;
        if let Some(permit) = self.permit.take()
            && owed.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
        {
            permit.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn throttling_never_goes_below_one_request_in_flight() {
        let limiter = Limiter::new(3);
        let held = [limiter.acquire().await, limiter.acquire().await, limiter.acquire().await];
        assert_eq!(limiter.throttle(), Some(2));
        assert_eq!(limiter.throttle(), Some(1));
        assert_eq!(limiter.throttle(), None);
        // Every permit was in use, so the two retired ones are owed and kept back
        // as permits come home.
        assert_eq!(limiter.owed.load(Ordering::SeqCst), 2);
        drop(held);
        assert_eq!(limiter.semaphore.available_permits(), 1);
        let _one = limiter.acquire().await;
        assert_eq!(limiter.semaphore.available_permits(), 0);
    }
}
