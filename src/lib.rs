//! cometcat: a local, queryable copy of CometAPI's model catalog, with exact
//! prices, cost estimates and a CI cost gate.
//!
//! Data flows one way: [`api`] walks `/api/models` (or `sync --from` reads a
//! file), [`catalog`] turns each raw record into a [`Model`], [`store`] writes
//! the whole answer as one snapshot in SQLite, and readers ask the [`Store`] for
//! models through [`query`] (filters → SQL), price them with [`pricing`], and
//! print them through [`output`].
//!
//! # As a library
//!
//! ```no_run
//! use cometcat::{Basis, Filters, Sort, Store, Workload};
//!
//! # fn main() -> anyhow::Result<()> {
//! let store = Store::open("catalog.db".as_ref())?;
//! // The five cheapest text models by input price.
//! let text = Filters { types: vec!["text".into()], ..Filters::default() };
//! let by_price = Sort { key: cometcat::query::SortKey::InputPrice, desc: false };
//! store.each_model(&text, by_price, Some(5), |m| -> anyhow::Result<()> {
//!     println!("{}", m.model.id);
//!     Ok(())
//! })?;
//! // What 30,000 calls of 1,200 tokens in and 350 out cost on gpt-5.
//! let gpt5 = store.find("gpt-5")?.expect("gpt-5 is in the catalog");
//! let work = Workload { input_tokens: 1200, output_tokens: 350, requests: 30_000, seconds: None };
//! println!("${}", gpt5.model.cost(&work, Basis::Effective)?.cost);
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! - [`cli`]: the command line as clap types; doc comments are the `--help` text.
//! - [`settings`]: flags > environment > defaults, resolved once.
//! - [`api`]: the reqwest walker, the pure paging plan and retry policy it follows, and the gateway's call log.
//! - [`catalog`]: domain types, the one description of the price columns, record parsing.
//! - [`json`]: JSON from outside read as serde_json reads it, without its private re-reading.
//! - [`money`]: exact decimal amounts, computed exactly or refused.
//! - [`numbers`]: numbers in words (`3 records`, `64 MiB`, `1,200`).
//! - [`time`]: times as stored and shown, RFC 3339 in UTC.
//! - [`paths`]: where the catalog lives when `--db` does not say.
//! - [`count`]: counts as people write them (`1.2M`, `200K`, `1,048,576`), for flags, files and the catalog.
//! - [`pricing`]: priced components, the cost formula, growth thresholds; no I/O.
//! - [`query`]: FILTERS and sort orders compiled to SQL with bound parameters; no I/O.
//! - [`workload`]: the `estimate` workload file, parsed and validated; no I/O.
//! - [`estimate`]: the `estimate` report and its baseline comparison; no I/O.
//! - [`gate`]: the CI gate's rules as a pure function of the report, the limits and the clock.
//! - [`usage`]: pricing real usage: API responses and logs read, matched and priced.
//! - [`history`]: what changed between two versions of a model; no I/O.
//! - [`book`]: the price book (price periods and aliases) and the SQL that prices usage in other engines; no I/O.
//! - [`suggest`]: "did you mean", bounded.
//! - [`sample`]: the sample catalog bundled in the binary, for a fresh machine.
//! - [`complete`]: shell completion that knows the catalog's models and facets.
//! - [`store`]: SQLite: pragmas, migrations, snapshot writes, reads, the read-only SQL sandbox.
//! - [`output`]: table, JSON, CSV and Markdown renderers over `Write`.
//! - [`commands`]: one file per subcommand, gluing the above together.
//! - [`serve`]: the web explorer, over the commands' own code.
//! - [`mcp`]: the MCP server for AI agents (`cometcat mcp`), over the commands' own code.
//! - [`error`]: the exit-code table, and how errors give hints and exit codes.

pub mod api;
pub mod book;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod complete;
pub mod count;
pub mod error;
pub mod estimate;
pub mod gate;
pub mod history;
pub mod json;
pub mod mcp;
pub mod memory;
pub mod money;
pub mod numbers;
pub mod output;
pub mod paths;
pub mod pricing;
pub mod query;
pub mod sample;
pub mod serve;
pub mod settings;
pub mod store;
pub mod suggest;
pub mod time;
pub mod usage;
pub mod workload;

pub use catalog::Model;
pub use money::Money;
pub use pricing::{Basis, Workload};
pub use query::{Filters, Sort};
pub use store::Store;
