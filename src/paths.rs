//! Where the catalog lives when `--db` does not say: `COMETCAT_DB`, else
//! `$XDG_DATA_HOME/cometcat/catalog.db`, else `~/.local/share/cometcat/catalog.db`.
//! Pure: the environment is handed in.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::UserError;

/// `COMETCAT_DB`, else `$XDG_DATA_HOME/cometcat/catalog.db`, else
/// `~/.local/share/cometcat/catalog.db`. `env` looks up a variable.
pub fn catalog_path(env: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf, UserError> {
    if let Some(db) = env("COMETCAT_DB").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(db));
    }
    let absolute = |v: OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let data = env("XDG_DATA_HOME")
        .and_then(absolute)
        .or_else(|| env("HOME").and_then(absolute).map(|h| h.join(".local").join("share")))
        .ok_or_else(|| UserError::usage("cannot tell where to keep the catalog: set --db, COMETCAT_DB or HOME"))?;
    Ok(data.join("cometcat").join("catalog.db"))
}
