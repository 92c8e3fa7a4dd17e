//! `cometcat mcp`: the catalog served to AI agents over the Model Context
//! Protocol, on stdin and stdout, with the official Rust SDK (`rmcp`). Six
//! tools — `find_models`, `get_model`, `rank_models`, `estimate_cost`,
//! `price_usage`, `catalog_changes` — each a thin call into the code of the
//! command it stands for, answering with that command's `--format json`.
//!
//! [`server`] is the SDK's handler (descriptions, schemas, the session);
//! [`args`] the typed arguments each tool takes, [`values`] how they become
//! the domain's values; [`tools`] what each tool does; [`answer`] the shape
//! of every result and error; [`stdio`] the wire in front of the SDK, which
//! answers every line a client sends, even one that is not a message. Read-only: each call opens the catalog afresh,
//! read-only, and nothing is ever written to it or to stdout but protocol.

mod answer;
mod args;
mod server;
mod stdio;
mod tools;
mod values;

pub use server::{Server, serve_stdio};
