//! The SQLite catalog: opening it (pragmas, migrations: [`open`]), one
//! `model_versions` row's encoder and decoder ([`row`]), writing a sync as one
//! snapshot ([`ingest`]), reading models and snapshots back ([`read`]), what
//! changed between two snapshots ([`diff`]), the price history the price book
//! is made from ([`book`]), and running a user's read-only SQL ([`sandbox`]).
//!
//! A [`Store`] is a door, not a window: its connection is private, and callers
//! ask for what they need through named methods. Only this module writes SQL
//! against the schema in `migrations/`; the query layer (`crate::query`) builds
//! filter SQL that this module runs. Money crosses this boundary as canonical
//! decimal TEXT, never REAL.
//!
//! Threads: a `Store` is one SQLite connection, so it may move between threads
//! (`Send`) but not be shared (`!Sync`). Each thread that reads the catalog
//! opens a `Store` of its own (the web explorer opens one per request), and
//! WAL lets all of them read while a sync writes.

mod book;
mod diff;
mod error;
pub mod ingest;
mod open;
mod read;
mod row;
pub mod sandbox;

pub use diff::{Changed, Diff};
pub use error::StoreError;
pub use ingest::{Committed, Feed, Ingest, SnapshotMeta};
pub use open::{Deadline, Store, deadline, interrupted, postpone};
pub use read::{FacetCount, Snapshot};
pub use row::{ModelRow, StoredModel};
