//! What every request of the explorer shares: where the catalog is, which
//! `Host` headers name this server, how to run a command of the command line,
//! and the facet counts already computed.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    facets: std::sync::Mutex<std::collections::HashMap<String, Vec<crate::store::FacetCount>>>,
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
        let cached = key.as_ref().and_then(|k| self.facets.lock().unwrap_or_else(|e| e.into_inner()).get(k).cloned());
        if let Some(counts) = cached {
            return Ok(counts);
        }
        let counts = store.facet(facet, filters)?;
        if let Some(key) = key {
            let mut cache = self.facets.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= CACHED_FACETS {
                cache.clear();
            }
            cache.insert(key, counts.clone());
        }
        Ok(counts)
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
