//! One file per subcommand: the glue between settings, the store, the API and
//! the renderers. Data goes to `Ctx::out` (stdout); notes, warnings and
//! progress go to stderr, and `-q` silences all of them but errors.

mod catalog;
mod cost;
mod diff;
pub mod estimate;
mod export;
mod history;
mod rank;
mod serve;
mod sql;
mod sync;
mod syncs;
mod usage;

use std::fmt::Display;
use std::io::{self, BufWriter, Write};

use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::output::Look;
use crate::query::Facet;
use crate::settings::Settings;

/// What every command gets: settings, stdout, and how tables may use it.
pub struct Ctx<'a> {
    pub settings: Settings,
    pub out: &'a mut dyn Write,
    pub look: Look,
}

impl Ctx<'_> {
    /// A line on stderr, unless `-q`. Catalog text in it cannot reach the
    /// terminal as control characters.
    pub fn note(&self, message: impl Display) {
        if !self.settings.quiet {
            eprintln!("{}", crate::output::visible(&message.to_string()));
        }
    }

    /// `warning: ...` on stderr, unless `-q`.
    pub fn warn(&self, message: impl Display) {
        self.note(format_args!("warning: {message}"));
    }
}

/// The catalog, or before any sync the bundled sample catalog, said so on
/// stderr: what `models`, `show`, the facets, `cost` and `rank` answer from.
fn catalog_or_sample(ctx: &Ctx<'_>) -> anyhow::Result<crate::store::Store> {
    use crate::store::{Store, StoreError};
    match Store::open(&ctx.settings.db) {
        Err(StoreError::Missing(_) | StoreError::Empty(_)) => {
            ctx.note(crate::sample::note());
            Ok(crate::sample::open()?)
        }
        other => Ok(other?),
    }
}

/// The catalog for a gate (`estimate`, `usage`): never the bundled sample. No
/// catalog is a policy failure (exit 4), as a stale one is.
fn catalog_for_gate(ctx: &Ctx<'_>, command: &str) -> anyhow::Result<crate::store::Store> {
    use crate::store::{Store, StoreError};
    match Store::open(&ctx.settings.db) {
        Err(StoreError::Missing(_) | StoreError::Empty(_)) => Err(crate::error::UserError::new(format!(
            "no catalog synced: `{command}` never prices against the bundled sample catalog"
        ))
        .exit(Exit::Policy)
        .hint("run `cometcat sync` (or `cometcat sync --from FILE` offline) first")
        .into()),
        other => Ok(other?),
    }
}

/// The workload the flags describe; none at all is a usage error (a cost of
/// nothing would print $0 for every model).
fn workload(args: &crate::cli::WorkloadArgs) -> Result<crate::pricing::Workload, crate::error::UserError> {
    args.workload().ok_or_else(|| {
        crate::error::UserError::usage("no workload was given, so there is nothing to price").hint(
            "give --input-tokens N and --output-tokens N (per call), --requests N (calls), or --seconds S \
             for models priced per second",
        )
    })
}

/// Runs the parsed command line; errors carry their exit code (see [`crate::error`]).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let settings = Settings::resolve(&cli.global, |name| std::env::var_os(name))?;
    let mut out = BufWriter::new(io::stdout().lock());
    let exit = execute(&cli.command, settings, &mut out)?;
    out.flush()?;
    Ok(exit)
}

/// Runs one command with `settings`, its data written to `out`: what the
/// command line does, and what the web explorer's API does with a request.
pub fn execute(command: &Command, settings: Settings, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let look = settings.look;
    let mut ctx = Ctx { settings, out, look };
    let ctx = &mut ctx;
    match command {
        Command::Sync(args) => sync::run(ctx, args),
        Command::Models(args) => catalog::models(ctx, args),
        Command::Show(args) => catalog::show(ctx, args),
        Command::Providers(args) => catalog::facet(ctx, Facet::Providers, args),
        Command::Features(args) => catalog::facet(ctx, Facet::Features, args),
        Command::Types(args) => catalog::facet(ctx, Facet::Types, args),
        Command::Endpoints(args) => catalog::facet(ctx, Facet::Endpoints, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Cost(args) => cost::run(ctx, args),
        Command::Rank(args) => rank::run(ctx, args),
        Command::Estimate(args) => estimate::run(ctx, args),
        Command::Usage(args) => usage::run(ctx, args),
        Command::Syncs(args) => syncs::run(ctx, args),
        Command::Diff(args) => diff::run(ctx, args),
        Command::History(args) => history::run(ctx, args),
        Command::Sql(args) => sql::run(ctx, args),
        Command::Serve(args) => serve::run(ctx, args),
        Command::Completions(args) => crate::complete::registration(&args.shell, ctx.out).map(|()| Exit::Ok),
    }
}
