//! What every request of the explorer shares: where the catalog is, which
//! `Host` headers name this server, how to run a command of the command line,
//! and what was worked out already for the current snapshot: facet counts,
//! model counts, and `/api/v1/models` answers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

use super::budget::ByteBudget;
use super::error::HttpError;
use super::limits::{CACHED_FACETS, ServeLimits};
use crate::cli::Command;
use crate::error::Exit;
use crate::output::Look;
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// How the explorer runs a command: the command line's own runner, handed in
/// by the command layer (so this module never imports it).
pub type Runner = fn(&Command, Settings, &mut dyn std::io::Write) -> anyhow::Result<Exit>;

/// What every request needs: where the catalog is, and which `Host` headers
/// name this server.
pub struct App {
    pub(super) db: PathBuf,
    /// Runs a command of the command line, writing its data to a writer: what
    /// the API answers with (the command layer hands it in).
    pub(super) run: Runner,
    /// When listening on loopback: the `Host` values a browser sends here. A
    /// page of another site that resolves its own name to 127.0.0.1 (DNS
    /// rebinding) sends its own name, and is refused.
    pub(super) hosts: Option<Vec<String>>,
    /// The bounds `serve`'s flags set.
    pub(super) limits: ServeLimits,
    /// The bytes of answers in flight, across all connections.
    pub(super) budget: ByteBudget,
    /// Facet counts already computed, by snapshot and filters: they change
    /// only when a sync adds a snapshot.
    facets: Mutex<HashMap<String, Vec<crate::store::FacetCount>>>,
    /// The number of models matching filters, by snapshot and filters.
    counts: Mutex<HashMap<String, u64>>,
    /// `/api/v1/models` answers already written, by snapshot and query: the
    /// same catalog asked the same question answers with the same bytes.
    answers: Mutex<Answers>,
}

/// The answers kept for one snapshot, by query, and their size. Another
/// snapshot, or more than [`App::answers_kept`] bytes, and the cache starts again.
#[derive(Default)]
struct Answers {
    snapshot: String,
    by_query: HashMap<String, Arc<Remembered>>,
    bytes: usize,
}

/// An answer as it was written: its bytes, and the command's exit code when
/// it was known before the answer started (a short answer's).
pub(super) struct Remembered {
    pub(super) pieces: Vec<Bytes>,
    pub(super) exit: Option<Exit>,
}

impl App {
    pub fn new(db: PathBuf, addr: SocketAddr, run: Runner, limits: ServeLimits) -> App {
        let port = addr.port();
        let hosts = addr.ip().is_loopback().then(|| {
            let mut hosts = vec![format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
            hosts.push(addr.to_string());
            hosts
        });
        App {
            db,
            hosts,
            run,
            limits,
            budget: ByteBudget::new(limits.in_flight, limits.streams),
            facets: Default::default(),
            counts: Default::default(),
            answers: Default::default(),
        }
    }

    /// The settings a command runs with here: quiet, plain, this catalog.
    pub(super) fn settings(&self) -> Settings {
        Settings {
            db: self.db.clone(),
            look: Look { width: None, color: false },
            quiet: true,
            verbose: false,
            progress: false,
            backoff: Default::default(),
            stdout_terminal: false,
        }
    }

    /// `facet`'s counts under `filters` in `store`'s current `snapshot`, computed once.
    pub(super) fn facet(
        &self,
        store: &Store,
        snapshot: Option<&crate::store::Snapshot>,
        facet: crate::query::Facet,
        filters: &crate::query::Filters,
    ) -> Result<Vec<crate::store::FacetCount>, HttpError> {
        let key = snapshot.map(|s| format!("{}:{}:{}:{facet:?}:{filters:?}", s.id, s.content_hash, s.fetched_at));
        once(&self.facets, key, || Ok(store.facet(facet, filters)?))
    }

    /// The number of models matching `filters` in `store`'s current `snapshot`, counted once.
    pub(super) fn count(
        &self,
        store: &Store,
        snapshot: Option<&crate::store::Snapshot>,
        filters: &crate::query::Filters,
    ) -> Result<u64, HttpError> {
        let key = snapshot.map(|s| format!("{}:{}:{}:{filters:?}", s.id, s.content_hash, s.fetched_at));
        once(&self.counts, key, || Ok(store.count(filters)?))
    }

    /// What names the current snapshot in the caches (`None`: the catalog cannot be read now).
    pub(super) fn snapshot_key(&self) -> Option<String> {
        let (store, sample) = self.store().ok()?;
        let s = store.current_snapshot().ok()??;
        Some(format!("{sample}:{}:{}:{}", s.id, s.content_hash, s.fetched_at))
    }

    /// The answer kept for `query` in `snapshot` (as [`App::snapshot_key`] names it), if any.
    pub(super) fn remembered(&self, (snapshot, query): &(String, String)) -> Option<Arc<Remembered>> {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        (answers.snapshot == *snapshot).then(|| answers.by_query.get(query).cloned()).flatten()
    }

    /// The most bytes of answers kept: half the bytes of answers allowed in
    /// flight (`--max-in-flight`), so that one flag bounds the memory answers take.
    pub(super) fn answers_kept(&self) -> usize {
        self.limits.in_flight / 2
    }

    /// Keeps the answer to `query` in `snapshot`, unless it alone is larger than the cache.
    pub(super) fn remember(&self, (snapshot, query): (String, String), answer: Remembered) {
        let size: usize = answer.pieces.iter().map(Bytes::len).sum();
        if size > self.answers_kept() {
            return;
        }
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.snapshot != snapshot || answers.bytes + size > self.answers_kept() {
            *answers = Answers { snapshot, ..Answers::default() };
        }
        answers.bytes += size;
        if let Some(old) = answers.by_query.insert(query, Arc::new(answer)) {
            answers.bytes -= old.pieces.iter().map(Bytes::len).sum::<usize>();
        }
    }

    /// The catalog, or before any sync the bundled sample (`true`).
    pub(super) fn store(&self) -> Result<(Store, bool), HttpError> {
        match Store::open(&self.db) {
            Ok(store) => Ok((store, false)),
            Err(StoreError::Missing(_) | StoreError::Empty(_)) => Ok((crate::sample::open()?, true)),
            Err(e) => Err(anyhow::Error::from(e).into()),
        }
    }
}

/// The value kept in `cache` under `key`, else `work`'s, kept (no key: not kept).
/// Past [`CACHED_FACETS`] values the cache starts again.
fn once<T: Clone>(
    cache: &Mutex<HashMap<String, T>>,
    key: Option<String>,
    work: impl FnOnce() -> Result<T, HttpError>,
) -> Result<T, HttpError> {
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(kept) = key.as_ref().and_then(|k| lock().get(k).cloned()) {
        return Ok(kept);
    }
    let value = work()?;
    if let Some(key) = key {
        let mut cache = lock();
        if cache.len() >= CACHED_FACETS {
            cache.clear();
        }
        cache.insert(key, value.clone());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(in_flight: usize) -> App {
        let limits = ServeLimits { in_flight, ..ServeLimits::default() };
        App::new("c.db".into(), "127.0.0.1:0".parse().unwrap(), |_, _, _| Ok(Exit::Ok), limits)
    }

    fn answer(bytes: usize) -> Remembered {
        Remembered { pieces: vec![Bytes::from(vec![b'x'; bytes])], exit: None }
    }

    #[test]
    fn answers_are_kept_for_one_snapshot_within_half_the_bytes_in_flight() {
        let app = app(100);
        let key = |snapshot: &str, query: &str| (snapshot.to_owned(), query.to_owned());
        app.remember(key("1", "a"), answer(30));
        app.remember(key("1", "b"), answer(20));
        assert!(app.remembered(&key("1", "a")).is_some() && app.remembered(&key("1", "b")).is_some());
        assert!(app.remembered(&key("2", "a")).is_none(), "another snapshot's answer is another answer");
        app.remember(key("1", "big"), answer(51));
        assert!(app.remembered(&key("1", "big")).is_none(), "larger than half of 100 bytes: not kept");
        assert!(app.remembered(&key("1", "a")).is_some(), "and nothing dropped for it");
        app.remember(key("1", "c"), answer(10));
        assert!(app.remembered(&key("1", "a")).is_none(), "past 50 bytes in all, the cache starts again");
        assert!(app.remembered(&key("1", "c")).is_some());
        app.remember(key("2", "a"), answer(1));
        assert!(app.remembered(&key("1", "c")).is_none(), "a new snapshot drops the old one's answers");
        assert_eq!(app.remembered(&key("2", "a")).map(|r| r.pieces[0].len()), Some(1));
    }
}
