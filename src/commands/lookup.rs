//! Finding models by the names people give: a current model by id or code
//! ([`lookup`]), the error for a name that matched nothing, with the closest
//! names ([`unknown`]), and the note for a filter value that no model has
//! ([`check_filter_values`], from [`unmatched_filter_values`]).

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

/// For each filter value that matches no value of its facet anywhere in the
/// catalog, says so on stderr with the values there are and the closest one:
/// an empty listing then explains itself.
pub fn check_filter_values(ctx: &Ctx<'_>, store: &Store, filters: &Filters) -> anyhow::Result<()> {
    if ctx.settings.quiet {
        // Notes only: with -q (and in the web explorer's API) nobody reads them.
        return Ok(());
    }
    for unmatched in unmatched_filter_values(store, filters)? {
        ctx.note(unmatched.message);
    }
    Ok(())
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
    let everything = Filters { include_upcoming: true, ..Filters::default() };
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
