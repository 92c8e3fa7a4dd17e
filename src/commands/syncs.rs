//! `cometcat syncs`: every snapshot, newest first, with what it changed.

use super::Ctx;
use crate::error::Exit;
use crate::output::{Format, syncs};
use crate::store::Store;

pub fn run(ctx: &mut Ctx<'_>) -> anyhow::Result<Exit> {
    let format =
        ctx.settings.format("syncs", Format::Table, &[Format::Table, Format::Json, Format::Csv, Format::Markdown])?;
    let store = Store::open(&ctx.settings.db)?;
    syncs::write(ctx.out, &store.snapshots()?, format, ctx.terminal)?;
    Ok(Exit::Ok)
}
