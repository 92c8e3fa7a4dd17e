//! What can go wrong with the catalog, in the words of what it means, each
//! with its hint.

use std::path::PathBuf;

use crate::error::{Diagnostic, Exit};

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
