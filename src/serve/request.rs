//! A request's query string as the command line it stands for:
//! `?feature=vision&sort=input-price&desc=1` is `--feature=vision
//! --sort=input-price --desc`. clap then reads it exactly as it reads the
//! command line, so the explorer takes the CLI's names, values and errors.

use std::sync::LazyLock;

use clap::{ArgAction, CommandFactory, FromArgMatches};

use super::limits::{MAX_PARAMS, MAX_QUERY};
use crate::cli::{Cli, Command};

/// The command line's description, built once.
static CLI: LazyLock<clap::Command> = LazyLock::new(Cli::command);

/// The decoded `key=value` pairs of a query string, bounded.
pub fn pairs(query: &str) -> Result<Vec<(String, String)>, String> {
    if query.len() > MAX_QUERY {
        return Err(format!("the query string is longer than {MAX_QUERY} bytes"));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    if pairs.len() > MAX_PARAMS {
        return Err(format!("the query string has more than {MAX_PARAMS} parameters"));
    }
    Ok(pairs)
}

/// The values of `key`, in order.
pub fn values<'a>(pairs: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    pairs.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The last non-empty value of `key`.
pub fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str())
}

/// An error when one of `keys` is given more than once.
pub fn once(pairs: &[(String, String)], keys: &[&str]) -> Result<(), String> {
    match keys.iter().find(|k| values(pairs, k).count() > 1) {
        Some(key) => Err(format!("{key} is given more than once")),
        None => Ok(()),
    }
}

/// An error when `pairs` hold a key not in `known`.
pub fn only(pairs: &[(String, String)], known: &[&str], page: &str) -> Result<(), String> {
    match pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((key, _)) => Err(format!("{key:?} is not a parameter of {page}")),
        None => Ok(()),
    }
}

/// The command `sub` with the flags `pairs` give, then `positionals`. Each
/// key must be one of `sub`'s own long flags (never a global one such as
/// `--db`) or be named in `skip`; an empty value leaves its flag out (a form
/// field left blank), and a switch takes 1/true/on or 0/false/off.
pub fn command(
    sub: &str,
    pairs: &[(String, String)],
    skip: &[&str],
    positionals: &[String],
) -> Result<Command, String> {
    let sub_command = CLI.find_subcommand(sub).expect("a subcommand of the CLI");
    let mut argv = vec!["cometcat".to_owned(), sub.to_owned()];
    for (key, value) in pairs {
        if skip.contains(&key.as_str()) || value.is_empty() {
            continue;
        }
        let arg = sub_command
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()) && a.get_id() != "json")
            .ok_or_else(|| format!("{key:?} is not a parameter of {sub}"))?;
        if !matches!(arg.get_action(), ArgAction::Append) && values(pairs, key).count() > 1 {
            return Err(format!("{key} is given more than once"));
        }
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            match value.to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => argv.push(format!("--{key}")),
                "0" | "false" | "off" | "no" => {}
                _ => return Err(format!("{key} takes 1 or 0, not {value:?}")),
            }
        } else {
            argv.push(format!("--{key}={value}"));
        }
    }
    if !positionals.is_empty() {
        argv.push("--".into());
        argv.extend(positionals.iter().cloned());
    }
    let matches = CLI.clone().try_get_matches_from(argv).map_err(|e| {
        // The message, without clap's usage lines (they speak of the command line).
        let text = e.render().to_string();
        let lines: Vec<&str> = text.lines().take_while(|l| !l.starts_with("Usage:")).map(str::trim).collect();
        lines.join(" ").trim().trim_start_matches("error: ").to_owned()
    })?;
    Cli::from_arg_matches(&matches).map(|cli| cli.command).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs_of(query: &str) -> Vec<(String, String)> {
        pairs(query).unwrap()
    }

    /// The parameters `/api/v1/` takes for each command, as the command line
    /// names its flags: a flag renamed there renames a parameter of the HTTP
    /// API, and this test says so (the README's API table must follow).
    #[test]
    fn the_api_parameter_names_are_pinned() {
        let routes = [
            "models",
            "show",
            "providers",
            "features",
            "types",
            "endpoints",
            "rank",
            "cost",
            "compare",
            "diff",
            "history",
            "syncs",
        ];
        let names: Vec<String> = routes
            .iter()
            .map(|sub| {
                let command = CLI.find_subcommand(sub).unwrap();
                let mut longs: Vec<&str> =
                    command.get_arguments().filter(|a| a.get_id() != "json").filter_map(|a| a.get_long()).collect();
                longs.sort_unstable();
                format!("{sub}: {}", longs.join(" "))
            })
            .collect();
        let expected = "\
models: desc endpoint feature format include-upcoming limit max-input-price max-output-price min-context pricing provider search sort type
show: format
providers: endpoint feature format include-upcoming max-input-price max-output-price min-context pricing provider search type
features: endpoint feature format include-upcoming max-input-price max-output-price min-context pricing provider search type
types: endpoint feature format include-upcoming max-input-price max-output-price min-context pricing provider search type
endpoints: endpoint feature format include-upcoming max-input-price max-output-price min-context pricing provider search type
rank: any-pricing endpoint feature format include-upcoming input-tokens list-price max-input-price max-output-price min-context no-free output-tokens pricing provider requests search seconds top type
cost: format input-tokens list-price output-tokens requests seconds
compare: format
diff: endpoint feature format include-upcoming max-input-price max-output-price min-context pricing provider search type
history: all format
syncs: format";
        assert_eq!(names.join("\n"), expected, "the HTTP API's parameters changed: update the README's API table");
    }

    #[test]
    fn a_query_is_the_command_line_with_the_same_names() {
        let Command::Models(args) =
            command("models", &pairs_of("feature=vision&provider=openai&sort=input-price&desc=1&limit="), &[], &[])
                .unwrap()
        else {
            panic!("models")
        };
        assert_eq!(args.filters.features, ["vision"]);
        assert_eq!(args.filters.providers, ["openai"]);
        assert!(args.sort.desc);
        assert_eq!(args.sort.limit, None, "a blank field is no flag");
    }

    #[test]
    fn nothing_outside_the_command_gets_in() {
        for query in
            ["db=/etc/passwd", "quiet=1", "json=1", "nonsense=1", "desc=maybe", "limit=1&limit=2", "desc=1&desc=0"]
        {
            assert!(command("models", &pairs_of(query), &[], &[]).is_err(), "{query}");
        }
        // A value that looks like a flag stays a value.
        let Command::Models(args) = command("models", &pairs_of("search=--db"), &[], &[]).unwrap() else { panic!() };
        assert_eq!(args.filters.search.as_deref(), Some("--db"));
        let Command::Show(args) = command("show", &[], &[], &["--help".into()]).unwrap() else { panic!() };
        assert_eq!(args.model, "--help");
        let err = command("models", &pairs_of("max-input-price=cheap"), &[], &[]).unwrap_err();
        assert!(err.contains("cheap"), "{err}");
    }

    #[test]
    fn a_query_string_is_bounded() {
        assert!(pairs(&"a=1&".repeat(MAX_PARAMS + 1)).is_err());
        assert!(pairs(&"x".repeat(MAX_QUERY + 1)).is_err());
        assert_eq!(pairs("a=%3Cb%3E&a=2").unwrap(), [("a".into(), "<b>".into()), ("a".into(), "2".into())]);
    }
}
