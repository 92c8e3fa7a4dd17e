//! Shell completion that knows the catalog: model ids and codes for `show`,
//! `cost` and `history`, and the values of `--provider`, `--feature`,
//! `--type` and `--endpoint`, read from the local catalog (or the bundled
//! sample) when the shell asks. `cometcat completions SHELL` prints the script
//! that registers it; the shell then runs `COMPLETE=SHELL cometcat -- ...` at
//! each Tab, which `main` answers before anything else.
//!
//! A catalog's ids are not trusted: an id holding a control character, or
//! one that looks like a flag (`--db=elsewhere.db`), is never offered, and
//! bash's candidates come out quoted for bash and are never word-split or
//! glob-expanded ([`Bash`]): `$(touch x)` or `*` complete to themselves,
//! never to a command or the folder's files. zsh and fish quote what they
//! insert themselves.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::path::Path;

use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{self, EnvCompleter, Shells};

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
        names.retain(|(name, _)| offered(name) && name.to_lowercase().starts_with(&typed));
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
        let filters = Filters::everything();
        let counts = store.facet(facet, &filters).unwrap_or_default();
        counts
            .into_iter()
            .filter_map(|c| {
                let value = c.value.filter(|v| offered(v))?;
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

/// Whether a name may be offered: nothing that reads as a flag, and no
/// control or invisible character (a shell would act on it, or show it as
/// something else).
fn offered(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.chars().any(|c| c.is_control() || crate::output::hidden(c) || c == '\u{FFFD}')
}

/// The catalog the command line would read without `--db` (the shell passes
/// no flags to a completer), else the bundled sample.
fn catalog() -> Option<Store> {
    let path = crate::paths::catalog_path(|name| std::env::var_os(name)).ok()?;
    Store::open(&path).ok().or_else(|| crate::sample::open().ok())
}

/// The shells completion serves: clap_complete's, with [`Bash`] for bash.
pub fn shells() -> Shells<'static> {
    Shells(&[&Bash, &env::Elvish, &env::Fish, &env::Powershell, &env::Zsh])
}

/// Prints the script that registers completion for `shell`.
pub fn registration(shell: &str, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let shells = shells();
    let completer = shells.completer(shell).ok_or_else(|| {
        let known: Vec<&str> = shells.names().collect();
        crate::error::UserError::usage(format!("cometcat cannot complete for {shell:?}; it knows {}", known.join(", ")))
    })?;
    completer.write_registration("COMPLETE", "cometcat", "cometcat", "cometcat", out)?;
    Ok(())
}

/// Bash, as clap_complete completes it but for two things: each candidate is
/// quoted for bash (bash inserts it as it is), and the script reads the
/// candidates with globbing off (clap's `COMPREPLY=( $(...) )` expands `*`).
pub struct Bash;

impl EnvCompleter for Bash {
    fn name(&self) -> &'static str {
        "bash"
    }

    fn is(&self, name: &str) -> bool {
        name == "bash"
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let script = BASH_SCRIPT
            .replace("NAME", &name.replace('-', "_"))
            .replace("BIN", &bash_quote(bin))
            .replace("COMPLETER", &bash_quote(completer))
            .replace("VAR", var);
        writeln!(buf, "{script}")
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let index = std::env::var("_CLAP_COMPLETE_INDEX").ok().and_then(|i| i.parse().ok()).unwrap_or_default();
        let ifs = std::env::var("_CLAP_IFS").unwrap_or_else(|_| "\n".to_owned());
        let candidates = clap_complete::engine::complete(cmd, args, index, current_dir)?;
        let values: Vec<String> =
            candidates.iter().map(|c| bash_quote(&c.get_value().to_string_lossy()).into_owned()).collect();
        write!(buf, "{}", values.join(&ifs))
    }
}

/// clap_complete's bash registration with globbing off while the candidates
/// are read (`set -f`, restored after).
const BASH_SCRIPT: &str = r#"
_clap_complete_NAME() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_INDEX=${COMP_CWORD}
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local words=("${COMP_WORDS[@]}")
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        words[COMP_CWORD]="$2"
    fi
    local _clap_noglob=0
    [[ $- == *f* ]] && _clap_noglob=1
    set -f
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        VAR="bash" \
        COMPLETER -- "${words[@]}" \
    ) )
    local _clap_status=$?
    [[ $_clap_noglob == 0 ]] && set +f
    if [[ $_clap_status != 0 ]]; then
        unset COMPREPLY
    elif [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_NAME BIN
else
    complete -o nospace -o bashdefault -F _clap_complete_NAME BIN
fi
"#;

/// `text` as bash reads it back as one word: as it is when every character
/// is plain, else in single quotes (a quote inside as `'\''`).
pub fn bash_quote(text: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "._/:@%+=,-".contains(c) || (!c.is_ascii() && !c.is_control());
    if !text.is_empty() && text.chars().all(plain) {
        return text.into();
    }
    format!("'{}'", text.replace('\'', r"'\''")).into()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn hostile_names_are_never_offered() {
        for name in ["--db=elsewhere.db", "-x", "a\nb", "a\u{0}b", "tab\there", "bidi\u{202e}x", ""] {
            assert!(!offered(name), "{name:?}");
        }
        for name in ["gpt-5", "$(touch x)", "*", "a b", "it's", "émoji-🚀"] {
            assert!(offered(name), "{name:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever the name, bash reads the quoted form back as the name and
        /// runs nothing (a `$(touch ...)` would leave a file).
        #[test]
        fn bash_reads_a_quoted_name_back_and_runs_nothing(name in "([a-z*?\\[\\]$(){}`'\" ;&|<>!~#=-]|touch pwned){1,16}") {
            prop_assume!(offered(&name));
            let dir = tempfile::tempdir().unwrap();
            let line = format!("set -- {}; printf %s \"$1\"", bash_quote(&name));
            let out = std::process::Command::new("bash").arg("-c").arg(&line).current_dir(dir.path()).output().unwrap();
            prop_assert_eq!(String::from_utf8_lossy(&out.stdout), name.as_str(), "{}", line);
            prop_assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing ran: {}", line);
        }
    }
}
