//! The MCP server itself, on the official Rust SDK (`rmcp`): the six tools
//! with the descriptions and input schemas an agent reads, the server's
//! name, version and instructions, and the stdio session. Each call reads
//! its arguments ([`super::args::read`]) and runs its tool on a blocking
//! thread, with a catalog opened for that call; the result goes out as
//! structured content and as the same JSON in a text block. stdout carries
//! protocol messages only: nothing here prints.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, JsonObject, ServerCapabilities, ServerConfig};
use rmcp::service::ServerInitializeError;
use rmcp::{ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use tokio::io::DuplexStream;

use super::answer::{Catalog, Need, Reply, ToolError, call};
use super::args::{self, CatalogChanges, EstimateCost, FindModels, GetModel, PriceUsage, RankModels};
use super::{stdio, tools};

/// What an agent is told of the server as a whole, once.
const INSTRUCTIONS: &str = "cometcat answers from a local copy of CometAPI's AI model catalog (hundreds of models \
from many providers, with their features, endpoints and exact prices) and prices workloads exactly. Prices are USD: \
input and output per 1M tokens, per_request per call, per_second per second of generated media; the effective price \
(listed × ratio) is what CometAPI charges, and costs use it. Money is always a decimal string. Every result names \
the catalog snapshot it came from (`catalog`); `catalog.sample: true` means the small sample bundled with cometcat \
answered because no catalog is synced yet (the user runs `cometcat sync`). Listings hold at most `limit` entries \
(default 50, at most 500) and say how many matched. An error names the argument and how to fix it; a model name is \
never guessed.";

/// What `find_models` does and answers, as an agent reads it.
const FIND_MODELS: &str = "List the catalog's models that match filters (features, providers, types, endpoints, \
search text, price ceilings, minimum context, how they are priced), sorted. Answers {catalog, models, matched, \
notes}: each model as `cometcat models --format json` gives it — id, code, name, provider, provider_code, \
model_type, features, endpoints, the listed and effective prices (input_price and output_price per 1M tokens, \
per_request, per_second, ratio), context_length, max_completion_tokens, upcoming, created. `matched` counts every \
match; at most `limit` are listed. A filter value that no model has is an error listing the values there are.";

/// What `get_model` does and answers, as an agent reads it.
const GET_MODEL: &str = "One model by id or code, every field, with its price history. Answers {catalog, model, \
history, history_entries, notes}: `model` as `cometcat show --format json` gives it (the model's fields, \
description, currency, api_doc_url, warnings, and the record as the API sent it); `history` as `cometcat history \
--format json` gives it, an entry per snapshot in which its listed prices, ratio or currency changed. A model no \
longer listed has `model` null and its history. An unknown name is an error with the closest ids: nothing is \
guessed.";

/// What `rank_models` does and answers, as an agent reads it.
const RANK_MODELS: &str = "The cheapest models for a workload among those matching the filters: `requests` calls of \
`input_tokens` in and `output_tokens` out each (and `seconds` of media each, for models priced per second), \
cheapest first, ties by id. Answers {catalog, models, matched, notes}: each row as `cometcat rank --format json` \
gives it — id, requests, input_tokens, output_tokens, seconds, cost and list_cost (USD for all the calls), \
unpriced, upcoming, price_basis. What cannot be compared like for like (unpriced models, per-second models without \
`seconds`, models that do not price a kind of token the workload has) is left out and counted in `notes`.";

/// What `estimate_cost` does and answers, as an agent reads it.
const ESTIMATE_COST: &str = "What a whole workload costs: each item a model with its calls, and tokens (or seconds \
of media) per call, priced exactly on the current catalog. Answers {catalog, estimate, notes}: `estimate` as \
`cometcat estimate --format json` gives it — items with their cost and list_cost, total, list_total, budget (when \
`budget` is given: whether the total is within it) and violations. An unknown model is an error with the closest \
ids. Needs a synced catalog: never prices against the bundled sample.";

/// What `price_usage` does and answers, as an agent reads it.
const PRICE_USAGE: &str = "Price the calls an application actually made, from the API responses it received or a \
log of them (OpenAI, Anthropic, Gemini and others; whole responses, streams, log lines). Answers {catalog, usage, \
groups, notes}: `usage` as `cometcat usage --format json` gives it — totals (records, tokens, requests, seconds, \
cost), groups, the model names resolved, unknown and unpriced models (never priced as $0), errors, unreadable \
records, what_if alternatives, violations. Names are matched by id, code, case, without a `models/` prefix or a \
trailing date; never by likeness. Needs a synced catalog.";

/// What `catalog_changes` does and answers, as an agent reads it.
const CATALOG_CHANGES: &str = "What changed in the catalog between two snapshots (default: the previous one and the \
current one): models added, removed, and changed with each field's old and new value (prices with the change in \
percent). Answers {catalog, changes, counts, notes}: `changes` as `cometcat diff --format json` gives it — from, \
to, added, removed, changed. `since` takes a snapshot id, or a date or time (the snapshot current then). Filters \
narrow it.";

/// The server: where the catalog is, and the tools.
pub struct Server {
    db: PathBuf,
    tool_router: ToolRouter<Server>,
}

/// A tool's input schema, from its argument struct.
fn schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    rmcp::handler::server::common::schema_for_input::<T>().expect("an argument struct is a JSON object")
}

#[tool_router]
impl Server {
    pub fn new(db: PathBuf) -> Server {
        Server { db, tool_router: Server::tool_router() }
    }

    /// Runs `tool` on the arguments, on a blocking thread (SQLite), with the
    /// catalog `need` says.
    async fn run<A: DeserializeOwned + Send + 'static>(
        &self,
        arguments: JsonObject,
        need: Need,
        tool: fn(&Catalog, A) -> Result<Reply, ToolError>,
    ) -> CallToolResult {
        let db = self.db.clone();
        let job = tokio::task::spawn_blocking(move || call(&db, need, args::read::<A>(arguments)?, tool));
        match job.await {
            Ok(Ok(Reply { text, value })) => {
                let mut result = CallToolResult::structured(value);
                result.content = vec![ContentBlock::text(text)];
                result
            }
            Ok(Err(ToolError(message))) => CallToolResult::error(vec![ContentBlock::text(message)]),
            Err(failed) => CallToolResult::error(vec![ContentBlock::text(format!("the tool failed: {failed}"))]),
        }
    }

    /// [`FIND_MODELS`]
    #[tool(annotations(read_only_hint = true, open_world_hint = false), input_schema = schema::<FindModels>(), description = FIND_MODELS)]
    async fn find_models(&self, arguments: JsonObject) -> CallToolResult {
        self.run(arguments, Need::Explore, tools::find_models).await
    }

    /// [`GET_MODEL`]
    #[tool(annotations(read_only_hint = true, open_world_hint = false), input_schema = schema::<GetModel>(), description = GET_MODEL)]
    async fn get_model(&self, arguments: JsonObject) -> CallToolResult {
        self.run(arguments, Need::Explore, tools::get_model).await
    }

    /// [`RANK_MODELS`]
    #[tool(annotations(read_only_hint = true, open_world_hint = false), input_schema = schema::<RankModels>(), description = RANK_MODELS)]
    async fn rank_models(&self, arguments: JsonObject) -> CallToolResult {
        self.run(arguments, Need::Explore, tools::rank_models).await
    }

    /// [`ESTIMATE_COST`]
    #[tool(annotations(read_only_hint = true, open_world_hint = false), input_schema = schema::<EstimateCost>(), description = ESTIMATE_COST)]
    async fn estimate_cost(&self, arguments: JsonObject) -> CallToolResult {
        self.run(arguments, Need::Gate("estimate"), tools::estimate_cost).await
    }

    /// [`PRICE_USAGE`]
    #[tool(annotations(read_only_hint = true, open_world_hint = false), input_schema = schema::<PriceUsage>(), description = PRICE_USAGE)]
    async fn price_usage(&self, arguments: JsonObject) -> CallToolResult {
        self.run(arguments, Need::Gate("usage"), tools::price_usage).await
    }

    /// [`CATALOG_CHANGES`]
    #[tool(annotations(read_only_hint = true, open_world_hint = false), input_schema = schema::<CatalogChanges>(), description = CATALOG_CHANGES)]
    async fn catalog_changes(&self, arguments: JsonObject) -> CallToolResult {
        self.run(arguments, Need::Synced, tools::catalog_changes).await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("cometcat", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Serves the catalog at `db` on stdin and stdout until stdin closes, every
/// line checked on the way in ([`super::stdio`]).
pub async fn serve_stdio(db: PathBuf) -> anyhow::Result<()> {
    let (to_session, session_in) = tokio::io::duplex(1 << 16);
    let (session_out, from_session) = tokio::io::duplex(1 << 16);
    let (refuse, refused) = tokio::sync::mpsc::channel(64);
    // A read of stdin cannot be cancelled: the reader is left to the runtime's shutdown.
    tokio::spawn(stdio::read(tokio::io::stdin(), to_session, refuse));
    let writing = tokio::spawn(stdio::write(from_session, refused, tokio::io::stdout()));
    let served = session(db, session_in, session_out).await;
    // Every answer, and every refusal of a line read before the end, reaches stdout.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writing).await;
    served
}

/// The session itself, over the checked lines.
async fn session(db: PathBuf, input: DuplexStream, output: DuplexStream) -> anyhow::Result<()> {
    let running = match Server::new(db).serve((input, output)).await {
        Ok(running) => running,
        // stdin closed before a session began: nothing was asked.
        Err(ServerInitializeError::ConnectionClosed(_)) => return Ok(()),
        Err(ServerInitializeError::ExpectedInitializeRequest(_)) => anyhow::bail!(
            "the client's first message was not a request: a session starts with `initialize` (or, from \
             protocol revision 2026-07-28, with any request that carries its `_meta`)"
        ),
        Err(e) => return Err(anyhow::Error::new(e).context("the MCP session could not start")),
    };
    running.waiting().await.context("the MCP session stopped")?;
    Ok(())
}
