//! What every command gets ([`Ctx`]: settings and stdout) and the few things
//! several commands do the same way: open the catalog (or the bundled
//! sample), read the workload flags, read a baseline.

use std::fmt::Display;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context as _;

use crate::cli::GateArgs;
use crate::cli::WorkloadArgs;
use crate::error::{Exit, UserError};
use crate::gate::baseline::{Baseline, MAX_BASELINE, Shape};
use crate::pricing::Workload;
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// What every command gets: settings, and stdout for its data. Notes,
/// warnings and progress go to stderr; `-q` silences all of them but errors.
pub struct Ctx<'a> {
    pub settings: Settings,
    pub out: &'a mut dyn Write,
}

impl Ctx<'_> {
    /// A line on stderr, unless `-q`. Catalog text in it cannot reach the
    /// terminal as control characters.
    pub fn note(&self, message: impl Display) {
        if !self.settings.quiet {
            eprintln!("{}", crate::output::visible(&message.to_string()));
        }
    }

    /// `warning: ...` on stderr, unless `-q`.
    pub fn warn(&self, message: impl Display) {
        self.note(format_args!("warning: {message}"));
    }
}

/// The catalog, or before any sync the bundled sample catalog, said so on
/// stderr: what `models`, `show`, the facets, `cost` and `rank` answer from.
pub fn catalog_or_sample(ctx: &Ctx<'_>) -> anyhow::Result<Store> {
    let (store, sample) = catalog_or_sample_at(&ctx.settings.db)?;
    if sample {
        ctx.note(crate::sample::note());
    }
    Ok(store)
}

/// The catalog at `db`, or before any sync the bundled sample catalog, with
/// whether it is the sample (for the caller to say so where it answers).
pub fn catalog_or_sample_at(db: &Path) -> anyhow::Result<(Store, bool)> {
    match Store::open(db) {
        Err(StoreError::Missing(_) | StoreError::Empty(_)) => Ok((crate::sample::open()?, true)),
        other => Ok((other?, false)),
    }
}

/// The catalog for a gate (`estimate`, `usage`): never the bundled sample. No
/// catalog is a policy failure (exit 4), as a stale one is.
pub fn catalog_for_gate(db: &Path, command: &str) -> anyhow::Result<Store> {
    match Store::open(db) {
        Err(StoreError::Missing(_) | StoreError::Empty(_)) => Err(UserError::new(format!(
            "no catalog synced: `{command}` never prices against the bundled sample catalog"
        ))
        .exit(Exit::Policy)
        .hint("run `cometcat sync` (or `cometcat sync --from FILE` offline) first")
        .into()),
        other => Ok(other?),
    }
}

/// The workload the flags describe; none at all is a usage error (a cost of
/// nothing would print $0 for every model).
pub fn workload(args: &WorkloadArgs) -> Result<Workload, UserError> {
    args.workload().ok_or_else(|| {
        UserError::usage("no workload was given, so there is nothing to price").hint(
            "give --input-tokens N and --output-tokens N (per call), --requests N (calls), or --seconds S \
             for models priced per second",
        )
    })
}

/// The earlier report `--baseline` names, read (at most [`MAX_BASELINE`]
/// bytes) as a report of `shape`.
/// `--baseline`, when given: the report, or with `--allow-missing-baseline`
/// and no such file, none and the file's name (the report says so).
pub fn baseline(gate: &GateArgs, shape: Shape) -> anyhow::Result<(Option<Baseline>, Option<String>)> {
    match gate.baseline.as_deref() {
        Some(path) if gate.allow_missing_baseline && !path.exists() => Ok((None, Some(path.display().to_string()))),
        Some(path) => Ok((Some(read_baseline(path, shape)?), None)),
        None => Ok((None, None)),
    }
}

pub fn read_baseline(path: &Path, shape: Shape) -> anyhow::Result<Baseline> {
    let shown = path.display().to_string();
    let text = read_input(path, &format!("the baseline {shown}"))?;
    Ok(Baseline::parse(&shown, &text, shape)?)
}

/// The most a workload or a baseline may hold: 64 MiB (a real one is a few KiB).
pub const MAX_INPUT: u64 = MAX_BASELINE;

/// A whole text file (`-`: stdin), at most [`MAX_INPUT`] bytes: a device or
/// an endless pipe is refused when it passes that, never read into memory.
pub fn read_input(path: &Path, what: &str) -> anyhow::Result<String> {
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("cannot read {what}"))?)
    };
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {what}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        let message =
            format!("{what} is larger than {}: cometcat reads at most that much", crate::numbers::bytes(MAX_INPUT));
        return Err(UserError::new(message).into());
    }
    String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("cannot read {what}: it is not UTF-8 text ({e})"))
}
