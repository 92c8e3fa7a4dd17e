//! `cometcat export`: the current catalog as CSV (SPEC columns), or as an
//! `/api/models` envelope holding every record exactly as received, which
//! `sync --from` re-imports with nothing lost. An export is the catalog, not a
//! listing: upcoming models are always in it, and an unfiltered JSON export
//! carries the quarantined records too. `--output` writes atomically.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::Context as _;

use super::Ctx;
use super::views::{CSV_COLUMNS, ModelJson};
use crate::cli::ExportArgs;
use crate::error::{Exit, UserError};
use crate::output::{CsvRows, Format};
use crate::query::{self, Filters, Sort};
use crate::store::Store;
use crate::store::read::MODEL_COLUMNS;

pub fn run(ctx: &mut Ctx<'_>, args: &ExportArgs) -> anyhow::Result<Exit> {
    let format = ctx.settings.format("export", Format::Csv, &[Format::Csv, Format::Json])?;
    let store = Store::open(&ctx.settings.db)?;
    let filters = Filters { include_upcoming: true, ..Filters::from(&args.filters) };
    let unfiltered = filters == Filters { include_upcoming: true, ..Filters::default() };
    let write = |out: &mut dyn Write| -> anyhow::Result<()> {
        if format == Format::Json {
            let snapshot = store.current_snapshot()?.expect("Store::open checked there is one");
            let mut records = store.records(&filters)?;
            if unfiltered {
                records.extend(store.current_quarantined()?);
            }
            envelope(out, &snapshot.fetched_at, &records)?;
        } else {
            let mut rows = CsvRows::new(out, &CSV_COLUMNS)?;
            let query = query::current_models(MODEL_COLUMNS, &filters, Sort::default(), None);
            store
                .each_model(&query, |m| -> anyhow::Result<()> { Ok(rows.row(&ModelJson::new(&m.model).csv_row())?) })?;
            rows.finish()?;
        }
        Ok(())
    };
    match &args.output {
        Some(path) => write_atomically(path, write)?,
        None => write(ctx.out)?,
    }
    Ok(Exit::Ok)
}

/// `{"success": true, "page": 0, "page_size": 0, "total": N, "fetched_at": ..., "data": [...]}`
/// with each record's text written verbatim.
fn envelope(out: &mut dyn Write, fetched_at: &str, records: &[String]) -> io::Result<()> {
    write!(
        out,
        "{{\n  \"success\": true,\n  \"page\": 0,\n  \"page_size\": 0,\n  \"total\": {},\n  \"fetched_at\": {},\n  \"data\": [",
        records.len(),
        serde_json::Value::from(fetched_at)
    )?;
    for (i, record) in records.iter().enumerate() {
        write!(out, "{}\n    {record}", if i == 0 { "" } else { "," })?;
    }
    writeln!(out, "{}]\n}}", if records.is_empty() { "" } else { "\n  " })
}

/// Writes `path` through a temporary file beside it, renamed into place only
/// when everything was written: a failed export leaves no half file.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(
            UserError::new(format!("cannot write {}: there is no folder {}", path.display(), dir.display())).into()
        );
    }
    // The error's kind alone: tempfile's message names its random file.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| {
        anyhow::Error::new(std::io::Error::from(e.kind())).context(format!("cannot write {}", path.display()))
    })?;
    {
        let mut out = BufWriter::new(tmp.as_file_mut());
        write(&mut out)?;
        out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_keeps_records_verbatim() {
        let mut out = Vec::new();
        envelope(&mut out, "2026-11-25T00:00:00Z", &[r#"{"id":"a","x":1e-7}"#.into(), r#"{ "id": "b" }"#.into()])
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"success\": true,\n  \"page\": 0,\n  \"page_size\": 0,\n  \"total\": 2,\n  \"fetched_at\": \"2026-11-25T00:00:00Z\",\n  \"data\": [\n    {\"id\":\"a\",\"x\":1e-7},\n    { \"id\": \"b\" }\n  ]\n}\n"
        );
        let mut out = Vec::new();
        envelope(&mut out, "t", &[]).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with("\"data\": []\n}\n"));
    }

    #[test]
    fn a_failed_export_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let result = write_atomically(&path, |out| {
            out.write_all(b"half")?;
            anyhow::bail!("the disk is full")
        });
        assert!(result.is_err());
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary file is left either");
        write_atomically(&path, |out| Ok(out.write_all(b"whole")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
    }
}
