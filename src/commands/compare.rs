//! `cometcat compare ID ID...`: 2 to 8 current models side by side, each
//! found as `show` finds it (an unknown one exits 1 with the closest ids).
//! A model named twice (by its id and by its code, say) is compared once, and
//! stderr says so; fewer than 2 different models, or more than 8, is a usage
//! error. [`compared`] is public for the web explorer's page.

use super::ctx::{Ctx, catalog_or_sample};
use super::lookup::lookup;
use crate::catalog::CatalogRef;
use crate::cli::CompareArgs;
use crate::error::{Exit, UserError};
use crate::output::compare::{Compared, write_compare};
use crate::store::{Store, StoredModel};

/// The fewest models a comparison shows.
pub const FEWEST: usize = 2;
/// The most models a comparison shows side by side.
pub const MOST: usize = 8;

pub fn run(ctx: &mut Ctx<'_>, args: &CompareArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    count(args.models.len())?;
    let store = catalog_or_sample(ctx)?;
    let (compared, notes) = compared(&store, &args.models)?;
    for note in notes {
        ctx.note(note);
    }
    write_compare(ctx.out, &compared, format, ctx.settings.look)?;
    Ok(Exit::Ok)
}

/// The models `names` name, in their order, each once, with their records
/// and the catalog they are in; and a note for each name that repeats a
/// model named before it.
pub fn compared(store: &Store, names: &[String]) -> anyhow::Result<(Compared, Vec<String>)> {
    count(names.len())?;
    // Each model found, with the first name that found it.
    let mut found: Vec<(StoredModel, &str)> = Vec::with_capacity(names.len());
    let mut notes = Vec::new();
    for name in names {
        let model = lookup(store, name)?;
        match found.iter().find(|(m, _)| m.model.id == model.model.id) {
            Some((_, first)) if *first == name => notes.push(format!("{name} is named more than once: compared once")),
            Some((m, first)) => notes.push(format!("{first} and {name} are both {}: compared once", m.model.id)),
            None => found.push((model, name)),
        }
    }
    if found.len() < FEWEST {
        let (last, rest) = names.split_last().expect("2 names at least");
        let all = if rest.len() == 1 { "both" } else { "all" };
        let id = &found[0].0.model.id;
        let message = format!("{} and {last} {all} name {id}: there is nothing to compare it with", rest.join(", "));
        return Err(UserError::usage(message).hint("name 2 to 8 different models").into());
    }
    let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");
    let catalog = CatalogRef { sync_id: snapshot.id, synced_at: snapshot.fetched_at, source: snapshot.source };
    let mut models = Vec::with_capacity(found.len());
    for (model, _) in found {
        let record = store.record(model.version_id)?;
        models.push((model, record));
    }
    Ok((Compared { catalog, models }, notes))
}

/// A usage error unless `n` models is something to compare side by side.
fn count(n: usize) -> Result<(), UserError> {
    if n < FEWEST {
        return Err(UserError::usage(format!("compare shows models side by side: it needs 2 at least, not {n}"))
            .hint("name 2 to 8 models, each by id or code: `cometcat compare ID ID...`"));
    }
    if n > MOST {
        return Err(UserError::usage(format!("compare shows at most {MOST} models side by side, not {n}"))
            .hint("compare fewer at a time; `cometcat models` lists any number"));
    }
    Ok(())
}
