//! Settings resolved once, before any command runs: flags, then environment,
//! then defaults. Commands read these plain values and never the environment.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::api::retry::Backoff;
use crate::cli::GlobalArgs;
use crate::error::UserError;
use crate::output::Look;

#[derive(Clone, Debug)]
pub struct Settings {
    pub db: PathBuf,
    /// How tables may use stdout.
    pub look: Look,
    pub quiet: bool,
    pub verbose: bool,
    /// Whether a progress bar may be drawn (and stderr is a terminal).
    pub progress: bool,
    pub backoff: Backoff,
    /// Whether stdout is a terminal (what a table shows, a person sees).
    pub stdout_terminal: bool,
}

impl Settings {
    /// `env` looks up an environment variable (injected, so tests need no process env).
    pub fn resolve(global: &GlobalArgs, env: impl Fn(&str) -> Option<OsString>) -> Result<Settings, UserError> {
        let db = match &global.db {
            Some(path) => path.clone(),
            None => crate::paths::catalog_path(&env)?,
        };
        let mut backoff = Backoff::default();
        if let Some(ms) = env("COMETCAT_BACKOFF_MS") {
            let ms: u64 = ms
                .to_str()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| UserError::usage("COMETCAT_BACKOFF_MS must be a whole number of milliseconds"))?;
            backoff.base = Duration::from_millis(ms);
        }
        Ok(Settings {
            db,
            look: look(global, &env),
            quiet: global.quiet,
            verbose: global.verbose,
            progress: !global.no_progress && !global.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            backoff,
            stdout_terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        })
    }
}

/// Whether stdout is a terminal, how wide, and whether it wants colour:
/// `--color`, then `NO_COLOR` and `CLICOLOR_FORCE` as anstream reads them. A
/// terminal that reports a width of 0 is of unknown width: nothing is cut.
fn look(global: &GlobalArgs, env: &impl Fn(&str) -> Option<OsString>) -> Look {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    let choice = match global.color {
        clap::ColorChoice::Always => anstream::ColorChoice::Always,
        clap::ColorChoice::Never => anstream::ColorChoice::Never,
        clap::ColorChoice::Auto => anstream::ColorChoice::Auto,
    };
    choice.write_global();
    let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let size = || terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0));
    let width = (stdout.is_terminal() && !global.wide).then(|| terminal_width(env, size));
    Look { width, color }
}

/// A terminal's width: `COLUMNS`, else what the terminal reports, else 80
/// (a terminal that reports 0 columns, as some serial consoles and CI
/// pseudo-terminals do, is not 0 wide).
fn terminal_width(env: &impl Fn(&str) -> Option<OsString>, size: impl Fn() -> Option<usize>) -> usize {
    let columns = env("COLUMNS").and_then(|c| c.to_str()?.trim().parse::<usize>().ok());
    columns.filter(|&w| w > 0).or_else(|| size().filter(|&w| w > 0)).unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn resolve(args: &[&str], vars: &[(&str, &str)]) -> Result<Settings, UserError> {
        let cli = crate::cli::Cli::try_parse_from([&["cometcat"], args, &["syncs"]].concat()).unwrap();
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::resolve(&cli.global, |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.into()))
    }

    #[test]
    fn a_terminal_is_as_wide_as_columns_says_then_as_it_says_then_80() {
        let env = |v: Option<&'static str>| move |_: &str| v.map(OsString::from);
        assert_eq!(terminal_width(&env(Some("120")), || Some(90)), 120);
        assert_eq!(terminal_width(&env(Some("0")), || Some(90)), 90);
        assert_eq!(terminal_width(&env(Some("wide")), || Some(90)), 90);
        assert_eq!(terminal_width(&env(None), || Some(0)), 80);
        assert_eq!(terminal_width(&env(None), || None), 80);
    }

    #[test]
    fn the_database_path_comes_from_flag_then_xdg_then_home() {
        let s = resolve(&["--db", "/tmp/x.db"], &[("XDG_DATA_HOME", "/xdg")]).unwrap();
        assert_eq!(s.db, PathBuf::from("/tmp/x.db"));
        let s = resolve(&[], &[("XDG_DATA_HOME", "/xdg"), ("HOME", "/home/u")]).unwrap();
        assert_eq!(s.db, PathBuf::from("/xdg/cometcat/catalog.db"));
        let s = resolve(&[], &[("XDG_DATA_HOME", "relative"), ("HOME", "/home/u")]).unwrap();
        assert_eq!(s.db, PathBuf::from("/home/u/.local/share/cometcat/catalog.db"));
        assert!(resolve(&[], &[]).is_err());
    }

    #[test]
    fn the_backoff_base_can_be_shortened_for_tests() {
        let s = resolve(&["--db", "x"], &[("COMETCAT_BACKOFF_MS", "1")]).unwrap();
        assert_eq!(s.backoff.base, Duration::from_millis(1));
        assert!(resolve(&["--db", "x"], &[("COMETCAT_BACKOFF_MS", "soon")]).is_err());
    }
}
