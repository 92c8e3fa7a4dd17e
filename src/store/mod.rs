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
mod read;
pub mod sandbox;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

pub use diff::{Changed, Diff};
pub use ingest::{Committed, Feed, Ingest, SnapshotMeta};
pub use read::{FacetCount, Snapshot, StoredModel, format_time};

use crate::error::{Diagnostic, Exit};

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(vec![M::up(include_str!("../../migrations/01-init/up.sql"))]));

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
    #[error("the catalog received holds no models; the previous snapshot stays current")]
    NoModels,
    #[error("another cometcat is writing to the catalog at {0}")]
    Busy(PathBuf),
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
            StoreError::NoModels => Some("check --base-url, or the file given to --from"),
            StoreError::Busy(_) => Some("wait for the other sync to finish, then try again"),
            StoreError::Migrate { .. } => {
                Some("a newer cometcat may have written it; upgrade cometcat or use another --db")
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

impl Store {
    /// Opens the catalog for writing, creating it (and its folder) if needed.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir { path: dir.to_owned(), source })?;
        }
        Store::open_with(path, OpenFlags::default())
    }

    /// Opens an existing catalog that holds at least one snapshot.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_owned()));
        }
        let store = Store::open_with(path, OpenFlags::default() - OpenFlags::SQLITE_OPEN_CREATE)?;
        if store.current_snapshot()?.is_none() {
            return Err(StoreError::Empty(path.to_owned()));
        }
        Ok(store)
    }

    /// Where the catalog is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let mut conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        MIGRATIONS.to_latest(&mut conn).map_err(|source| StoreError::Migrate { path: path.to_owned(), source })?;
        Ok(Store { conn, path: path.to_owned() })
    }
}

/// Per-connection settings: WAL so readers never block the sync, foreign keys
/// enforced, and a busy timeout so two cometcat processes queue instead of failing.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Only a new, empty catalog takes this: big pages mean fewer B-tree pages
    // and WAL frames for the records, which are large rows.
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
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
