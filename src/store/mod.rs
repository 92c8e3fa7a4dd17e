//! The SQLite catalog: opening it (pragmas, migrations), writing a sync as one
//! snapshot ([`ingest`]), reading models, snapshots and changes back,
//! and running a user's read-only SQL ([`sandbox`]).
//!
//! A [`Store`] is a door, not a window: its connection is private, and callers
//! ask for what they need through named methods. Only this module writes SQL
//! against the schema in `migrations/`; the query layer (`crate::query`) builds
//! filter SQL that this module runs. Money crosses this boundary as canonical
//! decimal TEXT, never REAL.
//!
//! Threads: a `Store` is one SQLite connection, so it may move between threads
//! (`Send`) but not be shared (`!Sync`). Several threads read one catalog each
//! through a `Store` of its own — opened per request, or taken from a small
//! pool such as [`Pool`] — and WAL lets all of them read while a sync writes.

mod diff;
pub mod ingest;
mod open;
mod read;
pub mod sandbox;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub use diff::{Changed, Diff};
pub use ingest::{Committed, Feed, Ingest, SnapshotMeta};
pub use open::{Deadline, deadline, interrupted};
pub use read::{FacetCount, Snapshot, StoredModel, format_time};

use crate::error::{Diagnostic, Exit};

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/01-init/up.sql")),
        M::up_with_hook(include_str!("../../migrations/02-sort-keys/up.sql"), fill_sort_keys),
    ])
});

/// Migration 2's hook: the sort keys of the effective prices already stored.
fn fill_sort_keys(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    for (price, key) in [("effective_per_request", "request_sort"), ("effective_per_second", "second_sort")] {
        let mut read =
            tx.prepare(&format!("SELECT version_id, {price} FROM model_versions WHERE {price} IS NOT NULL"))?;
        let mut write = tx.prepare(&format!("UPDATE model_versions SET {key} = ?2 WHERE version_id = ?1"))?;
        let rows = read.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (version, text) = row?;
            let money = crate::money::Money::parse(&text)
                .map_err(|e| rusqlite_migration::HookError::Hook(format!("version {version}: {e}")))?;
            write.execute(rusqlite::params![version, money.sort_key()])?;
        }
    }
    Ok(())
}

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("there is no catalog at {0} yet")]
    Missing(PathBuf),
    #[error("the catalog at {0} holds no snapshot yet")]
    Empty(PathBuf),
    #[error("there is no snapshot {0}")]
    NoSnapshot(i64),
    #[error("no snapshot was fetched at or before {0}")]
    NoSnapshotBy(String),
    #[error("the catalog received holds no models; {}", if *.previous { "the previous snapshot stays current" } else { "nothing was stored" })]
    NoModels { previous: bool },
    #[error("{name:?} matches more than one model when case is ignored: {}", .ids.join(", "))]
    Ambiguous { name: String, ids: Vec<String> },
    #[error("another cometcat is writing to the catalog at {0}")]
    Busy(PathBuf),
    #[error("the catalog at {0} cannot be written: the file or its folder is read-only")]
    ReadOnly(PathBuf),
    #[error("{0} is not a SQLite database")]
    NotADatabase(PathBuf),
    #[error("{0} is a SQLite database, but not a cometcat catalog")]
    NotACatalog(PathBuf),
    #[error("the catalog at {path} was written by a newer cometcat (schema {found}; this one knows {known})")]
    Newer { path: PathBuf, found: i64, known: i64 },
    #[error(
        "the catalog at {0} was written by an older cometcat and is read-only here, so it cannot be brought up to date"
    )]
    Outdated(PathBuf),
    #[error("cannot open the catalog at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the folder {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot bring the catalog at {path} up to date")]
    Migrate {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl Diagnostic for StoreError {
    fn exit(&self) -> Option<Exit> {
        Some(Exit::Error)
    }

    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        let hint = match self {
            StoreError::Missing(_) | StoreError::Empty(_) => {
                Some("run `cometcat sync` (or `cometcat sync --from FILE` offline) first")
            }
            StoreError::NoSnapshot(_) => Some("`cometcat syncs` lists the snapshots"),
            StoreError::NoSnapshotBy(_) => Some("`cometcat syncs` lists the snapshots and their times"),
            StoreError::NoModels { .. } => Some("check --base-url, or the file given to --from"),
            StoreError::Ambiguous { .. } => Some("give the id exactly as the catalog writes it"),
            StoreError::Busy(_) => Some("wait for the other sync to finish, then try again"),
            StoreError::NotADatabase(_) | StoreError::NotACatalog(_) => {
                Some("check --db (or COMETCAT_DB): it should name a catalog cometcat made, or a new file")
            }
            StoreError::Newer { .. } | StoreError::Migrate { .. } => Some("upgrade cometcat, or use another --db"),
            StoreError::Outdated(_) => Some("run any cometcat command once where the catalog can be written"),
            StoreError::ReadOnly(_) => {
                Some("only `sync` writes; give it a writable --db, or copy the catalog somewhere writable")
            }
            _ => None,
        };
        hint.map(std::borrow::Cow::Borrowed)
    }
}

/// A connection to the catalog, with its path for messages.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A small pool of connections for threads that read the catalog (the web
/// explorer): a thread takes a [`Store`], uses it, and gives it back.
pub struct Pool {
    path: PathBuf,
    idle: std::sync::Mutex<Vec<Store>>,
}

impl Pool {
    pub fn new(path: &Path) -> Pool {
        Pool { path: path.to_owned(), idle: std::sync::Mutex::new(Vec::new()) }
    }

    /// Runs `f` with a store from the pool (a new one when none is idle).
    pub fn with<T>(&self, f: impl FnOnce(&Store) -> T) -> Result<T, StoreError> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = match taken {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        let out = f(&store);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(store);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }
}
