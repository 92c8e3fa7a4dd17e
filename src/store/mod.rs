//! The SQLite catalog: opening it (pragmas, migrations), writing a sync as one
//! snapshot ([`ingest`]), and reading models, snapshots and changes back ([`read`]).
//!
//! Only this module writes SQL against the schema in `migrations/`; the query
//! layer (`crate::query`) builds filter SQL that this module runs. Money crosses
//! this boundary as canonical decimal TEXT, never REAL.

pub mod ingest;
pub mod read;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

pub use ingest::{Committed, Feed, Ingest, SnapshotMeta};
pub use read::{Changed, Diff, Snapshot, StoredModel};

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

impl StoreError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
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
        }
    }
}

/// A connection to the catalog, with its path for messages.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
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

/// A second connection that can only read: the `sql` command's sandbox. It is
/// opened read-only, set `query_only`, forbidden to attach, and an authorizer
/// refuses every action that is not a read, so no statement can change anything.
pub fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    use rusqlite::hooks::{AuthAction, Authorization};
    use rusqlite::limits::Limit;

    let open_err = |source| StoreError::Open { path: path.to_owned(), source };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    conn.pragma_update(None, "query_only", true).map_err(open_err)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0).map_err(open_err)?;
    conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
        match ctx.action {
            AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => Authorization::Allow,
            AuthAction::Function { function_name } if !function_name.eq_ignore_ascii_case("load_extension") => {
                Authorization::Allow
            }
            // Reading a pragma (`PRAGMA table_info(x)`, `PRAGMA user_version`) is fine;
            // setting one is not. Table-valued pragma functions come through here too.
            AuthAction::Pragma { pragma_name, pragma_value } => {
                if pragma_value.is_none() || READ_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()) {
                    Authorization::Allow
                } else {
                    Authorization::Deny
                }
            }
            _ => Authorization::Deny,
        }
    }))
    .map_err(open_err)?;
    Ok(conn)
}

/// Pragmas whose argument names a thing to read rather than a value to set.
const READ_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_info",
    "index_xinfo",
    "index_list",
    "foreign_key_list",
    "function_list",
    "pragma_list",
];
