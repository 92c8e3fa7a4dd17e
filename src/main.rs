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
    if !matches!(&cli.command, cometcat::cli::Command::Sync(sync) if sync.from.is_some()) {
        small_pages();
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

/// mimalloc asks Linux for huge pages (2 MiB, zeroed whole when first
/// touched) where the kernel allows them. An import (`sync --from`) fills
/// 160 MiB and takes 30,000 fewer page faults with them (4% of its time);
/// every other command touches a few MiB here and there and would hold whole
/// huge pages for them (the explorer 30 MiB idle instead of 19, `usage` 56
/// instead of 42), so from here on it asks for none.
fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes no pointer and only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
