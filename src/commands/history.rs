//! `cometcat history MODEL`: one model's prices over time — an entry for each
//! snapshot in which its listed prices, ratio or currency differed from the
//! entry before (the first sighting included), or with `--all` every snapshot
//! it is in. Models no longer listed are found too.

use super::ctx::Ctx;
use super::lookup::unknown;
use crate::cli::HistoryArgs;
use crate::error::Exit;
use crate::history::{PriceState, price_changes};
use crate::output::history::{Entry, write};
use crate::store::Store;

pub fn run(ctx: &mut Ctx<'_>, args: &HistoryArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = Store::open(&ctx.settings.db)?;
    let Some(id) = store.find_any(&args.model)? else {
        return Err(unknown(&store, &args.model, false)?.into());
    };
    let sightings = store.sightings(&id, args.all)?;
    let snapshots = if args.all { store.snapshots()? } else { Vec::new() };
    let entries: Vec<Entry<'_>> = if args.all {
        // Every snapshot from the first sighting to the last, absences included.
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
    };
    if store.find(&id)?.is_none() {
        ctx.note(format_args!("{id} is not in the current catalog"));
    }
    write(ctx.out, &entries, format, ctx.settings.look)?;
    Ok(Exit::Ok)
}
