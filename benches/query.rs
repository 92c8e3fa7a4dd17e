//! `cargo bench --bench query`: whole-process wall time of a filtered `models`
//! query and of `export`, over 5,000- and 100,000-model catalogs, with the
//! query plan of the main query. Prints figures; asserts nothing about speed.
//!
//! Targets: the query under 30 ms (5k) and 300 ms (100k); export of 100k under 2 s.

mod common;

use cometcat::pricing::Money;
use cometcat::query::{self, Filters, Sort};

const QUERY: [&str; 9] =
    ["models", "--feature", "image-to-text", "--provider", "openai", "--max-input-price", "5", "--format", "json"];

fn main() {
    let dir = tempfile::tempdir().unwrap();
    for n in [5_000, 100_000] {
        let file = dir.path().join(format!("catalog-{n}.json"));
        common::write_catalog(&file, n);
        let db = dir.path().join(format!("catalog-{n}.db"));
        common::run(&db, &["sync", "--from", file.to_str().unwrap(), "-q"]);
        std::fs::remove_file(&file).unwrap();

        let (median, best, rows) = time(&db, &QUERY, 21);
        println!("{n:>7} models: `cometcat {}`", QUERY.join(" "));
        println!(
            "         median {:>10}, best {:>10} ({rows} models listed; target {})",
            common::ms(median),
            common::ms(best),
            if n == 5_000 { "30 ms" } else { "300 ms" }
        );
        for (name, args) in
            [("export (csv)", &["export"][..]), ("export --format json", &["export", "--format", "json"][..])]
        {
            let (median, best, _) = time(&db, args, 5);
            println!("         {name:<21} median {:>10}, best {:>10}", common::ms(median), common::ms(best));
        }
        if n == 100_000 {
            plan(&db);
        }
    }
}

/// Median and best wall time of `runs` runs (after one warm-up), and the
/// number of JSON array items the last run printed.
fn time(db: &std::path::Path, args: &[&str], runs: usize) -> (std::time::Duration, std::time::Duration, usize) {
    common::run(db, args);
    let mut walls = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        let m = common::run(db, args);
        walls.push(m.wall);
        last = m.stdout;
    }
    let rows =
        serde_json::from_str::<serde_json::Value>(&last).ok().and_then(|v| v.as_array().map(Vec::len)).unwrap_or(0);
    let best = *walls.iter().min().unwrap();
    (common::median(walls), best, rows)
}

/// EXPLAIN QUERY PLAN of the SQL the query layer builds for QUERY.
fn plan(db: &std::path::Path) {
    let filters = Filters {
        features: vec!["image-to-text".into()],
        providers: vec!["openai".into()],
        max_input_price: Some(Money::parse("5").unwrap()),
        ..Filters::default()
    };
    let q = query::current_models(cometcat::store::read::MODEL_COLUMNS, &filters, Sort::default(), None);
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", q.sql)).unwrap();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(&q.params), |r| Ok((r.get::<_, i64>(1)?, r.get::<_, String>(3)?)))
        .unwrap();
    println!("\nEXPLAIN QUERY PLAN of the main query (100k):");
    for row in rows {
        let (parent, detail) = row.unwrap();
        println!("  {}{detail}", if parent == 0 { "" } else { "  " });
    }
}
