//! Finding models by the names people give: a current model by id or code
//! ([`lookup`]), the error for a name that matched nothing, with the closest
//! names ([`unknown`]), the words people type for the catalog's names
//! ([`read_filters`]), and, when a listing comes out empty, why
//! ([`explain_empty`], from [`unmatched_filter_values`]).

use super::ctx::Ctx;
use crate::output::facets;
use crate::query::{Facet, Filters};
use crate::store::{Store, StoredModel};
use crate::suggest::{self, UnknownModel};

/// A current model by id or code, or exit 1 with the closest ids.
pub fn lookup(store: &Store, name: &str) -> anyhow::Result<StoredModel> {
    match store.find(name)? {
        Some(found) => Ok(found),
        None => Err(unknown(store, name, true)?.into()),
    }
}

/// The error for a name that matched nothing, with the closest names among
/// the current models, or among every model ever seen.
pub fn unknown(store: &Store, name: &str, current_only: bool) -> anyhow::Result<UnknownModel> {
    Ok(UnknownModel { name: name.to_owned(), close: suggest::closest(name, store.names(current_only)?) })
}

/// The filters given, with the capability words people type read as the
/// catalog's names (`--feature vision` as image-to-text), each said on stderr.
pub fn read_filters(ctx: &Ctx<'_>, store: &Store, mut filters: Filters) -> anyhow::Result<Filters> {
    for note in resolve_synonyms(store, &mut filters)? {
        ctx.note(note);
    }
    Ok(filters)
}

/// Reads each feature or type that is a known word for a name the catalog
/// has (and is not itself one) as that name; what was read so, in words.
pub fn resolve_synonyms(store: &Store, filters: &mut Filters) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    for (facet, values, word) in
        [(Facet::Features, &mut filters.features, "feature"), (Facet::Types, &mut filters.types, "type")]
    {
        // The catalog is asked only when a word could be a synonym.
        if !values.iter().any(|v| !suggest::synonyms(facet, v).is_empty()) {
            continue;
        }
        let counts = store.facet(facet, &Filters::everything())?;
        let has = |v: &str| counts.iter().any(|c| c.value.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(v)));
        for value in values.iter_mut() {
            if has(value) {
                continue;
            }
            if let Some(name) = suggest::synonyms(facet, value).iter().find(|n| has(n)) {
                notes.push(format!("{word} {value:?} read as {name}"));
                *value = (*name).to_owned();
            }
        }
    }
    Ok(notes)
}

/// After a listing came out empty: says so on stderr, with the filters that
/// emptied it, and each value no model of the catalog has (with the values
/// there are and the closest one).
pub fn explain_empty(ctx: &Ctx<'_>, store: &Store, filters: &Filters) -> anyhow::Result<()> {
    if ctx.settings.quiet {
        // Notes only: with -q (and in the web explorer's API) nobody reads them.
        return Ok(());
    }
    let given = describe(filters);
    ctx.note(if given.is_empty() { "no models match".to_owned() } else { format!("no models match {given}") });
    for unmatched in unmatched_filter_values(store, filters)? {
        ctx.note(unmatched.message);
    }
    // A search that finds nothing is often a model's id mistyped (`gpt5`).
    if let Some(search) = &filters.search {
        let close = unknown(store, search, true)?.close;
        if !close.is_empty() {
            ctx.note(format!("no model's id or name holds {search:?}; did you mean {}?", close.join(", ")));
        }
    }
    Ok(())
}

/// The filters as the flags that give them: `--feature vision --max-input-price 1`.
fn describe(f: &Filters) -> String {
    let mut flags = Vec::new();
    let mut each = |flag: &str, values: &[String]| flags.extend(values.iter().map(|v| format!("--{flag} {v}")));
    each("feature", &f.features);
    each("provider", &f.providers);
    each("type", &f.types);
    each("endpoint", &f.endpoints);
    flags.extend(f.search.iter().map(|s| format!("--search {s}")));
    flags.extend(f.max_input_price.map(|p| format!("--max-input-price {p}")));
    flags.extend(f.max_output_price.map(|p| format!("--max-output-price {p}")));
    flags.extend(f.min_context.map(|c| format!("--min-context {c}")));
    flags.extend(f.pricing.map(|p| format!("--pricing {}", p.name())));
    crate::output::visible(&flags.join(" ")).into_owned()
}

/// A filter value that no model of the catalog has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    /// The facet it was given for.
    pub facet: Facet,
    /// `no feature "vision"; features are: ...; did you mean X?`
    pub message: String,
}

/// The filter values that match no value of their facet anywhere in the
/// catalog (upcoming models included), each with the values there are and
/// the closest one.
pub fn unmatched_filter_values(store: &Store, filters: &Filters) -> anyhow::Result<Vec<Unmatched>> {
    let everything = Filters::everything();
    let facets = [
        (Facet::Types, &filters.types, "type"),
        (Facet::Features, &filters.features, "feature"),
        (Facet::Providers, &filters.providers, "provider"),
        (Facet::Endpoints, &filters.endpoints, "endpoint"),
    ];
    let mut unmatched = Vec::new();
    for (facet, given, word) in facets {
        // An endpoint may be given by its path, which the facet does not list.
        let given: Vec<&String> = given.iter().filter(|v| !v.starts_with('/')).collect();
        if given.is_empty() {
            continue;
        }
        let counts = store.facet(facet, &everything)?;
        let names: Vec<&str> = counts.iter().flat_map(|c| [c.value.as_deref(), c.name.as_deref()]).flatten().collect();
        for value in given.into_iter().filter(|v| !names.iter().any(|n| n.eq_ignore_ascii_case(v))) {
            let values: Vec<&str> = counts.iter().filter_map(|c| c.value.as_deref()).collect();
            let mut list = values.iter().take(10).copied().collect::<Vec<_>>().join(", ");
            if values.len() > 10 {
                list.push_str(", …");
            }
            let close = suggest::closest(value, names.iter().map(|n| (n.to_string(), n.to_string())).collect());
            let close = close.first().map(|c| format!("; did you mean {c}?")).unwrap_or_default();
            let message = format!("no {word} {value:?}; {}s are: {list}{close}", facets::singular(facet));
            unmatched.push(Unmatched { facet, message });
        }
    }
    Ok(unmatched)
}
