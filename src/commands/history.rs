//! `cometcat history MODEL`: one model's prices over time — an entry for each
//! snapshot in which its listed prices, ratio or currency differed from the
//! entry before (the first sighting included), or with `--all` every snapshot
//! it is in. Models no longer listed are found too. [`entries`] picks the
//! entries, for agents too.

use super::ctx::Ctx;
use super::lookup::unknown;
use crate::cli::HistoryArgs;
use crate::error::Exit;
use crate::history::{PriceState, price_changes};
use crate::output::history::{Entry, write};
use crate::store::{Snapshot, Store, StoredModel};

pub fn run(ctx: &mut Ctx<'_>, args: &HistoryArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = Store::open(&ctx.settings.db)?;
    let Some(id) = store.find_any(&args.model)? else {
        return Err(unknown(&store, &args.model, false)?.into());
    };
    let sightings = store.sightings(&id, args.all)?;
    let snapshots = if args.all { store.snapshots()? } else { Vec::new() };
    let entries = entries(&sightings, &snapshots, args.all);
    if store.find(&id)?.is_none() {
        ctx.note(format_args!("{id} is not in the current catalog"));
    }
    write(ctx.out, &entries, format, ctx.settings.look)?;
    Ok(Exit::Ok)
}

/// The entries `history` lists, from a model's `sightings`: one per snapshot
/// in which its prices differed from the entry before, or with `all` one per
/// snapshot of `snapshots` (newest first, as [`Store::snapshots`] gives them)
/// from its first sighting to its last, absences included.
pub fn entries<'a>(sightings: &'a [(Snapshot, StoredModel)], snapshots: &'a [Snapshot], all: bool) -> Vec<Entry<'a>> {
    if all {
        let range = sightings.first().map(|s| s.0.id)..=sightings.last().map(|s| s.0.id);
        snapshots
            .iter()
            .rev()
            .filter(|s| range.contains(&Some(s.id)))
            .map(|snapshot| {
                let model = sightings.iter().find(|(seen, _)| seen.id == snapshot.id).map(|(_, m)| m);
                Entry { snapshot, model, gaps: true }
            })
            .collect()
    } else {
        let states: Vec<PriceState> = sightings.iter().map(|(_, m)| PriceState::of(&m.model)).collect();
        let changes = price_changes(&states).into_iter();
        changes.map(|i| Entry { snapshot: &sightings[i].0, model: Some(&sightings[i].1), gaps: false }).collect()
    }
}
