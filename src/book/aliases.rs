//! The `price_aliases` table: every name §5's resolution maps to a model with
//! an equality lookup, per stretch of the timeline (a name can mean another
//! model, or nothing, in another snapshot), as [`AliasRow`]s. Pure.
//!
//! The SQL joins the table four times, in the resolution's order (see
//! `super::sql`): the name as written against the exact names
//! ([`Class::Exact`]: ids, codes, `models/`-prefixed ids and codes), the
//! name lower-cased (ASCII) against the folded names ([`Class::Folded`]),
//! then both again with a trailing date removed. Within a class and a
//! stretch each alias names one model; a lower-cased name that two models
//! share is left out, so that it names none, as `usage` decides. A prefixed
//! name is listed only where §5 would reach it by removing the prefix (no
//! model is called by it exactly, or by it ignoring case), and a prefixed
//! folded name only serves a name that starts with `models/` as written.

use super::columns::{BookCell, Row};
use super::sightings::Presence;
use super::timeline::{Runs, Validity};
use crate::usage::How;
use crate::usage::resolve::{Names, PREFIX};

/// Which lookup an alias serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Matched against the name as written.
    Exact,
    /// Matched against the name lower-cased (ASCII).
    Folded,
}

/// How an alias names its model: the `how` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AliasHow {
    /// The model's id.
    Id,
    /// The model's code (no model has it as its id).
    Code,
    /// The id or code lower-cased, naming one model only.
    Case,
    /// `models/` and the id or code.
    Prefix,
    /// `models/` and the lower-cased id or code; for names that start with `models/` as written.
    PrefixCase,
}

impl AliasHow {
    pub const ALL: [AliasHow; 5] =
        [AliasHow::Id, AliasHow::Code, AliasHow::Case, AliasHow::Prefix, AliasHow::PrefixCase];

    /// The value of the `how` column.
    pub fn name(self) -> &'static str {
        match self {
            AliasHow::Id => "id",
            AliasHow::Code => "code",
            AliasHow::Case => "case",
            AliasHow::Prefix => "prefix",
            AliasHow::PrefixCase => "prefix_case",
        }
    }

    pub fn class(self) -> Class {
        match self {
            AliasHow::Id | AliasHow::Code | AliasHow::Prefix => Class::Exact,
            AliasHow::Case | AliasHow::PrefixCase => Class::Folded,
        }
    }

    /// Whether the alias serves only names that start with `models/` as written.
    pub fn needs_prefix(self) -> bool {
        self == AliasHow::PrefixCase
    }
}

/// One row of `price_aliases`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasRow {
    pub alias: String,
    pub model_id: String,
    pub how: AliasHow,
    pub validity: Validity,
}

impl Row for AliasRow {
    fn cells(&self) -> Vec<BookCell<'_>> {
        vec![
            BookCell::Text(Some(&self.alias)),
            BookCell::Text(Some(&self.model_id)),
            BookCell::Text(Some(self.how.name())),
            BookCell::Time(self.validity.from),
            BookCell::Time(self.validity.to),
            BookCell::Bool(self.validity.current),
        ]
    }
}

/// A snapshot's models, as (id, code), in the order `usage` reads them.
type Named<'a> = Vec<(&'a str, Option<&'a str>)>;

/// A snapshot's aliases: (alias, index of the model in its [`Named`] list, how).
type Aliased = Vec<(String, usize, AliasHow)>;

/// The aliases of one snapshot whose models (id, code) are `models`, in the
/// order `usage` reads them.
pub fn snapshot_aliases(models: &[(&str, Option<&str>)]) -> Aliased {
    let names = Names::new(models.iter().copied());
    let mut rows = Vec::new();
    for (name, i, how) in names.each_exact() {
        rows.push((name.to_owned(), i, if how == How::Exact { AliasHow::Id } else { AliasHow::Code }));
        let prefixed = format!("{PREFIX}{name}");
        // §5 tries the name as written (exactly, then ignoring case) before removing the prefix.
        if names.exact(&prefixed).is_none() && names.folded(&prefixed.to_ascii_lowercase()).len() != 1 {
            rows.push((prefixed, i, AliasHow::Prefix));
        }
    }
    for (name, i) in names.each_folded() {
        rows.push((name.to_owned(), i, AliasHow::Case));
        let prefixed = format!("{PREFIX}{name}");
        if names.folded(&prefixed).len() != 1 {
            rows.push((prefixed, i, AliasHow::PrefixCase));
        }
    }
    rows
}

/// Every alias row of the stored history, by alias, then how, then time.
pub fn aliases(history: &super::sightings::PriceHistory, presence: &Presence) -> Vec<AliasRow> {
    let mut runs: Runs<(String, Class), (String, AliasHow)> = Runs::new();
    // Consecutive stretches often hold the same names: worked out once for each.
    let mut last: Option<(Named<'_>, Aliased)> = None;
    for (at, stretch) in presence.stretches.iter().enumerate() {
        let models: Named<'_> = stretch
            .iter()
            .filter_map(|(id, version)| Some((id.as_str(), history.versions.get(version)?.code.as_deref())))
            .collect();
        if last.as_ref().is_none_or(|(names, _)| *names != models) {
            let rows = snapshot_aliases(&models);
            last = Some((models, rows));
        }
        let (models, rows) = last.as_ref().expect("set above");
        for (alias, i, how) in rows {
            runs.see(&(alias.clone(), how.class()), (models[*i].0.to_owned(), *how), at);
        }
    }
    let mut out: Vec<AliasRow> = runs
        .finish()
        .into_iter()
        .map(|((alias, _), (model_id, how), first, last)| AliasRow {
            alias,
            model_id,
            how,
            validity: presence.timeline.validity(first, last),
        })
        .collect();
    out.sort_by(|a, b| (&a.alias, a.how, a.validity.from).cmp(&(&b.alias, b.how, b.validity.from)));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn by_alias(models: &[(&str, Option<&str>)]) -> HashMap<(String, Class), (String, AliasHow)> {
        let rows = snapshot_aliases(models).into_iter();
        rows.map(|(a, i, how)| ((a, how.class()), (models[i].0.to_owned(), how))).collect()
    }

    fn lookup<'a>(
        table: &'a HashMap<(String, Class), (String, AliasHow)>,
        alias: &str,
        class: Class,
    ) -> Option<&'a str> {
        table.get(&(alias.to_owned(), class)).map(|(m, _)| m.as_str())
    }

    #[test]
    fn every_name_maps_to_one_model_and_shared_folded_names_to_none() {
        let models = [
            ("gpt-5.4-pro", Some("gpt-5-4-pro")),
            ("Model-A", None),
            ("model-a", None),
            ("models/odd", None),
            ("odd", Some("gpt-5.4-pro")),
        ];
        let t = by_alias(&models);
        use Class::*;
        assert_eq!(lookup(&t, "gpt-5-4-pro", Exact), Some("gpt-5.4-pro"));
        assert_eq!(lookup(&t, "gpt-5.4-pro", Exact), Some("gpt-5.4-pro"), "an id wins over another model's code");
        assert_eq!(lookup(&t, "models/gpt-5-4-pro", Exact), Some("gpt-5.4-pro"));
        assert_eq!(lookup(&t, "model-a", Exact), Some("model-a"));
        assert_eq!(lookup(&t, "model-a", Folded), None, "two models share it");
        assert_eq!(lookup(&t, "models/model-a", Folded), None);
        assert_eq!(lookup(&t, "models/odd", Exact), Some("models/odd"), "the id itself, not odd with a prefix");
        assert_eq!(lookup(&t, "models/odd", Folded), Some("models/odd"));
        assert_eq!(lookup(&t, "odd", Folded), Some("odd"));
        let (_, how) = &t[&("models/gpt-5-4-pro".to_owned(), Folded)];
        assert_eq!(how.name(), "prefix_case");
    }
}
