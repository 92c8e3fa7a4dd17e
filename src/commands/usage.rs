//! `cometcat usage [FILE...]`: prices the calls in API responses and logs, as
//! glue. Reads each file as it streams ([`crate::usage::read`]), hands every
//! call to the aggregator ([`crate::usage::Usage`]), prints the report (or one
//! JSON line per record), and asks the gate ([`crate::gate`]) how to exit.
//! [`price`] and [`read_input`] are that pricing without files or output,
//! for agents too.
//! With `--sql`, prints instead the query that prices usage in another
//! engine ([`crate::book::sql`]), and reads nothing.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::ctx::{Ctx, baseline, catalog_for_gate};
use super::fetch;
use super::lookup::unknown;
use crate::book::{Dialect, TableName, TableRole, Tables};
use crate::catalog::{CatalogRef, Model};
use crate::cli::UsageArgs;
use crate::error::{Diagnostic, Exit, UserError};
use crate::gate::baseline::Baseline;
use crate::gate::{self, Facts, Growth, Limits, Shape, Unread, Violation};
use crate::output::{self, Format};
use crate::store::Store;
use crate::time::Time;
use crate::usage::{At, Catalogs, GroupBy, Ledger, Options, QuotaRate, Read, UsageReport, read};

/// Read buffer per file: large enough that reading costs little per record.
const BUFFER: usize = 256 << 10;

pub fn run(ctx: &mut Ctx<'_>, args: &UsageArgs) -> anyhow::Result<Exit> {
    if let Some(dialect) = args.sql {
        return sql(ctx, dialect, &args.tables);
    }
    // Not clap's `conflicts_with`: it would let `--save FILE` pass without `--fetch`.
    if args.bill.fetch && !args.files.is_empty() {
        return Err(UserError::usage("--fetch reads the gateway's log, not files: give --fetch or FILEs").into());
    }
    let (earlier, no_baseline) = baseline(&args.gate, Shape::Usage)?;
    let store = catalog_for_gate(&ctx.settings.db, "usage")?;
    let terms = Terms {
        by: &args.by,
        at: args.at,
        aliases: &args.aliases,
        what_if: &args.what_if,
        limits: limits(args),
        quota: args.bill.quota_per_usd,
        max_groups: args.max_groups as usize,
        flag: &|name| format!("--{}", name.replace('_', "-")),
    };
    let mut fetched = args.bill.fetch.then(|| fetch::fetch(ctx, &args.bill)).transpose()?;
    let files: Vec<PathBuf> = if args.files.is_empty() { vec![PathBuf::from("-")] } else { args.files.clone() };
    let mut files = files.iter().map(|path| open(path)).collect::<Result<Vec<_>, _>>()?;
    let out = &mut *ctx.out;
    let mut report = price(&store, &terms, earlier, |ledger, tag| {
        if let Some(log) = fetched.as_mut() {
            let input = BufReader::with_capacity(BUFFER, &mut log.file);
            return Ok(u64::from(!read_input(out, ledger, &log.shown, input, tag, args.per_record)?));
        }
        let mut failed = 0;
        for (shown, input) in &mut files {
            let input = std::mem::replace(input, Box::new(io::empty()));
            if !read_input(out, ledger, shown, input, tag, args.per_record)? {
                failed += 1;
            }
        }
        Ok(failed)
    })?;
    if let Some(log) = fetched {
        report.notes.extend(log.notes);
        if let Some(message) = log.incomplete {
            report.violations.push(Violation { kind: "incomplete_log", message, exit: Exit::Error });
        }
    }
    if let Some(file) = no_baseline {
        report.notes.push(format!("no baseline: {file} does not exist (--allow-missing-baseline)"));
    }
    let exit = gate::exit(&report.violations);
    let unreadable_fails = report.violations.iter().any(|v| v.kind == "unreadable");
    if !args.per_record {
        write(ctx, &report, args)?;
    }
    finish(ctx, &report, args, unreadable_fails);
    Ok(exit)
}

/// The terms usage is priced on: everything `usage` is told but its input and its output.
pub struct Terms<'a> {
    pub by: &'a GroupBy,
    pub at: At,
    /// `--alias NAME=MODEL`.
    pub aliases: &'a [(String, String)],
    /// `--what-if MODEL`.
    pub what_if: &'a [String],
    pub limits: Limits,
    /// How a gateway's quota converts to dollars.
    pub quota: QuotaRate,
    /// The most groups kept (the rest summed under one).
    pub max_groups: usize,
    /// How an option (`what_if`, `alias`) is named where it was given
    /// (`--what-if` on the command line).
    pub flag: &'a dyn Fn(&str) -> String,
}

/// The usage report on the current snapshot of `store`, compared with the
/// `earlier` report and judged by the gate: `feed` reads the input into the
/// ledger (grouping by the tag it is given, if any) and says how many inputs
/// could not be opened.
pub fn price(
    store: &Store,
    terms: &Terms<'_>,
    earlier: Option<Baseline>,
    feed: impl FnOnce(&mut Ledger<'_>, Option<&str>) -> anyhow::Result<u64>,
) -> anyhow::Result<UsageReport> {
    let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");
    let options = Options {
        by: terms.by.clone(),
        at: terms.at,
        aliases: aliases(store, terms.aliases, &(terms.flag)("alias"))?,
        what_if: what_ifs(store, terms.what_if, &(terms.flag)("what_if"))?,
        quota: terms.quota,
        max_groups: terms.max_groups,
    };
    let history = match terms.at {
        At::Now => Vec::new(),
        At::Record => {
            store.snapshots()?.into_iter().filter_map(|s| Some((Time::parse(&s.fetched_at)?, s.id))).collect()
        }
    };
    let catalogs = Catalogs::new((snapshot.id, store.models_at(snapshot.id)?), history, |id| Ok(store.models_at(id)?));
    let mut ledger = Ledger::new(options, catalogs);
    let tag = match terms.by {
        GroupBy::Tag(key) => Some(key.as_str()),
        _ => None,
    };
    let failed = feed(&mut ledger, tag)?;
    let catalog =
        CatalogRef { sync_id: snapshot.id, synced_at: snapshot.fetched_at.clone(), source: snapshot.source.clone() };
    let mut report = ledger.report(catalog);
    report.baseline = earlier
        .map(|b| Growth::new(b.total, report.totals.cost))
        .transpose()
        .map_err(|_| UserError::new("the change against the baseline is too large to compute exactly"))?;
    let first = report.unreadable.first().map(|u| format!("{}:{}: {}", u.file, u.line, u.reason));
    let unreadable = Unread { lines: report.totals.unreadable, files: failed, first: first.as_deref() };
    report.violations =
        gate::evaluate(&facts(&report, &snapshot.fetched_at, unreadable), &terms.limits, Timestamp::now());
    Ok(report)
}

/// `--sql DIALECT`: the query alone on stdout. It reads neither the catalog nor any file.
fn sql(ctx: &mut Ctx<'_>, dialect: Dialect, names: &[(TableRole, TableName)]) -> anyhow::Result<Exit> {
    let mut tables = Tables::default();
    for (n, (role, name)) in names.iter().enumerate() {
        if names[..n].iter().any(|(r, _)| r == role) {
            return Err(UserError::usage(format!("--table {} is given twice", role.name())).into());
        }
        tables.set(*role, name.clone());
    }
    ctx.out.write_all(crate::book::sql::query(dialect, &tables).as_bytes())?;
    Ok(Exit::Ok)
}

/// One input, named as the report shows it, opened before anything is read:
/// a file that is missing, a folder or cannot be opened is an error (exit 1),
/// not an unreadable line in an otherwise empty report.
fn open(path: &Path) -> Result<(String, Box<dyn BufRead + Send>), UserError> {
    if path == Path::new("-") {
        return Ok(("stdin".to_owned(), Box::new(BufReader::with_capacity(BUFFER, io::stdin()))));
    }
    let shown = path.display().to_string();
    let refuse = |why: String| UserError::new(format!("{shown}: {why}"));
    match File::open(path) {
        Ok(_) if path.is_dir() => Err(refuse("is a folder, not a log file".into())),
        Ok(file) => Ok((shown.clone(), Box::new(BufReader::with_capacity(BUFFER, file)))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(refuse("no such file".into())),
        Err(e) => Err(refuse(format!("cannot be opened: {e}"))),
    }
}

/// Reads one input, named `shown` in the report, into the ledger, writing
/// each record's line when `per_record`. An input whose reading fails counts
/// as an unreadable line (at line 0) and gives `false`.
pub fn read_input(
    out: &mut dyn Write,
    ledger: &mut Ledger<'_>,
    shown: &str,
    input: impl BufRead + Send,
    tag: Option<&str>,
    per_record: bool,
) -> anyhow::Result<bool> {
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
        let added = ledger.add(shown, item, |priced| {
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
            ledger.add(shown, Read::Unreadable { line: 0, reason, values: 0 }, |_| {})?;
            Ok(false)
        }
    }
}

/// `--what-if MODEL`s, each a current model, each once.
fn what_ifs(store: &Store, names: &[String], flag: &str) -> anyhow::Result<Vec<Model>> {
    let mut models: Vec<Model> = Vec::new();
    for name in names {
        let model = current(store, name, flag)?;
        if !models.iter().any(|m| m.id == model.id) {
            models.push(model);
        }
    }
    Ok(models)
}

/// `--alias NAME=MODEL`, each MODEL a current model (by id, code or case).
fn aliases(store: &Store, given: &[(String, String)], flag: &str) -> anyhow::Result<HashMap<String, String>> {
    let mut aliases = HashMap::new();
    for (name, target) in given {
        let id = current(store, target, flag)?.id;
        match aliases.insert(name.clone(), id.clone()) {
            Some(other) if other != id => {
                let message = format!("{flag} {name} is given twice, as {other} and as {id}");
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
        max_overcharge: args.bill.max_overcharge,
        ..Limits::default()
    }
}

/// What the gate needs to know of the report: the total, each unknown or
/// unpriced model with its records, and what could not be read.
fn facts<'a>(report: &'a UsageReport, fetched_at: &'a str, unreadable: Unread<'a>) -> Facts<'a> {
    let baseline = report.baseline.as_ref().map(|b| (b.total, b.change_pct));
    let ch = &report.totals.charges;
    let charges = (ch.compared > 0).then_some((ch.compared_charged, ch.compared_cost));
    let (total, unpriced, charges_stated) = (report.totals.cost, report.problems(), ch.stated);
    let records = Some(report.totals.records);
    Facts { total, baseline, unpriced, fetched_at, unreadable, charges, charges_stated, records }
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
    // The table, Markdown and JSON say how quota was read, and their notes; the other outputs say them here.
    if args.per_record || args.output.format() == Format::Csv {
        if let Some(g) = &report.gateway {
            ctx.note(format_args!("charged reads the gateway's quota as {} = $1 (--quota-per-usd)", g.quota_per_usd));
        }
        for note in &report.notes {
            ctx.note(format_args!("note: {note}"));
        }
    }
    if report.totals.records == 0 && report.totals.unreadable == 0 {
        ctx.note("the input holds no record");
    }
    // Each violation is a line on stderr too, whatever -q says: the CI log
    // shows why with stdout in a file (a table on a terminal shows them already).
    if args.per_record || !(args.output.format() == Format::Table && ctx.settings.stdout_terminal) {
        for v in &report.violations {
            eprintln!("violation: {}", output::visible(&format!("{} ({})", v.message, v.kind)));
        }
    }
}
