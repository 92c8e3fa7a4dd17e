//! `cometcat syncs`: every snapshot, newest first, with what it changed.

use super::ctx::Ctx;
use crate::cli::SyncsArgs;
use crate::error::Exit;
use crate::output::syncs;
use crate::store::Store;

pub fn run(ctx: &mut Ctx<'_>, args: &SyncsArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = Store::open(&ctx.settings.db)?;
    syncs::write(ctx.out, &store.snapshots()?, format, ctx.settings.look)?;
    Ok(Exit::Ok)
}
