//! Parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use cometcat::error::{self, Exit};

fn main() -> ExitCode {
    let cli = cometcat::cli::Cli::parse();
    match cometcat::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) if error::is_broken_pipe(&err) => Exit::Ok.into(),
        Err(err) => {
            let diagnosis = error::diagnose(&err);
            eprintln!("{}", cometcat::output::visible(&error::render(&err, diagnosis.hint.as_deref())));
            diagnosis.exit.into()
        }
    }
}
