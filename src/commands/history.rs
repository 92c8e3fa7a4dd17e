//! `cometcat history MODEL`: one model's prices over time — an entry for each
//! snapshot in which its listed prices, ratio or currency differed from the
//! entry before (the first sighting included), or with `--all` every snapshot
//! it is in. Models no longer listed are found too.

use super::Ctx;
use super::catalog::unknown;
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
    let keep: Vec<usize> = if args.all {
        (0..sightings.len()).collect()
    } else {
        price_changes(&sightings.iter().map(|(_, m)| PriceState::of(&m.model)).collect::<Vec<_>>())
    };
    let entries: Vec<Entry<'_>> =
        keep.into_iter().map(|i| Entry { snapshot: &sightings[i].0, model: &sightings[i].1 }).collect();
    if store.find(&id)?.is_none() {
        ctx.note(format_args!("{id} is not in the current catalog"));
    }
    write(ctx.out, &entries, format, ctx.look)?;
    Ok(Exit::Ok)
}
