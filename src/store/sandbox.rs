//! `cometcat sql`: one statement of the user's over a connection that cannot
//! write. It is opened read-only, set `query_only`, forbidden to attach, and an
//! authorizer refuses every action that is not a read, so no statement can
//! change anything. RowSink are handed to the caller one at a time.

use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;

use super::error::StoreError;
use super::open::Store;
use crate::error::UserError;

/// A value as SQLite returned it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<ValueRef<'_>> for Cell {
    fn from(v: ValueRef<'_>) -> Cell {
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        }
    }
}

impl Cell {
    /// The value as text: empty for NULL, `x'..'` for a blob.
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Integer(i) => i.to_string(),
            Cell::Real(f) => f.to_string(),
            Cell::Text(t) => t.clone(),
            Cell::Blob(b) => format!("x'{}'", crate::catalog::hex(b)),
        }
    }
}

/// What the caller does with the result: first the column names, then each row.
pub trait RowSink {
    fn columns(&mut self, names: &[String]) -> anyhow::Result<()>;
    fn row(&mut self, cells: Vec<Cell>) -> anyhow::Result<()>;
}

/// The most memory SQLite may take for a query: past it, the query fails
/// rather than the machine (`SELECT hex(zeroblob(400000000))` wants 3.5 GB).
pub const HEAP_LIMIT: i64 = 1 << 30;

/// The longest text or blob a query may make.
pub const VALUE_LIMIT: i32 = 64 << 20;

/// Runs one read-only statement over the catalog, stopping it after `timeout`.
pub fn query(store: Store, sql: &str, timeout: Duration, out: &mut dyn RowSink) -> anyhow::Result<()> {
    // Process-wide: `sql` runs one query and ends.
    // SAFETY: sqlite3_hard_heap_limit64 only sets a limit; it may be called at any time.
    unsafe { rusqlite::ffi::sqlite3_hard_heap_limit64(HEAP_LIMIT) };
    let conn = sandbox(store)?;
    let deadline = Instant::now() + timeout;
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline)).map_err(StoreError::from)?;
    let refused = |e| refused(e, timeout);
    let mut stmt = conn.prepare(sql).map_err(refused)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    out.columns(&columns)?;
    let mut rows = stmt.query([]).map_err(refused)?;
    while let Some(row) = rows.next().map_err(refused)? {
        out.row((0..columns.len()).map(|i| Cell::from(row.get_ref(i).expect("column index in range"))).collect())?;
    }
    Ok(())
}

/// The store's read-only connection, locked down further: `query_only`, no
/// ATTACH, and an authorizer that allows reads only.
fn sandbox(store: Store) -> Result<Connection, StoreError> {
    let Store { conn, path, .. } = store;
    let open_err = |source| StoreError::Open { path: path.clone(), source };
    conn.pragma_update(None, "query_only", true).map_err(open_err)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0).map_err(open_err)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, VALUE_LIMIT).map_err(open_err)?;
    conn.authorizer(Some(authorize)).map_err(open_err)?;
    Ok(conn)
}

fn authorize(ctx: AuthContext<'_>) -> Authorization {
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

/// Why SQLite would not run the statement, in the user's terms.
fn refused(e: rusqlite::Error, timeout: Duration) -> UserError {
    use rusqlite::ErrorCode::{
        ApiMisuse, AuthorizationForStatementDenied, OperationInterrupted, OutOfMemory, ReadOnly, TooBig,
    };
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == OperationInterrupted => {
            UserError::new(format!("the query ran longer than --timeout ({} s) and was stopped", timeout.as_secs_f64()))
                .hint("narrow it (a WHERE clause, a LIMIT), or give it more time with --timeout")
        }
        rusqlite::Error::SqliteFailure(f, msg) if matches!(f.code, AuthorizationForStatementDenied | ReadOnly) => {
            UserError::new(format!(
                "`cometcat sql` only reads; the statement was refused ({})",
                msg.as_deref().unwrap_or("not authorized")
            ))
            .hint("change the catalog with `cometcat sync`; query it with SELECT")
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == OutOfMemory => UserError::new(format!(
            "the query needs more than the {} of memory `cometcat sql` gives it",
            crate::numbers::bytes(HEAP_LIMIT as u64)
        ))
        .hint("narrow it (a WHERE clause, a LIMIT), or aggregate less at once"),
        rusqlite::Error::SqliteFailure(f, _) if f.code == TooBig => UserError::new(format!(
            "the query makes a text or blob longer than {}, the most `cometcat sql` allows",
            crate::numbers::bytes(VALUE_LIMIT as u64)
        )),
        rusqlite::Error::MultipleStatement => UserError::new("give one SQL statement at a time"),
        // What SQLite answers to a query of only blanks or comments.
        rusqlite::Error::SqliteFailure(f, _) if f.code == ApiMisuse => {
            UserError::new("the query holds no SQL statement").hint("for example: cometcat sql 'SELECT id FROM models'")
        }
        _ => UserError::new(format!("the query failed: {e}")),
    }
}
