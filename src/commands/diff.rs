//! `cometcat diff [FROM] [TO]`: the models added, removed and changed between
//! two snapshots, each changed field with its old and new value. FILTERS
//! narrow it (a model counts if either of its versions matches).

use super::ctx::Ctx;
use crate::cli::{DiffArgs, SnapshotSelector};
use crate::error::Exit;
use crate::output;
use crate::query::Filters;
use crate::store::{Snapshot, Store, StoreError};
use crate::time::format_time;

pub fn run(ctx: &mut Ctx<'_>, args: &DiffArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = Store::open(&ctx.settings.db)?;
    let (from, to) = pick(&store, args.from, args.to)?;
    if from.id == to.id && args.from.is_none() {
        ctx.note(format_args!("snapshot {} is the first one: there is nothing before it to compare with", to.id));
    }
    let filters = super::lookup::read_filters(ctx, &store, Filters::from(&args.filters))?;
    let diff = store.diff(from.id, to.id, Some(&filters))?;
    output::diff::write(ctx.out, &diff, format, ctx.settings.look)?;
    Ok(Exit::Ok)
}

/// The two snapshots to compare: `to` (default: the current one) and `from`
/// (default: the one before `to`; the first snapshot is compared with itself).
pub fn pick(
    store: &Store,
    from: Option<SnapshotSelector>,
    to: Option<SnapshotSelector>,
) -> anyhow::Result<(Snapshot, Snapshot)> {
    let to = match to {
        Some(sel) => select(store, sel)?,
        None => store.current_snapshot()?.expect("Store::open checked there is one"),
    };
    let from = match from {
        Some(sel) => select(store, sel)?,
        None => store.previous(to.id)?.unwrap_or_else(|| to.clone()),
    };
    Ok((from, to))
}

/// The snapshot a selector names, or the error that names the selector.
pub fn select(store: &Store, selector: SnapshotSelector) -> anyhow::Result<Snapshot> {
    Ok(match selector {
        SnapshotSelector::Id(id) => store.snapshot(id)?.ok_or(StoreError::NoSnapshot(id))?,
        SnapshotSelector::At(at) => store.snapshot_at(at)?.ok_or_else(|| StoreError::NoSnapshotBy(format_time(at)))?,
    })
}
