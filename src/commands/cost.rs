//! `cometcat cost MODEL...`: one workload priced on the named models, in
//! argument order. An unknown or unpriced model is listed as unpriced and the
//! command exits 4; a per-second model without `--seconds` is a usage error.

use super::Ctx;
use super::catalog::unknown;
use super::views::{CostRow, write_costs};
use crate::cli::CostArgs;
use crate::error::{Exit, UserError};
use crate::output::Format;
use crate::pricing::CostError;
use crate::store::Store;

pub fn run(ctx: &mut Ctx<'_>, args: &CostArgs) -> anyhow::Result<Exit> {
    let format =
        ctx.settings.format("cost", Format::Table, &[Format::Table, Format::Json, Format::Csv, Format::Markdown])?;
    let store = Store::open(&ctx.settings.db)?;
    let (workload, basis) = (args.workload.workload(), args.workload.basis());
    let mut rows = Vec::with_capacity(args.models.len());
    let mut problems = Vec::new();
    for name in &args.models {
        let Some(found) = store.find(name)? else {
            let err = unknown(name, store.suggestions(name, true)?);
            problems.push(match &err.hint {
                Some(hint) => format!("{err} ({})", hint.trim_end_matches('?').replace("did you mean", "close:")),
                None => err.to_string(),
            });
            rows.push(CostRow::unpriced(name, &workload, basis));
            continue;
        };
        match CostRow::priced(&found.model, &workload, basis) {
            Ok(row) => rows.push(row),
            Err(e @ (CostError::Unpriced { .. } | CostError::UnsupportedCurrency { .. })) => {
                problems.push(e.to_string());
                rows.push(CostRow::unpriced(&found.model.id, &workload, basis));
            }
            Err(e @ CostError::NeedsSeconds { .. }) => return Err(UserError::usage(e.to_string()).into()),
            Err(e @ CostError::Overflow { .. }) => return Err(UserError::new(e.to_string()).into()),
        }
    }
    write_costs(ctx.out, &rows, format, ctx.terminal)?;
    for problem in &problems {
        ctx.warn(problem);
    }
    Ok(if problems.is_empty() { Exit::Ok } else { Exit::Policy })
}
