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

use std::fmt::Display;
use std::io::{self, BufWriter, IsTerminal, Write};

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::query::Facet;
use crate::settings::Settings;

/// What every command gets: settings, stdout, and whether stdout is a terminal.
pub struct Ctx<'a> {
    pub settings: Settings,
    pub out: &'a mut dyn Write,
    pub terminal: bool,
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

/// Runs the parsed command line; errors carry their exit code (see [`crate::error`]).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let settings = Settings::resolve(&cli.global, |name| std::env::var_os(name))?;
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = BufWriter::new(stdout.lock());
    let mut ctx = Ctx { settings, out: &mut out, terminal };
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
        Command::Syncs => syncs::run(&mut ctx),
        Command::Diff(args) => diff::run(&mut ctx, args),
        Command::History(args) => history::run(&mut ctx, args),
        Command::Sql(args) => sql::run(&mut ctx, args),
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut Cli::command(), "cometcat", ctx.out);
            Ok(Exit::Ok)
        }
    }?;
    out.flush()?;
    Ok(exit)
}
