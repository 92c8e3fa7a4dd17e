//! Parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::FromArgMatches;
use cometcat::cli::Cli;
use cometcat::commands::diagnostics;
use cometcat::error::Exit;

/// mimalloc: the import, which parses and drops a tree of small values per
/// record on two threads, spends a sixth of its time in glibc's malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // At a shell's Tab (COMPLETE=bash ...), answer and exit; otherwise go on.
    clap_complete::CompleteEnv::with_factory(Cli::command_with_usage).shells(cometcat::complete::shells()).complete();
    // Most command lines parse: build only what they use. One that does not is
    // parsed again with every usage line fixed, for its message.
    let matches = match <Cli as clap::CommandFactory>::command().try_get_matches() {
        Ok(matches) => matches,
        Err(_) => Cli::command_with_usage().get_matches(),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Huge pages, asked away before main (below), are for an import only.
    if matches!(&cli.command, cometcat::cli::Command::Sync(sync) if sync.from.is_some()) {
        cometcat::pages::allow_huge_pages(true);
    }
    match cometcat::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) if diagnostics::is_broken_pipe(&err) => Exit::Ok.into(),
        Err(err) => {
            let diagnosis = diagnostics::diagnose(&err);
            eprintln!("{}", cometcat::output::visible(&diagnostics::render(&err, diagnosis.hint.as_deref())));
            diagnosis.exit.into()
        }
    }
}

/// Runs before the Rust runtime and its first allocation (an ELF
/// initializer): no huge pages for this process, unless `main` gives them
/// back (see `cometcat::pages`).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_PAGES_FROM_THE_START: extern "C" fn() = small_pages_from_the_start;

#[cfg(target_os = "linux")]
extern "C" fn small_pages_from_the_start() {
    cometcat::pages::allow_huge_pages(false);
}
