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

/// The answers kept for one snapshot, by query, and their size, and the
/// bytes of answers being copied as they stream. Together they stay within
/// [`App::answers_kept`]; another snapshot, or no room, and the kept answers go.
#[derive(Default)]
struct Answers {
    snapshot: String,
    by_query: HashMap<String, Arc<Remembered>>,
    bytes: usize,
    copying: usize,
}

/// An answer as it was written: its bytes (a copy of its own, apart from
/// the bytes in flight), and the command's exit code when it was known before
/// the answer started (a short answer's).
pub(super) struct Remembered {
    pub(super) body: Bytes,
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
        let key = snapshot.map(|s| format!("{}:{facet:?}:{filters:?}", snapshot_name(s)));
        once(&self.facets, key, || Ok(store.facet(facet, filters)?))
    }

    /// The number of models matching `filters` in `store`'s current `snapshot`, counted once.
    pub(super) fn count(
        &self,
        store: &Store,
        snapshot: Option<&crate::store::Snapshot>,
        filters: &crate::query::Filters,
    ) -> Result<u64, HttpError> {
        let key = snapshot.map(|s| format!("{}:{filters:?}", snapshot_name(s)));
        once(&self.counts, key, || Ok(store.count(filters)?))
    }

    /// What names the current snapshot in the caches: `None` before any
    /// sync (the bundled sample is not worth keeping answers for) or when the
    /// catalog cannot be read now.
    pub(super) fn snapshot_key(&self) -> Option<String> {
        Some(snapshot_name(&Store::open(&self.db).ok()?.current_snapshot().ok()??))
    }

    /// The answer kept for `query` in `snapshot` (as [`App::snapshot_key`] names it), if any.
    pub(super) fn remembered(&self, (snapshot, query): &(String, String)) -> Option<Arc<Remembered>> {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        (answers.snapshot == *snapshot).then(|| answers.by_query.get(query).cloned()).flatten()
    }

    /// The most bytes of answers kept, and being copied to be kept: half the
    /// bytes of answers allowed in flight (`--max-in-flight`), so that one flag
    /// bounds the memory answers take.
    pub(super) fn answers_kept(&self) -> usize {
        self.limits.in_flight / 2
    }

    /// Room for `bytes` more of an answer being copied; kept answers go to make it.
    pub(super) fn reserve(&self, bytes: usize) -> bool {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.bytes + answers.copying + bytes > self.answers_kept() {
            answers.by_query.clear();
            answers.bytes = 0;
        }
        let room = answers.copying + bytes <= self.answers_kept();
        if room {
            answers.copying += bytes;
        }
        room
    }

    /// Gives back room reserved for an answer that will not be kept.
    pub(super) fn release(&self, bytes: usize) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers.copying -= bytes;
    }

    /// Keeps the answer to `query` in `snapshot`, for which `reserved` bytes
    /// were set aside as it was copied (none for a short answer, copied here).
    pub(super) fn remember(&self, (snapshot, query): (String, String), answer: Remembered, reserved: usize) {
        let size = answer.body.len();
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers.copying -= reserved;
        if answers.snapshot != snapshot {
            *answers = Answers { snapshot, copying: answers.copying, ..Answers::default() };
        }
        if answers.bytes + answers.copying + size > self.answers_kept() {
            answers.by_query.clear();
            answers.bytes = 0;
        }
        if answers.copying + size > self.answers_kept() {
            return;
        }
        answers.bytes += size;
        if let Some(old) = answers.by_query.insert(query, Arc::new(answer)) {
            answers.bytes -= old.body.len();
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

/// What tells a snapshot apart in the caches: its id, its content and when it was fetched.
fn snapshot_name(s: &crate::store::Snapshot) -> String {
    format!("{}:{}:{}", s.id, s.content_hash, s.fetched_at)
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
        Remembered { body: Bytes::from(vec![b'x'; bytes]), exit: None }
    }

    #[test]
    fn answers_are_kept_for_one_snapshot_within_half_the_bytes_in_flight() {
        let app = app(100);
        let key = |snapshot: &str, query: &str| (snapshot.to_owned(), query.to_owned());
        app.remember(key("1", "a"), answer(30), 0);
        app.remember(key("1", "b"), answer(20), 0);
        assert!(app.remembered(&key("1", "a")).is_some() && app.remembered(&key("1", "b")).is_some());
        assert!(app.remembered(&key("2", "a")).is_none(), "another snapshot's answer is another answer");
        app.remember(key("1", "big"), answer(51), 0);
        assert!(app.remembered(&key("1", "big")).is_none(), "larger than half of 100 bytes: not kept");
        app.remember(key("1", "c"), answer(10), 0);
        assert!(app.remembered(&key("1", "a")).is_none(), "past 50 bytes in all, the cache starts again");
        assert!(app.remembered(&key("1", "c")).is_some());
        app.remember(key("2", "a"), answer(1), 0);
        assert!(app.remembered(&key("1", "c")).is_none(), "a new snapshot drops the old one's answers");
        assert_eq!(app.remembered(&key("2", "a")).map(|r| r.body.len()), Some(1));
    }

    #[test]
    fn answers_being_copied_share_the_room_with_those_kept() {
        let app = app(100);
        let key = |query: &str| ("1".to_owned(), query.to_owned());
        app.remember(key("a"), answer(20), 0);
        assert!(app.reserve(25) && app.reserve(5), "room beside what is kept");
        assert!(!app.reserve(21), "no more than 50 bytes copied at once");
        assert!(app.remembered(&key("a")).is_none(), "kept answers go to make room");
        app.release(5);
        app.remember(key("b"), answer(25), 25);
        assert!(app.remembered(&key("b")).is_some(), "the room reserved becomes the answer's");
        assert!(app.reserve(25), "25 kept and 25 being copied");
        assert!(app.reserve(1) && app.remembered(&key("b")).is_none(), "the kept answer goes for a copy");
        assert!(!app.reserve(25), "copies alone stay within 50 bytes: 26 + 25 are more");
        app.release(26);
        assert!(app.reserve(50));
    }
}
