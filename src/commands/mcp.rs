//! `cometcat mcp`: the MCP server ([`crate::mcp`]) on stdin and stdout, as
//! glue. Starts the async runtime and serves until stdin closes; says on
//! stderr what it serves (stdout belongs to the protocol).

use anyhow::Context as _;

use super::ctx::Ctx;
use crate::cli::McpArgs;
use crate::error::Exit;

pub fn run(ctx: &mut Ctx<'_>, _args: &McpArgs) -> anyhow::Result<Exit> {
    let db = ctx.settings.db.clone();
    let what = if db.exists() { db.display().to_string() } else { crate::sample::label() };
    ctx.note(format_args!("serving {what} over MCP on stdin/stdout, read-only, until stdin closes"));
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    let served = runtime.block_on(crate::mcp::serve_stdio(db));
    // A read of stdin cannot be cancelled: it is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served.map(|()| Exit::Ok)
}
