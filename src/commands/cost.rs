//! `cometcat cost MODEL...`: one workload priced on the named models, in
//! argument order. An unknown or unpriced model is listed as unpriced and the
//! command exits 4; a per-second model without `--seconds` is a usage error.

use super::ctx::Ctx;
use super::lookup::unknown;
use crate::cli::CostArgs;
use crate::error::{Diagnostic, Exit};
use crate::output::costs::{CostRow, write_costs};

pub fn run(ctx: &mut Ctx<'_>, args: &CostArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    let store = super::ctx::catalog_or_sample(ctx)?;
    let (workload, basis) = (super::ctx::workload(&args.workload)?, args.workload.basis());
    let mut rows = Vec::with_capacity(args.models.len());
    // Each model that cannot be priced: what to say, and the exit it calls for.
    let mut problems: Vec<(String, Exit)> = Vec::new();
    for name in &args.models {
        let Some(found) = store.find(name)? else {
            let err = unknown(&store, name, true)?;
            let message = match err.close.as_slice() {
                [] => err.to_string(),
                close => format!("{err} (close: {})", close.join(", ")),
            };
            problems.push((message, Exit::Policy));
            rows.push(CostRow::unpriced(name, &workload, basis));
            continue;
        };
        if found.model.upcoming {
            ctx.note(format_args!("{} is upcoming: listed, not yet callable", found.model.id));
        }
        if found.model.priced_by() == "token" && workload.input_tokens == 0 && workload.output_tokens == 0 {
            ctx.note(format_args!(
                "{} prices tokens only, and the workload has none: its cost is 0 (give --input-tokens and --output-tokens)",
                found.model.id
            ));
        }
        match CostRow::priced(&found.model, &workload, basis) {
            Ok(row) => rows.push(row),
            Err(e) if e.is_unpriced() => {
                problems.push((e.to_string(), e.exit().unwrap_or(Exit::Policy)));
                rows.push(CostRow::unpriced(&found.model.id, &workload, basis));
            }
            Err(e) => return Err(e.into()),
        }
    }
    write_costs(ctx.out, &rows, format, ctx.settings.look)?;
    for (problem, _) in &problems {
        ctx.warn(problem);
    }
    Ok(problems.iter().fold(Exit::Ok, |exit, (_, e)| exit.worst(*e)))
}
