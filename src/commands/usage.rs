//! `cometcat usage [FILE...]`: prices the calls in API responses and logs, as
//! glue. Reads each file as it streams ([`crate::usage::read`]), hands every
//! call to the aggregator ([`crate::usage::Usage`]), prints the report (or one
//! JSON line per record), and asks the gate ([`crate::gate`]) how to exit.
//! With `--sql`, prints instead the query that prices usage in another
//! engine ([`crate::book::sql`]), and reads nothing.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::ctx::{Ctx, catalog_for_gate, read_baseline};
use super::lookup::unknown;
use crate::book::{Dialect, TableName, TableRole, Tables};
use crate::catalog::{CatalogRef, Model};
use crate::cli::UsageArgs;
use crate::error::{Diagnostic, Exit, UserError};
use crate::gate::{self, Facts, Growth, Limits, Shape, Unread};
use crate::output::{self, Format};
use crate::store::Store;
use crate::usage::{At, Catalogs, GroupBy, Ledger, Options, Read, UsageReport, read};

/// Read buffer per file: large enough that reading costs little per record.
const BUFFER: usize = 256 << 10;

pub fn run(ctx: &mut Ctx<'_>, args: &UsageArgs) -> anyhow::Result<Exit> {
    if let Some(dialect) = args.sql {
        return sql(ctx, dialect, &args.tables);
    }
    let earlier = args.gate.baseline.as_deref().map(|path| read_baseline(path, Shape::Usage)).transpose()?;
    let store = catalog_for_gate(&ctx.settings.db, "usage")?;
    let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");
    let options = Options {
        by: args.by.clone(),
        at: args.at,
        aliases: aliases(&store, &args.aliases)?,
        what_if: what_ifs(&store, &args.what_if)?,
    };
    let history = match args.at {
        At::Now => Vec::new(),
        At::Record => store
            .snapshots()?
            .into_iter()
            .filter_map(|s| Some((s.fetched_at.parse::<Timestamp>().ok()?, s.id)))
            .collect(),
    };
    let catalogs = Catalogs::new((snapshot.id, store.models_at(snapshot.id)?), history, |id| Ok(store.models_at(id)?));
    let mut ledger = Ledger::new(options, catalogs);
    let tag = match &args.by {
        GroupBy::Tag(key) => Some(key.as_str()),
        _ => None,
    };
    let files = if args.files.is_empty() { vec![PathBuf::from("-")] } else { args.files.clone() };
    let mut unopened = 0;
    for path in &files {
        if !read_file(ctx.out, &mut ledger, path, tag, args.per_record)? {
            unopened += 1;
        }
    }
    let catalog =
        CatalogRef { sync_id: snapshot.id, synced_at: snapshot.fetched_at.clone(), source: snapshot.source.clone() };
    let mut report = ledger.report(catalog);
    report.baseline = earlier
        .map(|b| Growth::new(b.total, report.totals.cost))
        .transpose()
        .map_err(|_| UserError::new("the change against the baseline is too large to compute exactly"))?;
    let first = report.unreadable.first().map(|u| format!("{}:{}: {}", u.file, u.line, u.reason));
    let unreadable = Unread { lines: report.totals.unreadable, files: unopened, first: first.as_deref() };
    report.violations =
        gate::evaluate(&facts(&report, &snapshot.fetched_at, unreadable), &limits(args), Timestamp::now());
    let exit = gate::exit(&report.violations);
    let unreadable_fails = report.violations.iter().any(|v| v.kind == "unreadable");
    if !args.per_record {
        write(ctx, &report, args)?;
    }
    finish(ctx, &report, args, unreadable_fails);
    Ok(exit)
}

/// `--sql DIALECT`: the query alone on stdout. It reads neither the catalog nor any file.
fn sql(ctx: &mut Ctx<'_>, dialect: Dialect, names: &[(TableRole, TableName)]) -> anyhow::Result<Exit> {
    let mut tables = Tables::default();
    for (role, name) in names {
        tables.set(*role, name.clone());
    }
    ctx.out.write_all(crate::book::sql::query(dialect, &tables).as_bytes())?;
    Ok(Exit::Ok)
}

/// Reads one file (or stdin) into the report, writing each record's line
/// when `per_record`. A file that cannot be opened, or whose reading fails,
/// counts as an unreadable line (at line 0) and gives `false`.
fn read_file(
    out: &mut dyn Write,
    ledger: &mut Ledger<'_>,
    path: &Path,
    tag: Option<&str>,
    per_record: bool,
) -> anyhow::Result<bool> {
    let (shown, input): (String, Box<dyn BufRead>) = if path == Path::new("-") {
        ("stdin".into(), Box::new(BufReader::with_capacity(BUFFER, io::stdin().lock())))
    } else {
        let shown = path.display().to_string();
        match File::open(path) {
            Ok(file) => (shown, Box::new(BufReader::with_capacity(BUFFER, file))),
            Err(e) => {
                let reason = format!("cannot be read: {e}");
                ledger.add(&shown, Read::Unreadable { line: 0, reason, values: 0 }, |_| {})?;
                return Ok(false);
            }
        }
    };
    // The reader cannot stop early: the first failure is kept, the rest skipped.
    let mut failed: Option<anyhow::Error> = None;
    let (mut records, mut values) = (0u64, 0u64);
    let read = read::read(input, tag, &mut |item| {
        if failed.is_some() {
            return;
        }
        records += u64::from(matches!(item, Read::Record { .. }));
        values += item.values();
        let mut written = Ok(());
        let added = ledger.add(&shown, item, |priced| {
            if per_record {
                written = serde_json::to_writer(&mut *out, priced)
                    .map_err(io::Error::from)
                    .and_then(|()| out.write_all(b"\n"));
            }
        });
        failed = added.err().or_else(|| written.err().map(anyhow::Error::from));
    });
    if let Some(e) = failed {
        return Err(e);
    }
    match read {
        Ok(read) => {
            ledger.read_values(read);
            Ok(true)
        }
        Err(e) => {
            // What was read before the failure is accounted for as it was read.
            ledger.read_values(values);
            let reason = format!("reading stopped after {records} records: {e}");
            ledger.add(&shown, Read::Unreadable { line: 0, reason, values: 0 }, |_| {})?;
            Ok(false)
        }
    }
}

/// `--what-if MODEL`s, each a current model, each once.
fn what_ifs(store: &Store, names: &[String]) -> anyhow::Result<Vec<Model>> {
    let mut models: Vec<Model> = Vec::new();
    for name in names {
        let model = current(store, name, "--what-if")?;
        if !models.iter().any(|m| m.id == model.id) {
            models.push(model);
        }
    }
    Ok(models)
}

/// `--alias NAME=MODEL`, each MODEL a current model (by id, code or case).
fn aliases(store: &Store, given: &[(String, String)]) -> anyhow::Result<HashMap<String, String>> {
    let mut aliases = HashMap::new();
    for (name, target) in given {
        let id = current(store, target, "--alias")?.id;
        match aliases.insert(name.clone(), id.clone()) {
            Some(other) if other != id => {
                let message = format!("--alias {name} is given twice, as {other} and as {id}");
                return Err(UserError::usage(message).into());
            }
            _ => {}
        }
    }
    Ok(aliases)
}

/// A model of the current catalog named on the command line; an unknown one
/// is an error (exit 4, as for any unknown model priced), with suggestions.
fn current(store: &Store, name: &str, flag: &str) -> anyhow::Result<Model> {
    if let Some(found) = store.find(name)? {
        return Ok(found.model);
    }
    let err = unknown(store, name, true)?;
    let error = UserError::new(format!("{flag}: {err}")).exit(Exit::Policy);
    Err(match err.hint() {
        Some(hint) => error.hint(hint),
        None => error,
    }
    .into())
}

fn limits(args: &UsageArgs) -> Limits {
    Limits {
        budget: args.gate.budget,
        max_increase: args.gate.max_increase,
        allow_unpriced: args.gate.allow_unpriced,
        skip_unreadable: args.skip_unreadable,
        ..Limits::default()
    }
}

/// What the gate needs to know of the report: the total, each unknown or
/// unpriced model with its records, and what could not be read.
fn facts<'a>(report: &'a UsageReport, fetched_at: &'a str, unreadable: Unread<'a>) -> Facts<'a> {
    let baseline = report.baseline.as_ref().map(|b| (b.total, b.change_pct));
    Facts { total: report.totals.cost, baseline, unpriced: report.problems(), fetched_at, unreadable }
}

fn write(ctx: &mut Ctx<'_>, report: &UsageReport, args: &UsageArgs) -> anyhow::Result<()> {
    let format = args.output.format();
    match format {
        Format::Json => output::json(ctx.out, report)?,
        Format::Csv => output::usage::groups_grid(report, &args.by).write(ctx.out, format, ctx.settings.look)?,
        Format::Markdown => ctx.out.write_all(output::usage::markdown(report, &args.by).as_bytes())?,
        Format::Table => output::usage::table(ctx.out, report, &args.by, ctx.settings.look)?,
    }
    Ok(())
}

/// Says on stderr what fails the run (whatever `-q` says: it is why) or what
/// was let pass.
fn finish(ctx: &Ctx<'_>, report: &UsageReport, args: &UsageArgs, unreadable_fails: bool) {
    for u in &report.unreadable {
        let line = format!("{}:{}: {}", u.file, u.line, u.reason);
        if unreadable_fails {
            eprintln!("unreadable: {}", output::visible(&line));
        } else {
            ctx.note(format_args!("skipped: {line}"));
        }
    }
    let more = report.totals.unreadable.saturating_sub(report.unreadable.len() as u64);
    if more > 0 {
        ctx.note(format_args!("... and {more} more unreadable lines"));
    }
    if report.totals.records == 0 && report.totals.unreadable == 0 {
        ctx.note("the input holds no record");
    }
    // A table shows the violations itself; the other formats keep stdout clean.
    if args.per_record || !matches!(args.output.format(), Format::Table) {
        for v in &report.violations {
            eprintln!("violation: {}", output::visible(&format!("{} ({})", v.message, v.kind)));
        }
    }
}
