//! Shell completion that knows the catalog: model ids and codes for `show`,
//! `cost` and `history`, and the values of `--provider`, `--feature`,
//! `--type` and `--endpoint`, read from the local catalog (or the bundled
//! sample) when the shell asks. `cometcat completions SHELL` prints the script
//! that registers it; the shell then runs `COMPLETE=SHELL cometcat -- ...` at
//! each Tab, which `main` answers before anything else.

use std::ffi::OsStr;

use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};

use crate::query::{Facet, Filters};
use crate::store::Store;

/// The most candidates offered at once.
const MOST: usize = 500;

/// Completes model ids and codes that start with what was typed (ignoring case).
pub fn models() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(typed) = current.to_str() else { return Vec::new() };
        let typed = typed.to_lowercase();
        let Some(store) = catalog() else { return Vec::new() };
        let mut names = store.names(true).unwrap_or_default();
        names.retain(|(name, _)| name.to_lowercase().starts_with(&typed));
        names.sort();
        names.dedup_by(|a, b| a.0 == b.0);
        names
            .into_iter()
            .take(MOST)
            .map(|(name, id)| {
                let candidate = CompletionCandidate::new(&name);
                if name == id { candidate } else { candidate.help(Some(format!("code of {id}").into())) }
            })
            .collect()
    })
}

/// Completes the values of one facet (the shell filters them by what was typed).
pub fn facet(facet: Facet) -> ArgValueCandidates {
    ArgValueCandidates::new(move || {
        let Some(store) = catalog() else { return Vec::new() };
        let filters = Filters { include_upcoming: true, ..Filters::default() };
        let counts = store.facet(facet, &filters).unwrap_or_default();
        counts
            .into_iter()
            .filter_map(|c| {
                let value = c.value?;
                let help = match c.name {
                    Some(name) => format!("{name}, {} models", c.count),
                    None => format!("{} models", c.count),
                };
                Some(CompletionCandidate::new(value).help(Some(help.into())))
            })
            .take(MOST)
            .collect()
    })
}

/// The catalog the command line would read without `--db` (the shell passes
/// no flags to a completer), else the bundled sample.
fn catalog() -> Option<Store> {
    let path = crate::paths::catalog_path(|name| std::env::var_os(name)).ok()?;
    Store::open(&path).ok().or_else(|| crate::sample::open().ok())
}

/// Prints the script that registers completion for `shell`.
pub fn registration(shell: &str, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    use clap_complete::env::Shells;
    let shells = Shells::builtins();
    let completer = shells.completer(shell).ok_or_else(|| {
        let known: Vec<&str> = shells.names().collect();
        crate::error::UserError::usage(format!("cometcat cannot complete for {shell:?}; it knows {}", known.join(", ")))
    })?;
    completer.write_registration("COMPLETE", "cometcat", "cometcat", "cometcat", out)?;
    Ok(())
}
