//! One file per subcommand: the glue between settings, the store, the API and
//! the renderers. Data goes to `Ctx::out` (stdout); notes, warnings and
//! progress go to stderr, and `-q` silences all of them but errors.

mod catalog;
mod cost;
mod diff;
mod estimate;
mod export;
mod history;
mod rank;
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
    let look = settings.look;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut ctx = Ctx { settings, out: &mut out, look };
    let exit = match &cli.command {
        Command::Sync(args) => sync::run(&mut ctx, args),
        Command::Models(args) => catalog::models(&mut ctx, args),
        Command::Show(args) => catalog::show(&mut ctx, args),
        Command::Providers(args) => catalog::facet(&mut ctx, Facet::Providers, args),
        Command::Features(args) => catalog::facet(&mut ctx, Facet::Features, args),
        Command::Types(args) => catalog::facet(&mut ctx, Facet::Types, args),
        Command::Endpoints(args) => catalog::facet(&mut ctx, Facet::Endpoints, args),
        Command::Export(args) => export::run(&mut ctx, args),
        Command::Cost(args) => cost::run(&mut ctx, args),
        Command::Rank(args) => rank::run(&mut ctx, args),
        Command::Estimate(args) => estimate::run(&mut ctx, args),
        Command::Usage(args) => usage::run(&mut ctx, args),
        Command::Syncs(args) => syncs::run(&mut ctx, args),
        Command::Diff(args) => diff::run(&mut ctx, args),
        Command::History(args) => history::run(&mut ctx, args),
        Command::Sql(args) => sql::run(&mut ctx, args),
        Command::Completions(args) => crate::complete::registration(&args.shell, ctx.out).map(|()| Exit::Ok),
    }?;
    out.flush()?;
    Ok(exit)
}
