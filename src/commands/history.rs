//! `cometcat history MODEL`: one model's prices over time — an entry for each
//! snapshot in which its listed prices, ratio or currency differed from the
//! entry before (the first sighting included), or with `--all` every snapshot
//! it is in. Models no longer listed are found too.

use serde::Serialize;

use super::Ctx;
use super::catalog::unknown;
use crate::cli::HistoryArgs;
use crate::error::Exit;
use crate::history::{PriceState, price_changes};
use crate::output::{self, Format, Grid, cell};
use crate::pricing::Money;
use crate::store::Store;

#[derive(Serialize)]
struct Entry<'a> {
    snapshot: i64,
    fetched_at: &'a str,
    currency: Option<&'a str>,
    input_price: Option<Money>,
    output_price: Option<Money>,
    per_request: Option<Money>,
    per_second: Option<Money>,
    ratio: Option<Money>,
    effective_input_price: Option<Money>,
    effective_output_price: Option<Money>,
    effective_per_request: Option<Money>,
    effective_per_second: Option<Money>,
}

pub fn run(ctx: &mut Ctx<'_>, args: &HistoryArgs) -> anyhow::Result<Exit> {
    let format =
        ctx.settings.format("history", Format::Table, &[Format::Table, Format::Json, Format::Csv, Format::Markdown])?;
    let store = Store::open(&ctx.settings.db)?;
    let Some(id) = store.find_any(&args.model)? else {
        return Err(unknown(&args.model, store.suggestions(&args.model, false)?).into());
    };
    let sightings = store.sightings(&id, args.all)?;
    let keep: Vec<usize> = if args.all {
        (0..sightings.len()).collect()
    } else {
        price_changes(&sightings.iter().map(|(_, m)| PriceState::of(&m.model)).collect::<Vec<_>>())
    };
    let entries: Vec<Entry<'_>> = keep
        .into_iter()
        .map(|i| {
            let (snapshot, stored) = &sightings[i];
            let p = &stored.model.pricing;
            let e = p.effective().unwrap_or_default();
            Entry {
                snapshot: snapshot.id,
                fetched_at: &snapshot.fetched_at,
                currency: p.currency.as_deref(),
                input_price: p.listed.input,
                output_price: p.listed.output,
                per_request: p.listed.per_request,
                per_second: p.listed.per_second,
                ratio: p.ratio,
                effective_input_price: e.input,
                effective_output_price: e.output,
                effective_per_request: e.per_request,
                effective_per_second: e.per_second,
            }
        })
        .collect();
    if store.find(&id)?.is_none() {
        ctx.note(format_args!("{id} is not in the current catalog"));
    }
    if format == Format::Json {
        output::json(ctx.out, &entries)?;
        return Ok(Exit::Ok);
    }
    let headers: &[&str] = if format == Format::Csv {
        &[
            "snapshot",
            "fetched_at",
            "input_price",
            "output_price",
            "per_request",
            "per_second",
            "ratio",
            "effective_input_price",
            "effective_output_price",
            "effective_per_request",
            "effective_per_second",
        ]
    } else {
        &[
            "SNAPSHOT",
            "FETCHED",
            "INPUT $/M",
            "OUTPUT $/M",
            "$/CALL",
            "$/SEC",
            "RATIO",
            "EFF. INPUT",
            "EFF. OUTPUT",
            "EFF. $/CALL",
            "EFF. $/SEC",
        ]
    };
    let mut grid = Grid::new(headers).numeric(&[0, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let money =
        |m: Option<Money>| if format == Format::Csv { cell(m) } else { m.map(|m| m.rounded()).unwrap_or_default() };
    for e in &entries {
        grid.push(vec![
            e.snapshot.to_string(),
            e.fetched_at.to_owned(),
            money(e.input_price),
            money(e.output_price),
            money(e.per_request),
            money(e.per_second),
            money(e.ratio),
            money(e.effective_input_price),
            money(e.effective_output_price),
            money(e.effective_per_request),
            money(e.effective_per_second),
        ]);
    }
    grid.write(ctx.out, format, ctx.terminal)?;
    Ok(Exit::Ok)
}
