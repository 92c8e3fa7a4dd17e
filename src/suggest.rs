//! "Did you mean": the names closest to one that matched nothing. Pure.
//!
//! Distances come from `strsim`, and are bounded: a name is compared only when
//! both it and the wanted text are short enough for an edit distance to be
//! meaningful and cheap, so a 100,000-character typo against a catalog holding
//! a 2 MB id still answers in milliseconds.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::error::{Diagnostic, Exit};

/// A lookup that matched no model, with the closest names (best first).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no model {name:?} in the catalog")]
pub struct UnknownModel {
    pub name: String,
    pub close: Vec<String>,
}

impl Diagnostic for UnknownModel {
    fn exit(&self) -> Option<Exit> {
        Some(Exit::Error)
    }

    fn hint(&self) -> Option<Cow<'_, str>> {
        Some(if self.close.is_empty() {
            format!("`cometcat models --search {}` lists models by part of their name", shell_word(&self.name)).into()
        } else {
            format!("did you mean {}?", self.close.join(", ")).into()
        })
    }
}

/// `s` as one word for a POSIX shell.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Longer texts are not compared by edit distance (nobody mistypes that much).
const MAX_COMPARED: usize = 64;

/// Up to five models whose id or code looks like `wanted` (containing it, or
/// within a small edit distance), best first, each named by its id once.
/// `names` holds (id or code, id) pairs.
pub fn closest(wanted: &str, names: Vec<(String, String)>) -> Vec<String> {
    if wanted.chars().count() > MAX_COMPARED {
        return Vec::new();
    }
    let w = wanted.to_lowercase();
    let wa = alphanumeric(&w);
    let limit = (w.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, String)> = names
        .into_iter()
        .filter(|(name, _)| name.len() <= 4 * MAX_COMPARED)
        .filter_map(|(name, id)| {
            let n = name.to_lowercase();
            let distance = (n.chars().count().abs_diff(w.chars().count()) <= limit)
                .then(|| strsim::levenshtein(&w, &n))
                .filter(|&d| d <= limit);
            // Containment ignores punctuation: "gpt5" finds "gpt-5-mini".
            let na = alphanumeric(&n);
            let contains = wa.len() >= 3 && (na.contains(&wa) || wa.contains(&na));
            match distance {
                Some(d) => Some((d, id)),
                None if contains => Some((100 + n.len().abs_diff(w.len()), id)),
                None => None,
            }
        })
        .collect();
    scored.sort();
    let mut seen = HashSet::new();
    scored.retain(|(_, id)| seen.insert(id.clone()));
    scored.into_iter().take(5).map(|(_, id)| id).collect()
}

fn alphanumeric(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_prefer_close_spellings() {
        let mut names: Vec<(String, String)> =
            ["gpt-5", "gpt-5-mini", "gpt-5.4-pro", "claude-sonnet-4-6", "qwen3-coder"]
                .map(|id| (id.to_owned(), id.to_owned()))
                .to_vec();
        names.push(("gpt-5-4-pro".into(), "gpt-5.4-pro".into()));
        assert_eq!(closest("gpt5", names.clone()), ["gpt-5", "gpt-5-mini", "gpt-5.4-pro"], "each model once, by id");
        assert_eq!(closest("claude-sonet-4-6", names.clone()), ["claude-sonnet-4-6"]);
        assert!(closest("zzzzzz", names).is_empty());
    }

    #[test]
    fn huge_names_are_not_compared() {
        let huge = "x".repeat(2_000_000);
        let names = vec![(huge.clone(), huge.clone()), ("gpt-5".to_owned(), "gpt-5".to_owned())];
        // Unbounded, each of these compared 10^11 character pairs.
        assert!(closest(&"y".repeat(100_000), names.clone()).is_empty());
        assert_eq!(closest("gpt-5x", names), ["gpt-5"]);
    }
}
