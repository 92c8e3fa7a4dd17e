//! `cargo bench --bench query`: whole-process wall time of a filtered `models`
//! query and of `export`, over 5,000- and 100,000-model catalogs, with the
//! query plan of the main query; and, over 100,000, wall time and peak memory
//! of listing every model. Prints figures; asserts nothing about speed.
//!
//! Targets: the query under 30 ms (5k) and 300 ms (100k); export of 100k under 2 s.

mod common;

use cometcat::pricing::Money;
use cometcat::query::{Filters, Sort};

const QUERY: [&str; 9] =
    ["models", "--feature", "image-to-text", "--provider", "openai", "--max-input-price", "5", "--format", "json"];

fn main() {
    let dir = tempfile::tempdir().unwrap();
    for n in [5_000, 100_000] {
        let file = dir.path().join(format!("catalog-{n}.json"));
        common::write_catalog(&file, n);
        let db = dir.path().join(format!("catalog-{n}.db"));
        common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
        std::fs::remove_file(&file).unwrap();

        let t = common::time(&db, &QUERY, 21);
        let listed =
            serde_json::from_str::<serde_json::Value>(&t.stdout).map_or(0, |v| v.as_array().map_or(0, Vec::len));
        println!("{n:>7} models: `cometcat {}`", QUERY.join(" "));
        println!(
            "         median {:>10}, best {:>10} ({listed} models listed; target {})",
            common::ms(t.median),
            common::ms(t.best),
            if n == 5_000 { "30 ms" } else { "300 ms" }
        );
        for (name, args) in
            [("export (csv)", &["export"][..]), ("export --format json", &["export", "--format", "json"][..])]
        {
            let t = common::time(&db, args, 5);
            println!("         {name:<21} median {:>10}, best {:>10}", common::ms(t.median), common::ms(t.best));
        }
        if n == 100_000 {
            // Everything at once: what streams, and what a table has to hold.
            for args in [
                &["models"][..],
                &["models", "--format", "json"][..],
                &["sql", "--format", "json", "SELECT * FROM models"][..],
            ] {
                let t = common::time(&db, args, 5);
                println!(
                    "         {:<46} median {:>10}, peak RSS {:>4} MiB",
                    format!("`cometcat {}`", args.join(" ")),
                    common::ms(t.median),
                    t.max_rss_kib / 1024
                );
            }
            plan(&db);
        }
    }
}

/// EXPLAIN QUERY PLAN of the SQL the query layer builds for QUERY.
fn plan(db: &std::path::Path) {
    let filters = Filters {
        features: vec!["image-to-text".into()],
        providers: vec!["openai".into()],
        max_input_price: Some(Money::parse("5").unwrap()),
        ..Filters::default()
    };
    let store = cometcat::store::Store::open(db).unwrap();
    println!("\nEXPLAIN QUERY PLAN of the main query (100k):");
    for line in store.query_plan(&filters, Sort::default()).unwrap() {
        println!("  {line}");
    }
}
