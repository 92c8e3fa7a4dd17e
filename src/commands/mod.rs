//! The command layer: one file per subcommand, each the glue between
//! settings, the store, the API and the renderers, plus what they share —
//! [`ctx`] (settings, stdout, opening the catalog), [`lookup`] (models by the
//! names people give) and [`diagnostics`] (how an error reaches the user).
//! The typed parts of some commands are public, for the MCP server
//! ([`crate::mcp`]) to answer with the very same code.
//! Data goes to stdout; notes, warnings and progress go to stderr, and `-q`
//! silences all of them but errors.

pub mod compare;
mod cost;
pub mod ctx;
pub mod diagnostics;
pub mod diff;
pub mod estimate;
mod export;
mod facets;
mod fetch;
pub mod history;
pub mod lookup;
mod mcp;
mod models;
mod progress;
pub mod rank;
mod serve;
mod show;
mod sql;
mod sync;
mod syncs;
pub mod usage;

use std::io::{self, BufWriter, Write};

pub use ctx::Ctx;

use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::query::Facet;
use crate::settings::Settings;

/// Runs the parsed command line; errors carry their exit code (see [`crate::error`]).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let settings = Settings::resolve(&cli.global, |name| std::env::var_os(name))?;
    // Not locked for the whole run: `mcp` writes to stdout from other threads.
    // Large writes: stdout is line-buffered underneath, and a long listing
    // piped to another program costs a system call (and a wake-up) per write.
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout());
    let exit = execute(&cli.command, settings, &mut out)?;
    out.flush()?;
    Ok(exit)
}

/// Runs one command with `settings`, its data written to `out`: what the
/// command line does, and what the web explorer's API does with a request.
pub fn execute(command: &Command, settings: Settings, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let mut ctx = Ctx { settings, out };
    let ctx = &mut ctx;
    match command {
        Command::Sync(args) => sync::run(ctx, args),
        Command::Models(args) => models::run(ctx, args),
        Command::Show(args) => show::run(ctx, args),
        Command::Compare(args) => compare::run(ctx, args),
        Command::Providers(args) => facets::run(ctx, Facet::Providers, args),
        Command::Features(args) => facets::run(ctx, Facet::Features, args),
        Command::Types(args) => facets::run(ctx, Facet::Types, args),
        Command::Endpoints(args) => facets::run(ctx, Facet::Endpoints, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Cost(args) => cost::run(ctx, args),
        Command::Rank(args) => rank::run(ctx, args),
        Command::Estimate(args) => estimate::run(ctx, args),
        Command::Usage(args) => usage::run(ctx, args),
        Command::Syncs(args) => syncs::run(ctx, args),
        Command::Diff(args) => diff::run(ctx, args),
        Command::History(args) => history::run(ctx, args),
        Command::Sql(args) => sql::run(ctx, args),
        Command::Serve(args) => serve::run(ctx, args, execute),
        Command::Mcp(args) => mcp::run(ctx, args),
        Command::Completions(args) => crate::complete::registration(&args.shell, ctx.out).map(|()| Exit::Ok),
    }
}
