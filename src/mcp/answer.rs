//! What every tool answers, and how: the catalog it opened for the call (a
//! fresh read-only connection each time, so a sync is seen at the next call),
//! the result as one JSON object — `{"catalog": {...}, <the command's JSON>,
//! "notes": [...]}`, with the same JSON as text — and the error an agent can
//! act on: the command line's message and hint, naming the argument. An
//! answer or error from the bundled sample catalog says so, every time.

use std::path::Path;

use serde::Serialize;

use crate::commands::ctx::{catalog_for_gate, catalog_or_sample_at};
use crate::commands::diagnostics::{diagnose, render_body};
use crate::error::Exit;
use crate::store::{Snapshot, Store};

/// What a tool needs of the catalog, as the command it stands for does.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// Exploring (`models`, `show`, `rank`): before any sync, the bundled sample.
    Explore,
    /// The synced catalog's snapshots (`diff`).
    Synced,
    /// Pricing that a gate would judge (`estimate`, `usage`): never the sample.
    Gate(&'static str),
}

/// The catalog one call reads.
pub struct Catalog {
    pub store: Store,
    pub snapshot: Snapshot,
    /// Whether it is the bundled sample (no catalog synced yet).
    pub sample: bool,
}

/// A tool's result: a JSON object, and the same JSON as text (in the command
/// line's key order, compact).
#[derive(Debug)]
pub struct Reply {
    pub text: String,
    pub value: serde_json::Value,
}

/// A tool error: what is wrong, naming the argument, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError(pub String);

impl ToolError {
    /// `argument `name`: message`.
    pub fn argument(name: &str, message: impl std::fmt::Display) -> ToolError {
        ToolError(format!("argument `{name}`: {message}"))
    }

    /// The same error, said to be about argument `name`.
    pub fn about(self, name: &str) -> ToolError {
        ToolError::argument(name, self.0)
    }
}

/// Any error of the command layer, as the command line says it: the message,
/// its causes, and the hint.
impl<E: Into<anyhow::Error>> From<E> for ToolError {
    fn from(err: E) -> ToolError {
        let err = err.into();
        ToolError(render_body(&err, diagnose(&err).hint.as_deref()))
    }
}

/// `{"sync_id", "synced_at", "source", "sample"}`: which catalog answered.
#[derive(Clone, Copy, Serialize)]
struct CatalogJson<'a> {
    sync_id: i64,
    /// When the catalog's data left the API.
    synced_at: &'a str,
    source: &'a str,
    sample: bool,
}

#[derive(Serialize)]
struct ReplyJson<'a, T: Serialize> {
    catalog: CatalogJson<'a>,
    #[serde(flatten)]
    body: &'a T,
    notes: &'a [String],
}

/// Opens the catalog at `db` for one call and runs `tool` on it; an error
/// says when the sample catalog answered.
pub fn call<A>(
    db: &Path,
    need: Need,
    args: A,
    tool: impl FnOnce(&Catalog, A) -> Result<Reply, ToolError>,
) -> Result<Reply, ToolError> {
    let (store, sample) = match need {
        Need::Explore => catalog_or_sample_at(db)?,
        Need::Synced => (Store::open(db)?, false),
        Need::Gate(command) => (catalog_for_gate(db, command).map_err(gate_error)?, false),
    };
    let snapshot = store.current_snapshot()?.expect("an open catalog has a snapshot");
    let catalog = Catalog { store, snapshot, sample };
    tool(&catalog, args).map_err(|ToolError(message)| {
        if sample { ToolError(format!("{message}\nnote: {}", crate::sample::note())) } else { ToolError(message) }
    })
}

/// The gate's refusal of the sample, with what an agent can do meanwhile.
fn gate_error(err: anyhow::Error) -> ToolError {
    let policy = diagnose(&err).exit == Exit::Policy;
    let ToolError(message) = err.into();
    if !policy {
        return ToolError(message);
    }
    ToolError(format!(
        "{message}\nnote: until then, find_models, get_model and rank_models answer from the bundled sample catalog"
    ))
}

impl Catalog {
    /// The answer: `body`'s fields between the catalog and the notes (the
    /// sample's label first, when it answered).
    pub fn answer<T: Serialize>(&self, body: &T, notes: Vec<String>) -> Result<Reply, ToolError> {
        self.answer_as(body, body, notes)
    }

    /// [`Catalog::answer`], with the structured value built from `value`,
    /// which holds what `text` holds but no raw JSON: serde_json would read
    /// raw JSON again on its way to a value, as it reads it (`crate::json`).
    pub fn answer_as<T: Serialize, V: Serialize>(
        &self,
        body: &T,
        value: &V,
        notes: Vec<String>,
    ) -> Result<Reply, ToolError> {
        let mut all = Vec::with_capacity(notes.len() + 1);
        if self.sample {
            all.push(crate::sample::note());
        }
        all.extend(notes);
        let s = &self.snapshot;
        let catalog = CatalogJson { sync_id: s.id, synced_at: &s.fetched_at, source: &s.source, sample: self.sample };
        let text = serde_json::to_string(&ReplyJson { catalog, body, notes: &all })?;
        Ok(Reply { text, value: serde_json::to_value(ReplyJson { catalog, body: value, notes: &all })? })
    }
}

/// `showing 2 of 64 models: ...`, when `shown` is fewer than `matched`.
pub fn more(shown: usize, matched: usize, what: &str, fix: &str) -> Option<String> {
    (shown < matched).then(|| format!("showing {shown} of {matched} {what}: {fix}"))
}
