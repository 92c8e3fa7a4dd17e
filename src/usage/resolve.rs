//! From the model name a response gives to a model of the catalog, in a fixed
//! order and never by closeness: an `--alias` first, then the exact id, the
//! exact code, the id or code ignoring ASCII case, and the same again after
//! removing a `models/` prefix, a trailing date (`-2024-08-06`, `-20250929`),
//! or both. Pure.

use std::collections::HashMap;

use serde::Serialize;

use crate::catalog::Model;
use crate::pricing::Rates;

/// How a name was matched to a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// The name is the model's id.
    Exact,
    /// The name is the model's code.
    Code,
    /// The id or code, ignoring ASCII case.
    Case,
    /// After removing a `models/` prefix.
    Prefix,
    /// After removing a trailing date.
    Date,
    /// `--alias NAME=MODEL`.
    Alias,
}

/// The names of one snapshot's models, as the resolution's equality lookups
/// see them: ids, codes (a code that is also a model's id names that model),
/// and ids and codes lower-cased (ASCII), which may name more than one model.
/// The price book's alias table (`crate::book`) lists exactly these.
#[derive(Debug, Default)]
pub struct Names {
    ids: HashMap<String, usize>,
    /// The first model in list order wins a code two models share.
    codes: HashMap<String, usize>,
    /// Lower-cased id or code → every model it names (more than one: ambiguous).
    folded: HashMap<String, Vec<usize>>,
}

impl Names {
    /// The names of `models` (id, code), by their position in the list.
    pub fn new<'m>(models: impl IntoIterator<Item = (&'m str, Option<&'m str>)>) -> Names {
        let mut names = Names::default();
        for (i, (id, code)) in models.into_iter().enumerate() {
            names.ids.insert(id.to_owned(), i);
            let mut folded = vec![id.to_ascii_lowercase()];
            if let Some(code) = code.filter(|c| *c != id) {
                names.codes.entry(code.to_owned()).or_insert(i);
                folded.push(code.to_ascii_lowercase());
            }
            folded.dedup();
            for name in folded {
                let slot = names.folded.entry(name).or_default();
                if !slot.contains(&i) {
                    slot.push(i);
                }
            }
        }
        names
    }

    /// The model `name` is the id of, else the code of.
    pub fn exact(&self, name: &str) -> Option<(usize, How)> {
        match self.ids.get(name) {
            Some(&i) => Some((i, How::Exact)),
            None => self.codes.get(name).map(|&i| (i, How::Code)),
        }
    }

    /// The models whose id or code, lower-cased, is `folded` (itself lower-case).
    pub fn folded(&self, folded: &str) -> &[usize] {
        self.folded.get(folded).map_or(&[], Vec::as_slice)
    }

    /// Every exact name: each id, then each code that is no model's id.
    pub fn each_exact(&self) -> impl Iterator<Item = (&str, usize, How)> {
        let ids = self.ids.iter().map(|(name, &i)| (name.as_str(), i, How::Exact));
        let codes = self.codes.iter().filter(|(code, _)| !self.ids.contains_key(*code));
        ids.chain(codes.map(|(name, &i)| (name.as_str(), i, How::Code)))
    }

    /// Every lower-cased name that names one model only.
    pub fn each_folded(&self) -> impl Iterator<Item = (&str, usize)> {
        self.folded.iter().filter_map(|(name, models)| match models.as_slice() {
            [i] => Some((name.as_str(), *i)),
            _ => None,
        })
    }

    /// The exact id, the exact code, or either ignoring ASCII case (one model only).
    fn direct(&self, name: &str) -> Option<(usize, How)> {
        self.exact(name).or_else(|| match self.folded(&name.to_ascii_lowercase()) {
            [i] => Some((*i, How::Case)),
            _ => None,
        })
    }
}

/// The models of one snapshot, ready to be looked up by any name a response gives.
#[derive(Debug, Default)]
pub struct Resolver {
    models: Vec<Model>,
    /// Each model's prices, made ready once.
    rates: Vec<Rates>,
    names: Names,
}

impl Resolver {
    pub fn new(models: Vec<Model>) -> Resolver {
        let rates = models.iter().map(Model::rates).collect();
        let names = Names::new(models.iter().map(|m| (m.id.as_str(), m.code.as_deref())));
        Resolver { models, rates, names }
    }

    pub fn model(&self, index: usize) -> &Model {
        &self.models[index]
    }

    pub fn rates(&self, index: usize) -> &Rates {
        &self.rates[index]
    }

    /// The model `name` means, and how it was matched; `None` when no rule
    /// matches it (or it names two models that differ only in case).
    pub fn resolve(&self, name: &str, aliases: &HashMap<String, String>) -> Option<(usize, How)> {
        if let Some(target) = aliases.get(name) {
            return self.names.direct(target).map(|(i, _)| (i, How::Alias));
        }
        if let Some(found) = self.names.direct(name) {
            return Some(found);
        }
        let unprefixed = name.strip_prefix(PREFIX);
        if let Some(found) = unprefixed.and_then(|n| self.names.direct(n)) {
            return Some((found.0, How::Prefix));
        }
        let undated = undated(unprefixed.unwrap_or(name))?;
        self.names.direct(undated).map(|(i, _)| (i, How::Date))
    }
}

/// The prefix some APIs put before a model's name (Gemini's `models/gemini-2.5-flash`).
pub const PREFIX: &str = "models/";

/// `name` without a trailing date, `-YYYY-MM-DD` or `-YYYYMMDD`, if it has one.
pub fn undated(name: &str) -> Option<&str> {
    let plausible = |y: &str, m: &str, d: &str| {
        let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        ((2000..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some(())
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // (A name too short for `-YYYY-MM-DD` may still end in `-YYYYMMDD`.)
    if let Some(cut) = name.len().checked_sub(11)
        && let Some(rest) = name.get(..cut)
        && let Some(date) = name.get(cut..)
        && let Some(date) = date.strip_prefix('-')
        && let [y, m, d] = date.split('-').collect::<Vec<_>>()[..]
        && y.len() == 4
        && m.len() == 2
        && d.len() == 2
        && digits(y)
        && digits(m)
        && digits(d)
        && plausible(y, m, d).is_some()
        && !rest.is_empty()
    {
        return Some(rest);
    }
    let (rest, date) = name.rsplit_once('-')?;
    (date.len() == 8 && digits(date) && plausible(&date[..4], &date[4..6], &date[6..]).is_some() && !rest.is_empty())
        .then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, code: Option<&str>) -> Model {
        Model { id: id.into(), code: code.map(Into::into), ..Model::default() }
    }

    #[test]
    fn names_resolve_in_the_fixed_order_and_never_by_closeness() {
        let book = Resolver::new(vec![
            model("gpt-5", Some("gpt-5")),
            model("gpt-5.4-pro", Some("gpt-5-4-pro")),
            model("claude-haiku-4-5-20251001", Some("claude-haiku-4-5")),
            model("claude-sonnet-4-5", None),
            model("gemini-2.5-flash", None),
            model("gpt-4o-mini", None),
        ]);
        let aliases: HashMap<String, String> = [("my-fine-tune".to_owned(), "gpt-4o-mini".to_owned())].into();
        let cases = [
            ("gpt-5", Some(("gpt-5", How::Exact))),
            ("gpt-5-4-pro", Some(("gpt-5.4-pro", How::Code))),
            ("GPT-5", Some(("gpt-5", How::Case))),
            ("Claude-Haiku-4-5", Some(("claude-haiku-4-5-20251001", How::Case))),
            ("models/gemini-2.5-flash", Some(("gemini-2.5-flash", How::Prefix))),
            ("gpt-4o-mini-2024-07-18", Some(("gpt-4o-mini", How::Date))),
            ("claude-sonnet-4-5-20250929", Some(("claude-sonnet-4-5", How::Date))),
            ("claude-haiku-4-5-20251001", Some(("claude-haiku-4-5-20251001", How::Exact))),
            ("my-fine-tune", Some(("gpt-4o-mini", How::Alias))),
            ("gpt-5-min", None),
            ("gpt5", None),
            ("claude-3-5-sonnet-20241022", None),
            ("gemini-1.5-flash-002", None),
            ("gpt-4o-mini-2024-13-40", None),
        ];
        for (name, want) in cases {
            let got = book.resolve(name, &aliases).map(|(i, how)| (book.model(i).id.as_str(), how));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn two_models_that_differ_only_in_case_are_not_guessed() {
        let book = Resolver::new(vec![model("Model-A", None), model("model-a", None)]);
        assert_eq!(book.resolve("MODEL-A", &HashMap::new()), None);
        assert_eq!(book.resolve("model-a", &HashMap::new()).map(|(_, h)| h), Some(How::Exact));
    }

    #[test]
    fn dates_are_dates() {
        assert_eq!(undated("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(undated("claude-sonnet-4-5-20250929"), Some("claude-sonnet-4-5"));
        assert_eq!(undated("gemini-1.5-flash-002"), None);
        assert_eq!(undated("model-12345678"), None, "not a plausible date");
        assert_eq!(undated("-20250929"), None);
        assert_eq!(undated("u-20240806"), Some("u"), "a name shorter than -YYYY-MM-DD");
        assert_eq!(undated("u-2024-08-06"), Some("u"));
    }
}
