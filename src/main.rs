//! Parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::FromArgMatches;
use cometcat::cli::Cli;
use cometcat::commands::diagnostics;
use cometcat::error::Exit;

/// mimalloc for the commands that build and drop many small values on
/// several threads (an import spent a sixth of its time in glibc's malloc and
/// free), the system's for the rest: chosen per command (`cometcat::memory`).
#[global_allocator]
static GLOBAL: cometcat::memory::PerCommand = cometcat::memory::PerCommand;

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
        cometcat::memory::allow_huge_pages(true);
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
/// initializer, which glibc calls with the program's arguments): the
/// allocator is chosen from them, and no huge pages are asked for
/// (`cometcat::memory`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[unsafe(link_section = ".init_array")]
static CHOOSE_MEMORY: unsafe extern "C" fn(std::ffi::c_int, *const *const std::ffi::c_char) = choose_memory;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" fn choose_memory(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) {
    let count = usize::try_from(argc).unwrap_or(0);
    // SAFETY: glibc passes the argument vector main will get: `argc` valid
    // NUL-terminated strings. Nothing here allocates.
    let words = (1..count).map(|i| unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) }.to_bytes());
    cometcat::memory::choose(words);
}

/// Elsewhere, no huge pages from the start where the platform has them.
#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_PAGES: extern "C" fn() = small_pages;

#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
extern "C" fn small_pages() {
    cometcat::memory::allow_huge_pages(false);
}
