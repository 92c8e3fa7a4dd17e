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
            // The same name under a provider's prefix: `vertex_ai/gemini-2.0-flash`.
            let suffix = n.len() > w.len() && n.ends_with(&w) && n[..n.len() - w.len()].ends_with(['/', ':']);
            if suffix {
                return Some((0, id));
            }
            let distance = (n.chars().count().abs_diff(w.chars().count()) <= limit)
                .then(|| strsim::levenshtein(&w, &n))
                .filter(|&d| d <= limit);
            // Containment ignores punctuation ("gpt5" finds "gpt-5-mini") but
            // starts where a part of the name starts ("nope" is not in "baseten/openai").
            let contains = wa.len() >= 3
                && (part_starts(&n).any(|at| n[at..].len() >= wa.len() && alphanumeric(&n[at..]).starts_with(&wa))
                    || wa.contains(&alphanumeric(&n)));
            match distance {
                Some(d) => Some((1 + d, id)),
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

/// Where each part of a name starts: its start, and after each `-`, `_`,
/// `/`, `.`, `:` or space.
fn part_starts(name: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(
        name.char_indices()
            .filter(|(_, c)| matches!(c, '-' | '_' | '/' | '.' | ':' | ' '))
            .map(|(i, c)| i + c.len_utf8()),
    )
}

/// The catalog's names for capability words people type: `vision` is
/// `image-to-text`, `tools` is `function-calling`. The first name the catalog
/// has is the one meant; a word that is already a name is never read so.
pub fn synonyms(facet: crate::query::Facet, word: &str) -> &'static [&'static str] {
    use crate::query::Facet;
    let word = word.trim().to_lowercase().replace(['_', ' '], "-");
    match (facet, word.as_str()) {
        (Facet::Features, "vision" | "image-input" | "image-understanding" | "multimodal") => &["image-to-text"],
        (Facet::Features, "embeddings" | "embedding" | "embed") => &["text-embedding"],
        (Facet::Features, "tools" | "tool-use" | "tool-calling" | "function-calling" | "functions" | "function") => {
            &["function-calling", "tool-calling", "tools"]
        }
        (Facet::Features, "json" | "json-mode" | "structured-output" | "structured-outputs") => {
            &["json-mode", "structured-outputs", "json-output", "json"]
        }
        (Facet::Features, "tts" | "speech") => &["text-to-speech"],
        (Facet::Features, "stt" | "transcription" | "asr") => &["speech-to-text"],
        (Facet::Features, "image" | "images" | "image-gen") => &["text-to-image", "image-generation"],
        (Facet::Features, "video") => &["text-to-video"],
        (Facet::Features, "chat") => &["text-to-text"],
        (Facet::Types, "chat" | "llm" | "language") => &["text"],
        (Facet::Types, "embeddings") => &["embedding"],
        _ => &[],
    }
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
    fn a_provider_prefix_comes_first_and_nothing_absurd_comes_at_all() {
        let names = |ids: &[&str]| ids.iter().map(|i| (i.to_string(), i.to_string())).collect::<Vec<_>>();
        let ids = names(&[
            "gemini-2.0-flash-lite",
            "vertex_ai/gemini-2.0-flash",
            "gemini-2.5-flash",
            "baseten/openai/gpt-oss-120b",
        ]);
        assert_eq!(closest("gemini-2.0-flash", ids.clone())[0], "vertex_ai/gemini-2.0-flash");
        assert!(closest("nope", ids.clone()).is_empty(), "{:?}", closest("nope", ids));
        assert_eq!(closest("gpt5", names(&["gpt-5-mini", "baseten/openai/gpt-oss-120b"])), ["gpt-5-mini"]);
        assert_eq!(closest("oss-120b", names(&["baseten/openai/gpt-oss-120b"])), ["baseten/openai/gpt-oss-120b"]);
    }

    #[test]
    fn words_people_type_have_the_catalogs_names() {
        use crate::query::Facet;
        assert_eq!(synonyms(Facet::Features, "vision"), ["image-to-text"]);
        assert_eq!(synonyms(Facet::Features, "Function Calling")[0], "function-calling");
        assert_eq!(synonyms(Facet::Features, "embeddings"), ["text-embedding"]);
        assert!(synonyms(Facet::Features, "json").contains(&"json-mode"));
        assert!(synonyms(Facet::Features, "image-to-text").is_empty(), "a name is never read as another");
        assert!(synonyms(Facet::Providers, "vision").is_empty());
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
