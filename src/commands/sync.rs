//! `cometcat sync`: walk the API (or read `--from` a file) into a new snapshot,
//! then say what happened: warnings, a one-line summary, and with
//! `--format json` the same summary as JSON on stdout.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::value::RawValue;

use super::ctx::Ctx;
use super::progress;
use crate::api::client::{self, PageSink, WalkOptions};
use crate::api::paging::Collected;
use crate::api::wire::{Answer, Problem};
use crate::api::{self};
use crate::cli::SyncArgs;
use crate::error::{Exit, UserError};
use crate::output::{self, Format};
use crate::store::{Committed, Feed, Ingest, SnapshotMeta, Store};

/// Where a sync reads the catalog from.
enum Source<'a> {
    File(&'a Path),
    Api(reqwest::Url),
}

/// Warnings shown before "... and N more" (all of them with `-v`).
const SHOWN_WARNINGS: usize = 20;

pub fn run(ctx: &mut Ctx<'_>, args: &SyncArgs) -> anyhow::Result<Exit> {
    let format = args.output.format();
    // A bad --base-url is a usage error before anything touches the disk.
    let source = match &args.from {
        Some(path) => Source::File(path),
        None => Source::Api(api::models_url(&args.base_url).map_err(UserError::usage)?),
    };
    let started = Timestamp::now();
    let clock = Instant::now();
    let mut store = Store::create(&ctx.settings.db)?;
    let previous = store.current_snapshot()?;
    let committed = match source {
        Source::File(path) => import(&mut store, path, args.max_body, started),
        Source::Api(url) => fetch(ctx, &mut store, args, url, started),
    };
    let mut committed = match committed {
        Ok(committed) => committed,
        Err(e) => {
            if previous.is_none() {
                ctx.note(format_args!(
                    "until a sync succeeds, `models`, `show`, `cost` and `rank` answer from {}",
                    crate::sample::label()
                ));
            }
            return Err(e);
        }
    };
    // An older catalog over a newer one: allowed (rolling back is a use), but said.
    let older = previous.filter(|p| committed.snapshot.fetched_at < p.fetched_at);
    if let Some(p) = &older {
        committed.warnings.insert(
            0,
            format!(
                "this catalog was fetched at {}, before the snapshot it replaces ({}, fetched {}); it is current now",
                committed.snapshot.fetched_at, p.id, p.fetched_at
            ),
        );
    }
    let seconds = clock.elapsed().as_secs_f64();
    report(ctx, &committed, older.is_some(), seconds, format)?;
    Ok(Exit::Ok)
}

fn fetch(
    ctx: &Ctx<'_>,
    store: &mut Store,
    args: &SyncArgs,
    url: reqwest::Url,
    started: Timestamp,
) -> anyhow::Result<Committed> {
    let opts = WalkOptions {
        url,
        page_size: args.page_size,
        concurrency: args.concurrency as usize,
        timeout: Duration::from_secs_f64(args.timeout),
        retries: args.retries as u32,
        backoff: ctx.settings.backoff,
        max_body: args.max_body,
    };
    let bar = progress::bar(ctx, "syncing");
    let report = progress::reporter(bar.clone(), ctx.settings.quiet, ctx.settings.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The current catalog's ids: a walk that would drop most of them is not trusted.
    let before: Vec<String> = if args.allow_shrink {
        Vec::new()
    } else {
        store.names(true)?.into_iter().filter(|(n, id)| n == id).map(|(id, _)| id).collect()
    };
    let committed = store.write_snapshot(Feed::Network, |ingest| -> anyhow::Result<SnapshotMeta> {
        let stats = runtime.block_on(client::walk(&opts, ingest, report));
        bar.finish_and_clear();
        let stats = stats?;
        let gone = before.iter().filter(|id| !ingest.holds(id)).count();
        // (An empty answer is refused as such when it is committed.)
        if gone * 2 > before.len() && ingest.received() > 0 {
            let message = format!(
                "this sync would remove {gone} of the catalog's {} models: more than half, so it was not stored",
                before.len()
            );
            let hint = "a server that lies about paging looks like this; if the catalog really shrank, sync with --allow-shrink";
            return Err(UserError::new(message).hint(hint).into());
        }
        Ok(SnapshotMeta {
            started_at: started,
            fetched_at: started,
            source: api::shown(&opts.url),
            from_file: false,
            pages: stats.pages,
            total: stats.total,
            retries: stats.retries,
        })
    })?;
    Ok(committed)
}

impl PageSink for Ingest<'_> {
    fn reset(&mut self) -> anyhow::Result<()> {
        Ingest::reset(self);
        Ok(())
    }

    fn page(&mut self, number: u64, records: &[Box<RawValue>]) -> anyhow::Result<()> {
        Ok(self.add(number, records)?)
    }

    fn tally(&self) -> anyhow::Result<Collected> {
        Ok(Collected { collected: self.collected(), received: self.received(), fingerprint: self.fingerprint() })
    }
}

/// Reads at most `max` bytes of `input`; more is an error naming the cap.
fn read_capped(input: impl Read, size: Option<u64>, max: u64, shown: &str) -> anyhow::Result<Vec<u8>> {
    // A file says its size: read into room for it at once, not into a buffer
    // that doubles (and is copied) a dozen times on the way to 86 MB.
    let mut bytes = Vec::with_capacity(size.map_or(0, |n| n.min(max).saturating_add(1)) as usize);
    input.take(max.saturating_add(1)).read_to_end(&mut bytes).with_context(|| format!("cannot read {shown}"))?;
    if bytes.len() as u64 > max {
        return Err(UserError::new(format!("{shown} is larger than --max-body ({})", crate::numbers::bytes(max)))
            .hint("if the catalog really is that large, raise --max-body")
            .into());
    }
    Ok(bytes)
}

/// Imports a saved answer, a cometcat export, or a bare array of records.
fn import(store: &mut Store, path: &Path, max: u64, started: Timestamp) -> anyhow::Result<Committed> {
    let (bytes, source, shown) = if path == Path::new("-") {
        (read_capped(std::io::stdin().lock(), None, max, "stdin")?, "stdin".to_owned(), "stdin".to_owned())
    } else {
        let shown = path.display().to_string();
        let file = std::fs::File::open(path).with_context(|| format!("cannot read {shown}"))?;
        let source = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let size = file.metadata().ok().filter(std::fs::Metadata::is_file).map(|m| m.len());
        (read_capped(file, size, max, &shown)?, source.display().to_string(), shown)
    };
    let answer = Answer::parse(&bytes).map_err(|e| {
        UserError::new(format!("{shown} is not a model list: {e}"))
            .hint("give a saved /api/models answer, a `cometcat export --format json` file, or a JSON array of records")
    })?;
    let meta = answer.meta();
    let claimed = match &answer {
        Answer::Envelope(e) => e.fetched_at.as_deref(),
        Answer::Records(_) => None,
    };
    let (fetched_at, doubt) = fetch_time(claimed, started);
    let records = answer.into_records().map_err(|problem| match problem {
        Problem::Refused(message) => {
            UserError::new(format!("{shown} holds a failed answer (success: false): {message}"))
        }
        Problem::NoData => UserError::new(format!("{shown} has no `data` list of records")),
    })?;
    if let (Some(page), Some(total)) = (meta.page.filter(|&p| p > 0), meta.total)
        && total > meta.len
    {
        return Err(UserError::new(format!(
            "{shown} holds page {page} ({} records) of a catalog of {total} models",
            meta.len
        ))
        .hint("import the whole catalog: a page-0 answer, or a `cometcat export --format json` file")
        .into());
    }
    let mut committed = store.write_snapshot(Feed::File, |ingest| -> anyhow::Result<SnapshotMeta> {
        ingest.add(0, &records)?;
        if let Some(total) = meta.total {
            let collected = ingest.collected();
            if collected != total && ingest.received() != total {
                let message = format!("{shown} says it holds {total} models but has {collected} distinct ones");
                return Err(UserError::new(message).into());
            }
        }
        Ok(SnapshotMeta {
            started_at: started,
            fetched_at,
            source,
            from_file: true,
            pages: 1,
            total: meta.total,
            retries: 0,
        })
    })?;
    committed.warnings.splice(0..0, doubt.map(|d| format!("{shown}: {d}")));
    Ok(committed)
}

/// When an imported file's data left the API: the `fetched_at` it claims (a
/// cometcat export's), else the import time. The catalog-age gate trusts
/// this, so a time that cannot be read, or one in the future (beyond a few
/// minutes of clock skew), is not taken; the reason comes back with it.
fn fetch_time(claimed: Option<&str>, imported: Timestamp) -> (Timestamp, Option<String>) {
    let Some(text) = claimed else { return (imported, None) };
    match text.parse::<Timestamp>() {
        Err(_) => (imported, Some(format!("fetched_at {text:?} is not an RFC 3339 time; the import time is used"))),
        Ok(t) if t > imported + SignedDuration::from_mins(5) => {
            (imported, Some(format!("fetched_at {text} is in the future; the import time is used")))
        }
        Ok(t) => (t.min(imported), None),
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    snapshot: i64,
    source: &'a str,
    fetched_at: &'a str,
    models: i64,
    pages: i64,
    retries: i64,
    warnings: i64,
    quarantined: i64,
    duplicates: u64,
    added: i64,
    removed: i64,
    changed: i64,
    unchanged: bool,
    /// The catalog's data is older than the snapshot's it replaced.
    older_than_previous: bool,
    seconds: f64,
    messages: &'a [String],
}

fn report(ctx: &mut Ctx<'_>, c: &Committed, older: bool, seconds: f64, format: Format) -> anyhow::Result<()> {
    let s = &c.snapshot;
    let shown = if ctx.settings.verbose { c.warnings.len() } else { SHOWN_WARNINGS };
    for warning in c.warnings.iter().take(shown) {
        ctx.warn(warning);
    }
    if c.warnings.len() > shown {
        ctx.warn(format_args!("... and {} more (run with -v to see them all)", c.warnings.len() - shown));
    }
    if c.duplicates > 0 {
        ctx.note(format_args!("collapsed {} records listed twice", c.duplicates));
    }
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let change = match (c.unchanged, older) {
        (_, true) => " (older than the snapshot it replaces)",
        (true, false) => " (unchanged)",
        (false, false) => "",
    };
    ctx.note(format_args!(
        "{} {} from {} in {seconds:.2}s: {}, {}, {} quarantined; snapshot {}: +{} −{} ~{}{change}",
        if s.source_kind == "file" { "imported" } else { "synced" },
        plural(s.models, "model", "models"),
        plural(s.pages, "page", "pages"),
        plural(s.retries, "retry", "retries"),
        plural(s.warnings, "warning", "warnings"),
        s.quarantined,
        s.id,
        s.added,
        s.removed,
        s.changed,
    ));
    if format == Format::Json {
        let summary = Summary {
            snapshot: s.id,
            source: &s.source,
            fetched_at: &s.fetched_at,
            models: s.models,
            pages: s.pages,
            retries: s.retries,
            warnings: s.warnings,
            quarantined: s.quarantined,
            duplicates: c.duplicates,
            added: s.added,
            removed: s.removed,
            changed: s.changed,
            unchanged: c.unchanged,
            older_than_previous: older,
            seconds: (seconds * 1000.0).round() / 1000.0,
            messages: &c.warnings,
        };
        output::json(ctx.out, &summary)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_fetch_time_is_taken_only_when_it_can_be_true() {
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        let at = |t: &str| -> Timestamp { t.parse().unwrap() };
        assert_eq!(fetch_time(None, now), (now, None));
        assert_eq!(fetch_time(Some("2026-10-01T08:00:00Z"), now), (at("2026-10-01T08:00:00Z"), None));
        // A little clock skew is forgiven, but the time is never after the import.
        assert_eq!(fetch_time(Some("2026-11-26T12:03:00Z"), now), (now, None));
        let (t, why) = fetch_time(Some("2030-01-01T00:00:00Z"), now);
        assert_eq!(
            (t, why.as_deref()),
            (now, Some("fetched_at 2030-01-01T00:00:00Z is in the future; the import time is used"))
        );
        let (t, why) = fetch_time(Some("yesterday"), now);
        assert_eq!(
            (t, why.as_deref()),
            (now, Some("fetched_at \"yesterday\" is not an RFC 3339 time; the import time is used"))
        );
    }
}
