//! Opening the catalog. A writer (`sync`) creates it, sets its pragmas and
//! brings its schema up to date, and is told at once when another sync holds
//! the write lock. A reader opens it read-only — so a catalog in a read-only
//! file or folder (a container image, a CI cache) can be read — and waits up
//! to the busy timeout while a sync commits. The path is always a file name,
//! never a SQLite URI: `file:x.db?mode=memory` is a file of that name.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use std::sync::LazyLock;

use rusqlite_migration::{M, Migrations};

use super::error::StoreError;

/// The state of a database's schema.
#[derive(Debug, PartialEq, Eq)]
enum Schema {
    Current,
    /// Made by an older cometcat (this schema version): migrations are due.
    Behind(i64),
    /// A new, empty database.
    Blank,
}

impl Store {
    /// Opens the catalog for writing, creating it (and its folder) if needed.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir { path: dir.to_owned(), source })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = connect(path, flags)?;
        // A second writer is told at once rather than after the busy timeout.
        conn.busy_timeout(Duration::ZERO).map_err(|e| failed(path, e))?;
        configure(&conn).map_err(|e| failed(path, e))?;
        schema(&conn, path)?;
        MIGRATIONS.to_latest(&mut conn).map_err(|source| match &source {
            rusqlite_migration::Error::RusqliteError { err, .. } if is_busy(err) => StoreError::Busy(path.to_owned()),
            _ => StoreError::Migrate { path: path.to_owned(), source },
        })?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| failed(path, e))?;
        Ok(Store { conn, path: path.to_owned(), schema: MIGRATIONS_KNOWN })
    }

    /// A new, empty catalog in memory (for the bundled sample).
    pub fn in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory().map_err(|e| failed(&path, e))?;
        MIGRATIONS.to_latest(&mut conn).map_err(|source| StoreError::Migrate { path: path.clone(), source })?;
        Ok(Store { conn, path, schema: MIGRATIONS_KNOWN })
    }

    /// Opens an existing catalog that holds at least one snapshot, read-only.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_owned()));
        }
        let store = Store::read_only(path)?;
        if DEADLINE.get().is_some() {
            // SQLite asks every 1,000 steps; past the deadline (read afresh, as
            // `postpone` may move it), the query is interrupted.
            store.conn.progress_handler(1000, Some(|| DEADLINE.get().is_some_and(|at| Instant::now() > at)))?;
        }
        if store.current_snapshot()?.is_none() {
            return Err(StoreError::Empty(path.to_owned()));
        }
        Ok(store)
    }

    /// A read-only connection, the schema brought up to date first if it is
    /// behind (which needs write access once).
    fn read_only(path: &Path) -> Result<Store, StoreError> {
        let conn = connect_read_only(path)?;
        match schema(&conn, path)? {
            Schema::Current => Ok(Store { conn, path: path.to_owned(), schema: MIGRATIONS_KNOWN }),
            Schema::Blank => Err(StoreError::Empty(path.to_owned())),
            Schema::Behind(version) => {
                drop(conn);
                let schema = match Store::create(path) {
                    Ok(migrated) => {
                        drop(migrated);
                        MIGRATIONS_KNOWN
                    }
                    // A catalog that cannot be written (a read-only file, a
                    // CI cache) but lacks only `filter_values` or
                    // `facet_groups` is read as it is, the scans they spare run.
                    Err(_) if version >= READABLE_AS_IS => version,
                    Err(StoreError::Open { .. } | StoreError::Migrate { .. }) => {
                        return Err(StoreError::Outdated(path.to_owned()));
                    }
                    Err(other) => return Err(other),
                };
                Ok(Store { conn: connect_read_only(path)?, path: path.to_owned(), schema })
            }
        }
    }
}

/// A connection to the catalog, with its path for messages. The connection
/// is private to the store's files: callers ask through named methods.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    /// The catalog's schema version: older than this build's only when it
    /// was read where it cannot be migrated. `filter_values` came with 3,
    /// `facet_groups` with 4.
    pub(super) schema: i64,
}

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/01-init/up.sql")),
        M::up_with_hook(include_str!("../../migrations/02-sort-keys/up.sql"), fill_sort_keys),
        M::up(include_str!("../../migrations/03-filter-values/up.sql")),
        M::up(include_str!("../../migrations/04-facet-groups/up.sql")),
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

/// A catalog file up to this size is read through a memory map rather than
/// copied page by page into SQLite's cache. Measured on Linux: a 4,619-model
/// catalog (8 MB) queries 0.7–2 ms faster mapped; at 10,000 models (17 MB) it
/// is even; beyond, faulting the mapping in costs more than the copies (a scan
/// of 100,000 models took 31 → 52 ms mapped).
const MAP_LIMIT: u64 = 16 << 20;

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Until the returned guard is dropped, every catalog [`Store::open`]ed on this
/// thread interrupts its queries once `at` has passed: the server's time limit.
pub fn deadline(at: Instant) -> Deadline {
    DEADLINE.set(Some(at));
    Deadline(())
}

/// Moves this thread's [`deadline`], if it has one, `by` later: the time a
/// streamed answer waits for its reader is not the query's.
pub fn postpone(by: Duration) {
    DEADLINE.set(DEADLINE.get().map(|at| at + by));
}

/// Ends a [`deadline`] when dropped.
pub struct Deadline(());

impl Drop for Deadline {
    fn drop(&mut self) {
        DEADLINE.set(None);
    }
}

/// Whether `err` is a query stopped by a [`deadline`].
/// SQLite's own error is looked for too: a [`StoreError::Sqlite`] is
/// transparent, so the chain goes from it straight to SQLite's code.
pub fn interrupted(err: &anyhow::Error) -> bool {
    let stopped = |e: &rusqlite::Error| e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted);
    err.chain().any(|cause| {
        cause.downcast_ref::<rusqlite::Error>().is_some_and(stopped)
            || matches!(cause.downcast_ref::<StoreError>(), Some(StoreError::Sqlite(e)) if stopped(e))
            || cause.downcast_ref::<rusqlite::ffi::Error>().is_some_and(|e| e.code == ErrorCode::OperationInterrupted)
    })
}

/// `path` made absolute, so that SQLite never reads it as a `file:` URI.
fn file_name(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| Path::new(".").join(path))
}

fn connect(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    Connection::open_with_flags(file_name(path), flags).map_err(|e| failed(path, e))
}

/// Read-only, waiting for a writer up to the busy timeout. A catalog in WAL
/// mode whose folder cannot be written (no `-shm` file can be made) is opened
/// as immutable: nothing can change it there anyway.
fn connect_read_only(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = connect(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| failed(path, e))?;
    if std::fs::metadata(path).is_ok_and(|m| m.len() <= MAP_LIMIT) {
        conn.pragma_update(None, "mmap_size", MAP_LIMIT as i64).map_err(|e| failed(path, e))?;
    }
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(conn),
        // SQLite cannot make the WAL's shared-memory file in a read-only folder.
        Err(e) if matches!(e.sqlite_error_code(), Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)) => {
            let conn = Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
                .map_err(|e| failed(path, e))?;
            Ok(conn)
        }
        Err(e) => Err(failed(path, e)),
    }
}

/// `file:/abs/path?immutable=1`, the path percent-encoded.
fn immutable_uri(path: &Path) -> String {
    let name = file_name(path).to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file:");
    if !name.starts_with('/') {
        uri.push('/');
    }
    for b in name.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => uri.push(b as char),
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Per-connection settings of a writer: WAL so readers never wait on a sync,
/// foreign keys enforced.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // Only a new, empty catalog takes this: big pages mean fewer B-tree pages
    // and WAL frames for the records, which are large rows.
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// What the database at `path` is: a cometcat catalog (current or older), a
/// blank file, or an error saying what else it is.
fn schema(conn: &Connection, path: &Path) -> Result<Schema, StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| failed(path, e))?;
    let known = MIGRATIONS_KNOWN;
    match version {
        0 => {
            let tables: i64 =
                conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).map_err(|e| failed(path, e))?;
            if tables == 0 { Ok(Schema::Blank) } else { Err(StoreError::NotACatalog(path.to_owned())) }
        }
        v if v == known => Ok(Schema::Current),
        v if v < known => Ok(Schema::Behind(v)),
        found => Err(StoreError::Newer { path: path.to_owned(), found, known }),
    }
}

/// The oldest schema this build reads without migrating it: schemas 3 and 4
/// only added `filter_values` and `facet_groups`, which spare some scans.
const READABLE_AS_IS: i64 = 2;

/// The schema version the migrations bring a catalog to.
const MIGRATIONS_KNOWN: i64 = 4;

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// An error opening `path`, in the words of what it means.
fn failed(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase(path.to_owned()),
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly(path.to_owned()),
        _ if is_busy(&e) => StoreError::Busy(path.to_owned()),
        _ => StoreError::Open { path: path.to_owned(), source: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_stopped_by_the_deadline_is_known_however_it_is_wrapped() {
        let conn = Connection::open_in_memory().unwrap();
        conn.progress_handler(1, Some(|| true)).unwrap();
        let stop = || conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).unwrap_err();
        assert!(interrupted(&anyhow::Error::from(stop())));
        assert!(interrupted(&anyhow::Error::from(StoreError::from(stop()))), "StoreError::Sqlite is transparent");
        assert!(interrupted(&anyhow::Error::from(StoreError::from(stop())).context("listing the models")));
        assert!(!interrupted(&anyhow::Error::from(StoreError::NoSnapshot(1))));
    }

    #[test]
    fn the_migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn the_known_schema_version_is_the_number_of_migrations() {
        let mut conn = Connection::open_in_memory().unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS_KNOWN);
    }

    #[test]
    fn an_older_catalog_gains_the_new_sort_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // A catalog as schema 1 left it, with one priced version.
        let mut conn = Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::new(vec![rusqlite_migration::M::up(include_str!(
            "../../migrations/01-init/up.sql"
        ))])
        .to_latest(&mut conn)
        .unwrap();
        conn.execute_batch(
            "INSERT INTO snapshots VALUES (1, 't', 't', '2026-01-01T00:00:00Z', 's', 'file', 1, 1, 1, 0, 0, 0, 'h', 1, 0, 0);
             INSERT INTO model_versions (version_id, hash, id, features, endpoints, effective_per_request, effective_per_second, upcoming)
                 VALUES (1, 'h1', 'img', '[]', '[]', '0.04', NULL, 0), (2, 'h2', 'vid', '[]', '[]', NULL, '0.1', 0);
             INSERT INTO spans VALUES ('img', 1, 1, NULL), ('vid', 2, 1, NULL);",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let keys: Vec<(Option<String>, Option<String>)> = conn
            .prepare("SELECT request_sort, second_sort FROM model_versions ORDER BY version_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(keys, [(Some("a04".into()), None), (None, Some("a1".into()))]);
    }

    #[test]
    fn an_older_catalog_gains_the_values_its_filters_can_ask_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // A catalog as schema 2 left it.
        let mut conn = Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::new(MIGRATIONS_UP_TO_2.iter().map(|sql| M::up(sql)).collect())
            .to_latest(&mut conn)
            .unwrap();
        conn.execute_batch(
            r#"INSERT INTO snapshots VALUES (1, 't', 't', '2026-01-01T00:00:00Z', 's', 'file', 1, 1, 1, 0, 0, 0, 'h', 1, 0, 0);
             INSERT INTO model_versions (version_id, hash, id, provider, provider_code, model_type, features, endpoints, upcoming)
                 VALUES (1, 'h1', 'a', 'OpenAI', 'openai', 'text', '["Vision","reasoning"]',
                         '[{"key":"openai-chat","path":"/v1/chat/completions","method":"POST"}]', 0),
                        (2, 'h2', 'b', NULL, NULL, NULL, '["vision"]', '[{"key":"images"}]', 0);
             INSERT INTO spans VALUES ('a', 1, 1, NULL), ('b', 2, 1, NULL);"#,
        )
        .unwrap();
        drop(conn);
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let values: Vec<String> = conn
            .prepare("SELECT facet || ' ' || lower(value) FROM filter_values ORDER BY facet, lower(value)")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // `Vision` and `vision` are one value (which of them is kept does not
        // matter: a filter ignores their case), and so are `OpenAI` and `openai`.
        assert_eq!(
            values,
            [
                "endpoint /v1/chat/completions",
                "endpoint images",
                "endpoint openai-chat",
                "feature reasoning",
                "feature vision",
                "provider openai",
                "type text"
            ]
        );
    }

    /// The migrations of schema 2, to make a catalog as an older cometcat left it.
    const MIGRATIONS_UP_TO_2: [&str; 2] =
        [include_str!("../../migrations/01-init/up.sql"), include_str!("../../migrations/02-sort-keys/up.sql")];

    #[test]
    fn paths_are_never_uris() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("file:u.db?mode=memory");
        let store = Store::create(&odd).unwrap();
        drop(store);
        assert!(odd.exists(), "a file of that very name");
        assert_eq!(immutable_uri(Path::new("/a b/c?d#e%f.db")), "file:/a%20b/c%3Fd%23e%25f.db?immutable=1");
    }

    #[test]
    fn other_files_are_named_for_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database, just words long enough to fill a header page .....").unwrap();
        assert!(matches!(Store::open(&text), Err(StoreError::NotADatabase(_))));
        assert!(matches!(Store::create(&text), Err(StoreError::NotADatabase(_))));
        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(matches!(Store::open(&other), Err(StoreError::NotACatalog(_))));
        assert!(matches!(Store::create(&other), Err(StoreError::NotACatalog(_))));
        let blank = dir.path().join("blank.db");
        drop(Connection::open(&blank).unwrap());
        assert!(matches!(Store::open(&blank), Err(StoreError::Empty(_))));
        let newer = dir.path().join("newer.db");
        drop(Store::create(&newer).unwrap());
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(Store::open(&newer), Err(StoreError::Newer { found: 99, .. })));
    }
}
