//! cometcat: a local, queryable copy of CometAPI's model catalog.
//!
//! Data flows one way: [`api`] walks `/api/models` (or `sync --from` reads a
//! file), [`catalog`] turns each raw record into a [`catalog::Model`], [`store`]
//! writes the whole answer as one snapshot in SQLite, and the commands read it
//! back through [`query`] (filters → SQL) and [`pricing`] (costs), printing
//! through [`output`].
//!
//! - [`cli`]: the command line as clap types; doc comments are the `--help` text.
//! - [`settings`]: flags > environment > defaults, resolved once.
//! - [`api`]: the reqwest walker, and the pure paging plan and retry policy it follows.
//! - [`catalog`]: domain types and record validation; no I/O.
//! - [`pricing`]: exact money, the cost formula, budget thresholds; no I/O.
//! - [`query`]: FILTERS and sort orders compiled to SQL with bound parameters; no I/O.
//! - [`workload`]: the `estimate` workload file, parsed and validated; no I/O.
//! - [`history`]: what changed between two versions of a model; no I/O.
//! - [`store`]: SQLite: pragmas, migrations, snapshot writes, reads.
//! - [`output`]: table, JSON, CSV and Markdown renderers over `Write`.
//! - [`commands`]: one file per subcommand, gluing the above together.
//! - [`error`]: the exit-code table and how errors are shown.

pub mod api;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod error;
pub mod history;
pub mod output;
pub mod pricing;
pub mod query;
pub mod settings;
pub mod store;
pub mod workload;
