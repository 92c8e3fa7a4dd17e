//! `cometcat show MODEL`: one model, every field, by id or code; every digit
//! of every price, and with `--json` the record as the API sent it.

use super::ctx::{Ctx, catalog_or_sample};
use super::lookup::lookup;
use crate::cli::ShowArgs;
use crate::error::Exit;
use crate::output::models::write_show;

pub fn run(ctx: &mut Ctx<'_>, args: &ShowArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = catalog_or_sample(ctx)?;
    let found = lookup(&store, &args.model)?;
    let record = store.record(found.version_id)?;
    write_show(ctx.out, &found, &record, format, ctx.settings.look)?;
    Ok(Exit::Ok)
}
