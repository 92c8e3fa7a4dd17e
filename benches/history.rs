//! `cargo bench --bench history`: storage and speed of the catalog history
//! after a year of daily syncs. Prints figures; asserts nothing about speed.
//!
//! 1. 365 daily snapshots of a 500-model catalog with a few changes each day
//!    (three ratios move; every 30 days one model leaves and another arrives):
//!    database size, model rows, and whole-process `diff` and `history` time.
//! 2. 365 syncs of an unchanged 500-model catalog: the model rows must not grow.
//!
//! Targets: the database under 20 MB; `diff` and `history` under 50 ms.
//! Also timed: `export --price-book` of that year (every price period and alias).

mod common;

use std::path::Path;

const MODELS: usize = 500;
const DAYS: usize = 365;
const RUNS: usize = 21;

/// Model `i` on day `day`: its ratio moves each time it is among the day's changes.
fn record(i: usize, day: usize) -> String {
    let moves = (1..=day).filter(|&d| changed(d).contains(&i)).count();
    let base = common::record(i);
    if moves == 0 {
        return base;
    }
    let ratio = format!("\"ratio\": 0.{}", 50 + moves % 49);
    base.replacen("\"ratio\": 0.8", &ratio, 1).replacen("\"ratio\": 1", &ratio, 1)
}

/// The models whose ratio moves on `day`.
fn changed(day: usize) -> [usize; 3] {
    [(day * 7) % MODELS, (day * 13 + 1) % MODELS, (day * 31 + 2) % MODELS]
}

/// The catalog of `day`: every 30 days one model is swapped for a new one.
fn catalog(day: usize) -> Vec<String> {
    let swaps = day / 30;
    (swaps..MODELS + swaps).map(|i| record(i, day)).collect()
}

fn write(path: &Path, records: &[String], day: usize) {
    let fetched = jiff::civil::date(2025, 1, 1).checked_add(jiff::Span::new().days(day as i64)).unwrap();
    let body = common::envelope(records, 0, 0, records.len()).replacen(
        "\"data\"",
        &format!("\"fetched_at\": \"{fetched}T06:00:00Z\", \"data\""),
        1,
    );
    std::fs::write(path, body).unwrap();
}

fn size(db: &Path) -> f64 {
    let wal = db.with_extension("db-wal");
    (std::fs::metadata(db).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())) as f64 / 1e6
}

fn rows(db: &Path) -> (i64, i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT (SELECT count(*) FROM snapshots), (SELECT count(*) FROM model_versions), (SELECT count(*) FROM spans)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("day.json");

    let db = dir.path().join("changing.db");
    for day in 0..DAYS {
        write(&file, &catalog(day), day);
        common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
    }
    let (snapshots, versions, spans) = rows(&db);
    println!("{DAYS} daily syncs of a {MODELS}-model catalog, 3 ratio changes a day, a model swapped every 30 days:");
    println!(
        "  {snapshots} snapshots, {versions} model versions, {spans} spans; database {:.2} MB (target 20 MB)",
        size(&db)
    );
    let busy = changed(200)[0];
    let busy_id = common::record(busy).split("\"id\": \"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let book = dir.path().join("price-book");
    let book = book.to_str().unwrap();
    let cases: [(&str, Vec<&str>); 7] = [
        ("diff (previous -> current)", vec!["diff", "--format", "json"]),
        ("diff 1 365 (the whole year)", vec!["diff", "1", "365", "--format", "json"]),
        ("diff 2025-03-01 2025-09-01", vec!["diff", "2025-03-01", "2025-09-01", "--format", "json"]),
        ("history MODEL", vec!["history", &busy_id, "--format", "json"]),
        ("history MODEL --all", vec!["history", &busy_id, "--all", "--format", "json"]),
        ("export --price-book (CSV)", vec!["export", "--price-book", "--output", book, "-q"]),
        (
            "export --price-book --format parquet",
            vec!["export", "--price-book", "--format", "parquet", "--output", book, "-q"],
        ),
    ];
    for (name, args) in &cases {
        let t = common::time(&db, args, RUNS);
        let target = if name.starts_with("export") { "" } else { " (target 50 ms)" };
        println!("  {name:<38} median {:>9}, best {:>9}{target}", common::ms(t.median), common::ms(t.best));
    }

    let db = dir.path().join("unchanged.db");
    write(&file, &catalog(0), 0);
    for _ in 0..DAYS {
        common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
    }
    let (snapshots, versions, spans) = rows(&db);
    println!("\n{DAYS} syncs of an unchanged {MODELS}-model catalog:");
    println!("  {snapshots} snapshots, {versions} model versions, {spans} spans; database {:.2} MB", size(&db));
}
